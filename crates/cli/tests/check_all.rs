//! End to end: `canvass check mock`, then `canvass check all --dir` on the
//! folder with the real binary: every planted problem is in its check's
//! finding, a clean election gives no failure, missing inputs are listed as
//! not run, and a malformed file is named as the single check names it.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code may panic

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn canvass(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_canvass"))
        .args(args)
        // Errors compared as text: no backtraces, which differ by process.
        .env("RUST_BACKTRACE", "0")
        .env("RUST_LIB_BACKTRACE", "0")
        .output()
        .unwrap()
}

fn ok(out: Output) -> Output {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A mock election of 10 precincts (3,000 voters) in `dir`; its planted.json.
fn mock(dir: &Path, clean: bool) -> Value {
    let d = dir.to_str().unwrap();
    let mut args = vec!["check", "mock", "--out", d, "--precincts", "10"];
    if clean {
        args.push("--clean");
    }
    ok(canvass(&args));
    serde_json::from_str(&std::fs::read_to_string(dir.join("planted.json")).unwrap()).unwrap()
}

fn check_all_json(dir: &Path) -> Value {
    let out = ok(canvass(&[
        "check",
        "all",
        "--dir",
        dir.to_str().unwrap(),
        "--json",
    ]));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn entry<'a>(summary: &'a Value, name: &str) -> &'a Value {
    summary["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("{name} is not in the summary: {summary:#}"))
}

fn finding(entry: &Value) -> Value {
    assert_eq!(entry["outcome"], "run", "{entry:#}");
    let text = std::fs::read_to_string(entry["finding"].as_str().unwrap()).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn locators(f: &Value) -> BTreeSet<String> {
    f["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["locator"].as_str().unwrap().to_string())
        .collect()
}

const ALL: [&str; 7] = [
    "reconcile",
    "machine-vs-paper",
    "timeliness",
    "observers",
    "deceased",
    "duplicates",
    "duplicates-other-state",
];

#[test]
fn every_planted_problem_is_reported_by_its_check() {
    let dir = tempfile::tempdir().unwrap();
    let planted = mock(dir.path(), false);
    let summary = check_all_json(dir.path());
    assert_eq!(summary["schema"], "canvass.check-all.v1");
    let names: Vec<&str> = summary["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ALL, "every check, in a fixed order");
    assert_eq!(summary["run"], 7);
    assert_eq!(summary["errors"], 0);
    let planted = planted.as_object().unwrap();
    assert_eq!(
        planted.keys().map(String::as_str).collect::<BTreeSet<_>>(),
        ALL.into_iter().collect::<BTreeSet<_>>(),
        "planted.json has the truth of every check"
    );
    for (name, want) in planted {
        let e = entry(&summary, name);
        let f = finding(e);
        assert_eq!(f["schema"], "canvass.finding.v1");
        assert!(
            Path::new(e["finding"].as_str().unwrap()).starts_with(dir.path().join("findings")),
            "{e:#}"
        );
        let want: BTreeSet<String> = want
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect();
        assert!(!want.is_empty(), "{name}: something is planted");
        let got = locators(&f);
        assert!(
            want.is_subset(&got),
            "{name}: planted {want:?} not all in {got:?}"
        );
        if !matches!(
            name.as_str(),
            "deceased" | "duplicates" | "duplicates-other-state"
        ) {
            assert_eq!(got, want, "{name}: exactly the planted rows");
        }
        // machine-vs-paper counts a case when an outcome changes: the planted
        // differences are too small to.
        if name != "machine-vs-paper" {
            assert_eq!(f["status"]["kind"], "supported", "{name}");
        }
        assert_eq!(e["status"], f["status"]);
        assert_eq!(e["allegation"], f["allegation"]);
        assert!(
            f["reproduce"]
                .as_str()
                .unwrap()
                .starts_with(&format!("canvass check {} ", f["check"].as_str().unwrap())),
            "{f:#}"
        );
    }
    // The summary is saved next to the findings.
    let saved: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("findings/summary.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(saved, summary);
}

#[test]
fn a_clean_election_gives_no_failure() {
    let dir = tempfile::tempdir().unwrap();
    let planted = mock(dir.path(), true);
    for (name, want) in planted.as_object().unwrap() {
        assert_eq!(want.as_array().unwrap().len(), 0, "{name}: nothing planted");
    }
    let summary = check_all_json(dir.path());
    assert_eq!(summary["run"], 7);
    for name in ALL {
        let f = finding(entry(&summary, name));
        assert_eq!(locators(&f), BTreeSet::new(), "{name}");
        assert_ne!(f["status"]["kind"], "supported", "{name}");
    }
}

#[test]
fn missing_inputs_are_listed_as_not_run() {
    let dir = tempfile::tempdir().unwrap();
    mock(dir.path(), false);
    for f in [
        "hand.csv",
        "observer_access.csv",
        "voters.csv",
        "deaths.csv",
    ] {
        std::fs::remove_file(dir.path().join(f)).unwrap();
    }
    // A finding left from an earlier run must not stand for a check not run.
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("machine-vs-paper.json"), "{}").unwrap();
    let log = dir.path().join("log");
    let text = ok(canvass(&[
        "check",
        "all",
        "--dir",
        dir.path().to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--evidence-log",
        log.to_str().unwrap(),
    ]));
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(!out.join("machine-vs-paper.json").exists());
    for line in [
        "machine-vs-paper: not run, missing hand.csv",
        "observers: not run, missing observer_access.csv",
        "deceased: not run, missing voters.csv, deaths.csv",
        "duplicates: not run, missing voters.csv",
        "duplicates-other-state: not run, missing voters.csv",
        "reconcile: \"Votes were lost or deleted\"",
        "timeliness: \"Ballots arrived late (and were counted)\"",
        "2 run, 5 not run, 0 stopped with an error",
    ] {
        assert!(text.contains(line), "{line:?} not in:\n{text}");
    }
    assert!(text.contains(&format!(
        "finding: {}",
        out.join("reconcile.json").display()
    )));
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let e = entry(&summary, "observers");
    assert_eq!(e["outcome"], "not_run");
    assert_eq!(e["missing"], serde_json::json!(["observer_access.csv"]));
    finding(entry(&summary, "timeliness"));
    // Every finding run is in the evidence log too, as the same bytes.
    let mut logged: Vec<_> = std::fs::read_dir(log.join("findings"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    logged.sort();
    assert_eq!(logged.len(), 2, "{logged:?}");
    for (path, name) in logged.iter().zip(["reconcile", "timeliness"]) {
        assert!(
            path.to_str().unwrap().ends_with(&format!("-{name}.json")),
            "{path:?}"
        );
        assert_eq!(
            std::fs::read(path).unwrap(),
            std::fs::read(out.join(format!("{name}.json"))).unwrap()
        );
    }
    assert!(log.join("log.jsonl").is_file());
}

#[test]
fn a_malformed_file_is_named_and_the_other_checks_run() {
    let dir = tempfile::tempdir().unwrap();
    mock(dir.path(), false);
    std::fs::remove_file(dir.path().join("voters.csv")).unwrap();
    let acc = dir.path().join("accounting.csv");
    let text = std::fs::read_to_string(&acc).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let mut cells: Vec<&str> = lines[2].split(',').collect();
    cells[3] = "lots";
    lines[2] = cells.join(",");
    std::fs::write(&acc, lines.join("\n") + "\n").unwrap();
    let d = dir.path().to_str().unwrap();
    let single = canvass(&["check", "reconcile", "--dir", d]);
    assert!(!single.status.success());
    let single_err = String::from_utf8(single.stderr).unwrap();
    assert!(
        single_err.contains("accounting.csv: row 3, field `voted`"),
        "{single_err}"
    );
    let all = canvass(&["check", "all", "--dir", d]);
    assert!(!all.status.success(), "an error exits non-zero");
    let err = String::from_utf8(all.stderr).unwrap();
    assert!(
        err.contains(single_err.trim_end()),
        "as the single command says it:\n{single_err}\nin:\n{err}"
    );
    assert!(
        err.contains("1 of 7 checks stopped with an error: reconcile"),
        "{err}"
    );
    let out = String::from_utf8(all.stdout).unwrap();
    assert!(out.contains("reconcile: error: "), "{out}");
    assert!(
        out.contains("accounting.csv: row 3, field `voted`"),
        "{out}"
    );
    assert!(
        out.contains("observers: \"Poll watchers were not allowed in\""),
        "{out}"
    );
    assert!(
        out.contains("3 run, 3 not run, 1 stopped with an error"),
        "{out}"
    );
    assert!(!dir.path().join("findings/reconcile.json").exists());
}
