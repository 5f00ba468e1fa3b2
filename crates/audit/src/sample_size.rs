//! Deterministic sample sizes for the [`NonnegMean`] tests.
//!
//! SHANGRLA's `NonnegMean.sample_size` without simulation: tile the pilot
//! values `x` until they fill the population of `N`, run the test on that
//! sequence, and report the first draw at which the p-value is at most `α`
//! (or `N` if it never is). With a constant pilot (for instance the
//! no-error value of a comparison assorter) this is the exact stopping time
//! of an audit that finds no discrepancies.

use crate::nonneg_mean::NonnegMean;
use crate::risk_error::RiskError;

/// The first `n` at which the test, fed the pilot values repeated in order,
/// reaches a p-value at most `alpha`; `N` if it never does.
pub fn sample_size(test: &NonnegMean, pilot: &[f64], alpha: f64) -> Result<u64, RiskError> {
    crate::risk_error::check_alpha(alpha)?;
    let n = test
        .population
        .size
        .ok_or(RiskError::NeedsFinitePopulation {
            method: "sample_size",
        })?;
    if pilot.is_empty() {
        return Err(RiskError::Parameter {
            name: "values",
            value: 0.0,
            expected: "at least one pilot value",
        });
    }
    let mut mart = test.start()?;
    let null_total = n as f64 * test.population.null_mean;
    for (j, &x) in (1..=n).zip(pilot.iter().cycle()) {
        mart.push(x)?;
        // SHANGRLA: a running total above N t proves the null false at the last draw
        let p = if j == n && mart.sum() > null_total {
            0.0
        } else {
            mart.p_value()
        };
        if p <= alpha {
            return Ok(j);
        }
    }
    Ok(n)
}
