//! Pseudo-random samplers for audits, each reproducing a published tool bit
//! for bit, so that anyone can re-derive a sample from the public seed with
//! the tool they trust:
//!
//! - [`rivest`]: Rivest's consistent sampler (SHA-256 "ticket numbers"), as
//!   used by Arlo, including Arlo's `(batch, position)` ballot ids.
//! - [`sha256_counter`]: the SHA-256 `seed,counter` generator of Colorado's
//!   RLA software (after Stark's and Rivest's `sampler.py` scheme).
//! - [`cryptorandom`]: the SHA-256 generator of Stark's `cryptorandom`
//!   package, which SHANGRLA uses to give every card a sample number.
//! - [`consistent`]: sampling across several contests at once: cards are
//!   taken in ticket order until every contest has its sample size.
//!
//! Nothing here reads the clock or the operating system's randomness: the
//! seed is always an input.
//!
//! ```
//! use canvass_audit::sampler::rivest::{RivestSampler, SampleOptions};
//! let ids = ["a", "b", "c", "d"];
//! let draws = RivestSampler::new("31").sample(&ids[..], SampleOptions::without_replacement(4)).unwrap();
//! let order: Vec<&str> = draws.iter().map(|d| ids[d.index]).collect();
//! assert_eq!(order, ["b", "a", "d", "c"]); // consistent_sampler README
//! ```

pub mod consistent;
pub mod cryptorandom;
pub mod rivest;
pub mod sha256_counter;

/// Everything that can go wrong drawing a sample.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SamplerError {
    /// The same id appears twice in the list to sample from (Rivest's
    /// sampler refuses this too: two equal ids would get equal tickets).
    #[error("id {id:?} appears twice (items {first} and {second}, counting from 1)")]
    DuplicateId {
        /// The id, as hashed.
        id: String,
        /// 1-based position of its first appearance.
        first: usize,
        /// 1-based position of its second appearance.
        second: usize,
    },
    /// More ids than one draw may hash.
    #[error("{count} ids to sample from; at most {max} are supported")]
    TooManyIds {
        /// The number of ids given.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A ticket number that is not of the form `0.ddd…`.
    #[error("ticket number {ticket:?} is not of the form 0.ddd")]
    MalformedTicket {
        /// The ticket as given.
        ticket: String,
    },
    /// A range whose minimum exceeds its maximum.
    #[error("range {min}..{max} is empty: the minimum exceeds the maximum")]
    EmptyRange {
        /// The minimum.
        min: i64,
        /// The maximum.
        max: i64,
    },
    /// More distinct values asked for than the range holds.
    #[error("cannot draw {count} distinct values from the range {min}..{max}, which holds {size}")]
    RangeTooSmall {
        /// Values asked for.
        count: u64,
        /// The minimum.
        min: i64,
        /// The maximum.
        max: i64,
        /// The number of values in the range.
        size: u128,
    },
}
