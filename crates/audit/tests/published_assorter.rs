//! SHANGRLA `tests/core/test_Assertion.py` assorter values (PUBLISHED.md
//! §4d) and the ONEAudit Kalamazoo example (§4e).
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code may panic

use canvass_audit::RiskError;
use canvass_audit::assorter::{
    Assorter, Audited, ComparisonAssorter, Reported, margin_from_mean,
    overstatement_assorter_margin, overstatement_assorter_mean, overstatement_upper_bound,
    plurality_mean,
};
use canvass_model::{CandidateId, Card, CardId, Choice, ContestId, ContestVotes, Fraction, Mark};

const CONTEST: ContestId = ContestId(0);
const OTHER_CONTEST: ContestId = ContestId(1);
const ALICE: CandidateId = CandidateId(0);
const BOB: CandidateId = CandidateId(1);
const CANDY: CandidateId = CandidateId(2);
const DAN: CandidateId = CandidateId(3);

fn card(contest: ContestId, marks: &[Choice]) -> Card {
    let mut c = Card::new(CardId::new("card"));
    c.contests.push(ContestVotes::new(
        contest,
        marks.iter().map(|&m| Mark::vote(m)).collect(),
    ));
    c
}

fn vote(c: CandidateId) -> Card {
    card(CONTEST, &[Choice::Candidate(c)])
}

fn close(got: f64, want: f64) {
    assert!(
        ((got - want) / want).abs() <= 1e-12 || (got == want),
        "got {got}, want {want}"
    );
}

fn plurality(winner: CandidateId, loser: CandidateId) -> Assorter {
    Assorter::Plurality {
        contest: CONTEST,
        winner,
        loser,
        votes_allowed: 1,
    }
}

#[test]
fn plurality_alice_vs_candy_lines_77_80() {
    let a = plurality(ALICE, CANDY);
    for (who, want) in [(ALICE, 1.0), (BOB, 0.5), (CANDY, 0.0), (DAN, 0.5)] {
        assert_eq!(a.assort_card(&vote(who)), want, "{who:?}");
    }
}

#[test]
fn supermajority_two_thirds_lines_110_122() {
    let a = Assorter::Supermajority {
        contest: CONTEST,
        winner: ALICE,
        share: Fraction {
            numerator: 2,
            denominator: 3,
        },
    };
    assert_eq!(a.upper_bound(), 0.75);
    assert_eq!(a.assort_card(&vote(ALICE)), 0.75);
    for loser in [BOB, CANDY, DAN] {
        assert_eq!(a.assort_card(&vote(loser)), 0.0);
    }
    // an overvote, an explicit overvote mark, and an undervote are invalid: 1/2
    assert_eq!(
        a.assort_card(&card(
            CONTEST,
            &[Choice::Candidate(ALICE), Choice::Candidate(BOB)]
        )),
        0.5
    );
    assert_eq!(a.assort_card(&card(CONTEST, &[Choice::Overvote])), 0.5);
    assert_eq!(a.assort_card(&card(CONTEST, &[])), 0.5);
}

#[test]
fn overstatement_assorter_margin_line_43() {
    close(overstatement_assorter_margin(0.5, 1.0), 1.0 / 3.0);
}

#[test]
fn overstatement_assorter_mean_line_60() {
    close(overstatement_assorter_mean(0.5, 1.0), 1.0 / 1.5);
}

fn comparison(margin: f64) -> ComparisonAssorter {
    ComparisonAssorter {
        assorter: plurality(ALICE, CANDY),
        margin,
        use_style: true,
    }
}

fn check_overstatement(margin: f64, cvr: CandidateId, mvr: CandidateId, want: f64) {
    let got = comparison(margin)
        .assort(Reported::Cvr(&vote(cvr)), Audited::Card(&vote(mvr)))
        .unwrap_or_else(|e| panic!("{e}"));
    close(got, want);
}

#[test]
fn overstatement_no_error_line_391() {
    check_overstatement(0.2, ALICE, ALICE, 1.0 / 1.8);
}

#[test]
fn overstatement_two_vote_line_394() {
    assert_eq!(
        comparison(0.2)
            .assort(Reported::Cvr(&vote(ALICE)), Audited::Card(&vote(CANDY)))
            .ok(),
        Some(0.0)
    );
}

#[test]
fn understatement_two_vote_line_398() {
    check_overstatement(0.3, CANDY, ALICE, 2.0 / 1.7);
}

#[test]
fn overstatement_one_vote_line_402() {
    check_overstatement(0.1, ALICE, BOB, 0.5 / 1.9);
}

#[test]
fn phantoms_and_missing_cards_are_the_worst_case() {
    let c = comparison(0.2);
    // phantom CVR (1/2) and a card that cannot be found (0): ω = 1/2
    close(
        c.assort(Reported::Phantom, Audited::NotFound)
            .unwrap_or(f64::NAN),
        0.5 / 1.8,
    );
    // a CVR for the winner whose card is lost: ω = 1, value 0
    assert_eq!(
        c.assort(Reported::Cvr(&vote(ALICE)), Audited::NotFound)
            .ok(),
        Some(0.0)
    );
}

#[test]
fn card_style_excludes_cards_without_the_contest() {
    let c = comparison(0.2);
    let elsewhere = card(OTHER_CONTEST, &[Choice::Candidate(ALICE)]);
    assert!(matches!(
        c.assort(Reported::Cvr(&elsewhere), Audited::Card(&vote(ALICE))),
        Err(RiskError::CardNotEligible { .. })
    ));
    // the paper card lacks the contest the CVR shows: scored 0 (worst case)
    assert_eq!(
        c.assort(Reported::Cvr(&vote(ALICE)), Audited::Card(&elsewhere))
            .ok(),
        Some(0.0)
    );
    // without card-style data the missing contest is just no vote (1/2)
    let no_style = ComparisonAssorter {
        use_style: false,
        ..c
    };
    close(
        no_style
            .assort(Reported::Cvr(&vote(ALICE)), Audited::Card(&elsewhere))
            .unwrap_or(f64::NAN),
        0.5 / 1.8,
    );
}

#[test]
fn plurality_mean_and_margin_helpers() {
    close(plurality_mean(600, 400, 1000), 0.6);
    close(margin_from_mean(plurality_mean(600, 400, 1000)), 0.2);
}

// ONEAudit Kalamazoo (rlauxe KalamazooExample.kt, from SHANGRLA's ONEAudit
// notebook). The notebook calls (W − S)/N the "assorter mean".
const N_CVR: u64 = 5294;
const N_POLL: u64 = 22372;
const WHITMER: [u64; 2] = [3765, 16934];
const SCHUETTE: [u64; 2] = [1349, 4220];

fn kalamazoo() -> (f64, f64, f64) {
    let n = (N_CVR + N_POLL) as f64;
    let w: u64 = WHITMER.iter().sum();
    let s: u64 = SCHUETTE.iter().sum();
    assert_eq!((w, s), (20699, 5569));
    let mean_all = (w - s) as f64 / n;
    let mean_poll = (WHITMER[1] - SCHUETTE[1]) as f64 / N_POLL as f64;
    (mean_all, mean_poll, margin_from_mean(mean_all))
}

#[test]
fn kalamazoo_assorter_means() {
    let (mean_all, mean_poll, v) = kalamazoo();
    close(mean_all, 0.5468806477264513);
    close(mean_poll, 0.5682996602896477);
    close(v, 0.09376129545290257);
}

#[test]
fn kalamazoo_noerror_and_upper_bound() {
    let (_, _, v) = kalamazoo();
    close(overstatement_assorter_mean(v, 1.0), 0.5245932724032007);
    close(overstatement_upper_bound(v, 1.0), 1.0491865448064015);
}

#[test]
fn kalamazoo_pooled_card_values() {
    // a card from the no-CVR stratum is reported as the pool's mean
    let (_, mean_poll, v) = kalamazoo();
    let c = ComparisonAssorter {
        assorter: plurality(ALICE, CANDY),
        margin: v,
        use_style: true,
    };
    let whitmer = c
        .assort(Reported::PoolMean(mean_poll), Audited::Card(&vote(ALICE)))
        .unwrap_or(f64::NAN);
    let schuette = c
        .assort(Reported::PoolMean(mean_poll), Audited::Card(&vote(CANDY)))
        .unwrap_or(f64::NAN);
    assert!((whitmer - 0.75106037).abs() < 5e-9, "{whitmer}");
    assert!((schuette - 0.22646709).abs() < 5e-9, "{schuette}");
    close(c.no_error_value(), 0.5245932724032007);
}
