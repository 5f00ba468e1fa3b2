//! Manifests, users, audits, rounds, samples and manual vote records: the
//! types; the logic (the same on both databases) is in `api.rs`.

use crate::ids::{AuditId, ElectionId, UserId};
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
