//! The directory of a batch-comparison audit (docs/AUDIT.md, "Batch
//! comparison"): its files read, written and checked; shared by `canvass
//! audit` and the verifier so that both produce the same bytes.
//!
//! ```text
//! DIR/inputs.json               the input files with their SHA-256
//! DIR/audit.json                contests, reported results, risk limit, manifest
//! DIR/batch-tallies.csv         the reported votes per batch (canonical; committed)
//! DIR/manifest.csv              a copy of the ballot manifest
//! DIR/commitment.json           the Merkle root over the lines of batch-tallies.csv
//! DIR/seed.json                 the public seed
//! DIR/round-N/round.json        each contest's cumulative draws in round N
//! DIR/round-N/sample.csv        round N's PPEB draws, contest by contest
//! DIR/round-N/retrieval.csv     the batches to hand count in round N
//! DIR/hand-tallies.csv          every accepted hand tally (canonical)
//! DIR/hand-tally-imports.json   every hand-tally file taken in
//! DIR/hand-tally-files/NNNN.csv a copy of each hand-tally file
//! ```

use crate::audit_dir::{
    InputFile, MvrImport, SeedFile, floats_as_text, json_bytes, read_manifest, read_round_plans,
    read_seed_file, sha256_hex,
};
use anyhow::{Context, bail};
use canvass_audit::workflow::RoundPlan;
use canvass_audit::workflow::batch::{
    BATCH_METHOD, BatchAuditSpec, BatchContestStatus, BatchSampleEntry, BatchTallies, HandBook,
    PpebDraw, TallyRow, drawn_batches, evaluate_batches, plan_draws,
};
use canvass_evidence::merkle::{leaf_hash, root_of};
use canvass_model::{BallotManifest, ManifestBatch};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::Path;

/// The canonical batch tallies.
pub const TALLIES_FILE: &str = "batch-tallies.csv";
/// The canonical hand tallies.
pub const HAND_FILE: &str = "hand-tallies.csv";
/// The list of hand-tally files taken in.
pub const HAND_IMPORTS_FILE: &str = "hand-tally-imports.json";
/// The folder of hand-tally files as taken in.
pub const HAND_FILES_DIR: &str = "hand-tally-files";

/// `inputs.json` of a batch-comparison audit.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct BatchInputs {
    /// The batch tallies as given.
    pub batch_tallies: InputFile,
    /// CVR files whose totals were checked against the tallies (may be empty).
    pub cvrs: Vec<InputFile>,
    /// The CVR format, when named with --format.
    pub format: Option<String>,
    /// The ballot manifest.
    pub manifest: InputFile,
    /// SHA-256 of `audit.json`.
    pub audit_json_sha256: String,
    /// SHA-256 of `batch-tallies.csv`.
    pub batch_tallies_csv_sha256: String,
}

/// True when `dir/audit.json` is a batch-comparison audit.
pub fn is_batch_audit(dir: &Path) -> bool {
    std::fs::read(dir.join("audit.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .is_some_and(|v| v["method"].as_str() == Some(BATCH_METHOD))
}

const TALLY_COLUMNS: [&str; 5] = ["tabulator", "batch", "contest", "candidate", "votes"];

/// Read a batch-tally or hand-tally CSV: columns `batch, contest, candidate,
/// votes` and optionally `tabulator`, in any order; anything else is refused.
pub fn read_tally_rows(path: &Path) -> anyhow::Result<Vec<TallyRow>> {
    let file = path.display().to_string();
    let mut r = csv::Reader::from_path(path).with_context(|| format!("{file}: cannot read"))?;
    let headers: Vec<String> = r
        .headers()
        .with_context(|| format!("{file}, row 1: not valid CSV"))?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    for h in &headers {
        if !TALLY_COLUMNS.contains(&h.as_str()) {
            bail!(
                "{file}, row 1, field {h:?}: not a column of a tally file; expected batch, contest, candidate, votes and optionally tabulator"
            );
        }
    }
    let col = |name: &str| headers.iter().position(|h| h == name);
    let mut need = Vec::new();
    for name in ["batch", "contest", "candidate", "votes"] {
        match col(name) {
            Some(i) => need.push(i),
            None => bail!("{file}, row 1: the header needs a {name:?} column"),
        }
    }
    let tab = col("tabulator");
    let mut rows = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let row = i as u64 + 2;
        let rec = rec.with_context(|| format!("{file}, row {row}: not valid CSV"))?;
        let get = |k: usize| {
            need.get(k)
                .and_then(|&c| rec.get(c))
                .unwrap_or("")
                .trim()
                .to_owned()
        };
        let batch = get(0);
        if batch.is_empty() {
            bail!("{file}, row {row}, field \"batch\": empty");
        }
        rows.push(TallyRow {
            file: file.clone(),
            row,
            tabulator: tab
                .and_then(|c| rec.get(c))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            batch,
            contest: get(1),
            candidate: get(2),
            votes: get(3),
        });
    }
    Ok(rows)
}

/// The ballot manifest of the spec's batches.
pub fn spec_manifest(spec: &BatchAuditSpec) -> anyhow::Result<BallotManifest> {
    Ok(BallotManifest::new(
        spec.batches
            .iter()
            .map(|b| ManifestBatch {
                tabulator: b.tabulator.clone(),
                batch: b.batch.clone(),
                cards: b.cards,
            })
            .collect(),
    )?)
}

/// `batch-tallies.csv` (or `hand-tallies.csv`): one row per batch, contest
/// and candidate, batches in manifest order, contests in audit order,
/// candidates in the contest's order. `get(contest, batch)` gives the votes.
fn tally_csv<'a>(
    spec: &BatchAuditSpec,
    get: impl Fn(usize, usize) -> Option<&'a Vec<u64>>,
) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(TALLY_COLUMNS)?;
    for (bi, b) in spec.batches.iter().enumerate() {
        for (ci, c) in spec.contests.iter().enumerate() {
            let Some(votes) = get(ci, bi) else { continue };
            for (name, v) in c.candidates.iter().zip(votes) {
                w.write_record([
                    b.tabulator.clone().unwrap_or_default(),
                    b.batch.clone(),
                    c.name.clone(),
                    name.clone(),
                    v.to_string(),
                ])?;
            }
        }
    }
    Ok(w.into_inner()?)
}

/// The canonical `batch-tallies.csv`.
pub fn batch_tallies_csv(spec: &BatchAuditSpec, tallies: &BatchTallies) -> anyhow::Result<Vec<u8>> {
    tally_csv(spec, |ci, bi| {
        tallies
            .votes
            .get(ci)
            .and_then(|v| v.get(bi))
            .and_then(Option::as_ref)
    })
}

/// The canonical `hand-tallies.csv` of a book.
pub fn hand_tallies_csv(spec: &BatchAuditSpec, book: &HandBook) -> anyhow::Result<Vec<u8>> {
    tally_csv(spec, |ci, bi| book.counts.get(&(bi, ci)))
}

/// The commitment to the batch tallies: the RFC 9162 Merkle root over the
/// data lines of `batch-tallies.csv` (each line without its line end is a
/// leaf), and the number of lines.
pub fn tallies_root(csv_bytes: &[u8]) -> (u64, String) {
    let leaves: Vec<_> = csv_bytes
        .split(|&b| b == b'\n')
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| leaf_hash(l.strip_suffix(b"\r").unwrap_or(l)))
        .collect();
    (leaves.len() as u64, hex::encode(root_of(&leaves)))
}

/// The payload of the commitment event (and `commitment.json`).
pub fn commitment_payload(
    tallies_bytes: &[u8],
    tallies_file: canvass_evidence::commitment::InputFile,
    manifest_file: canvass_evidence::commitment::InputFile,
) -> serde_json::Value {
    let (lines, root) = tallies_root(tallies_bytes);
    serde_json::json!({
        "kind": "batch-tallies",
        "lines": lines,
        "root": root,
        "files": [tallies_file],
        "manifest": manifest_file,
    })
}

/// Everything in a batch-comparison audit directory, checked against
/// `inputs.json`.
pub struct BatchAudit {
    /// `audit.json`.
    pub spec: BatchAuditSpec,
    /// `batch-tallies.csv`.
    pub tallies: BatchTallies,
    /// The manifest (from `audit.json`).
    pub manifest: BallotManifest,
    /// `seed.json`, once recorded.
    pub seed: Option<SeedFile>,
    /// The rounds drawn so far.
    pub rounds: Vec<RoundPlan>,
    /// The accepted hand tallies.
    pub book: HandBook,
    /// `hand-tally-imports.json`.
    pub imports: Vec<MvrImport>,
}

/// Read the tallies of a canonical `batch-tallies.csv` back.
pub fn read_batch_tallies(path: &Path, spec: &BatchAuditSpec) -> anyhow::Result<BatchTallies> {
    let rows = read_tally_rows(path)?;
    let manifest = spec_manifest(spec)?;
    let targets: Vec<_> = spec
        .contests
        .iter()
        .map(|c| canvass_audit::workflow::batch::BatchTarget {
            name: c.name.clone(),
            seats: c.seats,
        })
        .collect();
    let (rebuilt, tallies) = canvass_audit::workflow::batch::build_batch_audit(
        &manifest,
        &rows,
        &targets,
        spec.risk_limit,
    )?;
    if rebuilt.contests != spec.contests {
        bail!(
            "{}: the reported results do not match audit.json",
            path.display()
        );
    }
    Ok(tallies)
}

impl BatchAudit {
    /// Open and check a batch-comparison audit directory.
    pub fn open(dir: &Path) -> anyhow::Result<BatchAudit> {
        let inputs_path = dir.join("inputs.json");
        let inputs_bytes = std::fs::read(&inputs_path).with_context(|| {
            format!("{}: no audit here (inputs.json is missing)", dir.display())
        })?;
        let inputs: BatchInputs = serde_json::from_slice(&inputs_bytes)
            .with_context(|| format!("{}: not a valid inputs.json", inputs_path.display()))?;
        let audit_bytes = read_checked(&dir.join("audit.json"), &inputs.audit_json_sha256)?;
        let spec: BatchAuditSpec = serde_json::from_slice(&audit_bytes).with_context(|| {
            format!(
                "{}: not a valid audit.json",
                dir.join("audit.json").display()
            )
        })?;
        read_checked(&dir.join(TALLIES_FILE), &inputs.batch_tallies_csv_sha256)?;
        let tallies = read_batch_tallies(&dir.join(TALLIES_FILE), &spec)?;
        let seed = read_seed_file(dir, &inputs_bytes)?;
        let rounds = read_round_plans(dir)?;
        let imports_path = dir.join(HAND_IMPORTS_FILE);
        let imports: Vec<MvrImport> = if imports_path.exists() {
            serde_json::from_slice(&std::fs::read(&imports_path)?)
                .with_context(|| format!("{}: not valid", imports_path.display()))?
        } else {
            Vec::new()
        };
        let manifest = spec_manifest(&spec)?;
        let mut audit = BatchAudit {
            spec,
            tallies,
            manifest,
            seed,
            rounds,
            book: HandBook::default(),
            imports,
        };
        let hand_path = dir.join(HAND_FILE);
        if hand_path.exists() {
            let rows = read_tally_rows(&hand_path)?;
            audit.book = audit.accept(&rows)?.0;
        }
        Ok(audit)
    }

    /// A new audit (for the verifier's replay): no seed, rounds or tallies.
    pub fn fresh(spec: BatchAuditSpec, tallies: BatchTallies) -> anyhow::Result<BatchAudit> {
        let manifest = spec_manifest(&spec)?;
        Ok(BatchAudit {
            spec,
            tallies,
            manifest,
            seed: None,
            rounds: Vec::new(),
            book: HandBook::default(),
            imports: Vec::new(),
        })
    }

    /// The current round, if one was drawn.
    pub fn current(&self) -> Option<&RoundPlan> {
        self.rounds.last()
    }

    /// Every contest's draws in a plan (none without a seed).
    pub fn draws(&self, plan: Option<&RoundPlan>) -> Vec<Vec<PpebDraw>> {
        match (&self.seed, plan) {
            (Some(s), Some(p)) => plan_draws(&self.spec, &self.tallies, &s.seed, p),
            _ => vec![Vec::new(); self.spec.contests.len()],
        }
    }

    /// Batches drawn in any round so far.
    pub fn drawn(&self) -> BTreeSet<usize> {
        drawn_batches(&self.draws(self.current()))
    }

    /// Check hand-tally rows and add them to a copy of the book.
    pub fn accept(&self, rows: &[TallyRow]) -> anyhow::Result<(HandBook, u64)> {
        Ok(self.book.accept(
            &self.spec,
            &self.tallies,
            &self.manifest,
            &self.drawn(),
            rows,
        )?)
    }

    /// Every contest's status.
    pub fn statuses(&self) -> Vec<BatchContestStatus> {
        let draws = self.draws(self.current());
        evaluate_batches(
            &self.spec,
            &self.tallies,
            self.current(),
            &draws,
            &self.book,
        )
    }
}

fn read_checked(path: &Path, sha256: &str) -> anyhow::Result<Vec<u8>> {
    let bytes = std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
    let got = sha256_hex(&bytes);
    if got != sha256 {
        bail!(
            "{}: changed since the audit was created (SHA-256 {got}, inputs.json records {sha256})",
            path.display()
        );
    }
    Ok(bytes)
}

/// `round-N/sample.csv` and `round-N/retrieval.csv` of a batch round.
pub fn batch_round_csvs(
    audit: &BatchAudit,
    sample: &[BatchSampleEntry],
    fresh: &[usize],
) -> anyhow::Result<(Vec<u8>, Vec<u8>)> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["contest", "draw", "uniform", "tabulator", "batch", "new"])?;
    for e in sample {
        let (Some(b), Some(c)) = (
            audit.spec.batches.get(e.draw.batch),
            audit.spec.contests.get(e.contest),
        ) else {
            continue;
        };
        let (draw, uniform) = if e.draw.draw == 0 {
            ("full hand count".to_owned(), String::new())
        } else {
            (e.draw.draw.to_string(), e.draw.uniform.to_string())
        };
        w.write_record([
            c.name.clone(),
            draw,
            uniform,
            b.tabulator.clone().unwrap_or_default(),
            b.batch.clone(),
            if e.new { "yes" } else { "no" }.to_owned(),
        ])?;
    }
    let sample_bytes = w.into_inner()?;
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["tabulator", "batch", "ballots", "contests"])?;
    for &bi in fresh {
        let Some(b) = audit.spec.batches.get(bi) else {
            continue;
        };
        // Every audited contest the batch holds is hand counted.
        let contests: Vec<&str> = audit
            .spec
            .contests
            .iter()
            .enumerate()
            .filter(|(ci, _)| {
                audit
                    .tallies
                    .votes
                    .get(*ci)
                    .and_then(|v| v.get(bi))
                    .is_some_and(Option::is_some)
            })
            .map(|(_, c)| c.name.as_str())
            .collect();
        w.write_record([
            b.tabulator.clone().unwrap_or_default(),
            b.batch.clone(),
            b.cards.to_string(),
            contests.join("; "),
        ])?;
    }
    Ok((sample_bytes, w.into_inner()?))
}

/// The payload of a `risk` event of a batch audit.
pub fn batch_risk_payload(round: u32, statuses: &[BatchContestStatus]) -> serde_json::Value {
    let contests = statuses
        .iter()
        .map(|s| floats_as_text(serde_json::to_value(s).unwrap_or_default()))
        .collect::<Vec<_>>();
    serde_json::json!({"round": round, "contests": contests})
}

/// `status.json` of a batch audit.
pub fn batch_status_json(
    audit: &BatchAudit,
    statuses: &[BatchContestStatus],
) -> anyhow::Result<Vec<u8>> {
    let value = serde_json::json!({
        "method": BATCH_METHOD,
        "risk_limit": audit.spec.risk_limit,
        "seed": audit.seed.as_ref().map(|s| s.seed.clone()),
        "round": audit.current().map_or(0, |r| r.round),
        "contests": floats_as_text(serde_json::to_value(statuses)?),
    });
    json_bytes(&value)
}

/// `discrepancies.csv` of a batch audit: every recorded batch and contest
/// whose hand count differs from the reported votes, per candidate.
pub fn batch_discrepancies_csv(statuses: &[BatchContestStatus]) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "contest",
        "tabulator",
        "batch",
        "candidate",
        "reported",
        "audited",
        "difference",
    ])?;
    for s in statuses {
        for d in &s.discrepancies {
            for (name, diff) in &d.difference {
                if *diff == 0 {
                    continue;
                }
                w.write_record([
                    s.contest.clone(),
                    d.tabulator.clone().unwrap_or_default(),
                    d.batch.clone(),
                    name.clone(),
                    d.reported.get(name).copied().unwrap_or(0).to_string(),
                    d.audited.get(name).copied().unwrap_or(0).to_string(),
                    diff.to_string(),
                ])?;
            }
        }
    }
    Ok(w.into_inner()?)
}

/// Read the manifest of a batch audit (a thin re-export for the CLI).
pub fn read_batch_manifest(path: &Path) -> anyhow::Result<BallotManifest> {
    read_manifest(path)
}
