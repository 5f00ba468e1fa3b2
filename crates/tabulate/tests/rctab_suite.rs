//! RCTab's regression suite (`../shared/data/rctab`): every case folder with a
//! configuration and an expected detailed report is run and compared
//! structurally with the expected JSON (ignoring `generatedBy`). The test
//! prints which cases pass and fail; `KNOWN_FAILING` lists the cases that do
//! not pass yet, each with its reason, and the test fails both when another
//! case fails and when a listed case starts passing.

#![allow(clippy::panic)] // tests report failures by panicking

use canvass_model::CandidateId;
use canvass_tabulate::ranked::{
    RankedBallots, RankedCandidate, RankedRules, Selection, TiebreakMode, tabulate,
};
use canvass_tabulate::rctab::{
    Config, RctabError, RctabReport, load_ballots, run_config, run_loaded,
};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn data_dir() -> Option<PathBuf> {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"));
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("skipped: ../shared/data not found");
        None
    }
}

/// Cases run only with `CANVASS_HEAVY_TESTS=1`.
const HEAVY_CASES: &[&str] = &["2013_minneapolis_mayor_scale"];

/// Cases that do not pass yet, with the reason.
const KNOWN_FAILING: &[(&str, &str)] = &[];

/// Structural differences between two JSON values, as paths.
fn diff(path: &str, expected: &Value, actual: &Value, out: &mut Vec<String>) {
    if out.len() > 12 {
        return;
    }
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                if path == "/config" && k == "generatedBy" {
                    continue;
                }
                match a.get(k) {
                    Some(av) => diff(&format!("{path}/{k}"), ev, av, out),
                    None => out.push(format!("{path}/{k}: missing (expected {ev})")),
                }
            }
            for k in a.keys() {
                if !(e.contains_key(k) || path == "/config" && k == "generatedBy") {
                    out.push(format!("{path}/{k}: unexpected"));
                }
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                out.push(format!(
                    "{path}: {} elements, expected {}",
                    a.len(),
                    e.len()
                ));
            }
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                diff(&format!("{path}[{i}]"), ev, av, out);
            }
        }
        _ => {
            if expected != actual {
                out.push(format!("{path}: {actual} (expected {expected})"));
            }
        }
    }
}

fn compare(expected: &Value, report: &RctabReport) -> Vec<String> {
    let mut out = Vec::new();
    diff("", expected, &report.to_value(), &mut out);
    out
}

/// RCTab's file-name sanitising of slice ids.
fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_-.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn read_json(p: &Path) -> Option<Value> {
    serde_json::from_str(&std::fs::read_to_string(p).ok()?).ok()
}

enum Outcome {
    Pass,
    Fail(String),
    NoReader(String),
}

fn run_case(dir: &Path, name: &str) -> Option<Outcome> {
    let config = dir.join(format!("{name}_config.json"));
    if !config.is_file() {
        return None;
    }
    let single = dir.join(format!("{name}_expected_detailed_report.json"));
    let mut expected = Vec::new();
    if single.is_file() {
        expected.push(read_json(&single)?);
    } else {
        for i in 1.. {
            let p = dir.join(format!("{name}_{i}_expected_detailed_report.json"));
            match read_json(&p) {
                Some(v) => expected.push(v),
                None => break,
            }
        }
    }
    if expected.is_empty() {
        return None;
    }
    let reports = match run_config(&config) {
        Ok(r) => r,
        Err(RctabError::Format(e @ canvass_formats::FormatError::Unsupported { .. })) => {
            return Some(Outcome::NoReader(e.to_string()));
        }
        Err(e) => return Some(Outcome::Fail(format!("error: {e}"))),
    };
    if reports.len() != expected.len() {
        return Some(Outcome::Fail(format!(
            "{} reports, expected {}",
            reports.len(),
            expected.len()
        )));
    }
    let mut problems = Vec::new();
    for (e, r) in expected.iter().zip(&reports) {
        problems.extend(compare(e, r));
    }
    // Per-precinct / per-batch reports, where the case keeps some.
    for (folder, kind) in [
        ("Tabulate by Precinct", "precinct"),
        ("Tabulate by Batch", "batch"),
    ] {
        let Ok(entries) = std::fs::read_dir(dir.join(folder)) else {
            continue;
        };
        let prefix = format!("{name}_expected_");
        let suffix = format!("_{kind}_detailed_report.json");
        let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
        files.sort();
        for f in files {
            let file = f
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let Some(id) = file
                .strip_prefix(&prefix)
                .and_then(|r| r.strip_suffix(&suffix))
            else {
                continue;
            };
            let Some(e) = read_json(&f) else { continue };
            let found = reports.first().and_then(|r| {
                r.slices
                    .iter()
                    .find(|s| s.slice.as_ref().is_some_and(|(_, sid)| sanitize(sid) == id))
            });
            match found {
                Some(s) => problems.extend(
                    compare(&e, s)
                        .into_iter()
                        .map(|p| format!("{kind} {id}: {p}")),
                ),
                None => problems.push(format!("no {kind} report for {id}")),
            }
        }
    }
    Some(if problems.is_empty() {
        Outcome::Pass
    } else {
        Outcome::Fail(problems.join("\n      "))
    })
}

#[test]
fn rctab_regression_suite() {
    let Some(data) = data_dir() else { return };
    let root = data.join("rctab");
    let mut names: Vec<String> = std::fs::read_dir(&root)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter(|e| e.path().is_dir())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let known: BTreeMap<&str, &str> = KNOWN_FAILING.iter().copied().collect();
    let (mut pass, mut fail, mut no_reader) = (Vec::new(), Vec::new(), Vec::new());
    let mut unexpected = Vec::new();
    for name in &names {
        // About 1M ballots in 13 xlsx files: only with CANVASS_HEAVY_TESTS=1.
        if HEAVY_CASES.contains(&name.as_str())
            && std::env::var("CANVASS_HEAVY_TESTS").as_deref() != Ok("1")
        {
            eprintln!("SKIP {name}: set CANVASS_HEAVY_TESTS=1 to run it");
            continue;
        }
        let started = std::time::Instant::now();
        let Some(outcome) = run_case(&root.join(name), name) else {
            continue;
        };
        match outcome {
            Outcome::Pass => {
                eprintln!("PASS {name} ({:.1} s)", started.elapsed().as_secs_f64());
                if known.contains_key(name.as_str()) {
                    unexpected.push(format!("{name} passes but is listed in KNOWN_FAILING"));
                }
                pass.push(name.clone());
            }
            Outcome::NoReader(why) => {
                eprintln!("NO READER {name}: {why}");
                no_reader.push(name.clone());
            }
            Outcome::Fail(why) => {
                eprintln!("FAIL {name}:\n      {why}");
                if !known.contains_key(name.as_str()) {
                    unexpected.push(format!("{name} fails and is not in KNOWN_FAILING"));
                }
                fail.push(name.clone());
            }
        }
    }
    eprintln!(
        "rctab suite: {} pass, {} fail, {} without a reader in this build",
        pass.len(),
        fail.len(),
        no_reader.len()
    );
    assert!(unexpected.is_empty(), "{}", unexpected.join("\n"));
}

#[test]
fn invalid_configs_are_refused_with_reasons() {
    let Some(data) = data_dir() else { return };
    for (case, file, needle) in [
        (
            "invalid_params_test",
            "invalid_params_test_config.json",
            "tiebreakMode",
        ),
        (
            "invalid_sources_test",
            "invalid_sources_test_config.json",
            "filePath",
        ),
        ("invalid_output_directory", "config.json", "outputDirectory"),
        // ranks 4 where maxRankingsAllowed is 3
        (
            "max_ranking_enforcement",
            "max_ranking_enforcement_config.json",
            "at most 3",
        ),
        // RCTab takes a Dominion card's precinct from PrecinctManifest.json,
        // which this export lacks.
        (
            "tabulate_by_precinct_without_precincts",
            "tabulate_by_precinct_without_precincts_config.json",
            "PrecinctManifest.json",
        ),
    ] {
        let path = data.join("rctab").join(case).join(file);
        match run_config(&path) {
            Ok(_) => panic!("{case}: accepted"),
            Err(e) => {
                let text = e.to_string();
                assert!(text.contains(needle), "{case}: {text}");
            }
        }
    }
}

/// The same Minneapolis 2013 mayoral ballots as RCTab's
/// `2013_minneapolis_mayor` case, read from VoteKit's CSV (rank1..rank3 with
/// `overvote`, `undervote`, `UWI`) and counted under that case's
/// configuration: the whole detailed report must match RCTab's.
#[test]
fn minneapolis_2013_mayor_matches_rctab() {
    let Some(data) = data_dir() else { return };
    let case = data.join("rctab/2013_minneapolis_mayor");
    let Ok(config) = Config::load(&case.join("2013_minneapolis_mayor_config.json")) else {
        panic!("config");
    };
    let mut names: Vec<RankedCandidate> = config
        .candidates
        .iter()
        .map(|c| RankedCandidate::declared(c.name.as_deref().unwrap_or("")))
        .collect();
    names.push(RankedCandidate::undeclared_write_ins());
    let uwi = CandidateId((names.len() - 1) as u32);
    let index: BTreeMap<String, u32> = names
        .iter()
        .enumerate()
        .map(|(i, c)| (c.name.clone(), i as u32))
        .collect();
    let mut ballots = RankedBallots::new(names);
    let Ok(mut reader) =
        csv::Reader::from_path(data.join("minneapolis2013/mn_2013_cast_vote_record.csv"))
    else {
        panic!("csv");
    };
    for row in reader.records() {
        let Ok(row) = row else { panic!("csv row") };
        let mut marks = Vec::new();
        for (i, cell) in row.iter().enumerate() {
            let rank = i as u32 + 1;
            match cell {
                "undervote" => {}
                "overvote" => marks.push((rank, Selection::Overvote)),
                "UWI" => marks.push((rank, Selection::Candidate(uwi))),
                name => {
                    // VoteKit keeps the quotes RCTab's configuration drops.
                    let name = name.replace('"', "");
                    let Some(&c) = index.get(&name) else {
                        panic!("unknown candidate {name}")
                    };
                    marks.push((rank, Selection::Candidate(CandidateId(c))));
                }
            }
        }
        ballots.push(&marks, None, 1);
    }
    let Ok(reports) = run_loaded(&config, &ballots) else {
        panic!("run")
    };
    let [report] = reports.as_slice() else {
        panic!("one report")
    };
    let rounds = &report.result.rounds;
    assert_eq!(rounds.len(), 33);
    let last = rounds.last().map(|r| {
        r.tally
            .iter()
            .map(|(c, v)| (report.names[c.index()].clone(), v.to_string()))
            .collect::<BTreeMap<_, _>>()
    });
    let last = last.unwrap_or_default();
    assert_eq!(last.get("BETSY HODGES").map(String::as_str), Some("38852"));
    assert_eq!(last.get("MARK ANDREW").map(String::as_str), Some("24942"));
    assert_eq!(
        report
            .result
            .winners
            .iter()
            .map(|c| report.names[c.index()].as_str())
            .collect::<Vec<_>>(),
        vec!["BETSY HODGES"]
    );
    let Some(expected) =
        read_json(&case.join("2013_minneapolis_mayor_expected_detailed_report.json"))
    else {
        panic!("expected report")
    };
    let problems = compare(&expected, report);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let _ = load_ballots; // the reader path is exercised by the suite above
}

/// NSW 2021 mayoral contests (RAIRE's inputs): our IRV winner equals
/// raire-rs's winner in every contest.
#[test]
fn nsw_2021_irv_winners_match_raire() {
    let Some(data) = data_dir() else { return };
    let dir = data.join("raire-nsw2021");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| {
        p.extension().is_some_and(|e| e == "json") && !p.to_string_lossy().ends_with("_out.json")
    });
    files.sort();
    let mut checked = 0;
    for f in &files {
        let Some(input) = read_json(f) else {
            panic!("{}", f.display())
        };
        let out_path = PathBuf::from(f.to_string_lossy().replace(".json", "_out.json"));
        let Some(out) = read_json(&out_path) else {
            panic!("{}", out_path.display())
        };
        let names: Vec<RankedCandidate> = input["metadata"]["candidates"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|n| RankedCandidate::declared(n.as_str().unwrap_or("")))
                    .collect()
            })
            .unwrap_or_default();
        let mut ballots = RankedBallots::new(names);
        for v in input["votes"].as_array().into_iter().flatten() {
            let marks: Vec<(u32, Selection)> = v["prefs"]
                .as_array()
                .into_iter()
                .flatten()
                .enumerate()
                .map(|(i, c)| {
                    (
                        i as u32 + 1,
                        Selection::Candidate(CandidateId(c.as_u64().unwrap_or(0) as u32)),
                    )
                })
                .collect();
            ballots.push(&marks, None, v["n"].as_u64().unwrap_or(0));
        }
        let rules = RankedRules {
            max_skipped_ranks: None,
            tiebreak: TiebreakMode::StopCountingAndAsk,
            ..RankedRules::default()
        };
        let result = match tabulate(&ballots, &rules) {
            Ok(r) => r,
            Err(e) => panic!("{}: {e}", f.display()),
        };
        let expected = out["solution"]["Ok"]["winner"].as_u64();
        assert_eq!(
            result.winners.first().map(|c| u64::from(c.0)),
            expected,
            "{}",
            f.display()
        );
        checked += 1;
    }
    assert_eq!(checked, 33);
}

/// Our JSON layout is Jackson's: apart from `generatedBy`, the file we write
/// is byte-identical to RCTab's for these cases.
#[test]
fn report_text_is_byte_identical() {
    let Some(data) = data_dir() else { return };
    for case in [
        "test_set_1_exhaust_at_overvote",
        "test_set_multi_winner_fractional_threshold",
        "2013_minneapolis_park_bottoms_up",
    ] {
        let dir = data.join("rctab").join(case);
        let Ok(reports) = run_config(&dir.join(format!("{case}_config.json"))) else {
            panic!("{case}")
        };
        let Ok(expected) =
            std::fs::read_to_string(dir.join(format!("{case}_expected_detailed_report.json")))
        else {
            panic!("{case}")
        };
        let ours = reports[0].to_json();
        let strip = |s: &str| {
            s.lines()
                .filter(|l| !l.contains("\"generatedBy\""))
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert_eq!(strip(&ours), strip(&expected), "{case}");
    }
}

/// Cases whose `_expected_cdf_cvr.json` our CDF output does not match yet,
/// each with its reason.
const KNOWN_FAILING_CDF: &[(&str, &str)] = &[];

/// The root fields RCTab fills from the clock and its build.
const CDF_VOLATILE: [&str; 2] = ["GeneratedDate", "Version"];

fn strip_volatile(mut v: Value) -> Value {
    if let Some(obj) = v.as_object_mut() {
        for k in CDF_VOLATILE {
            obj.remove(k);
        }
    }
    v
}

fn run_cdf_case(dir: &Path, name: &str) -> Option<Result<(), String>> {
    let expected = read_json(&dir.join(format!("{name}_expected_cdf_cvr.json")))?;
    let config = dir.join(format!("{name}_config.json"));
    if !config.is_file() {
        return None;
    }
    // RCTab's suite converts (without counting) the `conversions_from_*`
    // cases and tabulates the others.
    let built = if name.starts_with("conversions_from_") {
        canvass_tabulate::rctab::cdf_conversion_json_for_config(&config)
    } else {
        canvass_tabulate::rctab::cdf_json_for_config(&config)
    };
    let actual = match built {
        Ok(v) => v,
        Err(e) => return Some(Err(format!("error: {e}"))),
    };
    let mut out = Vec::new();
    diff(
        "",
        &strip_volatile(expected),
        &strip_volatile(actual),
        &mut out,
    );
    Some(if out.is_empty() {
        Ok(())
    } else {
        Err(out.join("\n    "))
    })
}

#[test]
fn rctab_cdf_json_matches_expected() {
    let Some(data) = data_dir() else { return };
    let root = data.join("rctab");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    dirs.sort();
    let known: BTreeMap<&str, &str> = KNOWN_FAILING_CDF.iter().copied().collect();
    let (mut passed, mut failed) = (0, 0);
    let mut unexpected = Vec::new();
    for dir in dirs {
        let Some(name) = dir.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
            continue;
        };
        let Some(outcome) = run_cdf_case(&dir, &name) else {
            continue;
        };
        match outcome {
            Ok(()) => {
                passed += 1;
                eprintln!("cdf pass {name}");
                if known.contains_key(name.as_str()) {
                    unexpected.push(format!("{name} passes but is listed in KNOWN_FAILING_CDF"));
                }
            }
            Err(why) => {
                failed += 1;
                eprintln!("cdf FAIL {name}:\n    {why}");
                if !known.contains_key(name.as_str()) {
                    unexpected.push(format!("{name} fails and is not in KNOWN_FAILING_CDF"));
                }
            }
        }
    }
    eprintln!("cdf cases: {passed} pass, {failed} fail");
    assert!(unexpected.is_empty(), "{}", unexpected.join("\n"));
}
