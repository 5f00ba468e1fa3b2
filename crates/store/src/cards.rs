//! Card imports (one transaction each, streaming) and card reads (paged, in
//! `seq` order).

use crate::codec;
use crate::error::{Result, StoreError, classify, is_unique_violation};
use crate::ids::{ElectionId, ImportId};
use crate::store::{Store, require_election, save_election, to_i64};
use canvass_model::{Card, CardId, CardLocation, Choice, Election, SourceRef};
use rusqlite::{Transaction, params};
use std::collections::{BTreeMap, VecDeque};
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
    path: &'a str,
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
        let kib = self.import_cache_kib.min(i64::MAX as u64);
        let path = self.path.as_str();
        let err = |e| classify(path, e);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
        require_election(&tx, path, election)?;
        // A large page cache keeps the card-id index in memory during big imports.
        tx.execute_batch(&format!("PRAGMA cache_size = -{kib}"))
            .map_err(err)?;
        let first_seq: i64 = tx
            .query_row(
                "SELECT COALESCE(MAX(seq) + 1, 0) FROM cards WHERE election_id = ?1",
                [election.0],
                |r| r.get(0),
            )
            .map_err(err)?;
        tx.execute(
            "INSERT INTO imports (election_id, first_seq, cards) VALUES (?1, ?2, 0)",
            params![election.0, first_seq],
        )
        .map_err(err)?;
        let import = ImportId(tx.last_insert_rowid());
        Ok(CardImport {
            tx,
            path,
            election,
            import,
            first_seq: first_seq.max(0) as u64,
            count: 0,
            files: BTreeMap::new(),
            last_file: None,
            buf: Vec::with_capacity(256),
        })
    }

    /// Import every card of `cards` into `election` in one transaction, then
    /// store `definition` (which must extend the stored definition). On any
    /// error nothing is stored and the import can be run again.
    pub fn import_cards<E>(
        &mut self,
        election: ElectionId,
        definition: &Election,
        cards: impl IntoIterator<Item = std::result::Result<Card, E>>,
    ) -> Result<ImportSummary>
    where
        E: Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
    {
        let mut import = self.card_import(election)?;
        for (n, card) in (1u64..).zip(cards) {
            let card = card.map_err(|e| StoreError::Source {
                record: n,
                source: e.into(),
            })?;
            import.push(definition, &card)?;
        }
        import.commit(definition)
    }

    /// The number of cards stored for `election`.
    pub fn card_count(&self, election: ElectionId) -> Result<u64> {
        let n: i64 = self
            .conn
            .query_row(
                "SELECT COUNT(*) FROM cards WHERE election_id = ?1",
                [election.0],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))?;
        Ok(n.max(0) as u64)
    }

    /// The committed imports of `election`, in order.
    pub fn imports(&self, election: ElectionId) -> Result<Vec<ImportSummary>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, cards, first_seq FROM imports WHERE election_id = ?1 ORDER BY id")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([election.0], |r| {
                Ok(ImportSummary {
                    import: ImportId(r.get(0)?),
                    cards: r.get::<_, i64>(1)?.max(0) as u64,
                    first_seq: r.get::<_, i64>(2)?.max(0) as u64,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| self.err(e))
    }

    /// Every card of `election` in `seq` order, read in pages so memory stays
    /// flat; each item is `(seq, card)`. An unknown election yields one
    /// [`StoreError::UnknownElection`].
    pub fn cards(&self, election: ElectionId) -> CardIter<'_> {
        CardIter {
            store: self,
            election,
            after: -1,
            page: VecDeque::new(),
            done: false,
            files: BTreeMap::new(),
        }
    }

    /// The card with this id, with its `seq`.
    pub fn card(&self, election: ElectionId, card: &CardId) -> Result<Option<(u64, Card)>> {
        let mut files = BTreeMap::new();
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "{SELECT_CARD} WHERE c.election_id = ?1 AND c.card_id = ?2"
            ))
            .map_err(|e| self.err(e))?;
        let mut rows = stmt
            .query(params![election.0, card.as_str()])
            .map_err(|e| self.err(e))?;
        match rows.next().map_err(|e| self.err(e))? {
            Some(r) => Ok(Some(read_card(&self.path, r, &mut files)?)),
            None => Ok(None),
        }
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
                let err = |e| classify(self.path, e);
                self.tx
                    .prepare_cached(
                        "INSERT INTO source_files (election_id, path) VALUES (?1, ?2)
                         ON CONFLICT (election_id, path) DO NOTHING",
                    )
                    .and_then(|mut s| s.execute(params![self.election.0, &**file]))
                    .map_err(err)?;
                let id: i64 = self
                    .tx
                    .prepare_cached(
                        "SELECT id FROM source_files WHERE election_id = ?1 AND path = ?2",
                    )
                    .and_then(|mut s| s.query_row(params![self.election.0, &**file], |r| r.get(0)))
                    .map_err(err)?;
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
        let err = |e| classify(self.path, e);
        save_election(&self.tx, self.path, self.election, definition)?;
        self.tx
            .execute(
                "UPDATE imports SET cards = ?1 WHERE id = ?2",
                params![to_i64("cards", self.count)?, self.import.0],
            )
            .map_err(err)?;
        self.tx
            .execute_batch("PRAGMA cache_size = -2000")
            .map_err(err)?;
        self.tx.commit().map_err(err)?;
        Ok(ImportSummary {
            import: self.import,
            cards: self.count,
            first_seq: self.first_seq,
        })
    }
}

const SELECT_CARD: &str = "SELECT c.seq, c.card_id, c.ballot_id, c.tabulator, c.batch, c.position,
    c.imprinted_id, c.precinct, c.ballot_style, c.counting_group, c.source_file, f.path,
    c.source_record, c.contests
    FROM cards c JOIN source_files f ON f.id = c.source_file";

fn read_card(
    path: &str,
    r: &rusqlite::Row<'_>,
    files: &mut BTreeMap<i64, Arc<str>>,
) -> Result<(u64, Card)> {
    let err = |e| classify(path, e);
    let corrupt = |what: String| StoreError::Corrupt {
        path: path.to_owned(),
        what,
    };
    let seq: i64 = r.get(0).map_err(err)?;
    let id: String = r.get(1).map_err(err)?;
    let position: Option<i64> = r.get(5).map_err(err)?;
    let file_id: i64 = r.get(10).map_err(err)?;
    let file = match files.get(&file_id) {
        Some(f) => f.clone(),
        None => {
            let f: Arc<str> = Arc::from(r.get::<_, String>(11).map_err(err)?);
            files.insert(file_id, f.clone());
            f
        }
    };
    let record: i64 = r.get(12).map_err(err)?;
    let blob = r
        .get_ref(13)
        .map_err(err)?
        .as_blob()
        .map_err(|e| err(e.into()))?;
    let contests =
        codec::decode(blob).ok_or_else(|| corrupt(format!("marks of card {id:?} (seq {seq})")))?;
    let card = Card {
        ballot_id: r.get(2).map_err(err)?,
        location: CardLocation {
            tabulator: r.get(3).map_err(err)?,
            batch: r.get(4).map_err(err)?,
            position: position
                .map(u64::try_from)
                .transpose()
                .map_err(|_| corrupt(format!("position of card {id:?}")))?,
            imprinted_id: r.get(6).map_err(err)?,
        },
        precinct: r.get(7).map_err(err)?,
        ballot_style: r.get(8).map_err(err)?,
        counting_group: r.get(9).map_err(err)?,
        source: SourceRef {
            file,
            record: u64::try_from(record).map_err(|_| corrupt(format!("record of card {id:?}")))?,
        },
        contests,
        id: CardId(id),
    };
    Ok((
        u64::try_from(seq).map_err(|_| corrupt(format!("seq {seq}")))?,
        card,
    ))
}

/// The cards of an election in `seq` order, fetched a page at a time.
pub struct CardIter<'a> {
    store: &'a Store,
    election: ElectionId,
    after: i64,
    page: VecDeque<(u64, Card)>,
    done: bool,
    files: BTreeMap<i64, Arc<str>>,
}

const PAGE: i64 = 4096;

impl CardIter<'_> {
    fn fill(&mut self) -> Result<()> {
        let s = self.store;
        if self.after < 0 {
            require_election(&s.conn, &s.path, self.election)?;
        }
        let mut stmt = s
            .conn
            .prepare_cached(&format!(
                "{SELECT_CARD} WHERE c.election_id = ?1 AND c.seq > ?2 ORDER BY c.seq LIMIT ?3"
            ))
            .map_err(|e| s.err(e))?;
        let mut rows = stmt
            .query(params![self.election.0, self.after, PAGE])
            .map_err(|e| s.err(e))?;
        let mut n = 0;
        while let Some(r) = rows.next().map_err(|e| s.err(e))? {
            let (seq, card) = read_card(&s.path, r, &mut self.files)?;
            self.after = seq as i64;
            self.page.push_back((seq, card));
            n += 1;
        }
        if n < PAGE {
            self.done = true;
        }
        Ok(())
    }
}

impl Iterator for CardIter<'_> {
    type Item = Result<(u64, Card)>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.page.is_empty()
            && !self.done
            && let Err(e) = self.fill()
        {
            self.done = true;
            return Some(Err(e));
        }
        self.page.pop_front().map(Ok)
    }
}
