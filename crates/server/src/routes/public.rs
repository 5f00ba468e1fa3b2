//! Public pages: elections, results, the audit report (with inline SVG
//! charts), the evidence log with its signed checkpoints, the record
//! download, and Rumor Control (Rumor, Reality, Evidence; the label the
//! label API gives; a form that checks a post).

use super::{App, client_key, election_id, html, post_form, session_or_new};
use crate::auth::Session;
use crate::error::{AppError, AppResult};
use crate::pages::layout::{csrf, page};
use crate::pages::views;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use canvass_checks::claims::Decision;
use canvass_store::ElectionId;
use maud::{Markup, html};

/// `GET /`: every election.
pub async fn home(State(app): State<App>, headers: HeaderMap) -> AppResult<Response> {
    let s = app.sessions.get(&headers);
    let list = app
        .with(|inner, _| {
            Ok(inner
                .elections
                .values()
                .map(|e| {
                    (
                        e.id,
                        e.name.clone(),
                        e.published,
                        e.audit.as_ref().is_some_and(|a| a.finished()),
                    )
                })
                .collect::<Vec<_>>())
        })
        .await?;
    let body = html! {
        p { "Every election on this server, its results, its audit and its evidence log. Everything here can be checked from the downloadable record." }
        ul { @for (id, name, published, finished) in &list {
            li { a href={ "/e/" (id.0) } { (name) }
                 @if *published { " — " span.ok { "record published" } } @else if *finished { " — audit complete" } }
        } }
        @if list.is_empty() { p.note { "No elections yet." } }
        p { a href="/rumors" { "Rumor Control" } " · " a href="/signin" { "Administrator sign-in" } " · " a href="/board/signin" { "Audit board sign-in" } }
    };
    Ok(html(page("Elections", s.as_ref(), body), None))
}

/// `GET /e/{id}`: results and where the audit stands.
pub async fn election(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = election_id(&id)?;
    let s = app.sessions.get(&headers);
    let markup = app.with(move |inner, _| {
    let st = inner.election(id)?;
    let body = html! {
        p { a href={ "/e/" (id.0) "/report" } { "Audit report" } " · " a href={ "/e/" (id.0) "/log" } { "Evidence log" } " · "
            a href={ "/e/" (id.0) "/record.json" } { "Download the record" } " · " a href={ "/e/" (id.0) "/observe/checkin" } { "Observers: check in" } }
        (views::summary(st))
        h2 { "Results (from the cast vote records)" }
        (views::results(&st.results))
        @if let Some(a) = &st.audit { h2 { "Audit" } div data-live { (views::risk_table(a)) } }
    };
    Ok(page(&st.name, s.as_ref(), body))
    }).await?;
    Ok(html(markup, None))
}

/// `GET /e/{id}/report`: the audit report with charts.
pub async fn report(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = election_id(&id)?;
    let s = app.sessions.get(&headers);
    let markup = app.with(move |inner, _| {
    let st = inner.election(id)?;
    let body = html! {
        (views::summary(st))
        @match &st.audit {
            None => { p { "No audit has been defined yet." } }
            Some(a) => {
                h2 { "Contests audited" }
                table {
                    thead { tr { th scope="col" { "Contest" } th scope="col" { "Reported winner(s)" } th scope="col" { "Reported votes" } th.num scope="col" { "Margin" } th.num scope="col" { "Diluted margin" } } }
                    tbody { @for c in &a.spec.contests {
                        tr { td { (c.name) } td { (c.names(&c.winners).join(", ")) }
                             td { @for (name, v) in c.candidates.iter().zip(&c.reported) { (name) " " (views::n(*v)) "; " } }
                             td.num { (c.min_margin()) } td.num { (format!("{:.4}", c.diluted_margin())) } }
                    } }
                }
                h2 { "Risk" }
                (views::risk_table(a))
                h3 { "Risk against sample size" }
                (views::risk_chart(a))
                h2 { "Discrepancies" }
                (views::discrepancy_table(a))
                (views::discrepancy_chart(a))
                h2 { "Rounds" }
                table {
                    thead { tr { th.num scope="col" { "Round" } @for c in &a.spec.contests { th.num scope="col" { (c.name) } } } }
                    tbody { @for r in &a.rounds { tr { td.num { (r.round) } @for c in &r.contests { td.num { (views::n(c.sample_size)) @if c.full_hand_count { " (full)" } } } } } }
                }
            }
        }
    };
    Ok(page(&format!("Audit report: {}", st.name), s.as_ref(), body))
    }).await?;
    Ok(html(markup, None))
}

/// `GET /e/{id}/log`: the evidence log and its signed checkpoints.
pub async fn log(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = election_id(&id)?;
    let s = app.sessions.get(&headers);
    let markup = app.with(move |inner, app| {
    let cps = inner.db.checkpoints(id)?;
    let st = inner.election(id)?;
    let key = app.key.public_key().to_text();
    let body = html! {
        p { "Every change to this election, in order, with who made it. Each entry's payload is RFC 8785 canonical JSON; "
            "its leaf hash is part of an RFC 9162 Merkle tree whose heads are signed (C2SP signed-note checkpoints) with this server's key:" }
        pre.code { (key) }
        h2 { "Signed checkpoints" }
        @for c in cps.iter().rev() { pre.code { (c.note) } }
        @if cps.is_empty() { p.note { "None yet." } }
        h2 { "Entries" }
        (views::log_table(&st.log, usize::MAX))
    };
    Ok(page(&format!("Evidence log: {}", st.name), s.as_ref(), body))
    }).await?;
    Ok(html(markup, None))
}

/// `GET /e/{id}/record.json`: the whole log, checkpoints and public key.
pub async fn record(State(app): State<App>, Path(id): Path<String>) -> AppResult<Response> {
    let id = election_id(&id)?;
    let (name, published, entries, cps) = app
        .with(move |inner, _| {
            let st = inner.election(id)?;
            Ok((
                st.name.clone(),
                st.published,
                inner.db.log(id)?,
                inner.db.checkpoints(id)?,
            ))
        })
        .await?;
    let entries: Vec<serde_json::Value> = entries
        .iter()
        .map(|e| {
            serde_json::json!({
                "seq": e.seq,
                "kind": e.kind,
                "actor": e.actor,
                "sha256": hex::encode(e.sha256),
                "payload": String::from_utf8_lossy(&e.payload),
            })
        })
        .collect();
    let cps: Vec<serde_json::Value> = cps
        .iter()
        .map(|c| serde_json::json!({"tree_size": c.tree_size, "root": hex::encode(c.root), "note": c.note}))
        .collect();
    let doc = serde_json::json!({
        "schema": "canvass.server-record.v1",
        "election": name,
        "final": published,
        "origin": format!("{}/election/{}", app.config.origin, id.0),
        "public_key": app.key.public_key().to_text(),
        "entries": entries,
        "checkpoints": cps,
    });
    let bytes = serde_json::to_vec_pretty(&doc).map_err(AppError::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"canvass-record-{}.json\"", id.0),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// The form that checks a post (`POST /rumors/check`), pre-filled with `text`.
fn check_form(s: &Session, text: &str) -> Markup {
    html! {
        form method="post" action="/rumors/check" {
            (csrf(s))
            p { label for="post-text" { "Paste the text of a post" } br;
                textarea id="post-text" name="text" rows="4" cols="70" maxlength=(crate::label::BODY_LIMIT) required { (text) } }
            button type="submit" { "Check the post" }
        }
    }
}

/// What the label API gives a post matched to an allegation, in words.
fn label_markup(d: &Decision) -> Markup {
    html! {
        @match &d.label {
            Some(l) => { p { "Label on posts making this claim: " strong.warn { (l) } } }
            None => { p { "No \u{201c}disputed\u{201d} label: " span.note { (d.reason) } } }
        }
    }
}

/// `GET /rumors`: the published findings, the form that checks a post, and
/// every allegation of the claims registry with the label the API gives.
pub async fn rumors(State(app): State<App>, headers: HeaderMap) -> AppResult<Response> {
    let (s, cookie) = session_or_new(&app, &headers);
    let list = app
        .with(|inner, _| {
            Ok(inner
                .elections
                .values()
                .flat_map(|e| {
                    e.findings.iter().map(move |(seq, f)| {
                        (
                            e.id,
                            e.name.clone(),
                            *seq,
                            f.allegation.clone(),
                            f.status.to_string(),
                        )
                    })
                })
                .collect::<Vec<_>>())
        })
        .await?;
    let matcher = app.labels.matcher()?;
    let body = html! {
        p { "Each allegation about these elections that has been checked against the records: the rumor, the reality, and the evidence anyone can reproduce." }
        h2 { "Findings published" }
        @if list.is_empty() { p.note { "No findings have been published yet." } }
        ul { @for (id, name, seq, allegation, status) in &list {
            li { a href={ "/rumors/" (id.0) "-" (seq) } { (allegation) } " — " (name) ": " (status) }
        } }
        h2 { "Check a post" }
        p { "Does a post make one of the allegations below, and does a published finding answer it? "
            "(Programs can ask the same of " span.code { "POST /api/label" } ".)" }
        (check_form(&s, ""))
        h2 { "Allegations" }
        @for e in &matcher.registry().entries {
            section.card {
                h3 { a href={ (crate::label::EVIDENCE_BASE) (e.id) } { (e.title) } }
                p { strong { "Rumor: " } (e.rumor) }
                (label_markup(&matcher.entry_decision(e)))
            }
        }
    };
    Ok(html(page("Rumor Control", Some(&s), body), cookie))
}

/// `POST /rumors/check`: the label API's answer for a post, as a page
/// (a form with CSRF like every form; works without JavaScript).
pub async fn check_post(State(app): State<App>, req: Request) -> AppResult<Response> {
    let client = client_key(&req);
    let (session, form) = post_form(&app, req).await?;
    let Some(s) = session else {
        return Err(AppError::Csrf);
    };
    app.sessions
        .attempt(&format!("label {client}"), app.config.label_limit)?;
    let text = form.get("text").unwrap_or("").to_owned();
    if text.len() > crate::label::BODY_LIMIT {
        return Err(AppError::BadRequest(format!(
            "The post is longer than {} bytes.",
            crate::label::BODY_LIMIT
        )));
    }
    if text.trim().is_empty() {
        return Err(AppError::BadRequest("Paste the text of a post.".into()));
    }
    let matcher = app.labels.matcher()?;
    let post = text.clone();
    let d = tokio::task::spawn_blocking(move || matcher.decide(&post)).await?;
    let body = html! {
        h2 { "The post" }
        blockquote { p { (text) } }
        h2 { "The answer" }
        @match (&d.entry, &d.evidence_url) {
            (Some(e), Some(url)) => {
                p { "The post makes the allegation " a href=(url) { "\u{201c}" (e.title) "\u{201d}" } "." }
                @match &d.label {
                    Some(l) => { p.warn { "Label: " (l) } }
                    None => { p { "No \u{201c}disputed\u{201d} label." } }
                }
                p.note { "Why: " (d.reason) }
                @if let Some(f) = &d.finding {
                    p { "Finding: " (f.status_text) " (" a href=(f.path) { "finding JSON" } ")" }
                }
            }
            _ => {
                p { "The post makes none of the allegations in the registry: no label." }
                p.note { "Why: " (d.reason) }
            }
        }
        h2 { "Check another post" }
        (check_form(&s, ""))
        p { a href="/rumors" { "Back to Rumor Control" } }
    };
    Ok(html(
        page("Rumor Control: check a post", Some(&s), body),
        None,
    ))
}

/// An election and log position from `{election}-{seq}`.
fn finding_key(key: &str) -> Option<(ElectionId, u64)> {
    let (e, seq) = key.split_once('-')?;
    Some((election_id(e).ok()?, seq.parse().ok()?))
}

/// `GET /rumors/{key}`: one published finding (`{election}-{seq}`) in CISA's
/// layout with the evidence; its JSON (`{election}-{seq}.json`); or one
/// allegation of the claims registry (`{id}`) with the label the API gives
/// and the findings that answer it.
pub async fn rumor(
    State(app): State<App>,
    headers: HeaderMap,
    Path(key): Path<String>,
) -> AppResult<Response> {
    if let Some(stem) = key.strip_suffix(".json") {
        let (id, seq) = finding_key(stem).ok_or(AppError::NotFound)?;
        return finding_json(&app, id, seq).await;
    }
    let s = app.sessions.get(&headers);
    let Some((id, seq)) = finding_key(&key) else {
        return allegation(&app, s.as_ref(), &key).await;
    };
    let matcher = app.labels.matcher()?;
    let markup = app.with(move |inner, _| {
    let cps = inner.db.checkpoints(id)?;
    let st = inner.election(id)?;
    let (_, f) = st
        .findings
        .iter()
        .find(|(s, _)| *s == seq)
        .ok_or(AppError::NotFound)?;
    let line = st.log.iter().find(|l| l.seq == seq);
    let covering = cps.iter().find(|c| c.tree_size > seq);
    let entries: Vec<_> = matcher.registry().entries.iter().filter(|e| e.check == f.check).collect();
    let body = html! {
        p { (st.name) }
        section.rumor { h2 { "Rumor" } p { (f.allegation) }
            @for e in &entries { p { a href={ (crate::label::EVIDENCE_BASE) (e.id) } { (e.title) } ": " (e.rumor) } } }
        section.reality { h2 { "Reality" }
            p { strong { "The records show: " (f.status) "." } }
            p { "Rule applied: " (f.rule.text) " (" (f.rule.citation) ")" } }
        @if !entries.is_empty() {
            section { h2 { "Label" }
                p.note { "What " span.code { "POST /api/label" } " answers for a post making the allegation (all findings of the "
                    span.code { (f.check) } " check on this server together):" }
                @for e in &entries { h3 { (e.title) } (label_markup(&matcher.entry_decision(e))) } }
        }
        section.evidence { h2 { "Evidence" }
            h3 { "Figures" }
            table { tbody { @for (k, v) in &f.figures { tr { th scope="row" { (k) } td { (v) } } } } }
            h3 { "Inputs" }
            table {
                thead { tr { th scope="col" { "Role" } th scope="col" { "File" } th scope="col" { "SHA-256" } th.num scope="col" { "Bytes" } } }
                tbody { @for i in &f.inputs { tr { td { (i.role) } td { (i.path) } td.code { (i.sha256) } td.num { (i.bytes) } } } }
            }
            @if !f.failures.is_empty() {
                h3 { "Rows that fail the rule (" (f.failures.len()) ")" }
                ul { @for x in f.failures.iter().take(100) { li { (x.locator) ": " (x.reason) } } }
            }
            h3 { "Place in the signed log" }
            p { "Entry #" (seq) " of " a href={ "/e/" (id.0) "/log#entry-" (seq) } { "the evidence log" }
                @if let Some(l) = line { ", payload SHA-256 " span.code { (l.sha256) } } "." }
            @match covering {
                Some(c) => { p { "Covered by the signed checkpoint of tree size " (c.tree_size) ":" } pre.code { (c.note) } }
                None => { p.note { "Not yet covered by a signed checkpoint." } }
            }
            h3 { "Reproduce it" }
            pre.code { (f.reproduce) }
            p { a href=(crate::label::finding_url(id.0, seq)) { "The finding (JSON)" } " · "
                a href={ "/e/" (id.0) "/record.json" } { "Download the record" } }
        }
    };
    Ok(page("Rumor Control", s.as_ref(), body))
    }).await?;
    Ok(html(markup, None))
}

/// `GET /rumors/{election}-{seq}.json`: a published finding as published
/// (`canvass.finding.v1`), the evidence link of the label API.
async fn finding_json(app: &App, id: ElectionId, seq: u64) -> AppResult<Response> {
    let f = app
        .with(move |inner, _| {
            let st = inner.election(id)?;
            st.findings
                .iter()
                .find(|(s, _)| *s == seq)
                .map(|(_, f)| f.clone())
                .ok_or(AppError::NotFound)
        })
        .await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], f.to_json()).into_response())
}

/// `GET /rumors/{id}`: one allegation of the claims registry: Rumor and
/// Reality as the registry words them, the label the API gives a post
/// making it, and every finding of its check published on this server.
async fn allegation(app: &App, s: Option<&Session>, key: &str) -> AppResult<Response> {
    let matcher = app.labels.matcher()?;
    let e = matcher
        .registry()
        .entry(key)
        .ok_or(AppError::NotFound)?
        .clone();
    let check = e.check.clone();
    let found = app
        .with(move |inner, _| {
            Ok(inner
                .elections
                .values()
                .flat_map(|st| {
                    st.findings
                        .iter()
                        .filter(|(_, f)| f.check == check)
                        .map(move |(seq, f)| (st.id, st.name.clone(), *seq, f.status.to_string()))
                })
                .collect::<Vec<_>>())
        })
        .await?;
    let d = matcher.entry_decision(&e);
    let body = html! {
        section.rumor { h2 { "Rumor" } p { (e.rumor) } }
        section.reality { h2 { "Reality" } p { (e.reality) } }
        section { h2 { "Label" } (label_markup(&d)) }
        section.evidence { h2 { "Evidence" }
            @if found.is_empty() {
                p.note { "No finding of the " span.code { (e.check) } " check has been published on this server yet." }
            }
            ul { @for (id, name, seq, status) in &found {
                li { a href={ "/rumors/" (id.0) "-" (seq) } { (name) } ": " (status) " ("
                     a href=(crate::label::finding_url(id.0, *seq)) { "JSON" } ", "
                     a href={ "/e/" (id.0) "/log#entry-" (seq) } { "log entry #" (seq) } ")" }
            } }
            p.note { "Answered by " span.code { "canvass check " (e.check) } "." }
        }
        h2 { "How it is said" }
        ul { li { (e.claim) } @for p in &e.paraphrases { li { (p) } } }
    };
    Ok(html(
        page(&format!("Rumor Control: {}", e.title), s, body),
        None,
    ))
}
