//! Minerva ballot-polling audits (Zagórski, McClearn, Morin, Ottoboni,
//! Stark & Vora, "Minerva — an efficient risk-limiting ballot-polling
//! audit", USENIX Security 2021; arXiv:2008.02315 "The Athena class of
//! risk-limiting ballot-polling audits"), computed the way Arlo computes them
//! through the `athena` package (Arlo `server/audit_math/minerva.py`, athena
//! `code/athena/{audit,athena}.py`), so that Arlo's published figures are
//! reproduced. Every rule below is cited to where it comes from.
//!
//! **Pairwise reduction** (athena `Audit.load_contest`, `find_risk`,
//! `find_next_round_size`): the contest is audited as one two-candidate
//! audit per (reported winner, reported loser) pair, using only the ballots
//! that show either candidate. A pair with reported votes `V_w > V_ℓ` has
//! margin `m = (2 V_w − b)/b`, `b = V_w + V_ℓ`, and the winner's share among
//! relevant ballots `p = (1 + m)/2`; the null is the tie `p₀ = ½`.
//!
//! **Minerva's test** (paper §4, Def. 3; athena `audit` with
//! `check_sum = 1`, `check_delta = check_memory = 0`): after a round with
//! `n_j` cumulative relevant ballots, with `f_j` and `g_j` the distributions
//! of the winner's cumulative count under `p` and `½`, each restricted to
//! the paths that did not stop in an earlier round, the round's `k_min` is
//! the least `k ≥ ⌊n_j/2⌋` with `α · Σ_{i≥k} f_j(i) ≥ Σ_{i≥k} g_j(i)`; the
//! audit stops when the observed winner count reaches `k_min`.
//!
//! **p-value** (athena `estimate_risk`'s `audit_ratio` of the last round):
//! `Σ_{i≥k} g_j(i) / Σ_{i≥k} f_j(i)` at the observed cumulative winner
//! count `k`; the contest's risk is the largest over the pairs still being
//! audited (a pair that reached its `k_min` is dropped, athena `find_risk`),
//! capped at 1 (Arlo `collect_risks`).
//!
//! **Round sizes**: the first round size for a stopping probability `q`
//! (athena `find_next_round_size`) is found per pair, in relevant ballots,
//! then scaled to all ballots by `⌈size · N/b⌉`; the contest's size is the
//! largest over the pairs. Later rounds follow Arlo's fixed schedule
//! `⌊n₁ · 1.5^r⌋` ([`next_round_size`]).

mod binomial;

use crate::bravo::{PairRisk, SizeOption};
use crate::risk_error::{RiskError, check_alpha, check_unit, contest_error};
use statrs::distribution::{ContinuousCDF, Normal};
use std::collections::BTreeMap;

pub use binomial::pmf as binomial_pmf;

/// The round-one stopping probabilities Arlo offers.
pub const QUANTILES: [f64; 3] = [0.7, 0.8, 0.9];

/// Below this pairwise margin athena returns the normal approximation
/// instead of searching (athena `AthenaAudit.approximation_threshold`,
/// default 0.015, which Arlo does not change).
pub const APPROXIMATION_THRESHOLD: f64 = 0.015;

/// Arlo's growth factor for rounds after the first (`MINERVA_MULTIPLE`,
/// 1.5 in Arlo's `minerva.py`, later read from its configuration).
pub const ROUND_MULTIPLE: f64 = 1.5;

/// athena starts its search for an upper bound on the round size here
/// (`find_next_round_size`: `round_max = 10000`), doubling until the
/// stopping probability is reached.
const FIRST_ROUND_MAX: u64 = 10_000;

/// A contest as Minerva sees it: reported tallies and the number of ballots.
#[derive(Clone, Debug, PartialEq)]
pub struct MinervaContest {
    /// Ballots (cards) cast in the contest, `N`, undervotes included.
    pub ballots: u64,
    /// Reported votes per candidate, in input order.
    pub tallies: Vec<(String, u64)>,
    /// Number of winners.
    pub winners: usize,
}

/// One reported winner–loser pair, by index into the tallies.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Pair {
    winner: usize,
    loser: usize,
    v_w: u64,
    v_l: u64,
}

impl Pair {
    /// Relevant ballots `b = V_w + V_ℓ`.
    fn relevant(&self) -> u64 {
        self.v_w + self.v_l
    }

    /// athena: `margin = (2 · winner − bc)/bc`.
    fn margin(&self) -> f64 {
        let b = self.relevant();
        (2 * self.v_w.max(self.v_l) - b) as f64 / b as f64
    }
}

/// One audit round: the ballots drawn and the votes they showed.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct MinervaRound {
    /// Ballots drawn in this round (not cumulative).
    pub size: u64,
    /// Votes per candidate seen in this round (not cumulative).
    pub votes: BTreeMap<String, u64>,
}

/// The risk measurement of a Minerva audit after its latest round.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct MinervaRisk {
    /// The contest's p-value: the largest pairwise p-value of the last round
    /// evaluated, capped at 1.
    pub p_value: f64,
    /// True when the p-value is at most the risk limit.
    pub confirmed: bool,
    /// The pairs evaluated in the last round evaluated, with their p-values.
    pub pairs: Vec<PairRisk>,
    /// Rounds evaluated (evaluation stops at the first round whose risk is
    /// below the limit, as Arlo's `collect_risks`).
    pub rounds_evaluated: usize,
}

/// Minerva's first-round size options.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct MinervaSizes {
    /// Sizes for the requested stopping probabilities.
    pub quantiles: Vec<SizeOption>,
    /// True when the recommendation is a full hand count (a tie).
    pub all_ballots: bool,
}

/// The declared winners and losers (athena `Contest.find_winners`): every
/// candidate with at least the `winners`-th largest tally is a winner.
enum Declared {
    /// More candidates reach the winning tally than there are seats.
    Tie,
    /// Winners × losers, each in input order (athena `load_contest`).
    Pairs(Vec<Pair>),
}

impl MinervaContest {
    /// A contest; checks that there are ballots, at least one loser, and that
    /// no candidate has more votes than the ballots allow.
    pub fn new(
        ballots: u64,
        tallies: Vec<(String, u64)>,
        winners: usize,
    ) -> Result<MinervaContest, RiskError> {
        crate::bravo::check_polling_contest(ballots, &tallies, winners)?;
        Ok(MinervaContest {
            ballots,
            tallies,
            winners,
        })
    }

    fn declared(&self) -> Declared {
        let mut sorted: Vec<u64> = self.tallies.iter().map(|t| t.1).collect();
        sorted.sort_unstable_by(|a, b| b.cmp(a));
        let min_to_win = sorted
            .get(self.winners.saturating_sub(1))
            .copied()
            .unwrap_or(0);
        let (winners, losers): (Vec<usize>, Vec<usize>) =
            (0..self.tallies.len()).partition(|&i| self.votes(i) >= min_to_win);
        if winners.len() > self.winners || losers.is_empty() {
            return Declared::Tie;
        }
        let mut pairs = Vec::new();
        for &w in &winners {
            for &l in &losers {
                pairs.push(Pair {
                    winner: w,
                    loser: l,
                    v_w: self.votes(w),
                    v_l: self.votes(l),
                });
            }
        }
        Declared::Pairs(pairs)
    }

    fn votes(&self, i: usize) -> u64 {
        self.tallies.get(i).map_or(0, |t| t.1)
    }

    /// Arlo's landslide rule (`fix_landslide_arlo_contest`): athena cannot
    /// size a round for a pair whose loser has no votes (its Wald bound
    /// needs a margin below 1), so when every loser has zero votes each gets
    /// one, and the contest is rebuilt from the tallies alone (its ballots
    /// become the sum of the votes, as Arlo's `make_arlo_contest` does).
    /// Arlo's rebuild also resets the number of winners to 1; we keep the
    /// contest's, which is the same for the single-winner contests Arlo
    /// tests and avoids auditing a reported winner as a loser.
    fn landslide_fixed(&self) -> Option<MinervaContest> {
        let Declared::Pairs(pairs) = self.declared() else {
            return None;
        };
        if pairs.iter().any(|p| p.v_l > 0) {
            return None;
        }
        let losers: Vec<usize> = pairs.iter().map(|p| p.loser).collect();
        let tallies: Vec<(String, u64)> = self
            .tallies
            .iter()
            .enumerate()
            .map(|(i, (n, v))| {
                let bump = u64::from(losers.contains(&i) && *v == 0);
                (n.clone(), v + bump)
            })
            .collect();
        let ballots = tallies.iter().map(|t| t.1).sum();
        Some(MinervaContest {
            ballots,
            tallies,
            winners: self.winners,
        })
    }

    /// First-round sizes (in ballots) that stop the audit with each of the
    /// given probabilities if the reported tallies are right (Arlo
    /// `get_sample_size` with no earlier rounds; athena
    /// `Audit.find_next_round_size`).
    pub fn first_round_sizes(&self, alpha: f64, quants: &[f64]) -> Result<MinervaSizes, RiskError> {
        check_alpha(alpha)?;
        for &q in quants {
            check_unit("stopping-probability", q)?;
        }
        if let Some(fixed) = self.landslide_fixed() {
            return fixed.first_round_sizes(alpha, quants);
        }
        let pairs = match self.declared() {
            // Arlo: a tied contest ("Incorrect reported winners") is a full
            // hand count for every stopping probability.
            Declared::Tie => {
                return Ok(MinervaSizes {
                    quantiles: quants
                        .iter()
                        .map(|&prob| SizeOption {
                            prob,
                            size: self.ballots,
                        })
                        .collect(),
                    all_ballots: true,
                });
            }
            Declared::Pairs(p) => p,
        };
        let mut quantiles = Vec::new();
        for &prob in quants {
            let mut size = 0u64;
            for pair in &pairs {
                let relevant_size = pair_first_round_size(pair.margin(), alpha, prob)?;
                // athena: `scalling_ratio = total_ballots / bc`,
                // `ceil(next_round * scalling_ratio)`
                let ratio = self.ballots as f64 / pair.relevant() as f64;
                let scaled = (relevant_size as f64 * ratio).ceil();
                size = size.max(scaled as u64);
            }
            quantiles.push(SizeOption { prob, size });
        }
        Ok(MinervaSizes {
            quantiles,
            all_ballots: false,
        })
    }

    /// The risk after the given rounds (each with its own, non-cumulative
    /// size and votes), as Arlo's `compute_risk`/`collect_risks` through
    /// athena's `Audit.set_observations`.
    pub fn risk(&self, alpha: f64, rounds: &[MinervaRound]) -> Result<MinervaRisk, RiskError> {
        check_alpha(alpha)?;
        if rounds.is_empty() {
            return Err(contest_error("no rounds to measure"));
        }
        for round in rounds {
            for name in round.votes.keys() {
                if !self.tallies.iter().any(|(n, _)| n == name) {
                    return Err(RiskError::UnknownCandidate { name: name.clone() });
                }
            }
        }
        let mut active = match self.declared() {
            Declared::Tie => return Err(contest_error("reported tallies are tied")),
            Declared::Pairs(p) => p,
        };
        // a loser with no reported votes gives margin 1 (p = 1): athena's
        // risk computation handles it (no landslide rule here, as in Arlo)
        // cumulative counts per candidate after each round (athena
        // `add_observations`)
        let mut cumulative: Vec<Vec<u64>> = Vec::new();
        let mut running = vec![0u64; self.tallies.len()];
        let mut result = MinervaRisk {
            p_value: 1.0,
            confirmed: false,
            pairs: Vec::new(),
            rounds_evaluated: 0,
        };
        for round in rounds {
            let relevant: u64 = round.votes.values().sum();
            // athena `set_observations`: "Incorrect number of valid ballots
            // entered"
            if relevant > round.size {
                return Err(contest_error(format!(
                    "round of {} ballots has {relevant} votes",
                    round.size
                )));
            }
            for (slot, (name, _)) in running.iter_mut().zip(&self.tallies) {
                *slot += round.votes.get(name).copied().unwrap_or(0);
            }
            cumulative.push(running.clone());
            let mut next_active = Vec::new();
            let mut pairs = Vec::new();
            let mut risk = f64::NEG_INFINITY;
            for pair in &active {
                let schedule: Vec<u64> = cumulative
                    .iter()
                    .map(|c| col(c, pair.winner) + col(c, pair.loser))
                    .collect();
                let observed: Vec<u64> = cumulative.iter().map(|c| col(c, pair.winner)).collect();
                let r = pair_risk(pair.margin(), alpha, &schedule, &observed);
                if !r.passed {
                    next_active.push(*pair);
                }
                risk = risk.max(r.p_value);
                pairs.push(PairRisk {
                    winner: name_of(&self.tallies, pair.winner),
                    loser: name_of(&self.tallies, pair.loser),
                    p_value: r.p_value.min(1.0),
                });
            }
            result.rounds_evaluated += 1;
            result.p_value = risk.min(1.0);
            result.pairs = pairs;
            active = next_active;
            // Arlo `collect_risks`: stop once the risk is below the limit
            // (athena refuses rounds after a completed audit)
            if risk < alpha || active.is_empty() {
                break;
            }
        }
        // Arlo `compute_risk`: `finished = risk <= alpha`
        result.confirmed = result.p_value <= alpha;
        Ok(result)
    }
}

fn col(counts: &[u64], i: usize) -> u64 {
    counts.get(i).copied().unwrap_or(0)
}

fn name_of(tallies: &[(String, u64)], i: usize) -> String {
    tallies.get(i).map_or_else(String::new, |t| t.0.clone())
}

/// Arlo's size for round `completed_rounds + 1` after the first
/// (`get_sample_size` with earlier rounds): `⌊n₁ · 1.5^(r+1)⌋` where `r`
/// rounds are done. Arlo says of it: "Minerva is not designed to be this
/// formulaic in its round sizes"; it is a fixed schedule that does not look
/// at the sample.
pub fn next_round_size(first_round_size: u64, completed_rounds: usize) -> u64 {
    let round_num = completed_rounds as f64 + 1.0;
    (first_round_size as f64 * ROUND_MULTIPLE.powf(round_num)).floor() as u64
}

/// Wald's (BRAVO's) `k_min` for `n` relevant ballots, athena `wald_k_min`:
/// `⌈(n ln(1 − m) + ln α)/(ln(1 − m) − ln(1 + m))⌉`; athena's search for
/// Minerva's first-round `k_min` never looks above it.
fn wald_k_min(n: u64, margin: f64, alpha: f64) -> f64 {
    let l_minus = (1.0 - margin).ln();
    ((n as f64 * l_minus + alpha.ln()) / (l_minus - (1.0 + margin).ln())).ceil()
}

/// The probability that a Minerva audit of a pair with margin `margin`
/// stops in a first round of `n` relevant ballots if the reported result is
/// right (athena `find_next_round_kmin`, `prob_stop`): `Σ_{k ≥ k_min} f(k)`
/// with `f = Binomial(n, (1+m)/2)`, `k_min` searched in
/// `[⌊n/2⌋, min(Wald k_min, n)]`; 0 when no `k` there passes.
pub fn first_round_stopping_probability(margin: f64, alpha: f64, n: u64) -> f64 {
    let p = (1.0 + margin) / 2.0;
    let f = binomial::tails(&binomial::pmf_table(n, p));
    let g = binomial::tails(&binomial::pmf_table(n, 0.5));
    let passes = |k: u64| -> bool {
        let k = k as usize;
        match (f.get(k), g.get(k)) {
            (Some(fk), Some(gk)) => alpha * fk >= *gk,
            _ => false,
        }
    };
    let wald = wald_k_min(n, margin, alpha);
    let right = if wald.is_nan() || wald >= n as f64 {
        n
    } else if wald <= 0.0 {
        0
    } else {
        wald as u64
    };
    let left = n / 2;
    // the pass condition is monotone in k (likelihood-ratio ordering of the
    // two binomials), so athena's bisection finds the least passing k
    let (mut lo, mut hi) = (left, right);
    if lo > hi || !passes(hi) {
        return 0.0;
    }
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if passes(mid) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    f.get(lo as usize).copied().unwrap_or(0.0)
}

/// athena `round_size_approx` for margins below
/// [`APPROXIMATION_THRESHOLD`]: `⌈((z_a √(p(1−p)) − z_b/2)/(p − ½))²⌉` with
/// `z_a = Φ⁻¹(1 − q)`, `z_b = Φ⁻¹(1 − α q)`, `p = (1+m)/2`.
pub fn approximate_round_size(margin: f64, alpha: f64, quant: f64) -> Result<u64, RiskError> {
    let normal = Normal::new(0.0, 1.0).map_err(|_| contest_error("standard normal"))?;
    let z_a = normal.inverse_cdf(1.0 - quant);
    let z_b = normal.inverse_cdf(1.0 - alpha * quant);
    let p = (1.0 + margin) / 2.0;
    let x = (z_a * (p * (1.0 - p)).sqrt() - 0.5 * z_b) / (p - 0.5);
    Ok((x * x).ceil() as u64)
}

/// The first-round size, in relevant ballots, for one pair (athena
/// `AthenaAudit.find_next_round_size` with an empty round schedule):
/// below [`APPROXIMATION_THRESHOLD`] the normal approximation; otherwise
/// double from 10 000 until the stopping probability reaches `quant`, then
/// bisect on `[1, round_max]` moving the lower end when the probability is
/// at most `quant`, and return the upper end once the two are adjacent. The
/// stopping probability is not monotone in the round size, so the bisection
/// path — reproduced exactly here — decides which size is returned.
pub fn pair_first_round_size(margin: f64, alpha: f64, quant: f64) -> Result<u64, RiskError> {
    pair_first_round_size_with_threshold(margin, alpha, quant, APPROXIMATION_THRESHOLD)
}

/// [`pair_first_round_size`] with athena's approximation threshold given
/// (athena `--approx`, `set_approximation_threshold`); the bisection runs
/// for every margin at or above it.
pub fn pair_first_round_size_with_threshold(
    margin: f64,
    alpha: f64,
    quant: f64,
    threshold: f64,
) -> Result<u64, RiskError> {
    check_alpha(alpha)?;
    check_unit("stopping-probability", quant)?;
    if !(margin > 0.0 && margin < 1.0) {
        return Err(RiskError::Parameter {
            name: "margin",
            value: margin,
            expected: "strictly between 0 and 1",
        });
    }
    if margin < threshold {
        return approximate_round_size(margin, alpha, quant);
    }
    let mut round_max = FIRST_ROUND_MAX;
    while first_round_stopping_probability(margin, alpha, round_max) < quant {
        // a positive margin stops with probability → 1 as n grows; the cap
        // only guards against a pathological float input
        round_max = round_max
            .checked_mul(2)
            .filter(|m| *m <= 1 << 40)
            .ok_or_else(|| contest_error("no round size reaches the stopping probability"))?;
    }
    let mut round_min = 1u64;
    while round_max - round_min > 1 {
        let candidate = (round_max + round_min) / 2;
        if first_round_stopping_probability(margin, alpha, candidate) <= quant {
            round_min = candidate;
        } else {
            round_max = candidate;
        }
    }
    Ok(round_max)
}

/// One pair's measurement after the latest round.
struct PairMeasure {
    /// athena `audit_ratio` of the last round.
    p_value: f64,
    /// athena `find_kmins_for_risk`: some round's `k_min` was reached.
    passed: bool,
}

/// One pair's Minerva measurement over rounds with cumulative relevant
/// ballots `schedule` and cumulative winner votes `observed` (athena
/// `audit` for the `k_min`s, `find_kmins_for_risk` for the pass test,
/// `estimate_risk` for the p-value).
fn pair_risk(margin: f64, alpha: f64, schedule: &[u64], observed: &[u64]) -> PairMeasure {
    let p = (1.0 + margin) / 2.0;
    let mut f = vec![1.0];
    let mut g = vec![1.0];
    let mut prev = 0u64;
    let mut passed = false;
    let mut ratio = f64::INFINITY;
    for (&n, &k_obs) in schedule.iter().zip(observed) {
        let draws = n.saturating_sub(prev);
        f = binomial::convolve(&f, &binomial::pmf_table(draws, p));
        g = binomial::convolve(&g, &binomial::pmf_table(draws, 0.5));
        prev = prev.max(n);
        let tf = binomial::tails(&f);
        let tg = binomial::tails(&g);
        let at = |t: &[f64], k: u64| t.get(k as usize).copied().unwrap_or(0.0);
        // athena `audit`: scan up from ⌊n/2⌋ for the least k with
        // α·Σ_{i≥k} f(i) ≥ Σ_{i≥k} g(i); 0 means no k_min this round
        let kmin = (n / 2..=n).find(|&k| alpha * at(&tf, k) >= at(&tg, k));
        ratio = match kmin {
            None => f64::INFINITY,
            Some(kmin) => {
                if kmin <= k_obs {
                    passed = true;
                }
                let (sf, sg) = (at(&tf, k_obs), at(&tg, k_obs));
                if sf > 0.0 {
                    sg / sf
                } else if kmin < k_obs {
                    // the stopping probability underflowed: the observation
                    // is beyond k_min (athena)
                    0.0
                } else {
                    f64::INFINITY
                }
            }
        };
        // remove the paths that stopped this round
        if let Some(kmin) = kmin {
            for v in f.iter_mut().skip(kmin as usize) {
                *v = 0.0;
            }
            for v in g.iter_mut().skip(kmin as usize) {
                *v = 0.0;
            }
        }
    }
    PairMeasure {
        p_value: ratio,
        passed,
    }
}
