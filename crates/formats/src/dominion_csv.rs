//! Dominion Democracy Suite CVR export, CSV (the layout Colorado publishes).
//!
//! Four header rows, then one row per card:
//!
//! 1. the election name and the software version;
//! 2. over each vote column, the contest: `Mayor (Vote For=1)`;
//! 3. over each vote column, the choice (candidate) name;
//! 4. the column names: `CvrNumber, TabulatorNum, BatchId, RecordId,
//!    ImprintedId`, and where the export has them `CountingGroup`,
//!    `PrecinctPortion`, `BallotType` (and more); over vote columns, parties.
//!
//! A vote cell is `1` (marked) or `0` (not marked); a contest whose cells are
//! all empty is not on the card (its ballot style does not hold it). The
//! metadata columns end where the contest row starts. Rows are streamed.

use crate::CardSink;
use crate::error::{FormatError, Location};
use crate::options::{Format, SourceOptions};
use canvass_model::{
    CandidateId, CandidateKind, Card, CardId, CardLocation, Choice, ContestId, ContestKind,
    ContestVotes, Election, Mark, SourceRef,
};
use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::sync::Arc;

/// One vote column.
struct Column {
    contest: ContestId,
    candidate: CandidateId,
}

/// The metadata columns this reader uses, by position.
#[derive(Default)]
struct Meta {
    cvr_number: Option<usize>,
    tabulator: Option<usize>,
    batch: Option<usize>,
    record: Option<usize>,
    imprinted: Option<usize>,
    counting_group: Option<usize>,
    precinct: Option<usize>,
    ballot_type: Option<usize>,
}

/// Split `Mayor (Vote For=2)` into the name and the number to vote for.
fn contest_header(cell: &str) -> (String, u32) {
    let cell = cell.trim();
    if let Some(open) = cell.rfind("(Vote For=")
        && let Some(rest) = cell.get(open + "(Vote For=".len()..)
        && let Some(n) = rest.strip_suffix(')')
        && let Ok(n) = n.trim().parse::<u32>()
    {
        let name = cell.get(..open).unwrap_or(cell).trim_end();
        return (name.to_owned(), n.max(1));
    }
    (cell.to_owned(), 1)
}

fn write_in_kind(name: &str) -> CandidateKind {
    let n = name.trim().to_ascii_lowercase();
    if matches!(
        n.as_str(),
        "write-in" | "write-ins" | "write in" | "writein"
    ) {
        CandidateKind::UndeclaredWriteIn
    } else {
        CandidateKind::Regular
    }
}

fn csv_error(path: &Path, record: Option<u64>, e: csv::Error) -> FormatError {
    let at = Location {
        record,
        ..Location::file(path)
    };
    match e.into_kind() {
        csv::ErrorKind::Io(io) => FormatError::Io { at, source: io },
        csv::ErrorKind::Utf8 { err, .. } => {
            FormatError::invalid(at, format!("text is not UTF-8: {err}"))
        }
        other => FormatError::invalid(at, format!("{other:?}")),
    }
}

/// Read a Dominion CVR CSV export, streaming its rows to `sink`.
pub fn read(
    path: &Path,
    options: &SourceOptions,
    election: &mut Election,
    sink: &mut CardSink<'_>,
) -> Result<(), FormatError> {
    let f = File::open(path).map_err(|e| FormatError::io(path, e))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(BufReader::with_capacity(1 << 20, f));
    let mut rows = reader.records();
    let mut header = |n: u64, what: &str| -> Result<csv::StringRecord, FormatError> {
        match rows.next() {
            Some(r) => r.map_err(|e| csv_error(path, Some(n), e)),
            None => Err(FormatError::Truncated {
                at: Location::record(path, n),
                message: format!("the header row with {what} is missing"),
            }),
        }
    };
    let title = header(1, "the election name")?;
    let contests = header(2, "the contests")?;
    let choices = header(3, "the choices")?;
    let names = header(4, "the column names")?;
    if names.get(0).map(str::trim) != Some("CvrNumber") {
        return Err(FormatError::WrongFormat {
            at: Location::record(path, 4).field("CvrNumber"),
            expected: Format::DominionCsv,
            found: "row 4 does not start with CvrNumber".into(),
        });
    }
    if election.name.is_none() {
        election.name = title
            .get(0)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
    }
    let first_vote = contests
        .iter()
        .position(|c| !c.trim().is_empty())
        .unwrap_or(contests.len());
    let mut meta = Meta::default();
    for (i, name) in names.iter().enumerate().take(first_vote) {
        let slot = match name.trim() {
            "CvrNumber" => &mut meta.cvr_number,
            "TabulatorNum" => &mut meta.tabulator,
            "BatchId" => &mut meta.batch,
            "RecordId" => &mut meta.record,
            "ImprintedId" => &mut meta.imprinted,
            "CountingGroup" => &mut meta.counting_group,
            "PrecinctPortion" => &mut meta.precinct,
            "BallotType" => &mut meta.ballot_type,
            _ => continue,
        };
        *slot = Some(i);
    }
    // The vote columns, grouped by contest in file order.
    let mut columns: Vec<Option<Column>> = Vec::new();
    let mut groups: Vec<(ContestId, usize, usize)> = Vec::new();
    for i in first_vote..contests.len() {
        let cell = contests.get(i).unwrap_or_default();
        let (name, vote_for) = contest_header(cell);
        let wanted = options
            .contest
            .as_deref()
            .is_none_or(|w| w == name || w == cell.trim());
        if name.is_empty() || !wanted {
            columns.push(None);
            continue;
        }
        let contest = election.intern_contest(&name, &name, ContestKind::Plurality);
        election.contest_mut(contest).seats = vote_for;
        let choice = choices.get(i).unwrap_or_default().trim();
        let choice = if choice.is_empty() {
            format!("column {}", i + 1)
        } else {
            choice.to_owned()
        };
        let candidate = election.contest_mut(contest).intern_candidate_of_kind(
            &choice,
            &choice,
            write_in_kind(&choice),
        );
        match groups.last_mut() {
            Some((c, _, end)) if *c == contest && *end == i => *end = i + 1,
            _ => groups.push((contest, i, i + 1)),
        }
        columns.push(Some(Column { contest, candidate }));
    }
    if let (Some(w), true) = (&options.contest, groups.is_empty()) {
        return Err(FormatError::UnknownContest {
            at: Location::record(path, 2),
            contest: w.clone(),
        });
    }
    let file: Arc<str> = Arc::from(path.display().to_string());
    let mut record = 4u64;
    let mut row = csv::StringRecord::new();
    drop(rows);
    loop {
        record += 1;
        match reader.read_record(&mut row) {
            Ok(true) => {}
            Ok(false) => return Ok(()),
            Err(e) => return Err(csv_error(path, Some(record), e)),
        }
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let at = || Location::record(path, record);
        let get = |i: Option<usize>| {
            i.and_then(|i| row.get(i))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let tabulator = get(meta.tabulator);
        let batch = get(meta.batch);
        let rec = get(meta.record);
        let imprinted = get(meta.imprinted);
        let id = match (&tabulator, &batch, &rec) {
            (Some(t), Some(b), Some(r)) => format!("{t}-{b}-{r}"),
            _ => imprinted
                .clone()
                .or_else(|| get(meta.cvr_number))
                .ok_or_else(|| FormatError::MissingField {
                    at: at().field("CvrNumber"),
                })?,
        };
        let mut card = Card::new(CardId::new(id));
        card.location = CardLocation {
            position: rec.as_deref().and_then(|r| r.parse().ok()),
            tabulator,
            batch,
            imprinted_id: imprinted,
        };
        card.counting_group = get(meta.counting_group);
        card.precinct = get(meta.precinct);
        card.ballot_style = get(meta.ballot_type);
        card.source = SourceRef {
            file: Arc::clone(&file),
            record,
        };
        for &(contest, start, end) in &groups {
            let mut present = false;
            let mut marks = Vec::new();
            for i in start..end {
                let cell = row.get(i).unwrap_or_default().trim();
                let Some(Some(col)) = columns.get(i - first_vote) else {
                    continue;
                };
                match cell {
                    "" => {}
                    "0" => present = true,
                    "1" => {
                        present = true;
                        marks.push(Mark::vote(Choice::Candidate(col.candidate)));
                    }
                    other => {
                        let column = choices.get(i).unwrap_or_default();
                        return Err(FormatError::invalid(
                            at().field(column),
                            format!("a vote cell must be 0, 1 or empty, not {other:?}"),
                        ));
                    }
                }
                debug_assert_eq!(col.contest, contest);
            }
            if present {
                card.contests.push(ContestVotes::new(contest, marks));
            }
        }
        sink(election, card)?;
    }
}
