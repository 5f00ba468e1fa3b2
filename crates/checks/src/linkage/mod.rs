//! Probabilistic record linkage: who in one file is who in another.
//!
//! The engine behind `canvass check deceased` (voters against death
//! records) and `canvass check duplicates` (voters against themselves, or
//! against another state's voters). It follows Fellegi & Sunter (1969),
//! with m and u estimated by EM under the fastLink model (Enamorado,
//! Fifield & Imai 2019):
//!
//! 1. [`record`]: read and normalize the files, intern every value.
//! 2. [`blocking`]: form candidate pairs by several blocking passes.
//! 3. [`compare`]: a comparison vector per pair (Jaro–Winkler levels for
//!    names and places, partial agreement for dates).
//! 4. [`em`]: fit λ, m and u to the distinct vectors by EM.
//! 5. Score: each pair's match probability from its vector, adjusted for
//!    term frequency (exact agreement on a rare name counts for more than
//!    on a common one; Winkler 1989 "Frequency-based matching in
//!    Fellegi–Sunter model of record linkage", as done in Splink).
//! 6. [`coincidence`]: how many pairs would agree on name and birth date
//!    by chance alone (the birthday problem).

pub mod blocking;
pub mod check;
pub mod coincidence;
pub mod compare;
pub mod date;
pub mod em;
pub mod hashed;
pub mod jaro;
pub mod mock;
pub mod record;

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;

use blocking::{Candidates, Pass, PassStats};
use compare::{EventRule, K, MISSING, Pattern, TF_FIELDS, level};
use em::Model;
use record::{Records, Vocabulary, text_index};

/// How to link.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Report pairs whose match probability is at least this.
    pub threshold: f64,
    /// Skip blocks that would form more pairs than this (they are counted).
    pub max_block_pairs: u64,
    /// EM iteration limit.
    pub em_max_iter: usize,
    /// EM stops when no parameter moves more than this.
    pub em_tolerance: f64,
    /// Adjust exact name agreement for the name's frequency.
    pub term_frequency: bool,
    /// Keep each record in at most one reported pair (highest probability
    /// first; ties by file order).
    pub one_to_one: bool,
    /// Blocking passes.
    pub passes: Vec<Pass>,
    /// EM is fitted to all pairs, as in fastLink: the candidate pairs, plus
    /// this many random pairs standing for the pairs blocking did not form
    /// (each weighted by their number over the sample size).
    ///
    /// Why not the candidate pairs alone: they are not a random sample of
    /// pairs. Those formed by a pass agree on its key by construction (same
    /// first name and ZIP, say), so the non-matches among them form a second
    /// cluster, and a two-class EM fitted to candidate pairs alone can take
    /// that cluster for the matches. On our mock register (20,000 voters,
    /// 2,000 deaths) it did (λ = 0.42, 22,110 pairs reported for 20 true
    /// ones); holding u at random-pair values instead sent λ to 1. Fitted
    /// to all pairs, the non-matches are the population's and the matches
    /// the small tight cluster they should be.
    pub random_pairs: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            threshold: 0.5,
            max_block_pairs: 5_000_000,
            em_max_iter: 500,
            em_tolerance: 1e-7,
            term_frequency: true,
            one_to_one: false,
            passes: Pass::DEFAULT.to_vec(),
            random_pairs: 1_000_000,
        }
    }
}

/// A scored pair of records.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    /// Index in the first file.
    pub a: u32,
    /// Index in the second file (the first, for deduplication).
    pub b: u32,
    /// Match probability.
    pub probability: f64,
    /// The comparison vector.
    pub pattern: Pattern,
}

/// The result of a linkage.
#[derive(Debug, Clone)]
pub struct Linkage {
    /// Pairs at or above the threshold, by (a, b).
    pub pairs: Vec<Scored>,
    /// The fitted model.
    pub model: Model,
    /// What each blocking pass did.
    pub blocking: Vec<PassStats>,
    /// Distinct candidate pairs compared.
    pub candidate_pairs: u64,
    /// Distinct comparison vectors among them.
    pub distinct_patterns: usize,
}

impl Linkage {
    /// The model's own estimate of false matches among the reported pairs:
    /// Σ (1 − p).
    pub fn expected_false(&self) -> f64 {
        expected_false(self.pairs.iter().map(|p| p.probability))
    }
}

/// The model's expected number of pairs that are two different people
/// among pairs with these match probabilities: Σ (1 − p).
pub fn expected_false(probabilities: impl Iterator<Item = f64>) -> f64 {
    probabilities.map(|p| 1.0 - p).sum()
}

/// Link two files: every pair (record of `a`, record of `b`) that is likely
/// the same person. `event` is what makes a pair a case: a death before
/// the vote ([`EventRule::DeathBeforeVote`], voters against deaths) or both
/// records voting ([`EventRule::both_voted`], voters against voters).
pub fn link(
    a: &Records,
    b: &Records,
    vocab: &Vocabulary,
    opts: &Options,
    event: EventRule,
) -> Linkage {
    let candidates = Candidates::link(
        &a.records,
        &b.records,
        vocab,
        &opts.passes,
        opts.max_block_pairs,
    );
    let tf = TermFrequency::new(&[a, b]);
    score(&candidates, (a, b, event), false, vocab, &tf, opts)
}

/// Find pairs of records within one file that are likely the same person.
/// Records with the same `id` are not paired.
pub fn dedupe(a: &Records, vocab: &Vocabulary, opts: &Options) -> Linkage {
    let candidates = Candidates::dedupe(&a.records, vocab, &opts.passes, opts.max_block_pairs);
    let tf = TermFrequency::new(&[a]);
    let event = EventRule::both_voted(a, a);
    score(&candidates, (a, a, event), true, vocab, &tf, opts)
}

/// Pattern counts of `n` random pairs that blocking did not form
/// (distinct records, and distinct ids when `same_file`), and how many
/// pairs in all blocking did not form (it formed `blocked`); `pattern`
/// compares record x of `a` with record y of `b`.
/// Deterministic: the pairs come from a fixed-seed SplitMix64 (Steele, Lea
/// & Flood 2014).
fn random_patterns(
    a: &Records,
    b: &Records,
    same_file: bool,
    candidates: &Candidates,
    blocked: u64,
    n: usize,
    pattern: &(dyn Fn(u32, u32) -> Pattern + Sync),
) -> (Vec<Pattern>, f64) {
    let (na, nb) = (a.len() as u64, b.len() as u64);
    let all = if same_file {
        na as f64 * (na as f64 - 1.0) / 2.0
    } else {
        na as f64 * nb as f64
    };
    let rest = (all - blocked as f64).max(0.0);
    if na == 0 || nb == 0 || rest == 0.0 {
        return (Vec::new(), rest);
    }
    let mut state: u64 = 0x0123_4567_89ab_cdef;
    let mut next = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let draws: Vec<(u32, u32)> = (0..n)
        .map(|_| ((next() % na) as u32, (next() % nb) as u32))
        .collect();
    let patterns = draws
        .par_iter()
        .filter(|&&(x, y)| {
            !candidates.contains(x, y)
                && (!same_file || (x != y && a.ids.get(x as usize) != a.ids.get(y as usize)))
        })
        .map(|&(x, y)| pattern(x, y))
        .collect();
    (patterns, rest)
}

/// The EM input: each distinct pattern with its weight, sorted by
/// pattern. A candidate pair weighs 1, a sampled pair `sample_weight`;
/// within a pattern the weights are added smallest first, one by one, so
/// the sums are the same bits whatever order the pairs came in.
fn weighted_counts(
    blocked: &HashMap<Pattern, u64>,
    sampled: &[Pattern],
    sample_weight: f64,
) -> Vec<(Pattern, f64)> {
    let mut drawn: BTreeMap<Pattern, u64> = BTreeMap::new();
    for &p in sampled {
        *drawn.entry(p).or_insert(0) += 1;
    }
    let mut all: BTreeMap<Pattern, (u64, u64)> = BTreeMap::new();
    for (&p, &n) in blocked {
        all.entry(p).or_insert((0, 0)).0 += n;
    }
    for (p, s) in drawn {
        all.entry(p).or_insert((0, 0)).1 += s;
    }
    all.into_iter()
        .map(|(p, (n, s))| {
            let (first, nf, second, ns) = if sample_weight < 1.0 {
                (sample_weight, s, 1.0, n)
            } else {
                (1.0, n, sample_weight, s)
            };
            let mut sum: Option<f64> = None;
            for (w, count) in [(first, nf), (second, ns)] {
                for _ in 0..count {
                    sum = Some(sum.map_or(w, |t| t + w));
                }
            }
            (p, sum.unwrap_or(0.0))
        })
        .collect()
}

/// Score the candidate pairs of files `a` and `b` (the same file when
/// `same_file`) with the case event `event`.
fn score(
    candidates: &Candidates,
    (a, b, event): (&Records, &Records, EventRule),
    same_file: bool,
    vocab: &Vocabulary,
    tf: &TermFrequency,
    opts: &Options,
) -> Linkage {
    // Within one file, records sharing an id are not paired.
    let keep = |x: u32, y: u32| !same_file || a.ids.get(x as usize) != a.ids.get(y as usize);
    let pattern = |x: u32, y: u32| match (a.records.get(x as usize), b.records.get(y as usize)) {
        (Some(ra), Some(rb)) => compare::compare(ra, rb, vocab, event),
        _ => Pattern::MAX,
    };
    // First sweep: count the comparison patterns of the candidate pairs.
    let blocked: HashMap<Pattern, u64> = candidates.fold(
        HashMap::new,
        |mut m, x, y| {
            if keep(x, y) {
                *m.entry(pattern(x, y)).or_insert(0) += 1;
            }
            m
        },
        |mut m, other| {
            if m.len() < other.len() {
                return merge_counts(other, m);
            }
            m = merge_counts(m, other);
            m
        },
    );
    let n_blocked: u64 = blocked.values().sum();
    let (sampled, rest) = random_patterns(
        a,
        b,
        same_file,
        candidates,
        n_blocked,
        opts.random_pairs,
        &pattern,
    );
    let sample_weight = if sampled.is_empty() {
        0.0
    } else {
        rest / sampled.len() as f64
    };
    let counts = weighted_counts(&blocked, &sampled, sample_weight);
    // Start λ at one match per record of the smaller file.
    let all = n_blocked as f64 + rest;
    let lambda0 = (a.len().min(b.len()) as f64 / all.max(1.0)).min(0.1);
    let model = em::fit(&counts, lambda0, opts.em_max_iter, opts.em_tolerance);
    let threshold_logit = logit(opts.threshold);
    // Second sweep: score the pairs again, keep those at the threshold.
    let mut scored: Vec<Scored> = candidates.fold(
        Vec::new,
        |mut v, x, y| {
            if !keep(x, y) {
                return v;
            }
            let pattern = pattern(x, y);
            let mut lo = model.log_odds(pattern);
            if let (true, Some(r)) = (opts.term_frequency, a.records.get(x as usize)) {
                lo += tf.adjustment(pattern, r);
            }
            if lo >= threshold_logit {
                v.push(Scored {
                    a: x,
                    b: y,
                    probability: em::sigmoid(lo),
                    pattern,
                });
            }
            v
        },
        |mut v, w| {
            v.extend(w);
            v
        },
    );
    scored.par_sort_unstable_by(|x, y| x.a.cmp(&y.a).then(x.b.cmp(&y.b)));
    if opts.one_to_one {
        scored = one_to_one(scored);
    }
    Linkage {
        pairs: scored,
        model,
        blocking: candidates.stats().to_vec(),
        candidate_pairs: n_blocked,
        distinct_patterns: counts.len(),
    }
}

fn merge_counts(
    mut into: HashMap<Pattern, u64>,
    from: HashMap<Pattern, u64>,
) -> HashMap<Pattern, u64> {
    for (p, n) in from {
        *into.entry(p).or_insert(0) += n;
    }
    into
}

fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-15, 1.0 - 1e-15);
    (p / (1.0 - p)).ln()
}

/// Greedy one-to-one assignment: highest probability first.
fn one_to_one(mut pairs: Vec<Scored>) -> Vec<Scored> {
    pairs.sort_by(|x, y| {
        y.probability
            .total_cmp(&x.probability)
            .then(x.a.cmp(&y.a))
            .then(x.b.cmp(&y.b))
    });
    let mut used_a = std::collections::HashSet::new();
    let mut used_b = std::collections::HashSet::new();
    let mut kept: Vec<Scored> = pairs
        .into_iter()
        .filter(|p| {
            if used_a.contains(&p.a) || used_b.contains(&p.b) {
                return false;
            }
            used_a.insert(p.a);
            used_b.insert(p.b);
            true
        })
        .collect();
    kept.sort_by(|x, y| x.a.cmp(&y.a).then(x.b.cmp(&y.b)));
    kept
}

/// Name frequencies over the files being linked, for the term-frequency
/// adjustment.
///
/// Exact agreement on value v has Bayes factor m/f(v) rather than the
/// average m/u with u = Σ_w f(w)² (two unrelated people share v with
/// probability f(v)², and a matched pair shows v with probability f(v)), so
/// the field's weight is multiplied by u/f(v) = Σ_w f(w)² / f(v) (Winkler
/// 1989; Splink's "term frequency adjustments"). The factor is bounded to
/// [1/1000, 1000].
#[derive(Debug)]
struct TermFrequency {
    /// Per TF field: frequency of each interned id.
    freq: Vec<Vec<f64>>,
    /// Per TF field: Σ f².
    sum_sq: Vec<f64>,
}

impl TermFrequency {
    fn new(files: &[&Records]) -> TermFrequency {
        let mut freq = Vec::new();
        let mut sum_sq = Vec::new();
        for (_, field) in TF_FIELDS {
            let Some(i) = text_index(field) else {
                freq.push(Vec::new());
                sum_sq.push(0.0);
                continue;
            };
            let mut counts: Vec<u64> = Vec::new();
            let mut total = 0u64;
            for f in files {
                for r in &f.records {
                    let id = r.text.get(i).copied().unwrap_or(0) as usize;
                    if id == 0 {
                        continue;
                    }
                    if counts.len() <= id {
                        counts.resize(id + 1, 0);
                    }
                    if let Some(c) = counts.get_mut(id) {
                        *c += 1;
                    }
                    total += 1;
                }
            }
            let t = total.max(1) as f64;
            let f: Vec<f64> = counts.iter().map(|&c| c as f64 / t).collect();
            sum_sq.push(f.iter().map(|x| x * x).sum());
            freq.push(f);
        }
        TermFrequency { freq, sum_sq }
    }

    /// The log of the factor for a pair with this pattern whose first
    /// record is `r` (on exact agreement both records hold the same value).
    fn adjustment(&self, pattern: Pattern, r: &record::Record) -> f64 {
        let mut adj = 0.0;
        for (t, (k, field)) in TF_FIELDS.iter().enumerate() {
            let l = level(pattern, *k);
            let top = compare::COMPARISONS
                .get(*k)
                .map_or(0, |c| c.method.levels() - 1) as u8;
            if l == MISSING || l != top || *k >= K {
                continue;
            }
            let Some(i) = text_index(*field) else {
                continue;
            };
            let id = r.text.get(i).copied().unwrap_or(0) as usize;
            let f = self
                .freq
                .get(t)
                .and_then(|v| v.get(id))
                .copied()
                .unwrap_or(0.0);
            let s = self.sum_sq.get(t).copied().unwrap_or(0.0);
            if f > 0.0 && s > 0.0 {
                adj += (s / f).clamp(1e-3, 1e3).ln();
            }
        }
        adj
    }
}
