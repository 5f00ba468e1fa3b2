//! `canvass tabulate PATH... [--format F] [--contest NAME] [--report text|json|csv]`

use anyhow::{Context, bail};
use canvass_formats::{Format, ReadThreads, SourceOptions};
use canvass_model::Election;
use canvass_tabulate::{ContestResult, Outcome, Tabulator, report};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// How the result is printed.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum ReportKind {
    /// A readable table per contest.
    Text,
    /// `{"contests":[...]}`.
    Json,
    /// One row per contest × candidate (× round).
    Csv,
    /// RCTab's detailed report JSON (with `--rctab-config` only).
    RctabJson,
}

/// Arguments of `canvass tabulate`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// CVR files or folders, read in order.
    #[arg(
        required_unless_present = "rctab_config",
        conflicts_with = "rctab_config"
    )]
    paths: Vec<PathBuf>,
    /// Count the ranked contest an RCTab configuration file describes (its
    /// CVR sources, candidates and rules) instead of PATHs.
    #[arg(long, value_name = "CONFIG")]
    rctab_config: Option<PathBuf>,
    /// Also write RCTab's CDF JSON of the counted ballots (original and
    /// per-round snapshots) to FILE (with `--rctab-config` only).
    #[arg(long, value_name = "FILE", requires = "rctab_config")]
    cdf_out: Option<PathBuf>,
    /// The input format (detected from each file when absent).
    #[arg(long, value_parser = parse_format)]
    format: Option<Format>,
    /// Report only this contest (its name or its id in the files).
    #[arg(long)]
    contest: Option<String>,
    /// The report to print on stdout.
    #[arg(long, value_enum, default_value = "text")]
    report: ReportKind,
}

impl Args {
    /// `canvass tabulate PATH...` with the text report (used by `canvass demo`).
    pub(crate) fn text_report(paths: Vec<PathBuf>) -> Args {
        Args {
            paths,
            rctab_config: None,
            format: None,
            contest: None,
            report: ReportKind::Text,
            cdf_out: None,
        }
    }
}

fn parse_format(s: &str) -> Result<Format, String> {
    s.parse()
}

/// A spinner on stderr counting cards; hidden when stderr is not a terminal.
fn progress() -> ProgressBar {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if !std::io::stderr().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} {human_pos} cards read ({per_sec}, {elapsed})")
    {
        bar.set_style(style);
    }
    bar
}

/// Run the command.
pub fn run(args: Args) -> anyhow::Result<()> {
    let results = match &args.rctab_config {
        Some(config) => {
            let reports = canvass_tabulate::rctab::run_config(config)
                .with_context(|| format!("running RCTab configuration {}", config.display()))?;
            if let Some(out) = &args.cdf_out {
                let doc = canvass_tabulate::rctab::cdf_json_for_config(config)
                    .with_context(|| format!("building the CDF JSON of {}", config.display()))?;
                let text =
                    serde_json::to_string_pretty(&doc).context("serialising the CDF JSON")?;
                std::fs::write(out, text).with_context(|| format!("writing {}", out.display()))?;
            }
            if let ReportKind::RctabJson = args.report {
                let mut stdout = std::io::stdout().lock();
                let json = match reports.as_slice() {
                    [one] => one.to_json(),
                    many => canvass_tabulate::rctab::reports_to_json(many),
                };
                stdout
                    .write_all(json.as_bytes())
                    .context("writing the report")?;
                return stdout.flush().context("writing the report");
            }
            reports.iter().map(ContestResult::from_rctab).collect()
        }
        None => read_and_count(&args)?,
    };
    report_results(&args, results)
}

/// Read every card of the paths and count every contest.
fn read_and_count(args: &Args) -> anyhow::Result<Vec<ContestResult>> {
    let mut election = Election::default();
    let bar = progress();
    let mut pending = 0u64;
    let tabulator = Tabulator::read_paths(
        &args.paths,
        args.format,
        &SourceOptions::default(),
        &mut election,
        ReadThreads::Auto,
        &mut |n| {
            pending += n;
            if pending >= 8192 {
                bar.inc(pending);
                pending = 0;
            }
        },
    )
    .context("reading cast vote records")?;
    bar.inc(pending);
    bar.finish_and_clear();
    Ok(tabulator.results(&election))
}

fn report_results(args: &Args, mut results: Vec<ContestResult>) -> anyhow::Result<()> {
    if let Some(wanted) = &args.contest {
        results.retain(|r| &r.name == wanted || &r.id == wanted);
        if results.is_empty() {
            bail!("no contest named {wanted:?} on any card read");
        }
    }
    let out = match args.report {
        ReportKind::Json => report::to_json(&results),
        ReportKind::Text => report::to_text(&results),
        ReportKind::Csv => report::to_csv(&results).context("writing the CSV report")?,
        ReportKind::RctabJson => bail!("--report rctab-json needs --rctab-config"),
    };
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(out.as_bytes())
        .context("writing the report")?;
    stdout.flush().context("writing the report")?;

    let failed: Vec<String> = results
        .iter()
        .filter_map(|r| match &r.outcome {
            Outcome::Error(e) => Some(e.clone()),
            _ => None,
        })
        .collect();
    if !failed.is_empty() {
        bail!(
            "{} contest(s) could not be counted: {}",
            failed.len(),
            failed.join("; ")
        );
    }
    Ok(())
}
