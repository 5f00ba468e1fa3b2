//! Comparing what the paper shows (the manual vote record, MVR) with what the
//! CVR says, contest by contest.
//!
//! For each reported winner `w` and loser `l` the overstatement of a card is
//! `e = (v_w − v_l)(CVR) − (v_w − v_l)(paper)`, in votes, between −2 and 2
//! (Stark 2010, "Super-simple simultaneous single-ballot risk-limiting
//! audits", §2). A card's discrepancy is the largest `e` over the pairs (an
//! overstatement) or, when no pair is overstated, the smallest (an
//! understatement). Its taint is `max_pairs e · V_min / V_wl`, so one vote in
//! the closest pair counts as 1 and in wider pairs less.
//!
//! Worst cases (Bañuelos & Stark, "Limiting risk by turning manifest phantoms
//! into evil zombies", 2012): a card that cannot be found, or whose paper does
//! not hold a contest its CVR holds, counts as a vote for every loser and no
//! winner. A phantom (a manifest card without CVR) has a CVR with no votes.

use super::assertions::ContestAssertion;
use super::spec::{ContestSpec, Selection};
use serde::{Deserialize, Serialize};

/// What the audit board recorded for one card.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Paper {
    /// The card could not be found.
    NotFound,
    /// The card, with its selection per targeted contest (in spec order).
    Found(Vec<Selection>),
}

/// The kind of discrepancy a card shows in one contest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Discrepancy {
    /// Paper and CVR agree.
    None,
    /// Paper and CVR differ in a way no winner–loser margin sees (e.g. a vote
    /// for one loser read as a vote for another).
    ZeroWeight,
    /// The CVR overstated a margin by one vote.
    OneVoteOver,
    /// The CVR overstated a margin by two votes.
    TwoVoteOver,
    /// The CVR understated a margin by one vote.
    OneVoteUnder,
    /// The CVR understated a margin by two votes.
    TwoVoteUnder,
}

/// One card compared in one contest.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Comparison {
    /// The kind.
    pub kind: Discrepancy,
    /// The largest overstatement over the pairs, weighted by the smallest
    /// margin (`max e · V_min / V_wl`); negative for understatements.
    pub taint: f64,
}

/// Compare a card in one contest. `cvr` is `None` for a phantom; `paper` is
/// the board's reading of the contest, or `None` when the card was not found.
pub fn compare(
    contest: &ContestSpec,
    cvr: Option<&Selection>,
    paper: Option<&Selection>,
) -> Comparison {
    let assertions = contest.assertions();
    let over: Vec<f64> = assertions
        .iter()
        .map(|a| a.overstatement(cvr, paper))
        .collect();
    classify(contest, &assertions, &over, differs(cvr, paper))
}

/// The kind and taint of a card from its overstatement `e` (in votes) of
/// each assertion; `differs` says whether paper and CVR differ at all.
pub(super) fn classify(
    contest: &ContestSpec,
    assertions: &[ContestAssertion],
    over: &[f64],
    differs: bool,
) -> Comparison {
    const TOL: f64 = 1e-9;
    let v_min = contest.min_margin();
    let mut max_e = f64::NEG_INFINITY;
    let mut min_e = f64::INFINITY;
    let mut taint = f64::NEG_INFINITY;
    for (a, &e) in assertions.iter().zip(over) {
        max_e = max_e.max(e);
        min_e = min_e.min(e);
        let weighted = if a.margin > 0 && v_min > 0 {
            e * v_min as f64 / a.margin as f64
        } else {
            e
        };
        taint = taint.max(weighted);
    }
    if over.is_empty() {
        (max_e, min_e, taint) = (0.0, 0.0, 0.0);
    }
    // Overstatements that are not whole votes (a supermajority's) count as
    // the next whole number of votes.
    let kind = if max_e > 1.0 + TOL {
        Discrepancy::TwoVoteOver
    } else if max_e > TOL {
        Discrepancy::OneVoteOver
    } else if min_e < -1.0 - TOL {
        Discrepancy::TwoVoteUnder
    } else if min_e < -TOL {
        Discrepancy::OneVoteUnder
    } else if differs {
        Discrepancy::ZeroWeight
    } else {
        Discrepancy::None
    };
    Comparison { kind, taint }
}

pub(super) fn differs(cvr: Option<&Selection>, paper: Option<&Selection>) -> bool {
    match (cvr, paper) {
        (_, None) => true,
        (None, Some(Selection::Absent)) => false,
        (None, Some(_)) => true,
        (Some(c), Some(p)) => c != p,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Alice 60, Bob 40, Carol 10, write-in 0; one seat.
    fn contest() -> ContestSpec {
        ContestSpec {
            name: "Mayor".into(),
            seats: 1,
            vote_limit: Some(1),
            candidates: vec![
                "Alice".into(),
                "Bob".into(),
                "Carol".into(),
                "Write-in".into(),
            ],
            write_in: 3,
            reported: vec![60, 40, 10, 0],
            winners: vec![0],
            cvr_cards: 120,
            universe: 120,
            rule: Default::default(),
        }
    }

    fn v(i: usize) -> Selection {
        Selection::Votes(vec![i])
    }

    fn check(cvr: Option<Selection>, paper: Option<Selection>, kind: Discrepancy, taint: f64) {
        let got = compare(&contest(), cvr.as_ref(), paper.as_ref());
        assert_eq!(got.kind, kind, "{cvr:?} vs {paper:?}");
        assert!(
            (got.taint - taint).abs() < 1e-12,
            "{cvr:?} vs {paper:?}: taint {}",
            got.taint
        );
    }

    // Hand-worked: margins Alice−Bob 20 (V_min), Alice−Carol 50, Alice−write-in 60.
    #[test]
    fn discrepancies_by_kind() {
        use Discrepancy::*;
        use Selection::*;
        check(Some(v(0)), Some(v(0)), None, 0.0);
        check(Some(v(0)), Some(v(1)), TwoVoteOver, 2.0);
        check(Some(v(0)), Some(Blank), OneVoteOver, 1.0);
        check(Some(v(0)), Some(Overvote), OneVoteOver, 1.0);
        // CVR Alice, paper Carol: e = 2 against Carol (weight 20/50) and 1
        // against Bob (weight 1): taint max(0.8, 1, 20/60) = 1, two votes in kind.
        check(Some(v(0)), Some(v(2)), TwoVoteOver, 1.0);
        check(Some(v(1)), Some(v(0)), TwoVoteUnder, -20.0 / 60.0);
        check(Some(Blank), Some(v(0)), OneVoteUnder, -20.0 / 60.0);
        // CVR Bob, paper Carol: Alice−Bob understated by one, Alice−Carol
        // overstated by one (weight 20/50).
        check(Some(v(1)), Some(v(2)), OneVoteOver, 0.4);
        check(Some(Overvote), Some(Blank), ZeroWeight, 0.0);
        check(Some(v(1)), Some(Blank), OneVoteUnder, 0.0);
    }

    #[test]
    fn worst_cases() {
        use Discrepancy::*;
        use Selection::*;
        // Not found: the paper counts for every loser.
        check(Some(v(0)), Option::None, TwoVoteOver, 2.0);
        check(Some(Blank), Option::None, OneVoteOver, 1.0);
        // Paper lacks a contest its CVR holds.
        check(Some(v(0)), Some(Absent), TwoVoteOver, 2.0);
        // Phantom: an empty CVR; not found counts for the losers.
        check(Option::None, Option::None, OneVoteOver, 1.0);
        check(Option::None, Some(Absent), None, 0.0);
        check(Option::None, Some(v(1)), OneVoteOver, 1.0);
        check(Option::None, Some(v(0)), OneVoteUnder, -20.0 / 60.0);
    }
}
