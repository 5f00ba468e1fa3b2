//! Batch-level comparison audits with MACRO (Stark 2008, "A sharper
//! discrepancy measure for post-election audits", Ann. Appl. Stat.), one
//! contest at a time, batches drawn with probability proportional to an
//! error bound (PPEB; Aslam, Popa & Rivest 2008).
//!
//! For batch `p`, winner `w`, loser `ℓ` with contest margin `V_wℓ`:
//! - maximum relative overstatement (MACRO §3):
//!   `u_p = max_{w,ℓ} ((v_wp − v_ℓp) + b_p)/V_wℓ`, `b_p` the batch's ballots;
//! - observed relative overstatement: `e_p = max_{w,ℓ} ((v_wp − v_ℓp) − (a_wp − a_ℓp))/V_wℓ`
//!   (negative errors count as 0);
//! - `U = Σ_p u_p`; PPEB draws batch `p` with probability `u_p/U`;
//! - taint `t_p = e_p/u_p`; the Kaplan–Markov P-value of the PPEB sample is
//!   `P = Π_draws (1 − 1/U)/(1 − t_p)` (Stark 2009, "Risk-limiting
//!   post-election audits: P-values from common probability inequalities",
//!   §4), stopping at the first draw where it is at most `α`.

use crate::risk_error::RiskError;
use std::collections::BTreeMap;

/// One batch's votes: reported or audited.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BatchVotes {
    /// Votes per candidate in the batch.
    pub votes: BTreeMap<String, u64>,
    /// Ballots in the batch, `b_p`.
    pub ballots: u64,
}

/// A contest audited by batch comparison.
#[derive(Clone, Debug, PartialEq)]
pub struct MacroContest {
    /// Reported winners' contest totals.
    pub winners: Vec<(String, u64)>,
    /// Reported losers' contest totals.
    pub losers: Vec<(String, u64)>,
}

impl MacroContest {
    fn votes(batch: &BatchVotes, name: &str) -> f64 {
        batch.votes.get(name).copied().unwrap_or(0) as f64
    }

    /// The batch's maximum relative overstatement `u_p` (∞ for a tied pair).
    pub fn max_error(&self, reported: &BatchVotes) -> f64 {
        let mut u = 0.0_f64;
        for (w, v_w) in &self.winners {
            for (l, v_l) in &self.losers {
                if v_w <= v_l {
                    return f64::INFINITY;
                }
                let margin = (v_w - v_l) as f64;
                // MACRO §3: ((v_wp − v_ℓp) + b_p)/V_wℓ
                let u_p = (Self::votes(reported, w) - Self::votes(reported, l)
                    + reported.ballots as f64)
                    / margin;
                u = u.max(u_p);
            }
        }
        u
    }

    /// The batch's observed relative overstatement `e_p` (0 when the
    /// largest error favours the winners).
    pub fn error(&self, reported: &BatchVotes, audited: &BatchVotes) -> f64 {
        let mut worst: Option<f64> = None;
        for (w, v_w) in &self.winners {
            for (l, v_l) in &self.losers {
                let e = (Self::votes(reported, w) - Self::votes(reported, l))
                    - (Self::votes(audited, w) - Self::votes(audited, l));
                if e == 0.0 {
                    continue;
                }
                let weighted = if v_w > v_l {
                    e / (v_w - v_l) as f64
                } else {
                    f64::INFINITY
                };
                worst = Some(worst.map_or(weighted, |x: f64| x.max(weighted)));
            }
        }
        worst.map_or(0.0, |e| e.max(0.0))
    }

    /// `U = Σ_p u_p` over all batches.
    pub fn total_error_bound<'a>(&self, batches: impl IntoIterator<Item = &'a BatchVotes>) -> f64 {
        batches.into_iter().map(|b| self.max_error(b)).sum()
    }

    /// The PPEB selection probabilities `u_p/U`, in the order given.
    pub fn ppeb_weights(&self, batches: &[BatchVotes]) -> Vec<f64> {
        let total = self.total_error_bound(batches);
        batches.iter().map(|b| self.max_error(b) / total).collect()
    }

    /// The MACRO P-value of a PPEB sample, in draw order. Each draw names a
    /// batch (index into `reported`) with its audited votes. Returns the
    /// p-value and whether it reached `alpha`.
    pub fn risk(
        &self,
        reported: &[BatchVotes],
        draws: &[(usize, &BatchVotes)],
        alpha: f64,
    ) -> Result<(f64, bool), RiskError> {
        crate::risk_error::check_alpha(alpha)?;
        let total = self.total_error_bound(reported);
        if !total.is_finite() {
            return Ok((1.0, false)); // a tied pair: only a full count will do
        }
        let mut p = 1.0_f64;
        for &(index, audited) in draws {
            let batch = reported.get(index).ok_or(RiskError::Parameter {
                name: "batch",
                value: index as f64,
                expected: "an index into the reported batches",
            })?;
            let u_p = self.max_error(batch);
            let e_p = self.error(batch, audited);
            if !e_p.is_finite() || u_p <= 0.0 {
                return Ok((1.0, false));
            }
            let taint = e_p / u_p;
            if taint >= 1.0 {
                return Ok((1.0, false)); // the P-value blows up
            }
            // Kaplan–Markov step for PPEB: (1 − 1/U)/(1 − t_p)
            p *= (1.0 - 1.0 / total) / (1.0 - taint);
            if p <= alpha {
                return Ok((p, true));
            }
        }
        Ok((p.min(1.0), p <= alpha))
    }

    /// Draws needed if no further error is found: `⌈ln α / ln(1 − 1/U)⌉`,
    /// capped at the number of batches.
    pub fn sample_size(&self, reported: &[BatchVotes], alpha: f64) -> u64 {
        let total = self.total_error_bound(reported);
        let batches = reported.len() as u64;
        if !total.is_finite() || total <= 0.0 {
            return batches;
        }
        if total <= 1.0 {
            return 1;
        }
        let n = (alpha.ln() / (1.0 - 1.0 / total).ln()).ceil();
        if n.is_nan() {
            batches
        } else {
            (n as u64).min(batches)
        }
    }
}
