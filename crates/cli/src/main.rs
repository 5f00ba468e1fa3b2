//! `canvass`: count, reconcile, commit, audit and verify elections from their
//! records. A thin shell over the library crates.

mod cmd_sample;

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
    /// Draw an audit sample with a published sampler (rivest, sha256-counter, cryptorandom).
    Sample(cmd_sample::SampleArgs),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Sample(args) => cmd_sample::run(args),
    }
}
