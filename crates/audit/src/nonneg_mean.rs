//! Tests of the hypothesis that the mean of a population of nonnegative
//! values is at most `t` (SHANGRLA, Stark 2020, §2: every assertion of an
//! audit is a "half-average null" about an assorter's mean).
//!
//! Every test here is a nonnegative (super)martingale `T_j` under the null;
//! by Ville's inequality `P(max_j T_j >= 1/α) <= α`, so the sequentially
//! valid p-value after `j` draws is `min(1, 1 / max_{i<=j} T_i)`.
//!
//! Implemented, with the paper next to each line:
//! - **ALPHA** (Stark 2023): fixed alternative `η`, or the shrink-truncate
//!   estimator `η_j` (ALPHA §2.5.2);
//! - **betting** martingale (Waudby-Smith & Ramdas 2023), fixed bet `λ` or
//!   aGRAPA (their §B.3), in SHANGRLA's parametrization on `[0, u]`;
//! - **Kaplan–Markov** and **Kaplan–Wald** with padding `g` (Stark 2009,
//!   "Risk-limiting post-election audits: P-values from common probability
//!   inequalities"; SHANGRLA §3.5), for sampling with replacement.
//!
//! Sampling without replacement from a population of `N` uses the running
//! null mean `m_j = (N t − S_{j−1}) / (N − j + 1)` with
//! `S_{j−1} = x_1 + … + x_{j−1}` (ALPHA §2.3); `N = ∞` keeps `m_j = t`.
//! Edge cases follow SHANGRLA's `NonnegMean`: `m_j < 0` means the null is
//! impossible (`T = ∞` from then on), `m_j > u` means it is certainly true
//! (`T = 0` from then on), and a sample total above `N t` makes the last
//! `T = ∞`.

use crate::risk_error::RiskError;

/// Machine epsilon, as SHANGRLA uses `np.finfo(float).eps`.
const EPS: f64 = f64::EPSILON;
/// Absolute tolerance for "`m_j` is zero" / "`m_j` is `u`" (SHANGRLA: `2 eps`).
const ATOL: f64 = 2.0 * f64::EPSILON;
/// Relative tolerance for "`m_j` is `u`" (SHANGRLA: `1e-6`).
const RTOL: f64 = 1e-6;

/// The population the sample is drawn from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Population {
    /// Upper bound `u` on every value (1 for polling assorters).
    pub upper: f64,
    /// Number of values `N`; `None` means sampling with replacement (`N = ∞`).
    pub size: Option<u64>,
    /// The null mean `t` (1/2 for assorters).
    pub null_mean: f64,
}

impl Default for Population {
    fn default() -> Population {
        Population {
            upper: 1.0,
            size: None,
            null_mean: 0.5,
        }
    }
}

/// Parameters of the shrink-truncate estimator of the alternative mean
/// (ALPHA §2.5.2; SHANGRLA `NonnegMean.shrink_trunc`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ShrinkTrunc {
    /// Initial guess `η` of the population mean.
    pub eta: f64,
    /// Weight `d` of `η` relative to one observation.
    pub d: f64,
    /// Truncation scale `c`: `η_j >= m_j + c/sqrt(d+j−1)`. `None` means
    /// SHANGRLA's default `(η − t)/2 − eps`.
    pub c: Option<f64>,
    /// Weight `f` of the upper bound `u`, divided by the running standard deviation.
    pub f: f64,
    /// Lower bound on the running standard deviation.
    pub minsd: f64,
}

impl ShrinkTrunc {
    /// SHANGRLA's defaults for a population bounded by `upper`:
    /// `η = u(1 − eps)`, `d = 100`, `f = 0`, `minsd = 1e-6`.
    pub fn defaults(upper: f64) -> ShrinkTrunc {
        ShrinkTrunc {
            eta: upper * (1.0 - EPS),
            d: 100.0,
            c: None,
            f: 0.0,
            minsd: 1e-6,
        }
    }
}

/// How ALPHA chooses the alternative mean `η_j` before draw `j`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Estimator {
    /// A fixed alternative population mean `η`, adjusted for the values
    /// already drawn when `N` is finite: `η_j = (N η − S_{j−1})/(N − j + 1)`
    /// (ALPHA §2.3; SHANGRLA `fixed_alternative_mean`).
    Fixed {
        /// The alternative mean `η`, in `(t, u]`.
        eta: f64,
    },
    /// The shrink-truncate estimator.
    ShrinkTrunc(ShrinkTrunc),
}

/// How the betting martingale chooses the bet `λ_j`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Bet {
    /// The same fraction `λ` of the fortune on every draw.
    Fixed {
        /// The bet `λ`, in `[0, 1/m_j]`.
        lambda: f64,
    },
    /// Waudby-Smith & Ramdas (2023) aGRAPA: `λ_j = (μ̂ − m_j)/(σ̂² + (m_j − μ̂)²)`
    /// from the draws before `j`, truncated to `[0, c_j/m_j]`.
    Agrapa {
        /// The first bet (before any data).
        lambda: f64,
        /// Initial truncation factor `c_0`.
        c_0: f64,
        /// Limit `c_max` of the truncation factor.
        c_max: f64,
        /// Rate at which `c_j` grows from `c_0` to `c_max`.
        c_grow: f64,
    },
}

impl Bet {
    /// aGRAPA with SHANGRLA's defaults (`c_0 = c_max = 1 − eps`, no growth).
    pub fn agrapa(lambda: f64) -> Bet {
        Bet::Agrapa {
            lambda,
            c_0: 1.0 - EPS,
            c_max: 1.0 - EPS,
            c_grow: 0.0,
        }
    }
}

/// Which test supermartingale to use.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RiskFunction {
    /// ALPHA (Stark 2023).
    Alpha(Estimator),
    /// Betting martingale (Waudby-Smith & Ramdas 2023).
    Betting(Bet),
    /// Kaplan–Markov with padding `g >= 0` (sampling with replacement).
    KaplanMarkov {
        /// Padding `g` that keeps a zero value from ending the test.
        g: f64,
    },
    /// Kaplan–Wald with padding `g` in `[0, 1)` (sampling with replacement).
    KaplanWald {
        /// Padding `g`.
        g: f64,
    },
}

/// A configured test of "population mean <= t".
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NonnegMean {
    /// The population.
    pub population: Population,
    /// The test supermartingale.
    pub function: RiskFunction,
    /// True when the sample is in the order it was drawn, so the audit may
    /// stop at the first time the p-value is small enough (p = `1/max T`).
    /// False uses only the final value (p = `1/T_n`).
    pub random_order: bool,
}

/// The p-value of a sample and its draw-by-draw history.
#[derive(Clone, Debug, PartialEq)]
pub struct RiskMeasurement {
    /// The p-value of the whole sample.
    pub p_value: f64,
    /// After draw `j`: `min(1, 1/max_{i<=j} T_i)` (or `min(1, 1/T_j)` when
    /// the sample is not in random order).
    pub p_history: Vec<f64>,
}

impl NonnegMean {
    /// A test with the sample in random (drawn) order.
    pub fn new(population: Population, function: RiskFunction) -> NonnegMean {
        NonnegMean {
            population,
            function,
            random_order: true,
        }
    }

    /// Checks the parameters once, so a martingale never meets a value it
    /// cannot handle.
    pub fn validate(&self) -> Result<(), RiskError> {
        let Population {
            upper: u,
            size,
            null_mean: t,
        } = self.population;
        let param = |name, value: f64, ok: bool, expected| {
            if ok && value.is_finite() {
                Ok(())
            } else {
                Err(RiskError::Parameter {
                    name,
                    value,
                    expected,
                })
            }
        };
        param("upper", u, u > 0.0, "a positive number")?;
        param(
            "null-mean",
            t,
            t > 0.0 && t < u,
            "strictly between 0 and upper",
        )?;
        if let Some(n) = size {
            param("population", n as f64, n > 0, "a positive whole number")?;
        }
        match self.function {
            RiskFunction::Alpha(Estimator::Fixed { eta }) => {
                param("eta", eta, eta > t && eta <= u, "in (null-mean, upper]")?;
            }
            RiskFunction::Alpha(Estimator::ShrinkTrunc(s)) => {
                param(
                    "eta",
                    s.eta,
                    s.eta > t && s.eta <= u,
                    "in (null-mean, upper]",
                )?;
                param("d", s.d, s.d >= 0.0, "nonnegative")?;
                param("f", s.f, s.f >= 0.0, "nonnegative")?;
                param("minsd", s.minsd, s.minsd > 0.0, "positive")?;
                if let Some(c) = s.c {
                    param("c", c, c >= 0.0, "nonnegative")?;
                }
            }
            RiskFunction::Betting(Bet::Fixed { lambda }) => {
                param(
                    "lambda",
                    lambda,
                    lambda >= 0.0 && lambda <= 1.0 / t,
                    "in [0, 1/null-mean]",
                )?;
            }
            RiskFunction::Betting(Bet::Agrapa {
                lambda,
                c_0,
                c_max,
                c_grow,
            }) => {
                param(
                    "lambda",
                    lambda,
                    lambda >= 0.0 && lambda <= 1.0 / t,
                    "in [0, 1/null-mean]",
                )?;
                param("c-grapa-0", c_0, c_0 > 0.0 && c_0 < 1.0, "in (0, 1)")?;
                param(
                    "c-grapa-max",
                    c_max,
                    c_max > 0.0 && c_max < 1.0,
                    "in (0, 1)",
                )?;
                param("c-grapa-grow", c_grow, c_grow >= 0.0, "nonnegative")?;
            }
            RiskFunction::KaplanMarkov { g } => param("g", g, g >= 0.0, "nonnegative")?,
            RiskFunction::KaplanWald { g } => param("g", g, (0.0..1.0).contains(&g), "in [0, 1)")?,
        }
        Ok(())
    }

    /// Starts a martingale that takes the draws one at a time.
    pub fn start(&self) -> Result<Martingale, RiskError> {
        self.validate()?;
        Ok(Martingale::new(*self))
    }

    /// Runs the test on a whole sample (in the order drawn).
    pub fn test(&self, x: &[f64]) -> Result<RiskMeasurement, RiskError> {
        if let Some(n) = self.population.size
            && x.len() as u64 > n
        {
            return Err(RiskError::SampleLargerThanPopulation {
                sampled: x.len(),
                population: n,
            });
        }
        let mut mart = self.start()?;
        let mut p_history = Vec::with_capacity(x.len());
        let mut last_t = 1.0;
        for (index, &value) in x.iter().enumerate() {
            last_t = mart.push(value).map_err(|e| match e {
                RiskError::SampleValue { value, upper, .. } => RiskError::SampleValue {
                    index,
                    value,
                    upper,
                },
                other => other,
            })?;
            p_history.push(if self.random_order {
                mart.p_value()
            } else {
                p_from(last_t)
            });
        }
        // SHANGRLA: a sample total above N t proves the null false.
        if let Some(n) = self.population.size
            && mart.sum > n as f64 * self.population.null_mean
            && let Some(last) = p_history.last_mut()
        {
            *last = 0.0;
            last_t = f64::INFINITY;
        }
        let p_value = if self.random_order {
            p_history.last().copied().unwrap_or(1.0)
        } else {
            p_from(last_t)
        };
        Ok(RiskMeasurement { p_value, p_history })
    }
}

/// `min(1, 1/T)`, with `1/∞ = 0` and `1/0 = ∞ → 1`.
fn p_from(t: f64) -> f64 {
    if t.is_nan() { 1.0 } else { (1.0 / t).min(1.0) }
}

/// The state of a test supermartingale after `j` draws.
#[derive(Clone, Debug)]
pub struct Martingale {
    test: NonnegMean,
    /// Draws so far (`j`).
    j: u64,
    /// `S_j`, the sum of the draws so far.
    sum: f64,
    /// Welford running mean of the draws so far.
    mean: f64,
    /// Welford running sum of squared deviations.
    m2: f64,
    /// `T_j`.
    t: f64,
    /// `max_{i<=j} T_i`.
    t_max: f64,
    /// Set when the null has become certainly true (`m_j > u`): `T = 0` from then on.
    null_certain: bool,
    /// Set when the null has become impossible (`m_j < 0`): `T = ∞` from then on.
    null_impossible: bool,
    /// Shrink-trunc's truncation scale `c`, resolved once.
    shrink_c: f64,
}

impl Martingale {
    fn new(test: NonnegMean) -> Martingale {
        let Population {
            upper: u,
            null_mean: t,
            ..
        } = test.population;
        let shrink_c = match test.function {
            RiskFunction::Alpha(Estimator::ShrinkTrunc(s)) => {
                let c = s.c.unwrap_or((s.eta - t) / 2.0 - EPS);
                if u - c < t + c {
                    // the two truncation bounds would cross (SHANGRLA resets c)
                    (u - c) / 2.0
                } else {
                    c
                }
            }
            _ => 0.0,
        };
        Martingale {
            shrink_c,
            test,
            j: 0,
            sum: 0.0,
            mean: 0.0,
            m2: 0.0,
            t: 1.0,
            t_max: 1.0,
            null_certain: false,
            null_impossible: false,
        }
    }

    /// Number of draws so far.
    pub fn draws(&self) -> u64 {
        self.j
    }

    /// The sum `S_j` of the draws so far.
    pub fn sum(&self) -> f64 {
        self.sum
    }

    /// The current value `T_j`.
    pub fn value(&self) -> f64 {
        self.t
    }

    /// The sequentially valid p-value `min(1, 1/max_{i<=j} T_i)`.
    pub fn p_value(&self) -> f64 {
        p_from(self.t_max)
    }

    /// The null mean `m_j` for the next draw (ALPHA §2.3):
    /// `(N t − S_{j−1})/(N − j + 1)`, or `t` when `N = ∞`.
    fn null_mean_next(&self, mean: f64) -> f64 {
        match self.test.population.size {
            Some(n) => (n as f64 * mean - self.sum) / (n as f64 - self.j as f64),
            None => mean,
        }
    }

    /// Standard deviation of the draws so far (population form, Welford),
    /// as shrink-trunc uses it: 1 for the first two draws, then at least `minsd`.
    fn running_sd(&self, minsd: f64) -> f64 {
        if self.j < 2 {
            1.0
        } else {
            (self.m2 / self.j as f64).sqrt().max(minsd)
        }
    }

    /// ALPHA's alternative mean `η_j` for the next draw.
    fn eta_next(&self, estimator: &Estimator, m: f64) -> f64 {
        let u = self.test.population.upper;
        match *estimator {
            // ALPHA §2.3: the fixed alternative, adjusted for sampling without replacement.
            Estimator::Fixed { eta } => self.null_mean_next(eta),
            Estimator::ShrinkTrunc(s) => {
                // ALPHA §2.5.2 (SHANGRLA `shrink_trunc`):
                // η_j = ( [(d η + S_{j−1})/(d + j − 1) + f u/σ_j] / (1 + f/σ_j) ∨ (m_j(1+eps) + e_j) )
                //       ∧ (u(1 − eps) − e_j),  e_j = c/sqrt(d + j − 1).
                let c = self.shrink_c;
                let dj = s.d + self.j as f64; // d + j − 1 for the next draw j
                let sd = self.running_sd(s.minsd);
                let weighted = ((s.d * s.eta + self.sum) / dj + u * s.f / sd) / (1.0 + s.f / sd);
                let tol = c / dj.sqrt();
                (u * (1.0 - EPS) - tol).min(weighted.max(m * (1.0 + EPS) + tol))
            }
        }
    }

    /// The betting fraction `λ_j` for the next draw.
    fn lambda_next(&self, bet: &Bet, m: f64) -> f64 {
        match *bet {
            // kept in [0, 1/m_j] so that a zero draw cannot make the capital negative
            Bet::Fixed { lambda } if m > 0.0 => lambda.min(1.0 / m),
            Bet::Fixed { lambda } => lambda,
            Bet::Agrapa {
                lambda,
                c_0,
                c_max,
                c_grow,
            } => {
                if self.j == 0 {
                    return lambda;
                }
                // Waudby-Smith & Ramdas (2023) aGRAPA, on [0, u] as SHANGRLA `agrapa`:
                // λ_j = 0 ∨ (μ̂_{j−1} − m_j)/(σ̂²_{j−1} + (m_j − μ̂_{j−1})²) ∧ c_j/m_j
                let var = self.m2 / self.j as f64;
                let denom = var + (m - self.mean).powi(2);
                let raw = if denom > 0.0 {
                    (self.mean - m) / denom
                } else {
                    0.0
                };
                let c = c_0 + (c_max - c_0) * (1.0 - 1.0 / (1.0 + c_grow * (self.j as f64).sqrt()));
                if m <= 0.0 {
                    return 0.0;
                }
                raw.min(c / m).max(0.0)
            }
        }
    }

    /// The factor of a bounded test (ALPHA, betting) for null mean `m_j`:
    /// `factor()` unless the null is impossible (`m_j < 0`: `T = ∞` from now
    /// on), certainly true (`m_j > u`: `T = 0` from now on), or `m_j` is 0 or
    /// `u` (SHANGRLA ignores the draw).
    fn bounded_factor(&mut self, m: f64, u: f64, factor: impl FnOnce() -> f64) -> f64 {
        if m < 0.0 {
            self.null_impossible = true;
            1.0
        } else if m > u {
            self.null_certain = true;
            1.0
        } else if m.abs() <= ATOL || (u - m).abs() <= ATOL + RTOL * m.abs() {
            1.0
        } else {
            factor()
        }
    }

    /// Takes draw `x_j` and returns `T_j`.
    pub fn push(&mut self, x: f64) -> Result<f64, RiskError> {
        let Population {
            upper: u,
            null_mean: t,
            size,
        } = self.test.population;
        let bounded = matches!(
            self.test.function,
            RiskFunction::Alpha(_) | RiskFunction::Betting(_)
        );
        if !x.is_finite() || x < 0.0 || (bounded && x > u) {
            return Err(RiskError::SampleValue {
                index: self.j as usize,
                value: x,
                upper: if bounded { u } else { f64::INFINITY },
            });
        }
        if let Some(n) = size
            && self.j >= n
        {
            return Err(RiskError::SampleLargerThanPopulation {
                sampled: self.j as usize + 1,
                population: n,
            });
        }
        let m = self.null_mean_next(t);
        let function = self.test.function;
        let factor = match &function {
            RiskFunction::Alpha(estimator) => {
                let eta = self.eta_next(estimator, m);
                // ALPHA §2.2: T_j = T_{j−1} (x_j η_j/m_j + (u − x_j)(u − η_j)/(u − m_j)) / u
                self.bounded_factor(m, u, || (x * eta / m + (u - x) * (u - eta) / (u - m)) / u)
            }
            RiskFunction::Betting(bet) => {
                let lambda = self.lambda_next(bet, m);
                // Waudby-Smith & Ramdas (2023) eq. (5) (the capital process):
                // K_j = K_{j−1} (1 + λ_j (x_j − m_j))
                self.bounded_factor(m, u, || 1.0 + lambda * (x - m))
            }
            // Kaplan–Markov (SHANGRLA §3.5): T_j = Π (x_i + g)/(t + g)
            RiskFunction::KaplanMarkov { g } => (x + g) / (t + g),
            // Kaplan–Wald (SHANGRLA §3.5): T_j = Π ((1 − g) x_i/t + g)
            RiskFunction::KaplanWald { g } => (1.0 - g) * x / t + g,
        };
        self.j += 1;
        self.sum += x;
        // Welford's running mean and sum of squares
        let delta = x - self.mean;
        self.mean += delta / self.j as f64;
        self.m2 += delta * (x - self.mean);
        self.t = if self.null_impossible {
            f64::INFINITY
        } else if self.null_certain {
            0.0
        } else {
            self.t * factor
        };
        if self.t > self.t_max || self.t_max.is_nan() {
            self.t_max = self.t;
        }
        Ok(self.t)
    }
}

/// The running null means `m_j = (N t − S_{j−1})/(N − j + 1)` for a sample
/// (ALPHA §2.3; SHANGRLA `sjm`), and the sample total; `N = None` gives `t`.
pub fn null_means(size: Option<u64>, null_mean: f64, x: &[f64]) -> (Vec<f64>, f64) {
    let mut sum = 0.0;
    let mut means = Vec::with_capacity(x.len());
    for (j, &value) in x.iter().enumerate() {
        means.push(match size {
            Some(n) => (n as f64 * null_mean - sum) / (n as f64 - j as f64),
            None => null_mean,
        });
        sum += value;
    }
    (means, sum)
}
