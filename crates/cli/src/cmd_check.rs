//! `canvass check CHECK ...`: answer an allegation with the election's own
//! records and print the finding (`canvass.finding.v1`).
//!
//! One subcommand per check. Each subcommand's arguments embed [`Output`]
//! (how the finding is printed and where it is saved) and call [`emit`]; the
//! reproduce-command in every finding is [`reproduce`]. To add a check: add a
//! variant to [`CheckCommand`] with its `Args`, and an arm in [`run`]. The
//! record-linkage checks (`deceased`, `duplicates`) live in
//! `cmd_check_linkage.rs` and plug in the same way. [`finding`] computes any
//! check's finding from its parsed arguments without printing it; `canvass
//! check all` (`cmd_check_all.rs`) runs every check that way on one folder.

use std::path::{Path, PathBuf};

use anyhow::Context;
use canvass_checks::date::Moment;
use canvass_checks::finding::Finding;
use canvass_checks::machine_vs_paper::{MachineVsPaperInputs, machine_vs_paper};
use canvass_checks::observers::{ObserverInputs, observers};
use canvass_checks::reconcile::{ReconcileInputs, reconcile};
use canvass_checks::table::{FieldMap, Source};
use canvass_checks::timeliness::{TimelinessInputs, timeliness};
use canvass_formats::Format;

/// Arguments of `canvass check`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: CheckCommand,
}

/// The checks.
#[derive(clap::Subcommand, Debug)]
pub enum CheckCommand {
    /// "Votes were lost or deleted": reconcile ballots, check-ins, tapes, mail, manifest, CVRs and totals.
    Reconcile(Box<ReconcileArgs>),
    /// "Machines changed votes": a hand count against the machine count, net and gross, and outcomes.
    MachineVsPaper(Box<MachineVsPaperArgs>),
    /// "Ballots arrived late": each mail ballot under the receipt rule in force (2020 rules built in).
    Timeliness(Box<TimelinessArgs>),
    /// "Poll watchers were not allowed in": the observer log against access rules and the counting schedule.
    Observers(Box<ObserversArgs>),
    /// "Dead people voted": link the voter history with death records.
    Deceased(Box<crate::cmd_check_linkage::DeceasedArgs>),
    /// "People voted twice": link a voter history with itself or another state's.
    Duplicates(Box<crate::cmd_check_linkage::DuplicatesArgs>),
    /// Hash a person file with a shared secret salt, for `deceased|duplicates --hashed`.
    #[command(name = "hash-people")]
    HashPeople(crate::cmd_check_linkage::HashPeopleArgs),
    /// Run every check whose inputs are in a folder (canonical names) and write each finding.
    All(crate::cmd_check_all::AllArgs),
    /// Write mock election records with planted problems for every check (and `planted.json`).
    Mock(MockArgs),
    /// Write mock voter, death and other-state files with planted cases.
    #[command(name = "mock-people")]
    MockPeople(crate::cmd_check_linkage::MockArgs),
}

/// The finding of a check (`reconcile`, `machine-vs-paper`, `timeliness`,
/// `observers`, `deceased`, `duplicates`) with these arguments, not printed
/// nor saved; `reproduce` is its reproduce-command (the linkage checks
/// write theirs from their arguments). The other subcommands are not checks:
/// an error.
pub fn finding(command: CheckCommand, reproduce: String) -> anyhow::Result<Finding> {
    match command {
        CheckCommand::Reconcile(a) => reconcile_finding(*a, reproduce),
        CheckCommand::MachineVsPaper(a) => machine_vs_paper_finding(*a, reproduce),
        CheckCommand::Timeliness(a) => timeliness_finding(*a, reproduce),
        CheckCommand::Observers(a) => observers_finding(*a, reproduce),
        CheckCommand::Deceased(a) => Ok(crate::cmd_check_linkage::deceased_report(&a)?.finding),
        CheckCommand::Duplicates(a) => Ok(crate::cmd_check_linkage::duplicates_report(&a)?.finding),
        CheckCommand::HashPeople(_)
        | CheckCommand::All(_)
        | CheckCommand::Mock(_)
        | CheckCommand::MockPeople(_) => Err(anyhow::anyhow!("not a check")),
    }
}

/// Run `canvass check`.
pub fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        CheckCommand::Reconcile(a) => run_reconcile(*a),
        CheckCommand::MachineVsPaper(a) => run_machine_vs_paper(*a),
        CheckCommand::Timeliness(a) => run_timeliness(*a),
        CheckCommand::Observers(a) => run_observers(*a),
        CheckCommand::Deceased(a) => crate::cmd_check_linkage::run_deceased(*a),
        CheckCommand::Duplicates(a) => crate::cmd_check_linkage::run_duplicates(*a),
        CheckCommand::HashPeople(a) => crate::cmd_check_linkage::run_hash_people(a),
        CheckCommand::All(a) => crate::cmd_check_all::run(a),
        CheckCommand::Mock(a) => run_mock(a),
        CheckCommand::MockPeople(a) => crate::cmd_check_linkage::run_mock(a),
    }
}

/// How a finding is printed and saved; every check's arguments embed it.
#[derive(clap::Args, Debug, Clone)]
pub struct Output {
    /// What to print on stdout: the readable text, the JSON, or an HTML page.
    #[arg(long, value_enum, default_value = "text")]
    pub report: Report,
    /// Print the JSON (same as `--report json`).
    #[arg(long, conflicts_with = "report")]
    pub json: bool,
    /// Also save the finding's JSON to FILE (written to a temporary file, then renamed).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Append the finding to the evidence log in DIR (an audit directory, or
    /// a folder that gets a new log): its JSON under `findings/`, a `finding`
    /// event with its SHA-256 and summary, and a signed checkpoint.
    /// (`--log` is the observer log of `check observers`.)
    #[arg(long, value_name = "DIR")]
    pub evidence_log: Option<PathBuf>,
}

/// A finding's renderings.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Report {
    /// Readable text.
    Text,
    /// The `canvass.finding.v1` JSON.
    Json,
    /// A self-contained HTML page.
    Html,
}

/// The command line that produced this run, quoted for a POSIX shell, as the
/// finding's reproduce-command.
pub fn reproduce() -> String {
    command_line(std::env::args().skip(1))
}

/// `canvass` and these arguments, each quoted for a POSIX shell when it needs it.
pub fn command_line(args: impl IntoIterator<Item = String>) -> String {
    let mut out = String::from("canvass");
    for arg in args {
        out.push(' ');
        if !arg.is_empty()
            && arg
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./=,:@+".contains(c))
        {
            out.push_str(&arg);
        } else {
            out.push('\'');
            out.push_str(&arg.replace('\'', r"'\''"));
            out.push('\'');
        }
    }
    out
}

/// Print a finding as `output` asks, and save its JSON when asked.
pub fn emit(finding: &Finding, output: &Output) -> anyhow::Result<()> {
    if let Some(path) = &output.out {
        canvass_checks::mock::write_atomic(path, &finding.to_json())
            .with_context(|| format!("saving the finding to {}", path.display()))?;
    }
    crate::check_log::log_if_asked(output.evidence_log.as_deref(), finding)?;
    let text = match (output.json, output.report) {
        (true, _) | (_, Report::Json) => finding.to_json(),
        (_, Report::Text) => finding.to_text(),
        (_, Report::Html) => finding.to_html(),
    };
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .context("writing the finding")?;
    stdout.flush().context("writing the finding")
}

fn source(path: Option<PathBuf>, map: &[String]) -> anyhow::Result<Option<Source>> {
    let map = FieldMap::parse(map).map_err(anyhow::Error::msg)?;
    Ok(path.map(|path| Source { path, map }))
}

/// Arguments of `canvass check reconcile` (inputs and columns: docs/CHECKS.md).
#[derive(clap::Args, Debug)]
pub struct ReconcileArgs {
    /// Ballot accounting CSV: precinct, batch, issued, voted, spoiled, unused, provisional.
    #[arg(long, value_name = "CSV")]
    accounting: Option<PathBuf>,
    /// Column map for --accounting (`field=column,...`).
    #[arg(long, value_name = "MAP")]
    map_accounting: Vec<String>,
    /// Poll-book CSV: precinct, check_ins, ballots_cast, explained, reason.
    #[arg(long, value_name = "CSV")]
    poll_book: Option<PathBuf>,
    /// Column map for --poll-book.
    #[arg(long, value_name = "MAP")]
    map_poll_book: Vec<String>,
    /// Tabulator tapes CSV: precinct, tabulator, contest, candidate, votes.
    #[arg(long, value_name = "CSV")]
    tapes: Option<PathBuf>,
    /// Column map for --tapes.
    #[arg(long, value_name = "MAP")]
    map_tapes: Vec<String>,
    /// Statement of votes CSV: precinct, contest, candidate, votes.
    #[arg(long, value_name = "CSV")]
    sov: Option<PathBuf>,
    /// Column map for --sov.
    #[arg(long, value_name = "MAP")]
    map_sov: Vec<String>,
    /// Mail envelope CSV: batch, received, extracted, rejected.
    #[arg(long, value_name = "CSV")]
    mail: Option<PathBuf>,
    /// Column map for --mail.
    #[arg(long, value_name = "MAP")]
    map_mail: Vec<String>,
    /// Mail rejections CSV: batch, reason, count.
    #[arg(long, value_name = "CSV")]
    mail_rejections: Option<PathBuf>,
    /// Column map for --mail-rejections.
    #[arg(long, value_name = "MAP")]
    map_mail_rejections: Vec<String>,
    /// Ballot manifest CSV: batch, tabulator, cards (or ballots).
    #[arg(long, value_name = "CSV")]
    manifest: Option<PathBuf>,
    /// Column map for --manifest.
    #[arg(long, value_name = "MAP")]
    map_manifest: Vec<String>,
    /// CVR files or folders (repeatable), read with the CVR readers.
    #[arg(long, value_name = "PATH")]
    cvr: Vec<PathBuf>,
    /// The CVRs' format (detected when absent).
    #[arg(long, value_parser = parse_format)]
    cvr_format: Option<Format>,
    /// Reported totals CSV: level, contest, candidate, votes.
    #[arg(long, value_name = "CSV")]
    totals: Option<PathBuf>,
    /// Column map for --totals.
    #[arg(long, value_name = "MAP")]
    map_totals: Vec<String>,
    /// Read every input from this folder under its mock name (accounting.csv, ...), where present.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    #[command(flatten)]
    output: Output,
}

fn parse_format(s: &str) -> Result<Format, String> {
    s.parse()
}

/// `name` in `dir`, when it is a file there: how `--dir` finds an input
/// under its canonical name (`canvass_checks::mock::files`).
pub fn in_dir(dir: &Path, name: &str) -> Option<PathBuf> {
    Some(dir.join(name)).filter(|p| p.is_file())
}

fn or_in_dir(given: Option<PathBuf>, dir: &Option<PathBuf>, name: &str) -> Option<PathBuf> {
    given.or_else(|| dir.as_deref().and_then(|d| in_dir(d, name)))
}

fn run_reconcile(a: ReconcileArgs) -> anyhow::Result<()> {
    let output = a.output.clone();
    emit(&reconcile_finding(a, reproduce())?, &output)
}

fn reconcile_finding(a: ReconcileArgs, reproduce: String) -> anyhow::Result<Finding> {
    use canvass_checks::mock::files;
    let d = &a.dir;
    let inputs = ReconcileInputs {
        accounting: source(
            or_in_dir(a.accounting, d, files::ACCOUNTING),
            &a.map_accounting,
        )?,
        poll_book: source(
            or_in_dir(a.poll_book, d, files::POLL_BOOK),
            &a.map_poll_book,
        )?,
        tapes: source(or_in_dir(a.tapes, d, files::TAPES), &a.map_tapes)?,
        sov: source(or_in_dir(a.sov, d, files::SOV), &a.map_sov)?,
        mail: source(or_in_dir(a.mail, d, files::MAIL), &a.map_mail)?,
        mail_rejections: source(
            or_in_dir(a.mail_rejections, d, files::MAIL_REJECTIONS),
            &a.map_mail_rejections,
        )?,
        manifest: source(or_in_dir(a.manifest, d, files::MANIFEST), &a.map_manifest)?,
        cvrs: a.cvr,
        cvr_format: a.cvr_format,
        totals: source(or_in_dir(a.totals, d, files::TOTALS), &a.map_totals)?,
    };
    reconcile(&inputs, reproduce).context("reconciling")
}

/// Arguments of `canvass check mock`.
#[derive(clap::Args, Debug)]
pub struct MockArgs {
    /// The folder to write (created if needed).
    #[arg(long)]
    out: PathBuf,
    /// Number of precincts (at least 10).
    #[arg(long, default_value_t = 20)]
    precincts: u32,
    /// The seed; the same arguments give the same files.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Write the election clean, with no planted problems.
    #[arg(long)]
    clean: bool,
}

fn run_mock(a: MockArgs) -> anyhow::Result<()> {
    let planted = canvass_checks::mock::write(
        &a.out,
        &canvass_checks::mock::MockConfig {
            precincts: a.precincts,
            seed: a.seed,
            plant: !a.clean,
        },
    )?;
    println!("{}", serde_json::to_string_pretty(&planted)?);
    Ok(())
}

/// Arguments of `canvass check machine-vs-paper` (inputs: docs/CHECKS.md).
#[derive(clap::Args, Debug)]
pub struct MachineVsPaperArgs {
    /// Hand count CSV: batch and/or precinct, contest, candidate, votes.
    #[arg(long, value_name = "CSV")]
    hand: PathBuf,
    /// Column map for --hand.
    #[arg(long, value_name = "MAP")]
    map_hand: Vec<String>,
    /// Machine results CSV, same columns as --hand.
    #[arg(long, value_name = "CSV")]
    machine: PathBuf,
    /// Column map for --machine.
    #[arg(long, value_name = "MAP")]
    map_machine: Vec<String>,
    /// Audit discrepancies CSV: tabulator, discrepancy, count, contest, card.
    #[arg(long, value_name = "CSV")]
    discrepancies: Option<PathBuf>,
    /// Column map for --discrepancies.
    #[arg(long, value_name = "MAP")]
    map_discrepancies: Vec<String>,
    /// The hand count covers every unit of the machine results (a full hand count).
    #[arg(long)]
    full: bool,
    /// Winners in a contest other than 1: `CONTEST=N` (repeatable).
    #[arg(long, value_name = "CONTEST=N")]
    seats: Vec<String>,
    #[command(flatten)]
    output: Output,
}

fn run_machine_vs_paper(a: MachineVsPaperArgs) -> anyhow::Result<()> {
    let output = a.output.clone();
    emit(&machine_vs_paper_finding(a, reproduce())?, &output)
}

fn machine_vs_paper_finding(a: MachineVsPaperArgs, reproduce: String) -> anyhow::Result<Finding> {
    let mut seats = std::collections::BTreeMap::new();
    for s in &a.seats {
        let (c, n) = s
            .rsplit_once('=')
            .ok_or_else(|| anyhow::anyhow!("--seats {s:?}: expected CONTEST=N"))?;
        let n: u32 = n
            .parse()
            .map_err(|_| anyhow::anyhow!("--seats {s:?}: {n:?} is not a number"))?;
        seats.insert(c.to_string(), n);
    }
    let req = |p: PathBuf, m: &[String]| -> anyhow::Result<Source> {
        source(Some(p), m)?.ok_or_else(|| anyhow::anyhow!("missing input"))
    };
    let inputs = MachineVsPaperInputs {
        hand: req(a.hand, &a.map_hand)?,
        machine: req(a.machine, &a.map_machine)?,
        discrepancies: source(a.discrepancies, &a.map_discrepancies)?,
        full: a.full,
        seats,
    };
    machine_vs_paper(&inputs, reproduce).context("comparing hand and machine counts")
}

/// Arguments of `canvass check timeliness` (inputs and the rules table: docs/CHECKS.md).
#[derive(clap::Args, Debug)]
pub struct TimelinessArgs {
    /// Mail ballot log CSV: ballot_id, state, election, kind, received, postmarked, status, reason, segregated.
    #[arg(long, value_name = "CSV")]
    ballots: PathBuf,
    /// Column map for --ballots.
    #[arg(long, value_name = "MAP")]
    map_ballots: Vec<String>,
    /// A rules file to add to the built-in table (repeatable; same columns).
    #[arg(long, value_name = "CSV")]
    rules: Vec<PathBuf>,
    /// Use only the --rules files, not the built-in table.
    #[arg(long)]
    no_builtin_rules: bool,
    /// The state, for a log without a `state` column.
    #[arg(long)]
    state: Option<String>,
    /// The election (as in the rules table, e.g. `2020-general`), for a log without an `election` column.
    #[arg(long)]
    election: Option<String>,
    /// Judge every ballot by the rules in force on this day instead of its receipt day.
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,
    /// Print the rules table (built-in plus --rules) as CSV and exit.
    #[arg(long)]
    print_rules: bool,
    #[command(flatten)]
    output: Output,
}

fn run_timeliness(a: TimelinessArgs) -> anyhow::Result<()> {
    if a.print_rules {
        print!("{}", canvass_checks::timeliness::BUILTIN_RULES);
        return Ok(());
    }
    let output = a.output.clone();
    emit(&timeliness_finding(a, reproduce())?, &output)
}

fn timeliness_finding(a: TimelinessArgs, reproduce: String) -> anyhow::Result<Finding> {
    let as_of = a
        .as_of
        .as_deref()
        .map(Moment::parse)
        .transpose()
        .map_err(|m| anyhow::anyhow!("--as-of: {m}"))?;
    let inputs = TimelinessInputs {
        ballots: Source {
            path: a.ballots,
            map: FieldMap::parse(&a.map_ballots).map_err(anyhow::Error::msg)?,
        },
        rules: a.rules.into_iter().map(Source::plain).collect(),
        builtin: !a.no_builtin_rules,
        state: a.state,
        election: a.election,
        as_of,
    };
    timeliness(&inputs, reproduce).context("judging ballot timeliness")
}

/// Arguments of `canvass check observers` (inputs: docs/CHECKS.md).
#[derive(clap::Args, Debug)]
pub struct ObserversArgs {
    /// Observer event log CSV: location, time, action, affiliation, credential, reason, official, rule.
    #[arg(long, value_name = "CSV")]
    log: PathBuf,
    /// Column map for --log.
    #[arg(long, value_name = "MAP")]
    map_log: Vec<String>,
    /// Access rules CSV: location, affiliation, entitled, capacity.
    #[arg(long, value_name = "CSV")]
    access: PathBuf,
    /// Column map for --access.
    #[arg(long, value_name = "MAP")]
    map_access: Vec<String>,
    /// Counting schedule CSV: location, start, end, activity.
    #[arg(long, value_name = "CSV")]
    schedule: PathBuf,
    /// Column map for --schedule.
    #[arg(long, value_name = "MAP")]
    map_schedule: Vec<String>,
    #[command(flatten)]
    output: Output,
}

fn run_observers(a: ObserversArgs) -> anyhow::Result<()> {
    let output = a.output.clone();
    emit(&observers_finding(a, reproduce())?, &output)
}

fn observers_finding(a: ObserversArgs, reproduce: String) -> anyhow::Result<Finding> {
    let s = |p: PathBuf, m: &[String]| -> anyhow::Result<Source> {
        Ok(Source {
            path: p,
            map: FieldMap::parse(m).map_err(anyhow::Error::msg)?,
        })
    };
    let inputs = ObserverInputs {
        log: s(a.log, &a.map_log)?,
        access: s(a.access, &a.map_access)?,
        schedule: s(a.schedule, &a.map_schedule)?,
    };
    observers(&inputs, reproduce).context("checking observer access")
}
