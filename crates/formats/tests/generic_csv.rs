//! RCTab's generic CSV (candidates as columns, ranks in the cells) and its
//! rank-column variant (VoteKit's Minneapolis 2013 export).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use canvass_formats::{Format, SourceOptions};
use canvass_model::{CandidateKind, Card, Election};
use common::{data, ranking, rctab_sources, read_all};
use std::collections::BTreeMap;

#[test]
fn generic_csv_test_case() {
    let Some(data) = data() else { return };
    let s = rctab_sources(&data.join("rctab/generic_csv_test")).remove(0);
    let (election, cards) = read_all(&s.path, Format::GenericCsv, &s.options).unwrap();
    assert_eq!(cards.len(), 26);
    let first = &cards[0];
    assert_eq!(first.id.as_str(), "R_3QEQ85E7gV2DuyG");
    assert_eq!(first.precinct.as_deref(), Some("p1"));
    assert_eq!(first.location.batch.as_deref(), Some("b1"));
    assert_eq!(first.source.record, 2);
    // `R_3QEQ85E7gV2DuyG,p1,b1,,2,1,,`: Cucumber 1st, Broccoli 2nd.
    assert_eq!(ranking(&election, first), "1:Cucumber 2:Broccoli");
    assert_eq!(
        ranking(&election, &cards[2]),
        "1:Cauliflower 2:Cucumber 3:Lettuce 4:Write-In 5:Broccoli"
    );
    let contest = &election.contests[0];
    let w = contest.find_candidate_by_name("Write-In").unwrap();
    assert_eq!(
        contest.candidate(w).unwrap().kind,
        CandidateKind::UndeclaredWriteIn
    );
}

#[test]
fn csv_missing_header_test_is_read_as_rctab_reads_it() {
    // Only the id column's header is empty; RCTab counts 26 ballots.
    let Some(data) = data() else { return };
    let s = rctab_sources(&data.join("rctab/csv_missing_header_test")).remove(0);
    let (election, cards) = read_all(&s.path, Format::GenericCsv, &s.options).unwrap();
    assert_eq!(cards.len(), 26);
    assert_eq!(election.contests[0].candidates.len(), 5);
    assert_eq!(ranking(&election, &cards[0]), "1:Cucumber 2:Broccoli");
}

#[test]
fn max_ranking_enforcement_reads_every_ranking() {
    // RCTab refuses to tabulate this file (ballot 1 ranks 4 > 3 allowed);
    // reading keeps the 4 ranks so the rule can refuse it.
    let Some(data) = data() else { return };
    let s = rctab_sources(&data.join("rctab/max_ranking_enforcement")).remove(0);
    let (election, cards) = read_all(&s.path, Format::GenericCsv, &s.options).unwrap();
    assert_eq!(cards.len(), 5);
    assert_eq!(
        ranking(&election, &cards[0]),
        "1:Candidate A 2:Candidate B 3:Candidate C 4:Candidate D"
    );
    assert_eq!(cards[4].contests[0].max_rank(), 3);
}

#[test]
fn generic_csv_errors_name_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let check = |name: &str, text: &str, expected: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let err = read_all(&path, Format::GenericCsv, &SourceOptions::default()).unwrap_err();
        assert!(err.to_string().contains(expected), "{name}: {err}");
        assert!(err.to_string().contains(name), "{name}: {err}");
    };
    check(
        "rank.csv",
        "id,A,B\n1,1,x\n",
        "record 2, field \"column 3\"",
    );
    check("zero.csv", "id,A,B\n1,0,1\n", "record 2");
    check("noheader.csv", "id,,\n1,1,2\n", "no candidate names");
    check("empty.csv", "", "truncated");
}

#[test]
fn minneapolis_votekit_csv_through_generic_csv() {
    let Some(data) = data() else { return };
    let path = data.join("minneapolis2013/mn_2013_cast_vote_record.csv");
    let options = SourceOptions {
        first_vote_column: Some(1),
        overvote_label: Some("overvote".into()),
        skipped_rank_label: Some("undervote".into()),
        undeclared_write_in_label: Some("UWI".into()),
        ..SourceOptions::default()
    };
    let (election, cards) = read_all(&path, Format::GenericCsv, &options).unwrap();
    assert_eq!(cards.len(), 80_101);
    let contest = &election.contests[0];
    let uwi = contest.find_candidate_by_name("UWI").unwrap();
    assert_eq!(
        contest.candidate(uwi).unwrap().kind,
        CandidateKind::UndeclaredWriteIn
    );
    assert!(contest.find_candidate_by_name("overvote").is_none());
    assert!(contest.find_candidate_by_name("undervote").is_none());
    // Differential: the same ballots as RCTab's ES&S xlsx of this election,
    // compared as a multiset of rankings (the two files order rows differently).
    let xlsx = data.join("rctab/2013_minneapolis_mayor/2013_minneapolis_mayor_cvr.xlsx");
    let xlsx_options = SourceOptions {
        first_vote_column: Some(2),
        precinct_column: Some(1),
        ..options.clone()
    };
    let (xe, xcards) = read_all(&xlsx, Format::EssXlsx, &xlsx_options).unwrap();
    let tally = |e: &Election, cs: &[Card]| {
        let mut m: BTreeMap<String, u64> = BTreeMap::new();
        for c in cs {
            // VoteKit writes `ABDUL M RAHAMAN "THE ROCK"`, RCTab without quotes.
            *m.entry(ranking(e, c).replace('"', "")).or_default() += 1;
        }
        m
    };
    let a = tally(&election, &cards);
    let b = tally(&xe, &xcards);
    let differing: Vec<_> = a
        .iter()
        .filter(|(k, v)| b.get(*k) != Some(v))
        .map(|(k, v)| (k.clone(), *v, b.get(k).copied()))
        .take(5)
        .collect();
    assert_eq!(
        differing,
        vec![],
        "rankings differ between VoteKit csv and RCTab xlsx"
    );
    assert_eq!(a, b);
}
