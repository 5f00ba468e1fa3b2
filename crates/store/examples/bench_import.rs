//! Import N generated cards into a fresh SQLite file; print cards/s and peak RSS.
//!
//! `cargo run --release -p canvass-store --example bench_import -- 1000000 [DB]`
//!
//! Cards are built deterministically from their number: 3 tabulators, batches
//! of 250, 20 precincts, and 4 contests (a vote-for-one with 4 candidates, a
//! vote-for-two with 6, a ranked contest with 5 ranks of 6 candidates, a
//! yes/no measure), one source file per 100,000 cards.

use canvass_model::{
    Card, CardId, Choice, ContestId, ContestKind, ContestVotes, Election, Mark, SourceRef,
};
use canvass_store::Store;
use std::sync::Arc;
use std::time::Instant;

fn election() -> Election {
    let mut e = Election {
        name: Some("bench".into()),
        contests: Vec::new(),
    };
    for (id, kind, n, seats) in [
        ("governor", ContestKind::Plurality, 4, 1),
        ("council", ContestKind::Plurality, 6, 2),
        ("mayor", ContestKind::Ranked, 6, 1),
        ("measure", ContestKind::Plurality, 2, 1),
    ] {
        let c = e.intern_contest(id, id, kind);
        e.contest_mut(c).seats = seats;
        for k in 0..n {
            e.contest_mut(c)
                .intern_candidate(&format!("{id}-{k}"), &format!("{id} {k}"));
        }
    }
    e
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn card(i: u64, file: &Arc<str>) -> Card {
    let r = mix(i.wrapping_add(0x9e37_79b9_7f4a_7c15));
    let pick = |shift: u32, n: u64| canvass_model::CandidateId(((r >> shift) % n) as u32);
    let tab = i % 3;
    let mut c = Card::new(CardId::new(format!(
        "{}-{}-{}",
        tab + 1,
        i / 250 + 1,
        i % 250 + 1
    )));
    c.location.tabulator = Some(format!("{}", tab + 1));
    c.location.batch = Some(format!("{}", i / 250 + 1));
    c.location.position = Some(i % 250 + 1);
    c.precinct = Some(format!("P{:02}", i % 20));
    c.ballot_style = Some(format!("{}", i % 4));
    c.counting_group = Some(
        if i.is_multiple_of(2) {
            "mail"
        } else {
            "election day"
        }
        .into(),
    );
    c.source = SourceRef {
        file: file.clone(),
        record: i % 100_000 + 1,
    };
    let vote = |k| vec![Mark::vote(Choice::Candidate(k))];
    let mut council = vec![Mark::vote(Choice::Candidate(pick(8, 6)))];
    let second = pick(16, 6);
    if council
        .iter()
        .all(|m| m.choice != Choice::Candidate(second))
    {
        council.push(Mark::vote(Choice::Candidate(second)));
    }
    let ranks = (0..5)
        .map(|k| Mark::ranked(k + 1, Choice::Candidate(pick(24 + 4 * k, 6))))
        .collect();
    c.contests = vec![
        ContestVotes::new(ContestId(0), vote(pick(0, 4))),
        ContestVotes::new(ContestId(1), council),
        ContestVotes::new(ContestId(2), ranks),
        ContestVotes::new(ContestId(3), vote(pick(48, 2))),
    ];
    c
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// With `--features postgres` and `CANVASS_BENCH_POSTGRES_URL` set, the same
/// import into PostgreSQL (schema `bench_import`, dropped first).
#[cfg(feature = "postgres")]
fn postgres_bench(n: u64) -> Result<bool, Box<dyn std::error::Error>> {
    let Ok(url) = std::env::var("CANVASS_BENCH_POSTGRES_URL") else {
        return Ok(false);
    };
    let mut client = postgres::Client::connect(&url, postgres::NoTls)?;
    client.batch_execute(
        "SET client_min_messages = warning; DROP SCHEMA IF EXISTS bench_import CASCADE",
    )?;
    let def = election();
    let mut store = canvass_store::PgStore::open_schema(&url, "bench_import")?;
    let e = store.create_election("bench")?;
    let start = Instant::now();
    let file: Arc<str> = Arc::from("cvr-0.json");
    let mut import = store.card_import(e)?;
    for i in 0..n {
        import.push(&def, &card(i, &file))?;
    }
    let summary = import.commit(&def)?;
    let secs = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let read = store.cards(e).try_fold(0u64, |n, c| c.map(|_| n + 1))?;
    let read_secs = start.elapsed().as_secs_f64();
    println!(
        "postgres: imported {} cards in {secs:.2} s ({:.0} cards/s); read back {read} in {read_secs:.2} s ({:.0} cards/s)",
        summary.cards,
        summary.cards as f64 / secs,
        read as f64 / read_secs
    );
    Ok(true)
}

#[cfg(not(feature = "postgres"))]
fn postgres_bench(_n: u64) -> Result<bool, Box<dyn std::error::Error>> {
    Ok(false)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: u64 = args
        .next()
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(100_000);
    if postgres_bench(n)? {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let path = args
        .next()
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.path().join("bench.db"));
    if path.exists() {
        return Err(format!("{} exists; give a new file", path.display()).into());
    }
    let def = election();
    let mut store = Store::open(&path)?;
    let e = store.create_election("bench")?;
    let start = Instant::now();
    let mut file: Arc<str> = Arc::from("cvr-0.json");
    let mut import = store.card_import(e)?;
    for i in 0..n {
        if i % 100_000 == 0 {
            file = Arc::from(format!("cvr-{}.json", i / 100_000));
        }
        import.push(&def, &card(i, &file))?;
    }
    let summary = import.commit(&def)?;
    let import_secs = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let mut read = 0u64;
    for c in store.cards(e) {
        c?;
        read += 1;
    }
    let read_secs = start.elapsed().as_secs_f64();
    let size = std::fs::metadata(&path)?.len();
    println!(
        "imported {} cards in {import_secs:.2} s ({:.0} cards/s); read back {read} in {read_secs:.2} s ({:.0} cards/s); file {:.1} MB; peak RSS {} MiB",
        summary.cards,
        summary.cards as f64 / import_secs,
        read as f64 / read_secs,
        size as f64 / 1e6,
        peak_rss_kib().map_or("?".into(), |k| (k / 1024).to_string()),
    );
    Ok(())
}
