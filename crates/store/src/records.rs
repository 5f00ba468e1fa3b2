//! Manifests, users, audits, rounds, samples and manual vote records: the
//! types; the logic (the same on both databases) is in `api.rs`.

use crate::ids::{AuditId, ElectionId, UserId};
use crate::log::StoredCheckpoint;
use canvass_model::{CardId, ContestVotes};

/// A user of the system. The credential is opaque to the store (the server
/// keeps a password hash there).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// The user's id.
    pub id: UserId,
    /// The unique login name.
    pub name: String,
    /// The role (`admin`, `board`, `observer`, ...).
    pub role: String,
    /// The credential (e.g. a password hash), when set.
    pub credential: Option<String>,
}

/// What defines an audit. Numbers are kept as the text the user gave, so the
/// stored value is exactly what was published.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAudit {
    /// A name for the audit.
    pub name: String,
    /// The risk limit as decimal text (`0.05`).
    pub risk_limit: String,
    /// The public random seed.
    pub seed: String,
    /// Everything else (method, contests, ...) as canonical JSON text.
    pub settings: String,
}

/// A stored audit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Audit {
    /// The audit's id.
    pub id: AuditId,
    /// The election audited.
    pub election: ElectionId,
    /// Its definition.
    pub spec: NewAudit,
}

/// One draw of a round's sample.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SampleDraw {
    /// The card drawn.
    pub card: CardId,
    /// The sampler's ticket number or draw label, when it has one.
    pub ticket: Option<String>,
}

/// What the paper showed: the card was found with these marks, or was not found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Paper {
    /// The card was found; the contests as read (in the order entered).
    Found(Vec<ContestVotes>),
    /// The card could not be found.
    NotFound,
}

/// A manual vote record: what an audit board read from one sampled card.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManualRecord {
    /// The card.
    pub card: CardId,
    /// What the paper showed.
    pub paper: Paper,
    /// The audit board that read it.
    pub board: String,
    /// The user who entered it, when known.
    pub entered_by: Option<UserId>,
}

/// The result of entering a manual vote record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entered {
    /// The record is new and was stored.
    Stored,
    /// The same record was already stored; nothing changed.
    AlreadyStored,
}

/// One file of an audit directory as the store holds it (the directory's
/// files are an export of the store; see docs/STORE.md, "Audit directories").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditFile {
    /// The path relative to the audit directory, `/`-separated.
    pub path: String,
    /// SHA-256 of the file's bytes.
    pub sha256: [u8; 32],
    /// The file's size in bytes.
    pub size: u64,
    /// The bytes, unless the file is rebuilt from other rows (the canonical
    /// CVR file: the cards).
    pub content: Option<Vec<u8>>,
}

/// A new entry of the evidence log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewLogEntry {
    /// What the entry records.
    pub kind: String,
    /// The canonical payload bytes.
    pub payload: Vec<u8>,
    /// Who made the entry.
    pub actor: String,
}

/// Everything one step of an audit stores, written in one transaction by
/// `audit_step` (and by `create_audit_with` for the step that creates it).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditStep {
    /// The public seed, when this step records it.
    pub seed: Option<String>,
    /// A new round with its sample, in draw order.
    pub round: Option<(u32, Vec<SampleDraw>)>,
    /// Manual vote records (each entered with the re-entry rule).
    pub records: Vec<ManualRecord>,
    /// Files added or changed.
    pub files: Vec<AuditFile>,
    /// Files no longer part of the audit directory.
    pub removed: Vec<String>,
    /// New log entries, appended in order.
    pub log: Vec<NewLogEntry>,
    /// New checkpoints, by tree size.
    pub checkpoints: Vec<StoredCheckpoint>,
}
