//! The RCTab configuration file, parsed with serde and validated.

use super::RctabError;
use crate::ranked::{Decimal, OvervoteRule, RankedRules, TiebreakMode, WinnerMode};
use serde::{Deserialize, Deserializer};
use std::path::{Path, PathBuf};

/// A JSON value RCTab writes as a string but older files write as a number
/// or boolean: kept as text.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v = Option::<serde_json::Value>::deserialize(d)?;
    Ok(match v {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s),
        Some(other) => Some(other.to_string()),
    })
}

/// A boolean that may also be written as `"true"`/`"false"` text.
fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    text(d)
}

/// `outputSettings`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OutputSettings {
    /// `contestName` (required).
    #[serde(deserialize_with = "text")]
    pub contest_name: Option<String>,
    /// `outputDirectory`.
    #[serde(deserialize_with = "text")]
    pub output_directory: Option<String>,
    /// `contestDate`.
    #[serde(deserialize_with = "text")]
    pub contest_date: Option<String>,
    /// `contestJurisdiction`.
    #[serde(deserialize_with = "text")]
    pub contest_jurisdiction: Option<String>,
    /// `contestOffice`.
    #[serde(deserialize_with = "text")]
    pub contest_office: Option<String>,
    /// `tabulateByPrecinct`.
    #[serde(deserialize_with = "flag")]
    pub tabulate_by_precinct: Option<String>,
    /// `tabulateByBatch`.
    #[serde(deserialize_with = "flag")]
    pub tabulate_by_batch: Option<String>,
    /// `generateCdfJson`.
    #[serde(deserialize_with = "flag")]
    pub generate_cdf_json: Option<String>,
}

/// One entry of `cvrFileSources`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CvrSource {
    /// `filePath`, relative to the configuration's folder.
    #[serde(deserialize_with = "text")]
    pub file_path: Option<String>,
    /// `contestId`.
    #[serde(deserialize_with = "text")]
    pub contest_id: Option<String>,
    /// `firstVoteColumnIndex`.
    #[serde(deserialize_with = "text")]
    pub first_vote_column_index: Option<String>,
    /// `firstVoteRowIndex`.
    #[serde(deserialize_with = "text")]
    pub first_vote_row_index: Option<String>,
    /// `idColumnIndex`.
    #[serde(deserialize_with = "text")]
    pub id_column_index: Option<String>,
    /// `batchColumnIndex`.
    #[serde(deserialize_with = "text")]
    pub batch_column_index: Option<String>,
    /// `precinctColumnIndex`.
    #[serde(deserialize_with = "text")]
    pub precinct_column_index: Option<String>,
    /// `overvoteDelimiter`.
    #[serde(deserialize_with = "text")]
    pub overvote_delimiter: Option<String>,
    /// `provider`: `ess`, `dominion`, `hart`, `clearBallot`, `cdf`, `genericCsv`.
    #[serde(deserialize_with = "text")]
    pub provider: Option<String>,
    /// `overvoteLabel`.
    #[serde(deserialize_with = "text")]
    pub overvote_label: Option<String>,
    /// `skippedRankLabel`.
    #[serde(deserialize_with = "text")]
    pub skipped_rank_label: Option<String>,
    /// `undeclaredWriteInLabel`.
    #[serde(deserialize_with = "text")]
    pub undeclared_write_in_label: Option<String>,
    /// `treatBlankAsUndeclaredWriteIn`.
    #[serde(deserialize_with = "flag")]
    pub treat_blank_as_undeclared_write_in: Option<String>,
}

/// One entry of `candidates`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConfigCandidate {
    /// `name` (required, unique).
    #[serde(deserialize_with = "text")]
    pub name: Option<String>,
    /// `code` (older configurations): another spelling used in CVRs.
    #[serde(deserialize_with = "text")]
    pub code: Option<String>,
    /// `aliases`: other spellings used in CVRs.
    pub aliases: Vec<String>,
    /// `excluded`.
    #[serde(deserialize_with = "flag")]
    pub excluded: Option<String>,
}

/// `rules`, as written (validated by [`Config::rules`]).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[allow(missing_docs)]
pub struct RawRules {
    #[serde(deserialize_with = "text")]
    pub tiebreak_mode: Option<String>,
    #[serde(deserialize_with = "text")]
    pub overvote_rule: Option<String>,
    #[serde(deserialize_with = "text")]
    pub winner_election_mode: Option<String>,
    #[serde(deserialize_with = "text")]
    pub random_seed: Option<String>,
    #[serde(deserialize_with = "text")]
    pub number_of_winners: Option<String>,
    #[serde(deserialize_with = "text")]
    pub multi_seat_bottoms_up_percentage_threshold: Option<String>,
    #[serde(deserialize_with = "text")]
    pub decimal_places_for_vote_arithmetic: Option<String>,
    #[serde(deserialize_with = "text")]
    pub minimum_vote_threshold: Option<String>,
    #[serde(deserialize_with = "text")]
    pub max_skipped_ranks_allowed: Option<String>,
    #[serde(deserialize_with = "text")]
    pub max_rankings_allowed: Option<String>,
    #[serde(deserialize_with = "flag")]
    pub non_integer_winning_threshold: Option<String>,
    #[serde(deserialize_with = "flag")]
    pub does_first_round_determine_threshold: Option<String>,
    #[serde(deserialize_with = "flag")]
    pub hare_quota: Option<String>,
    #[serde(deserialize_with = "flag")]
    pub batch_elimination: Option<String>,
    #[serde(deserialize_with = "flag")]
    pub continue_until_two_candidates_remain: Option<String>,
    #[serde(deserialize_with = "text")]
    pub stop_tabulation_early_after_round: Option<String>,
    #[serde(deserialize_with = "flag")]
    pub exhaust_on_duplicate_candidate: Option<String>,
    #[serde(deserialize_with = "text")]
    pub rules_description: Option<String>,
}

/// An RCTab contest configuration.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Config {
    /// `tabulatorVersion`.
    #[serde(deserialize_with = "text")]
    pub tabulator_version: Option<String>,
    /// `outputSettings`.
    pub output_settings: OutputSettings,
    /// `cvrFileSources`.
    pub cvr_file_sources: Vec<CvrSource>,
    /// `candidates`.
    pub candidates: Vec<ConfigCandidate>,
    /// `rules`.
    pub rules: RawRules,
    /// The folder relative paths are resolved against (the config's folder).
    #[serde(skip)]
    pub folder: PathBuf,
    /// The configuration file.
    #[serde(skip)]
    pub path: PathBuf,
}

fn blank(s: &Option<String>) -> bool {
    s.as_deref().is_none_or(|s| s.trim().is_empty())
}

fn truthy(s: &Option<String>) -> Result<bool, String> {
    match s.as_deref().map(str::trim) {
        None | Some("") | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(format!("{other:?} is not true or false")),
    }
}

fn int_in(
    field: &str,
    value: &Option<String>,
    lo: i64,
    hi: i64,
    required: bool,
    problems: &mut Vec<String>,
) -> Option<i64> {
    if blank(value) {
        if required {
            problems.push(format!(
                "{field} is required (an integer from {lo} to {hi})"
            ));
        }
        return None;
    }
    let text = value.as_deref().unwrap_or("").trim();
    match text.parse::<i64>() {
        Ok(v) if (lo..=hi).contains(&v) => Some(v),
        _ => {
            problems.push(format!(
                "{field} must be an integer from {lo} to {hi}, not {text:?}"
            ));
            None
        }
    }
}

/// The reader format of a source's `provider` and file name.
pub(crate) fn source_format(source: &CvrSource) -> Option<canvass_formats::Format> {
    use canvass_formats::Format;
    let path = source.file_path.as_deref().unwrap_or("").to_lowercase();
    Some(match source.provider.as_deref()? {
        "ess" if path.ends_with(".csv") => Format::EssCsv,
        "ess" => Format::EssXlsx,
        "cdf" if path.ends_with(".xml") => Format::CdfXml,
        "cdf" => Format::CdfJson,
        "dominion" => Format::DominionJson,
        "hart" => Format::Hart,
        "clearBallot" => Format::ClearBallot,
        "genericCsv" | "csv" => Format::GenericCsv,
        _ => return None,
    })
}

impl Config {
    /// Read and parse a configuration file (no validation beyond the shape).
    pub fn load(path: &Path) -> Result<Config, RctabError> {
        let text = std::fs::read_to_string(path).map_err(|source| RctabError::Io {
            path: path.to_owned(),
            source,
        })?;
        // Through a Value first: like RCTab's JSON parser, a repeated key
        // keeps its last value instead of failing.
        let parse = |e: serde_json::Error| RctabError::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        };
        let value: serde_json::Value = serde_json::from_str(&text).map_err(parse)?;
        let mut config: Config = serde_json::from_value(value).map_err(parse)?;
        config.path = path.to_owned();
        config.folder = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        Ok(config)
    }

    /// Resolve a path of the configuration against its folder.
    pub fn resolve(&self, p: &str) -> PathBuf {
        let p = Path::new(p);
        if p.is_absolute() {
            p.to_owned()
        } else {
            self.folder.join(p)
        }
    }

    /// The contest name.
    pub fn contest_name(&self) -> &str {
        self.output_settings.contest_name.as_deref().unwrap_or("")
    }

    /// Whether any source has undeclared write-ins (RCTab then adds the
    /// `Undeclared Write-ins` candidate).
    pub fn undeclared_write_ins_enabled(&self) -> bool {
        self.cvr_file_sources.iter().any(|s| {
            !blank(&s.undeclared_write_in_label)
                || truthy(&s.treat_blank_as_undeclared_write_in).unwrap_or(false)
        })
    }

    /// Check every field RCTab checks; all problems are reported at once.
    pub fn validate(&self) -> Result<(), RctabError> {
        let mut problems = Vec::new();
        if blank(&self.tabulator_version) {
            problems.push("tabulatorVersion is required".to_owned());
        }
        if blank(&self.output_settings.contest_name) {
            problems.push("outputSettings.contestName is required".to_owned());
        }
        if let Some(dir) = self.output_settings.output_directory.as_deref()
            && !cfg!(windows)
            && looks_like_windows_drive(dir)
        {
            problems.push(format!(
                "outputSettings.outputDirectory {dir:?} is a Windows drive path and cannot be used on this system"
            ));
        }
        for key in ["tabulateByPrecinct", "tabulateByBatch", "generateCdfJson"] {
            let v = match key {
                "tabulateByPrecinct" => &self.output_settings.tabulate_by_precinct,
                "tabulateByBatch" => &self.output_settings.tabulate_by_batch,
                _ => &self.output_settings.generate_cdf_json,
            };
            if let Err(e) = truthy(v) {
                problems.push(format!("outputSettings.{key}: {e}"));
            }
        }
        self.validate_sources(&mut problems);
        self.validate_candidates(&mut problems);
        if let Err(mut p) = self.rules() {
            problems.append(&mut p);
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(RctabError::Invalid {
                path: self.path.clone(),
                problems,
            })
        }
    }

    fn validate_sources(&self, problems: &mut Vec<String>) {
        if self.cvr_file_sources.is_empty() {
            problems.push("cvrFileSources must list at least one cast vote record source".into());
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, s) in self.cvr_file_sources.iter().enumerate() {
            let at = format!("cvrFileSources[{}]", i + 1);
            let Some(path) = s.file_path.as_deref().filter(|p| !p.trim().is_empty()) else {
                problems.push(format!("{at}: filePath is required"));
                continue;
            };
            let resolved = self.resolve(path);
            if !seen.insert(resolved.clone()) {
                problems.push(format!("{at}: duplicate filePath {path:?}"));
            }
            if !resolved.exists() {
                problems.push(format!("{at}: file not found: {}", resolved.display()));
            }
            let format = source_format(s);
            if format.is_none() {
                problems.push(format!(
                    "{at}: provider {:?} is not one of ess, dominion, hart, clearBallot, cdf, genericCsv",
                    s.provider.as_deref().unwrap_or("")
                ));
            }
            let tabular = matches!(
                format,
                Some(canvass_formats::Format::EssXlsx | canvass_formats::Format::EssCsv)
            );
            int_in(
                &format!("{at}.firstVoteColumnIndex"),
                &s.first_vote_column_index,
                1,
                1000,
                tabular,
                problems,
            );
            int_in(
                &format!("{at}.firstVoteRowIndex"),
                &s.first_vote_row_index,
                1,
                100_000,
                tabular,
                problems,
            );
            for (name, v) in [
                ("idColumnIndex", &s.id_column_index),
                ("precinctColumnIndex", &s.precinct_column_index),
                ("batchColumnIndex", &s.batch_column_index),
            ] {
                int_in(&format!("{at}.{name}"), v, 1, 1000, false, problems);
            }
            if let Err(e) = truthy(&s.treat_blank_as_undeclared_write_in) {
                problems.push(format!("{at}.treatBlankAsUndeclaredWriteIn: {e}"));
            }
            if !blank(&s.overvote_delimiter) && !blank(&s.overvote_label) {
                problems.push(format!(
                    "{at}: overvoteDelimiter and overvoteLabel cannot both be given"
                ));
            }
        }
    }

    fn validate_candidates(&self, problems: &mut Vec<String>) {
        if self.candidates.is_empty() {
            problems.push("candidates must list at least one candidate".into());
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, c) in self.candidates.iter().enumerate() {
            let at = format!("candidates[{}]", i + 1);
            match c.name.as_deref().map(str::trim) {
                None | Some("") => problems.push(format!("{at}: name is required")),
                Some(name) => {
                    if !seen.insert(name.to_owned()) {
                        problems.push(format!("{at}: duplicate candidate name {name:?}"));
                    }
                }
            }
            for a in &c.aliases {
                if Some(a.as_str()) != c.name.as_deref() && !seen.insert(a.clone()) {
                    problems.push(format!("{at}: alias {a:?} is used twice"));
                }
            }
            if let Err(e) = truthy(&c.excluded) {
                problems.push(format!("{at}.excluded: {e}"));
            }
        }
        if !self.candidates.is_empty()
            && self
                .candidates
                .iter()
                .all(|c| truthy(&c.excluded).unwrap_or(false))
        {
            problems.push("candidates: every candidate is excluded".into());
        }
    }

    /// The counting rules, or every problem with them.
    pub fn rules(&self) -> Result<RankedRules, Vec<String>> {
        let r = &self.rules;
        let mut problems = Vec::new();
        let mut rules = RankedRules::default();
        let flag_of = |name: &str, v: &Option<String>, problems: &mut Vec<String>| {
            truthy(v).unwrap_or_else(|e| {
                problems.push(format!("rules.{name}: {e}"));
                false
            })
        };
        rules.non_integer_threshold = flag_of(
            "nonIntegerWinningThreshold",
            &r.non_integer_winning_threshold,
            &mut problems,
        );
        rules.first_round_determines_threshold = flag_of(
            "doesFirstRoundDetermineThreshold",
            &r.does_first_round_determine_threshold,
            &mut problems,
        );
        rules.hare_quota = flag_of("hareQuota", &r.hare_quota, &mut problems);
        rules.batch_elimination = flag_of("batchElimination", &r.batch_elimination, &mut problems);
        rules.continue_until_two = flag_of(
            "continueUntilTwoCandidatesRemain",
            &r.continue_until_two_candidates_remain,
            &mut problems,
        );
        rules.exhaust_on_duplicate = flag_of(
            "exhaustOnDuplicateCandidate",
            &r.exhaust_on_duplicate_candidate,
            &mut problems,
        );
        rules.by_precinct = truthy(&self.output_settings.tabulate_by_precinct).unwrap_or(false);

        rules.tiebreak = match r.tiebreak_mode.as_deref().unwrap_or("") {
            "random" => TiebreakMode::Random,
            "stopCountingAndAsk" => TiebreakMode::StopCountingAndAsk,
            "previousRoundCountsThenRandom" => TiebreakMode::PreviousRoundCountsThenRandom,
            "previousRoundCountsThenAsk" => TiebreakMode::PreviousRoundCountsThenAsk,
            "useCandidateOrder" => TiebreakMode::UseCandidateOrder,
            "generatePermutation" => TiebreakMode::GeneratePermutation,
            other => {
                problems.push(format!("rules.tiebreakMode {other:?} is not a known mode"));
                TiebreakMode::StopCountingAndAsk
            }
        };
        rules.overvote_rule = match r.overvote_rule.as_deref().unwrap_or("") {
            "alwaysSkipToNextRank" => OvervoteRule::AlwaysSkipToNextRank,
            "exhaustImmediately" => OvervoteRule::ExhaustImmediately,
            "exhaustIfMultipleContinuing" => OvervoteRule::ExhaustIfMultipleContinuing,
            other => {
                problems.push(format!("rules.overvoteRule {other:?} is not a known rule"));
                OvervoteRule::AlwaysSkipToNextRank
            }
        };
        let needs_seed = matches!(
            rules.tiebreak,
            TiebreakMode::Random
                | TiebreakMode::PreviousRoundCountsThenRandom
                | TiebreakMode::GeneratePermutation
        );
        rules.random_seed = int_in(
            "rules.randomSeed",
            &r.random_seed,
            -140_737_488_355_328,
            140_737_488_355_327,
            needs_seed,
            &mut problems,
        );
        let percentage = if blank(&r.multi_seat_bottoms_up_percentage_threshold) {
            None
        } else {
            let t = r
                .multi_seat_bottoms_up_percentage_threshold
                .as_deref()
                .unwrap_or("");
            match Decimal::parse(t) {
                Some(v) if v.signum() > 0 && v <= Decimal::from_int(100) => Some(v),
                _ => {
                    problems.push(format!(
                        "rules.multiSeatBottomsUpPercentageThreshold must be a number from 1 to 100, not {t:?}"
                    ));
                    None
                }
            }
        };
        let mode = r.winner_election_mode.as_deref().unwrap_or("");
        let min_winners = if mode == "bottomsUpUsingPercentageThreshold" {
            0
        } else {
            1
        };
        rules.seats = int_in(
            "rules.numberOfWinners",
            &r.number_of_winners,
            min_winners,
            i64::from(u32::MAX),
            true,
            &mut problems,
        )
        .unwrap_or(1) as u32;
        rules.decimal_places = int_in(
            "rules.decimalPlacesForVoteArithmetic",
            &r.decimal_places_for_vote_arithmetic,
            1,
            20,
            true,
            &mut problems,
        )
        .unwrap_or(4) as u32;
        rules.winner_mode = match mode {
            "singleWinnerMajority" => WinnerMode::SingleWinnerMajority,
            "multiWinnerAllowOnlyOneWinnerPerRound" => WinnerMode::MultiWinnerOnlyOnePerRound,
            "multiWinnerAllowMultipleWinnersPerRound" => WinnerMode::MultiWinnerMultiplePerRound,
            "bottomsUp" => WinnerMode::BottomsUp,
            "bottomsUpUsingPercentageThreshold" => match percentage {
                // The expected reports show percentage / 100 as an exact
                // BigDecimal quotient (15 -> 0.15, 10 -> 0.1).
                Some(p) => WinnerMode::BottomsUpPercentage(exact_hundredth(p)),
                None => {
                    problems.push(
                        "rules.multiSeatBottomsUpPercentageThreshold is required for bottomsUpUsingPercentageThreshold".into(),
                    );
                    WinnerMode::SingleWinnerMajority
                }
            },
            "multiPassIrv" => WinnerMode::MultiPassIrv,
            other => {
                problems.push(format!(
                    "rules.winnerElectionMode {other:?} is not a known mode"
                ));
                WinnerMode::SingleWinnerMajority
            }
        };
        if rules.seats == 1
            && !matches!(
                rules.winner_mode,
                WinnerMode::SingleWinnerMajority | WinnerMode::BottomsUpPercentage(_)
            )
            && !problems.iter().any(|p| p.contains("numberOfWinners"))
            && mode != "multiPassIrv"
        {
            problems.push(format!(
                "rules.winnerElectionMode {mode:?} needs more than one winner"
            ));
        }
        if rules.seats > 1 && rules.winner_mode == WinnerMode::SingleWinnerMajority {
            problems.push(
                "rules.winnerElectionMode singleWinnerMajority needs numberOfWinners 1".into(),
            );
        }
        rules.max_skipped_ranks = match r.max_skipped_ranks_allowed.as_deref().map(str::trim) {
            Some(s) if s.eq_ignore_ascii_case("unlimited") => None,
            _ => int_in(
                "rules.maxSkippedRanksAllowed",
                &r.max_skipped_ranks_allowed,
                0,
                i64::from(u32::MAX),
                true,
                &mut problems,
            )
            .map(|v| v as u32),
        };
        rules.max_rankings = match r.max_rankings_allowed.as_deref().map(str::trim) {
            Some(s) if s.eq_ignore_ascii_case("max") => None,
            _ => int_in(
                "rules.maxRankingsAllowed",
                &r.max_rankings_allowed,
                1,
                i64::from(u32::MAX),
                true,
                &mut problems,
            )
            .map(|v| v as u32),
        };
        rules.minimum_vote_threshold = Decimal::from_int(i128::from(
            int_in(
                "rules.minimumVoteThreshold",
                &r.minimum_vote_threshold,
                0,
                1_000_000,
                false,
                &mut problems,
            )
            .unwrap_or(0),
        ));
        rules.stop_after_round = int_in(
            "rules.stopTabulationEarlyAfterRound",
            &r.stop_tabulation_early_after_round,
            1,
            i64::from(u32::MAX),
            false,
            &mut problems,
        )
        .map(|v| v as u32);
        if rules.hare_quota && rules.non_integer_threshold {
            problems.push(
                "rules.nonIntegerWinningThreshold and rules.hareQuota cannot both be true".into(),
            );
        }
        if problems.is_empty() {
            Ok(rules)
        } else {
            Err(problems)
        }
    }
}

fn looks_like_windows_drive(dir: &str) -> bool {
    let b = dir.as_bytes();
    b.len() >= 3
        && b.first().is_some_and(u8::is_ascii_alphabetic)
        && b.get(1) == Some(&b':')
        && matches!(b.get(2), Some(b'/') | Some(b'\\'))
}

/// `p / 100` as Java's exact `BigDecimal.divide` gives it: the smallest scale,
/// at least `p`'s own, that holds the quotient exactly.
fn exact_hundredth(p: Decimal) -> Decimal {
    let mut unscaled = p.unscaled();
    let mut scale = p.scale() + 2;
    while scale > p.scale() && unscaled % 10 == 0 {
        unscaled /= 10;
        scale -= 1;
    }
    Decimal::new(unscaled, scale)
}
