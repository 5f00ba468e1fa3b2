//! `canvass demo [--out DIR] [--ballots N] [--seed S]`: the whole pipeline on a
//! generated election, as the README's first command.
//!
//! 1. generate a realistic election (CDF JSON CVRs and a ballot manifest);
//! 2. count every contest;
//! 3. create a ballot-comparison audit of every plurality contest, kept in
//!    the embedded SQLite store (`work/audit/audit.db`), record the inputs'
//!    SHA-256, then a public seed;
//! 4. round by round: draw, let simulated audit boards read the paper (the
//!    generated truth, with a few planted misreads), record, measure the risk;
//! 5. stop when every contest is confirmed or hand counted, publish the
//!    record into DIR and verify it.
//!
//! The published record lands in DIR (default `./demo-record`,
//! docs/RECORD.md) and the work files (generated CVRs, board files, the audit
//! folder of docs/AUDIT.md) in DIR/work. The demo calls the same functions as the
//! `generate`, `tabulate` and `audit` commands.

use crate::audit_dir::{Audit, write_atomic};
use crate::{cmd_audit, cmd_generate, cmd_publish, cmd_tabulate};
use anyhow::{Context, bail};
use canvass_audit::workflow::{ContestState, Method, RiskFunction};
use canvass_formats::Format;
use canvass_generate::{Config, Plan};
use canvass_model::ContestKind;
use canvass_verify::record::copy_files;
use canvass_verify::verify_record;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// The file that marks a folder as a demo's, so a second run may replace it.
const MARKER: &str = ".canvass-demo";

/// The demo's public seed: in a real audit, 20 digits from dice rolled in public.
const DEMO_SEED: &str = "38192047561029384756";

/// Arguments of `canvass demo`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Where to leave the record (replaced if it holds an earlier demo).
    #[arg(long, default_value = "demo-record")]
    out: PathBuf,
    /// Number of cards in the generated election.
    #[arg(long, default_value_t = 20_000)]
    ballots: u64,
    /// The generator's seed.
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// How many sampled cards the simulated boards misread in round 1.
    #[arg(long, default_value_t = 2)]
    misreads: usize,
}

/// Run the demo.
pub fn run(args: Args) -> anyhow::Result<()> {
    prepare(&args.out)?;
    let out = &args.out;

    println!("== 1. generate an election of {} cards", args.ballots);
    let plan = Plan::new(Config {
        ballots: args.ballots,
        contests: 4,
        ranked: 1,
        candidates: 4,
        seed: args.seed,
    })?;
    let work = out.join("work");
    std::fs::create_dir_all(&work).with_context(|| format!("{}: cannot create", work.display()))?;
    let cvrs = work.join("cvrs.cdf.json");
    cmd_generate::write_cvrs(&plan, Format::CdfJson, &cvrs)?;
    let manifest = cmd_generate::manifest_path(&cvrs);
    let mut w = BufWriter::new(
        File::create(&manifest).with_context(|| format!("creating {}", manifest.display()))?,
    );
    plan.write_manifest_csv(&mut w)?;
    w.flush()
        .with_context(|| format!("writing {}", manifest.display()))?;
    println!(
        "   CVRs: {}\n   manifest: {}",
        cvrs.display(),
        manifest.display()
    );

    println!("\n== 2. count every contest");
    cmd_tabulate::run(cmd_tabulate::Args::text_report(vec![cvrs.clone()]))?;

    let contests: Vec<String> = plan
        .election
        .contests
        .iter()
        .filter(|c| matches!(c.kind, ContestKind::Plurality | ContestKind::Approval))
        .map(|c| c.name.clone())
        .collect();
    let dir = work.join("audit");
    println!(
        "\n== 3. create a ballot-comparison audit (risk limit 5%) of: {}",
        contests.join(", ")
    );
    println!(
        "   the audit is kept in the embedded store, SQLite: {} (its files are the export)",
        dir.join(crate::audit_store::STORE_FILE).display()
    );
    cmd_audit::create(
        &dir,
        std::slice::from_ref(&cvrs),
        Some(Format::CdfJson),
        &manifest,
        &contests,
        0.05,
        Method::Comparison,
        RiskFunction::KaplanMarkov,
        None,
    )?;
    println!(
        "   publish the SHA-256 of {}, then roll the dice",
        dir.join("inputs.json").display()
    );
    cmd_audit::record_seed(&dir, DEMO_SEED)?;

    let mut misreads = args.misreads;
    for round in 1.. {
        if round > 20 {
            bail!("the demo audit did not finish in 20 rounds");
        }
        println!("\n== 4.{round}. round {round}: draw, read the paper, measure the risk");
        cmd_audit::draw(&dir)?;
        let board_file = work.join(format!("board-round-{round}.csv"));
        let planted = simulate_boards(&dir, round, &board_file, misreads)?;
        misreads -= planted;
        if planted > 0 {
            println!(
                "   the simulated boards misread {planted} vote(s) for a winner as blank (planted one-vote overstatements)"
            );
        }
        cmd_audit::record(&dir, &board_file, Some(&format!("BOARD-{round}")))?;
        cmd_audit::status(&dir, false)?;
        let audit = Audit::open(&dir)?;
        let done = cmd_audit::statuses(&audit).iter().all(|s| {
            matches!(s.state, ContestState::Confirmed)
                || (s.sample_size >= s.universe && s.recorded >= s.universe)
        });
        if done {
            break;
        }
    }
    println!("\n== 5. publish the record into {}", out.display());
    let (public, events) = cmd_publish::write_reports(&dir)?;
    copy_files(&dir, &public, out)?;
    println!(
        "   {} files, {events} log events with signed checkpoints (docs/RECORD.md); work files in {}",
        public.len(),
        work.display()
    );
    println!("\n== 6. verify the record from its files alone");
    let report = verify_record(out, None);
    for f in &report.failures {
        println!("   FAIL {f}");
    }
    if !report.ok() {
        bail!("the demo record does not verify");
    }
    println!(
        "   PASS ({} checks); run `canvass verify {}` yourself",
        report.passed.len(),
        out.display()
    );
    println!("\n== done: the published record is in {}", out.display());
    Ok(())
}

/// Make `out` an empty folder, replacing an earlier demo but nothing else.
fn prepare(out: &Path) -> anyhow::Result<()> {
    if out.exists() {
        let is_empty = out
            .read_dir()
            .with_context(|| format!("{}: cannot read", out.display()))?
            .next()
            .is_none();
        if !is_empty {
            if !out.join(MARKER).exists() {
                bail!(
                    "{}: exists and is not an earlier demo; choose another --out",
                    out.display()
                );
            }
            std::fs::remove_dir_all(out)
                .with_context(|| format!("{}: cannot remove the earlier demo", out.display()))?;
        }
    }
    std::fs::create_dir_all(out).with_context(|| format!("{}: cannot create", out.display()))?;
    write_atomic(&out.join(MARKER), b"made by `canvass demo`\n")
}

/// The simulated audit boards: for each card of this round's retrieval list,
/// write what the paper shows. The paper is what the generator printed (the
/// CVR's selection in `cards.csv`), except that the first `misreads` cards
/// whose CVR votes for a reported winner of the first audited contest are read
/// as blank: one-vote overstatements, which make the audit take more cards.
/// Returns how many were planted.
fn simulate_boards(
    dir: &Path,
    round: u32,
    board_file: &Path,
    misreads: usize,
) -> anyhow::Result<usize> {
    // Every card's CVR selections, keyed by (tabulator, batch, position).
    let cards_path = dir.join("cards.csv");
    let mut cards = csv::Reader::from_path(&cards_path)
        .with_context(|| format!("{}: cannot read", cards_path.display()))?;
    let headers = cards.headers()?.clone();
    let first_contest = 6; // tabulator,batch,position,imprinted_id,card_id,phantom
    let contest_names: Vec<String> = headers
        .iter()
        .skip(first_contest)
        .map(str::to_owned)
        .collect();
    let mut paper: BTreeMap<(String, String, String), Vec<String>> = BTreeMap::new();
    for row in cards.records() {
        let row = row.with_context(|| format!("{}: cannot read", cards_path.display()))?;
        let key = (
            row.get(0).unwrap_or_default().to_owned(),
            row.get(1).unwrap_or_default().to_owned(),
            row.get(2).unwrap_or_default().to_owned(),
        );
        let phantom = row.get(5) == Some("yes");
        let cells = row
            .iter()
            .skip(first_contest)
            .map(|c| {
                if phantom {
                    "blank".to_owned()
                } else {
                    c.to_owned()
                }
            })
            .collect();
        paper.insert(key, cells);
    }

    let list = dir.join(format!("round-{round}")).join("retrieval.csv");
    let mut retrieval = csv::Reader::from_path(&list)
        .with_context(|| format!("{}: cannot read", list.display()))?;
    let mut out = csv::Writer::from_path(board_file)
        .with_context(|| format!("{}: cannot write", board_file.display()))?;
    let mut header = vec!["tabulator".to_owned(), "batch".into(), "position".into()];
    header.extend(contest_names.iter().cloned());
    out.write_record(&header)?;
    let audit = Audit::open(dir)?;
    let winners: Vec<String> = audit
        .spec
        .contests
        .first()
        .map(|c| {
            c.winners
                .iter()
                .filter_map(|&w| c.candidates.get(w).cloned())
                .collect()
        })
        .unwrap_or_default();
    let mut planted = 0;
    for row in retrieval.records() {
        let row = row.with_context(|| format!("{}: cannot read", list.display()))?;
        let key = (
            row.get(0).unwrap_or_default().to_owned(),
            row.get(1).unwrap_or_default().to_owned(),
            row.get(2).unwrap_or_default().to_owned(),
        );
        let Some(cells) = paper.get(&key) else {
            bail!("{}: card {key:?} is not in cards.csv", list.display());
        };
        let mut cells = cells.clone();
        if planted < misreads
            && let Some(first) = cells.first_mut()
            && winners.iter().any(|w| w == first)
        {
            *first = "blank".to_owned();
            planted += 1;
        }
        let mut record = vec![key.0, key.1, key.2];
        record.extend(cells);
        out.write_record(&record)?;
    }
    out.flush()
        .with_context(|| format!("{}: cannot write", board_file.display()))?;
    Ok(planted)
}
