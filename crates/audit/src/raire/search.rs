//! The RAIRE search (Blom, Stuckey & Teague 2019, §5, Algorithm 1): a
//! best-first search over *elimination-order suffixes* (the last candidates
//! standing, the winner last) for a set of assertions that rules out every
//! order in which someone other than the reported winner wins, minimising
//! the largest difficulty.
//!
//! For a suffix `π = [c, …]` the best single assertion contradicting it is
//! (`find-best-audit`, §5): `c` NEB `c′` for each `c′` later in `π`;
//! `c″` NEB `c` for each `c″` not in `π` (eliminated before `c`); and `c`
//! NEN `ℓ` with exactly `π` continuing, `ℓ` the continuing candidate with
//! the fewest votes. A node's value is the least difficulty along its path
//! from the root (a suffix is ruled out by any ancestor's assertion). Nodes
//! are expanded hardest first; a complete order raises the lower bound `LB`
//! to its value, and a node whose value is at most `LB` is settled by its
//! best ancestor's assertion without expanding it. The result's difficulty
//! is therefore `max over orders with another winner of (min along the
//! order's suffixes)`, which does not depend on tie-breaking. To raise `LB`
//! early each expanded node first "dives" to a complete order along the
//! reported elimination order (the heuristic raire-rs calls diving).

use super::RaireError;
use super::assertion::{Assertion, AssertionAndDifficulty};
use super::difficulty::AuditType;
use super::irv::{CandidateSet, Votes};
use super::trim::{TrimAlgorithm, trim};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};

/// The assertions RAIRE found for one contest, in raire-rs's output shape.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RaireResult {
    /// The assertions, each with its margin and difficulty.
    pub assertions: Vec<AssertionAndDifficulty>,
    /// The largest difficulty of any assertion needed: the audit's
    /// difficulty.
    pub difficulty: f64,
    /// The smallest margin of the assertions, in ballots (0 when there are
    /// none, i.e. a single candidate).
    pub margin: i64,
    /// The winner (candidate index).
    pub winner: u32,
    /// Number of candidates.
    pub num_candidates: usize,
}

/// The default bound on work: suffixes evaluated by the search (plus one
/// unit per 256 distinct rankings tallied for each new continuing set), and
/// tree nodes built by the trim (counted separately). The hardest NSW 2021
/// contest (10 candidates) evaluates 3,899 suffixes; the bound keeps memory
/// and time small on hostile input.
pub const DEFAULT_WORK_LIMIT: u64 = 1_000_000;

/// Run RAIRE: count the contest, check `expected_winner` if given, find the
/// assertions and trim redundant ones with `trim_algorithm`, within
/// [`DEFAULT_WORK_LIMIT`].
pub fn raire(
    votes: &Votes,
    expected_winner: Option<u32>,
    audit: &AuditType,
    trim_algorithm: TrimAlgorithm,
) -> Result<RaireResult, RaireError> {
    raire_with_limit(
        votes,
        expected_winner,
        audit,
        trim_algorithm,
        DEFAULT_WORK_LIMIT,
    )
}

/// [`raire`] with an explicit bound on work; exceeding it is
/// [`RaireError::WorkLimit`], never a hang.
pub fn raire_with_limit(
    votes: &Votes,
    expected_winner: Option<u32>,
    audit: &AuditType,
    trim_algorithm: TrimAlgorithm,
    work_limit: u64,
) -> Result<RaireResult, RaireError> {
    audit.validate()?;
    let irv = votes.run_irv()?;
    if let Some(w) = expected_winner
        && !irv.possible_winners.contains(&w)
    {
        return Err(RaireError::WrongWinner {
            expected: w,
            possible: irv.possible_winners,
        });
    }
    let winner = match irv.possible_winners.as_slice() {
        [w] => *w,
        _ => {
            return Err(RaireError::TiedWinners {
                possible: irv.possible_winners,
            });
        }
    };
    let mut search = Search::new(votes, audit, work_limit);
    let (found, bound) = search.run(winner, &irv.elimination_order)?;
    let mut assertions: Vec<AssertionAndDifficulty> = found
        .into_iter()
        .map(|(assertion, difficulty)| {
            let margin = assertion.margin(votes);
            AssertionAndDifficulty {
                assertion,
                difficulty,
                margin,
            }
        })
        .collect();
    trim(
        &mut assertions,
        winner,
        votes.num_candidates(),
        trim_algorithm,
        work_limit,
    )?;
    let margin = assertions.iter().map(|a| a.margin).min().unwrap_or(0);
    Ok(RaireResult {
        assertions,
        difficulty: bound,
        margin,
        winner,
        num_candidates: votes.num_candidates(),
    })
}

/// The best assertion found for a node's path, and its difficulty.
#[derive(Clone, Debug)]
struct Best {
    assertion: Option<Assertion>,
    difficulty: f64,
}

/// A frontier entry: a suffix `pi` and the best assertion on its path,
/// which belongs to the ancestor `pi[pi.len() - best_len..]`.
#[derive(Debug)]
struct Node {
    pi: Vec<u32>,
    best: Best,
    best_len: usize,
    seq: u64,
}

impl PartialEq for Node {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Node {}
impl PartialOrd for Node {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Node {
    /// Hardest first; among equals, the earliest created first.
    fn cmp(&self, other: &Self) -> Ordering {
        self.best
            .difficulty
            .total_cmp(&other.best.difficulty)
            .then_with(|| other.seq.cmp(&self.seq))
    }
}

struct Search<'a> {
    votes: &'a Votes,
    audit: &'a AuditType,
    n: usize,
    /// `neb[w * n + l]`: difficulty of `w` NEB `l`.
    neb: Vec<f64>,
    /// Restricted tallies by continuing set (lookups only, never iterated).
    tallies: HashMap<CandidateSet, Vec<u64>>,
    seq: u64,
    work: u64,
    work_limit: u64,
}

impl<'a> Search<'a> {
    fn new(votes: &'a Votes, audit: &'a AuditType, work_limit: u64) -> Search<'a> {
        let n = votes.num_candidates();
        let first: Vec<u64> = (0..n as u32).map(|c| votes.first_preferences(c)).collect();
        let mut neb = vec![f64::INFINITY; n * n];
        for w in 0..n {
            for l in 0..n {
                if w != l
                    && let Some(slot) = neb.get_mut(w * n + l)
                {
                    let fw = first.get(w).copied().unwrap_or(0);
                    *slot = audit.difficulty(fw, votes.loser_tally_against(w as u32, l as u32));
                }
            }
        }
        Search {
            votes,
            audit,
            n,
            neb,
            tallies: HashMap::new(),
            seq: 0,
            work: 0,
            work_limit,
        }
    }

    fn neb_difficulty(&self, winner: u32, loser: u32) -> f64 {
        self.neb
            .get(winner as usize * self.n + loser as usize)
            .copied()
            .unwrap_or(f64::INFINITY)
    }

    /// RAIRE `find-best-audit(π)`, counted against the work limit.
    fn find_best(&mut self, pi: &[u32]) -> Result<Best, RaireError> {
        self.work += 1;
        // a new continuing set costs a pass over the votes
        let set = pi.iter().fold(0u64, |s, &x| s | (1u64 << x));
        if !self.tallies.contains_key(&set) {
            self.work += self.votes.votes().len() as u64 / 256;
        }
        if self.work > self.work_limit {
            return Err(RaireError::WorkLimit {
                step: "the raire search",
                limit: self.work_limit,
            });
        }
        Ok(self.best_for(pi))
    }

    fn best_for(&mut self, pi: &[u32]) -> Best {
        let mut best = Best {
            assertion: None,
            difficulty: f64::INFINITY,
        };
        let Some((&c, later)) = pi.split_first() else {
            return best;
        };
        // winner-only (NEB) assertions contradicting π
        for alt in 0..self.n as u32 {
            if alt == c {
                continue;
            }
            let (w, l) = if later.contains(&alt) {
                (c, alt)
            } else {
                (alt, c)
            };
            let d = self.neb_difficulty(w, l);
            if d < best.difficulty {
                best = Best {
                    assertion: Some(Assertion::NotEliminatedBefore {
                        winner: w,
                        loser: l,
                    }),
                    difficulty: d,
                };
            }
        }
        // NEN: c beats the weakest other continuing candidate of π
        let set = pi.iter().fold(0u64, |s, &x| s | (1u64 << x));
        let votes = self.votes;
        let tallies = self
            .tallies
            .entry(set)
            .or_insert_with(|| votes.restricted_tallies(set));
        let tally = |x: u32| tallies.get(x as usize).copied().unwrap_or(0);
        let mut weakest: Option<(u32, u64)> = None;
        for &x in later {
            if weakest.is_none_or(|(_, t)| tally(x) <= t) {
                weakest = Some((x, tally(x)));
            }
        }
        if let Some((loser, t)) = weakest {
            let d = self.audit.difficulty(tally(c), t);
            if d < best.difficulty {
                best = Best {
                    assertion: Some(Assertion::nen(c, loser, pi.to_vec())),
                    difficulty: d,
                };
            }
        }
        best
    }

    fn node(&mut self, pi: Vec<u32>, best: Best, best_len: usize) -> Node {
        self.seq += 1;
        Node {
            pi,
            best,
            best_len,
            seq: self.seq,
        }
    }

    /// `π′ = [c] ++ π`, keeping the better of its own and the path's best.
    fn extend(&mut self, parent: &Node, c: u32) -> Result<Node, RaireError> {
        let mut pi = Vec::with_capacity(parent.pi.len() + 1);
        pi.push(c);
        pi.extend_from_slice(&parent.pi);
        let own = self.find_best(&pi)?;
        Ok(if own.difficulty < parent.best.difficulty {
            let len = pi.len();
            self.node(pi, own, len)
        } else {
            self.node(pi, parent.best.clone(), parent.best_len)
        })
    }

    /// Returns the assertions (with difficulties) and the bound `LB`.
    fn run(
        &mut self,
        winner: u32,
        elimination_order: &[u32],
    ) -> Result<(Vec<(Assertion, f64)>, f64), RaireError> {
        let n = self.n as u32;
        let mut found: Vec<(Assertion, f64)> = Vec::new();
        let mut bound = 0.0f64;
        let mut frontier: BinaryHeap<Node> = BinaryHeap::new();
        for c in (0..n).filter(|&c| c != winner) {
            let best = self.find_best(&[c])?;
            let node = self.node(vec![c], best, 1);
            frontier.push(node);
        }
        while let Some(node) = frontier.pop() {
            if node.best.difficulty <= bound {
                take(node, &mut found, &mut frontier);
                continue;
            }
            // dive along the reported elimination order to raise LB early
            let leaf = self.dive(&node, elimination_order)?;
            if !leaf.best.difficulty.is_finite() {
                return Err(RaireError::CouldNotRuleOut { order: leaf.pi });
            }
            bound = bound.max(leaf.best.difficulty);
            if node.best.difficulty <= bound {
                take(node, &mut found, &mut frontier);
                continue;
            }
            for c in 0..n {
                if node.pi.contains(&c) {
                    continue;
                }
                let child = self.extend(&node, c)?;
                if child.pi.len() == self.n {
                    // Algorithm 1 lines 22–28: a complete order
                    if !child.best.difficulty.is_finite() {
                        return Err(RaireError::CouldNotRuleOut { order: child.pi });
                    }
                    bound = bound.max(child.best.difficulty);
                    take(child, &mut found, &mut frontier);
                } else {
                    frontier.push(child);
                }
            }
        }
        Ok((found, bound))
    }

    /// Extend `node` to a complete order by adding the candidates it lacks
    /// in reverse reported elimination order.
    fn dive(&mut self, node: &Node, elimination_order: &[u32]) -> Result<Node, RaireError> {
        let mut current = Node {
            pi: node.pi.clone(),
            best: node.best.clone(),
            best_len: node.best_len,
            seq: node.seq,
        };
        for &c in elimination_order.iter().rev() {
            if !current.pi.contains(&c) {
                current = self.extend(&current, c)?;
            }
        }
        Ok(current)
    }
}

/// Settle `node` with its best ancestor's assertion, and drop every frontier
/// entry that assertion already rules out (Algorithm 1 lines 14–15).
fn take(node: Node, found: &mut Vec<(Assertion, f64)>, frontier: &mut BinaryHeap<Node>) {
    let Some(assertion) = node.best.assertion else {
        return;
    };
    let start = node.pi.len().saturating_sub(node.best_len);
    let ancestor = node.pi.get(start..).unwrap_or(&[]);
    frontier.retain(|s| !s.pi.ends_with(ancestor));
    if !found.iter().any(|(a, _)| *a == assertion) {
        found.push((assertion, node.best.difficulty));
    }
}
