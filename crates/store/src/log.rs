//! The evidence log: append-only entries with the SHA-256 of their canonical
//! payload, and signed checkpoints over a prefix of the log (the types; the
//! logic is in `api.rs`).
//!
//! The database refuses UPDATE and DELETE on both tables (triggers), and every
//! read recomputes each payload's hash, so a record changed behind the store's
//! back is reported by sequence number.

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
