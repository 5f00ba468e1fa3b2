//! Every RCTab regression case whose CVRs are NIST CDF (JSON or XML) reads
//! without error and yields the number of ballots RCTab reports.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

mod common;

use canvass_formats::Format;
use common::{check_rctab_case, rctab_case, rctab_total_ballots, read_contest};

/// Read every CDF source of an RCTab case with its `contestId`, and return the
/// number of cards that hold that contest, and RCTab's `totalNumBallots`.
fn case_ballots(case: &str) -> Option<(u64, u64)> {
    let (root, config) = rctab_case(case)?;
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
        let (election, cards) = read_contest(&file, format, Some(contest))
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let id = election
            .find_contest_by_name(contest)
            .or_else(|| election.find_contest(contest));
        let id = id.unwrap_or_else(|| panic!("{case}: contest {contest} not interned"));
        ours += cards.iter().filter(|c| c.votes_for(id).is_some()).count() as u64;
    }
    let reports = ["_expected_summary.json", "_expected_detailed_report.json"];
    Some((ours, rctab_total_ballots(&root, case, &reports)?))
}

macro_rules! cases {
    ($($name:ident),* $(,)?) => {$(
        #[test]
        fn $name() {
            check_rctab_case(stringify!($name), case_ballots(stringify!($name)));
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
