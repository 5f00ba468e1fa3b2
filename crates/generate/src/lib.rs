//! A deterministic generator of realistic elections, for tests and
//! benchmarks: precincts with ballot styles (not every card holds every
//! contest), election-day and mail batches per tabulator, plurality,
//! vote-for-2 and ranked contests with skewed support, undervotes,
//! overvotes and skipped ranks, and the true tallies of what it generated.
//!
//! The election is planned first ([`Plan`], small), then its cards stream
//! out one at a time ([`Cards`]), so a million-card election never sits in
//! memory. The same [`Config`] (seed included) gives the same cards, bit for
//! bit; nothing reads the clock or the OS's randomness.
//!
//! ```
//! use canvass_generate::{Config, Plan};
//! let plan = Plan::new(Config { ballots: 500, seed: 7, ..Config::default() })?;
//! let mut cards = plan.cards();
//! let n = cards.by_ref().count();
//! assert_eq!(n, 500);
//! assert_eq!(cards.truth().cards, 500);
//! assert_eq!(plan.manifest().total_cards(), 500);
//! # Ok::<(), canvass_generate::GenerateError>(())
//! ```

pub mod cards;
pub mod election;
pub mod rng;

pub use cards::{Cards, ContestTruth, Truth};
pub use election::{Batch, Config, ContestPlan, Plan, Precinct, Style};

/// What can go wrong generating an election.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// The configuration asks for something impossible.
    #[error("invalid generator configuration: {0}")]
    Config(String),
    /// Writing the manifest failed.
    #[error("writing the ballot manifest: {0}")]
    Manifest(#[from] csv::Error),
}
