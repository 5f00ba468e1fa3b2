//! BRAVO ballot-polling audits (Lindeman, Stark & Yates 2012), computed the
//! way Arlo does, so that Arlo's published figures are reproduced.
//!
//! - Test statistic for each reported winner `w` and loser `ℓ` (BRAVO §3,
//!   eq. for `T`): `T = Π (s_wℓ/½)^{n_w} ((1 − s_wℓ)/½)^{n_ℓ}` with
//!   `s_wℓ = V_w/(V_w + V_ℓ)` and `n` the sampled votes; the p-value is
//!   `min(1, 1/T)` and the contest is confirmed when every pair's p-value is
//!   at most `α`. Computed in logs so that large samples cannot overflow.
//! - Average sample number (BRAVO §5, ASN):
//!   `ASN = (ln(1/α) − ln T + ln(2 s_w)/2) / (p_w ln(2 s_w) + p_ℓ ln(2 − 2 s_w))`,
//!   `p` = share of **all ballots**, maximised over the pairs.
//! - Round sizes with a given probability of finishing in one round
//!   (Mark Lindeman's method, as Arlo's `bravo_sample_sizes`): solve the
//!   normal approximation `E_x = R_x` as a quadratic in `n`, then step `n`
//!   up until the `(1 − p)` binomial quantile of winner votes attains the
//!   threshold, and scale by `1/(p_w + p_ℓ)` for other votes.

use crate::risk_error::{RiskError, check_alpha, contest_error};
use statrs::distribution::{ContinuousCDF, Normal};
use statrs::function::gamma::ln_gamma;
use std::collections::BTreeMap;

/// The round-one completion probabilities Arlo offers.
pub const QUANTILES: [f64; 3] = [0.7, 0.8, 0.9];

/// A contest as BRAVO sees it: reported tallies and the number of ballots.
#[derive(Clone, Debug, PartialEq)]
pub struct BravoContest {
    /// Ballots (cards) cast in the contest's jurisdiction, `N`.
    pub ballots: u64,
    /// Reported votes per candidate, in input order.
    pub tallies: Vec<(String, u64)>,
    /// Number of winners.
    pub winners: usize,
}

/// One reported winner–loser pair.
#[derive(Clone, Debug, PartialEq)]
struct Pair<'a> {
    winner: &'a str,
    loser: &'a str,
    v_w: u64,
    v_l: u64,
}

/// The p-value of one winner–loser pair.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct PairRisk {
    /// Reported winner.
    pub winner: String,
    /// Reported loser.
    pub loser: String,
    /// `min(1, 1/T)`.
    pub p_value: f64,
}

/// The risk measurement of a BRAVO sample.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct BravoRisk {
    /// Every winner–loser pair, winners in reported order.
    pub pairs: Vec<PairRisk>,
    /// True when every pair's p-value is at most the risk limit (or the
    /// sample is a full hand count).
    pub confirmed: bool,
}

/// A round size with its probability of finishing the audit in one round.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct SizeOption {
    /// Probability that the round completes the audit, if the outcome is right.
    pub prob: f64,
    /// The round size (cumulative draws are not included).
    pub size: u64,
}

/// Arlo's sample-size options for a BRAVO round.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SampleSizeOptions {
    /// The average sample number; `None` when every ballot must be counted.
    pub asn: Option<u64>,
    /// Probability that the ASN completes in one round (single-winner only).
    pub asn_prob: Option<f64>,
    /// Sizes for completion probabilities 0.7, 0.8, 0.9 (single-winner only).
    pub quantiles: Vec<SizeOption>,
    /// True when the recommendation is a full hand count (tie, or a large
    /// election needing a quarter of its ballots).
    pub all_ballots: bool,
}

/// The checks every ballot-polling contest passes (BRAVO and Minerva alike):
/// ballots, at least one winner and one loser, no candidate twice, and no
/// candidate with more votes than the ballots allow.
pub(crate) fn check_polling_contest(
    ballots: u64,
    tallies: &[(String, u64)],
    winners: usize,
) -> Result<(), RiskError> {
    if ballots == 0 {
        return Err(contest_error("no ballots"));
    }
    if winners == 0 {
        return Err(contest_error("no winners"));
    }
    if tallies.len() <= winners {
        return Err(contest_error(
            "contest must have candidates who did not win",
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    for (name, votes) in tallies {
        if !seen.insert(name.as_str()) {
            return Err(contest_error(format!("candidate {name:?} listed twice")));
        }
        if *votes > ballots.saturating_mul(winners as u64) {
            return Err(contest_error(format!(
                "candidate {name:?} has {votes} votes, more than {winners} per ballot allow"
            )));
        }
    }
    Ok(())
}

impl BravoContest {
    /// A contest; checks that there are ballots and at least one loser.
    pub fn new(
        ballots: u64,
        tallies: Vec<(String, u64)>,
        winners: usize,
    ) -> Result<BravoContest, RiskError> {
        check_polling_contest(ballots, &tallies, winners)?;
        Ok(BravoContest {
            ballots,
            tallies,
            winners,
        })
    }

    /// Candidates ordered by reported votes (descending, ties in input order).
    fn ranked(&self) -> Vec<&(String, u64)> {
        let mut ranked: Vec<&(String, u64)> = self.tallies.iter().collect();
        ranked.sort_by_key(|c| std::cmp::Reverse(c.1));
        ranked
    }

    fn pairs(&self) -> Vec<Pair<'_>> {
        let ranked = self.ranked();
        let (winners, losers) = ranked.split_at(self.winners.min(ranked.len()));
        let mut pairs = Vec::new();
        for w in winners {
            for l in losers {
                pairs.push(Pair {
                    winner: &w.0,
                    loser: &l.0,
                    v_w: w.1,
                    v_l: l.1,
                });
            }
        }
        pairs
    }

    /// True when the last winner and the first loser are tied.
    pub fn is_tie(&self) -> bool {
        let ranked = self.ranked();
        match (
            ranked.get(self.winners.wrapping_sub(1)),
            ranked.get(self.winners),
        ) {
            (Some(w), Some(l)) => w.1 == l.1,
            _ => false,
        }
    }

    /// True when no loser has a vote.
    pub fn is_landslide(&self) -> bool {
        self.ranked().iter().skip(self.winners).all(|c| c.1 == 0)
    }

    fn check_sample(&self, sample: &BTreeMap<String, u64>) -> Result<(), RiskError> {
        for name in sample.keys() {
            if !self.tallies.iter().any(|(n, _)| n == name) {
                return Err(RiskError::UnknownCandidate { name: name.clone() });
            }
        }
        Ok(())
    }

    /// `ln T` for one pair and a (cumulative) sample.
    fn ln_t(&self, pair: &Pair<'_>, sample: &BTreeMap<String, u64>) -> f64 {
        self.ln_t_missing(pair, sample, 0)
    }

    /// `ln T` for one pair when `missing` further cards count as a vote for
    /// the loser (cards not found: the worst case, Bañuelos & Stark 2012).
    fn ln_t_missing(&self, pair: &Pair<'_>, sample: &BTreeMap<String, u64>, missing: u64) -> f64 {
        let s = pair.v_w as f64 / (pair.v_w + pair.v_l) as f64;
        let n_w = sample.get(pair.winner).copied().unwrap_or(0);
        let n_l = sample
            .get(pair.loser)
            .copied()
            .unwrap_or(0)
            .saturating_add(missing);
        let mut ln_t = 0.0;
        // BRAVO: each winner vote multiplies T by s/½, each loser vote by (1 − s)/½
        if n_w > 0 {
            ln_t += n_w as f64 * (s / 0.5).ln();
        }
        if n_l > 0 {
            ln_t += n_l as f64 * ((1.0 - s) / 0.5).ln();
        }
        if ln_t.is_nan() {
            f64::NEG_INFINITY
        } else {
            ln_t
        }
    }

    /// The risk of a (cumulative, all rounds) sample of votes per candidate.
    pub fn risk(&self, sample: &BTreeMap<String, u64>, alpha: f64) -> Result<BravoRisk, RiskError> {
        check_alpha(alpha)?;
        let drawn: u64 = sample.values().sum();
        // Arlo: a sample with as many votes as ballots is a full hand count
        let full_count = drawn >= self.ballots;
        let mut pairs = self.pair_risks(sample, 0)?;
        let mut confirmed = true;
        for pair in &mut pairs {
            if full_count {
                pair.p_value = 0.0;
            }
            confirmed &= pair.p_value <= alpha;
        }
        Ok(BravoRisk { pairs, confirmed })
    }

    /// Every winner–loser pair's p-value `min(1, 1/T)` for a sample of votes
    /// per candidate plus `missing` cards that count as a vote for every
    /// loser (cards that cannot be found, or whose paper lacks the contest).
    /// No full-hand-count shortcut: the caller knows whether the sample is
    /// every card (votes do not say so in a vote-for-N contest).
    pub fn pair_risks(
        &self,
        sample: &BTreeMap<String, u64>,
        missing: u64,
    ) -> Result<Vec<PairRisk>, RiskError> {
        self.check_sample(sample)?;
        Ok(self
            .pairs()
            .iter()
            .map(|pair| PairRisk {
                winner: pair.winner.to_owned(),
                loser: pair.loser.to_owned(),
                // p = min(1, 1/T)
                p_value: (-self.ln_t_missing(pair, sample, missing)).exp().min(1.0),
            })
            .collect())
    }

    fn share(&self, votes: u64) -> f64 {
        votes as f64 / self.ballots as f64
    }

    /// The ASN (BRAVO §5), maximised over pairs, with the pair it came from.
    fn asn(&self, alpha: f64, sample: &BTreeMap<String, u64>) -> Option<(u64, Pair<'_>)> {
        let mut best: Option<(u64, Pair<'_>)> = None;
        for pair in self.pairs() {
            if pair.v_l == 0 {
                continue; // s = 1: this pair can never fail
            }
            let (p_w, p_l) = (self.share(pair.v_w), self.share(pair.v_l));
            let s_w = p_w / (p_w + p_l);
            let z_w = (2.0 * s_w).ln();
            let z_l = (2.0 - 2.0 * s_w).ln();
            let ln_weighted_alpha = (1.0 / alpha).ln() - self.ln_t(&pair, sample);
            let size = ((ln_weighted_alpha + z_w / 2.0) / (p_w * z_w + p_l * z_l)).ceil();
            if size > 0.0 && best.as_ref().is_none_or(|(b, _)| size > *b as f64) {
                best = Some((size as u64, pair));
            }
        }
        best
    }

    /// Arlo's sample-size options for the next round, given the cumulative
    /// sample so far (empty before round one).
    pub fn sample_size_options(
        &self,
        alpha: f64,
        sample: &BTreeMap<String, u64>,
    ) -> Result<SampleSizeOptions, RiskError> {
        check_alpha(alpha)?;
        self.check_sample(sample)?;
        let all = SampleSizeOptions {
            asn: None,
            asn_prob: None,
            quantiles: Vec::new(),
            all_ballots: true,
        };
        if self.is_tie() {
            return Ok(all);
        }
        if self.is_landslide() {
            return Ok(SampleSizeOptions {
                asn: Some(1),
                asn_prob: Some(1.0),
                quantiles: Vec::new(),
                all_ballots: false,
            });
        }
        let (asn, pair) = self
            .asn(alpha, sample)
            .ok_or_else(|| contest_error("sample indicates the audit is over"))?;
        let count = |name: &str| sample.get(name).copied().unwrap_or(0);
        let mut options = SampleSizeOptions {
            asn: Some(asn),
            asn_prob: None,
            quantiles: Vec::new(),
            all_ballots: false,
        };
        if self.winners != 1 {
            return Ok(options);
        }
        options.asn_prob = Some(expected_prob(
            alpha,
            self.share(pair.v_w),
            self.share(pair.v_l),
            count(pair.winner),
            count(pair.loser),
            asn,
        ));
        for prob in QUANTILES {
            let mut size = 0;
            for pair in self.pairs() {
                if pair.v_l == 0 {
                    continue;
                }
                size = size.max(bravo_sample_size(
                    alpha,
                    self.share(pair.v_w),
                    self.share(pair.v_l),
                    count(pair.winner),
                    count(pair.loser),
                    prob,
                    self.ballots,
                ));
            }
            if size != 0 {
                options.quantiles.push(SizeOption { prob, size });
            }
        }
        // Arlo: in a large election, a round needing a quarter of the ballots
        // is better done as a full hand count.
        if self.ballots > 100_000
            && let Some(q90) = options.quantiles.iter().find(|q| q.prob == 0.9)
            && q90.size as f64 >= self.ballots as f64 * 0.25
        {
            return Ok(all);
        }
        Ok(options)
    }
}

/// Terms of Lindeman's BRAVO round-size calculation for one pair.
struct TwoWay {
    p_wr: f64,
    p_w2: f64,
    plus: f64,
    minus: f64,
    threshold: f64,
}

fn two_way(alpha: f64, p_w: f64, p_r: f64, sample_w: u64, sample_r: u64) -> TwoWay {
    // the "two-way" share of the winner among winner + runner-up votes
    let p_wr = p_w + p_r;
    let p_w2 = p_w / p_wr;
    let p_r2 = 1.0 - p_w2;
    // log-likelihood-ratio steps of one winner / runner-up vote (BRAVO)
    let plus = (p_w2 / 0.5).ln();
    let minus = (p_r2 / 0.5).ln();
    let threshold = (1.0 / alpha).ln() - (sample_w as f64 * plus + sample_r as f64 * minus);
    TwoWay {
        p_wr,
        p_w2,
        plus,
        minus,
        threshold,
    }
}

fn standard_normal() -> Option<Normal> {
    Normal::new(0.0, 1.0).ok()
}

/// The round size that completes a BRAVO audit with probability
/// `p_completion` if the reported shares `p_w`, `p_r` (of all ballots) are
/// right, after `sample_w`, `sample_r` votes already drawn (Lindeman's
/// method, as Arlo's `bravo_sample_sizes`). 0 when the sample already
/// confirms.
pub fn bravo_sample_size(
    alpha: f64,
    p_w: f64,
    p_r: f64,
    sample_w: u64,
    sample_r: u64,
    p_completion: f64,
    total_ballots: u64,
) -> u64 {
    let TwoWay {
        p_w2,
        plus,
        minus,
        threshold,
        ..
    } = two_way(alpha, p_w, p_r, sample_w, sample_r);
    if threshold <= 0.0 {
        return 0;
    }
    let Some(normal) = standard_normal() else {
        return total_ballots;
    };
    let z = -normal.inverse_cdf(p_completion);
    let p_r2 = 1.0 - p_w2;
    // E_x = n p_w2 + z sqrt(n p_w2 p_r2) (the (1−p) quantile of winner votes)
    // R_x = (threshold − minus n)/(plus − minus) (winner votes that attain α)
    // Setting E_x = R_x gives a quadratic in n:
    let d = p_w2 * p_r2;
    let f = threshold / (plus - minus);
    let g = minus / (plus - minus) + p_w2;
    let q_a = g * g;
    let q_b = -(z * z * d + 2.0 * f * g);
    let q_c = f * f;
    let radical = (q_b * q_b - 4.0 * q_a * q_c).max(0.0).sqrt();
    let root = if p_completion > 0.5 {
        (-q_b + radical) / (2.0 * q_a)
    } else {
        (-q_b - radical) / (2.0 * q_a)
    };
    let mut size = root.floor().max(0.0) as u64;
    // The approximation is not a guarantee: step up until the binomial
    // (1 − p) quantile of winner votes attains the threshold.
    loop {
        if size >= total_ballots {
            break;
        }
        let x_c = binomial_ppf(1.0 - p_completion, size, p_w2) as f64;
        let test_stat = x_c * plus + (size as f64 - x_c) * minus;
        if !test_stat.is_nan() && test_stat >= threshold {
            break;
        }
        size += 1;
    }
    // account for votes for neither candidate: ⌈size/(p_w + p_r)⌉, with the
    // sum of the two shares taken exactly (as Arlo's Decimal arithmetic
    // does) so that a quotient that is an integer in f64 but not in exact
    // arithmetic rounds the same way
    exact_ceil_div(size, p_w, p_r)
}

/// `⌈n/(a + b)⌉` for positive finite doubles, computed exactly in integers.
fn exact_ceil_div(n: u64, a: f64, b: f64) -> u64 {
    use num_bigint::BigUint;
    use num_traits::{Float, ToPrimitive, Zero};
    let (ma, ea, _) = a.integer_decode();
    let (mb, eb, _) = b.integer_decode();
    // a + b = (ma 2^(ea−e) + mb 2^(eb−e)) 2^e with e = min(ea, eb)
    let e = ea.min(eb);
    let sum = (BigUint::from(ma) << (ea - e) as u32) + (BigUint::from(mb) << (eb - e) as u32);
    if sum.is_zero() {
        return n;
    }
    // n/(sum 2^e) = n 2^(−e)/sum
    let (num, den) = if e < 0 {
        (BigUint::from(n) << (-e) as u32, sum)
    } else {
        (BigUint::from(n), sum << e as u32)
    };
    let q = (&num + &den - 1u32) / &den;
    q.to_u64().unwrap_or(u64::MAX)
}

/// Arlo's estimate (rounded to 2 decimals) of the probability that a round
/// of `asn` ballots completes the audit (normal approximation).
pub fn expected_prob(
    alpha: f64,
    p_w: f64,
    p_r: f64,
    sample_w: u64,
    sample_r: u64,
    asn: u64,
) -> f64 {
    let TwoWay {
        p_wr,
        p_w2,
        plus,
        minus,
        threshold,
    } = two_way(alpha, p_w, p_r, sample_w, sample_r);
    if threshold <= 0.0 {
        return 0.0;
    }
    let n = asn as f64 * p_wr;
    let r_x = (threshold - minus * n) / (plus - minus);
    let z = (r_x - n * p_w2) / (n * p_w2 * (1.0 - p_w2)).sqrt();
    let Some(normal) = standard_normal() else {
        return 0.0;
    };
    (normal.cdf(-z) * 100.0).round() / 100.0
}

/// The smallest `k` with `P(Binomial(n, p) <= k) >= q` (the quantile
/// function scipy calls `binom.ppf`). Summed from exact log-pmf terms.
pub fn binomial_ppf(q: f64, n: u64, p: f64) -> u64 {
    if q <= 0.0 || n == 0 {
        return 0;
    }
    if p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    let nf = n as f64;
    let ln_n_fact = ln_gamma(nf + 1.0);
    let (lp, lq) = (p.ln(), (-p).ln_1p());
    let mut cdf = 0.0;
    for k in 0..=n {
        let kf = k as f64;
        let ln_pmf =
            ln_n_fact - ln_gamma(kf + 1.0) - ln_gamma(nf - kf + 1.0) + kf * lp + (nf - kf) * lq;
        cdf += ln_pmf.exp();
        if cdf >= q {
            return k;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
        pairs.iter().map(|(n, v)| ((*n).to_owned(), *v)).collect()
    }

    // PUBLISHED.md §5b: Arlo test1 round-1 risk {72, 47} of {600, 400} ≈ 0.07;
    // and hand-worked values: s_w = 0.6, one winner vote gives T = 1.2.
    #[test]
    fn pair_risks_count_missing_cards_against_every_loser() {
        let c = BravoContest::new(1000, vec![("a".into(), 600), ("b".into(), 400)], 1)
            .unwrap_or_else(|e| unreachable!("{e}"));
        let p = |s: &[(&str, u64)], missing| {
            c.pair_risks(&sample(s), missing)
                .unwrap_or_else(|e| unreachable!("{e}"))[0]
                .p_value
        };
        assert!((p(&[("a", 72), ("b", 47)], 0) - 0.07).abs() < 0.005);
        assert!((p(&[("a", 1)], 0) - 1.0 / 1.2).abs() < 1e-15);
        // A missing card is a loser vote: T = 1.2² · 0.8 = 1.152.
        assert!((p(&[("a", 2)], 1) - 1.0 / 1.152).abs() < 1e-15);
        assert_eq!(p(&[("a", 72), ("b", 47)], 3), p(&[("a", 72), ("b", 50)], 0));
        // Three candidates: the missing card counts against both losers.
        let c3 = BravoContest::new(
            100,
            vec![("a".into(), 50), ("b".into(), 30), ("c".into(), 20)],
            1,
        )
        .unwrap_or_else(|e| unreachable!("{e}"));
        let r = c3
            .pair_risks(&sample(&[("a", 10)]), 2)
            .unwrap_or_else(|e| unreachable!("{e}"));
        let with = |l: &str, n_l: u64| {
            c3.pair_risks(&sample(&[("a", 10), (l, n_l)]), 0)
                .unwrap_or_else(|e| unreachable!("{e}"))
        };
        assert_eq!(r[0].p_value, with("b", 2)[0].p_value);
        assert_eq!(r[1].p_value, with("c", 2)[1].p_value);
        // A landslide pair (no loser votes reported) never fails; a tie never confirms.
        let tie = BravoContest::new(800, vec![("a".into(), 400), ("b".into(), 400)], 1)
            .unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(
            tie.pair_risks(&sample(&[("a", 100)]), 0)
                .unwrap_or_else(|e| unreachable!("{e}"))[0]
                .p_value,
            1.0
        );
    }
}
