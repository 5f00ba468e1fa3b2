//! Every RCTab regression case read by an ES&S-family reader (ES&S,
//! generic CSV, Clear Ballot, Hart) yields as many cards as RCTab's
//! expected report counts ballots (`totalNumBallots`).
//!
//! The 13-file scale case (1,041,313 ballots) runs only with
//! `CANVASS_HEAVY_TESTS=1`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{count, data, expected_total, rctab_sources};

/// Cases RCTab has no expected total for, with the reason.
const NO_EXPECTED: &[(&str, &str)] = &[
    // RCTab refuses the tabulation (ballot 1 ranks 4 > maxRankingsAllowed 3).
    ("max_ranking_enforcement", "refused by RCTab at tabulation"),
    ("invalid_sources_test", "RCTab refuses the configuration"),
    (
        "sample_interactive_tiebreak",
        "needs an interactive tiebreak; no expected output",
    ),
];

#[test]
fn rctab_cases_card_counts_equal_total_num_ballots() {
    let Some(data) = data() else { return };
    let root = data.join("rctab");
    let mut cases: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && !p.ends_with("_shared"))
        .collect();
    cases.sort();
    let scale = std::env::var("CANVASS_HEAVY_TESTS").is_ok_and(|v| v == "1");
    let mut checked = 0;
    let mut failures = Vec::new();
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        if !case.join(format!("{name}_config.json")).is_file() {
            continue;
        }
        let sources = rctab_sources(&case);
        if sources.is_empty() || sources.iter().any(|s| s.format.is_none()) {
            continue;
        }
        if name == "2013_minneapolis_mayor_scale" && !scale {
            eprintln!("{name}: skipped (set CANVASS_HEAVY_TESTS=1)");
            continue;
        }
        let mut total = 0u64;
        let mut error = None;
        for s in &sources {
            match count(&s.path, s.format.unwrap(), &s.options) {
                Ok(n) => total += n,
                Err(e) => error = Some(e.to_string()),
            }
        }
        let expected = expected_total(&case);
        eprintln!("{name}: {total} cards, expected {expected:?}, error {error:?}");
        match (expected, error) {
            (Some(t), None) if t == total => checked += 1,
            (None, _) if NO_EXPECTED.iter().any(|(n, _)| *n == name) => {}
            (e, err) => failures.push(format!(
                "{name}: read {total}, expected {e:?}, error {err:?}"
            )),
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(checked >= 30, "only {checked} cases checked");
}
