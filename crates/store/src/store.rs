//! Opening the database and the election definitions.

use crate::error::{Result, StoreError, classify};
use crate::ids::ElectionId;
use crate::schema;
use canvass_model::{
    Candidate, CandidateId, CandidateKind, Contest, ContestId, ContestKind, Election, Fraction,
};
use rusqlite::{
    Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior, params,
};
use std::path::Path;

/// How to open a database file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenMode {
    /// Read and write; create the file and the schema when missing.
    ReadWrite,
    /// Read only: every write fails with [`StoreError::ReadOnly`] and nothing changes.
    ReadOnly,
}

/// The store: one SQLite database (WAL mode, foreign keys on).
///
/// Every method that writes runs in one transaction: it lands whole or not at all.
pub struct Store {
    pub(crate) conn: Connection,
    pub(crate) path: String,
    pub(crate) import_cache_kib: u64,
}

/// The page cache of a card import by default (KiB): keeps the card-id index
/// of a statewide import in memory.
pub const DEFAULT_IMPORT_CACHE_KIB: u64 = 64 * 1024;

/// Convert an unsigned count to the database's signed integer.
pub(crate) fn to_i64(field: &'static str, value: u64) -> Result<i64> {
    i64::try_from(value).map_err(|_| StoreError::TooLarge { field, value })
}

impl Store {
    /// Open (creating when missing) the database at `path` for reading and writing.
    pub fn open(path: impl AsRef<Path>) -> Result<Store> {
        Store::open_with(path, OpenMode::ReadWrite)
    }

    /// Open the database at `path` in the given mode.
    pub fn open_with(path: impl AsRef<Path>, mode: OpenMode) -> Result<Store> {
        let path_ref = path.as_ref();
        let display = path_ref.display().to_string();
        let flags = match mode {
            OpenMode::ReadWrite => {
                OpenFlags::SQLITE_OPEN_READ_WRITE
                    | OpenFlags::SQLITE_OPEN_CREATE
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX
            }
            OpenMode::ReadOnly => {
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
            }
        };
        let conn =
            Connection::open_with_flags(path_ref, flags).map_err(|source| StoreError::Open {
                path: display.clone(),
                source,
            })?;
        Store::setup(conn, display, mode)
    }

    /// A fresh database in memory (for tests and one-shot commands).
    pub fn open_in_memory() -> Result<Store> {
        let display = ":memory:".to_owned();
        let conn = Connection::open_in_memory().map_err(|source| StoreError::Open {
            path: display.clone(),
            source,
        })?;
        Store::setup(conn, display, OpenMode::ReadWrite)
    }

    fn setup(mut conn: Connection, path: String, mode: OpenMode) -> Result<Store> {
        let err = |e| classify(&path, e);
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(err)?;
        conn.execute_batch("PRAGMA foreign_keys = ON")
            .map_err(err)?;
        if mode == OpenMode::ReadWrite {
            // WAL: readers never block the writer and a killed writer leaves the
            // last committed state. synchronous = FULL: a commit survives power loss.
            let journal: String = conn
                .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
                .map_err(err)?;
            if journal != "wal" && journal != "memory" {
                return Err(StoreError::Corrupt {
                    path,
                    what: format!("journal mode {journal}"),
                });
            }
            conn.execute_batch("PRAGMA synchronous = FULL")
                .map_err(err)?;
        }
        schema::migrate(&mut conn, &path, mode == OpenMode::ReadOnly)?;
        Ok(Store {
            conn,
            path,
            import_cache_kib: DEFAULT_IMPORT_CACHE_KIB,
        })
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64> {
        schema::current_version(&self.conn, &self.path)
    }

    /// Limit the database to `pages` pages (of 4096 bytes by default); writes
    /// beyond fail with [`StoreError::Full`] like a full disk. Returns the limit
    /// in force (SQLite never sets it below the current size).
    pub fn set_max_page_count(&self, pages: u64) -> Result<u64> {
        let pages = to_i64("max_page_count", pages)?;
        let got: i64 = self
            .conn
            .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |r| {
                r.get(0)
            })
            .map_err(|e| self.err(e))?;
        Ok(got.max(0) as u64)
    }

    /// The page cache a card import may use, in KiB (the bound on its memory
    /// beyond one card; pages beyond it spill to the write-ahead log).
    pub fn set_import_cache_kib(&mut self, kib: u64) {
        self.import_cache_kib = kib.max(64);
    }

    /// `PRAGMA integrity_check`: `["ok"]` for a sound database.
    pub fn integrity_check(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare("PRAGMA integrity_check")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(|e| self.err(e))?;
        rows.collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| self.err(e))
    }

    pub(crate) fn err(&self, e: rusqlite::Error) -> StoreError {
        classify(&self.path, e)
    }

    /// Begin a write transaction (taking the write lock now, not at the first
    /// write), with the path for error messages.
    pub(crate) fn write_tx(&mut self) -> Result<(Transaction<'_>, &str)> {
        let path = self.path.as_str();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| classify(path, e))?;
        Ok((tx, path))
    }

    /// Create an election; its contests arrive with its first card import.
    pub fn create_election(&mut self, name: &str) -> Result<ElectionId> {
        let (tx, path) = self.write_tx()?;
        tx.execute("INSERT INTO elections (name) VALUES (?1)", [name])
            .map_err(|e| classify(path, e))?;
        let id = ElectionId(tx.last_insert_rowid());
        tx.commit().map_err(|e| classify(path, e))?;
        Ok(id)
    }

    /// Every election, by id: (id, name).
    pub fn elections(&self) -> Result<Vec<(ElectionId, String)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, name FROM elections ORDER BY id")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| Ok((ElectionId(r.get(0)?), r.get(1)?)))
            .map_err(|e| self.err(e))?;
        rows.collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| self.err(e))
    }

    /// The stored definition (contests and candidates) of an election.
    pub fn election(&self, election: ElectionId) -> Result<Election> {
        load_election(&self.conn, &self.path, election)
    }
}

pub(crate) fn require_election(conn: &Connection, path: &str, election: ElectionId) -> Result<()> {
    let found: Option<i64> = conn
        .query_row("SELECT 1 FROM elections WHERE id = ?1", [election.0], |r| {
            r.get(0)
        })
        .optional()
        .map_err(|e| classify(path, e))?;
    found
        .map(|_| ())
        .ok_or(StoreError::UnknownElection(election))
}

/// The columns of a contest's kind: (kind, threshold numerator, denominator).
pub(crate) fn contest_kind_columns(kind: &ContestKind) -> (&'static str, Option<i64>, Option<i64>) {
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
pub(crate) fn candidate_kind_column(kind: CandidateKind) -> &'static str {
    match kind {
        CandidateKind::Regular => "regular",
        CandidateKind::WriteIn => "write_in",
        CandidateKind::UndeclaredWriteIn => "undeclared_write_in",
    }
}

pub(crate) fn load_election(
    conn: &Connection,
    path: &str,
    election: ElectionId,
) -> Result<Election> {
    let err = |e| classify(path, e);
    let corrupt = |what: String| StoreError::Corrupt {
        path: path.to_owned(),
        what,
    };
    let source_name: Option<Option<String>> = conn
        .query_row(
            "SELECT source_name FROM elections WHERE id = ?1",
            [election.0],
            |r| r.get(0),
        )
        .optional()
        .map_err(err)?;
    let Some(name) = source_name else {
        return Err(StoreError::UnknownElection(election));
    };
    let mut out = Election {
        name,
        contests: Vec::new(),
    };
    let mut stmt = conn
        .prepare(
            "SELECT idx, external_id, name, kind, threshold_numerator, threshold_denominator,
                    seats, max_ranks
             FROM contests WHERE election_id = ?1 ORDER BY idx",
        )
        .map_err(err)?;
    let mut rows = stmt.query([election.0]).map_err(err)?;
    while let Some(r) = rows.next().map_err(err)? {
        let idx: i64 = r.get(0).map_err(err)?;
        let kind: String = r.get(3).map_err(err)?;
        let num: Option<i64> = r.get(4).map_err(err)?;
        let den: Option<i64> = r.get(5).map_err(err)?;
        let kind = parse_contest_kind(&kind, num, den)
            .ok_or_else(|| corrupt(format!("contest {idx} kind {kind:?}")))?;
        let seats: i64 = r.get(6).map_err(err)?;
        let max_ranks: Option<i64> = r.get(7).map_err(err)?;
        if idx != out.contests.len() as i64 {
            return Err(corrupt(format!("contest index {idx}")));
        }
        out.contests.push(Contest {
            id: ContestId(idx as u32),
            external_id: r.get(1).map_err(err)?,
            name: r.get(2).map_err(err)?,
            kind,
            seats: u32::try_from(seats).map_err(|_| corrupt(format!("contest {idx} seats")))?,
            max_ranks: max_ranks
                .map(u32::try_from)
                .transpose()
                .map_err(|_| corrupt(format!("contest {idx} max_ranks")))?,
            candidates: Vec::new(),
        });
    }
    let mut stmt = conn
        .prepare(
            "SELECT contest_idx, idx, external_id, name, kind FROM candidates
             WHERE election_id = ?1 ORDER BY contest_idx, idx",
        )
        .map_err(err)?;
    let mut rows = stmt.query([election.0]).map_err(err)?;
    while let Some(r) = rows.next().map_err(err)? {
        let contest: i64 = r.get(0).map_err(err)?;
        let idx: i64 = r.get(1).map_err(err)?;
        let kind: String = r.get(4).map_err(err)?;
        let kind = parse_candidate_kind(&kind)
            .ok_or_else(|| corrupt(format!("candidate kind {kind:?}")))?;
        let c = usize::try_from(contest)
            .ok()
            .and_then(|c| out.contests.get_mut(c))
            .ok_or_else(|| corrupt(format!("candidate of contest {contest}")))?;
        if idx != c.candidates.len() as i64 {
            return Err(corrupt(format!(
                "candidate index {idx} of contest {contest}"
            )));
        }
        c.candidates.push(Candidate {
            id: CandidateId(idx as u32),
            external_id: r.get(2).map_err(err)?,
            name: r.get(3).map_err(err)?,
            aliases: Vec::new(),
            kind,
        });
    }
    let mut stmt = conn
        .prepare(
            "SELECT contest_idx, candidate_idx, alias FROM candidate_aliases
             WHERE election_id = ?1 ORDER BY contest_idx, candidate_idx, ordinal",
        )
        .map_err(err)?;
    let mut rows = stmt.query([election.0]).map_err(err)?;
    while let Some(r) = rows.next().map_err(err)? {
        let contest: i64 = r.get(0).map_err(err)?;
        let cand: i64 = r.get(1).map_err(err)?;
        let alias: String = r.get(2).map_err(err)?;
        let c = usize::try_from(contest)
            .ok()
            .and_then(|c| out.contests.get_mut(c))
            .and_then(|c| {
                usize::try_from(cand)
                    .ok()
                    .and_then(|k| c.candidates.get_mut(k))
            })
            .ok_or_else(|| corrupt(format!("alias of candidate {cand} of contest {contest}")))?;
        c.aliases.push(alias);
    }
    Ok(out)
}

/// One row to add when storing a definition.
pub(crate) enum DefinitionRow<'a> {
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
pub(crate) fn plan_definition<'a>(
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

/// Parse the kind columns of a contest.
pub(crate) fn parse_contest_kind(
    kind: &str,
    num: Option<i64>,
    den: Option<i64>,
) -> Option<ContestKind> {
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
pub(crate) fn parse_candidate_kind(kind: &str) -> Option<CandidateKind> {
    match kind {
        "regular" => Some(CandidateKind::Regular),
        "write_in" => Some(CandidateKind::WriteIn),
        "undeclared_write_in" => Some(CandidateKind::UndeclaredWriteIn),
        _ => None,
    }
}

/// Store `new` as the definition of `election` (see [`plan_definition`]).
pub(crate) fn save_election(
    tx: &Transaction<'_>,
    path: &str,
    election: ElectionId,
    new: &Election,
) -> Result<()> {
    let err = |e| classify(path, e);
    let stored = load_election(tx, path, election)?;
    for row in plan_definition(&stored, new, election)? {
        match row {
            DefinitionRow::SourceName(b) => {
                tx.execute(
                    "UPDATE elections SET source_name = ?1 WHERE id = ?2",
                    params![b, election.0],
                )
                .map_err(err)?;
            }
            DefinitionRow::Contest(i, c) => {
                let (kind, num, den) = contest_kind_columns(&c.kind);
                tx.prepare_cached(
                    "INSERT INTO contests (election_id, idx, external_id, name, kind,
                        threshold_numerator, threshold_denominator, seats, max_ranks)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        election.0,
                        i,
                        c.external_id,
                        c.name,
                        kind,
                        num,
                        den,
                        c.seats,
                        c.max_ranks
                    ])
                })
                .map_err(err)?;
            }
            DefinitionRow::Candidate(i, k, cand) => {
                tx.prepare_cached(
                    "INSERT INTO candidates (election_id, contest_idx, idx, external_id, name, kind)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        election.0,
                        i,
                        k,
                        cand.external_id,
                        cand.name,
                        candidate_kind_column(cand.kind)
                    ])
                })
                .map_err(err)?;
                for (n, alias) in cand.aliases.iter().enumerate() {
                    tx.prepare_cached(
                        "INSERT INTO candidate_aliases
                            (election_id, contest_idx, candidate_idx, ordinal, alias)
                         VALUES (?1, ?2, ?3, ?4, ?5)",
                    )
                    .and_then(|mut s| s.execute(params![election.0, i, k, n as i64, alias]))
                    .map_err(err)?;
                }
            }
        }
    }
    Ok(())
}
