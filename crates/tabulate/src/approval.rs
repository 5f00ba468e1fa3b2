//! Approval voting: a card may select any number of candidates; each
//! selection is one vote, and the `seats` candidates with the most votes win.
//!
//! Only a mark the source itself records as an overvote makes an approval
//! card invalid; there is no limit to exceed (SHANGRLA, Stark 2020, §2.2:
//! "any number of candidates").

use crate::report::Outcome;
use crate::tally::{Patterns, SingleRoundTally, VoteRule, count_single_round};

/// Count an approval contest.
pub fn count(patterns: &Patterns, ballots: u64, candidates: usize) -> SingleRoundTally {
    count_single_round(patterns, ballots, candidates, VoteRule::Any)
}

/// The winners of an approval contest: the `seats` most-approved candidates,
/// or a tie at the cut line.
pub fn winners(tally: &SingleRoundTally, seats: u32) -> Outcome {
    crate::plurality::top_n(&tally.votes, seats, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use canvass_model::{CandidateId, Choice, Mark};

    fn pattern(cands: &[u32]) -> Vec<Mark> {
        cands
            .iter()
            .map(|&c| Mark::vote(Choice::Candidate(CandidateId(c))))
            .collect()
    }

    #[test]
    fn approval_counts_every_selection() {
        let mut p = Patterns::new();
        p.insert(pattern(&[0, 1, 2]), 4);
        p.insert(pattern(&[1]), 3);
        p.insert(pattern(&[]), 2);
        p.insert(vec![Mark::vote(Choice::Overvote)], 1);
        let t = count(&p, 10, 3);
        assert_eq!(t.votes, vec![4, 7, 4]);
        assert_eq!((t.voted, t.blank, t.overvotes, t.undervotes), (7, 2, 1, 2));
        assert_eq!(
            winners(&t, 1),
            Outcome::Decided {
                winners: vec![CandidateId(1)]
            }
        );
    }
}
