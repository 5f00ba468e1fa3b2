//! "Machines changed votes": the paper counted by hand against the machine
//! count.
//!
//! A hand count (of every ballot, as Georgia's November 2020 risk-limiting
//! audit full hand tally did, or of some batches) is compared with the
//! machine results unit by unit (batch and/or precinct), contest and
//! candidate: `difference` = hand − machine. The finding gives net and gross
//! differences per unit, per contest and overall, the audit's discrepancies
//! by tabulator, and for each contest whether the differences change the
//! outcome: the machine totals corrected by the hand-counted units'
//! differences are compared with the machine totals' winners and margin
//! (Lindeman & Stark, "A Gentle Introduction to Risk-Limiting Audits", IEEE
//! Security & Privacy 10(5), 2012: an outcome is wrong only if errors exceed
//! the margin).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use crate::CheckError;
use crate::finding::{Failure, Finding, Input, Rule, Status};
use crate::table::{Source, opt, read_csv, req};

/// The allegation this check answers.
pub const ALLEGATION: &str = "Machines changed votes";

/// What the check reads.
#[derive(Debug, Clone)]
pub struct MachineVsPaperInputs {
    /// The hand count: batch and/or precinct, contest, candidate, votes.
    pub hand: Source,
    /// The machine results with the same columns.
    pub machine: Source,
    /// The audit's discrepancies: tabulator, discrepancy (signed), ...
    pub discrepancies: Option<Source>,
    /// Whether the hand count covers every unit of the machine results.
    pub full: bool,
    /// Winners per contest (1 when absent).
    pub seats: BTreeMap<String, u32>,
}

/// Net and gross difference per (unit, contest).
type UnitTotals<'a> = BTreeMap<(&'a (String, String), &'a String), (i64, u64)>;

/// (unit, contest, candidate) → votes; unit = (precinct, batch).
type Counts = BTreeMap<((String, String), String, String), u64>;

fn read_counts(src: &Source) -> Result<Counts, CheckError> {
    let mut out = Counts::new();
    let fields = [
        opt("precinct"),
        opt("batch"),
        req("contest"),
        req("candidate"),
        req("votes"),
    ];
    read_csv(&src.path, &src.map, &fields, |r| {
        if !r.has("precinct") && !r.has("batch") {
            return Err(r.bad(
                "batch",
                "the file has neither a `batch` nor a `precinct` column",
            ));
        }
        let unit = (
            r.text_or_empty("precinct").to_string(),
            r.text_or_empty("batch").to_string(),
        );
        let key = (
            unit,
            r.text("contest")?.to_string(),
            r.text("candidate")?.to_string(),
        );
        *out.entry(key).or_default() += r.count("votes")?;
        Ok(())
    })?;
    Ok(out)
}

fn unit_name((precinct, batch): &(String, String)) -> String {
    match (precinct.is_empty(), batch.is_empty()) {
        (false, false) => format!("precinct {precinct}, batch {batch}"),
        (false, true) => format!("precinct {precinct}"),
        _ => format!("batch {batch}"),
    }
}

/// Winners (top `seats` by votes, ties broken by name for the listing only)
/// and the margin between the last winner and the first loser.
fn outcome(totals: &BTreeMap<String, i64>, seats: u32) -> (BTreeSet<String>, i64, bool) {
    let mut v: Vec<(&String, i64)> = totals.iter().map(|(k, n)| (k, *n)).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let s = seats as usize;
    let winners = v.iter().take(s).map(|(k, _)| (*k).clone()).collect();
    let last = v.get(s.saturating_sub(1)).map(|x| x.1).unwrap_or(0);
    let first_loser = v.get(s).map(|x| x.1);
    let margin = first_loser.map(|l| last - l).unwrap_or(last);
    (winners, margin, first_loser == Some(last))
}

fn sgn(d: i64) -> String {
    if d > 0 {
        format!("+{d}")
    } else {
        d.to_string()
    }
}

/// Run the check.
pub fn machine_vs_paper(
    inputs: &MachineVsPaperInputs,
    reproduce: String,
) -> Result<Finding, CheckError> {
    let mut finding = Finding::new(
        "machine-vs-paper",
        ALLEGATION,
        Rule {
            text: "The hand count of the paper equals the machine count in every hand-counted unit, contest and \
                   candidate; a difference could change an outcome only if the machine totals corrected by the \
                   differences elect different winners (or, for a partial hand count, if the differences reach the margin)."
                .into(),
            citation: "Lindeman & Stark, \"A Gentle Introduction to Risk-Limiting Audits\", IEEE Security & Privacy \
                       10(5) (2012); Georgia Secretary of State, Risk-Limiting Audit Report (full hand tally), Nov. 19, 2020"
                .into(),
        },
        reproduce,
    );
    finding
        .inputs
        .push(Input::from_file("hand", &inputs.hand.path)?);
    finding
        .inputs
        .push(Input::from_file("machine", &inputs.machine.path)?);
    if let Some(d) = &inputs.discrepancies {
        finding
            .inputs
            .push(Input::from_file("discrepancies", &d.path)?);
    }
    let hand = read_counts(&inputs.hand)?;
    let machine = read_counts(&inputs.machine)?;
    let hand_units: BTreeSet<&(String, String)> = hand.keys().map(|(u, _, _)| u).collect();
    let machine_units: BTreeSet<&(String, String)> = machine.keys().map(|(u, _, _)| u).collect();

    let mut failures = Vec::new();
    // Per contest: machine totals, per-candidate net difference, gross.
    let mut machine_totals: BTreeMap<&String, BTreeMap<String, i64>> = BTreeMap::new();
    for ((_, contest, cand), v) in &machine {
        *machine_totals
            .entry(contest)
            .or_default()
            .entry(cand.clone())
            .or_default() += i64::try_from(*v).unwrap_or(i64::MAX);
    }
    let mut net_by_cand: BTreeMap<&String, BTreeMap<String, i64>> = BTreeMap::new();
    let mut by_unit = UnitTotals::new();
    let keys: BTreeSet<&((String, String), String, String)> = hand
        .keys()
        .chain(machine.keys().filter(|(u, _, _)| hand_units.contains(u)))
        .collect();
    let (mut net, mut gross, mut rows) = (0i64, 0u64, 0u64);
    for key in keys {
        let (unit, contest, cand) = key;
        let h = hand.get(key).copied().unwrap_or(0);
        let m = machine.get(key).copied().unwrap_or(0);
        let d = i64::try_from(i128::from(h) - i128::from(m)).unwrap_or(0);
        rows += 1;
        machine_totals
            .entry(contest)
            .or_default()
            .entry(cand.clone())
            .or_default();
        *net_by_cand
            .entry(contest)
            .or_default()
            .entry(cand.clone())
            .or_default() += d;
        let u = by_unit.entry((unit, contest)).or_default();
        u.0 += d;
        u.1 += d.unsigned_abs();
        if d != 0 {
            net += d;
            gross += d.unsigned_abs();
            failures.push(Failure {
                locator: format!("{}, contest {contest}, candidate {cand}", unit_name(unit)),
                reason: format!("hand count {h}, machine count {m}: difference {}", sgn(d)),
                details: [
                    ("hand".to_string(), json!(h)),
                    ("machine".to_string(), json!(m)),
                    ("difference".to_string(), json!(d)),
                ]
                .into_iter()
                .collect(),
            });
        }
    }
    let mut not_counted = Vec::new();
    if inputs.full {
        for u in machine_units.difference(&hand_units) {
            not_counted.push(unit_name(u));
            failures.push(Failure {
                locator: format!("{} (not hand counted)", unit_name(u)),
                reason: "the machine results have this unit but the full hand count does not"
                    .into(),
                details: BTreeMap::new(),
            });
        }
    }

    // Outcomes.
    let mut contests = BTreeMap::new();
    let mut changed = Vec::new();
    let mut reaching = Vec::new();
    for (contest, totals) in &machine_totals {
        let seats = inputs.seats.get(*contest).copied().unwrap_or(1);
        let (winners, margin, tie) = outcome(totals, seats);
        let nets = net_by_cand.get(contest).cloned().unwrap_or_default();
        let corrected: BTreeMap<String, i64> = totals
            .iter()
            .map(|(k, v)| (k.clone(), v + nets.get(k).copied().unwrap_or(0)))
            .collect();
        let (c_winners, c_margin, c_tie) = outcome(&corrected, seats);
        let contest_gross: u64 = by_unit
            .iter()
            .filter(|((_, c), _)| c == contest)
            .map(|(_, (_, g))| g)
            .sum();
        let contest_net: i64 = nets.values().sum();
        let changes = c_winners != winners || (c_tie && !tie);
        if changes {
            changed.push((*contest).clone());
        }
        if !inputs.full && contest_gross > 0 && i128::from(contest_gross) >= i128::from(margin) {
            reaching.push(format!(
                "{contest} (gross {contest_gross}, margin {margin})"
            ));
        }
        contests.insert(
            (*contest).clone(),
            json!({
                "seats": seats,
                "machine_winners": winners,
                "machine_margin": margin,
                "hand_corrected_winners": c_winners,
                "hand_corrected_margin": c_margin,
                "net": contest_net,
                "gross": contest_gross,
                "net_by_candidate": nets,
                "changes_outcome": changes,
                "tie": c_tie,
            }),
        );
    }
    finding.figure("contests", json!(contests));
    finding.figure("hand_counted_units", hand_units.len() as u64);
    finding.figure("machine_units", machine_units.len() as u64);
    finding.figure("full_hand_count", inputs.full);
    finding.figure("rows_compared", rows);
    finding.figure("net", net);
    finding.figure("gross", gross);
    finding.figure(
        "units_with_differences",
        json!(by_unit
            .iter()
            .filter(|(_, (_, g))| *g > 0)
            .map(|((u, c), (n, g))| json!({"unit": unit_name(u), "contest": c, "net": n, "gross": g}))
            .collect::<Vec<_>>()),
    );
    if inputs.full {
        finding.figure("not_hand_counted", json!(not_counted));
    }

    if let Some(src) = &inputs.discrepancies {
        #[derive(Default)]
        struct Tab {
            records: u64,
            net: i64,
            gross: u64,
            by_size: BTreeMap<i64, u64>,
        }
        let mut tabs: BTreeMap<String, Tab> = BTreeMap::new();
        let fields = [
            req("tabulator"),
            req("discrepancy"),
            opt("count"),
            opt("contest"),
            opt("card"),
        ];
        read_csv(&src.path, &src.map, &fields, |r| {
            let t = tabs.entry(r.text("tabulator")?.to_string()).or_default();
            let d = r.signed("discrepancy")?;
            let n = if r.get("count").is_some() {
                r.count("count")?
            } else {
                1
            };
            t.records += n;
            let n_i = i64::try_from(n).unwrap_or(i64::MAX);
            t.net += d.saturating_mul(n_i);
            t.gross += d.unsigned_abs().saturating_mul(n);
            *t.by_size.entry(d).or_default() += n;
            Ok(())
        })?;
        let mut fig = BTreeMap::new();
        for (name, t) in &tabs {
            let sizes: BTreeMap<String, u64> =
                t.by_size.iter().map(|(k, v)| (sgn(*k), *v)).collect();
            fig.insert(
                name.clone(),
                json!({"records": t.records, "net": t.net, "gross": t.gross, "by_size": sizes}),
            );
            if t.gross > 0 {
                failures.push(Failure {
                    locator: format!("tabulator {name} (audit discrepancies)"),
                    reason: format!(
                        "{} audited records, net discrepancy {} votes, gross {} (overstatements positive)",
                        t.records,
                        sgn(t.net),
                        t.gross
                    ),
                    details: [("net".to_string(), json!(t.net)), ("gross".to_string(), json!(t.gross))].into_iter().collect(),
                });
            }
        }
        finding.figure("discrepancies_by_tabulator", json!(fig));
    }

    finding.figure("outcome_changed", json!(changed));
    finding.status = if !changed.is_empty() {
        Status::Supported {
            cases: changed.len() as u64,
        }
    } else if !reaching.is_empty() {
        Status::Inconclusive {
            missing: format!(
                "a hand count of the rest of the paper: the differences found reach the margin in {}",
                reaching.join(", ")
            ),
        }
    } else {
        Status::NoEvidence
    };
    finding.failures = failures;
    Ok(finding)
}
