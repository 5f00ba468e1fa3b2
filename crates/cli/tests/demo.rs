//! `canvass demo` runs the whole pipeline and leaves an audit record.

use std::process::Command;

#[test]
fn demo_runs_the_pipeline_and_confirms_after_planted_discrepancies() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("record");
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_canvass"))
            .args(["demo", "--ballots", "4000", "--out"])
            .arg(&out)
            .output()
            .unwrap()
    };
    let first = run();
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(
        first.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(stdout.contains("one-vote over 2"), "{stdout}");
    assert!(stdout.contains("PASS"), "{stdout}");
    // The audit ran on the embedded store (SQLite), never published.
    assert!(stdout.contains("the embedded store, SQLite"), "{stdout}");
    let store = canvass_store::Store::open_with(
        out.join("work/audit/audit.db"),
        canvass_store::OpenMode::ReadOnly,
    )
    .unwrap();
    let audit = &store.audits().unwrap()[0];
    assert_eq!(store.card_count(audit.election).unwrap(), 4000);
    assert!(store.round_count(audit.id).unwrap() >= 1);
    assert!(!store.records(audit.id).unwrap().is_empty());
    assert!(!out.join("audit.db").exists());
    for file in [
        "cvrs.cdf.json",
        "work/audit/inputs.json",
        "seed.json",
        "mvrs.csv",
        "log.jsonl",
        "report.txt",
    ] {
        assert!(out.join(file).exists(), "{file} missing");
    }
    let verify = Command::new(env!("CARGO_BIN_EXE_canvass"))
        .arg("verify")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
    // A second run replaces its own earlier record and gives the same audit.
    let mvrs = std::fs::read(out.join("mvrs.csv")).unwrap();
    assert!(run().status.success());
    assert_eq!(std::fs::read(out.join("mvrs.csv")).unwrap(), mvrs);
}

#[test]
fn demo_refuses_a_folder_that_is_not_a_demo() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("precious.txt"), "keep me").unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_canvass"))
        .args(["demo", "--out"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert!(!run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr).contains("is not an earlier demo"));
    assert!(tmp.path().join("precious.txt").exists());
}
