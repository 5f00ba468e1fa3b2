//! End to end: a batch-comparison audit (`--method batch-comparison`) of a
//! hand-made election of 100 batches of 50 ballots (on paper every batch
//! holds A 30, B 20: A wins 3000 to 2000), with the tallies reported
//! correctly (the audit confirms in round 1) and with 20 batches reported
//! as A 0, B 50 (B reported the winner: the audit escalates to a full hand
//! count, which names A). The published record verifies; a tampered hand
//! tally does not. Also `canvass generate --batch-tallies` with `--cvrs`.

mod common;

use common::{QUIET, canvass, copy_dir, ok, s, status, write};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const PLANTED: u64 = 20;

/// The manifest, the reported tallies (`planted`: batches 1–20 reported as
/// A 0, B 50) and the truth.
fn election(work: &Path, planted: bool) -> (PathBuf, PathBuf) {
    let mut manifest = String::from("batch,ballots\n");
    let mut tallies = String::from("batch,contest,candidate,votes\n");
    for b in 1..=100u64 {
        manifest.push_str(&format!("b{b},50\n"));
        let (a, bv) = if planted && b <= PLANTED {
            (0, 50)
        } else {
            (30, 20)
        };
        tallies.push_str(&format!("b{b},Mayor,A,{a}\nb{b},Mayor,B,{bv}\n"));
    }
    let m = work.join("manifest.csv");
    let t = work.join(if planted {
        "planted.csv"
    } else {
        "tallies.csv"
    });
    write(&m, &manifest);
    write(&t, &tallies);
    (m, t)
}

/// The boards' hand tallies (the truth) of the batches to count in a round.
fn hand_count(dir: &Path, work: &Path, round: u32) -> PathBuf {
    let list = std::fs::read_to_string(dir.join(format!("round-{round}/retrieval.csv")))
        .unwrap_or_default();
    let mut out = String::from("batch,contest,candidate,votes\n");
    for line in list.lines().skip(1) {
        let batch = line.split(',').nth(1).unwrap_or_default();
        out.push_str(&format!("{batch},Mayor,A,30\n{batch},Mayor,B,20\n"));
    }
    let path = work.join(format!("hand-{round}.csv"));
    write(&path, &out);
    path
}

/// Run the audit to its end; returns the rounds drawn.
fn run_audit(dir: &Path, work: &Path, tallies: &Path, manifest: &Path) -> u32 {
    ok(&[
        "audit",
        "create",
        s(dir),
        "--method",
        "batch-comparison",
        "--batch-tallies",
        s(tallies),
        "--manifest",
        s(manifest),
        "--contest",
        "Mayor",
        "--risk-limit",
        "0.05",
    ]);
    ok(&["audit", "seed", s(dir), "--seed", "12345678901234567890"]);
    let mut rounds = 0;
    for round in 1..10 {
        if !QUIET.draw(dir) {
            break;
        }
        rounds = round;
        let hand = hand_count(dir, work, round);
        let board = format!("BOARD-{round}");
        ok(&[
            "audit",
            "record",
            s(dir),
            "--hand-tallies",
            s(&hand),
            "--entered-by",
            &board,
        ]);
    }
    rounds
}

#[test]
fn clean_tallies_confirm_and_the_record_verifies() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
    let work = tmp.path();
    let (manifest, tallies) = election(work, false);
    let dir = work.join("audit");
    let rounds = run_audit(&dir, work, &tallies, &manifest);
    assert_eq!(rounds, 1);
    let st = status(&dir);
    let c = &st["contests"][0];
    // U = 100 × ((30 − 20) + 50)/1000 = 6: ⌈ln 0.05 / ln(5/6)⌉ = 17 draws,
    // every one clean: risk (5/6)^17.
    assert_eq!(c["state"], "confirmed", "{st}");
    assert_eq!(c["sample_size"], 17);
    let risk: f64 = c["risk"]
        .as_str()
        .and_then(|r| r.parse().ok())
        .unwrap_or(1.0);
    assert!((risk - (5.0f64 / 6.0).powi(17)).abs() < 1e-12, "{risk}");
    // The draws: with replacement, each a batch of the manifest.
    let sample = std::fs::read_to_string(dir.join("round-1/sample.csv")).unwrap_or_default();
    assert_eq!(sample.lines().count(), 18);
    let record = work.join("record");
    ok(&["publish", s(&dir), s(&record)]);
    let text = ok(&["verify", s(&record)]);
    assert!(text.contains("PPEB draws"), "{text}");
    // The audit is in its store: the round, the hand tallies as files, the
    // log line for line; the store never enters the record.
    let store =
        canvass_store::Store::open_with(dir.join("audit.db"), canvass_store::OpenMode::ReadOnly)
            .unwrap_or_else(|e| unreachable!("{e}"));
    let audit = store.audits().unwrap_or_default().remove(0);
    assert_eq!(store.round_count(audit.id).unwrap_or(0), 1);
    let files = store.audit_files(audit.id, true).unwrap_or_default();
    let hand = std::fs::read(dir.join("hand-tallies.csv")).unwrap_or_default();
    assert!(
        files
            .iter()
            .any(|f| f.path == "hand-tallies.csv" && f.content.as_deref() == Some(&hand[..]))
    );
    let log = std::fs::read_to_string(dir.join("log.jsonl")).unwrap_or_default();
    let entries = store.log(audit.election, 0, u64::MAX).unwrap_or_default();
    assert_eq!(entries.len(), log.lines().count());
    assert!(!record.join("audit.db").exists());
    assert!(
        text.contains("Mayor: 17 of 17 draws hand counted"),
        "{text}"
    );

    // A hand tally changed after it was logged.
    let copy = work.join("tampered");
    copy_dir(&record, &copy);
    let f = copy.join("hand-tally-files/0001.csv");
    let t = std::fs::read_to_string(&f).unwrap_or_default();
    write(&f, &t.replacen(",A,30", ",A,31", 1));
    let out = QUIET.fails_output(&["verify", s(&copy)]);
    assert!(out.contains("hand-tally-files/0001.csv"), "{out}");
    // The same change, logged consistently, still fails: the risk events and
    // the hand tallies no longer follow (recomputed from the record).
    let copy2 = work.join("tampered-2");
    copy_dir(&record, &copy2);
    let h = copy2.join("hand-tallies.csv");
    let t = std::fs::read_to_string(&h).unwrap_or_default();
    write(&h, &t.replacen(",A,30", ",A,29", 1));
    let out = QUIET.fails_output(&["verify", s(&copy2)]);
    assert!(out.contains("hand-tallies.csv"), "{out}");
}

#[test]
fn a_planted_error_goes_to_a_full_hand_count_with_the_corrected_winner() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
    let work = tmp.path();
    let (manifest, tallies) = election(work, true);
    let dir = work.join("audit");
    let rounds = run_audit(&dir, work, &tallies, &manifest);
    assert!(rounds >= 2, "{rounds}");
    let st = status(&dir);
    let c = &st["contests"][0];
    assert_eq!(c["state"], "hand_count", "{st}");
    assert_eq!(c["winners"], serde_json::json!(["A"]));
    assert_eq!(c["reported_winners"], serde_json::json!(["B"]));
    assert_eq!(c["outcome_changed"], true);
    assert_eq!(c["tally"]["A"], 3000);
    assert_eq!(c["tally"]["B"], 2000);
    // Round 1 drew by PPEB and did not confirm.
    let r1 = std::fs::read_to_string(dir.join("round-1/round.json")).unwrap_or_default();
    assert!(r1.contains("\"full_hand_count\": false"), "{r1}");
    let planted_drawn: BTreeSet<String> =
        std::fs::read_to_string(dir.join("round-1/retrieval.csv"))
            .unwrap_or_default()
            .lines()
            .skip(1)
            .filter_map(|l| l.split(',').nth(1).map(str::to_owned))
            .filter(|b| {
                b.trim_start_matches('b')
                    .parse::<u64>()
                    .is_ok_and(|n| n <= PLANTED)
            })
            .collect();
    assert!(!planted_drawn.is_empty());
    let text = ok(&["audit", "status", s(&dir)]);
    assert!(
        text.contains("the reported winner(s) B were WRONG: corrected winner(s) A"),
        "{text}"
    );
    let record = work.join("record");
    ok(&["publish", s(&dir), s(&record)]);
    ok(&["verify", s(&record)]);
}

#[test]
fn generated_batch_tallies_agree_with_the_cvrs_and_bad_rows_are_named() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
    let work = tmp.path();
    let cvrs = work.join("e.json");
    let tallies = work.join("tallies.csv");
    ok(&[
        "generate",
        "--ballots",
        "3000",
        "--contests",
        "2",
        "--seed",
        "7",
        "--format",
        "cdf-json",
        "--out",
        s(&cvrs),
        "--batch-tallies",
        s(&tallies),
    ]);
    let manifest = work.join("e.manifest.csv");
    let create = |dir: &Path, t: &Path| {
        canvass(&[
            "audit",
            "create",
            s(dir),
            "--method",
            "batch-comparison",
            "--batch-tallies",
            s(t),
            "--manifest",
            s(&manifest),
            "--contest",
            "Governor",
            "--risk-limit",
            "0.05",
            "--cvrs",
            s(&cvrs),
        ])
    };
    let out = create(&work.join("a"), &tallies);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("the CVRs' contest totals equal the batch tallies'"),
        "{text}"
    );
    // One vote more in the tallies: the totals disagree.
    let t = std::fs::read_to_string(&tallies).unwrap_or_default();
    let mut lines: Vec<String> = t.lines().map(str::to_owned).collect();
    if let Some(l) = lines.get_mut(1) {
        let (head, votes) = l.rsplit_once(',').unwrap_or_default();
        let v: u64 = votes.parse().unwrap_or(0);
        *l = format!("{head},{}", v + 1);
    }
    let bad = work.join("bad.csv");
    write(&bad, &(lines.join("\n") + "\n"));
    let out = create(&work.join("b"), &bad);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("disagree"), "{err}");
    // A row naming a batch the manifest does not have: file, row, field.
    write(&bad, "batch,contest,candidate,votes\nnope,Governor,X,1\n");
    let out = create(&work.join("c"), &bad);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("row 2, field \"batch\""), "{err}");
}
