//! Write an election and a stream of cards as NIST SP 1500-103 CDF JSON, one
//! CVR at a time.
//!
//! The election definition is written before the CVRs when it is complete
//! up front ([`CdfJsonWriter::new`] with `Some(election)`), so that readers
//! need one pass; otherwise ([`CdfJsonWriter::new`] with `None`) it is
//! written after them, from the election as it stands when
//! [`CdfJsonWriter::finish`] is called, as RCTab does.
//!
//! What CDF cannot hold: the counting group (SP 1500-103 has no such
//! property), declared write-ins as a kind (they are written as ordinary
//! candidates), supermajority rules (written as `other`), and a ranked
//! contest's number of ranks. Every undeclared write-in candidate of a
//! contest is written as a write-in selection, and readers merge them into
//! one "Undeclared Write-ins" candidate. An overvote mark that names no
//! candidate ([`Choice::Overvote`]) is written as a selection with no
//! `ContestSelectionId` whose position is not allocable (`IsAllocable: no`).

use crate::error::{FormatError, Location};
use canvass_model::{CandidateKind, Card, Choice, Contest, ContestKind, Election};
use std::collections::{BTreeSet, HashSet};
use std::io::Write;

/// Streams a CDF JSON `CastVoteRecordReport`.
pub struct CdfJsonWriter<W: Write> {
    out: W,
    cards: u64,
    /// The election was written before the CVRs.
    election_written: bool,
    precincts: BTreeSet<String>,
    at: Location,
    ids: Ids,
}

/// The ids contests and selections are written with, cached while the
/// election keeps its shape (number of contests and candidates).
#[derive(Default)]
struct Ids {
    shape: (usize, usize),
    contests: Vec<String>,
    selections: Vec<Vec<String>>,
}

impl Ids {
    fn refresh(&mut self, election: &Election) {
        let shape = (
            election.contests.len(),
            election.contests.iter().map(|c| c.candidates.len()).sum(),
        );
        if shape != self.shape || self.contests.len() != election.contests.len() {
            self.shape = shape;
            self.contests = contest_ids(election);
            self.selections = election.contests.iter().map(selection_ids).collect();
        }
    }
}

fn io(at: &Location, e: std::io::Error) -> FormatError {
    FormatError::Io {
        at: at.clone(),
        source: e,
    }
}

/// A JSON string literal.
fn js(s: &str) -> String {
    // Serializing a str cannot fail.
    serde_json::to_string(s).unwrap_or_else(|_| String::from("\"\""))
}

/// The `@id` each contest is written with: its external id, made unique.
fn contest_ids(election: &Election) -> Vec<String> {
    let mut seen = HashSet::new();
    election
        .contests
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let id = if c.external_id.is_empty() || !seen.insert(c.external_id.clone()) {
                format!("contest-{}-{}", i + 1, c.external_id)
            } else {
                c.external_id.clone()
            };
            seen.insert(id.clone());
            id
        })
        .collect()
}

/// The `@id` of each selection of a contest: the candidate's external id,
/// made unique within the contest.
fn selection_ids(contest: &Contest) -> Vec<String> {
    let mut seen = HashSet::new();
    contest
        .candidates
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let id = if c.external_id.is_empty() || !seen.insert(c.external_id.clone()) {
                format!("cs-{}-{}", i + 1, c.external_id)
            } else {
                c.external_id.clone()
            };
            seen.insert(id.clone());
            id
        })
        .collect()
}

fn vote_variation(contest: &Contest) -> &'static str {
    match (&contest.kind, contest.seats) {
        (ContestKind::Plurality, 1) => "plurality",
        (ContestKind::Plurality, _) => "n-of-m",
        (ContestKind::Approval, _) => "approval",
        (ContestKind::Ranked, 1) => "irv",
        (ContestKind::Ranked, _) => "stv",
        (ContestKind::Supermajority(_), _) => "other",
    }
}

fn write_election(
    out: &mut impl Write,
    election: &Election,
    precincts: &BTreeSet<String>,
) -> std::io::Result<()> {
    let contest_ids = contest_ids(election);
    write!(
        out,
        "\"Election\":[{{\"@type\":\"CVR.Election\",\"@id\":\"election-1\""
    )?;
    if let Some(name) = &election.name {
        write!(out, ",\"Name\":{}", js(name))?;
    }
    write!(out, ",\"ElectionScopeId\":\"gpu-election\",\"Candidate\":[")?;
    let mut first = true;
    for (ci, contest) in election.contests.iter().enumerate() {
        for (k, cand) in contest.candidates.iter().enumerate() {
            if cand.kind == CandidateKind::UndeclaredWriteIn {
                continue;
            }
            if !first {
                out.write_all(b",")?;
            }
            first = false;
            write!(
                out,
                "{{\"@type\":\"CVR.Candidate\",\"@id\":\"candidate-{}-{}\",\"Name\":{}}}",
                ci + 1,
                k + 1,
                js(&cand.name)
            )?;
        }
    }
    out.write_all(b"],\"Contest\":[")?;
    for (ci, (contest, cid)) in election.contests.iter().zip(&contest_ids).enumerate() {
        if ci > 0 {
            out.write_all(b",")?;
        }
        write!(
            out,
            "{{\"@type\":\"CVR.CandidateContest\",\"@id\":{},\"Name\":{},\"VoteVariation\":\"{}\",\"VotesAllowed\":{},\"NumberElected\":{},\"ContestSelection\":[",
            js(cid),
            js(&contest.name),
            vote_variation(contest),
            contest.seats,
            contest.seats
        )?;
        for (k, (cand, sid)) in contest
            .candidates
            .iter()
            .zip(selection_ids(contest))
            .enumerate()
        {
            if k > 0 {
                out.write_all(b",")?;
            }
            if cand.kind == CandidateKind::UndeclaredWriteIn {
                write!(
                    out,
                    "{{\"@type\":\"CVR.CandidateSelection\",\"@id\":{},\"IsWriteIn\":true}}",
                    js(&sid)
                )?;
            } else {
                write!(
                    out,
                    "{{\"@type\":\"CVR.CandidateSelection\",\"@id\":{},\"CandidateIds\":[\"candidate-{}-{}\"]}}",
                    js(&sid),
                    ci + 1,
                    k + 1
                )?;
            }
        }
        out.write_all(b"]}")?;
    }
    out.write_all(b"]}],\"GpUnit\":[")?;
    write!(
        out,
        "{{\"@type\":\"CVR.GpUnit\",\"@id\":\"gpu-election\",\"Type\":\"other\",\"OtherType\":\"election scope\"}}"
    )?;
    for p in precincts {
        write!(
            out,
            ",{{\"@type\":\"CVR.GpUnit\",\"@id\":{},\"Name\":{},\"Type\":\"precinct\"}}",
            js(p),
            js(p)
        )?;
    }
    out.write_all(b"]")
}

impl<W: Write> CdfJsonWriter<W> {
    /// Start a report. With `Some(election)`, the definitions are written
    /// now (the election must then hold every contest and candidate the
    /// cards use); with `None`, at [`CdfJsonWriter::finish`].
    pub fn new(mut out: W, election: Option<&Election>) -> Result<Self, FormatError> {
        let at = Location {
            file: "<output>".into(),
            record: None,
            field: None,
        };
        let header = (|| -> std::io::Result<()> {
            out.write_all(
                b"{\"@type\":\"CVR.CastVoteRecordReport\",\"Version\":\"1.0.0\",\"ReportGeneratingDeviceIds\":[\"rd-canvass\"],\"ReportingDevice\":[{\"@type\":\"CVR.ReportingDevice\",\"@id\":\"rd-canvass\",\"Application\":\"canvass\"}],",
            )?;
            if let Some(e) = election {
                write_election(&mut out, e, &BTreeSet::new())?;
                out.write_all(b",")?;
            }
            out.write_all(b"\"CVR\":[")
        })();
        header.map_err(|e| io(&at, e))?;
        Ok(CdfJsonWriter {
            out,
            cards: 0,
            election_written: election.is_some(),
            precincts: BTreeSet::new(),
            at,
            ids: Ids::default(),
        })
    }

    /// Write one card as a CVR with one snapshot.
    pub fn write_card(&mut self, election: &Election, card: &Card) -> Result<(), FormatError> {
        self.cards += 1;
        let at = Location {
            record: Some(self.cards),
            ..self.at.clone()
        };
        let mut contests = Vec::with_capacity(card.contests.len());
        for votes in &card.contests {
            let Some(contest) = election.get_contest(votes.contest) else {
                return Err(FormatError::UnknownContest {
                    at: at.field("ContestId"),
                    contest: votes.contest.0.to_string(),
                });
            };
            contests.push(contest);
        }
        if !self.election_written
            && let Some(p) = &card.precinct
            && !self.precincts.contains(p)
        {
            self.precincts.insert(p.clone());
        }
        self.ids.refresh(election);
        let ids = &self.ids;
        let out = &mut self.out;
        (|| -> Result<(), FormatError> {
            let w = |r: std::io::Result<()>| r.map_err(|e| io(&at, e));
            if self.cards > 1 {
                w(out.write_all(b","))?;
            }
            w(write!(
                out,
                "{{\"@type\":\"CVR.CVR\",\"UniqueId\":{}",
                js(card.id.as_str())
            ))?;
            let opt = |out: &mut W, key: &str, v: &Option<String>| -> std::io::Result<()> {
                if let Some(v) = v {
                    write!(out, ",\"{key}\":{}", js(v))?;
                }
                Ok(())
            };
            w(opt(out, "BallotPrePrintedId", &card.location.imprinted_id))?;
            w(opt(out, "BallotAuditId", &card.ballot_id))?;
            w(opt(out, "BatchId", &card.location.batch))?;
            if let Some(p) = card.location.position {
                w(write!(out, ",\"BatchSequenceId\":{p}"))?;
            }
            w(opt(out, "CreatingDeviceId", &card.location.tabulator))?;
            w(opt(out, "BallotStyleId", &card.ballot_style))?;
            w(opt(out, "BallotStyleUnitId", &card.precinct))?;
            w(out.write_all(
                b",\"ElectionId\":\"election-1\",\"CurrentSnapshotId\":\"s\",\"CVRSnapshot\":[{\"@type\":\"CVR.CVRSnapshot\",\"@id\":\"s\",\"Type\":\"original\",\"CVRContest\":[",
            ))?;
            for (i, (votes, contest)) in card.contests.iter().zip(&contests).enumerate() {
                if i > 0 {
                    w(out.write_all(b","))?;
                }
                let cid = ids
                    .contests
                    .get(votes.contest.index())
                    .map(String::as_str)
                    .unwrap_or_default();
                w(write!(
                    out,
                    "{{\"@type\":\"CVR.CVRContest\",\"ContestId\":{},\"CVRContestSelection\":[",
                    js(cid)
                ))?;
                let no_sids = Vec::new();
                let sids = ids
                    .selections
                    .get(votes.contest.index())
                    .unwrap_or(&no_sids);
                for (k, mark) in votes.marks.iter().enumerate() {
                    if k > 0 {
                        w(out.write_all(b","))?;
                    }
                    match mark.choice {
                        Choice::Candidate(c) => {
                            let Some(sid) = sids.get(c.index()) else {
                                return Err(FormatError::UnknownCandidate {
                                    at: at.clone().field("ContestSelectionId"),
                                    contest: contest.name.clone(),
                                    candidate: c.0.to_string(),
                                });
                            };
                            w(write!(
                                out,
                                "{{\"@type\":\"CVR.CVRContestSelection\",\"ContestSelectionId\":{},\"SelectionPosition\":[{{\"@type\":\"CVR.SelectionPosition\",\"HasIndication\":\"yes\",\"IsAllocable\":\"unknown\",\"NumberVotes\":1,\"Rank\":{}}}]}}",
                                js(sid),
                                mark.rank
                            ))?;
                        }
                        Choice::Overvote => {
                            w(write!(
                                out,
                                "{{\"@type\":\"CVR.CVRContestSelection\",\"SelectionPosition\":[{{\"@type\":\"CVR.SelectionPosition\",\"HasIndication\":\"yes\",\"IsAllocable\":\"no\",\"NumberVotes\":1,\"Rank\":{}}}]}}",
                                mark.rank
                            ))?;
                        }
                    }
                }
                w(out.write_all(b"]}"))?;
            }
            w(out.write_all(b"]}]}"))
        })()
    }

    /// Close the report (writing the election now if it was not written
    /// first) and return the output.
    pub fn finish(mut self, election: &Election) -> Result<W, FormatError> {
        let at = self.at.clone();
        let result = (|| -> std::io::Result<()> {
            self.out.write_all(b"]")?;
            if !self.election_written {
                self.out.write_all(b",")?;
                write_election(&mut self.out, election, &self.precincts)?;
            }
            self.out.write_all(b"}\n")?;
            self.out.flush()
        })();
        result.map_err(|e| io(&at, e))?;
        Ok(self.out)
    }
}
