//! Dominion Democracy Suite CVR export, JSON (versions 5.2 through 5.17).
//!
//! An export is a folder: `CvrExport.json` or split `CvrExport_N.json` files
//! holding `Sessions`, and manifests (`ContestManifest.json`,
//! `CandidateManifest.json`, `CountingGroupManifest.json`,
//! `BallotTypeManifest.json`, `PrecinctPortionManifest.json`, ...) that name
//! the ids. A single `CvrExport*.json` file may be given instead; its folder's
//! manifests are used when present, and without them ids stand for names.
//!
//! Each session is one scanned ballot. Before 5.10 a session's `Original`
//! (and `Modified`, after adjudication) holds `Contests` directly; from 5.10
//! on it holds `Cards`, each with `Contests`. The version that is current
//! (`Modified` when present and `IsCurrent`) is the one read. A session
//! becomes one [`Card`] with id `TabulatorId-BatchId-RecordId`. Marks with
//! `IsAmbiguous` are not marks; `IsVote` is Dominion's own counting rule
//! applied to the mark (e.g. a rank after an overvote) and is ignored, so the
//! card keeps every mark the voter made and the counting rules decide.
//!
//! The `Sessions` array is streamed one session at a time.

use crate::CardSink;
use crate::error::{FormatError, Location};
use crate::json_par::{self, Threads};
use crate::json_pull::{Cursor, Input, InputError, PullError, input_error};
use crate::json_util::{Count, Text};
use crate::options::{Format, SourceOptions};
use canvass_model::{
    CandidateId, CandidateKind, Card, CardId, CardLocation, Choice, ContestId, ContestKind,
    ContestVotes, Election, Mark, SourceRef,
};
use serde::Deserialize;
use std::fs::File;
use std::io::BufReader;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Read a Dominion export folder, or one `CvrExport*.json` file.
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
    let (folder, files) = if path.is_dir() {
        (path.to_path_buf(), export_files(path)?)
    } else {
        let folder = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        (folder, vec![path.to_path_buf()])
    };
    let mut names = Names::load(&folder, options, election)?;
    for file in &files {
        read_export(file, &mut names, election, sink, threads)?;
    }
    Ok(())
}

/// The `CvrExport*.json` files of a folder, in the order of their number
/// (`CvrExport.json` first, then `CvrExport_1.json`, `CvrExport_2.json`, ...).
pub fn export_files(folder: &Path) -> Result<Vec<PathBuf>, FormatError> {
    let entries = std::fs::read_dir(folder).map_err(|e| FormatError::io(folder, e))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| FormatError::io(folder, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(stem) = name
            .strip_prefix("CvrExport")
            .and_then(|s| s.strip_suffix(".json"))
        else {
            continue;
        };
        let number: Option<u64> = match stem {
            "" => Some(0),
            s => s.strip_prefix('_').and_then(|n| n.parse().ok()),
        };
        if let Some(n) = number {
            files.push((n, name, entry.path()));
        }
    }
    if files.is_empty() {
        return Err(FormatError::WrongFormat {
            at: Location::file(folder),
            expected: Format::DominionJson,
            found: "a folder with no CvrExport.json or CvrExport_N.json".into(),
        });
    }
    files.sort();
    Ok(files.into_iter().map(|(_, _, p)| p).collect())
}

/// One entry of a manifest's `List`.
#[derive(Deserialize)]
struct Entry {
    #[serde(rename = "Id")]
    id: Count,
    #[serde(rename = "Description")]
    description: Option<String>,
    #[serde(rename = "ExternalId")]
    external_id: Option<Text>,
    #[serde(rename = "ContestId")]
    contest_id: Option<Count>,
    #[serde(rename = "Type")]
    kind: Option<String>,
    #[serde(rename = "VoteFor")]
    vote_for: Option<Count>,
    #[serde(rename = "NumOfRanks")]
    num_of_ranks: Option<Count>,
    /// In `PrecinctPortionManifest.json`: the precinct of the portion.
    #[serde(rename = "PrecinctId")]
    precinct_id: Option<Count>,
}

#[derive(Deserialize)]
struct Manifest {
    #[serde(rename = "List")]
    list: Vec<Entry>,
}

fn load_manifest(folder: &Path, name: &str) -> Result<Option<Vec<Entry>>, FormatError> {
    let path = folder.join(name);
    if !path.is_file() {
        return Ok(None);
    }
    let f = File::open(&path).map_err(|e| FormatError::io(&path, e))?;
    let m: Manifest = serde_json::from_reader(BufReader::new(f)).map_err(|e| {
        let at = Location::file(&path);
        if e.is_eof() {
            FormatError::Truncated {
                at,
                message: e.to_string(),
            }
        } else {
            FormatError::invalid(at, e.to_string())
        }
    })?;
    Ok(Some(m.list))
}

fn names_of(entries: Option<Vec<Entry>>) -> IdTable<Arc<str>> {
    let mut table = IdTable::default();
    for e in entries.unwrap_or_default() {
        let name = e.description.unwrap_or_else(|| e.id.0.to_string());
        table.insert(e.id.0, Arc::from(name));
    }
    table
}

/// Precinct portion id → the precinct its cards are filed under. With a
/// `PrecinctManifest.json` beside the export, the precinct the portion
/// belongs to (the portion's `PrecinctId`), as RCTab reads it; without one,
/// the portion's own name, so the cards still say where they were cast.
fn portion_precincts(folder: &Path) -> Result<IdTable<Arc<str>>, FormatError> {
    let portions = load_manifest(folder, "PrecinctPortionManifest.json")?;
    let Some(precincts) = load_manifest(folder, "PrecinctManifest.json")? else {
        return Ok(names_of(portions));
    };
    let precincts = names_of(Some(precincts));
    let path = folder.join("PrecinctPortionManifest.json");
    let mut table = IdTable::default();
    for (i, portion) in portions.unwrap_or_default().into_iter().enumerate() {
        let at = || Location::record(&path, i as u64 + 1).field("PrecinctId");
        let Some(precinct) = portion.precinct_id else {
            return Err(FormatError::MissingField { at: at() });
        };
        let Some(name) = precincts.get(precinct.0) else {
            return Err(FormatError::invalid(
                at(),
                format!(
                    "precinct {} of portion {} is not in PrecinctManifest.json",
                    precinct.0, portion.id.0
                ),
            ));
        };
        table.insert(portion.id.0, Arc::clone(name));
    }
    Ok(table)
}

/// Dominion ids to values: a sorted table searched by halves, which is
/// quicker than hashing for the few hundred ids of a manifest.
struct IdTable<V> {
    entries: Vec<(u64, V)>,
}

impl<V> Default for IdTable<V> {
    fn default() -> Self {
        IdTable {
            entries: Vec::new(),
        }
    }
}

impl<V> IdTable<V> {
    #[inline]
    fn get(&self, id: u64) -> Option<&V> {
        self.entries
            .binary_search_by_key(&id, |e| e.0)
            .ok()
            .and_then(|i| self.entries.get(i))
            .map(|e| &e.1)
    }

    /// Insert or replace.
    fn insert(&mut self, id: u64, value: V) {
        match self.entries.binary_search_by_key(&id, |e| e.0) {
            Ok(i) => {
                if let Some(e) = self.entries.get_mut(i) {
                    e.1 = value;
                }
            }
            Err(i) => self.entries.insert(i, (id, value)),
        }
    }

    fn values(&self) -> impl Iterator<Item = &V> {
        self.entries.iter().map(|e| &e.1)
    }
}

/// What the manifests say, resolved against the election.
struct Names {
    /// Dominion contest id → contest; `None` for contests not read.
    contests: IdTable<Option<ContestId>>,
    /// Dominion candidate id → (contest, candidate).
    candidates: IdTable<(ContestId, CandidateId)>,
    have_contest_manifest: bool,
    have_candidate_manifest: bool,
    counting_groups: IdTable<Arc<str>>,
    ballot_types: IdTable<Arc<str>>,
    precinct_portions: IdTable<Arc<str>>,
    /// The outstack condition `InvalidContest`: the contest is printed on
    /// the card but not valid for it (e.g. a ballot style from another
    /// district). Such a contest is not on the card for counting; RCTab
    /// leaves these ballots out of the contest too.
    invalid_contest: Option<u64>,
    wanted: Option<String>,
}

fn wants(wanted: &Option<String>, id: u64, name: &str, external: Option<&str>) -> bool {
    match wanted {
        None => true,
        Some(w) => w == &id.to_string() || w == name || external == Some(w.as_str()),
    }
}

impl Names {
    fn load(
        folder: &Path,
        options: &SourceOptions,
        election: &mut Election,
    ) -> Result<Names, FormatError> {
        let contests = load_manifest(folder, "ContestManifest.json")?;
        let candidates = load_manifest(folder, "CandidateManifest.json")?;
        let mut names = Names {
            contests: IdTable::default(),
            candidates: IdTable::default(),
            have_contest_manifest: contests.is_some(),
            have_candidate_manifest: candidates.is_some(),
            counting_groups: names_of(load_manifest(folder, "CountingGroupManifest.json")?),
            ballot_types: names_of(load_manifest(folder, "BallotTypeManifest.json")?),
            precinct_portions: portion_precincts(folder)?,
            invalid_contest: load_manifest(folder, "OutstackConditionManifest.json")?
                .unwrap_or_default()
                .into_iter()
                .find(|e| e.description.as_deref() == Some("InvalidContest"))
                .map(|e| e.id.0),
            wanted: options.contest.clone(),
        };
        for c in contests.unwrap_or_default() {
            let id = c.id.0;
            let name = c.description.unwrap_or_else(|| id.to_string());
            let external = c.external_id.as_ref().map(|t| t.0.as_str());
            if !wants(&names.wanted, id, &name, external) {
                names.contests.insert(id, None);
                continue;
            }
            let ranks = c.num_of_ranks.map_or(0, |n| n.0);
            let seats = c.vote_for.map_or(1, |n| n.0).max(1);
            let kind = if ranks > 0 {
                ContestKind::Ranked
            } else {
                ContestKind::Plurality
            };
            let cid = election.intern_contest(&id.to_string(), &name, kind);
            let contest = election.contest_mut(cid);
            contest.seats = u32::try_from(seats).unwrap_or(u32::MAX);
            if ranks > 0 {
                contest.max_ranks = u32::try_from(ranks).ok();
            }
            names.contests.insert(id, Some(cid));
        }
        for c in candidates.unwrap_or_default() {
            let id = c.id.0;
            let Some(contest) = c.contest_id.map(|x| x.0) else {
                continue;
            };
            let cid = match names.contests.get(contest) {
                Some(Some(cid)) => *cid,
                Some(None) => continue,
                None if names.have_contest_manifest => continue,
                None => {
                    let Some(cid) = names.contest(election, contest) else {
                        continue;
                    };
                    cid
                }
            };
            let kind = match c.kind.as_deref() {
                Some("WriteIn") => CandidateKind::UndeclaredWriteIn,
                Some("QualifiedWriteIn") => CandidateKind::WriteIn,
                _ => CandidateKind::Regular,
            };
            let name = c.description.unwrap_or_else(|| id.to_string());
            let cand =
                election
                    .contest_mut(cid)
                    .intern_candidate_of_kind(&id.to_string(), &name, kind);
            names.candidates.insert(id, (cid, cand));
        }
        if let Some(w) = &names.wanted
            && names.have_contest_manifest
            && !names.contests.values().any(Option::is_some)
        {
            return Err(FormatError::UnknownContest {
                at: Location::file(&folder.join("ContestManifest.json")).field("Id"),
                contest: w.clone(),
            });
        }
        Ok(names)
    }

    /// The contest for a Dominion contest id met in a session when there is
    /// no contest manifest; `None` when the options exclude it.
    fn contest(&mut self, election: &mut Election, id: u64) -> Option<ContestId> {
        if let Some(c) = self.contests.get(id) {
            return *c;
        }
        let name = id.to_string();
        let cid = if wants(&self.wanted, id, &name, None) {
            Some(election.intern_contest(&name, &name, ContestKind::Plurality))
        } else {
            None
        };
        self.contests.insert(id, cid);
        cid
    }
}

/// One version (`Original` or `Modified`) of the session being read.
#[derive(Default)]
struct VersionRec {
    present: bool,
    precinct_portion_id: Option<u64>,
    ballot_type_id: Option<u64>,
    is_current: Option<bool>,
    /// The contests, `Contests` directly under the version first (before
    /// 5.10), then those of its `Cards`.
    contests: Vec<ContestRec>,
    marks: Vec<MarkRec>,
}

/// One contest of a version; its marks are `VersionRec::marks[marks]`.
struct ContestRec {
    id: u64,
    /// Under `Cards` (5.10 and later) rather than directly `Contests`.
    in_card: bool,
    /// Its `OutstackConditionIds` hold the `InvalidContest` condition.
    invalid: bool,
    marks: Range<usize>,
}

#[derive(Clone, Copy)]
struct MarkRec {
    candidate_id: u64,
    rank: Option<u64>,
    is_ambiguous: bool,
}

/// The session being read. Its buffers are reused from one session to the
/// next, so reading a session allocates only what its card keeps.
#[derive(Default)]
struct SessionRec {
    tabulator_id: Option<String>,
    batch_id: Option<String>,
    record_id: Option<String>,
    counting_group_id: Option<u64>,
    imprinted_id: Option<String>,
    original: VersionRec,
    modified: VersionRec,
}

impl VersionRec {
    fn clear(&mut self) {
        self.present = false;
        self.precinct_portion_id = None;
        self.ballot_type_id = None;
        self.is_current = None;
        self.contests.clear();
        self.marks.clear();
    }
}

/// Read one `Sessions` element into `s` (which is cleared first).
/// `invalid` is the `InvalidContest` outstack condition's id.
fn parse_session(
    c: &mut Cursor<'_>,
    s: &mut SessionRec,
    invalid: Option<u64>,
) -> Result<(), PullError> {
    s.tabulator_id = None;
    s.batch_id = None;
    s.record_id = None;
    s.counting_group_id = None;
    s.imprinted_id = None;
    s.original.clear();
    s.modified.clear();
    let mut first = true;
    c.field = "Sessions";
    c.object(&mut first)?;
    while let Some(key) = c.key(&mut first)? {
        match &*key {
            b"TabulatorId" => {
                c.field = "TabulatorId";
                s.tabulator_id = c.owned_text()?;
            }
            b"BatchId" => {
                c.field = "BatchId";
                s.batch_id = c.owned_text()?;
            }
            b"RecordId" => {
                c.field = "RecordId";
                s.record_id = c.owned_text()?;
            }
            b"CountingGroupId" => {
                c.field = "CountingGroupId";
                s.counting_group_id = c.count()?;
            }
            b"ImprintedId" => {
                c.field = "ImprintedId";
                s.imprinted_id = c.owned_text()?;
            }
            b"Original" => {
                c.field = "Original";
                parse_version(c, &mut s.original, invalid)?;
            }
            b"Modified" => {
                c.field = "Modified";
                parse_version(c, &mut s.modified, invalid)?;
            }
            _ => c.skip()?,
        }
        c.field = "Sessions";
    }
    for (value, name) in [
        (&s.tabulator_id, "TabulatorId"),
        (&s.batch_id, "BatchId"),
        (&s.record_id, "RecordId"),
    ] {
        if value.is_none() {
            return Err(PullError::Missing(name));
        }
    }
    Ok(())
}

fn parse_version(
    c: &mut Cursor<'_>,
    v: &mut VersionRec,
    invalid: Option<u64>,
) -> Result<(), PullError> {
    v.clear();
    if c.null()? {
        return Ok(());
    }
    v.present = true;
    let outer = c.field;
    let mut first = true;
    c.object(&mut first)?;
    // Contests of `Cards` are gathered apart and moved after the direct
    // ones, whatever the key order.
    while let Some(key) = c.key(&mut first)? {
        match &*key {
            b"PrecinctPortionId" => {
                c.field = "PrecinctPortionId";
                v.precinct_portion_id = c.count()?;
            }
            b"BallotTypeId" => {
                c.field = "BallotTypeId";
                v.ballot_type_id = c.count()?;
            }
            b"IsCurrent" => {
                c.field = "IsCurrent";
                v.is_current = c.flag()?;
            }
            b"Contests" => {
                c.field = "Contests";
                parse_contests(c, v, false, invalid)?;
            }
            b"Cards" => {
                c.field = "Cards";
                if !c.null()? {
                    let mut f = true;
                    c.array(&mut f)?;
                    while c.element(&mut f)? {
                        let mut g = true;
                        c.object(&mut g)?;
                        while let Some(k) = c.key(&mut g)? {
                            if *k == *b"Contests" {
                                c.field = "Contests";
                                parse_contests(c, v, true, invalid)?;
                                c.field = "Cards";
                            } else {
                                c.skip()?;
                            }
                        }
                    }
                }
            }
            _ => c.skip()?,
        }
        c.field = outer;
    }
    // A stable sort: direct contests first, each group in file order.
    if v.contests.iter().any(|x| x.in_card) {
        v.contests.sort_by_key(|x| x.in_card);
    }
    Ok(())
}

fn parse_contests(
    c: &mut Cursor<'_>,
    v: &mut VersionRec,
    in_card: bool,
    invalid: Option<u64>,
) -> Result<(), PullError> {
    if c.null()? {
        return Ok(());
    }
    let mut f = true;
    c.array(&mut f)?;
    while c.element(&mut f)? {
        let mut g = true;
        c.object(&mut g)?;
        let mut id = None;
        let mut is_invalid = false;
        let start = v.marks.len();
        while let Some(key) = c.key(&mut g)? {
            match &*key {
                b"Id" => {
                    c.field = "Id";
                    id = c.count()?;
                }
                b"Marks" => {
                    c.field = "Marks";
                    if c.null()? {
                        continue;
                    }
                    let mut h = true;
                    c.array(&mut h)?;
                    while c.element(&mut h)? {
                        v.marks.push(parse_mark(c)?);
                    }
                }
                b"OutstackConditionIds" => {
                    c.field = "OutstackConditionIds";
                    if c.null()? {
                        continue;
                    }
                    let mut h = true;
                    c.array(&mut h)?;
                    while c.element(&mut h)? {
                        let condition = c.count()?;
                        if condition.is_some() && condition == invalid {
                            is_invalid = true;
                        }
                    }
                }
                _ => c.skip()?,
            }
            c.field = "Contests";
        }
        let id = id.ok_or(PullError::Missing("Id"))?;
        v.contests.push(ContestRec {
            id,
            in_card,
            invalid: is_invalid,
            marks: start..v.marks.len(),
        });
    }
    Ok(())
}

fn parse_mark(c: &mut Cursor<'_>) -> Result<MarkRec, PullError> {
    let mut g = true;
    c.object(&mut g)?;
    let mut candidate_id = None;
    let mut rank = None;
    let mut is_ambiguous = false;
    while let Some(key) = c.key(&mut g)? {
        match &*key {
            b"CandidateId" => {
                c.field = "CandidateId";
                candidate_id = c.count()?;
            }
            b"Rank" => {
                c.field = "Rank";
                rank = c.count()?;
            }
            b"IsAmbiguous" => {
                c.field = "IsAmbiguous";
                is_ambiguous = c.flag()?.unwrap_or(false);
            }
            _ => c.skip()?,
        }
        c.field = "Marks";
    }
    Ok(MarkRec {
        candidate_id: candidate_id.ok_or(PullError::Missing("CandidateId"))?,
        rank,
        is_ambiguous,
    })
}

struct State<'a, 'e, 's> {
    path: &'a Path,
    file: Arc<str>,
    names: &'a mut Names,
    election: &'e mut Election,
    sink: &'s mut CardSink<'s>,
    record: u64,
    in_sessions: bool,
    seen_sessions: bool,
}

/// The top-level keys the reader tells apart.
enum TopKey {
    Sessions,
    Other,
}

fn read_export(
    path: &Path,
    names: &mut Names,
    election: &mut Election,
    sink: &mut CardSink<'_>,
    threads: Threads,
) -> Result<(), FormatError> {
    let f = File::open(path).map_err(|e| FormatError::io(path, e))?;
    let mut input = Input::new(f);
    let mut state = State {
        path,
        file: Arc::from(path.display().to_string()),
        names,
        election,
        sink,
        record: 0,
        in_sessions: false,
        seen_sessions: false,
    };
    let invalid = state.names.invalid_contest;
    // Several threads when the manifests name every contest and candidate
    // (ids met first in the sessions are interned in file order, on one).
    let plan = if state.names.have_contest_manifest && state.names.have_candidate_manifest {
        threads.plan(path)
    } else {
        None
    };
    let mut session = SessionRec::default();
    let mut first = true;
    input
        .step(|c| c.object(&mut first))
        .map_err(|e| state.input_error(e))?;
    while let Some(key) = input
        .step(|c| {
            Ok(c.key(&mut first)?.map(|k| match &*k {
                b"Sessions" => TopKey::Sessions,
                _ => TopKey::Other,
            }))
        })
        .map_err(|e| state.input_error(e))?
    {
        match key {
            TopKey::Sessions => {
                state.seen_sessions = true;
                state.in_sessions = true;
                let mut elem_first = true;
                input
                    .step(|c| c.array(&mut elem_first))
                    .map_err(|e| state.input_error(e))?;
                state.record = 1;
                if let Some(plan) = plan {
                    let (path, file) = (state.path, &state.file);
                    let names: &Names = state.names;
                    let (election, sink) = (&*state.election, &mut *state.sink);
                    json_par::elements(
                        &mut input,
                        plan,
                        &mut elem_first,
                        &mut state.record,
                        SessionRec::default,
                        |c, s, record| {
                            parse_session(c, s, invalid)?;
                            session_card(&mut Fixed(names), path, file, record, s)
                                .map_err(|e| PullError::Other(Box::new(e)))
                        },
                        |card| sink(election, card),
                        |record| Location::record(path, record).field("Sessions"),
                    )
                    .map(drop)?;
                }
                loop {
                    let more = input.step(|c| {
                        let mut f = elem_first;
                        if !c.element(&mut f)? {
                            return Ok(false);
                        }
                        parse_session(c, &mut session, invalid)?;
                        elem_first = f;
                        Ok(true)
                    });
                    if !more.map_err(|e| state.input_error(e))? {
                        break;
                    }
                    state.session(&session)?;
                    state.record += 1;
                }
                state.record -= 1;
                state.in_sessions = false;
            }
            TopKey::Other => input.step(|c| c.skip()).map_err(|e| state.input_error(e))?,
        }
    }
    input.end().map_err(|e| state.input_error(e))?;
    if !state.seen_sessions {
        return Err(FormatError::WrongFormat {
            at: Location::file(path),
            expected: Format::DominionJson,
            found: "a JSON value with no Sessions array".into(),
        });
    }
    Ok(())
}

impl State<'_, '_, '_> {
    fn at(&self) -> Location {
        if self.in_sessions {
            Location::record(self.path, self.record).field("Sessions")
        } else {
            Location::file(self.path)
        }
    }

    fn input_error(&self, e: InputError) -> FormatError {
        input_error(self.at(), e)
    }

    fn session(&mut self, s: &SessionRec) -> Result<(), FormatError> {
        let mut ids = Learn {
            names: self.names,
            election: self.election,
        };
        let card = session_card(&mut ids, self.path, &self.file, self.record, s)?;
        (self.sink)(self.election, card)
    }
}

/// How the ids a session holds become contests and candidates.
trait Ids {
    fn names(&self) -> &Names;
    /// The contest of a Dominion contest id; `None` when not read.
    fn contest(
        &mut self,
        id: u64,
        at: &dyn Fn() -> Location,
    ) -> Result<Option<ContestId>, FormatError>;
    /// The candidate of a Dominion candidate id in a contest.
    fn candidate(
        &mut self,
        cid: ContestId,
        contest: u64,
        candidate: u64,
        at: &dyn Fn() -> Location,
    ) -> Result<CandidateId, FormatError>;
    /// A card ranks a candidate of the contest below first.
    fn ranked(&mut self, cid: ContestId);
}

fn unknown_candidate(at: &dyn Fn() -> Location, contest: u64, candidate: u64) -> FormatError {
    FormatError::UnknownCandidate {
        at: at().field("CandidateId"),
        contest: contest.to_string(),
        candidate: candidate.to_string(),
    }
}

fn unknown_contest(at: &dyn Fn() -> Location, contest: u64) -> FormatError {
    FormatError::UnknownContest {
        at: at().field("Contests"),
        contest: contest.to_string(),
    }
}

/// Ids from the manifests, with ids met first in the sessions interned
/// (and contests made ranked when a card ranks) where a manifest is missing.
struct Learn<'a> {
    names: &'a mut Names,
    election: &'a mut Election,
}

impl Ids for Learn<'_> {
    fn names(&self) -> &Names {
        self.names
    }

    fn contest(
        &mut self,
        id: u64,
        at: &dyn Fn() -> Location,
    ) -> Result<Option<ContestId>, FormatError> {
        match self.names.contests.get(id) {
            Some(c) => Ok(*c),
            None if self.names.have_contest_manifest => Err(unknown_contest(at, id)),
            None => Ok(self.names.contest(self.election, id)),
        }
    }

    fn candidate(
        &mut self,
        cid: ContestId,
        contest: u64,
        candidate: u64,
        at: &dyn Fn() -> Location,
    ) -> Result<CandidateId, FormatError> {
        match self.names.candidates.get(candidate) {
            Some(&(c, id)) if c == cid => Ok(id),
            Some(_) => Err(unknown_candidate(at, contest, candidate)),
            None if self.names.have_candidate_manifest => {
                Err(unknown_candidate(at, contest, candidate))
            }
            None => {
                let name = candidate.to_string();
                let id = self
                    .election
                    .contest_mut(cid)
                    .intern_candidate(&name, &name);
                self.names.candidates.insert(candidate, (cid, id));
                Ok(id)
            }
        }
    }

    fn ranked(&mut self, cid: ContestId) {
        if let Some(c) = self.election.contests.get_mut(cid.index())
            && c.kind == ContestKind::Plurality
            && !self.names.have_contest_manifest
        {
            c.kind = ContestKind::Ranked;
        }
    }
}

/// Ids from complete manifests (contests and candidates) only: what
/// [`Learn`] does when both manifests are there, without changing
/// anything, so that several threads can share it.
struct Fixed<'a>(&'a Names);

impl Ids for Fixed<'_> {
    fn names(&self) -> &Names {
        self.0
    }

    fn contest(
        &mut self,
        id: u64,
        at: &dyn Fn() -> Location,
    ) -> Result<Option<ContestId>, FormatError> {
        self.0
            .contests
            .get(id)
            .copied()
            .ok_or_else(|| unknown_contest(at, id))
    }

    fn candidate(
        &mut self,
        cid: ContestId,
        contest: u64,
        candidate: u64,
        at: &dyn Fn() -> Location,
    ) -> Result<CandidateId, FormatError> {
        match self.0.candidates.get(candidate) {
            Some(&(c, id)) if c == cid => Ok(id),
            _ => Err(unknown_candidate(at, contest, candidate)),
        }
    }

    fn ranked(&mut self, _: ContestId) {}
}

/// The card of a session (record `record` of `path`).
fn session_card(
    ids: &mut impl Ids,
    path: &Path,
    file: &Arc<str>,
    record: u64,
    s: &SessionRec,
) -> Result<Card, FormatError> {
    let at = move || Location::record(path, record);
    let (o, m) = (&s.original, &s.modified);
    let version = match (m.present, o.present) {
        (true, true) => {
            if m.is_current == Some(false) && o.is_current == Some(true) {
                o
            } else {
                m
            }
        }
        (true, false) => m,
        (false, true) => o,
        (false, false) => {
            return Err(FormatError::MissingField {
                at: at().field("Original"),
            });
        }
    };
    let t = s.tabulator_id.as_deref().unwrap_or_default();
    let b = s.batch_id.as_deref().unwrap_or_default();
    let r = s.record_id.as_deref().unwrap_or_default();
    let mut card = Card::new(CardId::new(format!("{t}-{b}-{r}")));
    card.location = CardLocation {
        position: r.parse().ok(),
        tabulator: Some(t.to_owned()),
        batch: Some(b.to_owned()),
        imprinted_id: s.imprinted_id.clone(),
    };
    let lookup = |map: &IdTable<Arc<str>>, id: Option<u64>| {
        id.map(|id| {
            map.get(id)
                .map_or_else(|| id.to_string(), |n| n.to_string())
        })
    };
    let names = ids.names();
    card.counting_group = lookup(&names.counting_groups, s.counting_group_id);
    card.precinct = lookup(&names.precinct_portions, version.precinct_portion_id);
    card.ballot_style = lookup(&names.ballot_types, version.ballot_type_id);
    card.source = SourceRef {
        file: Arc::clone(file),
        record,
    };
    card.contests.reserve_exact(version.contests.len());
    for contest in &version.contests {
        let Some(cid) = ids.contest(contest.id, &at)? else {
            continue;
        };
        if contest.invalid {
            continue;
        }
        let marks_of = version.marks.get(contest.marks.clone()).unwrap_or_default();
        let mut marks = Vec::with_capacity(marks_of.len());
        for mark in marks_of {
            if mark.is_ambiguous {
                continue;
            }
            let rank = mark.rank.unwrap_or(1);
            let rank = u32::try_from(rank).ok().filter(|&r| r > 0).ok_or_else(|| {
                FormatError::invalid(at().field("Rank"), format!("rank {rank} is not 1 or more"))
            })?;
            let cand = ids.candidate(cid, contest.id, mark.candidate_id, &at)?;
            marks.push(Mark::ranked(rank, Choice::Candidate(cand)));
        }
        if marks.iter().any(|m| m.rank > 1) {
            ids.ranked(cid);
        }
        card.contests.push(ContestVotes::new(cid, marks));
    }
    Ok(card)
}
