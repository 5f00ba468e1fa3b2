//! `canvass check`: answer an allegation with the election's own records.
//! Each subcommand writes a finding (`canvass.finding.v1`); see
//! `docs/CHECKS.md`.

use anyhow::Result;

use crate::cmd_check_linkage;

/// Arguments of `canvass check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// "Dead people voted": link the voter history with death records.
    Deceased(cmd_check_linkage::DeceasedArgs),
    /// "People voted twice": link a voter history with itself or another state's.
    Duplicates(cmd_check_linkage::DuplicatesArgs),
    /// Write mock voter, death and other-state files with planted cases.
    #[command(name = "mock-people")]
    MockPeople(cmd_check_linkage::MockArgs),
}

/// Run `canvass check`.
pub fn run(args: Args) -> Result<()> {
    match args.command {
        Command::Deceased(a) => cmd_check_linkage::run_deceased(a),
        Command::Duplicates(a) => cmd_check_linkage::run_duplicates(a),
        Command::MockPeople(a) => cmd_check_linkage::run_mock(a),
    }
}
