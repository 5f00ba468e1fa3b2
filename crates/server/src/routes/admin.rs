//! The administrator: sign in with the printed link, create an election,
//! upload CVRs and the manifest, see reconciliation and tabulation, define
//! and commit the audit, enter the seed, launch rounds, create boards,
//! follow progress, download retrieval lists and tally sheets, sign off,
//! publish.

use super::{
    App, client_key, election_id, html, post_form, redirect, redirect_with_cookie, require_admin,
    session_or_new,
};
use crate::auth::{Role, board_code, check_csrf, constant_eq, secret_hash, session_cookie};
use crate::error::{AppError, AppResult};
use crate::events::{BoardDef, Event, FileRef};
use crate::forms::{Form, Upload, read_multipart};
use crate::pages::layout::{csrf, page};
use crate::pages::views;
use crate::state::{AuditState, parse_method};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use canvass_audit::workflow::{first_round, next_round, retrieval_order, round_sample};
use canvass_formats::{Format, SourceOptions};
use canvass_model::{BallotManifest, ManifestBatch};
use canvass_store::{NewAudit, SampleDraw};
use maud::html;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Query of the sign-in link.
#[derive(Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

/// `GET /signin?token=...`: the administrator's sign-in form.
pub async fn signin_form(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Query<TokenQuery>,
) -> Response {
    let (s, cookie) = session_or_new(&app, &headers);
    let body = html! {
        form method="post" action="/signin" {
            (csrf(&s))
            p { label for="token" { "Administrator sign-in token" } br;
                input id="token" name="token" type="password" size="70" autocomplete="off" value=(q.token.unwrap_or_default()); }
            button type="submit" { "Sign in as administrator" }
        }
    };
    html(page("Administrator sign-in", Some(&s), body), cookie)
}

/// `POST /signin`: check the token (rate limited) and start an admin session.
pub async fn signin(State(app): State<App>, req: Request) -> AppResult<Response> {
    app.sessions
        .attempt(&client_key(&req), app.config.signin_limit)?;
    let (old, form) = post_form(&app, req).await?;
    let token = form.get("token").unwrap_or("");
    if !constant_eq(&secret_hash(token), &app.admin_token_hash) {
        return Err(AppError::BadRequest(
            "That sign-in token is not right.".into(),
        ));
    }
    if let Some(o) = old {
        app.sessions.remove(&o.id);
    }
    let s = app.sessions.create(Role::Admin);
    Ok(redirect_with_cookie(
        "/admin",
        session_cookie(&s.id, app.config.secure_cookies),
    ))
}

/// `GET /admin`: elections and the form to create one.
pub async fn home(State(app): State<App>, headers: HeaderMap) -> AppResult<Response> {
    let s = require_admin(&app, &headers)?;
    let list = app
        .with(|inner, _| {
            Ok(inner
                .elections
                .values()
                .map(|e| (e.id, e.name.clone(), e.cards))
                .collect::<Vec<_>>())
        })
        .await?;
    let body = html! {
        h2 { "Elections" }
        ul { @for (id, name, cards) in &list { li { a href={ "/admin/e/" (id.0) } { (name) } " — " (views::n(*cards)) " cards" } } }
        h2 { "Create an election" }
        form method="post" action="/admin/elections" {
            (csrf(&s))
            label for="name" { "Name" } input id="name" name="name" type="text" required size="40";
            button type="submit" { "Create" }
        }
    };
    Ok(html(page("Administration", Some(&s), body), None))
}

/// `POST /admin/elections`: create an election.
pub async fn create_election(State(app): State<App>, req: Request) -> AppResult<Response> {
    require_admin(&app, req.headers())?;
    let (_, form) = post_form(&app, req).await?;
    let name = form.required("name", "The election's name")?;
    if name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(AppError::BadRequest(
            "The name must be one line of at most 200 characters.".into(),
        ));
    }
    let id = app
        .with(move |inner, _| {
            let id = inner.db.create_election(&name)?;
            inner
                .elections
                .insert(id, crate::state::ElectionState::new(id));
            inner.record(id, "admin", Event::ElectionCreated { name })?;
            Ok(id)
        })
        .await?;
    Ok(redirect(&format!("/admin/e/{}", id.0)))
}

/// `GET /admin/e/{id}`: the election's whole workflow on one page.
pub async fn election(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let s = require_admin(&app, &headers)?;
    let id = election_id(&id)?;
    let markup = app.with(move |inner, _| {
    let st = inner.election(id)?;
    let base = format!("/admin/e/{}", id.0);
    let committed = st.committed.is_some();
    let body = html! {
        p { a href={ "/e/" (id.0) } { "Public page" } " · " a href={ "/e/" (id.0) "/log" } { "Evidence log" } " · " a href={ "/e/" (id.0) "/report" } { "Audit report" } }
        h2 { "Status" }
        (views::summary(st))
        @if !committed {
            h2 { "1. Cast vote records" }
            form method="post" action={ (base) "/cvrs" } enctype="multipart/form-data" data-progress {
                (csrf(&s))
                label for="cvrfile" { "CVR file" } input id="cvrfile" type="file" name="file" required;
                label for="format" { "Format" }
                select id="format" name="format" {
                    option value="" { "detect" }
                    @for f in Format::ALL { option value=(f.name()) { (f.name()) } }
                }
                button type="submit" { "Upload CVRs" }
                progress hidden max="1" value="0" {} output {}
            }
            h2 { "2. Ballot manifest" }
            form method="post" action={ (base) "/manifest" } enctype="multipart/form-data" data-progress {
                (csrf(&s))
                label for="manfile" { "Manifest CSV (columns batch, ballots, optional tabulator)" }
                input id="manfile" type="file" name="file" required;
                button type="submit" { "Upload manifest" }
                progress hidden max="1" value="0" {} output {}
            }
        }
        h2 { "Reconciliation" }
        (reconciliation(st))
        h2 { "Tabulation" }
        (views::results(&st.results))
        @if !committed && !st.definition.contests.is_empty() {
            h2 { "3. Define the audit" }
            form method="post" action={ (base) "/audit" } {
                (csrf(&s))
                fieldset { legend { "Contests to audit" }
                    @for c in &st.definition.contests {
                        label { input type="checkbox" name="contest" value=(c.name) checked[st.audit.as_ref().is_some_and(|a| a.spec.contests.iter().any(|x| x.name == c.name))]; " " (c.name) }
                    }
                }
                label for="rl" { "Risk limit" } input id="rl" name="risk_limit" type="text" value="0.05" size="6";
                fieldset { legend { "Method" }
                    label { input type="radio" name="method" value="comparison" checked; " ballot comparison" }
                    label { input type="radio" name="method" value="polling"; " ballot polling" }
                }
                button type="submit" { "Define audit" }
            }
            @if st.audit.is_some() && st.manifest.is_some() {
                h2 { "4. Commit" }
                p { "Commit the CVRs, the manifest and the audit definition (a Merkle root in the signed log) before the seed is chosen." }
                form method="post" action={ (base) "/commit" } { (csrf(&s)) button type="submit" { "Commit" } }
            }
        }
        @if let Some(a) = &st.audit {
            @if committed { (audit_section(&s, &base, a)) }
        }
        h2 { "Findings for Rumor Control" }
        form method="post" action={ (base) "/finding" } enctype="multipart/form-data" {
            (csrf(&s))
            label for="finding" { "Finding JSON (canvass.finding.v1)" } input id="finding" type="file" name="file" required;
            button type="submit" { "Publish finding" }
        }
        h2 { "Evidence log" }
        form method="post" action={ (base) "/checkpoint" } { (csrf(&s)) button.secondary type="submit" { "Sign a checkpoint now" } }
        (views::log_table(&st.log, 20))
    };
    Ok(page(&st.name, Some(&s), body))
    }).await?;
    Ok(html(markup, None))
}

fn reconciliation(st: &crate::state::ElectionState) -> maud::Markup {
    let manifest_cards = st.manifest.as_ref().map(|(m, _)| m.total_cards());
    html! {
        table {
            tbody {
                tr { th scope="row" { "Cards in the manifest" } td.num { (manifest_cards.map(views::n).unwrap_or_else(|| "—".into())) } }
                tr { th scope="row" { "Cast vote records" } td.num { (views::n(st.cards)) } }
                @if let Some(a) = &st.audit {
                    tr { th scope="row" { "CVRs placed on the manifest" } td.num { (views::n(a.spec.cvrs)) } }
                    tr { th scope="row" { "Manifest cards without a CVR (phantoms)" } td.num { (views::n(a.spec.phantoms)) } }
                }
            }
        }
        @if let (Some(m), true) = (manifest_cards, st.cards > 0) {
            @if m < st.cards { p.bad { "The manifest holds fewer cards (" (views::n(m)) ") than there are CVRs (" (views::n(st.cards)) ")." } }
            @else if m > st.cards { p.warn { (views::n(m - st.cards)) " manifest cards have no CVR: the audit treats them as phantoms (worst case)." } }
            @else { p.ok { "Manifest and CVRs agree on the number of cards." } }
        }
        @if let Some(a) = &st.audit {
            details {
                summary { "Per batch" }
                table {
                    thead { tr { th scope="col" { "Tabulator" } th scope="col" { "Batch" } th.num scope="col" { "Manifest cards" } th.num scope="col" { "With CVR" } } }
                    tbody {
                        @for ((tab, batch), (cards, cvrs)) in per_batch(a) {
                            tr { td { (tab) } td { (batch) } td.num { (cards) } td.num { (cvrs) } }
                        }
                    }
                }
            }
        }
    }
}

fn per_batch(a: &AuditState) -> BTreeMap<(String, String), (u64, u64)> {
    let mut out: BTreeMap<(String, String), (u64, u64)> = BTreeMap::new();
    for c in &a.cards {
        let e = out
            .entry((c.tabulator.clone().unwrap_or_default(), c.batch.clone()))
            .or_default();
        e.0 += 1;
        if !c.is_phantom() {
            e.1 += 1;
        }
    }
    out
}

fn audit_section(s: &crate::auth::Session, base: &str, a: &AuditState) -> maud::Markup {
    let round = a.rounds.len();
    let round_boards: Vec<(usize, &crate::state::Board)> = a
        .boards
        .iter()
        .enumerate()
        .filter(|(_, b)| b.round as usize == round)
        .collect();
    html! {
        @if a.seed.is_none() {
            h2 { "5. Public random seed" }
            form method="post" action={ (base) "/seed" } {
                (csrf(s))
                label for="seed" { "Seed (e.g. 20 digits from ten-sided dice rolled in public)" }
                input id="seed" name="seed" type="text" size="30" required pattern="[0-9A-Za-z ._-]{1,200}";
                button type="submit" { "Record seed" }
            }
        } @else {
            h2 { "Rounds" }
            div data-live {
                (views::risk_table(a))
                @if a.spec.method == canvass_audit::workflow::Method::Comparison { (views::discrepancy_table(a)) }
                h3 { "Boards" }
                table {
                    thead { tr { th scope="col" { "Board" } th scope="col" { "Round" } th scope="col" { "Members" } th.num scope="col" { "Entered" } th.num scope="col" { "Cards" } th scope="col" { "Signed off" } th scope="col" { "Tally sheet" } } }
                    tbody {
                        @for (i, b) in a.boards.iter().enumerate() {
                            tr {
                                td { (b.def.name) } td { (b.round) }
                                td { (b.members.as_ref().map(|m| m.join(", ")).unwrap_or_default()) }
                                td.num { (b.def.cards.iter().filter(|c| a.paper.contains_key(&(**c as usize))).count()) }
                                td.num { (b.def.cards.len()) }
                                td { @if b.signed_off { span.ok { "yes" } } @else { "no" } }
                                td { a href={ (base) "/tally/" (i) } { "print" } }
                            }
                        }
                    }
                }
            }
            @if round > 0 {
                p { a href={ (base) "/retrieval.csv?round=" (round) } { "Retrieval list, round " (round) " (CSV)" } " · "
                    a href={ (base) "/cards.csv" } { "Cards and their CVRs (CSV)" } }
                @if round_boards.is_empty() {
                    form method="post" action={ (base) "/boards" } {
                        (csrf(s))
                        label for="boards" { "Audit boards for round " (round) } input id="boards" name="count" type="number" min="1" max="200" value="2";
                        button type="submit" { "Create boards" }
                    }
                }
            }
            form method="post" action={ (base) "/round" } {
                (csrf(s))
                button type="submit" { "Launch round " (round + 1) }
                " " span.note { "(only when the current round is complete and a contest needs more cards)" }
            }
            @if a.finished() {
                h2 { "Sign off" }
                form method="post" action={ (base) "/signoff" } {
                    (csrf(s))
                    label for="statement" { "Statement" } br;
                    textarea id="statement" name="statement" rows="3" cols="70" { "The audit met its risk limit for every audited contest; the reported outcomes are confirmed." }
                    br; button type="submit" { "Sign off the audit" }
                }
                form method="post" action={ (base) "/publish" } { (csrf(s)) button type="submit" { "Publish the record" } }
            }
        }
    }
}

async fn upload(app: &App, req: Request) -> AppResult<(Form, Upload)> {
    let session = app.sessions.get(req.headers());
    let (parts, body) = req.into_parts();
    let dir = app.config.data_dir.join("uploads");
    let (form, file) = read_multipart(&parts, body, &dir, app.config.upload_limit).await?;
    if let Err(e) = check_csrf(session.as_ref(), form.get("csrf")) {
        if let Some(f) = file {
            let _ = tokio::fs::remove_file(&f.path).await;
        }
        return Err(e);
    }
    let file = file.ok_or_else(|| AppError::BadRequest("Choose a file to upload.".into()))?;
    Ok((form, file))
}

/// `POST /admin/e/{id}/cvrs`: stream a CVR file to disk, read it (any
/// format `canvass_formats` reads) and import its cards in one transaction.
pub async fn upload_cvrs(
    State(app): State<App>,
    Path(id): Path<String>,
    req: Request,
) -> AppResult<Response> {
    require_admin(&app, req.headers())?;
    let id = election_id(&id)?;
    let (form, file) = upload(&app, req).await?;
    let format = match form.get("format").map(str::trim).filter(|f| !f.is_empty()) {
        Some(f) => Some(f.parse::<Format>().map_err(AppError::BadRequest)?),
        None => None,
    };
    let path = file.path.clone();
    let result = app
        .with(move |inner, _| {
            let st = inner.election(id)?;
            if st.committed.is_some() {
                return Err(AppError::Conflict(
                    "The election is committed: no more CVRs can be added.".into(),
                ));
            }
            let mut definition = st.definition.clone();
            let fmt = match format {
                Some(f) => f,
                None => canvass_formats::detect(&file.path).map_err(|e| {
                    AppError::BadRequest(format!(
                        "{}: {}",
                        file.name,
                        strip_path(&e.to_string(), &file)
                    ))
                })?,
            };
            // Each card goes into the store's import transaction as it is
            // read: memory stays flat whatever the file's size.
            let mut import = inner.db.card_import(id)?;
            let mut refused: Option<canvass_store::StoreError> = None;
            let read = canvass_formats::read_path(
                &file.path,
                fmt,
                &SourceOptions::default(),
                &mut definition,
                &mut |def, c| {
                    import.push(def, &c).map_err(|e| {
                        let message = e.to_string();
                        refused = Some(e);
                        canvass_formats::FormatError::Rejected {
                            at: canvass_formats::Location::record(&file.path, c.source.record),
                            message,
                        }
                    })
                },
            );
            // A refused or unreadable file rolls the transaction back (drop).
            let stored = match (read, refused) {
                (Ok(()), None) => import.commit(&definition),
                (_, Some(e)) => {
                    drop(import);
                    Err(e)
                }
                (Err(e), None) => {
                    drop(import);
                    return Err(AppError::BadRequest(strip_path(&e.to_string(), &file)));
                }
            };
            let summary = stored.map_err(|e| match e {
                canvass_store::StoreError::DuplicateCard { .. }
                | canvass_store::StoreError::DefinitionConflict { .. }
                | canvass_store::StoreError::InvalidCard { .. } => {
                    AppError::BadRequest(strip_path(&e.to_string(), &file))
                }
                other => other.into(),
            })?;
            inner.record(
                id,
                "admin",
                Event::CvrsImported {
                    file: FileRef {
                        name: file.name.clone(),
                        sha256: file.sha256.clone(),
                        bytes: file.bytes,
                    },
                    format: fmt.name().to_owned(),
                    cards: summary.cards,
                    first_seq: summary.first_seq,
                },
            )?;
            Ok(())
        })
        .await;
    let _ = tokio::fs::remove_file(&path).await;
    result?;
    Ok(redirect(&format!("/admin/e/{}", id.0)))
}

/// Error texts name the uploaded file by its name, not the server's path.
fn strip_path(text: &str, file: &Upload) -> String {
    text.replace(&file.path.display().to_string(), &file.name)
}

/// Read a manifest CSV: `batch`, `ballots` (or `cards`), optional `tabulator`.
pub fn parse_manifest(name: &str, bytes: &[u8]) -> Result<BallotManifest, String> {
    let mut r = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let headers: Vec<String> = r
        .headers()
        .map_err(|_| format!("{name}, row 1: not valid CSV"))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_lowercase())
        .collect();
    let col = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
    let batch_col = col(&["batch", "batch name", "batch_name", "container"])
        .ok_or(format!("{name}, row 1: the manifest needs a batch column"))?;
    let count_col = col(&["ballots", "cards", "number of ballots", "number_of_ballots"]).ok_or(
        format!("{name}, row 1: the manifest needs a ballots column"),
    )?;
    let tab_col = col(&["tabulator"]);
    let mut batches = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let row = i + 2;
        let rec = rec.map_err(|_| format!("{name}, row {row}: not valid CSV"))?;
        let batch = rec.get(batch_col).unwrap_or("").trim().to_owned();
        if batch.is_empty() {
            return Err(format!("{name}, row {row}, field \"batch\": empty"));
        }
        let count = rec.get(count_col).unwrap_or("").trim();
        let cards: u64 = count.parse().map_err(|_| {
            format!("{name}, row {row}, field \"ballots\": {count:?} is not a whole number")
        })?;
        let tabulator = tab_col
            .and_then(|c| rec.get(c))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        batches.push(ManifestBatch {
            tabulator,
            batch,
            cards,
        });
    }
    BallotManifest::new(batches).map_err(|e| format!("{name}: {e}"))
}

/// `POST /admin/e/{id}/manifest`: import a ballot manifest.
pub async fn upload_manifest(
    State(app): State<App>,
    Path(id): Path<String>,
    req: Request,
) -> AppResult<Response> {
    require_admin(&app, req.headers())?;
    let id = election_id(&id)?;
    let (_, file) = upload(&app, req).await?;
    let bytes = tokio::fs::read(&file.path)
        .await
        .map_err(AppError::internal);
    let _ = tokio::fs::remove_file(&file.path).await;
    let manifest = parse_manifest(&file.name, &bytes?).map_err(AppError::BadRequest)?;
    app.with(move |inner, _| {
        if inner.election(id)?.committed.is_some() {
            return Err(AppError::Conflict(
                "The election is committed: the manifest cannot change.".into(),
            ));
        }
        inner.db.import_manifest(id, &manifest)?;
        inner.record(
            id,
            "admin",
            Event::ManifestImported {
                file: FileRef {
                    name: file.name,
                    sha256: file.sha256,
                    bytes: file.bytes,
                },
                batches: manifest.batches.len() as u64,
                cards: manifest.total_cards(),
            },
        )?;
        Ok(())
    })
    .await?;
    Ok(redirect(&format!("/admin/e/{}", id.0)))
}

/// `POST /admin/e/{id}/audit`: define the audit (contests, risk limit, method).
pub async fn define_audit(
    State(app): State<App>,
    Path(id): Path<String>,
    req: Request,
) -> AppResult<Response> {
    require_admin(&app, req.headers())?;
    let id = election_id(&id)?;
    let (_, form) = post_form(&app, req).await?;
    let contests: Vec<String> = form.all("contest").iter().map(|s| s.to_string()).collect();
    let risk_limit = form.required("risk_limit", "The risk limit")?;
    let rl: f64 = risk_limit
        .parse()
        .ok()
        .filter(|r: &f64| *r > 0.0 && *r < 1.0)
        .ok_or_else(|| {
            AppError::BadRequest(
                "The risk limit must be a number between 0 and 1, e.g. 0.05.".into(),
            )
        })?;
    let method = form
        .get("method")
        .and_then(parse_method)
        .ok_or_else(|| AppError::BadRequest("Choose comparison or polling.".into()))?;
    app.with(move |inner, _| {
        let st = inner.election(id)?;
        if st.committed.is_some() {
            return Err(AppError::Conflict("The audit is already committed.".into()));
        }
        // Check before logging: the same build runs when the event is applied.
        st.build(&inner.db, &contests, rl, method)
            .map_err(AppError::BadRequest)?;
        inner.record(
            id,
            "admin",
            Event::AuditDefined {
                contests,
                risk_limit,
                method: method.name().to_owned(),
            },
        )?;
        Ok(())
    })
    .await?;
    Ok(redirect(&format!("/admin/e/{}", id.0)))
}

/// `POST /admin/e/{id}/commit`: the Merkle root over the stored cards, the
/// manifest's and the audit definition's hashes, in the signed log.
pub async fn commit(
    State(app): State<App>,
    Path(id): Path<String>,
    req: Request,
) -> AppResult<Response> {
    require_admin(&app, req.headers())?;
    let id = election_id(&id)?;
    post_form(&app, req).await?;
    app.with(move |inner, app| {
        let st = inner.election(id)?;
        if st.committed.is_some() {
            return Err(AppError::Conflict("Already committed.".into()));
        }
        let (Some(a), Some((_, mfile))) = (&st.audit, &st.manifest) else {
            return Err(AppError::Conflict(
                "Upload the manifest and define the audit first.".into(),
            ));
        };
        let spec_json =
            canvass_evidence::canonical::canonical_json(&a.spec).map_err(AppError::internal)?;
        let audit_sha256 = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&spec_json));
        let manifest_sha256 = mfile.sha256.clone();
        let definition = st.definition.clone();
        let mut committer = canvass_evidence::commitment::CardCommitter::new();
        let mut failed = None;
        inner.db.each_card(id, |card| {
            if failed.is_none()
                && let Err(e) = committer.push(&definition, card)
            {
                failed = Some(e);
            }
            Ok(())
        })?;
        if let Some(e) = failed {
            return Err(AppError::internal(e));
        }
        let (cards, root) = committer.finish(&definition).map_err(AppError::internal)?;
        inner.record(
            id,
            "admin",
            Event::Committed {
                cards,
                root: hex::encode(root),
                manifest_sha256,
                audit_sha256,
            },
        )?;
        app.checkpoint(inner, id)
    })
    .await?;
    Ok(redirect(&format!("/admin/e/{}", id.0)))
}

/// `POST /admin/e/{id}/seed`: record the public seed (once, after the commitment).
pub async fn seed(
    State(app): State<App>,
    Path(id): Path<String>,
    req: Request,
) -> AppResult<Response> {
    require_admin(&app, req.headers())?;
    let id = election_id(&id)?;
    let (_, form) = post_form(&app, req).await?;
    let seed = form.required("seed", "The seed")?;
    if seed.len() > 200 || seed.chars().any(char::is_control) {
        return Err(AppError::BadRequest(
            "The seed must be one line of at most 200 characters.".into(),
        ));
    }
    app.with(move |inner, app| {
        let st = inner.election(id)?;
        let a = st.audit.as_ref().ok_or(AppError::Conflict(
            "Define and commit the audit first.".into(),
        ))?;
        if st.committed.is_none() {
            return Err(AppError::Conflict(
                "Commit before the seed is chosen.".into(),
            ));
        }
        if a.seed.is_some() {
            return Err(AppError::Conflict("The seed is already recorded.".into()));
        }
        let settings = String::from_utf8(
            canvass_evidence::canonical::canonical_json(&a.spec).map_err(AppError::internal)?,
        )
        .map_err(AppError::internal)?;
        let new = NewAudit {
            name: st.name.clone(),
            risk_limit: a.risk_limit_text.clone(),
            seed: seed.clone(),
            settings,
        };
        let audit = inner.db.create_audit(id, &new)?;
        inner.record(
            id,
            "admin",
            Event::Seeded {
                seed,
                store_audit: audit.0,
            },
        )?;
        app.checkpoint(inner, id)
    })
    .await?;
    Ok(redirect(&format!("/admin/e/{}", id.0)))
}

/// `POST /admin/e/{id}/round`: launch the next round (sizes from the workflow).
pub async fn launch_round(
    State(app): State<App>,
    Path(id): Path<String>,
    req: Request,
) -> AppResult<Response> {
    require_admin(&app, req.headers())?;
    let id = election_id(&id)?;
    post_form(&app, req).await?;
    app.with(move |inner, app| {
        let st = inner.election(id)?;
        let a = st
            .audit
            .as_ref()
            .ok_or(AppError::Conflict("Define the audit first.".into()))?;
        let (Some(order), Some(store_audit)) = (&a.order, a.store_audit) else {
            return Err(AppError::Conflict("Record the seed first.".into()));
        };
        let plan = match a.rounds.last() {
            None => first_round(&a.spec),
            Some(cur) => next_round(cur, &a.statuses, a.missing_paper())
                .map_err(|e| AppError::Conflict(e.to_string()))?,
        };
        let before = a
            .rounds
            .last()
            .map(|r| r.sizes())
            .unwrap_or_else(|| vec![0; a.spec.contests.len()]);
        let sample = round_sample(order, &before, &plan.sizes());
        let draws: Vec<SampleDraw> = sample
            .iter()
            .filter(|e| e.new)
            .filter_map(|e| {
                let card = a.cards.get(e.card)?;
                Some(SampleDraw {
                    card: canvass_model::CardId::new(card.card_id.clone()?),
                    ticket: order.tickets.get(e.card).map(|t| format!("0.{t}")),
                })
            })
            .collect();
        let new_cards = sample.iter().filter(|e| e.new).count() as u64;
        let sizes = plan.sizes();
        let round = plan.round;
        inner.db.record_round(store_audit, round, &draws)?;
        inner.record(
            id,
            "admin",
            Event::RoundLaunched {
                round,
                sizes,
                new_cards,
            },
        )?;
        app.checkpoint(inner, id)
    })
    .await?;
    Ok(redirect(&format!("/admin/e/{}", id.0)))
}

/// Split a round's new cards (shelf order) among `count` boards: whole
/// batches, each to the board with the fewest cards so far.
pub fn assign(a: &AuditState, round: usize, count: usize) -> Vec<Vec<u64>> {
    let sample = a
        .samples
        .get(round.saturating_sub(1))
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let list = retrieval_order(&a.cards, sample);
    let mut boards: Vec<Vec<u64>> = vec![Vec::new(); count.max(1)];
    let mut i = 0;
    while i < list.len() {
        let key = |k: usize| {
            list.get(k)
                .and_then(|&c| a.cards.get(c))
                .map(|c| (c.tabulator.clone(), c.batch.clone()))
        };
        let this = key(i);
        let mut j = i;
        while j < list.len() && key(j) == this {
            j += 1;
        }
        let target = (0..boards.len())
            .min_by_key(|&b| (boards.get(b).map_or(0, Vec::len), b))
            .unwrap_or(0);
        if let Some(b) = boards.get_mut(target) {
            b.extend(list.get(i..j).unwrap_or(&[]).iter().map(|&c| c as u64));
        }
        i = j;
    }
    boards
}

/// `POST /admin/e/{id}/boards`: create the round's audit boards; shows each
/// board's sign-in code once.
pub async fn create_boards(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
    req: Request,
) -> AppResult<Response> {
    let s = require_admin(&app, &headers)?;
    let id = election_id(&id)?;
    let (_, form) = post_form(&app, req).await?;
    let count: usize = form
        .get("count")
        .and_then(|c| c.trim().parse().ok())
        .filter(|c| (1..=200).contains(c))
        .ok_or_else(|| AppError::BadRequest("Give a number of boards from 1 to 200.".into()))?;
    let codes = app
        .with(move |inner, _| {
            let st = inner.election(id)?;
            let a = st
                .audit
                .as_ref()
                .ok_or(AppError::Conflict("No audit yet.".into()))?;
            let round = a.rounds.len();
            if round == 0 {
                return Err(AppError::Conflict("Launch a round first.".into()));
            }
            if a.boards.iter().any(|b| b.round as usize == round) {
                return Err(AppError::Conflict(format!(
                    "Boards for round {round} already exist."
                )));
            }
            let first = a.boards.len();
            let mut codes = Vec::new();
            let mut defs = Vec::new();
            for (k, cards) in assign(a, round, count).into_iter().enumerate() {
                let code = board_code();
                defs.push(BoardDef {
                    name: format!("Board {}", first + k + 1),
                    code_sha256: secret_hash(&code),
                    cards,
                });
                codes.push((format!("Board {}", first + k + 1), code));
            }
            inner.record(
                id,
                "admin",
                Event::BoardsCreated {
                    round: round as u32,
                    boards: defs,
                },
            )?;
            Ok(codes)
        })
        .await?;
    let body = html! {
        p { "Give each board its code or link. " strong { "The codes are shown only now" } " (the server keeps only their hashes). Print this page." }
        table {
            thead { tr { th scope="col" { "Board" } th scope="col" { "Code" } th scope="col" { "Sign-in link" } } }
            tbody { @for (name, code) in &codes {
                tr { td { (name) } td.code { (code) } td { a href={ "/board/signin?code=" (code) } { "/board/signin?code=" (code) } } }
            } }
        }
        p { a href={ "/admin/e/" (id.0) } { "Back to the election" } }
    };
    Ok(html(page("Audit board codes", Some(&s), body), None))
}

/// Query naming a round.
#[derive(Deserialize)]
pub struct RoundQuery {
    round: Option<u32>,
}

/// `GET /admin/e/{id}/retrieval.csv?round=N`: the round's cards in shelf order with their boards.
pub async fn retrieval_csv(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<RoundQuery>,
) -> AppResult<Response> {
    require_admin(&app, &headers)?;
    let id = election_id(&id)?;
    let bytes = app
        .with(move |inner, _| {
            let a = inner
                .election(id)?
                .audit
                .as_ref()
                .ok_or(AppError::NotFound)?;
            let round = q.round.unwrap_or(a.rounds.len() as u32).max(1) as usize;
            let sample = a.samples.get(round - 1).ok_or(AppError::NotFound)?;
            let order = a.order.as_ref().ok_or(AppError::NotFound)?;
            let board_of: BTreeMap<u64, &str> = a
                .boards
                .iter()
                .flat_map(|b| b.def.cards.iter().map(move |c| (*c, b.def.name.as_str())))
                .collect();
            let mut w = csv::Writer::from_writer(Vec::new());
            let row = |w: &mut csv::Writer<Vec<u8>>, r: &[&str]| {
                w.write_record(r).map_err(AppError::internal)
            };
            row(
                &mut w,
                &[
                    "tabulator",
                    "batch",
                    "position",
                    "imprinted_id",
                    "card_id",
                    "phantom",
                    "ticket",
                    "board",
                ],
            )?;
            for i in retrieval_order(&a.cards, sample) {
                let Some(c) = a.cards.get(i) else { continue };
                let ticket = format!(
                    "0.{}",
                    order.tickets.get(i).map(String::as_str).unwrap_or("")
                );
                let pos = c.position.to_string();
                row(
                    &mut w,
                    &[
                        c.tabulator.as_deref().unwrap_or(""),
                        &c.batch,
                        &pos,
                        c.imprinted_id.as_deref().unwrap_or(""),
                        c.card_id.as_deref().unwrap_or(""),
                        if c.is_phantom() { "yes" } else { "no" },
                        &ticket,
                        board_of.get(&(i as u64)).copied().unwrap_or(""),
                    ],
                )?;
            }
            w.into_inner().map_err(AppError::internal)
        })
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"retrieval-election-{}.csv\"", id.0),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// `GET /admin/e/{id}/tally/{board}`: a board's printable tally sheet.
pub async fn tally_sheet(
    State(app): State<App>,
    headers: HeaderMap,
    Path((id, board)): Path<(String, String)>,
) -> AppResult<Response> {
    let s = require_admin(&app, &headers)?;
    let id = election_id(&id)?;
    let board: usize = board.parse().map_err(|_| AppError::NotFound)?;
    let page = app
        .with(move |inner, _| {
            let st = inner.election(id)?;
            let a = st.audit.as_ref().ok_or(AppError::NotFound)?;
            crate::routes::board::tally_sheet_page(st, a, board, Some(&s))
        })
        .await?;
    Ok(html(page, None))
}

/// `POST /admin/e/{id}/signoff`: sign off a finished audit.
pub async fn signoff(
    State(app): State<App>,
    Path(id): Path<String>,
    req: Request,
) -> AppResult<Response> {
    require_admin(&app, req.headers())?;
    let id = election_id(&id)?;
    let (_, form) = post_form(&app, req).await?;
    let statement = form.required("statement", "The statement")?;
    if statement.len() > 2000 {
        return Err(AppError::BadRequest("The statement is too long.".into()));
    }
    app.with(move |inner, app| {
        let st = inner.election(id)?;
        if !st.audit.as_ref().is_some_and(AuditState::finished) {
            return Err(AppError::Conflict(
                "Every audited contest must be confirmed or hand counted first.".into(),
            ));
        }
        if st.signed_off.is_some() {
            return Err(AppError::Conflict("Already signed off.".into()));
        }
        inner.record(id, "admin", Event::AuditSignedOff { statement })?;
        app.checkpoint(inner, id)
    })
    .await?;
    Ok(redirect(&format!("/admin/e/{}", id.0)))
}

/// `POST /admin/e/{id}/publish`: publish the record.
pub async fn publish(
    State(app): State<App>,
    Path(id): Path<String>,
    req: Request,
) -> AppResult<Response> {
    require_admin(&app, req.headers())?;
    let id = election_id(&id)?;
    post_form(&app, req).await?;
    app.with(move |inner, app| {
        let st = inner.election(id)?;
        if st.signed_off.is_none() {
            return Err(AppError::Conflict("Sign off the audit first.".into()));
        }
        if st.published {
            return Err(AppError::Conflict("Already published.".into()));
        }
        inner.record(id, "admin", Event::Published {})?;
        app.checkpoint(inner, id)
    })
    .await?;
    Ok(redirect(&format!("/e/{}", id.0)))
}

/// `POST /admin/e/{id}/checkpoint`: sign a checkpoint now.
pub async fn checkpoint(
    State(app): State<App>,
    Path(id): Path<String>,
    req: Request,
) -> AppResult<Response> {
    require_admin(&app, req.headers())?;
    let id = election_id(&id)?;
    post_form(&app, req).await?;
    app.with(move |inner, app| app.checkpoint(inner, id))
        .await?;
    Ok(redirect(&format!("/e/{}/log", id.0)))
}

/// `POST /admin/e/{id}/finding`: publish a finding (`canvass.finding.v1`) for Rumor Control.
pub async fn publish_finding(
    State(app): State<App>,
    Path(id): Path<String>,
    req: Request,
) -> AppResult<Response> {
    require_admin(&app, req.headers())?;
    let id = election_id(&id)?;
    let (_, file) = upload(&app, req).await?;
    let bytes = tokio::fs::read(&file.path)
        .await
        .map_err(AppError::internal);
    let _ = tokio::fs::remove_file(&file.path).await;
    let finding: canvass_checks::finding::Finding = serde_json::from_slice(&bytes?)
        .map_err(|e| AppError::BadRequest(format!("{}: not a finding: {e}", file.name)))?;
    if finding.schema != canvass_checks::finding::SCHEMA {
        return Err(AppError::BadRequest(format!(
            "{}: schema {:?}, expected {}",
            file.name,
            finding.schema,
            canvass_checks::finding::SCHEMA
        )));
    }
    let value = serde_json::to_value(&finding).map_err(AppError::internal)?;
    app.with(move |inner, app| {
        inner.election(id)?;
        inner.record(id, "admin", Event::FindingPublished { finding: value })?;
        app.labels.refresh(inner)?;
        app.checkpoint(inner, id)
    })
    .await?;
    Ok(redirect("/rumors"))
}

/// `GET /admin/e/{id}/cards.csv`: every manifest card with its CVR's
/// selections in the audited contests (empty card id: a phantom) — the
/// audit's view of the CVRs, as committed.
pub async fn cards_csv(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> AppResult<Response> {
    require_admin(&app, &headers)?;
    let id = election_id(&id)?;
    let bytes = app
        .with(move |inner, _| {
            let a = inner
                .election(id)?
                .audit
                .as_ref()
                .ok_or(AppError::NotFound)?;
            let mut w = csv::Writer::from_writer(Vec::new());
            let mut head: Vec<String> = [
                "index",
                "tabulator",
                "batch",
                "position",
                "imprinted_id",
                "card_id",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect();
            head.extend(a.spec.contests.iter().map(|c| c.name.clone()));
            w.write_record(&head).map_err(AppError::internal)?;
            for (i, c) in a.cards.iter().enumerate() {
                let mut row = vec![
                    i.to_string(),
                    c.tabulator.clone().unwrap_or_default(),
                    c.batch.clone(),
                    c.position.to_string(),
                    c.imprinted_id.clone().unwrap_or_default(),
                    c.card_id.clone().unwrap_or_default(),
                ];
                row.extend(
                    c.votes
                        .iter()
                        .zip(&a.spec.contests)
                        .map(|(s, spec)| s.to_text(spec)),
                );
                w.write_record(&row).map_err(AppError::internal)?;
            }
            w.into_inner().map_err(AppError::internal)
        })
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"cards-election-{}.csv\"", id.0),
            ),
        ],
        bytes,
    )
        .into_response())
}
