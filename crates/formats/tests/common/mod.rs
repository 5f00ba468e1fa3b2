//! Helpers shared by the reader tests: locating the shared data, reading or
//! counting what a reader yields, turning an RCTab `cvrFileSources` entry
//! into `SourceOptions`, and RCTab's ballot totals.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use canvass_formats::{Format, FormatError, SourceOptions, read_path};
use canvass_model::{Card, Choice, Election};
use std::path::{Path, PathBuf};

/// The shared data folder, or `None` (after saying so) when absent.
pub fn data() -> Option<PathBuf> {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"));
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("skipped: ../shared/data not found");
        None
    }
}

/// This crate's own fixtures.
pub fn testdata(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata")).join(name)
}

/// Read a path and collect every card.
pub fn read_all(
    path: &Path,
    format: Format,
    options: &SourceOptions,
) -> Result<(Election, Vec<Card>), FormatError> {
    let mut election = Election::default();
    let mut cards = Vec::new();
    read_path(path, format, options, &mut election, &mut |_, card| {
        cards.push(card);
        Ok(())
    })?;
    Ok((election, cards))
}

/// Read a path and collect every card, keeping only `contest` when given.
pub fn read_contest(
    path: &Path,
    format: Format,
    contest: Option<&str>,
) -> Result<(Election, Vec<Card>), FormatError> {
    let options = SourceOptions {
        contest: contest.map(str::to_owned),
        ..SourceOptions::default()
    };
    read_all(path, format, &options)
}

/// A card's ranking in its first contest, as names: `rank:name`
/// (`rank:OVERVOTE`), space-separated.
pub fn ranking(election: &Election, card: &Card) -> String {
    let votes = &card.contests[0];
    let contest = election.contest(votes.contest);
    votes
        .marks
        .iter()
        .map(|m| match m.choice {
            Choice::Candidate(c) => format!("{}:{}", m.rank, contest.candidate(c).unwrap().name),
            Choice::Overvote => format!("{}:OVERVOTE", m.rank),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Read a path and count the cards without keeping them.
pub fn count(path: &Path, format: Format, options: &SourceOptions) -> Result<u64, FormatError> {
    let mut election = Election::default();
    let mut n = 0u64;
    read_path(path, format, options, &mut election, &mut |_, _| {
        n += 1;
        Ok(())
    })?;
    Ok(n)
}

/// One RCTab CVR source: the resolved path, format and options.
pub struct Source {
    pub path: PathBuf,
    pub provider: String,
    pub format: Option<Format>,
    pub options: SourceOptions,
}

fn text(v: &serde_json::Value, key: &str) -> Option<String> {
    match v.get(key) {
        Some(serde_json::Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

fn number(v: &serde_json::Value, key: &str) -> Option<u32> {
    text(v, key).and_then(|s| s.parse().ok())
}

/// The CVR sources of an RCTab case folder.
pub fn rctab_sources(case_dir: &Path) -> Vec<Source> {
    let name = case_dir.file_name().unwrap().to_string_lossy().into_owned();
    let config_path = case_dir.join(format!("{name}_config.json"));
    let config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&config_path).unwrap()).unwrap();
    let sources = config["cvrFileSources"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    sources
        .iter()
        .map(|s| {
            let provider = text(s, "provider").unwrap_or_default();
            let path = case_dir.join(text(s, "filePath").unwrap_or_default());
            let format = match provider.as_str() {
                "ess" => Some(if path.extension().is_some_and(|e| e == "csv") {
                    Format::EssCsv
                } else {
                    Format::EssXlsx
                }),
                "hart" => Some(Format::Hart),
                "clearBallot" => Some(Format::ClearBallot),
                "genericCsv" => Some(Format::GenericCsv),
                _ => None,
            };
            let options = SourceOptions {
                contest: text(s, "contestId"),
                first_vote_column: number(s, "firstVoteColumnIndex"),
                first_vote_row: number(s, "firstVoteRowIndex"),
                id_column: number(s, "idColumnIndex"),
                precinct_column: number(s, "precinctColumnIndex"),
                batch_column: number(s, "batchColumnIndex"),
                overvote_delimiter: text(s, "overvoteDelimiter"),
                overvote_label: text(s, "overvoteLabel"),
                skipped_rank_label: text(s, "skippedRankLabel"),
                undeclared_write_in_label: text(s, "undeclaredWriteInLabel"),
                treat_blank_as_undeclared_write_in: s
                    .get("treatBlankAsUndeclaredWriteIn")
                    .and_then(|b| b.as_bool())
                    .unwrap_or(false),
            };
            Source {
                path,
                provider,
                format,
                options,
            }
        })
        .collect()
}

/// `totalNumBallots` from a case's expected summary or detailed report.
pub fn expected_total(case_dir: &Path) -> Option<u64> {
    let name = case_dir.file_name()?.to_string_lossy().into_owned();
    // RCTab's CDF conversion of the CVRs lists every ballot it read.
    let cdf = case_dir.join(format!("{name}_expected_cdf_cvr.json"));
    if let Ok(bytes) = std::fs::read(&cdf) {
        let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
        return v
            .get("CVR")
            .and_then(|c| c.as_array())
            .map(|a| a.len() as u64);
    }
    for suffix in [
        "_expected_summary.json",
        "_expected_detailed_report.json",
        "_1_expected_summary.json",
        "_1_expected_detailed_report.json",
    ] {
        let p = case_dir.join(format!("{name}{suffix}"));
        if let Ok(bytes) = std::fs::read(&p) {
            let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
            let total = v
                .get("summary")
                .and_then(|s| s.get("totalNumBallots"))
                .or_else(|| v.get("totalNumBallots"));
            if let Some(t) = total {
                return match t {
                    serde_json::Value::String(s) => s.parse().ok(),
                    serde_json::Value::Number(n) => n.as_u64(),
                    _ => None,
                };
            }
        }
    }
    None
}

/// An RCTab regression case of the shared data: its folder and its
/// `_config.json`, or `None` when either is absent.
pub fn rctab_case(case: &str) -> Option<(PathBuf, serde_json::Value)> {
    let root = data()?.join("rctab").join(case);
    let config: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join(format!("{case}_config.json"))).ok()?,
    )
    .ok()?;
    Some((root, config))
}

/// RCTab's `totalNumBallots` for `case` in `root`, from the first of its
/// `reports` (`_expected_summary.json`, ...) that can be read.
pub fn rctab_total_ballots(root: &Path, case: &str, reports: &[&str]) -> Option<u64> {
    let report = reports
        .iter()
        .find_map(|s| std::fs::read_to_string(root.join(format!("{case}{s}"))).ok())?;
    let report: serde_json::Value = serde_json::from_str(&report).ok()?;
    report["summary"]["totalNumBallots"].as_str()?.parse().ok()
}

/// `counts` (the cards holding the case's contest, RCTab's
/// `totalNumBallots`) agree; skips with a message when `None`.
pub fn check_rctab_case(case: &str, counts: Option<(u64, u64)>) {
    let Some((ours, rctab)) = counts else {
        eprintln!("skipped: {case} has no CVR input or report here");
        return;
    };
    assert_eq!(
        ours, rctab,
        "{case}: cards holding the contest vs RCTab totalNumBallots"
    );
}
