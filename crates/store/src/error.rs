//! The store's one error type.

use crate::ids::{AuditId, ElectionId, ImportId};

/// Everything that can go wrong in the store. Messages name the database, the
/// election, the card (with its source file and record) and the field.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database file could not be opened or created.
    #[error("cannot open database {path}: {source}")]
    Open {
        /// The database path.
        path: String,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// The database was written by a newer canvass.
    #[error(
        "database {path} has schema version {found} but this canvass knows only up to {supported}; use a newer canvass"
    )]
    TooNew {
        /// The database path.
        path: String,
        /// The version recorded in the database.
        found: i64,
        /// The newest version this code knows.
        supported: i64,
    },
    /// The database needs a migration but was opened read-only.
    #[error(
        "database {path} has schema version {found} and needs {supported}, but it is open read-only"
    )]
    NeedsMigration {
        /// The database path.
        path: String,
        /// The version recorded in the database.
        found: i64,
        /// The version this code needs.
        supported: i64,
    },
    /// A write was refused because the database (or its file, or on
    /// PostgreSQL the database's `default_transaction_read_only`) is
    /// read-only. Nothing of the refused operation was stored.
    #[error("{}database {path} is read-only; nothing was written", during_prefix(.during, "refused"))]
    ReadOnly {
        /// The database path (a PostgreSQL URL without credentials).
        path: String,
        /// The refused operation when known (`import into election 1`).
        during: Option<String>,
    },
    /// The disk is full or the database reached its size limit. The failed
    /// operation was rolled back; everything stored before it is intact.
    #[error(
        "{}database {path} is full (disk full or size limit reached{}); the operation was rolled back and everything stored before it is intact",
        during_prefix(.during, "failed"),
        detail.as_deref().map(|d| format!(": {d}")).unwrap_or_default()
    )]
    Full {
        /// The database path (a PostgreSQL URL without credentials).
        path: String,
        /// The failed operation when known (`import 3 into election 1 (24000
        /// cards so far)`).
        during: Option<String>,
        /// What the server said (PostgreSQL: which file it could not extend).
        detail: Option<String>,
    },
    /// The connection to the PostgreSQL server was lost (the server or its
    /// backend was stopped or killed, or the network failed). Before the
    /// commit the server rolls the transaction back, so nothing of it was
    /// stored; while committing, the outcome is unknown.
    #[cfg(feature = "postgres")]
    #[error(
        "{}lost the connection to database {path} ({}); {}",
        during_prefix(.during, "failed"),
        pg_reason(.source),
        if *.committing {
            "this happened while committing, so the server may or may not have stored it: check the election's imports before running it again"
        } else {
            "the server rolled the unfinished transaction back, so nothing of it was stored; open the store again and run it again"
        }
    )]
    ConnectionLost {
        /// The server URL without credentials.
        path: String,
        /// The operation cut off when known (`import 3 into election 1`).
        during: Option<String>,
        /// True when the connection was lost during `COMMIT`.
        committing: bool,
        /// What the client said.
        source: postgres::Error,
    },
    /// The PostgreSQL server could not be reached.
    #[cfg(feature = "postgres")]
    #[error("cannot connect to {path}: {}", pg_reason(.source))]
    OpenPostgres {
        /// The server URL without credentials.
        path: String,
        /// What the client said.
        source: postgres::Error,
    },
    /// Another error from PostgreSQL.
    #[cfg(feature = "postgres")]
    #[error("database {path}: {}", pg_reason(.source))]
    Postgres {
        /// The server URL without credentials.
        path: String,
        /// What the server said.
        source: postgres::Error,
    },
    /// The store is already in use by an unfinished read on this handle.
    #[error("the store is busy with another operation on this handle")]
    Busy,
    /// Another error from SQLite.
    #[error("database {path}: {source}")]
    Sqlite {
        /// The database path.
        path: String,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// No election with this id.
    #[error("no election {0} in the store")]
    UnknownElection(ElectionId),
    /// No audit with this id.
    #[error("no audit {0} in the store")]
    UnknownAudit(AuditId),
    /// The same card id twice in one election.
    #[error("{file} record {record}: card {card:?} is already stored in election {election}")]
    DuplicateCard {
        /// The election.
        election: ElectionId,
        /// The card id.
        card: String,
        /// The source file of the refused card.
        file: String,
        /// The record number of the refused card.
        record: u64,
    },
    /// A card names a contest or candidate that the election does not define.
    #[error("{file} record {record}: card {card:?} field {field}: {problem}")]
    InvalidCard {
        /// The card id.
        card: String,
        /// The source file.
        file: String,
        /// The record number.
        record: u64,
        /// The field (`contest`, `candidate`, `position`, ...).
        field: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// The card source (a reader) failed; the import was rolled back.
    #[error("card source failed at card {record} of the import: {source}")]
    Source {
        /// The 1-based number of the card in this import that failed.
        record: u64,
        /// The reader's error.
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
    /// The election definition being stored contradicts the stored one.
    #[error("election {election}: {what} differs from the stored definition")]
    DefinitionConflict {
        /// The election.
        election: ElectionId,
        /// What differs (`contest 3 external_id`, ...).
        what: String,
    },
    /// A card id that is not stored in the election.
    #[error("no card {card:?} in election {election}")]
    UnknownCard {
        /// The election.
        election: ElectionId,
        /// The card id.
        card: String,
    },
    /// A manual vote record for a card the audit never sampled.
    #[error("audit {audit}: card {card:?} was not sampled")]
    NotSampled {
        /// The audit.
        audit: AuditId,
        /// The card id.
        card: String,
    },
    /// A manual vote record entered again with different content.
    #[error("audit {audit}: card {card:?} already has a different manual vote record")]
    ConflictingRecord {
        /// The audit.
        audit: AuditId,
        /// The card id.
        card: String,
    },
    /// Rounds must be recorded in order 1, 2, 3, ...
    #[error("audit {audit}: round {got} recorded but the next round is {expected}")]
    RoundOutOfOrder {
        /// The audit.
        audit: AuditId,
        /// The next round number.
        expected: u32,
        /// The round number given.
        got: u32,
    },
    /// A user name already taken.
    #[error("user {0:?} already exists")]
    DuplicateUser(String),
    /// A log entry whose stored hash does not match its payload.
    #[error("election {election} log entry {seq}: the payload does not match its stored SHA-256")]
    LogTampered {
        /// The election.
        election: ElectionId,
        /// The entry's sequence number.
        seq: u64,
    },
    /// A checkpoint that does not fit the log.
    #[error("election {election}: checkpoint of tree size {size} refused: {problem}")]
    BadCheckpoint {
        /// The election.
        election: ElectionId,
        /// The checkpoint's tree size.
        size: u64,
        /// Why.
        problem: String,
    },
    /// A number too large for the database's signed 64-bit integers.
    #[error("{field} value {value} is too large to store")]
    TooLarge {
        /// The field.
        field: &'static str,
        /// The value.
        value: u64,
    },
    /// A stored value that cannot be decoded.
    #[error("database {path}: corrupt {what}")]
    Corrupt {
        /// The database path.
        path: String,
        /// What could not be decoded.
        what: String,
    },
}

/// `"{during} {verb}: "`, or nothing when the operation is not known.
fn during_prefix(during: &Option<String>, verb: &str) -> String {
    during
        .as_deref()
        .map(|d| format!("{d} {verb}: "))
        .unwrap_or_default()
}

/// What the PostgreSQL client or server said: the client's summary ("db
/// error", "error communicating with the server") followed by its cause
/// (the server's "FATAL: terminating connection due to administrator
/// command", the socket's "Connection reset by peer").
#[cfg(feature = "postgres")]
fn pg_reason(e: &postgres::Error) -> String {
    match std::error::Error::source(e) {
        Some(cause) => format!("{e}: {cause}").replace('\n', "; "),
        None => e.to_string(),
    }
}

impl StoreError {
    /// Name the operation a fault (read-only, full, connection lost) struck,
    /// unless it is already named; other errors pass unchanged.
    pub(crate) fn during(mut self, what: impl FnOnce() -> String) -> StoreError {
        match &mut self {
            StoreError::ReadOnly { during, .. } | StoreError::Full { during, .. }
                if during.is_none() =>
            {
                *during = Some(what());
            }
            #[cfg(feature = "postgres")]
            StoreError::ConnectionLost { during, .. } if during.is_none() => {
                *during = Some(what());
            }
            _ => {}
        }
        self
    }
}

/// The name of an import in fault messages: `import 3 into election 1 (2000
/// cards so far)` (or `import into election 1` before it has an id).
pub(crate) fn import_name(election: ElectionId, import: Option<ImportId>, sent: u64) -> String {
    match import {
        Some(i) => format!(
            "import {} into election {election} ({sent} cards so far)",
            i.0
        ),
        None => format!("import into election {election}"),
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Classify a SQLite error for the database at `path`.
pub(crate) fn classify(path: &str, e: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode;
    if let rusqlite::Error::SqliteFailure(f, _) = &e {
        match f.code {
            ErrorCode::ReadOnly => {
                return StoreError::ReadOnly {
                    path: path.to_owned(),
                    during: None,
                };
            }
            ErrorCode::DiskFull => {
                return StoreError::Full {
                    path: path.to_owned(),
                    during: None,
                    detail: None,
                };
            }
            _ => {}
        }
    }
    StoreError::Sqlite {
        path: path.to_owned(),
        source: e,
    }
}

/// True when `e` is a UNIQUE or PRIMARY KEY constraint violation.
pub(crate) fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _)
        if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
            || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY)
}
