//! `canvass convert` on real files: the output reads back as the same cards.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use canvass_formats::{Format, SourceOptions, read_path};
use canvass_model::{Card, Election};
use std::path::{Path, PathBuf};
use std::process::Command;

fn read(path: &Path, format: Format) -> (Election, Vec<Card>) {
    let mut election = Election::default();
    let mut cards = Vec::new();
    read_path(
        path,
        format,
        &SourceOptions::default(),
        &mut election,
        &mut |_, c| {
            cards.push(c);
            Ok(())
        },
    )
    .unwrap();
    for c in &mut cards {
        c.source = Default::default();
    }
    (election, cards)
}

fn fixture() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../formats/testdata/dominion_csv/cvr_export.csv"
    ))
}

#[test]
fn dominion_csv_to_cdf_json_on_stdout() {
    let out = Command::new(env!("CARGO_BIN_EXE_canvass"))
        .args(["convert", "--format", "dominion-csv", "--to", "cdf-json"])
        .arg(fixture())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cvr.json");
    std::fs::write(&path, &out.stdout).unwrap();
    let (e1, mut c1) = read(&fixture(), Format::DominionCsv);
    let (e2, c2) = read(&path, Format::CdfJson);
    for c in &mut c1 {
        c.counting_group = None; // CDF has no counting group
    }
    assert_eq!(c1, c2);
    let names = |e: &Election| {
        e.contests
            .iter()
            .map(|c| c.name.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&e1), names(&e2));
}

#[test]
fn dominion_csv_to_dominion_json_folder() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("export");
    let status = Command::new(env!("CARGO_BIN_EXE_canvass"))
        .args([
            "convert",
            "--format",
            "dominion-csv",
            "--to",
            "dominion-json",
            "--out",
        ])
        .arg(&folder)
        .arg(fixture())
        .status()
        .unwrap();
    assert!(status.success());
    let (_, c1) = read(&fixture(), Format::DominionCsv);
    let (_, c2) = read(&folder, Format::DominionJson);
    assert_eq!(c1, c2);
}

#[test]
fn bad_input_fails_with_the_file_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.json");
    std::fs::write(&path, "{\"CVR\": [").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_canvass"))
        .args(["convert", "--format", "cdf-json", "--to", "cdf-json"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("broken.json"));
}
