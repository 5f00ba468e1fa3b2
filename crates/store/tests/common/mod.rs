//! Deterministic test elections and cards.
#![allow(dead_code)]

use canvass_model::{
    CandidateKind, Card, CardId, Choice, ContestKind, ContestVotes, Election, Fraction, Mark,
    SourceRef,
};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

/// Three contests: plurality (3 candidates), ranked (4), supermajority (2).
pub fn election() -> Election {
    let mut e = Election {
        name: Some("Test County General".into()),
        contests: Vec::new(),
    };
    let mayor = e.intern_contest("mayor", "Mayor", ContestKind::Plurality);
    for n in ["alice", "bob", "carol"] {
        e.contest_mut(mayor).intern_candidate(n, &n.to_uppercase());
    }
    e.contest_mut(mayor).intern_candidate_of_kind(
        "wi",
        "Write-in",
        CandidateKind::UndeclaredWriteIn,
    );
    if let Some(c) = e.contests.get_mut(0).and_then(|c| c.candidates.get_mut(0)) {
        c.aliases = vec!["Alice A.".into(), "A. Alice".into()];
    }
    let council = e.intern_contest("council", "Council", ContestKind::Ranked);
    e.contest_mut(council).max_ranks = Some(3);
    for n in ["d", "e", "f", "g"] {
        e.contest_mut(council).intern_candidate(n, n);
    }
    let bond = e.intern_contest(
        "bond",
        "Bond",
        ContestKind::Supermajority(Fraction {
            numerator: 2,
            denominator: 3,
        }),
    );
    e.contest_mut(bond).seats = 1;
    e.contest_mut(bond).intern_candidate("yes", "Yes");
    e.contest_mut(bond).intern_candidate("no", "No");
    e
}

/// A small deterministic generator (SplitMix64); tests only.
pub struct Gen(pub u64);

impl Gen {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Card `i` of the generated election: ids `prefix-i`, varied fields.
pub fn card(prefix: &str, i: u64, file: &Arc<str>) -> Card {
    let mut g = Gen(i.wrapping_mul(7919) ^ 0x5eed);
    let mut card = Card::new(CardId::new(format!("{prefix}-{i}")));
    card.source = SourceRef {
        file: file.clone(),
        record: i + 1,
    };
    card.location.tabulator = Some(format!("T{}", i % 3));
    card.location.batch = Some(format!("B{}", i / 50));
    card.location.position = Some(i % 50 + 1);
    if i.is_multiple_of(4) {
        card.location.imprinted_id = Some(format!("imp-{i}"));
        card.ballot_id = Some(format!("ballot-{}", i / 2));
    }
    card.precinct = Some(format!("P{}", i % 7));
    card.ballot_style = (!i.is_multiple_of(5)).then(|| format!("S{}", i % 2));
    card.counting_group = Some(
        if i.is_multiple_of(3) {
            "mail"
        } else {
            "election day"
        }
        .into(),
    );
    let mayor = match g.below(6) {
        0 => vec![],
        1 => vec![Mark::vote(Choice::Overvote)],
        k => vec![Mark::vote(Choice::Candidate(canvass_model::CandidateId(
            (k % 4) as u32,
        )))],
    };
    card.contests
        .push(ContestVotes::new(canvass_model::ContestId(0), mayor));
    if g.below(3) != 0 {
        let n = g.below(4);
        let marks = (0..n)
            .map(|r| {
                Mark::ranked(
                    r as u32 + 1,
                    Choice::Candidate(canvass_model::CandidateId(g.below(4) as u32)),
                )
            })
            .collect();
        card.contests
            .push(ContestVotes::new(canvass_model::ContestId(1), marks));
    }
    if g.below(2) == 0 {
        let k = g.below(2) as u32;
        card.contests.push(ContestVotes::new(
            canvass_model::ContestId(2),
            vec![Mark::vote(Choice::Candidate(canvass_model::CandidateId(k)))],
        ));
    }
    card
}

/// `n` generated cards starting at `start`.
pub fn cards(prefix: &str, start: u64, n: u64) -> Vec<Card> {
    let file: Arc<str> = Arc::from(format!("{prefix}.json"));
    (start..start + n).map(|i| card(prefix, i, &file)).collect()
}

/// What a killed import's child prints once it is well into its import.
pub const MARKER: &str = "child: importing";

/// In a kill test's child: push the cards `killed-0..` (far more than can
/// be stored before the kill) with `push`, printing [`MARKER`] on standard
/// output once card `marker_at` is pushed. Returns only if the kill never
/// came (the caller then commits, and the parent fails the test).
pub fn push_until_killed<E: std::fmt::Debug>(
    marker_at: u64,
    mut push: impl FnMut(&Card) -> Result<(), E>,
) {
    let file: Arc<str> = Arc::from("killed.json");
    for i in 0..50_000_000u64 {
        push(&card("killed", i, &file)).unwrap();
        if i == marker_at {
            let mut out = std::io::stdout().lock();
            writeln!(out, "{MARKER}").unwrap();
            out.flush().unwrap();
        }
    }
}

/// In a kill test: run this test binary's `child_import` test alone with
/// `env` set to `value` (which makes it the child), wait until the child
/// says [`MARKER`], let it import for `delay` more and kill it; the child
/// must not have finished.
pub fn kill_child_import(
    env: &str,
    value: impl AsRef<std::ffi::OsStr>,
    trial: u32,
    delay: Duration,
) {
    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new(&exe)
        .args(["--exact", "child_import", "--nocapture", "--test-threads=1"])
        .env(env, value)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let started = lines.any(|l| l.map(|l| l.contains(MARKER)).unwrap_or(false));
    assert!(started, "trial {trial}: the child never started importing");
    std::thread::sleep(delay);
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(
        !status.success(),
        "trial {trial}: the child finished before the kill"
    );
}
