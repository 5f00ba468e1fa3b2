//! The store behind the server: embedded SQLite by default, PostgreSQL with
//! the `postgres` feature. Both have the same methods; this enum forwards.

use canvass_model::{BallotManifest, Card, Election};
use canvass_store::{
    AuditId, ElectionId, ImportSummary, LogEntry, ManualRecord, NewAudit, SampleDraw, Store,
    StoredCheckpoint,
};

/// A store of either kind.
pub enum Db {
    /// SQLite (one file, or in memory for tests).
    Sqlite(Store),
    /// PostgreSQL.
    #[cfg(feature = "postgres")]
    Postgres(Box<canvass_store::PgStore>),
}

macro_rules! forward {
    ($self:ident, $s:ident => $e:expr) => {
        match $self {
            Db::Sqlite($s) => $e,
            #[cfg(feature = "postgres")]
            Db::Postgres($s) => $e,
        }
    };
}

type R<T> = canvass_store::Result<T>;

/// A card import in progress on either store (one transaction).
pub enum CardImport<'a> {
    /// SQLite.
    Sqlite(canvass_store::CardImport<'a>),
    /// PostgreSQL.
    #[cfg(feature = "postgres")]
    Postgres(Box<canvass_store::PgCardImport<'a>>),
}

impl CardImport<'_> {
    /// Store one card (checked against `definition`, the election as read so far).
    pub fn push(&mut self, definition: &Election, card: &Card) -> R<()> {
        match self {
            CardImport::Sqlite(i) => i.push(definition, card),
            #[cfg(feature = "postgres")]
            CardImport::Postgres(i) => i.push(definition, card),
        }
    }
    /// Commit the import with the final `definition`.
    pub fn commit(self, definition: &Election) -> R<ImportSummary> {
        match self {
            CardImport::Sqlite(i) => i.commit(definition),
            #[cfg(feature = "postgres")]
            CardImport::Postgres(i) => (*i).commit(definition),
        }
    }
}

impl Db {
    /// Open a store from the `--database` argument: `postgres://...` (with the
    /// feature), `sqlite:PATH`, `:memory:` or a file path.
    pub fn open(url: &str) -> Result<Db, String> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            #[cfg(feature = "postgres")]
            {
                return canvass_store::PgStore::open(url)
                    .map(|s| Db::Postgres(Box::new(s)))
                    .map_err(|e| e.to_string());
            }
            #[cfg(not(feature = "postgres"))]
            return Err(
                "this canvass was built without PostgreSQL support (build with --features postgres)"
                    .into(),
            );
        }
        let path = url.strip_prefix("sqlite:").unwrap_or(url);
        if path == ":memory:" {
            return Store::open_in_memory()
                .map(Db::Sqlite)
                .map_err(|e| e.to_string());
        }
        Store::open(path)
            .and_then(|mut s| {
                s.set_synchronous_normal()?;
                Ok(s)
            })
            .map(Db::Sqlite)
            .map_err(|e| e.to_string())
    }

    /// Create an election.
    pub fn create_election(&mut self, name: &str) -> R<ElectionId> {
        forward!(self, s => s.create_election(name))
    }
    /// Every election.
    pub fn elections(&self) -> R<Vec<(ElectionId, String)>> {
        forward!(self, s => s.elections())
    }
    /// An election's definition.
    pub fn election(&self, id: ElectionId) -> R<Election> {
        forward!(self, s => s.election(id))
    }
    /// Start importing cards (one transaction): push each card as it is
    /// read, then commit; nothing is stored unless the import commits.
    pub fn card_import(&mut self, id: ElectionId) -> R<CardImport<'_>> {
        match self {
            Db::Sqlite(s) => s.card_import(id).map(CardImport::Sqlite),
            #[cfg(feature = "postgres")]
            Db::Postgres(s) => s.card_import(id).map(|i| CardImport::Postgres(Box::new(i))),
        }
    }
    /// The number of cards.
    pub fn card_count(&self, id: ElectionId) -> R<u64> {
        forward!(self, s => s.card_count(id))
    }
    /// Every card, in order.
    pub fn all_cards(&self, id: ElectionId) -> R<Vec<Card>> {
        forward!(self, s => s.cards(id).map(|r| r.map(|(_, c)| c)).collect())
    }
    /// Call `f` with every card in order, one page in memory at a time.
    pub fn each_card(&self, id: ElectionId, mut f: impl FnMut(Card) -> R<()>) -> R<()> {
        forward!(self, s => {
            for r in s.cards(id) {
                f(r?.1)?;
            }
            Ok(())
        })
    }
    /// Store a manifest.
    pub fn import_manifest(&mut self, id: ElectionId, m: &BallotManifest) -> R<()> {
        forward!(self, s => s.import_manifest(id, m).map(|_| ()))
    }
    /// The latest manifest.
    pub fn manifest(&self, id: ElectionId) -> R<Option<BallotManifest>> {
        forward!(self, s => s.manifest(id).map(|m| m.map(|(_, m)| m)))
    }
    /// Create an audit.
    pub fn create_audit(&mut self, id: ElectionId, spec: &NewAudit) -> R<AuditId> {
        forward!(self, s => s.create_audit(id, spec))
    }
    /// Record a round's sample.
    pub fn record_round(&mut self, audit: AuditId, round: u32, sample: &[SampleDraw]) -> R<()> {
        forward!(self, s => s.record_round(audit, round, sample))
    }
    /// Enter a manual vote record.
    pub fn enter_record(&mut self, audit: AuditId, record: &ManualRecord) -> R<()> {
        forward!(self, s => s.enter_record(audit, record).map(|_| ()))
    }
    /// Every manual vote record of an audit, by card id.
    pub fn records(&self, audit: AuditId) -> R<Vec<ManualRecord>> {
        forward!(self, s => s.records(audit))
    }
    /// Append a log entry.
    pub fn append_log(
        &mut self,
        id: ElectionId,
        kind: &str,
        payload: &[u8],
        actor: &str,
    ) -> R<LogEntry> {
        forward!(self, s => s.append_log(id, kind, payload, actor))
    }
    /// The whole log of an election (hashes checked).
    pub fn log(&self, id: ElectionId) -> R<Vec<LogEntry>> {
        forward!(self, s => s.log(id, 0, u64::MAX))
    }
    /// Store a checkpoint.
    pub fn add_checkpoint(&mut self, id: ElectionId, c: &StoredCheckpoint) -> R<()> {
        forward!(self, s => s.add_checkpoint(id, c))
    }
    /// Every checkpoint.
    pub fn checkpoints(&self, id: ElectionId) -> R<Vec<StoredCheckpoint>> {
        forward!(self, s => s.checkpoints(id))
    }
}
