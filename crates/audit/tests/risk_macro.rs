//! MACRO batch comparison with PPEB (Stark 2008) on a hand-computed contest:
//! A 600, B 400 (V = 200) in 40 batches of 25 ballots reported 15–10, so
//! every batch has u_p = ((15 − 10) + 25)/200 = 0.15 and U = 6.

use canvass_audit::macro_batch::{BatchVotes, MacroContest};
use std::collections::BTreeMap;

fn batch(a: u64, b: u64, ballots: u64) -> BatchVotes {
    BatchVotes {
        votes: BTreeMap::from([("A".to_owned(), a), ("B".to_owned(), b)]),
        ballots,
    }
}

fn setup() -> (MacroContest, Vec<BatchVotes>) {
    let contest = MacroContest {
        winners: vec![("A".to_owned(), 600)],
        losers: vec![("B".to_owned(), 400)],
    };
    (contest, (0..40).map(|_| batch(15, 10, 25)).collect())
}

fn close(got: f64, want: f64) {
    assert!(
        ((got - want) / want).abs() < 1e-12,
        "got {got}, want {want}"
    );
}

#[test]
fn error_bounds_and_ppeb_weights() {
    let (c, reported) = setup();
    close(c.max_error(&reported[0]), 0.15);
    close(c.total_error_bound(&reported), 6.0);
    let w = c.ppeb_weights(&reported);
    close(w.iter().sum::<f64>(), 1.0);
    close(w[0], 1.0 / 40.0);
}

#[test]
fn clean_sample_size_and_risk() {
    let (c, reported) = setup();
    // ⌈ln 0.1 / ln(5/6)⌉ = 13
    assert_eq!(c.sample_size(&reported, 0.1), 13);
    let clean = batch(15, 10, 25);
    let draws: Vec<(usize, &BatchVotes)> = (0..13).map(|i| (i, &clean)).collect();
    let (p, confirmed) = c.risk(&reported, &draws, 0.1).unwrap_or((f64::NAN, false));
    close(p, (5.0f64 / 6.0).powi(13));
    assert!(confirmed);
    let (p12, confirmed12) = c
        .risk(&reported, &draws[..12], 0.1)
        .unwrap_or((f64::NAN, true));
    close(p12, (5.0f64 / 6.0).powi(12));
    assert!(!confirmed12);
}

#[test]
fn an_overstatement_taints_the_draw() {
    let (c, reported) = setup();
    // audited 14–11: e = ((15−10) − (14−11))/200 = 0.01, taint 0.01/0.15 = 1/15
    let tainted = batch(14, 11, 25);
    close(c.error(&reported[0], &tainted), 0.01);
    let clean = batch(15, 10, 25);
    let mut draws: Vec<(usize, &BatchVotes)> = vec![(0, &tainted)];
    draws.extend((1..13).map(|i| (i, &clean)));
    let (p, confirmed) = c.risk(&reported, &draws, 0.1).unwrap_or((f64::NAN, true));
    close(p, (5.0f64 / 6.0).powi(13) / (14.0 / 15.0));
    assert!(!confirmed);
    draws.push((13, &clean));
    let (p, confirmed) = c.risk(&reported, &draws, 0.1).unwrap_or((f64::NAN, false));
    close(p, (5.0f64 / 6.0).powi(14) / (14.0 / 15.0));
    assert!(confirmed);
}

#[test]
fn understatements_count_as_zero_and_a_full_taint_fails() {
    let (c, reported) = setup();
    assert_eq!(c.error(&reported[0], &batch(16, 9, 25)), 0.0);
    // every ballot in the batch for B: e = (5 − (0 − 25))/200 = 0.15 = u_p
    let worst = batch(0, 25, 25);
    assert_eq!(
        c.risk(&reported, &[(0, &worst)], 0.1).ok(),
        Some((1.0, false))
    );
    assert!(
        c.risk(&reported, &[(99, &worst)], 0.1).is_err(),
        "unknown batch index"
    );
}
