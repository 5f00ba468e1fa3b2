//! RCTab's `generateCdfJson` output: the cast vote records of a tabulation
//! as a NIST SP 1500-103 (CDF) `CastVoteRecordReport` JSON document, with
//! each ballot's `original` snapshot and one `interpreted` snapshot per
//! round whose `IsAllocable` marks the selections the ballot counted for in
//! that round: its whole vote (`NumberVotes` 1), or after multi-seat surplus
//! transfers the fraction each winner kept and the rest at its current
//! choice (`NumberVotes` 0, `FractionalVotes` `.9063`).
//!
//! Orders follow RCTab's Java collections: the marks at one rank by the
//! name on the ballot (`String.compareTo`), precinct units (`gpu-N`) in the
//! iteration order of a `java.util.HashMap` filled in card order
//! ([`java_hash_map_order`]); a source with an `overvoteLabel` adds the
//! `overvote` candidate after the sorted ones.
//!
//! The layout and id scheme (`c-<name>`, `cs-<name>`, `gpu-election`,
//! `ballot-<id>-round-<n>`, `BallotPrePrintedId` = `<file>_<id>_` for CDF
//! sources, `<file>-<record>` otherwise) follow the files RCTab writes, as
//! found in its regression suite's `*_expected_cdf_cvr.json`.

use super::run::{LoadedCard, candidates, load_ballots_with};
use super::{Config, RctabError};
use crate::java_random::{java_hash_map_order, java_string_cmp};
use crate::ranked::{
    Allocation, Decimal, RankedCandidateKind, RoundAllocations, UNDECLARED_WRITE_INS,
    tabulate_traced,
};
use canvass_model::Choice;
use serde_json::{Value, json};
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::path::Path;

/// One counted card, reduced to what the CDF output shows.
struct CdfBallot {
    id: String,
    precinct: Option<String>,
    /// `(rank, selection name, candidate index when the name is known)`.
    marks: Vec<(u32, String, Option<usize>)>,
    group: usize,
}

/// RCTab's id form of a name: lower case, spaces as underscores.
fn id_of(name: &str) -> String {
    name.to_lowercase().replace(' ', "_")
}

fn file_name(path: &str) -> String {
    Path::new(path)
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.to_owned())
}

fn ballot_id(loaded: &LoadedCard<'_>) -> String {
    let file = file_name(&loaded.card.source.file);
    let provider = loaded
        .source
        .provider
        .as_deref()
        .unwrap_or("")
        .to_lowercase();
    if provider == "cdf" {
        let pre = loaded.card.location.imprinted_id.as_deref().unwrap_or("");
        format!("{file}_{pre}_")
    } else if provider == "dominion" {
        loaded.card.id.as_str().to_owned()
    } else {
        // The record number counts the header row.
        format!("{file}-{}", loaded.card.source.record.saturating_sub(1))
    }
}

/// Load and count the configuration at `path`, and build its CDF JSON.
pub fn cdf_json_for_config(path: &Path) -> Result<Value, RctabError> {
    let config = Config::load(path)?;
    config.validate()?;
    cdf_json(&config)
}

/// Load and count `config`, and build its CDF JSON document.
pub fn cdf_json(config: &Config) -> Result<Value, RctabError> {
    build(config, true)
}

/// RCTab's CVR conversion (no tabulation): the CDF JSON of the
/// configuration at `path` with each ballot's `original` snapshot only.
pub fn cdf_conversion_json_for_config(path: &Path) -> Result<Value, RctabError> {
    let config = Config::load(path)?;
    config.validate()?;
    build(&config, false)
}

fn build(config: &Config, tabulated: bool) -> Result<Value, RctabError> {
    let (list, names) = candidates(config);
    let mut cards: Vec<CdfBallot> = Vec::new();
    let by_precinct = config
        .output_settings
        .tabulate_by_precinct
        .as_deref()
        .is_some_and(|s| s.trim() == "true");
    let ballots = load_ballots_with(config, &mut |loaded: LoadedCard<'_>| {
        let contest = loaded.election.get_contest(loaded.votes.contest);
        let uwi_label = loaded.source.undeclared_write_in_label.as_deref();
        let is_dominion = loaded
            .source
            .provider
            .as_deref()
            .is_some_and(|p| p.eq_ignore_ascii_case("dominion"));
        let marks: Vec<(u32, String, Option<usize>)> = loaded
            .votes
            .marks
            .iter()
            .filter_map(|m| match m.choice {
                Choice::Overvote => None,
                Choice::Candidate(id) => {
                    let cand = contest.and_then(|c| c.candidate(id))?;
                    let is_uwi = cand.kind == canvass_model::CandidateKind::UndeclaredWriteIn
                        || uwi_label.is_some_and(|l| l == cand.name || l == cand.external_id);
                    let index = names
                        .get(&cand.name)
                        .or_else(|| names.get(&cand.external_id))
                        .or_else(|| cand.aliases.iter().find_map(|a| names.get(a)))
                        .copied();
                    let (shown, index) = if is_uwi && index.is_none() {
                        (
                            UNDECLARED_WRITE_INS.to_owned(),
                            names.get(UNDECLARED_WRITE_INS).copied(),
                        )
                    } else if is_dominion {
                        // Dominion ballots name choices by their manifest id.
                        (cand.external_id.clone(), index)
                    } else {
                        (cand.name.clone(), index)
                    };
                    // RCTab marks a selection allocable only when the name
                    // on the ballot is the candidate's own name (a ballot
                    // naming an alias never shows `yes`; suite case
                    // aliases_cdf_json).
                    let index = index.filter(|&i| list.get(i).is_some_and(|c| c.name == shown));
                    Some((m.rank, shown, index))
                }
            })
            .collect();
        let marks = rank_order(marks);
        let precinct = if by_precinct {
            loaded.card.precinct.clone()
        } else {
            None
        };
        cards.push(CdfBallot {
            id: ballot_id(&loaded),
            precinct,
            marks,
            group: loaded.group,
        });
    })?;
    let rules = config.rules().map_err(|problems| RctabError::Invalid {
        path: config.path.clone(),
        problems,
    })?;
    let trace = if tabulated {
        tabulate_traced(&ballots, &rules)?.1
    } else {
        RoundAllocations::new()
    };
    let settings = &config.output_settings;
    let mut candidate_list: Vec<(String, String)> = ballots
        .candidates
        .iter()
        .filter(|c| c.kind == RankedCandidateKind::Declared || !c.name.is_empty())
        .map(|c| (id_of(&c.name), c.name.clone()))
        .collect();
    candidate_list.sort();
    candidate_list.dedup();
    // A source with an overvote label adds RCTab's explicit overvote
    // "candidate" after the others.
    if config.cvr_file_sources.iter().any(|s| {
        s.overvote_label
            .as_deref()
            .is_some_and(|l| !l.trim().is_empty())
    }) {
        candidate_list.push(("overvote".into(), "overvote".into()));
    }
    let mut gp_units = vec![json!({
        "@id": "gpu-election",
        "@type": "GpUnit",
        "Name": settings.contest_jurisdiction.clone().unwrap_or_default(),
        "OtherType": "Election Scope Jurisdiction",
        "Type": "other",
    })];
    // Precinct units are numbered in the iteration order of RCTab's
    // HashMap of precincts, filled in card order.
    let mut seen: Vec<String> = Vec::new();
    let mut known: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for p in cards.iter().filter_map(|c| c.precinct.as_deref()) {
        if known.insert(p) {
            seen.push(p.to_owned());
        }
    }
    let precinct_order = java_hash_map_order(&seen);
    let precinct_ids: BTreeMap<String, usize> = precinct_order
        .iter()
        .enumerate()
        .map(|(i, p)| (p.clone(), i + 1))
        .collect();
    for (n, p) in precinct_order.iter().enumerate() {
        let n = n + 1;
        gp_units.push(json!({
            "@id": format!("gpu-{n}"),
            "@type": "GpUnit",
            "Name": p,
            "Type": "precinct",
        }));
    }
    let cvrs: Vec<Value> = cards
        .iter()
        .map(|b| {
            let unit = b
                .precinct
                .as_ref()
                .and_then(|p| precinct_ids.get(p))
                .copied();
            cvr_json(b, unit, &trace)
        })
        .collect();
    Ok(json!({
        "@type": "CVR.CastVoteRecordReport",
        "CVR": cvrs,
        "Election": [{
            "@id": "election-001",
            "@type": "Election",
            "Candidate": candidate_list
                .iter()
                .map(|(id, name)| json!({"@id": format!("c-{id}"), "Name": name}))
                .collect::<Vec<_>>(),
            "Contest": [{
                "@id": "contest-001",
                "@type": "CandidateContest",
                "ContestSelection": candidate_list
                    .iter()
                    .map(|(id, _)| json!({
                        "@id": format!("cs-{id}"),
                        "@type": "ContestSelection",
                        "CandidateIds": [format!("c-{id}")],
                    }))
                    .collect::<Vec<_>>(),
                "Name": settings.contest_name.clone().unwrap_or_default(),
            }],
            "ElectionScopeId": "gpu-election",
        }],
        "GpUnit": gp_units,
        "ReportGeneratingDeviceIds": ["rd-001"],
        "ReportingDevice": [{
            "@id": "rd-001",
            "@type": "CVR.ReportingDevice",
            "Application": "RCTab",
            "Manufacturer": "Bright Spots",
        }],
        "Version": "1.0.0",
    }))
}

/// The marks sorted by rank, and those at one rank by the name on the
/// ballot as Java's `String.compareTo` orders them (RCTab keeps them in a
/// sorted set: for Dominion, whose ballots name manifest ids, `11` comes
/// before `7`, and `Undeclared Write-ins` after the digits).
fn rank_order(mut marks: Vec<(u32, String, Option<usize>)>) -> Vec<(u32, String, Option<usize>)> {
    marks.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| java_string_cmp(&a.1, &b.1)));
    marks
}

/// How a ballot shows one selection in one round: `Some(None)` for its
/// whole vote, `Some(Some(f))` for the fraction `f` of it, `None` when the
/// selection holds none of it.
type Shown = Option<Option<Decimal>>;

/// RCTab's `FractionalVotes` text: the decimal without its leading zero
/// (`.9063`).
fn fraction_text(v: Decimal) -> String {
    let t = v.to_string();
    match t.strip_prefix("0.") {
        Some(rest) => format!(".{rest}"),
        None => t,
    }
}

/// What candidate `index` holds of the ballot in this round.
fn held(index: usize, allocation: &Allocation) -> Shown {
    let fraction = |v: Decimal| (v.cmp_value(Decimal::ONE) != Ordering::Equal).then_some(v);
    if let Some((_, v)) = allocation.kept.iter().find(|(w, _)| *w as usize == index) {
        return Some(fraction(*v));
    }
    if allocation.recipient.map(|c| c as usize) == Some(index) && allocation.value.signum() == 1 {
        return Some(fraction(allocation.value));
    }
    None
}

/// One snapshot: `allocation` says where the ballot counted (`None` for
/// the original snapshot, `round` then `None` too).
fn snapshot(ballot: &CdfBallot, round: Option<usize>, allocation: Option<&Allocation>) -> Value {
    let base = format!("ballot-{}", ballot.id);
    let mut shown: Vec<usize> = Vec::new();
    // One selection per name, in first-mark order, with one position per
    // mark (a repeated candidate shows several ranks).
    let mut order: Vec<String> = Vec::new();
    let mut positions: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for (rank, name, index) in &ballot.marks {
        let mut position = json!({
            "@type": "CVR.SelectionPosition",
            "HasIndication": "yes",
            "IsAllocable": "unknown",
            "NumberVotes": 1,
            "Rank": rank,
        });
        if let Some(allocation) = allocation {
            let holds = index
                .filter(|i| !shown.contains(i))
                .and_then(|i| held(i, allocation).map(|h| (i, h)));
            position["IsAllocable"] = json!(if holds.is_some() { "yes" } else { "no" });
            if let Some((i, part)) = holds {
                shown.push(i);
                if let Some(part) = part {
                    position["NumberVotes"] = json!(0);
                    position["FractionalVotes"] = json!(fraction_text(part));
                }
            }
        }
        let key = id_of(name);
        if !positions.contains_key(&key) {
            order.push(key.clone());
        }
        positions.entry(key).or_default().push(position);
    }
    let selections: Vec<Value> = order
        .iter()
        .map(|key| {
            json!({
                "@type": "CVR.CVRContestSelection",
                "ContestSelectionId": format!("cs-{key}"),
                "SelectionPosition": positions.get(key).cloned().unwrap_or_default(),
            })
        })
        .collect();
    let (id, kind) = match round {
        None => (base, "original"),
        Some(r) => (format!("{base}-round-{r}"), "interpreted"),
    };
    json!({
        "@id": id,
        "@type": "CVR.CVRSnapshot",
        "CVRContest": [{
            "@type": "CVR.CVRContest",
            "CVRContestSelection": selections,
            "ContestId": "contest-001",
        }],
        "Type": kind,
    })
}

fn cvr_json(ballot: &CdfBallot, unit: Option<usize>, trace: &RoundAllocations) -> Value {
    let mut snapshots = vec![snapshot(ballot, None, None)];
    let inactive = Allocation::default();
    for (r, round) in trace.iter().enumerate() {
        let allocation = round.get(ballot.group).unwrap_or(&inactive);
        snapshots.push(snapshot(ballot, Some(r + 1), Some(allocation)));
    }
    let current = snapshots
        .last()
        .and_then(|s| s.get("@id"))
        .cloned()
        .unwrap_or(Value::Null);
    let mut cvr = json!({
        "@type": "CVR",
        "BallotPrePrintedId": ballot.id,
        "CVRSnapshot": snapshots,
        "CurrentSnapshotId": current,
        "ElectionId": "election-001",
    });
    if let (Some(n), Some(obj)) = (unit, cvr.as_object_mut()) {
        obj.insert("BallotStyleUnitId".into(), json!(format!("gpu-{n}")));
    }
    cvr
}
