//! RAIRE: risk-limiting audits of IRV contests by assertions (Blom, Stuckey
//! & Teague, "RAIRE: Risk-limiting audits for IRV elections", 2019).
//!
//! RAIRE finds a set of pairwise assertions — NEB ("not eliminated before")
//! and NEN ("not eliminated next") — that together rule out every
//! elimination order in which someone other than the reported winner wins,
//! choosing them so that the hardest one is as easy to audit as possible.
//! Each assertion is then audited like a plurality contest through its
//! SHANGRLA assorter ([`IrvAssorter`]).
//!
//! - [`irv`]: aggregated ranked votes, restricted tallies, the IRV count;
//! - [`assertion`]: NEB/NEN, margins, effect on elimination orders, assorters;
//! - [`difficulty`]: audit types (OneOnMargin, BRAVO ASN, MACRO, …);
//! - [`search`]: the RAIRE best-first search ([`raire`]);
//! - [`trim`]: removing redundant assertions ([`TrimAlgorithm`]);
//! - [`json`]: raire-rs's input and output JSON.
//!
//! **Compatibility with raire-rs.** On all 33 NSW 2021 mayoral contests
//! published with raire-rs this module returns the same winner, the same
//! difficulty and (with the default `MinimizeTree` trim) the same assertions.
//! Differences, on purpose: the output has no computing times (outputs must
//! be reproducible); an error is reported as its message; BRAVO's ASN with
//! no votes for the loser uses the limit `ℓ ln(2 − 2s) → 0` instead of NaN;
//! the search and trim stop with [`RaireError::WorkLimit`] after
//! [`DEFAULT_WORK_LIMIT`] steps instead of a wall-clock timeout.
//!
//! ```
//! use canvass_audit::raire::{AuditType, RankedVote, TrimAlgorithm, Votes, raire};
//! let v = |n, prefs: &[u32]| RankedVote { n, prefs: prefs.to_vec() };
//! // "A guide to RAIRE": A, B, C, D
//! let votes = Votes::new(vec![v(5000, &[2, 1, 0]), v(1000, &[1, 2, 3]),
//!     v(1500, &[3, 0]), v(4000, &[0, 3]), v(2000, &[3])], 4).unwrap();
//! let audit = AuditType::OneOnMargin { total_auditable_ballots: 13500 };
//! let result = raire(&votes, Some(2), &audit, TrimAlgorithm::MinimizeAssertions).unwrap();
//! assert_eq!(result.winner, 2);
//! assert!((result.difficulty - 27.0).abs() < 1e-9);
//! ```

pub mod assertion;
pub mod difficulty;
pub mod irv;
pub mod json;
pub mod search;
pub mod trim;

pub use assertion::{Assertion, AssertionAndDifficulty, IrvAssorter, SuffixEffect};
pub use difficulty::{AuditType, bravo_asn};
pub use irv::{RankedVote, Votes};
pub use json::{RaireProblem, RaireSolution};
pub use search::{DEFAULT_WORK_LIMIT, RaireResult, raire, raire_with_limit};
pub use trim::{TrimAlgorithm, check_winner};

use canvass_model::{CandidateId, ContestId};
use std::collections::BTreeSet;

/// Why RAIRE could not read a problem or produce assertions.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RaireError {
    /// The contest has no candidates or more than RAIRE handles.
    #[error("contest has {num_candidates} candidates; raire handles 1 to {max}")]
    CandidateCount {
        /// Candidates given.
        num_candidates: usize,
        /// The most handled.
        max: usize,
    },
    /// A ranking in `votes` is malformed.
    #[error("votes[{record}].prefs: candidate {candidate} is {reason}")]
    BadPreference {
        /// 0-based index of the vote record.
        record: usize,
        /// The offending candidate index.
        candidate: u32,
        /// What is wrong.
        reason: &'static str,
    },
    /// A card ranks a candidate outside the contest's candidate list.
    #[error("card {card} ranks candidate {candidate}, which is not in the contest")]
    UnknownCandidate {
        /// The card id.
        card: String,
        /// The candidate index.
        candidate: u32,
    },
    /// The JSON could not be parsed.
    #[error("raire json, line {line} column {column}: {reason}")]
    Json {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        reason: String,
    },
    /// `winner` is not a candidate index.
    #[error("winner {winner} is not a candidate index (num_candidates {num_candidates})")]
    InvalidWinner {
        /// The winner given.
        winner: u32,
        /// Number of candidates.
        num_candidates: usize,
    },
    /// The reported winner does not win the IRV count.
    #[error(
        "reported winner {expected} does not win; the count's possible winners are {possible:?}"
    )]
    WrongWinner {
        /// The reported winner.
        expected: u32,
        /// Who could win the count.
        possible: Vec<u32>,
    },
    /// The count is tied: more than one candidate could win.
    #[error("the count is tied between candidates {possible:?}")]
    TiedWinners {
        /// Who could win the count.
        possible: Vec<u32>,
    },
    /// No assertion can rule out this elimination order (a full hand count
    /// is needed).
    #[error("no assertion rules out elimination order {order:?}; a full hand count is needed")]
    CouldNotRuleOut {
        /// The order, first eliminated first.
        order: Vec<u32>,
    },
    /// The assertions rule out the winner too (a bug, or bad assertions).
    #[error("the assertions rule out the winner {winner}")]
    RuledOutWinner {
        /// The winner.
        winner: u32,
    },
    /// The assertions leave a loser able to win.
    #[error("the assertions do not rule out candidate {candidate} winning")]
    DidNotRuleOut {
        /// The candidate still able to win.
        candidate: u32,
    },
    /// An audit parameter is out of range.
    #[error("audit.{name} = {value} is out of range: {expected}")]
    AuditParameter {
        /// The JSON field.
        name: &'static str,
        /// The value given.
        value: f64,
        /// What is needed.
        expected: &'static str,
    },
    /// The computation needs more work than allowed.
    #[error("{step} needs more than {limit} steps; giving up")]
    WorkLimit {
        /// What was being computed.
        step: &'static str,
        /// The limit.
        limit: u64,
    },
    /// Too many candidates to enumerate every elimination order.
    #[error(
        "{num_candidates} candidates are too many to enumerate elimination orders (at most {max})"
    )]
    TooManyToEnumerate {
        /// Candidates.
        num_candidates: usize,
        /// The limit.
        max: usize,
    },
}

/// The candidates that win under some elimination order none of
/// `assertions` rules out, by enumerating all `n!` orders (`n ≤ 9`). An
/// independent check of [`check_winner`].
pub fn possible_winners_by_enumeration(
    assertions: &[Assertion],
    n: usize,
) -> Result<BTreeSet<u32>, RaireError> {
    const MAX: usize = 9;
    if n > MAX {
        return Err(RaireError::TooManyToEnumerate {
            num_candidates: n,
            max: MAX,
        });
    }
    let mut winners = BTreeSet::new();
    let mut order: Vec<u32> = (0..n as u32).collect();
    permute(&mut order, 0, &mut |o: &[u32]| {
        if !assertions.iter().any(|a| a.rules_out(o))
            && let Some(&w) = o.last()
        {
            winners.insert(w);
        }
    });
    Ok(winners)
}

fn permute(v: &mut [u32], k: usize, f: &mut impl FnMut(&[u32])) {
    if k + 1 >= v.len() {
        f(v);
        return;
    }
    for i in k..v.len() {
        v.swap(k, i);
        permute(v, k + 1, f);
        v.swap(k, i);
    }
}

/// One assertion ready to audit: its SHANGRLA assorter and reported
/// assorter margin `v = margin / N` (the mean of the assorter over the `N`
/// reported cards is `(1 + v)/2`).
#[derive(Clone, Debug, PartialEq)]
pub struct IrvAssertionAudit {
    /// The assertion.
    pub assertion: Assertion,
    /// Its assorter over model cards.
    pub assorter: IrvAssorter,
    /// The reported assorter margin `v`.
    pub assorter_margin: f64,
}

/// Turn RAIRE's assertions into SHANGRLA assorters for `contest`, candidate
/// index `i` standing for `candidates[i]`, over `total_cards` cards. `None`
/// when an assertion names a candidate index outside `candidates` or there
/// are no cards.
pub fn assorters(
    result: &RaireResult,
    contest: ContestId,
    candidates: &[CandidateId],
    total_cards: u64,
) -> Option<Vec<IrvAssertionAudit>> {
    if total_cards == 0 {
        return None;
    }
    result
        .assertions
        .iter()
        .map(|a| {
            Some(IrvAssertionAudit {
                assertion: a.assertion.clone(),
                assorter: a.assertion.assorter(contest, candidates)?,
                assorter_margin: a.margin as f64 / total_cards as f64,
            })
        })
        .collect()
}
