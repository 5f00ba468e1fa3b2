//! Generate N ranked ballots (deterministic), write them as CDF JSON and as
//! a Dominion export, then time reading each back and tallying first choices.
//!
//! `cargo run --release -p canvass-formats --example bench_cdf_dominion -- 1000000 /tmp/bench`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use canvass_formats::cdf_json_writer::CdfJsonWriter;
use canvass_formats::dominion_json_writer::DominionJsonWriter;
use canvass_formats::{Format, SourceOptions, read_path};
use canvass_model::{
    CandidateId, Card, CardId, CardLocation, Choice, ContestKind, ContestVotes, Election, Mark,
};
use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: u64 = args
        .get(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let dir = PathBuf::from(
        args.get(2)
            .cloned()
            .unwrap_or_else(|| "/tmp/canvass-bench".into()),
    );
    std::fs::create_dir_all(&dir).unwrap();
    let mut election = Election::default();
    let mayor = election.intern_contest("mayor", "Mayor", ContestKind::Ranked);
    election.contest_mut(mayor).max_ranks = Some(3);
    for k in 0..6 {
        election
            .contest_mut(mayor)
            .intern_candidate(&format!("k{k}"), &format!("Candidate {k}"));
    }
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let cdf = dir.join("cvr.json");
    let dominion = dir.join("dominion");
    if !cdf.exists() || !dominion.exists() {
        let t = Instant::now();
        let f = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&cdf).unwrap());
        let mut w1 = CdfJsonWriter::new(f, Some(&election)).unwrap();
        let mut w2 = DominionJsonWriter::new(&dominion, &election).unwrap();
        for i in 0..n {
            let (t, b, r) = (1 + i / 100_000, 1 + (i / 250) % 400, 1 + i % 250);
            let mut card = Card::new(CardId::new(format!("{t}-{b}-{r}")));
            card.location = CardLocation {
                tabulator: Some(t.to_string()),
                batch: Some(b.to_string()),
                position: Some(r),
                imprinted_id: None,
            };
            card.precinct = Some(format!("Precinct {}", i % 50));
            card.counting_group = Some(if i % 3 == 0 { "Mail" } else { "Election Day" }.into());
            let ranks = next() % 4;
            let mut marks = Vec::new();
            let mut used = 0u32;
            for rank in 1..=ranks as u32 {
                let k = (next() % 6) as u32;
                if used & (1 << k) == 0 {
                    used |= 1 << k;
                    marks.push(Mark::ranked(rank, Choice::Candidate(CandidateId(k))));
                }
            }
            card.contests.push(ContestVotes::new(mayor, marks));
            w1.write_card(&election, &card).unwrap();
            w2.write_card(&election, &card).unwrap();
        }
        w1.finish(&election).unwrap();
        w2.finish(&election).unwrap();
        eprintln!("generated {n} cards in {:.2?}", t.elapsed());
    }
    for (label, path, format) in [
        ("cdf-json", &cdf, Format::CdfJson),
        ("dominion-json", &dominion, Format::DominionJson),
    ] {
        if let Some(only) = args.get(3)
            && only != label
        {
            continue;
        }
        let t = Instant::now();
        let mut e = Election::default();
        let mut cards = 0u64;
        let mut first = [0u64; 8];
        read_path(
            path,
            format,
            &SourceOptions::default(),
            &mut e,
            &mut |_, card| {
                cards += 1;
                if let Some(v) = card.contests.first()
                    && let Some(m) = v.at_rank(1).next()
                    && let Choice::Candidate(c) = m.choice
                    && let Some(slot) = first.get_mut(c.index())
                {
                    *slot += 1;
                }
                Ok(())
            },
        )
        .unwrap();
        let size = if path.is_dir() {
            std::fs::metadata(path.join("CvrExport.json"))
                .unwrap()
                .len()
        } else {
            std::fs::metadata(path).unwrap().len()
        };
        println!(
            "{label}: {cards} cards, {} MB, read + first-choice tally {:.2?}, tally {:?}",
            size / 1_000_000,
            t.elapsed(),
            &first[..6]
        );
    }
}
