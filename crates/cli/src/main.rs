//! `canvass`: count, reconcile, commit, audit and verify elections from their
//! records. A thin shell over the library crates.

mod cmd_calc;

use clap::{Parser, Subcommand};

/// Election verification from paper and machine records.
#[derive(Parser)]
#[command(name = "canvass", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Risk measurements and sample sizes.
    Calc(cmd_calc::CalcArgs),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Calc(args) => cmd_calc::run(args),
    }
}
