//! End-to-end tests of `canvass audit` on the example election in
//! `tests/data/audit` (see its `make_fixture.py`): 242 cards on paper, 240
//! CVRs, two contests. Audit boards are simulated by answering each
//! retrieval list from `paper.csv`, the truth of every card.

use std::collections::BTreeMap;
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
        .env("RUST_BACKTRACE", "0")
        .env("RUST_LIB_BACKTRACE", "0")
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

/// Create and seed an audit of both contests from `cvrs`.
fn create(dir: &Path, cvrs: &str, method: &str) {
    let cvrs = data(cvrs);
    let manifest = data("manifest.csv");
    ok(&[
        "audit",
        "create",
        s(dir),
        "--cvrs",
        s(&cvrs),
        "--format",
        "cdf-json",
        "--manifest",
        s(&manifest),
        "--contest",
        "Mayor",
        "--contest",
        "Measure A",
        "--risk-limit",
        "0.05",
        "--method",
        method,
    ]);
    ok(&["audit", "seed", s(dir), "--seed", "12345678901234567890"]);
}

/// The truth of every card, by (batch, position).
fn paper() -> BTreeMap<(String, String), (String, String)> {
    let mut r = csv::Reader::from_path(data("paper.csv")).unwrap_or_else(|e| unreachable!("{e}"));
    r.records()
        .filter_map(Result::ok)
        .map(|rec| {
            let f = |i: usize| rec.get(i).unwrap_or_default().to_owned();
            ((f(1), f(2)), (f(3), f(4)))
        })
        .collect()
}

/// Answer round `round`'s retrieval list from the paper, as a board would.
fn board_reads(dir: &Path, round: u32) -> PathBuf {
    let truth = paper();
    let list = dir.join(format!("round-{round}/retrieval.csv"));
    let mut r = csv::Reader::from_path(&list).unwrap_or_else(|e| unreachable!("{e}"));
    let out = dir.join(format!("board-{round}.csv"));
    let mut w = csv::Writer::from_path(&out).unwrap_or_else(|e| unreachable!("{e}"));
    w.write_record(["batch", "position", "Mayor", "Measure A"])
        .unwrap_or_default();
    for rec in r.records().filter_map(Result::ok) {
        let key = (
            rec.get(1).unwrap_or_default().to_owned(),
            rec.get(2).unwrap_or_default().to_owned(),
        );
        let (mayor, measure) = truth.get(&key).cloned().unwrap_or_default();
        w.write_record([
            key.0.as_str(),
            key.1.as_str(),
            mayor.as_str(),
            measure.as_str(),
        ])
        .unwrap_or_default();
    }
    w.flush().unwrap_or_default();
    out
}

fn status(dir: &Path) -> serde_json::Value {
    let text = ok(&["audit", "status", s(dir), "--json"]);
    serde_json::from_str(&text).unwrap_or_else(|e| unreachable!("{e}: {text}"))
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
        let out = canvass(&["audit", "draw", s(dir)]);
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains("the audit is complete"), "{err}");
            return round;
        }
        round += 1;
        let mvrs = board_reads(dir, round);
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
    let good = board_reads(&dir, 1);
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
    assert!(err.contains("inputs.json is missing"), "{err}");
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
        err.contains("cards.csv: changed since the audit was created"),
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
