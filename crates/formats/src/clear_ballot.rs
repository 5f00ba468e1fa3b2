//! Clear Ballot (ClearVote) CVR CSV: one row per card; fixed columns
//! (`RowNumber`, `BoxID`, `BoxPosition`, `BallotID`, `PrecinctID`,
//! `BallotStyleID`, `PrecinctStyleName`, `ScanComputerName`, `Status`,
//! `Remade`), then one column per contest choice and rank whose header
//! encodes them:
//! `Choice_<choice id>_<n>:<contest>:<rank>:Number of Winners <seats>:<candidate>:<party>`.
//! A cell of `1` marks that choice at that rank. Contest names may contain
//! commas (the header cell is quoted) and colons, so the header is split
//! around its `Number of Winners` part.

use crate::CardSink;
use crate::error::{FormatError, Location};
use crate::options::{Format, SourceOptions};
use crate::tabular::for_each_csv_row;
use canvass_model::{
    CandidateId, CandidateKind, Card, CardId, Choice, ContestId, ContestKind, ContestVotes,
    Election, Mark, SourceRef,
};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// One vote column, parsed from its header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ChoiceColumn {
    /// The choice's id (`Choice_<id>_...`).
    pub choice_id: String,
    /// The contest name.
    pub contest: String,
    /// The rank (1 for contests that are not ranked).
    pub rank: u32,
    /// The number of winners.
    pub seats: u32,
    /// The candidate name.
    pub candidate: String,
}

/// Parse a `Choice_...` header; `None` when the header is not a choice column.
pub(crate) fn parse_choice_header(header: &str) -> Option<ChoiceColumn> {
    let rest = header.trim().strip_prefix("Choice_")?;
    let parts: Vec<&str> = rest.split(':').collect();
    let winners = parts
        .iter()
        .position(|p| p.starts_with("Number of Winners"))?;
    if winners < 3 || parts.len() < winners + 3 {
        return None;
    }
    let head = parts.first()?;
    let choice_id = head.split('_').next()?.to_owned();
    let rank: u32 = parts.get(winners - 1)?.trim().parse().ok()?;
    let contest = parts.get(1..winners - 1)?.join(":");
    let seats: u32 = parts
        .get(winners)?
        .trim_start_matches("Number of Winners")
        .trim()
        .parse()
        .ok()?;
    let candidate = parts.get(winners + 1..parts.len() - 1)?.join(":");
    Some(ChoiceColumn {
        choice_id,
        contest,
        rank,
        seats,
        candidate,
    })
}

/// The fixed columns a Clear Ballot CVR starts with; at least these must be present.
const REQUIRED: [&str; 2] = ["BallotID", "PrecinctID"];

/// Read a Clear Ballot CVR CSV.
pub(crate) fn read(
    path: &Path,
    options: &SourceOptions,
    election: &mut Election,
    sink: &mut CardSink<'_>,
) -> Result<(), FormatError> {
    let file: Arc<str> = Arc::from(path.display().to_string());
    let wanted = options.contest.as_deref().filter(|c| !c.is_empty());
    // Per column: (contest, rank, candidate); None for fixed columns.
    let mut columns: Vec<Option<(ContestId, u32, CandidateId)>> = Vec::new();
    let mut fixed: BTreeMap<String, usize> = BTreeMap::new();
    let mut contests: Vec<ContestId> = Vec::new();
    let mut header_seen = false;
    for_each_csv_row(path, |number, row| {
        if !header_seen {
            header_seen = true;
            let mut by_contest: BTreeMap<String, (u32, u32)> = BTreeMap::new();
            let mut parsed = Vec::with_capacity(row.len());
            for (i, h) in row.iter().enumerate() {
                match parse_choice_header(h) {
                    Some(c) => {
                        let e = by_contest.entry(c.contest.clone()).or_insert((c.seats, 1));
                        e.1 = e.1.max(c.rank);
                        parsed.push(Some(c));
                    }
                    None => {
                        fixed.insert(h.trim().to_owned(), i);
                        parsed.push(None);
                    }
                }
            }
            if by_contest.is_empty() || REQUIRED.iter().any(|r| !fixed.contains_key(*r)) {
                return Err(FormatError::WrongFormat {
                    at: Location::record(path, number),
                    expected: Format::ClearBallot,
                    found: "the header has no BallotID/PrecinctID columns or no Choice_ columns"
                        .into(),
                });
            }
            if let Some(w) = wanted.filter(|w| !by_contest.contains_key(*w)) {
                return Err(FormatError::UnknownContest {
                    at: Location::record(path, number),
                    contest: w.to_owned(),
                });
            }
            for c in parsed {
                let Some(c) = c.filter(|c| wanted.is_none_or(|w| w == c.contest)) else {
                    columns.push(None);
                    continue;
                };
                let (seats, max_rank) = by_contest.get(&c.contest).copied().unwrap_or((1, 1));
                let kind = if max_rank > 1 {
                    ContestKind::Ranked
                } else if seats > 1 {
                    ContestKind::Approval
                } else {
                    ContestKind::Plurality
                };
                let contest = election.intern_contest(&c.contest, &c.contest, kind);
                if !contests.contains(&contest) {
                    contests.push(contest);
                }
                let ct = election.contest_mut(contest);
                ct.seats = seats.max(1);
                if max_rank > 1 {
                    ct.max_ranks = Some(max_rank);
                }
                let uwi = options
                    .undeclared_write_in_label
                    .as_deref()
                    .is_some_and(|l| !l.is_empty() && l == c.candidate);
                let kind = if uwi {
                    CandidateKind::UndeclaredWriteIn
                } else {
                    CandidateKind::Regular
                };
                // Candidates are named as written: RCTab matches the name.
                let candidate = ct.intern_candidate_of_kind(&c.candidate, &c.candidate, kind);
                columns.push(Some((contest, c.rank, candidate)));
            }
            return Ok(());
        }
        if row.iter().all(|c| c.trim().is_empty()) {
            return Ok(());
        }
        let get = |name: &str| {
            fixed
                .get(name)
                .and_then(|i| row.get(*i))
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let mut marks: BTreeMap<ContestId, Vec<Mark>> =
            contests.iter().map(|c| (*c, Vec::new())).collect();
        for (i, col) in columns.iter().enumerate() {
            let Some((contest, rank, candidate)) = col else {
                continue;
            };
            let text = row.get(i).map(|s| s.trim()).unwrap_or("");
            match text {
                "" | "0" => {}
                "1" => marks
                    .entry(*contest)
                    .or_default()
                    .push(Mark::ranked(*rank, Choice::Candidate(*candidate))),
                other => {
                    return Err(FormatError::invalid(
                        Location::record(path, number).field(format!("column {}", i + 1)),
                        format!("a choice cell must be 0 or 1, found {other:?}"),
                    ));
                }
            }
        }
        let id = get("BallotID")
            .unwrap_or_else(|| format!("{}-{number}", crate::tabular::file_stem(path)));
        let mut card = Card::new(CardId::new(id));
        card.precinct = get("PrecinctID");
        card.ballot_style = get("BallotStyleID");
        card.location.batch = get("BoxID");
        card.location.position = get("BoxPosition").and_then(|p| p.parse().ok());
        card.location.tabulator = get("ScanComputerName");
        card.source = SourceRef {
            file: file.clone(),
            record: number,
        };
        // Contests in header order.
        for contest in &contests {
            let m = marks.remove(contest).unwrap_or_default();
            card.contests.push(ContestVotes::new(*contest, m));
        }
        sink(election, card)
    })?;
    if !header_seen {
        return Err(FormatError::Truncated {
            at: Location::file(path),
            message: "the file is empty; a Clear Ballot CVR starts with a header row".into(),
        });
    }
    Ok(())
}
