//! `canvass tabulate` and `canvass generate`, run as the real binary on
//! fixture files.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::{Command, Output};

fn fixture(name: &str) -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/").to_owned() + name
}

fn canvass(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_canvass"))
        .args(args)
        .output()
        .expect("run canvass")
}

/// Run canvass, expect success, and parse stdout as JSON.
fn json_of(args: &[&str]) -> Value {
    let out = canvass(args);
    assert!(
        out.status.success(),
        "canvass {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

fn contest<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["contests"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["name"] == name))
        .unwrap_or_else(|| panic!("no contest {name} in {report:#}"))
}

#[test]
fn plurality_and_vote_for_two_json() {
    let report = json_of(&[
        "tabulate",
        &fixture("plurality.cdf.json"),
        "--format",
        "cdf-json",
        "--report",
        "json",
    ]);
    let mayor = contest(&report, "Mayor");
    assert_eq!(mayor["id"], "mayor");
    assert_eq!(mayor["method"], "plurality");
    assert_eq!(mayor["seats"], 1);
    assert_eq!(mayor["ballots"], 8);
    assert_eq!(mayor["tally"], json!({"Alice": 3, "Bob": 2, "Carol": 1}));
    assert_eq!(mayor["winners"], json!(["Alice"]));
    assert_eq!(
        (mayor["overvotes"].clone(), mayor["blank"].clone()),
        (json!(1), json!(1))
    );

    // Only style s1 holds the council contest: 6 cards. Dan wins a seat;
    // Eve and Fay tie for the second, and the tie is reported, not broken.
    let council = contest(&report, "City Council");
    assert_eq!(council["seats"], 2);
    assert_eq!(council["ballots"], 6);
    assert_eq!(council["tally"], json!({"Dan": 3, "Eve": 2, "Fay": 2}));
    assert_eq!(council["status"], "tie");
    assert_eq!(council["winners"], json!(["Dan"]));
    assert_eq!(council["tied"], json!(["Eve", "Fay"]));
    assert_eq!(council["overvotes"], 1);
}

#[test]
fn contest_filter_and_other_reports() {
    let report = json_of(&[
        "tabulate",
        &fixture("plurality.cdf.json"),
        "--format",
        "cdf-json",
        "--contest",
        "Mayor",
        "--report",
        "json",
    ]);
    assert_eq!(report["contests"].as_array().map(Vec::len), Some(1));

    let csv = canvass(&[
        "tabulate",
        &fixture("plurality.cdf.json"),
        "--format",
        "cdf-json",
        "--report",
        "csv",
    ]);
    assert!(csv.status.success());
    let csv = String::from_utf8_lossy(&csv.stdout);
    assert_eq!(csv.lines().count(), 1 + 3 + 3, "{csv}");
    assert!(
        csv.contains("mayor,Mayor,plurality,1,8,1,Alice,3,true,decided"),
        "{csv}"
    );

    let text = canvass(&[
        "tabulate",
        &fixture("plurality.cdf.json"),
        "--format",
        "cdf-json",
    ]);
    assert!(text.status.success());
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("winner: Alice"), "{text}");
    assert!(text.contains("TIE for 1 seat between Eve, Fay"), "{text}");
}

#[test]
fn unknown_contest_fails_and_says_so() {
    let out = canvass(&[
        "tabulate",
        &fixture("plurality.cdf.json"),
        "--format",
        "cdf-json",
        "--contest",
        "Dogcatcher",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Dogcatcher"));
}

#[test]
fn missing_file_fails_naming_it() {
    let out = canvass(&["tabulate", "no/such/file.json", "--format", "cdf-json"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no/such/file.json"));
}

#[test]
fn ranked_contest_is_reported() {
    let out = canvass(&[
        "tabulate",
        &fixture("ranked.cdf.json"),
        "--format",
        "cdf-json",
        "--report",
        "json",
    ]);
    let report: Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    let sheriff = contest(&report, "Sheriff");
    assert_eq!(sheriff["method"], "irv");
    assert_eq!(sheriff["ballots"], 8);
    assert_eq!(sheriff["status"], "error");
    assert!(
        sheriff["error"]
            .as_str()
            .unwrap_or("")
            .contains("ranked tabulation not yet available")
    );
    assert!(
        !out.status.success(),
        "a contest that cannot be counted fails the command"
    );
}

#[test]
fn generated_election_tabulates_to_its_truth() {
    let dir = tempfile::tempdir().expect("tempdir");
    for format in ["cdf-json", "dominion-json"] {
        let out: PathBuf = dir.path().join(format!("{format}.json"));
        let out_s = out.to_string_lossy().into_owned();
        let truth = json_of(&[
            "generate",
            "--ballots",
            "3000",
            "--contests",
            "5",
            "--ranked",
            "1",
            "--seed",
            "11",
            "--format",
            format,
            "--out",
            &out_s,
        ]);
        let manifest =
            std::fs::read_to_string(out.with_extension("manifest.csv")).expect("manifest");
        let total: u64 = manifest
            .lines()
            .skip(1)
            .filter_map(|l| l.rsplit(',').next()?.parse::<u64>().ok())
            .sum();
        assert_eq!(total, 3000);
        let tab = canvass(&["tabulate", &out_s, "--format", format, "--report", "json"]);
        let report: Value = serde_json::from_slice(&tab.stdout).expect("stdout is JSON");
        for t in truth["contests"].as_array().expect("contests") {
            if t["ranked"] == true {
                continue;
            }
            let r = contest(&report, t["name"].as_str().unwrap_or(""));
            assert_eq!(r["ballots"], t["ballots"], "{format} {}", t["name"]);
            assert_eq!(r["tally"], t["votes"], "{format} {}", t["name"]);
            assert_eq!(r["overvotes"], t["overvotes"], "{format} {}", t["name"]);
            assert_eq!(r["undervotes"], t["undervotes"], "{format} {}", t["name"]);
        }
    }
}
