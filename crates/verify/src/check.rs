//! The verifier: recompute everything in a published record from its files
//! alone, in the order of docs/RECORD.md ("The checks"):
//!
//! 1. the log: every line canonical, every checkpoint signed by the key,
//!    naming the root of the lines it covers, consistent with the one before
//!    (RFC 9162 §2.1.4), the last one covering every line;
//! 2. every file the log refers to has the SHA-256 its latest event records,
//!    and no public file is outside the log;
//! 3. the order: the commitment is logged before the seed, the seed before
//!    the first sample;
//! 4. the commitment: the RFC 9162 root over the canonical leaves of the
//!    cards of `cvrs.cdf.json` is the logged root;
//! 5. the audit: `audit.json` (contests, tabulation, reported winners) and
//!    `cards.csv` follow from the CVRs and the manifest;
//! 6. the replay, event by event: each round's sample follows from the seed
//!    (and every sampled CVR is included in the committed root, by an
//!    inclusion proof), each MVR file gives the recorded paper, each risk
//!    event and each report (`status.json`, `discrepancies.csv`) follows
//!    from the CVRs and the paper.
//!
//! A batch-comparison record (`audit.json` method `batch_comparison`) runs
//! 1–3 here and its own 4–6 in `batch_check`.
//!
//! Every failure names the file and the entry in it.

use crate::audit_dir::{
    Audit, COMMITMENT_FILE, CVRS_FILE, MANIFEST_FILE, SeedFile, cards_csv, discrepancies_csv,
    json_bytes, read_manifest, read_mvr_file, risk_payload, round_csvs, status_json,
};
use crate::record::public_files;
use canvass_audit::workflow::{
    AuditInputs, AuditSpec, ContestStatus, MvrBook, RoundPlan, build_audit, evaluate, first_round,
    next_round, order_cards, retrieval_order, round_sample,
};
use canvass_evidence::Hash;
use canvass_evidence::canonical::{CARD_LEAF_ENCODING, to_canonical_json};
use canvass_evidence::commitment::{card_leaf_hash, sha256_reader};
use canvass_evidence::inclusion_proof::verify_inclusion;
use canvass_evidence::keys::PublicKey;
use canvass_evidence::log::{Event, LOG_FILE, Log, PUBLIC_KEY_FILE, kind};
use canvass_evidence::merkle::MerkleTree;
use canvass_formats::{Format, SourceOptions, read_paths};
use canvass_model::{BallotManifest, Card, Election};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// One failed check: the file, the entry in it, and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The file, relative to the record.
    pub file: String,
    /// The entry: a line, a card, a field, or `the file`.
    pub entry: String,
    /// What is wrong.
    pub problem: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}, {}: {}", self.file, self.entry, self.problem)
    }
}

/// What the verifier found.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// The checks that passed, in order, in words.
    pub passed: Vec<String>,
    /// The checks that failed.
    pub failures: Vec<Finding>,
    /// Remarks that are not failures.
    pub notes: Vec<String>,
}

impl Report {
    /// True when nothing failed.
    pub fn ok(&self) -> bool {
        self.failures.is_empty()
    }

    pub(crate) fn fail(
        &mut self,
        file: &str,
        entry: impl Into<String>,
        problem: impl Into<String>,
    ) {
        self.failures.push(Finding {
            file: file.to_owned(),
            entry: entry.into(),
            problem: problem.into(),
        });
    }

    pub(crate) fn pass(&mut self, what: impl Into<String>) {
        self.passed.push(what.into());
    }
}

/// Verify the record in the folder `dir`; with `key`, the log must be
/// signed by that key (else by the key in `log.pub`, which the report notes).
pub fn verify_record(dir: &Path, key: Option<&PublicKey>) -> Report {
    let mut r = Report::default();
    if let Err(e) = run(dir, key, &mut r) {
        r.fail("(record)", "the record", format!("{e:#}"));
    }
    r
}

fn sha256_file(path: &Path) -> std::io::Result<String> {
    let f = std::fs::File::open(path)?;
    let (h, _) = sha256_reader(std::io::BufReader::with_capacity(1 << 20, f))?;
    Ok(hex::encode(h))
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The first line where `actual` differs from `expected`, in words.
fn first_difference(expected: &[u8], actual: &[u8]) -> (String, String) {
    let e: Vec<&[u8]> = expected.split(|&b| b == b'\n').collect();
    let a: Vec<&[u8]> = actual.split(|&b| b == b'\n').collect();
    for i in 0..e.len().max(a.len()) {
        let (x, y) = (e.get(i), a.get(i));
        if x != y {
            let show = |l: Option<&&[u8]>| match l {
                Some(l) => format!("{:?}", String::from_utf8_lossy(l)),
                None => "nothing".to_owned(),
            };
            return (
                format!("line {}", i + 1),
                format!("recomputed {}, the record has {}", show(x), show(y)),
            );
        }
    }
    ("the file".to_owned(), "differs".to_owned())
}

/// Compare recomputed bytes with the record's file `rel`.
pub(crate) fn same_file(dir: &Path, rel: &str, expected: &[u8], why: &str, r: &mut Report) -> bool {
    let actual = std::fs::read(dir.join(rel)).unwrap_or_default();
    if actual == expected {
        return true;
    }
    let (entry, problem) = first_difference(expected, &actual);
    r.fail(rel, entry, format!("{why}: {problem}"));
    false
}

struct Cvrs {
    election: Election,
    cards: Vec<Card>,
    tree: MerkleTree,
    index: HashMap<String, u64>,
}

/// Read the canonical CVR file, hashing every card's canonical leaf.
fn read_cvrs(dir: &Path) -> anyhow::Result<Cvrs> {
    let mut election = Election::default();
    let mut cards = Vec::new();
    let mut leaves: Vec<Hash> = Vec::new();
    let mut bad: Option<anyhow::Error> = None;
    read_paths(
        &[dir.join(CVRS_FILE)],
        Some(Format::CdfJson),
        &SourceOptions::default(),
        &mut election,
        &mut |e, card| {
            match card_leaf_hash(e, &card) {
                Ok(h) => leaves.push(h),
                Err(err) => {
                    if bad.is_none() {
                        bad = Some(anyhow::anyhow!("card {}: {err}", card.id));
                    }
                }
            }
            cards.push(card);
            Ok(())
        },
    )?;
    if let Some(e) = bad {
        return Err(e);
    }
    let index = cards
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.to_string(), i as u64))
        .collect();
    Ok(Cvrs {
        election,
        cards,
        tree: MerkleTree::from_leaf_hashes(leaves),
        index,
    })
}

fn run(dir: &Path, key: Option<&PublicKey>, r: &mut Report) -> anyhow::Result<()> {
    // 1. The log.
    let log = match Log::open(dir, key) {
        Ok(l) => l,
        Err(e) => {
            r.fail(&e.file, e.entry, e.reason);
            return Ok(());
        }
    };
    r.pass(format!(
        "{LOG_FILE}: {} events; {} checkpoints signed by {}, each naming the root of the lines it covers and consistent with the one before (RFC 9162 §2.1.4)",
        log.size(),
        log.checkpoints().len(),
        log.key().to_text()
    ));
    if key.is_none() {
        r.notes.push(format!(
            "the signing key was taken from {PUBLIC_KEY_FILE}; compare it with the key the jurisdiction published, or pass --key"
        ));
    }
    let events = log.events()?;

    // 2. Files against the log.
    let mut latest: BTreeMap<String, usize> = BTreeMap::new();
    for (i, e) in events.iter().enumerate() {
        if e.kind == kind::INPUT {
            continue; // the original input files are not part of the record
        }
        for f in &e.files {
            latest.insert(f.path.clone(), i);
        }
    }
    let mut changed = 0;
    for (path, &i) in &latest {
        let Some(want) = events.get(i).and_then(|e| e.file(path)) else {
            continue;
        };
        match sha256_file(&dir.join(path)) {
            Err(e) => {
                changed += 1;
                r.fail(
                    path,
                    "the file",
                    format!("missing or unreadable ({e}); {} records it", line(i)),
                );
            }
            Ok(got) if got != want.sha256 => {
                changed += 1;
                r.fail(
                    path,
                    "the file",
                    format!(
                        "SHA-256 {got}, but {} records {}: the file was changed after it was logged",
                        line(i),
                        want.sha256
                    ),
                );
            }
            Ok(_) => {}
        }
    }
    for p in public_files(dir)? {
        let log_file = p == LOG_FILE || p == PUBLIC_KEY_FILE || p.starts_with("checkpoints/");
        if !log_file && !latest.contains_key(&p) {
            r.fail(&p, "the file", "not recorded in the log");
        }
    }
    if changed == 0 {
        r.pass(format!(
            "{} files have the SHA-256 the log records",
            latest.len()
        ));
    }

    // 3. The order of events.
    let find = |k: &str| events.iter().position(|e| e.kind == k);
    let count = |k: &str| events.iter().filter(|e| e.kind == k).count();
    let Some(ci) = find(kind::COMMITMENT) else {
        r.fail(LOG_FILE, "the file", "no commitment event");
        return Ok(());
    };
    let seed_at = find(kind::SEED);
    if count(kind::COMMITMENT) > 1 || count(kind::SEED) > 1 {
        r.fail(
            LOG_FILE,
            "the file",
            "more than one commitment or seed event",
        );
    }
    if let Some(si) = seed_at {
        if si < ci {
            r.fail(
                LOG_FILE,
                line(si),
                "the seed was logged before the CVR commitment",
            );
        }
        if let Some(first_sample) = find(kind::SAMPLE)
            && first_sample < si
        {
            r.fail(
                LOG_FILE,
                line(first_sample),
                "a sample was logged before the seed",
            );
        }
        r.pass(format!(
            "the commitment ({}) was logged before the seed ({})",
            line(ci),
            line(si)
        ));
    }

    // A batch-comparison audit commits to its batch tallies, not to CVRs.
    if crate::batch_dir::is_batch_audit(dir) {
        return crate::batch_check::run(dir, &events, ci, seed_at, r);
    }

    // 4. The commitment.
    let commitment = events
        .get(ci)
        .map(|e| e.payload.clone())
        .unwrap_or_default();
    let root_hex = commitment["root"].as_str().unwrap_or_default().to_owned();
    // The leaves are rebuilt in the encoding this verifier knows
    // (docs/CANONICAL.md); a record committed with another one cannot be
    // checked leaf by leaf here, and saying so beats a bare root mismatch.
    let encoding = commitment["leaf_encoding"]
        .as_str()
        .unwrap_or("(none given)");
    if encoding != CARD_LEAF_ENCODING {
        r.fail(
            LOG_FILE,
            format!("the commitment ({})", line(ci)),
            format!(
                "its leaf_encoding is {encoding}; this verifier rebuilds {CARD_LEAF_ENCODING} \
                 leaves only (docs/CANONICAL.md), so the Merkle root cannot be checked"
            ),
        );
        return Ok(());
    }
    let mut cvrs = match read_cvrs(dir) {
        Ok(c) => c,
        Err(e) => {
            r.fail(CVRS_FILE, "the file", format!("{e:#}"));
            return Ok(());
        }
    };
    let root = hex::encode(cvrs.tree.root());
    if root != root_hex || commitment["cards"].as_u64() != Some(cvrs.tree.size()) {
        r.fail(
            CVRS_FILE,
            "the Merkle root",
            format!(
                "{} cards with root {root}; the commitment ({}) is {} cards with root {root_hex}",
                cvrs.tree.size(),
                line(ci),
                commitment["cards"]
            ),
        );
    } else {
        r.pass(format!(
            "{CVRS_FILE}: {} cards, RFC 9162 root {root} = the commitment",
            cvrs.tree.size()
        ));
    }
    same_file(
        dir,
        COMMITMENT_FILE,
        &to_canonical_json(&commitment)?,
        "the commitment differs from the log's",
        r,
    );

    // 5. The audit's definition and cards follow from the CVRs and the manifest.
    let Some((published, manifest)) = read_definition::<AuditSpec>(dir, r) else {
        return Ok(());
    };
    let targets: Vec<String> = published.contests.iter().map(|c| c.name.clone()).collect();
    let (spec, audit_cards) = match build_audit(&AuditInputs {
        election: &cvrs.election,
        cvrs: &cvrs.cards,
        manifest: &manifest,
        targets: &targets,
        risk_limit: published.risk_limit,
        method: published.method,
        risk_function: published.risk_function,
    }) {
        Ok(x) => x,
        Err(e) => {
            r.fail(CVRS_FILE, "the audit", format!("{e}"));
            return Ok(());
        }
    };
    // The cards are no longer needed: free them before the replay.
    drop(std::mem::take(&mut cvrs.cards));
    let spec_ok = same_file(
        dir,
        "audit.json",
        &json_bytes(&spec)?,
        "the tabulation and audit definition do not follow from the CVRs and the manifest",
        r,
    );
    let cards_ok = same_file(
        dir,
        "cards.csv",
        &cards_csv(&spec, &audit_cards)?,
        "the cards do not follow from the CVRs and the manifest",
        r,
    );
    if spec_ok && cards_ok {
        let outcomes: Vec<String> = spec
            .contests
            .iter()
            .map(|c| format!("{}: {}", c.name, c.names(&c.winners).join(", ")))
            .collect();
        r.pass(format!(
            "the tabulation of the CVRs gives the reported outcome ({}); cards.csv follows from the CVRs and the manifest",
            outcomes.join("; ")
        ));
    }

    // 6. The replay.
    let Some((si, seed)) = started(dir, &events, seed_at, &root_hex, r) else {
        return Ok(());
    };
    let order = order_cards(&spec, &audit_cards, &seed.seed);
    let mut audit = Audit {
        spec,
        cards: audit_cards,
        seed: Some(seed),
        rounds: Vec::new(),
        order: Some(order.clone()),
        book: MvrBook::default(),
        imports: Vec::new(),
    };
    let statuses = |a: &Audit| -> Vec<ContestStatus> {
        evaluate(&a.spec, &a.cards, &order, a.current(), &a.book.paper)
    };
    let committed_root = cvrs.tree.root();
    let mut included = 0u64;
    let mut risk_events = 0;
    let mut reports = 0;
    for (i, e) in events.iter().enumerate().skip(si + 1) {
        match e.kind.as_str() {
            kind::SAMPLE => {
                let plan = match audit.current() {
                    None => first_round(&audit.spec),
                    Some(current) => {
                        let missing = audit
                            .drawn()
                            .iter()
                            .filter(|c| !audit.book.paper.contains_key(c))
                            .count() as u64;
                        match next_round(current, &statuses(&audit), missing) {
                            Ok(p) => p,
                            Err(err) => {
                                r.fail(LOG_FILE, line(i), format!("no next round follows: {err}"));
                                return Ok(());
                            }
                        }
                    }
                };
                let before = audit
                    .current()
                    .map(RoundPlan::sizes)
                    .unwrap_or_else(|| vec![0; audit.spec.contests.len()]);
                let sample = round_sample(&order, &before, &plan.sizes());
                let retrieval = retrieval_order(&audit.cards, &sample);
                let (sample_bytes, retrieval_bytes) =
                    round_csvs(&audit, &order, &sample, &retrieval)?;
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
                // Every sampled card's CVR is a leaf of the committed tree.
                for s in sample.iter().filter(|s| s.new) {
                    let Some(card_id) = audit.cards.get(s.card).and_then(|c| c.card_id.clone())
                    else {
                        continue; // a phantom has no CVR
                    };
                    let Some(&leaf) = cvrs.index.get(&card_id) else {
                        r.fail(
                            CVRS_FILE,
                            format!("card {card_id:?}"),
                            "a sampled card has no CVR",
                        );
                        continue;
                    };
                    let proof = cvrs.tree.inclusion_proof(leaf, cvrs.tree.size())?;
                    // The leaf hash of the card as read from cvrs.cdf.json.
                    let hash = cvrs
                        .tree
                        .leaf_hashes()
                        .get(leaf as usize)
                        .copied()
                        .unwrap_or_default();
                    match verify_inclusion(&proof, &hash, &committed_root) {
                        Ok(()) => included += 1,
                        Err(err) => r.fail(CVRS_FILE, format!("card {card_id:?}"), err.to_string()),
                    }
                }
                if ok {
                    r.pass(format!(
                        "round {}: the sample of {} draws and the retrieval list of {} cards follow from the seed",
                        plan.round,
                        sample.len(),
                        retrieval.len()
                    ));
                }
                audit.rounds.push(plan);
            }
            kind::MVR => {
                let Some(file) = e.files.first() else {
                    r.fail(LOG_FILE, line(i), "an mvr event without its file");
                    continue;
                };
                let rows = match read_mvr_file(&dir.join(&file.path), &audit.spec) {
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
                let mvrs = audit.mvrs_csv(&book)?;
                if !logged_as(e, "mvrs.csv", &mvrs) {
                    r.fail(
                        "mvrs.csv",
                        format!("after {}", line(i)),
                        format!("the recorded paper does not follow from {}", file.path),
                    );
                }
                same_new_records(e, i, new, "records", r);
                audit.book = book;
            }
            kind::RISK => {
                risk_events += 1;
                let round = audit.current().map_or(0, |p| p.round);
                let want = risk_payload(round, &statuses(&audit));
                same_risk(e, i, &want, "the CVRs and the paper", r);
            }
            kind::REPORT => {
                reports += 1;
                let st = statuses(&audit);
                same_report(
                    dir,
                    e,
                    [
                        ("status.json", status_json(&audit, &st)?),
                        ("discrepancies.csv", discrepancies_csv(&audit)?),
                    ],
                    "the report does not follow from the CVRs and the paper",
                    r,
                );
            }
            _ => {}
        }
    }
    r.pass(format!(
        "{included} sampled CVRs are included in the committed root (RFC 9162 §2.1.3 inclusion proofs)"
    ));
    let mvrs_now = audit.mvrs_csv(&audit.book)?;
    same_file(
        dir,
        "mvrs.csv",
        &mvrs_now,
        "the recorded paper does not follow from the MVR files",
        r,
    );
    r.pass(format!(
        "{} MVR files replayed; {risk_events} risk events and {reports} reports recomputed",
        events.iter().filter(|e| e.kind == kind::MVR).count()
    ));
    for s in statuses(&audit) {
        r.pass(format!(
            "{}: {} of {} sampled cards recorded, risk {} (limit {}): {}",
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

/// The first contest whose logged status differs from the recomputed one.
/// Where a logged risk payload and the recomputed one first differ.
pub(crate) fn risk_difference(want: &serde_json::Value, got: &serde_json::Value) -> String {
    let empty = Vec::new();
    let w = want["contests"].as_array().unwrap_or(&empty);
    let g = got["contests"].as_array().unwrap_or(&empty);
    for (a, b) in w.iter().zip(g) {
        if a != b {
            return format!(
                "contest {}: recomputed risk {}, logged {}",
                a["contest"], a["risk"], b["risk"]
            );
        }
    }
    if want["round"] != got["round"] {
        return format!(
            "round {} recomputed, {} logged",
            want["round"], got["round"]
        );
    }
    "the contests differ".to_owned()
}

/// `log.jsonl line N` for the event at index `i`.
pub(crate) fn line(i: usize) -> String {
    format!("{LOG_FILE} line {}", i + 1)
}

/// `seed.json`, checked against the seed event at index `si` of the log: the
/// same seed, bound to the committed root. `None` (with the failure
/// recorded) when the file cannot be read.
pub(crate) fn read_seed(
    dir: &Path,
    events: &[Event],
    si: usize,
    root_hex: &str,
    r: &mut Report,
) -> Option<SeedFile> {
    let seed: SeedFile = read_json(dir, "seed.json", r)?;
    let seed_event = events
        .get(si)
        .map(|e| e.payload.clone())
        .unwrap_or_default();
    if seed_event["seed"].as_str() != Some(seed.seed.as_str()) {
        r.fail(
            "seed.json",
            "seed",
            format!(
                "{:?}, but {} records {}",
                seed.seed,
                line(si),
                seed_event["seed"]
            ),
        );
    }
    if seed_event["commitment_root"].as_str() != Some(root_hex) {
        r.fail(
            LOG_FILE,
            line(si),
            "the seed is not bound to the committed root",
        );
    }
    Some(seed)
}

/// The seed of a record whose seed event is at index `seed_at` of the log
/// (see [`read_seed`]), with that index. `None` (with a note, or the
/// failure recorded) when the audit has not started or `seed.json` cannot
/// be read: the replay stops there.
pub(crate) fn started(
    dir: &Path,
    events: &[Event],
    seed_at: Option<usize>,
    root_hex: &str,
    r: &mut Report,
) -> Option<(usize, SeedFile)> {
    let Some(si) = seed_at else {
        r.notes
            .push("no seed yet: the audit has not started".into());
        return None;
    };
    let seed = read_seed(dir, events, si, root_hex, r)?;
    Some((si, seed))
}

/// The JSON file `name` of the record, parsed. `None` (with the failure
/// recorded) when it cannot be read or parsed.
pub(crate) fn read_json<T: serde::de::DeserializeOwned>(
    dir: &Path,
    name: &str,
    r: &mut Report,
) -> Option<T> {
    match std::fs::read(dir.join(name))
        .map_err(anyhow::Error::from)
        .and_then(|b| Ok(serde_json::from_slice(&b)?))
    {
        Ok(v) => Some(v),
        Err(e) => {
            r.fail(name, "the file", format!("{e:#}"));
            None
        }
    }
}

/// The audit's definition as published (`audit.json`, of type `T`) and the
/// ballot manifest: what check 5 recomputes the definition from. `None`
/// (with the failure recorded) when either cannot be read.
pub(crate) fn read_definition<T: serde::de::DeserializeOwned>(
    dir: &Path,
    r: &mut Report,
) -> Option<(T, BallotManifest)> {
    let published = read_json(dir, "audit.json", r)?;
    match read_manifest(&dir.join(MANIFEST_FILE)) {
        Ok(m) => Some((published, m)),
        Err(e) => {
            r.fail(MANIFEST_FILE, "the file", format!("{e:#}"));
            None
        }
    }
}

/// True when the log event `e` records the file `rel` with the SHA-256 of
/// `bytes`.
pub(crate) fn logged_as(e: &Event, rel: &str, bytes: &[u8]) -> bool {
    e.file(rel).map(|f| f.sha256.as_str()) == Some(sha256_hex(bytes).as_str())
}

/// Round `round`'s files (in `round-N/`), recomputed: each must be the
/// record's file and have the SHA-256 that the sample event `e` (at index
/// `i` of the log) records. True when all of them do.
pub(crate) fn same_round_files(
    dir: &Path,
    e: &Event,
    i: usize,
    round: u32,
    files: [(&str, Vec<u8>); 3],
    r: &mut Report,
) -> bool {
    let why = format!("round {round} does not follow from the seed");
    let mut ok = true;
    for (name, bytes) in files {
        let rel = format!("round-{round}/{name}");
        if !same_file(dir, &rel, &bytes, &why, r) {
            ok = false;
        }
        if !logged_as(e, &rel, &bytes) {
            ok = false;
            r.fail(
                LOG_FILE,
                line(i),
                format!("{rel}: the logged SHA-256 is not that of the recomputed file ({why})"),
            );
        }
    }
    ok
}

/// The `new_records` of the event `e` (at index `i` of the log) is `new`,
/// the number recomputed (of `what`: "records", "hand counts").
pub(crate) fn same_new_records(e: &Event, i: usize, new: u64, what: &str, r: &mut Report) {
    if e.payload["new_records"].as_u64() != Some(new) {
        r.fail(
            LOG_FILE,
            line(i),
            format!(
                "{new} new {what} recomputed, {} logged",
                e.payload["new_records"]
            ),
        );
    }
}

/// The risk event `e` (at index `i` of the log) is `want`, recomputed from
/// `basis` (in words, for the failure).
pub(crate) fn same_risk(
    e: &Event,
    i: usize,
    want: &serde_json::Value,
    basis: &str,
    r: &mut Report,
) {
    if *want != e.payload {
        r.fail(
            LOG_FILE,
            line(i),
            format!(
                "the risk event does not follow from {basis}: {}",
                risk_difference(want, &e.payload)
            ),
        );
    }
}

/// A report's files, recomputed: each one whose SHA-256 the report event
/// `e` does not record must at least be the record's file (`why` when it
/// is not).
pub(crate) fn same_report(
    dir: &Path,
    e: &Event,
    files: [(&str, Vec<u8>); 2],
    why: &str,
    r: &mut Report,
) {
    for (rel, bytes) in files {
        if !logged_as(e, rel, &bytes) {
            same_file(dir, rel, &bytes, why, r);
        }
    }
}

/// The name of a contest's state (`confirmed`, `full_hand_count`, ...) as
/// its JSON gives it.
pub(crate) fn state_name(state: &impl serde::Serialize) -> String {
    serde_json::to_value(state)
        .ok()
        .and_then(|v| v.get("state").and_then(|x| x.as_str()).map(str::to_owned))
        .unwrap_or_default()
}
