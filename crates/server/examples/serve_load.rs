//! Load benchmark: many audit boards entering ballots at once against one
//! server over loopback (bench/serve-load.sh runs it).
//!
//! ```text
//! cargo run --release -p canvass-server --example serve_load -- \
//!     [--boards 200] [--ballots 20000] [--risk-limit 0.01] [--method polling] \
//!     [--database URL] [--max-seconds 120] [--seed 3]
//! ```
//!
//! The server runs in this process on 127.0.0.1 (an ephemeral port) with a
//! SQLite file in a temporary folder (or `--database postgres://...` with the
//! `postgres` feature; the database should be empty). The election is
//! generated and set up in process (upload, define, commit, seed, round 1,
//! boards); then every board, on its own keep-alive connection, fetches each
//! of its ballots' entry form and posts the reading (what the CVR says, so the
//! audit can finish). The generator's seed 3 gives a close contest: 6,204
//! ballots to enter in round 1 at the defaults. Request loops are bounded by the sample and by
//! `--max-seconds`. Prints entries, entries/s, latency percentiles of the
//! posts and the form fetches, errors (any non-303 post or non-200 form; the
//! first few are shown) and the process's CPU time during the load.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::support::{election_files, with_audit};
use common::{Setup, cpu_seconds, enter_all, launch, pct, sign_in_boards, start};
use std::time::{Duration, Instant};

struct Args {
    boards: usize,
    ballots: u64,
    risk_limit: String,
    method: String,
    database: Option<String>,
    max_seconds: u64,
    seed: u64,
}

fn args() -> Args {
    let mut a = Args {
        boards: 200,
        ballots: 20_000,
        risk_limit: "0.01".into(),
        method: "polling".into(),
        database: None,
        max_seconds: 120,
        seed: 3,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let v = it.next().unwrap_or_default();
        match k.as_str() {
            "--boards" => a.boards = v.parse().expect("--boards N"),
            "--ballots" => a.ballots = v.parse().expect("--ballots N"),
            "--risk-limit" => a.risk_limit = v,
            "--method" => a.method = v,
            "--database" => a.database = Some(v),
            "--max-seconds" => a.max_seconds = v.parse().expect("--max-seconds S"),
            "--seed" => a.seed = v.parse().expect("--seed N"),
            other => panic!("unknown argument {other}"),
        }
    }
    a
}

#[tokio::main]
async fn main() {
    let a = args();
    let server = start(a.database.clone(), false).await;
    let r = &server.router;

    // Set up: election, CVRs, manifest, audit, commit, seed, round 1, boards.
    let t0 = Instant::now();
    let (cvrs, manifest, contest) = election_files(a.ballots, a.seed);
    let mut admin = Setup::default();
    admin.get(r, "/signin").await;
    admin.post(r, "/signin", &[("token", "tok")]).await;
    admin.get(r, "/admin").await;
    admin.post(r, "/admin/elections", &[("name", "load")]).await;
    admin.get(r, "/admin/e/1").await;
    let (s, b) = admin.upload(r, "/admin/e/1/cvrs", cvrs).await;
    assert_eq!(s.as_u16(), 303, "{b}");
    let (s, b) = admin.upload(r, "/admin/e/1/manifest", manifest).await;
    assert_eq!(s.as_u16(), 303, "{b}");
    let codes = launch(&mut admin, r, &contest, &a.risk_limit, &a.method, a.boards).await;
    let work = sign_in_boards(&server, &codes).await;
    let total: usize = work.iter().map(|w| w.readings.len()).sum();
    println!(
        "set-up: {} ballots, {} boards, {} ballots to enter in round 1 (set-up {:.1} s)",
        a.ballots,
        codes.len(),
        total,
        t0.elapsed().as_secs_f64()
    );

    // Load: every board at once, each on its own keep-alive connection.
    let cpu0 = cpu_seconds();
    let deadline = Instant::now() + Duration::from_secs(a.max_seconds);
    let run = enter_all(server.addr, work, deadline).await;
    let cpu = cpu_seconds() - cpu0;
    let wall = run.wall.as_secs_f64();
    println!(
        "entries: {} in {:.2} s = {:.0} entries/s; errors {}; CPU (user+sys, server and load generator) {:.2} s",
        run.posts.len(),
        wall,
        run.posts.len() as f64 / wall,
        run.errors,
        cpu
    );
    for f in &run.failures {
        println!("error: {f}");
    }
    println!(
        "POST entry latency ms: p50 {:.1}, p90 {:.1}, p99 {:.1}, max {:.1}",
        pct(&run.posts, 0.5),
        pct(&run.posts, 0.9),
        pct(&run.posts, 0.99),
        pct(&run.posts, 1.0)
    );
    println!(
        "GET entry form latency ms: p50 {:.1}, p99 {:.1}, max {:.1}",
        pct(&run.gets, 0.5),
        pct(&run.gets, 0.99),
        pct(&run.gets, 1.0)
    );
    with_audit(&server.app, |au| {
        for s in &au.statuses {
            println!(
                "contest {}: recorded {} of {}, risk {:.4}",
                s.contest, s.recorded, s.sample_size, s.risk
            );
        }
    });
    server.finish(i32::from(run.errors > 0))
}
