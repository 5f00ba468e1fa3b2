//! `canvass keys generate --out PREFIX [--name NAME]`: a new Ed25519 key pair
//! for signing checkpoints, written as `PREFIX.key` (private, mode 0600) and
//! `PREFIX.pub` in the C2SP signed-note key format (see
//! `canvass_evidence::keys`).

use anyhow::{Context, bail};
use canvass_evidence::keys::PrivateKey;
use clap::{Args, Subcommand};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Manage signing keys.
#[derive(Args)]
pub struct KeysArgs {
    #[command(subcommand)]
    command: KeysCommand,
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Generate a key pair: PREFIX.key (private, mode 0600) and PREFIX.pub.
    Generate {
        /// Path prefix of the two files.
        #[arg(long, value_name = "PREFIX")]
        out: PathBuf,
        /// The key's name, as it appears in signature lines (no spaces, no
        /// '+'); by default the file name of PREFIX.
        #[arg(long)]
        name: Option<String>,
    },
}

/// Run `canvass keys`.
pub fn run(args: KeysArgs) -> anyhow::Result<()> {
    match args.command {
        KeysCommand::Generate { out, name } => generate(&out, name.as_deref()),
    }
}

fn generate(prefix: &Path, name: Option<&str>) -> anyhow::Result<()> {
    let name = match name {
        Some(n) => n.to_owned(),
        None => prefix
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_owned)
            .with_context(|| {
                format!(
                    "cannot take a key name from {}; give --name",
                    prefix.display()
                )
            })?,
    };
    let key_path = with_suffix(prefix, ".key");
    let pub_path = with_suffix(prefix, ".pub");
    for p in [&key_path, &pub_path] {
        if p.exists() {
            bail!(
                "{} already exists; refusing to overwrite a key",
                p.display()
            );
        }
    }
    // The operating system's randomness: the only place canvass draws it.
    let key = PrivateKey::generate(&name, &mut rand_core::OsRng)?;
    write_new(&key_path, key.to_text().as_bytes(), 0o600)?;
    write_new(&pub_path, key.public_key().to_text().as_bytes(), 0o644)?;
    println!("private key: {} (keep it secret)", key_path.display());
    println!("public key:  {}", pub_path.display());
    print!("{}", key.public_key().to_text());
    Ok(())
}

fn with_suffix(prefix: &Path, suffix: &str) -> PathBuf {
    let mut s = prefix.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Create `path` (never overwriting) with `mode` on Unix, and write `bytes`.
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
