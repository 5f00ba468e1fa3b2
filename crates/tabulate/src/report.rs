//! Per-contest results and their three renderings: JSON (the fixed
//! interface of `canvass tabulate --report json`), a readable text table, and
//! CSV with one row per contest × candidate (× round).
//!
//! Every rendering is deterministic: candidates appear in ballot order
//! (candidate id), contests in election order, and shares are computed in
//! integers.

use crate::tally::SingleRoundTally;
use canvass_model::{CandidateId, ContestId, Fraction};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use std::fmt::Write as _;

/// The counting method a result was computed with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Plurality / vote-for-N.
    Plurality,
    /// Approval.
    Approval,
    /// Supermajority with its threshold share of the valid votes.
    Supermajority(Fraction),
    /// Ranked choice, one seat.
    Irv,
    /// Ranked choice, several seats (single transferable vote).
    Stv,
}

impl Method {
    /// The method's name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Method::Plurality => "plurality",
            Method::Approval => "approval",
            Method::Supermajority(_) => "supermajority",
            Method::Irv => "irv",
            Method::Stv => "stv",
        }
    }

    /// True for ranked methods (reported round by round).
    pub fn is_ranked(self) -> bool {
        matches!(self, Method::Irv | Method::Stv)
    }
}

/// Who won.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The winners, most votes first.
    Decided {
        /// The winners.
        winners: Vec<CandidateId>,
    },
    /// The cut line falls inside a group of candidates with equal votes.
    Tie {
        /// Candidates who win whatever way the tie is broken.
        winners: Vec<CandidateId>,
        /// Candidates tied at the cut line.
        tied: Vec<CandidateId>,
        /// Seats the tied candidates compete for.
        seats_left: u32,
    },
    /// Nobody met the rule (a supermajority threshold not reached).
    NoWinner,
    /// The contest could not be counted.
    Error(String),
}

impl Outcome {
    /// The candidates who certainly win.
    pub fn winners(&self) -> &[CandidateId] {
        match self {
            Outcome::Decided { winners } | Outcome::Tie { winners, .. } => winners,
            Outcome::NoWinner | Outcome::Error(_) => &[],
        }
    }

    /// `decided`, `tie`, `no_winner` or `error`.
    pub fn status(&self) -> &'static str {
        match self {
            Outcome::Decided { .. } => "decided",
            Outcome::Tie { .. } => "tie",
            Outcome::NoWinner => "no_winner",
            Outcome::Error(_) => "error",
        }
    }
}

/// A vote count that may carry decimals (fractional STV transfers):
/// `units / 10^decimals`, kept exact.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct RoundVotes {
    /// The count scaled by `10^decimals`.
    pub units: u64,
    /// The number of decimal places in `units`.
    pub decimals: u32,
}

impl RoundVotes {
    /// A whole number of votes.
    pub fn whole(votes: u64) -> RoundVotes {
        RoundVotes {
            units: votes,
            decimals: 0,
        }
    }

    fn json(self) -> serde_json::Value {
        let scale = 10u64.checked_pow(self.decimals).unwrap_or(u64::MAX);
        if self.units.is_multiple_of(scale) {
            serde_json::Value::from(self.units / scale)
        } else {
            // Shortest round-trip decimal (ryu): deterministic everywhere.
            serde_json::Value::from(self.units as f64 / scale as f64)
        }
    }
}

impl std::fmt::Display for RoundVotes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scale = 10u64.checked_pow(self.decimals).unwrap_or(u64::MAX);
        let (whole, frac) = (self.units / scale, self.units % scale);
        if frac == 0 {
            write!(f, "{whole}")
        } else {
            let digits = format!("{frac:0width$}", width = self.decimals as usize);
            write!(f, "{whole}.{}", digits.trim_end_matches('0'))
        }
    }
}

/// One round of a ranked count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Round {
    /// The round number, from 1.
    pub round: u32,
    /// Continuing candidates' votes in this round, in candidate order.
    pub tally: Vec<(CandidateId, RoundVotes)>,
    /// Candidates eliminated at the end of this round.
    pub eliminated: Vec<CandidateId>,
    /// Candidates elected in this round.
    pub elected: Vec<CandidateId>,
    /// Inactive ballots so far, every reason (blank, overvote, skipped
    /// ranks, exhausted choices) together.
    pub exhausted: RoundVotes,
    /// The winning threshold this round, when the method has one.
    pub threshold: Option<RoundVotes>,
}

/// The result of one contest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContestResult {
    /// The contest.
    pub contest: ContestId,
    /// The contest's id in the source files.
    pub id: String,
    /// The contest's name.
    pub name: String,
    /// How it was counted.
    pub method: Method,
    /// Seats to fill.
    pub seats: u32,
    /// Cards carrying the contest.
    pub ballots: u64,
    /// Printable candidate labels, indexed by candidate id, unique within the
    /// contest (a repeated name gets its source id appended).
    pub candidates: Vec<String>,
    /// The single-round count (single-round methods).
    pub tally: Option<SingleRoundTally>,
    /// The rounds (ranked methods).
    pub rounds: Vec<Round>,
    /// Who won.
    pub outcome: Outcome,
}

impl ContestResult {
    /// The label of a candidate.
    pub fn label(&self, c: CandidateId) -> &str {
        self.candidates.get(c.index()).map_or("?", String::as_str)
    }

    /// The winners' labels.
    pub fn winner_names(&self) -> Vec<&str> {
        self.outcome
            .winners()
            .iter()
            .map(|&c| self.label(c))
            .collect()
    }

    fn names(&self, ids: &[CandidateId]) -> Vec<&str> {
        ids.iter().map(|&c| self.label(c)).collect()
    }
}

/// A JSON object whose keys keep the order given.
struct Ordered<'a>(Vec<(&'a str, serde_json::Value)>);

impl Serialize for Ordered<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

#[derive(Serialize)]
struct JsonRound<'a> {
    round: u32,
    tally: Ordered<'a>,
    eliminated: Vec<&'a str>,
    elected: Vec<&'a str>,
    exhausted: serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    threshold: Option<serde_json::Value>,
}

#[derive(Serialize)]
struct JsonContest<'a> {
    id: &'a str,
    name: &'a str,
    method: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    threshold: Option<String>,
    seats: u32,
    ballots: u64,
    status: &'static str,
    winners: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tied: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tally: Option<Ordered<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    overvotes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    undervotes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    blank: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rounds: Option<Vec<JsonRound<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    contests: Vec<JsonContest<'a>>,
}

fn json_contest(r: &ContestResult) -> JsonContest<'_> {
    let tally = r.tally.as_ref().map(|t| {
        Ordered(
            t.votes
                .iter()
                .enumerate()
                .map(|(c, &v)| (r.label(CandidateId(c as u32)), serde_json::Value::from(v)))
                .collect(),
        )
    });
    let rounds = r.method.is_ranked().then(|| {
        r.rounds
            .iter()
            .map(|round| JsonRound {
                round: round.round,
                tally: Ordered(
                    round
                        .tally
                        .iter()
                        .map(|&(c, v)| (r.label(c), v.json()))
                        .collect(),
                ),
                eliminated: r.names(&round.eliminated),
                elected: r.names(&round.elected),
                exhausted: round.exhausted.json(),
                threshold: round.threshold.map(RoundVotes::json),
            })
            .collect()
    });
    let tied = match &r.outcome {
        Outcome::Tie { tied, .. } => r.names(tied),
        _ => Vec::new(),
    };
    JsonContest {
        id: &r.id,
        name: &r.name,
        method: r.method.name(),
        threshold: match r.method {
            Method::Supermajority(f) => Some(format!("{}/{}", f.numerator, f.denominator)),
            _ => None,
        },
        seats: r.seats,
        ballots: r.ballots,
        status: r.outcome.status(),
        winners: r.winner_names(),
        tied,
        tally,
        overvotes: r.tally.as_ref().map(|t| t.overvotes),
        undervotes: r.tally.as_ref().map(|t| t.undervotes),
        blank: r.tally.as_ref().map(|t| t.blank),
        rounds,
        error: match &r.outcome {
            Outcome::Error(e) => Some(e),
            _ => None,
        },
    }
}

/// The JSON report: `{"contests":[...]}`, pretty-printed, newline-terminated.
pub fn to_json(results: &[ContestResult]) -> String {
    let report = JsonReport {
        contests: results.iter().map(json_contest).collect(),
    };
    // Serializing plain strings and numbers into a String cannot fail.
    let mut out = serde_json::to_string_pretty(&report).unwrap_or_default();
    out.push('\n');
    out
}

/// `votes / total` as a percentage with two decimals, in integers.
fn percent(votes: u64, total: u64) -> String {
    if total == 0 {
        return "-".into();
    }
    let basis = (u128::from(votes) * 10_000 * 2 + u128::from(total)) / (2 * u128::from(total));
    format!("{}.{:02}%", basis / 100, basis % 100)
}

/// A readable text table per contest.
pub fn to_text(results: &[ContestResult]) -> String {
    let mut out = String::new();
    for r in results {
        let _ = write!(
            out,
            "{} ({}): {}, {} seat{}, {} ballots",
            r.name,
            r.id,
            r.method.name(),
            r.seats,
            if r.seats == 1 { "" } else { "s" },
            r.ballots
        );
        if let Method::Supermajority(f) = r.method {
            let _ = write!(
                out,
                ", more than {}/{} of valid votes to win",
                f.numerator, f.denominator
            );
        }
        out.push('\n');
        let width = r
            .candidates
            .iter()
            .map(|c| c.chars().count())
            .max()
            .unwrap_or(0)
            .max(9);
        if let Some(t) = &r.tally {
            let valid = t.valid_votes();
            let _ = writeln!(
                out,
                "  {:<width$}  {:>10}  {:>8}",
                "candidate", "votes", "share"
            );
            for (c, &v) in t.votes.iter().enumerate() {
                let name = r.label(CandidateId(c as u32));
                let _ = writeln!(out, "  {name:<width$}  {v:>10}  {:>8}", percent(v, valid));
            }
            let _ = writeln!(
                out,
                "  valid votes {valid}, overvoted cards {}, undervotes {} (blank cards {})",
                t.overvotes, t.undervotes, t.blank
            );
        }
        for round in &r.rounds {
            let _ = writeln!(out, "  round {}", round.round);
            for &(c, v) in &round.tally {
                let _ = writeln!(out, "    {:<width$}  {:>12}", r.label(c), v.to_string());
            }
            match round.threshold {
                Some(t) => writeln!(out, "    inactive {}, threshold {t}", round.exhausted),
                None => writeln!(out, "    inactive {}", round.exhausted),
            }
            .unwrap_or(());
            if !round.elected.is_empty() {
                let _ = writeln!(out, "    elected: {}", r.names(&round.elected).join(", "));
            }
            if !round.eliminated.is_empty() {
                let _ = writeln!(
                    out,
                    "    eliminated: {}",
                    r.names(&round.eliminated).join(", ")
                );
            }
        }
        let _ = match &r.outcome {
            Outcome::Decided { winners } => {
                writeln!(
                    out,
                    "  winner{}: {}",
                    if winners.len() == 1 { "" } else { "s" },
                    r.names(winners).join(", ")
                )
            }
            Outcome::Tie {
                winners,
                tied,
                seats_left,
            } => writeln!(
                out,
                "  TIE for {seats_left} seat{} between {}{}",
                if *seats_left == 1 { "" } else { "s" },
                r.names(tied).join(", "),
                if winners.is_empty() {
                    String::new()
                } else {
                    format!("; elected: {}", r.names(winners).join(", "))
                }
            ),
            Outcome::NoWinner => writeln!(out, "  no winner: nobody reached the threshold"),
            Outcome::Error(e) => writeln!(out, "  error: {e}"),
        };
        out.push('\n');
    }
    out
}

/// CSV: `contest_id,contest,method,seats,ballots,round,candidate,votes,winner,status`,
/// one row per contest × candidate (× round for ranked methods); a contest
/// that could not be counted gets one row with an empty candidate.
pub fn to_csv(results: &[ContestResult]) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "contest_id",
        "contest",
        "method",
        "seats",
        "ballots",
        "round",
        "candidate",
        "votes",
        "winner",
        "status",
    ])?;
    for r in results {
        let winners = r.outcome.winners();
        let seats = r.seats.to_string();
        let ballots = r.ballots.to_string();
        let mut row = |round: String, candidate: &str, votes: String, winner: bool| {
            w.write_record([
                r.id.as_str(),
                r.name.as_str(),
                r.method.name(),
                &seats,
                &ballots,
                &round,
                candidate,
                &votes,
                if winner { "true" } else { "false" },
                r.outcome.status(),
            ])
        };
        let mut rows = 0;
        if let Some(t) = &r.tally {
            for (c, &v) in t.votes.iter().enumerate() {
                let c = CandidateId(c as u32);
                row("1".into(), r.label(c), v.to_string(), winners.contains(&c))?;
                rows += 1;
            }
        }
        for round in &r.rounds {
            for &(c, v) in &round.tally {
                row(
                    round.round.to_string(),
                    r.label(c),
                    v.to_string(),
                    winners.contains(&c),
                )?;
                rows += 1;
            }
        }
        if rows == 0 {
            row(String::new(), "", String::new(), false)?;
        }
    }
    let bytes = w
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_rounds_half_up() {
        assert_eq!(percent(1, 3), "33.33%");
        assert_eq!(percent(2, 3), "66.67%");
        assert_eq!(percent(0, 0), "-");
        assert_eq!(percent(5, 5), "100.00%");
    }

    #[test]
    fn round_votes_print_exactly() {
        let v = |units, decimals| RoundVotes { units, decimals }.to_string();
        assert_eq!(v(12, 0), "12");
        assert_eq!(v(123_4500, 4), "123.45");
        assert_eq!(v(5_0000, 4), "5");
        assert_eq!(v(7, 4), "0.0007");
    }
}
