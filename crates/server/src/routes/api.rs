//! JSON API. Other features add their routes here: `routes()` is merged
//! into the server's router, so a new route only needs a line below and its
//! handler.
//!
//! - `GET /api/e/{id}/status`: where an audit stands;
//! - `POST /api/label`: whether a post makes an allegation of the claims
//!   registry, and the label a published finding gives it (see
//!   docs/SERVER.md, "Label API"). Public, no session, no CSRF (it changes
//!   nothing); rate-limited per client address and limited to
//!   [`crate::label::BODY_LIMIT`] bytes. Its errors are JSON
//!   (`{"error": "..."}`), not pages.

use super::{App, client_key, election_id};
use crate::error::{AppError, AppResult};
use crate::forms::Form;
use axum::Json;
use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

/// The API's routes.
pub fn routes() -> Router<App> {
    Router::new()
        .route("/api/e/{id}/status", get(status))
        .route("/api/label", post(label))
}

/// A JSON error answer: `{"error": message}`.
pub fn json_error(status: StatusCode, message: &str) -> Response {
    (status, Json(serde_json::json!({ "error": message }))).into_response()
}

/// The post's text from a label request body: a form (`text=`) when the
/// content type says so, else a JSON object `{"text": "..."}`.
pub fn label_text(content_type: Option<&str>, body: &[u8]) -> Result<String, String> {
    let is_form = content_type.is_some_and(|ct| {
        ct.trim_start()
            .to_ascii_lowercase()
            .starts_with("application/x-www-form-urlencoded")
    });
    if is_form {
        return Form::parse(body)
            .get("text")
            .map(str::to_owned)
            .ok_or_else(|| "the form has no `text` field".to_owned());
    }
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| format!("the body is not JSON ({e}); send {{\"text\": \"...\"}}"))?;
    match value.get("text") {
        Some(serde_json::Value::String(t)) => Ok(t.clone()),
        Some(_) => Err("`text` must be a string".to_owned()),
        None if value.is_object() => Err("the JSON object has no `text` field".to_owned()),
        None => Err("expected a JSON object {\"text\": \"...\"}".to_owned()),
    }
}

/// Why a body could not be read: over the limit (413) or cut off (400).
fn body_error(e: axum::Error) -> Response {
    let inner = e.into_inner();
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(inner.as_ref());
    while let Some(s) = source {
        if s.is::<http_body_util::LengthLimitError>() {
            return too_large();
        }
        source = s.source();
    }
    json_error(
        StatusCode::BAD_REQUEST,
        "the request body could not be read",
    )
}

fn too_large() -> Response {
    json_error(
        StatusCode::PAYLOAD_TOO_LARGE,
        &format!(
            "the request body is larger than {} bytes",
            crate::label::BODY_LIMIT
        ),
    )
}

/// `POST /api/label`: the matcher's decision for one post, in the shape of
/// `canvass label --json` (`canvass_checks::claims::Decision`).
pub async fn label(State(app): State<App>, req: Request) -> Response {
    let limit = crate::label::BODY_LIMIT;
    match app.sessions.attempt(
        &format!("label {}", client_key(&req)),
        app.config.label_limit,
    ) {
        Ok(()) => {}
        Err(AppError::TooManyRequests) => {
            return json_error(
                StatusCode::TOO_MANY_REQUESTS,
                "too many label requests from this address; wait a minute",
            );
        }
        Err(e) => return internal_json(e),
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return too_large();
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = match axum::body::to_bytes(req.into_body(), limit).await {
        Ok(b) => b,
        Err(e) => return body_error(e),
    };
    let text = match label_text(content_type.as_deref(), &bytes) {
        Ok(t) => t,
        Err(m) => return json_error(StatusCode::BAD_REQUEST, &m),
    };
    let matcher = match app.labels.matcher() {
        Ok(m) => m,
        Err(e) => return internal_json(e),
    };
    match tokio::task::spawn_blocking(move || matcher.decide(&text)).await {
        Ok(decision) => Json(decision).into_response(),
        Err(e) => internal_json(AppError::from(e)),
    }
}

/// An error as JSON; internal details go to the server's log with a
/// reference id, never to the client.
fn internal_json(e: AppError) -> Response {
    let detail = match e {
        AppError::Internal(d) => d,
        other => format!("{other:?}"),
    };
    let id = crate::error::reference_id();
    eprintln!("canvass-server error {id}: {detail}");
    json_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        &format!("the server could not do this; reference {id}"),
    )
}

/// `GET /api/e/{id}/status`: the audit's state as JSON (the workflow's statuses).
pub async fn status(
    State(app): State<App>,
    Path(id): Path<String>,
) -> AppResult<Json<serde_json::Value>> {
    let id = election_id(&id)?;
    app.with(move |inner, _| {
        let st = inner.election(id)?;
        let a = st.audit.as_ref();
        Ok(Json(serde_json::json!({
            "election": st.name,
            "cards": st.cards,
            "committed_root": st.committed.as_ref().map(|c| c.0.clone()),
            "seed": a.and_then(|a| a.seed.clone()),
            "round": a.map_or(0, |a| a.rounds.len()),
            "recorded": a.map_or(0, |a| a.paper.len()),
            "contests": a.map(|a| a.statuses.clone()).unwrap_or_default(),
            "log_size": st.tree.size(),
            "signed_off": st.signed_off.is_some(),
            "published": st.published,
        })))
    })
    .await
}
