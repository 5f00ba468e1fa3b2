//! raire-rs's JSON input and output formats (facts from its README and
//! published example files): the problem
//! `{metadata, num_candidates, votes:[{n, prefs}], winner?, audit,
//! trim_algorithm?}` and the answer `{metadata, solution: {"Ok": result}}`
//! or `{metadata, solution: {"Err": message}}`. raire-rs also reports
//! computing times; canvass leaves them out so the output is reproducible.

use super::RaireError;
use super::difficulty::AuditType;
use super::irv::{RankedVote, Votes};
use super::search::{RaireResult, raire};
use super::trim::TrimAlgorithm;
use serde::{Deserialize, Serialize};

/// One aggregated ranking in the input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonVote {
    /// Ballots with this ranking.
    pub n: u64,
    /// Candidate indexes, most preferred first.
    pub prefs: Vec<u32>,
}

/// A RAIRE problem as raire-rs reads it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RaireProblem {
    /// Free-form; `candidates` (names) and `contest` are conventional.
    #[serde(default)]
    pub metadata: serde_json::Value,
    /// Number of candidates.
    pub num_candidates: usize,
    /// The aggregated rankings.
    pub votes: Vec<JsonVote>,
    /// The reported winner, checked against the count when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub winner: Option<u32>,
    /// The audit type and `N`.
    pub audit: AuditType,
    /// How to trim redundant assertions (default `MinimizeTree`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trim_algorithm: Option<TrimAlgorithm>,
}

/// The answer: a result or why there is none.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Outcome {
    /// The assertions.
    Ok(RaireResult),
    /// Why RAIRE could not produce assertions.
    Err(String),
}

/// raire-rs's output document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RaireSolution {
    /// The problem's metadata, copied.
    #[serde(default)]
    pub metadata: serde_json::Value,
    /// The outcome.
    pub solution: Outcome,
}

impl RaireProblem {
    /// Parse a problem from JSON text.
    pub fn from_json(text: &str) -> Result<RaireProblem, RaireError> {
        serde_json::from_str(text).map_err(|e| RaireError::Json {
            line: e.line(),
            column: e.column(),
            reason: e.to_string(),
        })
    }

    /// The candidate names from `metadata.candidates`, when present.
    pub fn candidate_names(&self) -> Option<Vec<String>> {
        let list = self.metadata.get("candidates")?.as_array()?;
        list.iter().map(|v| v.as_str().map(str::to_owned)).collect()
    }

    /// The votes, validated.
    pub fn votes(&self) -> Result<Votes, RaireError> {
        Votes::new(
            self.votes
                .iter()
                .map(|v| RankedVote {
                    n: v.n,
                    prefs: v.prefs.clone(),
                })
                .collect(),
            self.num_candidates,
        )
    }

    /// Run RAIRE on the problem.
    pub fn solve(&self) -> Result<RaireResult, RaireError> {
        if let Some(w) = self.winner
            && w as usize >= self.num_candidates
        {
            return Err(RaireError::InvalidWinner {
                winner: w,
                num_candidates: self.num_candidates,
            });
        }
        raire(
            &self.votes()?,
            self.winner,
            &self.audit,
            self.trim_algorithm.unwrap_or_default(),
        )
    }

    /// Run RAIRE and wrap the answer as raire-rs's output document.
    pub fn solution(&self) -> RaireSolution {
        RaireSolution {
            metadata: self.metadata.clone(),
            solution: match self.solve() {
                Ok(r) => Outcome::Ok(r),
                Err(e) => Outcome::Err(e.to_string()),
            },
        }
    }
}

impl RaireSolution {
    /// Parse an output document (e.g. raire-rs's `*_out.json`); fields
    /// canvass does not produce (computing times) are ignored.
    pub fn from_json(text: &str) -> Result<RaireSolution, RaireError> {
        serde_json::from_str(text).map_err(|e| RaireError::Json {
            line: e.line(),
            column: e.column(),
            reason: e.to_string(),
        })
    }
}
