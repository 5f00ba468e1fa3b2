//! The audit log, the published record and `canvass verify`, end to end on
//! the small example election of `tests/data/audit` (242 cards).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/audit")
        .join(name)
}

fn canvass(args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_canvass"))
        .args(args)
        .env("SOURCE_DATE_EPOCH", "1790000000")
        .output();
    match out {
        Ok(o) => o,
        Err(e) => unreachable!("cannot run canvass: {e}"),
    }
}

fn ok(args: &[&str]) -> String {
    let out = canvass(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "canvass {args:?} failed: {stderr}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn fails(args: &[&str]) -> String {
    let out = canvass(args);
    assert!(!out.status.success(), "canvass {args:?} should fail");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap_or_default()
}

fn create(dir: &Path) {
    ok(&[
        "audit",
        "create",
        s(dir),
        "--cvrs",
        s(&data("cvrs.cdf.json")),
        "--format",
        "cdf-json",
        "--manifest",
        s(&data("manifest.csv")),
        "--contest",
        "Mayor",
        "--contest",
        "Measure A",
        "--risk-limit",
        "0.05",
        "--method",
        "comparison",
    ]);
}

fn kinds(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("log.jsonl"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .map(|v| v["kind"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn every_command_logs_and_signs_and_checks_the_log_first() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
    let dir = tmp.path().join("a");
    create(&dir);
    assert_eq!(kinds(&dir), ["input", "input", "commitment"]);
    assert!(dir.join("log.key").exists() && dir.join("log.pub").exists());
    assert!(dir.join("checkpoints/00000003.note").exists());
    ok(&["audit", "seed", s(&dir), "--seed", "12345678901234567890"]);
    ok(&["audit", "draw", s(&dir)]);
    assert_eq!(
        kinds(&dir),
        ["input", "input", "commitment", "seed", "sample"]
    );
    // A changed log line is found before anything is appended.
    let log = std::fs::read_to_string(dir.join("log.jsonl")).unwrap_or_default();
    std::fs::write(
        dir.join("log.jsonl"),
        log.replace("12345678901234567890", "12345678901234567891"),
    )
    .unwrap_or_default();
    let err = fails(&["audit", "status", s(&dir)]);
    assert!(err.contains("log.jsonl, lines 4..4"), "{err}");
    let err = fails(&["audit", "draw", s(&dir)]);
    assert!(err.contains("the audit log does not verify"), "{err}");
    std::fs::write(dir.join("log.jsonl"), log).unwrap_or_default();
    // A person's name is not a board id.
    let err = fails(&[
        "audit",
        "record",
        s(&dir),
        "--mvrs",
        s(&data("manifest.csv")),
        "--entered-by",
        "Jane Doe",
    ]);
    assert!(err.contains("role id"), "{err}");
}

#[test]
fn a_given_key_signs_the_log() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
    let prefix = tmp.path().join("county");
    ok(&["keys", "generate", "--out", s(&prefix)]);
    let dir = tmp.path().join("a");
    let key = tmp.path().join("county.key");
    let cvrs = data("cvrs.cdf.json");
    let manifest = data("manifest.csv");
    ok(&[
        "audit",
        "create",
        s(&dir),
        "--cvrs",
        s(&cvrs),
        "--manifest",
        s(&manifest),
        "--contest",
        "Mayor",
        "--risk-limit",
        "0.05",
        "--method",
        "comparison",
        "--key",
        s(&key),
    ]);
    assert!(!dir.join("log.key").exists());
    let public = std::fs::read_to_string(tmp.path().join("county.pub")).unwrap_or_default();
    let logged = std::fs::read_to_string(dir.join("log.pub")).unwrap_or_default();
    assert_eq!(logged.trim(), public.trim());
    ok(&["audit", "seed", s(&dir), "--seed", "1"]);
}
