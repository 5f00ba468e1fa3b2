//! `canvass calc` run as the real binary on published examples.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test code may panic

use serde_json::Value;
use std::process::Command;

fn run(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_canvass"))
        .arg("calc")
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .output()
        .unwrap_or_else(|e| panic!("cannot run canvass: {e}"));
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(args: &[&str]) -> Value {
    let (ok, stdout, stderr) = run(args);
    assert!(ok, "canvass calc {args:?} failed: {stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

fn fails_with(args: &[&str], needle: &str) {
    let (ok, _, stderr) = run(args);
    assert!(!ok, "canvass calc {args:?} should fail");
    assert!(
        stderr.contains(needle),
        "stderr of {args:?} lacks {needle:?}: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

fn close(v: &Value, want: f64) {
    let got = v.as_f64().unwrap_or(f64::NAN);
    assert!(((got - want) / want).abs() < 1e-9, "got {got}, want {want}");
}

#[test]
fn kaplan_markov_ones() {
    let v = json(&[
        "risk",
        "--function",
        "kaplan-markov",
        "--values",
        "1,1,1,1,1",
        "--json",
    ]);
    close(&v["p_value"], 0.03125);
    assert_eq!(v["p_history"].as_array().map(Vec::len), Some(5));
}

#[test]
fn kaplan_wald_padded() {
    let v = json(&[
        "risk",
        "--function",
        "kaplan-wald",
        "--g",
        "0.1",
        "--values",
        "1,1,1,1,1,0",
        "--json",
    ]);
    close(&v["p_value"], 1.9f64.powi(-5));
}

#[test]
fn betting_fixed_bet() {
    let values = vec!["0.75"; 20].join(",");
    let v = json(&[
        "risk",
        "--function",
        "betting",
        "--lambda",
        "0.5",
        "--values",
        &values,
        "--json",
    ]);
    close(&v["p_value"], 1.0 / 1.125f64.powi(20));
}

#[test]
fn alpha_shrink_trunc_finite_population_runs() {
    let v = json(&[
        "risk",
        "--function",
        "alpha",
        "--estimator",
        "shrink-trunc",
        "--population",
        "100",
        "--eta",
        "0.9",
        "--values",
        "1,1,0.5,1,1,1,0,1,1,1",
        "--json",
    ]);
    let p = v["p_value"].as_f64().unwrap_or(f64::NAN);
    assert!((0.0..=1.0).contains(&p));
}

#[test]
fn bravo_round_one_risk_test1() {
    let v = json(&[
        "risk",
        "--method",
        "bravo",
        "--ballots",
        "1000",
        "--votes",
        "a=600,b=400",
        "--sample",
        "a=72,b=47",
        "--risk-limit",
        "0.1",
        "--json",
    ]);
    close(
        &v["pairs"][0]["p_value"],
        1.0 / (1.2f64.powi(72) * 0.8f64.powi(47)),
    );
    assert_eq!(v["pairs"][0]["winner"], "a");
    assert_eq!(v["confirmed"], true);
}

#[test]
fn bravo_sample_sizes_test1() {
    let v = json(&[
        "sample-size",
        "--method",
        "bravo",
        "--risk-limit",
        "0.1",
        "--ballots",
        "1000",
        "--votes",
        "a=600,b=400",
        "--json",
    ]);
    assert_eq!(v["asn"], 119);
    assert_eq!(v["quantiles"]["0.7"], 184);
    assert_eq!(v["quantiles"]["0.8"], 244);
    assert_eq!(v["quantiles"]["0.9"], 351);
}

#[test]
fn bravo_sample_sizes_small_third_candidate() {
    let v = json(&[
        "sample-size",
        "--method",
        "bravo",
        "--risk-limit",
        "10%",
        "--ballots",
        "20000",
        "--votes",
        "a=10000,b=9000,c=200",
        "--json",
    ]);
    assert_eq!(v["asn"], 1769);
    assert_eq!(v["quantiles"]["0.9"], 5426);
}

#[test]
fn kaplan_markov_initial_and_follow_up() {
    let base = [
        "sample-size",
        "--method",
        "kaplan-markov",
        "--risk-limit",
        "0.1",
        "--ballots",
        "100000",
        "--votes",
        "w=60000,l=40000",
        "--json",
    ];
    assert_eq!(json(&base)["sample_size"], 27);
    let mut follow = base.to_vec();
    follow.extend(["--observed", "o1=1,o2=0,u1=0,u2=0", "--sampled", "27"]);
    assert_eq!(json(&follow)["sample_size"], 38 - 27);
}

#[test]
fn bad_arguments_fail_cleanly() {
    fails_with(
        &["risk", "--function", "alpha", "--values", "1,x", "--json"],
        "value 2",
    );
    fails_with(
        &["risk", "--function", "alpha", "--values", "1,2", "--json"],
        "outside [0, 1]",
    );
    fails_with(
        &[
            "risk",
            "--function",
            "alpha",
            "--values",
            "1",
            "--eta",
            "0.2",
            "--json",
        ],
        "eta",
    );
    fails_with(
        &[
            "risk",
            "--function",
            "alpha",
            "--values",
            "1,1,1",
            "--population",
            "2",
        ],
        "larger than the population",
    );
    fails_with(
        &[
            "sample-size",
            "--method",
            "bravo",
            "--risk-limit",
            "2",
            "--ballots",
            "10",
            "--votes",
            "a=5,b=4",
        ],
        "risk-limit",
    );
    fails_with(
        &[
            "sample-size",
            "--method",
            "bravo",
            "--risk-limit",
            "0.1",
            "--ballots",
            "10",
            "--votes",
            "a=5",
        ],
        "did not win",
    );
    fails_with(
        &[
            "sample-size",
            "--method",
            "bravo",
            "--risk-limit",
            "0.1",
            "--ballots",
            "10",
            "--votes",
            "a=five,b=4",
        ],
        "whole number",
    );
    fails_with(
        &[
            "risk",
            "--method",
            "bravo",
            "--ballots",
            "10",
            "--votes",
            "a=5,b=4",
            "--sample",
            "zed=3",
            "--json",
        ],
        "unknown candidate",
    );
    fails_with(&["risk", "--values", "1"], "--function");
}
