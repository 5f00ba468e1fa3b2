//! End-to-end: `canvass audit` of a ranked-choice (IRV) contest through
//! RAIRE's assertions, on a generated election. The boards read rankings in
//! the `A > B > C` form; `cards.csv` holds the CVRs' rankings in the same form.

mod common;

use common::{QUIET, canvass, ok, s};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A generated election of 3,000 cards with one ranked contest, Governor.
fn generated(dir: &Path) -> (PathBuf, PathBuf) {
    let cvrs = dir.join("cvrs.json");
    ok(&[
        "generate",
        "--ballots",
        "3000",
        "--contests",
        "1",
        "--ranked",
        "1",
        "--candidates",
        "4",
        "--seed",
        "7",
        "--format",
        "cdf-json",
        "--out",
        s(&cvrs),
    ]);
    let manifest = cvrs.with_extension("manifest.csv");
    (cvrs, manifest)
}

/// `cards.csv` as card id → the Governor cell.
fn cvr_cells(dir: &Path) -> BTreeMap<String, String> {
    let mut r =
        csv::Reader::from_path(dir.join("cards.csv")).unwrap_or_else(|e| unreachable!("{e}"));
    r.records()
        .filter_map(Result::ok)
        .map(|rec| {
            (
                rec.get(4).unwrap_or_default().to_owned(),
                rec.get(6).unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// Write what the boards read for round `round`: the CVR's ranking, except
/// that `flip` turns a ranking into the paper's.
fn board_reads(dir: &Path, round: u32, flip: &dyn Fn(&str) -> String) -> PathBuf {
    let cells = cvr_cells(dir);
    let list = dir.join(format!("round-{round}/retrieval.csv"));
    let mut r = csv::Reader::from_path(&list).unwrap_or_else(|e| unreachable!("{e}"));
    let out = dir.join(format!("board-{round}.csv"));
    let mut w = csv::Writer::from_path(&out).unwrap_or_else(|e| unreachable!("{e}"));
    w.write_record(["card_id", "Governor"]).unwrap_or_default();
    for rec in r.records().filter_map(Result::ok) {
        let id = rec.get(4).unwrap_or_default();
        let cell = cells.get(id).map_or(String::new(), |c| flip(c));
        w.write_record([id, cell.as_str()]).unwrap_or_default();
    }
    w.flush().unwrap_or_default();
    out
}

fn governor(dir: &Path) -> serde_json::Value {
    let text = ok(&["audit", "status", s(dir), "--json"]);
    let v: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| unreachable!("{e}: {text}"));
    v["contests"][0].clone()
}

/// Draw, read and record rounds until the audit is complete.
fn run_to_end(dir: &Path, flip: &dyn Fn(&str) -> String) -> u32 {
    let mut round = 0;
    loop {
        if !QUIET.draw(dir) {
            return round;
        }
        round += 1;
        let mvrs = board_reads(dir, round, flip);
        ok(&["audit", "record", s(dir), "--mvrs", s(&mvrs)]);
        assert!(round < 12, "the audit does not end");
    }
}

fn create(dir: &Path, risk_function: &str) -> String {
    let (cvrs, manifest) = generated(dir);
    let out = ok(&[
        "audit",
        "create",
        s(&dir.join("audit")),
        "--cvrs",
        s(&cvrs),
        "--manifest",
        s(&manifest),
        "--contest",
        "Governor",
        "--risk-limit",
        "0.05",
        "--method",
        "comparison",
        "--risk-function",
        risk_function,
    ]);
    ok(&[
        "audit",
        "seed",
        s(&dir.join("audit")),
        "--seed",
        "12345678901234567890",
    ]);
    out
}

#[test]
fn an_irv_contest_with_clean_paper_is_confirmed() {
    for rf in ["kaplan-markov", "betting"] {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
        let out = create(tmp.path(), rf);
        assert!(out.contains("assertion: "), "{out}");
        assert!(out.contains(&format!("comparison audit ({rf})")), "{out}");
        let dir = tmp.path().join("audit");
        let audit: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("audit.json")).unwrap_or_default())
                .unwrap_or_default();
        assert_eq!(audit["risk_function"], rf);
        assert_eq!(audit["contests"][0]["rule"]["kind"], "irv");
        // cards.csv holds rankings as "A > B".
        assert!(cvr_cells(&dir).values().any(|c| c.contains(" > ")));
        let rounds = run_to_end(&dir, &|c| c.to_owned());
        let g = governor(&dir);
        assert_eq!(g["state"], "confirmed", "{rf}: {g}");
        assert_eq!(rounds, 1, "{rf}: {g}");
        assert!(g["risk"].as_f64().unwrap_or(1.0) <= 0.05);
    }
}

#[test]
fn a_misread_ranking_is_a_discrepancy_and_bad_cells_are_refused() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
    create(tmp.path(), "kaplan-markov");
    let dir = tmp.path().join("audit");
    ok(&["audit", "draw", s(&dir)]);
    // A board writes rankings with ';': refused, naming the field.
    let bad = board_reads(&dir, 1, &|c| c.replace(" > ", "; "));
    let out = canvass(&["audit", "record", s(&dir), "--mvrs", s(&bad)]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("field \"Governor\"") && err.contains("is ranked"),
        "{err}"
    );
    // Paper that reverses every ranking: overstatements, no confirmation.
    let reversed = board_reads(&dir, 1, &|c| {
        let mut v: Vec<&str> = c.split(" > ").collect();
        v.reverse();
        v.join(" > ")
    });
    ok(&["audit", "record", s(&dir), "--mvrs", s(&reversed)]);
    let g = governor(&dir);
    assert_ne!(g["state"], "confirmed", "{g}");
    assert!(
        g["discrepancies"]["two_vote_over"].as_u64().unwrap_or(0) > 0,
        "{g}"
    );
}
