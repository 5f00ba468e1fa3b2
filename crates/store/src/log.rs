//! The evidence log: append-only entries with the SHA-256 of their canonical
//! payload, and signed checkpoints over a prefix of the log.
//!
//! The database refuses UPDATE and DELETE on both tables (triggers), and every
//! read recomputes each payload's hash, so a record changed behind the store's
//! back is reported by sequence number.

use crate::error::{Result, StoreError, classify};
use crate::ids::ElectionId;
use crate::store::{Store, require_election, to_i64};
use rusqlite::params;
use sha2::{Digest, Sha256};

/// One entry of the evidence log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEntry {
    /// The 0-based position in the election's log (its Merkle leaf index).
    pub seq: u64,
    /// What the entry records (`commitment`, `seed`, `sample`, `mvr`, ...).
    pub kind: String,
    /// The canonical bytes of the payload, as the caller encoded them.
    pub payload: Vec<u8>,
    /// SHA-256 of `payload`.
    pub sha256: [u8; 32],
    /// Who made the entry.
    pub actor: String,
}

/// A checkpoint: the log's tree size and Merkle root, with the signed note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredCheckpoint {
    /// The number of log entries covered.
    pub tree_size: u64,
    /// The Merkle root over those entries (RFC 9162 §2.1.1).
    pub root: [u8; 32],
    /// The signed note text.
    pub note: String,
}

impl Store {
    /// Append an entry to the election's log; returns it with its `seq` and hash.
    pub fn append_log(
        &mut self,
        election: ElectionId,
        kind: &str,
        payload: &[u8],
        actor: &str,
    ) -> Result<LogEntry> {
        let sha256: [u8; 32] = Sha256::digest(payload).into();
        let (tx, path) = self.write_tx()?;
        let err = |e| classify(path, e);
        require_election(&tx, path, election)?;
        let seq: i64 = tx
            .query_row(
                "SELECT COALESCE(MAX(seq) + 1, 0) FROM log_entries WHERE election_id = ?1",
                [election.0],
                |r| r.get(0),
            )
            .map_err(err)?;
        tx.execute(
            "INSERT INTO log_entries (election_id, seq, kind, payload, sha256, actor)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![election.0, seq, kind, payload, &sha256[..], actor],
        )
        .map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(LogEntry {
            seq: seq.max(0) as u64,
            kind: kind.to_owned(),
            payload: payload.to_vec(),
            sha256,
            actor: actor.to_owned(),
        })
    }

    /// The number of entries in the election's log.
    pub fn log_len(&self, election: ElectionId) -> Result<u64> {
        let n: i64 = self
            .conn
            .query_row(
                "SELECT COUNT(*) FROM log_entries WHERE election_id = ?1",
                [election.0],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))?;
        Ok(n.max(0) as u64)
    }

    /// The log entries with `from <= seq < to`, in order, each checked against
    /// its stored hash ([`StoreError::LogTampered`] names the first bad one).
    pub fn log(&self, election: ElectionId, from: u64, to: u64) -> Result<Vec<LogEntry>> {
        let err = |e| self.err(e);
        let mut stmt = self
            .conn
            .prepare(
                "SELECT seq, kind, payload, sha256, actor FROM log_entries
                 WHERE election_id = ?1 AND seq >= ?2 AND seq < ?3 ORDER BY seq",
            )
            .map_err(err)?;
        let mut rows = stmt
            .query(params![
                election.0,
                to_i64("from", from)?,
                to_i64("to", to.min(i64::MAX as u64))?
            ])
            .map_err(err)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(err)? {
            let seq = r.get::<_, i64>(0).map_err(err)?.max(0) as u64;
            let payload: Vec<u8> = r.get(2).map_err(err)?;
            let stored: Vec<u8> = r.get(3).map_err(err)?;
            let sha256: [u8; 32] = Sha256::digest(&payload).into();
            if stored != sha256 {
                return Err(StoreError::LogTampered { election, seq });
            }
            out.push(LogEntry {
                seq,
                kind: r.get(1).map_err(err)?,
                payload,
                sha256,
                actor: r.get(4).map_err(err)?,
            });
        }
        Ok(out)
    }

    /// Store a checkpoint. Its tree size must not exceed the log's length nor
    /// fall below the latest checkpoint's.
    pub fn add_checkpoint(
        &mut self,
        election: ElectionId,
        checkpoint: &StoredCheckpoint,
    ) -> Result<()> {
        let size = checkpoint.tree_size;
        let bad = |problem: String| StoreError::BadCheckpoint {
            election,
            size,
            problem,
        };
        let (tx, path) = self.write_tx()?;
        let err = |e| classify(path, e);
        // Both bounds are read inside the write lock.
        let (len, last): (i64, Option<i64>) = tx
            .query_row(
                "SELECT (SELECT COUNT(*) FROM log_entries WHERE election_id = ?1),
                        (SELECT MAX(tree_size) FROM checkpoints WHERE election_id = ?1)",
                [election.0],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(err)?;
        if size > len.max(0) as u64 {
            return Err(bad(format!("the log has only {len} entries")));
        }
        if let Some(last) = last
            && size <= last.max(0) as u64
        {
            return Err(bad(format!("the latest checkpoint already covers {last}")));
        }
        tx.execute(
            "INSERT INTO checkpoints (election_id, tree_size, root, note) VALUES (?1, ?2, ?3, ?4)",
            params![
                election.0,
                to_i64("tree_size", size)?,
                &checkpoint.root[..],
                checkpoint.note
            ],
        )
        .map_err(err)?;
        tx.commit().map_err(err)
    }

    /// Every checkpoint of the election, by tree size.
    pub fn checkpoints(&self, election: ElectionId) -> Result<Vec<StoredCheckpoint>> {
        let err = |e| self.err(e);
        let mut stmt = self
            .conn
            .prepare(
                "SELECT tree_size, root, note FROM checkpoints WHERE election_id = ?1
                 ORDER BY tree_size",
            )
            .map_err(err)?;
        let mut rows = stmt.query([election.0]).map_err(err)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(err)? {
            let root: Vec<u8> = r.get(1).map_err(err)?;
            let root: [u8; 32] = root.try_into().map_err(|_| StoreError::Corrupt {
                path: self.path.clone(),
                what: "checkpoint root".into(),
            })?;
            out.push(StoredCheckpoint {
                tree_size: r.get::<_, i64>(0).map_err(err)?.max(0) as u64,
                root,
                note: r.get(2).map_err(err)?,
            });
        }
        Ok(out)
    }
}
