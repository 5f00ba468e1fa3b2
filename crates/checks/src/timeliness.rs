//! "Ballots arrived late": timeliness of mail ballots under the rule in force.
//!
//! A rules table, shipped as data (`data/timeliness-rules.csv`, version
//! [`RULES_VERSION`]) and extendable with the user's own rows, says for each
//! state, election and ballot kind (`mail`, `uocava` for military and overseas
//! voters) the receipt deadline, the postmark deadline with its grace days, the
//! grace for ballots without a postmark, whether ballots timely only by the
//! grace must be kept segregated, the dates the rule was in force and its
//! citation (statute or court order). Court-ordered changes are rows of their
//! own with their dates. The rule applied to a ballot is the one in force on
//! the day it was received (or on `--as-of`): among the rows for its state,
//! election and kind whose effective period holds that day, the one in force
//! from the latest date.
//!
//! Each mail ballot is then counted, rejected, late-counted or late-rejected;
//! late-counted ballots, and ballots timely only by a segregation rule's grace
//! that were not segregated, are the failures.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::json;
use sha2::{Digest, Sha256};

use crate::CheckError;
use crate::date::Moment;
use crate::finding::{Failure, Finding, Input, Rule as FindingRule, Status};
use crate::table::{FieldMap, Row, Source, opt, read_csv, read_csv_text, req};

/// The built-in rules table.
pub const BUILTIN_RULES: &str = include_str!("../data/timeliness-rules.csv");

/// The built-in rules table's version: bump it whenever a row changes.
pub const RULES_VERSION: &str = "timeliness-rules v1 (2020 general: AZ, GA, MI, NV, PA, WI, NC)";

/// The allegation this check answers.
pub const ALLEGATION: &str = "Ballots arrived late (and were counted)";

/// One row of the rules table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeRule {
    /// Unique id (`PA-2020-mail-seg`).
    pub id: String,
    /// Where the row is (`built-in rules row 12` or `file row 3`).
    pub origin: String,
    /// Two-letter state (upper case).
    pub state: String,
    /// Election key (`2020-general`).
    pub election: String,
    /// `mail` or `uocava`.
    pub kind: String,
    /// Ballots received by this moment are timely.
    pub received_by: Moment,
    /// Ballots postmarked by this moment and received by `grace_until` are timely.
    pub postmarked_by: Option<Moment>,
    /// The end of the postmark grace.
    pub grace_until: Option<Moment>,
    /// Ballots with no postmark received by this moment are timely.
    pub no_postmark_until: Option<Moment>,
    /// Whether ballots timely only by a grace must be kept segregated.
    pub segregate_grace: bool,
    /// First day in force.
    pub effective_from: Moment,
    /// Last day in force (open when `None`).
    pub effective_to: Option<Moment>,
    /// Statute or court order.
    pub citation: String,
}

/// The rules in use: the built-in table plus any added, and where they came from.
#[derive(Debug, Clone, Default)]
pub struct RuleTable {
    /// Every row.
    pub rules: Vec<TimeRule>,
    /// The tables read, as finding inputs (role `rules`).
    pub sources: Vec<Input>,
}

/// Normalize a ballot kind: `mail`, `absentee`, `by-mail`, `mail-in` give
/// `mail`; `uocava`, `military`, `overseas` give `uocava`.
pub fn ballot_kind(text: &str) -> Option<&'static str> {
    match text.trim().to_ascii_lowercase().as_str() {
        "" | "mail" | "absentee" | "by-mail" | "by_mail" | "mail-in" | "mail_in" => Some("mail"),
        "uocava" | "military" | "overseas" | "military/overseas" => Some("uocava"),
        _ => None,
    }
}

fn yes_no(r: &Row<'_>, field: &str) -> Result<bool, CheckError> {
    match r.text_or_empty(field).to_ascii_lowercase().as_str() {
        "" | "no" | "n" | "false" | "0" => Ok(false),
        "yes" | "y" | "true" | "1" => Ok(true),
        v => Err(r.bad(field, format!("{v:?} is not yes or no"))),
    }
}

/// Add `days` days to the date of `m`, at `time` (`HH:MM`), or at 23:59 when `time` is empty.
fn grace_end(m: Moment, days: i64, time: Option<&str>) -> Result<Moment, String> {
    let minutes = match time {
        None => 23 * 60 + 59,
        Some(t) => {
            let probe = Moment::parse(&format!("1970-01-01T{t}"))?;
            probe.minutes
        }
    };
    Ok(Moment {
        minutes: (m.day() + days) * 1440 + minutes,
        has_time: true,
    })
}

impl RuleTable {
    /// The built-in table.
    pub fn builtin() -> Result<RuleTable, CheckError> {
        let mut t = RuleTable::default();
        t.add_text(
            Path::new("built-in timeliness-rules.csv"),
            BUILTIN_RULES,
            "built-in rules",
        )?;
        t.sources.push(Input {
            role: "rules".into(),
            path: format!("(built-in) {RULES_VERSION}"),
            sha256: hex::encode(Sha256::digest(BUILTIN_RULES.as_bytes())),
            bytes: BUILTIN_RULES.len() as u64,
        });
        Ok(t)
    }

    /// Add the rows of a rules file (same columns as the built-in table).
    pub fn add_file(&mut self, src: &Source) -> Result<(), CheckError> {
        self.sources.push(Input::from_file("rules", &src.path)?);
        let mut rows = Vec::new();
        read_csv(&src.path, &src.map, &RULE_FIELDS, |r| {
            rows.push(parse_rule(
                r,
                &format!("{} row {}", src.path.display(), r.number()),
            )?);
            Ok(())
        })?;
        self.push_checked(&src.path, rows)
    }

    fn add_text(&mut self, name: &Path, text: &str, label: &str) -> Result<(), CheckError> {
        let mut rows = Vec::new();
        read_csv_text(name, text, &FieldMap::default(), &RULE_FIELDS, |r| {
            rows.push(parse_rule(r, &format!("{label} row {}", r.number()))?);
            Ok(())
        })?;
        self.push_checked(name, rows)
    }

    /// Add rows, refusing a table that contradicts itself: a rule id used
    /// twice, an effective period that ends before it starts, a grace that
    /// ends before the receipt deadline, or two rules for the same state,
    /// election and kind in force from the same day.
    fn push_checked(&mut self, path: &Path, rows: Vec<TimeRule>) -> Result<(), CheckError> {
        let bad = |message: String| CheckError::Inconsistent {
            path: path.to_path_buf(),
            message,
        };
        for r in &rows {
            if let Some(to) = r.effective_to
                && to < r.effective_from
            {
                return Err(bad(format!(
                    "{}: rule {} is in force to {to}, before it starts ({})",
                    r.origin, r.id, r.effective_from
                )));
            }
            for end in [r.grace_until, r.no_postmark_until].into_iter().flatten() {
                if end.minutes < r.received_by.minutes {
                    return Err(bad(format!(
                        "{}: rule {} has a grace ending {end}, before its receipt deadline {}",
                        r.origin, r.id, r.received_by
                    )));
                }
            }
            if r.grace_until.is_some() != r.postmarked_by.is_some() {
                return Err(bad(format!(
                    "{}: rule {} needs both postmarked_by and grace_days, or neither",
                    r.origin, r.id
                )));
            }
            for other in self.rules.iter().chain(rows.iter()) {
                if std::ptr::eq(other, r) {
                    continue;
                }
                if other.id == r.id {
                    return Err(bad(format!(
                        "{}: rule id {} is also used at {}",
                        r.origin, r.id, other.origin
                    )));
                }
                if other.state == r.state
                    && other.election == r.election
                    && other.kind == r.kind
                    && other.effective_from == r.effective_from
                {
                    return Err(bad(format!(
                        "{}: rules {} and {} ({}) are both in force from {} for {} {} {} ballots: say which applies with different effective dates",
                        r.origin,
                        r.id,
                        other.id,
                        other.origin,
                        r.effective_from,
                        r.state,
                        r.election,
                        r.kind
                    )));
                }
            }
        }
        self.rules.extend(rows);
        Ok(())
    }

    /// The rule in force on `day` for a state, election and kind.
    pub fn in_force(
        &self,
        state: &str,
        election: &str,
        kind: &str,
        day: Moment,
    ) -> Option<&TimeRule> {
        self.rules
            .iter()
            .filter(|r| r.state == state && r.election == election && r.kind == kind)
            .filter(|r| {
                r.effective_from.day() <= day.day()
                    && r.effective_to.is_none_or(|to| day.day() <= to.day())
            })
            .max_by_key(|r| r.effective_from)
    }
}

const RULE_FIELDS: [crate::table::Field; 13] = [
    req("rule_id"),
    req("state"),
    req("election"),
    req("ballot_kind"),
    req("received_by"),
    opt("postmarked_by"),
    opt("grace_days"),
    opt("grace_time"),
    opt("no_postmark_grace_days"),
    opt("segregate_grace"),
    req("effective_from"),
    opt("effective_to"),
    req("citation"),
];

fn parse_rule(r: &Row<'_>, origin: &str) -> Result<TimeRule, CheckError> {
    let need =
        |f: &str| -> Result<Moment, CheckError> { r.moment(f)?.ok_or_else(|| r.bad(f, "empty")) };
    let received_by = need("received_by")?;
    let grace_time = r.get("grace_time");
    let days = |f: &str| -> Result<Option<i64>, CheckError> {
        match r.get(f) {
            None => Ok(None),
            Some(_) => Ok(Some(
                i64::try_from(r.count(f)?).map_err(|_| r.bad(f, "too large"))?,
            )),
        }
    };
    let grace_until = days("grace_days")?
        .map(|d| grace_end(received_by, d, grace_time))
        .transpose()
        .map_err(|m| r.bad("grace_time", m))?;
    let no_postmark_until = days("no_postmark_grace_days")?
        .map(|d| grace_end(received_by, d, grace_time))
        .transpose()
        .map_err(|m| r.bad("grace_time", m))?;
    let kind_text = r.text("ballot_kind")?;
    let kind = ballot_kind(kind_text).ok_or_else(|| {
        r.bad(
            "ballot_kind",
            format!("{kind_text:?} is not mail or uocava"),
        )
    })?;
    Ok(TimeRule {
        id: r.text("rule_id")?.to_string(),
        origin: origin.to_string(),
        state: r.text("state")?.to_ascii_uppercase(),
        election: r.text("election")?.to_string(),
        kind: kind.to_string(),
        received_by,
        postmarked_by: r.moment("postmarked_by")?,
        grace_until,
        no_postmark_until,
        segregate_grace: yes_no(r, "segregate_grace")?,
        effective_from: need("effective_from")?,
        effective_to: r.moment("effective_to")?,
        citation: r.text("citation")?.to_string(),
    })
}

/// Whether a ballot met its rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timeliness {
    /// Received by the receipt deadline.
    OnTime,
    /// Received in the grace, postmarked (or with no postmark) in time.
    Grace,
    /// Late.
    Late,
}

impl TimeRule {
    /// Judge a ballot received at `received`, postmarked at `postmarked`.
    pub fn judge(&self, received: Moment, postmarked: Option<Moment>) -> Timeliness {
        if received.no_later_than(self.received_by) {
            return Timeliness::OnTime;
        }
        match (
            postmarked,
            self.postmarked_by,
            self.grace_until,
            self.no_postmark_until,
        ) {
            (Some(p), Some(by), Some(until), _)
                if p.no_later_than(by) && received.no_later_than(until) =>
            {
                Timeliness::Grace
            }
            (None, _, _, Some(until)) if received.no_later_than(until) => Timeliness::Grace,
            _ => Timeliness::Late,
        }
    }

    /// The rule in words for a failure's reason.
    pub fn describe(&self) -> String {
        let mut s = format!("rule {}: received by {}", self.id, self.received_by);
        if let (Some(p), Some(g)) = (self.postmarked_by, self.grace_until) {
            s.push_str(&format!(", or postmarked by {p} and received by {g}"));
        }
        if let Some(n) = self.no_postmark_until {
            s.push_str(&format!(", or with no postmark received by {n}"));
        }
        s
    }
}

/// What a timeliness check reads.
#[derive(Debug, Clone)]
pub struct TimelinessInputs {
    /// The mail ballot log.
    pub ballots: Source,
    /// Rules files added to (or, with `builtin = false`, replacing) the built-in table.
    pub rules: Vec<Source>,
    /// Whether the built-in table is used.
    pub builtin: bool,
    /// The state when the log has no `state` column.
    pub state: Option<String>,
    /// The election when the log has no `election` column.
    pub election: Option<String>,
    /// Apply the rules in force on this day instead of on each ballot's receipt day.
    pub as_of: Option<Moment>,
}

/// Run the timeliness check.
pub fn timeliness(inputs: &TimelinessInputs, reproduce: String) -> Result<Finding, CheckError> {
    let mut table = if inputs.builtin {
        RuleTable::builtin()?
    } else {
        RuleTable::default()
    };
    for src in &inputs.rules {
        table.add_file(src)?;
    }
    let mut finding = Finding::new(
        "timeliness",
        ALLEGATION,
        FindingRule {
            text: "Each mail ballot is judged by the rule in force (rules table: receipt deadline, postmark deadline \
                   with grace days, no-postmark grace, segregation, effective dates) on the day it was received: \
                   counted, rejected, late-counted or late-rejected. A late ballot that was counted, or a ballot \
                   timely only by a grace that had to be segregated and was not, fails the rule."
                .into(),
            citation: format!("{RULES_VERSION}; each rule's own citation is in the figure `rules_applied`"),
        },
        reproduce,
    );
    finding.inputs.extend(table.sources.iter().cloned());
    finding
        .inputs
        .push(Input::from_file("ballots", &inputs.ballots.path)?);

    let fields = [
        req("ballot_id"),
        opt("state"),
        opt("election"),
        opt("kind"),
        req("received"),
        opt("postmarked"),
        req("status"),
        opt("reason"),
        opt("segregated"),
    ];
    let mut counts: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut applied: BTreeMap<String, (u64, String)> = BTreeMap::new();
    let mut no_rule: BTreeMap<String, u64> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut timely_rejected_as_late = Vec::new();
    let path: PathBuf = inputs.ballots.path.clone();
    read_csv(&path, &inputs.ballots.map, &fields, |r| {
        let id = r.text("ballot_id")?.to_string();
        let state = match (r.get("state"), &inputs.state) {
            (Some(s), _) => s.to_ascii_uppercase(),
            (None, Some(s)) => s.to_ascii_uppercase(),
            (None, None) => return Err(r.bad("state", "empty, and no --state given")),
        };
        let election = match (r.get("election"), &inputs.election) {
            (Some(e), _) => e.to_string(),
            (None, Some(e)) => e.clone(),
            (None, None) => return Err(r.bad("election", "empty, and no --election given")),
        };
        let kind_text = r.text_or_empty("kind");
        let kind = ballot_kind(kind_text)
            .ok_or_else(|| r.bad("kind", format!("{kind_text:?} is not mail or uocava")))?;
        let status = r.text("status")?.to_ascii_lowercase();
        let counted = match status.as_str() {
            "counted" | "accepted" | "yes" | "true" => true,
            "rejected" | "not counted" | "no" | "false" => false,
            v => return Err(r.bad("status", format!("{v:?} is not counted or rejected"))),
        };
        let postmarked = r.moment("postmarked")?;
        *counts.entry("ballots").or_default() += 1;
        let Some(received) = r.moment("received")? else {
            *counts.entry("undetermined_no_receipt_date").or_default() += 1;
            return Ok(());
        };
        let day = inputs.as_of.unwrap_or(received);
        let Some(rule) = table.in_force(&state, &election, kind, day) else {
            *no_rule
                .entry(format!("{state} {election} {kind}"))
                .or_default() += 1;
            *counts.entry("undetermined_no_rule").or_default() += 1;
            return Ok(());
        };
        let slot = applied
            .entry(rule.id.clone())
            .or_insert((0, rule.citation.clone()));
        slot.0 += 1;
        let verdict = rule.judge(received, postmarked);
        let reason = r.text_or_empty("reason").to_string();
        let locator = format!("ballot {id} (row {})", r.number());
        let mut details = BTreeMap::new();
        details.insert("rule".to_string(), json!(rule.id));
        details.insert("received".to_string(), json!(received.to_string()));
        details.insert(
            "postmarked".to_string(),
            json!(postmarked.map(|p| p.to_string())),
        );
        match (verdict, counted) {
            (Timeliness::Late, true) => {
                *counts.entry("late_counted").or_default() += 1;
                failures.push(Failure {
                    locator,
                    reason: format!(
                        "received {received}{}, late under {}, and counted",
                        postmarked
                            .map(|p| format!(" (postmarked {p})"))
                            .unwrap_or_default(),
                        rule.describe()
                    ),
                    details,
                });
            }
            (Timeliness::Late, false) => *counts.entry("late_rejected").or_default() += 1,
            (t, true) => {
                *counts.entry("counted").or_default() += 1;
                if t == Timeliness::Grace {
                    *counts.entry("counted_in_grace").or_default() += 1;
                    if rule.segregate_grace {
                        match r.get("segregated").map(|s| s.to_ascii_lowercase()) {
                            Some(s) if matches!(s.as_str(), "yes" | "y" | "true" | "1") => {
                                *counts.entry("counted_in_grace_segregated").or_default() += 1;
                            }
                            Some(_) => failures.push(Failure {
                                locator,
                                reason: format!(
                                    "received {received}, timely only by the grace of {}, which orders such ballots segregated; the log says it was not",
                                    rule.id
                                ),
                                details,
                            }),
                            None => *counts.entry("counted_in_grace_segregation_unknown").or_default() += 1,
                        }
                    }
                }
            }
            (_, false) => {
                *counts.entry("rejected").or_default() += 1;
                if reason.to_ascii_lowercase().contains("late") {
                    timely_rejected_as_late.push(locator);
                }
            }
        }
        Ok(())
    })?;
    for k in [
        "ballots",
        "counted",
        "rejected",
        "late_counted",
        "late_rejected",
        "counted_in_grace",
    ] {
        counts.entry(k).or_default();
    }
    for (k, v) in &counts {
        finding.figure(k, *v);
    }
    finding.figure(
        "rules_applied",
        json!(
            applied
                .iter()
                .map(|(id, (n, c))| (id.clone(), json!({"ballots": n, "citation": c})))
                .collect::<BTreeMap<_, _>>()
        ),
    );
    finding.figure("rules_version", RULES_VERSION);
    finding.figure(
        "rejected_as_late_but_timely",
        json!(timely_rejected_as_late),
    );
    if !no_rule.is_empty() {
        finding.figure("no_rule_for", json!(no_rule));
    }
    let undetermined = counts
        .get("undetermined_no_receipt_date")
        .copied()
        .unwrap_or(0)
        + counts.get("undetermined_no_rule").copied().unwrap_or(0);
    finding.status = if !failures.is_empty() {
        Status::Supported {
            cases: failures.len() as u64,
        }
    } else if undetermined > 0 {
        let mut missing = Vec::new();
        if let Some(n) = counts.get("undetermined_no_receipt_date") {
            missing.push(format!("{n} ballots have no receipt date"));
        }
        for (k, n) in &no_rule {
            missing.push(format!("{n} ballots ({k}) have no rule in the table"));
        }
        Status::Inconclusive {
            missing: missing.join("; "),
        }
    } else {
        Status::NoEvidence
    };
    finding.failures = failures;
    Ok(finding)
}
