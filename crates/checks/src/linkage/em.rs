//! m and u probabilities by expectation–maximization.
//!
//! The model of Enamorado, Fifield & Imai (2019), "Using a probabilistic
//! model to assist merging of large-scale administrative records", APSR
//! 113(2):353–371, §3 (the fastLink model), which extends Winkler (1988),
//! "Using the EM algorithm for weight computation in the Fellegi–Sunter
//! model of record linkage": a two-class mixture over comparison vectors,
//! the classes being matches (M) and non-matches (U), with
//!
//!   P(γ) = λ ∏ₖ π_{k,M}(γₖ) + (1 − λ) ∏ₖ π_{k,U}(γₖ),
//!
//! fields conditionally independent given the class and missing levels
//! ignored (missing at random, their eq. 4). The E step gives each
//! pattern's match probability ξ; the M step sets λ to the mean ξ and
//! π_{k,M}(l) to the ξ-weighted share of pairs at level l among those where
//! field k is observed (π_{k,U} likewise with 1 − ξ). As in fastLink the
//! sums run over distinct patterns with their counts, so the cost does not
//! grow with the number of pairs. A pseudo-count of 0.01 per level (a weak
//! Dirichlet prior, as fastLink allows) keeps every probability above 0
//! without swamping the match class when matches are few (with 8 planted
//! matches, a pseudo-count of 1 made m(birth dates disagree) 0.08 and let
//! a 34-year birth-date gap through).
//!
//! The model is fitted to all pairs, as fastLink does: the candidate pairs
//! from blocking with weight 1, and the rest represented by a random sample
//! whose patterns carry weight (pairs not blocked) / (sample size); see
//! [`super::Options::random_pairs`].

use super::compare::{COMPARISONS, K, MISSING, Pattern, level};

/// Pseudo-count added to every level's expected count in the M step.
const PSEUDO: f64 = 0.01;

/// Fitted parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// λ: the share of candidate pairs that are matches.
    pub lambda: f64,
    /// m: P(level | match), per field and level.
    pub m: Vec<Vec<f64>>,
    /// u: P(level | non-match), per field and level.
    pub u: Vec<Vec<f64>>,
    /// EM iterations run.
    pub iterations: usize,
    /// Whether the largest parameter change fell below the tolerance.
    pub converged: bool,
}

impl Model {
    /// ln(m/u) for field `k` at level `l` (0 for missing).
    pub fn weight(&self, k: usize, l: u8) -> f64 {
        if l == MISSING {
            return 0.0;
        }
        let m = self.m.get(k).and_then(|v| v.get(l as usize)).copied();
        let u = self.u.get(k).and_then(|v| v.get(l as usize)).copied();
        match (m, u) {
            (Some(m), Some(u)) if m > 0.0 && u > 0.0 => (m / u).ln(),
            _ => 0.0,
        }
    }

    /// The match log-odds of a pattern before term-frequency adjustment:
    /// ln(λ/(1−λ)) + Σₖ ln(m/u).
    pub fn log_odds(&self, p: Pattern) -> f64 {
        let prior = (self.lambda / (1.0 - self.lambda)).ln();
        prior + (0..K).map(|k| self.weight(k, level(p, k))).sum::<f64>()
    }
}

/// Fit the model to distinct patterns with their counts, sorted by
/// pattern (so the sums, and so the result, are the same on every run).
/// Counts are weights (a sampled pattern stands for many pairs), and
/// `lambda0` is the starting λ.
pub fn fit(patterns: &[(Pattern, f64)], lambda0: f64, max_iter: usize, tol: f64) -> Model {
    let levels: Vec<usize> = COMPARISONS.iter().map(|c| c.method.levels()).collect();
    // Start: matches agree, non-matches disagree (Enamorado et al.'s
    // starting values are of this shape); λ small.
    let mut model = Model {
        lambda: lambda0.clamp(1e-12, 0.5),
        m: levels
            .iter()
            .map(|&n| normalize((0..n).map(|l| 1.0 + 4.0 * l as f64 * l as f64).collect()))
            .collect(),
        u: levels
            .iter()
            .map(|&n| normalize((0..n).map(|l| if l == 0 { 20.0 } else { 1.0 }).collect()))
            .collect(),
        iterations: 0,
        converged: false,
    };
    if patterns.is_empty() {
        return model;
    }
    for it in 1..=max_iter {
        let mut sum_xi = 0.0;
        let mut total = 0.0;
        let mut cm: Vec<Vec<f64>> = levels.iter().map(|&n| vec![PSEUDO; n]).collect();
        let mut cu: Vec<Vec<f64>> = levels.iter().map(|&n| vec![PSEUDO; n]).collect();
        for &(p, n) in patterns {
            let xi = posterior(&model, p);
            sum_xi += xi * n;
            total += n;
            for k in 0..K {
                let l = level(p, k);
                if l == MISSING {
                    continue;
                }
                if let Some(c) = cm.get_mut(k).and_then(|v| v.get_mut(l as usize)) {
                    *c += xi * n;
                }
                if let Some(c) = cu.get_mut(k).and_then(|v| v.get_mut(l as usize)) {
                    *c += (1.0 - xi) * n;
                }
            }
        }
        let next = Model {
            lambda: (sum_xi / total).clamp(1e-15, 1.0 - 1e-12),
            m: cm.into_iter().map(normalize).collect(),
            u: cu.into_iter().map(normalize).collect(),
            iterations: it,
            converged: false,
        };
        let change = max_change(&model, &next);
        model = next;
        if change < tol {
            model.converged = true;
            break;
        }
    }
    model
}

/// ξ for one pattern under a model.
pub fn posterior(model: &Model, p: Pattern) -> f64 {
    sigmoid(model.log_odds(p))
}

/// The logistic function, safe for large arguments.
pub fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

fn normalize(v: Vec<f64>) -> Vec<f64> {
    let s: f64 = v.iter().sum();
    if s <= 0.0 {
        return v;
    }
    v.into_iter().map(|x| x / s).collect()
}

fn max_change(a: &Model, b: &Model) -> f64 {
    let mut d = (a.lambda - b.lambda).abs();
    for (x, y) in a.m.iter().flatten().zip(b.m.iter().flatten()) {
        d = d.max((x - y).abs());
    }
    for (x, y) in a.u.iter().flatten().zip(b.u.iter().flatten()) {
        d = d.max((x - y).abs());
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pat(levels: &[u8]) -> Pattern {
        let mut p = 0;
        for k in 0..K {
            let l = levels.get(k).copied().unwrap_or(MISSING);
            p |= Pattern::from(l) << (4 * k);
        }
        p
    }

    /// Data drawn from a known two-class model: EM recovers λ and the
    /// ordering of m and u.
    #[test]
    fn recovers_a_planted_mixture() {
        // Three fields observed: first name (4 levels), last name (4), birth date (5).
        let mut counts = std::collections::BTreeMap::new();
        // 1,000 matches: mostly exact on all.
        *counts.entry(pat(&[3, MISSING, 3, MISSING, 4])).or_insert(0) += 850u64;
        *counts.entry(pat(&[2, MISSING, 3, MISSING, 4])).or_insert(0) += 60;
        *counts.entry(pat(&[3, MISSING, 3, MISSING, 2])).or_insert(0) += 60;
        *counts.entry(pat(&[3, MISSING, 0, MISSING, 4])).or_insert(0) += 30;
        // 99,000 non-matches: mostly disagree; some chance agreement.
        *counts.entry(pat(&[0, MISSING, 0, MISSING, 0])).or_insert(0) += 90_000;
        *counts.entry(pat(&[3, MISSING, 0, MISSING, 0])).or_insert(0) += 4_000;
        *counts.entry(pat(&[0, MISSING, 3, MISSING, 0])).or_insert(0) += 3_000;
        *counts.entry(pat(&[0, MISSING, 0, MISSING, 1])).or_insert(0) += 2_000;
        let v: Vec<(Pattern, f64)> = counts.into_iter().map(|(p, n)| (p, n as f64)).collect();
        let model = fit(&v, 0.05, 500, 1e-9);
        assert!(model.converged);
        assert!((model.lambda - 0.01).abs() < 0.002, "{}", model.lambda);
        assert!(model.m[0][3] > 0.8 && model.u[0][3] < 0.06);
        assert!(posterior(&model, pat(&[3, MISSING, 3, MISSING, 4])) > 0.99);
        assert!(posterior(&model, pat(&[0, MISSING, 0, MISSING, 0])) < 1e-3);
        assert!(posterior(&model, pat(&[3, MISSING, 0, MISSING, 0])) < 0.1);
        // Missing fields carry no weight.
        assert_eq!(model.weight(1, MISSING), 0.0);
    }

    #[test]
    fn sigmoid_is_stable() {
        assert_eq!(sigmoid(1000.0), 1.0);
        assert_eq!(sigmoid(-1000.0), 0.0);
        assert!((sigmoid(0.0) - 0.5).abs() < 1e-15);
    }
}
