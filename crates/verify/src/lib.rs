//! The published record of a canvass audit and its verifier.
//!
//! - [`audit_dir`]: the files of an audit directory (docs/AUDIT.md), read,
//!   written and checked; shared by `canvass audit` and the verifier so that
//!   both produce the same bytes.
//! - [`batch_dir`]: the files of a batch-comparison audit directory.
//! - [`record`]: which of those files are public, and writing them as a
//!   folder or a ustar archive (`canvass publish`).
//! - [`check`]: `canvass verify`, recomputing every hash, root, proof,
//!   signature, sample, discrepancy, risk and outcome from the record alone
//!   (docs/RECORD.md).

pub mod audit_dir;
mod batch_check;
pub mod batch_dir;
pub mod check;
pub mod record;

pub use check::{Finding, Report, verify_record};
