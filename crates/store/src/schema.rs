//! The schema: a numbered list of migrations, applied in one transaction each
//! and recorded in `schema_version`. Never edit a released migration; append a
//! new one (see `docs/STORE.md`).

use crate::error::{Result, StoreError, classify};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

/// Migration `i` (0-based) brings the schema to version `i + 1`.
pub(crate) const MIGRATIONS: &[&str] = &[
    // Version 1.
    r#"
CREATE TABLE elections (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    source_name TEXT
);

CREATE TABLE contests (
    election_id INTEGER NOT NULL REFERENCES elections(id),
    idx         INTEGER NOT NULL,
    external_id TEXT NOT NULL,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('plurality', 'approval', 'supermajority', 'ranked')),
    threshold_numerator   INTEGER,
    threshold_denominator INTEGER,
    seats       INTEGER NOT NULL,
    max_ranks   INTEGER,
    PRIMARY KEY (election_id, idx)
);

CREATE TABLE candidates (
    election_id INTEGER NOT NULL,
    contest_idx INTEGER NOT NULL,
    idx         INTEGER NOT NULL,
    external_id TEXT NOT NULL,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('regular', 'write_in', 'undeclared_write_in')),
    PRIMARY KEY (election_id, contest_idx, idx),
    FOREIGN KEY (election_id, contest_idx) REFERENCES contests(election_id, idx)
);

CREATE TABLE candidate_aliases (
    election_id   INTEGER NOT NULL,
    contest_idx   INTEGER NOT NULL,
    candidate_idx INTEGER NOT NULL,
    ordinal       INTEGER NOT NULL,
    alias         TEXT NOT NULL,
    PRIMARY KEY (election_id, contest_idx, candidate_idx, ordinal),
    FOREIGN KEY (election_id, contest_idx, candidate_idx)
        REFERENCES candidates(election_id, contest_idx, idx)
);

CREATE TABLE imports (
    id          INTEGER PRIMARY KEY,
    election_id INTEGER NOT NULL REFERENCES elections(id),
    first_seq   INTEGER NOT NULL,
    cards       INTEGER NOT NULL
);

CREATE TABLE source_files (
    id          INTEGER PRIMARY KEY,
    election_id INTEGER NOT NULL REFERENCES elections(id),
    path        TEXT NOT NULL,
    UNIQUE (election_id, path)
);

-- One row per card. `seq` is the card's 0-based position in the election
-- (import order, then source order): the order of every read and of the
-- Merkle commitment. `contests` is the codec.rs encoding of the marks.
CREATE TABLE cards (
    id             INTEGER PRIMARY KEY,
    election_id    INTEGER NOT NULL REFERENCES elections(id),
    seq            INTEGER NOT NULL,
    import_id      INTEGER NOT NULL REFERENCES imports(id),
    card_id        TEXT NOT NULL,
    ballot_id      TEXT,
    tabulator      TEXT,
    batch          TEXT,
    position       INTEGER,
    imprinted_id   TEXT,
    precinct       TEXT,
    ballot_style   TEXT,
    counting_group TEXT,
    source_file    INTEGER NOT NULL REFERENCES source_files(id),
    source_record  INTEGER NOT NULL,
    contests       BLOB NOT NULL,
    UNIQUE (election_id, seq),
    UNIQUE (election_id, card_id)
);

CREATE TABLE manifests (
    id          INTEGER PRIMARY KEY,
    election_id INTEGER NOT NULL REFERENCES elections(id)
);

CREATE TABLE manifest_batches (
    manifest_id INTEGER NOT NULL REFERENCES manifests(id),
    ordinal     INTEGER NOT NULL,
    tabulator   TEXT,
    batch       TEXT NOT NULL,
    cards       INTEGER NOT NULL,
    PRIMARY KEY (manifest_id, ordinal)
);

CREATE TABLE users (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    role       TEXT NOT NULL,
    credential TEXT
);

CREATE TABLE audits (
    id          INTEGER PRIMARY KEY,
    election_id INTEGER NOT NULL REFERENCES elections(id),
    name        TEXT NOT NULL,
    risk_limit  TEXT NOT NULL,
    seed        TEXT NOT NULL,
    settings    TEXT NOT NULL
);

CREATE TABLE rounds (
    audit_id INTEGER NOT NULL REFERENCES audits(id),
    number   INTEGER NOT NULL,
    PRIMARY KEY (audit_id, number)
);

CREATE TABLE samples (
    audit_id    INTEGER NOT NULL,
    round       INTEGER NOT NULL,
    ordinal     INTEGER NOT NULL,
    election_id INTEGER NOT NULL,
    card_id     TEXT NOT NULL,
    ticket      TEXT,
    PRIMARY KEY (audit_id, round, ordinal),
    FOREIGN KEY (audit_id, round) REFERENCES rounds(audit_id, number),
    FOREIGN KEY (election_id, card_id) REFERENCES cards(election_id, card_id)
);
CREATE INDEX samples_by_card ON samples(audit_id, card_id);

CREATE TABLE mvrs (
    audit_id    INTEGER NOT NULL REFERENCES audits(id),
    election_id INTEGER NOT NULL,
    card_id     TEXT NOT NULL,
    found       INTEGER NOT NULL CHECK (found IN (0, 1)),
    contests    BLOB NOT NULL,
    board       TEXT NOT NULL,
    entered_by  INTEGER REFERENCES users(id),
    PRIMARY KEY (audit_id, card_id),
    FOREIGN KEY (election_id, card_id) REFERENCES cards(election_id, card_id)
);

-- The evidence log: append-only, enforced by the triggers below.
CREATE TABLE log_entries (
    election_id INTEGER NOT NULL REFERENCES elections(id),
    seq         INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    payload     BLOB NOT NULL,
    sha256      BLOB NOT NULL CHECK (length(sha256) = 32),
    actor       TEXT NOT NULL,
    PRIMARY KEY (election_id, seq)
);
CREATE TRIGGER log_entries_no_update BEFORE UPDATE ON log_entries
    BEGIN SELECT RAISE(ABORT, 'the evidence log is append-only'); END;
CREATE TRIGGER log_entries_no_delete BEFORE DELETE ON log_entries
    BEGIN SELECT RAISE(ABORT, 'the evidence log is append-only'); END;

CREATE TABLE checkpoints (
    election_id INTEGER NOT NULL REFERENCES elections(id),
    tree_size   INTEGER NOT NULL,
    root        BLOB NOT NULL CHECK (length(root) = 32),
    note        TEXT NOT NULL,
    PRIMARY KEY (election_id, tree_size)
);
CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints
    BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;
CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints
    BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;
"#,
    // Version 2: the files of an audit directory (`canvass audit`) as the
    // store last wrote them, and the step begun but not finished.
    r#"
CREATE TABLE audit_files (
    audit_id INTEGER NOT NULL REFERENCES audits(id),
    path     TEXT NOT NULL,
    sha256   BLOB NOT NULL CHECK (length(sha256) = 32),
    size     INTEGER NOT NULL,
    content  BLOB,
    PRIMARY KEY (audit_id, path)
);
CREATE TABLE audit_steps (
    audit_id INTEGER PRIMARY KEY REFERENCES audits(id),
    step     TEXT NOT NULL
);
"#,
];

/// The schema version this code writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The version recorded in the database; 0 for a new, empty database.
pub(crate) fn current_version(conn: &Connection, path: &str) -> Result<i64> {
    let has_table: Option<i64> = conn
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(|e| classify(path, e))?;
    if has_table.is_none() {
        return Ok(0);
    }
    conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_version",
        [],
        |r| r.get(0),
    )
    .map_err(|e| classify(path, e))
}

/// Refuse a database newer than the code; apply missing migrations, each in a
/// transaction with its `schema_version` row. Running it again does nothing.
pub(crate) fn migrate(conn: &mut Connection, path: &str, read_only: bool) -> Result<()> {
    let found = current_version(conn, path)?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            path: path.to_owned(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    if found == SCHEMA_VERSION {
        return Ok(());
    }
    if read_only {
        return Err(StoreError::NeedsMigration {
            path: path.to_owned(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    let err = |e| classify(path, e);
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(err)?;
    tx.execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY)")
        .map_err(err)?;
    // Re-read inside the write lock: another process may have migrated meanwhile.
    let found: i64 = tx
        .query_row(
            "SELECT COALESCE(MAX(version), 0) FROM schema_version",
            [],
            |r| r.get(0),
        )
        .map_err(err)?;
    for (version, sql) in (1i64..).zip(MIGRATIONS.iter()) {
        if version > found {
            tx.execute_batch(sql).map_err(err)?;
            tx.execute(
                "INSERT INTO schema_version (version) VALUES (?1)",
                [version],
            )
            .map_err(err)?;
        }
    }
    tx.commit().map_err(err)
}
