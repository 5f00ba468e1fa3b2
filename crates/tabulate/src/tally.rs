//! The streaming aggregator: cards in, per-contest tallies out.
//!
//! The [`Tabulator`] keeps, per contest, only the multiset of distinct mark
//! patterns with their counts (a pattern is the sorted marks of one card in
//! that contest). That is enough to count every method exactly, it is
//! independent of card order by construction, and its size grows with the
//! number of *distinct* patterns, not with the number of cards: a vote-for-1
//! contest with `c` candidates has at most a few dozen patterns in practice,
//! and a ranked contest keeps exactly the distinct rankings an IRV/STV engine
//! needs.
//!
//! Counting the patterns under a contest's rule is done once, at the end, by
//! [`count_single_round`], so the rule (kind, seats) may be learnt by the
//! reader after the first card.

use canvass_model::{Card, Choice, ContestId, Mark};
use std::collections::BTreeMap;

/// Every distinct pattern of marks a contest received, with how many cards
/// carried it. For ranked contests this is the multiset of rankings.
pub type Patterns = BTreeMap<Vec<Mark>, u64>;

/// What the tabulator has gathered for one contest.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContestTally {
    /// Cards that carry the contest (including undervoted ones).
    pub ballots: u64,
    /// The distinct mark patterns with their counts.
    pub patterns: Patterns,
}

impl ContestTally {
    fn add(&mut self, marks: &[Mark]) {
        self.ballots += 1;
        if let Some(n) = self.patterns.get_mut(marks) {
            *n += 1;
        } else {
            self.patterns.insert(marks.to_vec(), 1);
        }
    }

    /// Fold another tally of the same contest into this one (for parallel reads).
    pub fn merge(&mut self, other: &ContestTally) {
        self.ballots += other.ballots;
        for (pattern, n) in &other.patterns {
            *self.patterns.entry(pattern.clone()).or_insert(0) += n;
        }
    }
}

/// Consumes cards one at a time and keeps only aggregated tallies, so memory
/// stays flat in the number of cards.
///
/// ```
/// use canvass_model::{Card, CardId, Choice, ContestKind, ContestVotes, Election, Mark};
/// use canvass_tabulate::Tabulator;
/// let mut election = Election::default();
/// let mayor = election.intern_contest("mayor", "Mayor", ContestKind::Plurality);
/// let alice = election.contest_mut(mayor).intern_candidate("alice", "Alice");
/// let mut tabulator = Tabulator::new();
/// let mut card = Card::new(CardId::new("1"));
/// card.contests.push(ContestVotes::new(mayor, vec![Mark::vote(Choice::Candidate(alice))]));
/// tabulator.add(&card);
/// let results = tabulator.results(&election);
/// assert_eq!(results[0].winner_names(), vec!["Alice"]);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tabulator {
    cards: u64,
    contests: Vec<ContestTally>,
}

impl Tabulator {
    /// An empty tabulator.
    pub fn new() -> Tabulator {
        Tabulator::default()
    }

    /// Count one card. A card that lists the same contest twice (some
    /// sources split a contest's marks) counts once, with all its marks.
    pub fn add(&mut self, card: &Card) {
        self.cards += 1;
        for (i, votes) in card.contests.iter().enumerate() {
            let earlier = card.contests.get(..i).unwrap_or_default();
            if earlier.iter().any(|v| v.contest == votes.contest) {
                continue;
            }
            let index = votes.contest.index();
            if index >= self.contests.len() {
                self.contests.resize_with(index + 1, ContestTally::default);
            }
            let Some(tally) = self.contests.get_mut(index) else {
                continue;
            };
            let later = card.contests.get(i + 1..).unwrap_or_default();
            if later.iter().any(|v| v.contest == votes.contest) {
                let mut marks: Vec<Mark> = later
                    .iter()
                    .filter(|v| v.contest == votes.contest)
                    .flat_map(|v| v.marks.iter().copied())
                    .chain(votes.marks.iter().copied())
                    .collect();
                marks.sort_unstable();
                marks.dedup();
                tally.add(&marks);
            } else {
                tally.add(&votes.marks);
            }
        }
    }

    /// Fold another tabulator (fed from the same election) into this one.
    pub fn merge(&mut self, other: &Tabulator) {
        self.cards += other.cards;
        if other.contests.len() > self.contests.len() {
            self.contests
                .resize_with(other.contests.len(), ContestTally::default);
        }
        for (mine, theirs) in self.contests.iter_mut().zip(&other.contests) {
            mine.merge(theirs);
        }
    }

    /// Read every card of `paths` (as [`canvass_formats::read_paths`]
    /// does) and count it. The cards of a big CDF JSON file are counted on
    /// the threads that parse them, each into its own tabulator, and the
    /// tabulators are merged at the end: the counts are sums, so the result
    /// is the one-thread result. `progress` is told how many cards were
    /// read.
    pub fn read_paths(
        paths: &[std::path::PathBuf],
        format: Option<canvass_formats::Format>,
        options: &canvass_formats::SourceOptions,
        election: &mut canvass_model::Election,
        threads: canvass_formats::ReadThreads,
        progress: &mut dyn FnMut(u64),
    ) -> Result<Tabulator, canvass_formats::FormatError> {
        let fold = canvass_formats::Fold {
            make: &Tabulator::new,
            add: &|t: &mut Tabulator, card: &Card| t.add(card),
        };
        let parts = canvass_formats::fold_paths(
            paths, format, options, election, &fold, threads, progress,
        )?;
        let mut total = Tabulator::new();
        for part in &parts {
            total.merge(part);
        }
        Ok(total)
    }

    /// The number of cards counted.
    pub fn cards(&self) -> u64 {
        self.cards
    }

    /// The tally of one contest, if any card carried it.
    pub fn contest(&self, contest: ContestId) -> Option<&ContestTally> {
        self.contests.get(contest.index())
    }
}

/// How a single-round contest turns a card's marks into votes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VoteRule {
    /// Vote for up to `n` candidates; more than `n` is an overvote.
    UpTo(u32),
    /// Vote for any number of candidates (approval).
    Any,
}

/// The single-round count of one contest.
///
/// Conservation (checked by property tests): for [`VoteRule::UpTo`]`(n)`,
/// `sum(votes) + undervotes + n × overvotes = n × ballots`; for every rule,
/// `voted + overvotes + blank = ballots`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SingleRoundTally {
    /// Votes per candidate, indexed by candidate id.
    pub votes: Vec<u64>,
    /// Cards carrying the contest.
    pub ballots: u64,
    /// Cards with at least one valid vote in the contest.
    pub voted: u64,
    /// Overvoted cards: they count for nobody.
    pub overvotes: u64,
    /// Unused vote positions: `n - marks` on each valid card for
    /// [`VoteRule::UpTo`]`(n)`, one per blank card for [`VoteRule::Any`].
    pub undervotes: u64,
    /// Cards carrying the contest with no mark at all.
    pub blank: u64,
}

impl SingleRoundTally {
    /// The valid votes: the sum of all candidates' votes.
    pub fn valid_votes(&self) -> u64 {
        self.votes.iter().sum()
    }
}

/// Count the patterns of one contest under `rule`, for a contest with
/// `candidates` candidates.
///
/// Valid votes follow SHANGRLA (Stark 2020, §2.1–2.3): a card "has a valid
/// vote" for a candidate when it selects that candidate and does not select
/// more candidates than the contest allows; an overvoted card counts for
/// nobody. A mark the source records as an overvote ([`Choice::Overvote`])
/// overvotes the card. A candidate marked twice on one card is counted once.
/// Marks naming a candidate id the contest does not have are ignored (readers
/// intern every candidate they see, so this does not happen with their cards).
pub fn count_single_round(
    patterns: &Patterns,
    ballots: u64,
    candidates: usize,
    rule: VoteRule,
) -> SingleRoundTally {
    let mut t = SingleRoundTally {
        votes: vec![0; candidates],
        ballots,
        ..SingleRoundTally::default()
    };
    let mut selected: Vec<usize> = Vec::new();
    for (marks, &n) in patterns {
        selected.clear();
        let mut overvote_marker = false;
        for mark in marks {
            match mark.choice {
                Choice::Candidate(c) if c.index() < candidates => selected.push(c.index()),
                Choice::Candidate(_) => {}
                Choice::Overvote => overvote_marker = true,
            }
        }
        selected.sort_unstable();
        selected.dedup();
        let k = selected.len() as u64;
        let overvoted = overvote_marker
            || match rule {
                VoteRule::UpTo(seats) => k > u64::from(seats),
                VoteRule::Any => false,
            };
        if overvoted {
            t.overvotes += n;
            continue;
        }
        if k == 0 {
            t.blank += n;
        } else {
            t.voted += n;
        }
        t.undervotes += match rule {
            VoteRule::UpTo(seats) => (u64::from(seats) - k) * n,
            VoteRule::Any if k == 0 => n,
            VoteRule::Any => 0,
        };
        for &c in &selected {
            if let Some(v) = t.votes.get_mut(c) {
                *v += n;
            }
        }
    }
    t
}
