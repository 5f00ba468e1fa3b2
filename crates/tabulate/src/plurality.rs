//! Plurality and vote-for-N: the `seats` candidates with the most votes win.
//!
//! A card that selects more candidates than there are seats is an overvote
//! and counts for nobody (SHANGRLA, Stark 2020, §2.1; see
//! [`crate::tally::count_single_round`]). A tie at the cut line is reported
//! as a tie and never broken here: breaking it is a legal act (a lot drawn in
//! public) that the caller records.

use crate::report::Outcome;
use crate::tally::{Patterns, SingleRoundTally, VoteRule, count_single_round};
use canvass_model::CandidateId;

/// Count a plurality / vote-for-`seats` contest.
pub fn count(patterns: &Patterns, ballots: u64, candidates: usize, seats: u32) -> SingleRoundTally {
    count_single_round(patterns, ballots, candidates, VoteRule::UpTo(seats))
}

/// The `seats` candidates with the most votes among `eligible` (all
/// candidates when `None`), or a tie when the cut line falls between
/// candidates with equal votes.
///
/// When there are no more eligible candidates than seats, all of them win.
pub fn top_n(votes: &[u64], seats: u32, eligible: Option<&[bool]>) -> Outcome {
    let mut order: Vec<usize> = (0..votes.len())
        .filter(|&c| eligible.is_none_or(|e| e.get(c).copied().unwrap_or(false)))
        .collect();
    let vote_of = |c: usize| votes.get(c).copied().unwrap_or(0);
    // Most votes first; candidate order only fixes the printing order.
    order.sort_by(|&a, &b| vote_of(b).cmp(&vote_of(a)).then(a.cmp(&b)));
    let seats = seats as usize;
    let id = |c: usize| CandidateId(c as u32);
    if order.len() <= seats {
        return Outcome::Decided {
            winners: order.into_iter().map(id).collect(),
        };
    }
    let (Some(&last_in), Some(&first_out)) = (
        seats.checked_sub(1).and_then(|i| order.get(i)),
        order.get(seats),
    ) else {
        // seats == 0: nobody can win.
        return Outcome::Decided {
            winners: Vec::new(),
        };
    };
    let cut = vote_of(last_in);
    if cut > vote_of(first_out) {
        return Outcome::Decided {
            winners: order.into_iter().take(seats).map(id).collect(),
        };
    }
    let winners: Vec<CandidateId> = order
        .iter()
        .copied()
        .filter(|&c| vote_of(c) > cut)
        .map(id)
        .collect();
    let tied: Vec<CandidateId> = order
        .iter()
        .copied()
        .filter(|&c| vote_of(c) == cut)
        .map(id)
        .collect();
    let seats_left = (seats - winners.len()) as u32;
    Outcome::Tie {
        winners,
        tied,
        seats_left,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[u32]) -> Vec<CandidateId> {
        v.iter().map(|&c| CandidateId(c)).collect()
    }

    fn check(votes: &[u64], seats: u32, expected: Outcome) {
        assert_eq!(
            top_n(votes, seats, None),
            expected,
            "votes {votes:?} seats {seats}"
        );
    }

    #[test]
    fn top_n_cases() {
        check(&[5, 9, 3], 1, Outcome::Decided { winners: ids(&[1]) });
        check(
            &[5, 9, 3],
            2,
            Outcome::Decided {
                winners: ids(&[1, 0]),
            },
        );
        check(
            &[5, 9, 3],
            3,
            Outcome::Decided {
                winners: ids(&[1, 0, 2]),
            },
        );
        check(
            &[5, 9],
            5,
            Outcome::Decided {
                winners: ids(&[1, 0]),
            },
        );
        check(
            &[7, 7, 3],
            1,
            Outcome::Tie {
                winners: vec![],
                tied: ids(&[0, 1]),
                seats_left: 1,
            },
        );
        // Vote-for-2: 9 wins outright, 5 and 5 tie for the second seat.
        check(
            &[5, 9, 5, 1],
            2,
            Outcome::Tie {
                winners: ids(&[1]),
                tied: ids(&[0, 2]),
                seats_left: 1,
            },
        );
        // A tie below the cut line is no tie.
        check(
            &[9, 8, 2, 2],
            2,
            Outcome::Decided {
                winners: ids(&[0, 1]),
            },
        );
        check(
            &[0, 0],
            1,
            Outcome::Tie {
                winners: vec![],
                tied: ids(&[0, 1]),
                seats_left: 1,
            },
        );
    }

    #[test]
    fn top_n_respects_eligibility() {
        let eligible = [false, true, true];
        assert_eq!(
            top_n(&[9, 5, 3], 1, Some(&eligible)),
            Outcome::Decided { winners: ids(&[1]) }
        );
    }
}
