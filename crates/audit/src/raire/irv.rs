//! Aggregated ranked ballots and the IRV count RAIRE needs: first
//! preferences, tallies restricted to a set of continuing candidates, and
//! the elimination order (this crate does not depend on `canvass-tabulate`).

use super::RaireError;
use canvass_model::{CandidateId, Card, Choice, ContestId, ContestVotes};
use std::collections::BTreeMap;

/// A set of candidates as a bit mask (candidate `i` is bit `i`); RAIRE
/// handles at most [`MAX_CANDIDATES`] candidates.
pub type CandidateSet = u64;

/// The most candidates a contest may have (the width of [`CandidateSet`]).
pub const MAX_CANDIDATES: usize = 64;

/// The most distinct continuing sets [`Votes::run_irv`] visits while
/// exploring ties.
pub const MAX_TIE_STATES: usize = 100_000;

/// One distinct ranking and how many ballots carry it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RankedVote {
    /// Ballots with this ranking.
    pub n: u64,
    /// Candidate indexes, most preferred first, no repeats.
    pub prefs: Vec<u32>,
}

/// The ranked ballots of one IRV contest, identical rankings aggregated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Votes {
    num_candidates: usize,
    votes: Vec<RankedVote>,
}

/// The outcome of an IRV count with every tie resolved every possible way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IrvResult {
    /// Every candidate that wins under some resolution of the ties.
    pub possible_winners: Vec<u32>,
    /// The elimination order (first eliminated first, the winner last) of
    /// one resolution of the ties: the lowest candidate index is eliminated
    /// among tied candidates.
    pub elimination_order: Vec<u32>,
}

impl Votes {
    /// Aggregated votes; checks every preference is a candidate index and
    /// no candidate is ranked twice.
    pub fn new(votes: Vec<RankedVote>, num_candidates: usize) -> Result<Votes, RaireError> {
        if num_candidates == 0 || num_candidates > MAX_CANDIDATES {
            return Err(RaireError::CandidateCount {
                num_candidates,
                max: MAX_CANDIDATES,
            });
        }
        for (record, vote) in votes.iter().enumerate() {
            let mut seen: CandidateSet = 0;
            for &p in &vote.prefs {
                if p as usize >= num_candidates {
                    return Err(RaireError::BadPreference {
                        record,
                        candidate: p,
                        reason: "not a candidate index",
                    });
                }
                if seen & (1 << p) != 0 {
                    return Err(RaireError::BadPreference {
                        record,
                        candidate: p,
                        reason: "ranked twice",
                    });
                }
                seen |= 1 << p;
            }
        }
        Ok(Votes {
            num_candidates,
            votes,
        })
    }

    /// Aggregate the ranked cards of one contest. Candidates are numbered by
    /// [`CandidateId::index`]; `num_candidates` must exceed every id used.
    /// Ranks are read in order; a rank with more than one candidate or an
    /// overvote mark ends the ranking there (the ballot exhausts), a
    /// candidate already ranked is skipped, skipped ranks are ignored.
    /// Cards without the contest are not counted.
    pub fn from_cards<'a>(
        contest: ContestId,
        num_candidates: usize,
        cards: impl IntoIterator<Item = &'a Card>,
    ) -> Result<Votes, RaireError> {
        let mut counts: BTreeMap<Vec<u32>, u64> = BTreeMap::new();
        for card in cards {
            if let Some(votes) = card.votes_for(contest) {
                let prefs = ranking(votes);
                if let Some(&bad) = prefs.iter().find(|&&p| p as usize >= num_candidates) {
                    return Err(RaireError::UnknownCandidate {
                        card: card.id.as_str().to_owned(),
                        candidate: bad,
                    });
                }
                let n = counts.entry(prefs).or_insert(0);
                *n = n.saturating_add(1);
            }
        }
        Votes::new(
            counts
                .into_iter()
                .map(|(prefs, n)| RankedVote { n, prefs })
                .collect(),
            num_candidates,
        )
    }

    /// Number of candidates.
    pub fn num_candidates(&self) -> usize {
        self.num_candidates
    }

    /// The distinct rankings.
    pub fn votes(&self) -> &[RankedVote] {
        &self.votes
    }

    /// Total ballots (including ballots ranking nobody).
    pub fn total(&self) -> u64 {
        self.votes.iter().fold(0u64, |t, v| t.saturating_add(v.n))
    }

    /// The set of every candidate.
    pub fn all_candidates(&self) -> CandidateSet {
        if self.num_candidates == MAX_CANDIDATES {
            u64::MAX
        } else {
            (1u64 << self.num_candidates) - 1
        }
    }

    /// First-preference tally of `candidate`.
    pub fn first_preferences(&self, candidate: u32) -> u64 {
        self.votes
            .iter()
            .filter(|v| v.prefs.first() == Some(&candidate))
            .fold(0u64, |t, v| t.saturating_add(v.n))
    }

    /// Tallies of every candidate when only `continuing` remain: each ballot
    /// counts for its most preferred continuing candidate. Indexed by
    /// candidate; candidates not continuing get 0.
    pub fn restricted_tallies(&self, continuing: CandidateSet) -> Vec<u64> {
        let mut tallies = vec![0u64; self.num_candidates];
        for v in &self.votes {
            if let Some(&p) = v.prefs.iter().find(|&&p| continuing & (1 << p) != 0)
                && let Some(t) = tallies.get_mut(p as usize)
            {
                *t = t.saturating_add(v.n);
            }
        }
        tallies
    }

    /// Ballots on which `loser` is ranked and `winner` is not ranked above
    /// it: `loser`'s tally when only `winner` and `loser` remain. This is the
    /// most `loser` can have while `winner` is still continuing (RAIRE §4,
    /// winner-only assertions).
    pub fn loser_tally_against(&self, winner: u32, loser: u32) -> u64 {
        if winner as usize >= self.num_candidates || loser as usize >= self.num_candidates {
            return 0;
        }
        self.restricted_tallies((1 << winner) | (1 << loser))
            .get(loser as usize)
            .copied()
            .unwrap_or(0)
    }

    /// Count the contest by IRV, eliminating the lowest continuing candidate
    /// each round, exploring every way ties could be broken (refused when
    /// ties would need more than [`MAX_TIE_STATES`] continuing sets).
    pub fn run_irv(&self) -> Result<IrvResult, RaireError> {
        let mut winners: CandidateSet = 0;
        let mut memo: BTreeMap<CandidateSet, CandidateSet> = BTreeMap::new();
        self.winners_from(self.all_candidates(), &mut memo, &mut winners)?;
        let possible_winners = members(winners);
        // one elimination order: lowest tally, lowest index among ties
        let mut continuing = self.all_candidates();
        let mut elimination_order = Vec::with_capacity(self.num_candidates);
        while continuing != 0 {
            let tallies = self.restricted_tallies(continuing);
            let lowest = members(continuing)
                .into_iter()
                .min_by_key(|&c| (tallies.get(c as usize).copied().unwrap_or(0), c));
            let Some(lowest) = lowest else { break };
            elimination_order.push(lowest);
            continuing &= !(1 << lowest);
        }
        Ok(IrvResult {
            possible_winners,
            elimination_order,
        })
    }

    fn winners_from(
        &self,
        continuing: CandidateSet,
        memo: &mut BTreeMap<CandidateSet, CandidateSet>,
        winners: &mut CandidateSet,
    ) -> Result<(), RaireError> {
        if let Some(&w) = memo.get(&continuing) {
            *winners |= w;
            return Ok(());
        }
        if memo.len() >= MAX_TIE_STATES {
            return Err(RaireError::WorkLimit {
                step: "exploring tied eliminations",
                limit: MAX_TIE_STATES as u64,
            });
        }
        let mut found: CandidateSet = 0;
        if continuing.count_ones() == 1 {
            found = continuing;
        } else {
            let tallies = self.restricted_tallies(continuing);
            let cands = members(continuing);
            let min = cands
                .iter()
                .map(|&c| tallies.get(c as usize).copied().unwrap_or(0))
                .min()
                .unwrap_or(0);
            for &c in &cands {
                if tallies.get(c as usize).copied().unwrap_or(0) == min {
                    self.winners_from(continuing & !(1 << c), memo, &mut found)?;
                }
            }
        }
        memo.insert(continuing, found);
        *winners |= found;
        Ok(())
    }
}

/// The candidates in a set, ascending.
pub fn members(set: CandidateSet) -> Vec<u32> {
    (0..64u32).filter(|&c| set & (1u64 << c) != 0).collect()
}

/// The ranking on one card, read as [`Votes::from_cards`] documents.
pub fn ranking(votes: &ContestVotes) -> Vec<u32> {
    let mut prefs: Vec<u32> = Vec::new();
    let mut i = 0;
    let marks = &votes.marks;
    while i < marks.len() {
        let rank = marks.get(i).map(|m| m.rank).unwrap_or(0);
        let at_rank: Vec<_> = marks[i..].iter().take_while(|m| m.rank == rank).collect();
        i += at_rank.len();
        let distinct: Vec<Choice> = {
            let mut d: Vec<Choice> = at_rank.iter().map(|m| m.choice).collect();
            d.dedup();
            d
        };
        match distinct.as_slice() {
            [Choice::Candidate(CandidateId(c))] => {
                if !prefs.contains(c) {
                    prefs.push(*c);
                }
            }
            [] => {}
            _ => break, // overvote at this rank: the ballot exhausts
        }
    }
    prefs
}
