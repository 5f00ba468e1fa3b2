//! SHANGRLA `tests/core/test_NonnegMean.py` values (PUBLISHED.md §4).
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code may panic

use canvass_audit::nonneg_mean::{
    Bet, Estimator, NonnegMean, Population, RiskFunction, null_means,
};
use canvass_audit::sample_size::sample_size;

fn close(got: f64, want: f64) {
    let rel = ((got - want) / want).abs();
    assert!(rel <= 1e-9, "got {got}, want {want} (relative error {rel})");
}

fn check(function: RiskFunction, random_order: bool, x: &[f64], want: f64) {
    let test = NonnegMean {
        population: Population::default(),
        function,
        random_order,
    };
    let got = test.test(x).unwrap_or_else(|e| panic!("{e}"));
    close(got.p_value, want);
}

const KM_DATA: [f64; 6] = [1.0, 1.0, 1.0, 1.0, 1.0, 0.0];

#[test]
fn kaplan_markov_ones_line_86() {
    check(
        RiskFunction::KaplanMarkov { g: 0.0 },
        true,
        &[1.0; 5],
        0.03125,
    );
}

#[test]
fn kaplan_markov_padded_line_89() {
    check(
        RiskFunction::KaplanMarkov { g: 0.1 },
        true,
        &KM_DATA,
        (1.1f64 / 0.6).powi(-5),
    );
}

#[test]
fn kaplan_markov_not_random_order_line_91() {
    check(
        RiskFunction::KaplanMarkov { g: 0.1 },
        false,
        &KM_DATA,
        (1.1f64 / 0.6).powi(-5) * 0.6 / 0.1,
    );
}

#[test]
fn kaplan_wald_padded_line_106() {
    check(
        RiskFunction::KaplanWald { g: 0.1 },
        true,
        &KM_DATA,
        1.9f64.powi(-5),
    );
}

#[test]
fn kaplan_wald_not_random_order_line_108() {
    check(
        RiskFunction::KaplanWald { g: 0.1 },
        false,
        &KM_DATA,
        1.9f64.powi(-5) * 10.0,
    );
}

fn alpha_fixed_sample_size(value: f64) -> u64 {
    let test = NonnegMean::new(
        Population {
            upper: 1.0,
            size: Some(1000),
            null_mean: 0.5,
        },
        RiskFunction::Alpha(Estimator::Fixed { eta: 0.75 }),
    );
    sample_size(&test, &[value; 5], 0.05).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn sample_size_alpha_fixed_eta_ones_line_134() {
    assert_eq!(alpha_fixed_sample_size(1.0), 8);
}

#[test]
fn sample_size_alpha_fixed_eta_three_quarters_line_142() {
    assert_eq!(alpha_fixed_sample_size(0.75), 14);
}

#[test]
fn sjm_lines_270_274() {
    let x = [1.0, 2.0, 0.5, 1.0, 4.0];
    let (m, total) = null_means(Some(5), 1.53, &x);
    assert_eq!(total, 8.5);
    for (got, want) in m.iter().zip([1.53, 1.6625, 1.55, 2.075, 3.15]) {
        close(*got, want);
    }
}

#[test]
fn betting_fixed_bet_line_228() {
    for (val, lambda) in [(0.75, 0.5), (0.6, 0.25), (1.0, 1.0), (0.55, 0.9)] {
        let want = 1.0 / (1.0 + lambda * (val - 0.5f64)).powi(20);
        check(
            RiskFunction::Betting(Bet::Fixed { lambda }),
            true,
            &[val; 20],
            want,
        );
    }
}

#[test]
fn alpha_term_matches_definition_infinite_population() {
    // PUBLISHED §4: T_j = T_{j-1} (x η/m + (u−x)(u−η)/(u−m))/u with m = t, fixed η
    let x = [0.9, 0.2, 1.0, 0.6, 0.7];
    let eta = 0.7;
    let mut t = 1.0f64;
    let mut t_max = 1.0f64;
    for v in x {
        t *= v * eta / 0.5 + (1.0 - v) * (1.0 - eta) / 0.5;
        t_max = t_max.max(t);
    }
    check(
        RiskFunction::Alpha(Estimator::Fixed { eta }),
        true,
        &x,
        (1.0 / t_max).min(1.0),
    );
}
