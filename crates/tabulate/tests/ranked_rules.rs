//! The ranked engine rule by rule, with ballots built in code, plus property
//! tests: the result does not depend on ballot order, and every round
//! conserves the ballots (tally + inactive + residual surplus = total).

#![allow(clippy::panic)] // tests report failures by panicking

use canvass_model::CandidateId;
use canvass_tabulate::ranked::{
    Decimal, InactiveReason, OvervoteRule, RankedBallots, RankedCandidate, RankedError,
    RankedResult, RankedRules, Selection, TiebreakMode, WinnerMode, tabulate,
};
use proptest::prelude::*;

/// Ballots from text: one `count:ranking` per entry, ranks separated by
/// spaces, `-` a skipped rank, `A+B` an overvote, `!` the overvote label.
fn ballots(names: &[&str], entries: &[&str]) -> RankedBallots {
    let mut b = RankedBallots::new(names.iter().map(|n| RankedCandidate::declared(n)).collect());
    for e in entries {
        let (count, ranking) = e.split_once(':').unwrap_or(("1", e));
        let mut marks = Vec::new();
        for (i, cell) in ranking.split_whitespace().enumerate() {
            let rank = i as u32 + 1;
            if cell == "-" {
                continue;
            }
            if cell == "!" {
                marks.push((rank, Selection::Overvote));
                continue;
            }
            for name in cell.split('+') {
                let idx = names.iter().position(|n| *n == name).unwrap_or(usize::MAX);
                marks.push((rank, Selection::Candidate(CandidateId(idx as u32))));
            }
        }
        b.push(&marks, None, count.trim().parse().unwrap_or(1));
    }
    b
}

/// One line per round: `tally | elected | eliminated | inactive`.
fn summary(b: &RankedBallots, r: &RankedResult) -> Vec<String> {
    let name = |c: &CandidateId| b.candidates[c.index()].name.clone();
    r.rounds
        .iter()
        .map(|round| {
            let tally: Vec<String> = round
                .tally
                .iter()
                .map(|(c, v)| format!("{}={v}", name(c)))
                .collect();
            let inactive: Vec<String> = round
                .inactive
                .iter()
                .filter(|(_, v)| v.signum() != 0)
                .map(|(k, v)| format!("{k:?}={v}"))
                .collect();
            format!(
                "{} | +{} | -{} | {}",
                tally.join(" "),
                round.elected.iter().map(name).collect::<Vec<_>>().join(","),
                round
                    .eliminated
                    .iter()
                    .map(name)
                    .collect::<Vec<_>>()
                    .join(","),
                inactive.join(" ")
            )
        })
        .collect()
}

fn check(names: &[&str], entries: &[&str], rules: RankedRules, expected: &[&str]) {
    let b = ballots(names, entries);
    let r = match tabulate(&b, &rules) {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(summary(&b, &r), expected);
}

fn rules() -> RankedRules {
    RankedRules {
        tiebreak: TiebreakMode::UseCandidateOrder,
        ..RankedRules::default()
    }
}

#[test]
fn irv_majority_after_transfer() {
    check(
        &["A", "B", "C"],
        &["4:A", "3:B", "2:C B"],
        rules(),
        &["A=4 B=3 C=2 | + | -C | ", "A=4 B=5 | +B | - | "],
    );
}

#[test]
fn overvote_rules() {
    let entries = ["3:A", "2:B", "1:A+B C", "2:C"];
    // alwaysSkipToNextRank: the overvoted rank is ignored.
    check(
        &["A", "B", "C"],
        &entries,
        rules(),
        &[
            "A=3 B=2 C=3 | + | -B | ",
            "A=3 C=3 | +A | - | ExhaustedChoices=2",
        ],
    );
    // exhaustImmediately: the ballot is inactive at the overvote.
    check(
        &["A", "B", "C"],
        &entries,
        RankedRules {
            overvote_rule: OvervoteRule::ExhaustImmediately,
            ..rules()
        },
        &[
            "A=3 B=2 C=2 | + | -C | Overvote=1",
            "A=3 B=2 | +A | - | Overvote=1 ExhaustedChoices=2",
        ],
    );
    // exhaustIfMultipleContinuing: inactive while both are continuing.
    check(
        &["A", "B", "C"],
        &["3:A", "2:B", "1:A+B", "2:C B"],
        RankedRules {
            overvote_rule: OvervoteRule::ExhaustIfMultipleContinuing,
            ..rules()
        },
        &[
            "A=3 B=2 C=2 | + | -C | Overvote=1",
            "A=3 B=4 | +B | - | Overvote=1",
        ],
    );
}

#[test]
fn explicit_overvote_label_follows_the_rule() {
    // two left, tied, nobody reaches the threshold: the tie-break elects A
    check(
        &["A", "B"],
        &["2:A", "1:! B", "1:B"],
        rules(),
        &["A=2 B=2 | +A | - | "],
    );
    let b = ballots(&["A", "B"], &["1:! B", "1:A"]);
    let r = tabulate(
        &b,
        &RankedRules {
            overvote_rule: OvervoteRule::ExhaustIfMultipleContinuing,
            ..rules()
        },
    );
    assert!(matches!(r, Err(RankedError::InvalidOvervote { .. })));
}

#[test]
fn skipped_ranks() {
    let entries = ["3:A", "2:B", "2:- - B"];
    check(
        &["A", "B"],
        &entries,
        rules(),
        &["A=3 B=2 | +A | - | SkippedRankings=2"],
    );
    check(
        &["A", "B"],
        &entries,
        RankedRules {
            max_skipped_ranks: None,
            ..rules()
        },
        &["A=3 B=4 | +B | - | "],
    );
}

#[test]
fn duplicate_rankings_exhaust_when_asked() {
    let entries = ["3:A", "3:B", "2:C C A"];
    check(
        &["A", "B", "C"],
        &entries,
        rules(),
        &["A=3 B=3 C=2 | + | -C | ", "A=5 B=3 | +A | - | "],
    );
    check(
        &["A", "B", "C"],
        &entries,
        RankedRules {
            exhaust_on_duplicate: true,
            ..rules()
        },
        &[
            "A=3 B=3 C=2 | + | -C | ",
            "A=3 B=3 | +A | - | RepeatedRankings=2",
        ],
    );
}

#[test]
fn ties_stop_unless_a_rule_breaks_them() {
    let b = ballots(&["A", "B", "C"], &["2:C", "1:A", "1:B"]);
    let r = tabulate(&b, &RankedRules::default());
    assert!(
        matches!(r, Err(RankedError::TieNeedsOperator { round: 1, .. })),
        "{r:?}"
    );
    // useCandidateOrder: the latest in the list loses.
    let Ok(r) = tabulate(&b, &rules()) else {
        panic!()
    };
    assert_eq!(r.rounds[0].eliminated, vec![CandidateId(1)]);
    assert_eq!(r.rounds[0].ties.len(), 1);
    // random with seed 0: java.util.Random(0).nextDouble() = 0.7309677873766576,
    // floor(0.73 × 2) = 1, so the second of [A, B] (sorted by name) loses.
    let Ok(r) = tabulate(
        &b,
        &RankedRules {
            tiebreak: TiebreakMode::Random,
            random_seed: Some(0),
            ..RankedRules::default()
        },
    ) else {
        panic!()
    };
    assert_eq!(r.rounds[0].eliminated, vec![CandidateId(1)]);
    assert!(matches!(
        tabulate(
            &b,
            &RankedRules {
                tiebreak: TiebreakMode::Random,
                ..RankedRules::default()
            }
        ),
        Err(RankedError::MissingSeed { .. })
    ));
}

#[test]
fn batch_elimination_drops_hopeless_candidates_together() {
    check(
        &["A", "B", "C", "D"],
        &["9:A", "6:B", "2:C", "1:D"],
        RankedRules {
            batch_elimination: true,
            ..rules()
        },
        &[
            "A=9 B=6 C=2 D=1 | + | -D,C | ",
            "A=9 B=6 | +A | - | ExhaustedChoices=3",
        ],
    );
}

#[test]
fn too_many_rankings_is_an_error() {
    let b = ballots(&["A", "B", "C"], &["A B C"]);
    let r = tabulate(
        &b,
        &RankedRules {
            max_rankings: Some(2),
            ..rules()
        },
    );
    assert_eq!(
        r.err(),
        Some(RankedError::TooManyRankings { rank: 3, max: 2 })
    );
}

#[test]
fn stv_transfers_surplus_fractionally() {
    // 2 seats, 9 ballots: Droop threshold floor(9/3)+1 = 4. A has 6, surplus
    // 2 → fraction 0.3333; each A ballot passes on 0.3333 (to B or C).
    let b = ballots(&["A", "B", "C", "D"], &["3:A B", "3:A C", "2:D", "1:C"]);
    let r = match tabulate(
        &b,
        &RankedRules {
            seats: 2,
            winner_mode: WinnerMode::MultiWinnerMultiplePerRound,
            ..rules()
        },
    ) {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    };
    let s = summary(&b, &r);
    assert_eq!(s[0], "A=6 B=0 C=1 D=2 | +A | - | ");
    assert_eq!(s[1], "A=4 B=0.9999 C=1.9999 D=2 | + | -B | ");
    assert_eq!(r.rounds[0].threshold.to_string(), "4");
    // residual surplus: 6 × 0.6667 = 4.0002 kept, 0.0002 residual
    assert_eq!(r.rounds[1].residual_surplus.to_string(), "0.0002");
}

fn conserved(r: &RankedResult, total: u64) -> Result<(), String> {
    for round in &r.rounds {
        let mut sum = round.residual_surplus;
        for v in round.tally.values().chain(round.inactive.values()) {
            sum = sum.plus(*v).map_err(|_| "overflow".to_string())?;
        }
        if sum != Decimal::from_int(i128::from(total)) {
            return Err(format!("round {}: {sum} != {total}", round.number));
        }
    }
    Ok(())
}

fn arb_ballots() -> impl Strategy<Value = Vec<(Vec<u8>, u64)>> {
    prop::collection::vec((prop::collection::vec(0u8..6, 0..5), 1u64..20), 1..40)
}

fn build(raw: &[(Vec<u8>, u64)]) -> RankedBallots {
    let names = ["A", "B", "C", "D", "E", "F"];
    let mut b = RankedBallots::new(names.iter().map(|n| RankedCandidate::declared(n)).collect());
    for (ranking, count) in raw {
        let marks: Vec<(u32, Selection)> = ranking
            .iter()
            .enumerate()
            .map(|(i, c)| {
                (
                    i as u32 + 1,
                    Selection::Candidate(CandidateId(u32::from(*c))),
                )
            })
            .collect();
        b.push(&marks, None, *count);
    }
    b
}

proptest! {
    #[test]
    fn irv_independent_of_ballot_order(raw in arb_ballots(), seed in any::<u64>()) {
        let b1 = build(&raw);
        let mut shuffled = raw.clone();
        // a deterministic permutation from the seed
        let n = shuffled.len();
        for i in (1..n).rev() {
            let j = (seed.wrapping_mul(6364136223846793005).wrapping_add(i as u64) % (i as u64 + 1)) as usize;
            shuffled.swap(i, j);
        }
        let b2 = build(&shuffled);
        let r1 = tabulate(&b1, &rules());
        let r2 = tabulate(&b2, &rules());
        prop_assert_eq!(r1, r2);
    }

    #[test]
    fn rounds_conserve_ballots(raw in arb_ballots(), seats in 1u32..4) {
        let b = build(&raw);
        let total = b.total();
        let mode = if seats == 1 { WinnerMode::SingleWinnerMajority } else { WinnerMode::MultiWinnerMultiplePerRound };
        let rules = RankedRules { seats, winner_mode: mode, overvote_rule: OvervoteRule::ExhaustImmediately, ..rules() };
        if let Ok(r) = tabulate(&b, &rules) {
            prop_assert_eq!(conserved(&r, total), Ok(()));
            prop_assert!(r.rounds.iter().all(|x| x.inactive_for(InactiveReason::Undervote) <= Decimal::from_int(i128::from(total))));
        }
    }
}

/// `tabulate_traced` reports, per round and per ballot group, the candidate
/// the group counted for (None once exhausted), and the same result as
/// `tabulate`.
#[test]
fn traced_allocations_follow_transfers() {
    use canvass_tabulate::ranked::tabulate_traced;
    let mut b = RankedBallots::new(vec![
        RankedCandidate::declared("A"),
        RankedCandidate::declared("B"),
        RankedCandidate::declared("C"),
    ]);
    let c = |i: u32| Selection::Candidate(CandidateId(i));
    let a = b.push_indexed(&[(1, c(0))], None, 5);
    let ba = b.push_indexed(&[(1, c(1)), (2, c(0))], None, 4);
    let cb = b.push_indexed(&[(1, c(2)), (2, c(1))], None, 2);
    let only_c = b.push_indexed(&[(1, c(2))], None, 1);
    assert_eq!(b.push_indexed(&[(2, c(0)), (1, c(1))], None, 1), ba);
    assert_eq!((a, ba, cb, only_c), (0, 1, 2, 3));
    let rules = RankedRules::default();
    let (result, trace) = tabulate_traced(&b, &rules).unwrap();
    assert_eq!(result, tabulate(&b, &rules).unwrap());
    assert_eq!(trace.len(), result.rounds.len());
    let recipients = |r: usize| -> Option<Vec<Option<u32>>> {
        trace
            .get(r)
            .map(|round| round.iter().map(|a| a.recipient).collect())
    };
    assert_eq!(
        recipients(0),
        Some(vec![Some(0), Some(1), Some(2), Some(2)])
    );
    assert_eq!(recipients(1), Some(vec![Some(0), Some(1), Some(1), None]));
    // Single seat: no ballot is split.
    assert!(
        trace
            .iter()
            .flatten()
            .all(|a| a.kept.is_empty() && a.value == Decimal::ONE)
    );
}

/// Multi-seat: after a winner's surplus transfer the trace shows what each
/// ballot left with the winner and the rest at its next choice (RCTab's
/// `FractionalVotes` in its CDF output).
#[test]
fn traced_allocations_split_ballots_after_surplus() {
    use canvass_tabulate::ranked::{Allocation, tabulate_traced};
    let mut b = RankedBallots::new(vec![
        RankedCandidate::declared("A"),
        RankedCandidate::declared("B"),
        RankedCandidate::declared("C"),
    ]);
    let c = |i: u32| Selection::Candidate(CandidateId(i));
    let ab = b.push_indexed(&[(1, c(0)), (2, c(1))], None, 6);
    let only_c = b.push_indexed(&[(1, c(2))], None, 3);
    let only_b = b.push_indexed(&[(1, c(1))], None, 1);
    assert_eq!((ab, only_c, only_b), (0, 1, 2));
    let rules = RankedRules {
        seats: 2,
        winner_mode: WinnerMode::MultiWinnerOnlyOnePerRound,
        ..RankedRules::default()
    };
    let (result, trace) = tabulate_traced(&b, &rules).unwrap();
    assert_eq!(result.winners.first(), Some(&CandidateId(0)));
    // Round 1: A has 6 of 10 (threshold 4) and is elected, nobody split yet.
    assert_eq!(
        trace.first().and_then(|r| r.first()),
        Some(&Allocation {
            recipient: Some(0),
            value: Decimal::ONE,
            kept: vec![],
        })
    );
    // Round 2: surplus 2/6 = .3333 moves on; A keeps .6667 of each A>B ballot.
    let Some(split) = trace.get(1).and_then(|r| r.first()) else {
        panic!("round 2")
    };
    assert_eq!(split.recipient, Some(1));
    assert_eq!(split.value.to_string(), "0.3333");
    assert_eq!(
        split
            .kept
            .iter()
            .map(|(w, v)| (*w, v.to_string()))
            .collect::<Vec<_>>(),
        vec![(0, "0.6667".to_owned())]
    );
}
