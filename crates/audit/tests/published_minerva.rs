//! Minerva figures published in Arlo's `server/tests/audit_math/test_minerva.py`
//! (see `shared/vectors/PUBLISHED.md` §6), reproduced with our own code.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code may panic

use canvass_audit::minerva::{
    MinervaContest, MinervaRound, QUANTILES, first_round_stopping_probability, next_round_size,
    pair_first_round_size, pair_first_round_size_with_threshold,
};
use std::collections::BTreeMap;

const UNDERVOTE: &str = "_undervote_";

/// Arlo's `make_arlo_contest`: ballots = all tallies, `_undervote_` is not a
/// candidate.
fn contest(tally: &[(&str, u64)], winners: usize) -> MinervaContest {
    let ballots = tally.iter().map(|t| t.1).sum();
    let tallies = tally
        .iter()
        .filter(|t| t.0 != UNDERVOTE)
        .map(|(n, v)| ((*n).to_owned(), *v))
        .collect();
    MinervaContest::new(ballots, tallies, winners).expect("valid contest")
}

fn check_sizes(tally: &[(&str, u64)], winners: usize, expected: [u64; 3]) {
    let sizes = contest(tally, winners)
        .first_round_sizes(0.1, &QUANTILES)
        .expect("sizes");
    let got: Vec<u64> = sizes.quantiles.iter().map(|q| q.size).collect();
    assert_eq!(got, expected, "{tally:?}");
}

/// Arlo's `make_sample_results`: votes per round in candidate order.
fn rounds(c: &MinervaContest, sizes: &[u64], votes: &[&[u64]]) -> Vec<MinervaRound> {
    sizes
        .iter()
        .zip(votes)
        .map(|(size, v)| MinervaRound {
            size: *size,
            votes: c
                .tallies
                .iter()
                .zip(v.iter())
                .map(|((n, _), x)| (n.clone(), *x))
                .collect::<BTreeMap<_, _>>(),
        })
        .collect()
}

fn check_risk(
    tally: &[(&str, u64)],
    winners: usize,
    sizes: &[u64],
    votes: &[&[u64]],
    expected: f64,
    confirmed: bool,
) {
    let c = contest(tally, winners);
    let r = c.risk(0.1, &rounds(&c, sizes, votes)).expect("risk");
    let rel = if expected == 0.0 {
        r.p_value
    } else {
        ((r.p_value - expected) / expected).abs()
    };
    assert!(
        rel < 1e-9,
        "{tally:?}: p = {}, expected {expected}",
        r.p_value
    );
    assert_eq!(r.confirmed, confirmed, "{tally:?}");
}

const C3: &[(&str, u64)] = &[("a", 600), ("b", 400), ("c", 100), (UNDERVOTE, 100)];

#[test]
fn arlo_test_get_sample_size() {
    check_sizes(C3, 1, [134, 166, 215]);
    check_sizes(&[("a", 600), ("b", 200), ("c", 100)], 1, [20, 25, 35]);
    check_sizes(&[("a", 100), ("b", 1)], 1, [4, 4, 4]);
    check_sizes(&[("a", 500), ("b", 500)], 1, [1000, 1000, 1000]);
    check_sizes(
        &[("a", 300), ("b", 200), ("c", 200), (UNDERVOTE, 300)],
        1,
        [222, 276, 358],
    );
}

#[test]
fn arlo_doctest_risk_limit_20() {
    // minerva.py doctest: get_sample_size(20, c3, None, []) → 87/110/156
    let sizes = contest(C3, 1)
        .first_round_sizes(0.2, &QUANTILES)
        .expect("sizes");
    let got: Vec<u64> = sizes.quantiles.iter().map(|q| q.size).collect();
    assert_eq!(got, [87, 110, 156]);
}

#[test]
fn arlo_test_get_sample_size_landslide() {
    check_sizes(&[("a", 100), ("b", 0)], 1, [4, 4, 4]);
}

#[test]
fn arlo_test_get_sample_size_2win() {
    check_sizes(
        &[("a", 400), ("b", 400), ("c", 200), ("d", 100)],
        2,
        [79, 87, 114],
    );
}

#[test]
fn arlo_test_get_sample_size_big() {
    // margin 151/10001 is just above athena's approximation threshold: the
    // bisection path decides
    check_sizes(&[("a", 5076), ("b", 4925)], 1, [17663, 22233, 30319]);
}

#[test]
fn arlo_test_get_sample_size_bigger_approx() {
    // margin 0.004: athena's normal approximation
    check_sizes(
        &[("a", 502_000), ("b", 498_000)],
        1,
        [250_047, 315_475, 429_778],
    );
}

#[test]
fn arlo_test_get_sample_size_second_round() {
    // get_sample_size(20, c, {"r1": {a 10, b 10}}, {1: 20}) → 0.9: 45
    assert_eq!(next_round_size(20, 1), 45);
}

#[test]
fn arlo_test_compute_risk_2r() {
    check_risk(
        C3,
        1,
        &[83, 200],
        &[&[40, 40, 3], &[70, 30, 10]],
        0.006382031505998192,
        true,
    );
}

#[test]
fn arlo_test_collect_risks() {
    check_risk(C3, 1, &[120], &[&[56, 40, 3]], 0.0933945799801079, true);
    check_risk(C3, 1, &[83], &[&[40, 40, 3]], 0.5596434615209632, false);
    let c = contest(C3, 1);
    assert!(c.risk(0.1, &rounds(&c, &[82], &[&[40, 40, 3]])).is_err());
}

#[test]
fn arlo_test_compute_risk_2win() {
    let t = &[("a", 400), ("b", 400), ("c", 200), ("d", 100)];
    check_risk(
        t,
        2,
        &[100],
        &[&[40, 40, 18, 2]],
        0.0064653703790821795,
        true,
    );
    check_risk(t, 2, &[100], &[&[30, 30, 30, 10]], 0.552702598296842, false);
    check_risk(
        t,
        2,
        &[100, 150],
        &[&[30, 30, 30, 10], &[50, 50, 25, 25]],
        0.083535346859948,
        true,
    );
}

#[test]
fn arlo_test_compute_risk_delta() {
    let t = &[
        ("Warnock", 1_613_896),
        ("Loeffler", 1_270_718),
        ("Collins", 978_667),
        ("Write-ins", 132),
        (UNDERVOTE, 1_041_608),
    ];
    check_risk(
        t,
        2,
        &[923],
        &[&[384, 276, 234, 1]],
        0.039858047805999164,
        true,
    );
}

#[test]
fn arlo_test_compute_risk_close_narrow() {
    let t = &[
        ("a", 5_100_000),
        ("b", 4_900_000),
        ("c", 100),
        (UNDERVOTE, 100_000),
    ];
    check_risk(
        t,
        1,
        &[10091],
        &[&[5100, 4990, 1]],
        0.16896200607848647,
        false,
    );
}

#[test]
fn arlo_test_compute_risk_close_narrow_2() {
    let t = &[
        ("a", 5_100_000),
        ("b", 4_900_000),
        ("c", 100),
        (UNDERVOTE, 100_000),
    ];
    check_risk(
        t,
        1,
        &[10091, 10000],
        &[&[5100, 4990, 1], &[5100, 4900, 0]],
        0.03907953348498701,
        true,
    );
}

#[test]
fn arlo_test_compute_risk_too_low() {
    let t = &[("a", 2_453_876), ("b", 2_358_432), (UNDERVOTE, 114_911)];
    check_risk(t, 1, &[17605], &[&[17605, 0]], 0.0, true);
}

#[test]
fn pair_sizes_reach_their_stopping_probability() {
    for (margin, q) in [(0.2, 0.7), (0.2, 0.9), (0.5, 0.8), (0.05, 0.9)] {
        let n = pair_first_round_size(margin, 0.1, q).expect("size");
        assert!(
            first_round_stopping_probability(margin, 0.1, n) > q,
            "{margin} {q} {n}"
        );
    }
}

fn heavy() -> bool {
    let on = std::env::var_os("CANVASS_HEAVY_TESTS").is_some();
    if !on {
        eprintln!("skipped: set CANVASS_HEAVY_TESTS=1 to run");
    }
    on
}

#[test]
fn arlo_test_get_sample_size_bigger_exact_search() {
    // Arlo's comment: with athena's bisection (`--approx 0.001`) the sizes
    // are 250632, 315749, 430133 ("take 2 minutes"). We reproduce 0.7 and
    // 0.8. For 0.9 the stopping probability saw-tooths (P(430132) = 0.89974,
    // P(430133) = 0.90001, P(430396) = 0.89996, P(430397) = 0.90022), so the
    // size returned depends on the bisection path: athena's current path
    // (round_max 10 000 doubled to 640 000, bisected from 1; no comparison
    // on it closer to 0.9 than 1.4e-5) ends at 430397. Both are crossings.
    if !heavy() {
        return;
    }
    let size = |q| pair_first_round_size_with_threshold(0.004, 0.1, q, 0.001).expect("size");
    assert_eq!(size(0.7), 250_632);
    assert_eq!(size(0.8), 315_749);
    assert_eq!(size(0.9), 430_397);
    for n in [430_133, 430_397] {
        assert!(first_round_stopping_probability(0.004, 0.1, n - 1) <= 0.9);
        assert!(first_round_stopping_probability(0.004, 0.1, n) > 0.9);
    }
}

#[test]
fn arlo_test_compute_risk_close_narrow_3() {
    // skipped in Arlo ("Takes over a minute to run")
    if !heavy() {
        return;
    }
    let t = &[
        ("a", 5_100_000),
        ("b", 4_900_000),
        ("c", 100),
        (UNDERVOTE, 100_000),
    ];
    check_risk(
        t,
        1,
        &[100_001, 100_000],
        &[&[50_100, 49_900, 1], &[51_000, 49_000, 0]],
        0.0016102827517693026,
        true,
    );
}

#[test]
fn arlo_test_compute_risk_landslide_loser_without_votes() {
    // margin 1: every relevant ballot must show the winner
    let t = &[("a", 1000), ("b", 0)];
    let c = contest(t, 1);
    let r = c.risk(0.1, &rounds(&c, &[5], &[&[5, 0]])).expect("risk");
    // under the tie each of 5 ballots is the winner's with prob ½
    assert!((r.p_value - 1.0 / 32.0).abs() < 1e-15, "{}", r.p_value);
    assert!(r.confirmed);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// athena's bisection keeps P(stop) ≤ q at its lower end and ≥ q at
        /// its upper end, so the size returned is a crossing of q.
        #[test]
        fn size_is_a_crossing(margin in 0.05f64..0.9, q in 0.5f64..0.95, alpha in 0.01f64..0.3) {
            let n = pair_first_round_size(margin, alpha, q).expect("size");
            prop_assert!(first_round_stopping_probability(margin, alpha, n) >= q);
            prop_assert!(first_round_stopping_probability(margin, alpha, n - 1) <= q);
        }

        /// p-values are probabilities and `confirmed` is `p ≤ α`.
        #[test]
        fn risk_is_a_probability(
            w in 1u64..500, l in 1u64..500, o in 0u64..100,
            sw in 0u64..60, sl in 0u64..60, so in 0u64..20, extra in 0u64..10,
        ) {
            prop_assume!(w != l);
            let c = contest(&[("a", w), ("b", l), ("c", o), (UNDERVOTE, 7)], 1);
            let size = sw + sl + so + extra;
            let r = c.risk(0.1, &rounds(&c, &[size], &[&[sw, sl, so]])).expect("risk");
            prop_assert!((0.0..=1.0).contains(&r.p_value), "{}", r.p_value);
            prop_assert_eq!(r.confirmed, r.p_value <= 0.1);
        }
    }
}
