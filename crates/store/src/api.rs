//! The store's logic, written once for both databases against [`Db`]: the
//! election definitions, card reads, manifests, users, audits, rounds,
//! samples, manual vote records (and their re-entry rule) and the evidence
//! log with its checkpoints. `store.rs` (SQLite) and `pg.rs` (PostgreSQL)
//! only open connections, run each call in a transaction, and bulk-insert
//! cards; [`store_methods!`] gives both the same public methods.

use crate::cards::ImportSummary;
use crate::codec;
use crate::error::{Result, StoreError};
use crate::ids::{AuditId, ElectionId, ImportId, ManifestId, UserId};
use crate::log::{LogEntry, StoredCheckpoint};
use crate::records::{
    Audit, AuditFile, AuditStep, Entered, ManualRecord, NewAudit, Paper, SampleDraw, User,
};
use crate::sql::{Db, Row, params};
use crate::store::to_i64;
use canvass_model::{
    BallotManifest, Candidate, CandidateId, CandidateKind, Card, CardId, CardLocation, Contest,
    ContestId, ContestKind, Election, Fraction, ManifestBatch, SourceRef,
};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::sync::Arc;

fn corrupt(db: &impl Db, what: String) -> StoreError {
    StoreError::Corrupt {
        path: db.path().to_owned(),
        what,
    }
}

/// Check that `election` exists; with `lock`, also lock its row until the
/// transaction ends (PostgreSQL; SQLite's writer already holds the lock).
pub(crate) fn require_election<D: Db>(db: &mut D, election: ElectionId, lock: bool) -> Result<()> {
    let sql = if lock {
        format!("SELECT id FROM elections WHERE id = ?1{}", D::FOR_UPDATE)
    } else {
        "SELECT id FROM elections WHERE id = ?1".to_owned()
    };
    db.query_opt(&sql, params![election.0])?
        .map(|_| ())
        .ok_or(StoreError::UnknownElection(election))
}

/// Create an election.
pub(crate) fn create_election(db: &mut impl Db, name: &str) -> Result<ElectionId> {
    let mut r = db.query_one(
        "INSERT INTO elections (name) VALUES (?1) RETURNING id",
        params![name],
    )?;
    Ok(ElectionId(r.int(0)?))
}

/// Every election, by id.
pub(crate) fn elections(db: &mut impl Db) -> Result<Vec<(ElectionId, String)>> {
    db.query("SELECT id, name FROM elections ORDER BY id", &[])?
        .into_iter()
        .map(|mut r| Ok((ElectionId(r.int(0)?), r.text(1)?)))
        .collect()
}

/// The columns of a contest's kind: (kind, threshold numerator, denominator).
fn contest_kind_columns(kind: &ContestKind) -> (&'static str, Option<i64>, Option<i64>) {
    match kind {
        ContestKind::Plurality => ("plurality", None, None),
        ContestKind::Approval => ("approval", None, None),
        // Fractions beyond i64 cannot come from a ballot definition; saturate.
        ContestKind::Supermajority(f) => (
            "supermajority",
            Some(i64::try_from(f.numerator).unwrap_or(i64::MAX)),
            Some(i64::try_from(f.denominator).unwrap_or(i64::MAX)),
        ),
        ContestKind::Ranked => ("ranked", None, None),
    }
}

/// The column text of a candidate kind.
fn candidate_kind_column(kind: CandidateKind) -> &'static str {
    match kind {
        CandidateKind::Regular => "regular",
        CandidateKind::WriteIn => "write_in",
        CandidateKind::UndeclaredWriteIn => "undeclared_write_in",
    }
}

/// Parse the kind columns of a contest.
fn parse_contest_kind(kind: &str, num: Option<i64>, den: Option<i64>) -> Option<ContestKind> {
    match (kind, num, den) {
        ("plurality", _, _) => Some(ContestKind::Plurality),
        ("approval", _, _) => Some(ContestKind::Approval),
        ("ranked", _, _) => Some(ContestKind::Ranked),
        ("supermajority", Some(n), Some(d)) if n >= 0 && d > 0 => {
            Some(ContestKind::Supermajority(Fraction {
                numerator: n as u64,
                denominator: d as u64,
            }))
        }
        _ => None,
    }
}

/// Parse a candidate kind column.
fn parse_candidate_kind(kind: &str) -> Option<CandidateKind> {
    match kind {
        "regular" => Some(CandidateKind::Regular),
        "write_in" => Some(CandidateKind::WriteIn),
        "undeclared_write_in" => Some(CandidateKind::UndeclaredWriteIn),
        _ => None,
    }
}

/// The stored definition (contests, candidates, aliases) of an election.
pub(crate) fn load_election(db: &mut impl Db, election: ElectionId) -> Result<Election> {
    let Some(mut r) = db.query_opt(
        "SELECT source_name FROM elections WHERE id = ?1",
        params![election.0],
    )?
    else {
        return Err(StoreError::UnknownElection(election));
    };
    let mut out = Election {
        name: r.opt_text(0)?,
        contests: Vec::new(),
    };
    for mut r in db.query(
        "SELECT idx, external_id, name, kind, threshold_numerator, threshold_denominator,
                seats, max_ranks
         FROM contests WHERE election_id = ?1 ORDER BY idx",
        params![election.0],
    )? {
        let idx = r.int(0)?;
        let kind = r.text(3)?;
        let (num, den) = (r.opt_int(4)?, r.opt_int(5)?);
        let kind = parse_contest_kind(&kind, num, den)
            .ok_or_else(|| corrupt(db, format!("contest {idx} kind {kind:?}")))?;
        if idx != out.contests.len() as i64 {
            return Err(corrupt(db, format!("contest index {idx}")));
        }
        let seats = r.int(6)?;
        let max_ranks = r.opt_int(7)?;
        out.contests.push(Contest {
            id: ContestId(idx as u32),
            external_id: r.text(1)?,
            name: r.text(2)?,
            kind,
            seats: u32::try_from(seats).map_err(|_| corrupt(db, format!("contest {idx} seats")))?,
            max_ranks: max_ranks
                .map(u32::try_from)
                .transpose()
                .map_err(|_| corrupt(db, format!("contest {idx} max_ranks")))?,
            candidates: Vec::new(),
        });
    }
    for mut r in db.query(
        "SELECT contest_idx, idx, external_id, name, kind FROM candidates
         WHERE election_id = ?1 ORDER BY contest_idx, idx",
        params![election.0],
    )? {
        let contest = r.int(0)?;
        let idx = r.int(1)?;
        let kind = r.text(4)?;
        let kind = parse_candidate_kind(&kind)
            .ok_or_else(|| corrupt(db, format!("candidate kind {kind:?}")))?;
        let c = usize::try_from(contest)
            .ok()
            .and_then(|c| out.contests.get_mut(c))
            .ok_or_else(|| corrupt(db, format!("candidate of contest {contest}")))?;
        if idx != c.candidates.len() as i64 {
            return Err(corrupt(
                db,
                format!("candidate index {idx} of contest {contest}"),
            ));
        }
        c.candidates.push(Candidate {
            id: CandidateId(idx as u32),
            external_id: r.text(2)?,
            name: r.text(3)?,
            aliases: Vec::new(),
            kind,
        });
    }
    for mut r in db.query(
        "SELECT contest_idx, candidate_idx, alias FROM candidate_aliases
         WHERE election_id = ?1 ORDER BY contest_idx, candidate_idx, ordinal",
        params![election.0],
    )? {
        let contest = r.int(0)?;
        let cand = r.int(1)?;
        let alias = r.text(2)?;
        let c = usize::try_from(contest)
            .ok()
            .and_then(|c| out.contests.get_mut(c))
            .and_then(|c| {
                usize::try_from(cand)
                    .ok()
                    .and_then(|k| c.candidates.get_mut(k))
            })
            .ok_or_else(|| {
                corrupt(
                    db,
                    format!("alias of candidate {cand} of contest {contest}"),
                )
            })?;
        c.aliases.push(alias);
    }
    Ok(out)
}

/// One row to add when storing a definition.
enum DefinitionRow<'a> {
    /// Set the election's source name.
    SourceName(&'a str),
    /// A new contest at this index.
    Contest(i64, &'a Contest),
    /// A new candidate (contest index, candidate index).
    Candidate(i64, i64, &'a Candidate),
}

/// What storing `new` over `stored` adds. The stored contests and candidates
/// must be a prefix of the new ones (readers intern as they go, so a later
/// import may add contests and candidates but never change one).
fn plan_definition<'a>(
    stored: &Election,
    new: &'a Election,
    election: ElectionId,
) -> Result<Vec<DefinitionRow<'a>>> {
    let conflict = |what: String| StoreError::DefinitionConflict { election, what };
    let mut rows = Vec::new();
    match (&stored.name, &new.name) {
        (Some(a), Some(b)) if a != b => return Err(conflict("election name".into())),
        (None, Some(b)) => rows.push(DefinitionRow::SourceName(b)),
        _ => {}
    }
    for (i, c) in new.contests.iter().enumerate() {
        if c.id.index() != i {
            return Err(conflict(format!("contest {i} id {}", c.id.0)));
        }
        match stored.contests.get(i) {
            Some(s) => {
                if (&s.external_id, &s.name, &s.kind, s.seats, s.max_ranks)
                    != (&c.external_id, &c.name, &c.kind, c.seats, c.max_ranks)
                {
                    return Err(conflict(format!("contest {i} ({:?})", c.external_id)));
                }
            }
            None => rows.push(DefinitionRow::Contest(i as i64, c)),
        }
        let stored_cands = stored
            .contests
            .get(i)
            .map(|s| s.candidates.as_slice())
            .unwrap_or(&[]);
        for (k, cand) in c.candidates.iter().enumerate() {
            if cand.id.index() != k {
                return Err(conflict(format!(
                    "contest {i} candidate {k} id {}",
                    cand.id.0
                )));
            }
            match stored_cands.get(k) {
                Some(s) if s != cand => {
                    return Err(conflict(format!(
                        "contest {i} ({:?}) candidate {k} ({:?})",
                        c.external_id, cand.external_id
                    )));
                }
                Some(_) => {}
                None => rows.push(DefinitionRow::Candidate(i as i64, k as i64, cand)),
            }
        }
    }
    Ok(rows)
}

/// Store `new` as the definition of `election`: it must extend the stored
/// one (see [`plan_definition`]).
pub(crate) fn save_election(db: &mut impl Db, election: ElectionId, new: &Election) -> Result<()> {
    let stored = load_election(db, election)?;
    for row in plan_definition(&stored, new, election)? {
        match row {
            DefinitionRow::SourceName(b) => {
                db.exec(
                    "UPDATE elections SET source_name = ?1 WHERE id = ?2",
                    params![b, election.0],
                )?;
            }
            DefinitionRow::Contest(i, c) => {
                let (kind, num, den) = contest_kind_columns(&c.kind);
                db.exec(
                    "INSERT INTO contests (election_id, idx, external_id, name, kind,
                        threshold_numerator, threshold_denominator, seats, max_ranks)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                    params![
                        election.0,
                        i,
                        &c.external_id,
                        &c.name,
                        kind,
                        num,
                        den,
                        i64::from(c.seats),
                        c.max_ranks.map(i64::from)
                    ],
                )?;
            }
            DefinitionRow::Candidate(i, k, cand) => {
                db.exec(
                    "INSERT INTO candidates (election_id, contest_idx, idx, external_id, name, kind)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![
                        election.0,
                        i,
                        k,
                        &cand.external_id,
                        &cand.name,
                        candidate_kind_column(cand.kind)
                    ],
                )?;
                for (n, alias) in (0i64..).zip(&cand.aliases) {
                    db.exec(
                        "INSERT INTO candidate_aliases
                            (election_id, contest_idx, candidate_idx, ordinal, alias)
                         VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![election.0, i, k, n, alias],
                    )?;
                }
            }
        }
    }
    Ok(())
}

/// Start an import: lock the election, number its cards after the stored
/// ones, and add the `imports` row. Returns (import, first seq).
pub(crate) fn begin_import(db: &mut impl Db, election: ElectionId) -> Result<(ImportId, u64)> {
    require_election(db, election, true)?;
    let first_seq = db
        .query_one(
            "SELECT COALESCE(MAX(seq) + 1, 0) FROM cards WHERE election_id = ?1",
            params![election.0],
        )?
        .count(0)?;
    let import = db
        .query_one(
            "INSERT INTO imports (election_id, first_seq, cards) VALUES (?1, ?2, 0) RETURNING id",
            params![election.0, to_i64("seq", first_seq)?],
        )?
        .int(0)?;
    Ok((ImportId(import), first_seq))
}

/// Finish an import: store the definition and the import's card count.
pub(crate) fn finish_import(
    db: &mut impl Db,
    election: ElectionId,
    definition: &Election,
    import: ImportId,
    first_seq: u64,
    cards: u64,
) -> Result<ImportSummary> {
    save_election(db, election, definition)?;
    db.exec(
        "UPDATE imports SET cards = ?1 WHERE id = ?2",
        params![to_i64("cards", cards)?, import.0],
    )?;
    Ok(ImportSummary {
        import,
        cards,
        first_seq,
    })
}

/// The id of a source file of `election`, added when new.
pub(crate) fn source_file(db: &mut impl Db, election: ElectionId, path: &str) -> Result<i64> {
    db.exec(
        "INSERT INTO source_files (election_id, path) VALUES (?1, ?2)
         ON CONFLICT (election_id, path) DO NOTHING",
        params![election.0, path],
    )?;
    db.query_one(
        "SELECT id FROM source_files WHERE election_id = ?1 AND path = ?2",
        params![election.0, path],
    )?
    .int(0)
}

/// The number of cards stored for `election`.
pub(crate) fn card_count(db: &mut impl Db, election: ElectionId) -> Result<u64> {
    db.query_one(
        "SELECT COUNT(*) FROM cards WHERE election_id = ?1",
        params![election.0],
    )?
    .count(0)
}

/// The committed imports of `election`, in order.
pub(crate) fn imports(db: &mut impl Db, election: ElectionId) -> Result<Vec<ImportSummary>> {
    db.query(
        "SELECT id, cards, first_seq FROM imports WHERE election_id = ?1 ORDER BY id",
        params![election.0],
    )?
    .into_iter()
    .map(|mut r| {
        Ok(ImportSummary {
            import: ImportId(r.int(0)?),
            cards: r.count(1)?,
            first_seq: r.count(2)?,
        })
    })
    .collect()
}

const SELECT_CARD: &str = "SELECT c.seq, c.card_id, c.ballot_id, c.tabulator, c.batch, c.position,
    c.imprinted_id, c.precinct, c.ballot_style, c.counting_group, c.source_file, f.path,
    c.source_record, c.contests
    FROM cards c JOIN source_files f ON f.id = c.source_file";

/// A card row of [`SELECT_CARD`]; `files` interns the source file names.
fn read_card(db: &impl Db, mut r: Row, files: &mut BTreeMap<i64, Arc<str>>) -> Result<(u64, Card)> {
    let seq = r.int(0)?;
    let id = r.text(1)?;
    let position = r.opt_int(5)?;
    let file_id = r.int(10)?;
    let file = match files.get(&file_id) {
        Some(f) => f.clone(),
        None => {
            let f: Arc<str> = Arc::from(r.text(11)?);
            files.insert(file_id, f.clone());
            f
        }
    };
    let record = r.int(12)?;
    let blob = r.blob(13)?;
    let contests = codec::decode(&blob)
        .ok_or_else(|| corrupt(db, format!("marks of card {id:?} (seq {seq})")))?;
    let card = Card {
        ballot_id: r.opt_text(2)?,
        location: CardLocation {
            tabulator: r.opt_text(3)?,
            batch: r.opt_text(4)?,
            position: position
                .map(u64::try_from)
                .transpose()
                .map_err(|_| corrupt(db, format!("position of card {id:?}")))?,
            imprinted_id: r.opt_text(6)?,
        },
        precinct: r.opt_text(7)?,
        ballot_style: r.opt_text(8)?,
        counting_group: r.opt_text(9)?,
        source: SourceRef {
            file,
            record: u64::try_from(record)
                .map_err(|_| corrupt(db, format!("record of card {id:?}")))?,
        },
        contests,
        id: CardId(id),
    };
    Ok((
        u64::try_from(seq).map_err(|_| corrupt(db, format!("seq {seq}")))?,
        card,
    ))
}

/// The card with this id, with its `seq`.
pub(crate) fn card(
    db: &mut impl Db,
    election: ElectionId,
    card: &CardId,
) -> Result<Option<(u64, Card)>> {
    let row = db.query_opt(
        &format!("{SELECT_CARD} WHERE c.election_id = ?1 AND c.card_id = ?2"),
        params![election.0, card.as_str()],
    )?;
    row.map(|r| read_card(db, r, &mut BTreeMap::new()))
        .transpose()
}

/// Up to `limit` cards of `election` with `seq > after`, in `seq` order.
pub(crate) fn card_page(
    db: &mut impl Db,
    election: ElectionId,
    after: Option<u64>,
    limit: u64,
    files: &mut BTreeMap<i64, Arc<str>>,
) -> Result<Vec<(u64, Card)>> {
    if after.is_none() {
        require_election(db, election, false)?;
    }
    let after = after.map(|a| to_i64("seq", a)).transpose()?.unwrap_or(-1);
    let rows = db.query(
        &format!("{SELECT_CARD} WHERE c.election_id = ?1 AND c.seq > ?2 ORDER BY c.seq LIMIT ?3"),
        params![election.0, after, to_i64("limit", limit)?],
    )?;
    rows.into_iter().map(|r| read_card(db, r, files)).collect()
}

/// Store a ballot manifest for `election`.
pub(crate) fn import_manifest(
    db: &mut impl Db,
    election: ElectionId,
    manifest: &BallotManifest,
) -> Result<ManifestId> {
    require_election(db, election, false)?;
    let id = db
        .query_one(
            "INSERT INTO manifests (election_id) VALUES (?1) RETURNING id",
            params![election.0],
        )?
        .int(0)?;
    for (i, b) in (0i64..).zip(&manifest.batches) {
        db.exec(
            "INSERT INTO manifest_batches (manifest_id, ordinal, tabulator, batch, cards)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, i, &b.tabulator, &b.batch, to_i64("cards", b.cards)?],
        )?;
    }
    Ok(ManifestId(id))
}

/// The latest manifest of `election`, if any.
pub(crate) fn manifest(
    db: &mut impl Db,
    election: ElectionId,
) -> Result<Option<(ManifestId, BallotManifest)>> {
    let id = db
        .query_one(
            "SELECT MAX(id) FROM manifests WHERE election_id = ?1",
            params![election.0],
        )?
        .opt_int(0)?;
    let Some(id) = id else { return Ok(None) };
    let batches = db
        .query(
            "SELECT tabulator, batch, cards FROM manifest_batches
             WHERE manifest_id = ?1 ORDER BY ordinal",
            params![id],
        )?
        .into_iter()
        .map(|mut r| {
            Ok(ManifestBatch {
                tabulator: r.opt_text(0)?,
                batch: r.text(1)?,
                cards: r.count(2)?,
            })
        })
        .collect::<Result<_>>()?;
    Ok(Some((ManifestId(id), BallotManifest { batches })))
}

/// Add a user; names are unique.
pub(crate) fn add_user(
    db: &mut impl Db,
    name: &str,
    role: &str,
    credential: Option<&str>,
) -> Result<UserId> {
    let inserted = db.exec_unique(
        "INSERT INTO users (name, role, credential) VALUES (?1, ?2, ?3)",
        params![name, role, credential],
    )?;
    if inserted.is_none() {
        return Err(StoreError::DuplicateUser(name.into()));
    }
    let id = db
        .query_one("SELECT id FROM users WHERE name = ?1", params![name])?
        .int(0)?;
    Ok(UserId(id))
}

/// The user with this name.
pub(crate) fn user(db: &mut impl Db, name: &str) -> Result<Option<User>> {
    db.query_opt(
        "SELECT id, name, role, credential FROM users WHERE name = ?1",
        params![name],
    )?
    .map(|mut r| {
        Ok(User {
            id: UserId(r.int(0)?),
            name: r.text(1)?,
            role: r.text(2)?,
            credential: r.opt_text(3)?,
        })
    })
    .transpose()
}

/// Create an audit of `election`.
pub(crate) fn create_audit(
    db: &mut impl Db,
    election: ElectionId,
    spec: &NewAudit,
) -> Result<AuditId> {
    require_election(db, election, false)?;
    let id = db
        .query_one(
            "INSERT INTO audits (election_id, name, risk_limit, seed, settings)
             VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
            params![
                election.0,
                &spec.name,
                &spec.risk_limit,
                &spec.seed,
                &spec.settings
            ],
        )?
        .int(0)?;
    Ok(AuditId(id))
}

/// The audit with this id; with `lock`, its row stays locked until the
/// transaction ends, which serializes every write to the audit.
fn audit_row<D: Db>(db: &mut D, audit: AuditId, lock: bool) -> Result<Audit> {
    let sql = format!(
        "SELECT election_id, name, risk_limit, seed, settings FROM audits WHERE id = ?1{}",
        if lock { D::FOR_UPDATE } else { "" }
    );
    let mut r = db
        .query_opt(&sql, params![audit.0])?
        .ok_or(StoreError::UnknownAudit(audit))?;
    Ok(Audit {
        id: audit,
        election: ElectionId(r.int(0)?),
        spec: NewAudit {
            name: r.text(1)?,
            risk_limit: r.text(2)?,
            seed: r.text(3)?,
            settings: r.text(4)?,
        },
    })
}

/// The audit with this id.
pub(crate) fn audit(db: &mut impl Db, audit: AuditId) -> Result<Audit> {
    audit_row(db, audit, false)
}

/// The number of rounds recorded for `audit`.
pub(crate) fn round_count(db: &mut impl Db, audit: AuditId) -> Result<u32> {
    let n = db
        .query_one(
            "SELECT COUNT(*) FROM rounds WHERE audit_id = ?1",
            params![audit.0],
        )?
        .count(0)?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// Record round `round` (1, 2, ... in order) with its sample, in draw order;
/// every drawn card must be stored in the audit's election.
pub(crate) fn record_round(
    db: &mut impl Db,
    audit: AuditId,
    round: u32,
    sample: &[SampleDraw],
) -> Result<()> {
    let election = audit_row(db, audit, true)?.election;
    // Counted under the lock, so two writers cannot both add round n.
    let expected = round_count(db, audit)?.saturating_add(1);
    if round != expected {
        return Err(StoreError::RoundOutOfOrder {
            audit,
            expected,
            got: round,
        });
    }
    db.exec(
        "INSERT INTO rounds (audit_id, number) VALUES (?1, ?2)",
        params![audit.0, i64::from(round)],
    )?;
    for (i, d) in (0i64..).zip(sample) {
        let known = db.query_opt(
            "SELECT 1 FROM cards WHERE election_id = ?1 AND card_id = ?2",
            params![election.0, d.card.as_str()],
        )?;
        if known.is_none() {
            return Err(StoreError::UnknownCard {
                election,
                card: d.card.0.clone(),
            });
        }
        db.exec(
            "INSERT INTO samples (audit_id, round, ordinal, election_id, card_id, ticket)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                audit.0,
                i64::from(round),
                i,
                election.0,
                d.card.as_str(),
                &d.ticket
            ],
        )?;
    }
    Ok(())
}

/// The sample of one round, in draw order.
pub(crate) fn sample(db: &mut impl Db, audit: AuditId, round: u32) -> Result<Vec<SampleDraw>> {
    db.query(
        "SELECT card_id, ticket FROM samples WHERE audit_id = ?1 AND round = ?2
         ORDER BY ordinal",
        params![audit.0, i64::from(round)],
    )?
    .into_iter()
    .map(|mut r| {
        Ok(SampleDraw {
            card: CardId(r.text(0)?),
            ticket: r.opt_text(1)?,
        })
    })
    .collect()
}

/// Enter a manual vote record for a sampled card. The re-entry rule: the
/// same card entered again is accepted only when what the paper showed
/// (found or not, and the marks) is identical, and then nothing changes (the
/// first board and user stay recorded); a different record is refused.
pub(crate) fn enter_record(
    db: &mut impl Db,
    audit: AuditId,
    record: &ManualRecord,
) -> Result<Entered> {
    // Locks the audit: two boards cannot both insert the first record.
    let election = audit_row(db, audit, true)?.election;
    let (found, contests) = match &record.paper {
        Paper::Found(c) => (1i64, c.as_slice()),
        Paper::NotFound => (0, &[][..]),
    };
    let mut blob = Vec::new();
    codec::encode(contests, &mut blob);
    let card = record.card.as_str();
    // One round trip: was the card sampled, and its stored record if any.
    let mut r = db.query_one(
        "SELECT (SELECT COUNT(*) FROM samples WHERE audit_id = ?1 AND card_id = ?2),
                (SELECT found FROM mvrs WHERE audit_id = ?1 AND card_id = ?2),
                (SELECT contests FROM mvrs WHERE audit_id = ?1 AND card_id = ?2)",
        params![audit.0, card],
    )?;
    if r.count(0)? == 0 {
        return Err(StoreError::NotSampled {
            audit,
            card: record.card.0.clone(),
        });
    }
    if let Some(stored) = r.opt_int(1)? {
        return if stored == found && r.blob(2)? == blob {
            Ok(Entered::AlreadyStored)
        } else {
            Err(StoreError::ConflictingRecord {
                audit,
                card: record.card.0.clone(),
            })
        };
    }
    db.exec(
        "INSERT INTO mvrs (audit_id, election_id, card_id, found, contests, board, entered_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            audit.0,
            election.0,
            card,
            found,
            &blob[..],
            &record.board,
            record.entered_by.map(|u| u.0)
        ],
    )?;
    Ok(Entered::Stored)
}

/// Every manual vote record of `audit`, by card id.
pub(crate) fn records(db: &mut impl Db, audit: AuditId) -> Result<Vec<ManualRecord>> {
    let rows = db.query(
        "SELECT card_id, found, contests, board, entered_by FROM mvrs
         WHERE audit_id = ?1 ORDER BY card_id",
        params![audit.0],
    )?;
    rows.into_iter()
        .map(|mut r| {
            let card = r.text(0)?;
            let paper =
                if r.int(1)? == 1 {
                    let blob = r.blob(2)?;
                    Paper::Found(codec::decode(&blob).ok_or_else(|| {
                        corrupt(db, format!("manual vote record of card {card:?}"))
                    })?)
                } else {
                    Paper::NotFound
                };
            Ok(ManualRecord {
                card: CardId(card),
                paper,
                board: r.text(3)?,
                entered_by: r.opt_int(4)?.map(UserId),
            })
        })
        .collect()
}

/// Append an entry to the election's log.
pub(crate) fn append_log(
    db: &mut impl Db,
    election: ElectionId,
    kind: &str,
    payload: &[u8],
    actor: &str,
) -> Result<LogEntry> {
    let sha256: [u8; 32] = Sha256::digest(payload).into();
    require_election(db, election, true)?;
    // Numbered and inserted in one statement (one round trip on PostgreSQL);
    // the election's row lock above keeps two appends from taking one number.
    let seq = db
        .query_one(
            "INSERT INTO log_entries (election_id, seq, kind, payload, sha256, actor)
             VALUES (?1, (SELECT COALESCE(MAX(seq) + 1, 0) FROM log_entries WHERE election_id = ?1),
                     ?2, ?3, ?4, ?5)
             RETURNING seq",
            params![election.0, kind, payload, &sha256[..], actor],
        )?
        .count(0)?;
    Ok(LogEntry {
        seq,
        kind: kind.to_owned(),
        payload: payload.to_vec(),
        sha256,
        actor: actor.to_owned(),
    })
}

/// The number of entries in the election's log.
pub(crate) fn log_len(db: &mut impl Db, election: ElectionId) -> Result<u64> {
    db.query_one(
        "SELECT COUNT(*) FROM log_entries WHERE election_id = ?1",
        params![election.0],
    )?
    .count(0)
}

/// The log entries with `from <= seq < to`, in order, each checked against
/// its stored hash.
pub(crate) fn log(
    db: &mut impl Db,
    election: ElectionId,
    from: u64,
    to: u64,
) -> Result<Vec<LogEntry>> {
    let rows = db.query(
        "SELECT seq, kind, payload, sha256, actor FROM log_entries
         WHERE election_id = ?1 AND seq >= ?2 AND seq < ?3 ORDER BY seq",
        params![
            election.0,
            to_i64("from", from)?,
            to_i64("to", to.min(i64::MAX as u64))?
        ],
    )?;
    rows.into_iter()
        .map(|mut r| {
            let seq = r.count(0)?;
            let payload = r.blob(2)?;
            let stored = r.blob(3)?;
            let sha256: [u8; 32] = Sha256::digest(&payload).into();
            if stored != sha256 {
                return Err(StoreError::LogTampered { election, seq });
            }
            Ok(LogEntry {
                seq,
                kind: r.text(1)?,
                payload,
                sha256,
                actor: r.text(4)?,
            })
        })
        .collect()
}

/// Store a checkpoint. Its tree size must not exceed the log's length nor
/// fall below the latest checkpoint's.
pub(crate) fn add_checkpoint(
    db: &mut impl Db,
    election: ElectionId,
    checkpoint: &StoredCheckpoint,
) -> Result<()> {
    let size = checkpoint.tree_size;
    let bad = |problem: String| StoreError::BadCheckpoint {
        election,
        size,
        problem,
    };
    // Both bounds are read under the election's lock.
    require_election(db, election, true)?;
    let len = log_len(db, election)?;
    let last = db
        .query_one(
            "SELECT MAX(tree_size) FROM checkpoints WHERE election_id = ?1",
            params![election.0],
        )?
        .opt_int(0)?;
    if size > len {
        return Err(bad(format!("the log has only {len} entries")));
    }
    if let Some(last) = last
        && size <= last.max(0) as u64
    {
        return Err(bad(format!("the latest checkpoint already covers {last}")));
    }
    db.exec(
        "INSERT INTO checkpoints (election_id, tree_size, root, note) VALUES (?1, ?2, ?3, ?4)",
        params![
            election.0,
            to_i64("tree_size", size)?,
            &checkpoint.root[..],
            &checkpoint.note
        ],
    )?;
    Ok(())
}

/// Every checkpoint of the election, by tree size.
pub(crate) fn checkpoints(db: &mut impl Db, election: ElectionId) -> Result<Vec<StoredCheckpoint>> {
    let rows = db.query(
        "SELECT tree_size, root, note FROM checkpoints WHERE election_id = ?1
         ORDER BY tree_size",
        params![election.0],
    )?;
    rows.into_iter()
        .map(|mut r| {
            let root: [u8; 32] = r
                .blob(1)?
                .try_into()
                .map_err(|_| corrupt(db, "checkpoint root".into()))?;
            Ok(StoredCheckpoint {
                tree_size: r.count(0)?,
                root,
                note: r.text(2)?,
            })
        })
        .collect()
}

/// Every audit, by id.
pub(crate) fn audits(db: &mut impl Db) -> Result<Vec<Audit>> {
    let ids = db.query("SELECT id FROM audits ORDER BY id", &[])?;
    let mut out = Vec::with_capacity(ids.len());
    for mut r in ids {
        let id = AuditId(r.int(0)?);
        out.push(audit_row(db, id, false)?);
    }
    Ok(out)
}

/// Write one step of `audit` (see [`AuditStep`]) and clear its pending step.
pub(crate) fn audit_step(db: &mut impl Db, audit: AuditId, step: &AuditStep) -> Result<()> {
    let election = audit_row(db, audit, true)?.election;
    if let Some(seed) = &step.seed {
        db.exec(
            "UPDATE audits SET seed = ?1 WHERE id = ?2",
            params![seed, audit.0],
        )?;
    }
    if let Some((round, sample)) = &step.round {
        record_round(db, audit, *round, sample)?;
    }
    for r in &step.records {
        enter_record(db, audit, r)?;
    }
    for f in &step.files {
        db.exec(
            "INSERT INTO audit_files (audit_id, path, sha256, size, content)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (audit_id, path) DO UPDATE SET sha256 = excluded.sha256,
                size = excluded.size, content = excluded.content",
            params![
                audit.0,
                &f.path,
                &f.sha256[..],
                to_i64("size", f.size)?,
                f.content.as_deref()
            ],
        )?;
    }
    for path in &step.removed {
        db.exec(
            "DELETE FROM audit_files WHERE audit_id = ?1 AND path = ?2",
            params![audit.0, path],
        )?;
    }
    for e in &step.log {
        append_log(db, election, &e.kind, &e.payload, &e.actor)?;
    }
    for c in &step.checkpoints {
        add_checkpoint(db, election, c)?;
    }
    db.exec(
        "DELETE FROM audit_steps WHERE audit_id = ?1",
        params![audit.0],
    )?;
    Ok(())
}

/// Create an audit with its manifest and its first step, in one transaction.
pub(crate) fn create_audit_with(
    db: &mut impl Db,
    election: ElectionId,
    manifest: &BallotManifest,
    spec: &NewAudit,
    step: &AuditStep,
) -> Result<AuditId> {
    import_manifest(db, election, manifest)?;
    let audit = create_audit(db, election, spec)?;
    audit_step(db, audit, step)?;
    Ok(audit)
}

/// Note that a step of `audit` has begun (its name), replacing an earlier note.
pub(crate) fn begin_step(db: &mut impl Db, audit: AuditId, name: &str) -> Result<()> {
    audit_row(db, audit, true)?;
    db.exec(
        "INSERT INTO audit_steps (audit_id, step) VALUES (?1, ?2)
         ON CONFLICT (audit_id) DO UPDATE SET step = excluded.step",
        params![audit.0, name],
    )?;
    Ok(())
}

/// The step of `audit` begun and not finished, if any.
pub(crate) fn pending_step(db: &mut impl Db, audit: AuditId) -> Result<Option<String>> {
    db.query_opt(
        "SELECT step FROM audit_steps WHERE audit_id = ?1",
        params![audit.0],
    )?
    .map(|mut r| r.text(0))
    .transpose()
}

/// Forget the pending step of `audit`.
pub(crate) fn end_step(db: &mut impl Db, audit: AuditId) -> Result<()> {
    db.exec(
        "DELETE FROM audit_steps WHERE audit_id = ?1",
        params![audit.0],
    )?;
    Ok(())
}

/// Every file of `audit`'s directory, by path; `content` only when `with_content`.
pub(crate) fn audit_files(
    db: &mut impl Db,
    audit: AuditId,
    with_content: bool,
) -> Result<Vec<AuditFile>> {
    let sql = if with_content {
        "SELECT path, sha256, size, content FROM audit_files WHERE audit_id = ?1 ORDER BY path"
    } else {
        "SELECT path, sha256, size FROM audit_files WHERE audit_id = ?1 ORDER BY path"
    };
    let rows = db.query(sql, params![audit.0])?;
    rows.into_iter()
        .map(|mut r| {
            let path = r.text(0)?;
            let sha256: [u8; 32] = r
                .blob(1)?
                .try_into()
                .map_err(|_| corrupt(db, format!("SHA-256 of audit file {path:?}")))?;
            let size = r.count(2)?;
            let content = if with_content { r.opt_blob(3)? } else { None };
            Ok(AuditFile {
                path,
                sha256,
                size,
                content,
            })
        })
        .collect()
}

/// The public methods both stores share, each one call of this module in a
/// read (`self.read`) or in one write transaction (`self.write`).
macro_rules! store_methods {
    ($store:ty, $import:ident) => {
        impl $store {
            /// Create an election; its contests arrive with its first card import.
            pub fn create_election(&mut self, name: &str) -> Result<ElectionId> {
                self.write(|db| api::create_election(db, name))
            }

            /// Every election, by id: (id, name).
            pub fn elections(&self) -> Result<Vec<(ElectionId, String)>> {
                self.read(|db| api::elections(db))
            }

            /// The stored definition (contests and candidates) of an election.
            pub fn election(&self, election: ElectionId) -> Result<Election> {
                self.read(|db| api::load_election(db, election))
            }

            /// Import every card of `cards` into `election` in one transaction,
            /// then store `definition` (which must extend the stored
            /// definition). On any error nothing is stored and the import can
            /// be run again.
            pub fn import_cards<E>(
                &mut self,
                election: ElectionId,
                definition: &Election,
                cards: impl IntoIterator<Item = std::result::Result<Card, E>>,
            ) -> Result<ImportSummary>
            where
                E: Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
            {
                let mut import: $import<'_> = self.card_import(election)?;
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
                self.read(|db| api::card_count(db, election))
            }

            /// The committed imports of `election`, in order.
            pub fn imports(&self, election: ElectionId) -> Result<Vec<ImportSummary>> {
                self.read(|db| api::imports(db, election))
            }

            /// Every card of `election` in `seq` order, read in pages so
            /// memory stays flat; each item is `(seq, card)`. An unknown
            /// election yields one [`StoreError::UnknownElection`].
            pub fn cards(&self, election: ElectionId) -> CardIter<'_, Self> {
                CardIter::new(self, election)
            }

            /// The card with this id, with its `seq`.
            pub fn card(&self, election: ElectionId, card: &CardId) -> Result<Option<(u64, Card)>> {
                self.read(|db| api::card(db, election, card))
            }

            /// Store a ballot manifest for `election`. Earlier manifests are
            /// kept; the latest counts.
            pub fn import_manifest(
                &mut self,
                election: ElectionId,
                manifest: &BallotManifest,
            ) -> Result<ManifestId> {
                self.write(|db| api::import_manifest(db, election, manifest))
            }

            /// The latest manifest of `election`, if any.
            pub fn manifest(
                &self,
                election: ElectionId,
            ) -> Result<Option<(ManifestId, BallotManifest)>> {
                self.read(|db| api::manifest(db, election))
            }

            /// Add a user; names are unique.
            pub fn add_user(
                &mut self,
                name: &str,
                role: &str,
                credential: Option<&str>,
            ) -> Result<UserId> {
                self.write(|db| api::add_user(db, name, role, credential))
            }

            /// The user with this name.
            pub fn user(&self, name: &str) -> Result<Option<User>> {
                self.read(|db| api::user(db, name))
            }

            /// Create an audit of `election`.
            pub fn create_audit(
                &mut self,
                election: ElectionId,
                spec: &NewAudit,
            ) -> Result<AuditId> {
                self.write(|db| api::create_audit(db, election, spec))
            }

            /// Every audit, by id.
            pub fn audits(&self) -> Result<Vec<Audit>> {
                self.read(|db| api::audits(db))
            }

            /// Create an audit of `election` with its manifest and its first
            /// step ([`crate::AuditStep`]), all in one transaction.
            pub fn create_audit_with(
                &mut self,
                election: ElectionId,
                manifest: &BallotManifest,
                spec: &NewAudit,
                step: &crate::AuditStep,
            ) -> Result<AuditId> {
                self.write(|db| api::create_audit_with(db, election, manifest, spec, step))
            }

            /// Write one step of an audit in one transaction: the seed, a
            /// round with its sample, manual vote records, the files of its
            /// directory, log entries and checkpoints; clears the pending step.
            pub fn audit_step(&mut self, audit: AuditId, step: &crate::AuditStep) -> Result<()> {
                self.write(|db| api::audit_step(db, audit, step))
            }

            /// Note that a step of `audit` has begun (until `audit_step` or
            /// `end_step`): a command that finds it knows the step was cut short.
            pub fn begin_step(&mut self, audit: AuditId, name: &str) -> Result<()> {
                self.write(|db| api::begin_step(db, audit, name))
            }

            /// The step of `audit` begun and not finished, if any.
            pub fn pending_step(&self, audit: AuditId) -> Result<Option<String>> {
                self.read(|db| api::pending_step(db, audit))
            }

            /// Forget the pending step of `audit`.
            pub fn end_step(&mut self, audit: AuditId) -> Result<()> {
                self.write(|db| api::end_step(db, audit))
            }

            /// Every file of the audit's directory, by path; the bytes only
            /// when `with_content`.
            pub fn audit_files(
                &self,
                audit: AuditId,
                with_content: bool,
            ) -> Result<Vec<crate::AuditFile>> {
                self.read(|db| api::audit_files(db, audit, with_content))
            }

            /// The audit with this id.
            pub fn audit(&self, audit: AuditId) -> Result<Audit> {
                self.read(|db| api::audit(db, audit))
            }

            /// The number of rounds recorded for `audit`.
            pub fn round_count(&self, audit: AuditId) -> Result<u32> {
                self.read(|db| api::round_count(db, audit))
            }

            /// Record round `round` (1, 2, ... in order) with its sample, in
            /// draw order. Every drawn card must be stored in the audit's
            /// election.
            pub fn record_round(
                &mut self,
                audit: AuditId,
                round: u32,
                sample: &[SampleDraw],
            ) -> Result<()> {
                self.write(|db| api::record_round(db, audit, round, sample))
            }

            /// The sample of one round, in draw order.
            pub fn sample(&self, audit: AuditId, round: u32) -> Result<Vec<SampleDraw>> {
                self.read(|db| api::sample(db, audit, round))
            }

            /// Enter a manual vote record for a sampled card. Entering a card
            /// again is accepted only when what the paper showed is identical
            /// (the first board and user stay recorded); a different record is
            /// refused with [`StoreError::ConflictingRecord`].
            pub fn enter_record(
                &mut self,
                audit: AuditId,
                record: &ManualRecord,
            ) -> Result<Entered> {
                self.write(|db| api::enter_record(db, audit, record))
            }

            /// Every manual vote record of `audit`, by card id.
            pub fn records(&self, audit: AuditId) -> Result<Vec<ManualRecord>> {
                self.read(|db| api::records(db, audit))
            }

            /// Append an entry to the election's log; returns it with its
            /// `seq` and hash.
            pub fn append_log(
                &mut self,
                election: ElectionId,
                kind: &str,
                payload: &[u8],
                actor: &str,
            ) -> Result<LogEntry> {
                self.write(|db| api::append_log(db, election, kind, payload, actor))
            }

            /// The number of entries in the election's log.
            pub fn log_len(&self, election: ElectionId) -> Result<u64> {
                self.read(|db| api::log_len(db, election))
            }

            /// The log entries with `from <= seq < to`, in order, each checked
            /// against its stored hash ([`StoreError::LogTampered`] names the
            /// first bad one).
            pub fn log(&self, election: ElectionId, from: u64, to: u64) -> Result<Vec<LogEntry>> {
                self.read(|db| api::log(db, election, from, to))
            }

            /// Store a checkpoint. Its tree size must not exceed the log's
            /// length nor fall below the latest checkpoint's.
            pub fn add_checkpoint(
                &mut self,
                election: ElectionId,
                checkpoint: &StoredCheckpoint,
            ) -> Result<()> {
                self.write(|db| api::add_checkpoint(db, election, checkpoint))
            }

            /// Every checkpoint of the election, by tree size.
            pub fn checkpoints(&self, election: ElectionId) -> Result<Vec<StoredCheckpoint>> {
                self.read(|db| api::checkpoints(db, election))
            }
        }

        impl crate::api::Pages for $store {
            fn page(
                &self,
                election: ElectionId,
                after: Option<u64>,
                files: &mut std::collections::BTreeMap<i64, std::sync::Arc<str>>,
            ) -> Result<Vec<(u64, Card)>> {
                self.read(|db| api::card_page(db, election, after, crate::api::PAGE, files))
            }
        }
    };
}
pub(crate) use store_methods;

/// Cards fetched per page by [`CardIter`].
pub(crate) const PAGE: u64 = 4096;

/// A store that reads cards a page at a time: both backends, for
/// [`CardIter`]. Not meant to be implemented outside this crate.
pub trait Pages {
    /// Up to 4096 cards of `election` with `seq > after`, in `seq` order;
    /// `files` interns source file names across pages.
    fn page(
        &self,
        election: ElectionId,
        after: Option<u64>,
        files: &mut BTreeMap<i64, Arc<str>>,
    ) -> Result<Vec<(u64, Card)>>;
}

/// The cards of an election in `seq` order, fetched a page at a time
/// ([`crate::Store::cards`], and `PgStore::cards` with the `postgres` feature).
pub struct CardIter<'a, S> {
    store: &'a S,
    election: ElectionId,
    after: Option<u64>,
    page: std::collections::VecDeque<(u64, Card)>,
    done: bool,
    files: BTreeMap<i64, Arc<str>>,
}

impl<'a, S: Pages> CardIter<'a, S> {
    pub(crate) fn new(store: &'a S, election: ElectionId) -> CardIter<'a, S> {
        CardIter {
            store,
            election,
            after: None,
            page: Default::default(),
            done: false,
            files: BTreeMap::new(),
        }
    }
}

impl<S: Pages> Iterator for CardIter<'_, S> {
    type Item = Result<(u64, Card)>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.page.is_empty() && !self.done {
            match self.store.page(self.election, self.after, &mut self.files) {
                Ok(page) => {
                    self.done = (page.len() as u64) < PAGE;
                    if let Some((seq, _)) = page.last() {
                        self.after = Some(*seq);
                    }
                    self.page.extend(page);
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
        self.page.pop_front().map(Ok)
    }
}
