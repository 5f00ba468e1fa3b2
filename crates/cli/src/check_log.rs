//! `canvass check ... --evidence-log DIR`: put a finding into an evidence log.
//!
//! DIR is an audit directory (`canvass audit create`) or any folder; a
//! folder without a log gets one, signed by a key generated into
//! `DIR/log.key`, exactly as `audit create` makes it ([`AuditLog`]). The
//! finding's JSON is saved as `DIR/findings/NNNNNNNN-CHECK.json` (NNNNNNNN
//! the event's number) and a `finding` event naming it with its SHA-256 is
//! appended, with its summary as the payload, and a new checkpoint is
//! signed. `canvass verify` checks the file against the log as it checks
//! every file a log names.

use std::path::Path;

use anyhow::Context;
use canvass_checks::finding::Finding;
use canvass_evidence::log::{Event, LOG_FILE, kind};

use crate::audit_log::{AuditLog, file_ref};

/// The folder of logged findings inside the log's folder.
pub const FINDINGS_DIR: &str = "findings";

/// What was logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    /// The event's number (1-based).
    pub event: u64,
    /// The saved finding, relative to the log's folder.
    pub file: String,
    /// Its SHA-256.
    pub sha256: String,
}

/// The `finding` event's payload: what the finding says, without its
/// figures (the log's payloads hold no fractional numbers; the figures
/// are in the file the event names).
pub fn payload(f: &Finding) -> serde_json::Value {
    let inputs: Vec<serde_json::Value> = f
        .inputs
        .iter()
        .map(|i| {
            // The file name only: folders on the official's machine stay private.
            let name = Path::new(&i.path)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            serde_json::json!({"role": i.role, "name": name, "sha256": i.sha256, "bytes": i.bytes})
        })
        .collect();
    let cases = match f.status {
        canvass_checks::finding::Status::Supported { cases } => cases,
        _ => 0,
    };
    serde_json::json!({
        "schema": f.schema,
        "check": f.check,
        "allegation": f.allegation,
        "status": f.status.to_string(),
        "cases": cases,
        "failures": f.failures.len() as u64,
        "inputs": inputs,
        "reproduce": f.reproduce,
    })
}

/// Save `finding` into the log in `dir` (made when absent) and append its
/// event under a new signed checkpoint.
/// In an audit directory the finding is a step of its store (`audit_store`).
pub fn log_finding(dir: &Path, finding: &Finding) -> anyhow::Result<Logged> {
    if dir.join(crate::audit_store::STORE_FILE).exists() {
        return crate::audit_store::AuditStore::open(dir)?.step("finding", "canvass check", |_| {
            Ok((
                log_finding_files(dir, finding)?,
                crate::audit_store::StepRecords::default(),
            ))
        });
    }
    log_finding_files(dir, finding)
}

fn log_finding_files(dir: &Path, finding: &Finding) -> anyhow::Result<Logged> {
    let mut log = if dir.join(LOG_FILE).exists() {
        AuditLog::open(dir)?
    } else {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("{}: cannot create the log folder", dir.display()))?;
        AuditLog::create(dir, None)?
    };
    let number = log.size() + 1;
    let check: String = finding
        .check
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    let rel = format!("{FINDINGS_DIR}/{number:08}-{check}.json");
    std::fs::create_dir_all(dir.join(FINDINGS_DIR))
        .with_context(|| format!("{}: cannot create", dir.join(FINDINGS_DIR).display()))?;
    crate::audit_dir::write_atomic(&dir.join(&rel), finding.to_json().as_bytes())?;
    let file = file_ref(dir, &rel)?;
    let sha256 = file.sha256.clone();
    log.append(&[Event::new(kind::FINDING, payload(finding)).with_files(vec![file])])?;
    Ok(Logged {
        event: number,
        file: rel,
        sha256,
    })
}

/// [`log_finding`] when `dir` is given, saying on stderr what was logged.
pub fn log_if_asked(dir: Option<&Path>, finding: &Finding) -> anyhow::Result<()> {
    if let Some(dir) = dir {
        let l = log_finding(dir, finding)
            .with_context(|| format!("logging the finding in {}", dir.display()))?;
        eprintln!(
            "logged the finding as event {} of {} ({}, sha256 {}); checkpoint signed",
            l.event,
            dir.join(LOG_FILE).display(),
            l.file,
            l.sha256
        );
    }
    Ok(())
}
