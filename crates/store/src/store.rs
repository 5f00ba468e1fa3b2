//! Opening the database and the election definitions.

use crate::api::{self, CardIter, store_methods};
use crate::cards::{CardImport, ImportSummary};
use crate::error::{Result, StoreError, classify};
use crate::ids::{AuditId, ElectionId, ManifestId, UserId};
use crate::log::{LogEntry, StoredCheckpoint};
use crate::records::{Audit, Entered, ManualRecord, NewAudit, SampleDraw, User};
use crate::schema;
use crate::sql::Lite;
use canvass_model::{BallotManifest, Card, CardId, Election};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::path::Path;
use std::sync::Arc;

/// How to open a database file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenMode {
    /// Read and write; create the file and the schema when missing.
    ReadWrite,
    /// Read only: every write fails with [`StoreError::ReadOnly`] and nothing changes.
    ReadOnly,
}

/// The store: one SQLite database (WAL mode, foreign keys on).
///
/// Every method that writes runs in one transaction: it lands whole or not at all.
pub struct Store {
    pub(crate) conn: Connection,
    pub(crate) path: Arc<str>,
    pub(crate) import_cache_kib: u64,
}

/// The page cache of a card import by default (KiB): keeps the card-id index
/// of a statewide import in memory.
pub const DEFAULT_IMPORT_CACHE_KIB: u64 = 64 * 1024;

/// Convert an unsigned count to the database's signed integer.
pub(crate) fn to_i64(field: &'static str, value: u64) -> Result<i64> {
    i64::try_from(value).map_err(|_| StoreError::TooLarge { field, value })
}

impl Store {
    /// Open (creating when missing) the database at `path` for reading and writing.
    pub fn open(path: impl AsRef<Path>) -> Result<Store> {
        Store::open_with(path, OpenMode::ReadWrite)
    }

    /// Open the database at `path` in the given mode.
    pub fn open_with(path: impl AsRef<Path>, mode: OpenMode) -> Result<Store> {
        let path_ref = path.as_ref();
        let display = path_ref.display().to_string();
        let flags = match mode {
            OpenMode::ReadWrite => {
                OpenFlags::SQLITE_OPEN_READ_WRITE
                    | OpenFlags::SQLITE_OPEN_CREATE
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX
            }
            OpenMode::ReadOnly => {
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
            }
        };
        let conn =
            Connection::open_with_flags(path_ref, flags).map_err(|source| StoreError::Open {
                path: display.clone(),
                source,
            })?;
        Store::setup(conn, display.into(), mode)
    }

    /// A fresh database in memory (for tests and one-shot commands).
    pub fn open_in_memory() -> Result<Store> {
        let display = ":memory:".to_owned();
        let conn = Connection::open_in_memory().map_err(|source| StoreError::Open {
            path: display.clone(),
            source,
        })?;
        Store::setup(conn, display.into(), OpenMode::ReadWrite)
    }

    fn setup(mut conn: Connection, path: Arc<str>, mode: OpenMode) -> Result<Store> {
        let err = |e| classify(&path, e);
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(err)?;
        conn.execute_batch("PRAGMA foreign_keys = ON")
            .map_err(err)?;
        if mode == OpenMode::ReadWrite {
            // WAL: readers never block the writer and a killed writer leaves the
            // last committed state. synchronous = FULL: a commit survives power loss.
            let journal: String = conn
                .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
                .map_err(err)?;
            if journal != "wal" && journal != "memory" {
                return Err(StoreError::Corrupt {
                    path: path.to_string(),
                    what: format!("journal mode {journal}"),
                });
            }
            conn.execute_batch("PRAGMA synchronous = FULL")
                .map_err(err)?;
        }
        schema::migrate(&mut conn, &path, mode == OpenMode::ReadOnly)?;
        Ok(Store {
            conn,
            path,
            import_cache_kib: DEFAULT_IMPORT_CACHE_KIB,
        })
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64> {
        schema::current_version(&self.conn, &self.path)
    }

    /// Limit the database to `pages` pages (of 4096 bytes by default); writes
    /// beyond fail with [`StoreError::Full`] like a full disk. Returns the limit
    /// in force (SQLite never sets it below the current size).
    pub fn set_max_page_count(&self, pages: u64) -> Result<u64> {
        let pages = to_i64("max_page_count", pages)?;
        let got: i64 = self
            .conn
            .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |r| {
                r.get(0)
            })
            .map_err(|e| self.err(e))?;
        Ok(got.max(0) as u64)
    }

    /// Switch this connection to `PRAGMA synchronous = NORMAL`: in WAL mode a
    /// commit is then durable across a crash of the process but may be lost on
    /// power failure (the database stays consistent). For servers that commit
    /// many small transactions (one per audit-board entry), where a commit
    /// with `FULL` waits for the disk each time.
    pub fn set_synchronous_normal(&mut self) -> Result<()> {
        self.conn
            .execute_batch("PRAGMA synchronous = NORMAL")
            .map_err(|e| self.err(e))
    }

    /// The page cache a card import may use, in KiB (the bound on its memory
    /// beyond one card; pages beyond it spill to the write-ahead log).
    pub fn set_import_cache_kib(&mut self, kib: u64) {
        self.import_cache_kib = kib.max(64);
    }

    /// `PRAGMA integrity_check`: `["ok"]` for a sound database.
    pub fn integrity_check(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare("PRAGMA integrity_check")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(|e| self.err(e))?;
        rows.collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| self.err(e))
    }

    pub(crate) fn err(&self, e: rusqlite::Error) -> StoreError {
        classify(&self.path, e)
    }

    /// Run `f` on the connection (reads).
    pub(crate) fn read<T>(&self, f: impl FnOnce(&mut Lite<'_>) -> Result<T>) -> Result<T> {
        f(&mut Lite {
            conn: &self.conn,
            path: &self.path,
        })
    }

    /// Run `f` in one write transaction (taking the write lock at its start,
    /// `BEGIN IMMEDIATE`); it lands whole or, on any error, not at all.
    pub(crate) fn write<T>(&mut self, f: impl FnOnce(&mut Lite<'_>) -> Result<T>) -> Result<T> {
        let path = &self.path;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| classify(path, e))?;
        let out = f(&mut Lite { conn: &tx, path })?;
        tx.commit().map_err(|e| classify(path, e))?;
        Ok(out)
    }
}

store_methods!(Store, CardImport);
