//! Supermajority: a candidate (or a measure's "yes") wins only with more than
//! a fraction `f` of the valid votes.
//!
//! SHANGRLA (Stark 2020, §2.3) states the rule as "a candidate must get more
//! than a fraction f of the valid votes", valid votes being the votes of
//! cards that are not overvoted (the sum of all candidates' votes). Its
//! assorter (1/(2f) for the winner, 0 for another candidate, 1/2 otherwise)
//! has mean above 1/2 exactly when `votes_w > f × valid`, which is the test
//! here, done in integers: `votes_w × den > num × valid`.

use crate::report::Outcome;
use crate::tally::{Patterns, SingleRoundTally, VoteRule, count_single_round};
use canvass_model::Fraction;

/// Count a supermajority contest (vote for up to `seats`).
pub fn count(patterns: &Patterns, ballots: u64, candidates: usize, seats: u32) -> SingleRoundTally {
    count_single_round(patterns, ballots, candidates, VoteRule::UpTo(seats))
}

/// True when `votes` is more than `share` of `valid`.
pub fn exceeds(votes: u64, valid: u64, share: Fraction) -> bool {
    u128::from(votes) * u128::from(share.denominator)
        > u128::from(share.numerator) * u128::from(valid)
}

/// The winners: among candidates with more than `share` of the valid votes,
/// the `seats` with most votes; [`Outcome::NoWinner`] when nobody clears the
/// threshold.
pub fn winners(tally: &SingleRoundTally, seats: u32, share: Fraction) -> Outcome {
    let valid = tally.valid_votes();
    let eligible: Vec<bool> = tally
        .votes
        .iter()
        .map(|&v| exceeds(v, valid, share))
        .collect();
    if !eligible.iter().any(|&e| e) {
        return Outcome::NoWinner;
    }
    crate::plurality::top_n(&tally.votes, seats, Some(&eligible))
}

#[cfg(test)]
mod tests {
    use super::*;
    use canvass_model::CandidateId;

    fn check(votes: &[u64], share: (u64, u64), expected: Outcome) {
        let tally = SingleRoundTally {
            votes: votes.to_vec(),
            ..SingleRoundTally::default()
        };
        let share = Fraction {
            numerator: share.0,
            denominator: share.1,
        };
        assert_eq!(winners(&tally, 1, share), expected, "votes {votes:?}");
    }

    #[test]
    fn two_thirds() {
        let yes = Outcome::Decided {
            winners: vec![CandidateId(0)],
        };
        check(&[67, 33], (2, 3), yes.clone());
        // Exactly two thirds is not more than two thirds (SHANGRLA §2.3).
        check(&[66, 33], (2, 3), Outcome::NoWinner);
        check(&[200, 100], (2, 3), Outcome::NoWinner);
        check(&[201, 100], (2, 3), yes);
        check(&[0, 0], (2, 3), Outcome::NoWinner);
    }

    #[test]
    fn simple_majority_of_valid_votes() {
        check(
            &[51, 49],
            (1, 2),
            Outcome::Decided {
                winners: vec![CandidateId(0)],
            },
        );
        check(&[50, 50], (1, 2), Outcome::NoWinner);
        check(&[40, 35, 25], (1, 2), Outcome::NoWinner);
    }
}
