//! RAIRE published numbers (`PUBLISHED.md` §8): "A guide to RAIRE" example
//! and the RAIRE paper's Table 1 (Blom, Stuckey & Teague 2019).
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code may panic

use canvass_audit::raire::{
    Assertion, AuditType, RaireProblem, RankedVote, TrimAlgorithm, Votes, bravo_asn, check_winner,
    possible_winners_by_enumeration, raire,
};

fn votes(list: &[(u64, &[u32])], n: usize) -> Votes {
    Votes::new(
        list.iter()
            .map(|&(n, p)| RankedVote {
                n,
                prefs: p.to_vec(),
            })
            .collect(),
        n,
    )
    .unwrap()
}

// A=0, B=1, C=2, D=3
fn guide() -> Votes {
    votes(
        &[
            (5000, &[2, 1, 0]),
            (1000, &[1, 2, 3]),
            (1500, &[3, 0]),
            (4000, &[0, 3]),
            (2000, &[3]),
        ],
        4,
    )
}

const GUIDE_AUDIT: AuditType = AuditType::OneOnMargin {
    total_auditable_ballots: 13500,
};

fn close(actual: f64, expected: f64, tol: f64) {
    assert!(
        (actual - expected).abs() < tol,
        "expected {expected} ± {tol}, got {actual}"
    );
}

#[test]
fn guide_first_preferences_and_elimination_order() {
    let v = guide();
    let fp: Vec<u64> = (0..4).map(|c| v.first_preferences(c)).collect();
    assert_eq!(fp, vec![4000, 1000, 5000, 3500]);
    let irv = v.run_irv().unwrap();
    assert_eq!(irv.possible_winners, vec![2]);
    assert_eq!(irv.elimination_order, vec![1, 3, 0, 2]);
}

#[test]
fn guide_neb_c_beats_b() {
    let v = guide();
    let a = Assertion::NotEliminatedBefore {
        winner: 2,
        loser: 1,
    };
    let (w, l) = a.tallies(&v);
    close(GUIDE_AUDIT.difficulty(w, l), 3.375, 1e-12);
    assert_eq!(a.margin(&v), 4000);
}

fn check_guide(trim: TrimAlgorithm, expected_count: usize) {
    let v = guide();
    let r = raire(&v, Some(2), &GUIDE_AUDIT, trim).unwrap();
    assert_eq!(r.winner, 2);
    close(r.difficulty, 27.0, 1e-9);
    assert_eq!(r.assertions.len(), expected_count, "{:#?}", r.assertions);
    let list: Vec<Assertion> = r.assertions.iter().map(|a| a.assertion.clone()).collect();
    check_winner(&list, 2, 4).unwrap();
    assert_eq!(
        possible_winners_by_enumeration(&list, 4)
            .unwrap()
            .into_iter()
            .collect::<Vec<_>>(),
        vec![2]
    );
    for a in &r.assertions {
        assert!(a.margin > 0);
        assert_eq!(a.margin, a.assertion.margin(&v));
    }
}

#[test]
fn guide_minimize_assertions_difficulty_27_and_5_assertions() {
    check_guide(TrimAlgorithm::MinimizeAssertions, 5);
}

#[test]
fn guide_minimize_tree_and_none_keep_difficulty_27() {
    // raire-rs's documentation of the guide example: the untrimmed list is
    // six assertions, and MinimizeTree keeps all six
    check_guide(TrimAlgorithm::MinimizeTree, 6);
    check_guide(TrimAlgorithm::None, 6);
}

#[test]
fn guide_from_json_with_wrong_winner_is_refused() {
    let json = r#"{"metadata":{"candidates":["Alice","Bob","Chuan","Diego"]},
      "num_candidates":4,
      "votes":[{"n":5000,"prefs":[2,1,0]},{"n":1000,"prefs":[1,2,3]},
               {"n":1500,"prefs":[3,0]},{"n":4000,"prefs":[0,3]},{"n":2000,"prefs":[3]}],
      "winner":0,
      "audit":{"type":"Margin","total_auditable_ballots":13500}}"#;
    let p = RaireProblem::from_json(json).unwrap();
    assert!(p.solve().is_err());
    let good = json.replace("\"winner\":0", "\"winner\":2");
    let r = RaireProblem::from_json(&good).unwrap().solve().unwrap();
    close(r.difficulty, 27.0, 1e-9);
}

// Table 1: c1=0, c2=1, c3=2, c4=3
fn table1() -> Votes {
    votes(
        &[
            (4000, &[1, 2]),
            (20000, &[0]),
            (9000, &[2, 3]),
            (6000, &[1, 2, 3]),
            (15000, &[3, 0, 1]),
            (6000, &[0, 2]),
        ],
        4,
    )
}

const BRAVO: AuditType = AuditType::Bravo {
    confidence: 0.05,
    total_auditable_ballots: 60000,
};
const MACRO: AuditType = AuditType::Macro {
    confidence: 0.05,
    error_inflation_factor: 1.1,
    total_auditable_ballots: 60000,
};

fn exclusion(audit: &AuditType, continuing: &[u32], loser: u32) -> f64 {
    let v = table1();
    let set = continuing.iter().fold(0u64, |s, &c| s | (1 << c));
    audit.elimination_difficulty(&v.restricted_tallies(set), continuing, &[loser])
}

#[test]
fn paper_table1_count() {
    let v = table1();
    assert_eq!(v.total(), 60000);
    let irv = v.run_irv().unwrap();
    assert_eq!(irv.possible_winners, vec![3]);
    assert_eq!(irv.elimination_order, vec![2, 1, 0, 3]);
}

#[test]
fn paper_example2_bravo_c3_eliminated_first() {
    close(exclusion(&BRAVO, &[0, 1, 2, 3], 2), 6885.0, 1.0);
}

#[test]
fn paper_example3_macro_c3_eliminated_first() {
    close(exclusion(&MACRO, &[0, 1, 2, 3], 2), 395.4, 0.1);
}

#[test]
fn paper_example4_bravo_exclusions() {
    close(exclusion(&BRAVO, &[0, 1, 2, 3], 2), 6885.0, 1.0);
    close(exclusion(&BRAVO, &[0, 1, 3], 1), 64.0, 0.1);
    close(exclusion(&BRAVO, &[0, 3], 0), 1271.6, 0.1);
    // over the 56,000 ballots still active with {c1, c4} (raire-rs's 1186)
    close(bravo_asn(0.05, 30000, 26000, 56000), 1186.0, 1.0);
}

#[test]
fn paper_example6_macro_exclusions() {
    close(exclusion(&MACRO, &[0, 1, 3], 1), 28.2, 0.1);
    close(exclusion(&MACRO, &[0, 3], 0), 98.9, 0.1);
}

#[test]
fn paper_table1_raire_finds_assertions_for_c4() {
    for audit in [
        BRAVO,
        MACRO,
        AuditType::OneOnMargin {
            total_auditable_ballots: 60000,
        },
    ] {
        let v = table1();
        let r = raire(&v, Some(3), &audit, TrimAlgorithm::MinimizeTree).unwrap();
        let list: Vec<Assertion> = r.assertions.iter().map(|a| a.assertion.clone()).collect();
        assert_eq!(
            possible_winners_by_enumeration(&list, 4)
                .unwrap()
                .into_iter()
                .collect::<Vec<_>>(),
            vec![3]
        );
        let hardest = r
            .assertions
            .iter()
            .map(|a| a.difficulty)
            .fold(0.0, f64::max);
        close(hardest, r.difficulty, 1e-9);
    }
}

#[test]
fn tied_contest_is_refused() {
    let v = votes(&[(10, &[0]), (10, &[1])], 2);
    assert!(raire(&v, None, &GUIDE_AUDIT, TrimAlgorithm::MinimizeTree).is_err());
}

#[test]
fn bravo_difficulty_with_no_loser_votes_is_finite() {
    // BRAVO ASN as ℓ → 0: (ln(1/α) + ln 2/2) / (p_w ln 2)
    let d = BRAVO.difficulty(6000, 0);
    let expected = ((1.0f64 / 0.05).ln() + 2f64.ln() / 2.0) / (0.1 * 2f64.ln());
    close(d, expected, 1e-9);
    assert!(BRAVO.difficulty(6000, 1) > d);
}

// RAIRE paper example 5 (5 candidates, 21,999 ballots) and example 9.
fn example5() -> Votes {
    votes(
        &[
            (10000, &[0]),
            (6000, &[1]),
            (3000, &[2, 1]),
            (2000, &[2, 0]),
            (500, &[3]),
            (499, &[4]),
        ],
        5,
    )
}

fn example9() -> Votes {
    votes(
        &[(10000, &[0, 1, 2]), (6000, &[1, 0, 2]), (5999, &[2, 0, 1])],
        3,
    )
}

const BRAVO_21999: AuditType = AuditType::Bravo {
    confidence: 0.05,
    total_auditable_ballots: 21999,
};
const MACRO_21999: AuditType = AuditType::Macro {
    confidence: 0.05,
    error_inflation_factor: 1.1,
    total_auditable_ballots: 21999,
};

fn group_exclusion(v: &Votes, audit: &AuditType, continuing: &[u32], losers: &[u32]) -> f64 {
    let set = continuing.iter().fold(0u64, |s, &c| s | (1 << c));
    audit.elimination_difficulty(&v.restricted_tallies(set), continuing, losers)
}

#[test]
fn paper_example7_bravo_group_exclusions() {
    let v = example5();
    close(
        group_exclusion(&v, &BRAVO_21999, &[0, 1, 2, 3, 4], &[3, 4]),
        49.1,
        0.1,
    );
    // the paper's 1402 takes shares of the 21,000 ballots still active
    // with {c1, c2, c3} continuing (999 exhausted); over all 21,999 it is 1468.9
    close(
        group_exclusion(&v, &BRAVO_21999, &[0, 1, 2], &[2]),
        1468.9,
        0.1,
    );
    let t = v.restricted_tallies(0b111);
    close(
        bravo_asn(0.05, t[0].min(t[1]), t[2], t.iter().sum()),
        1402.0,
        1.0,
    );
}

#[test]
fn paper_example8_macro_group_exclusions() {
    let v = example5();
    close(
        group_exclusion(&v, &MACRO_21999, &[0, 1, 2, 3, 4], &[3, 4]),
        36.2,
        0.1,
    );
    close(
        group_exclusion(&v, &MACRO_21999, &[0, 1, 2], &[2]),
        145.0,
        1.0,
    );
    close(group_exclusion(&v, &MACRO_21999, &[0, 1], &[1]), 48.3, 0.1);
}

fn neb(v: &Votes, audit: &AuditType, winner: u32, loser: u32) -> f64 {
    let (w, l) = Assertion::NotEliminatedBefore { winner, loser }.tallies(v);
    audit.difficulty(w, l)
}

#[test]
fn paper_example10_bravo_neb() {
    // the paper takes the shares over the w + ℓ ballots of the comparison
    let v = example9();
    for (loser, expected) in [(1, 98.4), (2, 98.3)] {
        let (w, l) = Assertion::NotEliminatedBefore { winner: 0, loser }.tallies(&v);
        close(bravo_asn(0.05, w, l, w + l), expected, 0.1);
        // over all 21,999 ballots (AuditType::Bravo, as raire-rs) it is larger
        assert!(neb(&v, &BRAVO_21999, 0, loser) > expected);
    }
}

#[test]
fn paper_example11_macro_neb() {
    let v = example9();
    assert_eq!(v.total(), 21999);
    close(neb(&v, &MACRO_21999, 0, 1), 36.2, 0.1);
    close(neb(&v, &MACRO_21999, 0, 2), 36.2, 0.1);
}
