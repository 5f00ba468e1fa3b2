//! Cards: one sheet of paper as the tabulator recorded it.

use crate::ids::{CandidateId, ContestId};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The id of a card, as unique as the source makes it (for Dominion
/// `TabulatorId-BatchId-RecordId`; for CDF the CVR's `UniqueId` or
/// `BallotPrePrintedId`; otherwise a reader-made id from file and record).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CardId(pub String);

impl CardId {
    /// A card id from any string.
    pub fn new(id: impl Into<String>) -> CardId {
        CardId(id.into())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for CardId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where the card came from: the file and the record number in it (1-based),
/// so every later message can point back at the source.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRef {
    /// The file the record was read from, as given by the user.
    pub file: Arc<str>,
    /// The 1-based record number within that file (row, array element, ...).
    pub record: u64,
}

/// Where the paper card sits: what a ballot manifest and a retrieval list need.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardLocation {
    /// The tabulator (scanner) that read the card.
    pub tabulator: Option<String>,
    /// The batch (box, deck) the card is stored in.
    pub batch: Option<String>,
    /// The 1-based position of the card within its batch, when known.
    pub position: Option<u64>,
    /// The id imprinted on the paper by the scanner, when there is one.
    pub imprinted_id: Option<String>,
}

/// What a mark selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Choice {
    /// A candidate of the contest (including write-in buckets).
    Candidate(CandidateId),
    /// The source says this rank (or this contest) is overvoted without
    /// saying which candidates were marked (e.g. ES&S's `overvote` cell).
    Overvote,
}

/// One mark on a card for one contest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Mark {
    /// The rank (1 = first choice). Always 1 in contests that are not ranked.
    pub rank: u32,
    /// What the mark selects.
    pub choice: Choice,
}

impl Mark {
    /// A mark in a contest that is not ranked (rank 1).
    pub fn vote(choice: Choice) -> Mark {
        Mark { rank: 1, choice }
    }

    /// A ranked mark.
    pub fn ranked(rank: u32, choice: Choice) -> Mark {
        Mark { rank, choice }
    }
}

/// The marks on a card for one contest. A contest that is on the card with no
/// marks is an undervote and is kept (card-style data needs it); a contest that
/// is not on the card is absent from [`Card::contests`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContestVotes {
    /// The contest.
    pub contest: ContestId,
    /// The marks, sorted by rank then choice by [`ContestVotes::new`].
    pub marks: Vec<Mark>,
}

impl ContestVotes {
    /// Marks for a contest, sorted by rank and choice so that equal cards
    /// compare equal whatever order the source listed them in.
    pub fn new(contest: ContestId, mut marks: Vec<Mark>) -> ContestVotes {
        marks.sort_unstable();
        ContestVotes { contest, marks }
    }

    /// True when the contest is on the card but nothing is marked.
    pub fn is_undervote(&self) -> bool {
        self.marks.is_empty()
    }

    /// The marks at one rank.
    pub fn at_rank(&self, rank: u32) -> impl Iterator<Item = &Mark> {
        self.marks.iter().filter(move |m| m.rank == rank)
    }

    /// The highest rank used, or 0 when there are no marks.
    pub fn max_rank(&self) -> u32 {
        self.marks.iter().map(|m| m.rank).max().unwrap_or(0)
    }
}

/// One card: a sheet of paper as the tabulator recorded it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Card {
    /// The card's id.
    pub id: CardId,
    /// The ballot this card belongs to, when a ballot has several cards.
    pub ballot_id: Option<String>,
    /// Where the paper is.
    pub location: CardLocation,
    /// The precinct (or precinct portion) of the card.
    pub precinct: Option<String>,
    /// The ballot style (ballot type), which says which contests the card can hold.
    pub ballot_style: Option<String>,
    /// The counting group (election day, mail, early, provisional, ...).
    pub counting_group: Option<String>,
    /// Where the record was read from.
    pub source: SourceRef,
    /// The contests on the card, in the order the source gave them.
    pub contests: Vec<ContestVotes>,
}

impl Card {
    /// A card with this id and nothing else known.
    pub fn new(id: CardId) -> Card {
        Card {
            id,
            ballot_id: None,
            location: CardLocation::default(),
            precinct: None,
            ballot_style: None,
            counting_group: None,
            source: SourceRef::default(),
            contests: Vec::new(),
        }
    }

    /// The marks for a contest, if the card holds it.
    pub fn votes_for(&self, contest: ContestId) -> Option<&ContestVotes> {
        self.contests.iter().find(|c| c.contest == contest)
    }
}
