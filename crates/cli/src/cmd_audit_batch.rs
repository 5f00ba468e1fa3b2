//! `canvass audit` for batch-comparison audits (docs/AUDIT.md, "Batch
//! comparison"): create from batch tallies, draw batches by PPEB from the
//! seed, record hand tallies, report MACRO risks. The logic lives in
//! `canvass_audit::workflow::batch`, the files in `batch_dir`.

use crate::audit_dir::{MvrImport, digest_path, json_bytes, read_manifest, write_atomic};
use crate::audit_log::{self, AuditLog};
use crate::audit_store::{AuditStore, StepRecords};
use crate::batch_dir::{
    BatchAudit, BatchInputs, HAND_FILE, HAND_FILES_DIR, HAND_IMPORTS_FILE, TALLIES_FILE,
    batch_discrepancies_csv, batch_risk_payload, batch_round_csvs, batch_status_json,
    batch_tallies_csv, commitment_payload, read_tally_rows,
};
use anyhow::{Context, bail};
use canvass_audit::workflow::ContestState;
use canvass_audit::workflow::batch::{
    BatchContestStatus, BatchTarget, batch_round_sample, build_batch_audit, check_cvr_totals,
    first_batch_round, next_batch_round,
};
use canvass_evidence::log::{Event, kind};
use canvass_formats::{Format, SourceOptions, read_paths};
use canvass_model::{Card, Choice, ContestKind, Election};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The arguments of `audit create --method batch-comparison`.
pub(crate) struct CreateArgs<'a> {
    pub dir: &'a Path,
    pub tallies: &'a Path,
    pub cvrs: &'a [PathBuf],
    pub format: Option<Format>,
    pub manifest: &'a Path,
    pub contests: &'a [String],
    pub seats: &'a [String],
    pub risk_limit: f64,
    pub key: Option<&'a Path>,
}

/// `--seats NAME=N` options as a map.
fn parse_seats(seats: &[String], contests: &[String]) -> anyhow::Result<BTreeMap<String, u32>> {
    let mut out = BTreeMap::new();
    for s in seats {
        let Some((name, n)) = s.rsplit_once('=') else {
            bail!("--seats {s:?}: expected NAME=N, e.g. \"City Council=2\"");
        };
        let n: u32 = n
            .trim()
            .parse()
            .with_context(|| format!("--seats {s:?}: {n:?} is not a whole number"))?;
        if !contests.iter().any(|c| c == name) {
            bail!("--seats {s:?}: {name:?} is not a contest named with --contest");
        }
        out.insert(name.to_owned(), n);
    }
    Ok(out)
}

/// The CVRs' votes per contest and candidate, for the targeted contests;
/// refuses contests that are not plurality or vote-for-N. Also returns
/// each contest's number of winners.
#[allow(clippy::type_complexity)]
fn cvr_totals(
    election: &Election,
    cards: &[Card],
    contests: &[String],
) -> anyhow::Result<(
    BTreeMap<String, BTreeMap<String, u64>>,
    BTreeMap<String, u32>,
)> {
    let mut totals = BTreeMap::new();
    let mut seats = BTreeMap::new();
    for name in contests {
        let id = election
            .find_contest_by_name(name)
            .with_context(|| format!("contest {name:?} is not in the CVRs"))?;
        let contest = election
            .get_contest(id)
            .with_context(|| format!("contest {name:?} is not in the CVRs"))?;
        let kind = match contest.kind {
            ContestKind::Plurality => None,
            ContestKind::Approval => Some("approval"),
            ContestKind::Supermajority(_) => Some("supermajority"),
            ContestKind::Ranked => Some("ranked-choice"),
        };
        if let Some(k) = kind {
            bail!(
                "contest {name:?} is a {k} contest; batch-comparison audits support plurality and vote-for-N contests only"
            );
        }
        let limit = contest.seats.max(1) as usize;
        let mut votes: BTreeMap<String, u64> = contest
            .candidates
            .iter()
            .map(|c| (c.name.clone(), 0))
            .collect();
        for card in cards {
            let Some(cv) = card.votes_for(id) else {
                continue;
            };
            let marks: Vec<_> = cv.at_rank(1).collect();
            if marks.len() > limit || marks.iter().any(|m| m.choice == Choice::Overvote) {
                continue; // an overvote counts for no one
            }
            let mut chosen: Vec<String> = marks
                .iter()
                .filter_map(|m| match m.choice {
                    Choice::Candidate(c) => contest.candidate(c).map(|c| c.name.clone()),
                    Choice::Overvote => None,
                })
                .collect();
            chosen.sort();
            chosen.dedup();
            for c in chosen {
                *votes.entry(c).or_insert(0) += 1;
            }
        }
        totals.insert(name.clone(), votes);
        seats.insert(name.clone(), contest.seats.max(1));
    }
    Ok((totals, seats))
}

/// `canvass audit create --method batch-comparison`.
pub(crate) fn create(a: &CreateArgs<'_>) -> anyhow::Result<()> {
    let dir = a.dir;
    let manifest = read_manifest(a.manifest)?;
    let rows = read_tally_rows(a.tallies)?;
    let mut seats = parse_seats(a.seats, a.contests)?;
    let mut checked = None;
    let mut election = Election::default();
    let mut cards: Vec<Card> = Vec::new();
    if !a.cvrs.is_empty() {
        read_paths(
            a.cvrs,
            a.format,
            &SourceOptions::default(),
            &mut election,
            &mut |_, card| {
                cards.push(card);
                Ok(())
            },
        )?;
        let (totals, cvr_seats) = cvr_totals(&election, &cards, a.contests)?;
        for (name, n) in cvr_seats {
            match seats.get(&name) {
                Some(&given) if given != n => {
                    bail!("--seats {name}={given}, but the CVRs' election definition elects {n}")
                }
                _ => {
                    seats.insert(name, n);
                }
            }
        }
        checked = Some(totals);
    }
    let targets: Vec<BatchTarget> = a
        .contests
        .iter()
        .map(|c| BatchTarget {
            name: c.clone(),
            seats: seats.get(c).copied().unwrap_or(1),
        })
        .collect();
    let (mut spec, tallies) = build_batch_audit(&manifest, &rows, &targets, a.risk_limit)
        .with_context(|| format!("{}", a.tallies.display()))?;
    if let Some(totals) = &checked {
        check_cvr_totals(&spec, totals)
            .context("the batch tallies and the CVRs disagree; the audit is not created")?;
        spec.cvrs_checked = true;
    }
    let mut cvr_files = Vec::new();
    for p in a.cvrs {
        cvr_files.extend(digest_path(p)?);
    }
    let one = |p: &Path| -> anyhow::Result<_> {
        digest_path(p)?
            .pop()
            .with_context(|| format!("{}: cannot read", p.display()))
    };
    let audit_json = json_bytes(&spec)?;
    let tallies_bytes = batch_tallies_csv(&spec, &tallies)?;
    let inputs = BatchInputs {
        batch_tallies: one(a.tallies)?,
        cvrs: cvr_files,
        format: a.format.map(|f| f.name().to_owned()),
        manifest: one(a.manifest)?,
        audit_json_sha256: crate::audit_dir::sha256_hex(&audit_json),
        batch_tallies_csv_sha256: crate::audit_dir::sha256_hex(&tallies_bytes),
    };
    let mut store = AuditStore::begin_create(dir)?;
    let election_id = AuditStore::import_cards(&mut store, &election, &cards)?;
    write_atomic(&dir.join("audit.json"), &audit_json)?;
    write_atomic(&dir.join(TALLIES_FILE), &tallies_bytes)?;
    std::fs::copy(a.manifest, dir.join(crate::audit_dir::MANIFEST_FILE))
        .with_context(|| format!("{}: cannot copy", a.manifest.display()))?;
    write_atomic(&dir.join("inputs.json"), &json_bytes(&inputs)?)?;
    let payload = commitment_payload(
        &tallies_bytes,
        audit_log::file_ref(dir, TALLIES_FILE)?,
        audit_log::file_ref(dir, crate::audit_dir::MANIFEST_FILE)?,
    );
    write_atomic(
        &dir.join(crate::audit_dir::COMMITMENT_FILE),
        &canvass_evidence::canonical::to_canonical_json(&payload)?,
    )?;
    let mut log = AuditLog::create(dir, a.key)?;
    let name_only = |f: &crate::audit_dir::InputFile| canvass_evidence::commitment::InputFile {
        path: Path::new(&f.path)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        sha256: f.sha256.clone(),
        bytes: f.bytes,
    };
    let mut events = Vec::new();
    for f in &inputs.cvrs {
        events.push(
            Event::new(
                kind::INPUT,
                serde_json::json!({"role": "cvrs", "format": inputs.format}),
            )
            .with_files(vec![name_only(f)]),
        );
    }
    for (role, f) in [
        ("batch_tallies", &inputs.batch_tallies),
        ("manifest", &inputs.manifest),
    ] {
        events.push(
            Event::new(kind::INPUT, serde_json::json!({"role": role}))
                .with_files(vec![name_only(f)]),
        );
    }
    let mut files = Vec::new();
    for f in [
        TALLIES_FILE,
        crate::audit_dir::MANIFEST_FILE,
        crate::audit_dir::COMMITMENT_FILE,
        "audit.json",
        "inputs.json",
    ] {
        files.push(audit_log::file_ref(dir, f)?);
    }
    events.push(Event::new(kind::COMMITMENT, payload.clone()).with_files(files));
    log.append(&events)?;
    AuditStore::finish_create(store, dir, election_id, &manifest, a.risk_limit)?;
    println!(
        "created batch-comparison audit in {}: {} batches in the manifest; risk limit {}{}",
        dir.display(),
        spec.batches.len(),
        spec.risk_limit,
        if spec.cvrs_checked {
            "; the CVRs' contest totals equal the batch tallies'"
        } else {
            "; no CVRs: the batch tallies define the reported outcome"
        }
    );
    for c in &spec.contests {
        let tally: Vec<String> = c
            .candidates
            .iter()
            .zip(&c.reported)
            .map(|(n, v)| format!("{n} {v}"))
            .collect();
        println!(
            "  {}: reported winner(s) {}; {}; margin {} in {} batches ({} ballots)",
            c.name,
            c.names(&c.winners).join(", "),
            tally.join(", "),
            c.min_margin(),
            c.batches,
            c.ballots
        );
    }
    println!(
        "batch-tally commitment: Merkle root {} (commitment.json; publish it before the seed is chosen)",
        payload["root"].as_str().unwrap_or_default()
    );
    Ok(())
}

/// `canvass audit draw` of a batch-comparison audit. The store's round has
/// no card sample: the draws are batches (`round-N/sample.csv`).
pub(crate) fn draw(dir: &Path) -> anyhow::Result<()> {
    AuditStore::open(dir)?.step("draw", "canvass audit draw", |_| {
        let round = draw_files(dir)?;
        Ok((
            (),
            StepRecords {
                round: Some((round, Vec::new())),
                ..StepRecords::default()
            },
        ))
    })
}

fn draw_files(dir: &Path) -> anyhow::Result<u32> {
    let audit = BatchAudit::open(dir)?;
    let mut log = AuditLog::open(dir)?;
    if audit.seed.is_none() {
        bail!(
            "{}: record the seed first (`canvass audit seed`)",
            dir.display()
        );
    }
    let plan = match audit.current() {
        None => first_batch_round(&audit.spec, &audit.tallies),
        Some(current) => next_batch_round(current, &audit.statuses())?,
    };
    let before = audit.draws(audit.current());
    let after = audit.draws(Some(&plan));
    let (sample, fresh) = batch_round_sample(&audit.spec, &before, &after);
    let round_dir = dir.join(format!("round-{}", plan.round));
    std::fs::create_dir_all(&round_dir)
        .with_context(|| format!("{}: cannot create", round_dir.display()))?;
    let (sample_bytes, retrieval_bytes) = batch_round_csvs(&audit, &sample, &fresh)?;
    write_atomic(&round_dir.join("sample.csv"), &sample_bytes)?;
    write_atomic(&round_dir.join("retrieval.csv"), &retrieval_bytes)?;
    write_atomic(&round_dir.join("round.json"), &json_bytes(&plan)?)?;
    let rel = |f: &str| audit_log::file_ref(dir, &format!("round-{}/{f}", plan.round));
    log.append(&[Event::new(
        kind::SAMPLE,
        serde_json::json!({"round": plan.round, "new_batches": fresh.len()}),
    )
    .with_files(vec![
        rel("round.json")?,
        rel("sample.csv")?,
        rel("retrieval.csv")?,
    ])])?;
    println!(
        "round {}: {} new batches to hand count ({})",
        plan.round,
        fresh.len(),
        round_dir.join("retrieval.csv").display()
    );
    for c in &plan.contests {
        if c.full_hand_count {
            println!(
                "  {}: FULL HAND COUNT of all {} batches",
                c.contest, c.sample_size
            );
        } else {
            println!(
                "  {}: {} draws (with replacement)",
                c.contest, c.sample_size
            );
        }
    }
    Ok(plan.round)
}

/// `canvass audit record --hand-tallies` of a batch-comparison audit.
/// The hand tallies are files of the store (`hand-tallies.csv`, each file
/// taken in): the store's manual vote records are per card.
pub(crate) fn record(dir: &Path, file: &Path, entered_by: Option<&str>) -> anyhow::Result<()> {
    if let Some(id) = entered_by {
        audit_log::check_role_id(id)?;
    }
    AuditStore::open(dir)?.step(
        "record",
        entered_by.unwrap_or("canvass audit record"),
        |_| Ok((record_files(dir, file, entered_by)?, StepRecords::default())),
    )
}

fn record_files(dir: &Path, file: &Path, entered_by: Option<&str>) -> anyhow::Result<()> {
    let mut audit = BatchAudit::open(dir)?;
    let mut log = AuditLog::open(dir)?;
    let Some(round) = audit.current().map(|r| r.round) else {
        bail!(
            "{}: no round has been drawn yet (`canvass audit draw`)",
            dir.display()
        );
    };
    let rows = read_tally_rows(file)?;
    let (book, new) = audit.accept(&rows)?;
    let digest = digest_path(file)?
        .pop()
        .with_context(|| format!("{}: cannot read", file.display()))?;
    audit.imports.push(MvrImport {
        file: digest,
        round,
        records: rows.len() as u64,
        new_records: new,
    });
    let copy = format!("{HAND_FILES_DIR}/{:04}.csv", audit.imports.len());
    std::fs::create_dir_all(dir.join(HAND_FILES_DIR))
        .with_context(|| format!("{}: cannot create", dir.join(HAND_FILES_DIR).display()))?;
    let bytes = std::fs::read(file).with_context(|| format!("{}: cannot read", file.display()))?;
    write_atomic(&dir.join(&copy), &bytes)?;
    write_atomic(
        &dir.join(HAND_FILE),
        &crate::batch_dir::hand_tallies_csv(&audit.spec, &book)?,
    )?;
    write_atomic(&dir.join(HAND_IMPORTS_FILE), &json_bytes(&audit.imports)?)?;
    audit.book = book;
    let risks = batch_risk_payload(round, &audit.statuses());
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
            audit_log::file_ref(dir, HAND_FILE)?,
            audit_log::file_ref(dir, HAND_IMPORTS_FILE)?,
        ]),
        Event::new(kind::RISK, risks),
    ])?;
    let st = audit.statuses();
    let missing: u64 = st
        .iter()
        .map(|s| s.sample_size.saturating_sub(s.recorded))
        .sum();
    println!(
        "recorded {new} new batch hand counts ({} rows); round {round}: {missing} draws still without a hand tally",
        rows.len()
    );
    Ok(())
}

/// `canvass audit status` of a batch-comparison audit.
pub(crate) fn status(dir: &Path, json: bool) -> anyhow::Result<()> {
    AuditStore::open(dir)?;
    let audit = BatchAudit::open(dir)?;
    AuditLog::open(dir)?;
    crate::cmd_audit::emit(&status_report(&audit, json)?)
}

/// The status report (text, or JSON with `json`).
pub(crate) fn status_report(audit: &BatchAudit, json: bool) -> anyhow::Result<String> {
    let statuses = audit.statuses();
    if json {
        return Ok(String::from_utf8(batch_status_json(audit, &statuses)?)?);
    }
    let mut out = String::new();
    let round = audit.current().map_or(0, |r| r.round);
    writeln!(
        out,
        "batch-comparison audit, risk limit {}, round {round}{}",
        audit.spec.risk_limit,
        if audit.seed.is_none() {
            " (no seed yet)"
        } else {
            ""
        }
    )?;
    for s in &statuses {
        write_contest(&mut out, s)?;
    }
    Ok(out)
}

fn write_contest(out: &mut String, s: &BatchContestStatus) -> anyhow::Result<()> {
    writeln!(
        out,
        "{}: {} of {} draws hand counted ({} batches hold the contest; error bound U = {})",
        s.contest, s.recorded, s.sample_size, s.batches, s.total_error_bound
    )?;
    for d in &s.discrepancies {
        let diffs: Vec<String> = d
            .difference
            .iter()
            .filter(|(_, v)| **v != 0)
            .map(|(k, v)| format!("{k} {v:+}"))
            .collect();
        writeln!(
            out,
            "  batch {}{}: {}; {}",
            d.tabulator
                .as_deref()
                .map(|t| format!("{t}/"))
                .unwrap_or_default(),
            d.batch,
            if d.times_drawn == 0 {
                "in the full hand count".to_owned()
            } else {
                format!("drawn {}x", d.times_drawn)
            },
            if diffs.is_empty() {
                "hand count = reported".to_owned()
            } else {
                format!(
                    "hand count − reported: {}; margin overstated by {} votes, taint {}",
                    diffs.join(", "),
                    d.overstatement,
                    d.taint
                )
            }
        )?;
    }
    writeln!(out, "  risk {}", s.risk)?;
    let line = match &s.state {
        ContestState::NotStarted => "not started".to_owned(),
        ContestState::Confirmed => format!("CONFIRMED: risk {} <= limit {}", s.risk, s.risk_limit),
        ContestState::InProgress => "round in progress: hand count the rest of the sample".into(),
        ContestState::NextRound {
            size,
            full_hand_count: false,
        } => format!("NOT CONFIRMED: next round needs {size} draws (`canvass audit draw`)"),
        ContestState::NextRound {
            size,
            full_hand_count: true,
        } => format!(
            "NOT CONFIRMED: escalate to a FULL HAND COUNT of all {size} batches (`canvass audit draw`)"
        ),
        ContestState::HandCountInProgress => "full hand count in progress".into(),
        ContestState::HandCount(h) => crate::cmd_audit::hand_count_line(h),
    };
    writeln!(out, "  {line}")?;
    Ok(())
}

/// `canvass publish` of a batch-comparison audit: write and log the reports;
/// returns the report files written.
pub(crate) fn write_reports(dir: &Path, log: &mut AuditLog) -> anyhow::Result<()> {
    let audit = BatchAudit::open(dir)?;
    if audit.seed.is_none() {
        bail!(
            "{}: nothing to publish yet beyond the commitment; record the seed first",
            dir.display()
        );
    }
    let statuses = audit.statuses();
    write_atomic(
        &dir.join("report.txt"),
        status_report(&audit, false)?.as_bytes(),
    )?;
    write_atomic(
        &dir.join("status.json"),
        &batch_status_json(&audit, &statuses)?,
    )?;
    write_atomic(
        &dir.join("discrepancies.csv"),
        &batch_discrepancies_csv(&statuses)?,
    )?;
    let mut files = Vec::new();
    for f in ["report.txt", "status.json", "discrepancies.csv"] {
        files.push(audit_log::file_ref(dir, f)?);
    }
    log.append(&[Event::new(
        kind::REPORT,
        serde_json::json!({"round": audit.current().map_or(0, |r| r.round)}),
    )
    .with_files(files)])?;
    Ok(())
}
