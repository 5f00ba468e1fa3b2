//! Observers: check in (the observer log), watch the audit live (every
//! entry, discrepancy and risk update), check out by signing out.

use super::{App, client_key, election_id, html, post_form, redirect_with_cookie, session_or_new};
use crate::auth::{Role, session_cookie};
use crate::error::{AppError, AppResult};
use crate::events::Event;
use crate::pages::layout::{csrf, page};
use crate::pages::views;
use axum::extract::{Path, Request, State};
use axum::http::HeaderMap;
use axum::response::Response;
use maud::html;

/// `GET /e/{id}/observe/checkin`: the check-in form.
pub async fn checkin_form(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = election_id(&id)?;
    let name = app
        .with(move |inner, _| Ok(inner.election(id)?.name.clone()))
        .await?;
    let (s, cookie) = session_or_new(&app, &headers);
    let body = html! {
        p { "Observers check in and out; both are entries in the election's public evidence log." }
        form method="post" action={ "/e/" (id.0) "/observe/checkin" } {
            (csrf(&s))
            p { label for="name" { "Your name" } br; input id="name" name="name" type="text" size="40" required; }
            p { label for="org" { "Organization or party" } br; input id="org" name="affiliation" type="text" size="40"; }
            button type="submit" { "Check in" }
        }
    };
    Ok(html(
        page(&format!("Observer check-in: {name}"), Some(&s), body),
        cookie,
    ))
}

/// `POST /e/{id}/observe/checkin`: record the check-in and start an observer session.
pub async fn checkin(
    State(app): State<App>,
    Path(id): Path<String>,
    req: Request,
) -> AppResult<Response> {
    let id = election_id(&id)?;
    app.sessions
        .attempt(&client_key(&req), app.config.signin_limit)?;
    let (old, form) = post_form(&app, req).await?;
    let name = form.required("name", "Your name")?;
    let org = form.get("affiliation").unwrap_or("").trim().to_owned();
    let full = if org.is_empty() {
        name
    } else {
        format!("{name} ({org})")
    };
    if full.chars().count() > 200 || full.chars().any(char::is_control) {
        return Err(AppError::BadRequest(
            "Name and organization must be one line of at most 200 characters.".into(),
        ));
    }
    let n2 = full.clone();
    app.with(move |inner, _| {
        if inner.election(id)?.observers.contains(&n2) {
            return Err(AppError::Conflict(format!(
                "{n2} is already checked in; check out first or add your organization."
            )));
        }
        inner.record(
            id,
            &format!("observer {n2}"),
            Event::ObserverIn { name: n2.clone() },
        )?;
        Ok(())
    })
    .await?;
    if let Some(o) = old {
        app.sessions.remove(&o.id);
    }
    let s = app.sessions.create(Role::Observer {
        election: id,
        name: full,
    });
    Ok(redirect_with_cookie(
        &format!("/e/{}/observe", id.0),
        session_cookie(&s.id, app.config.secure_cookies),
    ))
}

/// `GET /e/{id}/observe`: the live, read-only view of the audit.
pub async fn view(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = election_id(&id)?;
    let s = match app.sessions.get(&headers) {
        Some(s) => match &s.role {
            Role::Observer { election, .. } if *election == id => s,
            Role::Admin => s,
            Role::Anonymous => return Err(AppError::Unauthorized),
            _ => return Err(AppError::Forbidden),
        },
        None => return Err(AppError::Unauthorized),
    };
    let markup = app.with(move |inner, _| {
    let st = inner.election(id)?;
    let body = html! {
        p { "This page updates itself every few seconds (or reload it). Check out with " em { "Sign out" } "." }
        div data-live {
            (views::summary(st))
            h2 { "Observers present" }
            ul { @for o in &st.observers { li { (o) } } }
            @if let Some(a) = &st.audit {
                (views::risk_table(a))
                (views::discrepancy_table(a))
                (views::risk_chart(a))
                h2 { "Boards" }
                ul { @for b in &a.boards {
                    li { (b.def.name) " (round " (b.round) "): "
                        (b.def.cards.iter().filter(|c| a.paper.contains_key(&(**c as usize))).count()) " of " (b.def.cards.len()) " entered"
                        @if let Some(m) = &b.members { " — " (m.join(", ")) }
                        @if b.signed_off { " — " span.ok { "signed off" } } }
                } }
            }
            h2 { "Every entry (newest first)" }
            p { a href={ "/e/" (id.0) "/log" } { "The full log with its signed checkpoints" } }
            (views::log_table(&st.log, 200))
        }
        form method="post" action="/signout" { (csrf(&s)) button type="submit" { "Check out" } }
    };
    Ok(page(&format!("Observing: {}", st.name), Some(&s), body))
    }).await?;
    Ok(html(markup, None))
}
