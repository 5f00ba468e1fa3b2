//! Property tests of the RAIRE search on random small contests: the
//! difficulty equals a brute-force evaluation of RAIRE's objective, the
//! assertions hold and rule out every other winner, and trimming never
//! changes the difficulty.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code may panic

use canvass_audit::raire::{
    Assertion, AuditType, RaireError, RankedVote, TrimAlgorithm, Votes,
    possible_winners_by_enumeration, raire,
};
use proptest::prelude::*;

fn all_orders(n: u32) -> Vec<Vec<u32>> {
    if n == 0 {
        return vec![vec![]];
    }
    let mut out = Vec::new();
    for o in all_orders(n - 1) {
        for i in 0..=o.len() {
            let mut v = o.clone();
            v.insert(i, n - 1);
            out.push(v);
        }
    }
    out
}

/// RAIRE's `find-best-audit(π)`, written out directly.
fn best(votes: &Votes, audit: &AuditType, pi: &[u32]) -> f64 {
    let n = votes.num_candidates() as u32;
    let c = pi[0];
    let mut candidates = Vec::new();
    for alt in (0..n).filter(|&a| a != c) {
        if pi[1..].contains(&alt) {
            candidates.push(Assertion::NotEliminatedBefore {
                winner: c,
                loser: alt,
            });
        } else {
            candidates.push(Assertion::NotEliminatedBefore {
                winner: alt,
                loser: c,
            });
        }
    }
    for &l in &pi[1..] {
        candidates.push(Assertion::nen(c, l, pi.to_vec()));
    }
    candidates
        .iter()
        .map(|a| {
            let (w, l) = a.tallies(votes);
            audit.difficulty(w, l)
        })
        .fold(f64::INFINITY, f64::min)
}

/// max over orders with another winner of min over their suffixes.
fn brute_force(votes: &Votes, audit: &AuditType, winner: u32) -> f64 {
    let n = votes.num_candidates() as u32;
    all_orders(n)
        .into_iter()
        .filter(|o| *o.last().unwrap() != winner)
        .map(|o| {
            (1..=o.len())
                .map(|k| best(votes, audit, &o[o.len() - k..]))
                .fold(f64::INFINITY, f64::min)
        })
        .fold(0.0, f64::max)
}

fn contest() -> impl Strategy<Value = Votes> {
    (3usize..=5).prop_flat_map(|n| {
        prop::collection::vec(
            (
                1u64..200,
                Just(n).prop_perturb(|n, mut rng| {
                    let mut cands: Vec<u32> = (0..n as u32).collect();
                    for i in (1..cands.len()).rev() {
                        let j = rng.random_range(0..=i);
                        cands.swap(i, j);
                    }
                    let len = rng.random_range(1..=n);
                    cands.truncate(len);
                    cands
                }),
            ),
            1..12,
        )
        .prop_map(move |list| {
            Votes::new(
                list.into_iter()
                    .map(|(n, prefs)| RankedVote { n, prefs })
                    .collect(),
                n,
            )
            .unwrap()
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn raire_matches_brute_force_and_proves_the_winner(votes in contest(), kind in 0usize..3) {
        let total_auditable_ballots = votes.total() + 7;
        let audit = match kind {
            0 => AuditType::OneOnMargin { total_auditable_ballots },
            1 => AuditType::Bravo { confidence: 0.05, total_auditable_ballots },
            _ => AuditType::Macro { confidence: 0.1, error_inflation_factor: 1.1, total_auditable_ballots },
        };
        match raire(&votes, None, &audit, TrimAlgorithm::MinimizeTree) {
            Ok(r) => {
                let expected = brute_force(&votes, &audit, r.winner);
                prop_assert!((r.difficulty - expected).abs() <= 1e-9 * expected.max(1.0),
                    "difficulty {} brute force {}", r.difficulty, expected);
                let list: Vec<Assertion> = r.assertions.iter().map(|a| a.assertion.clone()).collect();
                let winners = possible_winners_by_enumeration(&list, votes.num_candidates()).unwrap();
                prop_assert_eq!(winners.into_iter().collect::<Vec<_>>(), vec![r.winner]);
                for a in &r.assertions {
                    prop_assert!(a.margin > 0);
                    prop_assert!(a.difficulty <= r.difficulty);
                }
                // the order of the ballots does not matter
                let mut reversed: Vec<RankedVote> = votes.votes().to_vec();
                reversed.reverse();
                let reversed = Votes::new(reversed, votes.num_candidates()).unwrap();
                prop_assert_eq!(&raire(&reversed, None, &audit, TrimAlgorithm::MinimizeTree).unwrap(), &r);
                for trim in [TrimAlgorithm::None, TrimAlgorithm::MinimizeAssertions] {
                    let other = raire(&votes, None, &audit, trim).unwrap();
                    prop_assert_eq!(other.difficulty, r.difficulty);
                    let list: Vec<Assertion> = other.assertions.iter().map(|a| a.assertion.clone()).collect();
                    let winners = possible_winners_by_enumeration(&list, votes.num_candidates()).unwrap();
                    prop_assert_eq!(winners.into_iter().collect::<Vec<_>>(), vec![r.winner]);
                    if trim == TrimAlgorithm::None {
                        prop_assert!(other.assertions.len() >= r.assertions.len());
                    }
                }
            }
            Err(RaireError::CouldNotRuleOut { .. }) => {
                let irv = votes.run_irv().unwrap();
                prop_assert!(brute_force(&votes, &audit, irv.possible_winners[0]).is_infinite());
            }
            Err(RaireError::TiedWinners { possible }) => prop_assert!(possible.len() > 1),
            Err(e) => prop_assert!(false, "unexpected error {e}"),
        }
    }
}
