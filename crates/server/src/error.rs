//! Errors as users see them: a plain message for what they can fix, and for
//! everything else a reference id (the details go to the server's log, never
//! to the page).

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

/// What a handler can fail with.
#[derive(Debug)]
pub enum AppError {
    /// The request is wrong in a way the user can fix; the message is shown.
    BadRequest(String),
    /// Not signed in (or the session expired).
    Unauthorized,
    /// Signed in, but this role may not do this.
    Forbidden,
    /// No such page or object.
    NotFound,
    /// The form's CSRF token is missing or wrong.
    Csrf,
    /// Too many sign-in attempts (or label requests) from one address.
    TooManyRequests,
    /// The request conflicts with the current state (shown to the user).
    Conflict(String),
    /// Anything else: logged with a reference id, never shown.
    Internal(String),
}

impl AppError {
    /// An internal error from anything printable.
    pub fn internal(e: impl std::fmt::Display) -> AppError {
        AppError::Internal(e.to_string())
    }
}

impl From<canvass_store::StoreError> for AppError {
    fn from(e: canvass_store::StoreError) -> AppError {
        AppError::Internal(format!("store: {e}"))
    }
}

impl From<tokio::task::JoinError> for AppError {
    fn from(e: tokio::task::JoinError) -> AppError {
        AppError::Internal(format!("task: {e}"))
    }
}

/// A short random reference for an error, to match a user's report with the log.
pub fn reference_id() -> String {
    let mut b = [0u8; 6];
    crate::auth::random_bytes(&mut b);
    hex::encode(b)
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, title, text) = match self {
            AppError::BadRequest(m) => (StatusCode::BAD_REQUEST, "That did not work", m),
            AppError::Conflict(m) => (StatusCode::CONFLICT, "Not possible now", m),
            AppError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "Please sign in",
                "This page needs you to be signed in.".to_owned(),
            ),
            AppError::Forbidden => (
                StatusCode::FORBIDDEN,
                "Not allowed",
                "Your role may not see or do this.".to_owned(),
            ),
            AppError::NotFound => (
                StatusCode::NOT_FOUND,
                "Not found",
                "There is no such page.".to_owned(),
            ),
            AppError::Csrf => (
                StatusCode::FORBIDDEN,
                "Form expired",
                "The form was out of date or not sent from this site. Go back, reload the page and try again.".to_owned(),
            ),
            AppError::TooManyRequests => (
                StatusCode::TOO_MANY_REQUESTS,
                "Too many attempts",
                "Too many attempts from your address. Wait a minute and try again.".to_owned(),
            ),
            AppError::Internal(detail) => {
                let id = reference_id();
                eprintln!("canvass-server error {id}: {detail}");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    format!("The server could not do this. Reference: {id} (give it to the administrator)."),
                )
            }
        };
        let page = crate::pages::layout::error_page(title, &text);
        (status, Html(page.into_string())).into_response()
    }
}

/// Handler results.
pub type AppResult<T> = Result<T, AppError>;
