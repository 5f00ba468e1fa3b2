//! `canvass publish AUDIT_DIR OUT [--tar]`: write the audit's reports
//! (`report.txt`, `status.json`, `discrepancies.csv`), log them with a signed
//! checkpoint, and copy the public files into the record OUT (a folder, or a
//! ustar archive with `--tar`). docs/RECORD.md describes the record.

use crate::audit_dir::{Audit, discrepancies_csv, status_json, write_atomic};
use crate::audit_log::{self, AuditLog};
use crate::cmd_audit;
use anyhow::bail;
use canvass_evidence::log::{Event, kind};
use canvass_verify::record::{public_files, write_folder, write_tar};
use std::path::{Path, PathBuf};

/// Arguments of `canvass publish`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The audit directory.
    audit_dir: PathBuf,
    /// Where to write the record (a new folder, or a new .tar file with --tar).
    out: PathBuf,
    /// Write a POSIX ustar archive instead of a folder.
    #[arg(long)]
    tar: bool,
}

/// Run `canvass publish`.
pub fn run(args: Args) -> anyhow::Result<()> {
    publish(&args.audit_dir, &args.out, args.tar)
}

/// Write the reports, log them, and copy the public files to `out`.
pub(crate) fn publish(dir: &Path, out: &Path, tar: bool) -> anyhow::Result<()> {
    let (public, events) = write_reports(dir)?;
    if tar {
        write_tar(dir, &public, out)?;
    } else {
        write_folder(dir, &public, out)?;
    }
    println!(
        "published {} files to {} (log: {events} events, signed); check it with `canvass verify {}`",
        public.len(),
        out.display(),
        out.display()
    );
    Ok(())
}

/// Write the reports into the audit folder and log them with a signed
/// checkpoint; returns the public files and the number of log events.
pub(crate) fn write_reports(dir: &Path) -> anyhow::Result<(Vec<String>, u64)> {
    crate::audit_store::AuditStore::open(dir)?.step("publish", "canvass publish", |_| {
        Ok((
            write_report_files(dir)?,
            crate::audit_store::StepRecords::default(),
        ))
    })
}

fn write_report_files(dir: &Path) -> anyhow::Result<(Vec<String>, u64)> {
    if crate::batch_dir::is_batch_audit(dir) {
        let mut log = AuditLog::open(dir)?;
        crate::cmd_audit_batch::write_reports(dir, &mut log)?;
        return Ok((public_files(dir)?, log.size()));
    }
    let audit = Audit::open(dir)?;
    let mut log = AuditLog::open(dir)?;
    if audit.seed.is_none() {
        bail!(
            "{}: nothing to publish yet beyond the commitment; record the seed first",
            dir.display()
        );
    }
    let statuses = cmd_audit::statuses(&audit);
    write_atomic(
        &dir.join("report.txt"),
        cmd_audit::status_report(&audit, false)?.as_bytes(),
    )?;
    write_atomic(&dir.join("status.json"), &status_json(&audit, &statuses)?)?;
    write_atomic(&dir.join("discrepancies.csv"), &discrepancies_csv(&audit)?)?;
    let mut files = Vec::new();
    for f in ["report.txt", "status.json", "discrepancies.csv"] {
        files.push(audit_log::file_ref(dir, f)?);
    }
    log.append(&[Event::new(
        kind::REPORT,
        serde_json::json!({"round": audit.current().map_or(0, |r| r.round)}),
    )
    .with_files(files)])?;
    Ok((public_files(dir)?, log.size()))
}
