//! Storage for canvass: the only crate with SQL.
//!
//! A [`Store`] is one SQLite database (WAL mode, foreign keys on), created on
//! first use and brought to the current schema by numbered migrations
//! (`schema_version` records them; a database newer than the code is refused
//! with [`StoreError::TooNew`]). It holds elections with their contests and
//! candidates, cards with their marks, ballot manifests, audits with their
//! rounds, samples and manual vote records, users, and the append-only
//! evidence log with its checkpoints. Ids are typed ([`ElectionId`],
//! [`AuditId`], ...); no SQL leaves this crate.
//!
//! With the Cargo feature `postgres`, `PgStore` offers the same methods on a
//! PostgreSQL server (see `docs/STORE.md`); the same behaviour tests run on
//! both. The logic is written once (`api.rs`, against the `Db` trait of
//! `sql.rs`); each backend holds only its SQL dialect: the schema, row
//! locks, and the bulk card insert.
//!
//! Every write is one transaction: a card import that fails, or whose process
//! is killed, leaves nothing behind and can simply be run again. Imports
//! stream (memory does not grow with the number of cards) and reads come back
//! in a deterministic order (`seq`, the card's position in the election).
//!
//! ```
//! use canvass_model::{Card, CardId, Election};
//! use canvass_store::Store;
//! let mut store = Store::open_in_memory()?;
//! let election = store.create_election("general")?;
//! let definition = Election::default();
//! let cards = (0..3).map(|i| Ok::<_, std::io::Error>(Card::new(CardId::new(format!("c{i}")))));
//! let summary = store.import_cards(election, &definition, cards)?;
//! assert_eq!(summary.cards, 3);
//! let ids: Vec<String> = store.cards(election).map(|c| c.map(|(_, c)| c.id.0)).collect::<Result<_, _>>()?;
//! assert_eq!(ids, ["c0", "c1", "c2"]);
//! # Ok::<(), canvass_store::StoreError>(())
//! ```

mod api;
mod cards;
mod codec;
mod error;
mod ids;
mod log;
#[cfg(feature = "postgres")]
mod pg;
mod records;
mod schema;
mod sql;
mod store;

pub use api::CardIter;
#[doc(hidden)]
pub use api::Pages;
pub use cards::{CardImport, ImportSummary};
pub use error::{Result, StoreError};
pub use ids::{AuditId, ElectionId, ImportId, ManifestId, UserId};
pub use log::{LogEntry, StoredCheckpoint};
#[cfg(feature = "postgres")]
pub use pg::{PgCardImport, PgCardIter, PgStore};
pub use records::{
    Audit, AuditFile, AuditStep, Entered, ManualRecord, NewAudit, NewLogEntry, Paper, SampleDraw,
    User,
};
pub use schema::SCHEMA_VERSION;
pub use store::{DEFAULT_IMPORT_CACHE_KIB, OpenMode, Store};
