//! What the server benchmarks share (`serve_load`, `serve_report`): the
//! server in this process on loopback, an in-process client for the set-up,
//! a raw HTTP/1.1 keep-alive client for the timed requests, and the boards'
//! entry loop.

#![allow(dead_code)]

#[path = "../../tests/support/mod.rs"]
pub mod support;

use axum::body::Body;
use axum::extract::Request as AxRequest;
use axum::http::{Request, StatusCode, header};
use axum::middleware::Next;
use canvass_evidence::keys::PrivateKey;
use canvass_server::{AppState, Config, Db, router};
use http_body_util::BodyExt;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::{truthful_readings, with_audit};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tower::ServiceExt;

/// Server-side handling time of each request, by path (from the router's
/// outermost layer: the page is rendered when the handler returns).
pub type Timings = Arc<Mutex<BTreeMap<String, Vec<Duration>>>>;

/// The server, running in this process on 127.0.0.1.
pub struct Server {
    pub app: Arc<AppState>,
    pub router: axum::Router,
    pub addr: SocketAddr,
    pub timings: Timings,
    pub dir: tempfile::TempDir,
}

/// Open the store (a SQLite file in a temporary folder unless `database`
/// is given) and serve on an ephemeral loopback port. With `timed`, each
/// request's server-side time is kept in `timings`.
pub async fn start(database: Option<String>, timed: bool) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let db_url = database.unwrap_or_else(|| dir.path().join("canvass.db").display().to_string());
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
    // Off the async threads: the PostgreSQL client blocks.
    let app = Arc::new(
        tokio::task::spawn_blocking(move || AppState::new(db, config, key, "tok"))
            .await
            .unwrap()
            .unwrap(),
    );
    let timings: Timings = Arc::default();
    let mut r = router(Arc::clone(&app));
    if timed {
        let t = Arc::clone(&timings);
        r = r.layer(axum::middleware::from_fn(
            move |req: AxRequest, next: Next| {
                let t = Arc::clone(&t);
                async move {
                    let path = req.uri().path().to_owned();
                    let start = Instant::now();
                    let res = next.run(req).await;
                    let d = start.elapsed();
                    t.lock().unwrap().entry(path).or_default().push(d);
                    res
                }
            },
        ));
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let served = r.clone();
    tokio::spawn(async move {
        axum::serve(
            listener,
            served.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    Server {
        app,
        router: r,
        addr,
        timings,
        dir,
    }
}

impl Server {
    /// Remove the temporary folder and exit with `code`, without running the
    /// state's destructors on the async threads (the PostgreSQL client's
    /// drop blocks, which tokio forbids there).
    pub fn finish(self, code: i32) -> ! {
        let _ = std::fs::remove_dir_all(self.dir.path());
        std::process::exit(code)
    }
}

/// In-process requests for the set-up (cookie + CSRF token of one session).
#[derive(Clone, Default)]
pub struct Setup {
    pub cookie: Option<String>,
    pub csrf: Option<String>,
}

impl Setup {
    /// Keep the session cookie and the page's CSRF token.
    fn keep(&mut self, set_cookie: Option<&str>, body: &str) {
        if let Some(c) = set_cookie {
            self.cookie = Some(c.split(';').next().unwrap().to_owned());
        }
        if let Some(i) = body.find("name=\"csrf\" value=\"") {
            let rest = &body[i + 19..];
            self.csrf = Some(rest[..rest.find('"').unwrap()].to_owned());
        }
    }
    pub async fn send(&mut self, r: &axum::Router, req: Request<Body>) -> (StatusCode, String) {
        let res = r.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let cookie = res
            .headers()
            .get(header::SET_COOKIE)
            .map(|c| c.to_str().unwrap().to_owned());
        let body = String::from_utf8_lossy(&res.into_body().collect().await.unwrap().to_bytes())
            .into_owned();
        self.keep(cookie.as_deref(), &body);
        (status, body)
    }
    pub async fn get(&mut self, r: &axum::Router, path: &str) -> (StatusCode, String) {
        let mut b = Request::get(path);
        if let Some(c) = &self.cookie {
            b = b.header(header::COOKIE, c);
        }
        self.send(r, b.body(Body::empty()).unwrap()).await
    }
    pub async fn post(
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
    /// A multipart upload of `bytes` as the form's `file`, in process.
    pub async fn upload(
        &mut self,
        r: &axum::Router,
        path: &str,
        bytes: Vec<u8>,
    ) -> (StatusCode, String) {
        let (head, tail) = self.multipart("f.json");
        let mut body = head.into_bytes();
        body.extend_from_slice(&bytes);
        body.extend_from_slice(tail.as_bytes());
        let mut b = Request::post(path).header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        );
        if let Some(c) = &self.cookie {
            b = b.header(header::COOKIE, c);
        }
        self.send(r, b.body(Body::from(body)).unwrap()).await
    }
    /// A multipart upload of the file at `file` over a real connection
    /// (streamed from disk, as a browser sends it); returns the status.
    pub async fn upload_file(
        &mut self,
        addr: SocketAddr,
        path: &str,
        file: &Path,
    ) -> (u16, String) {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let (pre, tail) = self.multipart(&name);
        let len = pre.len() as u64 + std::fs::metadata(file).unwrap().len() + tail.len() as u64;
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {}\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {len}\r\n\r\n{pre}",
            self.cookie.clone().unwrap_or_default()
        );
        let mut conn = Conn::connect(addr).await;
        conn.stream.write_all(head.as_bytes()).await.unwrap();
        let mut f = tokio::fs::File::open(file).await.unwrap();
        tokio::io::copy(&mut f, &mut conn.stream).await.unwrap();
        let (status, _) = conn.request(&tail, b"").await.unwrap();
        let body = conn.body().to_owned();
        (status, body)
    }
    fn multipart(&self, filename: &str) -> (String, String) {
        (
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n\r\n",
                self.csrf.clone().unwrap_or_default()
            ),
            format!("\r\n--{BOUNDARY}--\r\n"),
        )
    }
}

const BOUNDARY: &str = "XloadX";

pub fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// One HTTP/1.1 keep-alive connection.
pub struct Conn {
    pub stream: TcpStream,
    buf: Vec<u8>,
    body_start: usize,
}

impl Conn {
    pub async fn connect(addr: SocketAddr) -> Conn {
        let stream = TcpStream::connect(addr).await.unwrap();
        stream.set_nodelay(true).unwrap();
        Conn {
            stream,
            buf: Vec::new(),
            body_start: 0,
        }
    }

    /// Send `head` and `body`, read the whole response; returns (status,
    /// time from the first byte sent to the last byte read).
    pub async fn request(&mut self, head: &str, body: &[u8]) -> std::io::Result<(u16, Duration)> {
        let t = Instant::now();
        // One write: a head and body sent in two small writes meet Nagle's
        // algorithm and the peer's delayed ACK (40 ms per request on Linux).
        let mut out = Vec::with_capacity(head.len() + body.len());
        out.extend_from_slice(head.as_bytes());
        out.extend_from_slice(body);
        self.stream.write_all(&out).await?;
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
        self.body_start = end;
        let status = std::str::from_utf8(&self.buf[9..12])
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        Ok((status, t.elapsed()))
    }

    /// The body of the last response.
    pub fn body(&self) -> &str {
        std::str::from_utf8(&self.buf[self.body_start..]).unwrap_or("")
    }

    /// `GET path` with an optional cookie.
    pub async fn get(
        &mut self,
        addr: SocketAddr,
        path: &str,
        cookie: Option<&str>,
    ) -> std::io::Result<(u16, Duration)> {
        let cookie = cookie
            .map(|c| format!("Cookie: {c}\r\n"))
            .unwrap_or_default();
        let head = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{cookie}\r\n");
        self.request(&head, b"").await
    }
}

/// The `p` quantile of sorted durations, in milliseconds.
pub fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

/// Define the audit of the first contest, commit, seed, launch round 1 and
/// create `boards` boards; returns the board codes.
pub async fn launch(
    admin: &mut Setup,
    r: &axum::Router,
    contest: &str,
    risk_limit: &str,
    method: &str,
    boards: usize,
) -> Vec<String> {
    let (s, b) = admin
        .post(
            r,
            "/admin/e/1/audit",
            &[
                ("contest", contest),
                ("risk_limit", risk_limit),
                ("method", method),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{b}");
    let (s, b) = admin.post(r, "/admin/e/1/commit", &[]).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{b}");
    let (s, b) = admin
        .post(r, "/admin/e/1/seed", &[("seed", "98765432109876543210")])
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{b}");
    let (s, b) = admin.post(r, "/admin/e/1/round", &[]).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{b}");
    let (s, body) = admin
        .post(r, "/admin/e/1/boards", &[("count", &boards.to_string())])
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    body.split("<td class=\"code\">")
        .skip(1)
        .map(|s| s.split('<').next().unwrap().to_owned())
        .collect()
}

/// A signed-in board and the readings it will enter (what the CVRs say, so
/// the audit can finish), in its shelf order.
pub struct BoardWork {
    pub session: Setup,
    pub readings: Vec<Vec<String>>,
}

/// Sign every board in; its readings are its cards' CVR selections.
pub async fn sign_in_boards(server: &Server, codes: &[String]) -> Vec<BoardWork> {
    let r = &server.router;
    let mut work = Vec::new();
    for (i, code) in codes.iter().enumerate() {
        let mut s = Setup::default();
        s.get(r, "/board/signin").await;
        let (st, b) = s
            .post(
                r,
                "/board/signin",
                &[
                    ("code", code),
                    ("member1", &format!("A{i}")),
                    ("member2", &format!("B{i}")),
                ],
            )
            .await;
        assert_eq!(st, StatusCode::SEE_OTHER, "{b}");
        // Sign-in starts a new session with a new CSRF token: follow the
        // redirect as a browser would and take the token from the page.
        let (st, b) = s.get(r, "/board").await;
        assert_eq!(st, StatusCode::OK, "{b}");
        let readings = with_audit(&server.app, |au| truthful_readings(au, i));
        work.push(BoardWork {
            session: s,
            readings,
        });
    }
    work
}

/// What the boards' entry loop measured.
#[derive(Default)]
pub struct EntryRun {
    /// Latency of each entry POST (303).
    pub posts: Vec<Duration>,
    /// Latency of each entry-form GET (200).
    pub gets: Vec<Duration>,
    /// Requests that failed (any other status, or a connection error).
    pub errors: u64,
    /// The first few failures, for the report.
    pub failures: Vec<String>,
    /// Wall time of the loop.
    pub wall: Duration,
}

/// Every board at once, each on its own keep-alive connection: fetch each
/// ballot's entry form, post the reading with both confirmations. Stops at
/// `deadline`.
pub async fn enter_all(addr: SocketAddr, work: Vec<BoardWork>, deadline: Instant) -> EntryRun {
    let start = Instant::now();
    let mut tasks = Vec::new();
    for w in work {
        tasks.push(tokio::spawn(async move {
            let mut run = EntryRun::default();
            let mut conn = match TcpStream::connect(addr).await {
                Ok(stream) if stream.set_nodelay(true).is_ok() => Conn {
                    stream,
                    buf: Vec::new(),
                    body_start: 0,
                },
                other => {
                    run.errors += 1;
                    run.failures.push(format!("connect: {:?}", other.err()));
                    return run;
                }
            };
            let cookie = w.session.cookie.clone().unwrap();
            let csrf = w.session.csrf.clone().unwrap();
            for (pos, texts) in w.readings.iter().enumerate() {
                if Instant::now() > deadline {
                    break;
                }
                let path = format!("/board/ballot/{}", pos + 1);
                match conn.get(addr, &path, Some(&cookie)).await {
                    Ok((200, d)) => run.gets.push(d),
                    other => {
                        run.errors += 1;
                        run.failures.push(format!("GET {path}: {other:?} {}", conn.body()));
                    }
                }
                let mut body: String = texts
                    .iter()
                    .enumerate()
                    .map(|(ci, t)| format!("t{ci}={}&", enc(t)))
                    .collect();
                body.push_str(&format!("confirm1=on&confirm2=on&csrf={csrf}"));
                let head = format!(
                    "POST {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                );
                match conn.request(&head, body.as_bytes()).await {
                    Ok((303, d)) => run.posts.push(d),
                    other => {
                        run.errors += 1;
                        run.failures.push(format!("POST {path}: {other:?} {}", conn.body()));
                    }
                }
            }
            run
        }));
    }
    let mut all = EntryRun::default();
    for t in tasks {
        let run = t.await.unwrap();
        all.posts.extend(run.posts);
        all.gets.extend(run.gets);
        all.errors += run.errors;
        all.failures.extend(run.failures);
    }
    all.failures.truncate(5);
    all.wall = start.elapsed();
    all.posts.sort();
    all.gets.sort();
    all
}

/// Peak resident memory of this process so far (VmHWM), in KiB.
pub fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// Reset the peak resident memory to the current one (Linux `clear_refs` 5).
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Resident memory now (VmRSS), in KiB.
pub fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// CPU time (user + system) of this process so far, in seconds.
pub fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name (which ends with ')'): utime is the 12th, stime the 13th.
    let rest = stat.rsplit_once(')').map(|x| x.1).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}
