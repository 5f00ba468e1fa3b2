//! `canvass`: count, reconcile, commit, audit and verify elections from their
//! records. A thin shell over the library crates.

use clap::{Parser, Subcommand};

/// Election verification from paper and machine records.
#[derive(Parser)]
#[command(name = "canvass", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {}
}
