//! Checks that answer allegations with the election's own records.
//!
//! Each check reads documented CSV/JSON inputs (see `docs/CHECKS.md`) and
//! writes a [`finding::Finding`]: the allegation it answers, the rule applied
//! with its citation, the inputs with their SHA-256, the figures, every row
//! that fails the rule with its reason, a status, and the command that
//! reproduces it.
//!
//! [`claims`] holds the registry of allegations and the matcher that labels
//! posts making them (`canvass label`, `POST /api/label`).
//!
//! The crate never speaks HTTP and never reads the clock: dates that matter
//! (an election day, a deadline) are inputs.

pub mod claims;
pub mod date;
mod error;
pub mod finding;
pub mod linkage;
pub mod machine_vs_paper;
pub mod mock;
pub mod observers;
pub mod reconcile;
pub mod table;
pub mod timeliness;

pub use error::CheckError;
