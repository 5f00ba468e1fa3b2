//! The verifier's checks 4–6 for a batch-comparison audit (docs/RECORD.md,
//! "Batch-comparison records"): the commitment is the Merkle root over the
//! lines of `batch-tallies.csv`; `audit.json` follows from the batch tallies
//! and the manifest; each round's PPEB draws follow from the seed; each
//! hand-tally file gives the recorded hand counts; each risk event and
//! report follows from the tallies and the hand counts.

use crate::audit_dir::{COMMITMENT_FILE, json_bytes};
use crate::batch_dir::{
    BatchAudit, HAND_FILE, TALLIES_FILE, batch_discrepancies_csv, batch_risk_payload,
    batch_round_csvs, batch_status_json, batch_tallies_csv, hand_tallies_csv, read_tally_rows,
    tallies_root,
};
use crate::check::{
    Report, line, logged_as, read_definition, same_file, same_new_records, same_report, same_risk,
    same_round_files, started, state_name,
};
use canvass_audit::workflow::batch::{
    BatchAuditSpec, BatchTarget, batch_round_sample, build_batch_audit, first_batch_round,
    next_batch_round,
};
use canvass_evidence::canonical::to_canonical_json;
use canvass_evidence::log::{Event, LOG_FILE, kind};
use std::path::Path;

/// Checks 4–6 of a batch-comparison record; `ci` is the commitment event,
/// `seed_at` the seed event.
pub(crate) fn run(
    dir: &Path,
    events: &[Event],
    ci: usize,
    seed_at: Option<usize>,
    r: &mut Report,
) -> anyhow::Result<()> {
    // 4. The commitment: the root over the lines of batch-tallies.csv.
    let commitment = events
        .get(ci)
        .map(|e| e.payload.clone())
        .unwrap_or_default();
    let root_hex = commitment["root"].as_str().unwrap_or_default().to_owned();
    let tallies_bytes = match std::fs::read(dir.join(TALLIES_FILE)) {
        Ok(b) => b,
        Err(e) => {
            r.fail(TALLIES_FILE, "the file", format!("cannot read: {e}"));
            return Ok(());
        }
    };
    let (lines, root) = tallies_root(&tallies_bytes);
    if root != root_hex || commitment["lines"].as_u64() != Some(lines) {
        r.fail(
            TALLIES_FILE,
            "the Merkle root",
            format!(
                "{lines} lines with root {root}; the commitment ({}) is {} lines with root {root_hex}",
                line(ci),
                commitment["lines"]
            ),
        );
    } else {
        r.pass(format!(
            "{TALLIES_FILE}: {lines} lines, RFC 9162 root {root} = the commitment"
        ));
    }
    same_file(
        dir,
        COMMITMENT_FILE,
        &to_canonical_json(&commitment)?,
        "the commitment differs from the log's",
        r,
    );

    // 5. audit.json follows from the batch tallies and the manifest.
    let Some((published, manifest)) = read_definition::<BatchAuditSpec>(dir, r) else {
        return Ok(());
    };
    let rows = match read_tally_rows(&dir.join(TALLIES_FILE)) {
        Ok(rows) => rows,
        Err(e) => {
            r.fail(TALLIES_FILE, "the file", format!("{e:#}"));
            return Ok(());
        }
    };
    let targets: Vec<BatchTarget> = published
        .contests
        .iter()
        .map(|c| BatchTarget {
            name: c.name.clone(),
            seats: c.seats,
        })
        .collect();
    let (mut spec, tallies) =
        match build_batch_audit(&manifest, &rows, &targets, published.risk_limit) {
            Ok(x) => x,
            Err(e) => {
                r.fail(TALLIES_FILE, "the audit", e.to_string());
                return Ok(());
            }
        };
    // The CVR check ran at creation; the CVRs are not part of this record.
    spec.cvrs_checked = published.cvrs_checked;
    if published.cvrs_checked {
        r.notes.push(
            "audit.json says the CVRs' contest totals were checked against the batch tallies at creation; the CVRs are not in this record, so that check is not repeated".into(),
        );
    }
    let spec_ok = same_file(
        dir,
        "audit.json",
        &json_bytes(&spec)?,
        "the reported results do not follow from the batch tallies and the manifest",
        r,
    );
    let tallies_ok = same_file(
        dir,
        TALLIES_FILE,
        &batch_tallies_csv(&spec, &tallies)?,
        "the batch tallies are not in canonical form",
        r,
    );
    if spec_ok && tallies_ok {
        let outcomes: Vec<String> = spec
            .contests
            .iter()
            .map(|c| format!("{}: {}", c.name, c.names(&c.winners).join(", ")))
            .collect();
        r.pass(format!(
            "the batch tallies give the reported outcome ({})",
            outcomes.join("; ")
        ));
    }

    // 6. The replay.
    let Some((si, seed)) = started(dir, events, seed_at, &root_hex, r) else {
        return Ok(());
    };
    let mut audit = BatchAudit::fresh(spec, tallies)?;
    audit.seed = Some(seed);
    let (mut risk_events, mut reports, mut files) = (0, 0, 0);
    for (i, e) in events.iter().enumerate().skip(si + 1) {
        match e.kind.as_str() {
            kind::SAMPLE => {
                let plan = match audit.current() {
                    None => first_batch_round(&audit.spec, &audit.tallies),
                    Some(current) => match next_batch_round(current, &audit.statuses()) {
                        Ok(p) => p,
                        Err(err) => {
                            r.fail(LOG_FILE, line(i), format!("no next round follows: {err}"));
                            return Ok(());
                        }
                    },
                };
                let before = audit.draws(audit.current());
                let after = audit.draws(Some(&plan));
                let (sample, fresh) = batch_round_sample(&audit.spec, &before, &after);
                let (sample_bytes, retrieval_bytes) = batch_round_csvs(&audit, &sample, &fresh)?;
                let ok = same_round_files(
                    dir,
                    e,
                    i,
                    plan.round,
                    [
                        ("round.json", json_bytes(&plan)?),
                        ("sample.csv", sample_bytes),
                        ("retrieval.csv", retrieval_bytes),
                    ],
                    r,
                );
                if ok {
                    let ppeb = sample.iter().filter(|s| s.draw.draw > 0).count();
                    r.pass(format!(
                        "round {}: the {ppeb} PPEB draws, {} full-hand-count entries and the {} new batches to hand count follow from the seed",
                        plan.round,
                        sample.len() - ppeb,
                        fresh.len()
                    ));
                }
                audit.rounds.push(plan);
            }
            kind::MVR => {
                let Some(file) = e.files.first() else {
                    r.fail(LOG_FILE, line(i), "a hand-tally event without its file");
                    continue;
                };
                files += 1;
                let rows = match read_tally_rows(&dir.join(&file.path)) {
                    Ok(rows) => rows,
                    Err(err) => {
                        r.fail(&file.path, "the file", format!("{err:#}"));
                        return Ok(());
                    }
                };
                let (book, new) = match audit.accept(&rows) {
                    Ok(x) => x,
                    Err(err) => {
                        r.fail(&file.path, "the records", format!("{err:#}"));
                        return Ok(());
                    }
                };
                let hand = hand_tallies_csv(&audit.spec, &book)?;
                if !logged_as(e, HAND_FILE, &hand) {
                    r.fail(
                        HAND_FILE,
                        format!("after {}", line(i)),
                        format!("the recorded hand tallies do not follow from {}", file.path),
                    );
                }
                same_new_records(e, i, new, "hand counts", r);
                audit.book = book;
            }
            kind::RISK => {
                risk_events += 1;
                let round = audit.current().map_or(0, |p| p.round);
                let want = batch_risk_payload(round, &audit.statuses());
                same_risk(e, i, &want, "the batch tallies and the hand tallies", r);
            }
            kind::REPORT => {
                reports += 1;
                let st = audit.statuses();
                same_report(
                    dir,
                    e,
                    [
                        ("status.json", batch_status_json(&audit, &st)?),
                        ("discrepancies.csv", batch_discrepancies_csv(&st)?),
                    ],
                    "the report does not follow from the batch tallies and the hand tallies",
                    r,
                );
            }
            _ => {}
        }
    }
    if files > 0 {
        same_file(
            dir,
            HAND_FILE,
            &hand_tallies_csv(&audit.spec, &audit.book)?,
            "the recorded hand tallies do not follow from the hand-tally files",
            r,
        );
    }
    r.pass(format!(
        "{files} hand-tally files replayed; {risk_events} risk events and {reports} reports recomputed"
    ));
    for s in audit.statuses() {
        r.pass(format!(
            "{}: {} of {} draws hand counted, MACRO risk {} (limit {}): {}",
            s.contest,
            s.recorded,
            s.sample_size,
            s.risk,
            s.risk_limit,
            state_name(&s.state)
        ));
    }
    Ok(())
}
