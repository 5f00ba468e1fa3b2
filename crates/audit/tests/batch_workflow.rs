//! Batch-comparison workflow (`workflow::batch`) against hand computations.

#![allow(clippy::unwrap_used, clippy::panic)]

use canvass_audit::workflow::ContestState;
use canvass_audit::workflow::batch::{
    BatchTarget, HandBook, TallyRow, build_batch_audit, error_bounds, evaluate_batches,
    first_batch_round, next_batch_round, plan_draws, ppeb_draws, ppeb_uniform,
};
use canvass_model::{BallotManifest, ManifestBatch};
use std::collections::BTreeSet;

fn manifest(batches: &[(&str, u64)]) -> BallotManifest {
    BallotManifest::new(
        batches
            .iter()
            .map(|(b, n)| ManifestBatch {
                tabulator: None,
                batch: (*b).to_owned(),
                cards: *n,
            })
            .collect(),
    )
    .unwrap()
}

fn row(n: u64, batch: &str, contest: &str, candidate: &str, votes: u64) -> TallyRow {
    TallyRow {
        file: "t.csv".into(),
        row: n,
        tabulator: None,
        batch: batch.into(),
        contest: contest.into(),
        candidate: candidate.into(),
        votes: votes.to_string(),
    }
}

/// b1: 100 ballots, A 60 B 40; b2 does not hold Mayor; b3: 100, A 50 B 50;
/// b4: 50, A 30 B 20. Totals A 140, B 110: margin V = 30.
fn example() -> (
    BallotManifest,
    Vec<TallyRow>,
    canvass_audit::workflow::batch::BatchAuditSpec,
    canvass_audit::workflow::batch::BatchTallies,
) {
    let m = manifest(&[("b1", 100), ("b2", 10), ("b3", 100), ("b4", 50)]);
    let rows = vec![
        row(2, "b1", "Mayor", "A", 60),
        row(3, "b1", "Mayor", "B", 40),
        row(4, "b3", "Mayor", "A", 50),
        row(5, "b3", "Mayor", "B", 50),
        row(6, "b4", "Mayor", "A", 30),
        row(7, "b4", "Mayor", "B", 20),
        row(8, "b2", "Other", "X", 3),
    ];
    let targets = [BatchTarget {
        name: "Mayor".into(),
        seats: 1,
    }];
    let (spec, tallies) = build_batch_audit(&m, &rows, &targets, 0.05).unwrap();
    (m, rows, spec, tallies)
}

#[test]
fn reported_outcome_and_error_bounds_by_hand() {
    let (_, _, spec, tallies) = example();
    let c = &spec.contests[0];
    assert_eq!(c.reported, vec![140, 110]);
    assert_eq!(c.winners, vec![0]);
    assert_eq!(c.batches, 3);
    assert_eq!(c.ballots, 250);
    // u_p = ((v_A − v_B) + b_p)/V: 120/30, 0 (not held), 100/30, 60/30.
    let u = error_bounds(&spec, &tallies, 0);
    let want = [4.0, 0.0, 100.0 / 30.0, 2.0];
    for (a, b) in u.iter().zip(want) {
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    }
    // U = 28/3: ⌈ln 0.05 / ln(1 − 3/28)⌉ = ⌈26.43⌉ = 27 ≥ 3 batches: full count.
    let plan = first_batch_round(&spec, &tallies);
    assert!(plan.contests[0].full_hand_count);
    assert_eq!(plan.contests[0].sample_size, 3);
}

#[test]
fn ppeb_uniforms_and_draws_match_an_independent_computation() {
    // Computed with Python's hashlib: int(sha256("seed,Mayor,k")[:8]) >> 11 / 2^53.
    assert_eq!(
        ppeb_uniform("12345678901234567890", "Mayor", 1),
        0.8582224167244998
    );
    assert_eq!(
        ppeb_uniform("12345678901234567890", "Mayor", 2),
        0.10907427007757953
    );
    let (_, _, spec, tallies) = example();
    let w = error_bounds(&spec, &tallies, 0);
    let draws = ppeb_draws("12345678901234567890", "Mayor", &w, 0, 10);
    let got: Vec<usize> = draws.iter().map(|d| d.batch).collect();
    // The same in Python: first batch whose normalised cumulative bound exceeds x.
    assert_eq!(got, vec![3, 0, 2, 2, 3, 0, 3, 2, 2, 0]);
    // With replacement, and later draws extend earlier ones.
    let later = ppeb_draws("12345678901234567890", "Mayor", &w, 4, 10);
    assert_eq!(later.first().map(|d| d.draw), Some(5));
    assert_eq!(
        later.iter().map(|d| d.batch).collect::<Vec<_>>(),
        got[4..].to_vec()
    );
    // b2 does not hold the contest: never drawn.
    assert!(!got.contains(&1));
}

#[test]
fn macro_risk_by_hand_and_escalation() {
    let (m, _, spec, tallies) = example();
    // A hand-made plan of two draws: b1 (clean) then b4 (A 25, B 25).
    let plan = canvass_audit::workflow::RoundPlan {
        round: 1,
        contests: vec![canvass_audit::workflow::RoundContest {
            contest: "Mayor".into(),
            sample_size: 2,
            full_hand_count: false,
        }],
    };
    use canvass_audit::workflow::batch::PpebDraw;
    let draws = vec![vec![
        PpebDraw {
            draw: 1,
            uniform: 0.1,
            batch: 0,
        },
        PpebDraw {
            draw: 2,
            uniform: 0.9,
            batch: 3,
        },
    ]];
    let drawn: BTreeSet<usize> = [0, 3].into_iter().collect();
    let hand = vec![
        row(2, "b1", "Mayor", "A", 60),
        row(3, "b1", "Mayor", "B", 40),
        row(4, "b4", "Mayor", "A", 25),
        row(5, "b4", "Mayor", "B", 25),
    ];
    let (book, new) = HandBook::default()
        .accept(&spec, &tallies, &m, &drawn, &hand)
        .unwrap();
    assert_eq!(new, 2);
    let st = evaluate_batches(&spec, &tallies, Some(&plan), &draws, &book);
    let s = &st[0];
    // e_4 = ((30−20) − (25−25))/30 = 1/3, u_4 = 2, taint 1/6;
    // P = (1 − 3/28)² / (1 − 1/6) = 375/392.
    assert!((s.risk - 375.0 / 392.0).abs() < 1e-12, "{}", s.risk);
    assert_eq!(s.recorded, 2);
    let d = s.discrepancies.iter().find(|d| d.batch == "b4").unwrap();
    assert_eq!(d.difference["A"], -5);
    assert_eq!(d.difference["B"], 5);
    assert_eq!(d.overstatement, 10);
    assert!((d.taint - 1.0 / 6.0).abs() < 1e-12);
    // Next: U' = 0 (b1 clean) + 100/30 (b3) + 1/3 (b4) = 11/3:
    // ⌈ln 0.05 / ln(1 − 3/11)⌉ = ⌈9.4⌉ = 10; 2 + 10 ≥ 3 batches: full count.
    match &s.state {
        ContestState::NextRound {
            size,
            full_hand_count,
        } => {
            assert_eq!(*size, 3);
            assert!(full_hand_count);
        }
        other => panic!("{other:?}"),
    }
    let next = next_batch_round(&plan, &st).unwrap();
    assert!(next.contests[0].full_hand_count);
    let all = plan_draws(&spec, &tallies, "s", &next);
    assert_eq!(
        all[0].iter().map(|d| d.batch).collect::<Vec<_>>(),
        vec![0, 2, 3]
    );
    // The full hand count: b3 on paper A 40, B 61, so A 60 + 40 + 25 = 125
    // and B 40 + 61 + 25 = 126: B is the corrected winner.
    let drawn: BTreeSet<usize> = [0, 2, 3].into_iter().collect();
    let (book, _) = book
        .accept(
            &spec,
            &tallies,
            &m,
            &drawn,
            &[
                row(2, "b3", "Mayor", "A", 40),
                row(3, "b3", "Mayor", "B", 61),
            ],
        )
        .unwrap();
    let st = evaluate_batches(&spec, &tallies, Some(&next), &all, &book);
    match &st[0].state {
        ContestState::HandCount(h) => {
            assert_eq!(h.tally["A"], 125);
            assert_eq!(h.tally["B"], 126);
            assert_eq!(h.winners, vec!["B".to_owned()]);
            assert!(h.outcome_changed);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(st[0].risk, 0.0);
}

#[test]
fn bad_rows_name_file_row_and_field() {
    let m = manifest(&[("b1", 10)]);
    let t = [BatchTarget {
        name: "Mayor".into(),
        seats: 1,
    }];
    let err = build_batch_audit(&m, &[row(2, "b9", "Mayor", "A", 1)], &t, 0.05).unwrap_err();
    assert!(
        err.to_string().starts_with("t.csv, row 2, field \"batch\""),
        "{err}"
    );
    let mut bad = row(3, "b1", "Mayor", "A", 1);
    bad.votes = "x".into();
    let err = build_batch_audit(&m, &[bad], &t, 0.05).unwrap_err();
    assert!(
        err.to_string().starts_with("t.csv, row 3, field \"votes\""),
        "{err}"
    );
    let err = build_batch_audit(
        &m,
        &[row(2, "b1", "Mayor", "A", 8), row(3, "b1", "Mayor", "B", 5)],
        &t,
        0.05,
    )
    .unwrap_err();
    assert!(err.to_string().contains("13 votes"), "{err}");
    // Hand tallies: a batch not drawn, an unknown candidate, a changed count.
    let (m, _, spec, tallies) = example();
    let drawn: BTreeSet<usize> = [0].into_iter().collect();
    let accept = |book: &HandBook, r: TallyRow| book.accept(&spec, &tallies, &m, &drawn, &[r]);
    let e = accept(&HandBook::default(), row(2, "b3", "Mayor", "A", 1)).unwrap_err();
    assert!(e.to_string().contains("not drawn"), "{e}");
    let e = accept(&HandBook::default(), row(2, "b1", "Mayor", "Zed", 1)).unwrap_err();
    assert!(e.to_string().contains("field \"candidate\""), "{e}");
    let (book, _) = accept(&HandBook::default(), row(2, "b1", "Mayor", "A", 1)).unwrap();
    let e = accept(&book, row(2, "b1", "Mayor", "A", 2)).unwrap_err();
    assert!(e.to_string().contains("already recorded"), "{e}");
}
