//! RCTab compatibility: read an RCTab contest configuration
//! (`*_config.json`), read its cast vote record sources, count them with
//! [`crate::ranked`], and write RCTab's detailed report JSON.
//!
//! The configuration layout and the meaning of each field follow RCTab's
//! `config_file_documentation.txt`. Numbers are accepted as RCTab writes them
//! (strings such as `"4"`) or as JSON numbers; unknown fields are ignored.
//!
//! ```no_run
//! let reports = canvass_tabulate::rctab::run_config("contest_config.json".as_ref())?;
//! for report in &reports {
//!     println!("{}", report.to_json());
//! }
//! # Ok::<(), canvass_tabulate::rctab::RctabError>(())
//! ```

mod cdf_output;
mod config;
mod report;
mod run;

pub use cdf_output::{cdf_conversion_json_for_config, cdf_json, cdf_json_for_config};
pub use config::{Config, ConfigCandidate, CvrSource, OutputSettings, RawRules};
pub use report::{RctabReport, reports_to_json};
pub use run::{Slice, load_ballots, run_config, run_loaded, slice_of, source_options};

use std::path::PathBuf;

/// Everything that can go wrong running an RCTab configuration.
#[derive(Debug, thiserror::Error)]
pub enum RctabError {
    /// The configuration file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The configuration is not valid JSON of the expected shape.
    #[error("{path}: not a valid RCTab configuration: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The configuration breaks one or more of RCTab's validation rules.
    #[error("{path}: invalid configuration: {}", problems.join("; "))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Every problem found, each naming its field.
        problems: Vec<String>,
    },
    /// A CVR source could not be read.
    #[error(transparent)]
    Format(#[from] canvass_formats::FormatError),
    /// The count could not finish.
    #[error("tabulation failed: {0}")]
    Tabulation(#[from] crate::ranked::RankedError),
}
