//! What the NIST SP 1500-103 CVR Common Data Format readers share: the
//! election definitions (contests, selections, candidates, geopolitical
//! units) and the conversion of one `CVR` record into a [`Card`], whichever
//! encoding (JSON or XML) it was read from.
//!
//! Spec: NIST SP 1500-103 (Cast Vote Records Common Data Format), UML classes
//! `CastVoteRecordReport`, `Election`, `Contest`, `ContestSelection`,
//! `Candidate`, `GpUnit`, `CVR`, `CVRSnapshot`, `CVRContest`,
//! `CVRContestSelection`, `SelectionPosition`.

use crate::error::{FormatError, Location};
use crate::options::SourceOptions;
use canvass_model::{
    CandidateId, CandidateKind, Card, CardId, CardLocation, Choice, Contest, ContestId,
    ContestKind, ContestVotes, Election, Mark, SourceRef,
};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

/// The name RCTab (and canvass) gives the bucket of write-in selections.
pub(crate) const UNDECLARED_WRITE_INS: &str = "Undeclared Write-ins";

/// A `Candidate` of the election definition.
#[derive(Clone, Debug, Default)]
pub(crate) struct CandidateDef {
    pub id: String,
    pub name: Option<String>,
}

/// A `ContestSelection` of a contest.
#[derive(Clone, Debug, Default)]
pub(crate) struct SelectionDef {
    pub id: String,
    pub candidate_ids: Vec<String>,
    pub is_write_in: bool,
}

/// A `Contest` of the election definition.
#[derive(Clone, Debug, Default)]
pub(crate) struct ContestDef {
    pub id: String,
    pub name: Option<String>,
    pub vote_variation: Option<String>,
    pub votes_allowed: Option<u32>,
    pub number_elected: Option<u32>,
    pub selections: Vec<SelectionDef>,
}

/// An `Election` definition.
#[derive(Clone, Debug, Default)]
pub(crate) struct ElectionDef {
    pub name: Option<String>,
    pub candidates: Vec<CandidateDef>,
    pub contests: Vec<ContestDef>,
}

/// A `GpUnit` (precinct, district, ...).
#[derive(Clone, Debug, Default)]
pub(crate) struct GpUnitDef {
    pub id: String,
    pub name: Option<String>,
}

/// One `SelectionPosition`.
#[derive(Clone, Debug)]
pub(crate) struct PositionRec {
    pub rank: Option<u32>,
    /// False only when `HasIndication` is `no` (e.g. an adjudicator ruled
    /// the mark out); `yes` and `unknown` are marks.
    pub indicated: bool,
    /// `IsAllocable` is `no`.
    pub not_allocable: bool,
    pub number_votes: Option<u64>,
}

/// One `CVRContestSelection`.
#[derive(Clone, Debug, Default)]
pub(crate) struct SelectionRec {
    pub selection_id: Option<String>,
    pub positions: Vec<PositionRec>,
}

/// One `CVRContest`.
#[derive(Clone, Debug, Default)]
pub(crate) struct ContestRec {
    pub contest_id: Option<String>,
    pub selections: Vec<SelectionRec>,
}

/// One `CVRSnapshot`.
#[derive(Clone, Debug, Default)]
pub(crate) struct SnapshotRec {
    pub id: Option<String>,
    pub contests: Vec<ContestRec>,
}

/// One `CVR`.
#[derive(Clone, Debug, Default)]
pub(crate) struct CvrRec {
    pub ballot_pre_printed_id: Option<String>,
    pub unique_id: Option<String>,
    pub ballot_audit_id: Option<String>,
    pub batch_id: Option<String>,
    pub batch_sequence_id: Option<u64>,
    pub creating_device_id: Option<String>,
    pub ballot_style_id: Option<String>,
    pub ballot_style_unit_id: Option<String>,
    pub current_snapshot_id: Option<String>,
    pub snapshots: Vec<SnapshotRec>,
}

/// A cheap hash for the short ids of one file (the multiply-rotate step
/// of rustc's FxHasher). The ids come from the file's own definitions and
/// only set how fast lookups are, never what they find.
#[derive(Clone, Copy, Default)]
pub(crate) struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        for &b in chunks.remainder() {
            self.add(u64::from(b));
        }
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

impl IdHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// Builds [`IdHasher`]s.
pub(crate) type IdBuild = std::hash::BuildHasherDefault<IdHasher>;

/// What a contest of one file means in the election being built.
#[derive(Clone, Copy, Debug)]
struct ContestMap {
    id: ContestId,
    /// The file did not say how the contest is decided, so ranks decide.
    infer_ranked: bool,
}

/// The definitions of one file, resolved against the election: CDF ids to
/// interned contests and candidates.
#[derive(Debug, Default)]
pub(crate) struct Resolved {
    // Looked up once per contest and selection of every card: keyed by
    // bytes with a cheap hash.
    contests: HashMap<Vec<u8>, ContestMap, IdBuild>,
    /// Selection id → candidate, per contest id (selection ids are unique in
    /// a file, but some producers reuse them across contests).
    selections: BTreeMap<ContestId, HashMap<Vec<u8>, CandidateId, IdBuild>>,
    gp_units: BTreeMap<String, String>,
    /// The contest `SourceOptions::contest` names, when it does.
    wanted: Option<ContestId>,
    filtering: bool,
}

fn contest_kind(def: &ContestDef) -> (ContestKind, u32, bool) {
    let seats = def.number_elected.or(def.votes_allowed).unwrap_or(1).max(1);
    match def.vote_variation.as_deref() {
        Some("rcv") | Some("irv") | Some("stv") => (ContestKind::Ranked, seats, false),
        Some("approval") => (ContestKind::Approval, seats, false),
        Some(_) => (ContestKind::Plurality, seats, false),
        // SP 1500-103 makes VoteVariation optional; RCTab's files omit it.
        None => (ContestKind::Plurality, seats, true),
    }
}

/// Intern the definitions of one file into `election` and build the lookup
/// tables its CVRs need. Contests are matched by name (RCTab names contests
/// by their `Name`), candidates by name within their contest; the CDF ids
/// are kept as external ids (or aliases when a name was already known).
pub(crate) fn resolve(
    path: &Path,
    election: &mut Election,
    elections: &[ElectionDef],
    gp_units: &[GpUnitDef],
    options: &SourceOptions,
) -> Result<Resolved, FormatError> {
    let mut resolved = Resolved {
        filtering: options.contest.is_some(),
        ..Resolved::default()
    };
    for unit in gp_units {
        let name = unit.name.clone().unwrap_or_else(|| unit.id.clone());
        resolved.gp_units.insert(unit.id.clone(), name);
    }
    for def in elections {
        if election.name.is_none() {
            election.name.clone_from(&def.name);
        }
        let candidate_names: HashMap<&str, &str> = def
            .candidates
            .iter()
            .map(|c| (c.id.as_str(), c.name.as_deref().unwrap_or(c.id.as_str())))
            .collect();
        for contest in &def.contests {
            let name = contest.name.as_deref().unwrap_or(contest.id.as_str());
            if let Some(wanted) = &options.contest
                && wanted != name
                && wanted != &contest.id
            {
                continue;
            }
            let (kind, seats, infer_ranked) = contest_kind(contest);
            let cid = match election.find_contest_by_name(name) {
                Some(id) => id,
                None => {
                    let id = ContestId(election.contests.len() as u32);
                    let mut c = Contest::new(id, &contest.id, name, kind);
                    c.seats = seats;
                    election.contests.push(c);
                    id
                }
            };
            if options.contest.is_some() {
                resolved.wanted = Some(cid);
            }
            resolved.contests.insert(
                contest.id.clone().into_bytes(),
                ContestMap {
                    id: cid,
                    infer_ranked,
                },
            );
            let target = election.contest_mut(cid);
            for sel in &contest.selections {
                let (name, kind) = if sel.is_write_in {
                    (
                        UNDECLARED_WRITE_INS.to_owned(),
                        CandidateKind::UndeclaredWriteIn,
                    )
                } else if sel.candidate_ids.is_empty() {
                    (sel.id.clone(), CandidateKind::Regular)
                } else {
                    let names: Vec<&str> = sel
                        .candidate_ids
                        .iter()
                        .map(|id| candidate_names.get(id.as_str()).copied().unwrap_or(id))
                        .collect();
                    (names.join(" / "), CandidateKind::Regular)
                };
                let cand = match target.find_candidate_by_name(&name) {
                    Some(id) => {
                        if let Some(c) = target.candidates.get_mut(id.index())
                            && c.external_id != sel.id
                            && !c.aliases.contains(&sel.id)
                        {
                            c.aliases.push(sel.id.clone());
                        }
                        id
                    }
                    None => {
                        let id = CandidateId(target.candidates.len() as u32);
                        target.candidates.push(canvass_model::Candidate {
                            id,
                            external_id: sel.id.clone(),
                            name,
                            aliases: Vec::new(),
                            kind,
                        });
                        id
                    }
                };
                resolved
                    .selections
                    .entry(cid)
                    .or_default()
                    .insert(sel.id.clone().into_bytes(), cand);
            }
        }
    }
    if let (Some(wanted), None) = (&options.contest, resolved.wanted) {
        return Err(FormatError::UnknownContest {
            at: Location::file(path).field("contestId"),
            contest: wanted.clone(),
        });
    }
    Ok(resolved)
}

impl Resolved {
    /// The contest a CDF `ContestId` stands for and whether ranks decide its
    /// kind; `Ok(None)` for a contest the options leave out.
    pub(crate) fn contest(
        &self,
        at: impl Fn() -> Location,
        contest_id: &[u8],
    ) -> Result<Option<(ContestId, bool)>, FormatError> {
        match self.contests.get(contest_id) {
            Some(m) => Ok(Some((m.id, m.infer_ranked))),
            None if self.filtering => Ok(None),
            None => Err(FormatError::UnknownContest {
                at: at().field("ContestId"),
                contest: String::from_utf8_lossy(contest_id).into_owned(),
            }),
        }
    }

    /// The candidate of a `ContestSelectionId` in a contest.
    pub(crate) fn selection(&self, contest: ContestId, selection: &[u8]) -> Option<CandidateId> {
        self.selections
            .get(&contest)
            .and_then(|m| m.get(selection))
            .copied()
    }

    /// The name of a `GpUnit` (its id when it has none).
    pub(crate) fn gp_unit_name(&self, unit: String) -> String {
        self.gp_units.get(&unit).cloned().unwrap_or(unit)
    }
}

/// The identity fields of a `CVR` (everything but its snapshots).
#[derive(Clone, Debug, Default)]
pub(crate) struct CvrHead {
    pub ballot_pre_printed_id: Option<String>,
    pub unique_id: Option<String>,
    pub ballot_audit_id: Option<String>,
    pub batch_id: Option<String>,
    pub batch_sequence_id: Option<u64>,
    pub creating_device_id: Option<String>,
    pub ballot_style_id: Option<String>,
    pub ballot_style_unit_id: Option<String>,
}

/// A card with the identity fields of a CVR and no contests yet.
pub(crate) fn card_head(
    path: &Path,
    file: &Arc<str>,
    record: u64,
    head: CvrHead,
    resolved: &Resolved,
) -> Card {
    let id = head
        .unique_id
        .or_else(|| head.ballot_pre_printed_id.clone())
        .unwrap_or_else(|| {
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            format!("{stem}-{record}")
        });
    let mut card = Card::new(CardId::new(id));
    card.ballot_id = head.ballot_audit_id;
    card.location = CardLocation {
        tabulator: head.creating_device_id,
        batch: head.batch_id,
        position: head.batch_sequence_id,
        imprinted_id: head.ballot_pre_printed_id,
    };
    card.precinct = head.ballot_style_unit_id.map(|u| resolved.gp_unit_name(u));
    card.ballot_style = head.ballot_style_id;
    card.source = SourceRef {
        file: Arc::clone(file),
        record,
    };
    card
}

/// The marks of one `CVRContestSelection`: `candidate` is the candidate of
/// its `ContestSelectionId`, `None` when it has none.
pub(crate) fn selection_marks(
    at: impl Fn() -> Location,
    candidate: Option<CandidateId>,
    positions: &[PositionRec],
    marks: &mut Vec<Mark>,
) -> Result<(), FormatError> {
    for pos in positions {
        // A selection without a ContestSelectionId is a write-in the
        // scanner could not tie to a selection (SP 1500-103 CVRWriteIn);
        // RCTab counts it as no mark, and so do we. One whose position
        // is not allocable is how canvass writes an overvote whose
        // candidates the source did not name (see `cdf_json_writer`).
        let choice = match candidate {
            None if pos.indicated && pos.not_allocable => Choice::Overvote,
            None => continue,
            Some(_) if !pos.indicated || pos.number_votes == Some(0) => continue,
            Some(cand) => Choice::Candidate(cand),
        };
        let rank = pos.rank.unwrap_or(1);
        if rank == 0 {
            return Err(FormatError::invalid(
                at().field("Rank"),
                "rank must be 1 or more",
            ));
        }
        marks.push(Mark::ranked(rank, choice));
    }
    Ok(())
}

/// Turn one CVR into a card. `record` is the 1-based number of the CVR in
/// its file.
pub(crate) fn to_card(
    path: &Path,
    file: &Arc<str>,
    record: u64,
    cvr: CvrRec,
    resolved: &Resolved,
    election: &mut Election,
) -> Result<Card, FormatError> {
    let at = || Location::record(path, record);
    let snapshot = match &cvr.current_snapshot_id {
        Some(current) => cvr
            .snapshots
            .into_iter()
            .find(|s| s.id.as_deref() == Some(current.as_str()))
            .ok_or_else(|| {
                FormatError::invalid(
                    at().field("CurrentSnapshotId"),
                    format!("no CVRSnapshot has the id {current:?}"),
                )
            })?,
        None => {
            let mut snapshots = cvr.snapshots;
            if snapshots.len() > 1 {
                return Err(FormatError::MissingField {
                    at: at().field("CurrentSnapshotId"),
                });
            }
            snapshots.pop().unwrap_or_default()
        }
    };
    let head = CvrHead {
        ballot_pre_printed_id: cvr.ballot_pre_printed_id,
        unique_id: cvr.unique_id,
        ballot_audit_id: cvr.ballot_audit_id,
        batch_id: cvr.batch_id,
        batch_sequence_id: cvr.batch_sequence_id,
        creating_device_id: cvr.creating_device_id,
        ballot_style_id: cvr.ballot_style_id,
        ballot_style_unit_id: cvr.ballot_style_unit_id,
    };
    let mut card = card_head(path, file, record, head, resolved);
    for contest in snapshot.contests {
        let contest_id = contest
            .contest_id
            .ok_or_else(|| FormatError::MissingField {
                at: at().field("ContestId"),
            })?;
        let Some((cid, infer_ranked)) = resolved.contest(at, contest_id.as_bytes())? else {
            continue;
        };
        let mut marks = Vec::with_capacity(contest.selections.len());
        for sel in contest.selections {
            let cand = match sel.selection_id {
                None => None,
                Some(sel_id) => match resolved.selection(cid, sel_id.as_bytes()) {
                    Some(c) => Some(c),
                    None => {
                        return Err(FormatError::UnknownCandidate {
                            at: at().field("ContestSelectionId"),
                            contest: contest_id,
                            candidate: sel_id,
                        });
                    }
                },
            };
            selection_marks(at, cand, &sel.positions, &mut marks)?;
        }
        if infer_ranked
            && marks.iter().any(|m| m.rank > 1)
            && let Some(c) = election.contests.get_mut(cid.index())
        {
            c.kind = ContestKind::Ranked;
        }
        card.contests.push(ContestVotes::new(cid, marks));
    }
    Ok(card)
}
