//! The generator against an independent count: its true tallies must equal
//! what `canvass-tabulate` counts from its cards.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use canvass_generate::{Config, Plan};
use canvass_model::{Choice, ContestKind};
use canvass_tabulate::{Tabulator, VoteRule, tally::count_single_round};
use proptest::prelude::*;
use std::collections::BTreeMap;

fn plan(ballots: u64, contests: u32, ranked: u32, seed: u64) -> Plan {
    let config = Config {
        ballots,
        contests,
        ranked,
        candidates: 4,
        seed,
    };
    match Plan::new(config) {
        Ok(p) => p,
        Err(e) => panic!("plan: {e}"),
    }
}

/// Tabulate the plan's cards and compare with the generator's truth.
fn check_truth(plan: &Plan) {
    let mut tab = Tabulator::new();
    let mut cards = plan.cards();
    for card in cards.by_ref() {
        tab.add(&card);
    }
    let truth = cards.truth();
    assert_eq!(truth.cards, plan.config.ballots);
    assert_eq!(tab.cards(), plan.config.ballots);
    for contest in &plan.election.contests {
        let t = &truth.contests[contest.id.index()];
        let Some(counted) = tab.contest(contest.id) else {
            assert_eq!(t.ballots, 0, "{}", contest.name);
            continue;
        };
        assert_eq!(counted.ballots, t.ballots, "{}", contest.name);
        let (patterns, seats) = if contest.kind == ContestKind::Ranked {
            // First choices: keep the rank-1 marks only.
            let mut first = BTreeMap::new();
            for (marks, n) in &counted.patterns {
                let key: Vec<_> = marks.iter().filter(|m| m.rank == 1).copied().collect();
                *first.entry(key).or_insert(0) += n;
            }
            (first, 1)
        } else {
            (counted.patterns.clone(), contest.seats)
        };
        let c = count_single_round(
            &patterns,
            counted.ballots,
            contest.candidates.len(),
            VoteRule::UpTo(seats),
        );
        assert_eq!(c.votes, t.votes, "{}", contest.name);
        assert_eq!(
            (c.overvotes, c.undervotes, c.blank),
            (t.overvotes, t.undervotes, t.blank),
            "{}",
            contest.name
        );
    }
}

#[test]
fn truth_equals_an_independent_tabulation() {
    check_truth(&plan(20_000, 7, 2, 42));
}

#[test]
fn realistic_shape() {
    let p = plan(20_000, 6, 1, 3);
    let mut cards = p.cards();
    let mut holds_all = 0u64;
    let mut ids = std::collections::BTreeSet::new();
    for card in cards.by_ref() {
        holds_all += u64::from(card.contests.len() == 6);
        assert!(card.precinct.is_some() && card.ballot_style.is_some());
        ids.insert(card.id.0);
    }
    assert_eq!(ids.len(), 20_000, "card ids are unique");
    assert!(
        holds_all < 20_000,
        "ballot styles: not every card holds every contest"
    );
    let truth = cards.truth();
    // Every contest sees undervotes and overvotes at this size.
    for (i, t) in truth.contests.iter().enumerate() {
        assert!(t.ballots > 0, "contest {i} is on some card");
        assert!(t.overvotes > 0 && t.blank > 0, "contest {i}: {t:?}");
    }
    // Vote-for-2 and ranked contests exist.
    assert!(p.election.contests.iter().any(|c| c.seats == 2));
    assert!(
        p.election
            .contests
            .iter()
            .any(|c| c.kind == ContestKind::Ranked)
    );
    // Support is skewed: in the first contest, the leader has clearly more
    // first choices than the last candidate.
    let votes = &truth.contests[0].votes;
    let max = votes.iter().max().copied().unwrap_or(0);
    let min = votes.iter().min().copied().unwrap_or(0);
    assert!(max > 2 * min.max(1), "{votes:?}");
    // Ranked contests have ballots with several ranks and overvotes at a rank.
    let ranked_overvote = p.cards().any(|card| {
        card.contests.iter().any(|cv| {
            p.election.contest(cv.contest).kind == ContestKind::Ranked
                && cv
                    .at_rank(1)
                    .filter(|m| matches!(m.choice, Choice::Candidate(_)))
                    .count()
                    > 1
        })
    });
    assert!(ranked_overvote);
}

#[test]
fn same_seed_same_cards_other_seed_other_cards() {
    let a: Vec<_> = plan(3000, 4, 1, 9).cards().collect();
    let b: Vec<_> = plan(3000, 4, 1, 9).cards().collect();
    let c: Vec<_> = plan(3000, 4, 1, 10).cards().collect();
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn manifest_matches_cards() {
    let p = plan(12_345, 3, 0, 5);
    let mut per_batch: BTreeMap<String, u64> = BTreeMap::new();
    for card in p.cards() {
        let key = format!(
            "{}-{}",
            card.location.tabulator.unwrap_or_default(),
            card.location.batch.unwrap_or_default()
        );
        *per_batch.entry(key).or_insert(0) += 1;
    }
    let mut csv = Vec::new();
    if let Err(e) = p.write_manifest_csv(&mut csv) {
        panic!("{e}");
    }
    let text = String::from_utf8_lossy(&csv);
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("batch,ballots"));
    let from_csv: BTreeMap<String, u64> = lines
        .filter_map(|l| l.split_once(','))
        .map(|(b, n)| (b.to_owned(), n.parse().unwrap_or(0)))
        .collect();
    assert_eq!(from_csv, per_batch);
    assert_eq!(p.manifest().total_cards(), 12_345);
}

#[test]
fn impossible_configs_are_refused() {
    let bad = |c: Config| Plan::new(c).is_err();
    assert!(bad(Config {
        contests: 0,
        ..Config::default()
    }));
    assert!(bad(Config {
        contests: 2,
        ranked: 3,
        ..Config::default()
    }));
    assert!(bad(Config {
        candidates: 1,
        ..Config::default()
    }));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn any_small_election_is_consistent(ballots in 0u64..3000, contests in 1u32..6, ranked in 0u32..3, seed in any::<u64>()) {
        let ranked = ranked.min(contests);
        check_truth(&plan(ballots, contests, ranked, seed));
    }
}
