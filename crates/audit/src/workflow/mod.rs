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
//! use canvass_audit::workflow::{Method, supersimple_initial};
//! // Arlo's contest A: 60,000 to 40,000 of 100,000 cards at a 10% risk limit.
//! assert_eq!(supersimple_initial(0.1, 0.2, 100_000), 27);
//! # let _ = Method::Comparison;
//! ```

mod discrepancy;
mod error;
mod mvr;
mod round;
mod spec;
mod stats;
mod tickets;

pub use discrepancy::{Comparison, Discrepancy, Paper, compare, polling_vote};
pub use error::WorkflowError;
pub use mvr::{CardIndex, MvrBook, MvrRow, interpret};
pub use round::{
    ContestState, ContestStatus, DiscrepancyCounts, HandCount, POLLING_QUANTILE, RoundContest,
    RoundPlan, SampleEntry, TicketOrder, drawn_cards, evaluate, first_round, natural_cmp,
    next_round, order_cards, retrieval_order, round_sample,
};
pub use spec::{
    AuditCard, AuditInputs, AuditSpec, BatchSpec, ContestSpec, Method, RESERVED, Selection,
    build_audit, selection_of, winners,
};
pub use stats::{
    GAMMA, bravo_quantile_size, bravo_risk, supersimple_follow_up, supersimple_initial,
    supersimple_risk,
};

/// The ticket digits (after `0.`) of a card of `batch` at `position`: Rivest's
/// `first_fraction` of Arlo's id `('batch', position)` under `seed`.
pub fn card_ticket(batch: &str, position: u64, seed: &str) -> String {
    tickets::first_ticket(&tickets::arlo_card_id(batch, position), seed)
}
