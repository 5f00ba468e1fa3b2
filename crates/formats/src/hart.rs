//! Hart InterCivic Verity CVR XML: one `Cvr` document per card, delivered
//! as a folder or a zip of `.xml` files. A `Cvr` holds `Contests/Contest`
//! (`Name`, `Id`, `Options/Option` with `Name`, `Id`, `Value`, and
//! `WriteInData` for write-ins; `Undervotes` when nothing is marked),
//! `BatchNumber`, `BatchSequence`, `SheetNumber`, `PrecinctSplit/Name` and
//! `CvrGuid`. A card's id is `<CvrGuid>-<SheetNumber>` (the guid names
//! the ballot, kept as `ballot_id`); its batch is `BatchNumber` and its
//! position in the batch `BatchSequence`.
//!
//! `Value` is `1` for a vote in a contest that is not ranked; in a ranked
//! contest it is a string of `0`/`1` with one digit per rank, the `1` at
//! the position of the rank given (`010000`: rank 2).
//!
//! RCTab names a Hart contest by its `Id` (`contestId`) and candidates by
//! their option `Id` (its configurations list the Ids as aliases); canvass
//! interns candidates by `Id` and names them by `Name`, keeping the `Id` as
//! an alias so both match. With `options.contest` only that contest is
//! read (by `Id` or `Name`) and cards without it are skipped, as RCTab does.

use crate::CardSink;
use crate::error::{FormatError, Location};
use crate::options::{Format, SourceOptions};
use crate::xml_tree;
use canvass_model::{
    CandidateKind, Card, CardId, Choice, ContestKind, ContestVotes, Election, Mark, SourceRef,
};
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

/// The largest single CVR document accepted (a Hart CVR is a few kB).
const MAX_DOCUMENT: u64 = 16 * 1024 * 1024;

/// Read a Hart export: a folder of XML files, a zip of them, or one XML file.
pub(crate) fn read(
    path: &Path,
    options: &SourceOptions,
    election: &mut Election,
    sink: &mut CardSink<'_>,
) -> Result<(), FormatError> {
    if path.is_dir() {
        let mut files = xml_files_in(path)?;
        files.sort();
        for file in files {
            let bytes = read_limited(&file)?;
            read_document(&file.display().to_string(), &bytes, options, election, sink)?;
        }
        Ok(())
    } else if is_zip(path)? {
        read_zip(path, options, election, sink)
    } else {
        let bytes = read_limited(path)?;
        read_document(&path.display().to_string(), &bytes, options, election, sink)
    }
}

/// The `.xml` files directly inside a folder.
pub(crate) fn xml_files_in(dir: &Path) -> Result<Vec<std::path::PathBuf>, FormatError> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| FormatError::io(dir, e))? {
        let entry = entry.map_err(|e| FormatError::io(dir, e))?;
        let p = entry.path();
        if p.is_file() && p.extension().is_some_and(|e| e.eq_ignore_ascii_case("xml")) {
            out.push(p);
        }
    }
    Ok(out)
}

fn read_limited(path: &Path) -> Result<Vec<u8>, FormatError> {
    let file = std::fs::File::open(path).map_err(|e| FormatError::io(path, e))?;
    let mut bytes = Vec::new();
    file.take(MAX_DOCUMENT + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| FormatError::io(path, e))?;
    if bytes.len() as u64 > MAX_DOCUMENT {
        return Err(FormatError::invalid(
            Location::file(path),
            "larger than any Hart CVR document (16 MiB)",
        ));
    }
    Ok(bytes)
}

/// True when the file starts with a zip signature.
pub(crate) fn is_zip(path: &Path) -> Result<bool, FormatError> {
    let mut head = [0u8; 4];
    let mut file = std::fs::File::open(path).map_err(|e| FormatError::io(path, e))?;
    let n = file.read(&mut head).map_err(|e| FormatError::io(path, e))?;
    Ok(n == 4 && head == *b"PK\x03\x04")
}

fn read_zip(
    path: &Path,
    options: &SourceOptions,
    election: &mut Election,
    sink: &mut CardSink<'_>,
) -> Result<(), FormatError> {
    let file = std::fs::File::open(path).map_err(|e| FormatError::io(path, e))?;
    let mut archive = zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|e| {
        FormatError::Truncated {
            at: Location::file(path),
            message: format!("the zip archive cannot be opened (cut short or damaged): {e}"),
        }
    })?;
    let mut names: Vec<(String, usize)> = (0..archive.len())
        .filter_map(|i| {
            let name = archive.name_for_index(i)?.to_owned();
            let lower = name.to_ascii_lowercase();
            (lower.ends_with(".xml") && !name.ends_with('/')).then_some((name, i))
        })
        .collect();
    names.sort();
    for (name, index) in names {
        let label = format!("{}/{}", path.display(), name);
        let mut entry = archive
            .by_index(index)
            .map_err(|e| FormatError::Truncated {
                at: Location::file(Path::new(&label)),
                message: format!("the zip entry cannot be read: {e}"),
            })?;
        let mut bytes = Vec::new();
        (&mut entry)
            .take(MAX_DOCUMENT + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| FormatError::Truncated {
                at: Location::file(Path::new(&label)),
                message: format!("the zip entry is cut short or damaged: {e}"),
            })?;
        if bytes.len() as u64 > MAX_DOCUMENT {
            return Err(FormatError::invalid(
                Location::file(Path::new(&label)),
                "larger than any Hart CVR document (16 MiB)",
            ));
        }
        read_document(&label, &bytes, options, election, sink)?;
    }
    Ok(())
}

/// The ranks a `Value` gives: `1` is rank 1, `0` nothing, and a longer
/// string of `0`/`1` one rank per `1` (1-based position).
pub(crate) fn ranks_of(value: &str) -> Option<Vec<u32>> {
    let v = value.trim();
    if v.is_empty() || !v.bytes().all(|b| b == b'0' || b == b'1') {
        return None;
    }
    if v.len() == 1 {
        return Some(if v == "1" { vec![1] } else { vec![] });
    }
    Some(
        v.bytes()
            .enumerate()
            .filter(|(_, b)| *b == b'1')
            .filter_map(|(i, _)| u32::try_from(i + 1).ok())
            .collect(),
    )
}

fn read_document(
    label: &str,
    bytes: &[u8],
    options: &SourceOptions,
    election: &mut Election,
    sink: &mut CardSink<'_>,
) -> Result<(), FormatError> {
    let at = || Location::record(Path::new(label), 1);
    let root = xml_tree::parse(bytes).map_err(|message| {
        if message.contains("truncated") {
            FormatError::Truncated { at: at(), message }
        } else {
            FormatError::invalid(at(), message)
        }
    })?;
    if root.name != "Cvr" {
        return Err(FormatError::WrongFormat {
            at: at(),
            expected: Format::Hart,
            found: format!("the root element is <{}>, not <Cvr>", root.name),
        });
    }
    let wanted = options.contest.as_deref().filter(|c| !c.is_empty());
    let uwi_label = options
        .undeclared_write_in_label
        .as_deref()
        .filter(|l| !l.is_empty());
    let mut card_contests: Vec<ContestVotes> = Vec::new();
    let contests = root.child("Contests").map(|c| c.children_named("Contest"));
    for contest in contests.into_iter().flatten() {
        let Some(contest_id) = contest.child_text("Id") else {
            return Err(FormatError::MissingField {
                at: at().field("Contest/Id"),
            });
        };
        let contest_name = contest.child_text("Name").unwrap_or(contest_id);
        if wanted.is_some_and(|w| w != contest_id && w != contest_name) {
            continue;
        }
        // Contests are keyed by `Id`; an `Id` reused for a contest of another
        // name (seen in test exports) keeps the two apart as `<Id>/<Name>`.
        let cid = match election.find_contest(contest_id) {
            Some(c) if election.contest(c).name != contest_name => {
                let key = format!("{contest_id}/{contest_name}");
                election.intern_contest(&key, contest_name, ContestKind::Plurality)
            }
            _ => election.intern_contest(contest_id, contest_name, ContestKind::Plurality),
        };
        let mut marks = Vec::new();
        let options_el = contest.child("Options").map(|o| o.children_named("Option"));
        for option in options_el.into_iter().flatten() {
            let Some(option_id) = option.child_text("Id") else {
                return Err(FormatError::MissingField {
                    at: at().field("Option/Id"),
                });
            };
            let value = option.child_text("Value").unwrap_or("1");
            let Some(ranks) = ranks_of(value) else {
                return Err(FormatError::invalid(
                    at().field("Option/Value"),
                    format!("value {value:?} is not a string of 0 and 1"),
                ));
            };
            let name = option.child_text("Name").unwrap_or(option_id);
            let kind = if uwi_label == Some(option_id) || uwi_label == Some(name) {
                CandidateKind::UndeclaredWriteIn
            } else if option.child("WriteInData").is_some() {
                CandidateKind::WriteIn
            } else {
                CandidateKind::Regular
            };
            let ct = election.contest_mut(cid);
            if value.trim().len() > 1 {
                ct.kind = ContestKind::Ranked;
                let len = u32::try_from(value.trim().len()).unwrap_or(u32::MAX);
                ct.max_ranks = Some(ct.max_ranks.map_or(len, |m| m.max(len)));
            }
            let candidate = ct.intern_candidate_of_kind(option_id, name, kind);
            if let Some(c) = ct
                .candidates
                .get_mut(candidate.index())
                .filter(|c| c.name != option_id && !c.aliases.iter().any(|a| a == option_id))
            {
                c.aliases.push(option_id.to_owned());
            }
            for rank in ranks {
                marks.push(Mark::ranked(rank, Choice::Candidate(candidate)));
            }
        }
        // A contest listed twice on one card (seen in test exports) is one contest.
        if let Some(existing) = card_contests.iter_mut().find(|c| c.contest == cid) {
            let mut all = std::mem::take(&mut existing.marks);
            all.extend(marks);
            all.sort_unstable();
            all.dedup();
            *existing = ContestVotes::new(cid, all);
        } else {
            card_contests.push(ContestVotes::new(cid, marks));
        }
    }
    if wanted.is_some() && card_contests.is_empty() {
        return Ok(());
    }
    let stem = Path::new(label)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| label.to_owned());
    // The guid names the ballot; its sheets (cards) share it, so the card
    // id adds the sheet number (SHANGRLA's fixtures hold two sheets of one
    // ballot).
    let guid = root.child_text("CvrGuid").map(str::to_owned);
    let id = match (&guid, root.child_text("SheetNumber")) {
        (Some(g), Some(sheet)) => format!("{g}-{sheet}"),
        (Some(g), None) => g.clone(),
        (None, _) => stem,
    };
    let mut card = Card::new(CardId::new(id));
    card.ballot_id = guid;
    card.precinct = root
        .child("PrecinctSplit")
        .and_then(|p| p.child_text("Name").or_else(|| p.child_text("Id")))
        .map(str::to_owned);
    card.location.batch = root.child_text("BatchNumber").map(str::to_owned);
    card.location.position = root
        .child_text("BatchSequence")
        .and_then(|s| s.parse().ok());
    card.source = SourceRef {
        file: Arc::from(label),
        record: 1,
    };
    card.contests = card_contests;
    sink(election, card)
}

/// True when an XML document's root element is `Cvr` (Hart), looking only
/// at the first bytes.
pub(crate) fn looks_like_hart(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    text.contains("<Cvr ") || text.contains("<Cvr>") || text.contains(":Cvr ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_give_ranks() {
        let check = |v: &str, expected: Option<Vec<u32>>| assert_eq!(ranks_of(v), expected, "{v}");
        check("1", Some(vec![1]));
        check("0", Some(vec![]));
        check("010000", Some(vec![2]));
        check("000001", Some(vec![6]));
        check("101", Some(vec![1, 3]));
        check("2", None);
        check("", None);
    }
}
