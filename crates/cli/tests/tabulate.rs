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
fn ranked_contest_is_counted_round_by_round() {
    // Round 1: Xavier 3, Yolanda 3, Zed 2; Zed's two ballots go to Yolanda.
    let report = json_of(&["tabulate", &fixture("ranked.cdf.json"), "--report", "json"]);
    let sheriff = contest(&report, "Sheriff");
    assert_eq!(sheriff["method"], "irv");
    assert_eq!(sheriff["ballots"], 8);
    assert_eq!(sheriff["winners"], json!(["Yolanda"]));
    let rounds = sheriff["rounds"].as_array().expect("rounds");
    assert_eq!(rounds.len(), 2);
    assert_eq!(
        rounds[0]["tally"],
        json!({"Xavier": 3, "Yolanda": 3, "Zed": 2})
    );
    assert_eq!(rounds[0]["eliminated"], json!(["Zed"]));
    assert_eq!(rounds[1]["round"], 2);
    assert_eq!(rounds[1]["tally"], json!({"Xavier": 3, "Yolanda": 5}));
    assert_eq!(rounds[1]["elected"], json!(["Yolanda"]));
    assert_eq!(rounds[1]["exhausted"], 0);
}

#[test]
fn generated_election_tabulates_to_its_truth() {
    let dir = tempfile::tempdir().expect("tempdir");
    for format in ["cdf-json", "dominion-json"] {
        let out: PathBuf = dir.path().join(if format == "cdf-json" {
            "cvr.json"
        } else {
            "dominion"
        });
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
        let manifest_path = if out.is_dir() {
            out.join("manifest.csv")
        } else {
            out.with_extension("manifest.csv")
        };
        let manifest = std::fs::read_to_string(manifest_path).expect("manifest");
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

fn shared_data() -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"));
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: ../shared/data not found");
        None
    }
}

#[test]
fn minneapolis_2013_mayor_via_rctab_config() {
    // Published: 33 rounds, Betsy Hodges elected, final round Hodges 38,852
    // vs Mark Andrew 24,942 (../shared/data/README.md).
    let Some(data) = shared_data() else { return };
    let config = data.join("rctab/2013_minneapolis_mayor/2013_minneapolis_mayor_config.json");
    let config = config.to_string_lossy();
    let report = json_of(&["tabulate", "--rctab-config", &config, "--report", "json"]);
    let mayor = &report["contests"][0];
    assert_eq!(mayor["method"], "irv");
    assert_eq!(mayor["winners"], json!(["BETSY HODGES"]));
    let rounds = mayor["rounds"].as_array().expect("rounds");
    assert_eq!(rounds.len(), 33);
    assert_eq!(
        rounds[32]["tally"],
        json!({"MARK ANDREW": 24942, "BETSY HODGES": 38852})
    );

    let rctab = json_of(&[
        "tabulate",
        "--rctab-config",
        &config,
        "--report",
        "rctab-json",
    ]);
    assert_eq!(rctab["results"].as_array().map(Vec::len), Some(33));
}
