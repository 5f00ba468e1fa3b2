//! The audit specification: which contests, with which reported results, over
//! which cards; built once from the CVRs and the ballot manifest.

use super::error::WorkflowError;
use canvass_model::{
    BallotManifest, CandidateKind, Card, Choice, ContestId, ContestKind, Election,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How the audit compares paper with the machine count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Ballot-level comparison: each sampled card's paper against its CVR
    /// (risk from the audit's [`RiskFunction`]).
    Comparison,
    /// Ballot polling: the sampled cards' paper alone (BRAVO risk).
    Polling,
}

impl Method {
    /// The name used on the command line and in `audit.json`.
    pub fn name(self) -> &'static str {
        match self {
            Method::Comparison => "comparison",
            Method::Polling => "polling",
        }
    }
}

/// The risk function of a comparison audit (`--risk-function`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RiskFunction {
    /// Super-simple Kaplan–Markov with γ = 1.03905, as Arlo and Colorado's RLA
    /// tool compute it (`crate::supersimple`), one risk per contest.
    #[default]
    KaplanMarkov,
    /// ALPHA with the shrink-truncate estimator (Stark 2023), per assertion.
    Alpha,
    /// A betting martingale with the log-optimal fixed bet for comparison
    /// audits (Waudby-Smith & Ramdas 2023; SHANGRLA), per assertion.
    Betting,
}

impl RiskFunction {
    /// The name used on the command line and in `audit.json`.
    pub fn name(self) -> &'static str {
        match self {
            RiskFunction::KaplanMarkov => "kaplan-markov",
            RiskFunction::Alpha => "alpha",
            RiskFunction::Betting => "betting",
        }
    }

    /// Parse a command-line name.
    pub fn parse(s: &str) -> Option<RiskFunction> {
        [
            RiskFunction::KaplanMarkov,
            RiskFunction::Alpha,
            RiskFunction::Betting,
        ]
        .into_iter()
        .find(|r| r.name() == s)
    }
}

/// How a targeted contest is decided, and so which assertions the audit tests.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ContestRule {
    /// Plurality, vote-for-N or approval: one assertion per winner–loser pair.
    #[default]
    Plurality,
    /// The winner needs more than `numerator/denominator` of the valid votes:
    /// one assertion (SHANGRLA §2.3).
    Supermajority {
        /// The share's numerator.
        numerator: u64,
        /// The share's denominator.
        denominator: u64,
    },
    /// Single-winner instant-runoff: RAIRE's assertions (Blom, Stuckey &
    /// Teague 2019), found from the CVRs when the audit is created.
    Irv {
        /// The assertions with their margins in cards.
        assertions: Vec<IrvAssertion>,
    },
}

/// One RAIRE assertion of an IRV contest; candidates are indexes into the
/// contest's `candidates`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IrvAssertion {
    /// The NEB or NEN assertion.
    pub assertion: crate::raire::Assertion,
    /// Its margin in cards, from the CVRs.
    pub margin: i64,
}

/// One targeted contest with its reported result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContestSpec {
    /// The contest's name.
    pub name: String,
    /// Number of winners.
    pub seats: u32,
    /// How many candidates a voter may mark before the contest is overvoted
    /// (`None` for approval voting).
    pub vote_limit: Option<u32>,
    /// The candidates, in the CVRs' order; the write-in entry is among them.
    pub candidates: Vec<String>,
    /// The index in `candidates` that write-ins read from paper count for.
    pub write_in: usize,
    /// Reported votes per candidate (same order as `candidates`).
    pub reported: Vec<u64>,
    /// Indexes of the reported winners.
    pub winners: Vec<usize>,
    /// Cards whose CVR holds the contest.
    pub cvr_cards: u64,
    /// The cards the contest is audited over: `cvr_cards` plus every phantom.
    pub universe: u64,
    /// How the contest is decided (plurality when absent from `audit.json`).
    #[serde(default)]
    pub rule: ContestRule,
}

impl ContestSpec {
    /// True for a ranked (IRV) contest, whose selections are rankings.
    pub fn is_ranked(&self) -> bool {
        matches!(self.rule, ContestRule::Irv { .. })
    }

    /// Indexes of the reported losers (every candidate that is not a winner).
    pub fn losers(&self) -> Vec<usize> {
        (0..self.candidates.len())
            .filter(|i| !self.winners.contains(i))
            .collect()
    }

    /// Every (winner, loser, reported margin in votes) pair.
    pub fn pairs(&self) -> Vec<(usize, usize, i64)> {
        let mut out = Vec::new();
        for &w in &self.winners {
            for l in self.losers() {
                let v = self.votes(w) as i64 - self.votes(l) as i64;
                out.push((w, l, v));
            }
        }
        out
    }

    /// Reported votes of a candidate (0 for an unknown index).
    pub fn votes(&self, candidate: usize) -> u64 {
        self.reported.get(candidate).copied().unwrap_or(0)
    }

    /// The smallest reported margin of the contest's assertions, in votes
    /// (see [`ContestSpec::assertions`]; 0 when a loser ties a winner: the contest
    /// then cannot be confirmed by sampling).
    pub fn min_margin(&self) -> i64 {
        self.assertions()
            .iter()
            .map(|a| a.margin)
            .min()
            .unwrap_or(0)
    }

    /// The diluted margin μ = smallest margin / universe.
    pub fn diluted_margin(&self) -> f64 {
        if self.universe == 0 {
            return 0.0;
        }
        self.min_margin().max(0) as f64 / self.universe as f64
    }

    /// The candidate with this name: exact, else the unique case-insensitive match.
    pub fn find_candidate(&self, name: &str) -> Option<usize> {
        if let Some(i) = self.candidates.iter().position(|c| c == name) {
            return Some(i);
        }
        let lower = name.to_lowercase();
        let hits: Vec<usize> = (0..self.candidates.len())
            .filter(|&i| {
                self.candidates
                    .get(i)
                    .is_some_and(|c| c.to_lowercase() == lower)
            })
            .collect();
        match hits.as_slice() {
            [one] => Some(*one),
            _ => None,
        }
    }

    /// Candidate names of a list of indexes.
    pub fn names(&self, indexes: &[usize]) -> Vec<String> {
        indexes
            .iter()
            .filter_map(|&i| self.candidates.get(i).cloned())
            .collect()
    }
}

/// One batch of paper, as the manifest lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchSpec {
    /// The tabulator or container, when the manifest gives one.
    pub tabulator: Option<String>,
    /// The batch name.
    pub batch: String,
    /// The number of cards in the batch.
    pub cards: u64,
}

/// Everything fixed at creation: the contests, the method, the risk limit and
/// the manifest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditSpec {
    /// The risk limit α.
    pub risk_limit: f64,
    /// Comparison or polling.
    pub method: Method,
    /// The risk function of a comparison audit (Kaplan–Markov when absent).
    #[serde(default)]
    pub risk_function: RiskFunction,
    /// The targeted contests, in the order they were named.
    pub contests: Vec<ContestSpec>,
    /// The manifest's batches, in manifest order.
    pub batches: Vec<BatchSpec>,
    /// Cards in the manifest.
    pub cards: u64,
    /// Cards with a CVR.
    pub cvrs: u64,
    /// Cards in the manifest without a CVR.
    pub phantoms: u64,
}

/// What a card shows (or a CVR says it shows) for one contest.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Selection {
    /// The contest is not on the card.
    Absent,
    /// The contest is on the card with no mark.
    Blank,
    /// More marks than the vote limit: counts for no one.
    Overvote,
    /// Votes for these candidates (indexes, sorted, distinct).
    Votes(Vec<usize>),
    /// A ranked contest's ranking as counted: candidates most preferred first,
    /// distinct, non-empty (an overvote at a rank ends the ranking there).
    Ranking(Vec<usize>),
}

impl Selection {
    /// 1 when the selection is a vote for `candidate`, else 0.
    pub fn vote_for(&self, candidate: usize) -> i64 {
        match self {
            Selection::Votes(v) if v.contains(&candidate) => 1,
            Selection::Ranking(r) if r.first() == Some(&candidate) => 1,
            _ => 0,
        }
    }

    /// The selection as written in `cards.csv` and MVR files: empty when the
    /// contest is absent, `blank`, `overvote`, names joined by `; `, or a
    /// ranking as names joined by ` > `.
    pub fn to_text(&self, contest: &ContestSpec) -> String {
        match self {
            Selection::Absent => String::new(),
            Selection::Blank => "blank".into(),
            Selection::Overvote => "overvote".into(),
            Selection::Votes(v) => contest.names(v).join("; "),
            Selection::Ranking(r) => contest.names(r).join(" > "),
        }
    }
}

impl Selection {
    /// Read a selection cell (see [`Selection::to_text`]; `write-in` counts for
    /// the contest's write-in entry; names match exactly, else ignoring case;
    /// in a ranked contest names are separated by `>`, most preferred first).
    /// `not found` is not a selection: the caller handles it. The error says
    /// what is wrong, for the person holding the file.
    pub fn parse(contest: &ContestSpec, cell: &str) -> Result<Selection, String> {
        let cell = cell.trim();
        if cell.is_empty() {
            return Ok(Selection::Absent);
        }
        if cell.eq_ignore_ascii_case("blank") {
            return Ok(Selection::Blank);
        }
        if cell.eq_ignore_ascii_case("overvote") {
            return Ok(Selection::Overvote);
        }
        let ranked = contest.is_ranked();
        if !ranked && cell.contains('>') {
            return Err(format!(
                "{cell:?} is a ranking, but contest {:?} is not ranked; separate names with ';'",
                contest.name
            ));
        }
        if ranked && cell.contains(';') {
            return Err(format!(
                "contest {:?} is ranked: write the ranking most preferred first as 'A > B > C'",
                contest.name
            ));
        }
        let sep = if ranked { '>' } else { ';' };
        let mut chosen = Vec::new();
        for part in cell.split(sep).map(str::trim) {
            if part.is_empty() {
                if ranked {
                    return Err(format!("{cell:?}: an empty rank between '>'"));
                }
                continue;
            }
            let i = if part.eq_ignore_ascii_case("write-in")
                || part.eq_ignore_ascii_case("write in")
            {
                contest.write_in
            } else {
                contest.find_candidate(part).ok_or_else(|| {
                    format!(
                        "{part:?} is not a candidate; expected one of {}, or blank, overvote, write-in, not found",
                        contest.candidates.join(", ")
                    )
                })?
            };
            if ranked && chosen.contains(&i) {
                return Err(format!("{part:?} is ranked twice in {cell:?}"));
            }
            chosen.push(i);
        }
        if ranked {
            return Ok(ranking_of(chosen));
        }
        chosen.sort_unstable();
        chosen.dedup();
        Ok(selection_of(chosen, contest))
    }
}

/// The words with a fixed meaning in a selection cell.
pub const RESERVED: [&str; 3] = ["blank", "overvote", "not found"];

/// One card of the manifest, with its CVR's selections when it has a CVR.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditCard {
    /// The tabulator, when the manifest gives one.
    pub tabulator: Option<String>,
    /// The batch.
    pub batch: String,
    /// The 1-based position in the batch.
    pub position: u64,
    /// The id imprinted on the paper, when the CVR gives one.
    pub imprinted_id: Option<String>,
    /// The CVR's card id; `None` for a phantom (a manifest card without CVR).
    pub card_id: Option<String>,
    /// The CVR's selection per targeted contest (all `Absent` for a phantom).
    pub votes: Vec<Selection>,
}

impl AuditCard {
    /// True for a card of the manifest that has no CVR.
    pub fn is_phantom(&self) -> bool {
        self.card_id.is_none()
    }

    /// True when the card belongs to the contest's audit universe: its CVR holds
    /// the contest, or it is a phantom (which may hold any contest).
    pub fn in_universe(&self, contest: usize) -> bool {
        self.is_phantom() || !matches!(self.votes.get(contest), Some(Selection::Absent) | None)
    }
}

/// The inputs to [`build_audit`].
pub struct AuditInputs<'a> {
    /// The election the CVRs were read into.
    pub election: &'a Election,
    /// Every CVR, in reading order.
    pub cvrs: &'a [Card],
    /// The ballot manifest.
    pub manifest: &'a BallotManifest,
    /// The contests to target, by name (or external id).
    pub targets: &'a [String],
    /// The risk limit.
    pub risk_limit: f64,
    /// Comparison or polling.
    pub method: Method,
    /// The risk function of a comparison audit.
    pub risk_function: RiskFunction,
}

/// Build the audit: check the targets, compute the reported outcome of each
/// targeted contest, place every CVR on its manifest card and fill the rest
/// with phantoms. Cards come back in manifest order.
pub fn build_audit(input: &AuditInputs<'_>) -> Result<(AuditSpec, Vec<AuditCard>), WorkflowError> {
    if !(input.risk_limit > 0.0 && input.risk_limit < 1.0) {
        return Err(WorkflowError::RiskLimit(input.risk_limit));
    }
    if input.targets.is_empty() {
        return Err(WorkflowError::NoContest);
    }
    let mut ids: Vec<ContestId> = Vec::new();
    let mut specs = Vec::new();
    for name in input.targets {
        let id = input
            .election
            .find_contest_by_name(name)
            .or_else(|| input.election.find_contest(name))
            .ok_or_else(|| WorkflowError::UnknownContest(name.clone()))?;
        if ids.contains(&id) {
            return Err(WorkflowError::DuplicateContest(name.clone()));
        }
        ids.push(id);
        let spec = contest_spec(input.election, id)?;
        if input.method == Method::Polling && spec.rule != ContestRule::Plurality {
            return Err(WorkflowError::Unauditable {
                contest: spec.name,
                reason: "ballot-polling audits here use BRAVO, which handles plurality, \
                         vote-for-N and approval contests only; use --method comparison"
                    .into(),
            });
        }
        specs.push(spec);
    }
    if input.method == Method::Polling && input.risk_function != RiskFunction::KaplanMarkov {
        return Err(WorkflowError::Unauditable {
            contest: specs.first().map(|c| c.name.clone()).unwrap_or_default(),
            reason: format!(
                "the {} risk function is for comparison audits; polling audits use BRAVO",
                input.risk_function.name()
            ),
        });
    }
    if input.manifest.total_cards() == 0 {
        return Err(WorkflowError::EmptyManifest);
    }

    // Lay out the manifest: one slot per card, batch by batch.
    let mut offsets = Vec::with_capacity(input.manifest.batches.len());
    let mut total = 0u64;
    for b in &input.manifest.batches {
        offsets.push(total);
        total += b.cards;
    }
    let mut by_name: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, b) in input.manifest.batches.iter().enumerate() {
        by_name.entry(b.batch.as_str()).or_default().push(i);
    }
    let mut slots: Vec<Option<usize>> = vec![None; total as usize];
    let mut unplaced: Vec<(usize, usize)> = Vec::new(); // (batch, cvr) without position
    for (ci, card) in input.cvrs.iter().enumerate() {
        let bi = find_batch(input.manifest, &by_name, card)?;
        let (Some(batch), Some(&offset)) = (input.manifest.batches.get(bi), offsets.get(bi)) else {
            continue;
        };
        match card.location.position {
            Some(p) if p >= 1 && p <= batch.cards => {
                let slot = (offset + p - 1) as usize;
                match slots.get_mut(slot) {
                    Some(s @ None) => *s = Some(ci),
                    Some(Some(other)) => {
                        let other_id = input
                            .cvrs
                            .get(*other)
                            .map(|c| c.id.to_string())
                            .unwrap_or_default();
                        return Err(placement(
                            card,
                            format!(
                                "position {p} of batch {:?} already holds card {other_id:?}",
                                batch.batch
                            ),
                        ));
                    }
                    None => {}
                }
            }
            Some(p) => {
                return Err(placement(
                    card,
                    format!(
                        "position {p} is outside batch {:?}, which holds {} cards",
                        batch.batch, batch.cards
                    ),
                ));
            }
            None => unplaced.push((bi, ci)),
        }
    }
    // Cards without a position take the free positions of their batch in the
    // order the CVRs were read.
    let mut next_free: Vec<u64> = vec![0; input.manifest.batches.len()];
    for (bi, ci) in unplaced {
        let (Some(batch), Some(&offset), Some(cursor)) = (
            input.manifest.batches.get(bi),
            offsets.get(bi),
            next_free.get_mut(bi),
        ) else {
            continue;
        };
        let mut placed = false;
        while *cursor < batch.cards {
            let slot = (offset + *cursor) as usize;
            *cursor += 1;
            if let Some(s @ None) = slots.get_mut(slot) {
                *s = Some(ci);
                placed = true;
                break;
            }
        }
        if !placed && let Some(card) = input.cvrs.get(ci) {
            return Err(placement(
                card,
                format!(
                    "batch {:?} has more CVRs than the {} cards the manifest lists",
                    batch.batch, batch.cards
                ),
            ));
        }
    }

    let mut cards = Vec::with_capacity(total as usize);
    let mut cvr_count = 0u64;
    for (bi, b) in input.manifest.batches.iter().enumerate() {
        let offset = offsets.get(bi).copied().unwrap_or(0);
        for p in 1..=b.cards {
            let cvr = slots
                .get((offset + p - 1) as usize)
                .copied()
                .flatten()
                .and_then(|ci| input.cvrs.get(ci));
            let card = match cvr {
                Some(c) => {
                    cvr_count += 1;
                    AuditCard {
                        tabulator: b.tabulator.clone(),
                        batch: b.batch.clone(),
                        position: p,
                        imprinted_id: c.location.imprinted_id.clone(),
                        card_id: Some(c.id.to_string()),
                        votes: ids
                            .iter()
                            .zip(&specs)
                            .map(|(&id, spec)| cvr_selection(input.election, c, id, spec))
                            .collect(),
                    }
                }
                None => AuditCard {
                    tabulator: b.tabulator.clone(),
                    batch: b.batch.clone(),
                    position: p,
                    imprinted_id: None,
                    card_id: None,
                    votes: vec![Selection::Absent; specs.len()],
                },
            };
            cards.push(card);
        }
    }
    let phantoms = total - cvr_count;
    for (i, spec) in specs.iter_mut().enumerate() {
        for card in cards.iter().filter(|c| !c.is_phantom()) {
            match card.votes.get(i) {
                Some(Selection::Absent) | None => {}
                Some(sel) => {
                    spec.cvr_cards += 1;
                    // Votes, or first preferences of a ranked contest.
                    let counted: &[usize] = match sel {
                        Selection::Votes(v) => v,
                        Selection::Ranking(r) => r.get(..1).unwrap_or(&[]),
                        _ => &[],
                    };
                    for &c in counted {
                        if let Some(r) = spec.reported.get_mut(c) {
                            *r += 1;
                        }
                    }
                }
            }
        }
        spec.universe = spec.cvr_cards + phantoms;
        spec.winners = match &spec.rule {
            ContestRule::Irv { .. } => {
                let (winner, assertions) = irv_assertions(spec, i, &cards)?;
                spec.rule = ContestRule::Irv { assertions };
                vec![winner]
            }
            ContestRule::Supermajority {
                numerator,
                denominator,
            } => {
                let won = winners(&spec.reported, 1);
                let valid: u64 = spec.reported.iter().sum();
                let top = won.first().map_or(0, |&w| spec.votes(w));
                // The winner needs more than the share of the valid votes.
                if u128::from(top) * u128::from(*denominator)
                    <= u128::from(valid) * u128::from(*numerator)
                {
                    return Err(WorkflowError::Unauditable {
                        contest: spec.name.clone(),
                        reason: format!(
                            "no candidate has more than {numerator}/{denominator} of the valid \
                             votes; auditing a failed supermajority is not supported"
                        ),
                    });
                }
                won
            }
            ContestRule::Plurality => winners(&spec.reported, spec.seats),
        };
    }
    let spec = AuditSpec {
        risk_limit: input.risk_limit,
        method: input.method,
        risk_function: input.risk_function,
        contests: specs,
        batches: input
            .manifest
            .batches
            .iter()
            .map(|b| BatchSpec {
                tabulator: b.tabulator.clone(),
                batch: b.batch.clone(),
                cards: b.cards,
            })
            .collect(),
        cards: total,
        cvrs: cvr_count,
        phantoms,
    };
    Ok((spec, cards))
}

/// The `seats` candidates with most votes; ties at the boundary go to the
/// lower index (the contest's margin is then 0, so it goes to a hand count).
pub fn winners(tally: &[u64], seats: u32) -> Vec<usize> {
    let mut order: Vec<usize> = (0..tally.len()).collect();
    order.sort_by(|&a, &b| {
        let va = tally.get(a).copied().unwrap_or(0);
        let vb = tally.get(b).copied().unwrap_or(0);
        vb.cmp(&va).then(a.cmp(&b))
    });
    order.truncate(seats as usize);
    order.sort_unstable();
    order
}

fn placement(card: &Card, problem: String) -> WorkflowError {
    WorkflowError::CardPlacement {
        file: card.source.file.to_string(),
        record: card.source.record,
        card: card.id.to_string(),
        problem,
    }
}

fn find_batch(
    manifest: &BallotManifest,
    by_name: &BTreeMap<&str, Vec<usize>>,
    card: &Card,
) -> Result<usize, WorkflowError> {
    let Some(batch) = card.location.batch.as_deref() else {
        return Err(placement(card, "the CVR names no batch".into()));
    };
    let tab = card.location.tabulator.as_deref();
    // A manifest without a tabulator column may name batches
    // `tabulator-batch` (as Dominion ids and `canvass generate` do).
    let joined = tab.map(|t| format!("{t}-{batch}"));
    let candidates = match (
        by_name.get(batch),
        joined.as_deref().and_then(|j| by_name.get(j)),
    ) {
        (Some(v), _) => v.as_slice(),
        (None, Some(v)) => v.as_slice(),
        (None, None) => &[],
    };
    let matching: Vec<usize> = candidates
        .iter()
        .copied()
        .filter(|&i| {
            manifest.batches.get(i).is_some_and(|b| {
                b.tabulator.is_none() || tab.is_none() || b.tabulator.as_deref() == tab
            })
        })
        .collect();
    match matching.as_slice() {
        [one] => Ok(*one),
        [] => Err(placement(
            card,
            match tab {
                Some(t) => {
                    format!("batch {batch:?} of tabulator {t:?} is not in the ballot manifest")
                }
                None => format!("batch {batch:?} is not in the ballot manifest"),
            },
        )),
        _ => Err(placement(
            card,
            format!(
                "batch {batch:?} is in the manifest under several tabulators; the CVR must name its tabulator"
            ),
        )),
    }
}

fn contest_spec(election: &Election, id: ContestId) -> Result<ContestSpec, WorkflowError> {
    let contest = election
        .get_contest(id)
        .ok_or_else(|| WorkflowError::UnknownContest(format!("#{}", id.0)))?;
    let (vote_limit, rule) = match contest.kind {
        ContestKind::Plurality => (Some(contest.seats.max(1)), ContestRule::Plurality),
        ContestKind::Approval => (None, ContestRule::Plurality),
        ContestKind::Supermajority(share) => {
            if contest.seats > 1 {
                return Err(WorkflowError::UnsupportedRule {
                    contest: contest.name.clone(),
                    rule: "multi-winner supermajority".into(),
                });
            }
            if share.denominator == 0 || share.numerator == 0 || share.numerator > share.denominator
            {
                return Err(WorkflowError::Unauditable {
                    contest: contest.name.clone(),
                    reason: format!(
                        "the supermajority share {}/{} is not in (0, 1]",
                        share.numerator, share.denominator
                    ),
                });
            }
            (
                Some(1),
                ContestRule::Supermajority {
                    numerator: share.numerator,
                    denominator: share.denominator,
                },
            )
        }
        ContestKind::Ranked if contest.seats > 1 => {
            return Err(WorkflowError::Unauditable {
                contest: contest.name.clone(),
                reason: format!(
                    "it elects {} by single transferable vote (STV); RAIRE's assertions \
                     audit single-winner IRV only",
                    contest.seats
                ),
            });
        }
        ContestKind::Ranked => (
            Some(1),
            ContestRule::Irv {
                assertions: Vec::new(),
            },
        ),
    };
    let ranked = matches!(rule, ContestRule::Irv { .. });
    let mut candidates: Vec<String> = Vec::new();
    let mut write_in = None;
    for c in &contest.candidates {
        let name = c.name.clone();
        let bad = |problem: &str| WorkflowError::CandidateName {
            contest: contest.name.clone(),
            candidate: name.clone(),
            problem: problem.into(),
        };
        if name.trim().is_empty() || name.trim() != name {
            return Err(bad("must be non-empty without leading or trailing spaces"));
        }
        if name.contains(';') {
            return Err(bad("contains ';', which separates names in audit files"));
        }
        if ranked && name.contains('>') {
            return Err(bad("contains '>', which separates ranks in audit files"));
        }
        if RESERVED.iter().any(|r| r.eq_ignore_ascii_case(&name)) {
            return Err(bad("is a word with a fixed meaning in audit files"));
        }
        if candidates.iter().any(|o| o.eq_ignore_ascii_case(&name)) {
            return Err(bad("appears twice (names must differ ignoring case)"));
        }
        let is_write_in = c.kind == CandidateKind::UndeclaredWriteIn
            || name.eq_ignore_ascii_case("write-in")
            || name.eq_ignore_ascii_case("write in");
        if is_write_in && write_in.is_none() {
            write_in = Some(candidates.len());
        }
        candidates.push(name);
    }
    let write_in = match write_in {
        Some(i) => i,
        None => {
            candidates.push("Write-in".into());
            candidates.len() - 1
        }
    };
    Ok(ContestSpec {
        name: contest.name.clone(),
        seats: contest.seats.max(1),
        vote_limit,
        reported: vec![0; candidates.len()],
        candidates,
        write_in,
        winners: Vec::new(),
        cvr_cards: 0,
        universe: 0,
        rule,
    })
}

/// RAIRE's assertions for the IRV contest at index `ci` of the audit, from
/// the CVRs' rankings (phantoms have none): the winner and the assertions,
/// or why the contest cannot be audited.
fn irv_assertions(
    spec: &ContestSpec,
    ci: usize,
    cards: &[AuditCard],
) -> Result<(usize, Vec<IrvAssertion>), WorkflowError> {
    use crate::raire::{AuditType, RankedVote, TrimAlgorithm, Votes, raire};
    let refuse = |reason: String| WorkflowError::Unauditable {
        contest: spec.name.clone(),
        reason,
    };
    let mut counts: BTreeMap<Vec<u32>, u64> = BTreeMap::new();
    for card in cards.iter().filter(|c| !c.is_phantom()) {
        let prefs: Vec<u32> = match card.votes.get(ci) {
            Some(Selection::Ranking(r)) => r.iter().map(|&c| c as u32).collect(),
            Some(Selection::Absent) | None => continue,
            Some(_) => Vec::new(),
        };
        *counts.entry(prefs).or_insert(0) += 1;
    }
    let votes = Votes::new(
        counts
            .into_iter()
            .map(|(prefs, n)| RankedVote { n, prefs })
            .collect(),
        spec.candidates.len(),
    )
    .map_err(|e| refuse(e.to_string()))?;
    // Difficulty 1/diluted margin: RAIRE then minimises the largest
    // 1/margin, which is what every comparison risk function needs.
    let audit = AuditType::OneOnMargin {
        total_auditable_ballots: spec.universe.max(1),
    };
    let result = raire(&votes, None, &audit, TrimAlgorithm::MinimizeAssertions).map_err(|e| {
        let names = |v: &[u32]| {
            v.iter()
                .filter_map(|&c| spec.candidates.get(c as usize).cloned())
                .collect::<Vec<_>>()
                .join(", ")
        };
        refuse(match e {
            crate::raire::RaireError::TiedWinners { possible } => format!(
                "the IRV count is tied between {}; a tie is settled by law, not by an audit",
                names(&possible)
            ),
            other => format!("RAIRE found no assertions: {other}"),
        })
    })?;
    let assertions = result
        .assertions
        .into_iter()
        .map(|a| IrvAssertion {
            assertion: a.assertion,
            margin: a.margin,
        })
        .collect();
    Ok((result.winner as usize, assertions))
}

fn cvr_selection(election: &Election, card: &Card, id: ContestId, spec: &ContestSpec) -> Selection {
    let Some(cv) = card.votes_for(id) else {
        return Selection::Absent;
    };
    let Some(contest) = election.get_contest(id) else {
        return Selection::Absent;
    };
    // Candidates keep the CVR's order; names map one to one.
    let index = |c: canvass_model::CandidateId| {
        let name = contest.candidate(c).map(|c| c.name.as_str()).unwrap_or("");
        spec.candidates.iter().position(|n| n == name)
    };
    if spec.is_ranked() {
        // Read as RAIRE counts it (`crate::raire::irv::ranking`).
        let prefs: Vec<usize> = crate::raire::irv::ranking(cv)
            .into_iter()
            .filter_map(|c| index(canvass_model::CandidateId(c)))
            .collect();
        return ranking_of(prefs);
    }
    let mut chosen: Vec<usize> = Vec::new();
    for m in cv.at_rank(1) {
        match m.choice {
            Choice::Overvote => return Selection::Overvote,
            Choice::Candidate(c) => {
                if let Some(i) = index(c) {
                    chosen.push(i);
                }
            }
        }
    }
    chosen.sort_unstable();
    chosen.dedup();
    selection_of(chosen, spec)
}

/// A ranking: blank when no candidate is ranked.
pub fn ranking_of(prefs: Vec<usize>) -> Selection {
    if prefs.is_empty() {
        Selection::Blank
    } else {
        Selection::Ranking(prefs)
    }
}

/// A selection from the candidates marked: blank when none, overvote when more
/// than the vote limit.
pub fn selection_of(chosen: Vec<usize>, spec: &ContestSpec) -> Selection {
    if chosen.is_empty() {
        Selection::Blank
    } else if spec.vote_limit.is_some_and(|l| chosen.len() > l as usize) {
        Selection::Overvote
    } else {
        Selection::Votes(chosen)
    }
}

/// A card's selections as read on paper (one per audited contest, in the
/// order of `spec.contests`) in the election's terms, as a store keeps a
/// manual vote record: contests not on the card are left out, a blank is the
/// contest with no marks, an overvote one `Overvote` mark; candidates are
/// the audit's indexes (the contest's candidate ids; a write-in bucket the
/// audit added to a contest without one is the index after the last
/// candidate). Errs naming a contest that is not in `election`.
pub fn selections_as_votes(
    spec: &AuditSpec,
    election: &canvass_model::Election,
    selections: &[Selection],
) -> Result<Vec<canvass_model::ContestVotes>, String> {
    use canvass_model::{CandidateId, Choice, ContestVotes, Mark};
    let candidate = |i: &usize| {
        u32::try_from(*i)
            .map(|c| Choice::Candidate(CandidateId(c)))
            .map_err(|_| format!("candidate index {i}"))
    };
    let mut contests = Vec::with_capacity(selections.len());
    for (s, c) in selections.iter().zip(&spec.contests) {
        let id = election
            .find_contest_by_name(&c.name)
            .ok_or_else(|| format!("contest {:?} is not in the election", c.name))?;
        let marks = match s {
            Selection::Absent => continue,
            Selection::Blank => Vec::new(),
            Selection::Overvote => vec![Mark::vote(Choice::Overvote)],
            Selection::Votes(v) => v
                .iter()
                .map(|i| candidate(i).map(Mark::vote))
                .collect::<Result<_, _>>()?,
            Selection::Ranking(r) => r
                .iter()
                .zip(1u32..)
                .map(|(i, rank)| candidate(i).map(|c| Mark::ranked(rank, c)))
                .collect::<Result<_, _>>()?,
        };
        contests.push(ContestVotes::new(id, marks));
    }
    Ok(contests)
}
