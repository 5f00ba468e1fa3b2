//! Timing harness for `bench/risk.sh` (release build; the 300 × 1,000
//! simulation is `bench/simulate.sh`). Writes the 100k-value
//! sample it measures to `OUT_DIR/values.txt` so the numpy reference can
//! compute the same p-value, and prints its figures as one JSON line.
//!
//! Usage: `risk_bench OUT_DIR`

use canvass_audit::nonneg_mean::{Estimator, NonnegMean, Population, RiskFunction, ShrinkTrunc};
use canvass_audit::simulate::SplitMix64;
use canvass_audit::supersimple::{ComparisonContest, GAMMA};
use std::io::Write;
use std::time::Instant;

const N_VALUES: usize = 100_000;
const POPULATION: u64 = 1_000_000;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args().nth(1).ok_or("usage: risk_bench OUT_DIR")?;
    std::fs::create_dir_all(&out)?;

    // 1. one ALPHA shrink-trunc risk computation over 100k values, finite N
    let mut rng = SplitMix64::new(20_231_107);
    let values: Vec<f64> = (0..N_VALUES)
        .map(|_| (rng.next_f64() * 1.01).min(1.0))
        .collect();
    let mut file = std::io::BufWriter::new(std::fs::File::create(format!("{out}/values.txt"))?);
    for v in &values {
        writeln!(file, "{v}")?;
    }
    file.flush()?;
    let test = NonnegMean::new(
        Population {
            upper: 1.0,
            size: Some(POPULATION),
            null_mean: 0.5,
        },
        RiskFunction::Alpha(Estimator::ShrinkTrunc(ShrinkTrunc {
            eta: 0.52,
            d: 100.0,
            c: None,
            f: 0.0,
            minsd: 1e-6,
        })),
    );
    let mut times = Vec::new();
    let mut p_value = f64::NAN;
    for _ in 0..21 {
        let start = Instant::now();
        let m = test.test(&values)?;
        times.push(start.elapsed().as_secs_f64());
        p_value = m.p_value;
    }
    let risk_s = median(times);

    // 2. Kaplan–Markov initial sample size (the contest rlacalc computes)
    let contest = ComparisonContest::from_tallies(100_000, &[60_000, 40_000], 1, GAMMA)?;
    let reps = 100_000;
    let start = Instant::now();
    let mut km = 0;
    for _ in 0..reps {
        km = std::hint::black_box(&contest).sample_size(0.1, None)?;
    }
    let km_s = start.elapsed().as_secs_f64() / reps as f64;

    println!(
        "{{\"risk_100k_s\":{risk_s},\"p_value\":{p_value},\"km_size\":{km},\"km_size_s\":{km_s}}}"
    );
    Ok(())
}
