use std::path::PathBuf;

/// Everything that can go wrong while reading a check's inputs or running it.
///
/// Each variant names the file, and where it applies the row (1-based, the
/// header being row 1) and the field, so the person holding the file can fix it.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The file could not be opened or read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// A required column is not in the file's header (after `--map`).
    #[error("{path}: missing column `{column}` (header has: {header})")]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The canonical field that was looked for.
        column: String,
        /// The header as read, comma-separated.
        header: String,
    },
    /// A value in a row could not be read as its field's type.
    #[error("{path}: row {row}, field `{field}`: {message}")]
    BadValue {
        /// The file.
        path: PathBuf,
        /// The row, 1-based, counting the header as row 1.
        row: u64,
        /// The field (canonical name).
        field: String,
        /// What is wrong with the value.
        message: String,
    },
    /// The inputs contradict each other or a rules table contradicts itself.
    #[error("{path}: {message}")]
    Inconsistent {
        /// The file where the contradiction is.
        path: PathBuf,
        /// What contradicts what.
        message: String,
    },
    /// Cast vote records could not be read (the message names the file,
    /// record and field).
    #[error(transparent)]
    Records(#[from] canvass_formats::FormatError),
}
