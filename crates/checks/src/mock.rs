//! Realistic mock election records with planted problems, so every check has
//! an end-to-end test that knows the truth.
//!
//! [`write()`] fills a folder with every input the checks read (the file names
//! below) and returns the [`Planted`] failures: for each check, the locators
//! of exactly the rows its finding must name. With `plant = false` the same
//! election is written clean and every check must find nothing. The same
//! [`MockConfig`] gives the same bytes (seeded SplitMix64; no clock, no OS
//! randomness).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use crate::CheckError;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MockConfig {
    /// Number of precincts (at least 10, so every problem has a place).
    pub precincts: u32,
    /// The seed.
    pub seed: u64,
    /// Whether to plant problems.
    pub plant: bool,
}

impl Default for MockConfig {
    fn default() -> MockConfig {
        MockConfig {
            precincts: 20,
            seed: 1,
            plant: true,
        }
    }
}

/// The failures each check must report on the generated files, by check name
/// (`reconcile`, ...), as the locators it writes.
pub type Planted = BTreeMap<String, Vec<String>>;

/// SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number
/// generators", OOPSLA 2014).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
}

/// The contests and candidates of the mock election.
pub const CONTESTS: [(&str, [&str; 3]); 2] = [
    ("President", ["Adams", "Baker", "Clark"]),
    ("Senate", ["Diaz", "Evans", "Write-in"]),
];

/// Write `text` to `path` through a temporary file and a rename, so a reader
/// never sees half a file.
pub fn write_atomic(path: &Path, text: &str) -> Result<(), CheckError> {
    let io = |source| CheckError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = std::path::PathBuf::from(tmp);
    std::fs::write(&tmp, text).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

/// One precinct's generated figures.
struct Precinct {
    name: String,
    batch: String,
    tabulators: u32,
    issued: u64,
    voted: u64,
    spoiled: u64,
    unused: u64,
    provisional: u64,
    /// Votes per contest per candidate, per tabulator.
    votes: Vec<Vec<Vec<u64>>>,
}

fn precincts(cfg: &MockConfig, rng: &mut Rng) -> Vec<Precinct> {
    (1..=cfg.precincts)
        .map(|i| {
            let voted = rng.range(200, 1500);
            let spoiled = rng.range(0, 8);
            let provisional = rng.range(0, 12);
            let unused = rng.range(20, 300);
            let tabulators = if voted > 900 { 2 } else { 1 };
            let votes = CONTESTS
                .iter()
                .map(|_| {
                    let mut per_tab = vec![vec![0u64; 3]; tabulators as usize];
                    let w = [rng.range(30, 60), rng.range(30, 60), rng.range(1, 5)];
                    let total: u64 = w.iter().sum();
                    for t in 0..tabulators as usize {
                        let share = voted / u64::from(tabulators);
                        let cast = share - share / 50; // ~2% undervotes
                        let mut left = cast;
                        for (c, wc) in w.iter().enumerate() {
                            let v = if c == 2 { left } else { cast * wc / total };
                            left -= v.min(left);
                            if let Some(slot) = per_tab.get_mut(t).and_then(|r| r.get_mut(c)) {
                                *slot = v;
                            }
                        }
                    }
                    per_tab
                })
                .collect();
            Precinct {
                name: format!("P{i:04}"),
                batch: format!("P{i:04}-ED"),
                tabulators,
                issued: voted + spoiled + unused + provisional,
                voted,
                spoiled,
                unused,
                provisional,
                votes,
            }
        })
        .collect()
}

/// Write the reconciliation inputs: `accounting.csv`, `poll_book.csv`,
/// `tapes.csv`, `sov.csv`, `mail.csv`, `mail_rejections.csv`, `manifest.csv`
/// and `totals.csv`. Returns the planted failures' locators.
fn write_reconcile(dir: &Path, cfg: &MockConfig, rng: &mut Rng) -> Result<Vec<String>, CheckError> {
    let ps = precincts(cfg, rng);
    let mut planted = Vec::new();
    // Which precinct carries which problem (fixed, so tests can say where).
    let (p_acc, p_poll, p_tape, p_manifest) = (2usize, 4usize, 6usize, 8usize);

    let mut acc = String::from("precinct,batch,issued,voted,spoiled,unused,provisional\n");
    let mut poll = String::from("precinct,check_ins,ballots_cast,explained,reason\n");
    let mut manifest = String::from("batch,cards\n");
    for (i, p) in ps.iter().enumerate() {
        let row = i + 2;
        let mut issued = p.issued;
        if i == p_acc && cfg.plant {
            issued += 2;
            planted.push(format!(
                "ballot_accounting: precinct {}, batch {} (row {row})",
                p.name, p.batch
            ));
        }
        let _ = writeln!(
            acc,
            "{},{},{issued},{},{},{},{}",
            p.name, p.batch, p.voted, p.spoiled, p.unused, p.provisional
        );
        // Every fifth precinct has voters who checked in and left: explained.
        let left = if i % 5 == 1 { 2 } else { 0 };
        let reason = if left > 0 {
            "left without voting (poll worker log)"
        } else {
            ""
        };
        let mut check_ins = p.voted + left;
        if i == p_poll && cfg.plant {
            check_ins += 3;
            planted.push(format!("poll_book: precinct {} (row {row})", p.name));
        }
        let _ = writeln!(poll, "{},{check_ins},{},{left},{reason}", p.name, p.voted);
        let mut cards = p.voted;
        if i == p_manifest && cfg.plant {
            cards += 4;
            planted.push(format!("manifest_vs_counted: batch {}", p.batch));
        }
        let _ = writeln!(manifest, "{},{cards}", p.batch);
    }

    let mut tapes = String::from("precinct,tabulator,contest,candidate,votes\n");
    let mut sov = String::from("precinct,contest,candidate,votes\n");
    let mut county: BTreeMap<(usize, usize), u64> = BTreeMap::new();
    for (i, p) in ps.iter().enumerate() {
        for (c, (contest, cands)) in CONTESTS.iter().enumerate() {
            for (k, cand) in cands.iter().enumerate() {
                let mut total = 0;
                for t in 0..p.tabulators as usize {
                    let v = p
                        .votes
                        .get(c)
                        .and_then(|x| x.get(t))
                        .and_then(|x| x.get(k))
                        .copied()
                        .unwrap_or(0);
                    total += v;
                    let _ = writeln!(
                        tapes,
                        "{},T{}-{},{contest},{cand},{v}",
                        p.name,
                        p.name,
                        t + 1
                    );
                }
                if i == p_tape && c == 0 && k == 0 && cfg.plant {
                    total -= 5;
                    planted.push(format!(
                        "tapes_vs_sov: precinct {}, contest {contest}, candidate {cand}",
                        p.name
                    ));
                }
                *county.entry((c, k)).or_default() += total;
                let _ = writeln!(sov, "{},{contest},{cand},{total}", p.name);
            }
        }
    }
    let mut totals = String::from("level,contest,candidate,votes\n");
    for level in ["county", "state_reported"] {
        for (c, (contest, cands)) in CONTESTS.iter().enumerate() {
            for (k, cand) in cands.iter().enumerate() {
                let mut v = county.get(&(c, k)).copied().unwrap_or(0);
                if level == "state_reported" && c == 1 && k == 1 && cfg.plant {
                    v += 10;
                    planted.push(format!(
                        "precincts_vs_totals: level {level}, contest {contest}, candidate {cand}"
                    ));
                }
                let _ = writeln!(totals, "{level},{contest},{cand},{v}");
            }
        }
    }

    let mut mail = String::from("batch,received,extracted,rejected\n");
    let mut rejections = String::from("batch,reason,count\n");
    let batches = (cfg.precincts / 4).max(3);
    for b in 1..=batches {
        let name = format!("M{b:03}");
        let extracted = rng.range(300, 500);
        let sig = rng.range(0, 6);
        let late = rng.range(0, 3);
        let mut received = extracted + sig + late;
        if b == 2 && cfg.plant {
            received += 1;
            planted.push(format!("mail_envelopes: batch {name} (row {})", b + 1));
        }
        let _ = writeln!(mail, "{name},{received},{extracted},{}", sig + late);
        let _ = writeln!(rejections, "{name},signature mismatch,{sig}");
        let _ = writeln!(rejections, "{name},received late,{late}");
    }

    for (name, text) in [
        ("accounting.csv", &acc),
        ("poll_book.csv", &poll),
        ("tapes.csv", &tapes),
        ("sov.csv", &sov),
        ("mail.csv", &mail),
        ("mail_rejections.csv", &rejections),
        ("manifest.csv", &manifest),
        ("totals.csv", &totals),
    ] {
        write_atomic(&dir.join(name), text)?;
    }
    planted.sort();
    Ok(planted)
}

/// Write every check's inputs into `dir` (created if needed) and return what
/// was planted.
pub fn write(dir: &Path, cfg: &MockConfig) -> Result<Planted, CheckError> {
    if cfg.precincts < 10 {
        return Err(CheckError::Inconsistent {
            path: dir.to_path_buf(),
            message: format!(
                "a mock election needs at least 10 precincts, not {}",
                cfg.precincts
            ),
        });
    }
    std::fs::create_dir_all(dir).map_err(|source| CheckError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut rng = Rng(cfg.seed);
    let mut planted = Planted::new();
    planted.insert("reconcile".into(), write_reconcile(dir, cfg, &mut rng)?);
    let truth = serde_json::to_string_pretty(&planted).unwrap_or_default() + "\n";
    write_atomic(&dir.join("planted.json"), &truth)?;
    Ok(planted)
}
