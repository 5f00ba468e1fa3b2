//! Every RCTab regression case whose CVRs are NIST CDF (JSON or XML) reads
//! without error and yields the number of ballots RCTab reports.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use canvass_formats::{Format, SourceOptions, read_path};
use canvass_model::{Card, Election};
use std::path::{Path, PathBuf};

fn data() -> Option<PathBuf> {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"));
    if p.exists() {
        Some(p)
    } else {
        eprintln!("skipped: ../shared/data not found");
        None
    }
}

fn read_all(path: &Path, format: Format, contest: Option<&str>) -> (Election, Vec<Card>) {
    let options = SourceOptions {
        contest: contest.map(str::to_owned),
        ..SourceOptions::default()
    };
    let mut election = Election::default();
    let mut cards = Vec::new();
    read_path(path, format, &options, &mut election, &mut |_, c| {
        cards.push(c);
        Ok(())
    })
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (election, cards)
}

/// Read every CDF source of an RCTab case with its `contestId`, and return the
/// number of cards that hold that contest, and RCTab's `totalNumBallots`.
fn case_ballots(case: &str) -> Option<(u64, u64)> {
    let root = data()?.join("rctab").join(case);
    let config: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join(format!("{case}_config.json"))).ok()?,
    )
    .ok()?;
    let mut ours = 0u64;
    for source in config["cvrFileSources"].as_array()? {
        assert_eq!(source["provider"], "cdf");
        let file = root.join(source["filePath"].as_str()?);
        let contest = source["contestId"].as_str()?;
        let format = if file.extension().is_some_and(|e| e == "xml") {
            Format::CdfXml
        } else {
            Format::CdfJson
        };
        let (election, cards) = read_all(&file, format, Some(contest));
        let id = election
            .find_contest_by_name(contest)
            .or_else(|| election.find_contest(contest));
        let id = id.unwrap_or_else(|| panic!("{case}: contest {contest} not interned"));
        ours += cards.iter().filter(|c| c.votes_for(id).is_some()).count() as u64;
    }
    let report = ["_expected_summary.json", "_expected_detailed_report.json"]
        .iter()
        .find_map(|s| std::fs::read_to_string(root.join(format!("{case}{s}"))).ok())?;
    let report: serde_json::Value = serde_json::from_str(&report).ok()?;
    let total = report["summary"]["totalNumBallots"]
        .as_str()?
        .parse()
        .ok()?;
    Some((ours, total))
}

fn check_case(case: &str) {
    let Some((ours, rctab)) = case_ballots(case) else {
        eprintln!("skipped: {case} has no CVR input or report here");
        return;
    };
    assert_eq!(
        ours, rctab,
        "{case}: cards holding the contest vs RCTab totalNumBallots"
    );
}

macro_rules! cases {
    ($($name:ident),* $(,)?) => {$(
        #[test]
        fn $name() {
            check_case(stringify!($name));
        }
    )*};
}

cases!(
    test_set_0_skipped_first_choice,
    test_set_1_exhaust_at_overvote,
    test_set_2_overvote_skip_to_next,
    test_set_3_skipped_choice_exhaust,
    test_set_4_skipped_choice_next,
    test_set_5_two_skipped_choice_exhaust,
    test_set_6_duplicate_exhaust,
    test_set_8_multi_cdf,
    test_set_multi_winner_fractional_threshold,
    test_set_multi_winner_whole_threshold,
    aliases_cdf_json,
    nist_xml_cdf_2,
    unisyn_xml_cdf_city_chief_of_police,
    unisyn_xml_cdf_city_coroner,
    unisyn_xml_cdf_city_council_member,
    unisyn_xml_cdf_city_tax_collector,
    unisyn_xml_cdf_county_coroner,
    conversions_from_cdf,
);
