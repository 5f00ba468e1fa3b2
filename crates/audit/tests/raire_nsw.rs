//! RAIRE on the 33 NSW 2021 local government mayoral contests
//! (`../shared/data/raire-nsw2021`, raire-rs's published inputs and
//! outputs): same winner, overall difficulty within 0.001 of raire-rs's,
//! every assertion holds on the ballots, and together they rule out every
//! other winner (by the suffix tree, and by enumerating all elimination
//! orders for contests of at most 8 candidates). With MinimizeTree we
//! produce exactly raire-rs's assertion set for every contest.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code may panic

use canvass_audit::raire::{
    Assertion, AuditType, RaireProblem, RaireSolution, TrimAlgorithm, check_winner, json::Outcome,
    possible_winners_by_enumeration,
};
use std::path::{Path, PathBuf};
use std::time::Instant;

fn data_dir() -> Option<PathBuf> {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"))
        .join("raire-nsw2021");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: ../shared/data not found");
        None
    }
}

fn inputs(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "json")
                && !p.to_string_lossy().ends_with("_out.json")
        })
        .collect();
    files.sort();
    files
}

/// `SUMMARY.txt`: `name | … | winner=NAME | assertions=K (…) | difficulty=D | margin=M`.
fn summary(dir: &Path) -> Vec<(String, String, usize, f64, i64)> {
    let text = std::fs::read_to_string(dir.join("SUMMARY.txt")).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split(" | ").collect();
            let get = |key: &str| {
                fields
                    .iter()
                    .find_map(|f| f.strip_prefix(key))
                    .unwrap()
                    .to_owned()
            };
            let count = get("assertions=");
            let count = count.split(' ').next().unwrap().parse().unwrap();
            (
                fields[0].to_owned(),
                get("winner="),
                count,
                get("difficulty=").parse().unwrap(),
                get("margin=").parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn nsw2021_all_contests_match_raire_rs() {
    let Some(dir) = data_dir() else { return };
    let files = inputs(&dir);
    assert_eq!(files.len(), 33);
    let summary = summary(&dir);
    let mut total_seconds = 0.0;
    for file in &files {
        let name = file.file_stem().unwrap().to_string_lossy().into_owned();
        let problem = RaireProblem::from_json(&std::fs::read_to_string(file).unwrap()).unwrap();
        let out_path = dir.join(format!("{name}_out.json"));
        let expected =
            RaireSolution::from_json(&std::fs::read_to_string(&out_path).unwrap()).unwrap();
        let Outcome::Ok(expected) = expected.solution else {
            panic!("{name}: raire-rs output is an error")
        };
        let start = Instant::now();
        let result = problem.solve().unwrap_or_else(|e| panic!("{name}: {e}"));
        total_seconds += start.elapsed().as_secs_f64();

        assert_eq!(result.winner, expected.winner, "{name}: winner");
        assert!(
            (result.difficulty - expected.difficulty).abs() < 0.001,
            "{name}: difficulty {} vs raire-rs {}",
            result.difficulty,
            expected.difficulty
        );
        // against SUMMARY.txt too
        let (_, winner_name, count, difficulty, margin) = summary
            .iter()
            .find(|s| s.0 == name)
            .unwrap_or_else(|| panic!("{name} not in SUMMARY.txt"));
        let names = problem.candidate_names().unwrap();
        assert_eq!(&names[result.winner as usize], winner_name, "{name}");
        assert!(
            (result.difficulty - difficulty).abs() < 0.005 + 1e-9,
            "{name}"
        );
        assert_eq!(result.margin, *margin, "{name}: smallest margin");
        // MinimizeTree (raire-rs's default) keeps the same number
        assert_eq!(result.assertions.len(), *count, "{name}: assertion count");
        assert_eq!(result.assertions.len(), expected.assertions.len(), "{name}");
        let mut ours: Vec<&Assertion> = result.assertions.iter().map(|a| &a.assertion).collect();
        let mut theirs: Vec<&Assertion> =
            expected.assertions.iter().map(|a| &a.assertion).collect();
        ours.sort();
        theirs.sort();
        // and in fact the very same assertions
        assert_eq!(ours, theirs, "{name}: assertion set");

        let votes = problem.votes().unwrap();
        for a in &result.assertions {
            assert!(a.margin > 0, "{name}: {a:?} does not hold");
            assert_eq!(a.margin, a.assertion.margin(&votes), "{name}");
            let (w, l) = a.assertion.tallies(&votes);
            assert_eq!(a.difficulty, problem.audit.difficulty(w, l), "{name}");
            assert!(a.difficulty <= result.difficulty, "{name}");
        }
        let list: Vec<Assertion> = result
            .assertions
            .iter()
            .map(|a| a.assertion.clone())
            .collect();
        check_winner(&list, result.winner, result.num_candidates).unwrap();
        if result.num_candidates <= 8 {
            let winners = possible_winners_by_enumeration(&list, result.num_candidates).unwrap();
            assert_eq!(
                winners.into_iter().collect::<Vec<_>>(),
                vec![result.winner],
                "{name}"
            );
        }
        // raire-rs's own assertions pass our independent checks as well
        let theirs: Vec<Assertion> = expected
            .assertions
            .iter()
            .map(|a| a.assertion.clone())
            .collect();
        check_winner(&theirs, expected.winner, expected.num_candidates).unwrap();
        for a in &expected.assertions {
            assert_eq!(
                a.margin,
                a.assertion.margin(&votes),
                "{name}: raire-rs margin"
            );
        }
    }
    eprintln!("raire on 33 NSW 2021 contests: {total_seconds:.3} s total");
}

/// The other trims keep the difficulty and still prove the winner;
/// `MinimizeAssertions` never keeps more assertions than `MinimizeTree`,
/// and `None` never fewer.
#[test]
fn nsw2021_trims_keep_difficulty() {
    let Some(dir) = data_dir() else { return };
    let (mut none, mut tree, mut fewest) = (0, 0, 0);
    for file in inputs(&dir) {
        let name = file.file_stem().unwrap().to_string_lossy().into_owned();
        let mut problem =
            RaireProblem::from_json(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let mut results = Vec::new();
        for trim in [
            TrimAlgorithm::None,
            TrimAlgorithm::MinimizeTree,
            TrimAlgorithm::MinimizeAssertions,
        ] {
            problem.trim_algorithm = Some(trim);
            let r = problem.solve().unwrap();
            let list: Vec<Assertion> = r.assertions.iter().map(|a| a.assertion.clone()).collect();
            check_winner(&list, r.winner, r.num_candidates).unwrap();
            results.push(r);
        }
        for r in &results[1..] {
            assert_eq!(r.difficulty, results[0].difficulty, "{name}");
            assert_eq!(r.winner, results[0].winner, "{name}");
        }
        let counts: Vec<usize> = results.iter().map(|r| r.assertions.len()).collect();
        assert!(
            counts[0] >= counts[1] && counts[1] >= counts[2],
            "{name}: {counts:?}"
        );
        none += counts[0];
        tree += counts[1];
        fewest += counts[2];
    }
    eprintln!(
        "assertions over 33 contests: None {none}, MinimizeTree {tree}, MinimizeAssertions {fewest}"
    );
}

/// BRAVO (α = 5%) and MACRO (α = 5%, γ = 1.1) difficulties on the same
/// contests (raire-rs publishes no reference for these): same winner, every
/// assertion holds, the winner is proved, and the audit difficulty is the
/// hardest assertion's.
#[test]
fn nsw2021_bravo_and_macro_prove_the_winner() {
    let Some(dir) = data_dir() else { return };
    for file in inputs(&dir) {
        let name = file.file_stem().unwrap().to_string_lossy().into_owned();
        let mut problem =
            RaireProblem::from_json(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let n = problem.audit.total_auditable_ballots();
        let reference = problem.solve().unwrap();
        for audit in [
            AuditType::Bravo {
                confidence: 0.05,
                total_auditable_ballots: n,
            },
            AuditType::Macro {
                confidence: 0.05,
                error_inflation_factor: 1.1,
                total_auditable_ballots: n,
            },
        ] {
            problem.audit = audit;
            let r = problem.solve().unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(r.winner, reference.winner, "{name}");
            let list: Vec<Assertion> = r.assertions.iter().map(|a| a.assertion.clone()).collect();
            check_winner(&list, r.winner, r.num_candidates).unwrap();
            assert!(r.assertions.iter().all(|a| a.margin > 0), "{name}");
            let hardest = r
                .assertions
                .iter()
                .map(|a| a.difficulty)
                .fold(0.0, f64::max);
            assert_eq!(hardest, r.difficulty, "{name}");
            if let AuditType::Macro { .. } = audit {
                // MACRO is OneOnMargin scaled by −ln(α)·2γ: same search
                let scale = -(0.05f64.ln()) * 2.0 * 1.1;
                assert!(
                    (r.difficulty - scale * reference.difficulty).abs() < 1e-9 * r.difficulty,
                    "{name}"
                );
            }
        }
    }
}
