//! Scale benchmark: IRV on 1,000,000 generated ranked ballots with 15
//! candidates (the target is under 1 s for the count, after reading). Prints
//! one JSON line with the wall and CPU time of generating + aggregating the
//! ballots and of the IRV count. Run with `bench/irv.sh` (release build).
//!
//! Usage: `irv_scale [BALLOTS]` (default 1,000,000).

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

/// CPU time of this thread so far (Linux `/proc/thread-self/schedstat`), so
/// the figure does not depend on how busy the machine is; NaN elsewhere.
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

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: u64 = match std::env::args().nth(1) {
        Some(a) => a.parse()?,
        None => 1_000_000,
    };
    let names: Vec<RankedCandidate> = (0..15)
        .map(|i| RankedCandidate::declared(&format!("Candidate {i:02}")))
        .collect();
    let mut ballots = RankedBallots::new(names);
    let mut rng = SplitMix(2026);
    let start = Instant::now();
    let cpu0 = cpu_seconds();
    let mut marks: Vec<(u32, Selection)> = Vec::with_capacity(6);
    for _ in 0..n {
        let len = 1 + (rng.next() % 6) as usize;
        marks.clear();
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
    let result = tabulate(&ballots, &rules)?;
    let counted = start.elapsed();
    let cpu2 = cpu_seconds();
    if result.total_ballots != n || result.winners.len() != 1 {
        return Err(format!(
            "unexpected result: {} ballots, {} winners",
            result.total_ballots,
            result.winners.len()
        )
        .into());
    }
    println!(
        "{{\"ballots\":{n},\"distinct_rankings\":{},\"rounds\":{},\"aggregate_wall_s\":{:.4},\"aggregate_cpu_s\":{:.4},\"irv_wall_s\":{:.4},\"irv_cpu_s\":{:.4}}}",
        ballots.groups().len(),
        result.rounds.len(),
        aggregated.as_secs_f64(),
        cpu1 - cpu0,
        counted.as_secs_f64(),
        cpu2 - cpu1
    );
    Ok(())
}
