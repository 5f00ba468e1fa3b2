//! Public pages: elections, results, the audit report (with inline SVG
//! charts), the evidence log with its signed checkpoints, the record
//! download, and Rumor Control (Rumor, Reality, Evidence).

use super::{App, election_id, html};
use crate::error::{AppError, AppResult};
use crate::pages::layout::page;
use crate::pages::views;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use maud::html;

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

/// `GET /rumors`: every published finding, as Rumor Control entries.
pub async fn rumors(State(app): State<App>, headers: HeaderMap) -> AppResult<Response> {
    let s = app.sessions.get(&headers);
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
    let body = html! {
        p { "Each allegation about these elections that has been checked against the records: the rumor, the reality, and the evidence anyone can reproduce." }
        @if list.is_empty() { p.note { "No findings have been published yet." } }
        ul { @for (id, name, seq, allegation, status) in &list {
            li { a href={ "/rumors/" (id.0) "-" (seq) } { (allegation) } " — " (name) ": " (status) }
        } }
    };
    Ok(html(page("Rumor Control", s.as_ref(), body), None))
}

/// `GET /rumors/{election}-{seq}`: one allegation in CISA's layout, with the evidence.
pub async fn rumor(
    State(app): State<App>,
    headers: HeaderMap,
    Path(key): Path<String>,
) -> AppResult<Response> {
    let s = app.sessions.get(&headers);
    let (e, seq) = key.split_once('-').ok_or(AppError::NotFound)?;
    let id = election_id(e)?;
    let seq: u64 = seq.parse().map_err(|_| AppError::NotFound)?;
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
    let body = html! {
        p { (st.name) }
        section.rumor { h2 { "Rumor" } p { (f.allegation) } }
        section.reality { h2 { "Reality" }
            p { strong { "The records show: " (f.status) "." } }
            p { "Rule applied: " (f.rule.text) " (" (f.rule.citation) ")" } }
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
            p { "Entry #" (seq) " of " a href={ "/e/" (id.0) "/log" } { "the evidence log" }
                @if let Some(l) = line { ", payload SHA-256 " span.code { (l.sha256) } } "." }
            @match covering {
                Some(c) => { p { "Covered by the signed checkpoint of tree size " (c.tree_size) ":" } pre.code { (c.note) } }
                None => { p.note { "Not yet covered by a signed checkpoint." } }
            }
            h3 { "Reproduce it" }
            pre.code { (f.reproduce) }
            p { a href={ "/e/" (id.0) "/record.json" } { "Download the record" } }
        }
    };
    Ok(page("Rumor Control", s.as_ref(), body))
    }).await?;
    Ok(html(markup, None))
}
