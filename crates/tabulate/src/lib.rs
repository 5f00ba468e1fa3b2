//! Social-choice functions: plurality, vote-for-N, approval, supermajority,
//! ranked-choice (IRV) and multi-seat STV with every RCTab rule, reported
//! round by round. Deterministic and independent of ballot order.
//!
//! Cards stream through a [`Tabulator`], which keeps only aggregated tallies
//! (the distinct mark patterns of each contest with their counts); at the end
//! [`Tabulator::results`] counts every contest under its rule and yields one
//! [`ContestResult`] per contest, which [`report`] renders as JSON, text or
//! CSV. Ties at the cut line are reported, never broken.
//!
//! # Ranked choice (for the CLI)
//!
//! - [`ranked::RankedBallots`] aggregates ranked ballots (identical rankings
//!   counted once); [`ranked::RankedRules`] holds every RCTab rule, with
//!   `Default` = single-winner IRV; [`ranked::tabulate`] returns a
//!   [`ranked::RankedResult`] with every round (tally per candidate,
//!   threshold, elected, eliminated, transfers, inactive ballots by reason,
//!   tie-breaks). [`ranked::tabulate_sequential`] runs `multiPassIrv`.
//! - [`rctab::run_config`] runs an RCTab `*_config.json` (reads its CVR
//!   sources, maps candidate names and aliases, tabulates) and returns one
//!   [`rctab::RctabReport`] per pass; [`rctab::RctabReport::to_json`] writes
//!   RCTab's detailed-report JSON (`--report rctab-json`).

pub mod approval;
pub mod java_random;
pub mod plurality;
pub mod ranked;
pub mod rctab;
pub mod report;
pub mod supermajority;
pub mod tally;

pub use report::{ContestResult, Method, Outcome, Round, RoundVotes};
pub use tally::{ContestTally, Patterns, SingleRoundTally, Tabulator, VoteRule};

use canvass_model::{CandidateKind, Choice, Contest, ContestKind, Election};

/// Everything that can stop a contest from being counted.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
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
    /// The ranked-choice count stopped (a tie left to an operator, a
    /// ballot the rules cannot handle, ...).
    #[error("contest {contest:?}: {source}")]
    Ranked {
        /// The contest's name.
        contest: String,
        /// What stopped the count.
        #[source]
        source: ranked::RankedError,
    },
    /// A ranked count produced a vote total this report cannot print.
    #[error("contest {contest:?}: vote total {value} out of range")]
    VoteRange {
        /// The contest's name.
        contest: String,
        /// The value.
        value: String,
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
        Method::Irv | Method::Stv => {
            let (rounds, outcome) = count_ranked(contest, &result.candidates, tally)?;
            result.rounds = rounds;
            Ok(outcome)
        }
    }
}

/// Count a ranked contest with the ranked engine under its default rules
/// (RCTab's suggested settings: [`ranked::RankedRules::default`]; several
/// seats elect several winners per round). Ties are never broken silently:
/// the default tie-break stops the count with an error naming the tie.
fn count_ranked(
    contest: &Contest,
    labels: &[String],
    tally: &ContestTally,
) -> Result<(Vec<Round>, Outcome), TabulateError> {
    use ranked::{RankedBallots, RankedCandidate, RankedCandidateKind, RankedRules, Selection};
    let candidates = contest
        .candidates
        .iter()
        .zip(labels)
        .map(|(c, label)| RankedCandidate {
            name: label.clone(),
            kind: match c.kind {
                CandidateKind::UndeclaredWriteIn => RankedCandidateKind::UndeclaredWriteIn,
                CandidateKind::Regular | CandidateKind::WriteIn => RankedCandidateKind::Declared,
            },
            excluded: false,
        })
        .collect();
    let mut ballots = RankedBallots::new(candidates);
    let mut marks = Vec::new();
    for (pattern, &n) in &tally.patterns {
        marks.clear();
        marks.extend(pattern.iter().map(|m| {
            let selection = match m.choice {
                Choice::Candidate(c) => Selection::Candidate(c),
                Choice::Overvote => Selection::Overvote,
            };
            (m.rank, selection)
        }));
        ballots.push(&marks, None, n);
    }
    let rules = RankedRules {
        seats: contest.seats,
        winner_mode: if contest.seats > 1 {
            ranked::WinnerMode::MultiWinnerMultiplePerRound
        } else {
            ranked::WinnerMode::SingleWinnerMajority
        },
        ..RankedRules::default()
    };
    let result = ranked::tabulate(&ballots, &rules).map_err(|source| TabulateError::Ranked {
        contest: contest.name.clone(),
        source,
    })?;
    let rounds = ranked_rounds(&contest.name, &result)?;
    Ok((
        rounds,
        Outcome::Decided {
            winners: result.winners,
        },
    ))
}

/// The rounds of a ranked count in report form.
fn ranked_rounds(
    contest: &str,
    result: &ranked::RankedResult,
) -> Result<Vec<Round>, TabulateError> {
    let range = |value: String| TabulateError::VoteRange {
        contest: contest.to_owned(),
        value,
    };
    let votes = |d: ranked::Decimal| -> Result<RoundVotes, TabulateError> {
        let units = u64::try_from(d.unscaled()).map_err(|_| range(d.to_string()))?;
        Ok(RoundVotes {
            units,
            decimals: d.scale(),
        })
    };
    let mut rounds = Vec::with_capacity(result.rounds.len());
    for r in &result.rounds {
        let mut exhausted = ranked::Decimal::ZERO;
        for v in r.inactive.values() {
            exhausted = exhausted
                .plus(*v)
                .map_err(|_| range("inactive ballots".into()))?;
        }
        rounds.push(Round {
            round: r.number,
            tally: r
                .tally
                .iter()
                .map(|(&c, &v)| Ok((c, votes(v)?)))
                .collect::<Result<_, TabulateError>>()?,
            eliminated: r.eliminated.clone(),
            elected: r.elected.clone(),
            exhausted: votes(exhausted)?,
            threshold: Some(votes(r.threshold)?),
        });
    }
    Ok(rounds)
}

impl ContestResult {
    /// The report form of a ranked count done elsewhere (an RCTab
    /// configuration run by [`rctab::run_config`]).
    pub fn from_rctab(report: &rctab::RctabReport) -> ContestResult {
        let seats = report.num_winners;
        let mut result = ContestResult {
            contest: canvass_model::ContestId(0),
            id: report.contest.clone(),
            name: report.contest.clone(),
            method: if seats > 1 { Method::Stv } else { Method::Irv },
            seats,
            ballots: report.result.total_ballots,
            candidates: report.names.clone(),
            tally: None,
            rounds: Vec::new(),
            outcome: Outcome::Decided {
                winners: report.result.winners.clone(),
            },
        };
        match ranked_rounds(&report.contest, &report.result) {
            Ok(rounds) => result.rounds = rounds,
            Err(e) => result.outcome = Outcome::Error(e.to_string()),
        }
        result
    }
}
