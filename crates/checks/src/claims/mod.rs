//! Claims: the registry of allegations, the matcher that recognises them in
//! a post, and the label a published finding allows.
//!
//! ```
//! use canvass_checks::claims::{Findings, Matcher, Registry};
//!
//! let matcher = Matcher::new(Registry::builtin()?, Findings::none());
//! let d = matcher.decide("Thousands of DEAD people voted in Michigan!! #StopTheSteal");
//! assert!(d.matched);
//! assert_eq!(d.entry.map(|e| e.id).as_deref(), Some("dead-voters"));
//! // No `deceased` finding is published, so no "disputed" label.
//! assert_eq!(d.label, None);
//! assert!(!matcher.decide("Happy Thanksgiving everyone").matched);
//! # Ok::<(), canvass_checks::CheckError>(())
//! ```
//!
//! - [`registry`]: the data (`crates/checks/claims/registry.json`, schema
//!   `canvass.claims.v1`);
//! - [`analyze`]: tweet-aware tokens, stop words, stemming, synonyms;
//! - [`bm25f`]: the ranking function;
//! - [`matcher`]: ranking plus the gates and the finding that decide a label;
//! - [`trec`]: CheckThat!-style collections, TREC runs and MAP@k, to measure
//!   the ranking on published data.

pub mod analyze;
pub mod bm25f;
pub mod matcher;
pub mod registry;
pub mod trec;

pub use matcher::{Decision, Findings, Label, Matcher, Ranked, Thresholds};
pub use registry::{Entry, Registry};
