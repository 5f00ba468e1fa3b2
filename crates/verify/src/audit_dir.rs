//! The audit directory: every file an audit writes, read back and checked.
//!
//! Layout (docs/AUDIT.md describes every column):
//!
//! ```text
//! DIR/inputs.json           the input files with their SHA-256 (the commitment)
//! DIR/audit.json            contests, reported results, method, risk limit, manifest
//! DIR/cards.csv             every manifest card with its CVR's selections
//! DIR/seed.json             the public seed, bound to inputs.json's SHA-256
//! DIR/round-N/round.json    each contest's cumulative sample size in round N
//! DIR/round-N/sample.csv    the draws of round N, contest by contest, in ticket order
//! DIR/round-N/retrieval.csv the new cards of round N in shelf order
//! DIR/mvrs.csv              every accepted manual vote record, in manifest order
//! DIR/mvr-imports.json      every MVR file taken in, with its SHA-256
//! ```
//!
//! Every write goes to a temporary file first and is renamed into place, so a
//! failed command leaves the directory as it was.

use anyhow::{Context, bail};
use canvass_audit::workflow::{
    AuditCard, AuditSpec, CardIndex, ContestStatus, MvrBook, MvrRow, RoundPlan, SampleEntry,
    Selection, TicketOrder, drawn_cards, interpret, order_cards,
};
use canvass_model::{BallotManifest, ManifestBatch};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// One input file and its digest.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct InputFile {
    /// The path as given on the command line.
    pub path: String,
    /// SHA-256 of the file's bytes, hex.
    pub sha256: String,
    /// The file's size in bytes.
    pub bytes: u64,
}

/// `inputs.json`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Inputs {
    /// The CVR files (for a folder, every file in it, sorted by path).
    pub cvrs: Vec<InputFile>,
    /// The CVR format, when named with --format.
    pub format: Option<String>,
    /// The ballot manifest.
    pub manifest: InputFile,
    /// SHA-256 of `audit.json`.
    pub audit_json_sha256: String,
    /// SHA-256 of `cards.csv`.
    pub cards_csv_sha256: String,
}

/// `seed.json`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct SeedFile {
    /// The seed, exactly as given.
    pub seed: String,
    /// SHA-256 of `inputs.json` when the seed was recorded.
    pub inputs_json_sha256: String,
}

/// One entry of `mvr-imports.json`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct MvrImport {
    /// The file as given.
    pub file: InputFile,
    /// The round that was current.
    pub round: u32,
    /// Records in the file.
    pub records: u64,
    /// Records new to the audit (the rest repeated earlier records).
    pub new_records: u64,
}

/// SHA-256 of bytes, hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Digest a file (or every file of a folder, sorted) for `inputs.json`.
pub fn digest_path(path: &Path) -> anyhow::Result<Vec<InputFile>> {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .with_context(|| format!("{}: cannot list the folder", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        let mut out = Vec::new();
        for e in entries {
            out.extend(digest_path(&e)?);
        }
        return Ok(out);
    }
    let bytes = std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
    Ok(vec![InputFile {
        path: path.display().to_string(),
        sha256: sha256_hex(&bytes),
        bytes: bytes.len() as u64,
    }])
}

/// Write bytes to `path` through a temporary file in the same folder.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp-write");
    std::fs::write(&tmp, bytes).with_context(|| format!("{}: cannot write", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("{}: cannot write", path.display()))?;
    Ok(())
}

/// Pretty JSON with a final newline.
pub fn json_bytes<T: Serialize>(value: &T) -> anyhow::Result<Vec<u8>> {
    let mut v = serde_json::to_vec_pretty(value)?;
    v.push(b'\n');
    Ok(v)
}

/// `cards.csv` from the cards: one row per manifest card.
pub fn cards_csv(spec: &AuditSpec, cards: &[AuditCard]) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec![
        "tabulator",
        "batch",
        "position",
        "imprinted_id",
        "card_id",
        "phantom",
    ];
    header.extend(spec.contests.iter().map(|c| c.name.as_str()));
    w.write_record(&header)?;
    for c in cards {
        let mut row = vec![
            c.tabulator.clone().unwrap_or_default(),
            c.batch.clone(),
            c.position.to_string(),
            c.imprinted_id.clone().unwrap_or_default(),
            c.card_id.clone().unwrap_or_default(),
            if c.is_phantom() { "yes" } else { "no" }.to_owned(),
        ];
        for (sel, contest) in c.votes.iter().zip(&spec.contests) {
            row.push(sel.to_text(contest));
        }
        w.write_record(&row)?;
    }
    Ok(w.into_inner()?)
}

fn read_cards_csv(path: &Path, spec: &AuditSpec) -> anyhow::Result<Vec<AuditCard>> {
    let mut r =
        csv::Reader::from_path(path).with_context(|| format!("{}: cannot read", path.display()))?;
    let fixed = 6;
    let mut cards = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let row = i as u64 + 2;
        let rec = rec.with_context(|| format!("{}, row {row}: not valid CSV", path.display()))?;
        let field = |k: usize| rec.get(k).unwrap_or("").to_owned();
        let opt = |k: usize| Some(field(k)).filter(|s| !s.is_empty());
        let position: u64 = field(2).parse().with_context(|| {
            format!(
                "{}, row {row}, field \"position\": not a number",
                path.display()
            )
        })?;
        let phantom = field(5) == "yes";
        let mut votes = Vec::new();
        for (k, contest) in spec.contests.iter().enumerate() {
            let cell = field(fixed + k);
            let sel = Selection::parse(contest, &cell).map_err(|e| {
                anyhow::anyhow!(
                    "{}, row {row}, field {:?}: {e}",
                    path.display(),
                    contest.name
                )
            })?;
            votes.push(sel);
        }
        cards.push(AuditCard {
            tabulator: opt(0),
            batch: field(1),
            position,
            imprinted_id: opt(3),
            card_id: if phantom { None } else { Some(field(4)) },
            votes,
        });
    }
    Ok(cards)
}

/// Everything in an audit directory, checked against `inputs.json`.
pub struct Audit {
    /// `audit.json`.
    pub spec: AuditSpec,
    /// `cards.csv`.
    pub cards: Vec<AuditCard>,
    /// `seed.json`, once recorded.
    pub seed: Option<SeedFile>,
    /// The rounds drawn so far.
    pub rounds: Vec<RoundPlan>,
    /// Tickets, once the seed is known.
    pub order: Option<TicketOrder>,
    /// The accepted MVRs.
    pub book: MvrBook,
    /// `mvr-imports.json`.
    pub imports: Vec<MvrImport>,
}

impl Audit {
    /// Open and check an audit directory.
    pub fn open(dir: &Path) -> anyhow::Result<Audit> {
        let inputs_path = dir.join("inputs.json");
        let inputs_bytes = std::fs::read(&inputs_path).with_context(|| {
            format!(
                "{}: no audit here (inputs.json is missing); run `canvass audit create` first",
                dir.display()
            )
        })?;
        let inputs: Inputs = serde_json::from_slice(&inputs_bytes)
            .with_context(|| format!("{}: not a valid inputs.json", inputs_path.display()))?;
        let audit_bytes = read_checked(&dir.join("audit.json"), &inputs.audit_json_sha256)?;
        let spec: AuditSpec = serde_json::from_slice(&audit_bytes).with_context(|| {
            format!(
                "{}: not a valid audit.json",
                dir.join("audit.json").display()
            )
        })?;
        read_checked(&dir.join("cards.csv"), &inputs.cards_csv_sha256)?;
        let cards = read_cards_csv(&dir.join("cards.csv"), &spec)?;
        let seed = read_seed_file(dir, &inputs_bytes)?;
        let rounds = read_round_plans(dir)?;
        let order = seed.as_ref().map(|s| order_cards(&spec, &cards, &s.seed));
        let imports_path = dir.join("mvr-imports.json");
        let imports: Vec<MvrImport> = if imports_path.exists() {
            serde_json::from_slice(&std::fs::read(&imports_path)?)
                .with_context(|| format!("{}: not valid", imports_path.display()))?
        } else {
            Vec::new()
        };
        let mut audit = Audit {
            spec,
            cards,
            seed,
            rounds,
            order,
            book: MvrBook::default(),
            imports,
        };
        let mvrs_path = dir.join("mvrs.csv");
        if mvrs_path.exists() {
            let rows = read_mvr_file(&mvrs_path, &audit.spec)?;
            let book = audit.accept(&rows)?;
            audit.book = book.0;
        }
        Ok(audit)
    }

    /// The current round, if one was drawn.
    pub fn current(&self) -> Option<&RoundPlan> {
        self.rounds.last()
    }

    /// Cards drawn in any round so far.
    pub fn drawn(&self) -> BTreeSet<usize> {
        match (&self.order, self.current()) {
            (Some(order), Some(plan)) => drawn_cards(order, &plan.sizes()),
            _ => BTreeSet::new(),
        }
    }

    /// Check rows and add them to a copy of the book: the new book and the
    /// number of new records. Nothing is kept if any row is wrong.
    pub fn accept(&self, rows: &[MvrRow]) -> anyhow::Result<(MvrBook, u64)> {
        let index = CardIndex::new(&self.cards);
        let drawn = self.drawn();
        let mut book = self.book.clone();
        let mut new = 0;
        for row in rows {
            let (card, paper) = interpret(&self.spec, &self.cards, &index, &drawn, row)?;
            if book.add(card, paper, row)? {
                new += 1;
            }
        }
        Ok((book, new))
    }

    /// `mvrs.csv` for a book: one row per card, in manifest order.
    pub fn mvrs_csv(&self, book: &MvrBook) -> anyhow::Result<Vec<u8>> {
        use canvass_audit::workflow::Paper;
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header = vec!["tabulator", "batch", "position", "card_id"];
        header.extend(self.spec.contests.iter().map(|c| c.name.as_str()));
        w.write_record(&header)?;
        for (&i, paper) in &book.paper {
            let Some(c) = self.cards.get(i) else { continue };
            let mut row = vec![
                c.tabulator.clone().unwrap_or_default(),
                c.batch.clone(),
                c.position.to_string(),
                c.card_id.clone().unwrap_or_default(),
            ];
            for (k, contest) in self.spec.contests.iter().enumerate() {
                row.push(match paper {
                    Paper::NotFound => "not found".to_owned(),
                    Paper::Found(s) => s.get(k).map(|s| s.to_text(contest)).unwrap_or_default(),
                });
            }
            w.write_record(&row)?;
        }
        Ok(w.into_inner()?)
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

/// The fields of an MVR record that name the card rather than a contest.
const CARD_FIELDS: [&str; 4] = ["card_id", "tabulator", "batch", "position"];
/// Columns of `retrieval.csv` that a board may leave in its MVR file.
const IGNORED_FIELDS: [&str; 4] = ["imprinted_id", "ticket", "contests", "phantom"];

/// Read an MVR file: CSV (a header row, one row per card) or JSON (an array of
/// objects), by extension. Checks the header against the audit's contests.
pub fn read_mvr_file(path: &Path, spec: &AuditSpec) -> anyhow::Result<Vec<MvrRow>> {
    let file = path.display().to_string();
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if is_json {
        return read_mvr_json(path, spec);
    }
    let mut r = csv::Reader::from_path(path).with_context(|| format!("{file}: cannot read"))?;
    let headers: Vec<String> = r
        .headers()
        .with_context(|| format!("{file}, row 1: not valid CSV"))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    for h in &headers {
        let known = CARD_FIELDS.contains(&h.as_str())
            || IGNORED_FIELDS.contains(&h.as_str())
            || spec.contests.iter().any(|c| &c.name == h);
        if !known {
            let names: Vec<&str> = spec.contests.iter().map(|c| c.name.as_str()).collect();
            bail!(
                "{file}, row 1, field {h:?}: not a column of an MVR file; expected card_id, tabulator, batch, position or a contest of this audit ({})",
                names.join(", ")
            );
        }
    }
    if !headers.iter().any(|h| h == "card_id" || h == "batch") {
        bail!("{file}, row 1: the header needs card_id, or batch and position");
    }
    let mut rows = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let row = i as u64 + 2;
        let rec = rec.with_context(|| format!("{file}, row {row}: not valid CSV"))?;
        let mut m = MvrRow {
            file: file.clone(),
            row,
            ..MvrRow::default()
        };
        for (h, v) in headers.iter().zip(rec.iter()) {
            let v = v.to_owned();
            match h.as_str() {
                "card_id" => m.card_id = Some(v),
                "tabulator" => m.tabulator = Some(v),
                "batch" => m.batch = Some(v),
                "position" => m.position = Some(v),
                h if IGNORED_FIELDS.contains(&h) => {}
                _ => m.contests.push((h.clone(), v)),
            }
        }
        rows.push(m);
    }
    Ok(rows)
}

fn read_mvr_json(path: &Path, spec: &AuditSpec) -> anyhow::Result<Vec<MvrRow>> {
    use serde_json::Value;
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).with_context(|| format!("{file}: cannot read"))?;
    let value: Value =
        serde_json::from_str(&text).with_context(|| format!("{file}: not valid JSON"))?;
    let Value::Array(items) = value else {
        bail!("{file}: expected a JSON array of records");
    };
    let text_of = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let mut rows = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let row = i as u64 + 1;
        let at = |field: &str| format!("{file}, row {row}, field {field:?}");
        let Value::Object(obj) = item else {
            bail!("{file}, row {row}: expected an object");
        };
        let mut m = MvrRow {
            file: file.clone(),
            row,
            ..MvrRow::default()
        };
        for (k, v) in obj {
            match k.as_str() {
                "card_id" | "tabulator" | "batch" | "position" => {
                    let s = text_of(v)
                        .ok_or_else(|| anyhow::anyhow!("{}: expected text or a number", at(k)))?;
                    match k.as_str() {
                        "card_id" => m.card_id = Some(s),
                        "tabulator" => m.tabulator = Some(s),
                        "batch" => m.batch = Some(s),
                        _ => m.position = Some(s),
                    }
                }
                "not_found" => {
                    let missing = v
                        .as_bool()
                        .ok_or_else(|| anyhow::anyhow!("{}: expected true or false", at(k)))?;
                    if missing && let Some(c) = spec.contests.first() {
                        m.contests.push((c.name.clone(), "not found".into()));
                    }
                }
                "contests" => {
                    let Value::Object(cs) = v else {
                        bail!("{}: expected an object of contest: selection", at(k));
                    };
                    for (name, sel) in cs {
                        let cell = match sel {
                            Value::String(s) => s.clone(),
                            Value::Array(a) => {
                                let mut names = Vec::new();
                                for x in a {
                                    names.push(x.as_str().map(str::to_owned).ok_or_else(|| {
                                        anyhow::anyhow!("{}: expected candidate names", at(name))
                                    })?);
                                }
                                if names.is_empty() {
                                    "blank".to_owned()
                                } else {
                                    names.join("; ")
                                }
                            }
                            _ => bail!(
                                "{}: expected a name, a list of names, or a word like blank",
                                at(name)
                            ),
                        };
                        m.contests.push((name.clone(), cell));
                    }
                }
                h if IGNORED_FIELDS.contains(&h) => {}
                _ => bail!(
                    "{}: not a field of an MVR record; expected card_id, tabulator, batch, position, contests, not_found",
                    at(k)
                ),
            }
        }
        rows.push(m);
    }
    Ok(rows)
}

/// Read a manifest CSV: `batch`, `ballots` (or `cards`), optional `tabulator`.
pub fn read_manifest(path: &Path) -> anyhow::Result<BallotManifest> {
    let file = path.display().to_string();
    let mut r = csv::Reader::from_path(path).with_context(|| format!("{file}: cannot read"))?;
    let headers: Vec<String> = r
        .headers()
        .with_context(|| format!("{file}, row 1: not valid CSV"))?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    let col = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
    let batch_col = col(&["batch", "batch name", "batch_name", "container"])
        .with_context(|| format!("{file}, row 1: the manifest needs a batch column"))?;
    let count_col = col(&["ballots", "cards", "number of ballots", "number_of_ballots"])
        .with_context(|| format!("{file}, row 1: the manifest needs a ballots column"))?;
    let tab_col = col(&["tabulator"]);
    let mut batches = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let row = i + 2;
        let rec = rec.with_context(|| format!("{file}, row {row}: not valid CSV"))?;
        let batch = rec.get(batch_col).unwrap_or("").trim().to_owned();
        if batch.is_empty() {
            bail!("{file}, row {row}, field \"batch\": empty");
        }
        let count = rec.get(count_col).unwrap_or("").trim();
        let cards: u64 = count.parse().with_context(|| {
            format!("{file}, row {row}, field \"ballots\": {count:?} is not a whole number")
        })?;
        let tabulator = tab_col
            .and_then(|c| rec.get(c))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        batches.push(ManifestBatch {
            tabulator,
            batch,
            cards,
        });
    }
    BallotManifest::new(batches).with_context(|| file.clone())
}

/// `round-N/sample.csv` and `round-N/retrieval.csv` of a round's draws
/// (`sample`, from `round_sample`) and new cards in shelf order (`retrieval`).
pub fn round_csvs(
    audit: &Audit,
    order: &TicketOrder,
    sample: &[SampleEntry],
    retrieval: &[usize],
) -> anyhow::Result<(Vec<u8>, Vec<u8>)> {
    let ticket = |i: usize| {
        format!(
            "0.{}",
            order.tickets.get(i).map(String::as_str).unwrap_or("")
        )
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "contest",
        "sequence",
        "ticket",
        "tabulator",
        "batch",
        "position",
        "card_id",
        "new",
    ])?;
    for e in sample {
        let (Some(card), Some(contest)) =
            (audit.cards.get(e.card), audit.spec.contests.get(e.contest))
        else {
            continue;
        };
        w.write_record([
            contest.name.clone(),
            e.sequence.to_string(),
            ticket(e.card),
            card.tabulator.clone().unwrap_or_default(),
            card.batch.clone(),
            card.position.to_string(),
            card.card_id.clone().unwrap_or_default(),
            if e.new { "yes" } else { "no" }.to_owned(),
        ])?;
    }
    let sample_bytes = w.into_inner()?;
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "tabulator",
        "batch",
        "position",
        "imprinted_id",
        "card_id",
        "phantom",
        "ticket",
        "contests",
    ])?;
    for &i in retrieval {
        let Some(card) = audit.cards.get(i) else {
            continue;
        };
        let contests: Vec<&str> = sample
            .iter()
            .filter(|e| e.card == i)
            .filter_map(|e| audit.spec.contests.get(e.contest).map(|c| c.name.as_str()))
            .collect();
        w.write_record([
            card.tabulator.clone().unwrap_or_default(),
            card.batch.clone(),
            card.position.to_string(),
            card.imprinted_id.clone().unwrap_or_default(),
            card.card_id.clone().unwrap_or_default(),
            if card.is_phantom() { "yes" } else { "no" }.to_owned(),
            ticket(i),
            contests.join("; "),
        ])?;
    }
    let retrieval_bytes = w.into_inner()?;
    Ok((sample_bytes, retrieval_bytes))
}

/// The canonical CVR file of an audit (NIST SP 1500-103 CDF JSON, with the
/// election definition): its cards, read back, are the committed leaves.
pub const CVRS_FILE: &str = "cvrs.cdf.json";
/// The copy of the ballot manifest.
pub const MANIFEST_FILE: &str = "manifest.csv";
/// The commitment, canonical JSON.
pub const COMMITMENT_FILE: &str = "commitment.json";
/// The folder of the MVR files as they were taken in.
pub const MVR_FILES_DIR: &str = "mvr-files";

/// The payload of a `risk` log event: every contest's status, with
/// fractional numbers (risks) as the shortest decimal text that reads back
/// to the same `f64` (the canonical-JSON number policy).
pub fn risk_payload(round: u32, statuses: &[ContestStatus]) -> serde_json::Value {
    let contests = statuses
        .iter()
        .map(|s| floats_as_text(serde_json::to_value(s).unwrap_or_default()))
        .collect::<Vec<_>>();
    serde_json::json!({"round": round, "contests": contests})
}

/// Replace every non-integer JSON number by its shortest round-trip text.
pub fn floats_as_text(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Number(n) if n.as_u64().is_none() && n.as_i64().is_none() => {
            Value::String(n.as_f64().map(|f| f.to_string()).unwrap_or_default())
        }
        Value::Array(a) => Value::Array(a.into_iter().map(floats_as_text).collect()),
        Value::Object(o) => {
            Value::Object(o.into_iter().map(|(k, v)| (k, floats_as_text(v))).collect())
        }
        other => other,
    }
}

/// `status.json`: the audit's state, as `canvass audit status --json` prints it.
pub fn status_json(audit: &Audit, statuses: &[ContestStatus]) -> anyhow::Result<Vec<u8>> {
    let value = serde_json::json!({
        "method": audit.spec.method,
        "risk_limit": audit.spec.risk_limit,
        "seed": audit.seed.as_ref().map(|s| s.seed.clone()),
        "round": audit.current().map_or(0, |r| r.round),
        "contests": statuses,
    });
    json_bytes(&value)
}

/// `discrepancies.csv`: every recorded card and contest where the paper
/// differs from the CVR, with the kind of discrepancy
/// (`canvass_audit::workflow::compare`), in manifest order.
pub fn discrepancies_csv(audit: &Audit) -> anyhow::Result<Vec<u8>> {
    use canvass_audit::workflow::{Discrepancy, Paper, compare};
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "tabulator",
        "batch",
        "position",
        "card_id",
        "contest",
        "cvr",
        "paper",
        "discrepancy",
    ])?;
    for (&i, paper) in &audit.book.paper {
        let Some(card) = audit.cards.get(i) else {
            continue;
        };
        for (k, contest) in audit.spec.contests.iter().enumerate() {
            let cvr = if card.is_phantom() {
                None
            } else {
                card.votes.get(k)
            };
            let on_paper = match paper {
                Paper::NotFound => None,
                Paper::Found(s) => s.get(k),
            };
            let c = compare(contest, cvr, on_paper);
            if c.kind == Discrepancy::None && on_paper.is_some() {
                continue;
            }
            let kind = serde_json::to_value(c.kind)?
                .as_str()
                .unwrap_or_default()
                .to_owned();
            w.write_record([
                card.tabulator.clone().unwrap_or_default(),
                card.batch.clone(),
                card.position.to_string(),
                card.card_id.clone().unwrap_or_default(),
                contest.name.clone(),
                cvr.map(|s| s.to_text(contest)).unwrap_or_default(),
                on_paper.map_or_else(|| "not found".to_owned(), |s| s.to_text(contest)),
                kind,
            ])?;
        }
    }
    Ok(w.into_inner()?)
}

/// `DIR/seed.json` if the seed has been recorded; it must have been recorded
/// for these inputs (`inputs_bytes`, the bytes of `inputs.json`).
pub(crate) fn read_seed_file(dir: &Path, inputs_bytes: &[u8]) -> anyhow::Result<Option<SeedFile>> {
    let seed_path = dir.join("seed.json");
    if !seed_path.exists() {
        return Ok(None);
    }
    let s: SeedFile = serde_json::from_slice(&std::fs::read(&seed_path)?)
        .with_context(|| format!("{}: not a valid seed.json", seed_path.display()))?;
    if s.inputs_json_sha256 != sha256_hex(inputs_bytes) {
        bail!(
            "{}: the seed was recorded for other inputs (inputs.json changed)",
            seed_path.display()
        );
    }
    Ok(Some(s))
}

/// The plans `DIR/round-1/round.json`, `DIR/round-2/round.json`, ... up to
/// the first round not drawn yet.
pub(crate) fn read_round_plans(dir: &Path) -> anyhow::Result<Vec<RoundPlan>> {
    let mut rounds = Vec::new();
    for n in 1.. {
        let p = dir.join(format!("round-{n}")).join("round.json");
        if !p.exists() {
            break;
        }
        let plan: RoundPlan = serde_json::from_slice(&std::fs::read(&p)?)
            .with_context(|| format!("{}: not a valid round.json", p.display()))?;
        rounds.push(plan);
    }
    Ok(rounds)
}
