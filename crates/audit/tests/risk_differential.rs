//! The streaming martingales against direct, array-at-a-time transcriptions
//! of the formulas (SHANGRLA `NonnegMean.shrink_trunc`, `agrapa`,
//! `alpha_mart`, `betting_mart`), on random data with finite and infinite N.

use canvass_audit::nonneg_mean::{
    Bet, Estimator, NonnegMean, Population, RiskFunction, ShrinkTrunc,
};
use proptest::prelude::*;

const EPS: f64 = f64::EPSILON;

/// (S_{j−1}, m_j, running mean and population variance of x_1..x_k) as arrays.
fn arrays(x: &[f64], n: Option<u64>, t: f64) -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>) {
    let len = x.len();
    let mut s = vec![0.0; len];
    for j in 1..len {
        s[j] = s[j - 1] + x[j - 1];
    }
    let m: Vec<f64> = (0..len)
        .map(|j| match n {
            Some(n) => (n as f64 * t - s[j]) / (n as f64 - j as f64),
            None => t,
        })
        .collect();
    // two-pass mean/variance of each prefix (not Welford)
    let mut mean = vec![0.0; len];
    let mut var = vec![0.0; len];
    for k in 0..len {
        let pre = &x[..=k];
        let mu = pre.iter().sum::<f64>() / pre.len() as f64;
        mean[k] = mu;
        var[k] = pre.iter().map(|v| (v - mu).powi(2)).sum::<f64>() / pre.len() as f64;
    }
    (s, m, mean, var)
}

fn p_of(terms: &[f64]) -> f64 {
    (1.0 / terms.iter().cloned().fold(1.0, f64::max)).min(1.0)
}

fn alpha_shrink_trunc_direct(x: &[f64], n: Option<u64>, st: ShrinkTrunc) -> f64 {
    let (u, t) = (1.0, 0.5);
    let (s, m, _, var) = arrays(x, n, t);
    let c = st.c.unwrap_or((st.eta - t) / 2.0 - EPS);
    let mut terms = Vec::new();
    let mut prod = 1.0;
    for j in 0..x.len() {
        let sd = if j < 2 {
            1.0
        } else {
            var[j - 1].sqrt().max(st.minsd)
        };
        let dj = st.d + j as f64;
        let weighted = ((st.d * st.eta + s[j]) / dj + u * st.f / sd) / (1.0 + st.f / sd);
        let tol = c / dj.sqrt();
        let eta = (u * (1.0 - EPS) - tol).min(weighted.max(m[j] * (1.0 + EPS) + tol));
        prod *= (x[j] * eta / m[j] + (u - x[j]) * (u - eta) / (u - m[j])) / u;
        terms.push(prod);
    }
    p_of(&terms)
}

fn agrapa_direct(x: &[f64], n: Option<u64>, lambda0: f64) -> f64 {
    let t = 0.5;
    let (_, m, mean, var) = arrays(x, n, t);
    let c = 1.0 - EPS;
    let mut terms = Vec::new();
    let mut prod = 1.0;
    for j in 0..x.len() {
        let lambda = if j == 0 {
            lambda0
        } else {
            let raw = (mean[j - 1] - m[j]) / (var[j - 1] + (m[j] - mean[j - 1]).powi(2));
            raw.min(c / m[j]).max(0.0)
        };
        prod *= 1.0 + lambda * (x[j] - m[j]);
        terms.push(prod);
    }
    p_of(&terms)
}

fn ours(x: &[f64], n: Option<u64>, function: RiskFunction) -> f64 {
    let test = NonnegMean::new(
        Population {
            upper: 1.0,
            size: n,
            null_mean: 0.5,
        },
        function,
    );
    test.test(x).map(|m| m.p_value).unwrap_or(f64::NAN)
}

fn agree(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-300)
}

proptest! {
    #[test]
    fn shrink_trunc_matches_direct_formula(
        x in proptest::collection::vec(prop_oneof![Just(0.0), Just(0.5), Just(1.0), 0.0f64..=1.0], 1..300),
        finite in any::<bool>(),
        eta in 0.51f64..1.0,
        d in 1.0f64..200.0,
        f in 0.0f64..2.0,
    ) {
        // N large enough that m_j stays in (0, 1) whatever the data
        let n = if finite { Some(10_000) } else { None };
        let st = ShrinkTrunc { eta, d, c: None, f, minsd: 1e-6 };
        let a = ours(&x, n, RiskFunction::Alpha(Estimator::ShrinkTrunc(st)));
        let b = alpha_shrink_trunc_direct(&x, n, st);
        prop_assert!(agree(a, b), "ours {} direct {}", a, b);
    }

    #[test]
    fn agrapa_matches_direct_formula(
        x in proptest::collection::vec(prop_oneof![Just(0.0), Just(1.0), 0.0f64..=1.0], 1..300),
        finite in any::<bool>(),
        lambda in 0.0f64..1.5,
    ) {
        let n = if finite { Some(10_000) } else { None };
        let a = ours(&x, n, RiskFunction::Betting(Bet::agrapa(lambda)));
        let b = agrapa_direct(&x, n, lambda);
        prop_assert!(agree(a, b), "ours {} direct {}", a, b);
    }
}
