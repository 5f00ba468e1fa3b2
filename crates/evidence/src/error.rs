//! The one error type of the evidence crate.

/// Everything that can go wrong building, proving, encoding, signing or
/// verifying evidence. Each variant says what was being checked and why it
/// failed, in words an outside verifier can act on.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EvidenceError {
    /// A leaf index is not smaller than the tree size.
    #[error("leaf index {index} is out of range for a tree of {size} leaves")]
    IndexOutOfRange {
        /// The index asked for.
        index: u64,
        /// The tree size.
        size: u64,
    },
    /// A tree size is larger than the tree (or an older size is larger than the newer one).
    #[error("tree size {size} is larger than the tree of {available} leaves")]
    SizeOutOfRange {
        /// The size asked for.
        size: u64,
        /// The largest size available.
        available: u64,
    },
    /// A number does not fit in this machine's address space.
    #[error("{what} {value} does not fit in memory on this machine")]
    TooLarge {
        /// What the number counts.
        what: &'static str,
        /// The number.
        value: u64,
    },
    /// An inclusion proof does not prove that the leaf is in the tree.
    #[error(
        "inclusion proof for leaf {index} in a tree of {size} leaves does not verify: {reason}"
    )]
    InclusionProofInvalid {
        /// The leaf index.
        index: u64,
        /// The tree size.
        size: u64,
        /// Which check failed.
        reason: &'static str,
    },
    /// A consistency proof does not prove that the older tree is a prefix of the newer one.
    #[error(
        "consistency proof from tree size {first} to tree size {second} does not verify: {reason}"
    )]
    ConsistencyProofInvalid {
        /// The older tree size.
        first: u64,
        /// The newer tree size.
        second: u64,
        /// Which check failed.
        reason: &'static str,
    },
    /// A value cannot be written as canonical JSON.
    #[error("cannot encode as canonical json at {path}: {reason}")]
    NotCanonical {
        /// The JSON path of the offending value (`$.a[3].b`).
        path: String,
        /// Why.
        reason: String,
    },
    /// A card refers to a contest that the election does not define.
    #[error("card {card:?}: contest index {contest} is not in the election")]
    UnknownContest {
        /// The card id.
        card: String,
        /// The contest index.
        contest: u32,
    },
    /// A card refers to a candidate that its contest does not define.
    #[error("card {card:?}: candidate index {candidate} is not in contest {contest:?}")]
    UnknownCandidate {
        /// The card id.
        card: String,
        /// The contest's external id.
        contest: String,
        /// The candidate index.
        candidate: u32,
    },
    /// A card lists the same contest twice.
    #[error("card {card:?}: contest {contest:?} appears twice")]
    DuplicateContest {
        /// The card id.
        card: String,
        /// The contest's external id.
        contest: String,
    },
    /// A key, checkpoint or signed note is malformed.
    #[error("{what}, line {line}: {reason}")]
    Malformed {
        /// What was being parsed (`public key`, `checkpoint`, `signed note`).
        what: &'static str,
        /// The 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// A key name is not allowed by the signed-note format.
    #[error("key name {name:?} is not allowed: {reason}")]
    BadKeyName {
        /// The name.
        name: String,
        /// Why.
        reason: &'static str,
    },
    /// No signature line of the note is by the given key.
    #[error("the note has no signature by key {name:?} (key id {key_id})")]
    NoSignature {
        /// The key name.
        name: String,
        /// The key id in hex.
        key_id: String,
    },
    /// The signature by the given key does not verify over the note text.
    #[error(
        "the signature by key {name:?} does not verify: the note text or signature was changed"
    )]
    BadSignature {
        /// The key name.
        name: String,
    },
}
