//! Property and statistical tests of the risk functions.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code may panic

use canvass_audit::assorter::{overstatement_assorter_mean, overstatement_upper_bound};
use canvass_audit::nonneg_mean::{
    Bet, Estimator, NonnegMean, Population, RiskFunction, ShrinkTrunc,
};
use canvass_audit::simulate::{Scenario, Simulation, sample_sizes, simulate};
use canvass_audit::supersimple::{ComparisonContest, GAMMA, SampledBallot};
use proptest::prelude::*;

/// First 1-based index at which the p-value history is at most alpha.
fn first_crossing(history: &[f64], alpha: f64) -> Option<usize> {
    history.iter().position(|&p| p <= alpha).map(|i| i + 1)
}

proptest! {
    /// A comparison audit that finds no errors (every value is the no-error
    /// value 1/(2 − v)) with ALPHA and a fixed η stops exactly at the
    /// closed-form n = ⌈ln(1/α) / ln(factor)⌉.
    #[test]
    fn clean_comparison_alpha_stops_at_closed_form(v in 0.02f64..0.9, eta_frac in 0.05f64..0.95, alpha in 0.01f64..0.2) {
        let u = overstatement_upper_bound(v, 1.0);
        let x = overstatement_assorter_mean(v, 1.0);
        let eta = 0.5 + eta_frac * (u - 0.5);
        let factor = (x * eta / 0.5 + (u - x) * (u - eta) / (u - 0.5)) / u;
        prop_assume!(factor > 1.0);
        let exact = (1.0 / alpha).ln() / factor.ln();
        prop_assume!((exact - exact.round()).abs() > 1e-6 && exact < 5000.0);
        let n = exact.ceil() as usize;
        let test = NonnegMean::new(
            Population { upper: u, size: None, null_mean: 0.5 },
            RiskFunction::Alpha(Estimator::Fixed { eta }),
        );
        let values = vec![x; n + 5];
        let m = test.test(&values).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(first_crossing(&m.p_history, alpha), Some(n));
    }

    /// Kaplan–Markov ballot comparison with no discrepancies confirms at
    /// n* = ⌈ln α / ln(1 − μ/2γ)⌉ and not one ballot earlier.
    #[test]
    fn clean_supersimple_confirms_at_closed_form(w in 501u64..10_000, extra in 0u64..5_000) {
        let loser = 1000 - (w % 500) - 1; // 500..999 votes for the loser
        let winner = loser + 1 + (w % 400);
        let ballots = winner + loser + extra;
        let c = ComparisonContest::from_tallies(ballots, &[winner, loser], 1, GAMMA)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mu = c.diluted_margin();
        let exact = 0.1f64.ln() / (1.0 - mu / (2.0 * GAMMA)).ln();
        prop_assume!((exact - exact.round()).abs() > 1e-6);
        let n = exact.ceil() as u64;
        prop_assume!(n < ballots);
        let clean = |k: u64| (0..k).map(|_| SampledBallot { weighted_error: 0.0, times_sampled: 1 }).collect::<Vec<_>>();
        prop_assert!(c.risk(&clean(n)) <= 0.1);
        prop_assert!(c.risk(&clean(n - 1)) > 0.1);
    }

    /// Every p-value history is in [0, 1] and never increases (random order).
    #[test]
    fn p_history_is_monotone(xs in proptest::collection::vec(0.0f64..=1.0, 1..200), which in 0usize..4, finite in any::<bool>()) {
        let function = match which {
            0 => RiskFunction::Alpha(Estimator::Fixed { eta: 0.6 }),
            1 => RiskFunction::Alpha(Estimator::ShrinkTrunc(ShrinkTrunc::defaults(1.0))),
            2 => RiskFunction::Betting(Bet::agrapa(0.5)),
            _ => RiskFunction::KaplanWald { g: 0.1 },
        };
        let size = if finite { Some(1000) } else { None };
        let test = NonnegMean::new(Population { upper: 1.0, size, null_mean: 0.5 }, function);
        let m = test.test(&xs).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(m.p_history.windows(2).all(|w| w[1] <= w[0]));
        prop_assert!(m.p_history.iter().all(|p| (0.0..=1.0).contains(p)));
        prop_assert_eq!(m.p_value, *m.p_history.last().unwrap_or(&1.0));
    }
}

/// Upper bound on rejections out of `trials` when each rejects with
/// probability at most `alpha`: P(X >= bound) < 1e-6 for X ~ Bin(trials, α).
fn binomial_upper_bound(trials: u64, alpha: f64) -> u64 {
    // Chernoff/normal bound is enough here: mean + 5.3 sd has tail < 1e-7
    let mean = trials as f64 * alpha;
    let sd = (mean * (1.0 - alpha)).sqrt();
    (mean + 5.3 * sd).ceil() as u64
}

fn rejections(sim: &Simulation, alpha: f64, trials: u64, seed: u64) -> u64 {
    let sizes = simulate(sim, alpha, trials, seed).unwrap_or_else(|e| panic!("{e}"));
    sizes.iter().filter(|&&n| n < sim.max_draws).count() as u64
}

#[test]
fn wrong_polling_outcome_confirms_at_most_alpha() {
    // true shares 0.45/0.45: the assorter mean is exactly 1/2 (null true)
    let alpha = 0.05;
    for (function, seed) in [
        (RiskFunction::Alpha(Estimator::Fixed { eta: 0.55 }), 1),
        (
            RiskFunction::Alpha(Estimator::ShrinkTrunc(ShrinkTrunc {
                eta: 0.6,
                ..ShrinkTrunc::defaults(1.0)
            })),
            2,
        ),
        (RiskFunction::Betting(Bet::agrapa(0.2)), 3),
    ] {
        let sim = Simulation {
            test: NonnegMean::new(Population::default(), function),
            scenario: Scenario::polling(0.45, 0.45),
            max_draws: 1000,
        };
        let trials = 2000;
        let got = rejections(&sim, alpha, trials, seed);
        assert!(
            got <= binomial_upper_bound(trials, alpha),
            "{function:?}: {got} of {trials}"
        );
    }
}

#[test]
fn wrong_comparison_outcome_confirms_at_most_alpha() {
    // reported margin 0.1, two-vote overstatements at 5%: true mean (1−0.05)/1.9 = 1/2
    let alpha = 0.05;
    let v = 0.1;
    let sim = Simulation {
        max_draws: 1000,
        ..Simulation::comparison(
            v,
            Some(20_000),
            0.0,
            0.05,
            RiskFunction::Alpha(Estimator::ShrinkTrunc(ShrinkTrunc {
                eta: 0.99 * overstatement_upper_bound(v, 1.0),
                ..ShrinkTrunc::defaults(overstatement_upper_bound(v, 1.0))
            })),
        )
    };
    let trials = 2000;
    let got = rejections(&sim, alpha, trials, 7);
    assert!(
        got <= binomial_upper_bound(trials, alpha),
        "{got} of {trials}"
    );
}

#[test]
fn simulation_is_deterministic_across_thread_counts() {
    let contests: Vec<Simulation> = (0..8)
        .map(|i| {
            Simulation::comparison(
                0.02 + 0.01 * i as f64,
                Some(50_000),
                0.001,
                0.0001,
                RiskFunction::Alpha(Estimator::ShrinkTrunc(ShrinkTrunc::defaults(1.0))),
            )
        })
        .collect();
    let many = sample_sizes(&contests, 0.05, 50, 0.9, 42).unwrap_or_else(|e| panic!("{e}"));
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
        .install(|| sample_sizes(&contests, 0.05, 50, 0.9, 42))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(many, one);
    // a wider margin never needs a larger 90% sample here
    assert!(many.windows(2).all(|w| w[1] <= w[0]), "{many:?}");
}
