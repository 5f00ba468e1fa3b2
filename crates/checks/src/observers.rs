//! "Poll watchers were not allowed in": observer access.
//!
//! The observer log (who was admitted, left, was denied or ejected, where and
//! when, for which party) is replayed per location against the access rules
//! (how many observers each party is entitled to at each location, and the
//! room's capacity) and the schedule of counting. A denial or ejection must
//! give a reason code and the rule it relies on; a capacity reason must be
//! borne out by the log (the room full when the party was turned away). The
//! finding lists every denial that fails this, with the time the party then
//! had no observer while counting was under way; every period a party that
//! asked to watch had no one in the room; every period an entitled party had
//! no one while others did; and every period of counting with no one signed
//! in at all (a gap in the records, which makes the finding inconclusive
//! rather than clean). Observer rights: e.g. 25 P.S. § 2650 and
//! In re Canvassing Observation, 241 A.3d 339 (Pa. 2020); O.C.G.A. § 21-2-408;
//! MCL 168.730–168.734.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use crate::CheckError;
use crate::date::Moment;
use crate::finding::{Failure, Finding, Input, Rule, Status};
use crate::table::{Source, opt, read_csv, req};

/// The allegation this check answers.
pub const ALLEGATION: &str = "Poll watchers were not allowed in";

/// What the check reads.
#[derive(Debug, Clone)]
pub struct ObserverInputs {
    /// The observer event log.
    pub log: Source,
    /// Access rules: location, affiliation, entitled, capacity.
    pub access: Source,
    /// The counting schedule: location, start, end, activity.
    pub schedule: Source,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Admit,
    Exit,
    Deny,
    Eject,
}

#[derive(Debug, Clone)]
struct Event {
    time: Moment,
    row: u64,
    action: Action,
    affiliation: String,
    credential: String,
    reason: String,
    rule: String,
}

/// Run the check.
pub fn observers(inputs: &ObserverInputs, reproduce: String) -> Result<Finding, CheckError> {
    let mut finding = Finding::new(
        "observers",
        ALLEGATION,
        Rule {
            text: "While counting is under way, each party may have its entitled observers present; a denial or \
                   ejection must give a reason code and a rule reference, and a capacity reason must match a full room. \
                   Every denial failing this is a failure, with the time the party then had no observer."
                .into(),
            citation: "25 P.S. § 2650 and In re Canvassing Observation, 241 A.3d 339 (Pa. 2020); O.C.G.A. § 21-2-408; \
                       MCL 168.730–168.734 (observer and challenger rights); the access rules file given"
                .into(),
        },
        reproduce,
    );
    finding
        .inputs
        .push(Input::from_file("log", &inputs.log.path)?);
    finding
        .inputs
        .push(Input::from_file("access", &inputs.access.path)?);
    finding
        .inputs
        .push(Input::from_file("schedule", &inputs.schedule.path)?);

    // Access rules.
    let mut entitled: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut capacity: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let acc = &inputs.access;
    read_csv(
        &acc.path,
        &acc.map,
        &[
            req("location"),
            req("affiliation"),
            req("entitled"),
            opt("capacity"),
        ],
        |r| {
            let loc = r.text("location")?.to_string();
            let aff = r.text("affiliation")?.to_string();
            if entitled
                .insert((loc.clone(), aff.clone()), r.count("entitled")?)
                .is_some()
            {
                return Err(r.bad("affiliation", format!("{aff:?} at {loc:?} appears twice")));
            }
            if r.get("capacity").is_some() {
                let c = r.count("capacity")?;
                if let Some((prev, row)) = capacity.get(&loc)
                    && *prev != c
                {
                    return Err(r.bad(
                        "capacity",
                        format!("{c} contradicts capacity {prev} given for {loc:?} at row {row}"),
                    ));
                }
                capacity.insert(loc, (c, r.number()));
            }
            Ok(())
        },
    )?;

    // Schedule.
    let mut schedule: BTreeMap<String, Vec<(Moment, Moment, String)>> = BTreeMap::new();
    let sch = &inputs.schedule;
    read_csv(
        &sch.path,
        &sch.map,
        &[req("location"), req("start"), req("end"), opt("activity")],
        |r| {
            let need = |f: &str| -> Result<Moment, CheckError> {
                let m = r.moment(f)?.ok_or_else(|| r.bad(f, "empty"))?;
                if m.has_time {
                    Ok(m)
                } else {
                    Err(r.bad(f, "needs a time of day"))
                }
            };
            let (start, end) = (need("start")?, need("end")?);
            if end <= start {
                return Err(r.bad("end", format!("{end} is not after the start {start}")));
            }
            schedule
                .entry(r.text("location")?.to_string())
                .or_default()
                .push((start, end, r.text_or_empty("activity").to_string()));
            Ok(())
        },
    )?;

    // Log.
    let mut events: BTreeMap<String, Vec<Event>> = BTreeMap::new();
    let log = &inputs.log;
    let fields = [
        req("location"),
        req("time"),
        req("action"),
        req("affiliation"),
        opt("credential"),
        opt("reason"),
        opt("official"),
        opt("rule"),
    ];
    read_csv(&log.path, &log.map, &fields, |r| {
        let time = r.moment("time")?.ok_or_else(|| r.bad("time", "empty"))?;
        if !time.has_time {
            return Err(r.bad("time", "needs a time of day"));
        }
        let action = match r.text("action")?.to_ascii_lowercase().as_str() {
            "admit" | "in" | "check-in" | "checkin" => Action::Admit,
            "exit" | "out" | "check-out" | "checkout" => Action::Exit,
            "deny" | "denied" | "refuse" => Action::Deny,
            "eject" | "ejected" | "remove" => Action::Eject,
            v => return Err(r.bad("action", format!("{v:?} is not admit, exit, deny or eject"))),
        };
        let affiliation = r.text("affiliation")?.to_string();
        let credential = r
            .get("credential")
            .map(str::to_string)
            .unwrap_or_else(|| format!("(row {})", r.number()));
        events
            .entry(r.text("location")?.to_string())
            .or_default()
            .push(Event {
                time,
                row: r.number(),
                action,
                affiliation,
                credential,
                reason: r.text_or_empty("reason").to_string(),
                rule: r.text_or_empty("rule").to_string(),
            });
        Ok(())
    })?;

    let mut failures = Vec::new();
    let mut unequal = Vec::new();
    let mut excluded_periods = Vec::new();
    let mut gaps = Vec::new();
    let mut gap_minutes = 0i64;
    let mut unmatched_exits = 0u64;
    let mut denials = 0u64;
    let locations: BTreeSet<&String> = events.keys().chain(schedule.keys()).collect();
    for loc in locations {
        let mut evs = events.get(loc).cloned().unwrap_or_default();
        evs.sort_by_key(|e| (e.time, e.row));
        let periods = schedule.get(loc).cloned().unwrap_or_default();
        let counting = |t: Moment| periods.iter().any(|(s, e, _)| *s <= t && t < *e);
        let parties: BTreeSet<String> = evs
            .iter()
            .map(|e| e.affiliation.clone())
            .chain(
                entitled
                    .iter()
                    .filter(|((l, _), n)| l == loc && **n > 0)
                    .map(|((_, a), _)| a.clone()),
            )
            .collect();
        // Replay: presence after each event; requests refused and pending.
        let mut present: BTreeMap<String, String> = BTreeMap::new(); // credential -> affiliation
        let count = |present: &BTreeMap<String, String>, aff: &str| {
            present.values().filter(|a| a.as_str() == aff).count() as u64
        };
        // Breakpoints: every event time and period bound.
        let mut points: BTreeSet<Moment> = evs.iter().map(|e| e.time).collect();
        for (s, e, _) in &periods {
            points.insert(*s);
            points.insert(*e);
        }
        let points: Vec<Moment> = points.into_iter().collect();
        let mut refused: BTreeMap<String, (Moment, u64)> = BTreeMap::new(); // affiliation -> (since, deny row)
        let mut deny_rows: BTreeMap<u64, usize> = BTreeMap::new(); // deny row -> failure index
        let mut exclusion_minutes: BTreeMap<u64, i64> = BTreeMap::new();
        let mut i = 0usize;
        for (pi, &t) in points.iter().enumerate() {
            while let Some(e) = evs.get(i).filter(|e| e.time == t) {
                match e.action {
                    Action::Admit => {
                        present.insert(e.credential.clone(), e.affiliation.clone());
                        refused.remove(&e.affiliation);
                    }
                    Action::Exit => {
                        if present.remove(&e.credential).is_none() {
                            unmatched_exits += 1;
                        }
                    }
                    Action::Deny | Action::Eject => {
                        denials += 1;
                        if e.action == Action::Eject {
                            present.remove(&e.credential);
                        }
                        let total = present.len() as u64;
                        let have = count(&present, &e.affiliation);
                        let ent = entitled
                            .get(&(loc.clone(), e.affiliation.clone()))
                            .copied()
                            .unwrap_or(0);
                        let cap = capacity.get(loc).map(|c| c.0);
                        let problem = if e.reason.is_empty() || e.rule.is_empty() {
                            Some("gives no reason code or no rule reference".to_string())
                        } else if e.reason.to_ascii_lowercase().contains("capacity")
                            && cap.is_some_and(|c| total < c)
                        {
                            Some(format!(
                                "cites capacity but {total} observers were present of a capacity of {}",
                                cap.unwrap_or(0)
                            ))
                        } else if e.reason.to_ascii_lowercase().contains("entitle") && have < ent {
                            Some(format!(
                                "cites the entitlement but the party had {have} of its {ent} observers present"
                            ))
                        } else {
                            None
                        };
                        if have == 0 {
                            refused.entry(e.affiliation.clone()).or_insert((t, e.row));
                        }
                        if let Some(problem) = problem {
                            deny_rows.insert(e.row, failures.len());
                            failures.push(Failure {
                                locator: format!(
                                    "location {loc}, row {}: {} of {} at {t}",
                                    e.row,
                                    if e.action == Action::Deny {
                                        "denial"
                                    } else {
                                        "ejection"
                                    },
                                    e.affiliation
                                ),
                                reason: format!(
                                    "the {} {problem}",
                                    if e.action == Action::Deny {
                                        "denial"
                                    } else {
                                        "ejection"
                                    }
                                ),
                                details: [
                                    ("reason_code".to_string(), json!(e.reason)),
                                    ("rule".to_string(), json!(e.rule)),
                                    ("present_total".to_string(), json!(total)),
                                    ("present_party".to_string(), json!(have)),
                                    ("entitled".to_string(), json!(ent)),
                                ]
                                .into_iter()
                                .collect(),
                            });
                        }
                    }
                }
                i += 1;
            }
            // The segment [t, next) with the state after every event at t.
            let Some(&next) = points.get(pi + 1) else {
                break;
            };
            if !counting(t) {
                continue;
            }
            let minutes = next.minutes - t.minutes;
            if present.is_empty() {
                gaps.push(json!({"location": loc, "from": t.to_string(), "to": next.to_string()}));
                gap_minutes += minutes;
            }
            for (aff, (since, row)) in &refused {
                if count(&present, aff) == 0 {
                    *exclusion_minutes.entry(*row).or_default() += minutes;
                    excluded_periods.push(json!({"location": loc, "affiliation": aff, "from": t.to_string(), "to": next.to_string(), "refused_at": since.to_string(), "refusal_row": row}));
                }
            }
            for aff in &parties {
                let ent = entitled
                    .get(&(loc.clone(), aff.clone()))
                    .copied()
                    .unwrap_or(0);
                if ent > 0 && count(&present, aff) == 0 && !present.is_empty() {
                    unequal.push(json!({"location": loc, "affiliation": aff, "from": t.to_string(), "to": next.to_string(), "others_present": present.len()}));
                }
            }
        }
        for (row, idx) in deny_rows {
            if let Some(f) = failures.get_mut(idx) {
                let m = exclusion_minutes.get(&row).copied().unwrap_or(0);
                f.details
                    .insert("minutes_without_observer_while_counting".into(), json!(m));
                if m > 0 {
                    f.reason.push_str(&format!(
                        "; the party then had no observer for {m} minutes of counting"
                    ));
                }
            }
        }
    }
    // Merge adjacent segments of the same kind for readability.
    let merge = |v: Vec<serde_json::Value>, key: &[&str]| -> Vec<serde_json::Value> {
        let mut out: Vec<serde_json::Value> = Vec::new();
        for x in v {
            if let Some(last) = out.last_mut()
                && key.iter().all(|k| last.get(*k) == x.get(*k))
                && last.get("to") == x.get("from")
                && let Some(o) = last.as_object_mut()
            {
                o.insert("to".into(), x.get("to").cloned().unwrap_or_default());
                continue;
            }
            out.push(x);
        }
        out
    };
    let gaps = merge(gaps, &["location"]);
    finding.figure("denials_and_ejections", denials);
    finding.figure(
        "parties_without_observer_after_refusal",
        json!(merge(
            excluded_periods,
            &["location", "affiliation", "refusal_row"]
        )),
    );
    finding.figure(
        "entitled_party_absent_while_others_present",
        json!(merge(unequal, &["location", "affiliation"])),
    );
    finding.figure("coverage_gaps_while_counting", json!(gaps));
    finding.figure("coverage_gap_minutes", gap_minutes);
    finding.figure("unmatched_exits", unmatched_exits);
    finding.status = if !failures.is_empty() {
        Status::Supported {
            cases: failures.len() as u64,
        }
    } else if !gaps.is_empty() {
        Status::Inconclusive {
            missing: format!(
                "sign-in records for {} periods ({gap_minutes} minutes) of counting with no observer signed in",
                gaps.len()
            ),
        }
    } else {
        Status::NoEvidence
    };
    finding.failures = failures;
    Ok(finding)
}
