//! The published record: which files of an audit directory are public, and
//! writing them to a folder or to a POSIX ustar archive (docs/RECORD.md).
//!
//! Only the files listed here are published (an allow-list, so nothing an
//! official leaves in the audit folder, such as the private signing key,
//! can slip into the record). Archives are deterministic: entries sorted by
//! path, mode 0644, owner 0, time 0.

use anyhow::{Context, bail};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Top-level files of a record (those the audit has so far).
pub const TOP_FILES: &[&str] = &[
    "audit.json",
    "batch-tallies.csv",
    "cards.csv",
    "checkpoints",
    "commitment.json",
    "cvrs.cdf.json",
    "discrepancies.csv",
    "hand-tallies.csv",
    "hand-tally-imports.json",
    "inputs.json",
    "log.jsonl",
    "log.pub",
    "manifest.csv",
    "mvr-imports.json",
    "mvrs.csv",
    "report.txt",
    "seed.json",
    "status.json",
];

/// Is `rel` (a `/`-separated path inside the audit folder) a public file?
pub fn is_public(rel: &str) -> bool {
    let parts: Vec<&str> = rel.split('/').collect();
    match parts.as_slice() {
        [name] => *name != "checkpoints" && TOP_FILES.contains(name),
        ["checkpoints", name] => name
            .strip_suffix(".note")
            .is_some_and(|n| n.len() >= 8 && n.bytes().all(|b| b.is_ascii_digit())),
        ["mvr-files" | "hand-tally-files", name] => {
            let (stem, ext) = name.split_once('.').unwrap_or((name, ""));
            stem.len() == 4
                && stem.bytes().all(|b| b.is_ascii_digit())
                && matches!(ext, "csv" | "json")
        }
        [round, name] => {
            round
                .strip_prefix("round-")
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                && matches!(*name, "round.json" | "sample.csv" | "retrieval.csv")
        }
        _ => false,
    }
}

/// Every public file of the audit folder `dir`, as sorted relative paths.
pub fn public_files(dir: &Path) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    walk(dir, "", &mut out)?;
    out.retain(|p| is_public(p));
    out.sort();
    Ok(out)
}

fn walk(dir: &Path, prefix: &str, out: &mut Vec<String>) -> anyhow::Result<()> {
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("{}: cannot list", dir.display()))?;
    for e in entries {
        let e = e.with_context(|| format!("{}: cannot list", dir.display()))?;
        let name = e.file_name().to_string_lossy().into_owned();
        let rel = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}/{name}")
        };
        let ty = e
            .file_type()
            .with_context(|| format!("{}: cannot stat", e.path().display()))?;
        if ty.is_dir() {
            if prefix.is_empty() {
                walk(&e.path(), &rel, out)?;
            }
        } else if ty.is_file() {
            out.push(rel);
        }
    }
    Ok(())
}

/// Copy `files` of `src` into the new folder `out` (which must not exist or
/// be empty); written to `out.tmp-publish` first, then renamed.
pub fn write_folder(src: &Path, files: &[String], out: &Path) -> anyhow::Result<()> {
    check_out(out)?;
    let tmp = sibling(out, ".tmp-publish");
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp)
            .with_context(|| format!("{}: cannot remove", tmp.display()))?;
    }
    copy_files(src, files, &tmp)?;
    if out.exists() {
        std::fs::remove_dir(out).with_context(|| format!("{}: cannot replace", out.display()))?;
    }
    std::fs::rename(&tmp, out).with_context(|| format!("{}: cannot write", out.display()))
}

/// Copy `files` of `src` into the folder `to` (created when missing).
pub fn copy_files(src: &Path, files: &[String], to: &Path) -> anyhow::Result<()> {
    for f in files {
        let target = to.join(f);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("{}: cannot create", parent.display()))?;
        }
        std::fs::copy(src.join(f), &target).with_context(|| {
            format!(
                "{}: cannot copy to {}",
                src.join(f).display(),
                target.display()
            )
        })?;
    }
    Ok(())
}

fn check_out(out: &Path) -> anyhow::Result<()> {
    if out.exists() {
        let empty = out.is_dir()
            && out
                .read_dir()
                .with_context(|| format!("{}: cannot read", out.display()))?
                .next()
                .is_none();
        if !empty {
            bail!("{}: exists; publish into a new path", out.display());
        }
    }
    Ok(())
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Write `files` of `src` as a POSIX ustar archive `out` (IEEE 1003.1-1988
/// "ustar" headers of 512 bytes; data padded to 512 bytes; two zero blocks
/// at the end).
pub fn write_tar(src: &Path, files: &[String], out: &Path) -> anyhow::Result<()> {
    if out.exists() {
        bail!("{}: exists; publish into a new path", out.display());
    }
    let tmp = sibling(out, ".tmp-publish");
    let file =
        std::fs::File::create(&tmp).with_context(|| format!("{}: cannot write", tmp.display()))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
    for f in files {
        let path = src.join(f);
        let size = std::fs::metadata(&path)
            .with_context(|| format!("{}: cannot read", path.display()))?
            .len();
        w.write_all(&tar_header(f, size)?)?;
        let mut r = std::fs::File::open(&path)
            .with_context(|| format!("{}: cannot read", path.display()))?;
        let copied = std::io::copy(&mut r, &mut w)?;
        if copied != size {
            bail!("{}: changed while it was archived", path.display());
        }
        let pad = (512 - size % 512) % 512;
        w.write_all(&vec![0u8; pad as usize])?;
    }
    w.write_all(&[0u8; 1024])?;
    w.into_inner()
        .map_err(|e| e.into_error())
        .and_then(|f| f.sync_all())
        .with_context(|| format!("{}: cannot write", tmp.display()))?;
    std::fs::rename(&tmp, out).with_context(|| format!("{}: cannot write", out.display()))
}

fn octal(field: &mut [u8], value: u64) -> anyhow::Result<()> {
    let digits = field.len() - 1;
    let text = format!("{value:0digits$o}");
    if text.len() > digits {
        bail!("{value} does not fit in a tar header field");
    }
    if let Some(f) = field.get_mut(..digits) {
        f.copy_from_slice(text.as_bytes());
    }
    Ok(())
}

fn tar_header(name: &str, size: u64) -> anyhow::Result<[u8; 512]> {
    let mut h = [0u8; 512];
    if name.len() > 100 {
        bail!("{name}: the path is longer than a tar header holds (100 bytes)");
    }
    h[..name.len()].copy_from_slice(name.as_bytes());
    octal(&mut h[100..108], 0o644)?; // mode
    octal(&mut h[108..116], 0)?; // uid
    octal(&mut h[116..124], 0)?; // gid
    octal(&mut h[124..136], size)?; // size
    octal(&mut h[136..148], 0)?; // mtime
    h[156] = b'0'; // a regular file
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    // The checksum: the sum of the header's bytes with the checksum field
    // taken as eight spaces, in six octal digits, a NUL and a space.
    h[148..156].copy_from_slice(b"        ");
    let sum: u64 = h.iter().map(|&b| u64::from(b)).sum();
    let text = format!("{sum:06o}\0 ");
    h[148..156].copy_from_slice(text.as_bytes());
    Ok(h)
}

/// Extract a ustar archive written by [`write_tar`] (regular files only,
/// relative paths without `..`) into the folder `out`.
pub fn extract_tar(archive: &Path, out: &Path) -> anyhow::Result<()> {
    let name = archive.display().to_string();
    let mut r = std::io::BufReader::new(
        std::fs::File::open(archive).with_context(|| format!("{name}: cannot read"))?,
    );
    let mut entry = 0u64;
    loop {
        let mut h = [0u8; 512];
        r.read_exact(&mut h)
            .with_context(|| format!("{name}: truncated archive after entry {entry}"))?;
        if h.iter().all(|&b| b == 0) {
            return Ok(());
        }
        entry += 1;
        let text = |range: std::ops::Range<usize>| -> String {
            let f = h.get(range).unwrap_or_default();
            let end = f.iter().position(|&b| b == 0).unwrap_or(f.len());
            String::from_utf8_lossy(f.get(..end).unwrap_or_default()).into_owned()
        };
        let path = text(0..100);
        let prefix = text(345..500);
        let path = if prefix.is_empty() {
            path
        } else {
            format!("{prefix}/{path}")
        };
        let size = u64::from_str_radix(text(124..136).trim(), 8)
            .with_context(|| format!("{name}, entry {entry} ({path}): bad size field"))?;
        let stored: u64 = u64::from_str_radix(text(148..156).trim(), 8)
            .with_context(|| format!("{name}, entry {entry} ({path}): bad checksum field"))?;
        let mut blank = h;
        blank[148..156].copy_from_slice(b"        ");
        if blank.iter().map(|&b| u64::from(b)).sum::<u64>() != stored {
            bail!("{name}, entry {entry} ({path}): the header checksum does not match");
        }
        let kind = h[156];
        let safe = !path.is_empty()
            && !path.starts_with('/')
            && path.split('/').all(|c| !c.is_empty() && c != "..");
        if !safe {
            bail!("{name}, entry {entry}: unsafe path {path:?}");
        }
        let pad = (512 - size % 512) % 512;
        match kind {
            b'0' | 0 => {
                let to = out.join(&path);
                if let Some(parent) = to.parent() {
                    std::fs::create_dir_all(parent)
                        .with_context(|| format!("{}: cannot create", parent.display()))?;
                }
                let mut f = std::fs::File::create(&to)
                    .with_context(|| format!("{}: cannot write", to.display()))?;
                let copied = std::io::copy(&mut (&mut r).take(size), &mut f)?;
                if copied != size {
                    bail!("{name}, entry {entry} ({path}): truncated");
                }
            }
            b'5' => {
                std::io::copy(&mut (&mut r).take(size), &mut std::io::sink())?;
            }
            other => bail!(
                "{name}, entry {entry} ({path}): entry type {:?} is not a file",
                char::from(other)
            ),
        }
        std::io::copy(&mut (&mut r).take(pad), &mut std::io::sink())?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_files_are_an_allow_list() {
        for p in [
            "audit.json",
            "log.jsonl",
            "checkpoints/00000003.note",
            "round-2/sample.csv",
            "mvr-files/0001.csv",
        ] {
            assert!(is_public(p), "{p}");
        }
        for p in [
            "log.key",
            "log-key.path",
            "audit.db",
            "audit.db-wal",
            "audit.db-shm",
            "checkpoints",
            "notes.txt",
            "round-1/notes.csv",
            "mvrs.csv.tmp-write",
            "checkpoints/1.note",
        ] {
            assert!(!is_public(p), "{p}");
        }
    }

    #[test]
    fn tar_round_trips() {
        let d = tempfile::tempdir().unwrap_or_else(|_| unreachable!());
        let src = d.path().join("src");
        std::fs::create_dir_all(src.join("round-1")).unwrap_or_default();
        std::fs::write(src.join("audit.json"), b"{}\n").unwrap_or_default();
        std::fs::write(src.join("round-1/sample.csv"), vec![b'x'; 1000]).unwrap_or_default();
        std::fs::write(src.join("log.key"), b"secret").unwrap_or_default();
        let files = public_files(&src).unwrap_or_default();
        assert_eq!(files, vec!["audit.json", "round-1/sample.csv"]);
        let tar = d.path().join("r.tar");
        assert!(write_tar(&src, &files, &tar).is_ok());
        let len = std::fs::metadata(&tar).map(|m| m.len()).unwrap_or(0);
        assert_eq!(len, 512 + 512 + 512 + 1024 + 1024);
        let out = d.path().join("out");
        let r = extract_tar(&tar, &out);
        assert!(r.is_ok(), "{r:?}");
        assert_eq!(
            std::fs::read(out.join("round-1/sample.csv")).unwrap_or_default(),
            vec![b'x'; 1000]
        );
        assert!(!out.join("log.key").exists());
    }
}
