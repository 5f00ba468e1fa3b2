//! The audit's event log (`canvass_evidence::log`) as `canvass audit` keeps
//! it: which key signs, when, and the events each command appends.
//!
//! The signing key is `--key KEYFILE` at `audit create` (its path is kept in
//! `DIR/log-key.path`), or a key generated into `DIR/log.key` (mode 0600).
//! Neither file is ever published. Checkpoint times are the clock's, or
//! `SOURCE_DATE_EPOCH` when it is set (for reproducible records).

use crate::audit_dir::{
    COMMITMENT_FILE, CVRS_FILE, Inputs, MANIFEST_FILE, MVR_FILES_DIR, sha256_hex,
};
use anyhow::{Context, bail};
use canvass_evidence::commitment::{
    CardCommitter, CommitmentRecord, InputFile, card_leaf_hash, card_leaf_hashes,
};
use canvass_evidence::keys::PrivateKey;
use canvass_evidence::log::{Event, Log, kind};
use canvass_formats::cdf_json_writer::CdfJsonWriter;
use canvass_formats::{Format, SourceOptions, read_paths};
use canvass_model::{Card, Election};
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The generated signing key, when no `--key` was given.
pub const KEY_FILE: &str = "log.key";
/// The path of the signing key given with `--key`.
pub const KEY_PATH_FILE: &str = "log-key.path";
/// The name of a generated key (and of the log, in its checkpoints).
pub const DEFAULT_LOG_NAME: &str = "canvass-audit";

/// The log of an audit directory with its signing key.
pub struct AuditLog {
    log: Log,
    key: PrivateKey,
}

/// Seconds since 1970: `SOURCE_DATE_EPOCH` when set, else the clock.
pub fn now() -> anyhow::Result<u64> {
    if let Ok(v) = std::env::var("SOURCE_DATE_EPOCH") {
        return v
            .trim()
            .parse()
            .with_context(|| format!("SOURCE_DATE_EPOCH={v:?} is not a whole number of seconds"));
    }
    Ok(std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0))
}

/// `{path, sha256, bytes}` of the file `rel` of `dir`, named by `rel`.
pub fn file_ref(dir: &Path, rel: &str) -> anyhow::Result<InputFile> {
    let bytes = std::fs::read(dir.join(rel)).with_context(|| format!("{}: cannot read", rel))?;
    Ok(InputFile {
        path: rel.to_owned(),
        sha256: sha256_hex(&bytes),
        bytes: bytes.len() as u64,
    })
}

fn read_key(path: &Path) -> anyhow::Result<PrivateKey> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read the signing key", path.display()))?;
    PrivateKey::from_text(text.trim_end()).with_context(|| format!("{}", path.display()))
}

impl AuditLog {
    /// Start the log of a new audit in `dir`, signed by the key in
    /// `key_file` or by a new key written to `dir/log.key`.
    pub fn create(dir: &Path, key_file: Option<&Path>) -> anyhow::Result<AuditLog> {
        let key = match key_file {
            Some(p) => {
                let key = read_key(p)?;
                let abs: PathBuf = std::path::absolute(p)
                    .with_context(|| format!("{}: cannot resolve", p.display()))?;
                crate::audit_dir::write_atomic(
                    &dir.join(KEY_PATH_FILE),
                    format!("{}\n", abs.display()).as_bytes(),
                )?;
                key
            }
            None => {
                // The operating system's randomness: a fresh key for this log.
                let key = PrivateKey::generate(DEFAULT_LOG_NAME, &mut rand_core::OsRng)?;
                write_secret(&dir.join(KEY_FILE), key.to_text().as_bytes())?;
                key
            }
        };
        let log = Log::create(dir, &key, now()?)?;
        Ok(AuditLog { log, key })
    }

    /// Open the log of `dir` and check all of it (signatures, roots,
    /// consistency of successive checkpoints) before anything is appended.
    pub fn open(dir: &Path) -> anyhow::Result<AuditLog> {
        let key_path = if dir.join(KEY_PATH_FILE).exists() {
            let text = std::fs::read_to_string(dir.join(KEY_PATH_FILE))
                .with_context(|| format!("{}: cannot read", dir.join(KEY_PATH_FILE).display()))?;
            PathBuf::from(text.trim_end())
        } else {
            dir.join(KEY_FILE)
        };
        let key = read_key(&key_path)?;
        let log = Log::open(dir, Some(&key.public_key()))
            .with_context(|| format!("{}: the audit log does not verify", dir.display()))?;
        Ok(AuditLog { log, key })
    }

    /// The events so far.
    pub fn events(&self) -> anyhow::Result<Vec<Event>> {
        Ok(self.log.events()?)
    }

    /// Append events and sign a checkpoint.
    pub fn append(&mut self, events: &[Event]) -> anyhow::Result<()> {
        self.log.append(&self.key, events, now()?)?;
        Ok(())
    }

    /// The number of events.
    pub fn size(&self) -> u64 {
        self.log.size()
    }
}

/// The commitment rule: the seed is accepted only after the CVR commitment
/// is in the log. Returns the committed root.
pub fn require_commitment(events: &[Event]) -> anyhow::Result<String> {
    match events.iter().find(|e| e.kind == kind::COMMITMENT) {
        Some(e) => Ok(e
            .payload
            .get("root")
            .and_then(|r| r.as_str())
            .unwrap_or_default()
            .to_owned()),
        None => bail!(
            "the seed is refused: the log holds no CVR commitment yet. The Merkle root of the canonical CVRs and the manifest must be logged (and published) before the seed is chosen, so that no CVR can be changed once the sample is known"
        ),
    }
}

/// Check a board or role id: letters, digits, `.`, `_`, `-`, at most 64
/// characters (role ids only: no personal names enter the record).
pub fn check_role_id(id: &str) -> anyhow::Result<()> {
    if id.is_empty()
        || id.len() > 64
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    {
        bail!(
            "--entered-by {id:?}: give a role id such as BOARD-1 (letters, digits, '.', '_', '-', at most 64), not a person's name"
        );
    }
    Ok(())
}

/// Create `path` with mode 0600 (never overwriting) and write `bytes`.
fn write_secret(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(bytes)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// What `audit create` committed to.
pub struct Commitment {
    /// The number of cards (the tree size).
    pub cards: u64,
    /// The Merkle root, hex.
    pub root: String,
    /// The commitment record (`commitment.json` and the log event's payload).
    pub payload: serde_json::Value,
}

/// Write the canonical CVR file and the manifest copy into `dir`, read the
/// CVR file back and commit to its cards: the RFC 9162 root over their
/// canonical leaves (`canvass_evidence::commitment`). Every card read back
/// must have the leaf of the card it was written from, so the commitment
/// covers exactly the cards the audit uses. Writes `commitment.json`.
pub fn commit(
    dir: &Path,
    election: &Election,
    cards: &[Card],
    manifest: &Path,
) -> anyhow::Result<Commitment> {
    let cvrs_path = dir.join(CVRS_FILE);
    let tmp = dir.join("cvrs.cdf.json.tmp-write");
    {
        let file = std::fs::File::create(&tmp)
            .with_context(|| format!("{}: cannot write", tmp.display()))?;
        let mut w = CdfJsonWriter::new(
            std::io::BufWriter::with_capacity(1 << 20, file),
            Some(election),
        )?;
        for card in cards {
            w.write_card(election, card)?;
        }
        w.finish(election)?
            .flush()
            .with_context(|| format!("{}: cannot write", tmp.display()))?;
    }
    std::fs::rename(&tmp, &cvrs_path)
        .with_context(|| format!("{}: cannot write", cvrs_path.display()))?;
    std::fs::copy(manifest, dir.join(MANIFEST_FILE))
        .with_context(|| format!("{}: cannot copy", manifest.display()))?;
    let expected = card_leaf_hashes(election, cards)?;
    let mut committer = CardCommitter::new();
    let mut read = Election::default();
    let mut index = 0usize;
    let mut mismatch: Option<String> = None;
    read_paths(
        std::slice::from_ref(&cvrs_path),
        Some(Format::CdfJson),
        &SourceOptions::default(),
        &mut read,
        &mut |e, card| {
            if mismatch.is_none() {
                let leaf = card_leaf_hash(e, &card).ok();
                if leaf.is_none() || leaf.as_ref() != expected.get(index) {
                    mismatch = Some(card.id.to_string());
                }
            }
            index += 1;
            committer.push(e, card).map_err(|err| {
                canvass_formats::FormatError::invalid(
                    canvass_formats::Location {
                        file: CVRS_FILE.into(),
                        record: Some(index as u64),
                        field: None,
                    },
                    err.to_string(),
                )
            })
        },
    )?;
    if let Some(id) = mismatch {
        bail!(
            "{CVRS_FILE}: card {id:?} does not read back as it was written; the CVRs cannot be committed in this form"
        );
    }
    let (count, root) = committer.finish(&read)?;
    if count != cards.len() as u64 {
        bail!(
            "{CVRS_FILE}: {count} cards read back, {} written",
            cards.len()
        );
    }
    let record = CommitmentRecord::new(count, &root, vec![file_ref(dir, CVRS_FILE)?]);
    let mut payload = serde_json::to_value(&record)?;
    if let Some(obj) = payload.as_object_mut() {
        obj.insert(
            "manifest".into(),
            serde_json::to_value(file_ref(dir, MANIFEST_FILE)?)?,
        );
    }
    let bytes = canvass_evidence::canonical::to_canonical_json(&payload)?;
    crate::audit_dir::write_atomic(&dir.join(COMMITMENT_FILE), &bytes)?;
    Ok(Commitment {
        cards: count,
        root: hex::encode(root),
        payload,
    })
}

/// The events of `audit create`: each input file, then the commitment.
pub fn create_events(
    dir: &Path,
    inputs: &Inputs,
    commitment: &Commitment,
) -> anyhow::Result<Vec<Event>> {
    let mut events = Vec::new();
    let name_only = |f: &crate::audit_dir::InputFile| InputFile {
        // The file name only: folders on the official's machine stay private.
        path: Path::new(&f.path)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        sha256: f.sha256.clone(),
        bytes: f.bytes,
    };
    for f in &inputs.cvrs {
        events.push(
            Event::new(
                kind::INPUT,
                serde_json::json!({"role": "cvrs", "format": inputs.format}),
            )
            .with_files(vec![name_only(f)]),
        );
    }
    events.push(
        Event::new(kind::INPUT, serde_json::json!({"role": "manifest"}))
            .with_files(vec![name_only(&inputs.manifest)]),
    );
    let mut files = Vec::new();
    for f in [
        CVRS_FILE,
        MANIFEST_FILE,
        COMMITMENT_FILE,
        "audit.json",
        "cards.csv",
        "inputs.json",
    ] {
        files.push(file_ref(dir, f)?);
    }
    events.push(Event::new(kind::COMMITMENT, commitment.payload.clone()).with_files(files));
    Ok(events)
}

/// Keep a copy of the MVR file taken in as `mvr-files/NNNN.<ext>` (NNNN the
/// import's number); returns its path relative to `dir`.
pub fn keep_mvr_file(dir: &Path, file: &Path, number: usize) -> anyhow::Result<String> {
    let ext = match file.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("json") => "json",
        _ => "csv",
    };
    let rel = format!("{MVR_FILES_DIR}/{number:04}.{ext}");
    std::fs::create_dir_all(dir.join(MVR_FILES_DIR))
        .with_context(|| format!("{}: cannot create", dir.join(MVR_FILES_DIR).display()))?;
    let bytes = std::fs::read(file).with_context(|| format!("{}: cannot read", file.display()))?;
    crate::audit_dir::write_atomic(&dir.join(&rel), &bytes)?;
    Ok(rel)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_needs_the_commitment() {
        let err = require_commitment(&[Event::new(kind::INPUT, serde_json::json!({}))]);
        assert!(err.is_err_and(|e| e.to_string().contains("no CVR commitment")),);
        let ok = require_commitment(&[Event::new(
            kind::COMMITMENT,
            serde_json::json!({"root": "ab"}),
        )]);
        assert_eq!(ok.ok(), Some("ab".to_owned()));
    }

    #[test]
    fn role_ids_only() {
        assert!(check_role_id("BOARD-1").is_ok());
        assert!(check_role_id("Jane Doe").is_err());
        assert!(check_role_id("").is_err());
    }
}
