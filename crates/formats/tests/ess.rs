//! ES&S CVR exports (xlsx and csv): layout options, cell labels and the
//! Minneapolis 2013 numbers RCTab publishes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use canvass_formats::{Format, FormatError, SourceOptions};
use canvass_model::{CandidateKind, Card, Choice, Election};
use common::{data, read_all, testdata};

/// A card as text: `id|precinct|batch|record|marks` with marks `rank:name`.
fn show(election: &Election, card: &Card) -> String {
    let votes = &card.contests[0];
    let contest = election.contest(votes.contest);
    let marks: Vec<String> = votes
        .marks
        .iter()
        .map(|m| match m.choice {
            Choice::Candidate(c) => format!("{}:{}", m.rank, contest.candidate(c).unwrap().name),
            Choice::Overvote => format!("{}:OVERVOTE", m.rank),
        })
        .collect();
    format!(
        "{}|{}|{}|{}|{}",
        card.id,
        card.precinct.as_deref().unwrap_or("-"),
        card.location.batch.as_deref().unwrap_or("-"),
        card.source.record,
        marks.join(" ")
    )
}

fn check(format: Format, file: &str, options: &SourceOptions, expected: &[&str]) {
    let (election, cards) = read_all(&testdata(file), format, options).unwrap();
    let got: Vec<String> = cards.iter().map(|c| show(&election, c)).collect();
    assert_eq!(got, expected);
}

fn labels() -> SourceOptions {
    SourceOptions {
        first_vote_column: Some(4),
        first_vote_row: Some(2),
        id_column: Some(1),
        precinct_column: Some(2),
        batch_column: Some(3),
        overvote_delimiter: Some("|".into()),
        overvote_label: Some("overvote".into()),
        skipped_rank_label: Some("undervote".into()),
        undeclared_write_in_label: Some("UWI".into()),
        ..SourceOptions::default()
    }
}

#[test]
fn ess_csv_cell_labels_and_columns() {
    check(
        Format::EssCsv,
        "ess/labels.csv",
        &labels(),
        &[
            "B-1|P1|box7|2|1:Alice 2:Bob",
            "B-2|P1|box7|3|1:OVERVOTE 2:Alice",
            // "UWI" is the undeclared write-in; "Carol|Bob" two names at rank 2.
            "B-3|P2|box8|4|1:UWI 2:Bob 2:Carol 3:Alice",
            // Nothing marked: an undervote, kept.
            "B-4|P2|box8|5|",
            // Blank line skipped; a duplicate is kept for the rules to judge.
            "B-5|-|-|6|1:Bob 2:Bob 3:Alice",
        ],
    );
}

#[test]
fn ess_csv_uwi_candidate_kind_and_blank_as_uwi() {
    let (election, _) = read_all(&testdata("ess/labels.csv"), Format::EssCsv, &labels()).unwrap();
    let contest = &election.contests[0];
    assert_eq!(
        contest.name, "labels",
        "the contest is named by the file stem"
    );
    let uwi = contest.find_candidate_by_name("UWI").unwrap();
    assert_eq!(
        contest.candidate(uwi).unwrap().kind,
        CandidateKind::UndeclaredWriteIn
    );
    let options = SourceOptions {
        treat_blank_as_undeclared_write_in: true,
        contest: Some("Mayor".into()),
        ..labels()
    };
    let (election, cards) =
        read_all(&testdata("ess/labels.csv"), Format::EssCsv, &options).unwrap();
    assert_eq!(election.contests[0].name, "Mayor");
    // B-2's empty third rank and the all-blank row's three ranks are UWI.
    let shown: Vec<String> = cards.iter().map(|c| show(&election, c)).collect();
    assert_eq!(shown[1], "B-2|P1|box7|3|1:OVERVOTE 2:Alice 3:UWI");
    assert_eq!(shown[3], "B-4|P2|box8|5|1:UWI 2:UWI 3:UWI");
}

#[test]
fn ess_bad_options_and_files_are_errors() {
    let zero = SourceOptions {
        first_vote_column: Some(0),
        ..labels()
    };
    let err = read_all(&testdata("ess/labels.csv"), Format::EssCsv, &zero).unwrap_err();
    assert!(err.to_string().contains("firstVoteColumnIndex"), "{err}");
    let err = read_all(&testdata("ess/missing.xlsx"), Format::EssXlsx, &labels()).unwrap_err();
    assert!(matches!(err, FormatError::Io { .. }), "{err}");
    // A ballot row without its id, when an id column is given (RCTab refuses it too).
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("noid.csv");
    std::fs::write(&p, "id,1st,2nd\nA,x,y\n,y,x\n").unwrap();
    let options = SourceOptions {
        id_column: Some(1),
        ..SourceOptions::default()
    };
    let err = read_all(&p, Format::EssCsv, &options).unwrap_err();
    assert!(matches!(err, FormatError::MissingField { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("noid.csv, record 3, field \"id (column 1)\""),
        "{err}"
    );
    // A csv given as xlsx names the file and the format.
    let err = read_all(&testdata("ess/labels.csv"), Format::EssXlsx, &labels()).unwrap_err();
    assert!(err.to_string().contains("labels.csv"), "{err}");
}

fn rctab_options(overvote: &str, skipped: &str, uwi: &str) -> SourceOptions {
    SourceOptions {
        first_vote_column: Some(2),
        first_vote_row: Some(2),
        precinct_column: Some(1),
        overvote_label: Some(overvote.into()),
        skipped_rank_label: Some(skipped.into()),
        undeclared_write_in_label: Some(uwi.into()),
        ..SourceOptions::default()
    }
}

/// Round-1 numbers RCTab publishes for 2013 Minneapolis mayor
/// (maxSkippedRanksAllowed 1, overvoteRule exhaustImmediately): 639 blank
/// ballots, 103 exhausted by an overvote, 47 by two skipped ranks.
fn minneapolis_round_one(cards: &[Card]) -> (usize, usize, usize) {
    let mut blank = 0;
    let mut overvote = 0;
    let mut skipped = 0;
    for card in cards {
        let marks = &card.contests[0].marks;
        match marks.first() {
            None => blank += 1,
            // RCTab checks skipped ranks before overvotes.
            Some(m) if m.rank >= 3 => skipped += 1,
            Some(m) if m.choice == Choice::Overvote => overvote += 1,
            _ => {}
        }
    }
    (blank, overvote, skipped)
}

#[test]
fn minneapolis_2013_mayor_xlsx_reproduces_rctab_round_one() {
    let Some(data) = data() else { return };
    let path = data.join("rctab/2013_minneapolis_mayor/2013_minneapolis_mayor_cvr.xlsx");
    let options = rctab_options("overvote", "undervote", "UWI");
    let (election, cards) = read_all(&path, Format::EssXlsx, &options).unwrap();
    assert_eq!(cards.len(), 80_101);
    assert_eq!(minneapolis_round_one(&cards), (639, 103, 47));
    assert!(cards.iter().all(|c| c.precinct.is_some()));
    assert_eq!(cards[0].id.as_str(), "2013_minneapolis_mayor_cvr.xlsx-1");
    // 35 configured candidates + the UWI bucket, every name as written.
    let contest = &election.contests[0];
    assert_eq!(contest.candidates.len(), 36);
    let uwi = contest.find_candidate_by_name("UWI").unwrap();
    assert_eq!(
        contest.candidate(uwi).unwrap().kind,
        CandidateKind::UndeclaredWriteIn
    );
    assert!(contest.find_candidate_by_name("BETSY HODGES").is_some());
}

#[test]
fn overvote_delimiter_puts_several_candidates_at_one_rank() {
    let Some(data) = data() else { return };
    let path = data.join("rctab/test_set_overvote_delimiter/test_set_overvote_delimiter_cvr.xlsx");
    let options = SourceOptions {
        first_vote_column: Some(2),
        first_vote_row: Some(2),
        id_column: Some(1),
        overvote_delimiter: Some("|".into()),
        ..SourceOptions::default()
    };
    let (election, cards) = read_all(&path, Format::EssXlsx, &options).unwrap();
    assert_eq!(cards.len(), 9);
    let shown: Vec<String> = cards.iter().map(|c| show(&election, c)).collect();
    let several = shown
        .iter()
        .filter(|s| s.contains(" 1:") || s.contains(" 2:") && s.matches("2:").count() > 1);
    assert!(several.count() >= 1, "{shown:#?}");
    let names: Vec<&str> = election.contests[0]
        .candidates
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert!(names.iter().all(|n| !n.contains('|')), "{names:?}");
}

#[test]
fn treat_blank_as_undeclared_write_in_case() {
    let Some(data) = data() else { return };
    let case = data.join("rctab/test_set_treat_blank_as_undeclared_write_in");
    let sources = common::rctab_sources(&case);
    let s = &sources[0];
    assert!(s.options.treat_blank_as_undeclared_write_in);
    let (election, cards) = read_all(&s.path, s.format.unwrap(), &s.options).unwrap();
    assert_eq!(cards.len(), 12);
    let contest = &election.contests[0];
    let uwi = contest.find_candidate_by_name("UWI").unwrap();
    let uwi_marks = cards
        .iter()
        .flat_map(|c| c.contests[0].marks.iter())
        .filter(|m| m.choice == Choice::Candidate(uwi))
        .count();
    assert!(uwi_marks > 0);
    // Every rank of every card is filled (blank cells became UWI) except
    // the ranks labelled `undervote`.
    let skipped = contest.find_candidate_by_name("undervote");
    assert!(
        skipped.is_none(),
        "the skipped-rank label is not a candidate"
    );
    let short: Vec<String> = cards
        .iter()
        .filter(|c| {
            c.contests[0]
                .marks
                .iter()
                .map(|m| m.rank)
                .collect::<std::collections::BTreeSet<_>>()
                .len()
                < 4
        })
        .map(|c| show(&election, c))
        .collect();
    // RCTab's round 1: A 2, B 2, C 2, D 1, Undeclared Write-ins 5 (each
    // ballot counts for its first marked rank).
    let mut first: std::collections::BTreeMap<String, u32> = Default::default();
    for c in &cards {
        let m = c.contests[0].marks[0];
        let Choice::Candidate(id) = m.choice else {
            panic!("{c:?}")
        };
        *first
            .entry(contest.candidate(id).unwrap().name.clone())
            .or_default() += 1;
    }
    let want: Vec<(String, u32)> = [("A", 2), ("B", 2), ("C", 2), ("D", 1), ("UWI", 5)]
        .map(|(n, v)| (n.to_owned(), v))
        .to_vec();
    assert_eq!(first.into_iter().collect::<Vec<_>>(), want);
    // Ballot 6 has `undervote` at rank 1, ballot 9 at rank 4.
    assert_eq!(
        short,
        ["6|-|-|7|2:B 3:C 4:A", "9|-|-|10|1:C 2:OVERVOTE 3:B"]
    );
}

#[test]
fn conversions_from_ess_matches_rctab_cvr_ids_and_rankings() {
    // RCTab's own conversion of `_shared/simple_ess_cvr.xlsx`: its CVR ids
    // and the ranks (RCTab writes `undervote` for an empty rank).
    let Some(data) = data() else { return };
    let case = data.join("rctab/conversions_from_ess");
    let s = common::rctab_sources(&case).remove(0);
    let (election, cards) = read_all(&s.path, s.format.unwrap(), &s.options).unwrap();
    let expected = std::fs::read_to_string(case.join("conversions_from_ess_expected.csv")).unwrap();
    let rows: Vec<Vec<&str>> = expected
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(cards.len(), rows.len());
    for (card, row) in cards.iter().zip(&rows) {
        assert_eq!(card.id.as_str(), row[3]);
        let ranks: Vec<String> = (1..=3)
            .map(|r| {
                let names: Vec<String> = card.contests[0]
                    .at_rank(r)
                    .map(|m| match m.choice {
                        Choice::Candidate(c) => {
                            election.contests[0].candidate(c).unwrap().name.clone()
                        }
                        Choice::Overvote => "overvote".into(),
                    })
                    .collect();
                if names.is_empty() {
                    "undervote".into()
                } else {
                    names.join("|")
                }
            })
            .collect();
        assert_eq!(ranks, row[9..12], "{}", card.id);
    }
}
