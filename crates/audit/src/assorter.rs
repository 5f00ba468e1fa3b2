//! Assorters (SHANGRLA, Stark 2020): for each assertion a function `A` from
//! a card to `[0, u]` such that the assertion is true iff the mean of `A`
//! over all cards exceeds 1/2.
//!
//! - plurality / vote-for-N / approval, winner `w` vs loser `ℓ`
//!   (SHANGRLA §2.1): `A(b) = (b_w − b_ℓ + 1)/2`, `u = 1`;
//! - supermajority with winning share `s` (SHANGRLA §2.3):
//!   `A(b) = b_w/(2s)` if the card has exactly one valid vote, else 1/2,
//!   `u = 1/(2s)`;
//! - the overstatement (comparison) assorter (SHANGRLA §3.2):
//!   `B(b, c) = (1 − ω/u)/(2 − v/u)`, `ω = A(c) − A(b)` the overstatement of
//!   the reported card `c` against the paper `b`, `v = 2Ā^c − 1` the
//!   reported assorter margin.
//!
//! Phantoms (Bañuelos & Stark 2012; SHANGRLA §3.4): a card that is in the
//! manifest but has no CVR is reported as a phantom and scored `A(c) = 1/2`;
//! a sampled card that cannot be found is scored `A(b) = 0` — the worst case.
//! Card-style data (SHANGRLA §3.4, "use_style"): a CVR whose style does not
//! hold the contest is not a sample for it; a found paper card that does not
//! hold the contest scores `A(b) = 0`.

use crate::risk_error::RiskError;
use canvass_model::{CandidateId, Card, Choice, ContestId, ContestVotes, Fraction};

/// A basic assorter for one assertion in one contest.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Assorter {
    /// Plurality or vote-for-N: `winner` beat `loser`. A card with more than
    /// `votes_allowed` marks, or an overvote mark, counts for nobody.
    Plurality {
        /// The contest.
        contest: ContestId,
        /// Reported winner.
        winner: CandidateId,
        /// Reported loser.
        loser: CandidateId,
        /// Votes allowed per card (1 for a single-winner plurality contest).
        votes_allowed: u32,
    },
    /// Approval voting: `winner` has more approvals than `loser`.
    Approval {
        /// The contest.
        contest: ContestId,
        /// Reported winner.
        winner: CandidateId,
        /// Reported loser.
        loser: CandidateId,
    },
    /// Supermajority: `winner` has at least `share` of the valid votes.
    Supermajority {
        /// The contest.
        contest: ContestId,
        /// Reported winner.
        winner: CandidateId,
        /// The share needed to win, in (0, 1].
        share: Fraction,
    },
}

/// How a contest's marks on one card look to an assorter.
fn candidate_marks(votes: &ContestVotes) -> (usize, bool) {
    let overvote = votes.marks.iter().any(|m| m.choice == Choice::Overvote);
    (votes.marks.len(), overvote)
}

fn marked(votes: &ContestVotes, candidate: CandidateId) -> bool {
    votes
        .marks
        .iter()
        .any(|m| m.choice == Choice::Candidate(candidate))
}

impl Assorter {
    /// The contest this assorter belongs to.
    pub fn contest(&self) -> ContestId {
        match *self {
            Assorter::Plurality { contest, .. }
            | Assorter::Approval { contest, .. }
            | Assorter::Supermajority { contest, .. } => contest,
        }
    }

    /// The upper bound `u` of the assorter.
    pub fn upper_bound(&self) -> f64 {
        match *self {
            Assorter::Plurality { .. } | Assorter::Approval { .. } => 1.0,
            // SHANGRLA §2.3: u = 1/(2s)
            Assorter::Supermajority { share, .. } => {
                share.denominator as f64 / (2.0 * share.numerator as f64)
            }
        }
    }

    /// The assorter's value for one card's marks in the contest; `None`
    /// means the contest is not on the card (scored as no vote).
    pub fn assort(&self, votes: Option<&ContestVotes>) -> f64 {
        let Some(votes) = votes else {
            return 0.5;
        };
        let (count, overvote) = candidate_marks(votes);
        match *self {
            Assorter::Plurality {
                winner,
                loser,
                votes_allowed,
                ..
            } => {
                if overvote || count > votes_allowed as usize {
                    return 0.5;
                }
                // SHANGRLA §2.1: A(b) = (b_w − b_ℓ + 1)/2
                pairwise(marked(votes, winner), marked(votes, loser))
            }
            Assorter::Approval { winner, loser, .. } => {
                if overvote {
                    return 0.5;
                }
                pairwise(marked(votes, winner), marked(votes, loser))
            }
            Assorter::Supermajority { winner, .. } => {
                // SHANGRLA §2.3: b_w/(2s) if exactly one valid vote, else 1/2
                if overvote || count != 1 {
                    0.5
                } else if marked(votes, winner) {
                    self.upper_bound()
                } else {
                    0.0
                }
            }
        }
    }

    /// The assorter's value for a card (`None` for the contest not on it).
    pub fn assort_card(&self, card: &Card) -> f64 {
        self.assort(card.votes_for(self.contest()))
    }
}

fn pairwise(w: bool, l: bool) -> f64 {
    (f64::from(u8::from(w)) - f64::from(u8::from(l)) + 1.0) / 2.0
}

/// The mean of a plurality/approval assorter over `ballots` cards, from the
/// reported tallies: `(N + V_w − V_ℓ)/(2N)`.
pub fn plurality_mean(winner_votes: u64, loser_votes: u64, ballots: u64) -> f64 {
    (ballots as f64 + winner_votes as f64 - loser_votes as f64) / (2.0 * ballots as f64)
}

/// The mean of a supermajority assorter: `(V_w/(2s) + (N − V_valid)/2)/N`,
/// where `V_valid` counts cards with exactly one valid vote in the contest.
pub fn supermajority_mean(
    winner_votes: u64,
    valid_votes: u64,
    ballots: u64,
    share: Fraction,
) -> f64 {
    let u = share.denominator as f64 / (2.0 * share.numerator as f64);
    (winner_votes as f64 * u + (ballots as f64 - valid_votes as f64) / 2.0) / ballots as f64
}

/// The assorter margin `v = 2Ā − 1` of an assorter with mean `Ā`.
pub fn margin_from_mean(mean: f64) -> f64 {
    2.0 * mean - 1.0
}

/// The mean of the overstatement assorter when every CVR is right:
/// `1/(2 − v/u)` (SHANGRLA §3.2; `overstatement_assorter_mean`). It is also
/// the value of one card with no error (ONEAudit's "noerror").
pub fn overstatement_assorter_mean(margin: f64, upper: f64) -> f64 {
    1.0 / (2.0 - margin / upper)
}

/// The margin of the overstatement assorter when every CVR is right:
/// `2·mean − 1 = v/(2u − v)` (SHANGRLA §3.2; `overstatement_assorter_margin`).
pub fn overstatement_assorter_margin(margin: f64, upper: f64) -> f64 {
    margin / (2.0 * upper - margin)
}

/// The upper bound of the overstatement assorter, reached by a two-vote
/// understatement (`ω = −u`): `2u/(2u − v)`.
pub fn overstatement_upper_bound(margin: f64, upper: f64) -> f64 {
    2.0 * upper / (2.0 * upper - margin)
}

/// What the voting system reported for a sampled card.
#[derive(Clone, Copy, Debug)]
pub enum Reported<'a> {
    /// The card's CVR.
    Cvr(&'a Card),
    /// A phantom: a card in the manifest with no CVR (scored `A(c) = 1/2`).
    Phantom,
    /// A card counted in a pool with no card-level CVR (ONEAudit, Stark
    /// 2023): the reported value is the pool's assorter mean.
    PoolMean(f64),
}

/// What the audit board found for a sampled card.
#[derive(Clone, Copy, Debug)]
pub enum Audited<'a> {
    /// The paper card as read by the audit board (the MVR).
    Card(&'a Card),
    /// The card could not be found (scored `A(b) = 0`, the worst case).
    NotFound,
}

/// The overstatement (comparison) assorter for one basic assorter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ComparisonAssorter {
    /// The basic assorter.
    pub assorter: Assorter,
    /// The reported assorter margin `v = 2Ā^c − 1` (> 0 for a reported winner).
    pub margin: f64,
    /// Use card-style data: a CVR without the contest is not a sample for
    /// it, and a found card without the contest scores 0.
    pub use_style: bool,
}

impl ComparisonAssorter {
    /// The overstatement `ω = A(c) − A(b)` of one card.
    pub fn overstatement(
        &self,
        reported: Reported<'_>,
        audited: Audited<'_>,
    ) -> Result<f64, RiskError> {
        let contest = self.assorter.contest();
        let a_reported = match reported {
            Reported::Cvr(card) => {
                let votes = card.votes_for(contest);
                if self.use_style && votes.is_none() {
                    return Err(RiskError::CardNotEligible {
                        card: card.id.as_str().to_owned(),
                    });
                }
                self.assorter.assort(votes)
            }
            // SHANGRLA §3.4: a phantom CVR is scored 1/2
            Reported::Phantom => 0.5,
            Reported::PoolMean(mean) => mean,
        };
        let a_audited = match audited {
            // SHANGRLA §3.4: a card that cannot be found is the worst case, 0
            Audited::NotFound => 0.0,
            Audited::Card(card) => match card.votes_for(contest) {
                None if self.use_style => 0.0,
                votes => self.assorter.assort(votes),
            },
        };
        Ok(a_reported - a_audited)
    }

    /// The value `B = (1 − ω/u)/(2 − v/u)` of the overstatement assorter for a
    /// card with overstatement `ω` (SHANGRLA §3.2).
    pub fn value_of_overstatement(&self, overstatement: f64) -> f64 {
        let u = self.assorter.upper_bound();
        (1.0 - overstatement / u) / (2.0 - self.margin / u)
    }

    /// The overstatement assorter's value for one sampled card.
    pub fn assort(&self, reported: Reported<'_>, audited: Audited<'_>) -> Result<f64, RiskError> {
        Ok(self.value_of_overstatement(self.overstatement(reported, audited)?))
    }

    /// The upper bound of the overstatement assorter, `2u/(2u − v)`.
    pub fn upper_bound(&self) -> f64 {
        overstatement_upper_bound(self.margin, self.assorter.upper_bound())
    }

    /// The value of a card with no error, `1/(2 − v/u)`.
    pub fn no_error_value(&self) -> f64 {
        overstatement_assorter_mean(self.margin, self.assorter.upper_bound())
    }
}
