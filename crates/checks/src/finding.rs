//! The finding: what every check publishes.
//!
//! A finding is a stable JSON document (schema `canvass.finding.v1`) and a
//! readable text rendering. Its fields answer, in order, the questions a
//! fact-checker asks: what was alleged, by what rule was it checked, on which
//! files (named by their SHA-256 so anyone can tell they hold the same
//! files), with what figures, which rows fail the rule and why, what the
//! status is, and how to reproduce it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::CheckError;

/// The schema name written in every finding.
pub const SCHEMA: &str = "canvass.finding.v1";

/// A published finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// The check's name, as in `canvass check NAME` (e.g. `deceased`).
    pub check: String,
    /// The allegation this check answers, in the words it is usually made.
    pub allegation: String,
    /// The rule applied.
    pub rule: Rule,
    /// The input files, each with its SHA-256.
    pub inputs: Vec<Input>,
    /// The figures, by name (counts, rates, totals). Keys sort, so the
    /// JSON is the same on every machine.
    pub figures: BTreeMap<String, serde_json::Value>,
    /// Every row that fails the rule, with its reason.
    pub failures: Vec<Failure>,
    /// What the records show.
    pub status: Status,
    /// The command that reproduces this finding from the same inputs.
    pub reproduce: String,
}

/// The rule a check applies, and where it comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// The rule in one or two sentences.
    pub text: String,
    /// Where the rule comes from: a statute, a paper, a procedure manual.
    pub citation: String,
}

/// One input file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Input {
    /// What the file is to the check (`voters`, `deaths`, `poll_book`, ...).
    pub role: String,
    /// The path as given on the command line.
    pub path: String,
    /// SHA-256 of the file's bytes, lowercase hex.
    pub sha256: String,
    /// Size in bytes.
    pub bytes: u64,
}

impl Input {
    /// Hash a file and describe it as an input with the given role.
    pub fn from_file(role: &str, path: &Path) -> Result<Input, CheckError> {
        let io = |source| CheckError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut file = std::fs::File::open(path).map_err(io)?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 1 << 16];
        let mut bytes = 0u64;
        loop {
            let n = file.read(&mut buf).map_err(io)?;
            if n == 0 {
                break;
            }
            hasher.update(buf.get(..n).unwrap_or_default());
            bytes += n as u64;
        }
        Ok(Input {
            role: role.to_string(),
            path: path.display().to_string(),
            sha256: hex::encode(hasher.finalize()),
            bytes,
        })
    }
}

/// A row that fails the rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Failure {
    /// Where the row is: a record id, a precinct and batch, a file and row.
    pub locator: String,
    /// Why it fails the rule, in words.
    pub reason: String,
    /// The row's figures (e.g. the signed size of a difference).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub details: BTreeMap<String, serde_json::Value>,
}

/// What the records show about the allegation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Status {
    /// The records hold no evidence of the allegation.
    NoEvidence,
    /// The records support the allegation in this many cases.
    Supported {
        /// How many cases.
        cases: u64,
    },
    /// The records cannot decide; `missing` says what would.
    Inconclusive {
        /// What is missing.
        missing: String,
    },
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Status::NoEvidence => f.write_str("no evidence of the allegation"),
            Status::Supported { cases: 1 } => f.write_str("allegation supported in 1 case"),
            Status::Supported { cases } => write!(f, "allegation supported in {cases} cases"),
            Status::Inconclusive { missing } => write!(f, "inconclusive: {missing}"),
        }
    }
}

impl Finding {
    /// A finding with no figures or failures yet.
    pub fn new(check: &str, allegation: &str, rule: Rule, reproduce: String) -> Finding {
        Finding {
            schema: SCHEMA.to_string(),
            check: check.to_string(),
            allegation: allegation.to_string(),
            rule,
            inputs: Vec::new(),
            figures: BTreeMap::new(),
            failures: Vec::new(),
            status: Status::NoEvidence,
            reproduce,
        }
    }

    /// Set a figure.
    pub fn figure(&mut self, name: &str, value: impl Into<serde_json::Value>) {
        self.figures.insert(name.to_string(), value.into());
    }

    /// The finding as pretty JSON with a trailing newline. Deterministic:
    /// struct fields in declaration order, maps sorted by key.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// The finding as readable text, for a terminal or a plain-text page.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "Check:      {}", self.check);
        let _ = writeln!(s, "Allegation: {}", self.allegation);
        let _ = writeln!(s, "Rule:       {}", self.rule.text);
        let _ = writeln!(s, "Citation:   {}", self.rule.citation);
        let _ = writeln!(s, "Status:     {}", self.status);
        if !self.inputs.is_empty() {
            let _ = writeln!(s, "\nInputs:");
            for i in &self.inputs {
                let _ = writeln!(
                    s,
                    "  {:<12} {}  sha256 {}  ({} bytes)",
                    i.role, i.path, i.sha256, i.bytes
                );
            }
        }
        if !self.figures.is_empty() {
            let _ = writeln!(s, "\nFigures:");
            for (k, v) in &self.figures {
                let _ = writeln!(s, "  {k}: {v}");
            }
        }
        let _ = writeln!(s, "\nRows failing the rule: {}", self.failures.len());
        for f in &self.failures {
            let _ = writeln!(s, "  {}: {}", f.locator, f.reason);
        }
        let _ = writeln!(s, "\nReproduce: {}", self.reproduce);
        s
    }
}

/// Escape text for HTML element content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

impl Finding {
    /// The finding as a self-contained HTML page (no scripts, no external
    /// resources): the same content as [`Finding::to_text`], with the failing
    /// rows as a table.
    pub fn to_html(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{} — {}</title>\n\
             <style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}table{{border-collapse:collapse}}\
             td,th{{border:1px solid #999;padding:.2em .5em;text-align:left;vertical-align:top}}code{{word-break:break-all}}</style></head><body>",
            esc(&self.check),
            esc(&self.allegation)
        );
        let _ = writeln!(s, "<h1>{}</h1>", esc(&self.allegation));
        let _ = writeln!(
            s,
            "<p><strong>Status: {}</strong></p>",
            esc(&self.status.to_string())
        );
        let _ = writeln!(
            s,
            "<h2>Rule</h2><p>{}</p><p><em>{}</em></p>",
            esc(&self.rule.text),
            esc(&self.rule.citation)
        );
        if !self.inputs.is_empty() {
            let _ = writeln!(
                s,
                "<h2>Inputs</h2><table><tr><th>role</th><th>file</th><th>SHA-256</th><th>bytes</th></tr>"
            );
            for i in &self.inputs {
                let _ = writeln!(
                    s,
                    "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
                    esc(&i.role),
                    esc(&i.path),
                    esc(&i.sha256),
                    i.bytes
                );
            }
            let _ = writeln!(s, "</table>");
        }
        if !self.figures.is_empty() {
            let _ = writeln!(s, "<h2>Figures</h2><table>");
            for (k, v) in &self.figures {
                let _ = writeln!(
                    s,
                    "<tr><th>{}</th><td><code>{}</code></td></tr>",
                    esc(k),
                    esc(&v.to_string())
                );
            }
            let _ = writeln!(s, "</table>");
        }
        let _ = writeln!(s, "<h2>Rows failing the rule: {}</h2>", self.failures.len());
        if !self.failures.is_empty() {
            let _ = writeln!(s, "<table><tr><th>where</th><th>why</th></tr>");
            for f in &self.failures {
                let _ = writeln!(
                    s,
                    "<tr><td>{}</td><td>{}</td></tr>",
                    esc(&f.locator),
                    esc(&f.reason)
                );
            }
            let _ = writeln!(s, "</table>");
        }
        let _ = writeln!(
            s,
            "<h2>Reproduce</h2><pre><code>{}</code></pre>\n</body></html>",
            esc(&self.reproduce)
        );
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Finding {
        let mut f = Finding::new(
            "deceased",
            "Dead people voted",
            Rule {
                text: "a ballot is attributed to a deceased voter when ...".into(),
                citation: "Fellegi & Sunter (1969)".into(),
            },
            "canvass check deceased --voters v.csv --deaths d.csv".into(),
        );
        f.figure("voters", 10);
        f.figure("a_rate", 0.25);
        f
    }

    #[test]
    fn status_words_are_the_published_ones() {
        let check = |s: Status, text: &str| assert_eq!(s.to_string(), text);
        check(Status::NoEvidence, "no evidence of the allegation");
        check(
            Status::Supported { cases: 3 },
            "allegation supported in 3 cases",
        );
        check(
            Status::Supported { cases: 1 },
            "allegation supported in 1 case",
        );
        check(
            Status::Inconclusive {
                missing: "no death records".into(),
            },
            "inconclusive: no death records",
        );
    }

    #[test]
    fn json_round_trips_and_is_sorted() {
        let f = sample();
        let json = f.to_json();
        let back: Finding = serde_json::from_str(&json).unwrap();
        assert_eq!(back, f);
        assert!(json.find("\"a_rate\"").unwrap() < json.find("\"voters\"").unwrap());
        assert!(json.contains("\"kind\": \"no_evidence\""));
    }

    #[test]
    fn html_escapes_and_shows_status() {
        let mut f = sample();
        f.failures.push(Failure {
            locator: "<row 1>".into(),
            reason: "a & b".into(),
            details: BTreeMap::new(),
        });
        let html = f.to_html();
        assert!(html.contains("&lt;row 1&gt;") && html.contains("a &amp; b"));
        assert!(html.contains("Status: no evidence of the allegation"));
        assert!(!html.contains("<row 1>"));
    }

    #[test]
    fn input_hash_is_sha256_of_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.csv");
        std::fs::write(&p, b"abc").unwrap();
        let i = Input::from_file("voters", &p).unwrap();
        assert_eq!(
            i.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(i.bytes, 3);
    }

    #[test]
    fn missing_file_names_the_path() {
        let e = Input::from_file("voters", Path::new("/no/such/file.csv")).unwrap_err();
        assert!(e.to_string().starts_with("/no/such/file.csv:"));
    }
}
