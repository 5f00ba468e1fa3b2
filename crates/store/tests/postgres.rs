//! The shared suite on PostgreSQL (feature `postgres`). Runs only when
//! `CANVASS_TEST_POSTGRES_URL` is set (e.g.
//! `postgresql://canvass:canvass@127.0.0.1/canvass_test`, see docs/STORE.md);
//! each test gets its own schema, dropped first.

#![cfg(feature = "postgres")]
#![allow(clippy::unwrap_used)]

mod common;
mod suite;

const URL_ENV: &str = "CANVASS_TEST_POSTGRES_URL";

/// A fresh store in schema `test_<name>`, or `None` (skipped) without a server.
fn fresh(name: &str) -> Option<canvass_store::PgStore> {
    let Ok(url) = std::env::var(URL_ENV) else {
        eprintln!("skipped: {URL_ENV} not set");
        return None;
    };
    let schema = format!("test_{name}");
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    client
        .batch_execute(&format!(
            "SET client_min_messages = warning; DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"
        ))
        .unwrap();
    Some(canvass_store::PgStore::open_schema(&url, &schema).unwrap())
}

mod pg {
    use crate::common;
    crate::store_suite!(canvass_store::PgStore, crate::fresh);
}

/// Opening twice applies nothing the second time; the log refuses changes.
#[test]
fn migrations_are_idempotent_and_log_is_append_only() {
    let Some(store) = fresh("migrations") else {
        return;
    };
    assert_eq!(
        store.schema_version().unwrap(),
        canvass_store::SCHEMA_VERSION
    );
    drop(store);
    let url = std::env::var(URL_ENV).unwrap();
    let mut store = canvass_store::PgStore::open_schema(&url, "test_migrations").unwrap();
    assert_eq!(
        store.schema_version().unwrap(),
        canvass_store::SCHEMA_VERSION
    );
    let e = store.create_election("log").unwrap();
    store.append_log(e, "seed", b"{}", "admin").unwrap();
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    client
        .batch_execute("SET search_path TO test_migrations")
        .unwrap();
    let n: i64 = client
        .query_one("SELECT COUNT(*) FROM schema_version", &[])
        .unwrap()
        .get(0);
    assert_eq!(n, canvass_store::SCHEMA_VERSION);
    for sql in [
        "UPDATE log_entries SET actor = 'x'",
        "DELETE FROM log_entries",
    ] {
        let err = client.batch_execute(sql).unwrap_err();
        assert!(format!("{err:?}").contains("append-only"), "{sql}: {err:?}");
    }
    client
        .batch_execute("INSERT INTO schema_version (version) VALUES (999)")
        .unwrap();
    let err = canvass_store::PgStore::open_schema(&url, "test_migrations")
        .err()
        .unwrap();
    assert!(
        matches!(err, canvass_store::StoreError::TooNew { found: 999, .. }),
        "{err}"
    );
}
