//! Batch-comparison audits: the machine's reported votes per batch against
//! hand tallies of whole batches, one contest at a time, with MACRO's risk
//! (Stark 2008; [`crate::macro_batch`]) and batches drawn with replacement
//! with probability proportional to their error bound (PPEB; Aslam, Popa &
//! Rivest 2008), as Arlo's batch comparison audits do.
//!
//! Pure logic: the `canvass audit` command reads and writes the files.
//!
//! 1. [`build_batch_audit`] reads the batch tallies (rows of `batch, contest,
//!    candidate, votes`) against the ballot manifest: the reported outcome of
//!    each targeted contest is the sum of its batch tallies.
//! 2. [`ppeb_draws`] draws a contest's batches from the public seed.
//! 3. [`first_batch_round`] / [`next_batch_round`] give each contest's
//!    cumulative number of draws; [`batch_round_sample`] lists the draws.
//! 4. [`HandBook::accept`] checks hand tallies; [`evaluate_batches`] measures
//!    each contest's risk and decides: confirmed, next round, or a full hand
//!    count whose result is the outcome.
//!
//! **The PPEB draw** (canvass's own; Arlo draws with NumPy's PCG64 generator,
//! which canvass does not reproduce). For contest `c` and draw `k = 1, 2, …`:
//! `x_k` = the first 8 bytes of SHA-256 of the UTF-8 text `seed,c,k`
//! (`c` the contest's name, `k` in decimal), read as a big-endian integer,
//! shifted right by 11 bits and multiplied by 2⁻⁵³ (a double in [0, 1));
//! with `u_p` the error bound of the contest's batches in manifest order and
//! `C_p = (u_1 + … + u_p) / (u_1 + … + u_n)` (IEEE doubles, summed in that
//! order), draw `k` is the first batch with `C_p > x_k`.

use super::error::WorkflowError;
use super::round::{ContestState, HandCount, RoundContest, RoundPlan, natural_cmp};
use super::spec::{BatchSpec, RESERVED, winners};
use crate::macro_batch::{BatchVotes, MacroContest};
use canvass_model::BallotManifest;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// The `method` of a batch-comparison audit in `audit.json`.
pub const BATCH_METHOD: &str = "batch_comparison";

/// One targeted contest of a batch-comparison audit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BatchContestSpec {
    /// The contest's name.
    pub name: String,
    /// Number of winners (vote for N).
    pub seats: u32,
    /// The candidates, in the order they first appear in the batch tallies.
    pub candidates: Vec<String>,
    /// Reported votes per candidate: the sum of the batch tallies.
    pub reported: Vec<u64>,
    /// Indexes of the reported winners.
    pub winners: Vec<usize>,
    /// Batches holding the contest (with rows in the batch tallies).
    pub batches: u64,
    /// Ballots in those batches (from the manifest).
    pub ballots: u64,
}

impl BatchContestSpec {
    /// Candidate names of a list of indexes.
    pub fn names(&self, indexes: &[usize]) -> Vec<String> {
        indexes
            .iter()
            .filter_map(|&i| self.candidates.get(i).cloned())
            .collect()
    }

    /// The smallest reported winner–loser margin, in votes.
    pub fn min_margin(&self) -> i64 {
        let mut m: Option<i64> = None;
        for &w in &self.winners {
            for l in (0..self.candidates.len()).filter(|l| !self.winners.contains(l)) {
                let v = self.reported.get(w).copied().unwrap_or(0) as i64
                    - self.reported.get(l).copied().unwrap_or(0) as i64;
                m = Some(m.map_or(v, |x| x.min(v)));
            }
        }
        m.unwrap_or(0)
    }

    /// The contest as [`crate::macro_batch`] sees it.
    pub fn macro_contest(&self) -> MacroContest {
        let mut winners = Vec::new();
        let mut losers = Vec::new();
        for (i, name) in self.candidates.iter().enumerate() {
            let entry = (name.clone(), self.reported.get(i).copied().unwrap_or(0));
            if self.winners.contains(&i) {
                winners.push(entry);
            } else {
                losers.push(entry);
            }
        }
        MacroContest { winners, losers }
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
}

/// Everything fixed when a batch-comparison audit is created (`audit.json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BatchAuditSpec {
    /// Always [`BATCH_METHOD`].
    pub method: String,
    /// The risk limit α.
    pub risk_limit: f64,
    /// The targeted contests, in the order they were named.
    pub contests: Vec<BatchContestSpec>,
    /// The manifest's batches, in manifest order.
    pub batches: Vec<BatchSpec>,
    /// True when CVRs were given and their contest totals were checked
    /// against the batch tallies at creation.
    pub cvrs_checked: bool,
}

/// Reported votes: `votes[contest][batch]`, `None` when the batch does not
/// hold the contest (no rows for it in the batch tallies).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BatchTallies {
    /// Per contest (audit order), per batch (manifest order), votes per candidate.
    pub votes: Vec<Vec<Option<Vec<u64>>>>,
}

/// One row of a batch-tally or hand-tally file, as read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TallyRow {
    /// The file.
    pub file: String,
    /// The row (the header is row 1).
    pub row: u64,
    /// The tabulator, when the file has that column.
    pub tabulator: Option<String>,
    /// The batch.
    pub batch: String,
    /// The contest.
    pub contest: String,
    /// The candidate.
    pub candidate: String,
    /// The votes, as written.
    pub votes: String,
}

impl TallyRow {
    fn error(&self, field: &str, problem: impl Into<String>) -> WorkflowError {
        WorkflowError::Mvr {
            file: self.file.clone(),
            row: self.row,
            field: field.into(),
            problem: problem.into(),
        }
    }

    fn count(&self) -> Result<u64, WorkflowError> {
        self.votes.trim().parse().map_err(|_| {
            self.error(
                "votes",
                format!("{:?} is not a whole number of votes", self.votes),
            )
        })
    }
}

/// A targeted contest: its name and number of winners.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchTarget {
    /// The contest's name, as in the batch tallies.
    pub name: String,
    /// Number of winners (vote for N).
    pub seats: u32,
}

/// Find the manifest batch a row names: by batch (and tabulator when given),
/// or as `tabulator-batch`.
fn find_batch(manifest: &BallotManifest, row: &TallyRow) -> Result<usize, WorkflowError> {
    let tab = row.tabulator.as_deref().filter(|t| !t.is_empty());
    let joined = tab.map(|t| format!("{t}-{}", row.batch));
    let matching: Vec<usize> = manifest
        .batches
        .iter()
        .enumerate()
        .filter(|(_, b)| {
            (b.batch == row.batch
                && (b.tabulator.is_none() || tab.is_none() || b.tabulator.as_deref() == tab))
                || (b.tabulator.is_none() && joined.as_deref() == Some(b.batch.as_str()))
        })
        .map(|(i, _)| i)
        .collect();
    match matching.as_slice() {
        [one] => Ok(*one),
        [] => Err(row.error(
            "batch",
            format!("batch {:?} is not in the ballot manifest", row.batch),
        )),
        _ => Err(row.error(
            "batch",
            format!(
                "batch {:?} is in the manifest under several tabulators; add a tabulator column",
                row.batch
            ),
        )),
    }
}

fn check_candidate_name(row: &TallyRow) -> Result<(), WorkflowError> {
    let name = &row.candidate;
    let problem = if name.trim().is_empty() || name.trim() != name {
        Some("must be non-empty without leading or trailing spaces")
    } else if name.contains(';') {
        Some("contains ';', which separates names in audit files")
    } else if RESERVED.iter().any(|r| r.eq_ignore_ascii_case(name)) {
        Some("is a word with a fixed meaning in audit files")
    } else {
        None
    };
    match problem {
        Some(p) => Err(row.error("candidate", format!("{name:?} {p}"))),
        None => Ok(()),
    }
}

/// Build a batch-comparison audit from the batch tallies: check every row,
/// sum each targeted contest's reported votes and find its winners. Rows of
/// contests that are not targeted are ignored. A batch holds a contest when
/// the tallies have rows for it there (a candidate without a row has 0
/// votes in that batch); the other batches cannot be drawn for it.
pub fn build_batch_audit(
    manifest: &BallotManifest,
    rows: &[TallyRow],
    targets: &[BatchTarget],
    risk_limit: f64,
) -> Result<(BatchAuditSpec, BatchTallies), WorkflowError> {
    if !(risk_limit > 0.0 && risk_limit < 1.0) {
        return Err(WorkflowError::RiskLimit(risk_limit));
    }
    if targets.is_empty() {
        return Err(WorkflowError::NoContest);
    }
    if manifest.batches.iter().all(|b| b.cards == 0) {
        return Err(WorkflowError::EmptyManifest);
    }
    for (i, t) in targets.iter().enumerate() {
        if targets.iter().take(i).any(|o| o.name == t.name) {
            return Err(WorkflowError::DuplicateContest(t.name.clone()));
        }
        if t.seats == 0 {
            return Err(WorkflowError::Unauditable {
                contest: t.name.clone(),
                reason: "it elects no one (seats 0)".into(),
            });
        }
    }
    let nb = manifest.batches.len();
    let mut candidates: Vec<Vec<String>> = vec![Vec::new(); targets.len()];
    // (contest, batch, candidate) -> votes
    let mut cells: BTreeMap<(usize, usize, usize), u64> = BTreeMap::new();
    let mut held: BTreeSet<(usize, usize)> = BTreeSet::new();
    for row in rows {
        let Some(ci) = targets.iter().position(|t| t.name == row.contest) else {
            continue;
        };
        let bi = find_batch(manifest, row)?;
        check_candidate_name(row)?;
        let list = candidates.get_mut(ci).ok_or(WorkflowError::NoContest)?;
        let k = match list.iter().position(|c| c == &row.candidate) {
            Some(k) => k,
            None => {
                if list.iter().any(|c| c.eq_ignore_ascii_case(&row.candidate)) {
                    return Err(row.error(
                        "candidate",
                        format!(
                            "{:?} differs from another candidate of {:?} only in case",
                            row.candidate, row.contest
                        ),
                    ));
                }
                list.push(row.candidate.clone());
                list.len() - 1
            }
        };
        let votes = row.count()?;
        if cells.insert((ci, bi, k), votes).is_some() {
            return Err(row.error(
                "candidate",
                format!(
                    "{:?} in contest {:?} has a second row for batch {:?}",
                    row.candidate, row.contest, row.batch
                ),
            ));
        }
        held.insert((ci, bi));
    }
    let mut tallies = BatchTallies::default();
    let mut contests = Vec::new();
    for (ci, t) in targets.iter().enumerate() {
        let names = candidates.get(ci).cloned().unwrap_or_default();
        if names.is_empty() {
            return Err(WorkflowError::Unauditable {
                contest: t.name.clone(),
                reason: "it has no rows in the batch tallies".into(),
            });
        }
        if names.len() <= t.seats as usize {
            return Err(WorkflowError::Unauditable {
                contest: t.name.clone(),
                reason: format!(
                    "{} candidates for {} seats: there is no loser to audit against",
                    names.len(),
                    t.seats
                ),
            });
        }
        let mut per_batch = Vec::with_capacity(nb);
        let mut reported = vec![0u64; names.len()];
        let (mut batches, mut ballots) = (0u64, 0u64);
        for (bi, b) in manifest.batches.iter().enumerate() {
            if !held.contains(&(ci, bi)) {
                per_batch.push(None);
                continue;
            }
            let votes: Vec<u64> = (0..names.len())
                .map(|k| cells.get(&(ci, bi, k)).copied().unwrap_or(0))
                .collect();
            let sum: u64 = votes.iter().sum();
            let most = b.cards.saturating_mul(u64::from(t.seats));
            if sum > most {
                return Err(WorkflowError::Unauditable {
                    contest: t.name.clone(),
                    reason: format!(
                        "batch {:?} reports {sum} votes, more than its {} ballots × {} seats in the manifest",
                        b.batch, b.cards, t.seats
                    ),
                });
            }
            for (r, v) in reported.iter_mut().zip(&votes) {
                *r += v;
            }
            batches += 1;
            ballots += b.cards;
            per_batch.push(Some(votes));
        }
        let won = winners(&reported, t.seats);
        contests.push(BatchContestSpec {
            name: t.name.clone(),
            seats: t.seats,
            candidates: names,
            reported,
            winners: won,
            batches,
            ballots,
        });
        tallies.votes.push(per_batch);
    }
    let spec = BatchAuditSpec {
        method: BATCH_METHOD.into(),
        risk_limit,
        contests,
        batches: manifest
            .batches
            .iter()
            .map(|b| BatchSpec {
                tabulator: b.tabulator.clone(),
                batch: b.batch.clone(),
                cards: b.cards,
            })
            .collect(),
        cvrs_checked: false,
    };
    Ok((spec, tallies))
}

/// A contest's batches as [`crate::macro_batch`] sees them: for each batch
/// holding the contest (manifest order), its manifest index and votes.
fn holding(
    spec: &BatchAuditSpec,
    ci: usize,
    votes: &[Option<Vec<u64>>],
) -> (Vec<usize>, Vec<BatchVotes>) {
    let Some(contest) = spec.contests.get(ci) else {
        return (Vec::new(), Vec::new());
    };
    let mut index = Vec::new();
    let mut batches = Vec::new();
    for (bi, v) in votes.iter().enumerate() {
        if let Some(v) = v {
            index.push(bi);
            batches.push(batch_votes(
                contest,
                v,
                spec.batches.get(bi).map_or(0, |b| b.cards),
            ));
        }
    }
    (index, batches)
}

fn batch_votes(contest: &BatchContestSpec, votes: &[u64], ballots: u64) -> BatchVotes {
    BatchVotes {
        votes: contest
            .candidates
            .iter()
            .cloned()
            .zip(votes.iter().copied())
            .collect(),
        ballots,
    }
}

/// The PPEB weight `u_p` (MACRO's error bound) of every batch, in manifest
/// order: 0 for a batch that does not hold the contest, ∞ when a winner and
/// a loser are tied.
pub fn error_bounds(spec: &BatchAuditSpec, tallies: &BatchTallies, ci: usize) -> Vec<f64> {
    let (Some(contest), Some(votes)) = (spec.contests.get(ci), tallies.votes.get(ci)) else {
        return Vec::new();
    };
    let m = contest.macro_contest();
    votes
        .iter()
        .enumerate()
        .map(|(bi, v)| match v {
            None => 0.0,
            Some(v) => m.max_error(&batch_votes(
                contest,
                v,
                spec.batches.get(bi).map_or(0, |b| b.cards),
            )),
        })
        .collect()
}

/// The uniform `x_k` of draw `k` of `contest` (see the module's documentation).
pub fn ppeb_uniform(seed: &str, contest: &str, k: u64) -> f64 {
    let digest = Sha256::digest(format!("{seed},{contest},{k}").as_bytes());
    let mut b = [0u8; 8];
    b.copy_from_slice(digest.get(..8).unwrap_or(&[0u8; 8]));
    (u64::from_be_bytes(b) >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0)
}

/// One PPEB draw.
#[derive(Clone, Debug, PartialEq)]
pub struct PpebDraw {
    /// The draw's number, from 1.
    pub draw: u64,
    /// Its uniform `x_k`.
    pub uniform: f64,
    /// The batch drawn (manifest index).
    pub batch: usize,
}

/// Draws `from + 1 ..= to` of a contest with error bounds `weights`
/// (manifest order), with replacement. Empty when the bounds do not sum to
/// a positive finite number (a tie: only a full hand count will do).
pub fn ppeb_draws(seed: &str, contest: &str, weights: &[f64], from: u64, to: u64) -> Vec<PpebDraw> {
    let mut cdf = Vec::with_capacity(weights.len());
    let mut sum = 0.0f64;
    for w in weights {
        sum += w;
        cdf.push(sum);
    }
    if !(sum.is_finite() && sum > 0.0) {
        return Vec::new();
    }
    for c in &mut cdf {
        *c /= sum;
    }
    ((from + 1)..=to)
        .map(|k| {
            let x = ppeb_uniform(seed, contest, k);
            let batch = cdf
                .iter()
                .zip(weights)
                .position(|(&c, &w)| c > x && w > 0.0)
                .unwrap_or_else(|| weights.iter().rposition(|&w| w > 0.0).unwrap_or(0));
            PpebDraw {
                draw: k,
                uniform: x,
                batch,
            }
        })
        .collect()
}

/// MACRO's number of draws if no error turns up, `⌈ln α / ln(1 − 1/U)⌉`,
/// for error bound total `total`, capped at `batches` (Arlo's
/// `macro.get_sample_sizes`): 1 when `U ≤ 1`, every batch when `U` is
/// infinite.
fn draws_needed(total: f64, alpha: f64, batches: u64) -> u64 {
    if !total.is_finite() {
        return batches;
    }
    if total <= 1.0 {
        return 1;
    }
    let n = (alpha.ln() / (1.0 - 1.0 / total).ln()).ceil();
    if n.is_nan() || n < 1.0 {
        1
    } else {
        (n as u64).min(batches)
    }
}

fn round_contest(contest: &BatchContestSpec, draws: u64) -> RoundContest {
    let full = draws >= contest.batches;
    RoundContest {
        contest: contest.name.clone(),
        sample_size: if full { contest.batches } else { draws },
        full_hand_count: full,
    }
}

/// Round 1: each contest's MACRO draws if no error turns up (a full hand
/// count when that is at least its number of batches).
pub fn first_batch_round(spec: &BatchAuditSpec, tallies: &BatchTallies) -> RoundPlan {
    let contests = spec
        .contests
        .iter()
        .enumerate()
        .map(|(ci, c)| {
            let total: f64 = error_bounds(spec, tallies, ci).iter().sum();
            round_contest(c, draws_needed(total, spec.risk_limit, c.batches))
        })
        .collect();
    RoundPlan { round: 1, contests }
}

/// The draws of every contest in a round plan: PPEB draws `1..=size`, or,
/// for a full hand count, every batch holding the contest (draw numbers
/// 0 and uniform NaN mark them).
pub fn plan_draws(
    spec: &BatchAuditSpec,
    tallies: &BatchTallies,
    seed: &str,
    plan: &RoundPlan,
) -> Vec<Vec<PpebDraw>> {
    spec.contests
        .iter()
        .enumerate()
        .map(|(ci, c)| {
            let Some(rc) = plan.contests.get(ci) else {
                return Vec::new();
            };
            if rc.full_hand_count {
                tallies
                    .votes
                    .get(ci)
                    .map(|v| {
                        v.iter()
                            .enumerate()
                            .filter(|(_, x)| x.is_some())
                            .map(|(bi, _)| PpebDraw {
                                draw: 0,
                                uniform: f64::NAN,
                                batch: bi,
                            })
                            .collect()
                    })
                    .unwrap_or_default()
            } else {
                let w = error_bounds(spec, tallies, ci);
                ppeb_draws(seed, &c.name, &w, 0, rc.sample_size)
            }
        })
        .collect()
}

/// Batches drawn in a plan for any contest.
pub fn drawn_batches(draws: &[Vec<PpebDraw>]) -> BTreeSet<usize> {
    draws.iter().flatten().map(|d| d.batch).collect()
}

/// One line of a round's sample.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchSampleEntry {
    /// Index of the contest.
    pub contest: usize,
    /// The draw (its number is 0 for a full hand count).
    pub draw: PpebDraw,
    /// True when no earlier draw (any contest, any round) took the batch.
    pub new: bool,
}

/// The draws a round adds (from the plan `before` to `after`), contest by
/// contest, in draw order; and the new batches in shelf order (tabulator,
/// batch, names with numbers compared as numbers).
pub fn batch_round_sample(
    spec: &BatchAuditSpec,
    before: &[Vec<PpebDraw>],
    after: &[Vec<PpebDraw>],
) -> (Vec<BatchSampleEntry>, Vec<usize>) {
    let mut seen = drawn_batches(before);
    let mut out = Vec::new();
    let mut fresh = Vec::new();
    for (ci, draws) in after.iter().enumerate() {
        let old: &[PpebDraw] = before.get(ci).map(Vec::as_slice).unwrap_or(&[]);
        let old_full = old.first().is_some_and(|d| d.draw == 0);
        let new_full = draws.first().is_some_and(|d| d.draw == 0);
        // A full hand count lists every batch of the contest once.
        let take: Vec<&PpebDraw> = if old_full {
            Vec::new()
        } else if new_full {
            draws.iter().collect()
        } else {
            draws.iter().skip(old.len()).collect()
        };
        for d in take {
            let new = seen.insert(d.batch);
            if new {
                fresh.push(d.batch);
            }
            out.push(BatchSampleEntry {
                contest: ci,
                draw: d.clone(),
                new,
            });
        }
    }
    fresh.sort_by(|&a, &b| match (spec.batches.get(a), spec.batches.get(b)) {
        (Some(x), Some(y)) => natural_cmp(
            x.tabulator.as_deref().unwrap_or(""),
            y.tabulator.as_deref().unwrap_or(""),
        )
        .then_with(|| natural_cmp(&x.batch, &y.batch)),
        _ => a.cmp(&b),
    });
    (out, fresh)
}

/// The hand tallies recorded so far: `(batch, contest)` → votes per candidate.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HandBook {
    /// Hand counts by (manifest batch index, contest index).
    pub counts: BTreeMap<(usize, usize), Vec<u64>>,
}

impl HandBook {
    /// Check the rows of one hand-tally file and add them to a copy of the
    /// book: the rows of one (batch, contest) give that batch's hand count of
    /// the contest (a candidate without a row has 0 votes). Refused, with
    /// file, row and field: unknown batches, contests or candidates, batches
    /// not drawn, a contest the batch does not hold, a candidate twice, and
    /// a hand count that differs from one recorded earlier. Returns the new
    /// book and how many (batch, contest) counts are new.
    pub fn accept(
        &self,
        spec: &BatchAuditSpec,
        tallies: &BatchTallies,
        manifest: &BallotManifest,
        drawn: &BTreeSet<usize>,
        rows: &[TallyRow],
    ) -> Result<(HandBook, u64), WorkflowError> {
        // (batch, contest) -> (votes per candidate, the group's first row)
        type Group<'r> = (Vec<Option<u64>>, &'r TallyRow);
        let mut groups: BTreeMap<(usize, usize), Group<'_>> = BTreeMap::new();
        for row in rows {
            let bi = find_batch(manifest, row)?;
            let ci = spec
                .contests
                .iter()
                .position(|c| c.name == row.contest)
                .ok_or_else(|| {
                    let names: Vec<&str> = spec.contests.iter().map(|c| c.name.as_str()).collect();
                    row.error(
                        "contest",
                        format!(
                            "{:?} is not audited; expected one of {}",
                            row.contest,
                            names.join(", ")
                        ),
                    )
                })?;
            let contest = spec.contests.get(ci).ok_or(WorkflowError::NoContest)?;
            if !drawn.contains(&bi) {
                return Err(row.error(
                    "batch",
                    format!("batch {:?} was not drawn in any round", row.batch),
                ));
            }
            if tallies
                .votes
                .get(ci)
                .and_then(|v| v.get(bi))
                .is_none_or(Option::is_none)
            {
                return Err(row.error(
                    "contest",
                    format!(
                        "batch {:?} does not hold contest {:?} in the batch tallies",
                        row.batch, row.contest
                    ),
                ));
            }
            let k = contest.find_candidate(&row.candidate).ok_or_else(|| {
                row.error(
                    "candidate",
                    format!(
                        "{:?} is not a candidate; expected one of {}",
                        row.candidate,
                        contest.candidates.join(", ")
                    ),
                )
            })?;
            let votes = row.count()?;
            let entry = groups
                .entry((bi, ci))
                .or_insert_with(|| (vec![None; contest.candidates.len()], row));
            match entry.0.get_mut(k) {
                Some(slot @ None) => *slot = Some(votes),
                _ => {
                    return Err(row.error(
                        "candidate",
                        format!(
                            "{:?} appears twice for batch {:?}, contest {:?}",
                            row.candidate, row.batch, row.contest
                        ),
                    ));
                }
            }
        }
        let mut book = self.clone();
        let mut new = 0;
        for ((bi, ci), (votes, first)) in groups {
            let votes: Vec<u64> = votes.into_iter().map(|v| v.unwrap_or(0)).collect();
            match book.counts.get(&(bi, ci)) {
                Some(old) if *old == votes => {}
                Some(_) => {
                    return Err(first.error(
                        "votes",
                        format!(
                            "batch {:?}, contest {:?} was already recorded with other counts",
                            first.batch, first.contest
                        ),
                    ));
                }
                None => {
                    book.counts.insert((bi, ci), votes);
                    new += 1;
                }
            }
        }
        Ok((book, new))
    }
}

/// One drawn batch of a contest, reported against audited.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BatchDiscrepancy {
    /// The tabulator, when the manifest gives one.
    pub tabulator: Option<String>,
    /// The batch.
    pub batch: String,
    /// How many draws took the batch (each counts in the risk).
    pub times_drawn: u64,
    /// Reported votes per candidate.
    pub reported: BTreeMap<String, u64>,
    /// Hand-counted votes per candidate.
    pub audited: BTreeMap<String, u64>,
    /// Audited minus reported, per candidate (negative: the machine
    /// counted more than the paper holds).
    pub difference: BTreeMap<String, i64>,
    /// The largest overstatement of a winner–loser margin, in votes
    /// (negative when every difference favours the losers).
    pub overstatement: i64,
    /// MACRO's weighted error `e_p` (positive part).
    pub error: f64,
    /// MACRO's error bound `u_p`.
    pub error_bound: f64,
    /// The taint `e_p/u_p`.
    pub taint: f64,
}

/// A contest's status after the hand tallies recorded so far.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BatchContestStatus {
    /// The contest.
    pub contest: String,
    /// Batches holding the contest.
    pub batches: u64,
    /// Draws so far (cumulative; every batch for a full hand count).
    pub sample_size: u64,
    /// Draws, in order, whose batch has a hand tally, without a gap.
    pub recorded: u64,
    /// MACRO's total error bound `U`.
    pub total_error_bound: f64,
    /// Each distinct recorded batch, reported against audited.
    pub discrepancies: Vec<BatchDiscrepancy>,
    /// The measured risk (MACRO Kaplan–Markov P-value); 0 after a full hand count.
    pub risk: f64,
    /// The risk limit.
    pub risk_limit: f64,
    /// Where the contest stands.
    #[serde(flatten)]
    pub state: ContestState,
}

fn discrepancy(
    spec: &BatchAuditSpec,
    contest: &BatchContestSpec,
    bi: usize,
    reported: &[u64],
    audited: &[u64],
    times: u64,
) -> BatchDiscrepancy {
    let b = spec.batches.get(bi);
    let ballots = b.map_or(0, |b| b.cards);
    let m = contest.macro_contest();
    let rep = batch_votes(contest, reported, ballots);
    let aud = batch_votes(contest, audited, ballots);
    let get = |v: &[u64], i: usize| v.get(i).copied().unwrap_or(0) as i64;
    let mut over: Option<i64> = None;
    for &w in &contest.winners {
        for l in (0..contest.candidates.len()).filter(|l| !contest.winners.contains(l)) {
            let e = (get(reported, w) - get(reported, l)) - (get(audited, w) - get(audited, l));
            over = Some(over.map_or(e, |x| x.max(e)));
        }
    }
    let error = m.error(&rep, &aud);
    let bound = m.max_error(&rep);
    BatchDiscrepancy {
        tabulator: b.and_then(|b| b.tabulator.clone()),
        batch: b.map(|b| b.batch.clone()).unwrap_or_default(),
        times_drawn: times,
        reported: rep.votes.clone(),
        audited: aud.votes.clone(),
        difference: contest
            .candidates
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), get(audited, i) - get(reported, i)))
            .collect(),
        overstatement: over.unwrap_or(0),
        error,
        error_bound: bound,
        taint: if bound > 0.0 { error / bound } else { 0.0 },
    }
}

/// Measure every contest on the hand tallies recorded so far. `plan` is the
/// current round (`None` before round 1); `draws` its [`plan_draws`].
pub fn evaluate_batches(
    spec: &BatchAuditSpec,
    tallies: &BatchTallies,
    plan: Option<&RoundPlan>,
    draws: &[Vec<PpebDraw>],
    book: &HandBook,
) -> Vec<BatchContestStatus> {
    let alpha = spec.risk_limit;
    spec.contests
        .iter()
        .enumerate()
        .map(|(ci, contest)| {
            let empty = Vec::new();
            let votes = tallies.votes.get(ci).unwrap_or(&empty);
            let (index, reported) = holding(spec, ci, votes);
            let m = contest.macro_contest();
            let total = m.total_error_bound(&reported);
            let rc = plan.and_then(|p| p.contests.get(ci));
            let full = rc.is_some_and(|r| r.full_hand_count);
            let list: &[PpebDraw] = draws.get(ci).map(Vec::as_slice).unwrap_or(&[]);
            let recorded: Vec<&PpebDraw> = list
                .iter()
                .take_while(|d| book.counts.contains_key(&(d.batch, ci)))
                .collect();
            let mut times: BTreeMap<usize, u64> = BTreeMap::new();
            for d in &recorded {
                *times.entry(d.batch).or_insert(0) += 1;
            }
            let discrepancies: Vec<BatchDiscrepancy> = times
                .iter()
                .filter_map(|(&bi, &t)| {
                    let r = votes.get(bi)?.as_ref()?;
                    let a = book.counts.get(&(bi, ci))?;
                    Some(discrepancy(
                        spec,
                        contest,
                        bi,
                        r,
                        a,
                        if full { 0 } else { t },
                    ))
                })
                .collect();
            let audited: BTreeMap<usize, BatchVotes> = times
                .keys()
                .filter_map(|&bi| {
                    let a = book.counts.get(&(bi, ci))?;
                    let ballots = spec.batches.get(bi).map_or(0, |b| b.cards);
                    Some((bi, batch_votes(contest, a, ballots)))
                })
                .collect();
            let risk = if full {
                1.0
            } else {
                let seq: Vec<(usize, &BatchVotes)> = recorded
                    .iter()
                    .filter_map(|d| {
                        let h = index.iter().position(|&b| b == d.batch)?;
                        Some((h, audited.get(&d.batch)?))
                    })
                    .collect();
                m.risk(&reported, &seq, alpha).map_or(1.0, |(p, _)| p)
            };
            let size = rc.map_or(0, |r| r.sample_size);
            let n_recorded = recorded.len() as u64;
            let complete = n_recorded >= list.len() as u64;
            let state = if rc.is_none() {
                ContestState::NotStarted
            } else if full && complete {
                ContestState::HandCount(batch_hand_count(contest, ci, book, votes))
            } else if full {
                ContestState::HandCountInProgress
            } else if risk <= alpha {
                ContestState::Confirmed
            } else if !complete {
                ContestState::InProgress
            } else {
                // Arlo's follow-up size: U with each audited batch's bound
                // replaced by its observed weighted error (positive part).
                let rest: f64 = index
                    .iter()
                    .zip(&reported)
                    .map(|(bi, rep)| match audited.get(bi) {
                        Some(a) => m.error(rep, a),
                        None => m.max_error(rep),
                    })
                    .sum();
                let more = if rest == 0.0 {
                    1
                } else {
                    draws_needed(rest, alpha, contest.batches)
                };
                let next = round_contest(contest, size.saturating_add(more.max(1)));
                ContestState::NextRound {
                    size: next.sample_size,
                    full_hand_count: next.full_hand_count,
                }
            };
            let risk = if matches!(state, ContestState::HandCount(_)) {
                0.0
            } else {
                risk
            };
            BatchContestStatus {
                contest: contest.name.clone(),
                batches: contest.batches,
                sample_size: if rc.is_some() { list.len() as u64 } else { 0 },
                recorded: n_recorded,
                total_error_bound: total,
                discrepancies,
                risk,
                risk_limit: alpha,
                state,
            }
        })
        .collect()
}

fn batch_hand_count(
    contest: &BatchContestSpec,
    ci: usize,
    book: &HandBook,
    votes: &[Option<Vec<u64>>],
) -> HandCount {
    let mut tally = vec![0u64; contest.candidates.len()];
    for (bi, v) in votes.iter().enumerate() {
        if v.is_none() {
            continue;
        }
        if let Some(a) = book.counts.get(&(bi, ci)) {
            for (t, x) in tally.iter_mut().zip(a) {
                *t += x;
            }
        }
    }
    let won = winners(&tally, contest.seats);
    let mut sorted = tally.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    let seats = contest.seats as usize;
    let tie = seats < sorted.len() && sorted.get(seats - 1) == sorted.get(seats);
    HandCount {
        tally: contest.candidates.iter().cloned().zip(tally).collect(),
        winners: contest.names(&won),
        reported_winners: contest.names(&contest.winners),
        outcome_changed: won != contest.winners,
        tie,
        not_found: 0,
    }
}

/// The next round, from the statuses at the end of the current one.
/// Refuses while a drawn batch has no hand tally, and when every contest is
/// finished.
pub fn next_batch_round(
    current: &RoundPlan,
    statuses: &[BatchContestStatus],
) -> Result<RoundPlan, WorkflowError> {
    let round = current.round + 1;
    let missing: u64 = statuses
        .iter()
        .map(|s| s.sample_size.saturating_sub(s.recorded))
        .sum();
    if missing > 0 {
        return Err(WorkflowError::CannotDraw {
            round,
            reason: format!(
                "{missing} draws of round {} have no hand tally yet",
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

/// Contest totals of CVRs against the batch tallies: `Err` names the first
/// contest and candidate whose totals differ. `cvr_totals` maps contest →
/// candidate → votes.
pub fn check_cvr_totals(
    spec: &BatchAuditSpec,
    cvr_totals: &BTreeMap<String, BTreeMap<String, u64>>,
) -> Result<(), WorkflowError> {
    for c in &spec.contests {
        let Some(cvr) = cvr_totals.get(&c.name) else {
            return Err(WorkflowError::UnknownContest(c.name.clone()));
        };
        let names: BTreeSet<&String> = c.candidates.iter().chain(cvr.keys()).collect();
        for name in names {
            let tallied = c
                .candidates
                .iter()
                .position(|n| n == name)
                .and_then(|i| c.reported.get(i))
                .copied()
                .unwrap_or(0);
            let counted = cvr.get(name).copied().unwrap_or(0);
            if tallied != counted {
                return Err(WorkflowError::Unauditable {
                    contest: c.name.clone(),
                    reason: format!(
                        "the batch tallies give {name:?} {tallied} votes, the CVRs {counted}"
                    ),
                });
            }
        }
    }
    Ok(())
}
