//! The error type of the risk mathematics (assorters, risk functions,
//! sample sizes). Every variant names the argument that is wrong.

/// Why a risk or sample-size computation was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RiskError {
    /// A parameter is outside the range the method is defined for.
    #[error("parameter {name} = {value} is out of range: {expected}")]
    Parameter {
        /// The parameter's name, as the CLI spells it.
        name: &'static str,
        /// The value given.
        value: f64,
        /// What the method needs.
        expected: &'static str,
    },
    /// A sample value is not a finite number in `[0, upper]`.
    #[error("sample value {index} = {value} is outside [0, {upper}]")]
    SampleValue {
        /// 0-based position of the value in the sample.
        index: usize,
        /// The value.
        value: f64,
        /// The upper bound of the population.
        upper: f64,
    },
    /// More values than the population holds (sampling without replacement).
    #[error("sample of {sampled} values is larger than the population of {population}")]
    SampleLargerThanPopulation {
        /// Values in the sample.
        sampled: usize,
        /// Population size.
        population: u64,
    },
    /// A method needs a finite population size.
    #[error("{method} needs a finite population size")]
    NeedsFinitePopulation {
        /// The method.
        method: &'static str,
    },
    /// A contest cannot be audited by this method as given.
    #[error("contest cannot be audited: {reason}")]
    Contest {
        /// What is wrong with it.
        reason: String,
    },
    /// A candidate named in a sample or a batch is not in the contest.
    #[error("unknown candidate {name:?}")]
    UnknownCandidate {
        /// The name given.
        name: String,
    },
    /// The reported card (CVR) does not hold the contest, so with card-style
    /// data it is not an eligible sample for that contest.
    #[error(
        "card {card} does not contain the contest; with card-style data it is not a sample for it"
    )]
    CardNotEligible {
        /// The card's id.
        card: String,
    },
}

/// A [`RiskError::Contest`] with this reason.
pub(crate) fn contest_error(reason: impl Into<String>) -> RiskError {
    RiskError::Contest {
        reason: reason.into(),
    }
}

/// Checks that the parameter `name` (a risk limit, a probability) is strictly
/// between 0 and 1.
pub(crate) fn check_unit(name: &'static str, value: f64) -> Result<(), RiskError> {
    if value > 0.0 && value < 1.0 {
        Ok(())
    } else {
        Err(RiskError::Parameter {
            name,
            value,
            expected: "strictly between 0 and 1",
        })
    }
}

/// Checks that a risk limit is strictly between 0 and 1.
pub(crate) fn check_alpha(alpha: f64) -> Result<(), RiskError> {
    check_unit("risk-limit", alpha)
}
