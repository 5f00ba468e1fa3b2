//! The public pages of a big election: import time and peak memory of a
//! CVR upload (1M cards from `canvass generate`), the audit set-up steps,
//! one round entered by the boards, then N requests each of the public
//! audit report, the results page and Rumor Control, timed on the client
//! (over a loopback keep-alive connection) and on the server (the router's
//! handling time). bench/serve-report.sh runs it.
//!
//! ```text
//! cargo run --release -p canvass-server --example serve_report -- \
//!     --generate 1000000 [--seed 7] [--requests 200] [--boards 20] \
//!     [--risk-limit 0.05] [--method comparison] [--database URL]
//! ```
//!
//! `--generate N` writes N cards with 2 contests the way `canvass generate
//! --ballots N --contests 2 --ranked 0 --format cdf-json` does (the same
//! `canvass_generate::Plan` and CDF JSON writer, streaming to a file), with
//! the manifest; `--cvrs FILE --manifest FILE` uploads given files instead.
//!
//! Ends with a restart: a second server state replayed from the same store
//! (what `canvass serve` does on start), timed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use canvass_evidence::keys::PrivateKey;
use canvass_server::{AppState, Config, Db};
use common::support::{with_audit, write_election};
use common::{
    Conn, Setup, cpu_seconds, enter_all, launch, pct, peak_rss_kib, reset_peak_rss, rss_kib,
    sign_in_boards, start,
};
use std::path::PathBuf;
use std::time::{Duration, Instant};

struct Args {
    cvrs: PathBuf,
    manifest: PathBuf,
    requests: usize,
    boards: usize,
    risk_limit: String,
    method: String,
    database: Option<String>,
    generate: Option<u64>,
    seed: u64,
}

fn args() -> Args {
    let mut a = Args {
        cvrs: PathBuf::new(),
        manifest: PathBuf::new(),
        requests: 200,
        boards: 20,
        risk_limit: "0.05".into(),
        method: "comparison".into(),
        database: None,
        generate: None,
        seed: 7,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let v = it.next().unwrap_or_default();
        match k.as_str() {
            "--cvrs" => a.cvrs = v.into(),
            "--manifest" => a.manifest = v.into(),
            "--requests" => a.requests = v.parse().expect("--requests N"),
            "--boards" => a.boards = v.parse().expect("--boards N"),
            "--risk-limit" => a.risk_limit = v,
            "--method" => a.method = v,
            "--database" => a.database = Some(v),
            "--generate" => a.generate = Some(v.parse().expect("--generate N")),
            "--seed" => a.seed = v.parse().expect("--seed N"),
            other => panic!("unknown argument {other}"),
        }
    }
    assert!(
        a.generate.is_some() || (a.cvrs.is_file() && a.manifest.is_file()),
        "--generate N, or --cvrs FILE --manifest FILE"
    );
    a
}

/// Write `n` generated cards (2 contests) as CDF JSON and their manifest into
/// `dir`, as `canvass generate` does.
fn generate(dir: &std::path::Path, n: u64, seed: u64) -> (PathBuf, PathBuf) {
    use std::io::Write;
    let t = Instant::now();
    let cvrs = dir.join(format!("cvr-{n}.json"));
    let manifest = dir.join(format!("cvr-{n}.manifest.csv"));
    let file = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&cvrs).unwrap());
    let mut m = std::fs::File::create(&manifest).unwrap();
    let (mut file, _) = write_election(n, seed, file, &mut m);
    file.flush().unwrap();
    println!(
        "generated {n} cards in {:.1} s (seed {seed})",
        t.elapsed().as_secs_f64()
    );
    (cvrs, manifest)
}

/// Wall, CPU (user + sys) and peak RSS of one step.
struct Step {
    wall: Instant,
    cpu: f64,
}

impl Step {
    fn begin() -> Step {
        reset_peak_rss();
        Step {
            wall: Instant::now(),
            cpu: cpu_seconds(),
        }
    }
    fn end(self, what: &str) {
        println!(
            "{what}: wall {:.2} s, CPU {:.2} s, peak RSS {} MiB (RSS now {} MiB)",
            self.wall.elapsed().as_secs_f64(),
            cpu_seconds() - self.cpu,
            peak_rss_kib() / 1024,
            rss_kib() / 1024
        );
    }
}

#[tokio::main]
async fn main() {
    let mut a = args();
    let server = start(a.database.clone(), true).await;
    if let Some(n) = a.generate {
        let dir = server.dir.path().to_path_buf();
        let seed = a.seed;
        (a.cvrs, a.manifest) = tokio::task::spawn_blocking(move || generate(&dir, n, seed))
            .await
            .unwrap();
    }
    let r = &server.router;
    let mut admin = Setup::default();
    admin.get(r, "/signin").await;
    admin.post(r, "/signin", &[("token", "tok")]).await;
    admin.get(r, "/admin").await;
    admin.post(r, "/admin/elections", &[("name", "big")]).await;
    admin.get(r, "/admin/e/1").await;
    println!(
        "CVR file {} ({} MB); RSS before the upload {} MiB",
        a.cvrs.display(),
        std::fs::metadata(&a.cvrs).unwrap().len() / 1_000_000,
        rss_kib() / 1024
    );

    let step = Step::begin();
    let (status, body) = admin
        .upload_file(server.addr, "/admin/e/1/cvrs", &a.cvrs)
        .await;
    assert_eq!(status, 303, "{body}");
    step.end("CVR upload + import (HTTP, streamed to disk, read, stored, counted)");
    let cards = {
        let inner = server.app.inner.lock().unwrap();
        inner.elections.values().next().unwrap().cards
    };
    println!("cards stored: {cards}");
    let manifest = std::fs::read(&a.manifest).unwrap();
    let (s, b) = admin.upload(r, "/admin/e/1/manifest", manifest).await;
    assert_eq!(s.as_u16(), 303, "{b}");

    let step = Step::begin();
    let contest = {
        let inner = server.app.inner.lock().unwrap();
        let e = inner.elections.values().next().unwrap();
        e.definition.contests[0].name.clone()
    };
    let codes = launch(&mut admin, r, &contest, &a.risk_limit, &a.method, a.boards).await;
    step.end("define + commit + seed + round 1 + boards");
    let work = sign_in_boards(&server, &codes).await;
    let total: usize = work.iter().map(|w| w.readings.len()).sum();
    let step = Step::begin();
    let run = enter_all(server.addr, work, Instant::now() + Duration::from_secs(600)).await;
    step.end(&format!(
        "round 1: {} entries by {} boards (errors {})",
        run.posts.len(),
        codes.len(),
        run.errors
    ));
    assert_eq!(run.errors, 0, "{:?}", run.failures);
    assert_eq!(run.posts.len(), total);
    with_audit(&server.app, |au| {
        for s in &au.statuses {
            println!(
                "contest {}: recorded {} of {}, risk {:.4}, {:?}",
                s.contest, s.recorded, s.sample_size, s.risk, s.state
            );
        }
    });
    // One published finding, so Rumor Control has an entry.
    let mut f = canvass_checks::finding::Finding::new(
        "bench",
        "More ballots were counted than were cast",
        canvass_checks::finding::Rule {
            text: "The cards counted equal the cards in the ballot manifest".into(),
            citation: "bench".into(),
        },
        "canvass check reconcile ...".into(),
    );
    f.figure("cards", cards);
    let (s, b) = admin
        .upload(r, "/admin/e/1/finding", f.to_json().into_bytes())
        .await;
    assert_eq!(s.as_u16(), 303, "{b}");

    // The public pages, N times each, one keep-alive connection, no session.
    server.timings.lock().unwrap().clear();
    let mut conn = Conn::connect(server.addr).await;
    for path in ["/e/1/report", "/e/1", "/rumors"] {
        let mut client = Vec::new();
        let mut bytes = 0;
        let cpu0 = cpu_seconds();
        for _ in 0..a.requests {
            let (status, d) = conn.get(server.addr, path, None).await.unwrap();
            assert_eq!(status, 200, "{path}: {}", conn.body());
            bytes = conn.body().len();
            client.push(d);
        }
        let cpu = cpu_seconds() - cpu0;
        client.sort();
        let mut srv = server
            .timings
            .lock()
            .unwrap()
            .get(path)
            .cloned()
            .unwrap_or_default();
        srv.sort();
        println!(
            "GET {path} ×{} ({} KB): server p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; client p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; CPU {:.2} ms/request",
            a.requests,
            bytes / 1000,
            pct(&srv, 0.5),
            pct(&srv, 0.99),
            pct(&srv, 1.0),
            pct(&client, 0.5),
            pct(&client, 0.99),
            pct(&client, 1.0),
            cpu * 1000.0 / a.requests as f64
        );
    }

    // A restart: replay the log over the same store.
    let url = a
        .database
        .clone()
        .unwrap_or_else(|| server.dir.path().join("canvass.db").display().to_string());
    let step = Step::begin();
    let app = std::sync::Arc::clone(&server.app);
    // On a blocking thread: the PostgreSQL client blocks (also when dropped).
    let same = tokio::task::spawn_blocking(move || {
        let db = Db::open(&url).unwrap();
        let config = Config {
            data_dir: std::env::temp_dir(),
            ..Config::default()
        };
        let key = PrivateKey::from_seed("load", &[1u8; 32]).unwrap();
        let replayed = AppState::new(db, config, key, "tok").unwrap();
        step.end("restart (replay of the log over the store)");
        let a1 = app.inner.lock().unwrap();
        let a2 = replayed.inner.lock().unwrap();
        let (e1, e2) = (
            a1.elections.values().next().unwrap(),
            a2.elections.values().next().unwrap(),
        );
        e1.tree.root() == e2.tree.root() && e1.cards == e2.cards && e1.results == e2.results
    })
    .await
    .unwrap();
    println!("restart: same log root, cards and results: {same}");
    server.finish(i32::from(!same))
}
