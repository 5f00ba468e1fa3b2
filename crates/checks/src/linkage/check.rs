//! The `deceased` and `duplicates` checks: linkage turned into findings.
//!
//! Both read person CSVs (see [`super::record`]), link them with
//! [`super::link`] / [`super::dedupe`], and report every pair at or above
//! the threshold next to the birthday-problem expectation of chance
//! agreements ([`super::coincidence`]) and the naive method's count (exact
//! name and birth date), so a reader can see how many "matches" chance
//! alone would make.

use std::path::Path;

use serde::Serialize;

use super::coincidence::{self, Coincidence};
use super::compare::{EVENT, EventRule, MISSING, level};
use super::record::{Field, FieldMap, Records, Vocabulary, read_csv};
use super::{Linkage, Options, expected_false};
use crate::CheckError;
use crate::finding::{Failure, Finding, Input, Rule, Status};

/// One voter linked to one death record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeceasedMatch {
    /// The voter's `id`.
    pub voter: String,
    /// The death record's `id`.
    pub death: String,
    /// Match probability.
    pub probability: f64,
    /// Whether the date of death is before the date the voter voted;
    /// `null` when either date is missing or partial.
    pub death_before_vote: Option<bool>,
}

/// The `deceased` result: the fixed interface plus the finding.
#[derive(Debug, Clone, Serialize)]
pub struct DeceasedReport {
    /// Pairs at or above the threshold, by voter then death record.
    pub matches: Vec<DeceasedMatch>,
    /// Expected pairs agreeing on exact name and full birth date by
    /// coincidence alone (birthday problem).
    pub expected_coincidental: f64,
    /// The finding (`canvass.finding.v1`).
    pub finding: Finding,
}

/// One pair of voter records that are likely the same person.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DuplicatePair {
    /// `id` in the voter file.
    pub a: String,
    /// `id` in the voter file (or in the other state's file).
    pub b: String,
    /// Match probability.
    pub probability: f64,
    /// Whether both records show a vote (a history file without a
    /// `voted_on` column lists voters, so every row voted).
    pub both_voted: bool,
}

/// The `duplicates` result.
#[derive(Debug, Clone, Serialize)]
pub struct DuplicatesReport {
    /// Pairs at or above the threshold.
    pub pairs: Vec<DuplicatePair>,
    /// Expected pairs agreeing on exact name and full birth date by
    /// coincidence alone.
    pub expected_coincidental: f64,
    /// The finding.
    pub finding: Finding,
}

const COINCIDENCE_CITATION: &str = "Fellegi & Sunter (1969), A theory for record linkage, JASA 64:1183-1210; \
     Enamorado, Fifield & Imai (2019), Using a probabilistic model to assist merging of large-scale administrative records, APSR 113:353-371 (fastLink: EM for m and u); \
     Winkler (1990) string comparators; McDonald & Levitt (2008), Seeing double voting: an extension of the birthday problem, Election Law Journal 7:111-122";

fn model_figures(f: &mut Finding, l: &Linkage, opts: &Options) {
    f.figure("candidate_pairs", l.candidate_pairs);
    f.figure("distinct_comparison_vectors", l.distinct_patterns as u64);
    f.figure("em_iterations", l.model.iterations as u64);
    f.figure("em_converged", l.model.converged);
    f.figure("em_lambda", round(l.model.lambda, 12));
    let names = super::compare::names();
    let params: serde_json::Map<String, serde_json::Value> = names
        .iter()
        .enumerate()
        .map(|(k, name)| {
            let r = |v: Option<&Vec<f64>>| -> Vec<f64> {
                v.map(|v| v.iter().map(|x| round(*x, 9)).collect())
                    .unwrap_or_default()
            };
            (
                (*name).to_string(),
                serde_json::json!({"m": r(l.model.m.get(k)), "u": r(l.model.u.get(k))}),
            )
        })
        .collect();
    f.figure("em_m_u_by_field_level", serde_json::Value::Object(params));
    f.figure("threshold", opts.threshold);
    f.figure(
        "expected_false_among_reported",
        round(l.expected_false(), 6),
    );
    let skipped: u64 = l.blocking.iter().map(|b| b.skipped_pairs).sum();
    f.figure("blocking_skipped_pairs", skipped);
    let passes: Vec<serde_json::Value> = l
        .blocking
        .iter()
        .map(|b| {
            serde_json::json!({"pass": b.pass, "pairs": b.pairs,
                "skipped_blocks": b.skipped_blocks, "skipped_pairs": b.skipped_pairs})
        })
        .collect();
    f.figure("blocking_passes", passes);
}

fn coincidence_figures(f: &mut Finding, c: &Coincidence) {
    f.figure("same_name_pairs", c.same_name_pairs);
    f.figure(
        "same_birth_date_chance",
        round(c.same_birth_date_chance, 12),
    );
    f.figure("expected_coincidental", round(c.expected, 6));
    f.figure("naive_exact_name_and_birth_date_pairs", c.found);
}

/// Round for publication so the JSON does not depend on the last bits of
/// a float sum (every sum here runs in a fixed order anyway).
fn round(x: f64, digits: i32) -> f64 {
    let s = 10f64.powi(digits);
    (x * s).round() / s
}

/// Read a person file, clear (with `map`) or hashed (made by
/// `canvass check hash-people`; see [`super::hashed`]).
fn load(
    path: &Path,
    map: &FieldMap,
    event: Field,
    vocab: &mut Vocabulary,
) -> Result<Records, CheckError> {
    if vocab.hashed().is_some() {
        super::hashed::read_hashed_csv(path, event, vocab)
    } else {
        read_csv(path, map, event, vocab)
    }
}

fn new_vocab(hashed: bool) -> Vocabulary {
    if hashed {
        Vocabulary::new_hashed()
    } else {
        Vocabulary::new()
    }
}

fn hashed_figures(f: &mut Finding, vocab: &Vocabulary) {
    if let Some(h) = vocab.hashed() {
        f.figure("inputs_hashed", true);
        f.figure("hash_key_check", h.key_check.clone());
    }
}

fn require_some(records: &Records, path: &Path) -> Result<(), CheckError> {
    let linkable = [Field::LastName, Field::FirstName, Field::NationalId];
    if linkable.iter().any(|f| records.present.contains(f)) {
        return Ok(());
    }
    Err(CheckError::MissingColumn {
        path: path.to_path_buf(),
        column: "last_name, first_name or national_id (nothing to link on)".into(),
        header: records
            .present
            .iter()
            .map(|f| f.name())
            .collect::<Vec<_>>()
            .join(","),
    })
}

/// Run the `deceased` check.
pub fn deceased(
    voters_path: &Path,
    deaths_path: &Path,
    map_voters: &FieldMap,
    map_deaths: &FieldMap,
    opts: &Options,
    hashed: bool,
    reproduce: String,
) -> Result<DeceasedReport, CheckError> {
    let mut vocab = new_vocab(hashed);
    let voters = load(voters_path, map_voters, Field::VotedOn, &mut vocab)?;
    let deaths = load(deaths_path, map_deaths, Field::DiedOn, &mut vocab)?;
    require_some(&voters, voters_path)?;
    require_some(&deaths, deaths_path)?;
    let l = super::link(&voters, &deaths, &vocab, opts, EventRule::DeathBeforeVote);
    let c = coincidence::between(&voters, &deaths);
    let mut finding = Finding::new(
        "deceased",
        "Dead people voted",
        Rule {
            text: "A ballot is attributed to a deceased person when the voter and a death record \
                   are the same person with probability at least the threshold (Fellegi-Sunter \
                   record linkage, m and u by EM) and the date of death is before the date the \
                   ballot was cast. Pairs agreeing on name and birth date are weighed against \
                   the number expected by coincidence (birthday problem)."
                .into(),
            citation: COINCIDENCE_CITATION.into(),
        },
        reproduce,
    );
    finding
        .inputs
        .push(Input::from_file("voters", voters_path)?);
    finding
        .inputs
        .push(Input::from_file("deaths", deaths_path)?);
    finding.figure("voters", voters.len() as u64);
    finding.figure("death_records", deaths.len() as u64);
    hashed_figures(&mut finding, &vocab);
    model_figures(&mut finding, &l, opts);
    coincidence_figures(&mut finding, &c);
    let mut matches = Vec::with_capacity(l.pairs.len());
    for p in &l.pairs {
        let (Some(v), Some(d)) = (
            voters.records.get(p.a as usize),
            deaths.records.get(p.b as usize),
        ) else {
            continue;
        };
        // The model's own event level (see `EventRule::DeathBeforeVote`).
        let before = match level(p.pattern, EVENT) {
            MISSING => None,
            l => Some(l == 1),
        };
        let m = DeceasedMatch {
            voter: voters.ids.get(p.a as usize).cloned().unwrap_or_default(),
            death: deaths.ids.get(p.b as usize).cloned().unwrap_or_default(),
            probability: round(p.probability, 6),
            death_before_vote: before,
        };
        if before == Some(true) {
            let mut details = std::collections::BTreeMap::new();
            details.insert("probability".into(), m.probability.into());
            details.insert("death".into(), m.death.clone().into());
            if let (Some(died), Some(voted)) = (d.event, v.event) {
                details.insert("died_on".into(), died.to_string().into());
                details.insert("voted_on".into(), voted.to_string().into());
            }
            finding.failures.push(Failure {
                locator: format!("voter {}", m.voter),
                reason: format!(
                    "linked to death record {} with probability {:.4}; died before voting",
                    m.death, m.probability
                ),
                details,
            });
        }
        matches.push(m);
    }
    let before = finding.failures.len() as u64;
    finding.figure(
        "expected_false_among_cases",
        round(
            expected_false(
                matches
                    .iter()
                    .filter(|m| m.death_before_vote == Some(true))
                    .map(|m| m.probability),
            ),
            6,
        ),
    );
    let no_dates = matches
        .iter()
        .filter(|m| m.death_before_vote.is_none())
        .count() as u64;
    finding.figure("matches", matches.len() as u64);
    finding.figure("matches_death_before_vote", before);
    finding.figure("matches_dates_unknown", no_dates);
    finding.status = if before > 0 {
        Status::Supported { cases: before }
    } else if no_dates > 0 {
        Status::Inconclusive {
            missing: format!("{no_dates} linked pairs lack a full date of death or of voting"),
        }
    } else {
        Status::NoEvidence
    };
    Ok(DeceasedReport {
        matches,
        expected_coincidental: round(c.expected, 6),
        finding,
    })
}

/// Run the `duplicates` check within `voters`, or between `voters` and
/// `other` (another state's voter history).
pub fn duplicates(
    voters_path: &Path,
    other_path: Option<&Path>,
    map: &FieldMap,
    map_other: &FieldMap,
    opts: &Options,
    hashed: bool,
    reproduce: String,
) -> Result<DuplicatesReport, CheckError> {
    let mut vocab = new_vocab(hashed);
    let voters = load(voters_path, map, Field::VotedOn, &mut vocab)?;
    require_some(&voters, voters_path)?;
    let other = match other_path {
        Some(p) => {
            let o = load(p, map_other, Field::VotedOn, &mut vocab)?;
            require_some(&o, p)?;
            Some(o)
        }
        None => None,
    };
    let (l, c, b) = match &other {
        Some(o) => (
            super::link(&voters, o, &vocab, opts, EventRule::both_voted(&voters, o)),
            coincidence::between(&voters, o),
            o,
        ),
        None => (
            super::dedupe(&voters, &vocab, opts),
            coincidence::within(&voters),
            &voters,
        ),
    };
    let mut finding = Finding::new(
        "duplicates",
        "People voted twice",
        Rule {
            text: "A person is counted as voting twice when two voter records are the same \
                   person with probability at least the threshold (Fellegi-Sunter record \
                   linkage, m and u by EM) and both records show a vote. Pairs agreeing on \
                   name and birth date are weighed against the number expected by coincidence \
                   (birthday problem)."
                .into(),
            citation: COINCIDENCE_CITATION.into(),
        },
        reproduce,
    );
    finding
        .inputs
        .push(Input::from_file("voters", voters_path)?);
    if let Some(p) = other_path {
        finding.inputs.push(Input::from_file("other_state", p)?);
        finding.figure("other_state_voters", b.len() as u64);
    }
    finding.figure("voters", voters.len() as u64);
    hashed_figures(&mut finding, &vocab);
    model_figures(&mut finding, &l, opts);
    coincidence_figures(&mut finding, &c);
    let mut pairs = Vec::with_capacity(l.pairs.len());
    for p in &l.pairs {
        let pair = DuplicatePair {
            a: voters.ids.get(p.a as usize).cloned().unwrap_or_default(),
            b: b.ids.get(p.b as usize).cloned().unwrap_or_default(),
            probability: round(p.probability, 6),
            // The model's own event level (see `EventRule::BothVoted`):
            // missing when neither file has a `voted_on` column, and then
            // every record lists a voter.
            both_voted: level(p.pattern, EVENT) != 0,
        };
        if pair.both_voted {
            let mut details = std::collections::BTreeMap::new();
            details.insert("probability".into(), pair.probability.into());
            details.insert("other".into(), pair.b.clone().into());
            finding.failures.push(Failure {
                locator: format!("voter {}", pair.a),
                reason: format!(
                    "same person as {} with probability {:.4}; both records show a vote",
                    pair.b, pair.probability
                ),
                details,
            });
        }
        pairs.push(pair);
    }
    let both = finding.failures.len() as u64;
    finding.figure(
        "expected_false_among_cases",
        round(
            expected_false(pairs.iter().filter(|p| p.both_voted).map(|p| p.probability)),
            6,
        ),
    );
    finding.figure("pairs", pairs.len() as u64);
    finding.figure("pairs_both_voted", both);
    finding.status = if both > 0 {
        Status::Supported { cases: both }
    } else {
        Status::NoEvidence
    };
    Ok(DuplicatesReport {
        pairs,
        expected_coincidental: round(c.expected, 6),
        finding,
    })
}
