//! The application state and every change it accepts. Each change is
//! checked against the current state, appended to the evidence log in the
//! store (with who made it) and then applied; one lock orders them, so the
//! log's order is the order the state saw.

use crate::auth::Sessions;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::events::{Event, Payload};
use crate::label::Labels;
use crate::state::ElectionState;
use canvass_checks::claims::Registry;
use canvass_evidence::checkpoint::Checkpoint;
use canvass_evidence::keys::PrivateKey;
use canvass_store::{ElectionId, StoredCheckpoint};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// How the server runs.
#[derive(Clone, Debug)]
pub struct Config {
    /// The folder for uploads and the signing key.
    pub data_dir: PathBuf,
    /// Set the `Secure` flag on cookies (the server is behind TLS).
    pub secure_cookies: bool,
    /// The largest upload accepted, in bytes.
    pub upload_limit: u64,
    /// The name in checkpoints' origin line.
    pub origin: String,
    /// Sign-in attempts allowed per client address per minute.
    pub signin_limit: u32,
    /// Label requests (`POST /api/label`, `POST /rumors/check`) allowed per
    /// client address per minute.
    pub label_limit: u32,
    /// A claims registry (`canvass.claims.v1`) instead of the built-in one.
    pub registry: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            data_dir: PathBuf::from("canvass-data"),
            secure_cookies: false,
            upload_limit: 4 << 30,
            origin: "canvass".into(),
            signin_limit: crate::auth::SIGNIN_LIMIT,
            label_limit: crate::label::LABEL_LIMIT,
            registry: None,
        }
    }
}

/// The store and every election's state, behind one lock.
pub struct Inner {
    /// The store.
    pub db: Db,
    /// Every election, by id.
    pub elections: BTreeMap<ElectionId, ElectionState>,
}

impl Inner {
    /// The state of an election.
    pub fn election(&self, id: ElectionId) -> AppResult<&ElectionState> {
        self.elections.get(&id).ok_or(AppError::NotFound)
    }

    /// Append `event` to the election's log and apply it; returns its position.
    pub fn record(&mut self, id: ElectionId, actor: &str, event: Event) -> AppResult<u64> {
        let payload = Payload {
            actor: actor.to_owned(),
            event,
        };
        let bytes = payload.to_bytes().map_err(AppError::Internal)?;
        let entry = self
            .db
            .append_log(id, payload.event.kind(), &bytes, actor)?;
        let st = self.elections.get_mut(&id).ok_or(AppError::NotFound)?;
        st.apply(&self.db, &payload, entry.seq, &bytes)
            .map_err(AppError::Internal)?;
        Ok(entry.seq)
    }
}

/// Write to the store's `mvrs` table every manual vote record the log holds
/// and the table lacks (an entry whose row a crash kept from being written
/// after its log entry); rows already there are left as they are.
fn store_missing_records(db: &mut Db, st: &ElectionState) -> AppResult<()> {
    let Some(audit) = st.audit.as_ref().and_then(|a| a.store_audit) else {
        return Ok(());
    };
    let stored: std::collections::BTreeSet<String> =
        db.records(audit)?.into_iter().map(|r| r.card.0).collect();
    for r in st.manual_records().map_err(AppError::Internal)? {
        if !stored.contains(&r.card.0) {
            db.enter_record(audit, &r)?;
        }
    }
    Ok(())
}

/// The shared state of the server.
pub struct AppState {
    /// The store and elections.
    pub inner: Mutex<Inner>,
    /// Sessions and sign-in attempts.
    pub sessions: Sessions,
    /// How the server runs.
    pub config: Config,
    /// The key that signs checkpoints.
    pub key: PrivateKey,
    /// SHA-256 of the administrator's sign-in token.
    pub admin_token_hash: String,
    /// The claims registry and the label matcher over the published findings.
    pub labels: Labels,
}

impl AppState {
    /// Start from a store: rebuild every election from its log.
    pub fn new(db: Db, config: Config, key: PrivateKey, admin_token: &str) -> AppResult<AppState> {
        let mut elections = BTreeMap::new();
        let mut db = db;
        for (id, _) in db.elections()? {
            let st = ElectionState::load(&db, id).map_err(AppError::Internal)?;
            store_missing_records(&mut db, &st)?;
            elections.insert(id, st);
        }
        let registry = match &config.registry {
            Some(path) => Registry::read(path),
            None => Registry::builtin(),
        }
        .map_err(AppError::internal)?;
        let labels = Labels::new(registry);
        let inner = Inner { db, elections };
        labels.refresh(&inner)?;
        Ok(AppState {
            inner: Mutex::new(inner),
            sessions: Sessions::default(),
            config,
            key,
            admin_token_hash: crate::auth::secret_hash(admin_token),
            labels,
        })
    }

    /// Run `f` with the lock held, on a blocking thread (the store may block).
    pub async fn with<T, F>(self: &Arc<Self>, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Inner, &AppState) -> AppResult<T> + Send + 'static,
    {
        let app = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let mut guard = app
                .inner
                .lock()
                .map_err(|_| AppError::internal("state lock poisoned"))?;
            f(&mut guard, &app)
        })
        .await?
    }

    /// Sign a checkpoint over the election's log as it stands (RFC 9162 root,
    /// C2SP signed note), unless the latest already covers it.
    pub fn checkpoint(&self, inner: &mut Inner, id: ElectionId) -> AppResult<()> {
        let st = inner.election(id)?;
        let size = st.tree.size();
        if size == 0 {
            return Ok(());
        }
        let last = inner.db.checkpoints(id)?.last().map(|c| c.tree_size);
        if last.is_some_and(|l| l >= size) {
            return Ok(());
        }
        let root = st.tree.root();
        let timestamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let cp = Checkpoint {
            origin: format!("{}/election/{}", self.config.origin, id.0),
            size,
            root,
            timestamp,
        };
        let note = cp.sign(&self.key).map_err(AppError::internal)?;
        inner.db.add_checkpoint(
            id,
            &StoredCheckpoint {
                tree_size: size,
                root,
                note,
            },
        )?;
        Ok(())
    }
}
