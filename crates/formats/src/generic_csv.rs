//! RCTab's generic CSV: one row per ballot; from `firstVoteColumnIndex` on,
//! one column per candidate (the header row names it) and in each cell the
//! rank the voter gave that candidate (empty: not ranked). Two candidates
//! with the same rank on one row are an overvote at that rank, which the
//! tabulation's overvote rule decides.
//!
//! The same reader also takes the transposed layout, one column per rank
//! with candidate names in the cells (VoteKit's `rank1,rank2,rank3` export
//! of Minneapolis 2013), when every vote column's header is a rank header
//! such as `rank1`, `Rank 2`, `choice_3` or `2nd choice`. Then the cells are
//! read exactly as ES&S cells, with the same labels.

use crate::CardSink;
use crate::error::{FormatError, Location};
use crate::options::SourceOptions;
use crate::tabular::{RankLayout, RankRowReader, file_stem, for_each_csv_row, single_contest};
use canvass_model::{
    CandidateId, CandidateKind, Card, CardId, Choice, ContestId, ContestVotes, Election, Mark,
    SourceRef,
};
use std::path::Path;
use std::sync::Arc;

/// True for a header that names a rank position rather than a candidate:
/// a rank word (`rank`, `choice`, `pref`, `preference`) and a number, in
/// either order, optionally with an ordinal suffix.
pub(crate) fn is_strict_rank_header(header: &str) -> bool {
    let h = header.trim().to_ascii_lowercase();
    let words: Vec<&str> = h.split([' ', '_', '-']).filter(|w| !w.is_empty()).collect();
    let is_word = |w: &str| matches!(w, "rank" | "choice" | "pref" | "preference");
    let is_number = |w: &str| {
        let digits = w.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        let suffix = &w[digits.len()..];
        !digits.is_empty()
            && digits.chars().all(|c| c.is_ascii_digit())
            && matches!(suffix, "" | "st" | "nd" | "rd" | "th")
    };
    match words.as_slice() {
        // "rank1", "choice2"
        [w] => {
            let word = w.trim_end_matches(|c: char| c.is_ascii_digit());
            word.len() < w.len() && is_word(word)
        }
        [a, b] => (is_word(a) && is_number(b)) || (is_number(a) && is_word(b)),
        _ => false,
    }
}

/// Read RCTab generic CSV (or its rank-column variant, see the module docs).
pub(crate) fn read(
    path: &Path,
    options: &SourceOptions,
    election: &mut Election,
    sink: &mut CardSink<'_>,
) -> Result<(), FormatError> {
    let layout = RankLayout::from_options(path, options, 2, 2)?;
    let header_row = layout.first_row.checked_sub(1).filter(|r| *r >= 1);
    let contest = single_contest(path, options, election);
    let mut state = State::Header {
        rank_reader: RankRowReader::new(path, options, contest, layout.clone()),
    };
    let mut seen_header = header_row.is_none();
    let file: Arc<str> = Arc::from(path.display().to_string());
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| file_stem(path));
    let mut made = 0u64;
    for_each_csv_row(path, |number, row| {
        if Some(number) == header_row {
            seen_header = true;
            let headers: Vec<&str> = row
                .iter()
                .skip(layout.first_vote)
                .map(|s| s.trim())
                .collect();
            let named: Vec<&str> = headers.iter().copied().filter(|h| !h.is_empty()).collect();
            if named.is_empty() {
                return Err(FormatError::WrongFormat {
                    at: Location::record(path, number),
                    expected: crate::Format::GenericCsv,
                    found: format!(
                        "the header row has no candidate names from column {}",
                        layout.first_vote + 1
                    ),
                });
            }
            state = if named.iter().all(|h| is_strict_rank_header(h)) {
                let mut rank_reader = RankRowReader::new(path, options, contest, layout.clone());
                rank_reader.layout_mut().end_vote = Some(layout.first_vote + headers.len());
                State::Ranks { rank_reader }
            } else {
                let mut columns = Vec::with_capacity(headers.len());
                for (i, h) in headers.iter().enumerate() {
                    if h.is_empty() {
                        columns.push(None);
                        continue;
                    }
                    let uwi = options
                        .undeclared_write_in_label
                        .as_deref()
                        .is_some_and(|l| !l.is_empty() && l == *h);
                    let kind = if uwi {
                        CandidateKind::UndeclaredWriteIn
                    } else {
                        CandidateKind::Regular
                    };
                    let id = election
                        .contest_mut(contest)
                        .intern_candidate_of_kind(h, h, kind);
                    columns.push(Some((layout.first_vote + i, id)));
                }
                State::Candidates { columns }
            };
            return Ok(());
        }
        if number < layout.first_row || row.iter().all(|c| c.trim().is_empty()) {
            return Ok(());
        }
        match &mut state {
            State::Header { rank_reader } => {
                if !seen_header {
                    return Err(FormatError::MissingField {
                        at: Location::record(path, number).field("header row"),
                    });
                }
                rank_reader.row(number, row, election, sink)
            }
            State::Ranks { rank_reader } => rank_reader.row(number, row, election, sink),
            State::Candidates { columns } => {
                made += 1;
                let id = format!("{file_name}-{made}");
                let card = candidate_row(path, &file, id, &layout, contest, columns, number, row)?;
                sink(election, card)
            }
        }
    })?;
    if !seen_header {
        return Err(FormatError::Truncated {
            at: Location::file(path),
            message: "the file ends before its header row".into(),
        });
    }
    Ok(())
}

enum State<'o> {
    /// Before the header row (only reached when rows precede it).
    Header { rank_reader: RankRowReader<'o> },
    /// Columns are ranks, cells are candidates.
    Ranks { rank_reader: RankRowReader<'o> },
    /// Columns are candidates (0-based column, candidate), cells are ranks.
    Candidates {
        columns: Vec<Option<(usize, CandidateId)>>,
    },
}

#[allow(clippy::too_many_arguments)]
fn candidate_row(
    path: &Path,
    file: &Arc<str>,
    default_id: String,
    layout: &RankLayout,
    contest: ContestId,
    columns: &[Option<(usize, CandidateId)>],
    number: u64,
    row: &[String],
) -> Result<Card, FormatError> {
    let cell = |i: usize| row.get(i).map(|s| s.trim()).unwrap_or("");
    let mut marks = Vec::new();
    for (col, candidate) in columns.iter().flatten() {
        let text = cell(*col);
        if text.is_empty() {
            continue;
        }
        let rank: u32 = match text.parse::<u32>() {
            Ok(r) if r >= 1 => r,
            _ => {
                // Spreadsheets sometimes write whole numbers as "2.0".
                match text.strip_suffix(".0").and_then(|t| t.parse::<u32>().ok()) {
                    Some(r) if r >= 1 => r,
                    _ => {
                        return Err(FormatError::invalid(
                            Location::record(path, number).field(format!("column {}", col + 1)),
                            format!("rank {text:?} is not a whole number of at least 1"),
                        ));
                    }
                }
            }
        };
        marks.push(Mark::ranked(rank, Choice::Candidate(*candidate)));
    }
    let text = |i: Option<usize>| i.map(cell).filter(|s| !s.is_empty()).map(str::to_owned);
    let id = text(layout.id).unwrap_or(default_id);
    let mut card = Card::new(CardId::new(id));
    card.precinct = text(layout.precinct);
    card.location.batch = text(layout.batch);
    card.source = SourceRef {
        file: file.clone(),
        record: number,
    };
    card.contests.push(ContestVotes::new(contest, marks));
    Ok(card)
}
