//! The cards of a planned election, one at a time, with the true tallies
//! accumulated as they are made.
//!
//! Each batch draws from its own random stream ([`SplitMix64::derive`]), so a
//! card depends only on the seed and its batch, never on how the cards were
//! consumed.

use crate::election::{Batch, ContestPlan, Plan};
use crate::rng::SplitMix64;
use canvass_model::{
    CandidateId, Card, CardId, CardLocation, Choice, ContestVotes, Mark, SourceRef,
};
use std::sync::Arc;

/// Per mille: blank contests, overvoted contests, single-choice cards in
/// vote-for-2 contests, full rankings, skipped ranks.
const BLANK_SINGLE: u64 = 30;
const OVERVOTE_SINGLE: u64 = 4;
const PARTIAL_VOTE_FOR_2: u64 = 150;
const BLANK_RANKED: u64 = 15;
const OVERVOTE_RANKED: u64 = 4;
const FULL_RANKING: u64 = 450;
const SKIPPED_RANK: u64 = 20;

/// The true count of one contest, as the generator intended the votes.
///
/// For single-round contests the rule is SHANGRLA's (see
/// `canvass_tabulate::tally`): an overvoted card counts for nobody,
/// `undervotes` counts unused vote positions. For ranked contests the
/// figures are first choices: `votes` are rank-1 choices, `overvotes` cards
/// overvoted at rank 1, `undervotes` and `blank` cards with no ranking.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContestTruth {
    /// Cards carrying the contest.
    pub ballots: u64,
    /// Votes per candidate (first choices for ranked contests).
    pub votes: Vec<u64>,
    /// Overvoted cards.
    pub overvotes: u64,
    /// Unused vote positions.
    pub undervotes: u64,
    /// Cards carrying the contest with no mark.
    pub blank: u64,
}

/// The true tallies of everything generated so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Truth {
    /// Cards generated.
    pub cards: u64,
    /// Per contest, by contest index.
    pub contests: Vec<ContestTruth>,
}

/// The cards of a [`Plan`], in batch order. Read [`Cards::truth`] after the
/// last card.
#[derive(Debug)]
pub struct Cards<'a> {
    plan: &'a Plan,
    batch: usize,
    position: u64,
    rng: SplitMix64,
    truth: Truth,
    source: Arc<str>,
    weights: Vec<u64>,
    picked: Vec<usize>,
}

impl Plan {
    /// Every card of the election, generated lazily.
    pub fn cards(&self) -> Cards<'_> {
        let truth = Truth {
            cards: 0,
            contests: self
                .election
                .contests
                .iter()
                .map(|c| ContestTruth {
                    votes: vec![0; c.candidates.len()],
                    ..ContestTruth::default()
                })
                .collect(),
        };
        Cards {
            plan: self,
            batch: 0,
            position: 0,
            rng: SplitMix64::derive(self.config.seed, 0),
            truth,
            source: Arc::from("generated"),
            weights: Vec::new(),
            picked: Vec::new(),
        }
    }
}

impl Cards<'_> {
    /// The true tallies of the cards generated so far.
    pub fn truth(&self) -> &Truth {
        &self.truth
    }

    /// Draw `k` distinct candidates by weight (fewer if the weights run out).
    fn draw(&mut self, support: &[u64], k: usize) {
        self.weights.clear();
        self.weights.extend_from_slice(support);
        self.picked.clear();
        for _ in 0..k {
            let Some(c) = self.rng.weighted(&self.weights) else {
                break;
            };
            self.picked.push(c);
            if let Some(w) = self.weights.get_mut(c) {
                *w = 0;
            }
        }
    }

    fn single_round(&mut self, plan: &ContestPlan, support: &[u64]) -> Vec<Mark> {
        let seats = plan.seats as usize;
        let r = self.rng.below(1000);
        let (k, overvote) = if r < BLANK_SINGLE {
            (0, false)
        } else if r < BLANK_SINGLE + OVERVOTE_SINGLE && support.len() > seats {
            (seats + 1, true)
        } else if seats == 2 && self.rng.below(1000) < PARTIAL_VOTE_FOR_2 {
            (1, false)
        } else {
            (seats, false)
        };
        self.draw(support, k);
        let t = self.truth.contests.get_mut(plan.id.index());
        if let Some(t) = t {
            t.ballots += 1;
            if overvote {
                t.overvotes += 1;
            } else {
                if self.picked.is_empty() {
                    t.blank += 1;
                }
                t.undervotes += (seats - self.picked.len().min(seats)) as u64;
                for &c in &self.picked {
                    if let Some(v) = t.votes.get_mut(c) {
                        *v += 1;
                    }
                }
            }
        }
        self.picked
            .iter()
            .map(|&c| Mark::vote(Choice::Candidate(CandidateId(c as u32))))
            .collect()
    }

    fn ranked(&mut self, plan: &ContestPlan, support: &[u64]) -> Vec<Mark> {
        let ranks = plan.ranks as usize;
        let r = self.rng.below(1000);
        let blank = r < BLANK_RANKED;
        let overvote = !blank && r < BLANK_RANKED + OVERVOTE_RANKED && support.len() >= 2;
        let length = if blank {
            0
        } else if self.rng.below(1000) < FULL_RANKING {
            ranks
        } else {
            1 + self.rng.below(ranks as u64) as usize
        };
        // An overvote puts two candidates at rank 1.
        self.draw(support, length + usize::from(overvote));
        // Overvoted only if two candidates really landed on rank 1.
        let overvote = overvote && self.picked.len() >= 2;
        let skip = length >= 3 && self.rng.below(1000) < SKIPPED_RANK;
        let mut marks = Vec::with_capacity(self.picked.len());
        for (i, &c) in self.picked.iter().enumerate() {
            let mut rank = if overvote { i.max(1) } else { i + 1 } as u32;
            if skip && rank >= 2 {
                rank += 1;
                if rank as usize > ranks {
                    break;
                }
            }
            marks.push(Mark::ranked(rank, Choice::Candidate(CandidateId(c as u32))));
        }
        if let Some(t) = self.truth.contests.get_mut(plan.id.index()) {
            t.ballots += 1;
            match (overvote, self.picked.first()) {
                (true, _) => t.overvotes += 1,
                (false, None) => {
                    t.blank += 1;
                    t.undervotes += 1;
                }
                (false, Some(&c)) => {
                    if let Some(v) = t.votes.get_mut(c) {
                        *v += 1;
                    }
                }
            }
        }
        marks
    }

    fn make_card(&mut self, batch: &Batch) -> Card {
        let plan = self.plan;
        let precinct = plan.precincts.get(batch.precinct);
        let style = precinct.and_then(|p| plan.styles.get(p.style));
        let id = format!("{}-{}-{}", batch.tabulator, batch.batch, self.position);
        let mut card = Card::new(CardId::new(id));
        card.location = CardLocation {
            tabulator: Some(batch.tabulator.to_string()),
            batch: Some(batch.batch.to_string()),
            position: Some(self.position),
            imprinted_id: None,
        };
        card.precinct = precinct.map(|p| p.name.clone());
        card.ballot_style = style.map(|s| s.name.clone());
        card.counting_group = Some(batch.counting_group.to_owned());
        card.source = SourceRef {
            file: self.source.clone(),
            record: self.truth.cards + 1,
        };
        for &contest in style.map_or(&[][..], |s| &s.contests[..]) {
            let (Some(cp), Some(support)) = (
                plan.contests.get(contest.index()),
                precinct.and_then(|p| p.support.get(contest.index())),
            ) else {
                continue;
            };
            let marks = if cp.ranked {
                self.ranked(cp, support)
            } else {
                self.single_round(cp, support)
            };
            card.contests.push(ContestVotes::new(contest, marks));
        }
        self.truth.cards += 1;
        card
    }
}

impl Iterator for Cards<'_> {
    type Item = Card;

    fn next(&mut self) -> Option<Card> {
        loop {
            let batch = self.plan.batches.get(self.batch)?;
            if self.position < batch.cards {
                self.position += 1;
                return Some(self.make_card(batch));
            }
            self.batch += 1;
            self.position = 0;
            self.rng = SplitMix64::derive(self.plan.config.seed, self.batch as u64);
        }
    }
}
