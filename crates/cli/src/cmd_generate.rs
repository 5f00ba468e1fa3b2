//! `canvass generate --ballots N --contests K [--ranked R] [--candidates C]
//! [--seed S] --format cdf-json|dominion-json --out PATH [--batch-tallies CSV]`
//!
//! Writes the CVRs in the chosen format (a CDF JSON file, or a Dominion
//! export folder) and the ballot manifest (`batch,ballots`) next to them
//! (`PATH.manifest.csv`, or `manifest.csv` inside the folder), and prints the true tallies as JSON on
//! stdout. With `--batch-tallies` it also writes the CVRs' votes per batch
//! (`batch,contest,candidate,votes`, plurality and vote-for-N contests), the
//! input of a batch-comparison audit (docs/AUDIT.md).

use anyhow::{Context, bail};
use canvass_formats::Format;
use canvass_formats::cdf_json_writer::CdfJsonWriter;
use canvass_formats::dominion_json_writer::DominionJsonWriter;
use canvass_generate::{Config, Plan, Truth};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Arguments of `canvass generate`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Number of cards.
    #[arg(long)]
    ballots: u64,
    /// Number of contests.
    #[arg(long)]
    contests: u32,
    /// How many contests are ranked.
    #[arg(long, default_value_t = 0)]
    ranked: u32,
    /// Candidates per contest.
    #[arg(long, default_value_t = 4)]
    candidates: u32,
    /// The seed; the same arguments always give the same files.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The CVR format to write: cdf-json or dominion-json.
    #[arg(long, value_parser = parse_format)]
    format: Format,
    /// Where to write the CVRs (a file for cdf-json, a folder for dominion-json).
    #[arg(long)]
    out: PathBuf,
    /// Also write the batch tallies (votes per batch, contest and candidate,
    /// as the tabulators report them) to this CSV file.
    #[arg(long, value_name = "CSV")]
    batch_tallies: Option<PathBuf>,
}

/// Write the CVRs' votes per batch as `batch,contest,candidate,votes`:
/// batches in manifest order (named `tabulator-batch` as in the manifest),
/// the plurality and vote-for-N contests each batch holds, every candidate
/// (0 included); an overvoted contest counts for no one.
pub(crate) fn write_batch_tallies(plan: &Plan, out: &Path) -> anyhow::Result<()> {
    use canvass_model::{Choice, ContestKind};
    use std::collections::BTreeMap;
    let election = &plan.election;
    // (batch name) -> contest index -> candidate index -> votes
    let mut per_batch: BTreeMap<String, BTreeMap<usize, Vec<u64>>> = BTreeMap::new();
    for card in plan.cards() {
        let name = format!(
            "{}-{}",
            card.location.tabulator.as_deref().unwrap_or(""),
            card.location.batch.as_deref().unwrap_or("")
        );
        let entry = per_batch.entry(name).or_default();
        for (ci, contest) in election.contests.iter().enumerate() {
            if contest.kind != ContestKind::Plurality {
                continue;
            }
            let Some(cv) = card.votes_for(contest.id) else {
                continue;
            };
            let votes = entry
                .entry(ci)
                .or_insert_with(|| vec![0; contest.candidates.len()]);
            let marks: Vec<_> = cv.at_rank(1).collect();
            if marks.len() > contest.seats.max(1) as usize
                || marks.iter().any(|m| m.choice == Choice::Overvote)
            {
                continue;
            }
            for m in marks {
                if let Choice::Candidate(c) = m.choice
                    && let Some(k) = contest.candidates.iter().position(|x| x.id == c)
                    && let Some(v) = votes.get_mut(k)
                {
                    *v += 1;
                }
            }
        }
    }
    let file = File::create(out).with_context(|| format!("creating {}", out.display()))?;
    let mut w = csv::Writer::from_writer(BufWriter::new(file));
    w.write_record(["batch", "contest", "candidate", "votes"])?;
    for b in &plan.batches {
        let name = b.name();
        let Some(contests) = per_batch.get(&name) else {
            continue;
        };
        for (ci, votes) in contests {
            let Some(contest) = election.contests.get(*ci) else {
                continue;
            };
            for (cand, v) in contest.candidates.iter().zip(votes) {
                w.write_record([
                    name.as_str(),
                    contest.name.as_str(),
                    cand.name.as_str(),
                    &v.to_string(),
                ])?;
            }
        }
    }
    w.flush()
        .with_context(|| format!("writing {}", out.display()))?;
    Ok(())
}

fn parse_format(s: &str) -> Result<Format, String> {
    match s.parse()? {
        f @ (Format::CdfJson | Format::DominionJson) => Ok(f),
        f => Err(format!(
            "cannot generate {f}; use cdf-json or dominion-json"
        )),
    }
}

/// The manifest's path: `manifest.csv` inside a folder, else the CVR file's
/// name with `.manifest.csv` in place of its extension.
pub(crate) fn manifest_path(out: &Path) -> PathBuf {
    if out.is_dir() {
        out.join("manifest.csv")
    } else {
        out.with_extension("manifest.csv")
    }
}

/// Write the CVRs of `plan` in `format`, streaming, returning the true tallies.
pub(crate) fn write_cvrs(plan: &Plan, format: Format, out: &Path) -> anyhow::Result<Truth> {
    let election = &plan.election;
    let mut cards = plan.cards();
    match format {
        Format::CdfJson => {
            let file = File::create(out).with_context(|| format!("creating {}", out.display()))?;
            let mut w =
                CdfJsonWriter::new(BufWriter::with_capacity(1 << 20, file), Some(election))?;
            for card in cards.by_ref() {
                w.write_card(election, &card)?;
            }
            w.finish(election)?
                .flush()
                .with_context(|| format!("writing {}", out.display()))?;
        }
        Format::DominionJson => {
            let mut w = DominionJsonWriter::new(out, election)?;
            for card in cards.by_ref() {
                w.write_card(election, &card)?;
            }
            w.finish(election)?;
        }
        other => bail!("cannot generate {other}"),
    }
    Ok(cards.truth().clone())
}

fn truth_json(plan: &Plan, truth: &Truth) -> serde_json::Value {
    let contests = plan
        .election
        .contests
        .iter()
        .zip(&truth.contests)
        .map(|(c, t)| {
            let votes: serde_json::Map<String, serde_json::Value> = c
                .candidates
                .iter()
                .zip(&t.votes)
                .map(|(cand, v)| (cand.name.clone(), (*v).into()))
                .collect();
            serde_json::json!({
                "id": c.external_id, "name": c.name, "seats": c.seats,
                "ranked": c.kind == canvass_model::ContestKind::Ranked,
                "ballots": t.ballots, "votes": votes,
                "overvotes": t.overvotes, "undervotes": t.undervotes, "blank": t.blank,
            })
        })
        .collect::<Vec<_>>();
    serde_json::json!({ "cards": truth.cards, "contests": contests })
}

/// Run the command.
pub fn run(args: Args) -> anyhow::Result<()> {
    let plan = Plan::new(Config {
        ballots: args.ballots,
        contests: args.contests,
        ranked: args.ranked,
        candidates: args.candidates,
        seed: args.seed,
    })?;
    let truth = write_cvrs(&plan, args.format, &args.out)?;
    let manifest = manifest_path(&args.out);
    let file =
        File::create(&manifest).with_context(|| format!("creating {}", manifest.display()))?;
    let mut w = BufWriter::new(file);
    plan.write_manifest_csv(&mut w)?;
    w.flush()
        .with_context(|| format!("writing {}", manifest.display()))?;
    if let Some(path) = &args.batch_tallies {
        write_batch_tallies(&plan, path)?;
    }
    let mut stdout = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut stdout, &truth_json(&plan, &truth))?;
    writeln!(stdout)?;
    Ok(())
}
