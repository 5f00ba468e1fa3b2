//! `canvass sample`: draw an audit sample with a published sampler, so the
//! draw can be re-derived with the tool the public trusts.
//!
//! - `--method rivest`: Rivest's consistent sampler (Arlo). Ids come from
//!   `--ids FILE` (one per line, hashed as written) or `--manifest FILE`
//!   (CSV `batch,ballots`; ids are Arlo's `(batch, position)` tuples).
//!   Output: `[{"ticket","id","generation"}]` in draw order.
//! - `--method sha256-counter`: Colorado's SHA-256 `seed,counter` generator
//!   over `--range MIN..MAX`. Output: `[{"draw","value"}]`.
//! - `--method cryptorandom`: SHANGRLA's sample numbers; the k-th id of
//!   `--ids FILE` (counting from 0) gets output k. Output: every id with its
//!   `sample_num` (64 hex digits), sorted by `sample_num`.

use anyhow::{Context, Result, anyhow, bail};
use canvass_audit::sampler::rivest::{IdList, ManifestIds, RivestSampler, SampleOptions};
use canvass_audit::sampler::{cryptorandom, sha256_counter};
use canvass_model::{BallotManifest, ManifestBatch};
use serde::Serialize;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Which published sampler to reproduce.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Method {
    /// Rivest's consistent sampler (SHA-256 ticket numbers), as Arlo uses it.
    Rivest,
    /// Colorado RLA's SHA-256 `seed,counter` generator over a range.
    #[value(name = "sha256-counter")]
    Sha256Counter,
    /// SHANGRLA's sample numbers from the `cryptorandom` SHA-256 generator.
    Cryptorandom,
}

impl Method {
    /// The name as written on the command line.
    fn name(self) -> &'static str {
        match self {
            Method::Rivest => "rivest",
            Method::Sha256Counter => "sha256-counter",
            Method::Cryptorandom => "cryptorandom",
        }
    }
}

/// Arguments of `canvass sample`.
#[derive(Debug, clap::Args)]
pub struct SampleArgs {
    /// The sampler.
    #[arg(long, value_enum)]
    method: Method,
    /// The public random seed, hashed as its UTF-8 bytes.
    #[arg(long)]
    seed: String,
    /// File of ids, one per line, hashed as written (a trailing CR is dropped).
    #[arg(long, conflicts_with = "manifest")]
    ids: Option<PathBuf>,
    /// Ballot manifest CSV with a header row and columns `batch,ballots`.
    #[arg(long)]
    manifest: Option<PathBuf>,
    /// Number of draws (rivest, sha256-counter).
    #[arg(long)]
    count: Option<u64>,
    /// Sample with replacement (rivest, sha256-counter).
    #[arg(long)]
    with_replacement: bool,
    /// Significant digits shown after a ticket's leading 9s (rivest;
    /// default 9 as the reference, Arlo uses 18).
    #[arg(long)]
    digits: Option<usize>,
    /// Inclusive range `MIN..MAX` (sha256-counter).
    #[arg(long)]
    range: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct RivestRow {
    ticket: String,
    id: String,
    generation: u32,
}

#[derive(Serialize)]
struct CounterRow {
    draw: u64,
    value: i64,
}

#[derive(Serialize)]
struct CryptoRow<'a> {
    id: &'a str,
    sample_num: &'a str,
}

/// Run `canvass sample`.
pub fn run(args: SampleArgs) -> Result<()> {
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    match args.method {
        Method::Rivest => rivest(&args, &mut out)?,
        Method::Sha256Counter => counter(&args, &mut out)?,
        Method::Cryptorandom => crypto(&args, &mut out)?,
    }
    out.flush()?;
    Ok(())
}

fn require_count(args: &SampleArgs) -> Result<u64> {
    args.count
        .ok_or_else(|| anyhow!("--count is required with --method {}", args.method.name()))
}

fn refuse(args: &SampleArgs, what: &str, given: bool) -> Result<()> {
    if given {
        bail!("{what} does not apply to --method {}", args.method.name());
    }
    Ok(())
}

fn rivest(args: &SampleArgs, out: &mut impl Write) -> Result<()> {
    refuse(args, "--range", args.range.is_some())?;
    let count = require_count(args)?;
    let take = usize::try_from(count).context("--count is too large")?;
    let digits = args.digits.unwrap_or(9);
    let options = SampleOptions {
        with_replacement: args.with_replacement,
        drop: 0,
        take,
    };
    let sampler = RivestSampler::new(&args.seed);
    match (&args.ids, &args.manifest) {
        (Some(path), None) => {
            let text = read_text(path, "ids")?;
            let ids = id_lines(path, &text)?;
            let rows = sampler.draws(&ids[..], options)?.map(|d| {
                let id = ids.get(d.index).copied().unwrap_or("").to_owned();
                (d.ticket.trimmed(digits).to_owned(), id, d.generation)
            });
            print_rivest(rows, args.json, out)
        }
        (None, Some(path)) => {
            let manifest = read_manifest(path)?;
            let ids =
                ManifestIds::new(manifest.batches.iter().map(|b| (b.batch.as_str(), b.cards)));
            let rows = sampler.draws(&ids, options)?.map(|d| {
                (
                    d.ticket.trimmed(digits).to_owned(),
                    ids.id_string(d.index),
                    d.generation,
                )
            });
            print_rivest(rows, args.json, out)
        }
        _ => bail!("--method rivest needs --ids FILE or --manifest FILE"),
    }
}

fn print_rivest(
    rows: impl Iterator<Item = (String, String, u32)>,
    json: bool,
    out: &mut impl Write,
) -> Result<()> {
    if json {
        return write_json_array(
            rows.map(|(ticket, id, generation)| RivestRow {
                ticket,
                id,
                generation,
            }),
            out,
        );
    }
    writeln!(
        out,
        "{:>8}  {:<24} {:>10}  id",
        "draw", "ticket", "generation"
    )?;
    for (i, (ticket, id, generation)) in rows.enumerate() {
        writeln!(out, "{:>8}  {ticket:<24} {generation:>10}  {id}", i + 1)?;
    }
    Ok(())
}

fn counter(args: &SampleArgs, out: &mut impl Write) -> Result<()> {
    refuse(args, "--ids", args.ids.is_some())?;
    refuse(args, "--manifest", args.manifest.is_some())?;
    refuse(args, "--digits", args.digits.is_some())?;
    let count = require_count(args)?;
    let range = args
        .range
        .as_deref()
        .ok_or_else(|| anyhow!("--method sha256-counter needs --range MIN..MAX"))?;
    let (min, max) = parse_range(range)?;
    let draws = sha256_counter::draws(&args.seed, min, max, count, args.with_replacement)?;
    if args.json {
        return write_json_array(
            draws.iter().map(|d| CounterRow {
                draw: d.draw,
                value: d.value,
            }),
            out,
        );
    }
    writeln!(out, "{:>8}  {:>20}  {:>8}", "draw", "value", "counter")?;
    for d in &draws {
        writeln!(out, "{:>8}  {:>20}  {:>8}", d.draw, d.value, d.counter)?;
    }
    Ok(())
}

/// `MIN..MAX`, both integers, inclusive.
fn parse_range(range: &str) -> Result<(i64, i64)> {
    let bad =
        || anyhow!("bad --range {range:?}: expected MIN..MAX with whole numbers, e.g. 1..876");
    let (a, b) = range.split_once("..").ok_or_else(bad)?;
    let min: i64 = a.trim().parse().map_err(|_| bad())?;
    let max: i64 = b.trim().parse().map_err(|_| bad())?;
    if min > max {
        bail!("bad --range {range:?}: the minimum {min} exceeds the maximum {max}");
    }
    Ok((min, max))
}

fn crypto(args: &SampleArgs, out: &mut impl Write) -> Result<()> {
    refuse(args, "--manifest", args.manifest.is_some())?;
    refuse(args, "--range", args.range.is_some())?;
    refuse(args, "--count", args.count.is_some())?;
    refuse(args, "--with-replacement", args.with_replacement)?;
    refuse(args, "--digits", args.digits.is_some())?;
    let path = args
        .ids
        .as_ref()
        .ok_or_else(|| anyhow!("--method cryptorandom needs --ids FILE"))?;
    let text = read_text(path, "ids")?;
    let ids = id_lines(path, &text)?;
    let nums = cryptorandom::sample_numbers(&args.seed, ids.len());
    let mut rows: Vec<(String, &str)> = nums
        .iter()
        .zip(&ids)
        .map(|(n, id)| (hex::encode(n), *id))
        .collect();
    // Stable: equal sample numbers (never seen in practice) keep file order.
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    if args.json {
        return write_json_array(
            rows.iter().map(|(n, id)| CryptoRow { id, sample_num: n }),
            out,
        );
    }
    writeln!(out, "{:<64}  id", "sample_num")?;
    for (n, id) in &rows {
        writeln!(out, "{n}  {id}")?;
    }
    Ok(())
}

/// Stream a JSON array, one element per line, without holding the text.
fn write_json_array<T: Serialize>(
    rows: impl Iterator<Item = T>,
    out: &mut impl Write,
) -> Result<()> {
    out.write_all(b"[")?;
    for (i, row) in rows.enumerate() {
        out.write_all(if i == 0 { b"\n" } else { b",\n" })?;
        serde_json::to_writer(&mut *out, &row)?;
    }
    out.write_all(b"\n]\n")?;
    Ok(())
}

fn read_text(path: &Path, what: &str) -> Result<String> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("cannot read {what} file {}", path.display()))?;
    String::from_utf8(bytes).map_err(|e| {
        let bad = e.utf8_error().valid_up_to();
        let line = e
            .as_bytes()
            .iter()
            .take(bad)
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        anyhow!("{} line {line}: not valid UTF-8", path.display())
    })
}

/// One id per line, exactly as written; a trailing CR (CRLF files) is not
/// part of the id, and the final newline does not start an empty id.
fn id_lines<'a>(path: &Path, text: &'a str) -> Result<Vec<&'a str>> {
    let body = text.strip_suffix('\n').unwrap_or(text);
    let mut ids = Vec::with_capacity(body.len() / 8);
    if body.is_empty() {
        bail!("{}: no ids (the file is empty)", path.display());
    }
    for (i, line) in body.split('\n').enumerate() {
        let id = line.strip_suffix('\r').unwrap_or(line);
        if id.is_empty() {
            bail!("{} line {}: empty id", path.display(), i + 1);
        }
        ids.push(id);
    }
    Ok(ids)
}

/// The most ballots a manifest may list (the sampler's limit).
const MAX_IDS: u64 = canvass_audit::sampler::rivest::MAX_IDS as u64;

/// A `batch,ballots` CSV manifest, header row first.
fn read_manifest(path: &Path) -> Result<BallotManifest> {
    let file = path.display();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(path)
        .with_context(|| format!("cannot read manifest file {file}"))?;
    let headers = reader
        .headers()
        .with_context(|| format!("{file} line 1: cannot read the header row"))?
        .clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| {
                h.trim()
                    .trim_start_matches('\u{feff}')
                    .eq_ignore_ascii_case(name)
            })
            .ok_or_else(|| anyhow!("{file} line 1: no {name:?} column in the header row"))
    };
    let (batch_col, ballots_col) = (column("batch")?, column("ballots")?);
    let mut batches = Vec::new();
    for record in reader.records() {
        let record = record.with_context(|| format!("{file}: bad CSV"))?;
        let line = record.position().map_or(0, |p| p.line());
        let field = |col: usize, name: &str| {
            record
                .get(col)
                .ok_or_else(|| anyhow!("{file} line {line}, field {name:?}: missing"))
        };
        let batch = field(batch_col, "batch")?;
        if batch.is_empty() {
            bail!("{file} line {line}, field \"batch\": empty batch name");
        }
        let ballots = field(ballots_col, "ballots")?;
        let cards: u64 = ballots.trim().parse().map_err(|_| {
            anyhow!("{file} line {line}, field \"ballots\": {ballots:?} is not a whole number of ballots")
        })?;
        batches.push(ManifestBatch {
            tabulator: None,
            batch: batch.to_owned(),
            cards,
        });
    }
    if batches.is_empty() {
        bail!("{file}: the manifest has no batches");
    }
    let total = batches.iter().try_fold(0u64, |t, b| t.checked_add(b.cards));
    match total {
        Some(0) => bail!("{file}: the manifest has no ballots"),
        Some(n) if n <= MAX_IDS => {}
        _ => bail!("{file}: the manifest has more than {MAX_IDS} ballots"),
    }
    let manifest = BallotManifest::new(batches).with_context(|| format!("{file}"))?;
    Ok(manifest)
}
