//! End-to-end tests of `canvass audit` on the example election in
//! `tests/data/audit` (see its `make_fixture.py`): 242 cards on paper, 240
//! CVRs, two contests. Audit boards are simulated by answering each
//! retrieval list from `paper.csv`, the truth of every card.

mod common;

use common::{QUIET, board_reads, canvass, data, fails, ok, paper, s, status};
use std::path::Path;

/// Create and seed an audit of both contests from `cvrs`.
fn create(dir: &Path, cvrs: &str, method: &str) {
    QUIET.create_example(dir, cvrs, method);
    ok(&["audit", "seed", s(dir), "--seed", "12345678901234567890"]);
}

fn contest<'a>(status: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    let all = status["contests"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    all.iter()
        .find(|c| c["contest"] == name)
        .unwrap_or(&serde_json::Value::Null)
}

/// Draw, read and record rounds until no contest needs more.
fn run_to_end(dir: &Path) -> u32 {
    let mut round = 0;
    loop {
        if !QUIET.draw(dir) {
            return round;
        }
        round += 1;
        let mvrs = board_reads(dir, dir, round);
        ok(&["audit", "record", s(dir), "--mvrs", s(&mvrs)]);
        assert!(round < 10, "the audit does not end");
    }
}

#[test]
fn clean_mvrs_confirm_in_one_round() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
    let dir = tmp.path().join("audit");
    create(&dir, "cvrs.cdf.json", "comparison");
    assert_eq!(run_to_end(&dir), 1);
    let st = status(&dir);
    for name in ["Mayor", "Measure A"] {
        let c = contest(&st, name);
        assert_eq!(c["state"], "confirmed", "{c}");
        assert!(c["risk"].as_f64().unwrap_or(1.0) <= 0.05);
        assert_eq!(c["discrepancies"]["two_vote_over"], 0);
        assert_eq!(c["discrepancies"]["one_vote_over"], 0);
    }
    // Round 1 sizes: super-simple initial sizes for diluted margins 40/242 and 70/242.
    assert_eq!(contest(&st, "Mayor")["sample_size"], 41);
    assert_eq!(contest(&st, "Measure A")["sample_size"], 24);
    // The retrieval list walks the shelves: tabulator, batch, position.
    let list = std::fs::read_to_string(dir.join("round-1/retrieval.csv")).unwrap_or_default();
    let keys: Vec<(String, String, u64)> = list
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_owned(), f[1].to_owned(), f[2].parse().unwrap_or(0))
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    assert_eq!(keys.len(), 41);
}

#[test]
fn misreported_winner_escalates_to_a_full_hand_count() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
    let dir = tmp.path().join("audit");
    create(&dir, "cvrs-misreported.cdf.json", "comparison");
    let rounds = run_to_end(&dir);
    assert!(rounds >= 2, "{rounds} rounds");
    let st = status(&dir);
    let mayor = contest(&st, "Mayor");
    assert_eq!(mayor["state"], "hand_count", "{mayor}");
    assert_eq!(mayor["sample_size"], 242);
    assert_eq!(mayor["outcome_changed"], true);
    assert_eq!(mayor["winners"], serde_json::json!(["Alice"]));
    assert_eq!(mayor["reported_winners"], serde_json::json!(["Bob"]));
    assert_eq!(mayor["tally"]["Alice"], 130);
    assert_eq!(mayor["tally"]["Bob"], 90);
    // 60 Alice cards were counted for Bob.
    assert_eq!(mayor["discrepancies"]["two_vote_over"], 60);
    assert_eq!(contest(&st, "Measure A")["state"], "confirmed");
    let text = ok(&["audit", "status", s(&dir)]);
    assert!(text.contains("corrected winner(s) Alice"), "{text}");
}

#[test]
fn polling_audit_runs_to_an_outcome() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
    let dir = tmp.path().join("audit");
    create(&dir, "cvrs.cdf.json", "polling");
    run_to_end(&dir);
    let st = status(&dir);
    for name in ["Mayor", "Measure A"] {
        let c = contest(&st, name);
        let state = c["state"].as_str().unwrap_or_default();
        assert!(
            state == "confirmed" || (state == "hand_count" && c["outcome_changed"] == false),
            "{c}"
        );
    }
}

#[test]
fn bad_mvrs_are_refused_with_file_row_and_field() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
    let dir = tmp.path().join("audit");
    create(&dir, "cvrs.cdf.json", "comparison");
    ok(&["audit", "draw", s(&dir)]);
    let good = board_reads(&dir, &dir, 1);
    let lines: Vec<String> = std::fs::read_to_string(&good)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect();
    let first: Vec<&str> = lines[1].split(',').collect();
    let bad = dir.join("bad.csv");
    let check = |body: String, want: &str| {
        std::fs::write(&bad, body).unwrap_or_default();
        let err = fails(&["audit", "record", s(&dir), "--mvrs", s(&bad)]);
        assert!(err.contains(want), "{err}\nwanted: {want}");
        assert!(
            !dir.join("mvrs.csv").exists(),
            "a refused file must record nothing"
        );
    };
    let b = s(&bad).to_owned();
    check(
        format!(
            "{}\n{}\n{},{},Zed,Yes\n",
            lines[0], lines[1], first[0], first[1]
        ),
        &format!("{b}, row 3, field \"Mayor\": \"Zed\" is not a candidate"),
    );
    check(
        format!("{}\nnowhere,1,Alice,Yes\n", lines[0]),
        &format!("{b}, row 2, field \"position\": no card at position 1 of batch \"nowhere\""),
    );
    check(
        "batch,position,Mayor,Dogcatcher\nb1,1,Alice,Rex\n".into(),
        &format!("{b}, row 1, field \"Dogcatcher\": not a column of an MVR file"),
    );
    check(
        format!(
            "{}\n{},{},Alice; Bob; not found,Yes\n",
            lines[0], first[0], first[1]
        ),
        &format!("{b}, row 2, field \"Mayor\""),
    );
    // A card that was not drawn.
    let drawn = std::fs::read_to_string(dir.join("round-1/retrieval.csv")).unwrap_or_default();
    let undrawn = (1..=60)
        .find(|p| !drawn.contains(&format!("tab-1,b1,{p},")))
        .unwrap_or(0);
    check(
        format!("batch,position,Mayor\nb1,{undrawn},Alice\n"),
        &format!("{b}, row 2, field \"card_id\": this card was not drawn in any round"),
    );
    // Re-entry: the same reading is accepted, a different one refused.
    ok(&["audit", "record", s(&dir), "--mvrs", s(&good)]);
    ok(&["audit", "record", s(&dir), "--mvrs", s(&good)]);
    let other = if first[2] == "Bob" { "Alice" } else { "Bob" };
    std::fs::write(
        &bad,
        format!(
            "{}\n{},{},{other},{}\n",
            lines[0], first[0], first[1], first[3]
        ),
    )
    .unwrap_or_default();
    let err = fails(&["audit", "record", s(&dir), "--mvrs", s(&bad)]);
    assert!(
        err.contains(&format!(
            "{b}, row 2, field \"card_id\": the card was already recorded differently"
        )),
        "{err}"
    );
}

#[test]
fn json_mvrs_and_not_found_cards() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
    let dir = tmp.path().join("audit");
    create(&dir, "cvrs.cdf.json", "comparison");
    ok(&["audit", "draw", s(&dir)]);
    let list = std::fs::read_to_string(dir.join("round-1/retrieval.csv")).unwrap_or_default();
    // The first real card of the list cannot be found; every other card agrees.
    let truth = paper();
    let mut records = Vec::new();
    let mut missing = None;
    for line in list.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let card_id = f[4];
        if missing.is_none() && !card_id.is_empty() {
            missing = Some(card_id.to_owned());
            records.push(serde_json::json!({"card_id": card_id, "not_found": true}));
            continue;
        }
        let (mayor, measure) = truth
            .get(&(f[1].to_owned(), f[2].to_owned()))
            .cloned()
            .unwrap_or_default();
        records.push(
            serde_json::json!({"batch": f[1], "position": f[2].parse::<u64>().unwrap_or(0),
            "contests": {"Mayor": mayor, "Measure A": [measure]}}),
        );
    }
    let file = dir.join("board.json");
    std::fs::write(&file, serde_json::to_string(&records).unwrap_or_default()).unwrap_or_default();
    ok(&["audit", "record", s(&dir), "--mvrs", s(&file)]);
    let st = status(&dir);
    let mayor = contest(&st, "Mayor");
    assert_eq!(mayor["discrepancies"]["not_found"], 1, "{mayor}");
    // The missing card counts as the worst case: a two-vote overstatement when
    // its CVR showed the winner, one vote otherwise.
    let over = mayor["discrepancies"]["two_vote_over"]
        .as_u64()
        .unwrap_or(0)
        + mayor["discrepancies"]["one_vote_over"]
            .as_u64()
            .unwrap_or(0);
    assert_eq!(over, 1, "{mayor}");
    assert!(mayor["risk"].as_f64().unwrap_or(0.0) > 0.0334, "{mayor}");
}

#[test]
fn the_order_of_steps_is_enforced() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
    let dir = tmp.path().join("audit");
    let err = fails(&["audit", "seed", s(&dir), "--seed", "1"]);
    assert!(err.contains("no audit here (audit.db is missing)"), "{err}");
    create(&dir, "cvrs.cdf.json", "comparison");
    let err = fails(&["audit", "seed", s(&dir), "--seed", "2"]);
    assert!(err.contains("the seed is already recorded"), "{err}");
    ok(&["audit", "draw", s(&dir)]);
    let err = fails(&["audit", "draw", s(&dir)]);
    assert!(
        err.contains("cannot draw round 2: 41 cards of round 1 have no paper record yet"),
        "{err}"
    );
    // A changed audit file is detected.
    let cards = dir.join("cards.csv");
    let text = std::fs::read_to_string(&cards).unwrap_or_default();
    std::fs::write(&cards, text.replacen("Alice", "Bob", 1)).unwrap_or_default();
    let err = fails(&["audit", "status", s(&dir)]);
    assert!(
        err.contains("the files differ from the audit's store")
            && err.contains("cards.csv: changed (SHA-256"),
        "{err}"
    );
}

#[test]
fn create_refuses_cvrs_outside_the_manifest() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
    let manifest = tmp.path().join("manifest.csv");
    std::fs::write(
        &manifest,
        "tabulator,batch,ballots\ntab-1,b1,60\ntab-1,b2,60\ntab-2,b3,60\n",
    )
    .unwrap_or_default();
    let cvrs = data("cvrs.cdf.json");
    let err = fails(&[
        "audit",
        "create",
        s(&tmp.path().join("a")),
        "--cvrs",
        s(&cvrs),
        "--format",
        "cdf-json",
        "--manifest",
        s(&manifest),
        "--contest",
        "Mayor",
        "--risk-limit",
        "0.05",
        "--method",
        "comparison",
    ]);
    assert!(
        err.contains("batch \"b4\" of tabulator \"tab-2\" is not in the ballot manifest"),
        "{err}"
    );
    let err = fails(&[
        "audit",
        "create",
        s(&tmp.path().join("a")),
        "--cvrs",
        s(&cvrs),
        "--format",
        "cdf-json",
        "--manifest",
        s(&data("manifest.csv")),
        "--contest",
        "Dogcatcher",
        "--risk-limit",
        "0.05",
        "--method",
        "comparison",
    ]);
    assert!(
        err.contains("contest \"Dogcatcher\" is not in the cast vote records"),
        "{err}"
    );
}

/// A full audit through the store `DIR/audit.db`: create, seed, draw, record.
fn full_audit(dir: &Path) {
    create(dir, "cvrs.cdf.json", "comparison");
    ok(&["audit", "draw", s(dir)]);
    let board = board_reads(dir, dir, 1);
    ok(&[
        "audit",
        "record",
        s(dir),
        "--mvrs",
        s(&board),
        "--entered-by",
        "BOARD-1",
    ]);
}

#[test]
fn the_store_holds_the_audit_and_the_files_are_its_export() {
    use canvass_store::{OpenMode, Store};
    let tmp = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
    let dir = tmp.path().join("audit");
    full_audit(&dir);
    let store = Store::open_with(dir.join("audit.db"), OpenMode::ReadOnly)
        .unwrap_or_else(|e| unreachable!("{e}"));
    let audits = store.audits().unwrap_or_default();
    assert_eq!(audits.len(), 1);
    let (audit, election) = (audits[0].id, audits[0].election);
    // The settings are audit.json; the seed is the one recorded.
    let audit_json = std::fs::read_to_string(dir.join("audit.json")).unwrap_or_default();
    assert_eq!(audits[0].spec.settings, audit_json);
    assert_eq!(audits[0].spec.seed, "12345678901234567890");
    // Every CVR card (240 in the fixture), the manifest, the round and its
    // sample, and a manual vote record of every sampled card with a CVR.
    assert_eq!(store.card_count(election).unwrap_or(0), 240);
    let manifest = store.manifest(election).unwrap_or_default();
    assert!(manifest.is_some_and(|(_, m)| m.batches.len() == 4 && m.total_cards() == 242));
    assert_eq!(store.round_count(audit).unwrap_or(0), 1);
    let sample = store.sample(audit, 1).unwrap_or_default();
    let sample_csv = std::fs::read_to_string(dir.join("round-1/sample.csv")).unwrap_or_default();
    let with_cvr = sample_csv
        .lines()
        .skip(1)
        .filter(|l| !l.split(',').nth(6).unwrap_or_default().is_empty())
        .count();
    assert!(with_cvr > 0);
    assert_eq!(sample.len(), with_cvr);
    let records = store.records(audit).unwrap_or_default();
    let sampled: std::collections::BTreeSet<_> = sample.iter().map(|d| d.card.clone()).collect();
    assert_eq!(records.len(), sampled.len());
    assert!(records.iter().all(|r| r.board == "BOARD-1"));
    // The log: the same lines (so the same Merkle tree) and checkpoints.
    let log = std::fs::read(dir.join("log.jsonl")).unwrap_or_default();
    let lines: Vec<&[u8]> = log
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    let entries = store.log(election, 0, u64::MAX).unwrap_or_default();
    assert_eq!(entries.len(), lines.len());
    for (e, l) in entries.iter().zip(&lines) {
        assert_eq!(e.payload.as_slice(), *l);
    }
    let kinds: Vec<&str> = entries.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "input",
            "input",
            "commitment",
            "seed",
            "sample",
            "mvr",
            "risk"
        ]
    );
    let checkpoints = store.checkpoints(election).unwrap_or_default();
    let notes = std::fs::read_dir(dir.join("checkpoints"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(checkpoints.len(), notes);
    for c in &checkpoints {
        let note =
            std::fs::read_to_string(dir.join(format!("checkpoints/{:08}.note", c.tree_size)))
                .unwrap_or_default();
        assert_eq!(c.note, note);
    }
    // Every file the store holds is the file on disk, byte for byte.
    let files = store.audit_files(audit, true).unwrap_or_default();
    for want in [
        "inputs.json",
        "cards.csv",
        "mvrs.csv",
        "round-1/retrieval.csv",
    ] {
        assert!(files.iter().any(|f| f.path == want), "{want}");
    }
    for f in &files {
        let bytes = std::fs::read(dir.join(&f.path)).unwrap_or_default();
        assert_eq!(f.size, bytes.len() as u64, "{}", f.path);
        match &f.content {
            Some(c) => assert!(c == &bytes, "{}", f.path),
            None => assert_eq!(f.path, "cvrs.cdf.json"),
        }
    }
    assert!(
        !files
            .iter()
            .any(|f| f.path.contains("log.key") || f.path.contains("board-"))
    );
}

#[test]
fn a_changed_export_file_is_named_and_restore_puts_it_back() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
    let dir = tmp.path().join("audit");
    full_audit(&dir);
    let before = ok(&["audit", "status", s(&dir)]);
    let sample = dir.join("round-1/sample.csv");
    let text = std::fs::read_to_string(&sample).unwrap_or_default();
    std::fs::write(&sample, text.replacen("yes", "no", 1)).unwrap_or_default();
    std::fs::remove_file(dir.join("mvrs.csv")).unwrap_or_default();
    std::fs::write(dir.join("round-1/extra.csv"), "x\n").unwrap_or_default();
    for cmd in [
        &["audit", "status", s(&dir)][..],
        &["audit", "draw", s(&dir)],
    ] {
        let err = fails(cmd);
        assert!(
            err.contains("the files differ from the audit's store"),
            "{err}"
        );
        assert!(
            err.contains("round-1/sample.csv: changed (SHA-256"),
            "{err}"
        );
        assert!(err.contains("mvrs.csv: missing"), "{err}");
        assert!(err.contains("round-1/extra.csv: not made by"), "{err}");
        assert!(err.contains("canvass audit restore"), "{err}");
    }
    // A board's own file in the folder is not the audit's business.
    assert!(dir.join("board-1.csv").exists());
    ok(&["audit", "restore", s(&dir)]);
    assert_eq!(std::fs::read_to_string(&sample).unwrap_or_default(), text);
    assert!(!dir.join("round-1/extra.csv").exists());
    assert_eq!(ok(&["audit", "status", s(&dir)]), before);
    // An audit folder without a store (made before it) says how to proceed.
    std::fs::remove_file(dir.join("audit.db")).unwrap_or_default();
    let err = fails(&["audit", "status", s(&dir)]);
    assert!(err.contains("has no audit.db"), "{err}");
}

#[test]
fn a_step_that_fails_midway_is_undone_and_runs_again() {
    use canvass_store::Store;
    let tmp = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
    let dir = tmp.path().join("audit");
    create(&dir, "cvrs.cdf.json", "comparison");
    ok(&["audit", "draw", s(&dir)]);
    let board = board_reads(&dir, &dir, 1);
    let log_before = std::fs::read(dir.join("log.jsonl")).unwrap_or_default();
    // mvrs.csv cannot be written (its temporary name is a folder): the step
    // fails after it copied the board's file into mvr-files/.
    std::fs::create_dir_all(dir.join("mvrs.tmp-write")).unwrap_or_default();
    let err = fails(&["audit", "record", s(&dir), "--mvrs", s(&board)]);
    assert!(err.contains("cannot write"), "{err}");
    assert!(
        !dir.join("mvr-files/0001.csv").exists(),
        "the copy is undone"
    );
    assert_eq!(
        std::fs::read(dir.join("log.jsonl")).unwrap_or_default(),
        log_before
    );
    std::fs::remove_dir(dir.join("mvrs.tmp-write")).unwrap_or_default();
    ok(&["audit", "record", s(&dir), "--mvrs", s(&board)]);
    assert!(dir.join("mvr-files/0001.csv").exists());
    // A step killed mid-way: noted as begun in the store, files half written.
    let draw_log = std::fs::read(dir.join("log.jsonl")).unwrap_or_default();
    {
        let mut store = Store::open(dir.join("audit.db")).unwrap_or_else(|e| unreachable!("{e}"));
        let audit = store.audits().unwrap_or_default()[0].id;
        store.begin_step(audit, "draw").unwrap_or_default();
    }
    std::fs::create_dir_all(dir.join("round-2")).unwrap_or_default();
    std::fs::write(dir.join("round-2/sample.csv"), "half").unwrap_or_default();
    std::fs::write(dir.join("log.jsonl"), b"{\"kind\":").unwrap_or_default();
    let out = canvass(&["audit", "status", s(&dir)]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the last step (draw) did not finish"),
        "{stderr}"
    );
    assert!(!dir.join("round-2/sample.csv").exists());
    assert_eq!(
        std::fs::read(dir.join("log.jsonl")).unwrap_or_default(),
        draw_log
    );
}

#[test]
fn a_create_cut_short_runs_again() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
    let dir = tmp.path().join("audit");
    std::fs::create_dir_all(&dir).unwrap_or_default();
    // What a create killed after storing the cards leaves: a database
    // without an audit, and some files.
    {
        let mut store = canvass_store::Store::open(dir.join("audit.db"))
            .unwrap_or_else(|e| unreachable!("{e}"));
        assert!(store.create_election("canvass audit").is_ok());
    }
    std::fs::write(dir.join("audit.json"), "{").unwrap_or_default();
    std::fs::write(dir.join("log.jsonl"), "").unwrap_or_default();
    let err = fails(&["audit", "status", s(&dir)]);
    assert!(err.contains("was cut short; run it again"), "{err}");
    create(&dir, "cvrs.cdf.json", "comparison");
    ok(&["audit", "status", s(&dir)]);
    let err = fails(&[
        "audit",
        "create",
        s(&dir),
        "--cvrs",
        s(&data("cvrs.cdf.json")),
        "--manifest",
        s(&data("manifest.csv")),
        "--contest",
        "Mayor",
        "--risk-limit",
        "0.05",
        "--method",
        "comparison",
    ]);
    assert!(err.contains("an audit already exists here"), "{err}");
}
