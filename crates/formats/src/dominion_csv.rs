//! Dominion Democracy Suite CVR export, CSV (the layout Colorado publishes).
//!
//! Four header rows, then one row per card:
//!
//! 1. the election name and the software version;
//! 2. over each vote column, the contest: `Mayor (Vote For=1)`, or for a
//!    ranked contest `Mayor (Number of positions=1, Number of ranks=3)`;
//! 3. over each vote column, the choice (candidate) name; in a ranked
//!    contest the choice and the rank the column holds, `Ada Lovelace(2)`,
//!    one column per candidate per rank (Dominion lists every candidate at
//!    rank 1, then every candidate at rank 2, ...);
//! 4. the column names: `CvrNumber, TabulatorNum, BatchId, RecordId,
//!    ImprintedId`, and where the export has them `CountingGroup`,
//!    `PrecinctPortion`, `BallotType` (and more); over vote columns, parties.
//!
//! A vote cell is `1` (marked) or `0` (not marked); a contest whose cells are
//! all empty is not on the card (its ballot style does not hold it). In a
//! ranked contest a `1` marks that candidate at that column's rank; several
//! at one rank are kept (an overvote at that rank). Some exports write
//! cells as spreadsheet formulas (`="102-1-7"`); the `=` and quotes are
//! dropped. The metadata columns end where the contest row starts. Rows are
//! streamed.

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
    /// The rank the column holds (1 in contests that are not ranked).
    rank: u32,
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

/// What a contest header cell says.
#[derive(Debug, PartialEq, Eq)]
struct ContestHeader {
    name: String,
    /// `Vote For=N` or `Number of positions=N` (at least 1).
    seats: u32,
    /// `Number of ranks=R` for a ranked contest.
    ranks: Option<u32>,
}

/// The number after `key` in `text` (`Vote For=2` → 2).
fn number_after(text: &str, key: &str) -> Option<u32> {
    let at = text.find(key)? + key.len();
    let digits: String = text
        .get(at..)?
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// Split `Mayor (Vote For=2)` into the name and the number to vote for, and
/// `Mayor (Number of positions=1, Number of ranks=3)` into the name, the
/// seats and the ranks.
fn contest_header(cell: &str) -> ContestHeader {
    let cell = cell.trim();
    let plain = |name: &str| ContestHeader {
        name: name.to_owned(),
        seats: 1,
        ranks: None,
    };
    let Some(open) = cell.rfind('(') else {
        return plain(cell);
    };
    let (Some(name), Some(inner)) = (cell.get(..open), cell.get(open + 1..)) else {
        return plain(cell);
    };
    let Some(inner) = inner.strip_suffix(')') else {
        return plain(cell);
    };
    let name = name.trim_end().to_owned();
    if inner.starts_with("Vote For=") {
        if let Some(n) = number_after(inner, "Vote For=") {
            return ContestHeader {
                name,
                seats: n.max(1),
                ranks: None,
            };
        }
    } else if inner.starts_with("Number of positions=")
        && let (Some(seats), Some(ranks)) = (
            number_after(inner, "Number of positions="),
            number_after(inner, "Number of ranks="),
        )
        && ranks > 0
    {
        return ContestHeader {
            name,
            seats: seats.max(1),
            ranks: Some(ranks),
        };
    }
    plain(cell)
}

/// Split a ranked contest's choice header `Ada Lovelace(2)` into the
/// choice and the rank (1 or more).
fn ranked_choice(cell: &str) -> Option<(&str, u32)> {
    let body = cell.trim().strip_suffix(')')?;
    let open = body.rfind('(')?;
    let rank: u32 = body.get(open + 1..)?.trim().parse().ok()?;
    let name = body.get(..open)?.trim_end();
    (rank > 0 && !name.is_empty()).then_some((name, rank))
}

/// A cell without the spreadsheet-formula wrapping some exports add
/// (`="102-1-7"` → `102-1-7`).
fn unformula(cell: &str) -> &str {
    let cell = cell.trim();
    match cell.strip_prefix('=') {
        Some(rest) => rest.trim().trim_matches('"').trim(),
        None => cell,
    }
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
    if names.get(0).map(unformula) != Some("CvrNumber") {
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
        let slot = match unformula(name) {
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
        let header = contest_header(cell);
        let name = header.name;
        let wanted = options
            .contest
            .as_deref()
            .is_none_or(|w| w == name || w == cell.trim());
        if name.is_empty() || !wanted {
            columns.push(None);
            continue;
        }
        let kind = if header.ranks.is_some() {
            ContestKind::Ranked
        } else {
            ContestKind::Plurality
        };
        let contest = election.intern_contest(&name, &name, kind);
        {
            let c = election.contest_mut(contest);
            c.seats = header.seats;
            if header.ranks.is_some() {
                c.kind = ContestKind::Ranked;
                c.max_ranks = header.ranks;
            }
        }
        let raw = choices.get(i).unwrap_or_default().trim();
        let (choice, rank) = match header.ranks {
            Some(ranks) => {
                let Some((choice, rank)) = ranked_choice(raw).filter(|(_, r)| *r <= ranks) else {
                    return Err(FormatError::invalid(
                        Location::record(path, 3).field(format!("column {}", i + 1)),
                        format!(
                            "{raw:?} is not a choice and a rank from 1 to {ranks} such as \"Ada Lovelace(1)\" (contest {name:?} is ranked)"
                        ),
                    ));
                };
                (choice.to_owned(), rank)
            }
            None if raw.is_empty() => (format!("column {}", i + 1), 1),
            None => (raw.to_owned(), 1),
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
        columns.push(Some(Column {
            contest,
            candidate,
            rank,
        }));
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
                .map(unformula)
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
                        marks.push(Mark::ranked(col.rank, Choice::Candidate(col.candidate)));
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
