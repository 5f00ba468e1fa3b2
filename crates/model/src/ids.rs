//! Typed indexes. Each id is the position of the thing in its owner's list,
//! so lookups are O(1) and the types keep contest and candidate indexes apart.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Index of a contest in [`crate::Election::contests`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ContestId(pub u32);

/// Index of a candidate in its contest's [`crate::Contest::candidates`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CandidateId(pub u32);

/// A number of votes or ballots. Whole votes only; fractional transfers in
/// multi-seat STV use their own fixed-point type in `canvass-tabulate`.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Votes(pub u64);

impl ContestId {
    /// The id as a `usize` index.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl CandidateId {
    /// The id as a `usize` index.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for Votes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::ops::Add for Votes {
    type Output = Votes;
    fn add(self, rhs: Votes) -> Votes {
        Votes(self.0 + rhs.0)
    }
}

impl std::ops::AddAssign for Votes {
    fn add_assign(&mut self, rhs: Votes) {
        self.0 += rhs.0;
    }
}
