//! End to end: `canvass check mock-people`, then `deceased` and
//! `duplicates` on the generated files, against the planted truth.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code may panic

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn canvass(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_canvass"))
        .args(args)
        .output()
        .unwrap()
}

fn json(args: &[&str]) -> Value {
    let out = canvass(args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn pairs(v: &Value) -> BTreeSet<(String, String)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p[0].as_str().unwrap().to_string(),
                p[1].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The (`a`, `b`) id pairs of a reported list, only those whose `flag` is
/// true when a flag is named.
fn reported(list: &Value, a: &str, b: &str, flag: Option<&str>) -> BTreeSet<(String, String)> {
    list.as_array()
        .unwrap()
        .iter()
        .filter(|p| flag.is_none_or(|f| p[f] == Value::Bool(true)))
        .map(|p| {
            (
                p[a].as_str().unwrap().to_string(),
                p[b].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// `canvass check deceased --json` on two files.
fn deceased(voters: &Path, deaths: &Path) -> Value {
    json(&[
        "check",
        "deceased",
        "--voters",
        voters.to_str().unwrap(),
        "--deaths",
        deaths.to_str().unwrap(),
        "--json",
    ])
}

fn mock(dir: &Path) -> Value {
    let d = dir.to_str().unwrap();
    let out = canvass(&[
        "check",
        "mock-people",
        "--out",
        d,
        "--voters",
        "8000",
        "--deaths",
        "800",
        "--seed",
        "3",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&std::fs::read_to_string(dir.join("truth.json")).unwrap()).unwrap()
}

#[test]
fn deceased_finds_every_planted_case_and_states_the_coincidence() {
    let dir = tempfile::tempdir().unwrap();
    let truth = mock(dir.path());
    let voters = dir.path().join("voters.csv");
    let deaths = dir.path().join("deaths.csv");
    let out = deceased(&voters, &deaths);
    let dead = pairs(&truth["dead_voters"]);
    let after = pairs(&truth["died_after_voting"]);
    let dup = pairs(&truth["in_file"]);
    // A planted in-file duplicate of a dead voter is the same person too.
    let same_person = |v: &str, d: &str| {
        let linked = |set: &BTreeSet<(String, String)>| {
            set.iter().any(|(tv, td)| {
                td == d
                    && (tv == v
                        || dup
                            .iter()
                            .any(|(a, b)| (a == tv && b == v) || (b == tv && a == v)))
            })
        };
        linked(&dead) || linked(&after)
    };
    let mut found_dead = BTreeSet::new();
    let mut false_before = 0;
    for m in out["matches"].as_array().unwrap() {
        let (v, d) = (m["voter"].as_str().unwrap(), m["death"].as_str().unwrap());
        let p = m["probability"].as_f64().unwrap();
        assert!((0.5..=1.0).contains(&p));
        if dead.contains(&(v.to_string(), d.to_string())) {
            assert_eq!(m["death_before_vote"], Value::Bool(true));
            found_dead.insert((v.to_string(), d.to_string()));
        } else if after.contains(&(v.to_string(), d.to_string())) {
            assert_eq!(m["death_before_vote"], Value::Bool(false));
        } else if !same_person(v, d) && m["death_before_vote"] == Value::Bool(true) {
            false_before += 1;
        }
    }
    assert_eq!(found_dead, dead, "every planted dead voter is found");
    let expected = out["expected_coincidental"].as_f64().unwrap();
    let finding = &out["finding"];
    assert_eq!(finding["schema"], "canvass.finding.v1");
    assert_eq!(finding["check"], "deceased");
    let naive = finding["figures"]["naive_exact_name_and_birth_date_pairs"]
        .as_u64()
        .unwrap();
    eprintln!(
        "deceased: planted {} found {}; false (death before vote) {false_before}; expected coincidental {expected}; naive exact pairs {naive}",
        dead.len(),
        found_dead.len()
    );
    // False findings stay within the stated coincidence rate (Poisson
    // allowance of one).
    assert!(
        f64::from(false_before) <= expected.ceil() + 1.0,
        "{false_before} false vs {expected} expected by coincidence"
    );
    assert!(finding["status"]["kind"] == "supported");
    let before = out["matches"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["death_before_vote"] == Value::Bool(true))
        .count() as u64;
    assert_eq!(finding["status"]["cases"].as_u64().unwrap(), before);
}

#[test]
fn duplicates_within_and_across_states() {
    let dir = tempfile::tempdir().unwrap();
    let truth = mock(dir.path());
    let voters = dir.path().join("voters.csv");
    let other = dir.path().join("other_state.csv");
    let within = json(&[
        "check",
        "duplicates",
        "--voters",
        voters.to_str().unwrap(),
        "--json",
    ]);
    let found: BTreeSet<(String, String)> = within["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let (a, b) = (p["a"].as_str().unwrap(), p["b"].as_str().unwrap());
            (a.min(b).to_string(), a.max(b).to_string())
        })
        .collect();
    let planted: BTreeSet<(String, String)> = pairs(&truth["in_file"])
        .into_iter()
        .map(|(a, b)| (a.clone().min(b.clone()), a.max(b)))
        .collect();
    assert!(
        planted.is_subset(&found),
        "{planted:?} not all in {found:?}"
    );
    eprintln!(
        "duplicates within: planted {} found {} (expected coincidental {})",
        planted.len(),
        found.len(),
        within["expected_coincidental"]
    );

    let across = json(&[
        "check",
        "duplicates",
        "--voters",
        voters.to_str().unwrap(),
        "--other-state",
        other.to_str().unwrap(),
        "--json",
    ]);
    let found = reported(&across["pairs"], "a", "b", None);
    let planted = pairs(&truth["cross_state"]);
    assert!(
        planted.is_subset(&found),
        "{planted:?} not all in {found:?}"
    );
    // The cases are the pairs where both voted: every planted double voter,
    // and the people registered in both states (who voted in one) never.
    let cases = reported(&across["pairs"], "a", "b", Some("both_voted"));
    assert!(planted.is_subset(&cases));
    let moved = pairs(&truth["registered_both"]);
    assert!(cases.is_disjoint(&moved));
    // False cases stay within what the finding states: the model's own
    // expected number of different people among the cases, with a Poisson
    // allowance (three standard deviations, and one).
    let false_cases = cases.difference(&planted).count() as f64;
    let figures = &across["finding"]["figures"];
    let stated = figures["expected_false_among_cases"].as_f64().unwrap();
    assert!(
        false_cases <= stated + 3.0 * stated.sqrt() + 1.0,
        "{false_cases} false cases vs {stated} stated"
    );
    assert_eq!(
        across["finding"]["status"]["cases"].as_u64().unwrap(),
        cases.len() as u64
    );
    eprintln!(
        "duplicates across: planted {} found {}, cases {} ({false_cases} false, {stated} stated; expected coincidental {})",
        planted.len(),
        found.len(),
        cases.len(),
        across["expected_coincidental"]
    );
}

/// Death records without a date of death: the pairs are still linked, no
/// pair is called a death before the vote, and the finding says what is
/// missing instead of counting cases.
#[test]
fn deaths_without_dates_are_inconclusive() {
    let dir = tempfile::tempdir().unwrap();
    let truth = mock(dir.path());
    let deaths = std::fs::read_to_string(dir.path().join("deaths.csv")).unwrap();
    let undated: String = deaths
        .lines()
        .map(|l| format!("{}\n", l.rsplit_once(',').unwrap().0))
        .collect();
    assert!(undated.starts_with("id,") && !undated.contains("died_on"));
    let d = dir.path().join("undated.csv");
    std::fs::write(&d, undated).unwrap();
    let voters = dir.path().join("voters.csv");
    let out = deceased(&voters, &d);
    let linked = reported(&out["matches"], "voter", "death", None);
    assert!(pairs(&truth["dead_voters"]).is_subset(&linked));
    for m in out["matches"].as_array().unwrap() {
        assert_eq!(m["death_before_vote"], Value::Null, "{m}");
    }
    assert_eq!(out["finding"]["status"]["kind"], "inconclusive");
}

#[test]
fn bad_input_names_file_row_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let v = dir.path().join("v.csv");
    let d = dir.path().join("d.csv");
    std::fs::write(
        &v,
        "id,first_name,last_name,birth_date,voted_on\n1,ann,lee,1950-01-02,2020-11-03\n",
    )
    .unwrap();
    std::fs::write(&d, "id,first_name,last_name,birth_date,died_on\n9,ann,lee,1950-01-02,2020-10-01\n8,bob,roe,01/02/1950,2020-10-01\n").unwrap();
    let out = canvass(&[
        "check",
        "deceased",
        "--voters",
        v.to_str().unwrap(),
        "--deaths",
        d.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("d.csv") && err.contains("row 3") && err.contains("birth_date"),
        "{err}"
    );

    std::fs::write(&d, "name,died_on\nx,2020-01-01\n").unwrap();
    let out = canvass(&[
        "check",
        "deceased",
        "--voters",
        v.to_str().unwrap(),
        "--deaths",
        d.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("d.csv") && err.contains("missing column `id`"),
        "{err}"
    );

    let out = canvass(&[
        "check",
        "duplicates",
        "--voters",
        v.to_str().unwrap(),
        "--map",
        "last_name=surname",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("surname"));
}

/// `hash-people` on each file with one salt, then `deceased --hashed`:
/// the planted dead voters are found without any name or birth date in
/// the files linked.
#[test]
fn hashed_deceased_finds_the_planted_cases() {
    let dir = tempfile::tempdir().unwrap();
    let truth = mock(dir.path());
    let p = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    std::fs::write(p("salt"), "5f1c0e8a9b7d6c4e3f2a1b0c9d8e7f6a\n").unwrap();
    std::fs::write(p("salt2"), "0000111122223333444455556666777788\n").unwrap();
    for (input, out, event, salt) in [
        ("voters.csv", "hv.csv", "voted_on", "salt"),
        ("deaths.csv", "hd.csv", "died_on", "salt"),
        ("deaths.csv", "hd2.csv", "died_on", "salt2"),
    ] {
        let o = canvass(&[
            "check",
            "hash-people",
            "--in",
            &p(input),
            "--salt-file",
            &p(salt),
            "--out",
            &p(out),
            "--event",
            event,
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let hashed = std::fs::read_to_string(p("hv.csv")).unwrap();
    let clear = std::fs::read_to_string(p("voters.csv")).unwrap();
    // No clear name reaches the hashed file.
    let second = clear.lines().nth(1).unwrap();
    let last = second.split(',').nth(3).unwrap();
    assert!(!last.is_empty() && !hashed.contains(last), "{last}");
    assert!(hashed.starts_with("#canvass.hashed-people.v1 key_check="));

    let out = json(&[
        "check",
        "deceased",
        "--hashed",
        "--voters",
        &p("hv.csv"),
        "--deaths",
        &p("hd.csv"),
        "--json",
    ]);
    let dead = pairs(&truth["dead_voters"]);
    let found = reported(&out["matches"], "voter", "death", Some("death_before_vote"));
    assert!(
        dead.is_subset(&found),
        "missed {:?}",
        dead.difference(&found).collect::<Vec<_>>()
    );
    assert_eq!(
        out["finding"]["figures"]["inputs_hashed"],
        Value::Bool(true)
    );
    assert!(
        out["finding"]["reproduce"]
            .as_str()
            .unwrap()
            .contains("--hashed")
    );

    // Another salt: refused, naming both files.
    let o = canvass(&[
        "check",
        "deceased",
        "--hashed",
        "--voters",
        &p("hv.csv"),
        "--deaths",
        &p("hd2.csv"),
        "--json",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(
        err.contains("hd2.csv") && err.contains("hv.csv") && err.contains("different salt"),
        "{err}"
    );
    // A clear file given as hashed.
    let o = canvass(&[
        "check",
        "deceased",
        "--hashed",
        "--voters",
        &p("voters.csv"),
        "--deaths",
        &p("hd.csv"),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("voters.csv") && err.contains("row 1") && err.contains("hash-people"),
        "{err}"
    );
    // --map with --hashed.
    let o = canvass(&[
        "check",
        "deceased",
        "--hashed",
        "--voters",
        &p("hv.csv"),
        "--deaths",
        &p("hd.csv"),
        "--map-voters",
        "id=x",
    ]);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("--map-voters cannot be used with --hashed")
    );
    // A short salt.
    std::fs::write(p("short"), "secret\n").unwrap();
    let o = canvass(&[
        "check",
        "hash-people",
        "--in",
        &p("voters.csv"),
        "--salt-file",
        &p("short"),
        "--out",
        &p("x.csv"),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("short") && err.contains("at least 16"),
        "{err}"
    );
    assert!(!dir.path().join("x.csv").exists());
    // A damaged token names the row and column.
    let bad: Vec<String> = hashed
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 2 {
                l.replacen(',', ",zz", 1)
            } else {
                l.to_string()
            }
        })
        .collect();
    let bad = bad.join("\n") + "\n";
    std::fs::write(p("bad.csv"), bad).unwrap();
    let o = canvass(&["check", "duplicates", "--hashed", "--voters", &p("bad.csv")]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.csv") && err.contains("row 3"), "{err}");
}

/// `--evidence-log DIR`: each finding is saved under DIR/findings and appended to
/// the signed log; a second check appends to the same log; tampering with a
/// logged finding is caught when the log's files are checked.
#[test]
fn findings_go_into_the_evidence_log() {
    let dir = tempfile::tempdir().unwrap();
    mock(dir.path());
    let p = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    let log = dir.path().join("evidence");
    for args in [
        vec![
            "check",
            "deceased",
            "--voters",
            &p("voters.csv"),
            "--deaths",
            &p("deaths.csv"),
        ],
        vec!["check", "duplicates", "--voters", &p("voters.csv")],
    ] {
        let mut a = args.clone();
        a.extend(["--evidence-log", log.to_str().unwrap()]);
        let o = canvass(&a);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(String::from_utf8_lossy(&o.stderr).contains("checkpoint signed"));
    }
    let lines: Vec<Value> = std::fs::read_to_string(log.join("log.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["kind"], "finding");
    assert_eq!(lines[0]["payload"]["check"], "deceased");
    assert_eq!(lines[1]["payload"]["check"], "duplicates");
    let f = &lines[0]["files"][0];
    let path = log.join(f["path"].as_str().unwrap());
    let bytes = std::fs::read(&path).unwrap();
    use sha2::Digest;
    assert_eq!(f["sha256"], hex::encode(sha2::Sha256::digest(&bytes)));
    let saved: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(saved["check"], "deceased");
    assert_eq!(
        lines[0]["payload"]["status"],
        format!("allegation supported in {} cases", saved["status"]["cases"])
    );
    assert!(log.join("checkpoints/00000002.note").exists());
    // The log reopens and verifies (signatures, roots, consistency).
    canvass_evidence::log::Log::open(&log, None).unwrap();
    // A broken log is refused before anything is appended.
    std::fs::write(log.join("log.jsonl"), "{}\n").unwrap();
    let o = canvass(&[
        "check",
        "duplicates",
        "--voters",
        &p("voters.csv"),
        "--evidence-log",
        log.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("log.jsonl"));
}
