//! The events of the evidence log. Every change the server makes is one
//! event, appended to the election's log in the store with who made it; the
//! server's view of an election is the events replayed in order (so a
//! restarted server rebuilds exactly the state it had).
//!
//! An entry's payload is the RFC 8785 canonical JSON of
//! `{"actor": ..., "event": {"kind": ..., "data": ...}}`; its SHA-256 leaf
//! hash (RFC 9162 §2.1.1) is a leaf of the election's log tree, over which
//! signed checkpoints are issued.

use serde::{Deserialize, Serialize};

/// One input file, named by its SHA-256.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRef {
    /// The file's name as uploaded.
    pub name: String,
    /// SHA-256 of its bytes, lowercase hex.
    pub sha256: String,
    /// Its size in bytes.
    pub bytes: u64,
}

/// A board as created: its name, the hash of its code and its cards.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardDef {
    /// "Board 1", ...
    pub name: String,
    /// SHA-256 of the sign-in code (the code itself is never stored).
    pub code_sha256: String,
    /// The board's cards (indexes in the audit's manifest order), in shelf order.
    pub cards: Vec<u64>,
}

/// What an audit board read from one card.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reading {
    /// The card's index in the audit (manifest order).
    pub card: u64,
    /// The CVR's card id (none for a phantom).
    pub card_id: Option<String>,
    /// Per audited contest, the selection as text (`blank`, `overvote`,
    /// candidate names joined by `; `, empty when the contest is not on the
    /// card); `None` when the card was not found.
    pub contests: Option<Vec<String>>,
}

/// One event of an election's log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum Event {
    /// The election was created.
    ElectionCreated {
        /// Its name.
        name: String,
    },
    /// A CVR file was imported.
    CvrsImported {
        /// The file.
        file: FileRef,
        /// The format read.
        format: String,
        /// Cards imported.
        cards: u64,
        /// The position of the first card in the election.
        first_seq: u64,
    },
    /// A ballot manifest was imported (the latest counts).
    ManifestImported {
        /// The file.
        file: FileRef,
        /// Batches.
        batches: u64,
        /// Cards in all batches.
        cards: u64,
    },
    /// The audit was defined: contests, risk limit, method.
    AuditDefined {
        /// The audited contests, by name.
        contests: Vec<String>,
        /// The risk limit as decimal text.
        risk_limit: String,
        /// `comparison` or `polling`.
        method: String,
    },
    /// The CVRs, manifest and audit definition were committed.
    Committed {
        /// Cards committed.
        cards: u64,
        /// The Merkle root over the canonical cards (RFC 9162), hex.
        root: String,
        /// SHA-256 of the manifest file.
        manifest_sha256: String,
        /// SHA-256 of the audit definition (canonical JSON of the spec).
        audit_sha256: String,
    },
    /// The public random seed was entered.
    Seeded {
        /// The seed.
        seed: String,
        /// The store's audit row.
        store_audit: i64,
    },
    /// A round was launched.
    RoundLaunched {
        /// 1, 2, ...
        round: u32,
        /// Each contest's cumulative sample size.
        sizes: Vec<u64>,
        /// Cards drawn for the first time.
        new_cards: u64,
    },
    /// Audit boards were created for a round.
    BoardsCreated {
        /// The round.
        round: u32,
        /// The boards.
        boards: Vec<BoardDef>,
    },
    /// A board signed in.
    BoardSignedIn {
        /// The board (0-based).
        board: u64,
        /// The two members.
        members: Vec<String>,
    },
    /// A board entered (and both members confirmed) a card's reading.
    Entered {
        /// The board (0-based).
        board: u64,
        /// The reading.
        reading: Reading,
    },
    /// A board signed off its ballots.
    BoardSignedOff {
        /// The board (0-based).
        board: u64,
    },
    /// An observer checked in.
    ObserverIn {
        /// Name and affiliation.
        name: String,
    },
    /// An observer checked out.
    ObserverOut {
        /// Name and affiliation.
        name: String,
    },
    /// The administrator signed off the audit.
    AuditSignedOff {
        /// The statement signed.
        statement: String,
    },
    /// The record was published.
    Published {},
    /// A finding (`canvass.finding.v1`) was published for Rumor Control.
    FindingPublished {
        /// The finding document.
        finding: serde_json::Value,
    },
}

impl Event {
    /// The kind, as stored in the log's `kind` column.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::ElectionCreated { .. } => "election_created",
            Event::CvrsImported { .. } => "cvrs_imported",
            Event::ManifestImported { .. } => "manifest_imported",
            Event::AuditDefined { .. } => "audit_defined",
            Event::Committed { .. } => "committed",
            Event::Seeded { .. } => "seeded",
            Event::RoundLaunched { .. } => "round_launched",
            Event::BoardsCreated { .. } => "boards_created",
            Event::BoardSignedIn { .. } => "board_signed_in",
            Event::Entered { .. } => "entered",
            Event::BoardSignedOff { .. } => "board_signed_off",
            Event::ObserverIn { .. } => "observer_in",
            Event::ObserverOut { .. } => "observer_out",
            Event::AuditSignedOff { .. } => "audit_signed_off",
            Event::Published { .. } => "published",
            Event::FindingPublished { .. } => "finding_published",
        }
    }
}

/// A log entry's payload: who did what.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payload {
    /// Who made the entry.
    pub actor: String,
    /// What happened.
    pub event: Event,
}

impl Payload {
    /// The canonical bytes (RFC 8785).
    pub fn to_bytes(&self) -> Result<Vec<u8>, String> {
        canvass_evidence::canonical::canonical_json(self).map_err(|e| e.to_string())
    }

    /// Read a stored payload.
    pub fn from_bytes(bytes: &[u8]) -> Result<Payload, String> {
        serde_json::from_slice(bytes).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_round_trips_canonically() {
        let p = Payload {
            actor: "admin".into(),
            event: Event::Seeded {
                seed: "12345678901234567890".into(),
                store_audit: 1,
            },
        };
        let bytes = p.to_bytes().unwrap();
        assert_eq!(
            String::from_utf8(bytes.clone()).unwrap(),
            r#"{"actor":"admin","event":{"data":{"seed":"12345678901234567890","store_audit":1},"kind":"seeded"}}"#
        );
        assert_eq!(Payload::from_bytes(&bytes).unwrap(), p);
    }
}
