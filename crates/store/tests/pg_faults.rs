//! Fault tests on PostgreSQL (feature `postgres`; each skips with a message
//! unless `CANVASS_TEST_POSTGRES_URL` is set): an import whose client process
//! is killed, an import whose server backend is terminated, a read-only
//! database and a full disk (a small tmpfs tablespace; needs root and a local
//! server). In each, everything stored before is still there, nothing of the
//! failed import is, the error says what happened, and the import can be
//! redone.
//!
//! The kill test re-runs its own binary as the child (`child_import`, active
//! only when `CANVASS_STORE_PG_KILL_CHILD` names a schema), waits until the
//! child has sent cards to the server, sleeps a pseudo-random delay and kills
//! it.

#![cfg(feature = "postgres")]
#![allow(clippy::unwrap_used)]

mod common;

use canvass_model::Card;
use canvass_store::{ElectionId, PgStore, StoreError};
use std::convert::Infallible;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

const URL_ENV: &str = "CANVASS_TEST_POSTGRES_URL";
const CHILD_ENV: &str = "CANVASS_STORE_PG_KILL_CHILD";

fn url() -> Option<String> {
    let url = std::env::var(URL_ENV).ok();
    if url.is_none() {
        eprintln!("skipped: {URL_ENV} not set");
    }
    url
}

fn admin(url: &str) -> postgres::Client {
    let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap();
    c.batch_execute("SET client_min_messages = warning")
        .unwrap();
    c
}

/// `url` naming database `db` instead of its own.
fn url_for_db(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let start = base.find("://").map_or(0, |i| i + 3);
    let base = match base[start..].find('/') {
        Some(i) => &base[..start + i],
        None => base,
    };
    let query = query.map(|q| format!("?{q}")).unwrap_or_default();
    format!("{base}/{db}{query}")
}

/// `url` with one more connection parameter.
fn with_param(url: &str, param: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{param}")
}

/// A fresh, empty schema `name` in the test database.
fn fresh_schema(url: &str, name: &str) -> PgStore {
    admin(url)
        .batch_execute(&format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE"))
        .unwrap();
    PgStore::open_schema(url, name).unwrap()
}

/// A fresh database `name` (dropped first), or `None` (skipped) when the
/// test role may not create databases.
fn fresh_database(admin: &mut postgres::Client, name: &str) -> Option<()> {
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .unwrap();
    if let Err(e) = admin.batch_execute(&format!("CREATE DATABASE {name}")) {
        eprintln!("skipped: cannot create database {name} on the test server: {e}");
        return None;
    }
    Some(())
}

fn all_cards(store: &PgStore, e: ElectionId) -> Vec<Card> {
    store
        .cards(e)
        .map(|c| c.map(|(_, c)| c))
        .collect::<Result<_, _>>()
        .unwrap()
}

/// Generated cards `prefix-0..`, made one at a time.
fn endless(prefix: &str, n: u64) -> impl Iterator<Item = Result<Card, Infallible>> + use<> {
    let file: Arc<str> = Arc::from(format!("{prefix}.json"));
    let prefix = prefix.to_owned();
    (0..n).map(move |i| Ok(common::card(&prefix, i, &file)))
}

/// In the child: import far more cards than can be sent before the kill.
#[test]
fn child_import() {
    let Ok(schema) = std::env::var(CHILD_ENV) else {
        return;
    };
    let url = std::env::var(URL_ENV).unwrap();
    let mut store = PgStore::open_schema(&url, &schema).unwrap();
    let def = common::election();
    let mut import = store.card_import(ElectionId(1)).unwrap();
    // At card 2,000 two batches of 1,000 are on the server.
    common::push_until_killed(2000, |card| import.push(&def, card));
    import.commit(&def).unwrap();
}

#[test]
fn import_killed_at_random_points_leaves_nothing() {
    if std::env::var(CHILD_ENV).is_ok() {
        return;
    }
    let Some(url) = url() else { return };
    let schema = "fault_kill";
    let def = common::election();
    let before = common::cards("before", 0, 100);
    {
        let mut store = fresh_schema(&url, schema);
        let e = store.create_election("kill").unwrap();
        assert_eq!(e, ElectionId(1));
        store
            .import_cards(e, &def, before.iter().cloned().map(Ok::<_, Infallible>))
            .unwrap();
    }
    let mut delays = common::Gen(20_261_206);
    let mut admin = admin(&url);
    for trial in 0..4 {
        let delay = Duration::from_millis(50 + delays.below(500));
        common::kill_child_import(CHILD_ENV, schema, trial, delay);

        let store = PgStore::open_schema(&url, schema).unwrap();
        let e = ElectionId(1);
        assert_eq!(
            all_cards(&store, e),
            before,
            "trial {trial} (killed after {delay:?})"
        );
        assert_eq!(store.imports(e).unwrap().len(), 1, "trial {trial}");
        // Nothing of the killed import in the table itself, committed or not
        // visible: the server rolled it back (it may still be finishing).
        let rows: i64 = admin
            .query_one(&format!("SELECT COUNT(*) FROM {schema}.cards"), &[])
            .unwrap()
            .get(0);
        assert_eq!(rows, 100, "trial {trial}");
    }
    // The redo waits for the killed session's lock, if the server has not
    // noticed the kill yet, then succeeds.
    let mut store = PgStore::open_schema(&url, schema).unwrap();
    let s = store
        .import_cards(ElectionId(1), &def, endless("killed", 2000))
        .unwrap();
    assert_eq!((s.first_seq, s.cards), (100, 2000));
    assert_eq!(store.imports(ElectionId(1)).unwrap().len(), 2);
}

/// The server ends the import's backend (`pg_terminate_backend`) while the
/// client is sending cards: the client's error names the import and says
/// nothing of it was stored; a new connection sees exactly the cards from
/// before and the import can be redone.
#[test]
fn terminated_backend_mid_import_names_the_import_and_leaves_nothing() {
    let Some(url) = url() else { return };
    let schema = "fault_terminate";
    let app = "canvass_fault_terminate";
    let url_app = with_param(&url, &format!("application_name={app}"));
    let def = common::election();
    let before = common::cards("before", 0, 100);
    let mut store = fresh_schema(&url, schema);
    drop(store);
    store = PgStore::open_schema(&url_app, schema).unwrap();
    let e = store.create_election("terminate").unwrap();
    store
        .import_cards(e, &def, before.iter().cloned().map(Ok::<_, Infallible>))
        .unwrap();

    let mut import = store.card_import(e).unwrap();
    let file: Arc<str> = Arc::from("cut.json");
    let (go, wait) = std::sync::mpsc::channel::<()>();
    let killer = {
        let url = url.clone();
        std::thread::spawn(move || {
            wait.recv().unwrap();
            std::thread::sleep(Duration::from_millis(
                100 + common::Gen(20_261_206).below(300),
            ));
            let rows = admin(&url)
                .query(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                     WHERE application_name = $1",
                    &[&app],
                )
                .unwrap();
            rows.len()
        })
    };
    let mut err = None;
    for i in 0..50_000_000u64 {
        if let Err(e) = import.push(&def, &common::card("cut", i, &file)) {
            err = Some((i, e));
            break;
        }
        if i == 2000 {
            go.send(()).unwrap();
        }
    }
    assert_eq!(killer.join().unwrap(), 1, "one backend terminated");
    let (at, err) = err.unwrap();
    drop(import);
    assert!(
        matches!(
            err,
            StoreError::ConnectionLost {
                committing: false,
                ..
            }
        ),
        "{err}"
    );
    let msg = err.to_string();
    eprintln!("terminated backend: {msg}");
    assert!(
        msg.starts_with("import 2 into election 1 (")
            && msg.contains("cards so far) failed: lost the connection to database")
            && msg.ends_with(
                "the server rolled the unfinished transaction back, so nothing of it was stored; \
                 open the store again and run it again"
            ),
        "card {at}: {msg}"
    );
    assert!(!msg.contains("canvass@"), "no user name in {msg}");
    // The cause is spelled out, not just the client's "db error".
    assert!(!msg.contains("(db error)"), "{msg}");
    // The handle is dead and says so.
    assert!(
        matches!(store.card_count(e), Err(StoreError::ConnectionLost { .. })),
        "reads on the dead connection"
    );
    drop(store);

    let mut store = PgStore::open_schema(&url, schema).unwrap();
    assert_eq!(all_cards(&store, e), before);
    assert_eq!(store.imports(e).unwrap().len(), 1);
    let s = store.import_cards(e, &def, endless("cut", 3000)).unwrap();
    assert_eq!((s.first_seq, s.cards), (100, 3000));
}

/// `ALTER DATABASE ... SET default_transaction_read_only = on`: the store
/// opens, reads work, every write is refused with a message saying so and
/// nothing is lost; a schema that would need creating is refused as needing
/// a migration. Back to read-write, the import goes through.
#[test]
fn read_only_database_refuses_writes_and_keeps_data() {
    let Some(url) = url() else { return };
    let db = "canvass_fault_ro";
    let mut admin = admin(&url);
    if fresh_database(&mut admin, db).is_none() {
        return;
    }
    let db_url = url_for_db(&url, db);
    let def = common::election();
    let cards = common::cards("ro", 0, 200);
    let e = {
        let mut store = PgStore::open(&db_url).unwrap();
        let e = store.create_election("ro").unwrap();
        store
            .import_cards(e, &def, cards.iter().cloned().map(Ok::<_, Infallible>))
            .unwrap();
        store.append_log(e, "commitment", b"{}", "admin").unwrap();
        e
    };
    admin
        .batch_execute(&format!(
            "ALTER DATABASE {db} SET default_transaction_read_only = on"
        ))
        .unwrap();

    let mut ro = PgStore::open(&db_url).unwrap();
    let err = ro.import_cards(e, &def, endless("more", 10)).unwrap_err();
    assert!(matches!(err, StoreError::ReadOnly { .. }), "{err}");
    eprintln!("read-only: {err}");
    let shown = db_url.replace("canvass@", "");
    assert_eq!(
        err.to_string(),
        format!(
            "import into election 1 refused: database {shown} is read-only; nothing was written"
        )
    );
    let refused = [
        ro.create_election("x").err(),
        ro.append_log(e, "seed", b"{}", "admin").err(),
        ro.add_user("board", "audit_board", None).err(),
    ];
    for r in refused {
        let r = r.unwrap();
        assert!(matches!(r, StoreError::ReadOnly { .. }), "{r}");
        assert!(
            r.to_string().ends_with("is read-only; nothing was written"),
            "{r}"
        );
    }
    assert_eq!(all_cards(&ro, e), cards);
    assert_eq!(ro.log_len(e).unwrap(), 1);
    assert_eq!(ro.elections().unwrap().len(), 1);
    // A schema that does not exist yet cannot be created here.
    let err = PgStore::open_schema(&db_url, "other").err().unwrap();
    assert!(
        matches!(err, StoreError::NeedsMigration { found: 0, .. }),
        "{err}"
    );
    drop(ro);

    admin
        .batch_execute(&format!(
            "ALTER DATABASE {db} RESET default_transaction_read_only"
        ))
        .unwrap();
    let mut store = PgStore::open(&db_url).unwrap();
    let s = store.import_cards(e, &def, endless("more", 10)).unwrap();
    assert_eq!((s.first_seq, s.cards), (200, 10));
    assert_eq!(store.log_len(e).unwrap(), 1);
    drop(store);
    admin
        .batch_execute(&format!("DROP DATABASE {db} WITH (FORCE)"))
        .unwrap();
}

/// The database, tablespace and tmpfs of the full-disk test, removed on drop
/// (also when the test fails).
struct FullDisk {
    admin: postgres::Client,
    db: &'static str,
    mount: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for FullDisk {
    fn drop(&mut self) {
        let _ = self
            .admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.db));
        let _ = self
            .admin
            .batch_execute(&format!("DROP TABLESPACE IF EXISTS {}", self.db));
        let _ = Command::new("umount").arg(&self.mount).status();
    }
}

/// Mount an 8 MiB tmpfs owned by the server's user and make database
/// `canvass_fault_full` keep its tables there; `None` (skipped, with the
/// reason) when the server is not local or the mount is not allowed.
fn full_disk(url: &str) -> Option<FullDisk> {
    use std::os::unix::fs::MetadataExt;
    use std::os::unix::fs::PermissionsExt;
    let db = "canvass_fault_full";
    let mut admin = admin(url);
    let data: String = match admin.query_one("SHOW data_directory", &[]) {
        Ok(r) => r.get(0),
        Err(e) => {
            eprintln!("skipped: cannot read the server's data_directory (not a superuser?): {e}");
            return None;
        }
    };
    let Ok(owner) = std::fs::metadata(&data).map(|m| m.uid()) else {
        eprintln!("skipped: the server's data directory {data} is not on this machine");
        return None;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let mount = dir.path().join("tablespace");
    std::fs::create_dir(&mount).unwrap();
    let out = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=8m,mode=0700", "canvass-full"])
        .arg(&mount)
        .output();
    match out {
        Ok(o) if o.status.success() => {}
        Ok(o) => {
            eprintln!(
                "skipped: cannot mount a tmpfs for the full-disk test (needs root): {}",
                String::from_utf8_lossy(&o.stderr).trim()
            );
            return None;
        }
        Err(e) => {
            eprintln!("skipped: cannot run mount for the full-disk test: {e}");
            return None;
        }
    }
    let guard = FullDisk {
        admin,
        db,
        mount: mount.clone(),
        _dir: dir,
    };
    std::os::unix::fs::chown(&mount, Some(owner), None).unwrap();
    let mut guard = guard;
    let admin = &mut guard.admin;
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
        .unwrap();
    admin
        .batch_execute(&format!("DROP TABLESPACE IF EXISTS {db}"))
        .unwrap();
    let location = mount.display().to_string().replace('\'', "''");
    if let Err(e) = admin.batch_execute(&format!("CREATE TABLESPACE {db} LOCATION '{location}'")) {
        eprintln!("skipped: cannot create a tablespace on {location}: {e}");
        return None;
    }
    admin
        .batch_execute(&format!("CREATE DATABASE {db}"))
        .unwrap();
    admin
        .batch_execute(&format!(
            "ALTER DATABASE {db} SET default_tablespace = {db}"
        ))
        .unwrap();
    Some(guard)
}

/// An import that fills the tablespace fails with `StoreError::Full` naming
/// the import and the server's reason; the cards and log from before are all
/// there; with more room the same import goes through.
#[test]
fn full_disk_rolls_back_the_import_and_keeps_data() {
    let Some(url) = url() else { return };
    let Some(disk) = full_disk(&url) else { return };
    let db_url = url_for_db(&url, disk.db);
    let def = common::election();
    let before = common::cards("a", 0, 1000);
    let mut store = PgStore::open(&db_url).unwrap();
    let e = store.create_election("full").unwrap();
    store
        .import_cards(e, &def, before.iter().cloned().map(Ok::<_, Infallible>))
        .unwrap();
    store.append_log(e, "commitment", b"{}", "admin").unwrap();

    // 8 MiB holds some 20,000 cards with their indexes; send up to 200,000.
    let err = store
        .import_cards(e, &def, endless("b", 200_000))
        .unwrap_err();
    assert!(matches!(err, StoreError::Full { .. }), "{err}");
    let msg = err.to_string();
    eprintln!("full disk: {msg}");
    assert!(
        msg.starts_with("import 2 into election 1 (")
            && msg.contains("failed: database")
            && msg.contains("is full (disk full or size limit reached: could not extend file")
            && msg.contains("No space left on device")
            && msg.ends_with(
                "the operation was rolled back and everything stored before it is intact"
            ),
        "{msg}"
    );
    assert_eq!(all_cards(&store, e), before);
    assert_eq!(store.imports(e).unwrap().len(), 1);
    assert_eq!(store.log_len(e).unwrap(), 1);
    let cut: u64 = msg
        .split_once("election 1 (")
        .and_then(|(_, rest)| rest.split_once(' '))
        .map(|(n, _)| n.parse().unwrap())
        .unwrap();
    assert!(cut > 1000 && cut < 200_000, "{msg}");

    // The operator frees space; the same import is redone.
    let st = Command::new("mount")
        .args(["-o", "remount,size=64m"])
        .arg(&disk.mount)
        .status()
        .unwrap();
    assert!(st.success(), "remount with more room");
    let s = store.import_cards(e, &def, endless("b", cut)).unwrap();
    assert_eq!((s.first_seq, s.cards), (1000, cut));
    assert_eq!(store.card_count(e).unwrap(), 1000 + cut);
    drop(store);
    drop(disk);
}
