//! NIST SP 1500-103 CVR Common Data Format, JSON encoding.
//!
//! The report is one JSON object whose `CVR` array can hold millions of
//! records. It is never held in memory: a scanner walks the top-level object
//! and cuts each CVR out of the byte stream, serde parses that one CVR from
//! a slice, and its card goes to the sink.
//!
//! Producers write the keys in any order, and RCTab writes them sorted, so
//! `CVR` comes before `Election`. When the definitions (`Election`, `GpUnit`)
//! come first, one pass reads everything; otherwise the first pass skips the
//! CVRs and a second pass over the file streams them.

use crate::cdf::{
    self, CandidateDef, ContestDef, CvrHead, ElectionDef, GpUnitDef, PositionRec, Resolved,
    SelectionDef,
};
use crate::error::{FormatError, Location};
use crate::json_par::{self, Threads};
use crate::json_pull::{Cursor, Input, InputError, PullError, Tok, input_error};
use crate::json_util::{Count, Flag, OneOrMany, Text, count_u32};
use crate::options::{Format, SourceOptions};
use crate::{CardSink, Fold};
use canvass_model::{Card, ContestId, ContestKind, ContestVotes, Election};
use serde::Deserialize;
use std::fs::File;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

/// The read buffer of the XML reader: large, because CDF is verbose.
pub(crate) const BUFFER: usize = 1 << 20;

/// Read a CDF JSON file, streaming its CVRs to `sink`.
pub fn read(
    path: &Path,
    options: &SourceOptions,
    election: &mut Election,
    sink: &mut CardSink<'_>,
) -> Result<(), FormatError> {
    read_with(path, options, election, sink, Threads::Auto)
}

/// [`read`] with the given threads.
pub(crate) fn read_with(
    path: &Path,
    options: &SourceOptions,
    election: &mut Election,
    sink: &mut CardSink<'_>,
    threads: Threads,
) -> Result<(), FormatError> {
    read_into::<()>(path, options, election, Out::Sink(sink), threads).map(drop)
}

/// Fold every card of a CDF JSON file into accumulators (see
/// [`crate::fold_paths`]): on the parsing threads when the file is read on
/// several, so that no card goes back to the reading thread. Returns the
/// accumulators (one per parsing thread, and the reading thread's).
pub(crate) fn fold_with<A: Send>(
    path: &Path,
    options: &SourceOptions,
    election: &mut Election,
    fold: &Fold<'_, A>,
    threads: Threads,
    progress: &mut dyn FnMut(u64),
) -> Result<Vec<A>, FormatError> {
    let out = Out::Fold {
        fold,
        main: (fold.make)(),
        workers: Vec::new(),
        progress,
    };
    read_into(path, options, election, out, threads)
}

/// Where the cards of a read go.
enum Out<'s, 'f, A> {
    /// Each card to the sink, in file order.
    Sink(&'s mut CardSink<'s>),
    /// Each card folded into an accumulator, on the thread that parsed it.
    Fold {
        fold: &'f Fold<'f, A>,
        /// The reading thread's accumulator.
        main: A,
        /// The parsing threads' accumulators.
        workers: Vec<A>,
        /// Told how many cards were read.
        progress: &'s mut dyn FnMut(u64),
    },
}

fn read_into<'s, 'f, A: Send>(
    path: &Path,
    options: &SourceOptions,
    election: &mut Election,
    out: Out<'s, 'f, A>,
    threads: Threads,
) -> Result<Vec<A>, FormatError> {
    let mut state = State {
        path,
        file: Arc::from(path.display().to_string()),
        options,
        election,
        out,
        defs: Defs::default(),
        resolved: None,
        streamed: false,
        in_cvr: false,
        record: 0,
        seen_report: false,
        plan: threads.plan(path),
    };
    run_pass(&mut state)?;
    if !state.seen_report {
        return Err(FormatError::WrongFormat {
            at: Location::file(path),
            expected: Format::CdfJson,
            found: "a JSON value with neither an Election nor a CVR array".into(),
        });
    }
    if !state.streamed && state.defs.cvr_present {
        if state.resolved.is_none() {
            state.resolve()?;
        }
        state.record = 0;
        run_pass(&mut state)?;
    }
    Ok(match state.out {
        Out::Sink(_) => Vec::new(),
        Out::Fold { main, workers, .. } => std::iter::once(main).chain(workers).collect(),
    })
}

/// The top-level keys the reader tells apart.
enum TopKey {
    Election,
    GpUnit,
    Cvr,
    Other,
}

fn run_pass<A: Send>(state: &mut State<'_, '_, '_, '_, A>) -> Result<(), FormatError> {
    let f = File::open(state.path).map_err(|e| FormatError::io(state.path, e))?;
    let mut input = Input::new(f);
    let first_pass = state.resolved.is_none();
    let mut scratch = CvrScratch::default();
    let mut first = true;
    input
        .step(|c| c.object(&mut first))
        .map_err(|e| state.input_error(e))?;
    while let Some(key) = input
        .step(|c| {
            Ok(c.key(&mut first)?.map(|k| match &*k {
                b"Election" => TopKey::Election,
                b"GpUnit" => TopKey::GpUnit,
                b"CVR" => TopKey::Cvr,
                _ => TopKey::Other,
            }))
        })
        .map_err(|e| state.input_error(e))?
    {
        match key {
            TopKey::Election if first_pass => {
                let at = state.at();
                let elections: OneOrMany<JElection> = input
                    .value(|c| parse(c.rest()).map_err(|e| other(json_error(at, e))))
                    .map_err(|e| state.input_error(e))?;
                state
                    .defs
                    .elections
                    .extend(elections.0.into_iter().map(JElection::into_def));
                state.defs.seen_election = true;
                state.seen_report = true;
            }
            TopKey::GpUnit if first_pass => {
                let at = state.at();
                let units: OneOrMany<JGpUnit> = input
                    .value(|c| parse(c.rest()).map_err(|e| other(json_error(at, e))))
                    .map_err(|e| state.input_error(e))?;
                state
                    .defs
                    .gp_units
                    .extend(units.0.into_iter().map(|u| GpUnitDef {
                        id: u.id.unwrap_or_default(),
                        name: u.name,
                    }));
                state.defs.seen_gp_unit = true;
            }
            TopKey::Cvr => {
                state.seen_report = true;
                state.defs.cvr_present = true;
                let ready = state.defs.seen_election && state.defs.seen_gp_unit;
                if first_pass && !ready {
                    input.step(|c| c.skip()).map_err(|e| state.input_error(e))?;
                    continue;
                }
                if first_pass {
                    state.resolve()?;
                }
                let Some(resolved) = state.resolved.take() else {
                    return Ok(());
                };
                let result = stream_cvrs(state, &mut input, &resolved, &mut scratch);
                state.resolved = Some(resolved);
                result?;
                state.streamed = true;
            }
            TopKey::Election | TopKey::GpUnit | TopKey::Other => {
                input.step(|c| c.skip()).map_err(|e| state.input_error(e))?
            }
        }
    }
    input.end().map_err(|e| state.input_error(e))
}

fn other(e: FormatError) -> PullError {
    PullError::Other(Box::new(e))
}

/// Parse a cut-out value: checked as UTF-8 once, then parsed as a `str`.
fn parse<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, serde_json::Error> {
    match std::str::from_utf8(bytes) {
        Ok(text) => serde_json::from_str(text),
        // Let serde_json report where the bad byte is.
        Err(_) => serde_json::from_slice(bytes),
    }
}

/// Stream the elements of the `CVR` array to the sink.
fn stream_cvrs<R: std::io::Read, A: Send>(
    state: &mut State<'_, '_, '_, '_, A>,
    input: &mut Input<R>,
    resolved: &Resolved,
    scratch: &mut CvrScratch,
) -> Result<(), FormatError> {
    state.in_cvr = true;
    let mut elem_first = true;
    input
        .step(|c| c.array(&mut elem_first))
        .map_err(|e| state.input_error(e))?;
    state.record = 1;
    let ctx = CvrContext {
        path: state.path,
        file: &state.file,
        resolved,
    };
    if let Some(plan) = state.plan {
        let path = state.path;
        let at = |record| Location::record(path, record).field("CVR");
        let election = &mut *state.election;
        match &mut state.out {
            Out::Sink(sink) => {
                json_par::elements(
                    input,
                    plan,
                    &mut elem_first,
                    &mut state.record,
                    CvrScratch::default,
                    |c, s, record| {
                        let card = parse_cvr(c, &ctx, record, s)?;
                        Ok((card, std::mem::take(&mut s.ranked_seen)))
                    },
                    |(card, ranked): (Card, Vec<ContestId>)| {
                        mark_ranked(election, &ranked);
                        sink(election, card)
                    },
                    at,
                )?;
            }
            Out::Fold {
                fold,
                workers,
                progress,
                ..
            } => {
                let fold = *fold;
                // Each card is folded (and dropped) on the thread that
                // parsed it; only the contests it showed to be ranked come
                // back, in file order.
                let done = json_par::elements(
                    input,
                    plan,
                    &mut elem_first,
                    &mut state.record,
                    || (CvrScratch::default(), (fold.make)()),
                    |c, (s, acc), record| {
                        let card = parse_cvr(c, &ctx, record, s)?;
                        (fold.add)(acc, &card);
                        Ok(std::mem::take(&mut s.ranked_seen))
                    },
                    |ranked: Vec<ContestId>| {
                        mark_ranked(election, &ranked);
                        progress(1);
                        Ok(())
                    },
                    at,
                )?;
                workers.extend(done.into_iter().map(|(_, acc)| acc));
            }
        }
    }
    loop {
        let record = state.record;
        let card = input.step(|c| {
            let mut f = elem_first;
            if !c.element(&mut f)? {
                return Ok(None);
            }
            let card = parse_cvr(c, &ctx, record, scratch)?;
            elem_first = f;
            Ok(Some(card))
        });
        let Some(card) = card.map_err(|e| state.input_error(e))? else {
            break;
        };
        mark_ranked(state.election, &scratch.ranked_seen);
        match &mut state.out {
            Out::Sink(sink) => sink(state.election, card)?,
            Out::Fold {
                fold,
                main,
                progress,
                ..
            } => {
                (fold.add)(main, &card);
                progress(1);
            }
        }
        state.record += 1;
    }
    state.record -= 1;
    state.in_cvr = false;
    Ok(())
}

/// A contest whose file did not say how it is decided becomes ranked when
/// a card ranks a candidate below first.
fn mark_ranked(election: &mut Election, ranked: &[ContestId]) {
    for &contest in ranked {
        if let Some(c) = election.contests.get_mut(contest.index()) {
            c.kind = ContestKind::Ranked;
        }
    }
}

/// What parsing a CVR needs to know.
struct CvrContext<'a> {
    path: &'a Path,
    file: &'a Arc<str>,
    resolved: &'a Resolved,
}

/// One `CVRContest` of a snapshot; its selections are
/// `CvrScratch::selections[selections]`.
struct ContestTok {
    id: Option<Tok>,
    selections: Range<usize>,
}

/// One `CVRContestSelection`; its positions are
/// `CvrScratch::positions[positions]`.
struct SelectionTok {
    id: Option<Tok>,
    positions: Range<usize>,
}

/// One `CVRSnapshot`; its contests are `CvrScratch::contests[contests]`.
struct SnapshotTok {
    id: Option<Tok>,
    contests: Range<usize>,
}

/// Buffers reused from one CVR to the next: tokens point into the bytes of
/// the CVR being read, so nothing but what the card keeps is copied. Every
/// snapshot is read in one pass; only the current one becomes the card.
#[derive(Default)]
struct CvrScratch {
    snapshots: Vec<SnapshotTok>,
    contests: Vec<ContestTok>,
    selections: Vec<SelectionTok>,
    positions: Vec<PositionRec>,
    /// Contests whose kind ranks decide and that this CVR ranked below first.
    ranked_seen: Vec<ContestId>,
}

/// Call `each` on every object of a value that SP 1500-103 makes an array
/// but some producers write as one object (or `null` for none).
fn each_object<'a>(
    c: &mut Cursor<'a>,
    mut each: impl FnMut(&mut Cursor<'a>) -> Result<(), PullError>,
) -> Result<(), PullError> {
    match c.peek()? {
        b'[' => {
            let mut f = true;
            c.array(&mut f)?;
            while c.element(&mut f)? {
                each(c)?;
            }
            Ok(())
        }
        b'n' => c.null().map(drop),
        _ => each(c),
    }
}

/// Read one `CVR` element into a card (SP 1500-103 `CVR`, `CVRSnapshot`,
/// `CVRContest`, `CVRContestSelection`, `SelectionPosition`).
fn parse_cvr(
    c: &mut Cursor<'_>,
    ctx: &CvrContext<'_>,
    record: u64,
    s: &mut CvrScratch,
) -> Result<Card, PullError> {
    let at = || Location::record(ctx.path, record);
    s.snapshots.clear();
    s.contests.clear();
    s.selections.clear();
    s.positions.clear();
    s.ranked_seen.clear();
    let mut head = CvrHead::default();
    let mut current = None;
    let mut first = true;
    c.field = "CVR";
    c.object(&mut first)?;
    while let Some(key) = c.key(&mut first)? {
        let slot = match &*key {
            b"UniqueId" => &mut head.unique_id,
            b"BallotPrePrintedId" => &mut head.ballot_pre_printed_id,
            b"BallotAuditId" => &mut head.ballot_audit_id,
            b"BatchId" => &mut head.batch_id,
            b"CreatingDeviceId" => &mut head.creating_device_id,
            b"BallotStyleId" => &mut head.ballot_style_id,
            b"BallotStyleUnitId" => &mut head.ballot_style_unit_id,
            b"BatchSequenceId" => {
                c.field = "BatchSequenceId";
                head.batch_sequence_id = c.count()?;
                c.field = "CVR";
                continue;
            }
            b"CurrentSnapshotId" => {
                c.field = "CurrentSnapshotId";
                current = c.text_value()?;
                c.field = "CVR";
                continue;
            }
            b"CVRSnapshot" => {
                c.field = "CVRSnapshot";
                each_object(c, |c| parse_snapshot(c, s))?;
                c.field = "CVR";
                continue;
            }
            _ => {
                c.skip()?;
                continue;
            }
        };
        *slot = c.owned_text()?;
    }
    // The snapshot that counts: `CurrentSnapshotId`'s, or the only one.
    let contests = match &current {
        Some(cur) => {
            let want = c.raw(cur)?;
            let mut found = None;
            for snap in &s.snapshots {
                if let Some(id) = &snap.id
                    && c.raw(id)? == want
                {
                    found = Some(snap.contests.clone());
                    break;
                }
            }
            match found {
                Some(contests) => contests,
                None => {
                    return Err(other(FormatError::invalid(
                        at().field("CurrentSnapshotId"),
                        format!("no CVRSnapshot has the id {:?}", c.text(cur)?),
                    )));
                }
            }
        }
        None => match s.snapshots.as_slice() {
            [] => 0..0,
            [one] => one.contests.clone(),
            _ => return Err(PullError::Missing("CurrentSnapshotId")),
        },
    };
    let mut card = cdf::card_head(ctx.path, ctx.file, record, head, ctx.resolved);
    let contests = s.contests.get(contests).unwrap_or_default();
    card.contests.reserve_exact(contests.len());
    for contest in contests {
        let id = contest.id.as_ref().ok_or(PullError::Missing("ContestId"))?;
        let contest_name = c.raw(id)?;
        let Some((cid, infer_ranked)) = ctx.resolved.contest(at, &contest_name).map_err(other)?
        else {
            continue;
        };
        let selections = s
            .selections
            .get(contest.selections.clone())
            .unwrap_or_default();
        let mut marks = Vec::with_capacity(selections.len());
        for sel in selections {
            let cand = match &sel.id {
                None => None,
                Some(tok) => {
                    let sel_id = c.raw(tok)?;
                    match ctx.resolved.selection(cid, &sel_id) {
                        Some(cand) => Some(cand),
                        None => {
                            return Err(other(FormatError::UnknownCandidate {
                                at: at().field("ContestSelectionId"),
                                contest: c.text(id)?.into_owned(),
                                candidate: c.text(tok)?.into_owned(),
                            }));
                        }
                    }
                }
            };
            let positions = s.positions.get(sel.positions.clone()).unwrap_or_default();
            cdf::selection_marks(at, cand, positions, &mut marks).map_err(other)?;
        }
        if infer_ranked && marks.iter().any(|m| m.rank > 1) && !s.ranked_seen.contains(&cid) {
            s.ranked_seen.push(cid);
        }
        card.contests.push(ContestVotes::new(cid, marks));
    }
    Ok(card)
}

/// Read one `CVRSnapshot` into the scratch buffers.
fn parse_snapshot(c: &mut Cursor<'_>, s: &mut CvrScratch) -> Result<(), PullError> {
    let mut g = true;
    c.object(&mut g)?;
    let mut id = None;
    let mut contests = None;
    while let Some(k) = c.key(&mut g)? {
        match &*k {
            b"@id" => id = c.text_value()?,
            b"CVRContest" => {
                c.field = "CVRContest";
                let start = s.contests.len();
                each_object(c, |c| parse_contest(c, s))?;
                contests = Some(start..s.contests.len());
            }
            _ => c.skip()?,
        }
        c.field = "CVRSnapshot";
    }
    s.snapshots.push(SnapshotTok {
        id,
        contests: contests.unwrap_or(0..0),
    });
    Ok(())
}

/// Read one `CVRContest` into the scratch buffers.
fn parse_contest(c: &mut Cursor<'_>, s: &mut CvrScratch) -> Result<(), PullError> {
    let mut id = None;
    let mut selections = None;
    let mut g = true;
    c.object(&mut g)?;
    while let Some(k) = c.key(&mut g)? {
        match &*k {
            b"ContestId" => {
                c.field = "ContestId";
                id = c.text_value()?;
            }
            b"CVRContestSelection" => {
                c.field = "CVRContestSelection";
                let start = s.selections.len();
                each_object(c, |c| {
                    let mut h = true;
                    c.object(&mut h)?;
                    let mut id = None;
                    let start = s.positions.len();
                    while let Some(k) = c.key(&mut h)? {
                        match &*k {
                            b"ContestSelectionId" => {
                                c.field = "ContestSelectionId";
                                id = c.text_value()?;
                            }
                            b"SelectionPosition" => {
                                c.field = "SelectionPosition";
                                each_object(c, |c| {
                                    let p = parse_position(c)?;
                                    s.positions.push(p);
                                    Ok(())
                                })?;
                            }
                            _ => c.skip()?,
                        }
                        c.field = "CVRContestSelection";
                    }
                    s.selections.push(SelectionTok {
                        id,
                        positions: start..s.positions.len(),
                    });
                    Ok(())
                })?;
                selections = Some(start..s.selections.len());
            }
            _ => c.skip()?,
        }
        c.field = "CVRContest";
    }
    s.contests.push(ContestTok {
        id,
        selections: selections.unwrap_or(0..0),
    });
    Ok(())
}

/// Read one `SelectionPosition`.
fn parse_position(c: &mut Cursor<'_>) -> Result<PositionRec, PullError> {
    let mut p = PositionRec {
        rank: None,
        indicated: true,
        not_allocable: false,
        number_votes: None,
    };
    let mut g = true;
    c.object(&mut g)?;
    while let Some(k) = c.key(&mut g)? {
        match &*k {
            b"Rank" => {
                c.field = "Rank";
                p.rank = c.count()?.map(|r| u32::try_from(r).unwrap_or(0));
            }
            b"NumberVotes" => {
                c.field = "NumberVotes";
                p.number_votes = c.count()?;
            }
            // `HasIndication` (`IndicationStatus`) and `IsAllocable`
            // (`AllocationStatus`): yes, no or unknown.
            b"HasIndication" => {
                c.field = "HasIndication";
                p.indicated = status(c)? != Some(Status::No);
            }
            b"IsAllocable" => {
                c.field = "IsAllocable";
                p.not_allocable = status(c)? == Some(Status::No);
            }
            _ => c.skip()?,
        }
        c.field = "SelectionPosition";
    }
    Ok(p)
}

/// SP 1500-103's `IndicationStatus` and `AllocationStatus`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Status {
    Yes,
    No,
    Unknown,
}

fn status(c: &mut Cursor<'_>) -> Result<Option<Status>, PullError> {
    if c.null()? {
        return Ok(None);
    }
    let tok = c.string()?;
    match &*c.raw(&tok)? {
        b"yes" => Ok(Some(Status::Yes)),
        b"no" => Ok(Some(Status::No)),
        b"unknown" => Ok(Some(Status::Unknown)),
        _ => {
            let found = c.text(&tok)?;
            Err(c.error(format!("expected yes, no or unknown, found {found:?}")))
        }
    }
}

#[derive(Default)]
struct Defs {
    elections: Vec<ElectionDef>,
    gp_units: Vec<GpUnitDef>,
    seen_election: bool,
    seen_gp_unit: bool,
    cvr_present: bool,
}

struct State<'p, 'e, 's, 'f, A> {
    path: &'p Path,
    file: Arc<str>,
    options: &'p SourceOptions,
    election: &'e mut Election,
    out: Out<'s, 'f, A>,
    defs: Defs,
    resolved: Option<Resolved>,
    /// The CVRs have been sent to the sink.
    streamed: bool,
    in_cvr: bool,
    record: u64,
    seen_report: bool,
    /// Parse the CVRs on several threads.
    plan: Option<json_par::Plan>,
}

impl<A> State<'_, '_, '_, '_, A> {
    fn resolve(&mut self) -> Result<(), FormatError> {
        let resolved = cdf::resolve(
            self.path,
            self.election,
            &self.defs.elections,
            &self.defs.gp_units,
            self.options,
        )?;
        self.resolved = Some(resolved);
        Ok(())
    }

    fn at(&self) -> Location {
        if self.in_cvr {
            Location::record(self.path, self.record).field("CVR")
        } else {
            Location::file(self.path)
        }
    }

    fn input_error(&self, e: InputError) -> FormatError {
        input_error(self.at(), e)
    }
}

/// A serde_json error at a place, naming the missing field when there is one.
pub(crate) fn json_error(mut at: Location, e: serde_json::Error) -> FormatError {
    let message = e.to_string();
    if let Some(field) = message
        .strip_prefix("missing field `")
        .and_then(|m| m.split('`').next())
    {
        at.field = Some(field.to_owned());
        return FormatError::MissingField { at };
    }
    if e.is_eof() {
        FormatError::Truncated { at, message }
    } else {
        FormatError::invalid(at, message)
    }
}

#[derive(Deserialize)]
struct JCandidate {
    #[serde(rename = "@id")]
    id: Option<Text>,
    #[serde(rename = "Name")]
    name: Option<Text>,
}

#[derive(Deserialize)]
struct JSelection {
    #[serde(rename = "@id")]
    id: Option<Text>,
    #[serde(rename = "CandidateIds", default)]
    candidate_ids: OneOrMany<Text>,
    #[serde(rename = "IsWriteIn")]
    is_write_in: Option<Flag>,
}

#[derive(Deserialize)]
struct JContest {
    #[serde(rename = "@id")]
    id: Option<Text>,
    #[serde(rename = "Name")]
    name: Option<Text>,
    #[serde(rename = "VoteVariation")]
    vote_variation: Option<Text>,
    #[serde(rename = "VotesAllowed")]
    votes_allowed: Option<Count>,
    #[serde(rename = "NumberElected")]
    number_elected: Option<Count>,
    #[serde(rename = "ContestSelection", default)]
    selections: OneOrMany<JSelection>,
}

#[derive(Deserialize)]
struct JElection {
    #[serde(rename = "Name")]
    name: Option<Text>,
    #[serde(rename = "Candidate", default)]
    candidates: OneOrMany<JCandidate>,
    #[serde(rename = "Contest", default)]
    contests: OneOrMany<JContest>,
}

impl JElection {
    fn into_def(self) -> ElectionDef {
        ElectionDef {
            name: self.name.map(|t| t.0),
            candidates: self
                .candidates
                .0
                .into_iter()
                .map(|c| CandidateDef {
                    id: c.id.map(|t| t.0).unwrap_or_default(),
                    name: c.name.map(|t| t.0),
                })
                .collect(),
            contests: self
                .contests
                .0
                .into_iter()
                .map(|c| ContestDef {
                    id: c.id.map(|t| t.0).unwrap_or_default(),
                    name: c.name.map(|t| t.0),
                    vote_variation: c.vote_variation.map(|t| t.0),
                    votes_allowed: count_u32(c.votes_allowed),
                    number_elected: count_u32(c.number_elected),
                    selections: c
                        .selections
                        .0
                        .into_iter()
                        .map(|s| SelectionDef {
                            id: s.id.map(|t| t.0).unwrap_or_default(),
                            candidate_ids: s.candidate_ids.0.into_iter().map(|t| t.0).collect(),
                            is_write_in: s.is_write_in.is_some_and(|f| f.0),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

#[derive(Deserialize)]
struct JGpUnit {
    #[serde(rename = "@id")]
    id: Option<String>,
    #[serde(rename = "Name")]
    name: Option<String>,
}
