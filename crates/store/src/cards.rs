//! Card imports into SQLite (one transaction each, streaming, one prepared
//! insert a card); what they share with PostgreSQL's import (numbering,
//! source files, the definition, the checks) is in `api.rs` and here.

use crate::api;
use crate::codec;
use crate::error::{Result, StoreError, classify, import_name, is_unique_violation};
use crate::ids::{ElectionId, ImportId};
use crate::sql::Lite;
use crate::store::{Store, to_i64};
use canvass_model::{Card, Choice, Election};
use rusqlite::{Transaction, params};
use std::collections::BTreeMap;
use std::sync::Arc;

/// What a committed import stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportSummary {
    /// The import.
    pub import: ImportId,
    /// The number of cards stored.
    pub cards: u64,
    /// The `seq` of the first card of the import (the election's cards are
    /// numbered 0, 1, 2, ... across imports).
    pub first_seq: u64,
}

/// An import in progress: one write transaction. Push cards, then
/// [`CardImport::commit`]; dropping it without committing (an error, a panic,
/// a killed process) leaves the store exactly as it was.
pub struct CardImport<'a> {
    tx: Transaction<'a>,
    path: &'a Arc<str>,
    election: ElectionId,
    import: ImportId,
    first_seq: u64,
    count: u64,
    files: BTreeMap<Arc<str>, i64>,
    last_file: Option<(Arc<str>, i64)>,
    buf: Vec<u8>,
}

const INSERT_CARD: &str = "INSERT INTO cards (election_id, seq, import_id, card_id, ballot_id,
    tabulator, batch, position, imprinted_id, precinct, ballot_style, counting_group,
    source_file, source_record, contests)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)";

impl Store {
    /// Begin an import of cards into `election`. Takes the write lock until
    /// committed or dropped.
    pub fn card_import(&mut self, election: ElectionId) -> Result<CardImport<'_>> {
        self.begin_card_import(election)
            .map_err(|e| e.during(|| import_name(election, None, 0)))
    }

    fn begin_card_import(&mut self, election: ElectionId) -> Result<CardImport<'_>> {
        let kib = self.import_cache_kib.min(i64::MAX as u64);
        let path = &self.path;
        let err = |e| classify(path, e);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
        // A large page cache keeps the card-id index in memory during big imports.
        tx.execute_batch(&format!("PRAGMA cache_size = -{kib}"))
            .map_err(err)?;
        let (import, first_seq) = api::begin_import(&mut Lite { conn: &tx, path }, election)?;
        Ok(CardImport {
            tx,
            path,
            election,
            import,
            first_seq,
            count: 0,
            files: BTreeMap::new(),
            last_file: None,
            buf: Vec::with_capacity(256),
        })
    }
}

fn invalid(card: &Card, field: &'static str, problem: String) -> StoreError {
    StoreError::InvalidCard {
        card: card.id.0.clone(),
        file: card.source.file.to_string(),
        record: card.source.record,
        field,
        problem,
    }
}

/// Every contest and candidate the card names exists in `definition`.
pub(crate) fn check_card(definition: &Election, card: &Card) -> Result<()> {
    for cv in &card.contests {
        let Some(contest) = definition.get_contest(cv.contest) else {
            return Err(invalid(
                card,
                "contest",
                format!("no contest {}", cv.contest.0),
            ));
        };
        for m in &cv.marks {
            if let Choice::Candidate(k) = m.choice
                && contest.candidate(k).is_none()
            {
                return Err(invalid(
                    card,
                    "candidate",
                    format!("no candidate {} in contest {:?}", k.0, contest.external_id),
                ));
            }
        }
    }
    Ok(())
}

pub(crate) fn opt_i64(field: &'static str, v: Option<u64>) -> Result<Option<i64>> {
    v.map(|v| to_i64(field, v)).transpose()
}

impl CardImport<'_> {
    fn source_file(&mut self, file: &Arc<str>) -> Result<i64> {
        if let Some((f, id)) = &self.last_file
            && (Arc::ptr_eq(f, file) || **f == **file)
        {
            return Ok(*id);
        }
        let id = match self.files.get(file) {
            Some(&id) => id,
            None => {
                let mut db = Lite {
                    conn: &self.tx,
                    path: self.path,
                };
                let id = api::source_file(&mut db, self.election, file)?;
                self.files.insert(file.clone(), id);
                id
            }
        };
        self.last_file = Some((file.clone(), id));
        Ok(id)
    }

    /// Add one card. `definition` must hold every contest and candidate the
    /// card names.
    pub fn push(&mut self, definition: &Election, card: &Card) -> Result<()> {
        self.push_card(definition, card).map_err(|e| self.named(e))
    }

    /// `e` naming this import when it is a fault.
    fn named(&self, e: StoreError) -> StoreError {
        e.during(|| import_name(self.election, Some(self.import), self.count))
    }

    fn push_card(&mut self, definition: &Election, card: &Card) -> Result<()> {
        check_card(definition, card)?;
        let position = opt_i64("position", card.location.position)?;
        let record = to_i64("record", card.source.record)?;
        let seq = to_i64("seq", self.first_seq + self.count)?;
        let file = self.source_file(&card.source.file)?;
        codec::encode(&card.contests, &mut self.buf);
        let loc = &card.location;
        let res = self.tx.prepare_cached(INSERT_CARD).and_then(|mut s| {
            s.execute(params![
                self.election.0,
                seq,
                self.import.0,
                card.id.as_str(),
                card.ballot_id,
                loc.tabulator,
                loc.batch,
                position,
                loc.imprinted_id,
                card.precinct,
                card.ballot_style,
                card.counting_group,
                file,
                record,
                &self.buf,
            ])
        });
        match res {
            Ok(_) => {
                self.count += 1;
                Ok(())
            }
            Err(e) if is_unique_violation(&e) => Err(StoreError::DuplicateCard {
                election: self.election,
                card: card.id.0.clone(),
                file: card.source.file.to_string(),
                record: card.source.record,
            }),
            Err(e) => Err(classify(self.path, e)),
        }
    }

    /// The number of cards pushed so far.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Store the election definition and commit every pushed card at once.
    pub fn commit(self, definition: &Election) -> Result<ImportSummary> {
        let name = import_name(self.election, Some(self.import), self.count);
        self.commit_cards(definition).map_err(|e| e.during(|| name))
    }

    fn commit_cards(self, definition: &Election) -> Result<ImportSummary> {
        let err = |e| classify(self.path, e);
        let mut db = Lite {
            conn: &self.tx,
            path: self.path,
        };
        let summary = api::finish_import(
            &mut db,
            self.election,
            definition,
            self.import,
            self.first_seq,
            self.count,
        )?;
        self.tx
            .execute_batch("PRAGMA cache_size = -2000")
            .map_err(err)?;
        self.tx.commit().map_err(err)?;
        Ok(summary)
    }
}
