//! The append-only event log of an audit, kept as files in a folder:
//!
//! ```text
//! log.jsonl                   one event per line: RFC 8785 canonical JSON, then "\n"
//! log.pub                     the public key that signs the checkpoints (keys.rs format)
//! checkpoints/NNNNNNNN.note   a signed checkpoint (checkpoint.rs) of the first NNNNNNNN
//!                             lines, the number in decimal with at least 8 digits
//! ```
//!
//! Each line of `log.jsonl` without its newline is one leaf of an RFC 9162
//! Merkle tree (§2.1.1: leaf hash `SHA-256(0x00 || line)`). After each
//! command the log writes a checkpoint: a C2SP tlog-checkpoint whose origin
//! is the key's name, signed as a C2SP signed note. Opening a log checks all
//! of it before anything is appended: every line is canonical, every
//! checkpoint is signed by `log.pub` and names the root of the lines it
//! covers, successive checkpoints are consistent (RFC 9162 §2.1.4 proofs,
//! made and verified here), and the last checkpoint covers every line.
//!
//! An event is `{"files": [...], "kind": "...", "payload": {...}}`: what
//! happened (`kind`), its data (`payload`, no fractional numbers: the
//! canonical-JSON number policy of canonical.rs), and the files it refers to
//! with their SHA-256 (`files`, each `{"bytes", "path", "sha256"}`).
//!
//! The log never reads the clock: each checkpoint's timestamp is given.

use crate::canonical::canonical_json;
use crate::checkpoint::{Checkpoint, open};
use crate::commitment::InputFile;
use crate::keys::{PrivateKey, PublicKey};
use crate::merkle::{Hash, MerkleTree};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The file of events.
pub const LOG_FILE: &str = "log.jsonl";
/// The public key file.
pub const PUBLIC_KEY_FILE: &str = "log.pub";
/// The folder of signed checkpoints.
pub const CHECKPOINT_DIR: &str = "checkpoints";

/// Event kinds written by `canvass audit` (docs/RECORD.md lists the payload of each).
pub mod kind {
    /// An input file (CVRs or manifest) and its SHA-256.
    pub const INPUT: &str = "input";
    /// The CVR commitment: the Merkle root of the canonical cards, with the manifest.
    pub const COMMITMENT: &str = "commitment";
    /// The public random seed.
    pub const SEED: &str = "seed";
    /// A round's sample.
    pub const SAMPLE: &str = "sample";
    /// A file of manual vote records and who entered it.
    pub const MVR: &str = "mvr";
    /// The risk of every contest after new records.
    pub const RISK: &str = "risk";
    /// A report published from the audit.
    pub const REPORT: &str = "report";
    /// A finding of `canvass check ... --log DIR` (its JSON in `findings/`).
    pub const FINDING: &str = "finding";
}

/// One event of the log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// What happened (see [`kind`]).
    pub kind: String,
    /// The event's data.
    pub payload: serde_json::Value,
    /// The files the event refers to, with their SHA-256.
    pub files: Vec<InputFile>,
}

impl Event {
    /// An event without files.
    pub fn new(kind: &str, payload: serde_json::Value) -> Event {
        Event {
            kind: kind.to_owned(),
            payload,
            files: Vec::new(),
        }
    }

    /// The event with `files` attached.
    pub fn with_files(mut self, files: Vec<InputFile>) -> Event {
        self.files = files;
        self
    }

    /// The file named `path`, if the event refers to it.
    pub fn file(&self, path: &str) -> Option<&InputFile> {
        self.files.iter().find(|f| f.path == path)
    }
}

/// Something wrong with a log: the file, the entry in it, and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}, {entry}: {reason}")]
pub struct LogError {
    /// The file (relative to the log's folder).
    pub file: String,
    /// The entry: `line N`, a checkpoint, or `the file`.
    pub entry: String,
    /// What is wrong.
    pub reason: String,
}

impl LogError {
    fn new(file: impl Into<String>, entry: impl Into<String>, reason: impl Into<String>) -> Self {
        LogError {
            file: file.into(),
            entry: entry.into(),
            reason: reason.into(),
        }
    }
}

/// An opened, fully checked log.
#[derive(Debug)]
pub struct Log {
    dir: PathBuf,
    key: PublicKey,
    lines: Vec<Vec<u8>>,
    tree: MerkleTree,
    checkpoints: Vec<Checkpoint>,
}

/// The file name of the checkpoint of `size` lines.
pub fn checkpoint_name(size: u64) -> String {
    format!("{CHECKPOINT_DIR}/{size:08}.note")
}

/// One event as its log line (without the newline): RFC 8785 canonical JSON.
pub fn event_line(event: &Event) -> Result<Vec<u8>, LogError> {
    canonical_json(event)
        .map_err(|e| LogError::new(LOG_FILE, "new event", format!("{} event: {e}", event.kind)))
}

fn io_err(file: &str, e: &std::io::Error) -> LogError {
    LogError::new(file, "the file", format!("cannot read or write: {e}"))
}

/// Write through a temporary file and a rename, so readers never see half a file.
fn write_atomic(path: &Path, bytes: &[u8], name: &str) -> Result<(), LogError> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp-write");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes).map_err(|e| io_err(name, &e))?;
    std::fs::rename(&tmp, path).map_err(|e| io_err(name, &e))
}

impl Log {
    /// Start a log in `dir`: writes `log.pub`, an empty `log.jsonl` and the
    /// signed checkpoint of the empty tree. Refuses when a log exists there.
    pub fn create(dir: &Path, key: &PrivateKey, timestamp: u64) -> Result<Log, LogError> {
        if dir.join(LOG_FILE).exists() || dir.join(PUBLIC_KEY_FILE).exists() {
            return Err(LogError::new(
                LOG_FILE,
                "the file",
                "a log already exists here",
            ));
        }
        std::fs::create_dir_all(dir.join(CHECKPOINT_DIR))
            .map_err(|e| io_err(CHECKPOINT_DIR, &e))?;
        let public = key.public_key();
        write_atomic(
            &dir.join(PUBLIC_KEY_FILE),
            format!("{}\n", public.to_text().trim_end()).as_bytes(),
            PUBLIC_KEY_FILE,
        )?;
        write_atomic(&dir.join(LOG_FILE), b"", LOG_FILE)?;
        let mut log = Log {
            dir: dir.to_owned(),
            key: public,
            lines: Vec::new(),
            tree: MerkleTree::new(),
            checkpoints: Vec::new(),
        };
        log.write_checkpoint(key, timestamp)?;
        Ok(log)
    }

    /// Open the log in `dir` and check all of it (see the module text).
    /// With `expected_key`, `log.pub` must be that key.
    pub fn open(dir: &Path, expected_key: Option<&PublicKey>) -> Result<Log, LogError> {
        let pub_text = std::fs::read_to_string(dir.join(PUBLIC_KEY_FILE))
            .map_err(|e| io_err(PUBLIC_KEY_FILE, &e))?;
        let key = PublicKey::from_text(pub_text.trim_end_matches('\n'))
            .map_err(|e| LogError::new(PUBLIC_KEY_FILE, "line 1", e.to_string()))?;
        if let Some(want) = expected_key
            && (want.name() != key.name() || want.as_bytes() != key.as_bytes())
        {
            return Err(LogError::new(
                PUBLIC_KEY_FILE,
                "line 1",
                format!(
                    "the log's key {} is not the expected key {}",
                    key.to_text(),
                    want.to_text()
                ),
            ));
        }
        let bytes = std::fs::read(dir.join(LOG_FILE)).map_err(|e| io_err(LOG_FILE, &e))?;
        let lines = split_lines(&bytes)?;
        let mut tree = MerkleTree::new();
        for (i, line) in lines.iter().enumerate() {
            let entry = format!("line {}", i + 1);
            let event: Event = serde_json::from_slice(line)
                .map_err(|e| LogError::new(LOG_FILE, &entry, format!("not a valid event: {e}")))?;
            let again = event_line(&event)?;
            if &again != line {
                return Err(LogError::new(
                    LOG_FILE,
                    &entry,
                    "not in RFC 8785 canonical form",
                ));
            }
            tree.push_data(line);
        }
        let checkpoints = read_checkpoints(dir, &key, &tree)?;
        Ok(Log {
            dir: dir.to_owned(),
            key,
            lines,
            tree,
            checkpoints,
        })
    }

    /// The public key of the log.
    pub fn key(&self) -> &PublicKey {
        &self.key
    }

    /// The number of events.
    pub fn size(&self) -> u64 {
        self.tree.size()
    }

    /// The Merkle root of all events.
    pub fn root(&self) -> Hash {
        self.tree.root()
    }

    /// The tree of the log's lines.
    pub fn tree(&self) -> &MerkleTree {
        &self.tree
    }

    /// The checked checkpoints, oldest first.
    pub fn checkpoints(&self) -> &[Checkpoint] {
        &self.checkpoints
    }

    /// Every event, in order (the lines were checked when the log was opened).
    pub fn events(&self) -> Result<Vec<Event>, LogError> {
        self.lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                serde_json::from_slice(l)
                    .map_err(|e| LogError::new(LOG_FILE, format!("line {}", i + 1), e.to_string()))
            })
            .collect()
    }

    /// Append events and sign a checkpoint of the new size at `timestamp`.
    /// `key` must be the log's key. Nothing is changed when an event cannot
    /// be encoded.
    pub fn append(
        &mut self,
        key: &PrivateKey,
        events: &[Event],
        timestamp: u64,
    ) -> Result<Checkpoint, LogError> {
        if key.public_key().as_bytes() != self.key.as_bytes() || key.name() != self.key.name() {
            return Err(LogError::new(
                PUBLIC_KEY_FILE,
                "line 1",
                format!(
                    "the signing key {} is not the log's key {}",
                    key.public_key().to_text(),
                    self.key.to_text()
                ),
            ));
        }
        let new: Vec<Vec<u8>> = events.iter().map(event_line).collect::<Result<_, _>>()?;
        let mut all = Vec::new();
        for l in self.lines.iter().chain(&new) {
            all.extend_from_slice(l);
            all.push(b'\n');
        }
        write_atomic(&self.dir.join(LOG_FILE), &all, LOG_FILE)?;
        for l in new {
            self.tree.push_data(&l);
            self.lines.push(l);
        }
        self.write_checkpoint(key, timestamp)
    }

    fn write_checkpoint(
        &mut self,
        key: &PrivateKey,
        timestamp: u64,
    ) -> Result<Checkpoint, LogError> {
        let size = self.tree.size();
        let name = checkpoint_name(size);
        if let Some(last) = self.checkpoints.last()
            && last.size == size
        {
            return Ok(last.clone()); // nothing new to sign
        }
        let cp = Checkpoint {
            origin: key.name().to_owned(),
            size,
            root: self.tree.root(),
            timestamp,
        };
        let note = cp
            .sign(key)
            .map_err(|e| LogError::new(&name, "the file", e.to_string()))?;
        write_atomic(&self.dir.join(&name), note.as_bytes(), &name)?;
        self.checkpoints.push(cp.clone());
        Ok(cp)
    }
}

/// Split `log.jsonl` into lines; every line must end in a newline and be non-empty.
fn split_lines(bytes: &[u8]) -> Result<Vec<Vec<u8>>, LogError> {
    if bytes.is_empty() {
        return Ok(Vec::new());
    }
    let Some(body) = bytes.strip_suffix(b"\n") else {
        let n = bytes.iter().filter(|&&b| b == b'\n').count() + 1;
        return Err(LogError::new(
            LOG_FILE,
            format!("line {n}"),
            "the last line does not end in a newline",
        ));
    };
    body.split(|&b| b == b'\n')
        .enumerate()
        .map(|(i, l)| {
            if l.is_empty() {
                Err(LogError::new(
                    LOG_FILE,
                    format!("line {}", i + 1),
                    "empty line",
                ))
            } else {
                Ok(l.to_vec())
            }
        })
        .collect()
}

/// Read and check every checkpoint against the tree of the log's lines.
fn read_checkpoints(
    dir: &Path,
    key: &PublicKey,
    tree: &MerkleTree,
) -> Result<Vec<Checkpoint>, LogError> {
    let folder = dir.join(CHECKPOINT_DIR);
    let entries = std::fs::read_dir(&folder).map_err(|e| io_err(CHECKPOINT_DIR, &e))?;
    let mut sized: Vec<(u64, String)> = Vec::new();
    for e in entries {
        let e = e.map_err(|e| io_err(CHECKPOINT_DIR, &e))?;
        let file_name = e.file_name().to_string_lossy().into_owned();
        let name = format!("{CHECKPOINT_DIR}/{file_name}");
        let size = file_name
            .strip_suffix(".note")
            .filter(|n| n.len() >= 8 && n.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|n| n.parse::<u64>().ok())
            .filter(|&n| checkpoint_name(n) == name)
            .ok_or_else(|| {
                LogError::new(
                    &name,
                    "the file name",
                    "not a checkpoint name (NNNNNNNN.note, the tree size in at least 8 digits)",
                )
            })?;
        sized.push((size, name));
    }
    sized.sort();
    let Some((last_size, last_name)) = sized.last() else {
        return Err(LogError::new(
            CHECKPOINT_DIR,
            "the folder",
            "no signed checkpoint",
        ));
    };
    if *last_size != tree.size() {
        return Err(LogError::new(
            last_name.clone(),
            "the file",
            format!(
                "the last checkpoint covers {last_size} events but {LOG_FILE} holds {}; {}",
                tree.size(),
                if *last_size < tree.size() {
                    "events were added without a signature (or a command was interrupted)"
                } else {
                    "events were removed"
                }
            ),
        ));
    }
    let mut out: Vec<Checkpoint> = Vec::new();
    for (size, name) in &sized {
        let note = std::fs::read_to_string(dir.join(name)).map_err(|e| io_err(name, &e))?;
        let cp =
            open(&note, key).map_err(|e| LogError::new(name, "the signature", e.to_string()))?;
        if cp.size != *size {
            return Err(LogError::new(
                name,
                "line 2",
                format!("the checkpoint is of {} events, not {size}", cp.size),
            ));
        }
        if cp.origin != key.name() {
            return Err(LogError::new(
                name,
                "line 1",
                format!(
                    "the origin {:?} is not the log's name {:?}",
                    cp.origin,
                    key.name()
                ),
            ));
        }
        let root = tree
            .root_at(*size)
            .map_err(|e| LogError::new(name, "line 2", e.to_string()))?;
        if cp.root != root {
            let from = out.last().map_or(1, |p| p.size + 1);
            return Err(LogError::new(
                LOG_FILE,
                format!("lines {from}..{size}"),
                format!(
                    "changed after they were signed: the first {size} lines have root {}, but {name} signs {}",
                    hex::encode(root),
                    hex::encode(cp.root)
                ),
            ));
        }
        if let Some(prev) = out.last() {
            if cp.timestamp < prev.timestamp {
                return Err(LogError::new(
                    name,
                    "line 4",
                    "the timestamp is earlier than the previous checkpoint's",
                ));
            }
            // RFC 9162 §2.1.4: the older tree is a prefix of the newer (the
            // empty tree is a prefix of every tree and has no proof).
            if prev.size == 0 {
                out.push(cp);
                continue;
            }
            let proof = tree
                .consistency_proof(prev.size, *size)
                .map_err(|e| LogError::new(name, "consistency", e.to_string()))?;
            crate::consistency_proof::verify_consistency(&proof, &prev.root, &cp.root)
                .map_err(|e| LogError::new(name, "consistency", e.to_string()))?;
        }
        out.push(cp);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key() -> PrivateKey {
        PrivateKey::from_seed("county.example/audit", &[9; 32]).unwrap_or_else(|_| unreachable!())
    }

    fn tmp() -> tempfile::TempDir {
        tempfile::tempdir().unwrap_or_else(|_| unreachable!())
    }

    fn sample_log(dir: &Path) -> Log {
        let k = key();
        let mut log = Log::create(dir, &k, 100).unwrap_or_else(|e| unreachable!("{e}"));
        let r = log.append(
            &k,
            &[
                Event::new(kind::INPUT, json!({"role": "cvrs"})),
                Event::new(kind::COMMITMENT, json!({"root": "ab"})),
            ],
            101,
        );
        assert!(r.is_ok(), "{r:?}");
        let r = log.append(&k, &[Event::new(kind::SEED, json!({"seed": "123"}))], 102);
        assert!(r.is_ok(), "{r:?}");
        log
    }

    #[test]
    fn a_log_round_trips_and_checks() {
        let d = tmp();
        let log = sample_log(d.path());
        assert_eq!(log.size(), 3);
        let again = Log::open(d.path(), Some(&key().public_key()));
        let Ok(again) = again else {
            unreachable!("{again:?}")
        };
        assert_eq!(again.root(), log.root());
        assert_eq!(again.checkpoints().len(), 3);
        let events = again.events().unwrap_or_default();
        assert_eq!(events.len(), 3);
        assert_eq!(events.first().map(|e| e.kind.as_str()), Some("input"));
        let text = std::fs::read_to_string(d.path().join(LOG_FILE)).unwrap_or_default();
        assert_eq!(
            text.lines().next(),
            Some(r#"{"files":[],"kind":"input","payload":{"role":"cvrs"}}"#)
        );
        assert!(d.path().join("checkpoints/00000003.note").exists());
    }

    #[test]
    fn a_changed_line_is_named() {
        let d = tmp();
        sample_log(d.path());
        let p = d.path().join(LOG_FILE);
        let text = std::fs::read_to_string(&p).unwrap_or_default();
        std::fs::write(&p, text.replace("123", "124")).unwrap_or_default();
        let err = Log::open(d.path(), None).err();
        let Some(err) = err else { unreachable!() };
        assert_eq!(
            (err.file.as_str(), err.entry.as_str()),
            (LOG_FILE, "lines 3..3")
        );
        assert!(
            err.reason.contains("changed after they were signed"),
            "{err}"
        );
    }

    #[test]
    fn non_canonical_lines_extra_lines_and_other_keys_are_refused() {
        let d = tmp();
        sample_log(d.path());
        let p = d.path().join(LOG_FILE);
        let text = std::fs::read_to_string(&p).unwrap_or_default();
        std::fs::write(&p, text.replacen("{\"files\"", "{ \"files\"", 1)).unwrap_or_default();
        let err = Log::open(d.path(), None).err();
        assert_eq!(err.map(|e| e.entry), Some("line 1".to_owned()));
        std::fs::write(
            &p,
            format!("{text}{}\n", r#"{"files":[],"kind":"x","payload":1}"#),
        )
        .unwrap_or_default();
        let err = Log::open(d.path(), None).err();
        assert!(
            err.as_ref()
                .is_some_and(|e| e.reason.contains("without a signature")),
            "{err:?}"
        );
        std::fs::write(&p, text).unwrap_or_default();
        let other = PrivateKey::from_seed("county.example/audit", &[8; 32])
            .unwrap_or_else(|_| unreachable!());
        let err = Log::open(d.path(), Some(&other.public_key())).err();
        assert_eq!(err.map(|e| e.file), Some(PUBLIC_KEY_FILE.to_owned()));
        let mut log = Log::open(d.path(), None).unwrap_or_else(|e| unreachable!("{e}"));
        assert!(log.append(&other, &[], 200).is_err());
    }

    #[test]
    fn a_checkpoint_signed_by_another_key_is_refused() {
        let d = tmp();
        sample_log(d.path());
        let other = PrivateKey::from_seed("county.example/audit", &[8; 32])
            .unwrap_or_else(|_| unreachable!());
        let log = Log::open(d.path(), None).unwrap_or_else(|e| unreachable!("{e}"));
        let cp = log
            .checkpoints()
            .last()
            .cloned()
            .unwrap_or_else(|| unreachable!());
        let note = cp.sign(&other).unwrap_or_default();
        std::fs::write(d.path().join("checkpoints/00000003.note"), note).unwrap_or_default();
        let err = Log::open(d.path(), None).err();
        assert_eq!(
            err.map(|e| (e.file, e.entry)),
            Some((
                "checkpoints/00000003.note".to_owned(),
                "the signature".to_owned()
            ))
        );
    }
}
