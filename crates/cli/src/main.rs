//! `canvass`: count, reconcile, commit, audit and verify elections from their
//! records. A thin shell over the library crates.

mod cmd_calc;
mod cmd_commit;
mod cmd_keys;
mod cmd_sample;
mod cmd_serve;

use clap::{Parser, Subcommand};

use canvass_verify::audit_dir;
use canvass_verify::batch_dir;
mod audit_log;
mod audit_store;
mod check_log;
mod cmd_audit;
mod cmd_audit_batch;
mod cmd_check;
mod cmd_check_all;
mod cmd_check_linkage;
mod cmd_convert;
mod cmd_demo;
mod cmd_generate;
mod cmd_label;
mod cmd_publish;
mod cmd_tabulate;
mod cmd_verify;

/// Election verification from paper and machine records.
#[derive(Parser)]
#[command(name = "canvass", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the whole pipeline on a generated demo election: count, commit, seed, audit round by round.
    Demo(cmd_demo::Args),
    /// Run a risk-limiting audit from files: create, seed, draw, record, status.
    Audit(cmd_audit::Args),
    /// Publish an audit's record: its public files, reports and signed log (docs/RECORD.md).
    Publish(cmd_publish::Args),
    /// Verify a published record: recompute every hash, root, proof, signature, sample, risk and outcome.
    Verify(cmd_verify::Args),
    /// Count every contest of a set of CVR files and report the outcome.
    Tabulate(cmd_tabulate::Args),
    /// Generate a realistic, deterministic election (CVRs and ballot manifest).
    Generate(cmd_generate::Args),
    /// Convert cast vote records to NIST CDF JSON or a Dominion export.
    Convert(cmd_convert::ConvertArgs),
    /// Manage the Ed25519 keys that sign checkpoints.
    Keys(cmd_keys::KeysArgs),
    /// Commit to cast vote records: a Merkle root over their canonical encoding.
    Commit(cmd_commit::CommitArgs),
    /// Benchmark the commitment on synthetic cards.
    #[command(hide = true)]
    BenchCommit(cmd_commit::BenchCommitArgs),
    /// Answer an allegation with the election's own records (findings).
    Check(cmd_check::Args),
    /// Risk measurements and sample sizes.
    Calc(cmd_calc::CalcArgs),
    /// Draw an audit sample with a published sampler (rivest, sha256-counter, cryptorandom).
    Sample(cmd_sample::SampleArgs),
    /// Serve the audit room on the web: administrators, audit boards, observers, the public.
    Serve(cmd_serve::Args),
    /// Which allegation a post makes, and the label its published finding allows; or a TREC run over a claim collection.
    Label(cmd_label::Args),
}

fn main() -> std::process::ExitCode {
    match run(Cli::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        // Output piped into `head` and closed early is not a failure.
        Err(e) if broken_pipe(&e) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e:?}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Demo(args) => cmd_demo::run(args),
        Command::Audit(args) => cmd_audit::run(args),
        Command::Publish(args) => cmd_publish::run(args),
        Command::Verify(args) => cmd_verify::run(args),
        Command::Tabulate(args) => cmd_tabulate::run(args),
        Command::Generate(args) => cmd_generate::run(args),
        Command::Convert(args) => cmd_convert::run(args),
        Command::Keys(args) => cmd_keys::run(args),
        Command::Commit(args) => cmd_commit::run(args),
        Command::BenchCommit(args) => cmd_commit::run_bench(args),
        Command::Check(args) => cmd_check::run(args),
        Command::Calc(args) => cmd_calc::run(args),
        Command::Sample(args) => cmd_sample::run(args),
        Command::Serve(args) => cmd_serve::run(args),
        Command::Label(args) => cmd_label::run(args),
    }
}
