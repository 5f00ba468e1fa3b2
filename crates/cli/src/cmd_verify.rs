//! `canvass verify RECORD [--key PUB]`: recompute everything in a published
//! record (a folder or a `.tar` from `canvass publish`) and print a clear
//! PASS, or every failure with its file and entry (exit status 1).

use anyhow::{Context, bail};
use canvass_evidence::keys::PublicKey;
use canvass_verify::record::extract_tar;
use canvass_verify::verify_record;
use std::path::{Path, PathBuf};

/// Arguments of `canvass verify`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The record: a folder, or a .tar archive.
    record: PathBuf,
    /// The public key the jurisdiction published (`canvass keys generate`'s
    /// PREFIX.pub); without it the key in the record's log.pub is used.
    #[arg(long, value_name = "PUB")]
    key: Option<PathBuf>,
}

/// Run `canvass verify`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let key = match &args.key {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("{}: cannot read", p.display()))?;
            Some(PublicKey::from_text(text.trim_end()).with_context(|| p.display().to_string())?)
        }
        None => None,
    };
    if args.record.is_file() {
        let tmp = std::env::temp_dir().join(format!("canvass-verify-{}", std::process::id()));
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp)
                .with_context(|| format!("{}: cannot remove", tmp.display()))?;
        }
        let result =
            extract_tar(&args.record, &tmp).and_then(|()| check(&tmp, &args.record, key.as_ref()));
        let _ = std::fs::remove_dir_all(&tmp);
        return result;
    }
    check(&args.record, &args.record, key.as_ref())
}

fn check(dir: &Path, shown: &Path, key: Option<&PublicKey>) -> anyhow::Result<()> {
    let report = verify_record(dir, key);
    for p in &report.passed {
        println!("ok    {p}");
    }
    for n in &report.notes {
        println!("note  {n}");
    }
    for f in &report.failures {
        println!("FAIL  {f}");
    }
    if report.ok() {
        println!(
            "PASS: {} verified ({} checks)",
            shown.display(),
            report.passed.len()
        );
        Ok(())
    } else {
        bail!(
            "FAIL: {} does not verify: {} problem(s), the first: {}",
            shown.display(),
            report.failures.len(),
            report
                .failures
                .first()
                .map(ToString::to_string)
                .unwrap_or_default()
        )
    }
}
