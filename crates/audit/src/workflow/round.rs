//! Rounds: the sample each contest needs, the cards to pull, and what the
//! recorded paper says about each contest's risk.
//!
//! Sampling is consistent across contests (Rivest's consistent sampler; Stark
//! 2020, SHANGRLA §3.5): every card gets one ticket from the seed, and a
//! contest's sample of size n is the n cards of its universe with the smallest
//! tickets. A contest whose sample grows from one round to the next keeps its
//! earlier cards, and a card sampled for one contest counts for every contest
//! whose universe holds it. Cards are drawn without replacement; the
//! super-simple and BRAVO risks are computed as for sampling with
//! replacement, which is conservative.
//!
//! The risk of a contest is measured on the longest run of its sample, in
//! ticket order, whose paper has all been recorded, so measuring part-way
//! through a round is valid (both risks are sequential tests).

use super::assertions::ContestAssertion;
use super::discrepancy::{Comparison, Discrepancy, Paper, classify, differs};
use super::error::WorkflowError;
use super::spec::{
    AuditCard, AuditSpec, ContestRule, ContestSpec, Method, RiskFunction, Selection, winners,
};
use crate::bravo::{BravoContest, PairRisk, bravo_sample_size};
use crate::nonneg_mean::{Bet, Estimator, NonnegMean, Population, ShrinkTrunc};
use crate::sample_size::sample_size;
use crate::sampler::rivest::{RivestSampler, arlo_ballot_id};
use crate::supersimple::{ComparisonContest, Discrepancies, GAMMA, SampledBallot};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// The chance of finishing in one round that polling sample sizes aim for.
pub const POLLING_QUANTILE: f64 = 0.9;

/// Every card's ticket and each contest's universe in ticket order.
#[derive(Clone, Debug)]
pub struct TicketOrder {
    /// The ticket digits (after `0.`) of each card, in manifest order.
    pub tickets: Vec<String>,
    /// For each contest, its universe's card indexes, smallest ticket first.
    pub by_contest: Vec<Vec<usize>>,
}

/// Give every card its ticket: Rivest's `first_fraction` of Arlo's id
/// `(batch, position)` under `seed`.
pub fn order_cards(spec: &AuditSpec, cards: &[AuditCard], seed: &str) -> TicketOrder {
    let sampler = RivestSampler::new(seed);
    // Hashed in parallel; `collect` keeps manifest order, so the result does
    // not depend on the number of threads.
    let tickets: Vec<String> = cards
        .par_iter()
        .map(|c| {
            let ticket = sampler.first_ticket(&arlo_ballot_id(&c.batch, c.position));
            ticket.as_str().trim_start_matches("0.").to_owned()
        })
        .collect();
    let mut all: Vec<usize> = (0..cards.len()).collect();
    all.par_sort_unstable_by(|&a, &b| tickets.get(a).cmp(&tickets.get(b)).then(a.cmp(&b)));
    let by_contest = (0..spec.contests.len())
        .map(|ci| {
            all.iter()
                .copied()
                .filter(|&i| cards.get(i).is_some_and(|c| c.in_universe(ci)))
                .collect()
        })
        .collect();
    TicketOrder {
        tickets,
        by_contest,
    }
}

/// One contest's cumulative sample size in a round.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoundContest {
    /// The contest.
    pub contest: String,
    /// The contest's sample size so far (all rounds up to this one).
    pub sample_size: u64,
    /// True when the sample is the contest's whole universe.
    pub full_hand_count: bool,
}

/// A round: its number and each contest's cumulative sample size.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoundPlan {
    /// 1, 2, ...
    pub round: u32,
    /// Per contest, in the audit's contest order.
    pub contests: Vec<RoundContest>,
}

impl RoundPlan {
    /// The cumulative sizes, in contest order.
    pub fn sizes(&self) -> Vec<u64> {
        self.contests.iter().map(|c| c.sample_size).collect()
    }
}

/// One line of a round's sample: the `sequence`-th card of a contest's sample.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SampleEntry {
    /// Index of the contest in the audit.
    pub contest: usize,
    /// 1-based position in the contest's ticket order.
    pub sequence: u64,
    /// Index of the card (manifest order).
    pub card: usize,
    /// True when this round is the first to draw the card.
    pub new: bool,
}

/// The cards of every contest's sample up to `sizes`.
pub fn drawn_cards(order: &TicketOrder, sizes: &[u64]) -> BTreeSet<usize> {
    let mut out = BTreeSet::new();
    for (ci, &n) in sizes.iter().enumerate() {
        if let Some(list) = order.by_contest.get(ci) {
            out.extend(list.iter().take(n as usize).copied());
        }
    }
    out
}

/// The sample lines of a round that grows the sizes from `before` to `after`.
pub fn round_sample(order: &TicketOrder, before: &[u64], after: &[u64]) -> Vec<SampleEntry> {
    let earlier = drawn_cards(order, before);
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (ci, &n) in after.iter().enumerate() {
        let from = before.get(ci).copied().unwrap_or(0);
        let Some(list) = order.by_contest.get(ci) else {
            continue;
        };
        for (k, &card) in list.iter().enumerate().take(n as usize).skip(from as usize) {
            let new = !earlier.contains(&card) && seen.insert(card);
            out.push(SampleEntry {
                contest: ci,
                sequence: k as u64 + 1,
                card,
                new,
            });
        }
    }
    out
}

/// The new cards of a round in the order audit boards walk the shelves:
/// tabulator, batch, position (names compared with their numbers as numbers).
pub fn retrieval_order(cards: &[AuditCard], sample: &[SampleEntry]) -> Vec<usize> {
    let mut list: Vec<usize> = sample.iter().filter(|e| e.new).map(|e| e.card).collect();
    list.sort_by(|&a, &b| match (cards.get(a), cards.get(b)) {
        (Some(x), Some(y)) => natural_cmp(
            x.tabulator.as_deref().unwrap_or(""),
            y.tabulator.as_deref().unwrap_or(""),
        )
        .then_with(|| natural_cmp(&x.batch, &y.batch))
        .then(x.position.cmp(&y.position)),
        _ => a.cmp(&b),
    });
    list.dedup();
    list
}

/// Compare names so that `pct 2` comes before `pct 10`: runs of digits compare
/// as numbers, everything else as text; ties fall back to plain text order.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (a, b);
    loop {
        match (x.chars().next(), y.chars().next()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let xe = x.find(|ch: char| !ch.is_ascii_digit()).unwrap_or(x.len());
                let ye = y.find(|ch: char| !ch.is_ascii_digit()).unwrap_or(y.len());
                let (xd, yd) = (x.get(..xe).unwrap_or(""), y.get(..ye).unwrap_or(""));
                let (xt, yt) = (xd.trim_start_matches('0'), yd.trim_start_matches('0'));
                let ord = xt.len().cmp(&yt.len()).then_with(|| xt.cmp(yt));
                if ord != Ordering::Equal {
                    return ord;
                }
                x = x.get(xe..).unwrap_or("");
                y = y.get(ye..).unwrap_or("");
            }
            (Some(c), Some(d)) => {
                if c != d {
                    return c.cmp(&d);
                }
                x = x.get(c.len_utf8()..).unwrap_or("");
                y = y.get(d.len_utf8()..).unwrap_or("");
            }
        }
    }
}

/// Discrepancies found in a contest's sample.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscrepancyCounts {
    /// Two-vote overstatements.
    pub two_vote_over: u64,
    /// One-vote overstatements.
    pub one_vote_over: u64,
    /// One-vote understatements.
    pub one_vote_under: u64,
    /// Two-vote understatements.
    pub two_vote_under: u64,
    /// Differences no margin sees.
    pub zero_weight: u64,
    /// Cards the board could not find (counted as the worst case).
    pub not_found: u64,
    /// Phantom cards in the sample (manifest cards without CVR).
    pub phantoms: u64,
}

impl DiscrepancyCounts {
    fn add(&mut self, kind: Discrepancy) {
        match kind {
            Discrepancy::None => {}
            Discrepancy::ZeroWeight => self.zero_weight += 1,
            Discrepancy::OneVoteOver => self.one_vote_over += 1,
            Discrepancy::TwoVoteOver => self.two_vote_over += 1,
            Discrepancy::OneVoteUnder => self.one_vote_under += 1,
            Discrepancy::TwoVoteUnder => self.two_vote_under += 1,
        }
    }
}

/// The result of a full hand count of a contest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandCount {
    /// Votes per candidate on paper.
    pub tally: BTreeMap<String, u64>,
    /// The winners by the hand count.
    pub winners: Vec<String>,
    /// The reported winners.
    pub reported_winners: Vec<String>,
    /// True when the hand count's winners differ from the reported ones.
    pub outcome_changed: bool,
    /// True when the last seat is tied on paper (the law decides it).
    pub tie: bool,
    /// Cards of the universe that were not found (counted for no one).
    pub not_found: u64,
}

/// Where a contest stands.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ContestState {
    /// No round has been drawn.
    NotStarted,
    /// The risk is at or below the limit: the reported outcome is confirmed.
    Confirmed,
    /// Paper for this round's sample is still being recorded.
    InProgress,
    /// The round is complete and the risk is above the limit: the next round
    /// needs this cumulative sample size.
    NextRound {
        /// The cumulative sample size for the next round.
        size: u64,
        /// True when that is the whole universe (a full hand count).
        full_hand_count: bool,
    },
    /// A full hand count is under way.
    HandCountInProgress,
    /// The full hand count is done; it is the outcome.
    HandCount(HandCount),
}

/// A contest's status after the paper recorded so far.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContestStatus {
    /// The contest.
    pub contest: String,
    /// Cards the contest is audited over.
    pub universe: u64,
    /// The current round's cumulative sample size.
    pub sample_size: u64,
    /// How many of those (in ticket order, without a gap) have paper recorded.
    pub recorded: u64,
    /// Discrepancies in the recorded sample (comparison audits).
    pub discrepancies: DiscrepancyCounts,
    /// Votes on paper in the recorded sample, by candidate.
    pub sample_votes: BTreeMap<String, u64>,
    /// The measured risk (p-value); 0 after a full hand count.
    pub risk: f64,
    /// The risk limit.
    pub risk_limit: f64,
    /// Where the contest stands.
    #[serde(flatten)]
    pub state: ContestState,
}

/// The sizes of round 1: super-simple's initial size (comparison) or BRAVO's
/// size with a 90% chance to finish (polling), for each contest.
pub fn first_round(spec: &AuditSpec) -> RoundPlan {
    let contests = spec
        .contests
        .iter()
        .map(|c| {
            let size = match (spec.method, spec.risk_function) {
                (Method::Comparison, RiskFunction::KaplanMarkov) => {
                    comparison_size(spec.risk_limit, c, None)
                }
                (Method::Comparison, rf) => {
                    assertion_size(rf, spec.risk_limit, c, &c.assertions(), None)
                }
                (Method::Polling, _) => c
                    .pairs()
                    .iter()
                    .map(|&(w, l, _)| polling_size(spec.risk_limit, c, w, l, 0, (0, 0)))
                    .max()
                    .unwrap_or(c.universe),
            };
            RoundContest {
                contest: c.name.clone(),
                sample_size: size,
                full_hand_count: size >= c.universe,
            }
        })
        .collect();
    RoundPlan { round: 1, contests }
}

/// The next round, from the statuses at the end of the current one. Refuses
/// while paper of the current round is still missing, and when every contest
/// is finished.
pub fn next_round(
    current: &RoundPlan,
    statuses: &[ContestStatus],
    missing_paper: u64,
) -> Result<RoundPlan, WorkflowError> {
    let round = current.round + 1;
    if missing_paper > 0 {
        return Err(WorkflowError::CannotDraw {
            round,
            reason: format!(
                "{missing_paper} cards of round {} have no paper record yet",
                current.round
            ),
        });
    }
    let mut grows = false;
    let mut contests = Vec::new();
    for (rc, st) in current.contests.iter().zip(statuses) {
        let (size, full) = match &st.state {
            ContestState::NextRound {
                size,
                full_hand_count,
            } => {
                grows = true;
                (*size, *full_hand_count)
            }
            _ => (rc.sample_size, rc.full_hand_count),
        };
        contests.push(RoundContest {
            contest: rc.contest.clone(),
            sample_size: size,
            full_hand_count: full,
        });
    }
    if !grows {
        return Err(WorkflowError::CannotDraw {
            round,
            reason: "every contest is confirmed or hand counted; the audit is complete".into(),
        });
    }
    Ok(RoundPlan { round, contests })
}

/// Measure every contest on the paper recorded so far. `plan` is the current
/// round (`None` before round 1).
pub fn evaluate(
    spec: &AuditSpec,
    cards: &[AuditCard],
    order: &TicketOrder,
    plan: Option<&RoundPlan>,
    paper: &BTreeMap<usize, Paper>,
) -> Vec<ContestStatus> {
    spec.contests
        .iter()
        .enumerate()
        .map(|(ci, contest)| {
            let size = plan
                .and_then(|p| p.contests.get(ci))
                .map_or(0, |c| c.sample_size);
            let list = order.by_contest.get(ci).map(Vec::as_slice).unwrap_or(&[]);
            evaluate_contest(spec, ci, contest, cards, list, plan.is_some(), size, paper)
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn evaluate_contest(
    spec: &AuditSpec,
    ci: usize,
    contest: &ContestSpec,
    cards: &[AuditCard],
    list: &[usize],
    started: bool,
    size: u64,
    paper: &BTreeMap<usize, Paper>,
) -> ContestStatus {
    let sample: &[usize] = list.get(..(size as usize).min(list.len())).unwrap_or(&[]);
    let recorded: Vec<(&AuditCard, Option<&Selection>)> = sample
        .iter()
        .map_while(|i| {
            let p = paper.get(i)?;
            let card = cards.get(*i)?;
            Some((
                card,
                match p {
                    Paper::NotFound => None,
                    Paper::Found(s) => Some(s.get(ci).unwrap_or(&Selection::Absent)),
                },
            ))
        })
        .collect();
    let mut counts = DiscrepancyCounts::default();
    let mut sample_votes: BTreeMap<String, u64> =
        contest.candidates.iter().map(|c| (c.clone(), 0)).collect();
    let mut taints = Vec::new();
    let assertions = contest.assertions();
    // Per recorded card, each assertion's overstatement in votes.
    let mut overs: Vec<Vec<f64>> = Vec::with_capacity(recorded.len());
    for (card, mvr) in &recorded {
        let cvr = if card.is_phantom() {
            None
        } else {
            card.votes.get(ci)
        };
        let over: Vec<f64> = assertions
            .iter()
            .map(|a| a.overstatement(cvr, *mvr))
            .collect();
        let Comparison { kind, taint } = classify(contest, &assertions, &over, differs(cvr, *mvr));
        overs.push(over);
        counts.add(kind);
        if mvr.is_none() {
            counts.not_found += 1;
        }
        if card.is_phantom() {
            counts.phantoms += 1;
        }
        // Votes on paper; first choices of a ranking.
        let counted: &[usize] = match mvr {
            Some(Selection::Votes(v)) => v,
            Some(Selection::Ranking(r)) => r.get(..1).unwrap_or(&[]),
            _ => &[],
        };
        for name in contest.names(counted) {
            *sample_votes.entry(name).or_default() += 1;
        }
        taints.push(taint);
    }
    let n_recorded = recorded.len() as u64;
    let alpha = spec.risk_limit;
    // Polling: votes on paper per candidate, and the cards that count as a
    // vote for every loser (not found, or the paper lacks a contest its CVR holds).
    let missing = recorded
        .iter()
        .filter(|(card, mvr)| match mvr {
            None => true,
            Some(Selection::Absent) => !card.is_phantom() && card.in_universe(ci),
            Some(_) => false,
        })
        .count() as u64;
    let bravo = polling_contest(contest);
    let pair_risks = |bravo: &BravoContest| -> Vec<PairRisk> {
        bravo.pair_risks(&sample_votes, missing).unwrap_or_default()
    };
    let risk = match (spec.method, spec.risk_function) {
        (Method::Comparison, RiskFunction::KaplanMarkov) => comparison_risk(contest, &taints),
        (Method::Comparison, rf) => assertion_risks(rf, contest, &assertions, &overs)
            .into_iter()
            .fold(0.0f64, f64::max),
        (Method::Polling, _) => bravo.as_ref().map_or(1.0, |b| {
            pair_risks(b)
                .iter()
                .map(|p| p.p_value)
                .fold(0.0f64, f64::max)
        }),
    };
    let whole = size >= contest.universe && contest.universe > 0;
    let complete = n_recorded >= size;
    let state = if !started {
        ContestState::NotStarted
    } else if whole && complete {
        ContestState::HandCount(hand_count(contest, ci, cards, sample, paper))
    } else if whole {
        // Once a full hand count is under way it is finished: it is the outcome.
        ContestState::HandCountInProgress
    } else if risk <= alpha && contest.universe > 0 {
        ContestState::Confirmed
    } else if !complete {
        ContestState::InProgress
    } else {
        let next = match (spec.method, spec.risk_function) {
            (Method::Comparison, RiskFunction::KaplanMarkov) => {
                comparison_size(alpha, contest, Some((&counts, n_recorded)))
            }
            (Method::Comparison, rf) => {
                assertion_size(rf, alpha, contest, &assertions, Some(&overs))
            }
            (Method::Polling, _) => match &bravo {
                Some(b) => {
                    let risks = pair_risks(b);
                    contest
                        .pairs()
                        .iter()
                        .map(|&(w, l, _)| {
                            let (wn, ln) = (contest.names(&[w]), contest.names(&[l]));
                            let confirmed = risks.iter().any(|p| {
                                wn.first() == Some(&p.winner)
                                    && ln.first() == Some(&p.loser)
                                    && p.p_value <= alpha
                            });
                            if confirmed {
                                return 0;
                            }
                            let vote = |i: usize| {
                                contest
                                    .names(&[i])
                                    .first()
                                    .and_then(|n| sample_votes.get(n))
                                    .copied()
                                    .unwrap_or(0)
                            };
                            let seen = (vote(w), vote(l) + missing);
                            polling_size(alpha, contest, w, l, size, seen)
                        })
                        .max()
                        .unwrap_or(contest.universe)
                }
                None => contest.universe,
            },
        };
        // Always grow: the formulas give more than `size` whenever the risk is
        // above the limit, but rounding must never stall an audit.
        let next = next.max(size + 1).min(contest.universe);
        ContestState::NextRound {
            size: next,
            full_hand_count: next >= contest.universe,
        }
    };
    let risk = if let ContestState::HandCount(_) = state {
        0.0
    } else {
        risk
    };
    ContestStatus {
        contest: contest.name.clone(),
        universe: contest.universe,
        sample_size: size,
        recorded: n_recorded,
        discrepancies: counts,
        sample_votes,
        risk,
        risk_limit: alpha,
        state,
    }
}

/// The contest as `crate::supersimple` sees it: the universe and the smallest
/// winner–loser margin.
fn comparison_contest(contest: &ContestSpec) -> ComparisonContest {
    ComparisonContest {
        ballots: contest.universe.max(1),
        margin_votes: contest.min_margin().max(0) as u64,
        gamma: GAMMA,
    }
}

/// The super-simple risk of the sample; `taints` are in units of the smallest
/// margin, so Arlo's weighted error (overstatement over the pair's margin) is
/// `taint / V_min`.
fn comparison_risk(contest: &ContestSpec, taints: &[f64]) -> f64 {
    let v_min = contest.min_margin();
    if v_min <= 0 || contest.universe == 0 {
        return 1.0;
    }
    let sample: Vec<SampledBallot> = taints
        .iter()
        .map(|t| SampledBallot {
            weighted_error: t / v_min as f64,
            times_sampled: 1,
        })
        .collect();
    comparison_contest(contest).risk(&sample)
}

/// The cumulative comparison sample size: super-simple's initial size, or
/// after `recorded` cards with these discrepancies, Arlo's follow-up (the
/// observed overstatement rates carried forward).
fn comparison_size(
    alpha: f64,
    contest: &ContestSpec,
    seen: Option<(&DiscrepancyCounts, u64)>,
) -> u64 {
    if contest.min_margin() <= 0 {
        return contest.universe;
    }
    let observed = seen.map(|(c, n)| {
        (
            Discrepancies {
                o1: c.one_vote_over,
                o2: c.two_vote_over,
                u1: c.one_vote_under,
                u2: c.two_vote_under,
            },
            n,
        )
    });
    let drawn = seen.map_or(0, |(_, n)| n);
    match comparison_contest(contest).sample_size(alpha, observed) {
        Ok(more) => drawn.saturating_add(more).min(contest.universe),
        Err(_) => contest.universe,
    }
}

/// The cumulative polling sample size for the pair (w, l): what is drawn plus
/// BRAVO's round size with a 90% chance to finish (`crate::bravo`, Arlo's
/// method), given the pair's votes `seen` in the `drawn` cards.
fn polling_size(
    alpha: f64,
    contest: &ContestSpec,
    w: usize,
    l: usize,
    drawn: u64,
    seen: (u64, u64),
) -> u64 {
    let (r_w, r_l) = (contest.votes(w), contest.votes(l));
    let n = contest.universe;
    if r_w <= r_l || n == 0 {
        return n;
    }
    let more = bravo_sample_size(
        alpha,
        r_w as f64 / n as f64,
        r_l as f64 / n as f64,
        seen.0,
        seen.1,
        POLLING_QUANTILE,
        n,
    );
    drawn.saturating_add(more.max(1)).min(n)
}

/// The test of one assertion's comparison assorter
/// `B = (1 − e/2)/(2 − V/N)` (SHANGRLA §3.2, see [`super::assertions`])
/// under `rf`, and `B`'s value on a card without discrepancy; `None` when
/// the assertion's margin is not positive.
fn assertion_test(
    rf: RiskFunction,
    contest: &ContestSpec,
    assertion: &ContestAssertion,
) -> Option<(NonnegMean, f64)> {
    let n = contest.universe;
    if assertion.margin <= 0 || n == 0 {
        return None;
    }
    let v = (assertion.margin as f64 / n as f64).min(1.0);
    let clean = 1.0 / (2.0 - v);
    let upper = 2.0 * clean;
    let population = Population {
        upper,
        size: Some(n),
        null_mean: 0.5,
    };
    let function = match rf {
        // ALPHA §2.5.2 with SHANGRLA's defaults (η₀ = u, d = 100).
        RiskFunction::Alpha | RiskFunction::KaplanMarkov => {
            crate::nonneg_mean::RiskFunction::Alpha(Estimator::ShrinkTrunc(ShrinkTrunc::defaults(
                upper,
            )))
        }
        // The log-optimal (Kelly) fixed bet when a card shows either no
        // discrepancy (B = clean) or, at rate p₂, a two-vote overstatement
        // (B = 0): maximising (1 − p₂) ln(1 + λ(clean − m)) + p₂ ln(1 − λm)
        // at m = 1/2 gives λ = ((1 − p₂)(clean − m) − p₂ m)/(m (clean − m)).
        // p₂ = 10⁻⁴ is super-simple's expected two-vote rate (Stark 2010 §4).
        RiskFunction::Betting => {
            let (m, p2) = (0.5, crate::supersimple::R2);
            let lambda = (((1.0 - p2) * (clean - m) - p2 * m) / (m * (clean - m))).max(0.0);
            crate::nonneg_mean::RiskFunction::Betting(Bet::Fixed { lambda })
        }
    };
    Some((NonnegMean::new(population, function), clean))
}

/// The comparison assorter's value for an overstatement of `e` votes.
fn comparison_value(e: f64, clean: f64) -> f64 {
    ((1.0 - e / 2.0) * clean).max(0.0)
}

/// Each assertion's risk (ALPHA or betting p-value) on the recorded cards'
/// overstatements (`overs[card][assertion]`, cards in ticket order).
fn assertion_risks(
    rf: RiskFunction,
    contest: &ContestSpec,
    assertions: &[ContestAssertion],
    overs: &[Vec<f64>],
) -> Vec<f64> {
    assertions
        .iter()
        .enumerate()
        .map(|(k, a)| {
            let Some((test, clean)) = assertion_test(rf, contest, a) else {
                return 1.0;
            };
            let x: Vec<f64> = overs
                .iter()
                .map(|o| comparison_value(o.get(k).copied().unwrap_or(2.0), clean))
                .collect();
            test.test(&x).map_or(1.0, |m| m.p_value)
        })
        .collect()
}

/// The cumulative sample size under ALPHA or betting: the largest over the
/// assertions of the draw at which the test, fed pilot values repeated in
/// order, reaches the risk limit (`crate::sample_size`). Before round 1 the
/// pilot is one one-vote overstatement followed by 999 clean cards
/// (super-simple's expected rate, the error put first to be cautious);
/// later, the comparison values recorded so far.
fn assertion_size(
    rf: RiskFunction,
    alpha: f64,
    contest: &ContestSpec,
    assertions: &[ContestAssertion],
    overs: Option<&[Vec<f64>]>,
) -> u64 {
    let n = contest.universe;
    if assertions.is_empty() {
        return n;
    }
    assertions
        .iter()
        .enumerate()
        .map(|(k, a)| {
            let Some((test, clean)) = assertion_test(rf, contest, a) else {
                return n;
            };
            let pilot: Vec<f64> = match overs {
                Some(o) if !o.is_empty() => o
                    .iter()
                    .map(|o| comparison_value(o.get(k).copied().unwrap_or(2.0), clean))
                    .collect(),
                _ => std::iter::once(comparison_value(1.0, clean))
                    .chain(std::iter::repeat_n(clean, 999))
                    .collect(),
            };
            sample_size(&test, &pilot, alpha).unwrap_or(n)
        })
        .max()
        .unwrap_or(n)
        .min(n)
}

/// The contest as `crate::bravo` sees it: reported votes over the universe;
/// `None` when BRAVO cannot audit it (e.g. no loser).
fn polling_contest(contest: &ContestSpec) -> Option<BravoContest> {
    let tallies = contest
        .candidates
        .iter()
        .cloned()
        .zip(contest.reported.iter().copied())
        .collect();
    BravoContest::new(contest.universe, tallies, contest.seats as usize).ok()
}

fn hand_count(
    contest: &ContestSpec,
    ci: usize,
    cards: &[AuditCard],
    sample: &[usize],
    paper: &BTreeMap<usize, Paper>,
) -> HandCount {
    let mut tally = vec![0u64; contest.candidates.len()];
    let mut rankings: BTreeMap<Vec<u32>, u64> = BTreeMap::new();
    let mut not_found = 0;
    for i in sample {
        match paper.get(i) {
            Some(Paper::Found(s)) => {
                // Votes, or a ranking's first choice (the IRV count follows).
                let counted: &[usize] = match s.get(ci) {
                    Some(Selection::Votes(v)) => v,
                    Some(Selection::Ranking(r)) => {
                        *rankings
                            .entry(r.iter().map(|&c| c as u32).collect())
                            .or_insert(0) += 1;
                        r.get(..1).unwrap_or(&[])
                    }
                    _ => &[],
                };
                for &c in counted {
                    if let Some(t) = tally.get_mut(c) {
                        *t += 1;
                    }
                }
            }
            // A phantom that is not found is a card that never existed.
            Some(Paper::NotFound) if cards.get(*i).is_some_and(|c| !c.is_phantom()) => {
                not_found += 1;
            }
            Some(Paper::NotFound) => {}
            None => {}
        }
    }
    let mut sorted = tally.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    let seats = contest.seats as usize;
    let (won, tie) = match &contest.rule {
        ContestRule::Plurality => (
            winners(&tally, contest.seats),
            seats < sorted.len() && sorted.get(seats - 1) == sorted.get(seats),
        ),
        ContestRule::Supermajority {
            numerator,
            denominator,
        } => {
            // The top candidate wins only with more than the share.
            let top = winners(&tally, 1);
            let valid: u64 = tally.iter().sum();
            let votes = top
                .first()
                .and_then(|&w| tally.get(w))
                .copied()
                .unwrap_or(0);
            let wins = u128::from(votes) * u128::from(*denominator)
                > u128::from(valid) * u128::from(*numerator);
            (
                if wins { top } else { Vec::new() },
                sorted.first().is_some_and(|&a| a > 0) && sorted.first() == sorted.get(1),
            )
        }
        ContestRule::Irv { .. } => irv_count(contest, rankings),
    };
    HandCount {
        tally: contest.candidates.iter().cloned().zip(tally).collect(),
        winners: contest.names(&won),
        reported_winners: contest.names(&contest.winners),
        outcome_changed: won != contest.winners,
        tie,
        not_found,
    }
}

/// The IRV winner of the paper's rankings (RAIRE's count, ties explored
/// every way): `(winners, tie)`; a tie returns every possible winner.
fn irv_count(contest: &ContestSpec, rankings: BTreeMap<Vec<u32>, u64>) -> (Vec<usize>, bool) {
    use crate::raire::{RankedVote, Votes};
    let votes = Votes::new(
        rankings
            .into_iter()
            .map(|(prefs, n)| RankedVote { n, prefs })
            .collect(),
        contest.candidates.len(),
    );
    match votes.and_then(|v| v.run_irv()) {
        Ok(r) => {
            let tie = r.possible_winners.len() > 1;
            (
                r.possible_winners.iter().map(|&c| c as usize).collect(),
                tie,
            )
        }
        Err(_) => (Vec::new(), true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order_of_batch_names() {
        let mut names = vec!["pct 10", "pct 2", "pct 1", "b", "a10b", "a9b", "pct 02"];
        names.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            names,
            ["a9b", "a10b", "b", "pct 1", "pct 02", "pct 2", "pct 10"]
        );
    }
}
