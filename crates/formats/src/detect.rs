//! Guess the format of a path from its kind (folder or file), its
//! extension and its first bytes. A file whose extension names a format
//! that its content contradicts is refused with [`FormatError::WrongFormat`]
//! (or [`FormatError::Truncated`] for a cut-short zip) rather than guessed.

use crate::error::{FormatError, Location};
use crate::generic_csv::is_strict_rank_header;
use crate::options::Format;
use std::io::Read;
use std::path::Path;

/// How much of a file is looked at.
const HEAD: u64 = 64 * 1024;

fn head_of(path: &Path) -> Result<Vec<u8>, FormatError> {
    let file = std::fs::File::open(path).map_err(|e| FormatError::io(path, e))?;
    let mut bytes = Vec::new();
    file.take(HEAD)
        .read_to_end(&mut bytes)
        .map_err(|e| FormatError::io(path, e))?;
    Ok(bytes)
}

fn extension(path: &Path) -> String {
    path.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
}

fn wrong(path: &Path, expected: Format, found: impl Into<String>) -> FormatError {
    FormatError::WrongFormat {
        at: Location::file(path),
        expected,
        found: found.into(),
    }
}

fn unknown(path: &Path) -> FormatError {
    FormatError::UnknownFormat {
        at: Location::file(path),
    }
}

/// Guess the format of a path. See the module docs.
pub fn detect(path: &Path) -> Result<Format, FormatError> {
    if path.is_dir() {
        return detect_dir(path);
    }
    let head = head_of(path)?;
    let ext = extension(path);
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return detect_zip(path, &ext);
    }
    if matches!(ext.as_str(), "xlsx" | "xlsm" | "zip") {
        let expected = if ext == "zip" {
            Format::Hart
        } else {
            Format::EssXlsx
        };
        return Err(if head.is_empty() {
            FormatError::Truncated {
                at: Location::file(path),
                message: "the file is empty".into(),
            }
        } else {
            wrong(path, expected, "the file is not a zip archive")
        });
    }
    let text = String::from_utf8_lossy(&head);
    let text = text.trim_start_matches('\u{feff}');
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        return detect_json(path, trimmed, &ext);
    }
    if trimmed.starts_with('<') {
        return detect_xml(path, trimmed, &ext);
    }
    detect_text(path, text, &ext)
}

fn detect_dir(path: &Path) -> Result<Format, FormatError> {
    let entries = std::fs::read_dir(path).map_err(|e| FormatError::io(path, e))?;
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| FormatError::io(path, e))?;
        names.push(entry.path());
    }
    names.sort();
    let has = |pred: &dyn Fn(&str) -> bool| {
        names.iter().any(|p| {
            p.file_name()
                .map(|n| pred(&n.to_string_lossy()))
                .unwrap_or(false)
        })
    };
    if has(&|n| n.starts_with("CvrExport") && n.to_ascii_lowercase().ends_with(".json")) {
        return Ok(Format::DominionJson);
    }
    // A folder of per-card XML documents is Hart when its first is a `Cvr`.
    let first_xml = names
        .iter()
        .find(|p| p.is_file() && p.extension().is_some_and(|e| e.eq_ignore_ascii_case("xml")));
    if let Some(xml) = first_xml {
        let head = head_of(xml)?;
        if crate::hart::looks_like_hart(&head) {
            return Ok(Format::Hart);
        }
        let text = String::from_utf8_lossy(&head);
        if text.contains("CastVoteRecordReport") {
            return Ok(Format::CdfXml);
        }
    }
    Err(unknown(path))
}

fn detect_zip(path: &Path, ext: &str) -> Result<Format, FormatError> {
    let file = std::fs::File::open(path).map_err(|e| FormatError::io(path, e))?;
    let archive = zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|e| {
        FormatError::Truncated {
            at: Location::file(path),
            message: format!("the zip archive cannot be opened (cut short or damaged): {e}"),
        }
    })?;
    let names: Vec<String> = archive.file_names().map(str::to_owned).collect();
    if names.iter().any(|n| n == "xl/workbook.xml") {
        return Ok(Format::EssXlsx);
    }
    if matches!(ext, "xlsx" | "xlsm") {
        return Err(wrong(
            path,
            Format::EssXlsx,
            "a zip archive without xl/workbook.xml",
        ));
    }
    if names.iter().any(|n| {
        let l = n.to_ascii_lowercase();
        l.contains("cvrexport") && l.ends_with(".json")
    }) {
        return Ok(Format::DominionJson);
    }
    if names
        .iter()
        .any(|n| n.to_ascii_lowercase().ends_with(".xml"))
    {
        return Ok(Format::Hart);
    }
    Err(unknown(path))
}

fn detect_json(path: &Path, text: &str, ext: &str) -> Result<Format, FormatError> {
    if text.contains("\"CVR.CastVoteRecordReport\"") || text.contains("\"CVR\"") {
        return Ok(Format::CdfJson);
    }
    if text.contains("\"Sessions\"") {
        return Ok(Format::DominionJson);
    }
    if text.contains("\"votes\"") && text.contains("\"candidates\"") {
        return Ok(Format::RaireJson);
    }
    if ext == "json" {
        return Err(wrong(
            path,
            Format::CdfJson,
            "JSON with no CVR (CDF), Sessions (Dominion) or votes/candidates (raire-rs) key",
        ));
    }
    Err(unknown(path))
}

fn detect_xml(path: &Path, text: &str, ext: &str) -> Result<Format, FormatError> {
    if text.contains("CastVoteRecordReport") {
        return Ok(Format::CdfXml);
    }
    if crate::hart::looks_like_hart(text.as_bytes()) {
        return Ok(Format::Hart);
    }
    if ext == "xml" {
        return Err(wrong(
            path,
            Format::CdfXml,
            "XML whose root is neither CastVoteRecordReport (CDF) nor Cvr (Hart)",
        ));
    }
    Err(unknown(path))
}

/// True for an ABIF ballot line `N: ...`.
fn is_abif_ballot(line: &str) -> bool {
    let line = line.trim();
    match line.split_once([':', '*']) {
        Some((n, _)) => !n.trim().is_empty() && n.trim().chars().all(|c| c.is_ascii_digit()),
        None => false,
    }
}

fn detect_text(path: &Path, text: &str, ext: &str) -> Result<Format, FormatError> {
    // Whole lines only: the last may be cut by the head limit.
    let mut lines: Vec<&str> = text.lines().collect();
    if text.len() as u64 >= HEAD && lines.len() > 1 {
        lines.pop();
    }
    let content: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| !l.trim().is_empty())
        .collect();
    let Some(first) = content.first().copied() else {
        return Err(match ext {
            "csv" | "abif" | "raire" => FormatError::Truncated {
                at: Location::file(path),
                message: "the file is empty".into(),
            },
            _ => unknown(path),
        });
    };
    // RAIRE: a number of contests, then `Contest,` lines.
    if first.trim().chars().all(|c| c.is_ascii_digit())
        && content.get(1).is_some_and(|l| l.starts_with("Contest,"))
    {
        return Ok(Format::RaireCsv);
    }
    if ext == "raire" {
        return Err(wrong(
            path,
            Format::RaireCsv,
            "the first lines are not `k` then `Contest,...`",
        ));
    }
    // ABIF: comments, metadata, declarations and `N: A>B` lines.
    let abif_ok = content.iter().enumerate().all(|(i, l)| {
        let l = l.trim();
        let declaration = l.starts_with('=')
            || (!l.starts_with(|c: char| c.is_ascii_digit())
                && (l.contains(":[") || l.contains(": [") || l.contains(":\"")));
        let header = i == 0 && (l == "ABIF" || l.starts_with("ABIF "));
        header || l.starts_with('#') || l.starts_with('{') || declaration || is_abif_ballot(l)
    });
    if ext == "abif" || (abif_ok && content.iter().any(|l| is_abif_ballot(l))) {
        if abif_ok {
            return Ok(Format::Abif);
        }
        return Err(wrong(
            path,
            Format::Abif,
            "lines that are not ABIF ballot lines",
        ));
    }
    let joined = content.join("\n");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(joined.as_bytes());
    let rows: Vec<Vec<String>> = reader
        .records()
        .take(8)
        .filter_map(Result::ok)
        .map(|r| r.iter().map(|s| s.trim().to_owned()).collect())
        .collect();
    let Some(header) = rows.first() else {
        return Err(unknown(path));
    };
    if header.iter().any(|h| h.starts_with("Choice_")) && header.iter().any(|h| h == "BallotID") {
        return Ok(Format::ClearBallot);
    }
    // Dominion CSV: election name and version, contests, candidates, then
    // the column header with CvrNumber.
    if rows
        .iter()
        .take(5)
        .any(|r| r.iter().any(|c| c == "CvrNumber"))
    {
        return Ok(Format::DominionCsv);
    }
    if header.len() < 2 {
        return if ext == "csv" {
            Err(wrong(
                path,
                Format::GenericCsv,
                "a single column; a CVR table has at least two",
            ))
        } else {
            Err(unknown(path))
        };
    }
    let data = rows.get(1..).unwrap_or(&[]);
    let is_rank_value = |c: &str| c.is_empty() || c.parse::<u32>().is_ok_and(|r| r >= 1);
    // A header that is all numbers (or empty) is a ballot, not a header.
    let header_is_data = header.iter().skip(1).all(|h| is_rank_value(h))
        && header.iter().skip(1).any(|h| !h.is_empty());
    if header_is_data
        && data
            .iter()
            .all(|r| r.iter().skip(1).all(|c| is_rank_value(c)))
    {
        return Err(wrong(
            path,
            Format::GenericCsv,
            "the first row holds ranks, not candidate names: the header row is missing",
        ));
    }
    let named: Vec<&String> = header.iter().filter(|h| !h.is_empty()).collect();
    if named.iter().any(|h| {
        let l = h.to_ascii_lowercase();
        l.contains("choice") || is_strict_rank_header(h)
    }) {
        // A rank per column with names in the cells: ES&S's layout.
        return Ok(Format::EssCsv);
    }
    // Candidates as columns with ranks in the cells: RCTab's generic CSV.
    // The vote columns are the trailing columns whose cells are all ranks.
    let width = header.len();
    let rank_columns = (0..width)
        .rev()
        .take_while(|&i| {
            data.iter()
                .all(|r| is_rank_value(r.get(i).map(String::as_str).unwrap_or("")))
        })
        .count();
    if !data.is_empty() && rank_columns >= 1 {
        return Ok(Format::GenericCsv);
    }
    if ext == "csv" {
        return Err(wrong(
            path,
            Format::GenericCsv,
            "neither ranks per candidate (generic CSV) nor names per rank (ES&S) in the first rows",
        ));
    }
    Err(unknown(path))
}
