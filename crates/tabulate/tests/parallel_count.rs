//! Counting a CDF JSON file on several parsing threads (each thread counts
//! the cards it parses; the tallies are merged) gives reports byte for byte
//! equal to counting every card in file order on one thread, and fails
//! with the same error.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use canvass_formats::cdf_json_writer::CdfJsonWriter;
use canvass_formats::{ReadThreads, SourceOptions, read_paths};
use canvass_generate::{Config, Plan};
use canvass_model::Election;
use canvass_tabulate::{Tabulator, report};
use std::path::{Path, PathBuf};

/// A generated election (two ranked contests, one of them the first) as a
/// CDF JSON file.
fn write_election(dir: &Path, seed: u64, ballots: u64) -> PathBuf {
    let plan = Plan::new(Config {
        ballots,
        contests: 5,
        ranked: 2,
        candidates: 5,
        seed,
    })
    .unwrap();
    let path = dir.join(format!("cvr_{seed}.json"));
    let file = std::fs::File::create(&path).unwrap();
    let mut w = CdfJsonWriter::new(std::io::BufWriter::new(file), Some(&plan.election)).unwrap();
    for card in plan.cards() {
        w.write_card(&plan.election, &card).unwrap();
    }
    use std::io::Write;
    w.finish(&plan.election).unwrap().flush().unwrap();
    path
}

/// The three reports of a count with these threads, or its error.
fn count(path: &Path, threads: ReadThreads) -> Result<(String, String, String, u64), String> {
    let mut election = Election::default();
    let mut cards = 0u64;
    let t = Tabulator::read_paths(
        &[path.to_path_buf()],
        None,
        &SourceOptions::default(),
        &mut election,
        threads,
        &mut |n| cards += n,
    )
    .map_err(|e| e.to_string())?;
    assert_eq!(t.cards(), cards);
    let results = t.results(&election);
    Ok((
        report::to_json(&results),
        report::to_text(&results),
        report::to_csv(&results).unwrap(),
        cards,
    ))
}

/// The same count with every card handed to a sink in file order.
fn count_in_order(path: &Path) -> Result<(String, String, String, u64), String> {
    let mut election = Election::default();
    let mut t = Tabulator::new();
    read_paths(
        &[path.to_path_buf()],
        None,
        &SourceOptions::default(),
        &mut election,
        &mut |_, card| {
            t.add(&card);
            Ok(())
        },
    )
    .map_err(|e| e.to_string())?;
    let results = t.results(&election);
    Ok((
        report::to_json(&results),
        report::to_text(&results),
        report::to_csv(&results).unwrap(),
        t.cards(),
    ))
}

fn several() -> [ReadThreads; 3] {
    [
        ReadThreads::Several {
            workers: 2,
            run_bytes: 4096,
        },
        ReadThreads::Several {
            workers: 3,
            run_bytes: 1,
        },
        ReadThreads::Several {
            workers: 2,
            run_bytes: 100_000,
        },
    ]
}

#[test]
fn reports_on_several_threads_equal_one_thread() {
    let dir = tempfile::tempdir().unwrap();
    for seed in [1, 2026] {
        let path = write_election(dir.path(), seed, 400);
        let one = count(&path, ReadThreads::One).unwrap();
        assert_eq!(one.3, 400);
        assert!(one.0.contains("\"rounds\""), "a ranked contest: {}", one.0);
        assert_eq!(count_in_order(&path).unwrap(), one, "seed {seed}");
        for threads in several() {
            assert_eq!(
                count(&path, threads).unwrap(),
                one,
                "seed {seed} {threads:?}"
            );
        }
    }
}

#[test]
fn a_damaged_file_fails_alike_on_several_threads() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_election(dir.path(), 7, 60);
    let bytes = std::fs::read(&path).unwrap();
    let damaged = dir.path().join("damaged.json");
    let mut at = bytes.len() / 3;
    let mut step = 0usize;
    while at < bytes.len() {
        let mut b = bytes.clone();
        match step % 4 {
            0 => b.truncate(at),
            1 => b[at] = b'x',
            2 => b[at] = b'"',
            _ => b[at] = b'}',
        }
        std::fs::write(&damaged, &b).unwrap();
        let one = count(&damaged, ReadThreads::One);
        assert_eq!(count_in_order(&damaged), one, "damaged at {at}");
        for threads in several() {
            assert_eq!(count(&damaged, threads), one, "damaged at {at} {threads:?}");
        }
        step += 1;
        at += 397 + step % 31;
    }
}
