//! Audit boards: sign in with the board's code (both members name
//! themselves), see the board's ballots in shelf order, enter what each
//! paper ballot shows per contest (or that it was not found), confirm with
//! both members, review, sign off; or enter a paper tally sheet.
//!
//! A board addresses its ballots by their position in its own list, so it
//! cannot name, see or change another board's ballots.

use super::{App, client_key, html, post_form, redirect, redirect_with_cookie, session_or_new};
use crate::app::Inner;
use crate::auth::{Role, Session, constant_eq, secret_hash, session_cookie};
use crate::error::{AppError, AppResult};
use crate::events::{Event, Reading};
use crate::forms::Form;
use crate::pages::layout::{csrf, page};
use crate::state::{AuditState, ElectionState};
use axum::extract::{Path, Query, Request, State};
use axum::http::HeaderMap;
use axum::response::Response;
use canvass_audit::workflow::{Paper, Selection, selection_of};
use canvass_store::ElectionId;
use maud::{Markup, html};
use serde::Deserialize;

/// Query of a board's sign-in link.
#[derive(Deserialize)]
pub struct CodeQuery {
    code: Option<String>,
}

/// `GET /board/signin?code=...`: the board's sign-in form.
pub async fn signin_form(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Query<CodeQuery>,
) -> Response {
    let (s, cookie) = session_or_new(&app, &headers);
    let body = html! {
        p { "Both members of the board sign in together." }
        form method="post" action="/board/signin" {
            (csrf(&s))
            p { label for="code" { "Board code" } br; input id="code" name="code" type="text" size="24" autocomplete="off" required value=(q.code.unwrap_or_default()); }
            p { label for="m1" { "Member 1 (name, party)" } br; input id="m1" name="member1" type="text" size="40" required; }
            p { label for="m2" { "Member 2 (name, party)" } br; input id="m2" name="member2" type="text" size="40" required; }
            button type="submit" { "Sign in" }
        }
    };
    html(page("Audit board sign-in", Some(&s), body), cookie)
}

fn member_name(form: &Form, field: &str, label: &str) -> AppResult<String> {
    let v = form.required(field, label)?;
    if v.chars().count() > 100 || v.chars().any(char::is_control) {
        return Err(AppError::BadRequest(format!(
            "{label} must be one line of at most 100 characters."
        )));
    }
    Ok(v)
}

/// `POST /board/signin`: find the board by its code (rate limited).
pub async fn signin(State(app): State<App>, req: Request) -> AppResult<Response> {
    app.sessions
        .attempt(&client_key(&req), app.config.signin_limit)?;
    let (old, form) = post_form(&app, req).await?;
    let code = form.get("code").unwrap_or("").trim().to_uppercase();
    let m1 = member_name(&form, "member1", "Member 1")?;
    let m2 = member_name(&form, "member2", "Member 2")?;
    if m1 == m2 {
        return Err(AppError::BadRequest(
            "The two members must be different people.".into(),
        ));
    }
    let hash = secret_hash(&code);
    let members = vec![m1.clone(), m2.clone()];
    let found = app
        .with(move |inner, _| {
            let mut hit = None;
            for (id, st) in &inner.elections {
                if let Some(a) = &st.audit {
                    for (i, b) in a.boards.iter().enumerate() {
                        if constant_eq(&b.def.code_sha256, &hash) {
                            hit = Some((*id, i));
                        }
                    }
                }
            }
            let Some((id, board)) = hit else {
                return Err(AppError::BadRequest("That board code is not right.".into()));
            };
            let actor = format!("board {} ({}, {})", board + 1, members[0], members[1]);
            inner.record(
                id,
                &actor,
                Event::BoardSignedIn {
                    board: board as u64,
                    members,
                },
            )?;
            Ok((id, board))
        })
        .await?;
    if let Some(o) = old {
        app.sessions.remove(&o.id);
    }
    let s = app.sessions.create(Role::Board {
        election: found.0,
        board: found.1,
        members: [m1, m2],
    });
    Ok(redirect_with_cookie(
        "/board",
        session_cookie(&s.id, app.config.secure_cookies),
    ))
}

/// The board session of the request.
fn require_board(app: &App, headers: &HeaderMap) -> AppResult<(Session, ElectionId, usize)> {
    match app.sessions.get(headers) {
        Some(s) => match &s.role {
            Role::Board {
                election, board, ..
            } => {
                let (e, b) = (*election, *board);
                Ok((s, e, b))
            }
            Role::Anonymous => Err(AppError::Unauthorized),
            _ => Err(AppError::Forbidden),
        },
        None => Err(AppError::Unauthorized),
    }
}

fn audit_of(inner: &Inner, id: ElectionId) -> AppResult<(&ElectionState, &AuditState)> {
    let st = inner.election(id)?;
    let a = st.audit.as_ref().ok_or(AppError::NotFound)?;
    Ok((st, a))
}

fn card_label(a: &AuditState, card: usize) -> String {
    match a.cards.get(card) {
        Some(c) => format!(
            "{}batch {}, ballot {}{}",
            c.tabulator
                .as_ref()
                .map(|t| format!("tabulator {t}, "))
                .unwrap_or_default(),
            c.batch,
            c.position,
            c.imprinted_id
                .as_ref()
                .map(|i| format!(" (imprinted {i})"))
                .unwrap_or_default()
        ),
        None => format!("card #{card}"),
    }
}

fn reading_text(a: &AuditState, card: usize) -> Option<String> {
    a.paper.get(&card).map(|p| match p {
        Paper::NotFound => "NOT FOUND".to_owned(),
        Paper::Found(sel) => sel
            .iter()
            .zip(&a.spec.contests)
            .map(|(s, c)| format!("{}: {}", c.name, display_selection(s, c)))
            .collect::<Vec<_>>()
            .join("; "),
    })
}

fn display_selection(s: &Selection, c: &canvass_audit::workflow::ContestSpec) -> String {
    match s {
        Selection::Absent => "not on this ballot".into(),
        other => other.to_text(c),
    }
}

/// `GET /board`: the board's ballots in shelf order.
pub async fn ballots(State(app): State<App>, headers: HeaderMap) -> AppResult<Response> {
    let (s, id, board) = require_board(&app, &headers)?;
    let s2 = s.clone();
    let body = app
        .with(move |inner, _| {
            let (_, a) = audit_of(inner, id)?;
            let b = a.boards.get(board).ok_or(AppError::NotFound)?;
            let done = b
                .def
                .cards
                .iter()
                .filter(|c| a.paper.contains_key(&(**c as usize)))
                .count();
            Ok(html! {
                p { (b.def.name) ", round " (b.round) ": " (done) " of " (b.def.cards.len()) " ballots entered. "
                    @if b.signed_off { span.ok { "Signed off." } } }
                p { a href="/board/review" { "Review and sign off" } " · " a href="/board/tally-sheet" { "Tally sheet (print / enter)" } }
                table {
                    caption { "Ballots to retrieve, in shelf order" }
                    thead { tr { th.num scope="col" { "#" } th scope="col" { "Where" } th scope="col" { "Entered" } } }
                    tbody {
                        @for (pos, card) in b.def.cards.iter().enumerate() {
                            @let card = *card as usize;
                            tr {
                                td.num { (pos + 1) }
                                td { a href={ "/board/ballot/" (pos + 1) } { (card_label(a, card)) } }
                                td { @match reading_text(a, card) { Some(t) => { span.ok { "✓ " } (t) } None => { "—" } } }
                            }
                        }
                    }
                }
            })
        })
        .await?;
    Ok(html(page("My ballots", Some(&s2), body), None))
}

/// The board's card at 1-based position `pos` of its list.
fn board_card(a: &AuditState, board: usize, pos: &str) -> AppResult<usize> {
    let pos: usize = pos.parse().map_err(|_| AppError::NotFound)?;
    let b = a.boards.get(board).ok_or(AppError::NotFound)?;
    b.def
        .cards
        .get(pos.checked_sub(1).ok_or(AppError::NotFound)?)
        .map(|c| *c as usize)
        .ok_or(AppError::NotFound)
}

/// `GET /board/ballot/{pos}`: the entry form for one ballot.
pub async fn ballot(
    State(app): State<App>,
    headers: HeaderMap,
    Path(pos): Path<String>,
) -> AppResult<Response> {
    let (s, id, board) = require_board(&app, &headers)?;
    let s2 = s.clone();
    let (title, body) = app
        .with(move |inner, _| {
            let (_, a) = audit_of(inner, id)?;
            let card = board_card(a, board, &pos)?;
            let title = format!("Ballot {pos}: {}", card_label(a, card));
            if let Some(t) = reading_text(a, card) {
                return Ok((
                    title,
                    html! { p { "Entered: " (t) } p { a href="/board" { "Back to the list" } } },
                ));
            }
            let body = html! {
                p { "Enter exactly what the paper shows for each contest. Then both members check the entry." }
                form method="post" action={ "/board/ballot/" (pos) "/review" } {
                    (csrf(&s))
                    @for (ci, c) in a.spec.contests.iter().enumerate() {
                        fieldset {
                            legend { (c.name) @if c.vote_limit.unwrap_or(1) > 1 { " (vote for up to " (c.vote_limit.unwrap_or(1)) ")" } }
                            @let multi = c.vote_limit.unwrap_or(1) > 1;
                            @let ty = if multi { "checkbox" } else { "radio" };
                            @for (k, name) in c.candidates.iter().enumerate() {
                                label { input type=(ty) name={ "c" (ci) } value=(k); " " (name) }
                            }
                            label { input type=(ty) name={ "c" (ci) } value="blank"; " blank (no mark)" }
                            label { input type=(ty) name={ "c" (ci) } value="overvote"; " overvote" }
                            label { input type=(ty) name={ "c" (ci) } value="absent"; " contest not on this ballot" }
                        }
                    }
                    button type="submit" { "Review entry" }
                }
                form method="post" action={ "/board/ballot/" (pos) "/review" } {
                    (csrf(&s))
                    input type="hidden" name="not_found" value="1";
                    button.secondary type="submit" { "Ballot not found" }
                }
                p { a href="/board" { "Back to the list" } }
            };
            Ok((title, body))
        })
        .await?;
    Ok(html(page(&title, Some(&s2), body), None))
}

/// Read the entry form into what the paper shows.
fn paper_from_form(a: &AuditState, form: &Form) -> AppResult<Paper> {
    if form.checked("not_found") {
        return Ok(Paper::NotFound);
    }
    let mut out = Vec::new();
    for (ci, c) in a.spec.contests.iter().enumerate() {
        let values = form.all(&format!("c{ci}"));
        let bad = |m: &str| AppError::BadRequest(format!("{}: {m}", c.name));
        let special: Vec<&str> = values
            .iter()
            .copied()
            .filter(|v| matches!(*v, "blank" | "overvote" | "absent"))
            .collect();
        let sel = match (special.as_slice(), values.len()) {
            (_, 0) => return Err(bad("choose what the ballot shows (or blank).")),
            (["blank"], 1) => Selection::Blank,
            (["overvote"], 1) => Selection::Overvote,
            (["absent"], 1) => Selection::Absent,
            ([], _) => {
                let mut chosen = Vec::new();
                for v in &values {
                    let k: usize = v
                        .parse()
                        .ok()
                        .filter(|k| *k < c.candidates.len())
                        .ok_or_else(|| bad("unknown choice."))?;
                    chosen.push(k);
                }
                chosen.sort_unstable();
                chosen.dedup();
                selection_of(chosen, c)
            }
            _ => {
                return Err(bad(
                    "blank, overvote and 'not on this ballot' cannot be combined with a vote.",
                ));
            }
        };
        out.push(sel);
    }
    Ok(Paper::Found(out))
}

/// `POST /board/ballot/{pos}/review`: show the entry for both members to confirm (nothing saved yet).
pub async fn review_entry(
    State(app): State<App>,
    Path(pos): Path<String>,
    req: Request,
) -> AppResult<Response> {
    let (_, id, board) = require_board(&app, req.headers())?;
    let (session, form) = post_form(&app, req).await?;
    let s = session.ok_or(AppError::Unauthorized)?;
    let members = match &s.role {
        Role::Board { members, .. } => members.clone(),
        _ => return Err(AppError::Forbidden),
    };
    let s2 = s.clone();
    let body = app
        .with(move |inner, _| {
            let (_, a) = audit_of(inner, id)?;
            let card = board_card(a, board, &pos)?;
            let paper = paper_from_form(a, &form)?;
            let texts = a.reading_texts(&paper);
            Ok(html! {
                h2 { (card_label(a, card)) }
                @match &paper {
                    Paper::NotFound => { p.bad { "The ballot was NOT FOUND." } }
                    Paper::Found(sel) => {
                        table { tbody { @for (s, c) in sel.iter().zip(&a.spec.contests) {
                            tr { th scope="row" { (c.name) } td { (display_selection(s, c)) } }
                        } } }
                    }
                }
                form method="post" action={ "/board/ballot/" (pos) } {
                    (csrf(&s))
                    @match &texts {
                        None => { input type="hidden" name="not_found" value="1"; }
                        Some(t) => { @for (ci, v) in t.iter().enumerate() { input type="hidden" name={ "t" (ci) } value=(v); } }
                    }
                    fieldset { legend { "Both members confirm that this is what the paper shows" }
                        label { input type="checkbox" name="confirm1" required; " " (members[0]) }
                        label { input type="checkbox" name="confirm2" required; " " (members[1]) }
                    }
                    button type="submit" { "Save" }
                }
                p { a href={ "/board/ballot/" (pos) } { "Change the entry" } }
            })
        })
        .await?;
    Ok(html(page("Confirm the entry", Some(&s2), body), None))
}

/// Record a confirmed reading of one of the board's cards.
fn record_entry(
    inner: &mut Inner,
    id: ElectionId,
    board: usize,
    actor: &str,
    card: usize,
    paper: Paper,
) -> AppResult<bool> {
    let (_, a) = audit_of(inner, id)?;
    let b = a.boards.get(board).ok_or(AppError::NotFound)?;
    if b.signed_off {
        return Err(AppError::Conflict(
            "The board has signed off; entries are closed.".into(),
        ));
    }
    if let Some(old) = a.paper.get(&card) {
        return if *old == paper {
            Ok(false)
        } else {
            Err(AppError::Conflict(format!(
                "{} was already entered differently; ask the administrator.",
                card_label(a, card)
            )))
        };
    }
    let reading = Reading {
        card: card as u64,
        card_id: a.cards.get(card).and_then(|c| c.card_id.clone()),
        contests: a.reading_texts(&paper),
    };
    inner.record(
        id,
        actor,
        Event::Entered {
            board: board as u64,
            reading,
        },
    )?;
    // The log entry is durable; now the store's `mvrs` row, under the same
    // lock (so rows follow the log's order). A crash between the two is
    // repaired at start (`AppState::new` writes logged entries the table
    // lacks).
    let st = inner.election(id)?;
    let audit = st.audit.as_ref().and_then(|a| a.store_audit);
    let record = st.manual_record(card, actor).map_err(AppError::Internal)?;
    if let (Some(audit), Some(record)) = (audit, record) {
        inner.db.enter_record(audit, &record)?;
    }
    Ok(true)
}

/// `POST /board/ballot/{pos}`: save a reading both members confirmed.
pub async fn enter(
    State(app): State<App>,
    Path(pos): Path<String>,
    req: Request,
) -> AppResult<Response> {
    let (_, id, board) = require_board(&app, req.headers())?;
    let (session, form) = post_form(&app, req).await?;
    let s = session.ok_or(AppError::Unauthorized)?;
    if !(form.checked("confirm1") && form.checked("confirm2")) {
        return Err(AppError::BadRequest(
            "Both members must confirm the entry.".into(),
        ));
    }
    let actor = s.actor();
    let next = app
        .with(move |inner, _| {
            let (_, a) = audit_of(inner, id)?;
            let card = board_card(a, board, &pos)?;
            let paper = if form.checked("not_found") {
                Paper::NotFound
            } else {
                let texts: Vec<String> = (0..a.spec.contests.len())
                    .map(|ci| form.get(&format!("t{ci}")).unwrap_or("").to_owned())
                    .collect();
                a.paper_of(&Some(texts)).map_err(AppError::BadRequest)?
            };
            record_entry(inner, id, board, &actor, card, paper)?;
            // The next ballot without an entry, in shelf order.
            let (_, a) = audit_of(inner, id)?;
            let b = a.boards.get(board).ok_or(AppError::NotFound)?;
            Ok(b.def
                .cards
                .iter()
                .position(|c| !a.paper.contains_key(&(*c as usize))))
        })
        .await?;
    Ok(match next {
        Some(p) => redirect(&format!("/board/ballot/{}", p + 1)),
        None => redirect("/board/review"),
    })
}

/// `GET /board/review`: every entry, and the sign-off.
pub async fn review(State(app): State<App>, headers: HeaderMap) -> AppResult<Response> {
    let (s, id, board) = require_board(&app, &headers)?;
    let s2 = s.clone();
    let members = match &s.role {
        Role::Board { members, .. } => members.clone(),
        _ => return Err(AppError::Forbidden),
    };
    let body = app
        .with(move |inner, _| {
            let (_, a) = audit_of(inner, id)?;
            let b = a.boards.get(board).ok_or(AppError::NotFound)?;
            let missing = b
                .def
                .cards
                .iter()
                .filter(|c| !a.paper.contains_key(&(**c as usize)))
                .count();
            Ok(html! {
                table {
                    thead { tr { th.num scope="col" { "#" } th scope="col" { "Ballot" } th scope="col" { "Entry" } } }
                    tbody { @for (pos, c) in b.def.cards.iter().enumerate() {
                        tr { td.num { (pos + 1) } td { (card_label(a, *c as usize)) }
                             td { @match reading_text(a, *c as usize) { Some(t) => { (t) } None => { a href={ "/board/ballot/" (pos + 1) } { "not entered yet" } } } } }
                    } }
                }
                @if b.signed_off { p.ok { "This board has signed off." } }
                @else if missing > 0 { p.warn { (missing) " ballots still need an entry before the board can sign off." } }
                @else {
                    form method="post" action="/board/signoff" {
                        (csrf(&s))
                        fieldset { legend { "Both members sign off: the entries above are what the paper ballots show" }
                            label { input type="checkbox" name="confirm1" required; " " (members[0]) }
                            label { input type="checkbox" name="confirm2" required; " " (members[1]) }
                        }
                        button type="submit" { "Sign off" }
                    }
                }
            })
        })
        .await?;
    Ok(html(page("Review", Some(&s2), body), None))
}

/// `POST /board/signoff`: the board signs off (every ballot entered, both confirm).
pub async fn signoff(State(app): State<App>, req: Request) -> AppResult<Response> {
    let (_, id, board) = require_board(&app, req.headers())?;
    let (session, form) = post_form(&app, req).await?;
    let s = session.ok_or(AppError::Unauthorized)?;
    if !(form.checked("confirm1") && form.checked("confirm2")) {
        return Err(AppError::BadRequest("Both members must sign off.".into()));
    }
    let actor = s.actor();
    app.with(move |inner, app| {
        let (_, a) = audit_of(inner, id)?;
        let b = a.boards.get(board).ok_or(AppError::NotFound)?;
        if b.signed_off {
            return Err(AppError::Conflict("Already signed off.".into()));
        }
        if b.def
            .cards
            .iter()
            .any(|c| !a.paper.contains_key(&(*c as usize)))
        {
            return Err(AppError::Conflict(
                "Every ballot needs an entry first.".into(),
            ));
        }
        inner.record(
            id,
            &actor,
            Event::BoardSignedOff {
                board: board as u64,
            },
        )?;
        app.checkpoint(inner, id)
    })
    .await?;
    Ok(redirect("/board/review"))
}

/// A printable tally sheet for one board (also its entry form when `session` is the board's).
pub fn tally_sheet_page(
    st: &ElectionState,
    a: &AuditState,
    board: usize,
    session: Option<&Session>,
) -> AppResult<Markup> {
    let b = a.boards.get(board).ok_or(AppError::NotFound)?;
    let header: Vec<&str> = std::iter::once("ballot")
        .chain(a.spec.contests.iter().map(|c| c.name.as_str()))
        .collect();
    let is_board = session.is_some_and(|s| matches!(s.role, Role::Board { .. }));
    let body = html! {
        p { (st.name) " — " (b.def.name) ", round " (b.round) ". Write what each paper ballot shows: a candidate's name, "
            em { "blank" } ", " em { "overvote" } ", " em { "write-in" } ", or " em { "not found" } "." }
        table {
            thead { tr { th.num scope="col" { "#" } th scope="col" { "Ballot" } @for c in &a.spec.contests { th scope="col" { (c.name) } } } }
            tbody { @for (pos, c) in b.def.cards.iter().enumerate() {
                tr { td.num { (pos + 1) } td { (card_label(a, *c as usize)) } @for _ in &a.spec.contests { td style="min-width:9rem" { " " } } }
            } }
        }
        p { "Member 1: ______________________  Member 2: ______________________" }
        @if let (true, Some(s)) = (is_board, session) {
            section.noprint {
                h2 { "Enter the filled-in sheet" }
                p { "One line per ballot, as CSV with this header: " code { (header.join(",")) } }
                form method="post" action="/board/tally-sheet" {
                    (csrf(s))
                    textarea name="sheet" rows="12" cols="80" aria-label="Tally sheet CSV" { (header.join(",")) "\n" }
                    fieldset { legend { "Both members confirm the sheet" }
                        label { input type="checkbox" name="confirm1" required; " member 1" }
                        label { input type="checkbox" name="confirm2" required; " member 2" }
                    }
                    button type="submit" { "Save the sheet" }
                }
            }
        }
    };
    Ok(page("Tally sheet", session, body))
}

/// `GET /board/tally-sheet`: the board's printable sheet and its entry form.
pub async fn tally_sheet(State(app): State<App>, headers: HeaderMap) -> AppResult<Response> {
    let (s, id, board) = require_board(&app, &headers)?;
    let markup = app
        .with(move |inner, _| {
            let (st, a) = audit_of(inner, id)?;
            tally_sheet_page(st, a, board, Some(&s))
        })
        .await?;
    Ok(html(markup, None))
}

/// `POST /board/tally-sheet`: enter a filled-in tally sheet (CSV).
pub async fn enter_tally_sheet(State(app): State<App>, req: Request) -> AppResult<Response> {
    let (_, id, board) = require_board(&app, req.headers())?;
    let (session, form) = post_form(&app, req).await?;
    let s = session.ok_or(AppError::Unauthorized)?;
    if !(form.checked("confirm1") && form.checked("confirm2")) {
        return Err(AppError::BadRequest(
            "Both members must confirm the sheet.".into(),
        ));
    }
    let sheet = form.get("sheet").unwrap_or("").to_owned();
    let actor = s.actor();
    app.with(move |inner, _| {
        // Check every line before saving any.
        let (_, a) = audit_of(inner, id)?;
        let b = a.boards.get(board).ok_or(AppError::NotFound)?;
        let mut r = csv::ReaderBuilder::new()
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(sheet.as_bytes());
        let mut rows: Vec<(usize, Paper)> = Vec::new();
        for (i, rec) in r.records().enumerate() {
            let line = i + 2;
            let rec =
                rec.map_err(|_| AppError::BadRequest(format!("line {line}: not valid CSV")))?;
            if rec.iter().all(str::is_empty) {
                continue;
            }
            let bad = |m: String| AppError::BadRequest(format!("line {line}: {m}"));
            let pos: usize = rec.get(0).and_then(|p| p.parse().ok()).ok_or_else(|| {
                bad("the first column must be the ballot's # on the sheet".into())
            })?;
            let card = b
                .def
                .cards
                .get(pos.wrapping_sub(1))
                .map(|c| *c as usize)
                .ok_or_else(|| bad(format!("there is no ballot #{pos} on this sheet")))?;
            let cells: Vec<String> = (0..a.spec.contests.len())
                .map(|ci| rec.get(ci + 1).unwrap_or("").to_owned())
                .collect();
            let paper = if cells.iter().any(|c| c.eq_ignore_ascii_case("not found")) {
                Paper::NotFound
            } else {
                a.paper_of(&Some(cells)).map_err(bad)?
            };
            rows.push((card, paper));
        }
        for (card, paper) in rows {
            record_entry(inner, id, board, &actor, card, paper)?;
        }
        Ok(())
    })
    .await?;
    Ok(redirect("/board/review"))
}
