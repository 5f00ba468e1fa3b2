//! The election model shared by every canvass crate.
//!
//! Every vendor reader in `canvass-formats` yields these types and every
//! consumer (tabulation, audit, evidence, checks) reads only these types. The
//! model does no I/O.
//!
//! - [`Election`] holds the contests and their candidates; readers intern
//!   contests and candidates as they meet them, so a streaming read needs no
//!   second pass.
//! - [`Card`] is one sheet of paper as the scanner saw it: where it sits
//!   (tabulator, batch, position), which ballot it belongs to, and for every
//!   contest it holds, the marks made on it. Overvotes, undervotes (a contest
//!   on the card with no marks) and rankings are kept explicitly.
//! - Ids are typed: a [`ContestId`] can never be passed where a
//!   [`CandidateId`] is wanted.
//!
//! ```
//! use canvass_model::{Election, ContestKind, Card, CardId, ContestVotes, Mark, Choice};
//! let mut election = Election::default();
//! let mayor = election.intern_contest("mayor", "Mayor", ContestKind::Plurality);
//! let alice = election.contest_mut(mayor).intern_candidate("alice", "Alice");
//! let mut card = Card::new(CardId::new("1-1-1"));
//! card.contests.push(ContestVotes::new(mayor, vec![Mark::vote(Choice::Candidate(alice))]));
//! assert_eq!(card.votes_for(mayor).map(|v| v.marks.len()), Some(1));
//! ```

mod card;
mod contest;
mod election;
mod ids;
mod manifest;

pub use card::{Card, CardId, CardLocation, Choice, ContestVotes, Mark, SourceRef};
pub use contest::{Candidate, CandidateKind, Contest, ContestKind, Fraction};
pub use election::Election;
pub use ids::{CandidateId, ContestId, Votes};
pub use manifest::{BallotManifest, ManifestBatch, ManifestError};
