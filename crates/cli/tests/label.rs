//! `canvass label` run as a binary: one post (text and JSON), findings that
//! decide the label, and the TREC-run form with its MAP@k.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};

fn canvass(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_canvass"))
        .arg("label")
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    assert!(
        o.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn write_finding(dir: &Path, check: &str, status: &str) {
    let json = format!(
        r#"{{"schema":"canvass.finding.v1","check":"{check}","allegation":"a","rule":{{"text":"t","citation":"c"}},"inputs":[],"figures":{{}},"failures":[],"status":{status},"reproduce":"canvass check {check} --voters v.csv --deaths d.csv"}}"#
    );
    std::fs::write(dir.join(format!("{check}.json")), json).unwrap();
}

#[test]
fn a_claim_without_a_finding_is_matched_but_not_labeled() {
    let out = stdout(&canvass(&[
        "Thousands of dead people voted in Michigan #StopTheSteal",
    ]));
    assert!(out.contains("matched:  dead-voters"), "{out}");
    assert!(out.contains("label:    none"), "{out}");
    assert!(
        out.contains("no `deceased` finding is published yet"),
        "{out}"
    );
    assert!(out.contains("Rumor:"), "{out}");
}

#[test]
fn a_finding_with_no_evidence_labels_the_claim() {
    let dir = tempfile::tempdir().unwrap();
    write_finding(dir.path(), "deceased", r#"{"kind":"no_evidence"}"#);
    let findings = dir.path().to_str().unwrap();
    let out = stdout(&canvass(&[
        "--json",
        "--findings",
        findings,
        "--evidence-base",
        "https://county.example/rumor-control/",
        "my dead grandmother voted in this election",
    ]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["matched"], true);
    assert_eq!(v["label"], "This claim about election fraud is disputed");
    assert_eq!(v["entry"]["id"], "dead-voters");
    assert_eq!(
        v["evidence_url"],
        "https://county.example/rumor-control/dead-voters"
    );
    assert_eq!(v["finding"]["status_text"], "no evidence of the allegation");

    // The same folder does not label a post that makes no allegation.
    let out = stdout(&canvass(&[
        "--json",
        "--findings",
        findings,
        "Go vote today!",
    ]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["matched"], false);
    assert_eq!(v["label"], serde_json::Value::Null);
}

#[test]
fn a_bad_registry_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("mine.json");
    std::fs::write(&p, r#"{"schema":"canvass.claims.v1","revision":"x","label":"l","entries":[{"id":"Bad Id","title":"t","claim":"c","rumor":"r","reality":"r","check":"deceased"}]}"#).unwrap();
    let o = canvass(&["--registry", p.to_str().unwrap(), "dead voters"]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("mine.json: row 1, field `id`"), "{err}");
}

#[test]
fn trec_run_and_map() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("claims.tsv"),
        "\tvclaim\ttitle\n\
         10\tDead people voted in the election.\tDead voters\n\
         11\tSharks were seen swimming on a flooded highway.\tHighway shark\n\
         12\tA senator said the moon landing was staged.\tMoon hoax quote\n",
    )
    .unwrap();
    std::fs::write(
        d.join("queries.tsv"),
        "\ttweet_content\n\
         1\tLOOK a shark on the highway after the hurricane!! pic.twitter.com/x\n\
         2\tthe senator claims the #MoonLanding was staged\n",
    )
    .unwrap();
    // Query 2's judged claim is 11, which it does not retrieve first.
    std::fs::write(d.join("qrels"), "1\t0\t11\t1\n2\t0\t11\t1\n").unwrap();
    let p = |f: &str| d.join(f).to_str().unwrap().to_string();
    let o = canvass(&[
        "--claims",
        &p("claims.tsv"),
        "--queries",
        &p("queries.tsv"),
        "--top",
        "2",
        "--qrels",
        &p("qrels"),
    ]);
    let run = stdout(&o);
    let first: Vec<&str> = run.lines().next().unwrap().split('\t').collect();
    assert_eq!(first[..4], ["1", "Q0", "11", "1"]);
    assert_eq!(first[5], "canvass");
    assert!(
        run.lines().any(|l| l.starts_with("2\tQ0\t12\t1\t")),
        "{run}"
    );
    // AP(1) = 1, AP(2) = 0: MAP@2 = 0.5.
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("MAP@2 0.5000 over 2 queries"), "{err}");
}
