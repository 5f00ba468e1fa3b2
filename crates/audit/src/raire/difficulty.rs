//! How hard an assertion is to audit, given the tallies it compares. The
//! audit types and their JSON spelling follow raire-rs's input format
//! (`"audit": {"type": "OneOnMargin", "total_auditable_ballots": N}`).

use super::RaireError;
use serde::{Deserialize, Serialize};

/// The audit type, which turns the winner's and loser's tallies of an
/// assertion into a difficulty (higher is harder; infinite is impossible).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum AuditType {
    /// Ballot-level comparison: difficulty = `N / margin` (one over the
    /// diluted margin).
    #[serde(alias = "Margin")]
    OneOnMargin {
        /// `N`, the ballots that could be sampled.
        total_auditable_ballots: u64,
    },
    /// Ballot polling rule of thumb: difficulty = `(N / margin)²`.
    #[serde(alias = "MarginSq")]
    OneOnMarginSq {
        /// `N`, the ballots that could be sampled.
        total_auditable_ballots: u64,
    },
    /// BRAVO ballot polling: the average sample number (BRAVO §5;
    /// `PUBLISHED.md` §5), `(ln(1/α) + ln(2s)/2) / (p_w ln(2s) + p_ℓ ln(2 −
    /// 2s))` with `s = w/(w+ℓ)` and `p` the share of all `N` ballots.
    #[serde(rename = "BRAVO")]
    Bravo {
        /// The risk limit α.
        confidence: f64,
        /// `N`, the ballots that could be sampled.
        total_auditable_ballots: u64,
    },
    /// MACRO ballot-level comparison (Stark 2010; RAIRE §3.2):
    /// ASN = `−ln(α) · 2γ N / margin`.
    #[serde(rename = "MACRO")]
    Macro {
        /// The risk limit α.
        confidence: f64,
        /// The error inflation factor γ ≥ 1.
        error_inflation_factor: f64,
        /// `N`, the ballots that could be sampled.
        total_auditable_ballots: u64,
    },
}

impl AuditType {
    /// `N`, the ballots that could be sampled.
    pub fn total_auditable_ballots(&self) -> u64 {
        match *self {
            AuditType::OneOnMargin {
                total_auditable_ballots,
            }
            | AuditType::OneOnMarginSq {
                total_auditable_ballots,
            }
            | AuditType::Bravo {
                total_auditable_ballots,
                ..
            }
            | AuditType::Macro {
                total_auditable_ballots,
                ..
            } => total_auditable_ballots,
        }
    }

    /// Check the parameters: `N ≥ 1`, `0 < α < 1`, `γ ≥ 1`.
    pub fn validate(&self) -> Result<(), RaireError> {
        let bad = |name, value, expected| {
            Err(RaireError::AuditParameter {
                name,
                value,
                expected,
            })
        };
        if self.total_auditable_ballots() == 0 {
            return bad("total_auditable_ballots", 0.0, "at least 1");
        }
        match *self {
            AuditType::Bravo { confidence, .. } | AuditType::Macro { confidence, .. }
                if !(confidence > 0.0 && confidence < 1.0) =>
            {
                bad("confidence", confidence, "strictly between 0 and 1")
            }
            AuditType::Macro {
                error_inflation_factor,
                ..
            } if !(error_inflation_factor >= 1.0 && error_inflation_factor.is_finite()) => bad(
                "error_inflation_factor",
                error_inflation_factor,
                "a finite number at least 1",
            ),
            _ => Ok(()),
        }
    }

    /// The difficulty of showing that a candidate with `winner_tally` votes
    /// beats one with `loser_tally`; infinite when it does not.
    pub fn difficulty(&self, winner_tally: u64, loser_tally: u64) -> f64 {
        if winner_tally <= loser_tally {
            return f64::INFINITY;
        }
        let n = self.total_auditable_ballots() as f64;
        let w = winner_tally as f64;
        let l = loser_tally as f64;
        let margin = w - l;
        match *self {
            AuditType::OneOnMargin { .. } => n / margin,
            AuditType::OneOnMarginSq { .. } => (n / margin) * (n / margin),
            AuditType::Bravo { confidence, .. } => bravo_asn(
                confidence,
                winner_tally,
                loser_tally,
                self.total_auditable_ballots(),
            ),
            AuditType::Macro {
                confidence,
                error_inflation_factor,
                ..
            } => -confidence.ln() * 2.0 * error_inflation_factor * n / margin,
        }
    }

    /// The difficulty of showing that the candidates in `losers` are
    /// eliminated together next among `continuing`: the lowest tally of a
    /// continuing non-loser against the losers' combined tally (RAIRE §3,
    /// examples 2–8). `tallies` is indexed by candidate.
    pub fn elimination_difficulty(
        &self,
        tallies: &[u64],
        continuing: &[u32],
        losers: &[u32],
    ) -> f64 {
        let mut lowest_winner = u64::MAX;
        let mut losers_tally = 0u64;
        for &c in continuing {
            let t = tallies.get(c as usize).copied().unwrap_or(0);
            if losers.contains(&c) {
                losers_tally += t;
            } else {
                lowest_winner = lowest_winner.min(t);
            }
        }
        self.difficulty(lowest_winner, losers_tally)
    }
}

/// BRAVO's average sample number (BRAVO §5; `PUBLISHED.md` §5) for a
/// winner with `winner_tally` votes against a loser with `loser_tally`, the
/// shares taken over `ballots`:
/// `(ln(1/α) + ln(2s)/2) / ((w ln(2s) + ℓ ln(2 − 2s))/ballots)`,
/// `s = w/(w+ℓ)`; infinite unless `w > ℓ`. [`AuditType::Bravo`] uses all
/// `N` auditable ballots; the RAIRE paper's worked examples use the ballots
/// still active in the comparison (e.g. `w + ℓ` for an NEB assertion).
pub fn bravo_asn(confidence: f64, winner_tally: u64, loser_tally: u64, ballots: u64) -> f64 {
    if winner_tally <= loser_tally {
        return f64::INFINITY;
    }
    let (w, l) = (winner_tally as f64, loser_tally as f64);
    let s = w / (w + l);
    let ln2s = (2.0 * s).ln();
    let numerator = ln2s / 2.0 - confidence.ln();
    // ℓ ln(2 − 2s) → 0 as ℓ → 0 (avoid 0 · −∞ = NaN)
    let loser_term = if loser_tally == 0 {
        0.0
    } else {
        l * (2.0 - 2.0 * s).ln()
    };
    numerator / ((w * ln2s + loser_term) / ballots as f64)
}
