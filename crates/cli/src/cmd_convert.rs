//! `canvass convert`: read CVRs in any format and write them as NIST CDF JSON
//! (to a file or standard output) or as a Dominion CVR export folder.

use anyhow::{Context, bail};
use canvass_formats::cdf_json_writer::CdfJsonWriter;
use canvass_formats::dominion_json_writer::DominionJsonWriter;
use canvass_formats::{Format, SourceOptions, read_paths};
use canvass_model::Election;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

/// The formats `convert` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    /// NIST SP 1500-103 CDF JSON (one file).
    CdfJson,
    /// Dominion CVR export JSON (a folder; needs --out).
    DominionJson,
}

/// Convert cast vote records from one format to another, streaming.
#[derive(clap::Args, Debug)]
pub struct ConvertArgs {
    /// The CVR files or folders to read, in order.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The input format (detected when omitted).
    #[arg(long, value_parser = |s: &str| s.parse::<Format>())]
    pub format: Option<Format>,
    /// Read only this contest (RCTab's `contestId`).
    #[arg(long)]
    pub contest: Option<String>,
    /// The output format.
    #[arg(long, value_enum)]
    pub to: Target,
    /// Where to write: a file for cdf-json (standard output when omitted),
    /// a folder for dominion-json.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Run `canvass convert`.
pub fn run(args: ConvertArgs) -> anyhow::Result<()> {
    let options = SourceOptions {
        contest: args.contest.clone(),
        ..SourceOptions::default()
    };
    let mut election = Election::default();
    match args.to {
        Target::CdfJson => {
            let out: Box<dyn Write> = match &args.out {
                Some(p) => Box::new(
                    std::fs::File::create(p)
                        .with_context(|| format!("creating {}", p.display()))?,
                ),
                None => Box::new(std::io::stdout().lock()),
            };
            let mut writer = CdfJsonWriter::new(BufWriter::with_capacity(1 << 20, out), None)?;
            read_paths(
                &args.paths,
                args.format,
                &options,
                &mut election,
                &mut |e, card| writer.write_card(e, &card),
            )?;
            writer.finish(&election)?;
        }
        Target::DominionJson => {
            let Some(folder) = &args.out else {
                bail!("--to dominion-json writes a folder: name it with --out");
            };
            let mut writer = DominionJsonWriter::new(folder, &election)?;
            read_paths(
                &args.paths,
                args.format,
                &options,
                &mut election,
                &mut |e, card| writer.write_card(e, &card),
            )?;
            writer.finish(&election)?;
        }
    }
    Ok(())
}
