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
use crate::cdf_json::{json_error, scan_error};
use crate::error::{FormatError, Location};
use crate::json_stream::{ScanError, Scanner};
use crate::json_util::{Count, Flag, Text};
use crate::options::{Format, SourceOptions};
use canvass_model::{
    CandidateId, CandidateKind, Card, CardId, CardLocation, Choice, ContestId, ContestKind,
    ContestVotes, Election, Mark, SourceRef,
};
use serde::Deserialize;
use serde::de::IgnoredAny;
use std::collections::HashMap;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The read buffer.
const BUFFER: usize = 1 << 20;

/// Read a Dominion export folder, or one `CvrExport*.json` file.
pub fn read(
    path: &Path,
    options: &SourceOptions,
    election: &mut Election,
    sink: &mut CardSink<'_>,
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
        read_export(file, &mut names, election, sink)?;
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

fn names_of(entries: Option<Vec<Entry>>) -> HashMap<u64, Arc<str>> {
    entries
        .unwrap_or_default()
        .into_iter()
        .map(|e| {
            let name = e.description.unwrap_or_else(|| e.id.0.to_string());
            (e.id.0, Arc::from(name))
        })
        .collect()
}

/// What the manifests say, resolved against the election.
struct Names {
    /// Dominion contest id → contest; `None` for contests not read.
    contests: HashMap<u64, Option<ContestId>>,
    /// Dominion candidate id → (contest, candidate).
    candidates: HashMap<u64, (ContestId, CandidateId)>,
    have_contest_manifest: bool,
    have_candidate_manifest: bool,
    counting_groups: HashMap<u64, Arc<str>>,
    ballot_types: HashMap<u64, Arc<str>>,
    precinct_portions: HashMap<u64, Arc<str>>,
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
            contests: HashMap::new(),
            candidates: HashMap::new(),
            have_contest_manifest: contests.is_some(),
            have_candidate_manifest: candidates.is_some(),
            counting_groups: names_of(load_manifest(folder, "CountingGroupManifest.json")?),
            ballot_types: names_of(load_manifest(folder, "BallotTypeManifest.json")?),
            precinct_portions: names_of(load_manifest(folder, "PrecinctPortionManifest.json")?),
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
            let cid = match names.contests.get(&contest) {
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
        if let Some(c) = self.contests.get(&id) {
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

/// The `IsCurrent` version of a session.
#[derive(Deserialize)]
struct Version {
    #[serde(rename = "PrecinctPortionId")]
    precinct_portion_id: Option<Count>,
    #[serde(rename = "BallotTypeId")]
    ballot_type_id: Option<Count>,
    #[serde(rename = "IsCurrent")]
    is_current: Option<Flag>,
    #[serde(rename = "Cards")]
    cards: Option<Vec<DCard>>,
    #[serde(rename = "Contests")]
    contests: Option<Vec<DContest>>,
}

#[derive(Deserialize)]
struct DCard {
    #[serde(rename = "Contests", default)]
    contests: Vec<DContest>,
}

#[derive(Deserialize)]
struct DContest {
    #[serde(rename = "Id")]
    id: Count,
    #[serde(rename = "Marks", default)]
    marks: Vec<DMark>,
    #[serde(rename = "OutstackConditionIds", default)]
    outstack: Vec<Count>,
}

#[derive(Deserialize)]
struct DMark {
    #[serde(rename = "CandidateId")]
    candidate_id: Count,
    #[serde(rename = "Rank")]
    rank: Option<Count>,
    #[serde(rename = "IsAmbiguous")]
    is_ambiguous: Option<Flag>,
}

#[derive(Deserialize)]
struct Session {
    #[serde(rename = "TabulatorId")]
    tabulator_id: Text,
    #[serde(rename = "BatchId")]
    batch_id: Text,
    #[serde(rename = "RecordId")]
    record_id: Text,
    #[serde(rename = "CountingGroupId")]
    counting_group_id: Option<Count>,
    #[serde(rename = "ImprintedId")]
    imprinted_id: Option<Text>,
    #[serde(rename = "Original")]
    original: Option<Version>,
    #[serde(rename = "Modified")]
    modified: Option<Version>,
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

fn read_export(
    path: &Path,
    names: &mut Names,
    election: &mut Election,
    sink: &mut CardSink<'_>,
) -> Result<(), FormatError> {
    let f = File::open(path).map_err(|e| FormatError::io(path, e))?;
    let mut scan = Scanner::new(BufReader::with_capacity(BUFFER, f));
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
    let mut buf = Vec::with_capacity(1 << 12);
    let mut key_buf = Vec::new();
    scan.begin_object().map_err(|e| state.scan_error(e))?;
    while let Some(key) = scan
        .next_key(&mut key_buf)
        .map_err(|e| state.scan_error(e))?
    {
        if key == "Sessions" {
            state.seen_sessions = true;
            state.in_sessions = true;
            scan.begin_array().map_err(|e| state.scan_error(e))?;
            state.record = 1;
            while scan.next_element().map_err(|e| state.scan_error(e))? {
                buf.clear();
                scan.value(Some(&mut buf))
                    .map_err(|e| state.scan_error(e))?;
                let session: Session =
                    serde_json::from_slice(&buf).map_err(|e| json_error(state.at(), e))?;
                state.session(session)?;
                state.record += 1;
            }
            state.record -= 1;
            state.in_sessions = false;
        } else {
            buf.clear();
            scan.value(Some(&mut buf))
                .map_err(|e| state.scan_error(e))?;
            serde_json::from_slice::<IgnoredAny>(&buf).map_err(|e| json_error(state.at(), e))?;
        }
    }
    scan.end().map_err(|e| state.scan_error(e))?;
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

    fn scan_error(&self, e: ScanError) -> FormatError {
        scan_error(self.at(), e)
    }

    fn session(&mut self, s: Session) -> Result<(), FormatError> {
        let (path, record) = (self.path, self.record);
        let at = move || Location::record(path, record);
        let version = match (s.modified, s.original) {
            (Some(m), Some(o)) => {
                if m.is_current.is_some_and(|f| !f.0) && o.is_current.is_some_and(|f| f.0) {
                    o
                } else {
                    m
                }
            }
            (Some(m), None) => m,
            (None, Some(o)) => o,
            (None, None) => {
                return Err(FormatError::MissingField {
                    at: at().field("Original"),
                });
            }
        };
        let (t, b, r) = (s.tabulator_id.0, s.batch_id.0, s.record_id.0);
        let mut card = Card::new(CardId::new(format!("{t}-{b}-{r}")));
        card.location = CardLocation {
            position: r.parse().ok(),
            tabulator: Some(t),
            batch: Some(b),
            imprinted_id: s.imprinted_id.map(|x| x.0),
        };
        let lookup = |map: &HashMap<u64, Arc<str>>, id: Option<Count>| {
            id.map(|id| {
                map.get(&id.0)
                    .map_or_else(|| id.0.to_string(), |n| n.to_string())
            })
        };
        card.counting_group = lookup(&self.names.counting_groups, s.counting_group_id);
        card.precinct = lookup(&self.names.precinct_portions, version.precinct_portion_id);
        card.ballot_style = lookup(&self.names.ballot_types, version.ballot_type_id);
        card.source = SourceRef {
            file: Arc::clone(&self.file),
            record: self.record,
        };
        let contests = version
            .contests
            .into_iter()
            .flatten()
            .chain(version.cards.into_iter().flatten().flat_map(|c| c.contests));
        for contest in contests {
            let cid = match self.names.contests.get(&contest.id.0) {
                Some(c) => *c,
                None if self.names.have_contest_manifest => {
                    return Err(FormatError::UnknownContest {
                        at: at().field("Contests"),
                        contest: contest.id.0.to_string(),
                    });
                }
                None => self.names.contest(self.election, contest.id.0),
            };
            let Some(cid) = cid else {
                continue;
            };
            if let Some(invalid) = self.names.invalid_contest
                && contest.outstack.iter().any(|c| c.0 == invalid)
            {
                continue;
            }
            let mut marks = Vec::with_capacity(contest.marks.len());
            for mark in contest.marks {
                if mark.is_ambiguous.is_some_and(|f| f.0) {
                    continue;
                }
                let rank = mark.rank.map_or(1, |r| r.0);
                let rank = u32::try_from(rank).ok().filter(|&r| r > 0).ok_or_else(|| {
                    FormatError::invalid(
                        at().field("Rank"),
                        format!("rank {rank} is not 1 or more"),
                    )
                })?;
                let cand = self.candidate(cid, contest.id.0, mark.candidate_id.0, &at)?;
                marks.push(Mark::ranked(rank, Choice::Candidate(cand)));
            }
            if marks.iter().any(|m| m.rank > 1)
                && let Some(c) = self.election.contests.get_mut(cid.index())
                && c.kind == ContestKind::Plurality
                && !self.names.have_contest_manifest
            {
                c.kind = ContestKind::Ranked;
            }
            card.contests.push(ContestVotes::new(cid, marks));
        }
        (self.sink)(self.election, card)
    }

    fn candidate(
        &mut self,
        cid: ContestId,
        contest: u64,
        candidate: u64,
        at: &dyn Fn() -> Location,
    ) -> Result<CandidateId, FormatError> {
        match self.names.candidates.get(&candidate) {
            Some(&(c, id)) if c == cid => Ok(id),
            Some(_) => Err(FormatError::UnknownCandidate {
                at: at().field("CandidateId"),
                contest: contest.to_string(),
                candidate: candidate.to_string(),
            }),
            None if self.names.have_candidate_manifest => Err(FormatError::UnknownCandidate {
                at: at().field("CandidateId"),
                contest: contest.to_string(),
                candidate: candidate.to_string(),
            }),
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
}
