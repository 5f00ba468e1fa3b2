//! SHANGRLA assorters of RAIRE assertions over model cards
//! (`PUBLISHED.md` §4d: SHANGRLA `tests/core/test_Assertion.py`
//! `test_rcv_assorter`, contests 334 and 361 from `334_361_vbm.json`).
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code may panic

use canvass_audit::assorter::{Audited, Reported};
use canvass_audit::raire::{
    Assertion, AuditType, TrimAlgorithm, Votes, assorters, irv::ranking, raire,
};
use canvass_model::{CandidateId, Card, CardId, Choice, ContestId, ContestVotes, Mark};

const CONTEST: ContestId = ContestId(0);

/// A card ranking `names` (rank 1 first); candidate `names[i]` is looked
/// up in `ids` to get its index.
fn card(ids: &[&str], ranked: &[&str]) -> Card {
    let marks = ranked
        .iter()
        .enumerate()
        .map(|(r, name)| {
            let i = ids.iter().position(|x| x == name).unwrap() as u32;
            Mark::ranked(r as u32 + 1, Choice::Candidate(CandidateId(i)))
        })
        .collect();
    let mut c = Card::new(CardId::new("c"));
    c.contests.push(ContestVotes::new(CONTEST, marks));
    c
}

fn idx(ids: &[&str], name: &str) -> u32 {
    ids.iter().position(|x| *x == name).unwrap() as u32
}

fn check(ids: &[&str], assertion: Assertion, cases: &[(&[&str], f64)]) {
    let candidates: Vec<CandidateId> = (0..ids.len() as u32).map(CandidateId).collect();
    let assorter = assertion.assorter(CONTEST, &candidates).unwrap();
    for (ranked, expected) in cases {
        assert_eq!(
            assorter.assort_card(&card(ids, ranked)),
            *expected,
            "{assertion:?} on {ranked:?}"
        );
    }
}

const C334: &[&str] = &["1", "3", "5", "6", "47"];
const C361: &[&str] = &["26", "27", "28", "50"];

#[test]
fn shangrla_334_neb_5_v_47() {
    let a = Assertion::NotEliminatedBefore {
        winner: idx(C334, "5"),
        loser: idx(C334, "47"),
    };
    check(
        C334,
        a,
        &[
            (&["5", "47"], 1.0),
            (&["47", "5"], 0.0),
            (&["3", "6"], 0.5),
            (&["3", "47"], 0.0),
            (&["3", "5"], 0.5),
        ],
    );
}

#[test]
fn shangrla_334_nen_5_v_3_elim_1_6_47() {
    let a = Assertion::nen(
        idx(C334, "5"),
        idx(C334, "3"),
        vec![idx(C334, "5"), idx(C334, "3")],
    );
    check(
        C334,
        a,
        &[
            (&["5", "47"], 1.0),
            (&["47", "5"], 1.0),
            (&["6", "1", "3", "5"], 0.0),
            (&["3", "47"], 0.0),
            (&[], 0.5),
            (&["6", "47"], 0.5),
            (&["6", "47", "5"], 1.0),
        ],
    );
}

#[test]
fn shangrla_361_neb_28_v_50() {
    let a = Assertion::NotEliminatedBefore {
        winner: idx(C361, "28"),
        loser: idx(C361, "50"),
    };
    check(
        C361,
        a,
        &[
            (&["28", "50"], 1.0),
            (&["28"], 1.0),
            (&["50"], 0.0),
            (&["27", "28"], 0.5),
            (&["50", "28"], 0.0),
            (&["27", "26"], 0.5),
            (&[], 0.5),
        ],
    );
}

#[test]
fn shangrla_361_nen_27_v_26_elim_28_50() {
    let a = Assertion::nen(
        idx(C361, "27"),
        idx(C361, "26"),
        vec![idx(C361, "27"), idx(C361, "26")],
    );
    check(
        C361,
        a,
        &[
            (&["27"], 1.0),
            (&["50", "27"], 1.0),
            (&["28", "50", "27"], 1.0),
            (&["28", "27", "50"], 1.0),
            (&["26"], 0.0),
            (&["50", "26"], 0.0),
            (&["28", "50", "26"], 0.0),
            (&["28", "26", "50"], 0.0),
            (&["50"], 0.5),
            (&[], 0.5),
            (&["50", "28"], 0.5),
            (&["28", "50"], 0.5),
        ],
    );
}

#[test]
fn overvote_exhausts_and_repeats_are_skipped() {
    let c = |r, i| Mark::ranked(r, Choice::Candidate(CandidateId(i)));
    let cv = ContestVotes::new(
        CONTEST,
        vec![c(1, 2), c(2, 2), c(3, 0), c(4, 1), c(4, 3), c(5, 4)],
    );
    assert_eq!(ranking(&cv), vec![2, 0]);
    let cv = ContestVotes::new(
        CONTEST,
        vec![c(1, 1), Mark::ranked(2, Choice::Overvote), c(3, 0)],
    );
    assert_eq!(ranking(&cv), vec![1]);
    let cv = ContestVotes::new(CONTEST, vec![c(2, 3), c(5, 1)]);
    assert_eq!(ranking(&cv), vec![3, 1]);
}

/// The guide example as 13,500 cards: the assorter mean over the cards is
/// `(1 + margin/N)/2` for every assertion RAIRE returns, and aggregating
/// the cards gives the same votes.
#[test]
fn guide_cards_assorter_means_match_margins() {
    let names = ["A", "B", "C", "D"];
    let groups: [(usize, &[&str]); 5] = [
        (5000, &["C", "B", "A"]),
        (1000, &["B", "C", "D"]),
        (1500, &["D", "A"]),
        (4000, &["A", "D"]),
        (2000, &["D"]),
    ];
    let mut cards = Vec::new();
    for (n, ranked) in groups {
        for _ in 0..n {
            cards.push(card(&names, ranked));
        }
    }
    let votes = Votes::from_cards(CONTEST, 4, &cards).unwrap();
    assert_eq!(votes.total(), 13500);
    assert_eq!(votes.votes().len(), 5);
    // a card ranking a candidate the contest does not have is refused
    assert!(Votes::from_cards(CONTEST, 3, &cards).is_err());
    // a card without the contest is not counted
    let mut with_other = cards.clone();
    with_other.push(Card::new(CardId::new("x")));
    assert_eq!(Votes::from_cards(CONTEST, 4, &with_other).unwrap(), votes);
    let audit = AuditType::OneOnMargin {
        total_auditable_ballots: 13500,
    };
    let result = raire(&votes, Some(2), &audit, TrimAlgorithm::MinimizeAssertions).unwrap();
    assert!((result.difficulty - 27.0).abs() < 1e-9);
    let candidates: Vec<CandidateId> = (0..4).map(CandidateId).collect();
    let audits = assorters(&result, CONTEST, &candidates, cards.len() as u64).unwrap();
    assert_eq!(audits.len(), 5);
    for a in &audits {
        let mean: f64 =
            cards.iter().map(|c| a.assorter.assort_card(c)).sum::<f64>() / cards.len() as f64;
        assert!(
            (mean - (1.0 + a.assorter_margin) / 2.0).abs() < 1e-12,
            "{:?}: mean {mean}, margin {}",
            a.assertion,
            a.assorter_margin
        );
        assert!(mean > 0.5);
        // no-error comparison value is 1/(2 − v)
        let m = a.assorter_margin;
        let c = &cards[0];
        let v = a
            .assorter
            .comparison_value(m, Reported::Cvr(c), Audited::Card(c), true)
            .unwrap();
        assert!((v - 1.0 / (2.0 - m)).abs() < 1e-12);
        // a lost card is the worst case: ω = A(c)
        let lost = a
            .assorter
            .comparison_value(m, Reported::Cvr(c), Audited::NotFound, true)
            .unwrap();
        let expected = (1.0 - a.assorter.assort_card(c)) / (2.0 - m);
        assert!((lost - expected).abs() < 1e-12);
        // a phantom CVR (1/2) against the card
        let phantom = a
            .assorter
            .overstatement(Reported::Phantom, Audited::Card(c), true)
            .unwrap();
        assert!((phantom - (0.5 - a.assorter.assort_card(c))).abs() < 1e-12);
        // with card-style data a CVR without the contest is not a sample
        let other = Card::new(CardId::new("no-contest"));
        assert!(
            a.assorter
                .overstatement(Reported::Cvr(&other), Audited::Card(&other), true)
                .is_err()
        );
        assert_eq!(
            a.assorter
                .overstatement(Reported::Cvr(&other), Audited::Card(&other), false)
                .unwrap(),
            0.0
        );
    }
}

/// End to end: each assertion of the guide example audited by ALPHA on its
/// comparison assorter with no discrepancies. Every assertion is confirmed
/// at α = 5%, and an assertion that is harder by RAIRE's difficulty never
/// needs fewer draws.
#[test]
fn guide_assertions_confirm_with_alpha_in_difficulty_order() {
    use canvass_audit::nonneg_mean::{
        Estimator, NonnegMean, Population, RiskFunction, ShrinkTrunc,
    };
    let v = |n, prefs: &[u32]| canvass_audit::raire::RankedVote {
        n,
        prefs: prefs.to_vec(),
    };
    let votes = Votes::new(
        vec![
            v(5000, &[2, 1, 0]),
            v(1000, &[1, 2, 3]),
            v(1500, &[3, 0]),
            v(4000, &[0, 3]),
            v(2000, &[3]),
        ],
        4,
    )
    .unwrap();
    let audit = AuditType::OneOnMargin {
        total_auditable_ballots: 13500,
    };
    let result = raire(&votes, Some(2), &audit, TrimAlgorithm::MinimizeTree).unwrap();
    let mut needed: Vec<(f64, usize)> = Vec::new();
    for a in &result.assertions {
        let v = a.margin as f64 / 13500.0;
        let upper = 2.0 / (2.0 - v); // overstatement assorter bound, u = 1
        let no_error = 1.0 / (2.0 - v);
        let test = NonnegMean::new(
            Population {
                upper,
                size: Some(13500),
                null_mean: 0.5,
            },
            RiskFunction::Alpha(Estimator::ShrinkTrunc(ShrinkTrunc::defaults(upper))),
        );
        let m = test.test(&vec![no_error; 2000]).unwrap();
        let n = m.p_history.iter().position(|&p| p <= 0.05).unwrap() + 1;
        needed.push((a.difficulty, n));
    }
    needed.sort_by(|x, y| x.0.total_cmp(&y.0));
    for pair in needed.windows(2) {
        assert!(pair[0].1 <= pair[1].1, "{needed:?}");
    }
    // the hardest assertion (difficulty 27, diluted margin 1/27) needs most
    let (d, n) = *needed.last().unwrap();
    assert!((d - 27.0).abs() < 1e-9);
    assert!(n > needed[0].1, "{needed:?}");
    eprintln!("draws to confirm at 5%, by difficulty: {needed:?}");
}
