//! Write an election and a stream of cards as a Dominion CVR export folder:
//! `CvrExport.json` (written one session at a time) and, at the end,
//! `ContestManifest.json`, `CandidateManifest.json`,
//! `TabulatorManifest.json`, `CountingGroupManifest.json`,
//! `PrecinctPortionManifest.json` and `BallotTypeManifest.json`.
//!
//! Dominion ids are numbers: contest *i* (0-based) is written as `i + 1`,
//! candidate *k* of contest *i* as `i * 100000 + k + 1`; counting groups,
//! precinct portions and ballot types are numbered in the order the cards
//! first use them, and the manifests carry their names. Tabulator, batch and
//! record come from the card's location (numbers when they are numbers).
//!
//! What a Dominion export cannot hold: an overvote mark that names no
//! candidate ([`Choice::Overvote`]) is an error; approval and supermajority
//! contests are written as vote-for-N contests.

use crate::error::{FormatError, Location};
use canvass_model::{CandidateKind, Card, Choice, ContestKind, Election};
use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// The Dominion version the export claims.
const VERSION: &str = "5.10.50.85";

/// The stride between contests in candidate ids.
const CANDIDATE_STRIDE: u64 = 100_000;

/// Streams a Dominion CVR export folder.
pub struct DominionJsonWriter {
    folder: PathBuf,
    out: BufWriter<File>,
    sessions: u64,
    counting_groups: BTreeMap<String, u64>,
    precincts: BTreeMap<String, u64>,
    ballot_types: BTreeMap<String, u64>,
    tabulators: BTreeSet<String>,
}

fn js(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| String::from("\"\""))
}

/// A number when the text is one, else a JSON string.
fn num_or_str(s: &str) -> String {
    if !s.is_empty() && s.len() < 19 && s.bytes().all(|b| b.is_ascii_digit()) {
        s.trim_start_matches('0')
            .parse::<u64>()
            .map_or_else(|_| js(s), |n| n.to_string())
    } else {
        js(s)
    }
}

fn number(map: &mut BTreeMap<String, u64>, name: &Option<String>) -> Option<u64> {
    let name = name.as_ref()?;
    let next = map.len() as u64 + 1;
    Some(*map.entry(name.clone()).or_insert(next))
}

impl DominionJsonWriter {
    /// Create the folder (if needed) and start `CvrExport.json` in it.
    pub fn new(folder: &Path, election: &Election) -> Result<Self, FormatError> {
        std::fs::create_dir_all(folder).map_err(|e| FormatError::io(folder, e))?;
        let path = folder.join("CvrExport.json");
        let f = File::create(&path).map_err(|e| FormatError::io(&path, e))?;
        let mut out = BufWriter::with_capacity(1 << 20, f);
        let name = election.name.as_deref().unwrap_or("canvass");
        write!(
            out,
            "{{\"Version\":\"{VERSION}\",\"ElectionId\":{},\"Sessions\":[",
            js(name)
        )
        .map_err(|e| FormatError::io(&path, e))?;
        Ok(DominionJsonWriter {
            folder: folder.to_path_buf(),
            out,
            sessions: 0,
            counting_groups: BTreeMap::new(),
            precincts: BTreeMap::new(),
            ballot_types: BTreeMap::new(),
            tabulators: BTreeSet::new(),
        })
    }

    /// Write one card as one session (`Original`, current, one card).
    pub fn write_card(&mut self, election: &Election, card: &Card) -> Result<(), FormatError> {
        self.sessions += 1;
        let path = self.folder.join("CvrExport.json");
        let at = Location::record(&path, self.sessions);
        let tabulator = card
            .location
            .tabulator
            .clone()
            .unwrap_or_else(|| "0".into());
        let batch = card.location.batch.clone().unwrap_or_else(|| "0".into());
        let record = card
            .location
            .position
            .map_or_else(|| self.sessions.to_string(), |p| p.to_string());
        if !self.tabulators.contains(&tabulator) {
            self.tabulators.insert(tabulator.clone());
        }
        let group = number(&mut self.counting_groups, &card.counting_group);
        let precinct = number(&mut self.precincts, &card.precinct);
        let style = number(&mut self.ballot_types, &card.ballot_style);
        let mut s = String::with_capacity(256);
        use std::fmt::Write as _;
        let _ = write!(
            s,
            "{}{{\"TabulatorId\":{},\"BatchId\":{},\"RecordId\":{}",
            if self.sessions > 1 { "," } else { "" },
            num_or_str(&tabulator),
            num_or_str(&batch),
            num_or_str(&record)
        );
        if let Some(g) = group {
            let _ = write!(s, ",\"CountingGroupId\":{g}");
        }
        if let Some(i) = &card.location.imprinted_id {
            let _ = write!(s, ",\"ImprintedId\":{}", js(i));
        }
        s.push_str(",\"SessionType\":\"ScannedVote\",\"Original\":{");
        if let Some(p) = precinct {
            let _ = write!(s, "\"PrecinctPortionId\":{p},");
        }
        if let Some(b) = style {
            let _ = write!(s, "\"BallotTypeId\":{b},");
        }
        let _ = write!(
            s,
            "\"IsCurrent\":true,\"Cards\":[{{\"Id\":{},\"PaperIndex\":0,\"Contests\":[",
            self.sessions
        );
        for (i, votes) in card.contests.iter().enumerate() {
            let Some(contest) = election.get_contest(votes.contest) else {
                return Err(FormatError::UnknownContest {
                    at: at.field("Contests"),
                    contest: votes.contest.0.to_string(),
                });
            };
            let cid = u64::from(votes.contest.0) + 1;
            let _ = write!(
                s,
                "{}{{\"Id\":{cid},\"Marks\":[",
                if i > 0 { "," } else { "" }
            );
            for (k, mark) in votes.marks.iter().enumerate() {
                let Choice::Candidate(c) = mark.choice else {
                    return Err(FormatError::invalid(
                        at.field("Marks"),
                        format!(
                            "a Dominion export cannot hold an overvote that names no candidate (contest {:?})",
                            contest.name
                        ),
                    ));
                };
                if contest.candidate(c).is_none() {
                    return Err(FormatError::UnknownCandidate {
                        at: at.field("CandidateId"),
                        contest: contest.name.clone(),
                        candidate: c.0.to_string(),
                    });
                }
                let id = u64::from(votes.contest.0) * CANDIDATE_STRIDE + u64::from(c.0) + 1;
                let _ = write!(
                    s,
                    "{}{{\"CandidateId\":{id},\"Rank\":{},\"IsAmbiguous\":false,\"IsVote\":true}}",
                    if k > 0 { "," } else { "" },
                    mark.rank
                );
            }
            s.push_str("]}");
        }
        s.push_str("]}]}}");
        self.out
            .write_all(s.as_bytes())
            .map_err(|e| FormatError::io(&path, e))
    }

    /// Close `CvrExport.json` and write the manifests from `election` as it
    /// stands now.
    pub fn finish(mut self, election: &Election) -> Result<PathBuf, FormatError> {
        let path = self.folder.join("CvrExport.json");
        self.out
            .write_all(b"]}\n")
            .and_then(|()| self.out.flush())
            .map_err(|e| FormatError::io(&path, e))?;
        let list = |entries: Vec<String>| {
            format!(
                "{{\"Version\":\"{VERSION}\",\"List\":[{}]}}\n",
                entries.join(",")
            )
        };
        let contests = election
            .contests
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let ranks = match c.kind {
                    ContestKind::Ranked => c
                        .max_ranks
                        .unwrap_or(c.candidates.len() as u32)
                        .max(1),
                    _ => 0,
                };
                format!(
                    "{{\"Description\":{},\"Id\":{},\"ExternalId\":{},\"VoteFor\":{},\"NumOfRanks\":{ranks},\"Disabled\":0}}",
                    js(&c.name),
                    i + 1,
                    js(&c.external_id),
                    c.seats
                )
            })
            .collect();
        let candidates = election
            .contests
            .iter()
            .enumerate()
            .flat_map(|(i, c)| {
                c.candidates.iter().enumerate().map(move |(k, cand)| {
                    let kind = match cand.kind {
                        CandidateKind::Regular => "Regular",
                        CandidateKind::WriteIn => "QualifiedWriteIn",
                        CandidateKind::UndeclaredWriteIn => "WriteIn",
                    };
                    format!(
                        "{{\"Description\":{},\"Id\":{},\"ExternalId\":{},\"ContestId\":{},\"Type\":\"{kind}\",\"Disabled\":0}}",
                        js(&cand.name),
                        i as u64 * CANDIDATE_STRIDE + k as u64 + 1,
                        js(&cand.external_id),
                        i + 1
                    )
                })
            })
            .collect();
        let named = |map: &BTreeMap<String, u64>| {
            let mut v: Vec<(&u64, &String)> = map.iter().map(|(k, v)| (v, k)).collect();
            v.sort();
            v.into_iter()
                .map(|(id, name)| {
                    format!(
                        "{{\"Description\":{},\"Id\":{id},\"ExternalId\":\"\"}}",
                        js(name)
                    )
                })
                .collect::<Vec<_>>()
        };
        let tabulators = self
            .tabulators
            .iter()
            .map(|t| {
                format!(
                    "{{\"Description\":{},\"Id\":{},\"ExternalId\":\"\",\"Type\":\"ImagecastCentral\"}}",
                    js(t),
                    num_or_str(t)
                )
            })
            .collect();
        let files = [
            ("ContestManifest.json", list(contests)),
            ("CandidateManifest.json", list(candidates)),
            ("TabulatorManifest.json", list(tabulators)),
            (
                "CountingGroupManifest.json",
                list(named(&self.counting_groups)),
            ),
            ("PrecinctPortionManifest.json", list(named(&self.precincts))),
            ("BallotTypeManifest.json", list(named(&self.ballot_types))),
        ];
        for (name, text) in files {
            let p = self.folder.join(name);
            std::fs::write(&p, text).map_err(|e| FormatError::io(&p, e))?;
        }
        Ok(self.folder)
    }
}
