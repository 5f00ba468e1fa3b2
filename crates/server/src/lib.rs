//! canvass-server: the audit room on the web.
//!
//! One server for everyone an audit involves: the **administrator** (create
//! an election, upload CVRs and the manifest, see reconciliation and
//! tabulation, commit, enter the public seed, launch rounds, create audit
//! boards, follow the risk per contest, sign off, publish), **audit boards**
//! (sign in with a code, enter what each sampled ballot shows, both members
//! confirm, review, sign off; tally sheets as a fallback), **observers**
//! (check in and out, watch every entry and risk update live, read the
//! signed log) and the **public** (results, the audit report with charts,
//! the record download, Rumor Control).
//!
//! The server computes no statistics: sampling, comparison and risk come
//! from `canvass_audit::workflow`, results from `canvass_tabulate`, the
//! Merkle tree and signed checkpoints from `canvass_evidence`; everything is
//! stored by `canvass_store` (the only SQL). Every change is an event in the
//! election's evidence log, with who made it ([`events`]); the server's
//! state is that log replayed ([`state`]).
//!
//! Routes are grouped by audience ([`routes`]); [`router`] assembles them.
//! To add routes (e.g. `POST /api/label`), extend [`routes::api::routes`] or
//! merge a `Router<Arc<AppState>>` into [`router`]'s result.

pub mod app;
pub mod auth;
pub mod db;
pub mod error;
pub mod events;
pub mod forms;
pub mod label;
pub mod pages;
pub mod routes;
pub mod state;

pub use app::{AppState, Config};
pub use db::Db;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::routing::{get, post};
use routes::{admin, board, observer, public};
use std::sync::Arc;
use tower_http::set_header::SetResponseHeaderLayer;

/// Every route of the server.
pub fn router(app: Arc<AppState>) -> Router {
    let upload_limit = usize::try_from(app.config.upload_limit).unwrap_or(usize::MAX);
    let uploads = Router::new()
        .route("/admin/e/{id}/cvrs", post(admin::upload_cvrs))
        .route("/admin/e/{id}/manifest", post(admin::upload_manifest))
        .route("/admin/e/{id}/finding", post(admin::publish_finding))
        .layer(DefaultBodyLimit::max(upload_limit));
    Router::new()
        // public
        .route("/", get(public::home))
        .route("/e/{id}", get(public::election))
        .route("/e/{id}/report", get(public::report))
        .route("/e/{id}/log", get(public::log))
        .route("/e/{id}/record.json", get(public::record))
        .route("/rumors", get(public::rumors))
        .route("/rumors/check", post(public::check_post))
        .route("/rumors/{seq}", get(public::rumor))
        .route("/signout", post(routes::signout))
        // administrator
        .route("/signin", get(admin::signin_form).post(admin::signin))
        .route("/admin", get(admin::home))
        .route("/admin/elections", post(admin::create_election))
        .route("/admin/e/{id}", get(admin::election))
        .route("/admin/e/{id}/audit", post(admin::define_audit))
        .route("/admin/e/{id}/commit", post(admin::commit))
        .route("/admin/e/{id}/seed", post(admin::seed))
        .route("/admin/e/{id}/round", post(admin::launch_round))
        .route("/admin/e/{id}/boards", post(admin::create_boards))
        .route("/admin/e/{id}/retrieval.csv", get(admin::retrieval_csv))
        .route("/admin/e/{id}/cards.csv", get(admin::cards_csv))
        .route("/admin/e/{id}/tally/{board}", get(admin::tally_sheet))
        .route("/admin/e/{id}/signoff", post(admin::signoff))
        .route("/admin/e/{id}/publish", post(admin::publish))
        .route("/admin/e/{id}/checkpoint", post(admin::checkpoint))
        // audit boards
        .route("/board/signin", get(board::signin_form).post(board::signin))
        .route("/board", get(board::ballots))
        .route("/board/ballot/{pos}", get(board::ballot).post(board::enter))
        .route("/board/ballot/{pos}/review", post(board::review_entry))
        .route("/board/review", get(board::review))
        .route("/board/signoff", post(board::signoff))
        .route("/board/tally-sheet", get(board::tally_sheet).post(board::enter_tally_sheet))
        // observers
        .route("/e/{id}/observe", get(observer::view))
        .route("/e/{id}/observe/checkin", get(observer::checkin_form).post(observer::checkin))
        .merge(routes::api::routes())
        .layer(DefaultBodyLimit::max(crate::forms::FORM_LIMIT))
        .merge(uploads)
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'",
            ),
        ))
        .fallback(|| async { error::AppError::NotFound })
        .with_state(app)
}

/// What `canvass serve` needs.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// The address to listen on.
    pub addr: std::net::SocketAddr,
    /// The store: a SQLite path (default `DATA/canvass.db`), `sqlite:PATH`, or `postgres://...`.
    pub database: Option<String>,
    /// The server's settings (data folder, cookies, upload limit).
    pub config: Config,
}

/// Load the checkpoint signing key from `DATA/server.key`, creating it on first run.
pub fn load_or_create_key(
    dir: &std::path::Path,
) -> Result<canvass_evidence::keys::PrivateKey, String> {
    use canvass_evidence::keys::PrivateKey;
    let path = dir.join("server.key");
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            PrivateKey::from_text(text.trim()).map_err(|e| format!("{}: {e}", path.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = PrivateKey::generate("canvass-server", &mut rand_core::OsRng)
                .map_err(|e| e.to_string())?;
            let tmp = dir.join("server.key.tmp");
            std::fs::write(&tmp, key.to_text()).map_err(|e| format!("{}: {e}", tmp.display()))?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let _ = std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600));
            }
            std::fs::rename(&tmp, &path).map_err(|e| format!("{}: {e}", path.display()))?;
            Ok(key)
        }
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// Open the store, rebuild every election from its log, print the
/// administrator's sign-in link and serve until Ctrl-C.
pub fn run(opts: ServeOptions) -> Result<(), String> {
    let dir = &opts.config.data_dir;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let key = load_or_create_key(dir)?;
    let database = opts
        .database
        .clone()
        .unwrap_or_else(|| dir.join("canvass.db").display().to_string());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let (served, app) = rt.block_on(async move {
        // Bind first: nothing holds the store yet if the address is taken.
        let listener = tokio::net::TcpListener::bind(opts.addr)
            .await
            .map_err(|e| format!("{}: {e}", opts.addr))?;
        let db_url = database.clone();
        let db = tokio::task::spawn_blocking(move || Db::open(&db_url))
            .await
            .map_err(|e| e.to_string())??;
        let token = auth::random_token(24);
        let config = opts.config.clone();
        let app = tokio::task::spawn_blocking(move || {
            AppState::new(db, config, key, &token).map(|a| (a, token))
        })
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| match e {
            // Start-up errors (a registry or store that cannot be read) are
            // for the person starting the server: their text, not a debug form.
            error::AppError::Internal(detail) | error::AppError::BadRequest(detail) => detail,
            other => format!("{other:?}"),
        })?;
        let (app, token) = app;
        let scheme = if opts.config.secure_cookies {
            "https"
        } else {
            "http"
        };
        println!(
            "canvass server on {scheme}://{} (store: {database})",
            opts.addr
        );
        println!(
            "administrator sign-in: {scheme}://{}/signin?token={token}",
            opts.addr
        );
        let app = Arc::new(app);
        let router = router(Arc::clone(&app));
        let served = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| e.to_string());
        Ok::<_, String>((served, app))
    })?;
    // The store is closed outside the runtime: the PostgreSQL client blocks
    // when it closes, which tokio forbids on its threads.
    drop(rt);
    drop(app);
    served
}
