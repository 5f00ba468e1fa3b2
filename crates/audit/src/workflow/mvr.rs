//! Manual vote records: what audit boards read from the paper, checked against
//! the audit before anything is stored.
//!
//! A record names its card by `card_id`, or by `batch` and `position` (with
//! `tabulator` when batch names repeat across tabulators), and gives per
//! targeted contest one cell: candidate names separated by `;`, `blank` (the
//! contest is on the card, unmarked), `overvote`, `write-in`, or empty (the
//! contest is not on this card). `not found` in any contest cell means the card
//! could not be found; then every filled cell must say so.

use super::discrepancy::Paper;
use super::error::WorkflowError;
use super::spec::{AuditCard, AuditSpec, Selection};
use std::collections::{BTreeMap, BTreeSet};

/// One record as read from a file, before it is checked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MvrRow {
    /// The file, as the user named it.
    pub file: String,
    /// The row (CSV: 1 is the header, so data starts at 2) or the 1-based
    /// element of a JSON array.
    pub row: u64,
    /// `card_id`, when given.
    pub card_id: Option<String>,
    /// `tabulator`, when given.
    pub tabulator: Option<String>,
    /// `batch`, when given.
    pub batch: Option<String>,
    /// `position`, when given (text, checked here).
    pub position: Option<String>,
    /// (contest name, cell) for every contest field of the record.
    pub contests: Vec<(String, String)>,
}

/// Finds cards by id or by place.
pub struct CardIndex {
    by_id: BTreeMap<String, usize>,
    by_place: BTreeMap<(String, u64), Vec<usize>>,
}

impl CardIndex {
    /// Index the audit's cards.
    pub fn new(cards: &[AuditCard]) -> CardIndex {
        let mut by_id = BTreeMap::new();
        let mut by_place: BTreeMap<(String, u64), Vec<usize>> = BTreeMap::new();
        for (i, c) in cards.iter().enumerate() {
            if let Some(id) = &c.card_id {
                by_id.entry(id.clone()).or_insert(i);
            }
            by_place
                .entry((c.batch.clone(), c.position))
                .or_default()
                .push(i);
        }
        CardIndex { by_id, by_place }
    }
}

/// Check one record: the card exists and was drawn, every contest is targeted,
/// every name is a candidate. Returns the card's index and what the paper shows.
pub fn interpret(
    spec: &AuditSpec,
    cards: &[AuditCard],
    index: &CardIndex,
    drawn: &BTreeSet<usize>,
    row: &MvrRow,
) -> Result<(usize, Paper), WorkflowError> {
    let err = |field: &str, problem: String| WorkflowError::Mvr {
        file: row.file.clone(),
        row: row.row,
        field: field.to_owned(),
        problem,
    };
    let by_id = match row
        .card_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(id) => Some(
            *index
                .by_id
                .get(id)
                .ok_or_else(|| err("card_id", format!("no card {id:?} in the audit")))?,
        ),
        None => None,
    };
    let batch = row
        .batch
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let position = row
        .position
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let by_place = match (batch, position) {
        (Some(b), Some(p)) => {
            let pos: u64 = p
                .parse()
                .map_err(|_| err("position", format!("{p:?} is not a whole number")))?;
            let hits = index
                .by_place
                .get(&(b.to_owned(), pos))
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            let tab = row
                .tabulator
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty());
            let hits: Vec<usize> = hits
                .iter()
                .copied()
                .filter(|&i| {
                    tab.is_none() || cards.get(i).and_then(|c| c.tabulator.as_deref()) == tab
                })
                .collect();
            match hits.as_slice() {
                [one] => Some(*one),
                [] => {
                    return Err(err(
                        "position",
                        format!("no card at position {pos} of batch {b:?}"),
                    ));
                }
                _ => {
                    return Err(err(
                        "tabulator",
                        format!("batch {b:?} exists under several tabulators; name the tabulator"),
                    ));
                }
            }
        }
        (Some(_), None) => {
            return Err(err("position", "batch is given but position is not".into()));
        }
        (None, Some(_)) => return Err(err("batch", "position is given but batch is not".into())),
        (None, None) => None,
    };
    let card = match (by_id, by_place) {
        (Some(a), Some(b)) if a != b => {
            return Err(err(
                "card_id",
                "card_id and batch/position name different cards".into(),
            ));
        }
        (Some(a), _) | (None, Some(a)) => a,
        (None, None) => {
            return Err(err(
                "card_id",
                "name the card by card_id or by batch and position".into(),
            ));
        }
    };
    if !drawn.contains(&card) {
        return Err(err(
            "card_id",
            "this card was not drawn in any round".into(),
        ));
    }

    let mut selections = vec![Selection::Absent; spec.contests.len()];
    let mut filled = vec![false; spec.contests.len()];
    let mut not_found = 0usize;
    let mut found_cells = 0usize;
    for (name, cell) in &row.contests {
        let Some(ci) = spec.contests.iter().position(|c| &c.name == name) else {
            return Err(err(
                name,
                format!("{name:?} is not a contest of this audit"),
            ));
        };
        let contest = &spec.contests[ci];
        if std::mem::replace(&mut filled[ci], true) {
            return Err(err(name, "the contest appears twice in the record".into()));
        }
        let cell = cell.trim();
        if cell.is_empty() {
            continue;
        }
        if cell.eq_ignore_ascii_case("not found") {
            not_found += 1;
            continue;
        }
        found_cells += 1;
        selections[ci] = Selection::parse(contest, cell).map_err(|problem| err(name, problem))?;
    }
    if not_found > 0 && found_cells > 0 {
        return Err(err(
            "not found",
            "the card is marked both found and not found".into(),
        ));
    }
    Ok((
        card,
        if not_found > 0 {
            Paper::NotFound
        } else {
            Paper::Found(selections)
        },
    ))
}

/// Every paper record accepted so far, by card. A card may be entered again
/// only with the same reading.
#[derive(Clone, Debug, Default)]
pub struct MvrBook {
    /// What the paper shows, by card index.
    pub paper: BTreeMap<usize, Paper>,
    origin: BTreeMap<usize, String>,
}

impl MvrBook {
    /// Add a checked record; `Ok(false)` when the same reading was already there.
    pub fn add(&mut self, card: usize, paper: Paper, row: &MvrRow) -> Result<bool, WorkflowError> {
        if let Some(old) = self.paper.get(&card) {
            if *old == paper {
                return Ok(false);
            }
            let origin = self.origin.get(&card).cloned().unwrap_or_default();
            return Err(WorkflowError::Mvr {
                file: row.file.clone(),
                row: row.row,
                field: "card_id".into(),
                problem: format!("the card was already recorded differently ({origin})"),
            });
        }
        self.paper.insert(card, paper);
        self.origin
            .insert(card, format!("{}, row {}", row.file, row.row));
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::spec::{BatchSpec, ContestSpec, Method, RiskFunction};

    fn audit() -> (AuditSpec, Vec<AuditCard>) {
        let contest = ContestSpec {
            name: "Mayor".into(),
            seats: 1,
            vote_limit: Some(1),
            candidates: vec!["Alice".into(), "Bob".into(), "Write-in".into()],
            write_in: 2,
            reported: vec![2, 1, 0],
            winners: vec![0],
            cvr_cards: 3,
            universe: 4,
            rule: Default::default(),
        };
        let card = |p: u64, id: Option<&str>| AuditCard {
            tabulator: None,
            batch: "b1".into(),
            position: p,
            imprinted_id: None,
            card_id: id.map(str::to_owned),
            votes: vec![Selection::Blank],
        };
        let spec = AuditSpec {
            risk_limit: 0.05,
            method: Method::Comparison,
            risk_function: RiskFunction::KaplanMarkov,
            contests: vec![contest],
            batches: vec![BatchSpec {
                tabulator: None,
                batch: "b1".into(),
                cards: 4,
            }],
            cards: 4,
            cvrs: 3,
            phantoms: 1,
        };
        (
            spec,
            vec![
                card(1, Some("c1")),
                card(2, Some("c2")),
                card(3, Some("c3")),
                card(4, None),
            ],
        )
    }

    fn row(card_id: &str, batch: &str, position: &str, cells: &[(&str, &str)]) -> MvrRow {
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        MvrRow {
            file: "mvr.csv".into(),
            row: 2,
            card_id: opt(card_id),
            tabulator: None,
            batch: opt(batch),
            position: opt(position),
            contests: cells
                .iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect(),
        }
    }

    fn check(r: MvrRow, expected: Result<(usize, Paper), &str>) {
        let (spec, cards) = audit();
        let index = CardIndex::new(&cards);
        let drawn: BTreeSet<usize> = [0, 1, 3].into_iter().collect();
        let got = interpret(&spec, &cards, &index, &drawn, &r).map_err(|e| e.to_string());
        assert_eq!(got, expected.map_err(str::to_owned), "{r:?}");
    }

    #[test]
    fn mvr_rows() {
        let found = |s: Selection| Paper::Found(vec![s]);
        check(
            row("c1", "", "", &[("Mayor", "Alice")]),
            Ok((0, found(Selection::Votes(vec![0])))),
        );
        check(
            row("", "b1", "2", &[("Mayor", " bob ")]),
            Ok((1, found(Selection::Votes(vec![1])))),
        );
        check(
            row("", "b1", "4", &[("Mayor", "write-in")]),
            Ok((3, found(Selection::Votes(vec![2])))),
        );
        check(
            row("c1", "", "", &[("Mayor", "Alice; Bob")]),
            Ok((0, found(Selection::Overvote))),
        );
        check(
            row("c1", "", "", &[("Mayor", "BLANK")]),
            Ok((0, found(Selection::Blank))),
        );
        check(
            row("c1", "", "", &[("Mayor", "")]),
            Ok((0, found(Selection::Absent))),
        );
        check(
            row("c2", "", "", &[("Mayor", "not found")]),
            Ok((1, Paper::NotFound)),
        );
        check(
            row("c9", "", "", &[("Mayor", "Alice")]),
            Err("mvr.csv, row 2, field \"card_id\": no card \"c9\" in the audit"),
        );
        check(
            row("c3", "", "", &[("Mayor", "Alice")]),
            Err("mvr.csv, row 2, field \"card_id\": this card was not drawn in any round"),
        );
        check(
            row("c1", "", "", &[("Mayor", "Carol")]),
            Err(
                "mvr.csv, row 2, field \"Mayor\": \"Carol\" is not a candidate; expected one of Alice, Bob, Write-in, or blank, overvote, write-in, not found",
            ),
        );
        check(
            row("c1", "", "", &[("Dogcatcher", "Alice")]),
            Err(
                "mvr.csv, row 2, field \"Dogcatcher\": \"Dogcatcher\" is not a contest of this audit",
            ),
        );
        check(
            row("", "b1", "x", &[("Mayor", "Alice")]),
            Err("mvr.csv, row 2, field \"position\": \"x\" is not a whole number"),
        );
        check(
            row("c1", "b1", "2", &[("Mayor", "Alice")]),
            Err(
                "mvr.csv, row 2, field \"card_id\": card_id and batch/position name different cards",
            ),
        );
    }

    #[test]
    fn re_entry_must_match() {
        let r = row("c1", "", "", &[]);
        let mut book = MvrBook::default();
        assert_eq!(book.add(0, Paper::NotFound, &r), Ok(true));
        assert_eq!(book.add(0, Paper::NotFound, &r), Ok(false));
        assert!(
            book.add(0, Paper::Found(vec![Selection::Blank]), &r)
                .is_err()
        );
    }
}
