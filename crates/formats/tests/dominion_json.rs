//! Dominion CVR export JSON: SHANGRLA's fixtures (PUBLISHED.md §10) and every
//! RCTab case whose provider is `dominion`.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

mod common;

use canvass_formats::{Format, FormatError};
use canvass_model::{Card, Choice, Election, Mark};
use common::{check_rctab_case, data, rctab_case, rctab_total_ballots, read_contest};
use std::path::{Path, PathBuf};

fn try_read(path: &Path, contest: Option<&str>) -> Result<(Election, Vec<Card>), FormatError> {
    read_contest(path, Format::DominionJson, contest)
}

fn read(path: &Path, contest: Option<&str>) -> (Election, Vec<Card>) {
    try_read(path, contest).unwrap_or_else(|e| panic!("{e}"))
}

/// The marks of `contest` (Dominion id) on `card`, as (Dominion candidate id, rank).
fn marks(election: &Election, card: &Card, contest: &str) -> Vec<(String, u32)> {
    let cid = election.find_contest(contest).expect("contest interned");
    let votes = card.votes_for(cid).expect("contest on card");
    votes
        .marks
        .iter()
        .map(|m: &Mark| match m.choice {
            Choice::Candidate(c) => (
                election
                    .contest(cid)
                    .candidate(c)
                    .unwrap()
                    .external_id
                    .clone(),
                m.rank,
            ),
            Choice::Overvote => ("overvote".into(), m.rank),
        })
        .collect()
}

fn shangrla(file: &str) -> Option<PathBuf> {
    Some(data()?.join("shangrla/Dominion_CVRs").join(file))
}

#[test]
fn shangrla_5_2_card_ids_are_tabulator_batch_record() {
    let Some(path) = shangrla("test_5.2.18.2.Dominion.json") else {
        return;
    };
    let (_, cards) = read(&path, None);
    let ids: Vec<&str> = cards.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["60001-1-1", "60009-3-21"]);
    assert_eq!(cards[0].location.tabulator.as_deref(), Some("60001"));
    assert_eq!(cards[0].location.batch.as_deref(), Some("1"));
    assert_eq!(cards[0].location.position, Some(1));
    assert_eq!(cards[1].source.record, 2);
}

#[test]
fn shangrla_5_2_first_cvr_is_in_the_pooled_counting_group() {
    // SHANGRLA pools counting group 1 (in person); no CountingGroupManifest
    // sits beside this file, so the group is known by its id.
    let Some(path) = shangrla("test_5.2.18.2.Dominion.json") else {
        return;
    };
    let (_, cards) = read(&path, None);
    assert_eq!(cards[0].counting_group.as_deref(), Some("1"));
    assert_eq!(cards[1].counting_group.as_deref(), Some("2"));
    assert_eq!(cards[0].precinct.as_deref(), Some("123"));
    assert_eq!(cards[0].ballot_style.as_deref(), Some("2"));
}

#[test]
fn shangrla_5_2_contest_111_ranks_candidate_6_then_1() {
    let Some(path) = shangrla("test_5.2.18.2.Dominion.json") else {
        return;
    };
    let (election, cards) = read(&path, None);
    assert_eq!(
        marks(&election, &cards[0], "111"),
        [("6".into(), 1), ("1".into(), 2)]
    );
    assert_eq!(marks(&election, &cards[1], "111"), [("6".into(), 1)]);
    // CVR 2's current version is its adjudicated `Modified`, which drops the
    // write-in (48) that SHANGRLA's reading of `Original` keeps.
    assert_eq!(marks(&election, &cards[1], "122"), [("9".into(), 1)]);
}

#[test]
fn shangrla_5_10_uses_the_current_modified_version() {
    let Some(path) = shangrla("test_5.10.50.85.Dominion.json") else {
        return;
    };
    let (election, cards) = read(&path, None);
    let second = cards
        .iter()
        .find(|c| c.id.as_str() == "1-5-X")
        .expect("session 1-5-X");
    // Original had candidate 6; the adjudicated Modified version (IsCurrent) has no marks.
    let cid = election.find_contest("1").unwrap();
    assert!(second.votes_for(cid).unwrap().is_undervote());
    assert_eq!(second.precinct.as_deref(), Some("214"));
    assert_eq!(second.location.position, None);
    assert_eq!(cards[0].id.as_str(), "1-2-13");
    assert_eq!(marks(&election, &cards[0], "1"), [("5".into(), 1)]);
}

#[test]
fn shangrla_split_export_reads_both_files_in_order() {
    let Some(path) = shangrla("CVR_Export") else {
        return;
    };
    let (_, cards) = read(&path, None);
    let single = read(&shangrla("CVR_Export/CvrExport_0.json").unwrap(), None).1;
    assert_eq!(single.len(), 1);
    assert!(cards.len() > single.len());
    assert_eq!(cards[0].id, single[0].id);
}

/// Cards holding the configured contest, for every source of an RCTab case,
/// and RCTab's `totalNumBallots`.
fn case_ballots(case: &str) -> Option<(u64, u64)> {
    let (root, config) = rctab_case(case)?;
    let mut ours = 0u64;
    for source in config["cvrFileSources"].as_array()? {
        assert_eq!(source["provider"], "dominion");
        let path = root.join(source["filePath"].as_str()?);
        let contest = source["contestId"].as_str()?;
        let (election, cards) = read(&path, Some(contest));
        let cid = election.find_contest(contest).expect("contest interned");
        ours += cards.iter().filter(|c| c.votes_for(cid).is_some()).count() as u64;
    }
    let reports = ["_expected_detailed_report.json"];
    Some((ours, rctab_total_ballots(&root, case, &reports)?))
}

macro_rules! cases {
    ($($name:ident = $case:literal),* $(,)?) => {$(
        #[test]
        fn $name() {
            check_rctab_case($case, case_ballots($case));
        }
    )*};
}

cases!(
    rctab_dominion_alaska = "dominion_alaska",
    rctab_dominion_multi_file = "dominion_multi_file",
    rctab_dominion_no_precinct_data = "dominion_no_precinct_data",
    rctab_dominion_wyoming = "dominion_wyoming",
    rctab_2024_alaska_dominion = "2024_alaska_dominion",
    rctab_conversions_from_dominion = "conversions_from_dominion",
);

#[test]
fn unknown_contest_option_is_an_error() {
    let Some(root) = data() else { return };
    let path = root.join("rctab/dominion_multi_file/dominion_multi_file_input_data");
    let err = try_read(&path, Some("no such contest")).unwrap_err();
    assert!(matches!(err, FormatError::UnknownContest { .. }), "{err}");
}

/// A small export with two precinct portions of one precinct and a third
/// portion of another, with or without `PrecinctManifest.json`.
fn precinct_export(dir: &Path, with_precincts: bool, portion_precinct_ids: [u64; 3]) {
    let session = |record: u64, portion: u64| {
        format!(
            r#"{{"TabulatorId":1,"BatchId":1,"RecordId":{record},"CountingGroupId":1,"SessionType":"ScannedVote","Original":{{"PrecinctPortionId":{portion},"BallotTypeId":1,"IsCurrent":true,"Cards":[{{"Id":1,"PaperIndex":0,"Contests":[{{"Id":1,"Undervotes":0,"Overvotes":0,"OutstackConditionIds":[],"Marks":[{{"CandidateId":1,"Rank":1,"MarkDensity":100,"IsAmbiguous":false,"IsVote":true,"OutstackConditionIds":[]}}]}}],"OutstackConditionIds":[]}}]}}}}"#
        )
    };
    let sessions = [session(1, 1), session(2, 2), session(3, 3)].join(",");
    let files = [
        (
            "CvrExport.json",
            format!(r#"{{"Version":"5.10.11.24","ElectionId":"Test","Sessions":[{sessions}]}}"#),
        ),
        (
            "ContestManifest.json",
            r#"{"Version":"5.10.11.24","List":[{"Description":"Mayor","Id":1,"ExternalId":"","VoteFor":1,"NumOfRanks":0}]}"#.to_owned(),
        ),
        (
            "CandidateManifest.json",
            r#"{"Version":"5.10.11.24","List":[{"Description":"Ada","Id":1,"ExternalId":"","ContestId":1,"Type":"Regular"}]}"#.to_owned(),
        ),
        (
            "PrecinctPortionManifest.json",
            format!(
                r#"{{"Version":"5.10.11.24","List":[{{"Description":"Pct 1 Split A","Id":1,"ExternalId":"","PrecinctId":{}}},{{"Description":"Pct 1 Split B","Id":2,"ExternalId":"","PrecinctId":{}}},{{"Description":"Pct 2","Id":3,"ExternalId":"","PrecinctId":{}}}]}}"#,
                portion_precinct_ids[0], portion_precinct_ids[1], portion_precinct_ids[2]
            ),
        ),
    ];
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    if with_precincts {
        std::fs::write(
            dir.join("PrecinctManifest.json"),
            r#"{"Version":"5.10.11.24","List":[{"Description":"Precinct 1","Id":1,"ExternalId":""},{"Description":"Precinct 2","Id":2,"ExternalId":""}]}"#,
        )
        .unwrap();
    }
}

#[test]
fn precincts_come_from_the_precinct_manifest() {
    let dir = tempfile::tempdir().unwrap();
    precinct_export(dir.path(), true, [1, 1, 2]);
    let (_, cards) = read(dir.path(), None);
    let precincts: Vec<Option<&str>> = cards.iter().map(|c| c.precinct.as_deref()).collect();
    assert_eq!(
        precincts,
        [Some("Precinct 1"), Some("Precinct 1"), Some("Precinct 2")]
    );
}

#[test]
fn without_a_precinct_manifest_cards_keep_their_portion() {
    let dir = tempfile::tempdir().unwrap();
    precinct_export(dir.path(), false, [1, 1, 2]);
    let (_, cards) = read(dir.path(), None);
    let precincts: Vec<Option<&str>> = cards.iter().map(|c| c.precinct.as_deref()).collect();
    assert_eq!(
        precincts,
        [Some("Pct 1 Split A"), Some("Pct 1 Split B"), Some("Pct 2")]
    );
}

#[test]
fn a_portion_of_an_unknown_precinct_names_the_manifest_entry() {
    let dir = tempfile::tempdir().unwrap();
    precinct_export(dir.path(), true, [1, 9, 2]);
    match try_read(dir.path(), None).unwrap_err() {
        FormatError::Invalid { at, message } => {
            assert!(
                at.file.ends_with("PrecinctPortionManifest.json"),
                "{}",
                at.file
            );
            assert_eq!(at.record, Some(2));
            assert_eq!(at.field.as_deref(), Some("PrecinctId"));
            assert!(message.contains("precinct 9"), "{message}");
        }
        other => panic!("{other}"),
    }
}
