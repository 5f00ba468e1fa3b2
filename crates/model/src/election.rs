//! The election: its contests, interned as readers meet them.

use crate::contest::{Contest, ContestKind};
use crate::ids::ContestId;
use serde::{Deserialize, Serialize};

/// An election definition: contests with their candidates.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Election {
    /// A name for the election, when the source gives one.
    pub name: Option<String>,
    /// The contests, indexed by [`ContestId`].
    pub contests: Vec<Contest>,
}

impl Election {
    /// The contest with this id.
    ///
    /// Ids come from this election, so a missing id is a programming error;
    /// use [`Election::get_contest`] where the id is untrusted.
    #[allow(clippy::indexing_slicing)]
    pub fn contest(&self, id: ContestId) -> &Contest {
        &self.contests[id.index()]
    }

    /// The contest with this id, mutably. See [`Election::contest`].
    #[allow(clippy::indexing_slicing)]
    pub fn contest_mut(&mut self, id: ContestId) -> &mut Contest {
        &mut self.contests[id.index()]
    }

    /// The contest with this id, if it exists.
    pub fn get_contest(&self, id: ContestId) -> Option<&Contest> {
        self.contests.get(id.index())
    }

    /// Find a contest by its external id.
    pub fn find_contest(&self, external_id: &str) -> Option<ContestId> {
        self.contests
            .iter()
            .find(|c| c.external_id == external_id)
            .map(|c| c.id)
    }

    /// Find a contest by its name (exact match).
    pub fn find_contest_by_name(&self, name: &str) -> Option<ContestId> {
        self.contests.iter().find(|c| c.name == name).map(|c| c.id)
    }

    /// The contest with this external id, added with `name` and `kind` if new.
    pub fn intern_contest(&mut self, external_id: &str, name: &str, kind: ContestKind) -> ContestId {
        if let Some(id) = self.find_contest(external_id) {
            return id;
        }
        let id = ContestId(self.contests.len() as u32);
        self.contests.push(Contest::new(id, external_id, name, kind));
        id
    }
}
