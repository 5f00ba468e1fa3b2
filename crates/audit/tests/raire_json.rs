//! raire-rs's JSON formats: our output has raire-rs's shape, and bad or
//! hostile input is refused with an error, never a panic or a hang.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code may panic

use canvass_audit::raire::{
    AuditType, RaireError, RaireProblem, RaireSolution, RankedVote, TrimAlgorithm, Votes,
    json::Outcome, raire_with_limit,
};
use proptest::prelude::*;

const GUIDE: &str = r#"{"metadata":{"candidates":["Alice","Bob","Chuan","Diego"]},
  "num_candidates":4,
  "votes":[{"n":5000,"prefs":[2,1,0]},{"n":1000,"prefs":[1,2,3]},
           {"n":1500,"prefs":[3,0]},{"n":4000,"prefs":[0,3]},{"n":2000,"prefs":[3]}],
  "winner":2,
  "audit":{"type":"OneOnMargin","total_auditable_ballots":13500},
  "trim_algorithm":"MinimizeAssertions"}"#;

#[test]
fn guide_output_has_raire_rs_shape() {
    let solution = RaireProblem::from_json(GUIDE).unwrap().solution();
    let value = serde_json::to_value(&solution).unwrap();
    let ok = &value["solution"]["Ok"];
    assert_eq!(ok["winner"], 2);
    assert_eq!(ok["num_candidates"], 4);
    assert_eq!(ok["difficulty"], 27.0);
    assert_eq!(ok["assertions"].as_array().unwrap().len(), 5);
    let first = &ok["assertions"][0];
    assert_eq!(
        first["assertion"],
        serde_json::json!({"type":"NEB","winner":2,"loser":1})
    );
    assert_eq!(first["difficulty"], 3.375);
    assert_eq!(first["margin"], 4000);
    let nen = ok["assertions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["assertion"]["type"] == "NEN")
        .unwrap();
    assert!(nen["assertion"]["continuing"].is_array());
    assert_eq!(value["metadata"]["candidates"][2], "Chuan");
    // it reads back, as raire-rs's `*_out.json` files do
    let text = serde_json::to_string(&solution).unwrap();
    assert_eq!(RaireSolution::from_json(&text).unwrap(), solution);
}

#[test]
fn audit_type_spellings() {
    for (json, expected) in [
        (
            r#"{"type":"Margin","total_auditable_ballots":10}"#,
            AuditType::OneOnMargin {
                total_auditable_ballots: 10,
            },
        ),
        (
            r#"{"type":"MarginSq","total_auditable_ballots":10}"#,
            AuditType::OneOnMarginSq {
                total_auditable_ballots: 10,
            },
        ),
        (
            r#"{"type":"BRAVO","confidence":0.05,"total_auditable_ballots":10}"#,
            AuditType::Bravo {
                confidence: 0.05,
                total_auditable_ballots: 10,
            },
        ),
        (
            r#"{"type":"MACRO","confidence":0.05,"error_inflation_factor":1.1,"total_auditable_ballots":10}"#,
            AuditType::Macro {
                confidence: 0.05,
                error_inflation_factor: 1.1,
                total_auditable_ballots: 10,
            },
        ),
    ] {
        assert_eq!(serde_json::from_str::<AuditType>(json).unwrap(), expected);
    }
}

fn problem_error(json: &str) -> String {
    match RaireProblem::from_json(json).and_then(|p| p.solve()) {
        Ok(r) => panic!("accepted {json}: {r:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn bad_input_is_refused_with_a_message() {
    let base = |votes: &str, extra: &str| {
        format!(
            r#"{{"num_candidates":3,"votes":{votes},"audit":{{"type":"OneOnMargin","total_auditable_ballots":10}}{extra}}}"#
        )
    };
    let e = problem_error(&base(r#"[{"n":3,"prefs":[0,5]}]"#, ""));
    assert!(e.contains("votes[0].prefs: candidate 5"), "{e}");
    let e = problem_error(&base(r#"[{"n":3,"prefs":[1,1]}]"#, ""));
    assert!(e.contains("ranked twice"), "{e}");
    let e = problem_error(&base(
        r#"[{"n":3,"prefs":[0]},{"n":1,"prefs":[1]}]"#,
        r#","winner":1"#,
    ));
    assert!(e.contains("does not win"), "{e}");
    let e = problem_error(&base(r#"[{"n":3,"prefs":[0]}]"#, r#","winner":7"#));
    assert!(e.contains("not a candidate index"), "{e}");
    let e = problem_error(&base(r#"[{"n":3,"prefs":[0]},{"n":3,"prefs":[1]}]"#, ""));
    assert!(e.contains("tied"), "{e}");
    let e = problem_error(r#"{"num_candidates":3,"votes":[]}"#);
    assert!(e.contains("line 1"), "{e}");
    let e = problem_error(
        r#"{"num_candidates":65,"votes":[],"audit":{"type":"OneOnMargin","total_auditable_ballots":1}}"#,
    );
    assert!(e.contains("65 candidates"), "{e}");
    for audit in [
        r#"{"type":"BRAVO","confidence":0,"total_auditable_ballots":10}"#,
        r#"{"type":"MACRO","confidence":0.05,"error_inflation_factor":0.5,"total_auditable_ballots":10}"#,
        r#"{"type":"OneOnMargin","total_auditable_ballots":0}"#,
    ] {
        let json =
            format!(r#"{{"num_candidates":2,"votes":[{{"n":3,"prefs":[0]}}],"audit":{audit}}}"#);
        let e = problem_error(&json);
        assert!(e.contains("out of range"), "{e}");
    }
}

#[test]
fn forty_candidates_all_tied_is_refused_quickly() {
    let votes = Votes::new(vec![], 40).unwrap();
    assert!(matches!(votes.run_irv(), Err(RaireError::WorkLimit { .. })));
}

#[test]
fn work_limit_stops_a_large_search() {
    // 12 candidates, a clear winner but close losers: the search is large
    let n = 12u32;
    let mut list = vec![RankedVote {
        n: 1000,
        prefs: vec![0],
    }];
    for c in 1..n {
        list.push(RankedVote {
            n: 500 + u64::from(c),
            prefs: vec![c, (c % (n - 1)) + 1],
        });
    }
    let votes = Votes::new(list, n as usize).unwrap();
    let audit = AuditType::OneOnMargin {
        total_auditable_ballots: votes.total(),
    };
    let r = raire_with_limit(&votes, None, &audit, TrimAlgorithm::MinimizeTree, 1000);
    assert!(matches!(r, Err(RaireError::WorkLimit { .. })), "{r:?}");
}

#[test]
fn huge_counts_do_not_overflow() {
    let json = r#"{"num_candidates":2,"votes":[{"n":18446744073709551615,"prefs":[0]},
      {"n":18446744073709551615,"prefs":[0,1]},{"n":5,"prefs":[1]}],
      "audit":{"type":"OneOnMargin","total_auditable_ballots":18446744073709551615}}"#;
    let s = RaireProblem::from_json(json).unwrap().solution();
    assert!(matches!(s.solution, Outcome::Ok(_) | Outcome::Err(_)));
}

proptest! {
    #[test]
    fn random_text_never_panics(text in "\\PC{0,200}") {
        let _ = RaireProblem::from_json(&text).map(|p| p.solution());
    }

    #[test]
    fn random_json_problems_never_panic(
        n in 0usize..8,
        votes in prop::collection::vec((0u64..50, prop::collection::vec(0u32..10, 0..6)), 0..8),
        winner in prop::option::of(0u32..10),
        trim in 0usize..3,
    ) {
        let votes: Vec<_> = votes.into_iter().map(|(n, prefs)| serde_json::json!({"n": n, "prefs": prefs})).collect();
        let trim = ["None", "MinimizeTree", "MinimizeAssertions"][trim];
        let mut p = serde_json::json!({"num_candidates": n, "votes": votes,
            "audit": {"type": "OneOnMargin", "total_auditable_ballots": 100}, "trim_algorithm": trim});
        if let Some(w) = winner { p["winner"] = serde_json::json!(w); }
        let _ = RaireProblem::from_json(&p.to_string()).map(|p| p.solution());
    }
}

#[test]
fn many_close_candidates_end_within_the_work_limit() {
    // 30 candidates with nearly equal support over 3,000 distinct rankings:
    // the search gives up with WorkLimit (or succeeds) instead of running on
    let n = 30u32;
    let mut list = Vec::new();
    let mut x: u64 = 12345;
    for i in 0..3000u64 {
        let mut prefs: Vec<u32> = (0..n).collect();
        for k in (1..prefs.len()).rev() {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            prefs.swap(k, (x >> 33) as usize % (k + 1));
        }
        prefs.truncate(5);
        list.push(RankedVote {
            n: 10 + i % 7,
            prefs,
        });
    }
    list.push(RankedVote {
        n: 400,
        prefs: vec![0],
    });
    let votes = Votes::new(list, n as usize).unwrap();
    let audit = AuditType::OneOnMargin {
        total_auditable_ballots: votes.total(),
    };
    let start = std::time::Instant::now();
    let r = raire_with_limit(&votes, None, &audit, TrimAlgorithm::MinimizeTree, 100_000);
    eprintln!(
        "30 candidates: {:?} in {:?}",
        r.as_ref().err(),
        start.elapsed()
    );
    assert!(
        r.is_ok()
            || matches!(
                r,
                Err(RaireError::WorkLimit { .. } | RaireError::CouldNotRuleOut { .. })
            )
    );
}
