//! Contests and candidates.

use crate::ids::{CandidateId, ContestId};
use serde::{Deserialize, Serialize};

/// A ratio `numerator / denominator`, kept exact (for supermajority thresholds).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fraction {
    /// The numerator.
    pub numerator: u64,
    /// The denominator, never zero.
    pub denominator: u64,
}

/// How a contest is decided. Ranked contests carry no rules here: the counting
/// rules of a ranked contest (overvote rule, threshold, ...) are a tabulation
/// option, because the same ballots are counted under different rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContestKind {
    /// Vote for up to `seats`; the `seats` candidates with most votes win.
    Plurality,
    /// Vote for any number; the `seats` candidates with most votes win.
    Approval,
    /// A candidate must receive at least this share of the valid votes.
    Supermajority(Fraction),
    /// Ranked choice: IRV when `seats == 1`, multi-seat STV otherwise.
    Ranked,
}

/// What kind of candidate this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CandidateKind {
    /// A candidate printed on the ballot.
    Regular,
    /// A qualified (declared) write-in candidate.
    WriteIn,
    /// The bucket of write-ins that are not declared candidates.
    UndeclaredWriteIn,
}

/// One candidate (or choice, for a measure) of a contest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    /// This candidate's index in its contest.
    pub id: CandidateId,
    /// The id the vendor's file uses (e.g. a Dominion candidate id).
    pub external_id: String,
    /// The name to print.
    pub name: String,
    /// Other spellings that mean this candidate (RCTab aliases).
    pub aliases: Vec<String>,
    /// Regular, declared write-in, or the undeclared write-in bucket.
    pub kind: CandidateKind,
}

/// One contest: an office or a measure.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contest {
    /// This contest's index in the election.
    pub id: ContestId,
    /// The id the vendor's file uses.
    pub external_id: String,
    /// The name to print.
    pub name: String,
    /// How the contest is decided.
    pub kind: ContestKind,
    /// Number of seats (winners); at least 1.
    pub seats: u32,
    /// For ranked contests, the number of ranks on the ballot, when known.
    pub max_ranks: Option<u32>,
    /// The candidates, indexed by [`CandidateId`].
    pub candidates: Vec<Candidate>,
}

impl Contest {
    /// A new contest with no candidates and one seat.
    pub fn new(id: ContestId, external_id: &str, name: &str, kind: ContestKind) -> Contest {
        Contest {
            id,
            external_id: external_id.to_owned(),
            name: name.to_owned(),
            kind,
            seats: 1,
            max_ranks: None,
            candidates: Vec::new(),
        }
    }

    /// The candidate with this id.
    pub fn candidate(&self, id: CandidateId) -> Option<&Candidate> {
        self.candidates.get(id.index())
    }

    /// Find a candidate by its external id.
    pub fn find_candidate(&self, external_id: &str) -> Option<CandidateId> {
        self.candidates
            .iter()
            .find(|c| c.external_id == external_id)
            .map(|c| c.id)
    }

    /// Find a candidate by name or alias (exact match).
    pub fn find_candidate_by_name(&self, name: &str) -> Option<CandidateId> {
        self.candidates
            .iter()
            .find(|c| c.name == name || c.aliases.iter().any(|a| a == name))
            .map(|c| c.id)
    }

    /// The candidate with this external id, added as a regular candidate if new.
    pub fn intern_candidate(&mut self, external_id: &str, name: &str) -> CandidateId {
        self.intern_candidate_of_kind(external_id, name, CandidateKind::Regular)
    }

    /// The candidate with this external id, added with `kind` if new.
    pub fn intern_candidate_of_kind(
        &mut self,
        external_id: &str,
        name: &str,
        kind: CandidateKind,
    ) -> CandidateId {
        if let Some(id) = self.find_candidate(external_id) {
            return id;
        }
        let id = CandidateId(self.candidates.len() as u32);
        self.candidates.push(Candidate {
            id,
            external_id: external_id.to_owned(),
            name: name.to_owned(),
            aliases: Vec::new(),
            kind,
        });
        id
    }
}
