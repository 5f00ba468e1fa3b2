//! The audit log, the published record and `canvass verify`, end to end on
//! the small example election of `tests/data/audit` (242 cards).

mod common;

use common::{Canvass, board_reads, copy_dir, data, s};
use std::path::{Path, PathBuf};

/// Every run on a fixed clock, so that the record is the same every time.
const CANVASS: Canvass = Canvass::with_env(&[("SOURCE_DATE_EPOCH", "1790000000")]);

fn create(dir: &Path) {
    CANVASS.create_example(dir, "cvrs.cdf.json", "comparison");
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
    CANVASS.ok(&["audit", "seed", s(&dir), "--seed", "12345678901234567890"]);
    CANVASS.ok(&["audit", "draw", s(&dir)]);
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
    let err = CANVASS.fails(&["audit", "status", s(&dir)]);
    assert!(err.contains("log.jsonl, lines 4..4"), "{err}");
    let err = CANVASS.fails(&["audit", "draw", s(&dir)]);
    assert!(err.contains("the audit log does not verify"), "{err}");
    std::fs::write(dir.join("log.jsonl"), log).unwrap_or_default();
    // A person's name is not a board id.
    let err = CANVASS.fails(&[
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
    CANVASS.ok(&["keys", "generate", "--out", s(&prefix)]);
    let dir = tmp.path().join("a");
    let key = tmp.path().join("county.key");
    let cvrs = data("cvrs.cdf.json");
    let manifest = data("manifest.csv");
    CANVASS.ok(&[
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
    CANVASS.ok(&["audit", "seed", s(&dir), "--seed", "1"]);
}

/// A whole audit of the misreported election (two rounds, the second a full
/// hand count), published to `work/record`.
fn published(work: &Path) -> PathBuf {
    let dir = work.join("audit");
    CANVASS.ok(&[
        "audit",
        "create",
        s(&dir),
        "--cvrs",
        s(&data("cvrs-misreported.cdf.json")),
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
    CANVASS.ok(&["audit", "seed", s(&dir), "--seed", "12345678901234567890"]);
    for round in 1..10 {
        let out = CANVASS.run(&["audit", "draw", s(&dir)]);
        if !out.status.success() {
            break;
        }
        let mvrs = board_reads(&dir, work, round);
        let board = format!("BOARD-{round}");
        CANVASS.ok(&[
            "audit",
            "record",
            s(&dir),
            "--mvrs",
            s(&mvrs),
            "--entered-by",
            &board,
        ]);
    }
    let record = work.join("record");
    CANVASS.ok(&["publish", s(&dir), s(&record)]);
    record
}

/// Copy the record, change it with `edit`, and return `verify`'s output
/// (which must fail).
fn tampered(record: &Path, name: &str, edit: impl FnOnce(&Path)) -> String {
    let copy = record.with_file_name(name);
    copy_dir(record, &copy);
    edit(&copy);
    let out = CANVASS.run(&["verify", s(&copy)]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success(), "{name}: verify passed:\n{text}");
    text
}

fn replace_in(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    assert!(text.contains(from), "{}: no {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap_or_default();
}

#[test]
fn a_published_record_verifies_and_every_tampering_is_named() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
    let work = tmp.path();
    let record = published(work);
    assert!(
        !record.join("log.key").exists(),
        "the private key was published"
    );
    let text = CANVASS.ok(&["verify", s(&record)]);
    assert!(text.contains("PASS"), "{text}");
    assert!(text.contains("sampled CVRs are included"), "{text}");
    // With the jurisdiction's key given, and from a tar archive.
    let tar = work.join("record.tar");
    CANVASS.ok(&["publish", s(&work.join("audit")), s(&tar), "--tar"]);
    let text = CANVASS.ok(&["verify", s(&tar), "--key", s(&work.join("audit/log.pub"))]);
    assert!(text.contains("PASS"), "{text}");

    // One CVR changed: a card's vote in the canonical CVR file.
    let out = tampered(&record, "cvr", |d| {
        let p = d.join("cvrs.cdf.json");
        let text = std::fs::read_to_string(&p).unwrap_or_default();
        // The first CVR's id changes: another card than the one committed.
        let at = text.find("\"CVR\":[").unwrap_or(0);
        let (head, tail) = text.split_at(at);
        let tail = tail.replacen("\"UniqueId\":\"", "\"UniqueId\":\"X", 1);
        std::fs::write(&p, format!("{head}{tail}")).unwrap_or_default();
    });
    assert!(
        out.contains("FAIL  cvrs.cdf.json, the file: SHA-256"),
        "{out}"
    );
    assert!(
        out.contains("FAIL  cvrs.cdf.json, the Merkle root"),
        "{out}"
    );
    // One MVR changed, in the accepted records and in a board's file.
    let out = tampered(&record, "mvr", |d| {
        replace_in(&d.join("mvrs.csv"), "Alice", "Carol");
    });
    assert!(out.contains("FAIL  mvrs.csv, the file: SHA-256"), "{out}");
    assert!(out.contains("FAIL  mvrs.csv, line"), "{out}");
    let out = tampered(&record, "mvr-file", |d| {
        replace_in(&d.join("mvr-files/0001.csv"), "Alice", "Carol");
    });
    assert!(
        out.contains("FAIL  mvr-files/0001.csv, the file: SHA-256"),
        "{out}"
    );
    // One log line changed, and a line removed.
    let out = tampered(&record, "log", |d| {
        replace_in(&d.join("log.jsonl"), "BOARD-1", "BOARD-9");
    });
    assert!(out.contains("FAIL  log.jsonl, lines"), "{out}");
    let out = tampered(&record, "log-cut", |d| {
        let p = d.join("log.jsonl");
        let text = std::fs::read_to_string(&p).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let kept: String = lines
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != 3)
            .map(|(_, l)| format!("{l}\n"))
            .collect();
        std::fs::write(&p, kept).unwrap_or_default();
    });
    assert!(out.contains("FAIL  "), "{out}");
    // One checkpoint changed.
    let out = tampered(&record, "checkpoint", |d| {
        replace_in(
            &d.join("checkpoints/00000004.note"),
            "timestamp 1790000000",
            "timestamp 1790000001",
        );
    });
    assert!(
        out.contains("FAIL  checkpoints/00000004.note, the signature"),
        "{out}"
    );
    // The seed changed.
    let out = tampered(&record, "seed", |d| {
        replace_in(
            &d.join("seed.json"),
            "12345678901234567890",
            "12345678901234567891",
        );
    });
    assert!(out.contains("FAIL  seed.json"), "{out}");
    // A sampled card changed.
    let out = tampered(&record, "sample", |d| {
        let p = d.join("round-1/sample.csv");
        let text = std::fs::read_to_string(&p).unwrap_or_default();
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        if let Some(l) = lines.get_mut(1) {
            *l = l.replacen(",b", ",bX", 1);
        }
        std::fs::write(&p, lines.join("\n") + "\n").unwrap_or_default();
    });
    assert!(
        out.contains("FAIL  round-1/sample.csv, the file: SHA-256"),
        "{out}"
    );
    assert!(out.contains("FAIL  round-1/sample.csv, line 2"), "{out}");
    // A file deleted.
    let out = tampered(&record, "deleted", |d| {
        std::fs::remove_file(d.join("round-1/retrieval.csv")).unwrap_or_default();
    });
    assert!(
        out.contains("FAIL  round-1/retrieval.csv, the file: missing"),
        "{out}"
    );
    // Re-signed with another key: the jurisdiction's key no longer matches.
    CANVASS.ok(&[
        "keys",
        "generate",
        "--out",
        s(&work.join("other")),
        "--name",
        "canvass-audit",
    ]);
    let out = CANVASS.run(&["verify", s(&record), "--key", s(&work.join("other.pub"))]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    assert!(text.contains("FAIL  log.pub, line 1"), "{text}");
}
