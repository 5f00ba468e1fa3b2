//! Readers and writers for cast vote records (CVRs) from every vendor.
//!
//! Every reader streams: it interns contests and candidates into an
//! [`Election`] as it meets them and hands each [`Card`] to a sink, so memory
//! does not grow with the number of cards. Every error names the file, the
//! record and the field (see [`Location`]).
//!
//! ```no_run
//! use canvass_formats::{read_paths, Format, SourceOptions};
//! use canvass_model::Election;
//! let mut election = Election::default();
//! let mut cards = 0u64;
//! read_paths(&["cvr.json".into()], None, &SourceOptions::default(), &mut election,
//!     &mut |_election, _card| { cards += 1; Ok(()) })?;
//! # Ok::<(), canvass_formats::FormatError>(())
//! ```

mod abif;
mod cdf;
pub mod cdf_json;
pub mod cdf_json_writer;
pub mod cdf_xml;
mod clear_ballot;
mod detect;
pub mod dominion_csv;
pub mod dominion_json;
pub mod dominion_json_writer;
mod error;
mod ess;
mod generic_csv;
mod hart;
mod json_par;
mod json_pull;
mod json_util;
mod options;
mod raire;
mod tabular;
mod xml_tree;

pub use error::{FormatError, Location};
pub use options::{Format, SourceOptions};
pub use raire::raire_json_total_auditable_ballots;

use canvass_model::{Card, Election};
use std::path::{Path, PathBuf};

/// Receives each card as it is read. Returning an error stops the read.
pub type CardSink<'a> = dyn FnMut(&Election, Card) -> Result<(), FormatError> + 'a;

/// Read every path (a file, or a folder for formats that are folders) in
/// order, with `format` or the detected format of each path.
pub fn read_paths(
    paths: &[PathBuf],
    format: Option<Format>,
    options: &SourceOptions,
    election: &mut Election,
    sink: &mut CardSink<'_>,
) -> Result<(), FormatError> {
    for path in paths {
        let format = match format {
            Some(f) => f,
            None => detect(path)?,
        };
        read_path(path, format, options, election, sink)?;
    }
    Ok(())
}

/// Read one path in the given format.
pub fn read_path(
    path: &Path,
    format: Format,
    options: &SourceOptions,
    election: &mut Election,
    sink: &mut CardSink<'_>,
) -> Result<(), FormatError> {
    // Each reader module adds its arm here.
    match format {
        Format::CdfJson => cdf_json::read(path, options, election, sink),
        Format::CdfXml => cdf_xml::read(path, options, election, sink),
        Format::DominionJson => dominion_json::read(path, options, election, sink),
        Format::DominionCsv => dominion_csv::read(path, options, election, sink),
        Format::EssXlsx => ess::read_xlsx(path, options, election, sink),
        Format::EssCsv => ess::read_csv(path, options, election, sink),
        Format::Hart => hart::read(path, options, election, sink),
        Format::ClearBallot => clear_ballot::read(path, options, election, sink),
        Format::GenericCsv => generic_csv::read(path, options, election, sink),
        Format::Abif => abif::read(path, options, election, sink),
        Format::RaireCsv => raire::read_csv(path, options, election, sink),
        Format::RaireJson => raire::read_json(path, options, election, sink),
    }
}

/// Guess the format of a path from its name and first bytes.
pub fn detect(path: &Path) -> Result<Format, FormatError> {
    detect::detect(path)
}
