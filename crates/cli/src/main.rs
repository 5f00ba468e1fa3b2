//! `canvass`: count, reconcile, commit, audit and verify elections from their
//! records. A thin shell over the library crates.

use clap::{Parser, Subcommand};

mod cmd_convert;

/// Election verification from paper and machine records.
#[derive(Parser)]
#[command(name = "canvass", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Convert cast vote records to NIST CDF JSON or a Dominion export.
    Convert(cmd_convert::ConvertArgs),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Convert(args) => cmd_convert::run(args),
    }
}
