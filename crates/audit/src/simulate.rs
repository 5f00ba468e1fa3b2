//! Deterministic, seeded simulation of audits, for sample-size estimates of
//! risk functions with no closed form (ALPHA shrink-trunc, aGRAPA, ...).
//!
//! Each simulated audit draws assorter values independently from a
//! [`Scenario`] and feeds them to a [`NonnegMean`] test until the p-value is
//! at most `α` (or a draw limit is reached); the draw count is that audit's
//! sample size. The pseudo-random generator is SplitMix64 (Steele, Lea &
//! Flood 2014), seeded per audit from `(seed, contest, trial)`, so results
//! are identical whatever the thread count. This randomness only estimates
//! workload; it never selects ballots.

use crate::assorter::{overstatement_assorter_mean, overstatement_upper_bound};
use crate::nonneg_mean::{NonnegMean, Population, RiskFunction};
use crate::risk_error::RiskError;
use rayon::prelude::*;

/// SplitMix64: a tiny, well-mixed 64-bit generator.
#[derive(Clone, Debug)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator with this seed.
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform number in `[0, 1)` with 53 random bits.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

/// A distribution of assorter values: `(value, probability)` pairs.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    /// The values and their probabilities (summing to 1).
    pub values: Vec<(f64, f64)>,
}

impl Scenario {
    /// A ballot-polling plurality assertion: a vote for the winner (1) with
    /// probability `p_w`, for the loser (0) with `p_l`, otherwise 1/2.
    pub fn polling(p_w: f64, p_l: f64) -> Scenario {
        Scenario {
            values: vec![(1.0, p_w), (0.0, p_l), (0.5, 1.0 - p_w - p_l)],
        }
    }

    /// A ballot-comparison assertion with assorter margin `v` (upper bound
    /// `u`), one-vote overstatements at rate `p1` and two-vote
    /// overstatements at rate `p2` (SHANGRLA §3.2 values).
    pub fn comparison(margin: f64, upper: f64, p1: f64, p2: f64) -> Scenario {
        let clean = overstatement_assorter_mean(margin, upper);
        Scenario {
            // ω = 0, u/2, u  →  B = (1 − ω/u)/(2 − v/u)
            values: vec![(clean, 1.0 - p1 - p2), (0.5 * clean, p1), (0.0, p2)],
        }
    }

    /// The upper bound of a comparison scenario's assorter, `2u/(2u − v)`.
    pub fn comparison_upper(margin: f64, upper: f64) -> f64 {
        overstatement_upper_bound(margin, upper)
    }

    fn draw(&self, rng: &mut SplitMix64) -> f64 {
        let r = rng.next_f64();
        let mut acc = 0.0;
        for &(value, prob) in &self.values {
            acc += prob;
            if r < acc {
                return value;
            }
        }
        self.values.last().map_or(0.0, |v| v.0)
    }
}

/// One contest to simulate.
#[derive(Clone, Debug, PartialEq)]
pub struct Simulation {
    /// The test (population, risk function).
    pub test: NonnegMean,
    /// Where the assorter values come from.
    pub scenario: Scenario,
    /// Stop an audit after this many draws (a full count).
    pub max_draws: u64,
}

impl Simulation {
    /// A comparison audit of an assertion with margin `v`, ALPHA or another
    /// risk function, population `N`.
    pub fn comparison(
        margin: f64,
        population: Option<u64>,
        p1: f64,
        p2: f64,
        function: RiskFunction,
    ) -> Simulation {
        let upper = Scenario::comparison_upper(margin, 1.0);
        Simulation {
            test: NonnegMean::new(
                Population {
                    upper,
                    size: population,
                    null_mean: 0.5,
                },
                function,
            ),
            scenario: Scenario::comparison(margin, 1.0, p1, p2),
            max_draws: population.unwrap_or(1_000_000),
        }
    }
}

/// The seed of one simulated audit, mixed from the run seed, the contest
/// and the trial so each audit has its own independent stream.
fn audit_seed(seed: u64, contest: u64, trial: u64) -> u64 {
    let mut mix = SplitMix64::new(seed ^ contest.wrapping_mul(0xD1B5_4A32_D192_ED03));
    mix.next_u64() ^ trial.wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// Runs one simulated audit; returns its sample size.
fn run_one(sim: &Simulation, alpha: f64, seed: u64) -> Result<u64, RiskError> {
    let mut rng = SplitMix64::new(seed);
    let mut mart = sim.test.start()?;
    let limit = sim
        .test
        .population
        .size
        .map_or(sim.max_draws, |n| n.min(sim.max_draws));
    for j in 1..=limit {
        mart.push(sim.scenario.draw(&mut rng))?;
        if mart.p_value() <= alpha {
            return Ok(j);
        }
    }
    Ok(limit)
}

/// Sample sizes of `trials` simulated audits of one contest.
pub fn simulate(
    sim: &Simulation,
    alpha: f64,
    trials: u64,
    seed: u64,
) -> Result<Vec<u64>, RiskError> {
    (0..trials)
        .map(|t| run_one(sim, alpha, audit_seed(seed, 0, t)))
        .collect()
}

/// The `q` quantile (nearest rank: the smallest size such that at least a
/// fraction `q` of the audits stopped by then) of simulated sample sizes.
pub fn quantile(sizes: &[u64], q: f64) -> u64 {
    let mut sorted = sizes.to_vec();
    sorted.sort_unstable();
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len().max(1));
    sorted.get(rank - 1).copied().unwrap_or(0)
}

/// For each contest, the `q` quantile of the sample sizes of `trials`
/// simulated audits; contests and trials run in parallel, and the result
/// does not depend on the number of threads.
pub fn sample_sizes(
    contests: &[Simulation],
    alpha: f64,
    trials: u64,
    q: f64,
    seed: u64,
) -> Result<Vec<u64>, RiskError> {
    contests
        .par_iter()
        .enumerate()
        .map(|(c, sim)| {
            let sizes = (0..trials)
                .into_par_iter()
                .map(|t| run_one(sim, alpha, audit_seed(seed, c as u64, t)))
                .collect::<Result<Vec<u64>, RiskError>>()?;
            Ok(quantile(&sizes, q))
        })
        .collect()
}
