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

/// Order-independent work on every card, which a reader may do on the
/// threads that parse the cards: each thread folds its cards into its own
/// accumulator, and the caller combines the accumulators at the end. For
/// work whose result does not depend on the order of the cards (a tally);
/// anything that needs file order uses a [`CardSink`].
pub struct Fold<'f, A> {
    /// A new, empty accumulator.
    pub make: &'f (dyn Fn() -> A + Sync),
    /// Fold one card into an accumulator.
    pub add: &'f (dyn Fn(&mut A, &Card) + Sync),
}

/// How many threads a reader may parse one file on (readers that cannot
/// split their files read on one).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ReadThreads {
    /// By the size of the file, the cores and `CANVASS_READ_THREADS`.
    #[default]
    Auto,
    /// On the reading thread only.
    One,
    /// On `workers` parsing threads, handed runs of whole records of about
    /// `run_bytes` bytes (for tests: small runs exercise many hand-overs).
    Several {
        /// Parsing threads.
        workers: usize,
        /// Bytes per run (at least).
        run_bytes: usize,
    },
}

impl ReadThreads {
    fn threads(self) -> json_par::Threads {
        match self {
            ReadThreads::Auto => json_par::Threads::Auto,
            ReadThreads::One => json_par::Threads::Fixed(None),
            ReadThreads::Several { workers, run_bytes } => {
                json_par::Threads::Fixed(Some(json_par::Plan {
                    workers,
                    run: run_bytes,
                }))
            }
        }
    }
}

/// Read every path as [`read_paths`] does, folding each card into
/// accumulators instead of handing it to a sink; returns the accumulators
/// (at least one), for the caller to combine. `progress` is told how many
/// cards were read, in file order. CDF JSON files are folded on their
/// parsing threads, the other formats on the calling thread. The first
/// error is the one [`read_paths`] would return; after an error the
/// accumulators are gone (they may hold cards after the error).
pub fn fold_paths<A: Send>(
    paths: &[PathBuf],
    format: Option<Format>,
    options: &SourceOptions,
    election: &mut Election,
    fold: &Fold<'_, A>,
    threads: ReadThreads,
    progress: &mut dyn FnMut(u64),
) -> Result<Vec<A>, FormatError> {
    let mut accs = Vec::new();
    let mut main = (fold.make)();
    for path in paths {
        let format = match format {
            Some(f) => f,
            None => detect(path)?,
        };
        if format == Format::CdfJson {
            let more =
                cdf_json::fold_with(path, options, election, fold, threads.threads(), progress)?;
            accs.extend(more);
        } else {
            read_path(path, format, options, election, &mut |_, card| {
                (fold.add)(&mut main, &card);
                progress(1);
                Ok(())
            })?;
        }
    }
    accs.push(main);
    Ok(accs)
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
