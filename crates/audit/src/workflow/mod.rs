//! The risk-limiting audit workflow: from CVRs and a ballot manifest to a
//! confirmed outcome or a full hand count, round by round.
//!
//! Pure logic, no file I/O and no clock: the `canvass audit` command reads and
//! writes the audit directory and calls these functions.
//!
//! 1. [`build_audit`] places every CVR on its card of the manifest (cards
//!    without a CVR are phantoms) and computes each targeted contest's reported
//!    result.
//! 2. [`order_cards`] gives every card its ticket from the public seed.
//! 3. [`first_round`] / [`next_round`] say how many cards each contest needs;
//!    [`round_sample`] and [`retrieval_order`] say which cards to pull.
//! 4. [`interpret`] checks each manual vote record; [`MvrBook`] keeps them.
//! 5. [`evaluate`] compares paper with CVRs ([`compare`]), measures each
//!    contest's risk and decides: confirmed, next round, or full hand count —
//!    whose result is then the outcome.
//!
//! ```
//! use canvass_audit::workflow::{compare, ContestSpec, Discrepancy, Selection};
//! let mayor = ContestSpec {
//!     name: "Mayor".into(), seats: 1, vote_limit: Some(1),
//!     candidates: vec!["Alice".into(), "Bob".into(), "Write-in".into()], write_in: 2,
//!     reported: vec![60, 40, 0], winners: vec![0], cvr_cards: 100, universe: 100,
//!     rule: Default::default(),
//! };
//! // The CVR says Alice, the paper says Bob: a two-vote overstatement.
//! let c = compare(&mayor, Some(&Selection::Votes(vec![0])), Some(&Selection::Votes(vec![1])));
//! assert_eq!(c.kind, Discrepancy::TwoVoteOver);
//! ```

mod assertions;
pub mod batch;
mod discrepancy;
mod error;
mod mvr;
mod round;
mod spec;
#[cfg(test)]
mod tests;

pub use assertions::{AssertionKind, ContestAssertion};
pub use discrepancy::{Comparison, Discrepancy, Paper, compare};
pub use error::WorkflowError;
pub use mvr::{CardIndex, MvrBook, MvrRow, interpret};
pub use round::{
    ContestState, ContestStatus, DiscrepancyCounts, HandCount, POLLING_QUANTILE, RoundContest,
    RoundPlan, SampleEntry, TicketOrder, drawn_cards, evaluate, first_round, natural_cmp,
    next_round, order_cards, retrieval_order, round_sample,
};
pub use spec::{
    AuditCard, AuditInputs, AuditSpec, BatchSpec, ContestRule, ContestSpec, IrvAssertion, Method,
    RESERVED, RiskFunction, Selection, build_audit, ranking_of, selection_of, selections_as_votes,
    winners,
};
