//! Social-choice functions: plurality, vote-for-N, approval, supermajority,
//! ranked-choice (IRV) and multi-seat STV with every RCTab rule, reported
//! round by round. Deterministic and independent of ballot order.
//!
//! Cards stream through a [`Tabulator`], which keeps only aggregated tallies
//! (the distinct mark patterns of each contest with their counts); at the end
//! [`Tabulator::results`] counts every contest under its rule and yields one
//! [`ContestResult`] per contest, which [`report`] renders as JSON, text or
//! CSV. Ties at the cut line are reported, never broken.

pub mod approval;
pub mod plurality;
pub mod report;
pub mod supermajority;
pub mod tally;

pub use report::{ContestResult, Method, Outcome, Round, RoundVotes};
pub use tally::{ContestTally, Patterns, SingleRoundTally, Tabulator, VoteRule};

use canvass_model::{Contest, ContestKind, Election};

/// Everything that can stop a contest from being counted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TabulateError {
    /// The contest has no seats to fill.
    #[error("contest {contest:?}: number of seats is 0")]
    NoSeats {
        /// The contest's name.
        contest: String,
    },
    /// A supermajority threshold that is not a fraction in (0, 1].
    #[error(
        "contest {contest:?}: supermajority threshold {numerator}/{denominator} is not a fraction between 0 and 1"
    )]
    BadThreshold {
        /// The contest's name.
        contest: String,
        /// The numerator.
        numerator: u64,
        /// The denominator.
        denominator: u64,
    },
    /// No ranked-choice engine is linked into this build yet.
    #[error("contest {contest:?}: ranked tabulation not yet available")]
    RankedUnavailable {
        /// The contest's name.
        contest: String,
    },
}

impl Tabulator {
    /// Count every contest of `election` that at least one card carried, in
    /// election order. A contest that cannot be counted gets an
    /// [`Outcome::Error`] and the others are still counted.
    pub fn results(&self, election: &Election) -> Vec<ContestResult> {
        election
            .contests
            .iter()
            .filter_map(|contest| {
                self.contest(contest.id)
                    .filter(|t| t.ballots > 0)
                    .map(|t| tabulate_contest(contest, t))
            })
            .collect()
    }
}

/// Candidate labels, unique within the contest: a name that appears twice is
/// followed by the candidate's source id.
fn labels(contest: &Contest) -> Vec<String> {
    contest
        .candidates
        .iter()
        .map(|c| {
            let repeated = contest
                .candidates
                .iter()
                .filter(|o| o.name == c.name)
                .count()
                > 1;
            if repeated {
                format!("{} ({})", c.name, c.external_id)
            } else {
                c.name.clone()
            }
        })
        .collect()
}

/// Count one contest from its tally.
pub fn tabulate_contest(contest: &Contest, tally: &ContestTally) -> ContestResult {
    let method = match contest.kind {
        ContestKind::Plurality => Method::Plurality,
        ContestKind::Approval => Method::Approval,
        ContestKind::Supermajority(f) => Method::Supermajority(f),
        ContestKind::Ranked if contest.seats > 1 => Method::Stv,
        ContestKind::Ranked => Method::Irv,
    };
    let mut result = ContestResult {
        contest: contest.id,
        id: contest.external_id.clone(),
        name: contest.name.clone(),
        method,
        seats: contest.seats,
        ballots: tally.ballots,
        candidates: labels(contest),
        tally: None,
        rounds: Vec::new(),
        outcome: Outcome::Decided {
            winners: Vec::new(),
        },
    };
    match count(contest, method, tally, &mut result) {
        Ok(outcome) => result.outcome = outcome,
        Err(e) => result.outcome = Outcome::Error(e.to_string()),
    }
    result
}

fn count(
    contest: &Contest,
    method: Method,
    tally: &ContestTally,
    result: &mut ContestResult,
) -> Result<Outcome, TabulateError> {
    let seats = contest.seats;
    if seats == 0 {
        return Err(TabulateError::NoSeats {
            contest: contest.name.clone(),
        });
    }
    let n = contest.candidates.len();
    match method {
        Method::Plurality => {
            let t = plurality::count(&tally.patterns, tally.ballots, n, seats);
            let outcome = plurality::top_n(&t.votes, seats, None);
            result.tally = Some(t);
            Ok(outcome)
        }
        Method::Approval => {
            let t = approval::count(&tally.patterns, tally.ballots, n);
            let outcome = approval::winners(&t, seats);
            result.tally = Some(t);
            Ok(outcome)
        }
        Method::Supermajority(f) => {
            if f.denominator == 0 || f.numerator == 0 || f.numerator > f.denominator {
                return Err(TabulateError::BadThreshold {
                    contest: contest.name.clone(),
                    numerator: f.numerator,
                    denominator: f.denominator,
                });
            }
            let t = supermajority::count(&tally.patterns, tally.ballots, n, seats);
            let outcome = supermajority::winners(&t, seats, f);
            result.tally = Some(t);
            Ok(outcome)
        }
        Method::Irv | Method::Stv => Err(TabulateError::RankedUnavailable {
            contest: contest.name.clone(),
        }),
    }
}
