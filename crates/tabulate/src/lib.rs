//! Social-choice functions: plurality, vote-for-N, approval, supermajority,
//! ranked-choice (IRV) and multi-seat STV with every RCTab rule, reported
//! round by round. Deterministic and independent of ballot order.
//!
//! # Ranked choice (for the CLI)
//!
//! - [`ranked::RankedBallots`] aggregates ranked ballots (identical rankings
//!   counted once); [`ranked::RankedRules`] holds every RCTab rule, with
//!   `Default` = single-winner IRV; [`ranked::tabulate`] returns a
//!   [`ranked::RankedResult`] with every round (tally per candidate,
//!   threshold, elected, eliminated, transfers, inactive ballots by reason,
//!   tie-breaks). [`ranked::tabulate_sequential`] runs `multiPassIrv`.
//! - [`rctab::run_config`] runs an RCTab `*_config.json` (reads its CVR
//!   sources, maps candidate names and aliases, tabulates) and returns one
//!   [`rctab::RctabReport`] per pass; [`rctab::RctabReport::to_json`] writes
//!   RCTab's detailed-report JSON (`--report rctab-json`).

pub mod java_random;
pub mod ranked;
pub mod rctab;
