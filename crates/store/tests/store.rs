//! Behaviour of the SQLite store.

// Test helpers outside #[test] functions unwrap too.
#![allow(clippy::unwrap_used)]

mod common;
mod suite;

/// The shared suite on an in-memory SQLite store.
mod sqlite {
    use crate::common;
    crate::store_suite!(canvass_store::Store, |_name: &str| Some(
        canvass_store::Store::open_in_memory().unwrap()
    ));
}

use canvass_model::{Card, CardId, Election};
use canvass_store::{ElectionId, OpenMode, SCHEMA_VERSION, Store, StoreError};
use suite::ok_cards;

fn read_all(store: &Store, election: ElectionId) -> Vec<(u64, Card)> {
    store
        .cards(election)
        .collect::<Result<Vec<_>, _>>()
        .unwrap()
}

/// Import `cards` into a fresh election and check that reading back gives the
/// same cards, numbered 0.., and the same definition.
fn check_round_trip(store: &mut Store, definition: &Election, cards: Vec<Card>) {
    let e = store.create_election("round trip").unwrap();
    let summary = store
        .import_cards(e, definition, ok_cards(cards.clone()))
        .unwrap();
    assert_eq!(summary.cards, cards.len() as u64);
    assert_eq!(summary.first_seq, 0);
    let back = read_all(store, e);
    let expected: Vec<(u64, Card)> = (0u64..).zip(cards).collect();
    assert_eq!(back, expected);
    assert_eq!(&store.election(e).unwrap(), definition);
}

#[test]
fn round_trip_in_memory_and_on_disk() {
    let cards = common::cards("rt", 0, 10_000);
    check_round_trip(
        &mut Store::open_in_memory().unwrap(),
        &common::election(),
        cards.clone(),
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("canvass.db");
    check_round_trip(
        &mut Store::open(&path).unwrap(),
        &common::election(),
        cards.clone(),
    );
    // Reopened, the file gives the same cards again.
    let store = Store::open(&path).unwrap();
    let back: Vec<Card> = read_all(&store, ElectionId(1))
        .into_iter()
        .map(|(_, c)| c)
        .collect();
    assert_eq!(back, cards);
    assert_eq!(
        store.card(ElectionId(1), &CardId::new("rt-77")).unwrap(),
        Some((77, cards[77].clone()))
    );
    assert_eq!(
        store.card(ElectionId(1), &CardId::new("nope")).unwrap(),
        None
    );
}

#[test]
fn migrations_are_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    for _ in 0..3 {
        let store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    }
    let conn = rusqlite::Connection::open(&path).unwrap();
    let rows: i64 = conn
        .query_row("SELECT COUNT(*) FROM schema_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, SCHEMA_VERSION);
    let journal: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(journal, "wal");
}

#[test]
fn newer_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.db");
    drop(Store::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute(
        "INSERT INTO schema_version (version) VALUES (?1)",
        [SCHEMA_VERSION + 1],
    )
    .unwrap();
    drop(conn);
    let err = Store::open(&path).err().unwrap();
    assert!(matches!(err, StoreError::TooNew { found, .. } if found == SCHEMA_VERSION + 1));
    assert!(err.to_string().contains("use a newer canvass"), "{err}");
}

#[test]
fn read_only_database_refuses_writes_and_keeps_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ro.db");
    let def = common::election();
    let cards = common::cards("ro", 0, 200);
    {
        let mut store = Store::open(&path).unwrap();
        let e = store.create_election("ro").unwrap();
        store
            .import_cards(e, &def, ok_cards(cards.clone()))
            .unwrap();
    }
    let mut ro = Store::open_with(&path, OpenMode::ReadOnly).unwrap();
    let e = ElectionId(1);
    let err = ro
        .import_cards(e, &def, ok_cards(common::cards("more", 0, 10)))
        .unwrap_err();
    assert!(matches!(err, StoreError::ReadOnly { .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with("import into election 1 refused: database ")
            && err
                .to_string()
                .ends_with("is read-only; nothing was written"),
        "{err}"
    );
    assert!(matches!(
        ro.create_election("x"),
        Err(StoreError::ReadOnly { .. })
    ));
    let back: Vec<Card> = read_all(&ro, e).into_iter().map(|(_, c)| c).collect();
    assert_eq!(back, cards);
    drop(ro);

    // A file without write permission. Root ignores permissions, so the
    // check only means something for other users.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
    if std::fs::OpenOptions::new().append(true).open(&path).is_ok() {
        eprintln!("skipped: chmod 0444 part (running as root, permissions are not enforced)");
    } else {
        match Store::open(&path) {
            Ok(mut store) => {
                let err = store
                    .import_cards(e, &def, ok_cards(common::cards("more", 0, 10)))
                    .unwrap_err();
                assert!(matches!(err, StoreError::ReadOnly { .. }), "{err}");
            }
            Err(err) => assert!(
                matches!(err, StoreError::ReadOnly { .. } | StoreError::Open { .. }),
                "{err}"
            ),
        }
    }
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let store = Store::open(&path).unwrap();
    assert_eq!(store.card_count(e).unwrap(), 200);
    assert_eq!(store.integrity_check().unwrap(), ["ok"]);
}

#[test]
fn full_database_rolls_back_and_keeps_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("full.db");
    let def = common::election();
    let mut store = Store::open(&path).unwrap();
    let e = store.create_election("full").unwrap();
    store
        .import_cards(e, &def, ok_cards(common::cards("a", 0, 1000)))
        .unwrap();
    let pages: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA page_count", [], |r| r.get(0))
        .unwrap();
    // Room for a few more pages only: 20,000 more cards cannot fit.
    assert!(store.set_max_page_count(pages as u64 + 5).unwrap() >= pages as u64);
    let err = store
        .import_cards(e, &def, ok_cards(common::cards("b", 0, 20_000)))
        .unwrap_err();
    assert!(matches!(err, StoreError::Full { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.starts_with("import 2 into election 1 (")
            && msg.contains("is full")
            && msg.ends_with("everything stored before it is intact"),
        "{msg}"
    );
    assert_eq!(store.card_count(e).unwrap(), 1000);
    assert_eq!(store.integrity_check().unwrap(), ["ok"]);
    // The log refuses too, and keeps what it had.
    store.set_max_page_count(1_000_000).unwrap();
    store.append_log(e, "commitment", b"{}", "admin").unwrap();
    drop(store);
    let mut store = Store::open(&path).unwrap();
    let s = store
        .import_cards(e, &def, ok_cards(common::cards("b", 0, 20_000)))
        .unwrap();
    assert_eq!((s.first_seq, s.cards), (1000, 20_000));
    assert_eq!(store.log_len(e).unwrap(), 1);
}

#[test]
fn evidence_log_is_append_only_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.db");
    let mut store = Store::open(&path).unwrap();
    // The suite's checks of the API, here on a file, leave three entries and
    // two checkpoints for the database's own refusals below.
    let e = sqlite::check_evidence_log_api(&mut store);
    drop(store);

    // The database itself refuses changes to the log.
    let conn = rusqlite::Connection::open(&path).unwrap();
    for sql in [
        "UPDATE log_entries SET payload = x'00' WHERE seq = 0",
        "DELETE FROM log_entries WHERE seq = 2",
        "UPDATE checkpoints SET note = 'x'",
        "DELETE FROM checkpoints",
    ] {
        let err = conn.execute(sql, []).unwrap_err();
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    // Someone who drops the trigger and edits a payload is caught on read.
    conn.execute_batch(
        "DROP TRIGGER log_entries_no_update;
         UPDATE log_entries SET payload = CAST('{\"root\":\"cd\"}' AS BLOB) WHERE seq = 0;",
    )
    .unwrap();
    drop(conn);
    let store = Store::open(&path).unwrap();
    let err = store.log(e, 0, 10).unwrap_err();
    assert_eq!(
        err.to_string(),
        "election 1 log entry 0: the payload does not match its stored SHA-256"
    );
}

#[test]
fn readers_see_only_committed_imports() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("iso.db");
    let def = common::election();
    let mut writer = Store::open(&path).unwrap();
    let e = writer.create_election("iso").unwrap();
    writer
        .import_cards(e, &def, ok_cards(common::cards("a", 0, 10)))
        .unwrap();
    let reader = Store::open_with(&path, OpenMode::ReadOnly).unwrap();
    let mut import = writer.card_import(e).unwrap();
    for c in common::cards("b", 0, 3000) {
        import.push(&def, &c).unwrap();
    }
    // WAL: the reader is not blocked and sees the last committed state.
    assert_eq!(reader.card_count(e).unwrap(), 10);
    import.commit(&def).unwrap();
    assert_eq!(reader.card_count(e).unwrap(), 3010);
}

#[test]
fn a_file_that_is_not_a_database_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(
        &path,
        "this is not sqlite, just some text that is long enough ".repeat(100),
    )
    .unwrap();
    let err = Store::open(&path).err().unwrap();
    let msg = err.to_string();
    assert!(
        msg.contains("notes.txt") && msg.contains("not a database"),
        "{msg}"
    );
}
