//! In-process route tests (tower `oneshot`): a whole audit through HTTP,
//! every role's forbidden actions, CSRF, the sign-in rate limit, body limits
//! and garbage input.

// Test helpers outside #[test] functions unwrap too.
#![allow(clippy::unwrap_used)]

mod support;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use canvass_checks::finding::Status;
use canvass_evidence::keys::PrivateKey;
use canvass_server::{AppState, Config, Db, router};
use http_body_util::BodyExt;
use std::sync::Arc;
use support::{election_files, with_audit};
use tower::ServiceExt;

const TOKEN: &str = "test-admin-token";

struct Harness {
    app: Arc<AppState>,
    router: Router,
    _dir: tempfile::TempDir,
}

fn harness() -> Harness {
    harness_with_db(tempfile::tempdir().unwrap(), ":memory:")
}

/// A server over the store `db` (a SQLite path or `:memory:`), data in `dir`.
fn harness_with_db(dir: tempfile::TempDir, db: &str) -> Harness {
    let config = Config {
        data_dir: dir.path().to_path_buf(),
        upload_limit: 64 << 20,
        ..Config::default()
    };
    let key = PrivateKey::from_seed("test-server", &[7u8; 32]).unwrap();
    let app = Arc::new(AppState::new(Db::open(db).unwrap(), config, key, TOKEN).unwrap());
    Harness {
        router: router(Arc::clone(&app)),
        app,
        _dir: dir,
    }
}

/// One browser: a cookie jar of one cookie and the last CSRF token seen.
#[derive(Clone, Default)]
struct Client {
    cookie: Option<String>,
    csrf: Option<String>,
}

struct Resp {
    status: StatusCode,
    location: Option<String>,
    body: String,
}

fn csrf_of(html: &str) -> Option<String> {
    let i = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    let rest = html.get(i..)?;
    Some(rest.get(..rest.find('"')?)?.to_owned())
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

impl Client {
    async fn send(&mut self, h: &Harness, req: Request<Body>) -> Resp {
        let res = h.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        if let Some(c) = res.headers().get(header::SET_COOKIE) {
            let c = c.to_str().unwrap();
            assert!(
                c.contains("HttpOnly") && c.contains("SameSite=Strict"),
                "{c}"
            );
            let v = c.split(';').next().unwrap().to_owned();
            self.cookie = if v.ends_with('=') { None } else { Some(v) };
        }
        let location = res
            .headers()
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_owned());
        let body = String::from_utf8_lossy(&res.into_body().collect().await.unwrap().to_bytes())
            .into_owned();
        if let Some(t) = csrf_of(&body) {
            self.csrf = Some(t);
        }
        Resp {
            status,
            location,
            body,
        }
    }

    async fn get(&mut self, h: &Harness, path: &str) -> Resp {
        let mut b = Request::get(path);
        if let Some(c) = &self.cookie {
            b = b.header(header::COOKIE, c);
        }
        self.send(h, b.body(Body::empty()).unwrap()).await
    }

    /// POST a form; the CSRF token is added unless `fields` has one.
    async fn post(&mut self, h: &Harness, path: &str, fields: &[(&str, &str)]) -> Resp {
        let mut pairs: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect();
        if !fields.iter().any(|(k, _)| *k == "csrf")
            && let Some(t) = &self.csrf
        {
            pairs.push(format!("csrf={t}"));
        }
        let mut b =
            Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = &self.cookie {
            b = b.header(header::COOKIE, c);
        }
        self.send(h, b.body(Body::from(pairs.join("&"))).unwrap())
            .await
    }

    async fn upload(&mut self, h: &Harness, path: &str, name: &str, bytes: &[u8]) -> Resp {
        let boundary = "XcanvassBoundaryX";
        let mut body = Vec::new();
        let csrf = self.csrf.clone().unwrap_or_default();
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let mut b = Request::post(path).header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        );
        if let Some(c) = &self.cookie {
            b = b.header(header::COOKIE, c);
        }
        self.send(h, b.body(Body::from(body)).unwrap()).await
    }
}

async fn admin(h: &Harness) -> Client {
    let mut c = Client::default();
    let r = c.get(h, "/signin").await;
    assert_eq!(r.status, StatusCode::OK);
    let r = c.post(h, "/signin", &[("token", TOKEN)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location.as_deref(), Some("/admin"));
    c.get(h, "/admin").await;
    c
}

/// Admin sets up election 1 up to launched round 1 with `boards` boards; returns the admin and the codes.
async fn set_up(h: &Harness, boards: usize) -> (Client, Vec<String>) {
    let mut a = admin(h).await;
    let r = a
        .post(h, "/admin/elections", &[("name", "County general")])
        .await;
    assert_eq!(r.location.as_deref(), Some("/admin/e/1"));
    let (cvrs, manifest, contest) = election_files(3000, 11);
    a.get(h, "/admin/e/1").await;
    let r = a.upload(h, "/admin/e/1/cvrs", "cvr.json", &cvrs).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = a
        .upload(h, "/admin/e/1/manifest", "manifest.csv", &manifest)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = a.get(h, "/admin/e/1").await;
    assert!(r.body.contains("3,000"), "{}", r.body);
    assert!(r.body.contains(&contest));
    let r = a
        .post(
            h,
            "/admin/e/1/audit",
            &[
                ("contest", &contest),
                ("risk_limit", "0.1"),
                ("method", "comparison"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    a.get(h, "/admin/e/1").await;
    // The seed cannot come before the commitment.
    let r = a.post(h, "/admin/e/1/seed", &[("seed", "123")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let r = a.post(h, "/admin/e/1/commit", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = a
        .post(h, "/admin/e/1/seed", &[("seed", "32145698712365478901")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = a.post(h, "/admin/e/1/round", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let n = boards.to_string();
    let r = a.post(h, "/admin/e/1/boards", &[("count", &n)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let codes: Vec<String> = r
        .body
        .split("<td class=\"code\">")
        .skip(1)
        .map(|s| s.split('<').next().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), boards);
    (a, codes)
}

async fn board(h: &Harness, code: &str, m1: &str, m2: &str) -> Client {
    let mut b = Client::default();
    b.get(h, &format!("/board/signin?code={code}")).await;
    let r = b
        .post(
            h,
            "/board/signin",
            &[("code", code), ("member1", m1), ("member2", m2)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = b.get(h, "/board").await;
    assert_eq!(r.status, StatusCode::OK);
    b
}

/// What the CVR says for a board's ballot (the test plays an honest board
/// reading ballots that match their CVRs).
fn truthful_reading(h: &Harness, board: usize, pos: usize) -> Vec<String> {
    with_audit(&h.app, |a| support::truthful_reading(a, board, pos))
}

fn board_len(h: &Harness, board: usize) -> usize {
    with_audit(&h.app, |a| a.boards[board].def.cards.len())
}

#[tokio::test]
async fn a_whole_audit_through_http() {
    let h = harness();
    let (mut a, codes) = set_up(&h, 2).await;
    let mut observer = Client::default();
    observer.get(&h, "/e/1/observe/checkin").await;
    let r = observer
        .post(
            &h,
            "/e/1/observe/checkin",
            &[("name", "Pat Doe"), ("affiliation", "League")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = observer.get(&h, "/e/1/observe").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Pat Doe (League)"));

    for (i, code) in codes.iter().enumerate() {
        let mut b = board(&h, code, "Ann (D)", "Bob (R)").await;
        let n = board_len(&h, i);
        assert!(n > 0);
        for pos in 0..n {
            let texts = truthful_reading(&h, i, pos);
            let path = format!("/board/ballot/{}", pos + 1);
            let r = b.get(&h, &path).await;
            assert_eq!(r.status, StatusCode::OK);
            let mut fields: Vec<(String, String)> = texts
                .iter()
                .enumerate()
                .map(|(ci, t)| (format!("t{ci}"), t.clone()))
                .collect();
            // Without both confirmations nothing is saved.
            let f: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let r = b.post(&h, &path, &f).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST);
            fields.push(("confirm1".into(), "on".into()));
            fields.push(("confirm2".into(), "on".into()));
            let f: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let r = b.post(&h, &path, &f).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        }
        let r = b.get(&h, "/board/review").await;
        assert!(r.body.contains("Both members sign off"), "{}", r.body);
        let r = b
            .post(
                &h,
                "/board/signoff",
                &[("confirm1", "on"), ("confirm2", "on")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        // Signed off: no more entries.
        let texts = truthful_reading(&h, i, 0);
        let r = b
            .post(
                &h,
                "/board/ballot/1",
                &[("t0", &texts[0]), ("confirm1", "on"), ("confirm2", "on")],
            )
            .await;
        assert_ne!(r.status, StatusCode::SEE_OTHER);
    }

    let r = observer.get(&h, "/e/1/observe").await;
    assert!(r.body.contains("CONFIRMED"), "{}", r.body);
    let r = a.get(&h, "/admin/e/1").await;
    assert!(r.body.contains("CONFIRMED"));
    let r = a
        .post(&h, "/admin/e/1/signoff", &[("statement", "Confirmed.")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = a.post(&h, "/admin/e/1/publish", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    let mut public = Client::default();
    let r = public.get(&h, "/e/1/report").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("<svg"));
    assert!(r.body.contains("CONFIRMED"));
    let r = public.get(&h, "/e/1/log").await;
    assert!(r.body.contains("observer Pat Doe (League) checked in"));
    assert!(
        r.body.contains("\u{2014} test-server"),
        "signed checkpoints shown"
    );
    let r = public.get(&h, "/e/1/record.json").await;
    let doc: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(doc["final"], true);
    let entries = doc["entries"].as_array().unwrap();
    assert!(entries.iter().any(|e| e["kind"] == "entered"));
    assert!(
        entries
            .iter()
            .any(|e| e["actor"].as_str().unwrap().contains("Ann (D)"))
    );
    let r = public.get(&h, "/api/e/1/status").await;
    let st: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(st["contests"][0]["state"], "confirmed");

    // A restarted server rebuilds the same state from the log.
    let inner = h.app.inner.lock().unwrap();
    let again = canvass_server::state::ElectionState::load(&inner.db, canvass_store::ElectionId(1))
        .unwrap();
    let now = &inner.elections[&canvass_store::ElectionId(1)];
    assert_eq!(again.tree.root(), now.tree.root());
    assert_eq!(
        again.audit.as_ref().unwrap().statuses,
        now.audit.as_ref().unwrap().statuses
    );
    assert!(again.published);
}

#[tokio::test]
async fn roles_are_enforced_on_every_route() {
    let h = harness();
    let (mut a, codes) = set_up(&h, 2).await;
    let mut anon = Client::default();
    for path in [
        "/admin",
        "/admin/e/1",
        "/admin/e/1/retrieval.csv",
        "/admin/e/1/tally/0",
        "/board",
        "/board/ballot/1",
        "/board/review",
        "/e/1/observe",
    ] {
        let r = anon.get(&h, path).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{path}");
        assert!(!r.body.contains("canvass_store"), "no internals");
    }
    let mut b0 = board(&h, &codes[0], "Ann", "Bob").await;
    // A board may not use any admin page or action.
    for path in [
        "/admin",
        "/admin/e/1",
        "/admin/e/1/retrieval.csv",
        "/e/1/observe",
    ] {
        assert_eq!(
            b0.get(&h, path).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    for path in [
        "/admin/elections",
        "/admin/e/1/round",
        "/admin/e/1/boards",
        "/admin/e/1/commit",
        "/admin/e/1/signoff",
        "/admin/e/1/publish",
    ] {
        let r = b0.post(&h, path, &[("count", "1"), ("name", "x")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
    }
    // A board sees only its own ballots: positions past its list do not exist.
    let n0 = board_len(&h, 0);
    let r = b0.get(&h, &format!("/board/ballot/{}", n0 + 1)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = b0
        .post(
            &h,
            &format!("/board/ballot/{}", n0 + 1),
            &[("not_found", "1"), ("confirm1", "on"), ("confirm2", "on")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    for bad in ["0", "-1", "abc", "99999999999999999999999"] {
        assert_eq!(
            b0.get(&h, &format!("/board/ballot/{bad}")).await.status,
            StatusCode::NOT_FOUND
        );
    }
    // Board 1's list holds none of board 0's cards.
    with_audit(&h.app, |au| {
        for c in &au.boards[0].def.cards {
            assert!(!au.boards[1].def.cards.contains(c));
        }
    });
    // The admin is not a board.
    assert_eq!(a.get(&h, "/board").await.status, StatusCode::FORBIDDEN);
    // An observer is read-only.
    let mut o = Client::default();
    o.get(&h, "/e/1/observe/checkin").await;
    o.post(&h, "/e/1/observe/checkin", &[("name", "Obs")]).await;
    assert_eq!(o.get(&h, "/e/1/observe").await.status, StatusCode::OK);
    assert_eq!(o.get(&h, "/board").await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        o.post(&h, "/admin/e/1/round", &[]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        o.post(
            &h,
            "/board/ballot/1",
            &[("not_found", "1"), ("confirm1", "on"), ("confirm2", "on")]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    // Sign out ends the session (and checks the observer out).
    let r = o.post(&h, "/signout", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        o.get(&h, "/e/1/observe").await.status,
        StatusCode::UNAUTHORIZED
    );
    let r = anon.get(&h, "/e/1/log").await;
    assert!(r.body.contains("observer Obs checked out"));
}

#[tokio::test]
async fn csrf_is_required_on_every_form() {
    let h = harness();
    let (mut a, codes) = set_up(&h, 1).await;
    for path in [
        "/admin/elections",
        "/admin/e/1/round",
        "/admin/e/1/boards",
        "/admin/e/1/checkpoint",
    ] {
        let r = a
            .post(
                &h,
                path,
                &[("csrf", "wrong"), ("name", "x"), ("count", "1")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
        assert!(r.body.contains("Form expired"));
    }
    // An upload without the token is refused and leaves no file behind.
    let mut stale = a.clone();
    stale.csrf = Some("nope".into());
    let r = stale
        .upload(&h, "/admin/e/1/manifest", "m.csv", b"batch,ballots\nx,1\n")
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let uploads = h._dir.path().join("uploads");
    assert_eq!(
        std::fs::read_dir(&uploads).map(|d| d.count()).unwrap_or(0),
        0
    );
    // Sign-in forms need the token too (login CSRF).
    let mut c = Client::default();
    let r = c.post(&h, "/signin", &[("token", TOKEN)]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = c
        .post(
            &h,
            "/board/signin",
            &[("code", &codes[0]), ("member1", "a"), ("member2", "b")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A token from another session does not work.
    let mut other = Client::default();
    other.get(&h, "/signin").await;
    c.get(&h, "/signin").await;
    let r = c
        .post(
            &h,
            "/signin",
            &[("token", TOKEN), ("csrf", other.csrf.as_deref().unwrap())],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn sign_in_is_rate_limited() {
    let h = harness();
    let mut c = Client::default();
    c.get(&h, "/signin").await;
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(c.post(&h, "/signin", &[("token", "guess")]).await.status);
    }
    assert_eq!(statuses[0], StatusCode::BAD_REQUEST);
    assert_eq!(*statuses.last().unwrap(), StatusCode::TOO_MANY_REQUESTS);
    // Even the right token is refused while limited.
    assert_eq!(
        c.post(&h, "/signin", &[("token", TOKEN)]).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn untrusted_input_never_panics_and_errors_hide_internals() {
    let h = harness();
    let mut a = admin(&h).await;
    a.post(&h, "/admin/elections", &[("name", "E")]).await;
    a.get(&h, "/admin/e/1").await;
    // Garbage CVRs and manifests are refused with a message naming the file.
    let r = a
        .upload(&h, "/admin/e/1/cvrs", "junk.json", b"{\"not\": [1,2")
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("junk.json"), "{}", r.body);
    assert!(!r.body.contains("/tmp"), "no server paths: {}", r.body);
    let r = a
        .upload(
            &h,
            "/admin/e/1/manifest",
            "m.csv",
            b"batch,ballots\nb1,notanumber\n",
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("m.csv, row 2"), "{}", r.body);
    for (path, fields) in [
        (
            "/admin/e/1/audit",
            vec![("risk_limit", "2"), ("method", "x")],
        ),
        (
            "/admin/e/1/audit",
            vec![
                ("risk_limit", "0.05"),
                ("method", "comparison"),
                ("contest", "\u{0}\u{ffff}"),
            ],
        ),
        ("/admin/e/1/seed", vec![("seed", "")]),
        ("/admin/e/1/boards", vec![("count", "1e9")]),
        ("/admin/e/1/round", vec![]),
        ("/admin/e/999/round", vec![]),
        ("/admin/e/abc/round", vec![]),
        ("/admin/elections", vec![("name", "")]),
    ] {
        let r = a.post(&h, path, &fields).await;
        assert!(r.status.is_client_error(), "{path}: {}", r.status);
    }
    // Raw garbage bodies.
    let mut b = Request::post("/admin/e/1/seed").header(header::COOKIE, a.cookie.clone().unwrap());
    b = b.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    let r = a
        .send(
            &h,
            b.body(Body::from(vec![0xffu8, 0x00, b'%', b'&', b'=']))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Bodies over the form limit are refused.
    let big = format!(
        "csrf={}&seed={}",
        a.csrf.clone().unwrap(),
        "9".repeat(400_000)
    );
    let b = Request::post("/admin/e/1/seed")
        .header(header::COOKIE, a.cookie.clone().unwrap())
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(big))
        .unwrap();
    let r = a.send(&h, b).await;
    assert!(r.status.is_client_error(), "{}", r.status);
    // Unknown pages.
    assert_eq!(
        a.get(&h, "/no/such/page").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        a.get(&h, "/rumors/1-99").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(a.get(&h, "/e/0").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn findings_become_rumor_control_pages() {
    let h = harness();
    let mut a = admin(&h).await;
    a.post(&h, "/admin/elections", &[("name", "E")]).await;
    a.get(&h, "/admin/e/1").await;
    let json = finding_json("deceased", Status::NoEvidence);
    let r = a
        .upload(&h, "/admin/e/1/finding", "deceased.json", json.as_bytes())
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mut p = Client::default();
    let r = p.get(&h, "/rumors").await;
    assert!(r.body.contains("Dead people voted"));
    let link = r
        .body
        .split("href=\"/rumors/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let r = p.get(&h, &format!("/rumors/{link}")).await;
    assert_eq!(r.status, StatusCode::OK);
    for part in [
        "Rumor",
        "Reality",
        "Evidence",
        "ballots_checked",
        "canvass check deceased",
        "signed checkpoint",
    ] {
        assert!(r.body.contains(part), "{part}");
    }
}

/// A finding of `check` with `status`, as JSON.
fn finding_json(check: &str, status: Status) -> String {
    let mut f = canvass_checks::finding::Finding::new(
        check,
        "Dead people voted",
        canvass_checks::finding::Rule {
            text: "A ballot counts as cast by a deceased voter when ...".into(),
            citation: "State law 1.2.3".into(),
        },
        format!("canvass check {check} --voters v.csv --deaths d.csv"),
    );
    f.figure("ballots_checked", 1000u64);
    f.status = status;
    f.to_json()
}

/// POST `body` to `/api/label` with `content_type`; the status and the JSON answer.
async fn label_api(
    h: &Harness,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> (StatusCode, serde_json::Value) {
    let mut b = Request::post("/api/label");
    if let Some(ct) = content_type {
        b = b.header(header::CONTENT_TYPE, ct);
    }
    let r = Client::default()
        .send(h, b.body(Body::from(body)).unwrap())
        .await;
    let v = serde_json::from_str(&r.body);
    assert!(v.is_ok(), "not JSON: {}", r.body);
    let v = v.unwrap();
    (r.status, v)
}

async fn label_text(h: &Harness, text: &str) -> serde_json::Value {
    let body = serde_json::to_vec(&serde_json::json!({ "text": text })).unwrap();
    let (status, v) = label_api(h, Some("application/json"), body).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    v
}

const DEAD: &str = "Thousands of DEAD people voted in Michigan!! #StopTheSteal";
const DISPUTED: &str = "This claim about election fraud is disputed";

#[tokio::test]
async fn label_api_labels_only_what_a_published_finding_disputes() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("canvass.db").display().to_string();
    let h = harness_with_db(dir, &db);
    // Matched, nothing published: no label, and the answer says why.
    let v = label_text(&h, DEAD).await;
    assert_eq!(v["matched"], true, "{v}");
    assert_eq!(v["entry"]["id"], "dead-voters");
    assert!(v["label"].is_null(), "{v}");
    assert_eq!(v["evidence_url"], "/rumors/dead-voters");
    assert!(v["finding"].is_null());
    assert!(
        v["reason"]
            .as_str()
            .unwrap()
            .contains("no `deceased` finding")
    );
    // No allegation at all.
    let v = label_text(&h, "Happy Thanksgiving everyone, go vote early").await;
    assert_eq!(v["matched"], false, "{v}");
    assert!(v["label"].is_null() && v["entry"].is_null());

    // The administrator publishes a `deceased` finding with no evidence.
    let mut a = admin(&h).await;
    a.post(&h, "/admin/elections", &[("name", "E")]).await;
    a.get(&h, "/admin/e/1").await;
    let json = finding_json("deceased", Status::NoEvidence);
    let r = a
        .upload(&h, "/admin/e/1/finding", "deceased.json", json.as_bytes())
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let v = label_text(&h, DEAD).await;
    assert_eq!(v["label"], DISPUTED, "{v}");
    assert_eq!(v["entry"]["title"], "Dead people voted");
    assert_eq!(v["finding"]["check"], "deceased");
    assert_eq!(v["finding"]["status"]["kind"], "no_evidence");
    assert!(v["best"]["score"].as_f64().unwrap() > 0.0);
    // The same answer for a form-encoded post.
    let (status, form) = label_api(
        &h,
        Some("application/x-www-form-urlencoded"),
        format!("text={}", enc(DEAD)).into_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(form, v);
    // Another allegation (other check) stays unlabeled.
    let v2 = label_text(
        &h,
        "The Dominion voting machines flipped votes from Trump to Biden",
    )
    .await;
    assert_eq!(v2["matched"], true, "{v2}");
    assert!(v2["label"].is_null(), "{v2}");
    // The evidence links resolve: the finding as published, the Rumor
    // Control page of the allegation with the label, the log entry.
    let mut p = Client::default();
    let path = v["finding"]["path"].as_str().unwrap();
    let r = p.get(&h, path).await;
    assert_eq!(r.status, StatusCode::OK, "{path}");
    let doc: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(doc["schema"], "canvass.finding.v1");
    assert_eq!(doc["check"], "deceased");
    let r = p.get(&h, v["evidence_url"].as_str().unwrap()).await;
    assert_eq!(r.status, StatusCode::OK);
    for part in [
        "Rumor",
        "Reality",
        "Label",
        DISPUTED,
        "Evidence",
        "log entry #",
    ] {
        assert!(r.body.contains(part), "{part}: {}", r.body);
    }
    let seq = path
        .trim_start_matches("/rumors/1-")
        .trim_end_matches(".json");
    let r = p.get(&h, "/e/1/log").await;
    assert!(
        r.body.contains(&format!("id=\"entry-{seq}\"")),
        "{}",
        r.body
    );
    // The finding's page shows the registry's rumor text and the label.
    let r = p.get(&h, &format!("/rumors/1-{seq}")).await;
    assert!(
        r.body.contains(DISPUTED) && r.body.contains("deceased voter"),
        "{}",
        r.body
    );
    assert_eq!(
        p.get(&h, "/rumors/no-such-claim").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        p.get(&h, "/rumors/1-999.json").await.status,
        StatusCode::NOT_FOUND
    );

    // One finding supporting the allegation withholds "disputed".
    let json = finding_json("deceased", Status::Supported { cases: 2 });
    a.get(&h, "/admin/e/1").await;
    let r = a
        .upload(&h, "/admin/e/1/finding", "deceased-2.json", json.as_bytes())
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let v = label_text(&h, DEAD).await;
    assert_eq!(v["matched"], true);
    assert!(v["label"].is_null(), "{v}");
    assert_eq!(v["finding"]["status"]["kind"], "supported");
    // After a restart the matcher is rebuilt from the logs in the store.
    let Harness { _dir: dir, .. } = h;
    let h = harness_with_db(dir, &db);
    let v = label_text(&h, DEAD).await;
    assert!(v["label"].is_null(), "{v}");
    assert_eq!(v["finding"]["status"]["kind"], "supported", "{v}");
}

#[tokio::test]
async fn label_api_refuses_bad_bodies_with_json_errors() {
    let h = harness();
    for (ct, body) in [
        (Some("application/json"), b"{\"text\": ".to_vec()),
        (Some("application/json"), b"{}".to_vec()),
        (Some("application/json"), b"{\"text\": 5}".to_vec()),
        (Some("application/json"), b"[\"text\"]".to_vec()),
        (None, vec![0xff, 0xfe, 0x00]),
        (
            Some("application/x-www-form-urlencoded"),
            b"post=hello".to_vec(),
        ),
    ] {
        let (status, v) = label_api(&h, ct, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body:?}: {v}");
        assert!(v["error"].as_str().is_some_and(|e| !e.is_empty()), "{v}");
    }
    // Over 16 KiB: refused, whether the length is declared or not.
    let big = serde_json::to_vec(&serde_json::json!({ "text": "dead people voted ".repeat(1000) }))
        .unwrap();
    assert!(big.len() > canvass_server::label::BODY_LIMIT);
    let (status, v) = label_api(&h, Some("application/json"), big.clone()).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{v}");
    let r = Client::default()
        .send(
            &h,
            Request::post("/api/label")
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::CONTENT_LENGTH, big.len())
                .body(Body::from(big))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    // Just under the limit is fine.
    let fits = serde_json::to_vec(&serde_json::json!({ "text": "x".repeat(16_000) })).unwrap();
    assert_eq!(
        label_api(&h, Some("application/json"), fits).await.0,
        StatusCode::OK
    );
    // GET is not the API.
    assert_eq!(
        Client::default().get(&h, "/api/label").await.status,
        StatusCode::METHOD_NOT_ALLOWED
    );
}

#[tokio::test]
async fn label_api_is_rate_limited_per_address() {
    let h = harness();
    let limit = Config::default().label_limit;
    for i in 0..limit {
        let body = serde_json::to_vec(&serde_json::json!({ "text": format!("post {i}") })).unwrap();
        assert_eq!(
            label_api(&h, None, body).await.0,
            StatusCode::OK,
            "request {i}"
        );
    }
    let (status, v) = label_api(&h, None, b"{\"text\": \"one more\"}".to_vec()).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{v}");
    assert!(v["error"].is_string());
    // The HTML check form shares the budget of the address.
    let mut c = Client::default();
    c.get(&h, "/rumors").await;
    let r = c.post(&h, "/rumors/check", &[("text", DEAD)]).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // Sign-in has its own.
    c.get(&h, "/signin").await;
    assert_eq!(
        c.post(&h, "/signin", &[("token", TOKEN)]).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn rumor_control_checks_a_post_without_javascript() {
    let h = harness();
    let mut c = Client::default();
    let r = c.get(&h, "/rumors").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("action=\"/rumors/check\""), "{}", r.body);
    assert!(c.csrf.is_some() && c.cookie.is_some());
    // Every allegation with its rumor text and the label the API gives.
    assert!(r.body.contains("Dead people voted") && r.body.contains("Observers were kept out"));
    assert!(
        r.body.contains("no `deceased` finding is published yet"),
        "{}",
        r.body
    );
    let r = c.post(&h, "/rumors/check", &[("text", DEAD)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body.contains("href=\"/rumors/dead-voters\""),
        "{}",
        r.body
    );
    assert!(
        r.body.contains("No \u{201c}disputed\u{201d} label."),
        "{}",
        r.body
    );
    // A post that is no allegation.
    let r = c
        .post(
            &h,
            "/rumors/check",
            &[("text", "I mailed my ballot yesterday")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("makes none of the allegations"),
        "{}",
        r.body
    );
    // Empty or oversize posts are refused with a message.
    let r = c.post(&h, "/rumors/check", &[("text", "  ")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let long = "a".repeat(canvass_server::label::BODY_LIMIT + 1);
    let r = c.post(&h, "/rumors/check", &[("text", &long)]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("longer than"), "{}", r.body);
    // Without the CSRF token, with another session's token, or with no session: refused.
    let r = c
        .post(&h, "/rumors/check", &[("text", DEAD), ("csrf", "")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let mut other = Client::default();
    other.get(&h, "/rumors").await;
    let stolen = other.csrf.clone().unwrap();
    let r = c
        .post(&h, "/rumors/check", &[("text", DEAD), ("csrf", &stolen)])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let mut anon = Client {
        cookie: None,
        csrf: Some(stolen),
    };
    let r = anon.post(&h, "/rumors/check", &[("text", DEAD)]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // With a finding published the form shows the label.
    let mut a = admin(&h).await;
    a.post(&h, "/admin/elections", &[("name", "E")]).await;
    a.get(&h, "/admin/e/1").await;
    let json = finding_json("deceased", Status::NoEvidence);
    a.upload(&h, "/admin/e/1/finding", "deceased.json", json.as_bytes())
        .await;
    let r = c.post(&h, "/rumors/check", &[("text", DEAD)]).await;
    assert!(r.body.contains(&format!("Label: {DISPUTED}")), "{}", r.body);
    assert!(r.body.contains("finding JSON"), "{}", r.body);
}

/// The store's manual vote records of election 1's audit, with the records
/// the server's state gives for the same cards.
fn stored_records(
    h: &Harness,
) -> (
    Vec<canvass_store::ManualRecord>,
    Vec<canvass_store::ManualRecord>,
) {
    let inner = h.app.inner.lock().unwrap();
    let st = &inner.elections[&canvass_store::ElectionId(1)];
    let audit = st.audit.as_ref().unwrap().store_audit.unwrap();
    let mut expected = st.manual_records().unwrap();
    expected.sort_by(|a, b| a.card.0.cmp(&b.card.0));
    (inner.db.records(audit).unwrap(), expected)
}

#[tokio::test]
async fn manual_vote_records_reach_the_store_and_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("canvass.db").display().to_string();
    let h = harness_with_db(dir, &db);
    let (_a, codes) = set_up(&h, 1).await;
    let mut b = board(&h, &codes[0], "Ann (D)", "Bob (R)").await;
    let n = 6;
    assert!(
        board_len(&h, 0) > n,
        "the board has a ballot left for the crash"
    );
    for pos in 0..n {
        let path = format!("/board/ballot/{}", pos + 1);
        b.get(&h, &path).await;
        let texts = truthful_reading(&h, 0, pos);
        let mut fields: Vec<(String, String)> = if pos == 1 {
            vec![("not_found".into(), "1".into())]
        } else {
            texts
                .iter()
                .enumerate()
                .map(|(ci, t)| (format!("t{ci}"), t.clone()))
                .collect()
        };
        fields.push(("confirm1".into(), "on".into()));
        fields.push(("confirm2".into(), "on".into()));
        let f: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let r = b.post(&h, &path, &f).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let (stored, expected) = stored_records(&h);
    assert_eq!(stored.len(), n, "one row per entered (non-phantom) card");
    assert_eq!(stored, expected);
    assert!(stored.iter().all(|r| r.board.contains("Ann (D), Bob (R)")));
    assert_eq!(
        stored
            .iter()
            .filter(|r| r.paper == canvass_store::Paper::NotFound)
            .count(),
        1
    );
    // A truthful reading stores the CVR's own marks for each audited contest
    // (where the CVR marks only candidates, within the vote limit).
    {
        let inner = h.app.inner.lock().unwrap();
        let st = &inner.elections[&canvass_store::ElectionId(1)];
        let cards = inner.db.all_cards(canvass_store::ElectionId(1)).unwrap();
        let mut compared = 0;
        for r in &stored {
            let canvass_store::Paper::Found(contests) = &r.paper else {
                continue;
            };
            let cvr = cards.iter().find(|c| c.id == r.card).unwrap();
            for cv in contests {
                let orig = cvr.contests.iter().find(|c| c.contest == cv.contest);
                assert!(orig.is_some(), "contest {:?} is not on the CVR", cv.contest);
                let orig = orig.unwrap();
                let limit = st.definition.contest(cv.contest).seats.max(1) as usize;
                if orig.marks.len() <= limit {
                    assert_eq!(orig, cv, "card {}", r.card.0);
                    compared += 1;
                }
            }
        }
        assert!(compared > 0);
    }
    // A crash after an entry's log append, before its row: the entry is in
    // the log (appended here without the route) and not in the table.
    let pos = n;
    let texts = truthful_reading(&h, 0, pos);
    {
        let mut inner = h.app.inner.lock().unwrap();
        let st = &inner.elections[&canvass_store::ElectionId(1)];
        let a = st.audit.as_ref().unwrap();
        let card = a.boards[0].def.cards[pos];
        let reading = canvass_server::events::Reading {
            card,
            card_id: a.cards[card as usize].card_id.clone(),
            contests: Some(texts),
        };
        inner
            .record(
                canvass_store::ElectionId(1),
                "board 1 (Ann (D), Bob (R))",
                canvass_server::events::Event::Entered { board: 0, reading },
            )
            .unwrap();
    }
    let (before, expected) = stored_records(&h);
    assert_eq!(before, stored);
    assert_eq!(expected.len(), n + 1);
    // Restart: the rows are read back as they were, and the missing one is
    // written from the log.
    let Harness { _dir: dir, .. } = h;
    let h = harness_with_db(dir, &db);
    let (again, expected) = stored_records(&h);
    assert_eq!(again.len(), n + 1);
    assert_eq!(again, expected);
    assert!(stored.iter().all(|r| again.contains(r)));
}

#[tokio::test]
async fn a_refused_cvr_upload_stores_nothing() {
    let h = harness();
    let mut a = admin(&h).await;
    a.post(&h, "/admin/elections", &[("name", "E")]).await;
    a.get(&h, "/admin/e/1").await;
    let (cvrs, _, _) = election_files(500, 11);
    // Cut inside the cards: the reader fails after some cards went into the
    // import transaction, which must then store none of them.
    let cut = &cvrs[..cvrs.len() * 2 / 3];
    let r = a.upload(&h, "/admin/e/1/cvrs", "cut.json", cut).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("cut.json"), "{}", r.body);
    let r = a.get(&h, "/e/1").await;
    assert!(
        r.body.contains("0 cast vote records from 0 file(s)"),
        "{}",
        r.body
    );
    let r = a.upload(&h, "/admin/e/1/cvrs", "cvr.json", &cvrs).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // The same cards again: refused (duplicate card ids), nothing added.
    let r = a.upload(&h, "/admin/e/1/cvrs", "again.json", &cvrs).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("again.json"), "{}", r.body);
    let r = a.get(&h, "/e/1").await;
    assert!(
        r.body.contains("500 cast vote records from 1 file(s)"),
        "{}",
        r.body
    );
}
