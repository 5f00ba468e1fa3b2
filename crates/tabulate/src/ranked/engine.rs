//! The round-by-round count. The order of operations in each round follows
//! RCTab's documented behaviour (configuration documentation, "Tabulation
//! rules"): count every ballot for its top continuing choice (applying the
//! overvote, skipped-rank and duplicate rules), set the threshold, elect, or
//! else eliminate (undeclared write-ins first, then everyone below the
//! minimum vote threshold, then a batch, then the last-placed candidate), and
//! in multi-seat contests transfer each winner's surplus fractionally.

use super::{
    BallotGroup, Decimal, InactiveReason, OvervoteRule, RankedBallots, RankedCandidateKind,
    RankedError, RankedResult, RankedRules, Round, Rounding, Selection, TieBreak, TiebreakMode,
    TransferTarget, WinnerMode,
};
use crate::java_random::{JavaRandom, java_hash_set_order, java_string_cmp};
use canvass_model::CandidateId;
use std::collections::{BTreeMap, BTreeSet};

const REASONS: [InactiveReason; 6] = [
    InactiveReason::Undervote,
    InactiveReason::Overvote,
    InactiveReason::SkippedRankings,
    InactiveReason::RepeatedRankings,
    InactiveReason::ExhaustedChoices,
    InactiveReason::FinalRoundSurplus,
];

fn reason_index(r: InactiveReason) -> usize {
    REASONS.iter().position(|x| *x == r).unwrap_or(0)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Active,
    Inactive(InactiveReason),
}

#[derive(Clone, Debug)]
struct GroupState {
    status: Status,
    recipient: Option<usize>,
    /// Per-ballot value kept by each winner this ballot helped elect.
    allocations: Vec<(usize, Decimal)>,
    /// Per-ballot value still transferable (1 minus the allocations).
    value: Decimal,
}

/// Sums of one count (the whole contest, or one precinct).
#[derive(Clone, Debug, Default)]
struct Acc {
    tally: BTreeMap<usize, Decimal>,
    inactive: [Decimal; 6],
    active: Decimal,
    transfers: BTreeMap<usize, BTreeMap<TransferTarget, Decimal>>,
}

impl Acc {
    fn new(continuing: &[usize]) -> Acc {
        Acc {
            tally: continuing.iter().map(|&c| (c, Decimal::ZERO)).collect(),
            ..Acc::default()
        }
    }

    fn add_tally(&mut self, c: usize, w: Decimal) -> Result<(), RankedError> {
        let t = self.tally.entry(c).or_insert(Decimal::ZERO);
        *t = t.plus(w)?;
        self.active = self.active.plus(w)?;
        Ok(())
    }

    fn add_inactive(&mut self, r: InactiveReason, w: Decimal) -> Result<(), RankedError> {
        let i = reason_index(r);
        if let Some(slot) = self.inactive.get_mut(i) {
            *slot = slot.plus(w)?;
        }
        Ok(())
    }

    fn add_transfer(
        &mut self,
        from: usize,
        to: TransferTarget,
        w: Decimal,
    ) -> Result<(), RankedError> {
        let slot = self
            .transfers
            .entry(from)
            .or_default()
            .entry(to)
            .or_insert(Decimal::ZERO);
        *slot = slot.plus(w)?;
        Ok(())
    }
}

struct Counter<'a> {
    ballots: &'a RankedBallots,
    rules: &'a RankedRules,
    excluded: Vec<bool>,
    won_round: Vec<Option<u32>>,
    winners: Vec<usize>,
    elim_round: Vec<Option<u32>>,
    num_eliminated: usize,
    states: Vec<GroupState>,
    rounds: Vec<Round>,
    precinct_rounds: Vec<Vec<Round>>,
    random: Option<JavaRandom>,
    permutation: Vec<usize>,
    round: u32,
    uses_surpluses: bool,
    uwi: Option<usize>,
    /// When kept: per round, per group, where the group's ballots counted.
    trace: Option<RoundAllocations>,
}

fn cid(i: usize) -> CandidateId {
    CandidateId(i as u32)
}

/// Count `ballots` under `rules`. For `multiPassIrv` this runs the first pass
/// only; use [`tabulate_sequential`] for all passes.
pub fn tabulate(ballots: &RankedBallots, rules: &RankedRules) -> Result<RankedResult, RankedError> {
    Counter::new(ballots, rules, &[])?.run()
}

/// Where one ballot of a group counted in one round.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Allocation {
    /// The continuing candidate the ballot's transferable value counted
    /// for, `None` when the ballot was inactive.
    pub recipient: Option<u32>,
    /// That transferable value: one, or less after surplus transfers.
    pub value: Decimal,
    /// The value the ballot left with each winner whose surplus it helped
    /// transfer (multi-seat), in the order of those transfers.
    pub kept: Vec<(u32, Decimal)>,
}

/// Per round (outer), per ballot group (inner, in [`RankedBallots::groups`]
/// order): where one ballot of the group counted in that round.
pub type RoundAllocations = Vec<Vec<Allocation>>;

/// [`tabulate`], also returning where each ballot group counted in each
/// round (what RCTab's CDF output marks `IsAllocable`).
pub fn tabulate_traced(
    ballots: &RankedBallots,
    rules: &RankedRules,
) -> Result<(RankedResult, RoundAllocations), RankedError> {
    let mut counter = Counter::new(ballots, rules, &[])?;
    counter.trace = Some(Vec::new());
    counter.run_traced()
}

/// RCTab's `multiPassIrv`: one single-winner pass per seat, each earlier
/// winner excluded from the later passes. One result per pass.
pub fn tabulate_sequential(
    ballots: &RankedBallots,
    rules: &RankedRules,
) -> Result<Vec<RankedResult>, RankedError> {
    let mut pass_rules = rules.clone();
    pass_rules.seats = 1;
    pass_rules.winner_mode = WinnerMode::SingleWinnerMajority;
    let mut winners: Vec<usize> = Vec::new();
    let mut results = Vec::new();
    for _ in 0..rules.seats {
        let result = Counter::new(ballots, &pass_rules, &winners)?.run()?;
        let new: Vec<usize> = result.winners.iter().map(|c| c.index()).collect();
        results.push(result);
        if new.is_empty() {
            break;
        }
        winners.extend(new);
        let left = ballots
            .candidates
            .iter()
            .enumerate()
            .filter(|(i, c)| {
                !c.excluded && c.kind == RankedCandidateKind::Declared && !winners.contains(i)
            })
            .count();
        if left == 0 {
            break;
        }
    }
    Ok(results)
}

impl<'a> Counter<'a> {
    fn new(
        ballots: &'a RankedBallots,
        rules: &'a RankedRules,
        also_excluded: &[usize],
    ) -> Result<Counter<'a>, RankedError> {
        let n = ballots.candidates.len();
        let max_rank = rules.max_rankings.unwrap_or(u32::MAX);
        for g in ballots.groups() {
            for (rank, sel) in &g.marks {
                if let Selection::Candidate(c) = sel
                    && c.index() >= n
                {
                    return Err(RankedError::UnknownCandidate {
                        index: c.0,
                        count: n,
                    });
                }
                if *rank > max_rank {
                    return Err(RankedError::TooManyRankings {
                        rank: *rank,
                        max: max_rank,
                    });
                }
            }
        }
        if rules.decimal_places > 20 {
            return Err(RankedError::InvalidRules(
                "decimal places must be at most 20".into(),
            ));
        }
        let mut excluded: Vec<bool> = ballots.candidates.iter().map(|c| c.excluded).collect();
        for &i in also_excluded {
            if let Some(e) = excluded.get_mut(i) {
                *e = true;
            }
        }
        let uwi = ballots
            .candidates
            .iter()
            .position(|c| c.kind == RankedCandidateKind::UndeclaredWriteIn);
        let needs_seed = matches!(
            rules.tiebreak,
            TiebreakMode::Random
                | TiebreakMode::PreviousRoundCountsThenRandom
                | TiebreakMode::GeneratePermutation
        );
        let mut random = None;
        if needs_seed {
            let seed = rules.random_seed.ok_or_else(|| RankedError::MissingSeed {
                mode: format!("{:?}", rules.tiebreak),
            })?;
            random = Some(JavaRandom::new(seed));
        }
        // The tie-break permutation: every declared candidate in list order
        // (RCTab's candidatePermutation; excluded ones included).
        let mut permutation: Vec<usize> = (0..n)
            .filter(|&i| {
                ballots.candidates.get(i).map(|c| c.kind) == Some(RankedCandidateKind::Declared)
            })
            .collect();
        if rules.tiebreak == TiebreakMode::GeneratePermutation {
            permutation.sort_by(|&a, &b| java_string_cmp(name_of(ballots, a), name_of(ballots, b)));
            if let Some(r) = random.as_mut() {
                r.shuffle(&mut permutation);
            }
        }
        let uses_surpluses = rules.seats > 1
            && !matches!(
                rules.winner_mode,
                WinnerMode::BottomsUp | WinnerMode::BottomsUpPercentage(_)
            );
        let states = ballots
            .groups()
            .iter()
            .map(|_| GroupState {
                status: Status::Active,
                recipient: None,
                allocations: Vec::new(),
                value: Decimal::ONE,
            })
            .collect();
        Ok(Counter {
            ballots,
            rules,
            excluded,
            won_round: vec![None; n],
            winners: Vec::new(),
            elim_round: vec![None; n],
            num_eliminated: 0,
            states,
            rounds: Vec::new(),
            precinct_rounds: vec![Vec::new(); ballots.precincts.len()],
            random,
            permutation,
            round: 0,
            uses_surpluses,
            uwi,
            trace: None,
        })
    }

    fn is_continuing(&self, c: usize) -> bool {
        if self.excluded.get(c).copied().unwrap_or(true) {
            return false;
        }
        if self.won_round.get(c).copied().flatten().is_some() {
            return self.rules.continue_until_two;
        }
        self.elim_round.get(c).copied().flatten().is_none()
    }

    /// RCTab's getNumCandidates: all candidates (with the write-in bucket)
    /// minus the excluded ones.
    fn num_candidates(&self) -> usize {
        self.excluded.iter().filter(|e| !**e).count()
    }

    fn should_continue(&self) -> bool {
        let r = self.round;
        if let Some(stop) = self.rules.stop_after_round
            && r >= stop
        {
            return false;
        }
        let winners = self.winners.len();
        let anyone_continuing = r == 0
            || (0..self.ballots.candidates.len()).any(|c| {
                self.is_continuing(c) && self.won_round.get(c).copied().flatten().is_none()
            });
        if winners < self.rules.seats as usize && !anyone_continuing {
            // Every candidate has won: nothing left to count.
            return false;
        }
        if self.rules.continue_until_two {
            self.num_eliminated + winners + 1 < self.num_candidates()
                || self.elim_round.contains(&Some(r))
        } else if matches!(self.rules.winner_mode, WinnerMode::BottomsUpPercentage(_)) {
            winners == 0
        } else {
            winners < self.rules.seats as usize
                || (self.rules.seats > 1
                    && self.won_round.contains(&Some(r))
                    && self.rules.winner_mode != WinnerMode::BottomsUp)
        }
    }

    fn run(self) -> Result<RankedResult, RankedError> {
        self.run_traced().map(|(r, _)| r)
    }

    fn run_traced(mut self) -> Result<(RankedResult, RoundAllocations), RankedError> {
        while self.should_continue() {
            self.round += 1;
            self.count_round()?;
        }
        let undervotes = self
            .rounds
            .first()
            .map(|r| r.inactive_for(InactiveReason::Undervote).unscaled())
            .unwrap_or(0);
        let precinct_rounds = self
            .ballots
            .precincts
            .iter()
            .cloned()
            .zip(std::mem::take(&mut self.precinct_rounds))
            .collect();
        let trace = self.trace.take().unwrap_or_default();
        let result = RankedResult {
            winners: self.winners.iter().map(|&c| cid(c)).collect(),
            total_ballots: self.ballots.total(),
            undervotes: u64::try_from(undervotes).unwrap_or(0),
            rounds: self.rounds,
            precinct_rounds,
        };
        Ok((result, trace))
    }

    fn count_round(&mut self) -> Result<(), RankedError> {
        let r = self.round;
        let continuing: Vec<usize> = (0..self.ballots.candidates.len())
            .filter(|&c| self.is_continuing(c))
            .collect();
        let mut acc = Acc::new(&continuing);
        let by_precinct = self.rules.by_precinct && !self.ballots.precincts.is_empty();
        let mut pacc: Vec<Acc> = if by_precinct {
            self.ballots
                .precincts
                .iter()
                .map(|_| Acc::new(&continuing))
                .collect()
        } else {
            Vec::new()
        };
        let ctx = RoundCtx {
            rules: self.rules,
            continuing: (0..self.ballots.candidates.len())
                .map(|c| self.is_continuing(c))
                .collect(),
            final_surplus: self.uses_surpluses && self.winners.len() == self.rules.seats as usize,
        };
        let mut dense: Vec<Option<Decimal>> = ctx
            .continuing
            .iter()
            .map(|&c| c.then_some(Decimal::ZERO))
            .collect();
        let ballots = self.ballots;
        let groups = ballots.groups();
        for (st, group) in self.states.iter_mut().zip(groups) {
            let mut p = if by_precinct {
                group.precinct.and_then(|p| pacc.get_mut(p as usize))
            } else {
                None
            };
            ctx.count_group(group, st, &mut acc, &mut dense, &mut p)?;
        }
        if let Some(trace) = self.trace.as_mut() {
            trace.push(
                self.states
                    .iter()
                    .map(|st| Allocation {
                        recipient: match (st.status, st.recipient) {
                            (Status::Active, Some(c)) => u32::try_from(c).ok(),
                            _ => None,
                        },
                        value: st.value,
                        kept: st
                            .allocations
                            .iter()
                            .filter_map(|&(w, v)| Some((u32::try_from(w).ok()?, v)))
                            .collect(),
                    })
                    .collect(),
            );
        }
        acc.tally = dense
            .iter()
            .enumerate()
            .filter_map(|(c, v)| v.map(|v| (c, v)))
            .collect();

        // Transfers counted now belong to the previous round's decisions.
        if let Some(prev) = self.rounds.last_mut() {
            prev.transfers = to_public_transfers(&acc.transfers);
        }
        for (pi, pa) in pacc.iter().enumerate() {
            if let Some(prev) = self.precinct_rounds.get_mut(pi).and_then(|v| v.last_mut()) {
                prev.transfers = to_public_transfers(&pa.transfers);
            }
        }

        let residual_before = self
            .rounds
            .last()
            .map(|x| x.residual_surplus)
            .unwrap_or(Decimal::ZERO);

        // Threshold.
        let recompute = if self.rules.seats > 1 {
            r == 1
        } else {
            // Once a winner is declared (continueUntilTwoCandidatesRemain),
            // the threshold stays frozen (RCTab suite:
            // continue_until_two_threshold_freeze).
            (!self.rules.first_round_determines_threshold || r == 1) && self.winners.is_empty()
        };
        let threshold = match (recompute, self.rounds.last()) {
            (false, Some(prev)) => prev.threshold,
            _ => self.threshold(acc.active)?,
        };

        let mut ties = Vec::new();
        let elected = self.identify_winners(&acc.tally, threshold, &mut ties)?;
        let mut eliminated = Vec::new();
        if !elected.is_empty() {
            for &w in &elected {
                if let Some(slot) = self.won_round.get_mut(w) {
                    *slot = Some(r);
                }
                self.winners.push(w);
            }
            if self.uses_surpluses {
                for &w in &elected {
                    self.allocate_surplus(w, &acc.tally, threshold)?;
                }
            }
        } else if self.winners.len() < self.rules.seats as usize
            || (self.rules.continue_until_two && self.num_eliminated + 2 < self.num_candidates())
            || matches!(self.rules.winner_mode, WinnerMode::BottomsUpPercentage(_))
        {
            eliminated = self.eliminate(&acc.tally, threshold, &mut ties)?;
            if eliminated.is_empty() {
                return Err(RankedError::NothingToEliminate { round: r });
            }
            for &c in &eliminated {
                if let Some(slot) = self.elim_round.get_mut(c) {
                    *slot = Some(r);
                }
                self.num_eliminated += 1;
            }
        }

        let mut residual = residual_before;
        if self.rules.seats > 1 {
            residual = self.update_winner_tallies(&mut acc, &mut pacc, threshold, residual)?;
        }

        let round = make_round(
            r,
            &acc,
            threshold,
            &elected,
            &eliminated,
            residual,
            ties.clone(),
        );
        self.rounds.push(round);
        for (pi, pa) in pacc.iter().enumerate() {
            if let Some(v) = self.precinct_rounds.get_mut(pi) {
                v.push(make_round(
                    r,
                    pa,
                    threshold,
                    &elected,
                    &eliminated,
                    Decimal::ZERO,
                    Vec::new(),
                ));
            }
        }
        Ok(())
    }

    fn threshold(&self, active: Decimal) -> Result<Decimal, RankedError> {
        let rules = self.rules;
        let mut t = if let WinnerMode::BottomsUpPercentage(p) = rules.winner_mode {
            active.times(p)?
        } else {
            let divisor = if rules.hare_quota {
                rules.seats
            } else {
                rules.seats + 1
            };
            let decimals = if rules.non_integer_threshold {
                rules.decimal_places
            } else {
                0
            };
            let divisor = Decimal::from_int(i128::from(divisor));
            if rules.hare_quota {
                active
                    .div(divisor, decimals, Rounding::Up)
                    .ok_or_else(|| RankedError::InvalidRules("hare quota with zero seats".into()))?
            } else {
                active
                    .div(divisor, decimals, Rounding::Down)
                    .ok_or(RankedError::Overflow)?
                    .plus(Decimal::new(1, decimals))?
            }
        };
        let min = rules.minimum_vote_threshold;
        if min.signum() == 1 && min > t {
            t = min;
        }
        Ok(t)
    }

    fn identify_winners(
        &mut self,
        tally: &BTreeMap<usize, Decimal>,
        threshold: Decimal,
        ties: &mut Vec<TieBreak>,
    ) -> Result<Vec<usize>, RankedError> {
        if let Some(u) = self.uwi
            && tally.get(&u).is_some_and(|v| v.signum() != 0)
        {
            return Ok(Vec::new());
        }
        let mut selected: Vec<usize> = Vec::new();
        let rules = self.rules;
        let unfilled = rules.seats as i64 - self.winners.len() as i64;
        if matches!(rules.winner_mode, WinnerMode::BottomsUpPercentage(_)) {
            if tally.values().all(|v| *v > threshold) {
                selected = tally.keys().copied().collect();
            }
            return Ok(selected);
        }
        if unfilled > 0 {
            // As many or fewer continuing candidates than open seats: all
            // win (RCTab suite: more_winners_than_candidates).
            if tally.len() as i64 <= unfilled {
                selected = tally.keys().copied().collect();
            } else if rules.first_round_determines_threshold
                && tally.len() as i64 - 1 == i64::from(rules.seats)
            {
                selected = max_getters(tally);
            } else if rules.winner_mode != WinnerMode::BottomsUp {
                selected = tally
                    .iter()
                    .filter(|(c, v)| **v >= threshold && Some(**c) != self.uwi)
                    .map(|(c, _)| *c)
                    .collect();
            }
        }
        let needs_multi = selected.len() > 1
            && (rules.winner_mode == WinnerMode::MultiWinnerOnlyOnePerRound
                || rules.first_round_determines_threshold);
        let needs_none = rules.seats == 1
            && selected.is_empty()
            && tally.len() == 2
            && unfilled == 1
            && tally.values().all(|v| *v >= rules.minimum_vote_threshold);
        if needs_multi || needs_none {
            selected = max_getters(tally);
            if selected.len() > 1 {
                let votes = selected
                    .first()
                    .and_then(|c| tally.get(c))
                    .copied()
                    .unwrap_or(Decimal::ZERO);
                let chosen = self.tiebreak(true, selected, votes, ties)?;
                selected = vec![chosen];
            }
        }
        Ok(selected)
    }

    fn eliminate(
        &mut self,
        tally: &BTreeMap<usize, Decimal>,
        threshold: Decimal,
        ties: &mut Vec<TieBreak>,
    ) -> Result<Vec<usize>, RankedError> {
        let r = self.round;
        // 1. undeclared write-ins with votes
        if let Some(u) = self.uwi
            && tally.get(&u).is_some_and(|v| v.signum() == 1)
        {
            return Ok(vec![u]);
        }
        let by_tally = group_by_tally(tally);
        // 2. everyone below the minimum vote threshold
        let min = self.rules.minimum_vote_threshold;
        if min.signum() == 1
            && let Some((lowest, _)) = by_tally.first()
            && *lowest < min
        {
            let below: Vec<usize> = by_tally
                .iter()
                .take_while(|(v, _)| *v < min)
                .flat_map(|(_, cs)| cs.iter().copied())
                .collect();
            if below.len() == self.ballots.declared_count() as usize {
                return Err(RankedError::AllBelowMinimum { round: r });
            }
            if !below.is_empty() {
                return Ok(below);
            }
        }
        // 2b. cutoffElimination (bottoms-up with a percentage threshold):
        // everyone below the threshold at once.
        if self.rules.cutoff_elimination
            && matches!(self.rules.winner_mode, WinnerMode::BottomsUpPercentage(_))
        {
            let below: Vec<usize> = by_tally
                .iter()
                .take_while(|(v, _)| *v < threshold)
                .flat_map(|(_, cs)| cs.iter().copied())
                .collect();
            if !below.is_empty() && below.len() < tally.len() {
                return Ok(below);
            }
        }
        // 3. batch elimination
        if self.rules.batch_elimination {
            let batch = self.batch(&by_tally)?;
            if batch.len() > 1 {
                return Ok(batch);
            }
        }
        // 4. the last-placed candidate
        let Some((votes, lowest)) = by_tally.first() else {
            return Ok(Vec::new());
        };
        if lowest.len() > 1 {
            let loser = self.tiebreak(false, lowest.clone(), *votes, ties)?;
            return Ok(vec![loser]);
        }
        Ok(lowest.clone())
    }

    /// Batch elimination: eliminate every candidate whose votes, summed with
    /// all lower candidates', cannot reach the next-lowest tally.
    fn batch(&self, by_tally: &[(Decimal, Vec<usize>)]) -> Result<Vec<usize>, RankedError> {
        let mut running = Decimal::ZERO;
        let mut seen: Vec<usize> = Vec::new();
        let mut done: BTreeSet<usize> = BTreeSet::new();
        let mut elims: Vec<usize> = Vec::new();
        let mut prev: Vec<usize> = Vec::new();
        for (v, cs) in by_tally {
            let mut new = elims.clone();
            if running < *v {
                for c in &seen {
                    if done.insert(*c) {
                        new.push(*c);
                    }
                }
            }
            running = running.plus(
                v.mul_int(cs.len() as u64)?
                    .set_scale(self.rules.decimal_places, Rounding::Down)?,
            )?;
            seen.extend(cs.iter().copied());
            if new.len() > elims.len() {
                prev = std::mem::replace(&mut elims, new);
            }
        }
        if self.rules.continue_until_two
            && elims.len() + self.num_eliminated + 1 == self.num_candidates()
        {
            elims = prev;
        }
        Ok(elims)
    }

    fn tiebreak(
        &mut self,
        selecting_winner: bool,
        mut tied: Vec<usize>,
        votes: Decimal,
        ties: &mut Vec<TieBreak>,
    ) -> Result<usize, RankedError> {
        let ballots = self.ballots;
        tied.sort_by(|&a, &b| java_string_cmp(name_of(ballots, a), name_of(ballots, b)));
        let round = self.round;
        let operator = |names: Vec<String>, mode: &str| RankedError::TieNeedsOperator {
            round,
            tied: names,
            votes: votes.to_string(),
            mode: mode.to_owned(),
        };
        let names = |cs: &[usize]| -> Vec<String> {
            cs.iter().map(|&c| name_of(ballots, c).to_owned()).collect()
        };
        let (chosen, explanation) = match self.rules.tiebreak {
            TiebreakMode::StopCountingAndAsk => {
                return Err(operator(names(&tied), "stopCountingAndAsk"));
            }
            TiebreakMode::Random => {
                let i = self.draw(tied.len())?;
                (
                    tied.get(i).copied(),
                    "the candidate was randomly selected".to_owned(),
                )
            }
            TiebreakMode::UseCandidateOrder | TiebreakMode::GeneratePermutation => {
                let pick = if selecting_winner {
                    self.permutation.iter().find(|c| tied.contains(c)).copied()
                } else {
                    self.permutation
                        .iter()
                        .rev()
                        .find(|c| tied.contains(c))
                        .copied()
                };
                (
                    pick,
                    format!(
                        "the selected candidate appeared {} in the tie-breaking permutation",
                        if selecting_winner {
                            "earliest"
                        } else {
                            "latest"
                        }
                    ),
                )
            }
            TiebreakMode::PreviousRoundCountsThenRandom
            | TiebreakMode::PreviousRoundCountsThenAsk => {
                let mut contenders = tied.clone();
                let mut found = None;
                let mut k = round.saturating_sub(1);
                while k >= 1 {
                    let prev = self.rounds.get(k as usize - 1);
                    // RCTab iterates a java.util.HashSet of the contenders.
                    let order = java_hash_set_order(&names(&contenders));
                    let ordered: Vec<usize> = order
                        .iter()
                        .filter_map(|n| {
                            contenders
                                .iter()
                                .copied()
                                .find(|&c| name_of(ballots, c) == n)
                        })
                        .collect();
                    let value = |c: usize| {
                        prev.and_then(|p| p.tally.get(&cid(c)))
                            .copied()
                            .unwrap_or(Decimal::ZERO)
                    };
                    let best = if selecting_winner {
                        ordered.iter().map(|&c| value(c)).max()
                    } else {
                        ordered.iter().map(|&c| value(c)).min()
                    };
                    contenders = ordered
                        .into_iter()
                        .filter(|&c| Some(value(c)) == best)
                        .collect();
                    if contenders.len() == 1 {
                        found = contenders.first().copied().map(|c| {
                            (
                                c,
                                format!(
                                    "{} had the {} votes ({}) in round {k}",
                                    name_of(ballots, c),
                                    if selecting_winner { "most" } else { "fewest" },
                                    best.unwrap_or(Decimal::ZERO)
                                ),
                            )
                        });
                        break;
                    }
                    k -= 1;
                }
                match found {
                    Some((c, e)) => (Some(c), e),
                    None => {
                        if self.rules.tiebreak == TiebreakMode::PreviousRoundCountsThenAsk {
                            return Err(operator(names(&contenders), "previousRoundCountsThenAsk"));
                        }
                        let i = self.draw(contenders.len())?;
                        (
                            contenders.get(i).copied(),
                            "previous round counts still tied, so the candidate was randomly selected"
                                .to_owned(),
                        )
                    }
                }
            }
        };
        let chosen = chosen.ok_or(RankedError::NothingToEliminate { round })?;
        ties.push(TieBreak {
            round,
            selecting_winner,
            tied: tied.iter().map(|&c| cid(c)).collect(),
            chosen: cid(chosen),
            explanation,
        });
        Ok(chosen)
    }

    fn draw(&mut self, n: usize) -> Result<usize, RankedError> {
        let r = self
            .random
            .as_mut()
            .ok_or_else(|| RankedError::MissingSeed {
                mode: format!("{:?}", self.rules.tiebreak),
            })?;
        Ok(r.pick_index(n))
    }

    /// RCTab: surplus fraction = (votes - threshold) / votes, truncated; each
    /// ballot keeps `value - trunc(value × fraction)` with the winner.
    fn allocate_surplus(
        &mut self,
        winner: usize,
        tally: &BTreeMap<usize, Decimal>,
        threshold: Decimal,
    ) -> Result<(), RankedError> {
        let d = self.rules.decimal_places;
        let votes = tally.get(&winner).copied().unwrap_or(Decimal::ZERO);
        let extra = votes.minus(threshold)?;
        let fraction = if extra.signum() == 1 {
            extra
                .div(votes, d, Rounding::Down)
                .ok_or(RankedError::Overflow)?
        } else {
            Decimal::ZERO
        };
        for st in &mut self.states {
            if st.recipient == Some(winner) {
                let transfer = st.value.times(fraction)?.set_scale(d, Rounding::Down)?;
                let keep = st.value.minus(transfer)?;
                st.allocations.push((winner, keep));
                st.value = st.value.minus(keep)?;
            }
        }
        Ok(())
    }

    /// Put earlier winners back into this round's tally (multi-seat): the
    /// value their ballots kept, capped at the threshold (the excess is the
    /// residual surplus lost to truncation).
    fn update_winner_tallies(
        &mut self,
        acc: &mut Acc,
        pacc: &mut [Acc],
        threshold: Decimal,
        mut residual: Decimal,
    ) -> Result<Decimal, RankedError> {
        let r = self.round;
        let fresh: Vec<usize> = self
            .winners
            .iter()
            .copied()
            .filter(|&w| self.won_round.get(w).copied().flatten() == Some(r - 1))
            .collect();
        for &w in &self.winners {
            let won = self.won_round.get(w).copied().flatten();
            if won == Some(r) || fresh.contains(&w) {
                continue;
            }
            let prev = self
                .rounds
                .last()
                .and_then(|x| x.tally.get(&cid(w)))
                .copied()
                .unwrap_or(Decimal::ZERO);
            acc.tally.insert(w, prev);
            for (pi, pa) in pacc.iter_mut().enumerate() {
                let prev = self
                    .precinct_rounds
                    .get(pi)
                    .and_then(|v| v.last())
                    .and_then(|x| x.tally.get(&cid(w)))
                    .copied()
                    .unwrap_or(Decimal::ZERO);
                pa.tally.insert(w, prev);
            }
        }
        if fresh.is_empty() {
            return Ok(residual);
        }
        for &w in &fresh {
            acc.tally.insert(w, Decimal::ZERO);
            for pa in pacc.iter_mut() {
                pa.tally.insert(w, Decimal::ZERO);
            }
        }
        let ballots = self.ballots;
        let groups = ballots.groups();
        for (st, g) in self.states.iter().zip(groups) {
            for (w, keep) in &st.allocations {
                if !fresh.contains(w) {
                    continue;
                }
                let v = keep.mul_int(g.count)?;
                if let Some(t) = acc.tally.get_mut(w) {
                    *t = t.plus(v)?;
                }
                if let Some(pa) = g.precinct.and_then(|p| pacc.get_mut(p as usize))
                    && let Some(t) = pa.tally.get_mut(w)
                {
                    *t = t.plus(v)?;
                }
            }
        }
        for &w in &fresh {
            let t = acc.tally.get(&w).copied().unwrap_or(Decimal::ZERO);
            let excess = t.minus(threshold)?;
            if excess.signum() == 1 {
                residual = residual.plus(excess)?;
                acc.tally.insert(w, threshold);
                if let Some(prev) = self.rounds.last_mut() {
                    let slot = prev
                        .transfers
                        .entry(cid(w))
                        .or_default()
                        .entry(TransferTarget::ResidualSurplus)
                        .or_insert(Decimal::ZERO);
                    *slot = slot.plus(excess)?;
                }
            }
        }
        Ok(residual)
    }
}

/// What counting one round needs to know, split from the counter so that the
/// ballot states can be updated in place.
struct RoundCtx<'r> {
    rules: &'r RankedRules,
    continuing: Vec<bool>,
    /// Every seat is filled (multi-seat): leftover value is final-round surplus.
    final_surplus: bool,
}

impl RoundCtx<'_> {
    fn is_continuing(&self, c: usize) -> bool {
        self.continuing.get(c).copied().unwrap_or(false)
    }

    fn count_group(
        &self,
        group: &BallotGroup,
        st: &mut GroupState,
        acc: &mut Acc,
        dense: &mut [Option<Decimal>],
        pacc: &mut Option<&mut Acc>,
    ) -> Result<(), RankedError> {
        let weight = st.value.mul_int(group.count)?;
        if let Status::Inactive(reason) = st.status {
            acc.add_inactive(reason, weight)?;
            if let Some(p) = pacc.as_deref_mut() {
                p.add_inactive(reason, weight)?;
            }
            return Ok(());
        }
        if let Some(c) = st.recipient
            && self.is_continuing(c)
        {
            add_dense(dense, c, weight)?;
            acc.active = acc.active.plus(weight)?;
            if let Some(p) = pacc.as_deref_mut() {
                p.add_tally(c, weight)?;
            }
            return Ok(());
        }
        if group.marks.is_empty() {
            return self.select(
                st,
                weight,
                dense,
                None,
                Some(InactiveReason::Undervote),
                acc,
                pacc,
            );
        }
        let max_rank = group.marks.last().map(|m| m.0).unwrap_or(0);
        let mut last_rank = 0u32;
        let mut seen: BTreeSet<Selection> = BTreeSet::new();
        let mut i = 0;
        let marks = &group.marks;
        while i < marks.len() {
            let rank = marks.get(i).map(|m| m.0).unwrap_or(0);
            let mut j = i;
            while marks.get(j).map(|m| m.0) == Some(rank) {
                j += 1;
            }
            let sels: Vec<Selection> = marks.get(i..j).unwrap_or(&[]).iter().map(|m| m.1).collect();
            i = j;

            if self.final_surplus {
                return self.select(
                    st,
                    weight,
                    dense,
                    None,
                    Some(InactiveReason::FinalRoundSurplus),
                    acc,
                    pacc,
                );
            }
            if let Some(max_skip) = self.rules.max_skipped_ranks
                && i64::from(rank) - i64::from(last_rank) > i64::from(max_skip) + 1
            {
                return self.select(
                    st,
                    weight,
                    dense,
                    None,
                    Some(InactiveReason::SkippedRankings),
                    acc,
                    pacc,
                );
            }
            last_rank = rank;
            if self.rules.exhaust_on_duplicate {
                let mut dup = false;
                for s in &sels {
                    if !seen.insert(*s) {
                        dup = true;
                        break;
                    }
                }
                if dup {
                    return self.select(
                        st,
                        weight,
                        dense,
                        None,
                        Some(InactiveReason::RepeatedRankings),
                        acc,
                        pacc,
                    );
                }
            }
            match self.overvote_decision(&sels)? {
                OvervoteDecision::Exhaust => {
                    return self.select(
                        st,
                        weight,
                        dense,
                        None,
                        Some(InactiveReason::Overvote),
                        acc,
                        pacc,
                    );
                }
                OvervoteDecision::Skip => {
                    if rank == max_rank {
                        return self.select(
                            st,
                            weight,
                            dense,
                            None,
                            Some(InactiveReason::ExhaustedChoices),
                            acc,
                            pacc,
                        );
                    }
                    continue;
                }
                OvervoteDecision::None => {}
            }
            for s in &sels {
                if let Selection::Candidate(c) = s
                    && self.is_continuing(c.index())
                {
                    return self.select(st, weight, dense, Some(c.index()), None, acc, pacc);
                }
            }
            if rank == max_rank {
                return self.select(
                    st,
                    weight,
                    dense,
                    None,
                    Some(InactiveReason::ExhaustedChoices),
                    acc,
                    pacc,
                );
            }
        }
        Ok(())
    }

    /// Give the ballot group to `to` (or make it inactive for `reason`),
    /// recording the transfer from its current recipient.
    // The three sums (contest, dense tally, precinct) are updated together.
    #[allow(clippy::too_many_arguments)]
    fn select(
        &self,
        st: &mut GroupState,
        weight: Decimal,
        dense: &mut [Option<Decimal>],
        to: Option<usize>,
        reason: Option<InactiveReason>,
        acc: &mut Acc,
        pacc: &mut Option<&mut Acc>,
    ) -> Result<(), RankedError> {
        if st.value.signum() == 1
            && let Some(from) = st.recipient
        {
            let target = to
                .map(|c| TransferTarget::Candidate(cid(c)))
                .unwrap_or(TransferTarget::Exhausted);
            acc.add_transfer(from, target, weight)?;
            if let Some(p) = pacc.as_deref_mut() {
                p.add_transfer(from, target, weight)?;
            }
        }
        st.recipient = to;
        match (to, reason) {
            (Some(c), _) => {
                add_dense(dense, c, weight)?;
                acc.active = acc.active.plus(weight)?;
                if let Some(p) = pacc.as_deref_mut() {
                    p.add_tally(c, weight)?;
                }
            }
            (None, reason) => {
                let reason = reason.unwrap_or(InactiveReason::ExhaustedChoices);
                st.status = Status::Inactive(reason);
                acc.add_inactive(reason, weight)?;
                if let Some(p) = pacc.as_deref_mut() {
                    p.add_inactive(reason, weight)?;
                }
            }
        }
        Ok(())
    }

    fn overvote_decision(&self, sels: &[Selection]) -> Result<OvervoteDecision, RankedError> {
        let rule = self.rules.overvote_rule;
        if sels.contains(&Selection::Overvote) {
            if sels.len() != 1 {
                return Err(RankedError::InvalidOvervote {
                    message: "a rank holds both the overvote label and candidates".into(),
                });
            }
            return match rule {
                OvervoteRule::ExhaustImmediately => Ok(OvervoteDecision::Exhaust),
                OvervoteRule::AlwaysSkipToNextRank => Ok(OvervoteDecision::Skip),
                OvervoteRule::ExhaustIfMultipleContinuing => Err(RankedError::InvalidOvervote {
                    message:
                        "an explicit overvote label cannot be used with exhaustIfMultipleContinuing"
                            .into(),
                }),
            };
        }
        if sels.len() <= 1 {
            return Ok(OvervoteDecision::None);
        }
        Ok(match rule {
            OvervoteRule::ExhaustImmediately => OvervoteDecision::Exhaust,
            OvervoteRule::AlwaysSkipToNextRank => OvervoteDecision::Skip,
            OvervoteRule::ExhaustIfMultipleContinuing => {
                let n = sels
                    .iter()
                    .filter(
                        |s| matches!(s, Selection::Candidate(c) if self.is_continuing(c.index())),
                    )
                    .count();
                if n >= 2 {
                    OvervoteDecision::Exhaust
                } else {
                    OvervoteDecision::None
                }
            }
        })
    }
}

fn add_dense(dense: &mut [Option<Decimal>], c: usize, w: Decimal) -> Result<(), RankedError> {
    if let Some(slot) = dense.get_mut(c) {
        *slot = Some(slot.unwrap_or(Decimal::ZERO).plus(w)?);
    }
    Ok(())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OvervoteDecision {
    None,
    Exhaust,
    Skip,
}

fn name_of(ballots: &RankedBallots, c: usize) -> &str {
    ballots
        .candidates
        .get(c)
        .map(|x| x.name.as_str())
        .unwrap_or("")
}

fn max_getters(tally: &BTreeMap<usize, Decimal>) -> Vec<usize> {
    let Some(max) = tally.values().max().copied() else {
        return Vec::new();
    };
    tally
        .iter()
        .filter(|(_, v)| **v == max)
        .map(|(c, _)| *c)
        .collect()
}

/// Candidates grouped by equal tally, lowest first.
fn group_by_tally(tally: &BTreeMap<usize, Decimal>) -> Vec<(Decimal, Vec<usize>)> {
    let mut m: BTreeMap<Decimal, Vec<usize>> = BTreeMap::new();
    for (c, v) in tally {
        m.entry(*v).or_default().push(*c);
    }
    m.into_iter().collect()
}

fn to_public_transfers(
    t: &BTreeMap<usize, BTreeMap<TransferTarget, Decimal>>,
) -> BTreeMap<CandidateId, BTreeMap<TransferTarget, Decimal>> {
    t.iter().map(|(c, m)| (cid(*c), m.clone())).collect()
}

fn make_round(
    number: u32,
    acc: &Acc,
    threshold: Decimal,
    elected: &[usize],
    eliminated: &[usize],
    residual: Decimal,
    ties: Vec<TieBreak>,
) -> Round {
    Round {
        number,
        tally: acc.tally.iter().map(|(c, v)| (cid(*c), *v)).collect(),
        threshold,
        elected: elected.iter().map(|&c| cid(c)).collect(),
        eliminated: eliminated.iter().map(|&c| cid(c)).collect(),
        transfers: BTreeMap::new(),
        inactive: REASONS
            .iter()
            .zip(acc.inactive.iter())
            .map(|(r, v)| (*r, *v))
            .collect(),
        active: acc.active,
        residual_surplus: residual,
        ties,
    }
}
