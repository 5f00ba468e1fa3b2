//! The independent verifier (`tools/verify-record/verify_record.py`, written
//! from docs/RECORD.md alone) passes a `canvass demo` record and fails
//! tampered copies, naming the place. Skips with a message when `python3` is
//! absent.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code may panic

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/verify-record/verify_record.py")
}

fn python_available() -> bool {
    Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn run_verifier(record: &Path) -> Output {
    Command::new("python3")
        .arg(script())
        .arg(record)
        .output()
        .unwrap()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "work" || name == ".canvass-demo" {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(&name));
        } else {
            std::fs::copy(&path, to.join(&name)).unwrap();
        }
    }
}

/// Copy the record, change it with `tamper`, and return the verifier's output
/// after checking that it failed.
fn tampered(record: &Path, dir: &Path, tamper: impl FnOnce(&Path)) -> String {
    copy_dir(record, dir);
    tamper(dir);
    let out = run_verifier(dir);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.lines().last().unwrap_or("").starts_with("FAIL"),
        "{stdout}"
    );
    stdout
}

#[test]
fn python_verifier_passes_a_demo_record_and_names_each_tampering() {
    if !python_available() {
        eprintln!("skipped: python3 is not installed (tools/verify-record needs it)");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let record = tmp.path().join("record");
    let demo = Command::new(env!("CARGO_BIN_EXE_canvass"))
        .args(["demo", "--ballots", "300", "--out"])
        .arg(&record)
        .output()
        .unwrap();
    assert!(
        demo.status.success(),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );

    let out = run_verifier(&record);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.lines().last().unwrap_or("").starts_with("PASS"),
        "{stdout}"
    );
    // The committed root it rebuilt is the one in commitment.json.
    let commitment: serde_json::Value =
        serde_json::from_slice(&std::fs::read(record.join("commitment.json")).unwrap()).unwrap();
    let root = commitment["root"].as_str().unwrap();
    assert!(
        stdout.contains(&format!("give the committed root {root}")),
        "{stdout}"
    );
    assert!(stdout.contains("ok    sample: 2 rounds"), "{stdout}");

    // One byte of a CVR.
    let s = tampered(&record, &tmp.path().join("t1"), |d| {
        let path = d.join("cvrs.cdf.json");
        let mut bytes = std::fs::read(&path).unwrap();
        let at = bytes.windows(9).position(|w| w == b"\"1001-1-1").unwrap();
        bytes[at + 8] = b'9';
        std::fs::write(&path, bytes).unwrap();
    });
    assert!(s.contains("FAIL  cvrs.cdf.json, the file: SHA-256"), "{s}");
    assert!(s.contains("root of its card leaves is"), "{s}");

    // A log line removed.
    let s = tampered(&record, &tmp.path().join("t2"), |d| {
        let path = d.join("log.jsonl");
        let text = std::fs::read_to_string(&path).unwrap();
        let kept: Vec<&str> = text
            .lines()
            .enumerate()
            .filter(|&(i, _)| i != 6)
            .map(|(_, l)| l)
            .collect();
        std::fs::write(&path, kept.join("\n") + "\n").unwrap();
    });
    assert!(s.contains("root hash: is not MTH of the first"), "{s}");

    // A checkpoint's signature changed (one bit of the signature).
    let s = tampered(&record, &tmp.path().join("t3"), |d| {
        let note = std::fs::read_dir(d.join("checkpoints"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .max()
            .unwrap();
        let text = std::fs::read_to_string(&note).unwrap();
        let (head, sig) = text.trim_end().rsplit_once(' ').unwrap();
        // Change a base64 character well inside the 64-byte signature.
        let mut sig: Vec<u8> = sig.as_bytes().to_vec();
        sig[40] = if sig[40] == b'A' { b'B' } else { b'A' };
        std::fs::write(
            &note,
            format!("{head} {}\n", String::from_utf8(sig).unwrap()),
        )
        .unwrap();
    });
    assert!(s.contains("signature: Ed25519 signature by"), "{s}");

    // A changed manual vote record.
    let s = tampered(&record, &tmp.path().join("t4"), |d| {
        let path = d.join("mvr-files/0001.csv");
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replacen("Maya Haddad", "Noor Kowalski", 1)).unwrap();
    });
    assert!(
        s.contains("FAIL  mvr-files/0001.csv, the file: SHA-256"),
        "{s}"
    );
}

#[test]
fn python_verifier_checks_a_batch_comparison_record() {
    if !python_available() {
        eprintln!("skipped: python3 is not installed (tools/verify-record needs it)");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path();
    let mut manifest = String::from("batch,ballots\n");
    let mut tallies = String::from("batch,contest,candidate,votes\n");
    for b in 1..=40u32 {
        manifest.push_str(&format!("b{b},50\n"));
        tallies.push_str(&format!("b{b},Mayor,A,30\nb{b},Mayor,B,20\n"));
    }
    std::fs::write(work.join("manifest.csv"), manifest).unwrap();
    std::fs::write(work.join("tallies.csv"), tallies).unwrap();
    let audit = work.join("audit");
    let canvass = |args: &[&std::ffi::OsStr]| {
        let out = Command::new(env!("CARGO_BIN_EXE_canvass"))
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "canvass {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let os = |s: &str| std::ffi::OsString::from(s);
    canvass(&[
        &os("audit"),
        &os("create"),
        audit.as_os_str(),
        &os("--method"),
        &os("batch-comparison"),
        &os("--batch-tallies"),
        work.join("tallies.csv").as_os_str(),
        &os("--manifest"),
        work.join("manifest.csv").as_os_str(),
        &os("--contest"),
        &os("Mayor"),
        &os("--risk-limit"),
        &os("0.05"),
    ]);
    canvass(&[
        &os("audit"),
        &os("seed"),
        audit.as_os_str(),
        &os("--seed"),
        &os("12345678901234567890"),
    ]);
    canvass(&[&os("audit"), &os("draw"), audit.as_os_str()]);
    let list = std::fs::read_to_string(audit.join("round-1/retrieval.csv")).unwrap();
    let mut hand = String::from("batch,contest,candidate,votes\n");
    for line in list.lines().skip(1) {
        let batch = line.split(',').nth(1).unwrap();
        hand.push_str(&format!("{batch},Mayor,A,30\n{batch},Mayor,B,20\n"));
    }
    std::fs::write(work.join("hand.csv"), hand).unwrap();
    canvass(&[
        &os("audit"),
        &os("record"),
        audit.as_os_str(),
        &os("--hand-tallies"),
        work.join("hand.csv").as_os_str(),
        &os("--entered-by"),
        &os("BOARD-1"),
    ]);
    let record = work.join("record");
    canvass(&[&os("publish"), audit.as_os_str(), record.as_os_str()]);

    let out = run_verifier(&record);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("80 lines of batch-tallies.csv give the committed root"),
        "{stdout}"
    );

    // One reported vote changed.
    let s = tampered(&record, &work.join("t1"), |d| {
        let path = d.join("batch-tallies.csv");
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replacen(",30", ",31", 1)).unwrap();
    });
    assert!(
        s.contains("FAIL  batch-tallies.csv, the file: SHA-256"),
        "{s}"
    );
    assert!(
        s.contains("FAIL  batch-tallies.csv, the file: 80 lines with root"),
        "{s}"
    );
}
