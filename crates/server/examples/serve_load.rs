//! Load benchmark: many audit boards entering ballots at once against one
//! server over loopback (bench/serve-load.sh runs it).
//!
//! ```text
//! cargo run --release -p canvass-server --example serve_load -- \
//!     [--boards 200] [--ballots 20000] [--risk-limit 0.01] [--method polling] \
//!     [--database URL] [--max-seconds 120]
//! ```
//!
//! The server runs in this process on 127.0.0.1 (an ephemeral port) with a
//! SQLite file in a temporary folder (or `--database postgres://...` with the
//! `postgres` feature). The election is generated and set up in process
//! (upload, define, commit, seed, round 1, boards); then every board, on its
//! own keep-alive connection, fetches each of its ballots' entry form and
//! posts the reading (what the CVR says, so the audit can finish). Request
//! loops are bounded by the sample and by `--max-seconds`. Prints entries,
//! entries/s, latency percentiles of the posts and the form fetches, and
//! errors (any non-303 post or non-200 form).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use canvass_evidence::keys::PrivateKey;
use canvass_formats::cdf_json_writer::CdfJsonWriter;
use canvass_generate::{Config as GenConfig, Plan};
use canvass_server::{AppState, Config, Db, router};
use http_body_util::BodyExt;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tower::ServiceExt;

struct Args {
    boards: usize,
    ballots: u64,
    risk_limit: String,
    method: String,
    database: Option<String>,
    max_seconds: u64,
}

fn args() -> Args {
    let mut a = Args {
        boards: 200,
        ballots: 20_000,
        risk_limit: "0.01".into(),
        method: "polling".into(),
        database: None,
        max_seconds: 120,
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
            other => panic!("unknown argument {other}"),
        }
    }
    a
}

/// In-process requests for the set-up (cookie + CSRF token of one session).
#[derive(Clone, Default)]
struct Setup {
    cookie: Option<String>,
    csrf: Option<String>,
}

impl Setup {
    async fn send(&mut self, r: &axum::Router, req: Request<Body>) -> (StatusCode, String) {
        let res = r.clone().oneshot(req).await.unwrap();
        let status = res.status();
        if let Some(c) = res.headers().get(header::SET_COOKIE) {
            self.cookie = Some(c.to_str().unwrap().split(';').next().unwrap().to_owned());
        }
        let body = String::from_utf8_lossy(&res.into_body().collect().await.unwrap().to_bytes())
            .into_owned();
        if let Some(i) = body.find("name=\"csrf\" value=\"") {
            let rest = &body[i + 19..];
            self.csrf = Some(rest[..rest.find('"').unwrap()].to_owned());
        }
        (status, body)
    }
    async fn get(&mut self, r: &axum::Router, path: &str) -> (StatusCode, String) {
        let mut b = Request::get(path);
        if let Some(c) = &self.cookie {
            b = b.header(header::COOKIE, c);
        }
        self.send(r, b.body(Body::empty()).unwrap()).await
    }
    async fn post(
        &mut self,
        r: &axum::Router,
        path: &str,
        fields: &[(&str, &str)],
    ) -> (StatusCode, String) {
        let mut body: String = fields
            .iter()
            .map(|(k, v)| format!("{}={}&", enc(k), enc(v)))
            .collect();
        body.push_str(&format!("csrf={}", self.csrf.clone().unwrap_or_default()));
        let mut b =
            Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = &self.cookie {
            b = b.header(header::COOKIE, c);
        }
        self.send(r, b.body(Body::from(body)).unwrap()).await
    }
    async fn upload(
        &mut self,
        r: &axum::Router,
        path: &str,
        bytes: Vec<u8>,
    ) -> (StatusCode, String) {
        let bd = "XloadX";
        let mut body = format!(
            "--{bd}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n--{bd}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f.json\"\r\n\r\n",
            self.csrf.clone().unwrap_or_default()
        )
        .into_bytes();
        body.extend_from_slice(&bytes);
        body.extend_from_slice(format!("\r\n--{bd}--\r\n").as_bytes());
        let mut b = Request::post(path).header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={bd}"),
        );
        if let Some(c) = &self.cookie {
            b = b.header(header::COOKIE, c);
        }
        self.send(r, b.body(Body::from(body)).unwrap()).await
    }
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// One HTTP/1.1 keep-alive connection; returns (status, latency).
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    async fn request(&mut self, head: &str, body: &[u8]) -> std::io::Result<(u16, Duration)> {
        let t = Instant::now();
        self.stream.write_all(head.as_bytes()).await?;
        self.stream.write_all(body).await?;
        // Read the head, then Content-Length bytes of body.
        self.buf.clear();
        let mut tmp = [0u8; 16384];
        let (end, len) = loop {
            let n = self.stream.read(&mut tmp).await?;
            if n == 0 {
                return Err(std::io::Error::other("connection closed"));
            }
            self.buf.extend_from_slice(&tmp[..n]);
            if let Some(i) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buf[..i]).to_lowercase();
                let len = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                break (i + 4, len);
            }
        };
        while self.buf.len() < end + len {
            let n = self.stream.read(&mut tmp).await?;
            if n == 0 {
                return Err(std::io::Error::other("connection closed"));
            }
            self.buf.extend_from_slice(&tmp[..n]);
        }
        let status = std::str::from_utf8(&self.buf[9..12])
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        Ok((status, t.elapsed()))
    }
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let a = args();
    let dir = tempfile::tempdir().unwrap();
    let db_url = a
        .database
        .clone()
        .unwrap_or_else(|| dir.path().join("canvass.db").display().to_string());
    let db = tokio::task::spawn_blocking(move || Db::open(&db_url))
        .await
        .unwrap()
        .unwrap();
    let config = Config {
        data_dir: dir.path().to_path_buf(),
        signin_limit: u32::MAX,
        ..Config::default()
    };
    let key = PrivateKey::from_seed("load", &[1u8; 32]).unwrap();
    let app = Arc::new(AppState::new(db, config, key, "tok").unwrap());
    let r = router(Arc::clone(&app));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let served = r.clone();
    tokio::spawn(async move {
        axum::serve(
            listener,
            served.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap();
    });

    // Set up: election, CVRs, manifest, audit, commit, seed, round 1, boards.
    let t0 = Instant::now();
    let plan = Plan::new(GenConfig {
        ballots: a.ballots,
        contests: 2,
        ranked: 0,
        seed: 5,
        ..GenConfig::default()
    })
    .unwrap();
    let e = &plan.election;
    let mut w = CdfJsonWriter::new(Vec::new(), Some(e)).unwrap();
    for card in plan.cards() {
        w.write_card(e, &card).unwrap();
    }
    let cvrs = w.finish(e).unwrap();
    let mut manifest = Vec::new();
    plan.write_manifest_csv(&mut manifest).unwrap();
    let mut admin = Setup::default();
    admin.get(&r, "/signin").await;
    admin.post(&r, "/signin", &[("token", "tok")]).await;
    admin.get(&r, "/admin").await;
    admin
        .post(&r, "/admin/elections", &[("name", "load")])
        .await;
    admin.get(&r, "/admin/e/1").await;
    let (s, b) = admin.upload(&r, "/admin/e/1/cvrs", cvrs).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{b}");
    let (s, b) = admin.upload(&r, "/admin/e/1/manifest", manifest).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{b}");
    let contest = e.contests[0].name.clone();
    let (s, b) = admin
        .post(
            &r,
            "/admin/e/1/audit",
            &[
                ("contest", &contest),
                ("risk_limit", &a.risk_limit),
                ("method", &a.method),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{b}");
    admin.post(&r, "/admin/e/1/commit", &[]).await;
    admin
        .post(&r, "/admin/e/1/seed", &[("seed", "98765432109876543210")])
        .await;
    let (s, b) = admin.post(&r, "/admin/e/1/round", &[]).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{b}");
    let (s, body) = admin
        .post(&r, "/admin/e/1/boards", &[("count", &a.boards.to_string())])
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let codes: Vec<String> = body
        .split("<td class=\"code\">")
        .skip(1)
        .map(|s| s.split('<').next().unwrap().to_owned())
        .collect();
    // Each board signs in; its readings are what the CVRs say.
    let mut work = Vec::new();
    for (i, code) in codes.iter().enumerate() {
        let mut s = Setup::default();
        s.get(&r, "/board/signin").await;
        let (st, b) = s
            .post(
                &r,
                "/board/signin",
                &[
                    ("code", code),
                    ("member1", &format!("A{i}")),
                    ("member2", &format!("B{i}")),
                ],
            )
            .await;
        assert_eq!(st, StatusCode::SEE_OTHER, "{b}");
        let readings: Vec<Vec<String>> = {
            let inner = app.inner.lock().unwrap();
            let au = inner
                .elections
                .values()
                .next()
                .unwrap()
                .audit
                .as_ref()
                .unwrap();
            au.boards[i]
                .def
                .cards
                .iter()
                .map(|&c| {
                    au.cards[c as usize]
                        .votes
                        .iter()
                        .zip(&au.spec.contests)
                        .map(|(s, spec)| s.to_text(spec))
                        .collect()
                })
                .collect()
        };
        work.push((s, readings));
    }
    let total: usize = work.iter().map(|w| w.1.len()).sum();
    println!(
        "set-up: {} ballots, {} boards, {} ballots to enter in round 1 (set-up {:.1} s)",
        a.ballots,
        codes.len(),
        total,
        t0.elapsed().as_secs_f64()
    );

    // Load: every board at once, each on its own keep-alive connection.
    let deadline = Instant::now() + Duration::from_secs(a.max_seconds);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for (s, readings) in work {
        tasks.push(tokio::spawn(async move {
            let mut posts = Vec::new();
            let mut gets = Vec::new();
            let mut errors = 0u64;
            let mut conn = Conn { stream: TcpStream::connect(addr).await.unwrap(), buf: Vec::new() };
            let cookie = s.cookie.clone().unwrap();
            let csrf = s.csrf.clone().unwrap();
            for (pos, texts) in readings.iter().enumerate() {
                if Instant::now() > deadline {
                    break;
                }
                let path = format!("/board/ballot/{}", pos + 1);
                let head = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\n\r\n");
                match conn.request(&head, b"").await {
                    Ok((200, d)) => gets.push(d),
                    _ => errors += 1,
                }
                let mut body: String = texts.iter().enumerate().map(|(ci, t)| format!("t{ci}={}&", enc(t))).collect();
                body.push_str(&format!("confirm1=on&confirm2=on&csrf={csrf}"));
                let head = format!(
                    "POST {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                );
                match conn.request(&head, body.as_bytes()).await {
                    Ok((303, d)) => posts.push(d),
                    _ => errors += 1,
                }
            }
            (posts, gets, errors)
        }));
    }
    let mut posts = Vec::new();
    let mut gets = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (p, g, e) = t.await.unwrap();
        posts.extend(p);
        gets.extend(g);
        errors += e;
    }
    let wall = start.elapsed().as_secs_f64();
    posts.sort();
    gets.sort();
    println!(
        "entries: {} in {:.2} s = {:.0} entries/s; errors {}",
        posts.len(),
        wall,
        posts.len() as f64 / wall,
        errors
    );
    println!(
        "POST entry latency ms: p50 {:.1}, p90 {:.1}, p99 {:.1}, max {:.1}",
        pct(&posts, 0.5),
        pct(&posts, 0.9),
        pct(&posts, 0.99),
        pct(&posts, 1.0)
    );
    println!(
        "GET entry form latency ms: p50 {:.1}, p99 {:.1}, max {:.1}",
        pct(&gets, 0.5),
        pct(&gets, 0.99),
        pct(&gets, 1.0)
    );
    let inner = app.inner.lock().unwrap();
    let au = inner
        .elections
        .values()
        .next()
        .unwrap()
        .audit
        .as_ref()
        .unwrap();
    for s in &au.statuses {
        println!(
            "contest {}: recorded {} of {}, risk {:.4}",
            s.contest, s.recorded, s.sample_size, s.risk
        );
    }
}
