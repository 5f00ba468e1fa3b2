//! NIST SP 1500-103 CVR Common Data Format, JSON encoding.
//!
//! The report is one JSON object whose `CVR` array can hold millions of
//! records. It is never held in memory: a serde visitor walks the top-level
//! object and hands the `CVR` array to a [`DeserializeSeed`] that
//! deserializes one CVR at a time and sends its card to the sink.
//!
//! Producers write the keys in any order, and RCTab writes them sorted, so
//! `CVR` comes before `Election`. When the definitions (`Election`, `GpUnit`)
//! come first, one pass reads everything; otherwise the first pass skips the
//! CVRs and a second pass over the file streams them.

use crate::CardSink;
use crate::cdf::{
    self, CandidateDef, ContestDef, ContestRec, CvrRec, ElectionDef, GpUnitDef, PositionRec,
    Resolved, SelectionDef, SelectionRec, SnapshotRec,
};
use crate::error::{FormatError, Location};
use crate::json_stream::{ScanError, Scanner};
use crate::json_util::{Count, Flag, OneOrMany, Text, count_u32};
use crate::options::{Format, SourceOptions};
use canvass_model::Election;
use serde::Deserialize;
use serde::de::IgnoredAny;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::sync::Arc;

/// The read buffer: large, because CDF JSON is verbose.
pub(crate) const BUFFER: usize = 1 << 20;

/// Read a CDF JSON file, streaming its CVRs to `sink`.
pub fn read(
    path: &Path,
    options: &SourceOptions,
    election: &mut Election,
    sink: &mut CardSink<'_>,
) -> Result<(), FormatError> {
    let mut state = State {
        path,
        file: Arc::from(path.display().to_string()),
        options,
        election,
        sink,
        defs: Defs::default(),
        resolved: None,
        streamed: false,
        in_cvr: false,
        record: 0,
        seen_report: false,
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
    Ok(())
}

fn run_pass(state: &mut State<'_, '_, '_>) -> Result<(), FormatError> {
    let f = File::open(state.path).map_err(|e| FormatError::io(state.path, e))?;
    let mut scan = Scanner::new(BufReader::with_capacity(BUFFER, f));
    let first_pass = state.resolved.is_none();
    let mut buf = Vec::with_capacity(1 << 12);
    let mut key_buf = Vec::new();
    scan.begin_object().map_err(|e| state.scan_error(e))?;
    while let Some(key) = scan
        .next_key(&mut key_buf)
        .map_err(|e| state.scan_error(e))?
    {
        match key.as_str() {
            "Election" | "GpUnit" if first_pass => {
                buf.clear();
                scan.value(Some(&mut buf))
                    .map_err(|e| state.scan_error(e))?;
                if key == "Election" {
                    let elections: OneOrMany<JElection> =
                        serde_json::from_slice(&buf).map_err(|e| state.error(e))?;
                    state
                        .defs
                        .elections
                        .extend(elections.0.into_iter().map(JElection::into_def));
                    state.defs.seen_election = true;
                    state.seen_report = true;
                } else {
                    let units: OneOrMany<JGpUnit> =
                        serde_json::from_slice(&buf).map_err(|e| state.error(e))?;
                    state
                        .defs
                        .gp_units
                        .extend(units.0.into_iter().map(|u| GpUnitDef {
                            id: u.id.unwrap_or_default(),
                            name: u.name,
                        }));
                    state.defs.seen_gp_unit = true;
                }
            }
            "CVR" => {
                state.seen_report = true;
                state.defs.cvr_present = true;
                let ready = state.defs.seen_election && state.defs.seen_gp_unit;
                if first_pass && !ready {
                    scan.value(None).map_err(|e| state.scan_error(e))?;
                    continue;
                }
                if first_pass {
                    state.resolve()?;
                }
                state.in_cvr = true;
                scan.begin_array().map_err(|e| state.scan_error(e))?;
                state.record = 1;
                while scan.next_element().map_err(|e| state.scan_error(e))? {
                    buf.clear();
                    scan.value(Some(&mut buf))
                        .map_err(|e| state.scan_error(e))?;
                    let cvr: JCvr = serde_json::from_slice(&buf).map_err(|e| state.error(e))?;
                    state.card(cvr)?;
                    state.record += 1;
                }
                state.record -= 1;
                state.in_cvr = false;
                state.streamed = true;
            }
            _ => {
                buf.clear();
                scan.value(Some(&mut buf))
                    .map_err(|e| state.scan_error(e))?;
                serde_json::from_slice::<IgnoredAny>(&buf).map_err(|e| state.error(e))?;
            }
        }
    }
    scan.end().map_err(|e| state.scan_error(e))
}

#[derive(Default)]
struct Defs {
    elections: Vec<ElectionDef>,
    gp_units: Vec<GpUnitDef>,
    seen_election: bool,
    seen_gp_unit: bool,
    cvr_present: bool,
}

struct State<'p, 'e, 's> {
    path: &'p Path,
    file: Arc<str>,
    options: &'p SourceOptions,
    election: &'e mut Election,
    sink: &'s mut CardSink<'s>,
    defs: Defs,
    resolved: Option<Resolved>,
    /// The CVRs have been sent to the sink.
    streamed: bool,
    in_cvr: bool,
    record: u64,
    seen_report: bool,
}

impl State<'_, '_, '_> {
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

    fn scan_error(&self, e: ScanError) -> FormatError {
        scan_error(self.at(), e)
    }

    fn error(&self, e: serde_json::Error) -> FormatError {
        json_error(self.at(), e)
    }

    fn card(&mut self, cvr: JCvr) -> Result<(), FormatError> {
        let Some(resolved) = &self.resolved else {
            return Ok(());
        };
        let card = cdf::to_card(
            self.path,
            &self.file,
            self.record,
            cvr.into_rec(),
            resolved,
            self.election,
        )?;
        (self.sink)(self.election, card)
    }
}

/// A scan error at a place.
pub(crate) fn scan_error(at: Location, e: ScanError) -> FormatError {
    match e {
        ScanError::Eof => FormatError::Truncated {
            at,
            message: "the JSON ends inside a value".into(),
        },
        ScanError::Syntax(m) => FormatError::invalid(at, m),
        ScanError::Io(source) => FormatError::Io { at, source },
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

/// `HasIndication` (SP 1500-103 `IndicationStatus`).
#[derive(Clone, Copy, Debug, Deserialize)]
enum Indication {
    #[serde(rename = "yes")]
    Yes,
    #[serde(rename = "no")]
    No,
    #[serde(rename = "unknown")]
    Unknown,
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

#[derive(Deserialize)]
struct JPosition {
    #[serde(rename = "Rank")]
    rank: Option<Count>,
    #[serde(rename = "HasIndication")]
    has_indication: Option<Indication>,
    #[serde(rename = "NumberVotes")]
    number_votes: Option<Count>,
    #[serde(rename = "IsAllocable")]
    is_allocable: Option<Allocable>,
}

/// `IsAllocable` (SP 1500-103 `AllocationStatus`).
#[derive(Clone, Copy, Debug, Deserialize)]
enum Allocable {
    #[serde(rename = "yes")]
    Yes,
    #[serde(rename = "no")]
    No,
    #[serde(rename = "unknown")]
    Unknown,
}

#[derive(Deserialize)]
struct JCvrSelection {
    #[serde(rename = "ContestSelectionId")]
    selection_id: Option<Text>,
    #[serde(rename = "SelectionPosition", default)]
    positions: OneOrMany<JPosition>,
}

#[derive(Deserialize)]
struct JCvrContest {
    #[serde(rename = "ContestId")]
    contest_id: Option<Text>,
    #[serde(rename = "CVRContestSelection", default)]
    selections: OneOrMany<JCvrSelection>,
}

#[derive(Deserialize)]
struct JSnapshot {
    #[serde(rename = "@id")]
    id: Option<Text>,
    #[serde(rename = "CVRContest", default)]
    contests: OneOrMany<JCvrContest>,
}

#[derive(Deserialize)]
struct JCvr {
    #[serde(rename = "BallotPrePrintedId")]
    ballot_pre_printed_id: Option<Text>,
    #[serde(rename = "UniqueId")]
    unique_id: Option<Text>,
    #[serde(rename = "BallotAuditId")]
    ballot_audit_id: Option<Text>,
    #[serde(rename = "BatchId")]
    batch_id: Option<Text>,
    #[serde(rename = "BatchSequenceId")]
    batch_sequence_id: Option<Count>,
    #[serde(rename = "CreatingDeviceId")]
    creating_device_id: Option<Text>,
    #[serde(rename = "BallotStyleId")]
    ballot_style_id: Option<Text>,
    #[serde(rename = "BallotStyleUnitId")]
    ballot_style_unit_id: Option<Text>,
    #[serde(rename = "CurrentSnapshotId")]
    current_snapshot_id: Option<Text>,
    #[serde(rename = "CVRSnapshot", default)]
    snapshots: OneOrMany<JSnapshot>,
}

impl JCvr {
    fn into_rec(self) -> CvrRec {
        let t = |x: Option<Text>| x.map(|t| t.0);
        CvrRec {
            ballot_pre_printed_id: t(self.ballot_pre_printed_id),
            unique_id: t(self.unique_id),
            ballot_audit_id: t(self.ballot_audit_id),
            batch_id: t(self.batch_id),
            batch_sequence_id: self.batch_sequence_id.map(|c| c.0),
            creating_device_id: t(self.creating_device_id),
            ballot_style_id: t(self.ballot_style_id),
            ballot_style_unit_id: t(self.ballot_style_unit_id),
            current_snapshot_id: t(self.current_snapshot_id),
            snapshots: self
                .snapshots
                .0
                .into_iter()
                .map(|s| SnapshotRec {
                    id: t(s.id),
                    contests: s
                        .contests
                        .0
                        .into_iter()
                        .map(|c| ContestRec {
                            contest_id: t(c.contest_id),
                            selections: c
                                .selections
                                .0
                                .into_iter()
                                .map(|s| SelectionRec {
                                    selection_id: t(s.selection_id),
                                    positions: s
                                        .positions
                                        .0
                                        .into_iter()
                                        .map(|p| PositionRec {
                                            rank: p.rank.map(|r| u32::try_from(r.0).unwrap_or(0)),
                                            indicated: !matches!(
                                                p.has_indication,
                                                Some(Indication::No)
                                            ),
                                            not_allocable: matches!(
                                                p.is_allocable,
                                                Some(Allocable::No)
                                            ),
                                            number_votes: p.number_votes.map(|n| n.0),
                                        })
                                        .collect(),
                                })
                                .collect(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}
