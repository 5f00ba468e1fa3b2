//! The claims registry (schema `canvass.claims.v1`): each allegation, how
//! people phrase it, CISA-style Rumor and Reality text, the check whose
//! finding answers it, and the label a platform shows next to a post.
//!
//! The registry ships as data in `crates/checks/claims/registry.json`; a
//! county or a fact-checker can pass their own with `--registry`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::CheckError;

/// The schema name every registry carries.
pub const SCHEMA: &str = "canvass.claims.v1";

/// The registry shipped with canvass.
pub const BUILTIN_JSON: &str = include_str!("../../claims/registry.json");

/// The check names a registry entry may point to: the `canvass check`
/// commands whose findings answer allegations.
pub const CHECKS: &[&str] = &[
    "reconcile",
    "machine-vs-paper",
    "timeliness",
    "observers",
    "deceased",
    "duplicates",
];

/// A claims registry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registry {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// The registry's revision (a date), so a label can say which text it used.
    pub revision: String,
    /// The default label text.
    pub label: String,
    /// The allegations.
    pub entries: Vec<Entry>,
}

/// One allegation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// A stable identifier, lowercase words joined by `-` (also the Rumor
    /// Control page's address).
    pub id: String,
    /// A short title ("Dead people voted").
    pub title: String,
    /// The claim in one sentence, as it is usually made.
    pub claim: String,
    /// Other ways people say it.
    #[serde(default)]
    pub paraphrases: Vec<String>,
    /// Rumor: the allegation, stated fairly.
    pub rumor: String,
    /// Reality: what the process is and what the records can show.
    pub reality: String,
    /// The `canvass check` whose finding answers it (see [`CHECKS`]).
    pub check: String,
    /// The label shown next to a matching post when the finding finds no
    /// evidence of the allegation; the registry's default when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

impl Registry {
    /// The registry shipped with canvass.
    pub fn builtin() -> Result<Registry, CheckError> {
        Registry::parse(
            BUILTIN_JSON,
            Path::new("crates/checks/claims/registry.json"),
        )
    }

    /// Read and validate a registry file.
    pub fn read(path: &Path) -> Result<Registry, CheckError> {
        let text = std::fs::read_to_string(path).map_err(|source| CheckError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Registry::parse(&text, path)
    }

    /// Parse and validate registry JSON; `path` names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Registry, CheckError> {
        let registry: Registry = serde_json::from_str(text).map_err(|e| CheckError::BadValue {
            path: path.to_path_buf(),
            row: e.line() as u64,
            field: "json".into(),
            message: e.to_string(),
        })?;
        registry.validate(path)?;
        Ok(registry)
    }

    fn validate(&self, path: &Path) -> Result<(), CheckError> {
        let bad = |entry: usize, field: &str, message: String| CheckError::BadValue {
            path: PathBuf::from(path),
            row: entry as u64 + 1,
            field: field.to_string(),
            message,
        };
        if self.schema != SCHEMA {
            return Err(CheckError::Inconsistent {
                path: path.to_path_buf(),
                message: format!("schema is `{}`, expected `{SCHEMA}`", self.schema),
            });
        }
        let mut ids = BTreeSet::new();
        for (i, e) in self.entries.iter().enumerate() {
            let id_ok = !e.id.is_empty()
                && e.id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if !id_ok {
                return Err(bad(
                    i,
                    "id",
                    format!("entry id `{}` is not lowercase-words-with-dashes", e.id),
                ));
            }
            if !ids.insert(e.id.as_str()) {
                return Err(bad(i, "id", format!("entry id `{}` appears twice", e.id)));
            }
            for (field, value) in [
                ("title", &e.title),
                ("claim", &e.claim),
                ("rumor", &e.rumor),
                ("reality", &e.reality),
            ] {
                if value.trim().is_empty() {
                    return Err(bad(
                        i,
                        field,
                        format!("entry `{}` has an empty {field}", e.id),
                    ));
                }
            }
            if !CHECKS.contains(&e.check.as_str()) {
                return Err(bad(
                    i,
                    "check",
                    format!(
                        "entry `{}` names check `{}`, not one of {}",
                        e.id,
                        e.check,
                        CHECKS.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The entry with this id.
    pub fn entry(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.id == id)
    }
}

impl Entry {
    /// The label text for this entry under `registry`'s default.
    pub fn label_text<'a>(&'a self, registry: &'a Registry) -> &'a str {
        self.label.as_deref().unwrap_or(&registry.label)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_registry_is_valid_and_covers_2020() {
        let r = Registry::builtin().unwrap();
        assert!(r.entries.len() >= 12);
        for id in [
            "dead-voters",
            "late-ballots",
            "vote-flipping-machines",
            "deleted-votes",
            "observers-kept-out",
            "double-voting",
            "sharpie-pens",
            "ballot-dumps",
            "more-ballots-than-voters",
        ] {
            let e = r.entry(id).unwrap_or_else(|| panic!("no entry {id}"));
            assert!(e.paraphrases.len() >= 4, "{id} has few paraphrases");
        }
        // Every check of issue 5 answers at least one allegation.
        for check in CHECKS {
            assert!(r.entries.iter().any(|e| e.check == *check), "{check}");
        }
    }

    #[test]
    fn bad_registries_name_file_entry_and_field() {
        let base = Registry::builtin().unwrap();
        let p = Path::new("r.json");
        let mut r = base.clone();
        r.entries[1].check = "astrology".into();
        let e = Registry::parse(&serde_json::to_string(&r).unwrap(), p).unwrap_err();
        assert!(
            e.to_string().starts_with("r.json: row 2, field `check`"),
            "{e}"
        );
        let mut r = base.clone();
        r.entries[2].id = r.entries[0].id.clone();
        let e = Registry::parse(&serde_json::to_string(&r).unwrap(), p).unwrap_err();
        assert!(e.to_string().contains("appears twice"), "{e}");
        let mut r = base;
        r.schema = "other".into();
        let e = Registry::parse(&serde_json::to_string(&r).unwrap(), p).unwrap_err();
        assert!(
            e.to_string().contains("expected `canvass.claims.v1`"),
            "{e}"
        );
        let e = Registry::parse("{ not json", p).unwrap_err();
        assert!(
            e.to_string().starts_with("r.json: row 1, field `json`"),
            "{e}"
        );
    }
}
