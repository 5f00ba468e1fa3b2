//! The label API's matcher: the claims registry (`canvass.claims.v1`) and the
//! findings published on this server, as `canvass_checks::claims::Matcher`
//! sees them. The server adds no matching of its own: `POST /api/label`,
//! `POST /rumors/check` and the Rumor Control pages all ask the same
//! [`Matcher`] that `canvass label` uses, so the server and the command give
//! the same answer for the same registry and findings.
//!
//! The matcher is rebuilt when a finding is published (and at start, from
//! the replayed logs) and shared behind an `Arc`, so answering a post takes
//! neither the state lock nor the store.

use crate::app::Inner;
use crate::error::{AppError, AppResult};
use canvass_checks::claims::{Findings, Matcher, Registry};
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

/// The largest request body `POST /api/label` accepts (bytes), and the
/// longest post `POST /rumors/check` accepts.
pub const BODY_LIMIT: usize = 16 * 1024;

/// Label requests allowed per client address per minute (API and form together).
pub const LABEL_LIMIT: u32 = 60;

/// Evidence links of the server: `/rumors/` followed by the allegation's id.
pub const EVIDENCE_BASE: &str = "/rumors/";

/// The URL of a published finding's JSON (what the API's `finding.path` holds).
pub fn finding_url(election: i64, seq: u64) -> String {
    format!("{EVIDENCE_BASE}{election}-{seq}.json")
}

/// Every finding published on this server, across elections, each named by
/// its URL. The findings of one check are combined as the CLI combines the
/// files of `--findings DIR` (one supporting the allegation withholds
/// "disputed").
pub fn published_findings(inner: &Inner) -> Findings {
    let mut findings = Findings::none();
    for e in inner.elections.values() {
        for (seq, f) in &e.findings {
            findings.add(PathBuf::from(finding_url(e.id.0, *seq)), f.clone());
        }
    }
    findings
}

/// The registry and the current matcher.
#[derive(Debug)]
pub struct Labels {
    registry: Registry,
    matcher: RwLock<Arc<Matcher>>,
}

impl Labels {
    /// A matcher over `registry` with no findings yet.
    pub fn new(registry: Registry) -> Labels {
        let matcher =
            Matcher::new(registry.clone(), Findings::none()).with_evidence_base(EVIDENCE_BASE);
        Labels {
            registry,
            matcher: RwLock::new(Arc::new(matcher)),
        }
    }

    /// The registry (`--registry FILE` of `canvass serve`, else the built-in one).
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The matcher as of the last published finding.
    pub fn matcher(&self) -> AppResult<Arc<Matcher>> {
        self.matcher
            .read()
            .map(|m| Arc::clone(&m))
            .map_err(|_| AppError::internal("label matcher lock poisoned"))
    }

    /// Rebuild the matcher from the findings published in `inner` (call with
    /// the state lock held, after a finding is recorded).
    pub fn refresh(&self, inner: &Inner) -> AppResult<()> {
        let matcher = Matcher::new(self.registry.clone(), published_findings(inner))
            .with_evidence_base(EVIDENCE_BASE);
        let mut slot = self
            .matcher
            .write()
            .map_err(|_| AppError::internal("label matcher lock poisoned"))?;
        *slot = Arc::new(matcher);
        Ok(())
    }
}
