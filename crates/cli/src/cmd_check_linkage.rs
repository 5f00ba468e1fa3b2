//! `canvass check deceased` and `canvass check duplicates`: record linkage
//! of a voter history against death records, itself, or another state's
//! history. A thin shell over `canvass_checks::linkage`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use canvass_checks::linkage::Options;
use canvass_checks::linkage::check;
use canvass_checks::linkage::hashed;
use canvass_checks::linkage::mock;
use canvass_checks::linkage::record::Field;
use canvass_checks::linkage::record::FieldMap;

/// Options shared by the linkage checks.
#[derive(Debug, clap::Args)]
pub struct LinkOptions {
    /// Report pairs whose match probability is at least this.
    #[arg(long, default_value_t = 0.5)]
    threshold: f64,
    /// Keep each record in at most one reported pair (highest probability first).
    #[arg(long)]
    one_to_one: bool,
    /// Do not adjust exact name agreement for the name's frequency.
    #[arg(long)]
    no_term_frequency: bool,
    /// Print the JSON result (matches/pairs, expected_coincidental, finding)
    /// instead of the readable finding.
    #[arg(long)]
    json: bool,
    /// Also write the finding JSON to this file (temp file + rename).
    #[arg(long)]
    finding_out: Option<PathBuf>,
    /// The files are hashed (made by `canvass check hash-people` with one
    /// salt): link on keyed hashes instead of clear values.
    #[arg(long)]
    hashed: bool,
    /// Append the finding to the evidence log in DIR (see `canvass check reconcile --help`).
    #[arg(long, value_name = "DIR")]
    evidence_log: Option<PathBuf>,
}

impl LinkOptions {
    fn options(&self) -> Result<Options> {
        if !(0.0..=1.0).contains(&self.threshold) {
            return Err(anyhow!("--threshold must be between 0 and 1"));
        }
        Ok(Options {
            threshold: self.threshold,
            one_to_one: self.one_to_one,
            term_frequency: !self.no_term_frequency,
            ..Options::default()
        })
    }

    fn flags(&self) -> String {
        let mut s = String::new();
        if self.threshold != 0.5 {
            s.push_str(&format!(" --threshold {}", self.threshold));
        }
        if self.one_to_one {
            s.push_str(" --one-to-one");
        }
        if self.no_term_frequency {
            s.push_str(" --no-term-frequency");
        }
        if self.hashed {
            s.push_str(" --hashed");
        }
        s
    }

    /// Hashed files have fixed column names: no `--map`.
    fn check_maps(&self, maps: &[(&str, &str)]) -> Result<()> {
        if self.hashed
            && let Some((flag, _)) = maps.iter().find(|(_, m)| !m.is_empty())
        {
            return Err(anyhow!(
                "--{flag} cannot be used with --hashed: give the map to `canvass check hash-people` when hashing"
            ));
        }
        Ok(())
    }
}

/// Arguments of `canvass check deceased`.
#[derive(Debug, clap::Args)]
pub struct DeceasedArgs {
    /// Voter history CSV (one row per voter who voted; see docs/CHECKS.md).
    #[arg(long)]
    voters: PathBuf,
    /// Death records CSV.
    #[arg(long)]
    deaths: PathBuf,
    /// Column names of the voter file: `field=column,...`.
    #[arg(long, default_value = "")]
    map_voters: String,
    /// Column names of the death file: `field=column,...`.
    #[arg(long, default_value = "")]
    map_deaths: String,
    #[command(flatten)]
    link: LinkOptions,
}

/// Arguments of `canvass check duplicates`.
#[derive(Debug, clap::Args)]
pub struct DuplicatesArgs {
    /// Voter history CSV.
    #[arg(long)]
    voters: PathBuf,
    /// Another jurisdiction's voter history, to link across instead of within.
    #[arg(long)]
    other_state: Option<PathBuf>,
    /// Column names of the voter file: `field=column,...`.
    #[arg(long, default_value = "")]
    map: String,
    /// Column names of the other state's file: `field=column,...`.
    #[arg(long, default_value = "")]
    map_other: String,
    #[command(flatten)]
    link: LinkOptions,
}

/// Arguments of `canvass check hash-people`.
#[derive(Debug, clap::Args)]
pub struct HashPeopleArgs {
    /// The person file (voters, voter history or deaths) in clear.
    #[arg(long = "in", value_name = "FILE")]
    input: PathBuf,
    /// The secret salt shared by the agencies linking (at least 16 bytes;
    /// e.g. `openssl rand -hex 32`); never sent with the hashed file.
    #[arg(long, value_name = "SALT")]
    salt_file: PathBuf,
    /// The hashed file to write.
    #[arg(long, value_name = "HASHED.csv")]
    out: PathBuf,
    /// Column names of the input: `field=column,...`.
    #[arg(long, default_value = "")]
    map: String,
    /// Which date is kept in clear: `voted_on` (voter history) or `died_on`
    /// (death records).
    #[arg(long, default_value = "voted_on", value_parser = ["voted_on", "died_on"])]
    event: String,
}

/// Arguments of `canvass check mock-people`.
#[derive(Debug, clap::Args)]
pub struct MockArgs {
    /// Folder to write voters.csv, deaths.csv, other_state.csv and truth.json into.
    #[arg(long)]
    out: PathBuf,
    /// Voters in the history.
    #[arg(long, default_value_t = 10_000)]
    voters: usize,
    /// Death records.
    #[arg(long, default_value_t = 1_000)]
    deaths: usize,
    /// Seed (the same seed gives the same files).
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

fn map(spec: &str, flag: &str) -> Result<FieldMap> {
    FieldMap::parse(spec).map_err(|e| anyhow!("--{flag}: {e}"))
}

fn q(p: &Path) -> String {
    let s = p.display().to_string();
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c))
    {
        s
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

fn write_atomic(path: &Path, text: &str) -> Result<()> {
    write_atomic_with(path, |w| w.write_all(text.as_bytes()))
}

/// Write through a temporary file in the same folder, then rename, so a
/// reader never sees half a file.
fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let file =
        std::fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    let mut w = std::io::BufWriter::new(file);
    write(&mut w)
        .and_then(|()| w.flush())
        .with_context(|| format!("writing {}", tmp.display()))?;
    drop(w);
    std::fs::rename(&tmp, path).with_context(|| format!("renaming to {}", path.display()))?;
    Ok(())
}

fn emit(
    json: &serde_json::Value,
    text: String,
    link: &LinkOptions,
    finding: &canvass_checks::finding::Finding,
) -> Result<()> {
    if let Some(p) = &link.finding_out {
        write_atomic(p, &finding.to_json())?;
    }
    crate::check_log::log_if_asked(link.evidence_log.as_deref(), finding)?;
    let mut out = std::io::stdout().lock();
    if link.json {
        let mut s = serde_json::to_string_pretty(json)?;
        s.push('\n');
        out.write_all(s.as_bytes())?;
    } else {
        out.write_all(text.as_bytes())?;
    }
    Ok(())
}

/// Run `canvass check deceased`.
pub fn run_deceased(a: DeceasedArgs) -> Result<()> {
    let r = deceased_report(&a)?;
    let mut text = r.finding.to_text();
    text.push_str(&format!(
        "\nLinked pairs (probability >= {}): {}\n",
        a.link.threshold,
        r.matches.len()
    ));
    for m in &r.matches {
        let when = match m.death_before_vote {
            Some(true) => "died before voting",
            Some(false) => "died after voting",
            None => "dates unknown",
        };
        text.push_str(&format!(
            "  voter {}  death {}  p={:.4}  {when}\n",
            m.voter, m.death, m.probability
        ));
    }
    emit(&serde_json::to_value(&r)?, text, &a.link, &r.finding)
}

/// The `deceased` result for these arguments (not printed nor saved).
pub fn deceased_report(a: &DeceasedArgs) -> Result<check::DeceasedReport> {
    let mv = map(&a.map_voters, "map-voters")?;
    let md = map(&a.map_deaths, "map-deaths")?;
    a.link
        .check_maps(&[("map-voters", &a.map_voters), ("map-deaths", &a.map_deaths)])?;
    let mut reproduce = format!(
        "canvass check deceased --voters {} --deaths {}",
        q(&a.voters),
        q(&a.deaths)
    );
    if !a.map_voters.is_empty() {
        reproduce.push_str(&format!(" --map-voters '{}'", a.map_voters));
    }
    if !a.map_deaths.is_empty() {
        reproduce.push_str(&format!(" --map-deaths '{}'", a.map_deaths));
    }
    reproduce.push_str(&a.link.flags());
    Ok(check::deceased(
        &a.voters,
        &a.deaths,
        &mv,
        &md,
        &a.link.options()?,
        a.link.hashed,
        reproduce,
    )?)
}

/// Run `canvass check duplicates`.
pub fn run_duplicates(a: DuplicatesArgs) -> Result<()> {
    let r = duplicates_report(&a)?;
    let mut text = r.finding.to_text();
    text.push_str(&format!(
        "\nLinked pairs (probability >= {}): {}\n",
        a.link.threshold,
        r.pairs.len()
    ));
    for p in &r.pairs {
        text.push_str(&format!(
            "  {}  {}  p={:.4}{}\n",
            p.a,
            p.b,
            p.probability,
            if p.both_voted { "  both voted" } else { "" }
        ));
    }
    emit(&serde_json::to_value(&r)?, text, &a.link, &r.finding)
}

/// The `duplicates` result for these arguments (not printed nor saved).
pub fn duplicates_report(a: &DuplicatesArgs) -> Result<check::DuplicatesReport> {
    let m = map(&a.map, "map")?;
    let mo = map(&a.map_other, "map-other")?;
    a.link
        .check_maps(&[("map", &a.map), ("map-other", &a.map_other)])?;
    let mut reproduce = format!("canvass check duplicates --voters {}", q(&a.voters));
    if let Some(o) = &a.other_state {
        reproduce.push_str(&format!(" --other-state {}", q(o)));
    }
    if !a.map.is_empty() {
        reproduce.push_str(&format!(" --map '{}'", a.map));
    }
    if !a.map_other.is_empty() {
        reproduce.push_str(&format!(" --map-other '{}'", a.map_other));
    }
    reproduce.push_str(&a.link.flags());
    Ok(check::duplicates(
        &a.voters,
        a.other_state.as_deref(),
        &m,
        &mo,
        &a.link.options()?,
        a.link.hashed,
        reproduce,
    )?)
}

/// Run `canvass check hash-people`.
pub fn run_hash_people(a: HashPeopleArgs) -> Result<()> {
    let m = map(&a.map, "map")?;
    let event = if a.event == "died_on" {
        Field::DiedOn
    } else {
        Field::VotedOn
    };
    let hmac = hashed::read_salt(&a.salt_file)?;
    let mut summary = None;
    write_atomic_with(&a.out, |w| {
        summary =
            Some(hashed::hash_file(&a.input, &m, event, &hmac, w).map_err(std::io::Error::other)?);
        Ok(())
    })?;
    if let Some(s) = summary {
        eprintln!(
            "hashed {} records of {} into {} (columns: {}; key check {})",
            s.records,
            a.input.display(),
            a.out.display(),
            s.columns.join(","),
            s.key_check
        );
    }
    Ok(())
}

/// Run `canvass check mock-people`.
pub fn run_mock(a: MockArgs) -> Result<()> {
    let cfg = mock::Config {
        voters: a.voters,
        deaths: a.deaths,
        other_state: a.voters / 5,
        seed: a.seed,
    };
    std::fs::create_dir_all(&a.out).with_context(|| format!("creating {}", a.out.display()))?;
    let m = mock::generate(&cfg);
    write_atomic_with(&a.out.join("voters.csv"), |w| m.write_voters(w))?;
    write_atomic_with(&a.out.join("deaths.csv"), |w| m.write_deaths(w))?;
    write_atomic_with(&a.out.join("other_state.csv"), |w| m.write_other(w))?;
    write_atomic(&a.out.join("truth.json"), &m.truth_json())?;
    eprintln!(
        "wrote {} voters, {} deaths ({} planted dead voters), {} other-state voters ({} planted double voters), {} planted in-file duplicates to {}",
        m.voters.len(),
        m.deaths.len(),
        m.truth.dead_voters.len(),
        m.other.len(),
        m.truth.cross_state.len(),
        m.truth.in_file.len(),
        a.out.display()
    );
    Ok(())
}
