//! RCTab's detailed report JSON (`jsonFormatVersion` 1): the same keys,
//! number formats and layout RCTab writes, so the files compare directly.

use super::Config;
use super::run::uses_surpluses;
use crate::java_random::java_string_cmp;
use crate::ranked::{
    Decimal, InactiveReason, RankedBallots, RankedResult, RankedRules, Round, TransferTarget,
};
use serde_json::{Map, Value};

/// One RCTab report: a contest's (or one pass's) rounds with the header
/// fields RCTab prints.
#[derive(Clone, Debug)]
pub struct RctabReport {
    /// `contestName`.
    pub contest: String,
    /// `contestDate`.
    pub date: String,
    /// `contestJurisdiction`.
    pub jurisdiction: String,
    /// `contestOffice`.
    pub office: String,
    /// Candidate names by index.
    pub names: Vec<String>,
    /// `numWinners`.
    pub num_winners: u32,
    /// Whether multi-seat surplus accounting applies (adds `finalRoundSurplus`).
    pub uses_surpluses: bool,
    /// The count.
    pub result: RankedResult,
}

impl RctabReport {
    pub(crate) fn new(
        config: &Config,
        ballots: &RankedBallots,
        rules: &RankedRules,
        seats: u32,
        result: RankedResult,
    ) -> RctabReport {
        let o = &config.output_settings;
        RctabReport {
            contest: o.contest_name.clone().unwrap_or_default(),
            date: o.contest_date.clone().unwrap_or_default(),
            jurisdiction: o.contest_jurisdiction.clone().unwrap_or_default(),
            office: o.contest_office.clone().unwrap_or_default(),
            names: ballots.candidates.iter().map(|c| c.name.clone()).collect(),
            num_winners: seats,
            uses_surpluses: uses_surpluses(rules, seats),
            result,
        }
    }

    fn name(&self, c: canvass_model::CandidateId) -> String {
        self.names.get(c.index()).cloned().unwrap_or_default()
    }

    /// The report as a JSON value (keys sorted as RCTab sorts them).
    pub fn to_value(&self) -> Value {
        let rounds = &self.result.rounds;
        // RCTab 2.0.0's reports list a round's elected and eliminated
        // candidates by name (checked against its regression suite).
        let mut elected_order: Vec<String> =
            self.result.winners.iter().map(|&c| self.name(c)).collect();
        elected_order.sort_by(|a, b| java_string_cmp(a, b));
        let mut eliminated_order: Vec<String> = rounds
            .iter()
            .flat_map(|r| r.eliminated.iter().map(|&c| self.name(c)))
            .collect();
        eliminated_order.sort_by(|a, b| java_string_cmp(a, b));
        let last = rounds.len();
        let results: Vec<Value> = rounds
            .iter()
            .enumerate()
            .map(|(i, r)| self.round_value(r, i + 1 == last, &elected_order, &eliminated_order))
            .collect();

        let mut config = Map::new();
        config.insert("contest".into(), self.contest.clone().into());
        config.insert("date".into(), self.date.clone().into());
        config.insert(
            "generatedBy".into(),
            concat!("canvass ", env!("CARGO_PKG_VERSION")).into(),
        );
        config.insert("jurisdiction".into(), self.jurisdiction.clone().into());
        config.insert("office".into(), self.office.clone().into());

        let mut summary = Map::new();
        let final_threshold = rounds.last().map(|r| r.threshold).unwrap_or(Decimal::ZERO);
        summary.insert("finalThreshold".into(), final_threshold.to_string().into());
        summary.insert("numCandidates".into(), (self.names.len() as u64).into());
        summary.insert("numWinners".into(), u64::from(self.num_winners).into());
        let total = rounds
            .first()
            .map(|r| {
                r.inactive
                    .values()
                    .try_fold(r.active, |acc, v| acc.plus(*v))
                    .unwrap_or(r.active)
            })
            .unwrap_or(Decimal::ZERO);
        summary.insert("totalNumBallots".into(), total.to_string().into());
        summary.insert("undervotes".into(), self.result.undervotes.into());

        let mut root = Map::new();
        root.insert("config".into(), Value::Object(config));
        root.insert("jsonFormatVersion".into(), "1".into());
        root.insert("results".into(), Value::Array(results));
        root.insert("summary".into(), Value::Object(summary));
        Value::Object(root)
    }

    fn round_value(
        &self,
        r: &Round,
        is_last: bool,
        elected_order: &[String],
        eliminated_order: &[String],
    ) -> Value {
        let mut inactive = Map::new();
        for (key, reason) in [
            ("exhaustedChoices", InactiveReason::ExhaustedChoices),
            ("overvotes", InactiveReason::Overvote),
            ("repeatedRankings", InactiveReason::RepeatedRankings),
            ("skippedRankings", InactiveReason::SkippedRankings),
        ] {
            inactive.insert(key.into(), r.inactive_for(reason).to_string().into());
        }
        if self.uses_surpluses && is_last {
            inactive.insert(
                "finalRoundSurplus".into(),
                r.inactive_for(InactiveReason::FinalRoundSurplus)
                    .to_string()
                    .into(),
            );
        }
        let mut tally = Map::new();
        for (c, v) in &r.tally {
            tally.insert(self.name(*c), v.to_string().into());
        }
        let mut actions = Vec::new();
        for (kind, list, order) in [
            ("elected", &r.elected, elected_order),
            ("eliminated", &r.eliminated, eliminated_order),
        ] {
            let mut names: Vec<(usize, canvass_model::CandidateId)> = list
                .iter()
                .map(|&c| {
                    let n = self.name(c);
                    (order.iter().position(|o| *o == n).unwrap_or(usize::MAX), c)
                })
                .collect();
            names.sort();
            for (_, c) in names {
                let mut action = Map::new();
                action.insert(kind.into(), self.name(c).into());
                let mut transfers = Map::new();
                if let Some(t) = r.transfers.get(&c) {
                    for (target, v) in t {
                        let key = match target {
                            TransferTarget::Candidate(to) => self.name(*to),
                            TransferTarget::Exhausted => "exhausted".to_owned(),
                            TransferTarget::ResidualSurplus => "residual surplus".to_owned(),
                        };
                        transfers.insert(key, v.to_string().into());
                    }
                }
                action.insert("transfers".into(), Value::Object(transfers));
                actions.push(Value::Object(action));
            }
        }
        let mut m = Map::new();
        m.insert("inactiveBallots".into(), Value::Object(inactive));
        m.insert("round".into(), u64::from(r.number).into());
        m.insert("tally".into(), Value::Object(tally));
        m.insert("tallyResults".into(), Value::Array(actions));
        m.insert("threshold".into(), r.threshold.to_string().into());
        Value::Object(m)
    }

    /// The report as RCTab writes it: Jackson's default pretty printer with
    /// keys sorted.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        write_pretty(&self.to_value(), 0, &mut out);
        out
    }
}

/// Several reports (the passes of `multiPassIrv`) as one JSON array.
pub fn reports_to_json(reports: &[RctabReport]) -> String {
    if let [one] = reports {
        return one.to_json();
    }
    let mut out = String::new();
    write_pretty(
        &Value::Array(reports.iter().map(RctabReport::to_value).collect()),
        0,
        &mut out,
    );
    out
}

fn indent(level: usize, out: &mut String) {
    for _ in 0..level {
        out.push_str("  ");
    }
}

/// Jackson `DefaultPrettyPrinter`: objects one entry per line as `"k" : v`,
/// arrays inline as `[ a, b ]`, empty containers as `{ }` and `[ ]`.
fn write_pretty(v: &Value, level: usize, out: &mut String) {
    match v {
        Value::Object(m) if m.is_empty() => out.push_str("{ }"),
        Value::Object(m) => {
            out.push('{');
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort_by(|a, b| crate::java_random::java_string_cmp(a, b));
            for (i, k) in keys.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                indent(level + 1, out);
                out.push_str(&Value::String((*k).clone()).to_string());
                out.push_str(" : ");
                if let Some(val) = m.get(*k) {
                    write_pretty(val, level + 1, out);
                }
            }
            out.push('\n');
            indent(level, out);
            out.push('}');
        }
        Value::Array(a) if a.is_empty() => out.push_str("[ ]"),
        Value::Array(a) => {
            out.push_str("[ ");
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_pretty(x, level, out);
            }
            out.push_str(" ]");
        }
        other => out.push_str(&other.to_string()),
    }
}
