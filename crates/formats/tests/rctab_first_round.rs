//! RCTab round-1 tallies of cases whose rules let every ballot count for
//! its first marked rank: the reader alone must reproduce them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use canvass_model::Choice;
use common::{data, rctab_sources, read_all};
use std::collections::BTreeMap;

/// Ballots per first-marked candidate (as named in the file), plus
/// `(blank)` for ballots with no mark and `(overvote)` for ballots whose
/// first marked rank holds several candidates or an overvote.
fn first_choice_tally(case: &str) -> BTreeMap<String, u64> {
    let data = data().unwrap();
    let s = rctab_sources(&data.join("rctab").join(case)).remove(0);
    let (election, cards) = read_all(&s.path, s.format.unwrap(), &s.options).unwrap();
    let mut tally = BTreeMap::new();
    for card in &cards {
        let votes = &card.contests[0];
        let contest = election.contest(votes.contest);
        let first_rank: Vec<_> = match votes.marks.first() {
            Some(m) => votes.at_rank(m.rank).map(|m| m.choice).collect(),
            None => Vec::new(),
        };
        let key = match first_rank.as_slice() {
            [] => "(blank)".to_owned(),
            [_, _, ..] | [Choice::Overvote] => "(overvote)".to_owned(),
            [Choice::Candidate(c)] => {
                let cand = contest.candidate(*c).unwrap();
                if cand.kind == canvass_model::CandidateKind::UndeclaredWriteIn {
                    "Undeclared Write-ins".to_owned()
                } else {
                    cand.name.clone()
                }
            }
        };
        *tally.entry(key).or_insert(0) += 1;
    }
    tally
}

fn check(case: &str, expected: &[(&str, u64)]) {
    if data().is_none() {
        return;
    }
    let got = first_choice_tally(case);
    let want: BTreeMap<String, u64> = expected
        .iter()
        .map(|(k, v)| ((*k).to_owned(), *v))
        .collect();
    assert_eq!(got, want, "{case}");
}

#[test]
fn generic_csv_test_round_one() {
    // RCTab: Broccoli 3, Cauliflower 4, Cucumber 8, Lettuce 5, UWI 6.
    check(
        "generic_csv_test",
        &[
            ("Broccoli", 3),
            ("Cauliflower", 4),
            ("Cucumber", 8),
            ("Lettuce", 5),
            ("Undeclared Write-ins", 6),
        ],
    );
}

#[test]
fn hart_cedar_park_round_one() {
    // RCTab: Steve Carlson 5, Barb Yarusso 1, Bev Scalze 1 (7 of 9 cards;
    // the other 2 leave the contest blank).
    check(
        "hart_cedar_park_school_board",
        &[
            ("Steve Carlson", 5),
            ("Barb Yarusso", 1),
            ("Bev Scalze", 1),
            ("(blank)", 2),
        ],
    );
}

#[test]
fn clear_ballot_with_inline_comma_round_one() {
    // RCTab: Simone test Rede 71, Write-in-28 9, Lisa Simpson 1, and 4
    // ballots exhausted in round 1.
    // The 4 are overvoted at their first rank with nothing after
    // (alwaysSkipToNextRank); 93 cards leave the contest blank.
    check(
        "clear_ballot_with_inline_comma",
        &[
            ("Simone test Rede", 71),
            ("Write-in-28", 9),
            ("Lisa Simpson", 1),
            ("(overvote)", 4),
            ("(blank)", 93),
        ],
    );
}
