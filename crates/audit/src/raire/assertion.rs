//! RAIRE's two kinds of assertion (Blom, Stuckey & Teague 2019, §4), their
//! margins, what they say about elimination orders, and their SHANGRLA
//! assorters (Stark 2020, §2.4; SHANGRLA `Assertion.py` IRV assorters).
//!
//! - **NEB** (*not eliminated before*, "winner-only" in the paper):
//!   `winner` NEB `loser` holds when `winner`'s first preferences exceed the
//!   ballots on which `loser` is ranked and `winner` is not ranked above
//!   `loser` — then `loser` can never out-poll `winner` while `winner`
//!   continues, so `winner` is never eliminated before `loser`.
//!   Margin = `fp(winner) − tally_{winner,loser}(loser)`.
//! - **NEN** (*not eliminated next*, "IRV" in the paper): with exactly the
//!   set `continuing` remaining, `winner` has more votes than `loser`, so
//!   `winner` is not the next eliminated. Margin =
//!   `tally_S(winner) − tally_S(loser)`.

use super::irv::{CandidateSet, Votes};
use crate::assorter::{Audited, Reported};
use crate::risk_error::RiskError;
use canvass_model::{CandidateId, Card, ContestId, ContestVotes};
use serde::{Deserialize, Serialize};

/// One RAIRE assertion; candidates are indexes `0..num_candidates`.
/// Serialized as raire-rs does: `{"type":"NEB","winner":0,"loser":1}` or
/// `{"type":"NEN","winner":0,"loser":2,"continuing":[0,2]}`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Assertion {
    /// `winner` is not eliminated before `loser`.
    #[serde(rename = "NEB")]
    NotEliminatedBefore {
        /// The candidate who cannot be eliminated first.
        winner: u32,
        /// The candidate it beats.
        loser: u32,
    },
    /// With exactly `continuing` remaining, `winner` beats `loser` and so is
    /// not eliminated next.
    #[serde(rename = "NEN")]
    NotEliminatedNext {
        /// The candidate who is not eliminated next.
        winner: u32,
        /// A candidate with fewer votes.
        loser: u32,
        /// The continuing candidates, ascending.
        continuing: Vec<u32>,
    },
}

/// What an assertion says about the elimination orders that end with a
/// given suffix (the last candidates standing, the winner last).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SuffixEffect {
    /// Every order with this suffix is ruled out.
    Contradiction,
    /// No order with this suffix is ruled out.
    Ok,
    /// Some are, some are not: look at longer suffixes.
    NeedsMoreDetail,
}

/// An assertion with its margin (in ballots) and audit difficulty.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AssertionAndDifficulty {
    /// The assertion.
    pub assertion: Assertion,
    /// Its difficulty under the chosen audit type (higher is harder).
    pub difficulty: f64,
    /// Its margin in ballots: winner's tally minus loser's tally.
    pub margin: i64,
}

/// The set of a list of candidates.
pub fn set_of(candidates: &[u32]) -> CandidateSet {
    candidates
        .iter()
        .filter(|&&c| c < 64)
        .fold(0, |s, &c| s | (1u64 << c))
}

impl Assertion {
    /// A NEN assertion; `continuing` is sorted into canonical order.
    pub fn nen(winner: u32, loser: u32, mut continuing: Vec<u32>) -> Assertion {
        continuing.sort_unstable();
        continuing.dedup();
        Assertion::NotEliminatedNext {
            winner,
            loser,
            continuing,
        }
    }

    /// The winner of the assertion.
    pub fn winner(&self) -> u32 {
        match self {
            Assertion::NotEliminatedBefore { winner, .. }
            | Assertion::NotEliminatedNext { winner, .. } => *winner,
        }
    }

    /// The loser of the assertion.
    pub fn loser(&self) -> u32 {
        match self {
            Assertion::NotEliminatedBefore { loser, .. }
            | Assertion::NotEliminatedNext { loser, .. } => *loser,
        }
    }

    /// The tallies `(winner, loser)` the assertion compares.
    pub fn tallies(&self, votes: &Votes) -> (u64, u64) {
        match self {
            // RAIRE §4.1: first preferences of the winner against the most the
            // loser can have while the winner continues
            Assertion::NotEliminatedBefore { winner, loser } => (
                votes.first_preferences(*winner),
                votes.loser_tally_against(*winner, *loser),
            ),
            // RAIRE §4.2: tallies when exactly `continuing` remain
            Assertion::NotEliminatedNext {
                winner,
                loser,
                continuing,
            } => {
                let t = votes.restricted_tallies(set_of(continuing));
                (
                    t.get(*winner as usize).copied().unwrap_or(0),
                    t.get(*loser as usize).copied().unwrap_or(0),
                )
            }
        }
    }

    /// The margin in ballots (positive when the assertion holds).
    pub fn margin(&self, votes: &Votes) -> i64 {
        let (w, l) = self.tallies(votes);
        let m = i128::from(w) - i128::from(l);
        m.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
    }

    /// What the assertion says about elimination orders ending in `suffix`
    /// (first eliminated first, the winner last).
    pub fn effect_on_suffix(&self, suffix: &[u32]) -> SuffixEffect {
        match self {
            Assertion::NotEliminatedBefore { winner, loser } => {
                // scanning from the winner's end: whichever appears first
                // is eliminated later
                for &c in suffix.iter().rev() {
                    if c == *winner {
                        return SuffixEffect::Ok;
                    }
                    if c == *loser {
                        return SuffixEffect::Contradiction;
                    }
                }
                SuffixEffect::NeedsMoreDetail
            }
            Assertion::NotEliminatedNext {
                winner, continuing, ..
            } => {
                let s = set_of(continuing);
                let k = continuing.len();
                let tail = if suffix.len() > k {
                    suffix.get(suffix.len() - k..).unwrap_or(&[])
                } else {
                    suffix
                };
                if tail.iter().any(|&c| c >= 64 || s & (1u64 << c) == 0) {
                    return SuffixEffect::Ok;
                }
                if tail.len() == k {
                    if tail.first() == Some(winner) {
                        SuffixEffect::Contradiction
                    } else {
                        SuffixEffect::Ok
                    }
                } else if tail.contains(winner) {
                    SuffixEffect::Ok
                } else {
                    SuffixEffect::NeedsMoreDetail
                }
            }
        }
    }

    /// True when the assertion rules out the full elimination `order`.
    pub fn rules_out(&self, order: &[u32]) -> bool {
        self.effect_on_suffix(order) == SuffixEffect::Contradiction
    }

    /// The SHANGRLA assorter of this assertion for contest `contest`, with
    /// candidate index `i` standing for `candidates[i]`.
    pub fn assorter(&self, contest: ContestId, candidates: &[CandidateId]) -> Option<IrvAssorter> {
        let id = |i: u32| candidates.get(i as usize).copied();
        Some(match self {
            Assertion::NotEliminatedBefore { winner, loser } => IrvAssorter::Neb {
                contest,
                winner: id(*winner)?,
                loser: id(*loser)?,
            },
            Assertion::NotEliminatedNext {
                winner,
                loser,
                continuing,
            } => IrvAssorter::Nen {
                contest,
                winner: id(*winner)?,
                loser: id(*loser)?,
                continuing: continuing.iter().map(|&c| id(c)).collect::<Option<_>>()?,
            },
        })
    }
}

/// A SHANGRLA assorter for one RAIRE assertion over model cards, upper
/// bound `u = 1` (SHANGRLA §2.4). The card's ranking is read as
/// [`super::irv::ranking`] documents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IrvAssorter {
    /// NEB: `A(b) = (1[b's first choice is winner] − 1[b ranks loser and
    /// not winner above it] + 1)/2`.
    Neb {
        /// The contest.
        contest: ContestId,
        /// The assertion's winner.
        winner: CandidateId,
        /// The assertion's loser.
        loser: CandidateId,
    },
    /// NEN: `A(b) = (1[b's first continuing choice is winner] −
    /// 1[… is loser] + 1)/2`.
    Nen {
        /// The contest.
        contest: ContestId,
        /// The assertion's winner.
        winner: CandidateId,
        /// The assertion's loser.
        loser: CandidateId,
        /// The continuing candidates.
        continuing: Vec<CandidateId>,
    },
}

impl IrvAssorter {
    /// The contest.
    pub fn contest(&self) -> ContestId {
        match self {
            IrvAssorter::Neb { contest, .. } | IrvAssorter::Nen { contest, .. } => *contest,
        }
    }

    /// The upper bound `u = 1`.
    pub fn upper_bound(&self) -> f64 {
        1.0
    }

    /// The assorter value of one card's marks (`None`: the contest is not
    /// on the card, scored 1/2 like a blank ballot).
    pub fn assort(&self, votes: Option<&ContestVotes>) -> f64 {
        let Some(votes) = votes else { return 0.5 };
        let prefs = super::irv::ranking(votes);
        let (for_winner, for_loser) = match self {
            IrvAssorter::Neb { winner, loser, .. } => {
                let first = prefs.first() == Some(&winner.0);
                let loser_vote = prefs
                    .iter()
                    .find(|&&c| c == winner.0 || c == loser.0)
                    .is_some_and(|&c| c == loser.0);
                (first, loser_vote)
            }
            IrvAssorter::Nen {
                winner,
                loser,
                continuing,
                ..
            } => {
                let top = prefs.iter().find(|&&c| continuing.iter().any(|k| k.0 == c));
                (top == Some(&winner.0), top == Some(&loser.0))
            }
        };
        (f64::from(u8::from(for_winner)) - f64::from(u8::from(for_loser)) + 1.0) / 2.0
    }

    /// The assorter value of a card.
    pub fn assort_card(&self, card: &Card) -> f64 {
        self.assort(card.votes_for(self.contest()))
    }

    /// The overstatement `ω = A(c) − A(b)` of one sampled card, scored as
    /// [`crate::assorter::ComparisonAssorter::overstatement`] does: a
    /// phantom CVR is 1/2, a card that cannot be found is 0, and with
    /// card-style data (`use_style`) a CVR without the contest is not a
    /// sample for it and a found card without the contest scores 0.
    pub fn overstatement(
        &self,
        reported: Reported<'_>,
        audited: Audited<'_>,
        use_style: bool,
    ) -> Result<f64, RiskError> {
        let contest = self.contest();
        let a_reported = match reported {
            Reported::Cvr(card) => {
                let votes = card.votes_for(contest);
                if use_style && votes.is_none() {
                    return Err(RiskError::CardNotEligible {
                        card: card.id.as_str().to_owned(),
                    });
                }
                self.assort(votes)
            }
            // SHANGRLA §3.4: a phantom CVR is scored 1/2
            Reported::Phantom => 0.5,
            Reported::PoolMean(mean) => mean,
        };
        let a_audited = match audited {
            // SHANGRLA §3.4: a card that cannot be found is the worst case
            Audited::NotFound => 0.0,
            Audited::Card(card) => match card.votes_for(contest) {
                None if use_style => 0.0,
                votes => self.assort(votes),
            },
        };
        Ok(a_reported - a_audited)
    }

    /// The comparison (overstatement) assorter value `(1 − ω/u)/(2 − v/u)`
    /// of one sampled card, for reported assorter margin `v` (SHANGRLA §3.2).
    pub fn comparison_value(
        &self,
        margin: f64,
        reported: Reported<'_>,
        audited: Audited<'_>,
        use_style: bool,
    ) -> Result<f64, RiskError> {
        let u = self.upper_bound();
        let omega = self.overstatement(reported, audited, use_style)?;
        Ok((1.0 - omega / u) / (2.0 - margin / u))
    }
}
