//! Fault test: an import whose process is killed at a random point leaves the
//! database consistent, with none of the killed import's cards, and a fresh
//! import succeeds.
//!
//! The test re-runs its own binary as the child (`child_import`, active only
//! when `CANVASS_STORE_KILL_CHILD` names a database), waits until the child is
//! inside its import, sleeps a pseudo-random delay and kills it.

#![allow(clippy::unwrap_used)]

mod common;

use canvass_model::Card;
use canvass_store::{ElectionId, Store};
use std::time::Duration;

const CHILD_ENV: &str = "CANVASS_STORE_KILL_CHILD";

/// In the child: import far more cards than can be stored before the kill.
#[test]
fn child_import() {
    let Ok(path) = std::env::var(CHILD_ENV) else {
        return;
    };
    let mut store = Store::open(&path).unwrap();
    // A small cache, so uncommitted pages spill into the write-ahead log and
    // the kill leaves a half-written transaction on disk.
    store.set_import_cache_kib(256);
    let def = common::election();
    let mut import = store.card_import(ElectionId(1)).unwrap();
    common::push_until_killed(1000, |card| import.push(&def, card));
    import.commit(&def).unwrap();
}

#[test]
fn import_killed_at_random_points_leaves_nothing() {
    if std::env::var(CHILD_ENV).is_ok() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("killed.db");
    let def = common::election();
    let before: Vec<Card> = common::cards("before", 0, 100);
    {
        let mut store = Store::open(&path).unwrap();
        let e = store.create_election("kill").unwrap();
        assert_eq!(e, ElectionId(1));
        store
            .import_cards(e, &def, before.iter().cloned().map(Ok::<_, std::io::Error>))
            .unwrap();
    }
    let mut delays = common::Gen(20_261_122);
    let wal = dir.path().join("killed.db-wal");
    let mut largest_wal = 0;
    for trial in 0..5 {
        let delay = Duration::from_millis(100 + delays.below(900));
        common::kill_child_import(CHILD_ENV, &path, trial, delay);
        largest_wal = largest_wal.max(std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0));

        let store = Store::open(&path).unwrap();
        assert_eq!(store.integrity_check().unwrap(), ["ok"], "trial {trial}");
        let cards: Vec<Card> = store
            .cards(ElectionId(1))
            .map(|c| c.map(|(_, c)| c))
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(cards, before, "trial {trial} (killed after {delay:?})");
        assert_eq!(
            store.imports(ElectionId(1)).unwrap().len(),
            1,
            "trial {trial}"
        );
    }
    eprintln!("largest write-ahead log left by a kill: {largest_wal} bytes");
    // At least one kill left uncommitted pages in the write-ahead log.
    assert!(
        largest_wal > 1 << 20,
        "write-ahead log after the kills: {largest_wal} bytes"
    );
    let mut store = Store::open(&path).unwrap();
    let again = common::cards("killed", 0, 2000);
    let s = store
        .import_cards(
            ElectionId(1),
            &def,
            again.into_iter().map(Ok::<_, std::io::Error>),
        )
        .unwrap();
    assert_eq!((s.first_seq, s.cards), (100, 2000));
    assert_eq!(store.integrity_check().unwrap(), ["ok"]);
}
