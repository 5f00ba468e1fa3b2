//! One error type for every reader, each variant naming where it happened.

use crate::options::Format;
use std::fmt;
use std::path::Path;

/// Where in the input something went wrong: the file, and when known the
/// 1-based record (row, array element, XML element) and the field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The file as the user named it.
    pub file: String,
    /// The 1-based record number.
    pub record: Option<u64>,
    /// The field (column, key, attribute).
    pub field: Option<String>,
}

impl Location {
    /// The whole file.
    pub fn file(path: &Path) -> Location {
        Location {
            file: path.display().to_string(),
            record: None,
            field: None,
        }
    }

    /// A record of the file.
    pub fn record(path: &Path, record: u64) -> Location {
        Location {
            record: Some(record),
            ..Location::file(path)
        }
    }

    /// The same place, narrowed to a field.
    pub fn field(mut self, field: impl Into<String>) -> Location {
        self.field = Some(field.into());
        self
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(r) = self.record {
            write!(f, ", record {r}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ", field {field:?}")?;
        }
        Ok(())
    }
}

/// Everything that can go wrong reading or writing election files.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    /// The file could not be opened or read.
    #[error("{at}: {source}")]
    Io {
        /// Where.
        at: Location,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The content is not valid for the format.
    #[error("{at}: {message}")]
    Invalid {
        /// Where.
        at: Location,
        /// What is wrong, in words for the person holding the file.
        message: String,
    },
    /// A required field is missing.
    #[error("{at}: required field is missing")]
    MissingField {
        /// Where (the field names what is missing).
        at: Location,
    },
    /// A record names a contest the election does not have.
    #[error("{at}: unknown contest {contest:?}")]
    UnknownContest {
        /// Where.
        at: Location,
        /// The contest as written.
        contest: String,
    },
    /// A record names a candidate the contest does not have.
    #[error("{at}: unknown candidate {candidate:?} in contest {contest:?}")]
    UnknownCandidate {
        /// Where.
        at: Location,
        /// The contest.
        contest: String,
        /// The candidate as written.
        candidate: String,
    },
    /// The file ends before the format says it should.
    #[error("{at}: file is truncated: {message}")]
    Truncated {
        /// Where.
        at: Location,
        /// What was expected.
        message: String,
    },
    /// The file is not in the format it was given as (or detected as).
    #[error("{at}: not a {expected} file: {found}")]
    WrongFormat {
        /// Where.
        at: Location,
        /// The format that was expected.
        expected: Format,
        /// What the file looks like instead.
        found: String,
    },
    /// The format could not be recognised; `--format` names it.
    #[error("{at}: cannot tell the format of this file; name it with --format")]
    UnknownFormat {
        /// Where.
        at: Location,
    },
    /// This build has no reader for the format.
    #[error("{at}: reading {format} is not supported")]
    Unsupported {
        /// Where.
        at: Location,
        /// The format.
        format: Format,
    },
    /// The consumer of the cards refused one (e.g. a tabulation rule).
    #[error("{at}: {message}")]
    Rejected {
        /// Where.
        at: Location,
        /// Why.
        message: String,
    },
}

impl FormatError {
    /// An I/O error at a path.
    pub fn io(path: &Path, source: std::io::Error) -> FormatError {
        FormatError::Io {
            at: Location::file(path),
            source,
        }
    }

    /// An invalid-content error.
    pub fn invalid(at: Location, message: impl Into<String>) -> FormatError {
        FormatError::Invalid {
            at,
            message: message.into(),
        }
    }
}
