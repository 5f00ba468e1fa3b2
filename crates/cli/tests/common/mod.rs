//! What the end-to-end tests of `canvass audit`, `publish` and `verify`
//! share: running the binary, the example election of `tests/data/audit`
//! and a simulated audit board that reads the paper truthfully.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// How a test runs the `canvass` binary: with these environment variables
/// set (on top of the test runner's own).
#[derive(Clone, Copy)]
pub struct Canvass {
    env: &'static [(&'static str, &'static str)],
}

/// Backtraces off, so that an error reads the same whatever `RUST_BACKTRACE`
/// the runner has.
pub const QUIET: Canvass =
    Canvass::with_env(&[("RUST_BACKTRACE", "0"), ("RUST_LIB_BACKTRACE", "0")]);

impl Canvass {
    /// Runs with `env` set.
    pub const fn with_env(env: &'static [(&'static str, &'static str)]) -> Self {
        Self { env }
    }

    /// `canvass ARGS`, whatever its outcome.
    pub fn run(&self, args: &[&str]) -> Output {
        let out = Command::new(env!("CARGO_BIN_EXE_canvass"))
            .args(args)
            .envs(self.env.iter().copied())
            .output();
        match out {
            Ok(o) => o,
            Err(e) => unreachable!("cannot run canvass: {e}"),
        }
    }

    /// `canvass ARGS`, which must succeed; its standard output.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "canvass {args:?} failed: {stderr}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `canvass ARGS`, which must fail; its standard error.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(!out.status.success(), "canvass {args:?} should fail");
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    /// `canvass ARGS`, which must fail; its standard output then its
    /// standard error (what `verify` says is on both).
    pub fn fails_output(&self, args: &[&str]) -> String {
        let out = self.run(args);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !out.status.success(),
            "canvass {args:?} should fail:\n{text}"
        );
        text
    }

    /// `canvass audit draw DIR`: true when it drew a round, false when it
    /// refused because the audit is complete (any other refusal fails the
    /// test).
    pub fn draw(&self, dir: &Path) -> bool {
        let out = self.run(&["audit", "draw", s(dir)]);
        if out.status.success() {
            return true;
        }
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("the audit is complete"), "{err}");
        false
    }

    /// `canvass audit create DIR` of both contests of the example election
    /// from its CVRs file `cvrs` (CDF JSON), at risk limit 5% by `method`.
    pub fn create_example(&self, dir: &Path, cvrs: &str, method: &str) {
        self.ok(&[
            "audit",
            "create",
            s(dir),
            "--cvrs",
            s(&data(cvrs)),
            "--format",
            "cdf-json",
            "--manifest",
            s(&data("manifest.csv")),
            "--contest",
            "Mayor",
            "--contest",
            "Measure A",
            "--risk-limit",
            "0.05",
            "--method",
            method,
        ]);
    }

    /// `canvass audit status DIR --json`, parsed.
    pub fn status(&self, dir: &Path) -> serde_json::Value {
        let text = self.ok(&["audit", "status", s(dir), "--json"]);
        serde_json::from_str(&text).unwrap_or_else(|e| unreachable!("{e}: {text}"))
    }
}

/// [`Canvass::run`] with backtraces off ([`QUIET`]).
pub fn canvass(args: &[&str]) -> Output {
    QUIET.run(args)
}

/// [`Canvass::ok`] with backtraces off ([`QUIET`]).
pub fn ok(args: &[&str]) -> String {
    QUIET.ok(args)
}

/// [`Canvass::fails`] with backtraces off ([`QUIET`]).
pub fn fails(args: &[&str]) -> String {
    QUIET.fails(args)
}

/// [`Canvass::status`] with backtraces off ([`QUIET`]).
pub fn status(dir: &Path) -> serde_json::Value {
    QUIET.status(dir)
}

/// A path as an argument.
pub fn s(p: &Path) -> &str {
    p.to_str().unwrap_or_default()
}

/// Writes `text` to `path`.
pub fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap_or_else(|e| unreachable!("{}: {e}", path.display()));
}

/// Copies the folder `from` (and what is below it) to `to`.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_default();
    for e in std::fs::read_dir(from).into_iter().flatten().flatten() {
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap_or_default();
        }
    }
}

/// A file of the example election in `tests/data/audit` (242 cards on
/// paper, 240 CVRs, contests Mayor and Measure A).
pub fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/audit")
        .join(name)
}

/// The truth of every card of the example election, by (batch, position):
/// (Mayor, Measure A).
pub fn paper() -> BTreeMap<(String, String), (String, String)> {
    let mut r = csv::Reader::from_path(data("paper.csv")).unwrap_or_else(|e| unreachable!("{e}"));
    r.records()
        .filter_map(Result::ok)
        .map(|rec| {
            let f = |i: usize| rec.get(i).unwrap_or_default().to_owned();
            ((f(1), f(2)), (f(3), f(4)))
        })
        .collect()
}

/// Answers round `round`'s retrieval list of the audit in `dir` from the
/// paper, as a board would: writes `board-ROUND.csv` in `out_dir` and
/// returns its path.
pub fn board_reads(dir: &Path, out_dir: &Path, round: u32) -> PathBuf {
    let truth = paper();
    let list = dir.join(format!("round-{round}/retrieval.csv"));
    let mut r = csv::Reader::from_path(&list).unwrap_or_else(|e| unreachable!("{e}"));
    let out = out_dir.join(format!("board-{round}.csv"));
    let mut w = csv::Writer::from_path(&out).unwrap_or_else(|e| unreachable!("{e}"));
    w.write_record(["batch", "position", "Mayor", "Measure A"])
        .unwrap_or_default();
    for rec in r.records().filter_map(Result::ok) {
        let key = (
            rec.get(1).unwrap_or_default().to_owned(),
            rec.get(2).unwrap_or_default().to_owned(),
        );
        let (mayor, measure) = truth.get(&key).cloned().unwrap_or_default();
        w.write_record([&key.0, &key.1, &mayor, &measure])
            .unwrap_or_default();
    }
    w.flush().unwrap_or_default();
    out
}
