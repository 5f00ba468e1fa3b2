//! Arlo `server/tests/audit_math/test_bravo.py` values (PUBLISHED.md §5b),
//! risk limit 10%.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code may panic

use canvass_audit::bravo::{BravoContest, SizeOption, bravo_sample_size};
use std::collections::BTreeMap;

const ALPHA: f64 = 0.1;

fn contest(ballots: u64, votes: &[u64], winners: usize) -> BravoContest {
    let tallies = votes
        .iter()
        .enumerate()
        .map(|(i, v)| (format!("cand{}", i + 1), *v))
        .collect();
    BravoContest::new(ballots, tallies, winners).unwrap_or_else(|e| panic!("{e}"))
}

fn sample(counts: &[u64]) -> BTreeMap<String, u64> {
    counts
        .iter()
        .enumerate()
        .map(|(i, v)| (format!("cand{}", i + 1), *v))
        .collect()
}

fn check_asn(ballots: u64, votes: &[u64], winners: usize, want: u64) {
    let c = contest(ballots, votes, winners);
    let got = c
        .sample_size_options(ALPHA, &BTreeMap::new())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(got.asn, Some(want), "{votes:?}");
}

fn check_quantiles(ballots: u64, votes: &[u64], prior: &[u64], asn: u64, want: [u64; 3]) {
    let c = contest(ballots, votes, 1);
    let got = c
        .sample_size_options(ALPHA, &sample(prior))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(got.asn, Some(asn), "asn of {votes:?}");
    let want: Vec<SizeOption> = [0.7, 0.8, 0.9]
        .iter()
        .zip(want)
        .map(|(&prob, size)| SizeOption { prob, size })
        .collect();
    assert_eq!(got.quantiles, want, "{votes:?}");
}

#[test]
fn asn_test1() {
    check_asn(1000, &[600, 400], 1, 119);
}
#[test]
fn asn_test2() {
    check_asn(900, &[600, 200, 100], 1, 22);
}
#[test]
fn asn_test6() {
    check_asn(1000, &[300, 200, 200], 1, 238);
}
#[test]
fn asn_test7_two_winners() {
    check_asn(700, &[300, 200, 100], 2, 101);
}
#[test]
fn asn_test8_two_winners() {
    check_asn(700, &[300, 300, 100], 2, 34);
}
#[test]
fn asn_test10_two_winners() {
    check_asn(1000, &[600, 300, 100], 2, 48);
}

#[test]
fn quantiles_test1() {
    check_quantiles(1000, &[600, 400], &[], 119, [184, 244, 351]);
}
#[test]
fn quantiles_test2() {
    check_quantiles(900, &[600, 200, 100], &[], 22, [32, 41, 57]);
}
#[test]
fn quantiles_test6() {
    check_quantiles(1000, &[300, 200, 200], &[], 238, [368, 488, 702]);
}
#[test]
fn quantiles_small_third_candidate() {
    check_quantiles(20000, &[10000, 9000, 200], &[], 1769, [2837, 3760, 5426]);
}

#[test]
fn sample_size_considers_all_candidate_pairs() {
    let c = contest(500_000, &[200_000, 120_000, 100_000], 1);
    let got = c
        .sample_size_options(ALPHA, &sample(&[200, 120, 200]))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(got.asn, Some(766));
    assert_eq!(got.asn_prob, Some(0.51));
    let sizes: Vec<u64> = got.quantiles.iter().map(|q| q.size).collect();
    assert_eq!(sizes, [877, 954, 1075]);
}

fn check_bravo_sample_size(p_w: f64, p_r: f64, sw: u64, sr: u64, p: f64, want: u64) {
    assert_eq!(
        bravo_sample_size(ALPHA, p_w, p_r, sw, sr, p, 10_000),
        want,
        "{p_w} {p_r} {sw} {sr} {p}"
    );
}

#[test]
fn bravo_sample_sizes_lines_106_255() {
    check_bravo_sample_size(0.4, 0.32, 0, 0, 0.9, 1599);
    check_bravo_sample_size(0.36, 0.32, 0, 0, 0.9, 6067);
    check_bravo_sample_size(0.36, 0.32, 0, 0, 0.6, 2476);
    check_bravo_sample_size(0.52, 0.47, 0, 0, 0.9, 5657);
}
#[test]
fn bravo_sample_sizes_small_prob() {
    check_bravo_sample_size(0.4, 0.32, 0, 0, 0.4, 409);
}
#[test]
fn bravo_sample_sizes_round1_incomplete() {
    check_bravo_sample_size(0.52, 0.47, 2923, 2735, 0.9, 2636);
}
#[test]
fn bravo_sample_sizes_round1_finished() {
    check_bravo_sample_size(0.52, 0.47, 10000, 0, 0.9, 0);
}

#[test]
fn round1_risk_test1() {
    // sample {72, 47}: T = (1.2)^72 (0.8)^47, p ≈ 0.07 — confirmed at 10%
    let c = contest(1000, &[600, 400], 1);
    let r = c
        .risk(&sample(&[72, 47]), ALPHA)
        .unwrap_or_else(|e| panic!("{e}"));
    let want = 1.0 / (1.2f64.powi(72) * 0.8f64.powi(47));
    assert_eq!(r.pairs.len(), 1);
    assert!(((r.pairs[0].p_value - want) / want).abs() < 1e-9);
    assert!((r.pairs[0].p_value - 0.07).abs() < 0.01);
    assert!(r.confirmed);
}

#[test]
fn round1_risk_test6() {
    let c = contest(1000, &[300, 200, 200], 1);
    let r = c
        .risk(&sample(&[72, 48, 48]), ALPHA)
        .unwrap_or_else(|e| panic!("{e}"));
    let want = 1.0 / (1.2f64.powi(72) * 0.8f64.powi(48));
    for pair in &r.pairs {
        assert!(((pair.p_value - want) / want).abs() < 1e-9, "{pair:?}");
        assert!((pair.p_value - 0.08).abs() < 0.01);
    }
    assert!(r.confirmed);
}

#[test]
fn tie_needs_all_ballots() {
    let c = contest(1000, &[500, 500], 1);
    let got = c
        .sample_size_options(ALPHA, &BTreeMap::new())
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(got.all_ballots);
    let r = c
        .risk(&sample(&[501, 499]), ALPHA)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        r.confirmed && r.pairs[0].p_value == 0.0,
        "a full hand count confirms"
    );
}
