//! NIST SP 1500-103 CVR Common Data Format, XML encoding.
//!
//! quick-xml's event reader walks the children of `CastVoteRecordReport`.
//! Each `CVR` element (and the `Election` and `GpUnit` definitions) is built
//! into a small element tree, converted, and dropped, so memory holds one CVR
//! at a time. The schema puts `CVR` before `Election`, so the first pass
//! skips the CVRs and reads the definitions, and the second pass streams the
//! CVRs.

use crate::CardSink;
use crate::cdf::{
    self, CandidateDef, ContestDef, ContestRec, CvrRec, ElectionDef, GpUnitDef, PositionRec,
    Resolved, SelectionDef, SelectionRec, SnapshotRec,
};
use crate::cdf_json::BUFFER;
use crate::error::{FormatError, Location};
use crate::options::{Format, SourceOptions};
use canvass_model::Election;
use quick_xml::Reader;
use quick_xml::encoding::Decoder;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::QName;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::sync::Arc;

/// Elements nested deeper than this are refused (SP 1500-103 needs about 8).
const MAX_DEPTH: usize = 64;

/// Read a CDF XML file, streaming its CVRs to `sink`.
pub fn read(
    path: &Path,
    options: &SourceOptions,
    election: &mut Election,
    sink: &mut CardSink<'_>,
) -> Result<(), FormatError> {
    let file: Arc<str> = Arc::from(path.display().to_string());
    // Pass 1: the definitions.
    let mut elections = Vec::new();
    let mut gp_units = Vec::new();
    walk(path, &mut |record, name, reader, start, buf| match name {
        b"Election" => {
            let node = build(reader, start, buf, path, record)?;
            elections.push(election_def(&node));
            Ok(())
        }
        b"GpUnit" => {
            let node = build(reader, start, buf, path, record)?;
            gp_units.push(GpUnitDef {
                id: node.attr("ObjectId").unwrap_or_default().to_owned(),
                name: node.text_of("Name"),
            });
            Ok(())
        }
        _ => skip(reader, start, buf, path, record),
    })?;
    let resolved = cdf::resolve(path, election, &elections, &gp_units, options)?;
    // Pass 2: the CVRs.
    walk(path, &mut |record, name, reader, start, buf| match name {
        b"CVR" => {
            let node = build(reader, start, buf, path, record)?;
            let rec = cvr_rec(&node);
            emit(path, &file, record, rec, &resolved, election, sink)
        }
        _ => skip(reader, start, buf, path, record),
    })
}

fn emit(
    path: &Path,
    file: &Arc<str>,
    record: u64,
    rec: CvrRec,
    resolved: &Resolved,
    election: &mut Election,
    sink: &mut CardSink<'_>,
) -> Result<(), FormatError> {
    let card = cdf::to_card(path, file, record, rec, resolved, election)?;
    sink(election, card)
}

type Xml = Reader<BufReader<File>>;

/// What [`walk`] calls for each child of the root: the CVR count so far, the
/// element's local name, the reader, the start tag and a scratch buffer.
type ChildFn<'a> =
    dyn FnMut(u64, &[u8], &mut Xml, &BytesStart<'_>, &mut Vec<u8>) -> Result<(), FormatError> + 'a;

/// Call `child` for every child element of the root; `record` counts the
/// `CVR` elements (1-based) and is 0 before the first.
fn walk(path: &Path, child: &mut ChildFn<'_>) -> Result<(), FormatError> {
    let f = File::open(path).map_err(|e| FormatError::io(path, e))?;
    let mut reader = Reader::from_reader(BufReader::with_capacity(BUFFER, f));
    reader.config_mut().check_end_names = true;
    let mut buf = Vec::new();
    let mut inner = Vec::new();
    let mut record = 0u64;
    let mut in_root = false;
    loop {
        buf.clear();
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| xml_error(path, record, e))?;
        match event {
            Event::Start(start) if !in_root => {
                if start.local_name().as_ref() != b"CastVoteRecordReport" {
                    return Err(FormatError::WrongFormat {
                        at: Location::file(path),
                        expected: Format::CdfXml,
                        found: format!(
                            "the root element is <{}>",
                            String::from_utf8_lossy(start.name().as_ref())
                        ),
                    });
                }
                in_root = true;
            }
            Event::Empty(start) if !in_root => {
                return Err(FormatError::WrongFormat {
                    at: Location::file(path),
                    expected: Format::CdfXml,
                    found: format!(
                        "the root element is an empty <{}>",
                        String::from_utf8_lossy(start.name().as_ref())
                    ),
                });
            }
            Event::Start(start) => {
                let local = start.local_name().as_ref().to_vec();
                if local == b"CVR" {
                    record += 1;
                }
                let owned = start.into_owned();
                inner.clear();
                child(record, &local, &mut reader, &owned, &mut inner)?;
            }
            Event::End(_) => return Ok(()),
            Event::Eof => {
                return Err(FormatError::Truncated {
                    at: Location::file(path),
                    message: if in_root {
                        "the CastVoteRecordReport element is not closed".into()
                    } else {
                        "no CastVoteRecordReport element".into()
                    },
                });
            }
            Event::Text(t) if !in_root && t.iter().any(|b| !b.is_ascii_whitespace()) => {
                return Err(FormatError::WrongFormat {
                    at: Location::file(path),
                    expected: Format::CdfXml,
                    found: "text before the root element".into(),
                });
            }
            _ => {}
        }
    }
}

fn xml_error(path: &Path, record: u64, e: quick_xml::Error) -> FormatError {
    let at = if record > 0 {
        Location::record(path, record)
    } else {
        Location::file(path)
    };
    match e {
        quick_xml::Error::Io(io) => FormatError::Io {
            at,
            source: std::io::Error::new(io.kind(), io.to_string()),
        },
        quick_xml::Error::Syntax(s) => FormatError::Truncated {
            at,
            message: s.to_string(),
        },
        other => FormatError::invalid(at, other.to_string()),
    }
}

fn skip<R: BufRead>(
    reader: &mut Reader<R>,
    start: &BytesStart<'_>,
    buf: &mut Vec<u8>,
    path: &Path,
    record: u64,
) -> Result<(), FormatError> {
    let name = start.name().as_ref().to_vec();
    reader
        .read_to_end_into(QName(&name), buf)
        .map(|_| ())
        .map_err(|e| xml_error(path, record, e))
}

/// A small element tree for one CVR or one definition.
#[derive(Debug, Default)]
struct Node {
    name: Vec<u8>,
    attrs: Vec<(Vec<u8>, String)>,
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn attr(&self, local: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k.as_slice() == local.as_bytes())
            .map(|(_, v)| v.as_str())
    }

    fn children<'a, 'b>(&'a self, local: &'b str) -> impl Iterator<Item = &'a Node> + 'b
    where
        'a: 'b,
    {
        self.children
            .iter()
            .filter(move |c| c.name.as_slice() == local.as_bytes())
    }

    fn child(&self, local: &str) -> Option<&Node> {
        self.children(local).next()
    }

    fn text_of(&self, local: &str) -> Option<String> {
        self.child(local).map(|c| c.text.trim().to_owned())
    }

    fn number_of(&self, local: &str) -> Option<u64> {
        self.child(local).and_then(|c| c.text.trim().parse().ok())
    }
}

fn local_of(name: &[u8]) -> Vec<u8> {
    match name.iter().rposition(|&b| b == b':') {
        Some(i) => name.get(i + 1..).unwrap_or_default().to_vec(),
        None => name.to_vec(),
    }
}

fn start_node(
    start: &BytesStart<'_>,
    decoder: Decoder,
    path: &Path,
    record: u64,
) -> Result<Node, FormatError> {
    let mut node = Node {
        name: start.local_name().as_ref().to_vec(),
        ..Node::default()
    };
    for attr in start.attributes() {
        let attr = attr.map_err(|e| xml_error(path, record, e.into()))?;
        let value = attr
            .decode_and_unescape_value(decoder)
            .map_err(|e| xml_error(path, record, e))?
            .into_owned();
        node.attrs.push((local_of(attr.key.as_ref()), value));
    }
    Ok(node)
}

/// Build the tree of the element `start` (whose start tag was just read).
fn build<R: BufRead>(
    reader: &mut Reader<R>,
    start: &BytesStart<'_>,
    buf: &mut Vec<u8>,
    path: &Path,
    record: u64,
) -> Result<Node, FormatError> {
    let decoder = reader.decoder();
    let mut stack = vec![start_node(start, decoder, path, record)?];
    loop {
        buf.clear();
        let event = reader
            .read_event_into(buf)
            .map_err(|e| xml_error(path, record, e))?;
        match event {
            Event::Start(s) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(FormatError::invalid(
                        Location::record(path, record),
                        format!("elements are nested more than {MAX_DEPTH} deep"),
                    ));
                }
                let node = start_node(&s, decoder, path, record)?;
                stack.push(node);
            }
            Event::Empty(s) => {
                let node = start_node(&s, decoder, path, record)?;
                if let Some(top) = stack.last_mut() {
                    top.children.push(node);
                }
            }
            Event::Text(t) => {
                let text = t
                    .xml_content()
                    .map_err(|e| xml_error(path, record, e.into()))?;
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&text);
                }
            }
            Event::CData(t) => {
                let text = t.decode().map_err(|e| xml_error(path, record, e.into()))?;
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&text);
                }
            }
            Event::GeneralRef(r) => {
                let c = match r
                    .resolve_char_ref()
                    .map_err(|e| xml_error(path, record, e))?
                {
                    Some(c) => c,
                    None => match r.as_ref() {
                        b"amp" => '&',
                        b"lt" => '<',
                        b"gt" => '>',
                        b"quot" => '"',
                        b"apos" => '\'',
                        other => {
                            return Err(FormatError::invalid(
                                Location::record(path, record),
                                format!("unknown entity &{};", String::from_utf8_lossy(other)),
                            ));
                        }
                    },
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push(c);
                }
            }
            Event::End(_) => {
                let Some(done) = stack.pop() else {
                    return Err(FormatError::invalid(
                        Location::record(path, record),
                        "unbalanced end tag",
                    ));
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => return Ok(done),
                }
            }
            Event::Eof => {
                return Err(FormatError::Truncated {
                    at: Location::record(path, record),
                    message: format!(
                        "the <{}> element is not closed",
                        String::from_utf8_lossy(start.local_name().as_ref())
                    ),
                });
            }
            _ => {}
        }
    }
}

fn object_id(node: &Node) -> String {
    node.attr("ObjectId")
        .or_else(|| node.attr("id"))
        .unwrap_or_default()
        .to_owned()
}

fn election_def(node: &Node) -> ElectionDef {
    ElectionDef {
        name: node.text_of("Name"),
        candidates: node
            .children("Candidate")
            .map(|c| CandidateDef {
                id: object_id(c),
                name: c.text_of("Name"),
            })
            .collect(),
        contests: node
            .children("Contest")
            .map(|c| ContestDef {
                id: object_id(c),
                name: c.text_of("Name"),
                vote_variation: c.text_of("VoteVariation"),
                votes_allowed: c
                    .number_of("VotesAllowed")
                    .and_then(|n| u32::try_from(n).ok()),
                number_elected: c
                    .number_of("NumberElected")
                    .and_then(|n| u32::try_from(n).ok()),
                selections: c
                    .children("ContestSelection")
                    .map(|s| SelectionDef {
                        id: object_id(s),
                        candidate_ids: s
                            .children("CandidateIds")
                            .flat_map(|ids| ids.text.split_whitespace().map(str::to_owned))
                            .collect(),
                        is_write_in: s.text_of("IsWriteIn").as_deref() == Some("true"),
                    })
                    .collect(),
            })
            .collect(),
    }
}

fn cvr_rec(node: &Node) -> CvrRec {
    CvrRec {
        ballot_pre_printed_id: node.text_of("BallotPrePrintedId"),
        unique_id: node.text_of("UniqueId"),
        ballot_audit_id: node.text_of("BallotAuditId"),
        batch_id: node.text_of("BatchId"),
        batch_sequence_id: node.number_of("BatchSequenceId"),
        creating_device_id: node.text_of("CreatingDeviceId"),
        ballot_style_id: node.text_of("BallotStyleId"),
        ballot_style_unit_id: node.text_of("BallotStyleUnitId"),
        current_snapshot_id: node.text_of("CurrentSnapshotId"),
        snapshots: node
            .children("CVRSnapshot")
            .map(|s| SnapshotRec {
                id: s.attr("ObjectId").map(str::to_owned),
                contests: s
                    .children("CVRContest")
                    .map(|c| ContestRec {
                        contest_id: c.text_of("ContestId"),
                        selections: c
                            .children("CVRContestSelection")
                            .map(|sel| SelectionRec {
                                selection_id: sel.text_of("ContestSelectionId"),
                                positions: sel
                                    .children("SelectionPosition")
                                    .map(|p| PositionRec {
                                        rank: p
                                            .child("Rank")
                                            .map(|r| r.text.trim().parse::<u32>().unwrap_or(0)),
                                        indicated: p.text_of("HasIndication").as_deref()
                                            != Some("no"),
                                        not_allocable: p.text_of("IsAllocable").as_deref()
                                            == Some("no"),
                                        number_votes: p.number_of("NumberVotes"),
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
