//! The matcher: which allegation of the registry a post makes, and whether a
//! published finding lets us label it.
//!
//! Ranking is BM25F ([`super::bm25f`]) over one document per entry with three
//! fields: the claim, the paraphrases and the title. Ranking alone would
//! give every post a best entry, so a post is *matched* only when it passes
//! three gates, all measured on the hand-written posts of
//! `tests/label_posts.rs` (claims that must match, posts that must not):
//!
//! 1. coverage: one of the entry's texts (claim, a paraphrase or the title)
//!    has at least [`Thresholds::min_coverage`] of its idf weight present in
//!    the post, so "dead" alone does not make "dead people voted";
//! 2. at least [`Thresholds::min_terms`] distinct terms shared with that text;
//! 3. the post speaks of an election (a vote, ballot, poll, count, machine,
//!    observer, ...), so "my grandmother died" is not an allegation.
//!
//! A matched post is *labeled* only when a finding (`canvass.finding.v1`)
//! of the entry's check is published and finds no evidence of the
//! allegation. A finding that supports the allegation, or is inconclusive,
//! or no finding at all, means no "disputed" label: the API says which.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::analyze::{Analyzer, AnalyzerOptions};
use super::bm25f::{Bm25fParams, FieldParams, Index};
use super::registry::{Entry, Registry};
use crate::CheckError;
use crate::finding::{self, Finding, Status};

/// The gates a ranked entry must pass to be a match.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// Share of a text's term weight the post must contain (0 to 1).
    pub min_coverage: f64,
    /// Distinct terms the post must share with that text.
    pub min_terms: usize,
    /// Whether the post must use an election word.
    pub require_election_word: bool,
}

impl Default for Thresholds {
    fn default() -> Thresholds {
        Thresholds {
            min_coverage: 0.5,
            min_terms: 2,
            require_election_word: true,
        }
    }
}

/// Words that put a post in an election's context (analysed like the post).
const ELECTION_WORDS: &[&str] = &[
    "vote",
    "voter",
    "voted",
    "voting",
    "ballot",
    "election",
    "poll",
    "polls",
    "count",
    "counted",
    "counting",
    "recount",
    "tabulator",
    "machine",
    "dominion",
    "observer",
    "precinct",
    "turnout",
    "registered",
    "registration",
    "absentee",
    "canvass",
    "electoral",
    "certify",
    "certified",
    "biden",
    "trump",
    "smartmatic",
    "postmark",
    "postmarked",
    "deadline",
    "scanner",
];

/// Term weights below this floor are raised to it when computing coverage,
/// so terms that every entry shares (ballot, vote) still count a little.
const WEIGHT_FLOOR: f64 = 0.25;

/// One published finding, with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishedFinding {
    /// The file it was read from.
    pub path: PathBuf,
    /// The finding.
    pub finding: Finding,
}

/// The findings published so far, by check name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Findings {
    by_check: BTreeMap<String, Vec<PublishedFinding>>,
}

impl Findings {
    /// No findings.
    pub fn none() -> Findings {
        Findings::default()
    }

    /// Every `*.json` file in `dir` (not recursive) whose `schema` is
    /// `canvass.finding.v1`; other JSON documents are skipped, a file that
    /// is not JSON or a finding that does not parse is an error naming it.
    pub fn read_dir(dir: &Path) -> Result<Findings, CheckError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| CheckError::Io { path, source }
        };
        let mut paths = Vec::new();
        for item in std::fs::read_dir(dir).map_err(io(dir))? {
            let path = item.map_err(io(dir))?.path();
            if path.extension().is_some_and(|e| e == "json") && path.is_file() {
                paths.push(path);
            }
        }
        paths.sort();
        let mut findings = Findings::default();
        for path in paths {
            let text = std::fs::read_to_string(&path).map_err(io(&path))?;
            let bad = |e: serde_json::Error| CheckError::BadValue {
                path: path.clone(),
                row: e.line() as u64,
                field: "json".into(),
                message: e.to_string(),
            };
            let value: serde_json::Value = serde_json::from_str(&text).map_err(bad)?;
            if value.get("schema").and_then(|s| s.as_str()) != Some(finding::SCHEMA) {
                continue;
            }
            let finding: Finding = serde_json::from_value(value).map_err(bad)?;
            findings.add(path, finding);
        }
        Ok(findings)
    }

    /// Add a finding (as if read from `path`).
    pub fn add(&mut self, path: PathBuf, finding: Finding) {
        self.by_check
            .entry(finding.check.clone())
            .or_default()
            .push(PublishedFinding { path, finding });
    }

    /// The findings of one check, in file-name order.
    pub fn of_check(&self, check: &str) -> &[PublishedFinding] {
        self.by_check
            .get(check)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// How many findings there are.
    pub fn len(&self) -> usize {
        self.by_check.values().map(Vec::len).sum()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// What the findings of `check` say together: a finding supporting the
    /// allegation wins over one that finds no evidence (one supported case
    /// is enough to withhold "disputed"), and either wins over inconclusive.
    pub fn verdict(&self, check: &str) -> Option<&PublishedFinding> {
        let all = self.of_check(check);
        let rank = |f: &PublishedFinding| match f.finding.status {
            Status::Supported { .. } => 0,
            Status::NoEvidence => 1,
            Status::Inconclusive { .. } => 2,
        };
        all.iter().min_by_key(|f| rank(f))
    }
}

/// A ranked entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ranked {
    /// The entry's id.
    pub id: String,
    /// Its BM25F score for the post.
    pub score: f64,
    /// The best coverage of one of its texts by the post (0 to 1).
    pub coverage: f64,
    /// Distinct terms shared with that text.
    pub shared_terms: usize,
}

/// What the entry says, as the label API returns it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntrySummary {
    /// Its id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// The claim.
    pub claim: String,
    /// Rumor.
    pub rumor: String,
    /// Reality.
    pub reality: String,
    /// The check that answers it.
    pub check: String,
}

impl From<&Entry> for EntrySummary {
    fn from(e: &Entry) -> EntrySummary {
        EntrySummary {
            id: e.id.clone(),
            title: e.title.clone(),
            claim: e.claim.clone(),
            rumor: e.rumor.clone(),
            reality: e.reality.clone(),
            check: e.check.clone(),
        }
    }
}

/// The finding that decided the label.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingSummary {
    /// The check.
    pub check: String,
    /// The file it was read from.
    pub path: String,
    /// Its status.
    pub status: Status,
    /// Its status in words.
    pub status_text: String,
    /// The command that reproduces it.
    pub reproduce: String,
}

/// Everything the matcher decided about one post.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    /// Whether the post makes one of the registry's allegations.
    pub matched: bool,
    /// The label to show, when a finding disputes the allegation.
    pub label: Option<String>,
    /// The allegation matched.
    pub entry: Option<EntrySummary>,
    /// Where the Rumor Control page with the evidence is.
    pub evidence_url: Option<String>,
    /// The finding that decided, when there is one.
    pub finding: Option<FindingSummary>,
    /// The best-ranked entry, matched or not, with its score and coverage.
    pub best: Option<Ranked>,
    /// Why the post was (not) labeled, in words.
    pub reason: String,
}

/// A label for a post.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    /// The label text ("This claim about election fraud is disputed").
    pub text: String,
    /// The allegation's id.
    pub entry: String,
    /// The Rumor Control page.
    pub evidence_url: String,
}

/// Matches posts to the registry's allegations.
#[derive(Debug)]
pub struct Matcher {
    registry: Registry,
    index: Index,
    /// Per entry, the distinct terms of each of its texts.
    texts: Vec<Vec<BTreeSet<String>>>,
    election_terms: BTreeSet<String>,
    findings: Findings,
    thresholds: Thresholds,
    evidence_base: String,
}

impl Matcher {
    /// The field weights used for the registry: the claim counts most, then
    /// the title, then each paraphrase (their field is long, so its length
    /// normalisation is mild).
    pub fn registry_params() -> Bm25fParams {
        Bm25fParams {
            k1: 1.2,
            fields: vec![
                FieldParams {
                    weight: 2.0,
                    b: 0.75,
                },
                FieldParams {
                    weight: 1.0,
                    b: 0.3,
                },
                FieldParams {
                    weight: 1.5,
                    b: 0.75,
                },
            ],
        }
    }

    /// A matcher over `registry` that labels with `findings`.
    pub fn new(registry: Registry, findings: Findings) -> Matcher {
        let index = Index::build(
            Analyzer::new(AnalyzerOptions::FULL),
            Matcher::registry_params(),
            registry
                .entries
                .iter()
                .map(|e| [e.claim.clone(), e.paraphrases.join(" \n "), e.title.clone()]),
        );
        let analyzer = index.analyzer();
        let texts = registry
            .entries
            .iter()
            .map(|e| {
                std::iter::once(&e.claim)
                    .chain(&e.paraphrases)
                    .chain(std::iter::once(&e.title))
                    .map(|t| analyzer.terms(t).into_iter().collect())
                    .collect()
            })
            .collect();
        let election_terms = ELECTION_WORDS
            .iter()
            .flat_map(|w| analyzer.terms(w))
            .collect();
        Matcher {
            registry,
            index,
            texts,
            election_terms,
            findings,
            thresholds: Thresholds::default(),
            evidence_base: "/rumor-control/".into(),
        }
    }

    /// Use other gates.
    pub fn with_thresholds(mut self, thresholds: Thresholds) -> Matcher {
        self.thresholds = thresholds;
        self
    }

    /// Evidence links are `base` followed by the entry's id (default
    /// `/rumor-control/`).
    pub fn with_evidence_base(mut self, base: &str) -> Matcher {
        self.evidence_base = base.to_string();
        self
    }

    /// The registry.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The findings.
    pub fn findings(&self) -> &Findings {
        &self.findings
    }

    /// The evidence link of an entry.
    pub fn evidence_url(&self, id: &str) -> String {
        format!("{}{id}", self.evidence_base)
    }

    /// The `k` best entries for `text`, best first (entries sharing no term
    /// with it are left out).
    pub fn rank(&self, text: &str, k: usize) -> Vec<Ranked> {
        let terms = self.index.analyzer().terms(text);
        let query: BTreeSet<String> = terms.iter().cloned().collect();
        self.index
            .search_terms(&terms, k)
            .into_iter()
            .filter_map(|(doc, score)| {
                let entry = self.registry.entries.get(doc)?;
                let (coverage, shared_terms) = self.coverage(doc, &query);
                Some(Ranked {
                    id: entry.id.clone(),
                    score,
                    coverage,
                    shared_terms,
                })
            })
            .collect()
    }

    /// The best coverage of one of entry `doc`'s texts by `query`, and the
    /// shared terms of that text.
    fn coverage(&self, doc: usize, query: &BTreeSet<String>) -> (f64, usize) {
        let weight = |t: &String| self.index.idf(t).max(WEIGHT_FLOOR);
        let mut best = (0.0, 0);
        for text in self.texts.get(doc).map(Vec::as_slice).unwrap_or_default() {
            let total: f64 = text.iter().map(weight).sum();
            if total <= 0.0 {
                continue;
            }
            let shared: Vec<&String> = text.iter().filter(|t| query.contains(*t)).collect();
            let got: f64 = shared.iter().map(|t| weight(t)).sum();
            let candidate = (got / total, shared.len());
            // A text sharing enough terms beats one that does not; then the
            // higher coverage wins, then more shared terms.
            let enough = |c: (f64, usize)| c.1 >= self.thresholds.min_terms;
            let better = match (enough(candidate), enough(best)) {
                (true, false) => true,
                (false, true) => false,
                _ => candidate.0 > best.0 || (candidate.0 == best.0 && candidate.1 > best.1),
            };
            if better {
                best = candidate;
            }
        }
        best
    }

    /// Whether a ranked entry passes the gates for a post with `query` terms.
    fn passes(&self, r: &Ranked, query: &BTreeSet<String>) -> Result<(), String> {
        let t = &self.thresholds;
        if r.coverage < t.min_coverage {
            return Err(format!(
                "closest allegation `{}` covered {:.2} < {:.2}",
                r.id, r.coverage, t.min_coverage
            ));
        }
        if r.shared_terms < t.min_terms {
            return Err(format!(
                "closest allegation `{}` shares {} term(s) < {}",
                r.id, r.shared_terms, t.min_terms
            ));
        }
        if t.require_election_word && query.is_disjoint(&self.election_terms) {
            return Err("the post does not speak of an election".into());
        }
        Ok(())
    }

    /// Decide about one post: the matched allegation (if any), and the
    /// label (if its finding disputes it), with the reason.
    pub fn decide(&self, text: &str) -> Decision {
        let query: BTreeSet<String> = self.index.analyzer().terms(text).into_iter().collect();
        // The gates look at the first few ranked entries: the best-scored
        // entry can fail coverage while the next one passes.
        let ranked = self.rank(text, 3);
        let mut reason = "no allegation of the registry shares a term with the post".to_string();
        let mut chosen = None;
        for r in &ranked {
            match self.passes(r, &query) {
                Ok(()) => {
                    chosen = Some(r.clone());
                    break;
                }
                Err(why) => {
                    if chosen.is_none() && reason.starts_with("no allegation") {
                        reason = why;
                    }
                }
            }
        }
        let Some(best) = chosen else {
            return Decision {
                matched: false,
                label: None,
                entry: None,
                evidence_url: None,
                finding: None,
                best: ranked.into_iter().next(),
                reason,
            };
        };
        let Some(entry) = self.registry.entry(&best.id) else {
            return Decision {
                matched: false,
                label: None,
                entry: None,
                evidence_url: None,
                finding: None,
                best: Some(best),
                reason,
            };
        };
        let mut decision = self.entry_decision(entry);
        decision.best = Some(best);
        decision
    }

    /// What the answer is for a post matched to `entry`, whatever its text:
    /// the label (when the published finding of its check disputes the
    /// allegation), the finding that decided and why. `best` is left empty.
    /// This is what a Rumor Control page shows as "the label the API gives".
    pub fn entry_decision(&self, entry: &Entry) -> Decision {
        let published = self.findings.verdict(&entry.check);
        let finding = published.map(|p| FindingSummary {
            check: p.finding.check.clone(),
            path: p.path.display().to_string(),
            status: p.finding.status.clone(),
            status_text: p.finding.status.to_string(),
            reproduce: p.finding.reproduce.clone(),
        });
        let (label, reason) = match published.map(|p| &p.finding.status) {
            Some(Status::NoEvidence) => (
                Some(entry.label_text(&self.registry).to_string()),
                format!(
                    "matches `{}`; the `{}` finding shows no evidence of the allegation",
                    entry.id, entry.check
                ),
            ),
            Some(status @ Status::Supported { .. }) => (
                None,
                format!(
                    "matches `{}`; the `{}` finding reports: {status} (not labeled disputed)",
                    entry.id, entry.check
                ),
            ),
            Some(status @ Status::Inconclusive { .. }) => (
                None,
                format!(
                    "matches `{}`; the `{}` finding is {status}",
                    entry.id, entry.check
                ),
            ),
            None => (
                None,
                format!(
                    "matches `{}`; no `{}` finding is published yet",
                    entry.id, entry.check
                ),
            ),
        };
        Decision {
            matched: true,
            label,
            evidence_url: Some(self.evidence_url(&entry.id)),
            entry: Some(EntrySummary::from(entry)),
            finding,
            best: None,
            reason,
        }
    }

    /// The label for `text`, or none when it makes no allegation of the
    /// registry or no published finding disputes the one it makes.
    pub fn label(&self, text: &str) -> Option<Label> {
        let d = self.decide(text);
        Some(Label {
            text: d.label?,
            entry: d.entry?.id,
            evidence_url: d.evidence_url?,
        })
    }
}
