//! The risk arithmetic the workflow needs: super-simple Kaplan–Markov for
//! comparison audits and BRAVO for ballot polling.
//!
//! These are the smallest private pieces the workflow needs; `crate::supersimple`
//! and `crate::bravo` own the general versions and these go once they land.
//!
//! Float policy: risks are `f64`, compared to the risk limit with `<=`; sample
//! sizes are whole numbers computed with `ceil` as the formulas say.

use statrs::distribution::{Binomial, Discrete, DiscreteCDF};

/// The error inflation factor γ used by Arlo and ColoradoRLA.
pub const GAMMA: f64 = 1.03905;

/// Super-simple initial sample size (Stark 2010, "Super-simple simultaneous
/// single-ballot risk-limiting audits"; Arlo's rates, PUBLISHED.md §7):
/// n0 from the expected rates r1 = s1 = 0.001, r2 = s2 = 0.0001, then
/// `n = max(o1+o2+u1+u2, ceil(−2γ (ln α + o1 ln(1−1/2γ) + o2 ln(1−1/γ) +
/// u1 ln(1+1/2γ) + u2 ln(1+1/γ)) / μ))`, capped at `universe`.
pub fn supersimple_initial(alpha: f64, diluted_margin: f64, universe: u64) -> u64 {
    let g = GAMMA;
    let (r1, r2, s1, s2) = (0.001f64, 0.0001f64, 0.001f64, 0.0001f64);
    let l_o1 = (1.0 - 1.0 / (2.0 * g)).ln();
    let l_o2 = (1.0 - 1.0 / g).ln();
    let l_u1 = (1.0 + 1.0 / (2.0 * g)).ln();
    let l_u2 = (1.0 + 1.0 / g).ln();
    let denom =
        (1.0 - diluted_margin / (2.0 * g)).ln() - r1 * l_o1 - r2 * l_o2 - s1 * l_u1 - s2 * l_u2;
    if diluted_margin.is_nan() || diluted_margin <= 0.0 || denom.is_nan() || denom >= 0.0 {
        return universe;
    }
    let n0 = (alpha.ln() / denom).ceil();
    let o1 = (r1 * n0).ceil();
    let u1 = (s1 * n0).ceil();
    let o2 = round_half_up(r2 * n0);
    let u2 = round_half_up(s2 * n0);
    let n = (-2.0 * g * (alpha.ln() + o1 * l_o1 + o2 * l_o2 + u1 * l_u1 + u2 * l_u2)
        / diluted_margin)
        .ceil();
    clamp_size(n.max(o1 + o2 + u1 + u2), universe)
}

/// Super-simple follow-up size: the whole sample (already drawn plus new)
/// needed if no further overstatement is found, from the taints `t_i`
/// (overstatements in units of the smallest margin, in (0, 2]) seen so far:
/// `ceil(−2γ (ln α + Σ ln(1 − t_i/2γ)) / μ)`, capped at `universe`.
pub fn supersimple_follow_up(
    alpha: f64,
    diluted_margin: f64,
    taints: &[f64],
    universe: u64,
) -> u64 {
    if diluted_margin.is_nan() || diluted_margin <= 0.0 {
        return universe;
    }
    let sum: f64 = taints.iter().map(|t| (1.0 - t / (2.0 * GAMMA)).ln()).sum();
    let n = (-2.0 * GAMMA * (alpha.ln() + sum) / diluted_margin).ceil();
    clamp_size(n, universe)
}

/// Super-simple Kaplan–Markov risk (Stark 2010 eq. for P_KM; Arlo's
/// `compute_risk`): `p = Π_i (1 − 1/U) / (1 − t_i/2γ)` with `U = 2γ/μ`, over
/// every card of the sample, `t_i = max(0, taint)`. Understatements are not
/// credited, as Arlo does (conservative). Capped at 1.
pub fn supersimple_risk(diluted_margin: f64, taints: &[f64]) -> f64 {
    if diluted_margin.is_nan() || diluted_margin <= 0.0 {
        return 1.0;
    }
    let base = (1.0 - diluted_margin / (2.0 * GAMMA)).ln();
    let mut log_p = 0.0;
    for t in taints {
        log_p += base - (1.0 - t.max(0.0) / (2.0 * GAMMA)).ln();
    }
    log_p.exp().min(1.0)
}

/// BRAVO risk for one winner–loser pair (Lindeman, Stark, Yates 2012):
/// `T = (s_w/½)^w ((1−s_w)/½)^l`, `p = min(1, 1/T)`; `s_w` is the winner's
/// share of the pair's reported votes.
pub fn bravo_risk(reported_winner: u64, reported_loser: u64, winner: u64, loser: u64) -> f64 {
    let total = reported_winner + reported_loser;
    if total == 0 || reported_winner <= reported_loser {
        return 1.0;
    }
    let s_w = reported_winner as f64 / total as f64;
    let log_t = winner as f64 * (2.0 * s_w).ln() + loser as f64 * (2.0 - 2.0 * s_w).ln();
    (-log_t).exp().min(1.0)
}

/// The smallest whole sample (drawn so far plus new) for which a BRAVO audit
/// of one pair stops at the end of the round with probability at least
/// `quantile`, when the reported results are right (Arlo's "90% chance of
/// finishing in this round"). Ballots are drawn with replacement: the new
/// ballots' votes for the pair are Binomial(m, (r_w + r_l)/N), and the
/// winner's among them Binomial(k, s_w). Capped at `universe`.
pub fn bravo_quantile_size(
    alpha: f64,
    quantile: f64,
    reported: (u64, u64),
    universe: u64,
    drawn: u64,
    seen: (u64, u64),
) -> u64 {
    let (r_w, r_l) = reported;
    if r_w <= r_l || universe == 0 {
        return universe;
    }
    let s_w = r_w as f64 / (r_w + r_l) as f64;
    let q = ((r_w + r_l) as f64 / universe as f64).min(1.0);
    let stop_probability = |n: u64| -> f64 {
        let m = n.saturating_sub(drawn);
        bravo_stop_probability(alpha, s_w, q, m, seen)
    };
    if stop_probability(universe) < quantile {
        return universe;
    }
    // Smallest n in (drawn, universe] with probability ≥ quantile; the
    // probability grows with n (up to lattice effects, which only make the
    // answer a little larger than the exact smallest n).
    let (mut lo, mut hi) = (drawn, universe);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if stop_probability(mid) >= quantile {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi
}

/// P(BRAVO's statistic reaches 1/α after `m` more ballots), given the winner
/// and loser votes `seen` so far.
fn bravo_stop_probability(alpha: f64, s_w: f64, q: f64, m: u64, seen: (u64, u64)) -> f64 {
    let a = (2.0 * s_w).ln();
    let b = (2.0 - 2.0 * s_w).ln();
    let target = (1.0 / alpha).ln();
    let (w0, l0) = (seen.0 as f64, seen.1 as f64);
    let Ok(pair_votes) = Binomial::new(q, m) else {
        return 0.0;
    };
    // Only k within ±10 standard deviations carries probability worth adding.
    let mean = q * m as f64;
    let sd = (m as f64 * q * (1.0 - q)).sqrt();
    let k_lo = (mean - 10.0 * sd - 1.0).floor().max(0.0) as u64;
    let k_hi = ((mean + 10.0 * sd + 1.0).ceil() as u64).min(m);
    let mut p = 0.0;
    for k in k_lo..=k_hi {
        let pk = pair_votes.pmf(k);
        if pk == 0.0 {
            continue;
        }
        // (w0 + w) a + (l0 + k − w) b ≥ target  ⇔  w ≥ (target − w0 a − (l0 + k) b)/(a − b)
        let need = ((target - w0 * a - (l0 + k as f64) * b) / (a - b)).ceil();
        let p_w = if need <= 0.0 {
            1.0
        } else if need > k as f64 {
            0.0
        } else {
            match Binomial::new(s_w, k) {
                Ok(d) => d.sf(need as u64 - 1),
                Err(_) => 0.0,
            }
        };
        p += pk * p_w;
    }
    p.min(1.0)
}

fn round_half_up(x: f64) -> f64 {
    (x + 0.5).floor()
}

fn clamp_size(n: f64, universe: u64) -> u64 {
    if !n.is_finite() || n >= universe as f64 {
        universe
    } else if n < 1.0 {
        1.min(universe)
    } else {
        n as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // PUBLISHED.md §7a: Arlo's super-simple initial sizes and risks, risk limit 10%.
    #[test]
    fn arlo_supersimple_table() {
        let cases: [(u64, u64, u64, u64, f64); 6] = [
            (60000, 40000, 100000, 27, 0.06507),
            (30000, 24000, 60000, 54, 0.06973),
            (18000, 12600, 36000, 36, 0.06740),
            (8000, 6000, 15000, 40, 0.07048),
            (10000, 0, 10000, 6, 0.01950),
            (10, 4, 15, 14, 0.05013),
        ];
        for (w, l, n, size, p) in cases {
            let mu = (w - l) as f64 / n as f64;
            assert_eq!(supersimple_initial(0.1, mu, n), size, "{w}/{l}/{n}");
            let risk = supersimple_risk(mu, &vec![0.0; size as usize]);
            assert!((risk - p).abs() < 5e-5, "{w}/{l}/{n}: {risk} vs {p}");
        }
    }

    // Hand-worked: μ = 0.2, one one-vote overstatement at n = 27 divides the
    // no-discrepancy risk by (1 − 1/2γ) = 0.518791.
    #[test]
    fn one_vote_overstatement_raises_risk() {
        let clean = supersimple_risk(0.2, &[0.0; 27]);
        let mut t = [0.0; 27];
        t[0] = 1.0;
        let one = supersimple_risk(0.2, &t);
        assert!((one * (1.0 - 1.0 / (2.0 * GAMMA)) - clean).abs() < 1e-12);
        // A follow-up size that, without more errors, brings the risk under 10%.
        let n = supersimple_follow_up(0.1, 0.2, &[1.0], 100000);
        let mut t = vec![0.0; n as usize];
        t[0] = 1.0;
        assert!(supersimple_risk(0.2, &t) <= 0.1, "n = {n}");
        let mut t = vec![0.0; 29];
        t[0] = 1.0;
        assert!(supersimple_risk(0.2, &t) > 0.1);
    }

    #[test]
    fn two_vote_overstatements_escalate_to_the_universe() {
        assert_eq!(supersimple_follow_up(0.05, 0.1, &[2.0; 10], 200), 200);
        assert_eq!(supersimple_initial(0.05, 0.0, 200), 200);
    }

    // PUBLISHED.md §5b: Arlo test1 round-1 risk {72, 47} of {600, 400} ≈ 0.07.
    #[test]
    fn arlo_bravo_round_one_risk() {
        let p = bravo_risk(600, 400, 72, 47);
        assert!((p - 0.07).abs() < 0.005, "{p}");
    }

    // PUBLISHED.md §5b: Arlo's 90% option for test1 {600, 400 of 1000} is 351
    // and for test2 {600, 200 of 900} is 57 (risk limit 10%). Ours asks the
    // test to pass at the end of the round, not anywhere along it, so it is a
    // little larger (measured: 360 and 59); it must stay within 5% above Arlo's.
    #[test]
    fn arlo_bravo_ninety_percent_sizes() {
        for (reported, n, arlo) in [((600, 400), 1000, 351u64), ((600, 200), 900, 57)] {
            let got = bravo_quantile_size(0.1, 0.9, reported, n, 0, (0, 0));
            assert!(
                got >= arlo && got as f64 <= arlo as f64 * 1.05,
                "{reported:?}: {got}"
            );
            let s_w = reported.0 as f64 / (reported.0 + reported.1) as f64;
            let q = (reported.0 + reported.1) as f64 / n as f64;
            assert!(bravo_stop_probability(0.1, s_w, q, got, (0, 0)) >= 0.9);
            assert!(bravo_stop_probability(0.1, s_w, q, got - 1, (0, 0)) < 0.9);
        }
        assert_eq!(
            bravo_quantile_size(0.1, 0.9, (500, 500), 1000, 0, (0, 0)),
            1000
        );
    }
}
