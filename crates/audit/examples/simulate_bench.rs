//! Timing harness for `bench/simulate.sh` (release build): 300 comparison
//! contests (diluted margins 0.02 to 0.319) × 1,000 seeded simulated audits
//! each, ALPHA shrink-trunc, overstatement rates 0.001 (one-vote) and 0.0001
//! (two-vote), N = 100,000, α = 0.05; the 90% quantile of each contest's
//! sample sizes. Writes the quantiles to `OUT_DIR/simulate_sizes.txt` (one per
//! line, contest order) so that the numpy reference (`bench/simulate_numpy.py`,
//! the same generator and formula) can be checked against them, and prints its
//! figures as one JSON line.
//!
//! Usage: `simulate_bench OUT_DIR`

use canvass_audit::nonneg_mean::{Estimator, RiskFunction, ShrinkTrunc};
use canvass_audit::simulate::{Simulation, sample_sizes};
use std::io::Write;
use std::time::Instant;

/// CPU time of the whole process so far (Linux `/proc/self/stat`, user +
/// system, in clock ticks of 1/100 s); NaN elsewhere.
fn process_cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // fields after the command name in parentheses; utime and stime are 14 and 15
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok());
            Some((ticks(11)? + ticks(12)?) / 100.0)
        })
        .unwrap_or(f64::NAN)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args()
        .nth(1)
        .ok_or("usage: simulate_bench OUT_DIR")?;
    std::fs::create_dir_all(&out)?;
    let contests: Vec<Simulation> = (0..300)
        .map(|i| {
            let margin = 0.02 + 0.3 * i as f64 / 300.0;
            let upper = 2.0 / (2.0 - margin);
            Simulation::comparison(
                margin,
                Some(100_000),
                0.001,
                0.0001,
                RiskFunction::Alpha(Estimator::ShrinkTrunc(ShrinkTrunc {
                    eta: 0.99 * upper,
                    ..ShrinkTrunc::defaults(upper)
                })),
            )
        })
        .collect();
    let cpu0 = process_cpu_seconds();
    let start = Instant::now();
    let sizes = sample_sizes(&contests, 0.05, 1000, 0.9, 7)?;
    let wall = start.elapsed().as_secs_f64();
    let cpu = process_cpu_seconds() - cpu0;
    let mut file =
        std::io::BufWriter::new(std::fs::File::create(format!("{out}/simulate_sizes.txt"))?);
    for s in &sizes {
        writeln!(file, "{s}")?;
    }
    file.flush()?;
    println!(
        "{{\"sim_300x1000_wall_s\":{wall:.3},\"sim_300x1000_cpu_s\":{cpu:.2},\"first\":{},\"last\":{},\"threads\":{}}}",
        sizes.first().copied().unwrap_or(0),
        sizes.last().copied().unwrap_or(0),
        rayon::current_num_threads()
    );
    Ok(())
}
