//! Dominion CVR CSV export (Colorado's layout), on our own fixture.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

mod common;

use canvass_formats::{Format, FormatError};
use canvass_model::{CandidateKind, Card, Choice, ContestKind, Election};
use common::read_contest;
use std::path::{Path, PathBuf};

fn fixture() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/dominion_csv/cvr_export.csv"
    ))
}

fn try_read(path: &Path, contest: Option<&str>) -> Result<(Election, Vec<Card>), FormatError> {
    read_contest(path, Format::DominionCsv, contest)
}

/// The names marked on `card` in `contest`, or `None` when the contest is not on it.
fn votes(election: &Election, card: &Card, contest: &str) -> Option<Vec<String>> {
    let cid = election.find_contest_by_name(contest).unwrap();
    let v = card.votes_for(cid)?;
    Some(
        v.marks
            .iter()
            .map(|m| match m.choice {
                Choice::Candidate(c) => election.contest(cid).candidate(c).unwrap().name.clone(),
                Choice::Overvote => "overvote".into(),
            })
            .collect(),
    )
}

fn check(row: usize, contest: &str, expected: Option<&[&str]>) {
    let (election, cards) = try_read(&fixture(), None).unwrap();
    let got = votes(&election, &cards[row], contest);
    let expected = expected.map(|e| e.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    assert_eq!(got, expected, "row {row}, contest {contest}");
}

#[test]
fn header_rows_give_contests_seats_and_choices() {
    let (election, cards) = try_read(&fixture(), None).unwrap();
    assert_eq!(cards.len(), 5);
    assert_eq!(
        election.name.as_deref(),
        Some("Canvass Test County General Election")
    );
    let names: Vec<&str> = election.contests.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Mayor", "Council", "Measure 7"]);
    let council = election.find_contest_by_name("Council").unwrap();
    assert_eq!(election.contest(council).seats, 2);
    assert_eq!(election.contest(council).candidates.len(), 3);
    let mayor = election.contest(election.find_contest_by_name("Mayor").unwrap());
    assert_eq!(mayor.candidates[2].kind, CandidateKind::UndeclaredWriteIn);
}

#[test]
fn metadata_columns_fill_the_card() {
    let (_, cards) = try_read(&fixture(), None).unwrap();
    let c = &cards[3];
    assert_eq!(c.id.as_str(), "102-7-1");
    assert_eq!(c.location.tabulator.as_deref(), Some("102"));
    assert_eq!(c.location.batch.as_deref(), Some("7"));
    assert_eq!(c.location.position, Some(1));
    assert_eq!(c.location.imprinted_id.as_deref(), Some("102-7-1"));
    assert_eq!(c.counting_group.as_deref(), Some("Mail Ballots"));
    assert_eq!(c.precinct.as_deref(), Some("Precinct 2"));
    assert_eq!(c.ballot_style.as_deref(), Some("Ballot Style 2"));
    assert_eq!(c.source.record, 8);
}

#[test]
fn vote_for_two_keeps_both_marks() {
    check(0, "Council", Some(&["Ann Wells", "Bo Chang"]));
}

#[test]
fn two_marks_in_vote_for_one_are_kept_as_an_overvote() {
    check(2, "Mayor", Some(&["Ada Lovelace", "Grace Hopper"]));
}

#[test]
fn all_zero_contest_is_an_undervote() {
    check(4, "Mayor", Some(&[]));
    check(1, "Measure 7", Some(&[]));
}

#[test]
fn empty_cells_mean_the_contest_is_not_on_the_card() {
    check(3, "Council", None);
    check(2, "Measure 7", None);
    check(3, "Mayor", Some(&["Write-in"]));
}

#[test]
fn contest_option_reads_one_contest() {
    let (election, cards) = try_read(&fixture(), Some("Council")).unwrap();
    assert_eq!(election.contests.len(), 1);
    assert_eq!(cards.iter().filter(|c| !c.contests.is_empty()).count(), 3);
    let err = try_read(&fixture(), Some("Sheriff")).unwrap_err();
    assert!(matches!(err, FormatError::UnknownContest { .. }), "{err}");
}

#[test]
fn bad_vote_cell_names_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.csv");
    let text = std::fs::read_to_string(fixture())
        .unwrap()
        .replace("1,0,0,1,1,0,1", "1,0,0,1,x,0,1");
    std::fs::write(&path, text).unwrap();
    let err = try_read(&path, None).unwrap_err();
    match err {
        FormatError::Invalid { at, .. } => {
            assert_eq!(at.record, Some(5));
            assert_eq!(at.field.as_deref(), Some("Bo Chang"));
        }
        other => panic!("{other}"),
    }
}

#[test]
fn missing_header_rows_are_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("short.csv");
    std::fs::write(&path, "Election,5.10\n,,Mayor (Vote For=1)\n").unwrap();
    let err = try_read(&path, None).unwrap_err();
    assert!(matches!(err, FormatError::Truncated { .. }), "{err}");
}

fn ranked_fixture() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/dominion_csv/ranked_export.csv"
    ))
}

/// `(choice, rank)` per mark of `contest` on `card`.
fn rankings(election: &Election, card: &Card, contest: &str) -> Option<Vec<(String, u32)>> {
    let cid = election.find_contest_by_name(contest).unwrap();
    let v = card.votes_for(cid)?;
    Some(
        v.marks
            .iter()
            .map(|m| match m.choice {
                Choice::Candidate(c) => (
                    election.contest(cid).candidate(c).unwrap().name.clone(),
                    m.rank,
                ),
                Choice::Overvote => ("overvote".into(), m.rank),
            })
            .collect(),
    )
}

#[test]
fn ranked_header_gives_a_ranked_contest_with_its_ranks() {
    let (election, cards) = try_read(&ranked_fixture(), None).unwrap();
    assert_eq!(cards.len(), 6);
    let mayor = election.contest(election.find_contest_by_name("Mayor").unwrap());
    assert_eq!(mayor.kind, ContestKind::Ranked);
    assert_eq!(mayor.max_ranks, Some(3));
    assert_eq!(mayor.seats, 1);
    // One candidate per name, whatever the number of rank columns.
    let names: Vec<&str> = mayor.candidates.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Ada Lovelace", "Grace Hopper", "Write-in"]);
    assert_eq!(mayor.candidates[2].kind, CandidateKind::UndeclaredWriteIn);
    let council = election.contest(election.find_contest_by_name("Council").unwrap());
    assert_eq!(council.kind, ContestKind::Plurality);
    assert_eq!(council.max_ranks, None);
}

#[test]
fn ranked_columns_give_each_mark_its_rank() {
    let (election, cards) = try_read(&ranked_fixture(), None).unwrap();
    let owned = |v: &[(&str, u32)]| -> Option<Vec<(String, u32)>> {
        Some(v.iter().map(|(n, r)| (n.to_string(), *r)).collect())
    };
    let got = |row: usize| rankings(&election, &cards[row], "Mayor");
    assert_eq!(
        got(0),
        owned(&[("Ada Lovelace", 1), ("Grace Hopper", 2), ("Write-in", 3)])
    );
    assert_eq!(got(1), owned(&[("Grace Hopper", 1)]));
    // Two marks at rank 1: an overvote at that rank, both kept.
    assert_eq!(
        got(2),
        owned(&[("Ada Lovelace", 1), ("Grace Hopper", 1), ("Write-in", 3)])
    );
    // A skipped first rank stays skipped.
    assert_eq!(got(3), owned(&[("Grace Hopper", 2), ("Ada Lovelace", 3)]));
    assert_eq!(got(4), owned(&[]));
    assert_eq!(got(5), None);
    // The vote-for-one contest beside it reads as before.
    assert_eq!(
        rankings(&election, &cards[0], "Council"),
        owned(&[("Ann Wells", 1)])
    );
    assert_eq!(rankings(&election, &cards[3], "Council"), None);
}

#[test]
fn formula_wrapped_cells_are_unwrapped() {
    // `="103-2-1"`: how some counties' exports protect ids from spreadsheets.
    let (_, cards) = try_read(&ranked_fixture(), None).unwrap();
    let c = &cards[5];
    assert_eq!(c.id.as_str(), "103-2-1");
    assert_eq!(c.location.tabulator.as_deref(), Some("103"));
    assert_eq!(c.location.position, Some(1));
}

#[test]
fn ranked_choice_without_a_rank_names_its_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.csv");
    let text = std::fs::read_to_string(ranked_fixture())
        .unwrap()
        .replace("Grace Hopper(2)", "Grace Hopper");
    std::fs::write(&path, text).unwrap();
    match try_read(&path, None).unwrap_err() {
        FormatError::Invalid { at, message } => {
            assert_eq!(at.record, Some(3));
            assert_eq!(at.field.as_deref(), Some("column 12"));
            assert!(message.contains("Grace Hopper"), "{message}");
        }
        other => panic!("{other}"),
    }
    // A rank above the header's "Number of ranks" is refused too.
    let text = std::fs::read_to_string(ranked_fixture())
        .unwrap()
        .replace("Write-in(3)", "Write-in(4)");
    std::fs::write(&path, text).unwrap();
    assert!(matches!(
        try_read(&path, None).unwrap_err(),
        FormatError::Invalid { .. }
    ));
}
