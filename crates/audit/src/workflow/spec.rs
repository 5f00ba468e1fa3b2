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
    /// (super-simple Kaplan–Markov risk).
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
}

impl ContestSpec {
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

    /// The smallest reported winner–loser margin in votes (0 when a loser ties
    /// a winner; the contest then cannot be confirmed by sampling).
    pub fn min_margin(&self) -> i64 {
        self.pairs().iter().map(|p| p.2).min().unwrap_or(0)
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
}

impl Selection {
    /// 1 when the selection is a vote for `candidate`, else 0.
    pub fn vote_for(&self, candidate: usize) -> i64 {
        match self {
            Selection::Votes(v) if v.contains(&candidate) => 1,
            _ => 0,
        }
    }

    /// The selection as written in `cards.csv` and MVR files: empty when the
    /// contest is absent, `blank`, `overvote`, or names joined by `; `.
    pub fn to_text(&self, contest: &ContestSpec) -> String {
        match self {
            Selection::Absent => String::new(),
            Selection::Blank => "blank".into(),
            Selection::Overvote => "overvote".into(),
            Selection::Votes(v) => contest.names(v).join("; "),
        }
    }
}

impl Selection {
    /// Read a selection cell (see [`Selection::to_text`]; `write-in` counts for
    /// the contest's write-in entry; names match exactly, else ignoring case).
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
        let mut chosen = Vec::new();
        for part in cell.split(';').map(str::trim).filter(|s| !s.is_empty()) {
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
            chosen.push(i);
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
        specs.push(contest_spec(input.election, id)?);
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
                    if let Selection::Votes(v) = sel {
                        for &c in v {
                            if let Some(r) = spec.reported.get_mut(c) {
                                *r += 1;
                            }
                        }
                    }
                }
            }
        }
        spec.universe = spec.cvr_cards + phantoms;
        spec.winners = winners(&spec.reported, spec.seats);
    }
    let spec = AuditSpec {
        risk_limit: input.risk_limit,
        method: input.method,
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
    let vote_limit = match contest.kind {
        ContestKind::Plurality => Some(contest.seats.max(1)),
        ContestKind::Approval => None,
        ContestKind::Supermajority(_) => {
            return Err(WorkflowError::UnsupportedRule {
                contest: contest.name.clone(),
                rule: "supermajority".into(),
            });
        }
        ContestKind::Ranked => {
            return Err(WorkflowError::UnsupportedRule {
                contest: contest.name.clone(),
                rule: "ranked-choice".into(),
            });
        }
    };
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
    })
}

fn cvr_selection(election: &Election, card: &Card, id: ContestId, spec: &ContestSpec) -> Selection {
    let Some(cv) = card.votes_for(id) else {
        return Selection::Absent;
    };
    let Some(contest) = election.get_contest(id) else {
        return Selection::Absent;
    };
    let mut chosen: Vec<usize> = Vec::new();
    for m in cv.at_rank(1) {
        match m.choice {
            Choice::Overvote => return Selection::Overvote,
            Choice::Candidate(c) => {
                // Candidates keep the CVR's order; names map one to one.
                let name = contest.candidate(c).map(|c| c.name.as_str()).unwrap_or("");
                if let Some(i) = spec.candidates.iter().position(|n| n == name) {
                    chosen.push(i);
                }
            }
        }
    }
    chosen.sort_unstable();
    chosen.dedup();
    selection_of(chosen, spec)
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
