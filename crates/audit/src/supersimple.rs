//! Ballot-level comparison audits with the Kaplan–Markov bound: Stark,
//! "Super-simple simultaneous single-ballot risk-limiting audits" (EVT/WOTE
//! 2010), in the form Arlo and Colorado's RLA tool use, with error inflation
//! `γ = 1.03905`.
//!
//! With diluted margin `μ = (V_w − V_ℓ)/N` (smallest reported winner minus
//! largest reported loser, over all ballots) and `U = 2γ/μ`:
//! - risk (Super-simple §3, the Kaplan–Markov P-value):
//!   `p = Π_i [(1 − 1/U) / (1 − e_i/(2γ/V))]^{times sampled}` with `e_i` the
//!   ballot's overstatement in votes divided by its pair's margin in votes
//!   (understatements count as 0) and `V = μN`; a full hand count has `p = 0`.
//! - initial sample size (Super-simple §4, with expected rates of one- and
//!   two-vote over- and understatements `r1 = s1 = 0.001`,
//!   `r2 = s2 = 0.0001`):
//!   `n0 = ⌈ln α / (ln(1 − μ/2γ) − r1 ln(1 − 1/2γ) − r2 ln(1 − 1/γ) − s1 ln(1 + 1/2γ) − s2 ln(1 + 1/γ))⌉`,
//!   then with `o1 = ⌈r1 n0⌉`, `u1 = ⌈s1 n0⌉`, `o2 = round(r2 n0)`,
//!   `u2 = round(s2 n0)`:
//!   `n = max(o1+o2+u1+u2, ⌈−2γ (ln α + o1 ln(1−1/2γ) + o2 ln(1−1/γ) + u1 ln(1+1/2γ) + u2 ln(1+1/γ)) / μ⌉)`,
//!   capped at `N`.
//! - after a round (Arlo's rule): the observed over-statement rates replace
//!   the defaults; observed understatements are ignored (conservative), and
//!   the answer is the stopping size minus the ballots already drawn.

use crate::risk_error::RiskError;

/// The error inflation factor of Stark's tools, Arlo and Colorado's RLA tool.
pub const GAMMA: f64 = 1.03905;

/// Expected one-vote overstatement rate (r1) before any sample.
pub const R1: f64 = 0.001;
/// Expected two-vote overstatement rate (r2) before any sample.
pub const R2: f64 = 0.0001;
/// Expected one-vote understatement rate (s1) before any sample.
pub const S1: f64 = 0.001;
/// Expected two-vote understatement rate (s2) before any sample.
pub const S2: f64 = 0.0001;

/// Counts of discrepancies found in the ballots drawn so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Discrepancies {
    /// One-vote overstatements.
    pub o1: u64,
    /// Two-vote overstatements.
    pub o2: u64,
    /// One-vote understatements.
    pub u1: u64,
    /// Two-vote understatements.
    pub u2: u64,
}

/// A contest for a ballot-comparison audit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ComparisonContest {
    /// Ballots in the contest's population, `N`.
    pub ballots: u64,
    /// Smallest reported winner's votes minus largest reported loser's
    /// votes, `V` (the margin in votes).
    pub margin_votes: u64,
    /// Error inflation `γ` (>= 1).
    pub gamma: f64,
}

/// One sampled ballot's discrepancy for the risk computation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SampledBallot {
    /// Overstatement in votes (−2..2; the largest over the winner–loser
    /// pairs) divided by that pair's margin in votes (Arlo's "weighted error").
    pub weighted_error: f64,
    /// How many times the ballot was drawn.
    pub times_sampled: u64,
}

impl ComparisonContest {
    /// A contest from reported tallies: `winners` is the number of winners.
    pub fn from_tallies(
        ballots: u64,
        tallies: &[u64],
        winners: usize,
        gamma: f64,
    ) -> Result<ComparisonContest, RiskError> {
        if ballots == 0 {
            return Err(RiskError::Contest {
                reason: "no ballots".into(),
            });
        }
        if !(gamma >= 1.0 && gamma.is_finite()) {
            return Err(RiskError::Parameter {
                name: "gamma",
                value: gamma,
                expected: "a number >= 1",
            });
        }
        if winners == 0 || tallies.len() <= winners {
            return Err(RiskError::Contest {
                reason: "contest must have at least one winner and one loser".into(),
            });
        }
        let mut sorted = tallies.to_vec();
        sorted.sort_unstable_by(|a, b| b.cmp(a));
        let (w, l) = match (sorted.get(winners - 1), sorted.get(winners)) {
            (Some(w), Some(l)) => (*w, *l),
            _ => {
                return Err(RiskError::Contest {
                    reason: "contest must have at least one winner and one loser".into(),
                });
            }
        };
        if w - l > ballots {
            return Err(RiskError::Contest {
                reason: format!("margin {} is larger than the {ballots} ballots", w - l),
            });
        }
        Ok(ComparisonContest {
            ballots,
            margin_votes: w - l,
            gamma,
        })
    }

    /// The diluted margin `μ = V/N`.
    pub fn diluted_margin(&self) -> f64 {
        self.margin_votes as f64 / self.ballots as f64
    }

    /// `n = max(o1+o2+u1+u2, ⌈−2γ(ln α + Σ k ln(1 ∓ ·))/μ⌉)` (Super-simple §4).
    fn n_min(&self, alpha: f64, o1: f64, o2: f64, u1: f64, u2: f64) -> f64 {
        let g = self.gamma;
        let n = (-2.0
            * g
            * (alpha.ln()
                + o1 * (1.0 - 1.0 / (2.0 * g)).ln()
                + o2 * (1.0 - 1.0 / g).ln()
                + u1 * (1.0 + 1.0 / (2.0 * g)).ln()
                + u2 * (1.0 + 1.0 / g).ln())
            / self.diluted_margin())
        .ceil();
        (o1 + o2 + u1 + u2).max(n)
    }

    /// Ballots still to draw: the initial size when `observed` is `None`,
    /// otherwise (Arlo's rule) the stopping size for the observed
    /// overstatement rates in `sampled` ballots minus `sampled`.
    pub fn sample_size(
        &self,
        alpha: f64,
        observed: Option<(Discrepancies, u64)>,
    ) -> Result<u64, RiskError> {
        crate::risk_error::check_alpha(alpha)?;
        let g = self.gamma;
        let sampled = observed.map_or(0, |(_, n)| n);
        let (r1, r2, s1, s2) = match observed {
            Some((d, n)) if n > 0 => {
                let n = n as f64;
                // understatements favour the winner: ignored, to be conservative (Arlo)
                (d.o1 as f64 / n, d.o2 as f64 / n, 0.0, 0.0)
            }
            _ => (R1, R2, S1, S2),
        };
        let denom = (1.0 - self.diluted_margin() / (2.0 * g)).ln()
            - r1 * (1.0 - 1.0 / (2.0 * g)).ln()
            - r2 * (1.0 - 1.0 / g).ln()
            - s1 * (1.0 + 1.0 / (2.0 * g)).ln()
            - s2 * (1.0 + 1.0 / g).ln();
        let stopping = if denom.is_nan() || denom >= 0.0 {
            self.ballots
        } else {
            let n0 = (alpha.ln() / denom).ceil();
            // one-vote discrepancies round up, two-vote ones round half up
            let o1 = (r1 * n0).ceil();
            let u1 = (s1 * n0).ceil();
            let o2 = round_half_up(r2 * n0);
            let u2 = round_half_up(s2 * n0);
            let n = self.n_min(alpha, o1, o2, u1, u2);
            if n.is_nan() || n >= self.ballots as f64 {
                self.ballots
            } else {
                n as u64
            }
        };
        Ok(stopping.saturating_sub(sampled))
    }

    /// The Kaplan–Markov p-value of a sample (Super-simple §3).
    pub fn risk(&self, sample: &[SampledBallot]) -> f64 {
        let drawn: u64 = sample.iter().map(|b| b.times_sampled).sum();
        if drawn >= self.ballots {
            return 0.0; // a full hand count
        }
        if self.margin_votes == 0 {
            return 1.0; // a tie: 1 − 1/∞ over 1 − e/∞
        }
        let u = 2.0 * self.gamma / self.diluted_margin();
        let v = self.margin_votes as f64;
        let mut ln_p = 0.0;
        for ballot in sample {
            let e = ballot.weighted_error.max(0.0);
            // p_i = (1 − 1/U) / (1 − e_i/(2γ/V))
            let term = (1.0 - 1.0 / u) / (1.0 - e / (2.0 * self.gamma / v));
            if term.is_nan() || term <= 0.0 || term.is_infinite() {
                return 1.0;
            }
            ln_p += ballot.times_sampled as f64 * term.ln();
        }
        ln_p.exp().min(1.0)
    }
}

/// Decimal ROUND_HALF_UP of a nonnegative number to an integer.
fn round_half_up(x: f64) -> f64 {
    (x + 0.5).floor()
}

/// Arlo's weighted error of one ballot for one pair: overstatement in votes
/// over the pair's margin in votes.
pub fn weighted_error(overstatement_votes: i64, pair_margin_votes: u64) -> f64 {
    if pair_margin_votes == 0 {
        f64::INFINITY
    } else {
        overstatement_votes as f64 / pair_margin_votes as f64
    }
}
