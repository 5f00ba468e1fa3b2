//! JSON API. Other features add their routes here (e.g. `POST /api/label`
//! from the claims registry): `routes()` is merged into the server's router,
//! so a new route only needs a line below and its handler.

use super::{App, election_id};
use crate::error::AppResult;
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;

/// The API's routes.
pub fn routes() -> Router<App> {
    Router::new().route("/api/e/{id}/status", get(status))
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
