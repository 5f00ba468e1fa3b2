//! Realistic mock election records with planted problems, so every check has
//! an end-to-end test that knows the truth.
//!
//! [`write()`] fills a folder with every input the checks read (under the
//! names in [`files`]) and returns the [`Planted`] failures: for each check,
//! the locators of exactly the rows its finding must name (for the
//! record-linkage checks, `deceased` and `duplicates`, the planted people,
//! whom the finding must name; a pair agreeing by chance may add one). With
//! `plant = false` the same election is written clean and every check must
//! find nothing. The same
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

/// The canonical file names of the checks' inputs: [`write()`] writes each
/// input under its name, and `canvass check reconcile --dir` and `canvass
/// check all --dir` look for them (docs/CHECKS.md, "Mock records").
pub mod files {
    /// Ballot accounting (reconcile `--accounting`).
    pub const ACCOUNTING: &str = "accounting.csv";
    /// Poll book check-ins (reconcile `--poll-book`).
    pub const POLL_BOOK: &str = "poll_book.csv";
    /// Tabulator tapes (reconcile `--tapes`).
    pub const TAPES: &str = "tapes.csv";
    /// Statement of votes (reconcile `--sov`).
    pub const SOV: &str = "sov.csv";
    /// Mail envelopes by batch (reconcile `--mail`).
    pub const MAIL: &str = "mail.csv";
    /// Mail rejections by batch and reason (reconcile `--mail-rejections`).
    pub const MAIL_REJECTIONS: &str = "mail_rejections.csv";
    /// Ballot manifest (reconcile `--manifest`).
    pub const MANIFEST: &str = "manifest.csv";
    /// Reported totals (reconcile `--totals`).
    pub const TOTALS: &str = "totals.csv";
    /// Every reconcile input, in the order of its options.
    pub const RECONCILE: [&str; 8] = [
        ACCOUNTING,
        POLL_BOOK,
        TAPES,
        SOV,
        MAIL,
        MAIL_REJECTIONS,
        MANIFEST,
        TOTALS,
    ];
    /// Machine count (machine-vs-paper `--machine`).
    pub const MACHINE: &str = "machine.csv";
    /// Hand count (machine-vs-paper `--hand`).
    pub const HAND: &str = "hand.csv";
    /// Audit discrepancies (machine-vs-paper `--discrepancies`).
    pub const AUDIT_DISCREPANCIES: &str = "audit_discrepancies.csv";
    /// Mail ballot log (timeliness `--ballots`).
    pub const MAIL_BALLOTS: &str = "mail_ballots.csv";
    /// Observer event log (observers `--log`).
    pub const OBSERVER_LOG: &str = "observer_log.csv";
    /// Observer access rules (observers `--access`).
    pub const OBSERVER_ACCESS: &str = "observer_access.csv";
    /// Counting schedule (observers `--schedule`).
    pub const COUNTING_SCHEDULE: &str = "counting_schedule.csv";
    /// Voter file with history, one row per voter who voted (deceased and
    /// duplicates `--voters`).
    pub const VOTERS: &str = "voters.csv";
    /// Death records (deceased `--deaths`).
    pub const DEATHS: &str = "deaths.csv";
    /// Another state's voter history (duplicates `--other-state`).
    pub const OTHER_STATE: &str = "other_state.csv";
    /// What [`super::write()`] planted, by check.
    pub const PLANTED: &str = "planted.json";
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
        (files::ACCOUNTING, &acc),
        (files::POLL_BOOK, &poll),
        (files::TAPES, &tapes),
        (files::SOV, &sov),
        (files::MAIL, &mail),
        (files::MAIL_REJECTIONS, &rejections),
        (files::MANIFEST, &manifest),
        (files::TOTALS, &totals),
    ] {
        write_atomic(&dir.join(name), text)?;
    }
    planted.sort();
    Ok(planted)
}

/// Write the machine-vs-paper inputs: `machine.csv` and `hand.csv` (a full
/// hand count by batch) and `audit_discrepancies.csv`.
fn write_machine_vs_paper(
    dir: &Path,
    cfg: &MockConfig,
    rng: &mut Rng,
) -> Result<Vec<String>, CheckError> {
    let ps = precincts(cfg, rng);
    let mut planted = Vec::new();
    let mut machine = String::from("batch,contest,candidate,votes\n");
    let mut hand = String::from("batch,contest,candidate,votes\n");
    for (i, p) in ps.iter().enumerate() {
        for (c, (contest, cands)) in CONTESTS.iter().enumerate() {
            for (k, cand) in cands.iter().enumerate() {
                let v: u64 = (0..p.tabulators as usize)
                    .map(|t| {
                        p.votes
                            .get(c)
                            .and_then(|x| x.get(t))
                            .and_then(|x| x.get(k))
                            .copied()
                            .unwrap_or(0)
                    })
                    .sum();
                let _ = writeln!(machine, "{},{contest},{cand},{v}", p.batch);
                let mut h = v;
                if cfg.plant && i == 3 && c == 0 && k == 1 {
                    h += 3;
                    planted.push(format!(
                        "batch {}, contest {contest}, candidate {cand}",
                        p.batch
                    ));
                }
                if cfg.plant && i == 3 && c == 0 && k == 2 {
                    h -= 1.min(h);
                    planted.push(format!(
                        "batch {}, contest {contest}, candidate {cand}",
                        p.batch
                    ));
                }
                let _ = writeln!(hand, "{},{contest},{cand},{h}", p.batch);
            }
        }
    }
    let mut disc = String::from("tabulator,card,contest,discrepancy\n");
    for (i, p) in ps.iter().enumerate().take(8) {
        let tab = format!("T{}-1", p.name);
        for card in 1..=3 {
            let d = if cfg.plant && i == 5 && card == 2 {
                1
            } else {
                0
            };
            if d != 0 {
                planted.push(format!("tabulator {tab} (audit discrepancies)"));
            }
            let _ = writeln!(disc, "{tab},{}-{card},President,{d}", p.batch);
        }
    }
    write_atomic(&dir.join(files::MACHINE), &machine)?;
    write_atomic(&dir.join(files::HAND), &hand)?;
    write_atomic(&dir.join(files::AUDIT_DISCREPANCIES), &disc)?;
    planted.sort();
    Ok(planted)
}

/// Write `mail_ballots.csv`: mail ballots of the 2020 general in GA, PA, NV
/// and NC around their deadlines, judged by the built-in rules.
fn write_timeliness(
    dir: &Path,
    cfg: &MockConfig,
    rng: &mut Rng,
) -> Result<Vec<String>, CheckError> {
    let mut planted = Vec::new();
    let mut out =
        String::from("ballot_id,state,kind,received,postmarked,status,reason,segregated\n");
    let n = u64::from(cfg.precincts) * 20;
    let rules = crate::timeliness::RuleTable::builtin()?;
    for b in 0..n {
        let row = b + 2;
        let id = format!("B{b:06}");
        let state = ["GA", "PA", "NV", "NC", "PA"][(b % 5) as usize];
        let kind = if b % 17 == 0 && state != "NV" {
            "uocava"
        } else {
            "mail"
        };
        // Mostly early; some on election day; some after it.
        let (day, hour) = match rng.range(0, 19) {
            0 => (4, 10), // Nov 4
            1 => (5, 12), // Nov 5
            2 => (11, 9), // Nov 11
            3 => (3, 21), // election night, after the polls closed
            4..=6 => (3, 10),
            _ => (rng.range(10, 31) as i64 - 31, 11), // October
        };
        let received = if day <= 0 {
            format!("2020-10-{:02}T{hour:02}:00", (31 + day).max(1))
        } else {
            format!("2020-11-{day:02}T{hour:02}:00")
        };
        let postmarked = match rng.range(0, 3) {
            0 => String::new(),
            _ if day > 3 => "2020-11-02".to_string(),
            _ => String::new(),
        };
        let r = crate::date::Moment::parse(&received).map_err(|m| CheckError::Inconsistent {
            path: dir.to_path_buf(),
            message: m,
        })?;
        let p = (!postmarked.is_empty())
            .then(|| crate::date::Moment::parse(&postmarked).ok())
            .flatten();
        let verdict = rules
            .in_force(state, "2020-general", kind, r)
            .map(|x| (x.judge(r, p), x.segregate_grace));
        use crate::timeliness::Timeliness;
        let (mut status, mut reason, mut segregated) = match verdict {
            Some((Timeliness::Late, _)) => ("rejected", "received late", ""),
            Some((Timeliness::Grace, true)) => ("counted", "", "yes"),
            _ if b % 23 == 0 => ("rejected", "signature mismatch", ""),
            _ => ("counted", "", ""),
        };
        if cfg.plant
            && state == "GA"
            && matches!(verdict, Some((Timeliness::Late, _)))
            && !planted.iter().any(|x: &String| x.contains("GA"))
        {
            status = "counted";
            reason = "";
            planted.push(format!("ballot {id} (row {row}) GA"));
        } else if cfg.plant
            && segregated == "yes"
            && !planted.iter().any(|x: &String| x.contains("PA"))
        {
            segregated = "no";
            planted.push(format!("ballot {id} (row {row}) PA"));
        }
        let _ = writeln!(
            out,
            "{id},{state},{kind},{received},{postmarked},{status},{reason},{segregated}"
        );
    }
    write_atomic(&dir.join(files::MAIL_BALLOTS), &out)?;
    // The state tag only made the planting unique; locators end at the row.
    let mut planted: Vec<String> = planted
        .into_iter()
        .map(|s| {
            s.trim_end_matches(" GA")
                .trim_end_matches(" PA")
                .to_string()
        })
        .collect();
    planted.sort();
    Ok(planted)
}

/// Write `observer_log.csv`, `observer_access.csv` and
/// `counting_schedule.csv`: two counting locations, three parties, shift
/// changes, a justified capacity denial, and (planted) an ejection with no
/// reason.
fn write_observers(dir: &Path, cfg: &MockConfig) -> Result<Vec<String>, CheckError> {
    let mut planted = Vec::new();
    let access = "location,affiliation,entitled,capacity\n\
                  Central Count,DEM,2,6\nCentral Count,REP,2,6\nCentral Count,LIB,1,6\n\
                  Annex,DEM,1,2\nAnnex,REP,1,2\nAnnex,LIB,1,2\n";
    let schedule = "location,start,end,activity\n\
                    Central Count,2020-11-03T19:00,2020-11-04T03:00,tabulating mail ballots\n\
                    Annex,2020-11-04T08:00,2020-11-04T18:00,adjudication\n";
    let mut log =
        String::from("location,time,action,affiliation,credential,reason,official,rule\n");
    let mut rows: Vec<String> = vec![
        "Central Count,2020-11-03T18:45,admit,DEM,c1d4,,J. Smith,".into(),
        "Central Count,2020-11-03T18:50,admit,REP,c2a9,,J. Smith,".into(),
        "Central Count,2020-11-03T19:10,admit,LIB,c3f0,,J. Smith,".into(),
        "Central Count,2020-11-03T22:00,exit,LIB,c3f0,,J. Smith,".into(),
        "Central Count,2020-11-03T23:00,admit,DEM,c4b7,,A. Jones,".into(),
        "Central Count,2020-11-03T23:00,exit,DEM,c1d4,,A. Jones,".into(),
        "Central Count,2020-11-04T03:05,exit,DEM,c4b7,,A. Jones,".into(),
        "Central Count,2020-11-04T03:05,exit,REP,c2a9,,A. Jones,".into(),
        "Annex,2020-11-04T07:55,admit,DEM,c5e2,,K. Lee,".into(),
        "Annex,2020-11-04T07:58,admit,REP,c6c1,,K. Lee,".into(),
        "Annex,2020-11-04T09:30,deny,LIB,c7d3,capacity,K. Lee,Annex room order 2020-11".into(),
        "Annex,2020-11-04T18:02,exit,DEM,c5e2,,K. Lee,".into(),
        "Annex,2020-11-04T18:02,exit,REP,c6c1,,K. Lee,".into(),
    ];
    if cfg.plant {
        rows.insert(
            4,
            "Central Count,2020-11-03T23:30,eject,REP,c2a9,,A. Jones,".into(),
        );
        rows.insert(
            5,
            "Central Count,2020-11-04T00:15,admit,REP,c8e5,,A. Jones,".into(),
        );
        planted
            .push("location Central Count, row 6: ejection of REP at 2020-11-03T23:30".to_string());
    }
    for r in &rows {
        log.push_str(r);
        log.push('\n');
    }
    write_atomic(&dir.join(files::OBSERVER_LOG), &log)?;
    write_atomic(&dir.join(files::OBSERVER_ACCESS), access)?;
    write_atomic(&dir.join(files::COUNTING_SCHEDULE), schedule)?;
    Ok(planted)
}

/// Voters per precinct in the people files.
pub const VOTERS_PER_PRECINCT: usize = 300;
/// The most voters the people files hold, however many precincts (so a
/// statewide mock election for `bench/checks.sh` stays quick to write).
pub const MAX_VOTERS: usize = 20_000;

/// Write the record-linkage inputs: `voters.csv` (voter file with history,
/// [`VOTERS_PER_PRECINCT`] per precinct up to [`MAX_VOTERS`]), `deaths.csv`
/// (one record per ten voters) and `other_state.csv` (one voter per five),
/// from [`crate::linkage::mock`] with planted dead voters, in-file
/// duplicates and cross-state double voters (none when clean). Adds their
/// locators to `planted` under `deceased`, `duplicates` (within the voter
/// file; a pair is named by its record earlier in the file, as the check
/// names it) and `duplicates-other-state`.
fn write_people(dir: &Path, cfg: &MockConfig, planted: &mut Planted) -> Result<(), CheckError> {
    use crate::linkage::mock as people;
    let voters = (cfg.precincts as usize)
        .saturating_mul(VOTERS_PER_PRECINCT)
        .min(MAX_VOTERS);
    let pcfg = people::Config {
        voters,
        deaths: voters / 10,
        other_state: voters / 5,
        seed: cfg.seed,
    };
    let m = if cfg.plant {
        people::generate(&pcfg)
    } else {
        people::generate_clean(&pcfg)
    };
    type WriteFn = fn(&people::Mock, &mut Vec<u8>) -> std::io::Result<()>;
    let writers: [(&str, WriteFn); 3] = [
        (files::VOTERS, |m, w| m.write_voters(w)),
        (files::DEATHS, |m, w| m.write_deaths(w)),
        (files::OTHER_STATE, |m, w| m.write_other(w)),
    ];
    for (name, write) in writers {
        let path = dir.join(name);
        let mut bytes = Vec::new();
        write(&m, &mut bytes).map_err(|source| CheckError::Io {
            path: path.clone(),
            source,
        })?;
        write_atomic(&path, &String::from_utf8_lossy(&bytes))?;
    }
    let position: BTreeMap<&str, usize> = m
        .voters
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.as_str(), i))
        .collect();
    let voter = |id: &str| format!("voter {id}");
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    planted.insert(
        "deceased".into(),
        sorted(
            m.truth
                .dead_voters
                .iter()
                .map(|(v, _)| voter(v.as_str()))
                .collect(),
        ),
    );
    planted.insert(
        "duplicates".into(),
        sorted(
            m.truth
                .in_file
                .iter()
                .map(|(a, b)| {
                    let first = if position.get(a.as_str()) <= position.get(b.as_str()) {
                        a
                    } else {
                        b
                    };
                    voter(first.as_str())
                })
                .collect(),
        ),
    );
    planted.insert(
        "duplicates-other-state".into(),
        sorted(
            m.truth
                .cross_state
                .iter()
                .map(|(v, _)| voter(v.as_str()))
                .collect(),
        ),
    );
    Ok(())
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
    planted.insert(
        "machine-vs-paper".into(),
        write_machine_vs_paper(dir, cfg, &mut rng)?,
    );
    planted.insert("timeliness".into(), write_timeliness(dir, cfg, &mut rng)?);
    planted.insert("observers".into(), write_observers(dir, cfg)?);
    // Last, from its own generator: the election records above stay the
    // bytes they were before the people files were added.
    write_people(dir, cfg, &mut planted)?;
    let truth = serde_json::to_string_pretty(&planted).unwrap_or_default() + "\n";
    write_atomic(&dir.join(files::PLANTED), &truth)?;
    Ok(planted)
}
