//! `canvass commit PATH... [--format F] [--json]`: commit to the cast vote
//! records before the audit's seed is drawn. Every card's canonical encoding
//! is a leaf of an RFC 9162 Merkle tree, in read order; prints the number of
//! cards and the root, or with `--json` the commitment record as canonical
//! JSON (with each input file's SHA-256).
//!
//! `canvass bench-commit --cards N [--write FILE] [--profile]` (hidden)
//! builds N synthetic cards in memory, deterministically, and commits them,
//! printing the time; `--write` also writes the leaf encodings
//! (`canvass.card.v2`, concatenated) to FILE so that `sha256sum` can be timed
//! over the same bytes; `--profile` also times encoding alone.

use anyhow::Context;
use canvass_evidence::canonical::CardLeafEncoder;
use canvass_evidence::commitment::{
    CHUNK, CardCommitter, CommitmentRecord, InputFile, sha256_reader,
};
use canvass_formats::{Format, FormatError, Location, SourceOptions, read_paths};
use canvass_model::{
    Card, CardId, CardLocation, Choice, ContestId, ContestKind, ContestVotes, Election, Mark,
};
use clap::Args;
use rayon::prelude::*;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Commit to cast vote records: a Merkle root over their canonical encoding.
#[derive(Args)]
pub struct CommitArgs {
    /// CVR files or folders, read in the order given.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// The input format (detected from each path when absent).
    #[arg(long)]
    format: Option<Format>,
    /// Print the commitment record as canonical JSON.
    #[arg(long)]
    json: bool,
}

/// Run `canvass commit`.
pub fn run(args: CommitArgs) -> anyhow::Result<()> {
    let mut inputs = Vec::new();
    for path in &args.paths {
        hash_inputs(path, &mut inputs)?;
    }
    let mut election = Election::default();
    let mut committer = CardCommitter::new();
    read_paths(
        &args.paths,
        args.format,
        &SourceOptions::default(),
        &mut election,
        &mut |election, card| {
            let at = Location {
                file: card.source.file.to_string(),
                record: Some(card.source.record),
                field: None,
            };
            committer
                .push(election, card)
                .map_err(|e| FormatError::Rejected {
                    at,
                    message: e.to_string(),
                })
        },
    )?;
    let (cards, root) = committer.finish(&election)?;
    if args.json {
        let record = CommitmentRecord::new(cards, &root, inputs);
        let json = record.to_canonical_json()?;
        let mut out = std::io::stdout().lock();
        out.write_all(&json)?;
        out.write_all(b"\n")?;
    } else {
        println!("cards: {cards}");
        println!("root:  {}", hex::encode(root));
    }
    Ok(())
}

/// The SHA-256 of a file, or of every file under a folder (sorted by path).
fn hash_inputs(path: &Path, out: &mut Vec<InputFile>) -> anyhow::Result<()> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    if meta.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .with_context(|| format!("cannot list {}", path.display()))?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()
            .with_context(|| format!("cannot list {}", path.display()))?;
        entries.sort();
        for entry in entries {
            hash_inputs(&entry, out)?;
        }
        return Ok(());
    }
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let (hash, bytes) = sha256_reader(std::io::BufReader::new(file))
        .with_context(|| format!("cannot read {}", path.display()))?;
    out.push(InputFile {
        path: path.to_string_lossy().replace('\\', "/"),
        sha256: hex::encode(hash),
        bytes,
    });
    Ok(())
}

/// The CPU time (user + system, all threads) this process has used so far,
/// from `/proc/self/stat` (Linux; in clock ticks of 1/100 s); `None`
/// elsewhere. The machine is shared, so phases are reported in CPU time too.
fn process_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which ends at the last ')'): state is
    // field 3, utime field 14 and stime field 15 (proc(5)).
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 10))
}

/// Wall and CPU time of a phase, added up over chunks.
#[derive(Default)]
struct Phase {
    wall: Duration,
    cpu: Duration,
}

impl Phase {
    fn time<T>(&mut self, f: impl FnOnce() -> T) -> T {
        let (t, c) = (Instant::now(), process_cpu());
        let out = f();
        self.wall += t.elapsed();
        if let (Some(a), Some(b)) = (c, process_cpu()) {
            self.cpu += b.saturating_sub(a);
        }
        out
    }

    fn show(&self) -> String {
        format!(
            "{:.3} s (cpu {:.2} s)",
            self.wall.as_secs_f64(),
            self.cpu.as_secs_f64()
        )
    }
}

/// Benchmark the commitment on synthetic cards.
#[derive(Args)]
pub struct BenchCommitArgs {
    /// The number of cards.
    #[arg(long, default_value_t = 1_000_000)]
    cards: u64,
    /// Also write the leaf encodings (concatenated) to this file.
    #[arg(long)]
    write: Option<PathBuf>,
    /// Also time encoding the cards without hashing (a separate pass).
    #[arg(long)]
    profile: bool,
}

/// Run `canvass bench-commit`.
pub fn run_bench(args: BenchCommitArgs) -> anyhow::Result<()> {
    let election = synthetic_election();
    let mut committer = CardCommitter::new();
    let mut writer = match &args.write {
        Some(p) => Some(std::io::BufWriter::with_capacity(
            1 << 20,
            std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        )),
        None => None,
    };
    let (mut build, mut commit, mut encode_only) =
        (Phase::default(), Phase::default(), Phase::default());
    let (mut bytes, mut encoded_bytes) = (0u64, 0u64);
    let mut encoder = CardLeafEncoder::new();
    let total = Instant::now();
    let mut start = 0u64;
    while start < args.cards {
        let end = (start + CHUNK as u64).min(args.cards);
        let cards: Vec<Card> = build.time(|| {
            (start..end)
                .into_par_iter()
                .map(|i| synthetic_card(&election, i))
                .collect()
        });
        if let Some(w) = &mut writer {
            let mut buf = Vec::new();
            for card in &cards {
                encoder.encode(card, &election, &mut buf)?;
                w.write_all(&buf)?;
                bytes += buf.len() as u64;
            }
        }
        if args.profile {
            encoded_bytes += encode_only.time(|| {
                cards
                    .par_iter()
                    .map_init(
                        || (CardLeafEncoder::new(), Vec::with_capacity(256)),
                        |(encoder, buf), card| {
                            encoder
                                .encode(card, &election, buf)
                                .map(|()| buf.len() as u64)
                        },
                    )
                    .sum::<Result<u64, _>>()
            })?;
        }
        commit.time(|| -> anyhow::Result<()> {
            for card in cards {
                committer.push(&election, card)?;
            }
            committer.flush(&election)?;
            Ok(())
        })?;
        start = end;
    }
    if let Some(w) = &mut writer {
        w.flush()?;
    }
    let (n, root) = committer.finish(&election)?;
    println!("cards:  {n}");
    println!("root:   {}", hex::encode(root));
    println!("build cards in memory: {}", build.show());
    println!(
        "encode + hash + root:  {} ({} threads)",
        commit.show(),
        rayon::current_num_threads()
    );
    println!(
        "total:                 {:.3} s",
        total.elapsed().as_secs_f64()
    );
    if args.profile {
        println!(
            "encode only (profile): {}, {encoded_bytes} bytes, {:.1} bytes a card",
            encode_only.show(),
            encoded_bytes as f64 / n.max(1) as f64
        );
    }
    if let Some(p) = &args.write {
        println!("wrote {bytes} bytes of card leaves to {}", p.display());
    }
    Ok(())
}

/// The synthetic election: (contest external id, candidates, ranked). Ids
/// are numbers, as in Dominion's exports (the most common source), with
/// candidates numbered across the election.
const CONTESTS: [(&str, usize, bool); 5] = [
    ("1", 6, false),
    ("2", 4, false),
    ("3", 5, true),
    ("4", 8, false),
    ("5", 2, false),
];

fn synthetic_election() -> Election {
    let mut e = Election::default();
    let mut next_candidate = 1;
    for (id, candidates, ranked) in CONTESTS {
        let kind = if ranked {
            ContestKind::Ranked
        } else {
            ContestKind::Plurality
        };
        let c = e.intern_contest(id, &format!("Contest {id}"), kind);
        for _ in 0..candidates {
            e.contest_mut(c).intern_candidate(
                &next_candidate.to_string(),
                &format!("Candidate {next_candidate}"),
            );
            next_candidate += 1;
        }
    }
    e
}

/// Card `i` of the synthetic election: a deterministic function of `i`.
fn synthetic_card(_election: &Election, i: u64) -> Card {
    // splitmix64 of the index: reproducible, no state shared between threads.
    let mut x = i.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut next = move || {
        x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let tabulator = i / 1_000_000;
    let batch = i / 250;
    let position = i % 250 + 1;
    let mut card = Card::new(CardId::new(format!("{tabulator}-{batch}-{position}")));
    card.location = CardLocation {
        tabulator: Some(tabulator.to_string()),
        batch: Some(batch.to_string()),
        position: Some(position),
        imprinted_id: None,
    };
    card.precinct = Some(format!("P-{:04}", batch % 1500));
    card.ballot_style = Some(format!("{}", batch % 40));
    card.counting_group = Some(
        if batch.is_multiple_of(3) {
            "Mail"
        } else {
            "Election Day"
        }
        .to_owned(),
    );
    for (c, (_, candidates, ranked)) in CONTESTS.iter().enumerate() {
        let contest = ContestId(c as u32);
        let r = next();
        let pick =
            |r: u64| Choice::Candidate(canvass_model::CandidateId((r % *candidates as u64) as u32));
        let marks = if *ranked {
            (1..=3u32)
                .map(|rank| Mark::ranked(rank, pick(r >> (8 * rank))))
                .collect()
        } else {
            match r % 50 {
                0 => vec![],                                                          // undervote
                1 => vec![Mark::vote(pick(r >> 8)), Mark::vote(pick((r >> 16) + 1))], // overvote
                _ => vec![Mark::vote(pick(r >> 8))],
            }
        };
        card.contests.push(ContestVotes::new(contest, marks));
    }
    card
}
