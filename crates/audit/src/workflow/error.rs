//! The workflow's one error type. Every variant names what the official has to
//! look at: the card, the contest, the batch.

/// Everything that can go wrong in the audit workflow's logic.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum WorkflowError {
    /// The risk limit is not in (0, 1).
    #[error("risk limit {0} must be greater than 0 and less than 1")]
    RiskLimit(f64),
    /// A targeted contest is not in the CVRs.
    #[error("contest {0:?} is not in the cast vote records")]
    UnknownContest(String),
    /// A contest was targeted twice.
    #[error("contest {0:?} is targeted twice")]
    DuplicateContest(String),
    /// No contest was targeted.
    #[error("no contest to audit: name at least one with --contest")]
    NoContest,
    /// The contest's counting rule is not supported by this workflow.
    #[error("contest {contest:?}: {rule} contests cannot be audited by this workflow yet")]
    UnsupportedRule {
        /// The contest.
        contest: String,
        /// The rule, in words.
        rule: String,
    },
    /// The contest cannot be audited, and why.
    #[error("contest {contest:?} cannot be audited: {reason}")]
    Unauditable {
        /// The contest.
        contest: String,
        /// Why not, in words.
        reason: String,
    },
    /// A candidate name the workflow cannot store unambiguously.
    #[error("contest {contest:?}: candidate name {candidate:?} {problem}")]
    CandidateName {
        /// The contest.
        contest: String,
        /// The name.
        candidate: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A CVR lies outside the manifest or collides with another CVR.
    #[error("{file}, record {record}: card {card:?}: {problem}")]
    CardPlacement {
        /// The CVR file.
        file: String,
        /// The record in that file.
        record: u64,
        /// The card id.
        card: String,
        /// What is wrong.
        problem: String,
    },
    /// The manifest holds no cards.
    #[error("the ballot manifest holds no cards")]
    EmptyManifest,
    /// The seed is empty.
    #[error("the seed must not be empty")]
    EmptySeed,
    /// A round cannot be drawn now.
    #[error("cannot draw round {round}: {reason}")]
    CannotDraw {
        /// The round that was asked for.
        round: u32,
        /// Why not.
        reason: String,
    },
    /// A manual vote record is not acceptable.
    #[error("{file}, row {row}, field {field:?}: {problem}")]
    Mvr {
        /// The MVR file.
        file: String,
        /// The 1-based row (data rows; the header is row 1 in CSV).
        row: u64,
        /// The field (column or key).
        field: String,
        /// What is wrong, in words for the audit board.
        problem: String,
    },
}
