//! End to end: `canvass check mock`, then every check on the written files
//! with the real binary; each finding names exactly the planted rows, saves
//! its JSON with `--out`, and carries the command that reproduces it.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code may panic

use std::process::Command;

use serde_json::Value;

fn canvass(args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_canvass"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn locators(f: &Value) -> Vec<String> {
    let mut v: Vec<String> = f["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["locator"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

#[test]
fn every_check_end_to_end_on_mock_records() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let planted = canvass(&["check", "mock", "--out", d]);
    let p = |f: &str| format!("{d}/{f}");
    let saved = p("reconcile.finding.json");
    let runs: Vec<(&str, Vec<String>)> = vec![
        (
            "reconcile",
            vec![
                "check".into(),
                "reconcile".into(),
                "--dir".into(),
                d.into(),
                "--json".into(),
                "--out".into(),
                saved.clone(),
            ],
        ),
        (
            "machine-vs-paper",
            vec![
                "check".into(),
                "machine-vs-paper".into(),
                "--hand".into(),
                p("hand.csv"),
                "--machine".into(),
                p("machine.csv"),
                "--discrepancies".into(),
                p("audit_discrepancies.csv"),
                "--full".into(),
                "--json".into(),
            ],
        ),
        (
            "timeliness",
            vec![
                "check".into(),
                "timeliness".into(),
                "--ballots".into(),
                p("mail_ballots.csv"),
                "--election".into(),
                "2020-general".into(),
                "--report".into(),
                "json".into(),
            ],
        ),
        (
            "observers",
            vec![
                "check".into(),
                "observers".into(),
                "--log".into(),
                p("observer_log.csv"),
                "--access".into(),
                p("observer_access.csv"),
                "--schedule".into(),
                p("counting_schedule.csv"),
                "--json".into(),
            ],
        ),
    ];
    for (check, args) in runs {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let f = canvass(&args);
        assert_eq!(f["schema"], "canvass.finding.v1");
        let want: Vec<String> = planted[check]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect();
        assert_eq!(locators(&f), want, "{check}");
        assert!(
            f["reproduce"]
                .as_str()
                .unwrap()
                .starts_with(&format!("canvass check {check} "))
        );
        assert!(
            f["inputs"]
                .as_array()
                .unwrap()
                .iter()
                .all(|i| i["sha256"].as_str().unwrap().len() == 64)
        );
    }
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&saved).unwrap()).unwrap();
    assert_eq!(saved["check"], "reconcile");
}
