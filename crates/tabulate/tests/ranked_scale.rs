//! Scale benchmark (not a timed test): IRV on 1,000,000 generated ranked
//! ballots with 15 candidates. Runs only with `CANVASS_HEAVY_TESTS=1`; prints the
//! time to aggregate and to count. Measure with
//! `CANVASS_HEAVY_TESTS=1 cargo test --release -p canvass-tabulate --test ranked_scale -- --nocapture`.

#![allow(clippy::panic)] // tests report failures by panicking

use canvass_model::CandidateId;
use canvass_tabulate::ranked::{
    RankedBallots, RankedCandidate, RankedRules, Selection, TiebreakMode, tabulate,
};
use std::time::Instant;

/// A small deterministic generator (SplitMix64) so the election is the same
/// on every machine.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A candidate, skewed toward low indexes (popular candidates).
    fn candidate(&mut self, n: u64) -> u32 {
        let a = self.next() % n;
        let b = self.next() % n;
        a.min(b) as u32
    }
}

/// CPU time of this thread so far (Linux `/proc/thread-self/schedstat`),
/// so the figure does not depend on how busy the machine is.
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .next()
                .and_then(|n| n.parse::<f64>().ok())
        })
        .map(|ns| ns / 1e9)
        .unwrap_or(f64::NAN)
}

#[test]
fn irv_one_million_ballots_fifteen_candidates() {
    if std::env::var("CANVASS_HEAVY_TESTS").as_deref() != Ok("1") {
        eprintln!("skipped: set CANVASS_HEAVY_TESTS=1 to run the 1M-ballot benchmark");
        return;
    }
    let names: Vec<RankedCandidate> = (0..15)
        .map(|i| RankedCandidate::declared(&format!("Candidate {i:02}")))
        .collect();
    let mut ballots = RankedBallots::new(names);
    let mut rng = SplitMix(2026);
    let start = Instant::now();
    let cpu0 = cpu_seconds();
    for _ in 0..1_000_000 {
        let len = 1 + (rng.next() % 6) as usize;
        let mut marks: Vec<(u32, Selection)> = Vec::with_capacity(len);
        for rank in 1..=len {
            let c = rng.candidate(15);
            marks.push((rank as u32, Selection::Candidate(CandidateId(c))));
        }
        ballots.push(&marks, None, 1);
    }
    let aggregated = start.elapsed();
    let cpu1 = cpu_seconds();
    let rules = RankedRules {
        tiebreak: TiebreakMode::UseCandidateOrder,
        max_skipped_ranks: None,
        ..RankedRules::default()
    };
    let start = Instant::now();
    let result = match tabulate(&ballots, &rules) {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    };
    let counted = start.elapsed();
    let cpu2 = cpu_seconds();
    eprintln!(
        "1,000,000 ballots, {} distinct rankings: generate+aggregate {:.3} s wall ({:.3} s cpu), IRV {} rounds {:.3} s wall ({:.3} s cpu)",
        ballots.groups().len(),
        aggregated.as_secs_f64(),
        cpu1 - cpu0,
        result.rounds.len(),
        counted.as_secs_f64(),
        cpu2 - cpu1
    );
    assert_eq!(result.total_ballots, 1_000_000);
    assert_eq!(result.winners.len(), 1);
}
