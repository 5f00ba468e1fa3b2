//! The HTTP routes, one module per audience. Every handler checks its role
//! first; every POST checks the CSRF token before anything else.

pub mod admin;
pub mod api;
pub mod board;
pub mod observer;
pub mod public;

use crate::app::AppState;
use crate::auth::{Role, Session, check_csrf, clear_cookie, session_cookie};
use crate::error::{AppError, AppResult};
use crate::forms::{Form, read_form};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use canvass_store::ElectionId;
use maud::Markup;
use std::sync::Arc;

/// The shared state as handlers take it.
pub type App = Arc<AppState>;

/// A 303 redirect (after a POST).
pub fn redirect(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_owned())]).into_response()
}

/// A page, setting a session cookie when one was just created.
pub fn html(markup: Markup, cookie: Option<String>) -> Response {
    let mut r = Html(markup.into_string()).into_response();
    if let Some(c) = cookie
        && let Ok(v) = c.parse()
    {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

/// A redirect that also sets a cookie.
pub fn redirect_with_cookie(to: &str, cookie: String) -> Response {
    let mut r = redirect(to);
    if let Ok(v) = cookie.parse() {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

/// The session, or a new anonymous one (to carry a CSRF token) with its cookie.
pub fn session_or_new(app: &AppState, headers: &HeaderMap) -> (Session, Option<String>) {
    match app.sessions.get(headers) {
        Some(s) => (s, None),
        None => {
            let s = app.sessions.create(Role::Anonymous);
            let c = session_cookie(&s.id, app.config.secure_cookies);
            (s, Some(c))
        }
    }
}

/// The administrator's session, or 401/403.
pub fn require_admin(app: &AppState, headers: &HeaderMap) -> AppResult<Session> {
    match app.sessions.get(headers) {
        Some(s) if s.role == Role::Admin => Ok(s),
        Some(s) if s.role != Role::Anonymous => Err(AppError::Forbidden),
        _ => Err(AppError::Unauthorized),
    }
}

/// Read a POSTed form and check its CSRF token against the session.
pub async fn post_form(app: &AppState, req: Request) -> AppResult<(Option<Session>, Form)> {
    let session = app.sessions.get(req.headers());
    let (_, form) = read_form(req).await?;
    check_csrf(session.as_ref(), form.get("csrf"))?;
    Ok((session, form))
}

/// Parse an election id from a path segment (anything else is "not found").
pub fn election_id(text: &str) -> AppResult<ElectionId> {
    text.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(ElectionId)
        .ok_or(AppError::NotFound)
}

/// The client's address for the sign-in rate limit.
pub fn client_key(req: &Request) -> String {
    req.extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "local".to_owned())
}

/// `POST /signout`: end the session (and check out an observer).
pub async fn signout(State(app): State<App>, req: Request) -> AppResult<Response> {
    let (session, _) = post_form(&app, req).await?;
    let Some(s) = session else {
        return Err(AppError::Unauthorized);
    };
    if let Role::Observer { election, name } = &s.role {
        let (election, name, actor) = (*election, name.clone(), s.actor());
        app.with(move |inner, _| {
            if inner.election(election)?.observers.contains(&name) {
                inner.record(election, &actor, crate::events::Event::ObserverOut { name })?;
            }
            Ok(())
        })
        .await?;
    }
    app.sessions.remove(&s.id);
    Ok(redirect_with_cookie(
        "/",
        clear_cookie(app.config.secure_cookies),
    ))
}
