//! Shared reading of spreadsheet-like CVRs with one row per ballot and one
//! column per rank (ES&S xlsx/csv, and RCTab's generic CSV when its columns
//! are ranks). The cell semantics follow RCTab's `cvrFileSources` options
//! (RCTab `config_file_documentation.txt`: `firstVoteColumnIndex`,
//! `firstVoteRowIndex`, `idColumnIndex`, `precinctColumnIndex`,
//! `batchColumnIndex`, `overvoteDelimiter`, `overvoteLabel`,
//! `skippedRankLabel`, `undeclaredWriteInLabel`,
//! `treatBlankAsUndeclaredWriteIn`).

use crate::CardSink;
use crate::error::{FormatError, Location};
use crate::options::SourceOptions;
use canvass_model::{
    CandidateId, CandidateKind, Card, CardId, Choice, ContestId, ContestKind, ContestVotes,
    Election, Mark, SourceRef,
};
use std::path::Path;
use std::sync::Arc;

/// The name given to the undeclared write-in bucket when the source sets
/// `treatBlankAsUndeclaredWriteIn` without naming an `undeclaredWriteInLabel`
/// (RCTab's own name for the bucket).
pub(crate) const UWI_DEFAULT_NAME: &str = "Undeclared Write-ins";

/// The name of the file without folders or extension, used to name the
/// contest and to make card ids when the source gives none.
pub(crate) fn file_stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// The contest a single-contest file fills: `options.contest` or the file stem.
pub(crate) fn single_contest(
    path: &Path,
    options: &SourceOptions,
    election: &mut Election,
) -> ContestId {
    let name = match options.contest.as_deref() {
        Some(c) if !c.is_empty() => c.to_owned(),
        _ => file_stem(path),
    };
    election.intern_contest(&name, &name, ContestKind::Ranked)
}

/// A 1-based column option converted to a 0-based index; 0 is refused.
pub(crate) fn column_option(
    path: &Path,
    name: &str,
    value: Option<u32>,
) -> Result<Option<usize>, FormatError> {
    match value {
        None => Ok(None),
        Some(0) => Err(FormatError::invalid(
            Location::file(path).field(name),
            "column indexes are 1-based; 0 is not a column",
        )),
        Some(v) => Ok(Some((v - 1) as usize)),
    }
}

/// True when a header names a rank column ("1st Choice", "Choice 2",
/// "rank3", "2", "For Mayor Choice 1 (45)", or empty), false for anything
/// else ("Count", "Precinct"). ES&S exports put such columns after the ranks.
pub(crate) fn is_rank_header(header: &str) -> bool {
    let h = header.trim().to_ascii_lowercase();
    h.is_empty()
        || h.contains("choice")
        || h.contains("rank")
        || h.contains("pref")
        || h.chars().any(|c| c.is_ascii_digit())
}

/// The layout of a rank-per-column table, resolved from the options and
/// the header row.
#[derive(Clone, Debug)]
pub(crate) struct RankLayout {
    /// 0-based index of the first rank column.
    pub first_vote: usize,
    /// 0-based index one past the last rank column (`None`: to the row's end).
    pub end_vote: Option<usize>,
    /// 0-based id column.
    pub id: Option<usize>,
    /// 0-based precinct column.
    pub precinct: Option<usize>,
    /// 0-based batch column.
    pub batch: Option<usize>,
    /// 1-based row of the first ballot.
    pub first_row: u64,
}

impl RankLayout {
    /// The layout from the options; `default_first_vote` and
    /// `default_first_row` (1-based) apply when the options leave them out.
    pub fn from_options(
        path: &Path,
        options: &SourceOptions,
        default_first_vote: u32,
        default_first_row: u32,
    ) -> Result<RankLayout, FormatError> {
        let first_vote = column_option(
            path,
            "firstVoteColumnIndex",
            Some(options.first_vote_column.unwrap_or(default_first_vote)),
        )?
        .unwrap_or(0);
        let first_row = options.first_vote_row.unwrap_or(default_first_row);
        if first_row == 0 {
            return Err(FormatError::invalid(
                Location::file(path).field("firstVoteRowIndex"),
                "row indexes are 1-based; 0 is not a row",
            ));
        }
        Ok(RankLayout {
            first_vote,
            end_vote: None,
            id: column_option(path, "idColumnIndex", options.id_column)?,
            precinct: column_option(path, "precinctColumnIndex", options.precinct_column)?,
            batch: column_option(path, "batchColumnIndex", options.batch_column)?,
            first_row: u64::from(first_row),
        })
    }

    /// Narrow the rank columns with the header row: they end at the first
    /// header that is not a rank header (see [`is_rank_header`]).
    pub fn apply_header(&mut self, header: &[String]) {
        let end = header
            .iter()
            .enumerate()
            .skip(self.first_vote)
            .find(|(_, h)| !is_rank_header(h))
            .map(|(i, _)| i);
        self.end_vote = end;
    }
}

/// Turns rows of cells into cards, interning candidates as it meets them.
pub(crate) struct RankRowReader<'o> {
    options: &'o SourceOptions,
    file: Arc<str>,
    stem: String,
    contest: ContestId,
    layout: RankLayout,
}

/// The cell text of column `i`, trimmed; "" when the row is shorter.
fn cell(row: &[String], i: usize) -> &str {
    row.get(i).map(|s| s.trim()).unwrap_or("")
}

fn non_empty(s: &str) -> Option<String> {
    if s.is_empty() {
        None
    } else {
        Some(s.to_owned())
    }
}

impl<'o> RankRowReader<'o> {
    /// A reader of `path`'s rows into `contest`.
    pub fn new(
        path: &Path,
        options: &'o SourceOptions,
        contest: ContestId,
        layout: RankLayout,
    ) -> RankRowReader<'o> {
        RankRowReader {
            options,
            file: Arc::from(path.display().to_string()),
            stem: file_stem(path),
            contest,
            layout,
        }
    }

    /// The layout in use.
    pub fn layout_mut(&mut self) -> &mut RankLayout {
        &mut self.layout
    }

    /// The undeclared write-in candidate of the contest.
    fn uwi(&self, election: &mut Election) -> CandidateId {
        let label = match self.options.undeclared_write_in_label.as_deref() {
            Some(l) if !l.is_empty() => l,
            _ => UWI_DEFAULT_NAME,
        };
        election.contest_mut(self.contest).intern_candidate_of_kind(
            label,
            label,
            CandidateKind::UndeclaredWriteIn,
        )
    }

    /// The choice one name (a whole cell, or one part of a delimited cell)
    /// stands for. `None` for a skipped rank.
    fn choice_of(&self, name: &str, election: &mut Election) -> Option<Choice> {
        let o = self.options;
        let is =
            |label: &Option<String>| label.as_deref().is_some_and(|l| !l.is_empty() && l == name);
        if name.is_empty() {
            if o.treat_blank_as_undeclared_write_in {
                return Some(Choice::Candidate(self.uwi(election)));
            }
            return None;
        }
        if is(&o.skipped_rank_label) {
            return None;
        }
        if is(&o.overvote_label) {
            return Some(Choice::Overvote);
        }
        if is(&o.undeclared_write_in_label) {
            return Some(Choice::Candidate(self.uwi(election)));
        }
        Some(Choice::Candidate(
            election
                .contest_mut(self.contest)
                .intern_candidate(name, name),
        ))
    }

    /// Read one row (1-based `row_number`) into a card. Returns `None` for
    /// a row above `first_row` or a row with no text at all.
    pub fn card(
        &self,
        row_number: u64,
        row: &[String],
        election: &mut Election,
    ) -> Result<Option<Card>, FormatError> {
        if row_number < self.layout.first_row || row.iter().all(|c| c.trim().is_empty()) {
            return Ok(None);
        }
        let end = self
            .layout
            .end_vote
            .unwrap_or(row.len())
            .max(self.layout.first_vote);
        let mut marks = Vec::new();
        let delimiter = self
            .options
            .overvote_delimiter
            .as_deref()
            .filter(|d| !d.is_empty());
        for (rank0, col) in (self.layout.first_vote..end).enumerate() {
            let rank = u32::try_from(rank0 + 1).map_err(|_| {
                FormatError::invalid(
                    Location::record(Path::new(&*self.file), row_number),
                    "too many rank columns",
                )
            })?;
            let text = cell(row, col);
            match delimiter {
                Some(d) if text.contains(d) => {
                    for part in text.split(d).map(str::trim).filter(|p| !p.is_empty()) {
                        if let Some(choice) = self.choice_of(part, election) {
                            marks.push(Mark::ranked(rank, choice));
                        }
                    }
                }
                _ => {
                    if let Some(choice) = self.choice_of(text, election) {
                        marks.push(Mark::ranked(rank, choice));
                    }
                }
            }
        }
        let id = self
            .layout
            .id
            .map(|i| cell(row, i))
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .unwrap_or_else(|| format!("{}-{}", self.stem, row_number));
        let mut card = Card::new(CardId::new(id));
        card.precinct = self.layout.precinct.and_then(|i| non_empty(cell(row, i)));
        card.location.batch = self.layout.batch.and_then(|i| non_empty(cell(row, i)));
        card.source = SourceRef {
            file: self.file.clone(),
            record: row_number,
        };
        card.contests.push(ContestVotes::new(self.contest, marks));
        Ok(Some(card))
    }

    /// Read one row and hand the card, if any, to the sink.
    pub fn row(
        &self,
        row_number: u64,
        row: &[String],
        election: &mut Election,
        sink: &mut CardSink<'_>,
    ) -> Result<(), FormatError> {
        if let Some(card) = self.card(row_number, row, election)? {
            sink(election, card)?;
        }
        Ok(())
    }
}

/// Call `each(line, cells)` for every record of a CSV file, with the
/// 1-based line the record starts on. Blank lines are skipped by the `csv`
/// crate; the line numbers still point at the file's own lines.
pub(crate) fn for_each_csv_row(
    path: &Path,
    mut each: impl FnMut(u64, &[String]) -> Result<(), FormatError>,
) -> Result<(), FormatError> {
    let file = std::fs::File::open(path).map_err(|e| FormatError::io(path, e))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(std::io::BufReader::new(file));
    let mut record = csv::StringRecord::new();
    let mut row: Vec<String> = Vec::new();
    let mut last_line = 0u64;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {
                let line = record.position().map(|p| p.line()).unwrap_or(last_line + 1);
                last_line = line;
                row.clear();
                row.extend(
                    record
                        .iter()
                        .map(|s| s.trim_start_matches('\u{feff}').to_owned()),
                );
                each(line, &row)?;
            }
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(last_line + 1);
                let at = Location::record(path, line);
                return Err(match e.kind() {
                    csv::ErrorKind::Io(_) => FormatError::invalid(at, format!("cannot read: {e}")),
                    csv::ErrorKind::Utf8 { .. } => {
                        FormatError::invalid(at, "the text is not valid UTF-8")
                    }
                    _ => FormatError::invalid(at, format!("malformed CSV: {e}")),
                });
            }
        }
    }
}
