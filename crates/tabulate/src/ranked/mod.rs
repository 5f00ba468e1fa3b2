//! Ranked-choice tabulation: single-winner IRV, multi-seat STV with
//! fractional surplus transfer, bottoms-up and multi-pass IRV, with every
//! counting rule of RCTab (the Universal RCV Tabulator).
//!
//! The rules and their names follow RCTab's configuration documentation
//! (`config_file_documentation.txt` in BrightSpots/rcv); where it is silent,
//! RCTab's regression suite decides. Ballots are aggregated first: identical
//! rankings (and precincts) become one group with a count, so memory does not
//! grow with the number of ballots and each round costs one pass over the
//! distinct rankings. Vote arithmetic is exact decimal arithmetic
//! ([`Decimal`]) truncated to `decimal_places` as RCTab does; ties are broken
//! only by the configured rule, and every tie-break is reported.
//!
//! ```
//! use canvass_tabulate::ranked::{tabulate, RankedBallots, RankedCandidate, RankedRules, Selection};
//! use canvass_model::CandidateId;
//! let mut ballots = RankedBallots::new(vec![
//!     RankedCandidate::declared("A"), RankedCandidate::declared("B"), RankedCandidate::declared("C"),
//! ]);
//! let (a, b, c) = (CandidateId(0), CandidateId(1), CandidateId(2));
//! ballots.push(&[(1, Selection::Candidate(a))], None, 4);
//! ballots.push(&[(1, Selection::Candidate(b))], None, 3);
//! ballots.push(&[(1, Selection::Candidate(c)), (2, Selection::Candidate(b))], None, 2);
//! let result = tabulate(&ballots, &RankedRules::default())?;
//! assert_eq!(result.winners, vec![b]);
//! assert_eq!(result.rounds.len(), 2);
//! # Ok::<(), canvass_tabulate::ranked::RankedError>(())
//! ```

mod decimal;
mod engine;

pub use decimal::{Decimal, Overflow, Rounding};
pub use engine::{Allocation, RoundAllocations, tabulate, tabulate_sequential, tabulate_traced};

use canvass_model::CandidateId;
use std::collections::{BTreeMap, HashMap};

/// What a ranking on a ballot selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Selection {
    /// A candidate (an index into [`RankedBallots::candidates`]).
    Candidate(CandidateId),
    /// The source marks this rank as overvoted without naming candidates
    /// (RCTab's `overvoteLabel`).
    Overvote,
}

/// Whether a candidate is a declared candidate or the bucket of undeclared
/// write-ins (which is dropped as soon as it has votes and can never win).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RankedCandidateKind {
    /// A declared candidate (printed or qualified write-in).
    Declared,
    /// RCTab's `Undeclared Write-ins`.
    UndeclaredWriteIn,
}

/// One candidate of a ranked contest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RankedCandidate {
    /// The name printed in reports (also the key of tie-break orderings).
    pub name: String,
    /// Declared or undeclared write-in.
    pub kind: RankedCandidateKind,
    /// Excluded from tabulation (never continuing; rankings skip it).
    pub excluded: bool,
}

impl RankedCandidate {
    /// A declared candidate that is not excluded.
    pub fn declared(name: &str) -> RankedCandidate {
        RankedCandidate {
            name: name.to_owned(),
            kind: RankedCandidateKind::Declared,
            excluded: false,
        }
    }

    /// The undeclared write-in bucket, named as RCTab names it.
    pub fn undeclared_write_ins() -> RankedCandidate {
        RankedCandidate {
            name: UNDECLARED_WRITE_INS.to_owned(),
            kind: RankedCandidateKind::UndeclaredWriteIn,
            excluded: false,
        }
    }
}

/// RCTab's name for the undeclared write-in bucket.
pub const UNDECLARED_WRITE_INS: &str = "Undeclared Write-ins";

/// One distinct ranking (sorted `(rank, selection)` pairs, no duplicates) with
/// its optional precinct and the number of ballots that cast it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BallotGroup {
    /// The marks, sorted by rank then selection.
    pub marks: Vec<(u32, Selection)>,
    /// The precinct index into [`RankedBallots::precincts`], when kept.
    pub precinct: Option<u32>,
    /// How many ballots.
    pub count: u64,
}

/// A fast, deterministic (unseeded) hasher for the aggregation index, in the
/// style of rustc's FxHasher: rotate, xor, multiply. The index's iteration
/// order never reaches an output (groups keep first-seen order).
#[derive(Clone, Copy, Debug, Default)]
struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            if let Some(dst) = word.get_mut(..chunk.len()) {
                dst.copy_from_slice(chunk);
            }
            self.write_u64(u64::from_le_bytes(word));
        }
    }
    fn write_u64(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_u32(&mut self, word: u32) {
        self.write_u64(u64::from(word));
    }
    fn write_usize(&mut self, word: usize) {
        self.write_u64(word as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

type BuildFxHasher = std::hash::BuildHasherDefault<FxHasher>;

/// The aggregation key: a ranking and its precinct.
type GroupKey = (Vec<(u32, Selection)>, Option<u32>);

/// Aggregated ranked ballots of one contest.
#[derive(Clone, Debug, Default)]
pub struct RankedBallots {
    /// The candidates, indexed by [`CandidateId`].
    pub candidates: Vec<RankedCandidate>,
    /// Precinct names, indexed by [`BallotGroup::precinct`].
    pub precincts: Vec<String>,
    groups: Vec<BallotGroup>,
    index: HashMap<GroupKey, usize, BuildFxHasher>,
    precinct_index: HashMap<String, u32>,
}

impl RankedBallots {
    /// No ballots yet.
    pub fn new(candidates: Vec<RankedCandidate>) -> RankedBallots {
        RankedBallots {
            candidates,
            ..RankedBallots::default()
        }
    }

    /// Add `count` ballots with these `(rank, selection)` marks (any order;
    /// repeated identical marks are kept once) from `precinct`.
    pub fn push(&mut self, marks: &[(u32, Selection)], precinct: Option<&str>, count: u64) {
        self.push_indexed(marks, precinct, count);
    }

    /// [`RankedBallots::push`], returning the index of the group (in
    /// [`RankedBallots::groups`]) the ballots joined.
    pub fn push_indexed(
        &mut self,
        marks: &[(u32, Selection)],
        precinct: Option<&str>,
        count: u64,
    ) -> usize {
        let mut key: Vec<(u32, Selection)> = marks.to_vec();
        key.sort_unstable();
        key.dedup();
        let precinct = precinct.map(|p| {
            let next = self.precincts.len() as u32;
            *self.precinct_index.entry(p.to_owned()).or_insert_with(|| {
                self.precincts.push(p.to_owned());
                next
            })
        });
        let k = (key, precinct);
        if let Some(&i) = self.index.get(&k) {
            if let Some(g) = self.groups.get_mut(i) {
                g.count += count;
            }
            return i;
        }
        let i = self.groups.len();
        self.index.insert(k.clone(), i);
        self.groups.push(BallotGroup {
            marks: k.0,
            precinct: k.1,
            count,
        });
        i
    }

    /// The distinct rankings with their counts, in first-seen order.
    pub fn groups(&self) -> &[BallotGroup] {
        &self.groups
    }

    /// The total number of ballots.
    pub fn total(&self) -> u64 {
        self.groups.iter().map(|g| g.count).sum()
    }

    /// The number of declared candidates (all but the undeclared write-in
    /// bucket, excluded ones included), RCTab's `maxRankingsAllowed: "max"`.
    pub fn declared_count(&self) -> u32 {
        self.candidates
            .iter()
            .filter(|c| c.kind == RankedCandidateKind::Declared)
            .count() as u32
    }
}

/// RCTab's `overvoteRule`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OvervoteRule {
    /// `alwaysSkipToNextRank`: an overvoted rank is ignored.
    AlwaysSkipToNextRank,
    /// `exhaustImmediately`: the ballot becomes inactive at an overvote.
    ExhaustImmediately,
    /// `exhaustIfMultipleContinuing`: inactive only if two or more of the
    /// candidates marked at that rank are still continuing.
    ExhaustIfMultipleContinuing,
}

/// RCTab's `winnerElectionMode`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum WinnerMode {
    /// `singleWinnerMajority`.
    SingleWinnerMajority,
    /// `multiWinnerAllowOnlyOneWinnerPerRound`.
    MultiWinnerOnlyOnePerRound,
    /// `multiWinnerAllowMultipleWinnersPerRound`.
    MultiWinnerMultiplePerRound,
    /// `bottomsUp`: eliminate until as many candidates remain as seats.
    BottomsUp,
    /// `bottomsUpUsingPercentageThreshold`: eliminate until every remaining
    /// candidate has more than this share (e.g. 0.15) of the active votes.
    BottomsUpPercentage(Decimal),
    /// `multiPassIrv`: one IRV pass per seat, earlier winners excluded
    /// ([`tabulate_sequential`]).
    MultiPassIrv,
}

/// RCTab's `tiebreakMode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TiebreakMode {
    /// `random`: `java.util.Random(seed)` picks among the tied candidates
    /// sorted by name.
    Random,
    /// `stopCountingAndAsk`: an operator decides; non-interactive runs stop
    /// with [`RankedError::TieNeedsOperator`].
    StopCountingAndAsk,
    /// `previousRoundCountsThenRandom`.
    PreviousRoundCountsThenRandom,
    /// `previousRoundCountsThenAsk`.
    PreviousRoundCountsThenAsk,
    /// `useCandidateOrder`: earliest in the candidate list wins a tie, latest loses.
    UseCandidateOrder,
    /// `generatePermutation`: candidate names sorted, then shuffled with the seed.
    GeneratePermutation,
}

/// The counting rules of a ranked contest. [`Default`] is single-winner IRV
/// with RCTab's suggested settings, skipping overvoted ranks, and stopping
/// (an error) at any tie rather than breaking it silently.
#[derive(Clone, Debug, PartialEq)]
pub struct RankedRules {
    /// `numberOfWinners` (0 only with the percentage bottoms-up mode).
    pub seats: u32,
    /// `winnerElectionMode`.
    pub winner_mode: WinnerMode,
    /// `overvoteRule`.
    pub overvote_rule: OvervoteRule,
    /// `maxSkippedRanksAllowed`; `None` is `"unlimited"`.
    pub max_skipped_ranks: Option<u32>,
    /// `maxRankingsAllowed`; `None` is `"max"` (the number of declared candidates).
    pub max_rankings: Option<u32>,
    /// `exhaustOnDuplicateCandidate`.
    pub exhaust_on_duplicate: bool,
    /// `batchElimination`.
    pub batch_elimination: bool,
    /// `continueUntilTwoCandidatesRemain`.
    pub continue_until_two: bool,
    /// `minimumVoteThreshold` (0 = none).
    pub minimum_vote_threshold: Decimal,
    /// `stopTabulationEarlyAfterRound`.
    pub stop_after_round: Option<u32>,
    /// `doesFirstRoundDetermineThreshold`.
    pub first_round_determines_threshold: bool,
    /// `hareQuota`.
    pub hare_quota: bool,
    /// `nonIntegerWinningThreshold`.
    pub non_integer_threshold: bool,
    /// `decimalPlacesForVoteArithmetic`.
    pub decimal_places: u32,
    /// `tiebreakMode`.
    pub tiebreak: TiebreakMode,
    /// `randomSeed` (required by the random modes).
    pub random_seed: Option<i64>,
    /// `tabulateByPrecinct`: also report every round per precinct.
    pub by_precinct: bool,
    /// `cutoffElimination` (with `bottomsUpUsingPercentageThreshold`):
    /// eliminate every candidate below the threshold in one round.
    pub cutoff_elimination: bool,
}

impl Default for RankedRules {
    fn default() -> RankedRules {
        RankedRules {
            seats: 1,
            winner_mode: WinnerMode::SingleWinnerMajority,
            overvote_rule: OvervoteRule::AlwaysSkipToNextRank,
            max_skipped_ranks: Some(1),
            max_rankings: None,
            exhaust_on_duplicate: false,
            batch_elimination: false,
            continue_until_two: false,
            minimum_vote_threshold: Decimal::ZERO,
            stop_after_round: None,
            first_round_determines_threshold: false,
            hare_quota: false,
            non_integer_threshold: false,
            decimal_places: 4,
            tiebreak: TiebreakMode::StopCountingAndAsk,
            random_seed: None,
            by_precinct: false,
            cutoff_elimination: false,
        }
    }
}

/// Why a ballot is inactive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InactiveReason {
    /// Ranked no candidate at all (RCTab's undervote).
    Undervote,
    /// Hit an overvote under the overvote rule.
    Overvote,
    /// Skipped more ranks than allowed.
    SkippedRankings,
    /// Ranked a candidate twice (with `exhaust_on_duplicate`).
    RepeatedRankings,
    /// No continuing candidate left on the ballot.
    ExhaustedChoices,
    /// Surplus value left over after the last seat was filled.
    FinalRoundSurplus,
}

/// Where a transfer went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TransferTarget {
    /// To a continuing candidate.
    Candidate(CandidateId),
    /// The ballots became inactive.
    Exhausted,
    /// Surplus lost to truncation (multi-seat), RCTab's `residual surplus`.
    ResidualSurplus,
}

/// A tie the rules had to break.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TieBreak {
    /// The round of the tie.
    pub round: u32,
    /// True when choosing a winner, false when choosing whom to eliminate.
    pub selecting_winner: bool,
    /// The tied candidates.
    pub tied: Vec<CandidateId>,
    /// The one chosen.
    pub chosen: CandidateId,
    /// How it was chosen, in words.
    pub explanation: String,
}

/// One round of the count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Round {
    /// 1-based round number.
    pub number: u32,
    /// Votes per candidate in the tally this round (continuing candidates, and
    /// earlier winners in multi-seat contests).
    pub tally: BTreeMap<CandidateId, Decimal>,
    /// The winning threshold this round.
    pub threshold: Decimal,
    /// Elected this round.
    pub elected: Vec<CandidateId>,
    /// Eliminated this round.
    pub eliminated: Vec<CandidateId>,
    /// Where the votes of this round's elected and eliminated candidates went
    /// (counted in the next round), per source candidate.
    pub transfers: BTreeMap<CandidateId, BTreeMap<TransferTarget, Decimal>>,
    /// Inactive ballot value by reason, cumulative.
    pub inactive: BTreeMap<InactiveReason, Decimal>,
    /// Value of the ballots counting for candidates this round.
    pub active: Decimal,
    /// Residual surplus accumulated up to this round.
    pub residual_surplus: Decimal,
    /// Ties broken this round.
    pub ties: Vec<TieBreak>,
}

impl Round {
    /// Inactive value for one reason (zero when none).
    pub fn inactive_for(&self, reason: InactiveReason) -> Decimal {
        self.inactive.get(&reason).copied().unwrap_or(Decimal::ZERO)
    }
}

/// The outcome of a ranked count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RankedResult {
    /// The rounds, in order.
    pub rounds: Vec<Round>,
    /// The winners, in the order elected.
    pub winners: Vec<CandidateId>,
    /// The number of ballots.
    pub total_ballots: u64,
    /// Ballots that ranked no candidate.
    pub undervotes: u64,
    /// Per precinct, the same rounds computed over that precinct's ballots
    /// (elect/eliminate decisions come from the whole contest). Empty unless
    /// asked for.
    pub precinct_rounds: BTreeMap<String, Vec<Round>>,
}

/// Why a ranked count could not finish.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RankedError {
    /// A tie that the rules leave to an operator.
    #[error(
        "round {round}: tie between {tied:?} with {votes} votes each needs an operator (tiebreak mode {mode})"
    )]
    TieNeedsOperator {
        /// The round.
        round: u32,
        /// The tied candidates' names.
        tied: Vec<String>,
        /// Their tally.
        votes: String,
        /// The configured mode.
        mode: String,
    },
    /// The random tie-break modes need a seed.
    #[error("tiebreak mode {mode} needs a random seed")]
    MissingSeed {
        /// The mode.
        mode: String,
    },
    /// A ballot ranks beyond `maxRankingsAllowed`.
    #[error("a ballot ranks {rank} choices but at most {max} are allowed")]
    TooManyRankings {
        /// The highest rank found.
        rank: u32,
        /// The limit.
        max: u32,
    },
    /// An explicit overvote shares a rank with candidates, or meets a rule
    /// that cannot handle it.
    #[error("{message}")]
    InvalidOvervote {
        /// What is wrong.
        message: String,
    },
    /// Every declared candidate is below the minimum vote threshold.
    #[error("round {round}: every declared candidate is below the minimum vote threshold")]
    AllBelowMinimum {
        /// The round.
        round: u32,
    },
    /// No candidate could be eliminated (no candidates, or a logic limit).
    #[error("round {round}: no candidate could be eliminated")]
    NothingToEliminate {
        /// The round.
        round: u32,
    },
    /// A selection names a candidate the contest does not have.
    #[error("a ballot names candidate index {index}, but the contest has {count} candidates")]
    UnknownCandidate {
        /// The index.
        index: u32,
        /// The number of candidates.
        count: usize,
    },
    /// The rules are inconsistent.
    #[error("invalid rules: {0}")]
    InvalidRules(String),
    /// Vote arithmetic overflowed (absurd decimal places).
    #[error("vote arithmetic overflowed")]
    Overflow,
}

impl From<Overflow> for RankedError {
    fn from(_: Overflow) -> RankedError {
        RankedError::Overflow
    }
}
