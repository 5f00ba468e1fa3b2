//! `canvass audit`: run a risk-limiting audit from files.
//!
//! ```text
//! canvass audit create DIR --cvrs PATH... [--format F] --manifest MANIFEST.csv \
//!                          --contest NAME... --risk-limit 0.05 --method comparison|polling \
//!                          [--risk-function kaplan-markov|alpha|betting]
//! canvass audit create DIR --method batch-comparison --batch-tallies TALLIES.csv \
//!                          --manifest MANIFEST.csv --contest NAME... [--seats NAME=N]... \
//!                          --risk-limit 0.05 [--cvrs PATH... [--format F]]
//! canvass audit seed   DIR --seed S
//! canvass audit draw   DIR
//! canvass audit record DIR --mvrs FILE | --hand-tallies FILE
//! canvass audit status DIR [--json]
//! canvass audit restore DIR
//! ```
//!
//! The logic lives in `canvass_audit::workflow`; this module reads and writes
//! the audit directory (see `audit_dir` and docs/AUDIT.md), each step through
//! the directory's store `DIR/audit.db` (`audit_store`). Batch-comparison
//! audits are in `cmd_audit_batch`; every subcommand hands them over there.

use crate::audit_dir::{
    Audit, Inputs, MvrImport, SeedFile, cards_csv, digest_path, json_bytes, read_manifest,
    read_mvr_file, round_csvs, sha256_hex, write_atomic,
};
use crate::audit_log::{self, AuditLog};
use crate::audit_store::{AuditStore, STORE_FILE, StepRecords};
use crate::batch_dir::is_batch_audit;
use anyhow::{Context, bail};
use canvass_audit::workflow::{
    AuditInputs, ContestRule, ContestState, ContestStatus, HandCount, Method, Paper, RiskFunction,
    RoundPlan, build_audit, evaluate, first_round, next_round, retrieval_order, round_sample,
    selections_as_votes,
};
use canvass_evidence::log::{Event, kind};
use canvass_formats::{Format, SourceOptions, read_paths};
use canvass_model::{Card, CardId, Election};
use canvass_store::{ManualRecord, SampleDraw};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Arguments of `canvass audit`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: AuditCommand,
}

#[derive(clap::Subcommand, Debug)]
enum AuditCommand {
    /// Create an audit in DIR from CVRs, a ballot manifest and the contests to
    /// audit; records every input's SHA-256 in DIR/inputs.json.
    Create {
        /// The audit directory (created; must not hold an audit yet).
        dir: PathBuf,
        /// CVR files or folders (optional for batch-comparison, where their
        /// contest totals are checked against the batch tallies).
        #[arg(long, num_args = 1..)]
        cvrs: Vec<PathBuf>,
        /// Batch-comparison only: the reported votes per batch, CSV with
        /// columns batch, contest, candidate, votes (and optionally tabulator).
        #[arg(long, value_name = "CSV")]
        batch_tallies: Option<PathBuf>,
        /// Batch-comparison only: the number of winners of a contest,
        /// NAME=N (default 1; repeat for several contests).
        #[arg(long = "seats", value_name = "NAME=N")]
        seats: Vec<String>,
        /// The CVR format (detected when omitted).
        #[arg(long)]
        format: Option<Format>,
        /// The ballot manifest: CSV with columns batch, ballots and optionally
        /// tabulator; one row per batch of paper.
        #[arg(long)]
        manifest: PathBuf,
        /// A contest to audit, by name (repeat for several).
        #[arg(long = "contest", required = true, num_args = 1..)]
        contests: Vec<String>,
        /// The risk limit, e.g. 0.05 for 5%.
        #[arg(long)]
        risk_limit: f64,
        /// comparison (each card's paper against its CVR), polling, or
        /// batch-comparison (each drawn batch's hand tally against its
        /// reported tally).
        #[arg(long, value_parser = parse_method)]
        method: CliMethod,
        /// The risk function of a comparison audit: kaplan-markov (super-simple,
        /// as Arlo and Colorado), alpha (ALPHA, shrink-trunc) or betting.
        #[arg(long, value_parser = parse_risk_function, default_value = "kaplan-markov")]
        risk_function: RiskFunction,
        /// The private key (`canvass keys generate`) that signs the audit
        /// log's checkpoints; by default a new key is made in DIR/log.key.
        #[arg(long, value_name = "KEYFILE")]
        key: Option<PathBuf>,
    },
    /// Record the public random seed (once, after inputs.json is published).
    Seed {
        /// The audit directory.
        dir: PathBuf,
        /// The seed, e.g. 20 digits from dice rolled in public.
        #[arg(long)]
        seed: String,
    },
    /// Draw the next round: writes DIR/round-N/{round.json,sample.csv,retrieval.csv}.
    Draw {
        /// The audit directory.
        dir: PathBuf,
    },
    /// Take in manual vote records (CSV or JSON) from audit boards.
    Record {
        /// The audit directory.
        dir: PathBuf,
        /// The MVR file: CSV with card_id (or batch and position) and one
        /// column per contest, or a JSON array of records.
        #[arg(
            long,
            required_unless_present = "hand_tallies",
            conflicts_with = "hand_tallies"
        )]
        mvrs: Option<PathBuf>,
        /// Batch-comparison: the hand tallies of drawn batches, CSV with
        /// columns batch, contest, candidate, votes (optionally tabulator).
        #[arg(long, value_name = "CSV")]
        hand_tallies: Option<PathBuf>,
        /// The role id of the board that entered the records (e.g. BOARD-1;
        /// never a person's name), written to the audit log.
        #[arg(long, value_name = "BOARD-ID")]
        entered_by: Option<String>,
    },
    /// Rewrite the files of DIR from its store DIR/audit.db (after a file
    /// was changed or deleted by mistake); files the store does not hold
    /// under the names `canvass audit` writes are removed.
    Restore {
        /// The audit directory.
        dir: PathBuf,
    },
    /// Report each contest: sample, discrepancies, risk, and what comes next.
    Status {
        /// The audit directory.
        dir: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// `--method` of `audit create`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CliMethod {
    /// A card-level method.
    Card(Method),
    /// Batch comparison (MACRO, PPEB).
    BatchComparison,
}

fn parse_method(s: &str) -> Result<CliMethod, String> {
    match s {
        "comparison" => Ok(CliMethod::Card(Method::Comparison)),
        "polling" => Ok(CliMethod::Card(Method::Polling)),
        "batch-comparison" => Ok(CliMethod::BatchComparison),
        _ => Err(format!(
            "unknown method {s:?}; expected comparison, polling or batch-comparison"
        )),
    }
}

fn parse_risk_function(s: &str) -> Result<RiskFunction, String> {
    RiskFunction::parse(s).ok_or_else(|| {
        format!("unknown risk function {s:?}; expected kaplan-markov, alpha or betting")
    })
}

/// Run `canvass audit`.
pub fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        AuditCommand::Create {
            dir,
            cvrs,
            batch_tallies,
            seats,
            format,
            manifest,
            contests,
            risk_limit,
            method,
            risk_function,
            key,
        } => match method {
            CliMethod::BatchComparison => {
                let Some(tallies) = batch_tallies else {
                    bail!("--method batch-comparison needs --batch-tallies CSV");
                };
                crate::cmd_audit_batch::create(&crate::cmd_audit_batch::CreateArgs {
                    dir: &dir,
                    tallies: &tallies,
                    cvrs: &cvrs,
                    format,
                    manifest: &manifest,
                    contests: &contests,
                    seats: &seats,
                    risk_limit,
                    key: key.as_deref(),
                })
            }
            CliMethod::Card(method) => {
                if batch_tallies.is_some() || !seats.is_empty() {
                    bail!("--batch-tallies and --seats are for --method batch-comparison");
                }
                if cvrs.is_empty() {
                    bail!("--method {} needs --cvrs", method.name());
                }
                create(
                    &dir,
                    &cvrs,
                    format,
                    &manifest,
                    &contests,
                    risk_limit,
                    method,
                    risk_function,
                    key.as_deref(),
                )
            }
        },
        AuditCommand::Seed { dir, seed } => record_seed(&dir, &seed),
        AuditCommand::Draw { dir } if is_batch_audit(&dir) => crate::cmd_audit_batch::draw(&dir),
        AuditCommand::Draw { dir } => draw(&dir),
        AuditCommand::Record {
            dir,
            mvrs,
            hand_tallies,
            entered_by,
        } => match (is_batch_audit(&dir), mvrs, hand_tallies) {
            (true, None, Some(h)) => {
                crate::cmd_audit_batch::record(&dir, &h, entered_by.as_deref())
            }
            (true, _, _) => bail!(
                "{}: a batch-comparison audit takes hand tallies: --hand-tallies FILE",
                dir.display()
            ),
            (false, Some(m), None) => record(&dir, &m, entered_by.as_deref()),
            (false, _, _) => bail!(
                "{}: this audit takes manual vote records: --mvrs FILE",
                dir.display()
            ),
        },
        AuditCommand::Restore { dir } => restore(&dir),
        AuditCommand::Status { dir, json } if is_batch_audit(&dir) => {
            crate::cmd_audit_batch::status(&dir, json)
        }
        AuditCommand::Status { dir, json } => status(&dir, json),
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn create(
    dir: &Path,
    cvr_paths: &[PathBuf],
    format: Option<Format>,
    manifest_path: &Path,
    contests: &[String],
    risk_limit: f64,
    method: Method,
    risk_function: RiskFunction,
    key: Option<&Path>,
) -> anyhow::Result<()> {
    let manifest = read_manifest(manifest_path)?;
    let mut election = Election::default();
    let mut cards: Vec<Card> = Vec::new();
    read_paths(
        cvr_paths,
        format,
        &SourceOptions::default(),
        &mut election,
        &mut |_, card| {
            cards.push(card);
            Ok(())
        },
    )?;
    let (spec, audit_cards) = build_audit(&AuditInputs {
        election: &election,
        cvrs: &cards,
        manifest: &manifest,
        targets: contests,
        risk_limit,
        method,
        risk_function,
    })?;
    let mut cvr_files = Vec::new();
    for p in cvr_paths {
        cvr_files.extend(digest_path(p)?);
    }
    let manifest_file = digest_path(manifest_path)?
        .pop()
        .with_context(|| format!("{}: cannot read", manifest_path.display()))?;
    let audit_json = json_bytes(&spec)?;
    let cards_bytes = cards_csv(&spec, &audit_cards)?;
    let inputs = Inputs {
        cvrs: cvr_files,
        format: format.map(|f| f.name().to_owned()),
        manifest: manifest_file,
        audit_json_sha256: sha256_hex(&audit_json),
        cards_csv_sha256: sha256_hex(&cards_bytes),
    };
    let mut store = AuditStore::begin_create(dir)?;
    let election_id = AuditStore::import_cards(&mut store, &election, &cards)?;
    write_atomic(&dir.join("audit.json"), &audit_json)?;
    write_atomic(&dir.join("cards.csv"), &cards_bytes)?;
    let inputs_json = json_bytes(&inputs)?;
    write_atomic(&dir.join("inputs.json"), &inputs_json)?;
    let commitment = audit_log::commit(dir, &election, &cards, manifest_path)?;
    let mut log = AuditLog::create(dir, key)?;
    log.append(&audit_log::create_events(dir, &inputs, &commitment)?)?;
    AuditStore::finish_create(store, dir, election_id, &manifest, risk_limit)?;
    println!(
        "created audit in {}: {} cards in the manifest, {} with CVRs, {} phantoms; {} audit{} at risk limit {}",
        dir.display(),
        spec.cards,
        spec.cvrs,
        spec.phantoms,
        spec.method.name(),
        match spec.method {
            Method::Comparison => format!(" ({})", spec.risk_function.name()),
            Method::Polling => String::new(),
        },
        spec.risk_limit
    );
    for c in &spec.contests {
        let tally: Vec<String> = c
            .candidates
            .iter()
            .zip(&c.reported)
            .map(|(n, v)| format!("{n} {v}"))
            .collect();
        println!(
            "  {}: reported winner(s) {}; {}; margin {} of {} cards (diluted {:.4})",
            c.name,
            c.names(&c.winners).join(", "),
            tally.join(", "),
            c.min_margin(),
            c.universe,
            c.diluted_margin()
        );
        if !matches!(c.rule, ContestRule::Plurality) {
            for a in c.assertions() {
                println!("    assertion: {} (margin {})", a.describe(c), a.margin);
            }
        }
    }
    println!(
        "CVR commitment: {} cards, Merkle root {} (commitment.json; publish it before the seed is chosen)",
        commitment.cards, commitment.root
    );
    println!(
        "audit log: {} events, signed checkpoint in {}",
        log.size(),
        dir.join("checkpoints").display()
    );
    println!(
        "audit store: {} (SQLite): the cards, the manifest, the audit and its log; the other files are its export",
        dir.join(STORE_FILE).display()
    );
    Ok(())
}

pub(crate) fn record_seed(dir: &Path, seed: &str) -> anyhow::Result<()> {
    AuditStore::open(dir)?.step("seed", "canvass audit seed", |_| {
        record_seed_files(dir, seed)?;
        Ok((
            (),
            StepRecords {
                seed: Some(seed.to_owned()),
                ..StepRecords::default()
            },
        ))
    })
}

fn record_seed_files(dir: &Path, seed: &str) -> anyhow::Result<()> {
    let existing = if is_batch_audit(dir) {
        crate::batch_dir::BatchAudit::open(dir)?.seed
    } else {
        Audit::open(dir)?.seed
    };
    let mut log = AuditLog::open(dir)?;
    let root = audit_log::require_commitment(&log.events()?)?;
    if let Some(s) = &existing {
        bail!(
            "{}: the seed is already recorded ({:?}); it cannot be changed",
            dir.display(),
            s.seed
        );
    }
    if seed.is_empty() {
        bail!("the seed must not be empty");
    }
    let inputs_bytes = std::fs::read(dir.join("inputs.json"))?;
    let file = SeedFile {
        seed: seed.to_owned(),
        inputs_json_sha256: sha256_hex(&inputs_bytes),
    };
    write_atomic(&dir.join("seed.json"), &json_bytes(&file)?)?;
    log.append(&[Event::new(
        kind::SEED,
        serde_json::json!({"seed": seed, "commitment_root": root}),
    )
    .with_files(vec![audit_log::file_ref(dir, "seed.json")?])])?;
    println!(
        "seed recorded for inputs.json SHA-256 {}",
        file.inputs_json_sha256
    );
    Ok(())
}

pub(crate) fn statuses(audit: &Audit) -> Vec<ContestStatus> {
    match &audit.order {
        Some(order) => evaluate(
            &audit.spec,
            &audit.cards,
            order,
            audit.current(),
            &audit.book.paper,
        ),
        None => Vec::new(),
    }
}

pub(crate) fn draw(dir: &Path) -> anyhow::Result<()> {
    AuditStore::open(dir)?.step("draw", "canvass audit draw", |_| {
        let round = draw_files(dir)?;
        Ok((
            (),
            StepRecords {
                round: Some(round),
                ..StepRecords::default()
            },
        ))
    })
}

/// `draw` on the files; returns the round and its sample for the store.
fn draw_files(dir: &Path) -> anyhow::Result<(u32, Vec<SampleDraw>)> {
    let audit = Audit::open(dir)?;
    let mut log = AuditLog::open(dir)?;
    let Some(order) = &audit.order else {
        bail!(
            "{}: record the seed first (`canvass audit seed`)",
            dir.display()
        );
    };
    let plan: RoundPlan = match audit.current() {
        None => first_round(&audit.spec),
        Some(current) => {
            let missing = audit
                .drawn()
                .iter()
                .filter(|i| !audit.book.paper.contains_key(i))
                .count() as u64;
            next_round(current, &statuses(&audit), missing)?
        }
    };
    let before = audit
        .current()
        .map(RoundPlan::sizes)
        .unwrap_or_else(|| vec![0; audit.spec.contests.len()]);
    let sample = round_sample(order, &before, &plan.sizes());
    let retrieval = retrieval_order(&audit.cards, &sample);

    let round_dir = dir.join(format!("round-{}", plan.round));
    std::fs::create_dir_all(&round_dir)
        .with_context(|| format!("{}: cannot create", round_dir.display()))?;
    let (sample_bytes, retrieval_bytes) = round_csvs(&audit, order, &sample, &retrieval)?;
    write_atomic(&round_dir.join("sample.csv"), &sample_bytes)?;
    write_atomic(&round_dir.join("retrieval.csv"), &retrieval_bytes)?;
    // round.json last: a round exists once its lists are written.
    write_atomic(&round_dir.join("round.json"), &json_bytes(&plan)?)?;
    let rel = |f: &str| audit_log::file_ref(dir, &format!("round-{}/{f}", plan.round));
    log.append(&[Event::new(
        kind::SAMPLE,
        serde_json::json!({"round": plan.round, "new_cards": retrieval.len()}),
    )
    .with_files(vec![
        rel("round.json")?,
        rel("sample.csv")?,
        rel("retrieval.csv")?,
    ])])?;
    println!(
        "round {}: {} new cards to retrieve ({})",
        plan.round,
        retrieval.len(),
        round_dir.join("retrieval.csv").display()
    );
    for c in &plan.contests {
        println!(
            "  {}: sample size {}{}",
            c.contest,
            c.sample_size,
            if c.full_hand_count {
                " (full hand count)"
            } else {
                ""
            }
        );
    }
    // The store's sample: the draws of cards with a CVR (phantoms have no
    // card in the store), in draw order, with their tickets.
    let draws = sample
        .iter()
        .filter_map(|e| {
            let id = audit.cards.get(e.card)?.card_id.clone()?;
            Some(SampleDraw {
                card: CardId::new(id),
                ticket: order.tickets.get(e.card).map(|t| format!("0.{t}")),
            })
        })
        .collect();
    Ok((plan.round, draws))
}

pub(crate) fn record(dir: &Path, mvrs: &Path, entered_by: Option<&str>) -> anyhow::Result<()> {
    if let Some(id) = entered_by {
        audit_log::check_role_id(id)?;
    }
    AuditStore::open(dir)?.step(
        "record",
        entered_by.unwrap_or("canvass audit record"),
        |st| {
            let audit = record_files(dir, mvrs, entered_by)?;
            let election = st.store().election(st.election())?;
            let board = entered_by.unwrap_or("unnamed board");
            let mut records = Vec::new();
            for (&i, paper) in &audit.book.paper {
                let Some(id) = audit.cards.get(i).and_then(|c| c.card_id.clone()) else {
                    continue; // a phantom: no card in the store
                };
                let paper = match paper {
                    Paper::NotFound => canvass_store::Paper::NotFound,
                    Paper::Found(sel) => canvass_store::Paper::Found(
                        selections_as_votes(&audit.spec, &election, sel)
                            .map_err(|e| anyhow::anyhow!("card {id:?}: {e}"))?,
                    ),
                };
                records.push(ManualRecord {
                    card: CardId::new(id),
                    paper,
                    board: board.to_owned(),
                    entered_by: None,
                });
            }
            Ok((
                (),
                StepRecords {
                    records,
                    ..StepRecords::default()
                },
            ))
        },
    )
}

/// `record` on the files; returns the audit with its new book.
fn record_files(dir: &Path, mvrs: &Path, entered_by: Option<&str>) -> anyhow::Result<Audit> {
    let mut audit = Audit::open(dir)?;
    let mut log = AuditLog::open(dir)?;
    let Some(round) = audit.current().map(|r| r.round) else {
        bail!(
            "{}: no round has been drawn yet (`canvass audit draw`)",
            dir.display()
        );
    };
    let rows = read_mvr_file(mvrs, &audit.spec)?;
    let (book, new) = audit.accept(&rows)?;
    let file = digest_path(mvrs)?
        .pop()
        .with_context(|| format!("{}: cannot read", mvrs.display()))?;
    audit.imports.push(MvrImport {
        file,
        round,
        records: rows.len() as u64,
        new_records: new,
    });
    let copy = audit_log::keep_mvr_file(dir, mvrs, audit.imports.len())?;
    write_atomic(&dir.join("mvrs.csv"), &audit.mvrs_csv(&book)?)?;
    write_atomic(&dir.join("mvr-imports.json"), &json_bytes(&audit.imports)?)?;
    audit.book = book;
    let risks = crate::audit_dir::risk_payload(round, &statuses(&audit));
    log.append(&[
        Event::new(
            kind::MVR,
            serde_json::json!({
                "round": round,
                "entered_by": entered_by,
                "records": rows.len(),
                "new_records": new,
            }),
        )
        .with_files(vec![
            audit_log::file_ref(dir, &copy)?,
            audit_log::file_ref(dir, "mvrs.csv")?,
            audit_log::file_ref(dir, "mvr-imports.json")?,
        ]),
        Event::new(kind::RISK, risks),
    ])?;
    let drawn = audit.drawn();
    let have = drawn
        .iter()
        .filter(|i| audit.book.paper.contains_key(i))
        .count();
    let not_found = drawn
        .iter()
        .filter(|i| matches!(audit.book.paper.get(i), Some(Paper::NotFound)))
        .count();
    println!(
        "recorded {new} new cards ({} repeated); round {round}: {have} of {} drawn cards have paper records ({not_found} not found)",
        rows.len() as u64 - new,
        drawn.len()
    );
    Ok(audit)
}

/// `canvass audit restore DIR`.
fn restore(dir: &Path) -> anyhow::Result<()> {
    let st = AuditStore::restore_dir(dir)?;
    st.restore()?;
    println!(
        "{}: the files are as {} holds them",
        dir.display(),
        dir.join(STORE_FILE).display()
    );
    Ok(())
}

pub(crate) fn status(dir: &Path, json: bool) -> anyhow::Result<()> {
    AuditStore::open(dir)?;
    let audit = Audit::open(dir)?;
    AuditLog::open(dir)?;
    emit(&status_report(&audit, json)?)
}

/// The status report as `status` prints it (text, or JSON with `json`).
pub(crate) fn status_report(audit: &Audit, json: bool) -> anyhow::Result<String> {
    let statuses = statuses(audit);
    let mut out = String::new();
    let round = audit.current().map_or(0, |r| r.round);
    if json {
        let value = serde_json::json!({
            "method": audit.spec.method,
            "risk_limit": audit.spec.risk_limit,
            "seed": audit.seed.as_ref().map(|s| s.seed.clone()),
            "round": round,
            "contests": statuses,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
        return Ok(out);
    }
    writeln!(
        out,
        "{} audit, risk limit {}, round {round}{}",
        audit.spec.method.name(),
        audit.spec.risk_limit,
        if audit.seed.is_none() {
            " (no seed yet)"
        } else {
            ""
        }
    )?;
    if statuses.is_empty() {
        for c in &audit.spec.contests {
            writeln!(out, "{}: not started", c.name)?;
        }
        return Ok(out);
    }
    for s in &statuses {
        let d = &s.discrepancies;
        writeln!(
            out,
            "{}: {} of {} sampled cards recorded (universe {})",
            s.contest, s.recorded, s.sample_size, s.universe
        )?;
        if audit.spec.method == Method::Comparison {
            writeln!(
                out,
                "  discrepancies: two-vote over {}, one-vote over {}, one-vote under {}, two-vote under {}, zero-weight {}; not found {}, phantoms {}",
                d.two_vote_over,
                d.one_vote_over,
                d.one_vote_under,
                d.two_vote_under,
                d.zero_weight,
                d.not_found,
                d.phantoms
            )?;
        }
        let votes: Vec<String> = s
            .sample_votes
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        writeln!(out, "  votes on paper in the sample: {}", votes.join(", "))?;
        writeln!(out, "  risk {}", s.risk)?;
        let line = match &s.state {
            ContestState::NotStarted => "not started".to_owned(),
            ContestState::Confirmed => {
                format!("CONFIRMED: risk {} <= limit {}", s.risk, s.risk_limit)
            }
            ContestState::InProgress => {
                "round in progress: record the rest of the sample".to_owned()
            }
            ContestState::NextRound {
                size,
                full_hand_count: false,
            } => {
                format!(
                    "NOT CONFIRMED: next round needs a sample of {size} cards (`canvass audit draw`)"
                )
            }
            ContestState::NextRound {
                size,
                full_hand_count: true,
            } => {
                format!(
                    "NOT CONFIRMED: escalate to a FULL HAND COUNT of all {size} cards (`canvass audit draw`)"
                )
            }
            ContestState::HandCountInProgress => "full hand count in progress".to_owned(),
            ContestState::HandCount(h) => hand_count_line(h),
        };
        writeln!(out, "  {line}")?;
    }
    Ok(out)
}

/// What a full hand count of a contest says: the outcome, and whether it
/// corrects the reported one.
pub(crate) fn hand_count_line(h: &HandCount) -> String {
    let tally: Vec<String> = h.tally.iter().map(|(k, v)| format!("{k} {v}")).collect();
    let mut t = format!(
        "FULL HAND COUNT (this is the outcome): {}; winner(s) {}",
        tally.join(", "),
        h.winners.join(", ")
    );
    if h.outcome_changed {
        t.push_str(&format!(
            "; the reported winner(s) {} were WRONG: corrected winner(s) {}",
            h.reported_winners.join(", "),
            h.winners.join(", ")
        ));
    } else {
        t.push_str("; the reported outcome is confirmed");
    }
    if h.tie {
        t.push_str("; the last seat is TIED on paper: the law decides it");
    }
    if h.not_found > 0 {
        t.push_str(&format!("; {} cards not found", h.not_found));
    }
    t
}

/// Print a report; a closed pipe (`canvass audit status DIR | head`) is not an error.
pub(crate) fn emit(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
