//! Running a configuration: read its sources, map names, count.

use super::config::source_format;
use super::{Config, CvrSource, RctabError, RctabReport};
use crate::ranked::{
    RankedBallots, RankedCandidate, RankedCandidateKind, RankedRules, Selection, WinnerMode,
    tabulate, tabulate_sequential,
};
use canvass_formats::{FormatError, Location, SourceOptions, read_paths};
use canvass_model::{CandidateId, CandidateKind, Card, Choice, ContestId, ContestVotes, Election};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// Read, validate and run an RCTab configuration: one report per pass
/// (several only for `multiPassIrv`).
pub fn run_config(path: &Path) -> Result<Vec<RctabReport>, RctabError> {
    let config = Config::load(path)?;
    config.validate()?;
    let ballots = load_ballots(&config)?;
    run_loaded(&config, &ballots)
}

/// Count already-loaded ballots under a configuration's rules.
pub fn run_loaded(
    config: &Config,
    ballots: &RankedBallots,
) -> Result<Vec<RctabReport>, RctabError> {
    let rules = config.rules().map_err(|problems| RctabError::Invalid {
        path: config.path.clone(),
        problems,
    })?;
    let results = if rules.winner_mode == WinnerMode::MultiPassIrv {
        tabulate_sequential(ballots, &rules)?
    } else {
        vec![tabulate(ballots, &rules)?]
    };
    let seats = if rules.winner_mode == WinnerMode::MultiPassIrv {
        1
    } else {
        rules.seats
    };
    Ok(results
        .into_iter()
        .map(|result| RctabReport::new(config, ballots, &rules, seats, result))
        .collect())
}

fn opt_u32(s: &Option<String>) -> Option<u32> {
    s.as_deref().and_then(|s| s.trim().parse().ok())
}

fn opt_text(s: &Option<String>) -> Option<String> {
    s.as_deref().filter(|s| !s.is_empty()).map(str::to_owned)
}

/// The reader options of one source, field by field from RCTab's names.
pub fn source_options(source: &CvrSource) -> SourceOptions {
    SourceOptions {
        contest: opt_text(&source.contest_id),
        first_vote_column: opt_u32(&source.first_vote_column_index),
        first_vote_row: opt_u32(&source.first_vote_row_index),
        id_column: opt_u32(&source.id_column_index),
        precinct_column: opt_u32(&source.precinct_column_index),
        batch_column: opt_u32(&source.batch_column_index),
        overvote_delimiter: opt_text(&source.overvote_delimiter),
        overvote_label: opt_text(&source.overvote_label),
        skipped_rank_label: opt_text(&source.skipped_rank_label),
        undeclared_write_in_label: opt_text(&source.undeclared_write_in_label),
        treat_blank_as_undeclared_write_in: source
            .treat_blank_as_undeclared_write_in
            .as_deref()
            .is_some_and(|s| s.trim() == "true"),
    }
}

/// The configured candidates (in configuration order, then the undeclared
/// write-in bucket when any source has one) and every spelling that names
/// each of them (name, code, aliases).
pub(crate) fn candidates(config: &Config) -> (Vec<RankedCandidate>, BTreeMap<String, usize>) {
    let mut list = Vec::new();
    let mut names = BTreeMap::new();
    for c in &config.candidates {
        let name = c.name.clone().unwrap_or_default();
        let i = list.len();
        list.push(RankedCandidate {
            name: name.clone(),
            kind: RankedCandidateKind::Declared,
            excluded: c.excluded.as_deref().is_some_and(|e| e.trim() == "true"),
        });
        names.entry(name).or_insert(i);
        if let Some(code) = c.code.as_deref().filter(|s| !s.is_empty()) {
            names.entry(code.to_owned()).or_insert(i);
        }
        for a in &c.aliases {
            names.entry(a.clone()).or_insert(i);
        }
    }
    if config.undeclared_write_ins_enabled() {
        let i = list.len();
        list.push(RankedCandidate::undeclared_write_ins());
        names.insert(crate::ranked::UNDECLARED_WRITE_INS.to_owned(), i);
    }
    (list, names)
}

/// Read every source of a configuration into aggregated ranked ballots.
pub fn load_ballots(config: &Config) -> Result<RankedBallots, RctabError> {
    load_ballots_with(config, &mut |_| {})
}

/// One card as [`load_ballots_with`] counted it.
pub(crate) struct LoadedCard<'a> {
    /// The configured source the card came from.
    pub source: &'a CvrSource,
    /// The source's election (names of the card's choices).
    pub election: &'a Election,
    /// The card.
    pub card: &'a Card,
    /// Its marks in the configured contest.
    pub votes: &'a ContestVotes,
    /// The ballot group (index into [`RankedBallots::groups`]) it joined.
    pub group: usize,
}

/// [`load_ballots`], calling `on_card` for every counted card in reading
/// order.
pub(crate) fn load_ballots_with(
    config: &Config,
    on_card: &mut dyn FnMut(LoadedCard<'_>),
) -> Result<RankedBallots, RctabError> {
    let (list, names) = candidates(config);
    let uwi = list
        .iter()
        .position(|c| c.kind == RankedCandidateKind::UndeclaredWriteIn);
    let flag = |v: &Option<String>| v.as_deref().is_some_and(|s| s.trim() == "true");
    // One slice dimension: precinct, else batch (RCTab's tabulate-by-slice).
    let slice = if flag(&config.output_settings.tabulate_by_precinct) {
        Some(Slice::Precinct)
    } else if flag(&config.output_settings.tabulate_by_batch) {
        Some(Slice::Batch)
    } else {
        None
    };
    let mut any_slice_id = false;
    let mut ballots = RankedBallots::new(list);
    for source in &config.cvr_file_sources {
        let Some(path) = source.file_path.as_deref() else {
            continue;
        };
        let path = config.resolve(path);
        let format = source_format(source);
        // RCTab files Dominion cards under the precincts of
        // PrecinctManifest.json and refuses to tabulate by precinct
        // without it; our reader falls back to the precinct portions.
        if slice == Some(Slice::Precinct) && format == Some(canvass_formats::Format::DominionJson) {
            let folder = if path.is_dir() {
                path.clone()
            } else {
                path.parent().map(Path::to_path_buf).unwrap_or_default()
            };
            if !folder.join("PrecinctManifest.json").is_file() {
                return Err(RctabError::Invalid {
                    path: config.path.clone(),
                    problems: vec![format!(
                        "tabulateByPrecinct is on, but the Dominion export {} has no PrecinctManifest.json to take precincts from",
                        folder.display()
                    )],
                });
            }
        }
        let options = source_options(source);
        let uwi_label = opt_text(&source.undeclared_write_in_label);
        let mut election = Election::default();
        let mut contest_cache: HashMap<ContestId, bool> = HashMap::new();
        let mut choice_cache: HashMap<(ContestId, CandidateId), usize> = HashMap::new();
        let mut sink = |election: &Election, card: Card| -> Result<(), FormatError> {
            let at = || Location::record(Path::new(&*card.source.file), card.source.record);
            // Which of the card's contests is the configured one.
            let mut chosen = None;
            for cv in &card.contests {
                let wanted = *contest_cache.entry(cv.contest).or_insert_with(|| {
                    match (&options.contest, election.get_contest(cv.contest)) {
                        (Some(id), Some(c)) => &c.external_id == id || &c.name == id,
                        (None, Some(_)) => election.contests.len() == 1,
                        _ => false,
                    }
                });
                if wanted {
                    chosen = Some(cv);
                    break;
                }
            }
            let Some(votes) = chosen else {
                return Ok(());
            };
            let contest = election.get_contest(votes.contest);
            let mut marks = Vec::with_capacity(votes.marks.len());
            for m in &votes.marks {
                let sel = match m.choice {
                    Choice::Overvote => Selection::Overvote,
                    Choice::Candidate(id) => {
                        if let Some(&i) = choice_cache.get(&(votes.contest, id)) {
                            Selection::Candidate(CandidateId(i as u32))
                        } else {
                            let cand = contest.and_then(|c| c.candidate(id));
                            let found = cand.and_then(|c| {
                                if c.kind == CandidateKind::UndeclaredWriteIn {
                                    return uwi;
                                }
                                names
                                    .get(&c.name)
                                    .or_else(|| names.get(&c.external_id))
                                    .or_else(|| c.aliases.iter().find_map(|a| names.get(a)))
                                    .copied()
                                    .or_else(|| {
                                        let is_uwi = uwi_label
                                            .as_deref()
                                            .is_some_and(|l| l == c.name || l == c.external_id);
                                        if is_uwi { uwi } else { None }
                                    })
                            });
                            let Some(i) = found else {
                                let written = cand
                                    .map(|c| c.name.clone())
                                    .unwrap_or_else(|| format!("#{}", id.0));
                                return Err(FormatError::Rejected {
                                    at: at().field("candidate"),
                                    message: format!(
                                        "candidate {written:?} is not in the configuration's candidate list (or aliases)"
                                    ),
                                });
                            };
                            choice_cache.insert((votes.contest, id), i);
                            Selection::Candidate(CandidateId(i as u32))
                        }
                    }
                };
                marks.push((m.rank, sel));
            }
            let slice_id = slice.map(|k| {
                let id = match k {
                    Slice::Precinct => card.precinct.as_deref(),
                    Slice::Batch => card.location.batch.as_deref(),
                };
                any_slice_id |= id.is_some();
                id.unwrap_or(k.missing_id())
            });
            let group = ballots.push_indexed(&marks, slice_id, 1);
            on_card(LoadedCard {
                source,
                election,
                card: &card,
                votes,
                group,
            });
            Ok(())
        };
        read_paths(&[path], format, &options, &mut election, &mut sink)?;
    }
    if let Some(k) = slice
        && !any_slice_id
    {
        return Err(RctabError::Invalid {
            path: config.path.clone(),
            problems: vec![format!(
                "tabulateBy{} is on, but no cast vote record lists a {}",
                k.title(),
                k.key()
            )],
        });
    }
    Ok(ballots)
}

/// The dimension reports are split by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slice {
    /// `tabulateByPrecinct`.
    Precinct,
    /// `tabulateByBatch`.
    Batch,
}

impl Slice {
    /// The key RCTab writes in a slice report's `config`.
    pub fn key(self) -> &'static str {
        match self {
            Slice::Precinct => "precinct",
            Slice::Batch => "batch",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Slice::Precinct => "Precinct",
            Slice::Batch => "Batch",
        }
    }

    /// The id RCTab gives cards without one.
    pub fn missing_id(self) -> &'static str {
        match self {
            Slice::Precinct => "missing_precinct_id",
            Slice::Batch => "missing_batch_id",
        }
    }
}

/// The slice dimension a configuration asks for.
pub fn slice_of(config: &Config) -> Option<Slice> {
    let flag = |v: &Option<String>| v.as_deref().is_some_and(|s| s.trim() == "true");
    if flag(&config.output_settings.tabulate_by_precinct) {
        Some(Slice::Precinct)
    } else if flag(&config.output_settings.tabulate_by_batch) {
        Some(Slice::Batch)
    } else {
        None
    }
}

/// Rules used for a report (kept here so the report module stays pure).
pub(crate) fn uses_surpluses(rules: &RankedRules, seats: u32) -> bool {
    seats > 1
        && !matches!(
            rules.winner_mode,
            WinnerMode::BottomsUp | WinnerMode::BottomsUpPercentage(_)
        )
}
