//! Format names and the per-source options vendors' exports need.

use std::fmt;
use std::str::FromStr;

/// Every input format canvass reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    /// NIST SP 1500-103 CVR Common Data Format, JSON.
    CdfJson,
    /// NIST SP 1500-103 CVR Common Data Format, XML.
    CdfXml,
    /// Dominion CVR export JSON (a folder with `CvrExport*.json` and manifests, or one file).
    DominionJson,
    /// Dominion CVR export CSV.
    DominionCsv,
    /// ES&S CVR export, xlsx.
    EssXlsx,
    /// ES&S CVR export, csv.
    EssCsv,
    /// Hart CVR XML (a folder or zip of per-ballot XML files).
    Hart,
    /// Clear Ballot CSV.
    ClearBallot,
    /// RCTab's generic CSV.
    GenericCsv,
    /// ABIF, aggregated ranked ballots.
    Abif,
    /// RAIRE's ballot-level CSV.
    RaireCsv,
    /// raire-rs JSON (aggregated preferences).
    RaireJson,
}

impl Format {
    /// Every format, in a fixed order.
    pub const ALL: [Format; 12] = [
        Format::CdfJson,
        Format::CdfXml,
        Format::DominionJson,
        Format::DominionCsv,
        Format::EssXlsx,
        Format::EssCsv,
        Format::Hart,
        Format::ClearBallot,
        Format::GenericCsv,
        Format::Abif,
        Format::RaireCsv,
        Format::RaireJson,
    ];

    /// The name used on the command line (`--format`).
    pub fn name(self) -> &'static str {
        match self {
            Format::CdfJson => "cdf-json",
            Format::CdfXml => "cdf-xml",
            Format::DominionJson => "dominion-json",
            Format::DominionCsv => "dominion-csv",
            Format::EssXlsx => "ess-xlsx",
            Format::EssCsv => "ess-csv",
            Format::Hart => "hart",
            Format::ClearBallot => "clear-ballot",
            Format::GenericCsv => "generic-csv",
            Format::Abif => "abif",
            Format::RaireCsv => "raire-csv",
            Format::RaireJson => "raire-json",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Format, String> {
        Format::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
                format!("unknown format {s:?}; expected one of {}", names.join(", "))
            })
    }
}

/// Options of one CVR source, named after RCTab's `cvrFileSources` fields so
/// that an RCTab configuration maps onto them one to one. All are optional;
/// readers that do not use an option ignore it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceOptions {
    /// `contestId`: the contest to read (CDF, Dominion, Hart, Clear Ballot), or
    /// the name to give the single contest of a file (ES&S, generic CSV).
    pub contest: Option<String>,
    /// `firstVoteColumnIndex` (1-based), for ES&S and generic CSV.
    pub first_vote_column: Option<u32>,
    /// `firstVoteRowIndex` (1-based), for ES&S and generic CSV.
    pub first_vote_row: Option<u32>,
    /// `idColumnIndex` (1-based).
    pub id_column: Option<u32>,
    /// `precinctColumnIndex` (1-based).
    pub precinct_column: Option<u32>,
    /// `batchColumnIndex` (1-based).
    pub batch_column: Option<u32>,
    /// `overvoteDelimiter`: a cell holding several names separated by this is an overvote.
    pub overvote_delimiter: Option<String>,
    /// `overvoteLabel`: a cell with this text is an overvote.
    pub overvote_label: Option<String>,
    /// `skippedRankLabel`: a cell with this text is a skipped rank.
    pub skipped_rank_label: Option<String>,
    /// `undeclaredWriteInLabel`: a cell with this text is an undeclared write-in.
    pub undeclared_write_in_label: Option<String>,
    /// `treatBlankAsUndeclaredWriteIn`.
    pub treat_blank_as_undeclared_write_in: bool,
}
