//! Manifests, users, audits, rounds, samples and manual vote records.

use crate::codec;
use crate::error::{Result, StoreError, classify, is_unique_violation};
use crate::ids::{AuditId, ElectionId, ManifestId, UserId};
use crate::store::{Store, require_election, to_i64};
use canvass_model::{BallotManifest, CardId, ContestVotes, ManifestBatch};
use rusqlite::{OptionalExtension, params};

/// A user of the system. The credential is opaque to the store (the server
/// keeps a password hash there).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// The user's id.
    pub id: UserId,
    /// The unique login name.
    pub name: String,
    /// The role (`admin`, `board`, `observer`, ...).
    pub role: String,
    /// The credential (e.g. a password hash), when set.
    pub credential: Option<String>,
}

/// What defines an audit. Numbers are kept as the text the user gave, so the
/// stored value is exactly what was published.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAudit {
    /// A name for the audit.
    pub name: String,
    /// The risk limit as decimal text (`0.05`).
    pub risk_limit: String,
    /// The public random seed.
    pub seed: String,
    /// Everything else (method, contests, ...) as canonical JSON text.
    pub settings: String,
}

/// A stored audit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Audit {
    /// The audit's id.
    pub id: AuditId,
    /// The election audited.
    pub election: ElectionId,
    /// Its definition.
    pub spec: NewAudit,
}

/// One draw of a round's sample.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SampleDraw {
    /// The card drawn.
    pub card: CardId,
    /// The sampler's ticket number or draw label, when it has one.
    pub ticket: Option<String>,
}

/// What the paper showed: the card was found with these marks, or was not found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Paper {
    /// The card was found; the contests as read (in the order entered).
    Found(Vec<ContestVotes>),
    /// The card could not be found.
    NotFound,
}

/// A manual vote record: what an audit board read from one sampled card.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManualRecord {
    /// The card.
    pub card: CardId,
    /// What the paper showed.
    pub paper: Paper,
    /// The audit board that read it.
    pub board: String,
    /// The user who entered it, when known.
    pub entered_by: Option<UserId>,
}

/// The result of entering a manual vote record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entered {
    /// The record is new and was stored.
    Stored,
    /// The same record was already stored; nothing changed.
    AlreadyStored,
}

impl Store {
    /// Store a ballot manifest for `election`. Earlier manifests are kept;
    /// [`Store::manifest`] returns the latest.
    pub fn import_manifest(
        &mut self,
        election: ElectionId,
        manifest: &BallotManifest,
    ) -> Result<ManifestId> {
        let (tx, path) = self.write_tx()?;
        let err = |e| classify(path, e);
        require_election(&tx, path, election)?;
        tx.execute(
            "INSERT INTO manifests (election_id) VALUES (?1)",
            [election.0],
        )
        .map_err(err)?;
        let id = ManifestId(tx.last_insert_rowid());
        {
            let mut stmt = tx
                .prepare(
                    "INSERT INTO manifest_batches (manifest_id, ordinal, tabulator, batch, cards)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(err)?;
            for (i, b) in manifest.batches.iter().enumerate() {
                stmt.execute(params![
                    id.0,
                    i as i64,
                    b.tabulator,
                    b.batch,
                    to_i64("cards", b.cards)?
                ])
                .map_err(err)?;
            }
        }
        tx.commit().map_err(err)?;
        Ok(id)
    }

    /// The latest manifest of `election`, if any.
    pub fn manifest(&self, election: ElectionId) -> Result<Option<(ManifestId, BallotManifest)>> {
        let err = |e| self.err(e);
        let id: Option<i64> = self
            .conn
            .query_row(
                "SELECT MAX(id) FROM manifests WHERE election_id = ?1",
                [election.0],
                |r| r.get(0),
            )
            .map_err(err)?;
        let Some(id) = id else { return Ok(None) };
        let mut stmt = self
            .conn
            .prepare(
                "SELECT tabulator, batch, cards FROM manifest_batches
                 WHERE manifest_id = ?1 ORDER BY ordinal",
            )
            .map_err(err)?;
        let rows = stmt
            .query_map([id], |r| {
                Ok(ManifestBatch {
                    tabulator: r.get(0)?,
                    batch: r.get(1)?,
                    cards: r.get::<_, i64>(2)?.max(0) as u64,
                })
            })
            .map_err(err)?;
        let batches = rows
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(err)?;
        Ok(Some((ManifestId(id), BallotManifest { batches })))
    }

    /// Add a user; names are unique.
    pub fn add_user(&mut self, name: &str, role: &str, credential: Option<&str>) -> Result<UserId> {
        let (tx, path) = self.write_tx()?;
        match tx.execute(
            "INSERT INTO users (name, role, credential) VALUES (?1, ?2, ?3)",
            params![name, role, credential],
        ) {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::DuplicateUser(name.into()));
            }
            Err(e) => return Err(classify(path, e)),
        }
        let id = UserId(tx.last_insert_rowid());
        tx.commit().map_err(|e| classify(path, e))?;
        Ok(id)
    }

    /// The user with this name.
    pub fn user(&self, name: &str) -> Result<Option<User>> {
        self.conn
            .query_row(
                "SELECT id, name, role, credential FROM users WHERE name = ?1",
                [name],
                |r| {
                    Ok(User {
                        id: UserId(r.get(0)?),
                        name: r.get(1)?,
                        role: r.get(2)?,
                        credential: r.get(3)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Create an audit of `election`.
    pub fn create_audit(&mut self, election: ElectionId, spec: &NewAudit) -> Result<AuditId> {
        let (tx, path) = self.write_tx()?;
        let err = |e| classify(path, e);
        require_election(&tx, path, election)?;
        tx.execute(
            "INSERT INTO audits (election_id, name, risk_limit, seed, settings)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                election.0,
                spec.name,
                spec.risk_limit,
                spec.seed,
                spec.settings
            ],
        )
        .map_err(err)?;
        let id = AuditId(tx.last_insert_rowid());
        tx.commit().map_err(err)?;
        Ok(id)
    }

    /// The audit with this id.
    pub fn audit(&self, audit: AuditId) -> Result<Audit> {
        self.conn
            .query_row(
                "SELECT election_id, name, risk_limit, seed, settings FROM audits WHERE id = ?1",
                [audit.0],
                |r| {
                    Ok(Audit {
                        id: audit,
                        election: ElectionId(r.get(0)?),
                        spec: NewAudit {
                            name: r.get(1)?,
                            risk_limit: r.get(2)?,
                            seed: r.get(3)?,
                            settings: r.get(4)?,
                        },
                    })
                },
            )
            .optional()
            .map_err(|e| self.err(e))?
            .ok_or(StoreError::UnknownAudit(audit))
    }

    /// The number of rounds recorded for `audit`.
    pub fn round_count(&self, audit: AuditId) -> Result<u32> {
        let n: i64 = self
            .conn
            .query_row(
                "SELECT COUNT(*) FROM rounds WHERE audit_id = ?1",
                [audit.0],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// Record round `round` (1, 2, ... in order) with its sample, in draw order.
    /// Every drawn card must be stored in the audit's election.
    pub fn record_round(
        &mut self,
        audit: AuditId,
        round: u32,
        sample: &[SampleDraw],
    ) -> Result<()> {
        let election = self.audit(audit)?.election;
        let (tx, path) = self.write_tx()?;
        let err = |e| classify(path, e);
        // Counted inside the write lock, so two writers cannot both add round n.
        let done: i64 = tx
            .query_row(
                "SELECT COUNT(*) FROM rounds WHERE audit_id = ?1",
                [audit.0],
                |r| r.get(0),
            )
            .map_err(err)?;
        let expected = u32::try_from(done).unwrap_or(u32::MAX).saturating_add(1);
        if round != expected {
            return Err(StoreError::RoundOutOfOrder {
                audit,
                expected,
                got: round,
            });
        }
        tx.execute(
            "INSERT INTO rounds (audit_id, number) VALUES (?1, ?2)",
            params![audit.0, round],
        )
        .map_err(err)?;
        {
            let mut known = tx
                .prepare("SELECT 1 FROM cards WHERE election_id = ?1 AND card_id = ?2")
                .map_err(err)?;
            let mut insert = tx
                .prepare(
                    "INSERT INTO samples (audit_id, round, ordinal, election_id, card_id, ticket)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .map_err(err)?;
            for (i, d) in sample.iter().enumerate() {
                if !known
                    .exists(params![election.0, d.card.as_str()])
                    .map_err(err)?
                {
                    return Err(StoreError::UnknownCard {
                        election,
                        card: d.card.0.clone(),
                    });
                }
                insert
                    .execute(params![
                        audit.0,
                        round,
                        i as i64,
                        election.0,
                        d.card.as_str(),
                        d.ticket
                    ])
                    .map_err(err)?;
            }
        }
        tx.commit().map_err(err)
    }

    /// The sample of one round, in draw order.
    pub fn sample(&self, audit: AuditId, round: u32) -> Result<Vec<SampleDraw>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT card_id, ticket FROM samples WHERE audit_id = ?1 AND round = ?2
                 ORDER BY ordinal",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![audit.0, round], |r| {
                Ok(SampleDraw {
                    card: CardId(r.get(0)?),
                    ticket: r.get(1)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| self.err(e))
    }

    /// Enter a manual vote record for a sampled card. Entering a card again is
    /// accepted only when what the paper showed is identical (the first
    /// board and user stay recorded); a different record is refused.
    pub fn enter_record(&mut self, audit: AuditId, record: &ManualRecord) -> Result<Entered> {
        let election = self.audit(audit)?.election;
        let (found, contests) = match &record.paper {
            Paper::Found(c) => (1i64, c.as_slice()),
            Paper::NotFound => (0, &[][..]),
        };
        let mut blob = Vec::new();
        codec::encode(contests, &mut blob);
        let (tx, path) = self.write_tx()?;
        let err = |e| classify(path, e);
        let sampled = tx
            .prepare_cached("SELECT 1 FROM samples WHERE audit_id = ?1 AND card_id = ?2")
            .and_then(|mut s| s.exists(params![audit.0, record.card.as_str()]))
            .map_err(err)?;
        if !sampled {
            return Err(StoreError::NotSampled {
                audit,
                card: record.card.0.clone(),
            });
        }
        let existing: Option<(i64, Vec<u8>)> = tx
            .query_row(
                "SELECT found, contests FROM mvrs WHERE audit_id = ?1 AND card_id = ?2",
                params![audit.0, record.card.as_str()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(err)?;
        if let Some((f, c)) = existing {
            return if f == found && c == blob {
                Ok(Entered::AlreadyStored)
            } else {
                Err(StoreError::ConflictingRecord {
                    audit,
                    card: record.card.0.clone(),
                })
            };
        }
        tx.execute(
            "INSERT INTO mvrs (audit_id, election_id, card_id, found, contests, board, entered_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                audit.0,
                election.0,
                record.card.as_str(),
                found,
                blob,
                record.board,
                record.entered_by.map(|u| u.0)
            ],
        )
        .map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(Entered::Stored)
    }

    /// Every manual vote record of `audit`, by card id.
    pub fn records(&self, audit: AuditId) -> Result<Vec<ManualRecord>> {
        let err = |e| self.err(e);
        let mut stmt = self
            .conn
            .prepare(
                "SELECT card_id, found, contests, board, entered_by FROM mvrs
                 WHERE audit_id = ?1 ORDER BY card_id",
            )
            .map_err(err)?;
        let mut rows = stmt.query([audit.0]).map_err(err)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(err)? {
            let card: String = r.get(0).map_err(err)?;
            let found: i64 = r.get(1).map_err(err)?;
            let blob: Vec<u8> = r.get(2).map_err(err)?;
            let paper = if found == 1 {
                Paper::Found(codec::decode(&blob).ok_or_else(|| StoreError::Corrupt {
                    path: self.path.clone(),
                    what: format!("manual vote record of card {card:?}"),
                })?)
            } else {
                Paper::NotFound
            };
            out.push(ManualRecord {
                card: CardId(card),
                paper,
                board: r.get(3).map_err(err)?,
                entered_by: r.get::<_, Option<i64>>(4).map_err(err)?.map(UserId),
            });
        }
        Ok(out)
    }
}
