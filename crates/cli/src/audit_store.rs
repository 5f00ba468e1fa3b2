//! The store of an audit directory: `DIR/audit.db`, a `canvass_store`
//! SQLite database (WAL), is where `canvass audit` keeps the audit. The files
//! of the directory (docs/AUDIT.md) are its export.
//!
//! `audit create` makes the database and stores the election, every CVR card
//! and the manifest, then (one transaction) the audit (its settings: the
//! text of `audit.json`), every file of the directory, the log's events and
//! its signed checkpoints. Each later step (`seed`, `draw`, `record`,
//! `publish`, a finding logged with `canvass check --log DIR`) runs as:
//!
//! 1. open: a step noted as begun and never finished (the process was
//!    killed) is undone on disk: every file is rewritten from the store and
//!    files the store does not know are removed; then every file is checked
//!    against the store (SHA-256): a file changed, missing or added by hand
//!    stops the command with the list of differences;
//! 2. note the step as begun (`audit_steps`), do its work on the files;
//! 3. one transaction: the seed, the round and its sample, the manual vote
//!    records, every file added or changed (with its bytes), the new log
//!    entries (the `log.jsonl` lines: the same bytes, so the same Merkle
//!    tree) and checkpoints; the step note is cleared in it.
//!
//! A step that fails is undone on disk the same way before the error is
//! reported, so it can be run again. The canonical CVR file
//! (`cvrs.cdf.json`) is kept as its SHA-256 and size only: the store holds
//! its cards.

use crate::audit_dir::CVRS_FILE;
use anyhow::{Context, bail};
use canvass_evidence::commitment::sha256_reader;
use canvass_evidence::merkle::MerkleTree;
use canvass_model::{BallotManifest, Card, Election};
use canvass_store::{
    AuditFile, AuditId, AuditStep, ElectionId, ManualRecord, NewAudit, NewLogEntry, SampleDraw,
    Store, StoredCheckpoint,
};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The database file in an audit directory.
pub const STORE_FILE: &str = "audit.db";

/// Files of the directory that are not part of the export: the database
/// itself and the signing key (never published, never in the store).
const PRIVATE: [&str; 6] = [
    STORE_FILE,
    "audit.db-wal",
    "audit.db-shm",
    "audit.db-journal",
    crate::audit_log::KEY_FILE,
    crate::audit_log::KEY_PATH_FILE,
];

/// Top-level names that only `canvass audit` writes.
const MANAGED: [&str; 17] = [
    "inputs.json",
    "audit.json",
    "cards.csv",
    "seed.json",
    "mvrs.csv",
    "mvr-imports.json",
    CVRS_FILE,
    "manifest.csv",
    "commitment.json",
    "log.jsonl",
    "log.pub",
    "report.txt",
    "status.json",
    "discrepancies.csv",
    "batch-tallies.csv",
    "hand-tallies.csv",
    "hand-tally-imports.json",
];

/// Folders whose every file only `canvass audit` writes.
const MANAGED_DIRS: [&str; 4] = [
    "checkpoints/",
    "mvr-files/",
    "hand-tally-files/",
    "findings/",
];

/// True for a file `canvass audit` writes (a file by another name, say an
/// MVR file a board saved into the folder, is left alone).
fn is_managed(rel: &str) -> bool {
    MANAGED.contains(&rel)
        || MANAGED_DIRS.iter().any(|d| rel.starts_with(d))
        || rel
            .strip_prefix("round-")
            .and_then(|r| r.split_once('/'))
            .is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Files whose bytes the store does not keep.
fn hash_only(rel: &str) -> bool {
    rel == CVRS_FILE
}

/// The SHA-256 and size of a file, read in pieces.
fn digest_file(path: &Path) -> anyhow::Result<([u8; 32], u64)> {
    let f =
        std::fs::File::open(path).with_context(|| format!("{}: cannot read", path.display()))?;
    sha256_reader(std::io::BufReader::with_capacity(1 << 20, f))
        .with_context(|| format!("{}: cannot read", path.display()))
}

/// Every managed file under `dir`, by `/`-separated relative path.
fn managed_files(dir: &Path) -> anyhow::Result<BTreeSet<String>> {
    fn walk(dir: &Path, rel: &str, out: &mut BTreeSet<String>) -> anyhow::Result<()> {
        let here = if rel.is_empty() {
            dir.to_owned()
        } else {
            dir.join(rel)
        };
        for e in std::fs::read_dir(&here)
            .with_context(|| format!("{}: cannot list the folder", here.display()))?
        {
            let e = e.with_context(|| format!("{}: cannot list the folder", here.display()))?;
            let name = e.file_name().to_string_lossy().into_owned();
            let path = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            let kind = e
                .file_type()
                .with_context(|| format!("{}: cannot read", e.path().display()))?;
            if kind.is_dir() {
                walk(dir, &path, out)?;
            } else if !PRIVATE.contains(&path.as_str())
                && !name.ends_with(".tmp-write")
                && is_managed(&path)
            {
                out.insert(path);
            }
        }
        Ok(())
    }
    let mut out = BTreeSet::new();
    walk(dir, "", &mut out)?;
    Ok(out)
}

/// What a step stores besides its files and log: the structured records.
#[derive(Default)]
pub struct StepRecords {
    /// The seed, when the step records it.
    pub seed: Option<String>,
    /// A new round and its sample (cards with a CVR, in draw order).
    pub round: Option<(u32, Vec<SampleDraw>)>,
    /// Manual vote records (re-entering an identical one changes nothing).
    pub records: Vec<ManualRecord>,
}

/// An audit directory opened through its store.
pub struct AuditStore {
    dir: PathBuf,
    store: Store,
    audit: AuditId,
    election: ElectionId,
}

/// One difference between the directory and the store.
fn differences(dir: &Path, stored: &[AuditFile]) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    let on_disk = managed_files(dir)?;
    let known: BTreeSet<&str> = stored.iter().map(|f| f.path.as_str()).collect();
    for f in stored {
        let path = dir.join(&f.path);
        if !path.exists() {
            out.push(format!("{}: missing (audit.db holds it)", f.path));
            continue;
        }
        let (sha, size) = digest_file(&path)?;
        if sha != f.sha256 {
            out.push(format!(
                "{}: changed (SHA-256 {} on disk, {} bytes; audit.db holds SHA-256 {}, {} bytes)",
                f.path,
                hex::encode(sha),
                size,
                hex::encode(f.sha256),
                f.size
            ));
        }
    }
    for p in on_disk {
        if !known.contains(p.as_str()) {
            out.push(format!(
                "{p}: not made by `canvass audit` (audit.db does not hold it)"
            ));
        }
    }
    Ok(out)
}

impl AuditStore {
    /// Open the store of `dir`: finish undoing a step that was cut short,
    /// then check every file against the store.
    pub fn open(dir: &Path) -> anyhow::Result<AuditStore> {
        let mut s = AuditStore::restore_dir(dir)?;
        if let Some(step) = s.store.pending_step(s.audit)? {
            s.restore()?;
            s.store.end_step(s.audit)?;
            eprintln!(
                "note: the last step ({step}) did not finish; {} is as {STORE_FILE} left it before that step",
                dir.display()
            );
        }
        let diff = differences(dir, &s.store.audit_files(s.audit, false)?)?;
        if !diff.is_empty() {
            // The log's own check names the line and checkpoint, when it fails.
            let log = match crate::audit_log::AuditLog::open(dir) {
                Err(e) => format!("\n{e:#}"),
                Ok(_) => String::new(),
            };
            bail!(
                "{}: the files differ from the audit's store {} (which holds every step as it was recorded):\n  {}{log}\nNothing was done. Every record of the audit is entered through `canvass audit`; if a file was changed by mistake, `canvass audit restore {}` rewrites the files from {STORE_FILE}",
                dir.display(),
                dir.join(STORE_FILE).display(),
                diff.join("\n  "),
                dir.display()
            );
        }
        Ok(s)
    }

    /// Open the store of `dir` without looking at the files (for `restore`).
    pub fn restore_dir(dir: &Path) -> anyhow::Result<AuditStore> {
        let db = dir.join(STORE_FILE);
        if !db.exists() {
            if dir.join("inputs.json").exists() {
                bail!(
                    "{}: this audit directory has no {STORE_FILE} (it was made by a canvass before 0.2, which kept audits in files only). Create the audit again with `canvass audit create` into a new directory from the same CVRs and manifest: the commitment and the sample are the same for the same inputs and seed; then record the seed and the boards' files again",
                    dir.display()
                );
            }
            bail!(
                "{}: no audit here ({STORE_FILE} is missing); run `canvass audit create` first",
                dir.display()
            );
        }
        let store = Store::open(&db).with_context(|| format!("{}", db.display()))?;
        let Some(a) = store.audits()?.into_iter().next() else {
            bail!(
                "{}: holds no audit: `canvass audit create` was cut short; run it again",
                db.display()
            );
        };
        Ok(AuditStore {
            dir: dir.to_owned(),
            store,
            audit: a.id,
            election: a.election,
        })
    }

    /// Start the store of a new audit in `dir`: refuses when an audit is
    /// stored there; a create that was cut short (a database without an
    /// audit) is cleared, with its files, so it can run again.
    pub fn begin_create(dir: &Path) -> anyhow::Result<Store> {
        let db = dir.join(STORE_FILE);
        if db.exists() {
            let store = Store::open(&db).with_context(|| format!("{}", db.display()))?;
            if !store.audits()?.is_empty() {
                bail!("{}: an audit already exists here", dir.display());
            }
            drop(store);
            eprintln!(
                "note: {}: the last `canvass audit create` here did not finish; starting again",
                dir.display()
            );
            for f in managed_files(dir)? {
                remove(&dir.join(f))?;
            }
            for f in PRIVATE {
                remove(&dir.join(f))?;
            }
        } else if dir.join("inputs.json").exists() || dir.join("audit.json").exists() {
            bail!("{}: an audit already exists here", dir.display());
        }
        std::fs::create_dir_all(dir)
            .with_context(|| format!("{}: cannot create", dir.display()))?;
        Store::open(&db).with_context(|| format!("{}", db.display()))
    }

    /// Store the election and its cards (one transaction): the first part of
    /// `audit create`.
    pub fn import_cards(
        store: &mut Store,
        definition: &Election,
        cards: &[Card],
    ) -> anyhow::Result<ElectionId> {
        let election = store.create_election("canvass audit")?;
        let mut import = store.card_import(election)?;
        for c in cards {
            import.push(definition, c)?;
        }
        import.commit(definition)?;
        Ok(election)
    }

    /// The last part of `audit create`: the manifest, the audit (its
    /// settings the text of `audit.json`) and every file and log entry of
    /// `dir`, in one transaction.
    pub fn finish_create(
        mut store: Store,
        dir: &Path,
        election: ElectionId,
        manifest: &BallotManifest,
        risk_limit: f64,
    ) -> anyhow::Result<()> {
        let settings = std::fs::read_to_string(dir.join("audit.json"))
            .with_context(|| format!("{}: cannot read", dir.join("audit.json").display()))?;
        let step = collect(
            dir,
            &[],
            0,
            0,
            StepRecords::default(),
            "canvass audit create",
        )?;
        store.create_audit_with(
            election,
            manifest,
            &NewAudit {
                name: "canvass audit".into(),
                risk_limit: risk_limit.to_string(),
                seed: String::new(),
                settings,
            },
            &step,
        )?;
        Ok(())
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The stored election.
    pub fn election(&self) -> ElectionId {
        self.election
    }

    /// Run one step: note it as begun, run `work` on the files, then store
    /// what it changed (see the module text) in one transaction. On any
    /// error the files are put back as the store holds them.
    pub fn step<T>(
        &mut self,
        name: &str,
        actor: &str,
        work: impl FnOnce(&mut AuditStore) -> anyhow::Result<(T, StepRecords)>,
    ) -> anyhow::Result<T> {
        self.store.begin_step(self.audit, name)?;
        let out = work(self).and_then(|(t, records)| {
            let stored = self.store.audit_files(self.audit, false)?;
            let log_len = self.store.log_len(self.election)?;
            let last = self
                .store
                .checkpoints(self.election)?
                .last()
                .map_or(0, |c| c.tree_size + 1);
            let step = collect(&self.dir, &stored, log_len, last, records, actor)?;
            self.store.audit_step(self.audit, &step)?;
            Ok(t)
        });
        if out.is_err() {
            // Put the files back; the error of the step is the one to report.
            if let Err(e) = self.restore() {
                eprintln!("warning: {e:#}");
            } else {
                self.store.end_step(self.audit)?;
            }
        }
        out
    }

    /// Rewrite every file from the store and remove the managed files it
    /// does not hold.
    pub fn restore(&self) -> anyhow::Result<()> {
        let stored = self.store.audit_files(self.audit, true)?;
        let known: BTreeSet<&str> = stored.iter().map(|f| f.path.as_str()).collect();
        for p in managed_files(&self.dir)? {
            if !known.contains(p.as_str()) {
                remove(&self.dir.join(&p))?;
            }
        }
        for f in &stored {
            let path = self.dir.join(&f.path);
            let same = path.exists() && digest_file(&path)?.0 == f.sha256;
            if same {
                continue;
            }
            let Some(bytes) = &f.content else {
                bail!(
                    "{}: differs from {STORE_FILE} (SHA-256 {}), which keeps the canonical CVRs as cards, not as this file; create the audit again",
                    path.display(),
                    hex::encode(f.sha256)
                );
            };
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("{}: cannot create", parent.display()))?;
            }
            crate::audit_dir::write_atomic(&path, bytes)?;
        }
        Ok(())
    }
}

/// Remove a file if it is there.
fn remove(path: &Path) -> anyhow::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("{}: cannot remove", path.display()))
        }
        _ => Ok(()),
    }
}

/// What a step changed in `dir` against the `stored` files: the changed
/// files, the log lines after the first `log_len`, and the checkpoints of
/// at least `first_checkpoint` entries.
fn collect(
    dir: &Path,
    stored: &[AuditFile],
    log_len: u64,
    first_checkpoint: u64,
    records: StepRecords,
    actor: &str,
) -> anyhow::Result<AuditStep> {
    let by_path: BTreeMap<&str, &AuditFile> = stored.iter().map(|f| (f.path.as_str(), f)).collect();
    let on_disk = managed_files(dir)?;
    let mut files = Vec::new();
    for p in &on_disk {
        let path = dir.join(p);
        let (sha256, size) = digest_file(&path)?;
        if by_path.get(p.as_str()).is_some_and(|f| f.sha256 == sha256) {
            continue;
        }
        let content = if hash_only(p) {
            None
        } else {
            Some(std::fs::read(&path).with_context(|| format!("{}: cannot read", path.display()))?)
        };
        files.push(AuditFile {
            path: p.clone(),
            sha256,
            size,
            content,
        });
    }
    let removed = stored
        .iter()
        .filter(|f| !on_disk.contains(&f.path))
        .map(|f| f.path.clone())
        .collect();
    // The log: every line is a leaf; the new ones become store entries.
    let log_path = dir.join(canvass_evidence::log::LOG_FILE);
    let bytes =
        std::fs::read(&log_path).with_context(|| format!("{}: cannot read", log_path.display()))?;
    let mut tree = MerkleTree::new();
    let mut log = Vec::new();
    for (i, line) in bytes
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        tree.push_data(line);
        if (i as u64) < log_len {
            continue;
        }
        let kind = serde_json::from_slice::<serde_json::Value>(line)
            .ok()
            .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(str::to_owned))
            .with_context(|| format!("{}, line {}: not an event", log_path.display(), i + 1))?;
        log.push(NewLogEntry {
            kind,
            payload: line.to_vec(),
            actor: actor.to_owned(),
        });
    }
    let mut checkpoints = Vec::new();
    let cp_dir = dir.join(canvass_evidence::log::CHECKPOINT_DIR);
    let mut sizes: Vec<u64> = std::fs::read_dir(&cp_dir)
        .with_context(|| format!("{}: cannot list the folder", cp_dir.display()))?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".note"))
                .and_then(|n| n.parse::<u64>().ok())
        })
        .filter(|&n| n >= first_checkpoint)
        .collect();
    sizes.sort_unstable();
    for size in sizes {
        let rel = canvass_evidence::log::checkpoint_name(size);
        let note = std::fs::read_to_string(dir.join(&rel))
            .with_context(|| format!("{}: cannot read", dir.join(&rel).display()))?;
        let root = tree
            .root_at(size)
            .with_context(|| format!("{rel}: the log has fewer entries"))?;
        checkpoints.push(StoredCheckpoint {
            tree_size: size,
            root,
            note,
        });
    }
    Ok(AuditStep {
        seed: records.seed,
        round: records.round,
        records: records.records,
        files,
        removed,
        log,
        checkpoints,
    })
}
