//! "Votes were lost or deleted": reconciliation.
//!
//! Every ballot and vote is accounted for at each hand-off, per precinct and
//! batch: ballots issued = voted + spoiled + unused + provisional; poll-book
//! check-ins = ballots cast (gaps explained); the tabulator tapes = the
//! statement of votes; mail envelopes received = ballots extracted + rejected
//! (by reason); ballot-manifest cards = CVRs = ballots counted; the sum of the
//! precincts = each reported total. Every non-zero difference is a failure row
//! named by where it is, with its signed size (`difference` = left side − right
//! side of the equation as written above).
//!
//! The equations are those of the EAC's *Election Management Guidelines*
//! (2010), chapter 13 "Canvassing and Certifying an Election" (ballot
//! accounting and reconciliation), and of the Brennan Center / Verified Voting
//! "Post-Election Audits: Restoring Trust in Elections" (2007) on
//! reconciliation before audit. Every input is optional; the finding lists the
//! reconciliations that ran (`checked`) and those that could not (`not_checked`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use canvass_formats::{Format, SourceOptions, read_paths};
use canvass_model::Election;
use serde_json::json;

use crate::CheckError;
use crate::finding::{Failure, Finding, Input, Rule, Status};
use crate::table::{Field, Source, opt, read_csv, req};

/// The files a reconciliation reads; any may be absent.
#[derive(Debug, Clone, Default)]
pub struct ReconcileInputs {
    /// Ballot accounting per precinct (and batch): issued, voted, spoiled, unused, provisional.
    pub accounting: Option<Source>,
    /// Poll-book check-ins per precinct, with ballots cast and explained gaps.
    pub poll_book: Option<Source>,
    /// Tabulator tapes (results tapes) per precinct, tabulator, contest, candidate.
    pub tapes: Option<Source>,
    /// The statement of votes per precinct, contest, candidate.
    pub sov: Option<Source>,
    /// Mail envelopes per batch: received, extracted, rejected.
    pub mail: Option<Source>,
    /// Mail rejections per batch and reason.
    pub mail_rejections: Option<Source>,
    /// The ballot manifest: cards per batch.
    pub manifest: Option<Source>,
    /// CVR files or folders (any format `formats` reads).
    pub cvrs: Vec<PathBuf>,
    /// The CVRs' format (detected when absent).
    pub cvr_format: Option<Format>,
    /// Reported totals per level (county, state, ...), contest, candidate.
    pub totals: Option<Source>,
}

/// The allegation this check answers.
pub const ALLEGATION: &str = "Votes were lost or deleted";

/// The names of the reconciliations, in the order the finding lists them.
pub const PARTS: [&str; 6] = [
    "ballot_accounting",
    "poll_book",
    "tapes_vs_sov",
    "mail_envelopes",
    "manifest_cvrs_counted",
    "precincts_vs_totals",
];

fn signed(a: u64, b: u64) -> i64 {
    let d = i128::from(a) - i128::from(b);
    i64::try_from(d).unwrap_or(if d < 0 { i64::MIN } else { i64::MAX })
}

/// Running figures of one reconciliation.
#[derive(Default)]
struct Part {
    rows: u64,
    differing: u64,
    net: i64,
    gross: u64,
}

impl Part {
    fn compare(
        &mut self,
        failures: &mut Vec<Failure>,
        left: u64,
        right: u64,
        locator: String,
        reason: impl FnOnce(i64) -> String,
        mut details: BTreeMap<String, serde_json::Value>,
    ) {
        self.rows += 1;
        let d = signed(left, right);
        if d == 0 {
            return;
        }
        self.differing += 1;
        self.net = self.net.saturating_add(d);
        self.gross = self.gross.saturating_add(d.unsigned_abs());
        details.insert("difference".into(), d.into());
        failures.push(Failure {
            locator,
            reason: reason(d),
            details,
        });
    }

    fn json(&self) -> serde_json::Value {
        json!({"rows": self.rows, "differing": self.differing, "net": self.net, "gross": self.gross})
    }
}

fn sgn(d: i64) -> String {
    if d > 0 {
        format!("+{d}")
    } else {
        d.to_string()
    }
}

fn where_(precinct: &str, batch: Option<&str>) -> String {
    match batch {
        Some(b) => format!("precinct {precinct}, batch {b}"),
        None => format!("precinct {precinct}"),
    }
}

fn details<const N: usize>(
    pairs: [(&str, serde_json::Value); N],
) -> BTreeMap<String, serde_json::Value> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// Votes per (precinct, contest, candidate).
type VoteTable = BTreeMap<(String, String, String), u64>;

/// Tabulators seen per (precinct, contest, candidate).
type TabTable = BTreeMap<(String, String, String), BTreeSet<String>>;

/// Run every reconciliation the inputs allow.
pub fn reconcile(inputs: &ReconcileInputs, reproduce: String) -> Result<Finding, CheckError> {
    let mut finding = Finding::new(
        "reconcile",
        ALLEGATION,
        Rule {
            text: "Per precinct and batch: ballots issued = voted + spoiled + unused + provisional; \
                   poll-book check-ins = ballots cast + explained gaps; tabulator tapes = statement of votes; \
                   mail envelopes received = extracted + rejected (by reason); manifest cards = CVRs = ballots counted; \
                   sum of precincts = every reported total. Each non-zero difference is a failure with its signed size."
                .into(),
            citation: "U.S. EAC, Election Management Guidelines (2010), ch. 13 \"Canvassing and Certifying an Election\" \
                       (ballot accounting and reconciliation); Norden et al., Post-Election Audits: Restoring Trust in \
                       Elections, Brennan Center & Samuelson Clinic (2007)"
                .into(),
        },
        reproduce,
    );
    let mut failures = Vec::new();
    let mut checked = Vec::new();
    let mut not_checked = Vec::new();
    let add_input =
        |finding: &mut Finding, role: &str, s: &Option<Source>| -> Result<(), CheckError> {
            if let Some(s) = s {
                finding.inputs.push(Input::from_file(role, &s.path)?);
            }
            Ok(())
        };
    add_input(&mut finding, "accounting", &inputs.accounting)?;
    add_input(&mut finding, "poll_book", &inputs.poll_book)?;
    add_input(&mut finding, "tapes", &inputs.tapes)?;
    add_input(&mut finding, "sov", &inputs.sov)?;
    add_input(&mut finding, "mail", &inputs.mail)?;
    add_input(&mut finding, "mail_rejections", &inputs.mail_rejections)?;
    add_input(&mut finding, "manifest", &inputs.manifest)?;
    add_input(&mut finding, "totals", &inputs.totals)?;
    for p in &inputs.cvrs {
        if p.is_file() {
            finding.inputs.push(Input::from_file("cvr", p)?);
        } else if p.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|source| CheckError::Io {
                    path: p.clone(),
                    source,
                })?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect();
            files.sort();
            for f in files {
                finding.inputs.push(Input::from_file("cvr", &f)?);
            }
        }
    }

    // 1. Ballot accounting; also gives ballots cast per precinct and counted per batch.
    let mut voted_by_precinct: BTreeMap<String, u64> = BTreeMap::new();
    let mut counted_by_batch: BTreeMap<String, u64> = BTreeMap::new();
    if let Some(src) = &inputs.accounting {
        let mut part = Part::default();
        let fields = [
            req("precinct"),
            opt("batch"),
            req("issued"),
            req("voted"),
            req("spoiled"),
            req("unused"),
            opt("provisional"),
        ];
        read_csv(&src.path, &src.map, &fields, |r| {
            let precinct = r.text("precinct")?.to_string();
            let batch = r.get("batch");
            let issued = r.count("issued")?;
            let voted = r.count("voted")?;
            let spoiled = r.count("spoiled")?;
            let unused = r.count("unused")?;
            let provisional = r.count_or_zero("provisional")?;
            *voted_by_precinct.entry(precinct.clone()).or_default() += voted;
            if let Some(b) = batch {
                *counted_by_batch.entry(b.to_string()).or_default() += voted;
            }
            let accounted = voted + spoiled + unused + provisional;
            part.compare(
                &mut failures,
                issued,
                accounted,
                format!("ballot_accounting: {} (row {})", where_(&precinct, batch), r.number()),
                |d| {
                    format!(
                        "ballots issued {issued} but voted {voted} + spoiled {spoiled} + unused {unused} + provisional {provisional} = {accounted}: difference {}",
                        sgn(d)
                    )
                },
                details([
                    ("issued", issued.into()),
                    ("voted", voted.into()),
                    ("spoiled", spoiled.into()),
                    ("unused", unused.into()),
                    ("provisional", provisional.into()),
                ]),
            );
            Ok(())
        })?;
        finding.figure("ballot_accounting", part.json());
        checked.push(PARTS[0]);
    } else {
        not_checked.push(PARTS[0]);
    }

    // 2. Poll book: check-ins = ballots cast + explained.
    if let Some(src) = &inputs.poll_book {
        let mut part = Part::default();
        let fields = [
            req("precinct"),
            req("check_ins"),
            opt("ballots_cast"),
            opt("explained"),
            opt("reason"),
        ];
        let mut missing_cast = None;
        read_csv(&src.path, &src.map, &fields, |r| {
            let precinct = r.text("precinct")?.to_string();
            let check_ins = r.count("check_ins")?;
            let cast = if r.has("ballots_cast") {
                r.count("ballots_cast")?
            } else if inputs.accounting.is_some() {
                voted_by_precinct.get(&precinct).copied().unwrap_or(0)
            } else {
                missing_cast.get_or_insert(r.number());
                return Ok(());
            };
            let explained = r.count_or_zero("explained")?;
            let reason = r.text_or_empty("reason").to_string();
            part.compare(
                &mut failures,
                check_ins,
                cast + explained,
                format!("poll_book: {} (row {})", where_(&precinct, None), r.number()),
                |d| {
                    let why = if reason.is_empty() { "no reason given".to_string() } else { format!("reason given: {reason}") };
                    format!(
                        "{check_ins} voters checked in but {cast} ballots cast and {explained} explained: {} unexplained ({why})",
                        sgn(d)
                    )
                },
                details([
                    ("check_ins", check_ins.into()),
                    ("ballots_cast", cast.into()),
                    ("explained", explained.into()),
                    ("reason", reason.clone().into()),
                ]),
            );
            Ok(())
        })?;
        if missing_cast.is_some() {
            return Err(CheckError::MissingColumn {
                path: src.path.clone(),
                column: "ballots_cast (or give --accounting, whose `voted` is used)".into(),
                header: String::new(),
            });
        }
        finding.figure("poll_book", part.json());
        checked.push(PARTS[1]);
    } else {
        not_checked.push(PARTS[1]);
    }

    // 3. Tapes vs statement of votes.
    let vote_fields = |with_tab: bool| -> Vec<Field> {
        let mut f = vec![
            req("precinct"),
            req("contest"),
            req("candidate"),
            req("votes"),
        ];
        if with_tab {
            f.push(opt("tabulator"));
        }
        f
    };
    let read_votes = |src: &Source, with_tab: bool| -> Result<(VoteTable, TabTable), CheckError> {
        let mut table = VoteTable::new();
        let mut tabs = TabTable::new();
        read_csv(&src.path, &src.map, &vote_fields(with_tab), |r| {
            let key = (
                r.text("precinct")?.to_string(),
                r.text("contest")?.to_string(),
                r.text("candidate")?.to_string(),
            );
            let v = r.count("votes")?;
            if let Some(t) = r.get("tabulator") {
                tabs.entry(key.clone()).or_default().insert(t.to_string());
            }
            *table.entry(key).or_default() += v;
            Ok(())
        })?;
        Ok((table, tabs))
    };
    let tapes = inputs
        .tapes
        .as_ref()
        .map(|s| read_votes(s, true))
        .transpose()?;
    let sov = inputs
        .sov
        .as_ref()
        .map(|s| read_votes(s, false))
        .transpose()?;
    if let (Some((tapes, tabs)), Some((sov, _))) = (&tapes, &sov) {
        let mut part = Part::default();
        let keys: BTreeSet<&(String, String, String)> = tapes.keys().chain(sov.keys()).collect();
        for key in keys {
            let t = tapes.get(key).copied().unwrap_or(0);
            let s = sov.get(key).copied().unwrap_or(0);
            let (p, c, k) = key;
            let tabulators: Vec<&String> = tabs
                .get(key)
                .map(|s| s.iter().collect())
                .unwrap_or_default();
            part.compare(
                &mut failures,
                t,
                s,
                format!("tapes_vs_sov: precinct {p}, contest {c}, candidate {k}"),
                |d| format!("tabulator tapes show {t} votes but the statement of votes {s}: difference {}", sgn(d)),
                details([
                    ("tapes", t.into()),
                    ("sov", s.into()),
                    ("tabulators", json!(tabulators)),
                ]),
            );
        }
        finding.figure("tapes_vs_sov", part.json());
        checked.push(PARTS[2]);
    } else {
        not_checked.push(PARTS[2]);
    }

    // 4. Mail envelopes.
    if let Some(src) = &inputs.mail {
        let mut by_reason: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
        if let Some(rj) = &inputs.mail_rejections {
            read_csv(
                &rj.path,
                &rj.map,
                &[req("batch"), req("reason"), req("count")],
                |r| {
                    *by_reason
                        .entry(r.text("batch")?.to_string())
                        .or_default()
                        .entry(r.text("reason")?.to_string())
                        .or_default() += r.count("count")?;
                    Ok(())
                },
            )?;
        }
        let have_reasons = inputs.mail_rejections.is_some();
        let mut part = Part::default();
        let mut seen = BTreeSet::new();
        let fields = [
            req("batch"),
            req("received"),
            req("extracted"),
            opt("rejected"),
        ];
        read_csv(&src.path, &src.map, &fields, |r| {
            let batch = r.text("batch")?.to_string();
            let received = r.count("received")?;
            let extracted = r.count("extracted")?;
            let reasons = by_reason.get(&batch).cloned().unwrap_or_default();
            let by_reasons: u64 = reasons.values().sum();
            let column = if r.has("rejected") {
                Some(r.count_or_zero("rejected")?)
            } else {
                None
            };
            let rejected = match (column, have_reasons) {
                (_, true) => by_reasons,
                (Some(c), false) => c,
                (None, false) => {
                    return Err(r.bad(
                        "rejected",
                        "no `rejected` column and no --mail-rejections file",
                    ));
                }
            };
            seen.insert(batch.clone());
            if let (Some(c), true) = (column, have_reasons) {
                part.compare(
                    &mut failures,
                    c,
                    by_reasons,
                    format!("mail_envelopes: batch {batch} rejected by reason (row {})", r.number()),
                    |d| format!("the mail log says {c} rejected but the rejections by reason add to {by_reasons}: difference {}", sgn(d)),
                    details([("rejected", c.into()), ("by_reason", json!(reasons))]),
                );
            }
            part.compare(
                &mut failures,
                received,
                extracted + rejected,
                format!("mail_envelopes: batch {batch} (row {})", r.number()),
                |d| format!("{received} envelopes received but {extracted} extracted + {rejected} rejected = {}: difference {}", extracted + rejected, sgn(d)),
                details([
                    ("received", received.into()),
                    ("extracted", extracted.into()),
                    ("rejected", rejected.into()),
                    ("by_reason", json!(reasons)),
                ]),
            );
            Ok(())
        })?;
        for (batch, reasons) in &by_reason {
            if !seen.contains(batch) {
                let n: u64 = reasons.values().sum();
                part.compare(
                    &mut failures,
                    0,
                    n,
                    format!("mail_envelopes: batch {batch} (rejections only)"),
                    |d| format!("{n} rejections recorded for a batch the mail log does not have: difference {}", sgn(d)),
                    details([("by_reason", json!(reasons))]),
                );
            }
        }
        let mut totals: BTreeMap<&str, u64> = BTreeMap::new();
        for reasons in by_reason.values() {
            for (reason, n) in reasons {
                *totals.entry(reason).or_default() += n;
            }
        }
        let mut j = part.json();
        if let Some(o) = j.as_object_mut() {
            o.insert("rejected_by_reason".into(), json!(totals));
        }
        finding.figure("mail_envelopes", j);
        checked.push(PARTS[3]);
    } else {
        not_checked.push(PARTS[3]);
    }

    // 5. Manifest = CVRs = counted.
    if inputs.manifest.is_some() || !inputs.cvrs.is_empty() {
        let mut manifest: BTreeMap<String, u64> = BTreeMap::new();
        if let Some(src) = &inputs.manifest {
            let cards = Field {
                name: "cards",
                required: true,
                aliases: &["ballots"],
            };
            read_csv(
                &src.path,
                &src.map,
                &[req("batch"), opt("tabulator"), cards],
                |r| {
                    let name = match r.get("tabulator") {
                        Some(t) => format!("{t}-{}", r.text("batch")?),
                        None => r.text("batch")?.to_string(),
                    };
                    if manifest.insert(name.clone(), r.count("cards")?).is_some() {
                        return Err(r.bad(
                            "batch",
                            format!("batch {name:?} appears twice in the manifest"),
                        ));
                    }
                    Ok(())
                },
            )?;
        }
        let mut cvr_by_batch: BTreeMap<String, u64> = BTreeMap::new();
        let mut cvr_cards = 0u64;
        if !inputs.cvrs.is_empty() {
            let mut election = Election::default();
            read_paths(
                &inputs.cvrs,
                inputs.cvr_format,
                &SourceOptions::default(),
                &mut election,
                &mut |_, card| {
                    cvr_cards += 1;
                    let loc = &card.location;
                    let key = match (&loc.tabulator, &loc.batch) {
                        (Some(t), Some(b)) => {
                            let joined = format!("{t}-{b}");
                            if manifest.contains_key(&joined) || !manifest.contains_key(b) {
                                joined
                            } else {
                                b.clone()
                            }
                        }
                        (None, Some(b)) => b.clone(),
                        (Some(t), None) => format!("{t}-(no batch)"),
                        (None, None) => "(no batch)".to_string(),
                    };
                    *cvr_by_batch.entry(key).or_default() += 1;
                    Ok(())
                },
            )?;
        }
        let mut part = Part::default();
        let have_m = inputs.manifest.is_some();
        let have_c = !inputs.cvrs.is_empty();
        let have_counted = !counted_by_batch.is_empty();
        let keys: BTreeSet<&String> = manifest
            .keys()
            .chain(cvr_by_batch.keys())
            .chain(counted_by_batch.keys())
            .collect();
        for b in keys {
            let m = manifest.get(b).copied().unwrap_or(0);
            let c = cvr_by_batch.get(b).copied().unwrap_or(0);
            let n = counted_by_batch.get(b).copied().unwrap_or(0);
            let all = || {
                details([
                    ("manifest_cards", m.into()),
                    ("cvrs", c.into()),
                    ("counted", n.into()),
                ])
            };
            if have_m && have_c {
                part.compare(
                    &mut failures,
                    m,
                    c,
                    format!("manifest_vs_cvrs: batch {b}"),
                    |d| {
                        format!(
                            "the manifest lists {m} cards but there are {c} CVRs: difference {}",
                            sgn(d)
                        )
                    },
                    all(),
                );
            }
            if have_c && have_counted {
                part.compare(
                    &mut failures,
                    c,
                    n,
                    format!("cvrs_vs_counted: batch {b}"),
                    |d| {
                        format!(
                            "{c} CVRs but {n} ballots counted in the accounting: difference {}",
                            sgn(d)
                        )
                    },
                    all(),
                );
            } else if have_m && have_counted && !have_c {
                part.compare(&mut failures, m, n, format!("manifest_vs_counted: batch {b}"),
                    |d| format!("the manifest lists {m} cards but {n} ballots counted in the accounting: difference {}", sgn(d)), all());
            }
        }
        let mut j = part.json();
        if let Some(o) = j.as_object_mut() {
            if have_m {
                o.insert(
                    "manifest_cards".into(),
                    manifest.values().sum::<u64>().into(),
                );
            }
            if have_c {
                o.insert("cvrs".into(), cvr_cards.into());
            }
            if have_counted {
                o.insert(
                    "counted".into(),
                    counted_by_batch.values().sum::<u64>().into(),
                );
            }
        }
        finding.figure("manifest_cvrs_counted", j);
        if (have_m as u8 + have_c as u8 + have_counted as u8) >= 2 {
            checked.push(PARTS[4]);
        } else {
            not_checked.push(PARTS[4]);
        }
    } else {
        not_checked.push(PARTS[4]);
    }

    // 6. Sum of precincts = each reported total.
    let precincts = sov.as_ref().or(tapes.as_ref()).map(|(t, _)| t);
    match (&inputs.totals, precincts) {
        (Some(src), Some(precincts)) => {
            let basis = if sov.is_some() {
                "statement of votes"
            } else {
                "tabulator tapes"
            };
            let mut sums: BTreeMap<(String, String), u64> = BTreeMap::new();
            for ((_, contest, candidate), v) in precincts {
                *sums
                    .entry((contest.clone(), candidate.clone()))
                    .or_default() += v;
            }
            let mut reported: BTreeMap<String, BTreeMap<(String, String), u64>> = BTreeMap::new();
            read_csv(
                &src.path,
                &src.map,
                &[req("level"), req("contest"), req("candidate"), req("votes")],
                |r| {
                    let slot = reported
                        .entry(r.text("level")?.to_string())
                        .or_default()
                        .entry((
                            r.text("contest")?.to_string(),
                            r.text("candidate")?.to_string(),
                        ))
                        .or_default();
                    *slot += r.count("votes")?;
                    Ok(())
                },
            )?;
            let mut part = Part::default();
            for (level, table) in &reported {
                let contests: BTreeSet<&String> = table.keys().map(|(c, _)| c).collect();
                let keys: BTreeSet<&(String, String)> = table
                    .keys()
                    .chain(sums.keys().filter(|(c, _)| contests.contains(c)))
                    .collect();
                for key in keys {
                    let s = sums.get(key).copied().unwrap_or(0);
                    let t = table.get(key).copied().unwrap_or(0);
                    let (c, k) = key;
                    part.compare(&mut failures, s, t, format!("precincts_vs_totals: level {level}, contest {c}, candidate {k}"),
                        |d| format!("the precincts of the {basis} add to {s} but the {level} total is {t}: difference {}", sgn(d)),
                        details([("precincts", s.into()), ("reported", t.into())]));
                }
            }
            finding.figure("precincts_vs_totals", part.json());
            checked.push(PARTS[5]);
        }
        _ => not_checked.push(PARTS[5]),
    }

    if checked.is_empty() {
        return Err(CheckError::Inconsistent {
            path: PathBuf::from("(command line)"),
            message: "nothing to reconcile: give at least one of --accounting, --poll-book, --tapes with --sov, --mail, --manifest with --cvr, --totals with --sov".into(),
        });
    }
    finding.figure("checked", json!(checked));
    finding.figure("not_checked", json!(not_checked));
    finding.status = if failures.is_empty() {
        Status::NoEvidence
    } else {
        Status::Supported {
            cases: failures.len() as u64,
        }
    };
    finding.failures = failures;
    Ok(finding)
}
