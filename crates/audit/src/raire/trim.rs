//! Removing redundant assertions after the search (raire-rs's documented
//! `trim_algorithm` option, `AssertionTrimmingAlgorithm.md`). The search may
//! add an assertion for one branch that a later assertion also rules out.
//! Trimming never changes the audit's difficulty (the hardest assertion is
//! needed by construction), only how many assertions there are.
//!
//! Both trims build, for each candidate other than the winner, the tree of
//! elimination-order suffixes ending in that candidate, and mark at each node
//! the assertions that contradict it. `MinimizeTree` stops a branch at the
//! first contradicting node (the smallest tree for a person to check);
//! `MinimizeAssertions` keeps expanding while some assertion still needs more
//! detail, so a node may be covered either by its own assertions or by its
//! children's. Assertions are then chosen in two passes: first every
//! assertion that is the only way to close some leaf; then, walking the
//! trees in order, the first listed assertion of each node not yet closed.

use super::RaireError;
use super::assertion::{Assertion, AssertionAndDifficulty, SuffixEffect};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// How to remove redundant assertions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TrimAlgorithm {
    /// Keep every assertion the search produced.
    None,
    /// Keep the assertions needed to cut the suffix tree at the first
    /// contradicting node (raire-rs's default).
    #[default]
    MinimizeTree,
    /// Look below contradicting nodes too, to use fewer assertions.
    MinimizeAssertions,
}

/// One node of the tree of suffixes.
struct TreeNode {
    pruning: Vec<usize>,
    children: Vec<TreeNode>,
    /// Some order through this node is allowed by every assertion.
    valid: bool,
}

/// Counts tree nodes against a limit.
struct Budget {
    used: u64,
    limit: u64,
}

impl Budget {
    fn spend(&mut self) -> Result<(), RaireError> {
        self.used += 1;
        if self.used > self.limit {
            Err(RaireError::WorkLimit {
                step: "the elimination-order tree",
                limit: self.limit,
            })
        } else {
            Ok(())
        }
    }
}

fn build(
    suffix: &mut Vec<u32>,
    relevant: &[usize],
    assertions: &[Assertion],
    n: u32,
    keep_going: bool,
    budget: &mut Budget,
) -> Result<TreeNode, RaireError> {
    budget.spend()?;
    let mut pruning = Vec::new();
    let mut still = Vec::new();
    for &i in relevant {
        if let Some(a) = assertions.get(i) {
            match a.effect_on_suffix(suffix) {
                SuffixEffect::Contradiction => pruning.push(i),
                SuffixEffect::NeedsMoreDetail => still.push(i),
                SuffixEffect::Ok => {}
            }
        }
    }
    let mut valid = pruning.is_empty() && still.is_empty();
    let mut children = Vec::new();
    if (pruning.is_empty() || keep_going) && !still.is_empty() {
        for c in 0..n {
            if suffix.contains(&c) {
                continue;
            }
            suffix.insert(0, c);
            let child = build(suffix, &still, assertions, n, keep_going, budget)?;
            suffix.remove(0);
            if child.valid {
                if pruning.is_empty() {
                    valid = true;
                } else {
                    // the children cannot replace this node's assertions
                    children.clear();
                    break;
                }
            }
            children.push(child);
        }
    }
    Ok(TreeNode {
        pruning,
        children,
        valid,
    })
}

/// The canonical order: NEBs first (by winner, loser), then NENs by number
/// of continuing candidates, winner, loser and continuing set.
fn canonical(a: &Assertion, b: &Assertion) -> Ordering {
    match (a, b) {
        (Assertion::NotEliminatedBefore { .. }, Assertion::NotEliminatedNext { .. }) => {
            Ordering::Less
        }
        (Assertion::NotEliminatedNext { .. }, Assertion::NotEliminatedBefore { .. }) => {
            Ordering::Greater
        }
        (
            Assertion::NotEliminatedBefore {
                winner: w1,
                loser: l1,
            },
            Assertion::NotEliminatedBefore {
                winner: w2,
                loser: l2,
            },
        ) => (w1, l1).cmp(&(w2, l2)),
        (
            Assertion::NotEliminatedNext {
                winner: w1,
                loser: l1,
                continuing: c1,
            },
            Assertion::NotEliminatedNext {
                winner: w2,
                loser: l2,
                continuing: c2,
            },
        ) => (c1.len(), w1, l1, c1).cmp(&(c2.len(), w2, l2, c2)),
    }
}

struct Used(Vec<bool>);

impl Used {
    fn mark(&mut self, i: usize) {
        if let Some(u) = self.0.get_mut(i) {
            *u = true;
        }
    }
    fn is(&self, i: usize) -> bool {
        self.0.get(i).copied().unwrap_or(false)
    }
    fn forced(&mut self, node: &TreeNode) {
        if node.pruning.is_empty() {
            for child in &node.children {
                self.forced(child);
            }
        } else if node.children.is_empty()
            && let [only] = node.pruning.as_slice()
        {
            self.mark(*only);
        }
    }
    fn closed(&self, node: &TreeNode) -> bool {
        node.pruning.iter().any(|&i| self.is(i))
            || (!node.children.is_empty() && node.children.iter().all(|c| self.closed(c)))
    }
    fn second_pass(&mut self, node: &TreeNode) {
        if node.pruning.is_empty() {
            for child in &node.children {
                self.second_pass(child);
            }
        } else if !self.closed(node)
            && let Some(&first) = node.pruning.first()
        {
            self.mark(first);
        }
    }
}

/// Check that `assertions` rule out every candidate but `winner`, by the
/// suffix tree (works for any number of candidates, within
/// [`super::DEFAULT_WORK_LIMIT`] tree nodes).
pub fn check_winner(assertions: &[Assertion], winner: u32, n: usize) -> Result<(), RaireError> {
    let all: Vec<usize> = (0..assertions.len()).collect();
    let mut budget = Budget {
        used: 0,
        limit: super::DEFAULT_WORK_LIMIT,
    };
    for c in 0..n as u32 {
        let tree = build(&mut vec![c], &all, assertions, n as u32, false, &mut budget)?;
        if tree.valid != (c == winner) {
            return Err(if c == winner {
                RaireError::RuledOutWinner { winner }
            } else {
                RaireError::DidNotRuleOut { candidate: c }
            });
        }
    }
    Ok(())
}

/// Sort `assertions` canonically and remove redundant ones, building at
/// most `work_limit` tree nodes.
pub fn trim(
    assertions: &mut Vec<AssertionAndDifficulty>,
    winner: u32,
    n: usize,
    algorithm: TrimAlgorithm,
    work_limit: u64,
) -> Result<(), RaireError> {
    assertions.sort_by(|a, b| canonical(&a.assertion, &b.assertion));
    let keep_going = match algorithm {
        TrimAlgorithm::None => return Ok(()),
        TrimAlgorithm::MinimizeTree => false,
        TrimAlgorithm::MinimizeAssertions => true,
    };
    let list: Vec<Assertion> = assertions.iter().map(|a| a.assertion.clone()).collect();
    let all: Vec<usize> = (0..list.len()).collect();
    let mut trees = Vec::new();
    let mut budget = Budget {
        used: 0,
        limit: work_limit,
    };
    for c in 0..n as u32 {
        let tree = build(&mut vec![c], &all, &list, n as u32, keep_going, &mut budget)?;
        if tree.valid != (c == winner) {
            return Err(if c == winner {
                RaireError::RuledOutWinner { winner }
            } else {
                RaireError::DidNotRuleOut { candidate: c }
            });
        }
        if c != winner {
            trees.push(tree);
        }
    }
    let mut used = Used(vec![false; list.len()]);
    for tree in &trees {
        used.forced(tree);
    }
    for tree in &trees {
        used.second_pass(tree);
    }
    let mut index = 0;
    assertions.retain(|_| {
        let keep = used.is(index);
        index += 1;
        keep
    });
    Ok(())
}
