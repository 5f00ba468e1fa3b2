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

    /// Fix the rank columns with the header row: they end at the first
    /// header that is not a rank header (see [`is_rank_header`]) or at the
    /// header's last column; shorter rows have blank trailing ranks.
    pub fn apply_header(&mut self, header: &[String]) {
        let end = header
            .iter()
            .enumerate()
            .skip(self.first_vote)
            .find(|(_, h)| !is_rank_header(h))
            .map(|(i, _)| i)
            .unwrap_or(header.len());
        self.end_vote = Some(end);
    }
}

/// Turns rows of cells into cards, interning candidates as it meets them.
pub(crate) struct RankRowReader<'o> {
    options: &'o SourceOptions,
    file: Arc<str>,
    file_name: String,
    contest: ContestId,
    layout: RankLayout,
    /// Cards made so far (numbers the ids made when there is no id column).
    cards: u64,
    /// Whether a row with no text is a ballot (xlsx, as RCTab counts it) or
    /// is skipped (csv blank lines).
    keep_blank_rows: bool,
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
            file_name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| path.display().to_string()),
            contest,
            layout,
            cards: 0,
            keep_blank_rows: false,
        }
    }

    /// Count rows with no text as ballots with no marks (RCTab counts every
    /// row element of an xlsx sheet from the first vote row on).
    pub fn keep_blank_rows(&mut self) {
        self.keep_blank_rows = true;
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
    /// a row above `first_row`, and for a row with no text at all unless
    /// blank rows are kept.
    ///
    /// Without an id column the card id is `<file name>-<k>`, `k` counting
    /// the cards of the file from 1, as RCTab names ES&S records.
    pub fn card(
        &mut self,
        row_number: u64,
        row: &[String],
        election: &mut Election,
    ) -> Result<Option<Card>, FormatError> {
        if row_number < self.layout.first_row
            || (!self.keep_blank_rows && row.iter().all(|c| c.trim().is_empty()))
        {
            return Ok(None);
        }
        self.cards += 1;
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
        // An id column that is given must hold an id on every ballot row
        // (RCTab refuses the file otherwise).
        let id = match self.layout.id {
            Some(i) => {
                let id = cell(row, i);
                if id.is_empty() {
                    return Err(FormatError::MissingField {
                        at: Location::record(Path::new(&*self.file), row_number)
                            .field(format!("id (column {})", i + 1)),
                    });
                }
                id.to_owned()
            }
            None => format!("{}-{}", self.file_name, self.cards),
        };
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
        &mut self,
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

/// Call `each(record, cells)` for every record of a CSV file, with the
/// 1-based record number (the header row is record 1). Blank lines are
/// skipped by the `csv` crate and not numbered. (The `csv` crate's own line
/// positions lag by one after CRLF line ends, so records are counted here.)
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
    let mut number = 0u64;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {
                number += 1;
                let line = number;
                row.clear();
                row.extend(
                    record
                        .iter()
                        .map(|s| s.trim_start_matches('\u{feff}').to_owned()),
                );
                each(line, &row)?;
            }
            Err(e) => {
                let at = Location::record(path, number + 1);
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
