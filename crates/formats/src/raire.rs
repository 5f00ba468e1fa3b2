//! RAIRE's inputs: the ballot-level CSV of the original RAIRE tool (as
//! shipped with SHANGRLA) and raire-rs's aggregated JSON.
//!
//! CSV (Blom, Stuckey, Teague, "RAIRE", 2019; file layout of the `.raire`
//! examples): line 1 is the number of contests `k`; the next `k` lines are
//! `Contest,<id>,<number of candidates>,<candidate>...[,winner,<candidate>]`;
//! every further line is `<contest id>,<ballot id>,<preference 1>,...`.
//! Consecutive lines with the same ballot id are one card.
//!
//! JSON (raire-rs): `metadata.candidates` (names, indexed from 0),
//! `metadata.contest`, `votes: [{n, prefs: [candidate indexes]}]`, and
//! `audit.total_auditable_ballots`. Each vote line becomes `n` cards with
//! ids `<file stem>-<k>` (k from 1 across the file).

use crate::CardSink;
use crate::error::{FormatError, Location};
use crate::options::{Format, SourceOptions};
use crate::tabular::{file_stem, for_each_csv_row};
use canvass_model::{
    CandidateId, Card, CardId, Choice, ContestId, ContestKind, ContestVotes, Election, Mark,
    SourceRef,
};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// The most cards one aggregated file may expand to; beyond it the counts
/// are taken as damage rather than allocated.
pub(crate) const MAX_EXPANDED_CARDS: u64 = 100_000_000;

struct RaireContest {
    id: ContestId,
    candidates: BTreeMap<String, CandidateId>,
}

/// Read a RAIRE ballot-level CSV.
pub(crate) fn read_csv(
    path: &Path,
    options: &SourceOptions,
    election: &mut Election,
    sink: &mut CardSink<'_>,
) -> Result<(), FormatError> {
    let file: Arc<str> = Arc::from(path.display().to_string());
    let mut declared: Option<u64> = None;
    let mut contests: BTreeMap<String, RaireContest> = BTreeMap::new();
    // The card being assembled: (ballot id, first line, contests).
    let mut pending: Option<(String, u64, Vec<ContestVotes>)> = None;
    let wrong = |line: u64, found: String| FormatError::WrongFormat {
        at: Location::record(path, line),
        expected: Format::RaireCsv,
        found,
    };
    for_each_csv_row(path, |line, row| {
        let cell = |i: usize| row.get(i).map(|s| s.trim()).unwrap_or("");
        let Some(k) = declared else {
            let k: u64 = cell(0)
                .parse()
                .map_err(|_| wrong(line, "the first line is not a number of contests".into()))?;
            if k == 0 || row.len() > 1 {
                return Err(wrong(
                    line,
                    "the first line must be one positive number of contests".into(),
                ));
            }
            declared = Some(k);
            return Ok(());
        };
        if (contests.len() as u64) < k {
            if cell(0) != "Contest" {
                return Err(FormatError::Truncated {
                    at: Location::record(path, line),
                    message: format!("{k} contest lines were declared, {} found", contests.len()),
                });
            }
            let id = cell(1).to_owned();
            let n: usize = cell(2).parse().map_err(|_| {
                FormatError::invalid(
                    Location::record(path, line).field("number of candidates"),
                    format!("{:?} is not a number", cell(2)),
                )
            })?;
            let names: Vec<&str> = (3..row.len())
                .map(cell)
                .take_while(|c| *c != "winner")
                .collect();
            if names.len() != n {
                return Err(FormatError::invalid(
                    Location::record(path, line),
                    format!(
                        "contest {id} declares {n} candidates but lists {}",
                        names.len()
                    ),
                ));
            }
            let name = match options.contest.as_deref() {
                Some(c) if !c.is_empty() && k == 1 => c.to_owned(),
                _ => id.clone(),
            };
            let cid = election.intern_contest(&id, &name, ContestKind::Ranked);
            let mut candidates = BTreeMap::new();
            for c in names {
                let cand = election.contest_mut(cid).intern_candidate(c, c);
                candidates.insert(c.to_owned(), cand);
            }
            contests.insert(
                id,
                RaireContest {
                    id: cid,
                    candidates,
                },
            );
            return Ok(());
        }
        if row.iter().all(|c| c.trim().is_empty()) {
            return Ok(());
        }
        let contest_key = cell(0);
        let Some(contest) = contests.get(contest_key) else {
            return Err(FormatError::UnknownContest {
                at: Location::record(path, line).field("contest"),
                contest: contest_key.to_owned(),
            });
        };
        let ballot = cell(1);
        if ballot.is_empty() {
            return Err(FormatError::MissingField {
                at: Location::record(path, line).field("ballot id"),
            });
        }
        let mut marks = Vec::new();
        for (i, pref) in (2..row.len())
            .map(cell)
            .filter(|p| !p.is_empty())
            .enumerate()
        {
            let Some(cand) = contest.candidates.get(pref) else {
                return Err(FormatError::UnknownCandidate {
                    at: Location::record(path, line).field(format!("preference {}", i + 1)),
                    contest: contest_key.to_owned(),
                    candidate: pref.to_owned(),
                });
            };
            let rank = u32::try_from(i + 1).unwrap_or(u32::MAX);
            marks.push(Mark::ranked(rank, Choice::Candidate(*cand)));
        }
        let votes = ContestVotes::new(contest.id, marks);
        match &mut pending {
            Some((id, _, cs)) if id == ballot => cs.push(votes),
            _ => {
                if let Some((id, first, cs)) = pending.take() {
                    emit(&file, id, first, cs, election, sink)?;
                }
                pending = Some((ballot.to_owned(), line, vec![votes]));
            }
        }
        Ok(())
    })?;
    match declared {
        None => {
            return Err(FormatError::Truncated {
                at: Location::file(path),
                message: "the file is empty".into(),
            });
        }
        Some(k) if (contests.len() as u64) < k => {
            return Err(FormatError::Truncated {
                at: Location::file(path),
                message: format!("{k} contest lines were declared, {} found", contests.len()),
            });
        }
        _ => {}
    }
    if let Some((id, first, cs)) = pending.take() {
        emit(&file, id, first, cs, election, sink)?;
    }
    Ok(())
}

fn emit(
    file: &Arc<str>,
    id: String,
    line: u64,
    contests: Vec<ContestVotes>,
    election: &Election,
    sink: &mut CardSink<'_>,
) -> Result<(), FormatError> {
    let mut card = Card::new(CardId::new(id));
    card.source = SourceRef {
        file: file.clone(),
        record: line,
    };
    card.contests = contests;
    sink(election, card)
}

#[derive(Deserialize)]
struct RaireJson {
    metadata: RaireMetadata,
    votes: Vec<RaireVote>,
    #[serde(default)]
    num_candidates: Option<usize>,
}

#[derive(Deserialize)]
struct RaireMetadata {
    candidates: Vec<String>,
    #[serde(default)]
    contest: Option<String>,
}

#[derive(Deserialize)]
struct RaireVote {
    n: u64,
    prefs: Vec<usize>,
}

/// The `audit.total_auditable_ballots` of a raire-rs JSON, when given.
pub fn raire_json_total_auditable_ballots(path: &Path) -> Result<Option<u64>, FormatError> {
    #[derive(Deserialize)]
    struct Audit {
        #[serde(default)]
        total_auditable_ballots: Option<u64>,
    }
    #[derive(Deserialize)]
    struct Top {
        #[serde(default)]
        audit: Option<Audit>,
    }
    let bytes = std::fs::read(path).map_err(|e| FormatError::io(path, e))?;
    let top: Top = serde_json::from_slice(&bytes)
        .map_err(|e| FormatError::invalid(Location::file(path), format!("invalid JSON: {e}")))?;
    Ok(top.audit.and_then(|a| a.total_auditable_ballots))
}

/// Read a raire-rs JSON contest.
pub(crate) fn read_json(
    path: &Path,
    options: &SourceOptions,
    election: &mut Election,
    sink: &mut CardSink<'_>,
) -> Result<(), FormatError> {
    let bytes = std::fs::read(path).map_err(|e| FormatError::io(path, e))?;
    let doc: RaireJson = serde_json::from_slice(&bytes).map_err(|e| {
        let at = Location::record(path, e.line() as u64);
        if e.is_eof() {
            FormatError::Truncated {
                at,
                message: format!("the JSON ends early: {e}"),
            }
        } else {
            FormatError::WrongFormat {
                at,
                expected: Format::RaireJson,
                found: format!("{e}"),
            }
        }
    })?;
    if let Some(n) = doc
        .num_candidates
        .filter(|n| *n != doc.metadata.candidates.len())
    {
        {
            return Err(FormatError::invalid(
                Location::file(path).field("num_candidates"),
                format!(
                    "{n} candidates declared, {} named",
                    doc.metadata.candidates.len()
                ),
            ));
        }
    }
    let total: u64 = doc
        .votes
        .iter()
        .map(|v| v.n)
        .fold(0u64, u64::saturating_add);
    if total > MAX_EXPANDED_CARDS {
        return Err(FormatError::invalid(
            Location::file(path).field("votes"),
            format!("{total} ballots is more than this reader expands ({MAX_EXPANDED_CARDS})"),
        ));
    }
    let stem = file_stem(path);
    let name = match options.contest.as_deref() {
        Some(c) if !c.is_empty() => c.to_owned(),
        _ => doc.metadata.contest.clone().unwrap_or_else(|| stem.clone()),
    };
    let cid = election.intern_contest(&name, &name, ContestKind::Ranked);
    let mut ids = Vec::with_capacity(doc.metadata.candidates.len());
    for (i, c) in doc.metadata.candidates.iter().enumerate() {
        ids.push(
            election
                .contest_mut(cid)
                .intern_candidate(&i.to_string(), c),
        );
    }
    let file: Arc<str> = Arc::from(path.display().to_string());
    let mut k = 0u64;
    for (v, vote) in doc.votes.iter().enumerate() {
        let record = v as u64 + 1;
        let mut marks = Vec::with_capacity(vote.prefs.len());
        for (r, p) in vote.prefs.iter().enumerate() {
            let Some(cand) = ids.get(*p) else {
                return Err(FormatError::UnknownCandidate {
                    at: Location::record(path, record).field(format!("prefs[{r}]")),
                    contest: name.clone(),
                    candidate: p.to_string(),
                });
            };
            marks.push(Mark::ranked(
                u32::try_from(r + 1).unwrap_or(u32::MAX),
                Choice::Candidate(*cand),
            ));
        }
        let votes = ContestVotes::new(cid, marks);
        for _ in 0..vote.n {
            k += 1;
            let mut card = Card::new(CardId::new(format!("{stem}-{k}")));
            card.source = SourceRef {
                file: file.clone(),
                record,
            };
            card.contests.push(votes.clone());
            sink(election, card)?;
        }
    }
    Ok(())
}
