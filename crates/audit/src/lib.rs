//! Risk-limiting audit mathematics: samplers, assorters, risk functions,
//! sample sizes and rounds.
//!
//! **Invariant:** nothing here reads the clock or the operating system's
//! randomness; seeds are inputs.
//!
//! ## Risk mathematics and the float policy
//!
//! Assorters ([`assorter`]), test supermartingales ([`nonneg_mean`]), BRAVO
//! ([`bravo`]), Kaplan–Markov ballot comparison ([`supersimple`]), MACRO
//! batch comparison ([`macro_batch`]), sample sizes ([`sample_size`]) and
//! seeded simulation ([`simulate`]).
//!
//! **Float policy.** All risk mathematics is IEEE-754 `f64`, evaluated in a
//! fixed order (no parallel reductions inside one risk computation), so the
//! same inputs give the same bits on every machine. A p-value is compared
//! with the risk limit exactly once, as `p <= α` (the audit may stop when
//! the p-value is at most the limit). Sample sizes are integers, computed by
//! `ceil`/`floor` of `f64` expressions exactly where the cited method does.
//! P-values are printed with the shortest decimal that round-trips to the
//! same `f64` (serde_json / `{}`), so a printed value re-reads bit for bit.

pub mod assorter;
pub mod bravo;
pub mod macro_batch;
pub mod minerva;
pub mod nonneg_mean;
pub mod raire;
pub mod risk_error;
pub mod sample_size;
pub mod sampler;
pub mod simulate;
pub mod supersimple;
pub mod workflow;

pub use risk_error::RiskError;
