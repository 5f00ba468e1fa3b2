//! `canvass sample` run as a real binary on the published examples
//! (`shared/vectors/PUBLISHED.md` §1–§3) and on bad input.

// Test helpers outside #[test] functions unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used)]

use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

fn canvass(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_canvass"))
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap();
    Run {
        ok: out.status.success(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// Run and parse the JSON output.
fn json_of(args: &[&str]) -> Value {
    let run = canvass(args);
    assert!(run.ok, "canvass {args:?} failed: {}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap()
}

/// Run, expect failure, and check the message names what is wrong.
fn check_error(args: &[&str], needles: &[&str]) {
    let run = canvass(args);
    assert!(!run.ok, "canvass {args:?} should fail");
    assert!(!run.stderr.contains("panicked"), "panic: {}", run.stderr);
    for n in needles {
        assert!(run.stderr.contains(n), "{n:?} not in {:?}", run.stderr);
    }
}

#[test]
fn sample_rivest_ids_readme_with_replacement_seed_19283746() {
    let dir = tempfile::tempdir().unwrap();
    let ids = write(dir.path(), "ids.txt", "a1\nb2\nc3\nd4\ne5\nf6\n");
    let got = json_of(&[
        "sample",
        "--method",
        "rivest",
        "--seed",
        "19283746",
        "--ids",
        &ids,
        "--count",
        "10",
        "--with-replacement",
        "--json",
    ]);
    let want: Vec<Value> = [
        ("0.303241347", "e5", 1),
        ("0.432145156", "b2", 1),
        ("0.487135586", "c3", 1),
        ("0.581779914", "b2", 2),
        ("0.680782907", "b2", 3),
        ("0.700258702", "c3", 2),
        ("0.816686725", "b2", 4),
        ("0.841870265", "a1", 1),
        ("0.857737141", "a1", 2),
        ("0.866227993", "f6", 1),
    ]
    .iter()
    .map(|&(t, id, g)| json!({"ticket": t, "id": id, "generation": g}))
    .collect();
    assert_eq!(got, Value::Array(want));
}

#[test]
fn sample_rivest_ids_readme_six_ids_seed_314159_crlf() {
    let dir = tempfile::tempdir().unwrap();
    // CRLF line ends are not part of the ids.
    let ids = write(
        dir.path(),
        "ids.txt",
        "A-1\r\nA-2\r\nA-3\r\nB-1\r\nB-2\r\nB-3\r\n",
    );
    let got = json_of(&[
        "sample", "--method", "rivest", "--seed", "314159", "--ids", &ids, "--count", "4", "--json",
    ]);
    let order: Vec<&str> = got
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(order, ["B-2", "B-3", "A-3", "A-2"]);
    assert!(got.as_array().unwrap().iter().all(|r| r["generation"] == 1));
}

#[test]
fn sample_rivest_manifest_arlo_snapshot_emoji_seed() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = write(
        dir.path(),
        "m.csv",
        "batch,ballots\npct 1,25\npct 2,25\npct 3,25\npct 4,25\n",
    );
    let got = json_of(&[
        "sample",
        "--method",
        "rivest",
        "--seed",
        "12345678901234567890abcdefghijklmnopqrstuvwxyz😊",
        "--manifest",
        &manifest,
        "--count",
        "20",
        "--with-replacement",
        "--digits",
        "18",
        "--json",
    ]);
    let rows = got.as_array().unwrap();
    assert_eq!(rows.len(), 20);
    for (i, t, id, g) in [
        (0, "0.000617786129909912", "('pct 2', 3)", 1),
        (1, "0.002991631653037245", "('pct 3', 24)", 1),
        (2, "0.012057030610635061", "('pct 1', 25)", 1),
        (3, "0.017930028930651931", "('pct 4', 19)", 1),
        (4, "0.025599454926985137", "('pct 3', 15)", 1),
        (10, "0.096136506157297637", "('pct 1', 20)", 2),
        (19, "0.138772253094235762", "('pct 4', 20)", 1),
    ] {
        assert_eq!(
            rows[i],
            json!({"ticket": t, "id": id, "generation": g}),
            "draw {}",
            i + 1
        );
    }
}

#[test]
fn sample_rivest_manifest_batch_with_quote_prints_python_tuple() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = write(dir.path(), "m.csv", "batch,ballots\nO'Brien,2\n");
    let got = json_of(&[
        "sample",
        "--method",
        "rivest",
        "--seed",
        "1",
        "--manifest",
        &manifest,
        "--count",
        "2",
        "--json",
    ]);
    let mut ids: Vec<&str> = got
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    ids.sort();
    assert_eq!(ids, ["(\"O'Brien\", 1)", "(\"O'Brien\", 2)"]);
}

#[test]
fn sample_rivest_table_is_readable() {
    let dir = tempfile::tempdir().unwrap();
    let ids = write(dir.path(), "ids.txt", "a\nb\n");
    let run = canvass(&[
        "sample",
        "--method",
        "rivest",
        "--seed",
        "52",
        "--ids",
        &ids,
        "--count",
        "3",
        "--with-replacement",
        "--digits",
        "2",
    ]);
    assert!(run.ok, "{}", run.stderr);
    let lines: Vec<Vec<&str>> = run
        .stdout
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(lines[0], ["draw", "ticket", "generation", "id"]);
    // USAGE_EXAMPLES.md Example 7: 0.19 b, 0.25 b, 0.36 a.
    assert_eq!(
        lines[1..],
        [
            ["1", "0.19", "1", "b"],
            ["2", "0.25", "2", "b"],
            ["3", "0.36", "1", "a"]
        ]
    );
}

#[test]
fn sample_sha256_counter_colorado_first_47() {
    let got = json_of(&[
        "sample",
        "--method",
        "sha256-counter",
        "--seed",
        "3546311556112163624615351222",
        "--range",
        "1..876",
        "--count",
        "47",
        "--json",
    ]);
    let values: Vec<i64> = got
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["value"].as_i64().unwrap())
        .collect();
    let want = [
        740, 180, 264, 789, 238, 448, 272, 611, 761, 208, 596, 88, 160, 113, 766, 427, 184, 816,
        653, 411, 779, 331, 339, 487, 594, 235, 65, 527, 821, 490, 461, 251, 471, 414, 174, 567,
        300, 134, 144, 357, 786, 792, 218, 550, 787, 537, 197,
    ];
    assert_eq!(values, want);
    let draws: Vec<u64> = got
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["draw"].as_u64().unwrap())
        .collect();
    assert_eq!(draws, (1..=47).collect::<Vec<u64>>());
}

#[test]
fn sample_cryptorandom_seed_12345678901234567890() {
    let dir = tempfile::tempdir().unwrap();
    let ids = write(dir.path(), "ids.txt", "first\nsecond\nthird\n");
    let got = json_of(&[
        "sample",
        "--method",
        "cryptorandom",
        "--seed",
        "12345678901234567890",
        "--ids",
        &ids,
        "--json",
    ]);
    // Outputs 0, 1, 2 (the doctest's random(2) = 0.927…, 0.191…), sorted.
    assert_eq!(
        got,
        json!([
            {"id": "second", "sample_num": "310d959ce65476647a3ec93074beff0aa6d720949207daf915712fd574635165"},
            {"id": "third", "sample_num": "95a9e62c49455ae0bfcea9849f6ff096015124b8a0d7d0a9dfd451c5fafa22b7"},
            {"id": "first", "sample_num": "ed62fa818e24178bacddf881b26221e52436f1c1040b10d416e709f962df2953"},
        ])
    );
}

#[test]
fn sample_bad_input_is_named_and_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let missing = d.join("nope.txt").display().to_string();
    check_error(
        &[
            "sample", "--method", "rivest", "--seed", "1", "--ids", &missing, "--count", "1",
        ],
        &["nope.txt"],
    );
    for range in ["5..1", "1-9", "a..9", ""] {
        check_error(
            &[
                "sample",
                "--method",
                "sha256-counter",
                "--seed",
                "1",
                "--range",
                range,
                "--count",
                "1",
            ],
            &["--range"],
        );
    }
    check_error(
        &[
            "sample",
            "--method",
            "sha256-counter",
            "--seed",
            "1",
            "--range",
            "1..3",
            "--count",
            "4",
        ],
        &["4 distinct values"],
    );
    let empty = write(d, "empty.csv", "batch,ballots\n");
    check_error(
        &[
            "sample",
            "--method",
            "rivest",
            "--seed",
            "1",
            "--manifest",
            &empty,
            "--count",
            "1",
        ],
        &["empty.csv", "no batches"],
    );
    let zero = write(d, "zero.csv", "batch,ballots\na,0\n");
    check_error(
        &[
            "sample",
            "--method",
            "rivest",
            "--seed",
            "1",
            "--manifest",
            &zero,
            "--count",
            "1",
        ],
        &["zero.csv", "no ballots"],
    );
    let bad = write(d, "bad.csv", "batch,ballots\na,3\nb,lots\n");
    check_error(
        &[
            "sample",
            "--method",
            "rivest",
            "--seed",
            "1",
            "--manifest",
            &bad,
            "--count",
            "1",
        ],
        &["bad.csv", "line 3", "ballots", "lots"],
    );
    let huge = write(
        d,
        "huge.csv",
        "batch,ballots\na,18446744073709551615\nb,5\n",
    );
    check_error(
        &[
            "sample",
            "--method",
            "rivest",
            "--seed",
            "1",
            "--manifest",
            &huge,
            "--count",
            "1",
        ],
        &["huge.csv", "more than"],
    );
    let nocol = write(d, "nocol.csv", "name,count\na,3\n");
    check_error(
        &[
            "sample",
            "--method",
            "rivest",
            "--seed",
            "1",
            "--manifest",
            &nocol,
            "--count",
            "1",
        ],
        &["nocol.csv", "\"batch\""],
    );
    let dup = write(d, "dup.csv", "batch,ballots\na,3\na,4\n");
    check_error(
        &[
            "sample",
            "--method",
            "rivest",
            "--seed",
            "1",
            "--manifest",
            &dup,
            "--count",
            "1",
        ],
        &["dup.csv", "twice"],
    );
    let dup_ids = write(d, "dup.txt", "x\ny\nx\n");
    check_error(
        &[
            "sample", "--method", "rivest", "--seed", "1", "--ids", &dup_ids, "--count", "1",
        ],
        &["\"x\"", "twice"],
    );
    let blank = write(d, "blank.txt", "x\n\ny\n");
    check_error(
        &[
            "sample",
            "--method",
            "cryptorandom",
            "--seed",
            "1",
            "--ids",
            &blank,
        ],
        &["blank.txt", "line 2", "empty id"],
    );
    check_error(
        &[
            "sample", "--method", "rivest", "--seed", "1", "--count", "1",
        ],
        &["--ids"],
    );
    check_error(
        &[
            "sample", "--method", "rivest", "--seed", "1", "--ids", &dup_ids,
        ],
        &["--count"],
    );
}

/// Differential test against the published Python packages, switched on by
/// `CANVASS_REF_PYTHON=/path/to/python` (a Python with `consistent-sampler`
/// and `cryptorandom` installed, e.g. the venv `bench/samplers.sh` makes).
/// Batch names with quotes, backslashes, tabs, non-ASCII and a no-break space
/// check our Python `str()` of Arlo's tuples against Python itself.
#[test]
fn sample_matches_python_reference_packages() {
    let Ok(python) = std::env::var("CANVASS_REF_PYTHON") else {
        eprintln!(
            "skipped: set CANVASS_REF_PYTHON to a python with consistent-sampler and cryptorandom"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let batches: [(&str, u32); 9] = [
        ("pct 1", 7),
        ("O'Brien", 5),
        ("say \"hi\"", 4),
        ("both ' and \"", 3),
        ("back\\slash", 2),
        ("Zürich 😊", 3),
        ("nb\u{a0}sp", 2),
        ("tab\tx", 2),
        ("a,b", 3),
    ];
    let mut csv = String::from("batch,ballots\n");
    for (b, n) in batches {
        let quoted = if b.contains([',', '"']) {
            format!("\"{}\"", b.replace('"', "\"\""))
        } else {
            b.to_owned()
        };
        csv.push_str(&format!("{quoted},{n}\n"));
    }
    let manifest = write(d, "m.csv", &csv);
    let batches_json = serde_json::to_string(&batches).unwrap();
    let ids = write(d, "ids.txt", "x-1\ny-2\nz😊3\n'q'\n");
    let seed = "sééd 😊 ünï";
    let script = r#"
import json, sys, consistent_sampler as cs
from cryptorandom.cryptorandom import SHA256, int_from_hash
seed = sys.argv[1]
batches = json.loads(sys.argv[2])
ids = [(b, i) for b, n in batches for i in range(1, n + 1)]
out = {}
for wr, take in ((False, len(ids)), (True, 60)):
    out[str(wr)] = [[t, str(i), g] for t, i, g in cs.sampler(ids, seed=seed, with_replacement=wr, take=take, digits=18)]
plain = open(sys.argv[3], encoding="utf-8").read().split("\n")[:-1]
prng = SHA256(seed)
nums = [int_from_hash(prng.nextRandom()) for _ in plain]
out["crypto"] = sorted([["%064x" % n, i] for n, i in zip(nums, plain)])
print(json.dumps(out))
"#;
    let py = Command::new(python)
        .args(["-c", script, seed, &batches_json, &ids])
        .output()
        .unwrap();
    assert!(
        py.status.success(),
        "{}",
        String::from_utf8_lossy(&py.stderr)
    );
    let reference: Value = serde_json::from_slice(&py.stdout).unwrap();
    for (wr, take) in [(false, 31), (true, 60)] {
        let take_s = take.to_string();
        let mut args = vec![
            "sample",
            "--method",
            "rivest",
            "--seed",
            seed,
            "--manifest",
            &manifest,
            "--count",
            &take_s,
            "--digits",
            "18",
            "--json",
        ];
        if wr {
            args.push("--with-replacement");
        }
        let ours: Vec<Value> = json_of(&args)
            .as_array()
            .unwrap()
            .iter()
            .map(|r| json!([r["ticket"], r["id"], r["generation"]]))
            .collect();
        assert_eq!(
            Value::Array(ours),
            reference[if wr { "True" } else { "False" }],
            "with_replacement {wr}"
        );
    }
    let ours: Vec<Value> = json_of(&[
        "sample",
        "--method",
        "cryptorandom",
        "--seed",
        seed,
        "--ids",
        &ids,
        "--json",
    ])
    .as_array()
    .unwrap()
    .iter()
    .map(|r| json!([r["sample_num"], r["id"]]))
    .collect();
    assert_eq!(Value::Array(ours), reference["crypto"]);
}
