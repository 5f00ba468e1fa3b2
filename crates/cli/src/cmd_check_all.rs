//! `canvass check all --dir DIR`: every check whose inputs are in one folder
//! under their canonical names (`canvass_checks::mock::files`, the names
//! `canvass check mock` writes), each run as its own command line would run
//! it with its defaults; each finding saved as `FINDINGS_DIR/NAME.json`, and
//! one summary.
//!
//! A run is the single check's command line (`canvass check reconcile --dir
//! DIR`, `canvass check deceased --voters DIR/voters.csv --deaths
//! DIR/deaths.csv`, ...), parsed with the same arguments and computed by
//! [`crate::cmd_check::finding`], so the finding, its errors and its
//! reproduce-command are the single command's.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;
use canvass_checks::finding::Finding;
use canvass_checks::mock::files;
use clap::Parser;

use crate::cmd_check::{CheckCommand, command_line, in_dir};

/// Arguments of `canvass check all`.
#[derive(clap::Args, Debug)]
pub struct AllArgs {
    /// The folder of election records, each under its canonical name
    /// (docs/CHECKS.md, "Every check on a folder").
    #[arg(long, value_name = "DIR")]
    dir: PathBuf,
    /// Where to write the findings (`CHECK.json` each, and `summary.json`);
    /// default DIR/findings.
    #[arg(long, value_name = "FINDINGS_DIR")]
    out: Option<PathBuf>,
    /// Print the summary as JSON instead of text.
    #[arg(long)]
    json: bool,
    /// Also append every finding to the evidence log in LOGDIR (see
    /// `canvass check reconcile --help`).
    #[arg(long, value_name = "LOGDIR")]
    evidence_log: Option<PathBuf>,
    /// The election of mail ballots whose row has no `election` (timeliness;
    /// the built-in rules table is for `2020-general`).
    #[arg(long, default_value = "2020-general")]
    election: String,
}

/// One run: a check's command line on files of the folder.
struct Plan {
    /// The run's name: in the summary, and its finding's file `NAME.json`.
    name: &'static str,
    /// The `canvass check` subcommand.
    check: &'static str,
    /// `--dir DIR`: the check finds its own inputs in the folder; it runs
    /// when at least one of `any_of` is there.
    dir: bool,
    /// See `dir`.
    any_of: &'static [&'static str],
    /// Files that must be there, with the option that takes each.
    required: &'static [(&'static str, &'static str)],
    /// Files used when there.
    optional: &'static [(&'static str, &'static str)],
    /// Give `--election`.
    election: bool,
}

/// Every run, in the order of the summary.
const PLANS: [Plan; 7] = [
    Plan {
        name: "reconcile",
        check: "reconcile",
        dir: true,
        any_of: &files::RECONCILE,
        required: &[],
        optional: &[],
        election: false,
    },
    Plan {
        name: "machine-vs-paper",
        check: "machine-vs-paper",
        dir: false,
        any_of: &[],
        required: &[("--hand", files::HAND), ("--machine", files::MACHINE)],
        optional: &[("--discrepancies", files::AUDIT_DISCREPANCIES)],
        election: false,
    },
    Plan {
        name: "timeliness",
        check: "timeliness",
        dir: false,
        any_of: &[],
        required: &[("--ballots", files::MAIL_BALLOTS)],
        optional: &[],
        election: true,
    },
    Plan {
        name: "observers",
        check: "observers",
        dir: false,
        any_of: &[],
        required: &[
            ("--log", files::OBSERVER_LOG),
            ("--access", files::OBSERVER_ACCESS),
            ("--schedule", files::COUNTING_SCHEDULE),
        ],
        optional: &[],
        election: false,
    },
    Plan {
        name: "deceased",
        check: "deceased",
        dir: false,
        any_of: &[],
        required: &[("--voters", files::VOTERS), ("--deaths", files::DEATHS)],
        optional: &[],
        election: false,
    },
    Plan {
        name: "duplicates",
        check: "duplicates",
        dir: false,
        any_of: &[],
        required: &[("--voters", files::VOTERS)],
        optional: &[],
        election: false,
    },
    Plan {
        name: "duplicates-other-state",
        check: "duplicates",
        dir: false,
        any_of: &[],
        required: &[
            ("--voters", files::VOTERS),
            ("--other-state", files::OTHER_STATE),
        ],
        optional: &[],
        election: false,
    },
];

/// A single check's command line, parsed as `canvass check` parses it.
#[derive(Parser, Debug)]
#[command(name = "canvass check")]
struct Single {
    #[command(subcommand)]
    command: CheckCommand,
}

/// What became of one run.
enum Outcome {
    /// The finding, saved in this file.
    Ran {
        finding: Box<Finding>,
        file: PathBuf,
    },
    /// These inputs are not in the folder.
    NotRun { missing: Vec<&'static str> },
    /// The check stopped with this error.
    Failed { error: anyhow::Error },
}

/// The arguments after `canvass check` of `plan` on `dir`, or the missing
/// files.
fn command(plan: &Plan, dir: &Path, election: &str) -> Result<Vec<OsString>, Vec<&'static str>> {
    let missing: Vec<&'static str> = plan
        .required
        .iter()
        .map(|(_, name)| *name)
        .filter(|name| in_dir(dir, name).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(missing);
    }
    if !plan.any_of.is_empty() && plan.any_of.iter().all(|n| in_dir(dir, n).is_none()) {
        return Err(plan.any_of.to_vec());
    }
    let mut args: Vec<OsString> = vec![plan.check.into()];
    if plan.dir {
        args.extend(["--dir".into(), dir.as_os_str().to_owned()]);
    }
    for (option, name) in plan.required.iter().chain(plan.optional) {
        if let Some(path) = in_dir(dir, name) {
            args.extend([(*option).into(), path.into_os_string()]);
        }
    }
    if plan.election {
        args.extend(["--election".into(), election.into()]);
    }
    Ok(args)
}

/// Run the check of `args` (after `canvass check`), save its finding in
/// `file` and log it when asked.
fn run_one(args: Vec<OsString>, file: &Path, log: Option<&Path>) -> anyhow::Result<Finding> {
    let reproduce = command_line(
        std::iter::once("check".to_string())
            .chain(args.iter().map(|a| a.to_string_lossy().into_owned())),
    );
    let single =
        Single::try_parse_from(std::iter::once(OsString::from("canvass check")).chain(args))
            .context("the check's command line")?;
    let finding = crate::cmd_check::finding(single.command, reproduce)?;
    canvass_checks::mock::write_atomic(file, &finding.to_json())
        .with_context(|| format!("saving the finding to {}", file.display()))?;
    crate::check_log::log_if_asked(log, &finding)?;
    Ok(finding)
}

/// Run `canvass check all`.
pub fn run(a: AllArgs) -> anyhow::Result<()> {
    if !a.dir.is_dir() {
        anyhow::bail!("{}: not a folder", a.dir.display());
    }
    let out = a.out.clone().unwrap_or_else(|| a.dir.join("findings"));
    std::fs::create_dir_all(&out)
        .with_context(|| format!("{}: cannot create the findings folder", out.display()))?;
    let mut outcomes = Vec::with_capacity(PLANS.len());
    for plan in &PLANS {
        let file = out.join(format!("{}.json", plan.name));
        let outcome = match command(plan, &a.dir, &a.election) {
            Err(missing) => Outcome::NotRun { missing },
            Ok(args) => match run_one(args, &file, a.evidence_log.as_deref()) {
                Ok(finding) => Outcome::Ran {
                    finding: Box::new(finding),
                    file: file.clone(),
                },
                Err(error) => {
                    // As the single command reports it.
                    eprintln!("check all: {}: Error: {error:?}", plan.name);
                    Outcome::Failed { error }
                }
            },
        };
        if !matches!(outcome, Outcome::Ran { .. }) {
            // No finding from an earlier run may stand for this one.
            if let Err(e) = std::fs::remove_file(&file)
                && e.kind() != std::io::ErrorKind::NotFound
            {
                return Err(e).with_context(|| format!("removing {}", file.display()));
            }
        }
        outcomes.push((plan.name, outcome));
    }
    let json = summary_json(&a.dir, &out, &outcomes);
    let mut json_text = serde_json::to_string_pretty(&json)?;
    json_text.push('\n');
    let summary_file = out.join("summary.json");
    canvass_checks::mock::write_atomic(&summary_file, &json_text)
        .with_context(|| format!("saving the summary to {}", summary_file.display()))?;
    let text = if a.json {
        json_text
    } else {
        summary_text(&a.dir, &out, &outcomes)
    };
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .context("writing the summary")?;
    let failed: Vec<&str> = outcomes
        .iter()
        .filter(|(_, o)| matches!(o, Outcome::Failed { .. }))
        .map(|(name, _)| *name)
        .collect();
    if !failed.is_empty() {
        anyhow::bail!(
            "{} of {} checks stopped with an error: {} (the other checks ran; see the summary)",
            failed.len(),
            PLANS.len(),
            failed.join(", ")
        );
    }
    Ok(())
}

fn counts(outcomes: &[(&str, Outcome)]) -> (usize, usize, usize) {
    let n = |f: fn(&Outcome) -> bool| outcomes.iter().filter(|(_, o)| f(o)).count();
    (
        n(|o| matches!(o, Outcome::Ran { .. })),
        n(|o| matches!(o, Outcome::NotRun { .. })),
        n(|o| matches!(o, Outcome::Failed { .. })),
    )
}

fn summary_json(dir: &Path, out: &Path, outcomes: &[(&str, Outcome)]) -> serde_json::Value {
    let checks: Vec<serde_json::Value> = outcomes
        .iter()
        .map(|(name, o)| match o {
            Outcome::Ran { finding, file } => serde_json::json!({
                "name": name,
                "outcome": "run",
                "check": finding.check,
                "allegation": finding.allegation,
                "status": finding.status,
                "status_text": finding.status.to_string(),
                "failures": finding.failures.len(),
                "finding": file.display().to_string(),
                "reproduce": finding.reproduce,
            }),
            Outcome::NotRun { missing } => serde_json::json!({
                "name": name,
                "outcome": "not_run",
                "missing": missing,
            }),
            Outcome::Failed { error } => serde_json::json!({
                "name": name,
                "outcome": "error",
                "error": format!("{error:#}"),
            }),
        })
        .collect();
    let (ran, not_run, errors) = counts(outcomes);
    serde_json::json!({
        "schema": "canvass.check-all.v1",
        "dir": dir.display().to_string(),
        "findings_dir": out.display().to_string(),
        "run": ran,
        "not_run": not_run,
        "errors": errors,
        "checks": checks,
    })
}

fn summary_text(dir: &Path, out: &Path, outcomes: &[(&str, Outcome)]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Checks of {} (findings in {})\n",
        dir.display(),
        out.display()
    );
    for (name, o) in outcomes {
        match o {
            Outcome::Ran { finding, file } => {
                let _ = writeln!(s, "{name}: \"{}\"", finding.allegation);
                let failing = match finding.failures.len() {
                    0 => String::new(),
                    1 => " (1 row failing the rule)".to_string(),
                    n => format!(" ({n} rows failing the rule)"),
                };
                let _ = writeln!(s, "  status:  {}{failing}", finding.status);
                let _ = writeln!(s, "  finding: {}", file.display());
            }
            Outcome::NotRun { missing } => {
                let _ = writeln!(s, "{name}: not run, missing {}", missing.join(", "));
            }
            Outcome::Failed { error } => {
                let _ = writeln!(s, "{name}: error: {error:#}");
            }
        }
    }
    let (ran, not_run, errors) = counts(outcomes);
    let _ = writeln!(
        s,
        "\n{ran} run, {not_run} not run, {errors} stopped with an error; summary in {}",
        out.join("summary.json").display()
    );
    s
}
