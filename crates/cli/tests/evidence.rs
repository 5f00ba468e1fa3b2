//! CLI tests of `canvass keys` and `canvass commit`, running the real binary.

use canvass_evidence::checkpoint::{Checkpoint, open};
use canvass_evidence::keys::{PrivateKey, PublicKey};
use std::path::Path;
use std::process::{Command, Output};

fn canvass(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_canvass"))
        .args(args)
        .output()
        .unwrap_or_else(|e| unreachable!("cannot run canvass: {e}"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| unreachable!("{}: {e}", path.display()))
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"))
}

#[test]
fn keys_generate_writes_a_private_key_0600_and_its_public_key() {
    let dir = tempdir();
    let prefix = dir.path().join("county");
    let prefix = prefix.to_string_lossy();
    let out = canvass(&[
        "keys",
        "generate",
        "--out",
        &prefix,
        "--name",
        "county.example/2026",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));

    let key_path = dir.path().join("county.key");
    let pub_path = dir.path().join("county.pub");
    let private = PrivateKey::from_text(&read(&key_path));
    let public = PublicKey::from_text(&read(&pub_path));
    let (Ok(private), Ok(public)) = (private, public) else {
        unreachable!("key files do not parse");
    };
    assert_eq!(private.public_key(), public);
    assert_eq!(public.name(), "county.example/2026");
    assert!(text(&out.stdout).contains(read(&pub_path).trim()));

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_path).map(|m| m.permissions().mode() & 0o777);
        assert_eq!(mode.ok(), Some(0o600));
    }

    // The key signs a checkpoint that the public key file verifies.
    let cp = Checkpoint {
        origin: "county.example/2026".into(),
        size: 1,
        root: [3; 32],
        timestamp: 5,
    };
    let note = cp.sign(&private).unwrap_or_default();
    assert_eq!(open(&note, &public), Ok(cp));
}

#[test]
fn keys_generate_takes_the_name_from_the_prefix() {
    let dir = tempdir();
    let prefix = dir.path().join("audit-log");
    let out = canvass(&["keys", "generate", "--out", &prefix.to_string_lossy()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let public = PublicKey::from_text(&read(&dir.path().join("audit-log.pub")));
    assert_eq!(
        public.map(|p| p.name().to_owned()).ok().as_deref(),
        Some("audit-log")
    );
}

#[test]
fn keys_generate_never_overwrites_a_key() {
    let dir = tempdir();
    let prefix = dir.path().join("k");
    let prefix = prefix.to_string_lossy();
    assert!(
        canvass(&["keys", "generate", "--out", &prefix])
            .status
            .success()
    );
    let before = read(&dir.path().join("k.key"));
    let out = canvass(&["keys", "generate", "--out", &prefix]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("already exists"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(read(&dir.path().join("k.key")), before);
}

#[test]
fn keys_generate_refuses_a_name_with_a_space() {
    let dir = tempdir();
    let prefix = dir.path().join("k");
    let out = canvass(&[
        "keys",
        "generate",
        "--out",
        &prefix.to_string_lossy(),
        "--name",
        "my key",
    ]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("not allowed"),
        "{}",
        text(&out.stderr)
    );
    assert!(!dir.path().join("k.key").exists());
}

#[test]
fn commit_of_a_missing_file_names_the_file() {
    let dir = tempdir();
    let missing = dir.path().join("no-such-cvr.json");
    let out = canvass(&["commit", &missing.to_string_lossy()]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("no-such-cvr.json"), "{err}");
}

#[test]
fn commit_of_an_unreadable_file_fails_with_the_readers_error() {
    let dir = tempdir();
    let garbage = dir.path().join("garbage.bin");
    std::fs::write(&garbage, [0u8, 159, 146, 150, 255, 1, 2]).unwrap_or_default();
    let out = canvass(&["commit", &garbage.to_string_lossy()]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("garbage.bin"), "{err}");
    assert!(out.stdout.is_empty(), "no root is printed on error");
}

#[test]
fn bench_commit_is_deterministic() {
    let run = || text(&canvass(&["bench-commit", "--cards", "2000"]).stdout);
    let root = |s: &str| {
        s.lines()
            .find(|l| l.starts_with("root:"))
            .map(str::to_owned)
    };
    let (a, b) = (run(), run());
    assert!(root(&a).is_some(), "{a}");
    assert_eq!(root(&a), root(&b));
}
