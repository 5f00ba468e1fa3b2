//! The plan of a generated election: contests with candidates and skewed
//! support, ballot styles, precincts, tabulators and batches. Everything
//! here is small (it grows with precincts and batches, not with cards); the
//! cards themselves are produced one at a time by [`crate::cards::Cards`].

use crate::GenerateError;
use crate::rng::SplitMix64;
use canvass_model::{
    BallotManifest, CandidateKind, ContestId, ContestKind, Election, ManifestBatch,
};

/// What to generate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Number of cards.
    pub ballots: u64,
    /// Number of contests (at least 1).
    pub contests: u32,
    /// How many of the contests are ranked (the first `ranked` ones).
    pub ranked: u32,
    /// Candidates per contest (at least 2; vote-for-2 contests get at least 3).
    pub candidates: u32,
    /// The seed: the same config gives the same election, card for card.
    pub seed: u64,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            ballots: 1000,
            contests: 5,
            ranked: 1,
            candidates: 4,
            seed: 1,
        }
    }
}

/// Cards per election-day batch and per central-count (mail) batch.
const PRECINCT_BATCH: u64 = 300;
const CENTRAL_BATCH: u64 = 250;
/// Average cards per precinct.
const CARDS_PER_PRECINCT: u64 = 800;
/// Most precincts generated.
const MAX_PRECINCTS: u64 = 2000;
/// Tabulator ids: precinct scanners from 1001, central scanners from 9001.
const PRECINCT_TABULATOR: u64 = 1000;
const CENTRAL_TABULATOR: u64 = 9000;
const CENTRAL_TABULATORS: u64 = 2;

/// The write-in bucket's name, as RCTab and the CDF readers name it.
const UNDECLARED_WRITE_INS: &str = "Undeclared Write-ins";

const OFFICES: [&str; 12] = [
    "Governor",
    "Mayor",
    "State Senate District",
    "City Council Ward",
    "County Commissioner",
    "School Board",
    "Sheriff",
    "Judge of the District Court",
    "Park Board",
    "Attorney General",
    "Soil and Water Supervisor",
    "Library Board",
];
const FIRST: [&str; 16] = [
    "Ada", "Ben", "Carmen", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jamal", "Kim",
    "Luis", "Maya", "Noor", "Owen", "Priya",
];
const LAST: [&str; 16] = [
    "Abbott", "Baptiste", "Castillo", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad",
    "Ivanova", "Jensen", "Kowalski", "Larsen", "Morales", "Nakamura", "Okafor", "Patel",
];

/// How one generated contest is voted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContestPlan {
    /// The contest in [`Plan::election`].
    pub id: ContestId,
    /// Vote for up to this many (1 for ranked contests).
    pub seats: u32,
    /// Ranks on the ballot (ranked contests), else 1.
    pub ranks: u32,
    /// True for ranked contests.
    pub ranked: bool,
}

/// A ballot style: the contests its cards hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Style {
    /// The style's name.
    pub name: String,
    /// The contests on the card, in ballot order.
    pub contests: Vec<ContestId>,
}

/// A precinct.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Precinct {
    /// The precinct's name.
    pub name: String,
    /// Index into [`Plan::styles`].
    pub style: usize,
    /// Cards cast in the precinct.
    pub cards: u64,
    /// Per contest (by contest index), each candidate's weight of support here.
    pub support: Vec<Vec<u64>>,
}

/// A batch of paper: one tabulator's deck from one precinct.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Batch {
    /// The tabulator (scanner) id.
    pub tabulator: u64,
    /// The batch id, unique per tabulator.
    pub batch: u64,
    /// Index into [`Plan::precincts`].
    pub precinct: usize,
    /// The counting group (`Election Day` or `Mail`).
    pub counting_group: &'static str,
    /// Cards in the batch.
    pub cards: u64,
}

impl Batch {
    /// The batch's name in the manifest: `tabulator-batch`, as Dominion
    /// names a tally pool.
    pub fn name(&self) -> String {
        format!("{}-{}", self.tabulator, self.batch)
    }
}

/// A generated election, before its cards.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// What was asked for.
    pub config: Config,
    /// Contests and candidates.
    pub election: Election,
    /// How each contest is voted, by contest index.
    pub contests: Vec<ContestPlan>,
    /// Ballot styles.
    pub styles: Vec<Style>,
    /// Precincts.
    pub precincts: Vec<Precinct>,
    /// Batches, in the order their cards are produced.
    pub batches: Vec<Batch>,
}

impl Plan {
    /// Plan an election. The same config always gives the same plan.
    pub fn new(config: Config) -> Result<Plan, GenerateError> {
        if config.contests == 0 {
            return Err(GenerateError::Config(
                "at least one contest is needed".into(),
            ));
        }
        if config.ranked > config.contests {
            return Err(GenerateError::Config(format!(
                "{} ranked contests asked for but only {} contests",
                config.ranked, config.contests
            )));
        }
        if config.candidates < 2 {
            return Err(GenerateError::Config(
                "at least two candidates are needed".into(),
            ));
        }
        if config.candidates > 64 {
            return Err(GenerateError::Config(
                "at most 64 candidates per contest".into(),
            ));
        }
        let mut rng = SplitMix64::derive(config.seed, u64::MAX);
        let (election, contests, base) = plan_contests(&config, &mut rng);
        let n_precincts = (config.ballots / CARDS_PER_PRECINCT).clamp(1, MAX_PRECINCTS);
        let n_styles = n_precincts.min(6) as usize;
        let styles = plan_styles(&contests, n_styles, &mut rng);
        let precincts = plan_precincts(&config, n_precincts, n_styles, &base, &mut rng);
        let batches = plan_batches(&precincts);
        Ok(Plan {
            config,
            election,
            contests,
            styles,
            precincts,
            batches,
        })
    }

    /// The ballot manifest: every batch with its card count.
    pub fn manifest(&self) -> BallotManifest {
        BallotManifest {
            batches: self
                .batches
                .iter()
                .map(|b| ManifestBatch {
                    tabulator: Some(b.tabulator.to_string()),
                    batch: b.batch.to_string(),
                    cards: b.cards,
                })
                .collect(),
        }
    }

    /// Write the manifest as CSV, `batch,ballots`, one row per batch.
    pub fn write_manifest_csv<W: std::io::Write>(&self, out: W) -> Result<(), GenerateError> {
        let mut w = csv::Writer::from_writer(out);
        w.write_record(["batch", "ballots"])?;
        for b in &self.batches {
            w.write_record([b.name(), b.cards.to_string()])?;
        }
        w.flush().map_err(csv::Error::from)?;
        Ok(())
    }
}

/// Contests, their voting plans and their base support weights.
fn plan_contests(
    config: &Config,
    rng: &mut SplitMix64,
) -> (Election, Vec<ContestPlan>, Vec<Vec<u64>>) {
    let mut election = Election {
        name: Some(format!("Generated election (seed {})", config.seed)),
        contests: Vec::new(),
    };
    let mut plans = Vec::new();
    let mut base = Vec::new();
    let mut used_first = 0usize;
    for i in 0..config.contests {
        let ranked = i < config.ranked;
        // Among the single-round contests, every third is vote-for-2.
        let seats = if !ranked && (i - config.ranked) % 3 == 2 {
            2
        } else {
            1
        };
        let n = if seats == 2 {
            config.candidates.max(3)
        } else {
            config.candidates
        };
        let office = OFFICES
            .get(i as usize % OFFICES.len())
            .copied()
            .unwrap_or("Office");
        let round = i as usize / OFFICES.len();
        let mut name = match office {
            "State Senate District" | "City Council Ward" => format!("{office} {}", i + 1),
            _ if round > 0 => format!("{office} {}", round + 1),
            _ => office.to_owned(),
        };
        if seats == 2 {
            name.push_str(" (vote for 2)");
        }
        let kind = if ranked {
            ContestKind::Ranked
        } else {
            ContestKind::Plurality
        };
        let id = election.intern_contest(&format!("{}", i + 1), &name, kind);
        let contest = election.contest_mut(id);
        contest.seats = seats;
        let ranks = if ranked { n.min(6) } else { 1 };
        if ranked {
            contest.max_ranks = Some(ranks);
        }
        let mut weights = Vec::new();
        for j in 0..n {
            let first = FIRST
                .get((used_first + j as usize) % FIRST.len())
                .copied()
                .unwrap_or("A");
            let last = LAST
                .get((used_first * 7 + j as usize * 3 + i as usize) % LAST.len())
                .copied()
                .unwrap_or("B");
            contest.intern_candidate(&format!("{}-{}", i + 1, j + 1), &format!("{first} {last}"));
            // Skewed support: roughly 1/(rank) with noise, so some contests
            // are landslides and some are close.
            weights.push(10_000 / u64::from(j + 1) + rng.below(4000));
        }
        used_first += n as usize;
        if !ranked {
            contest.intern_candidate_of_kind(
                &format!("{}-wi", i + 1),
                UNDECLARED_WRITE_INS,
                CandidateKind::UndeclaredWriteIn,
            );
            weights.push(150);
        }
        plans.push(ContestPlan {
            id,
            seats,
            ranks,
            ranked,
        });
        base.push(weights);
    }
    (election, plans, base)
}

/// Ballot styles: the first contest is on every style; each other contest is
/// on about half of the styles (and on at least one).
fn plan_styles(contests: &[ContestPlan], n_styles: usize, rng: &mut SplitMix64) -> Vec<Style> {
    let mut on: Vec<Vec<bool>> = vec![vec![false; contests.len()]; n_styles];
    for (c, _) in contests.iter().enumerate() {
        let mut any = false;
        for style in on.iter_mut() {
            let here = c == 0 || rng.below(2) == 0;
            if let Some(slot) = style.get_mut(c) {
                *slot = here;
            }
            any |= here;
        }
        if !any {
            let s = rng.below(n_styles as u64) as usize;
            if let Some(slot) = on.get_mut(s).and_then(|style| style.get_mut(c)) {
                *slot = true;
            }
        }
    }
    on.into_iter()
        .enumerate()
        .map(|(s, flags)| Style {
            name: format!("Style {}", s + 1),
            contests: contests
                .iter()
                .zip(flags)
                .filter(|(_, here)| *here)
                .map(|(c, _)| c.id)
                .collect(),
        })
        .collect()
}

/// Precincts with their share of the cards and their local lean.
fn plan_precincts(
    config: &Config,
    n_precincts: u64,
    n_styles: usize,
    base: &[Vec<u64>],
    rng: &mut SplitMix64,
) -> Vec<Precinct> {
    let sizes: Vec<u64> = (0..n_precincts).map(|_| 500 + rng.below(1000)).collect();
    let total: u64 = sizes.iter().sum();
    let mut given = 0u64;
    let mut precincts = Vec::new();
    let mut cumulative = 0u64;
    for (p, size) in sizes.iter().enumerate() {
        cumulative += size;
        // Proportional shares with the rounding carried, so they sum exactly.
        let upto =
            (u128::from(config.ballots) * u128::from(cumulative) / u128::from(total.max(1))) as u64;
        let cards = upto - given;
        given = upto;
        let support = base
            .iter()
            .map(|weights| {
                weights
                    .iter()
                    .map(|&w| w * (50 + rng.below(100)) / 100)
                    .collect()
            })
            .collect();
        precincts.push(Precinct {
            name: format!("Precinct {:04}", p + 1),
            style: p % n_styles.max(1),
            cards,
            support,
        });
    }
    precincts
}

/// Batches: per precinct, 40% of its cards are cast on election day on the
/// precinct's own scanner, the rest are mail ballots counted centrally.
fn plan_batches(precincts: &[Precinct]) -> Vec<Batch> {
    let mut batches = Vec::new();
    let mut central_next = [0u64; CENTRAL_TABULATORS as usize];
    for (p, precinct) in precincts.iter().enumerate() {
        let election_day = precinct.cards * 4 / 10;
        let mail = precinct.cards - election_day;
        let tabulator = PRECINCT_TABULATOR + p as u64 + 1;
        let mut batch = 0;
        let mut left = election_day;
        while left > 0 {
            let cards = left.min(PRECINCT_BATCH);
            batch += 1;
            batches.push(Batch {
                tabulator,
                batch,
                precinct: p,
                counting_group: "Election Day",
                cards,
            });
            left -= cards;
        }
        let central = p as u64 % CENTRAL_TABULATORS;
        let mut left = mail;
        while left > 0 {
            let cards = left.min(CENTRAL_BATCH);
            let next = central_next.get_mut(central as usize);
            let batch = next.map_or(1, |n| {
                *n += 1;
                *n
            });
            batches.push(Batch {
                tabulator: CENTRAL_TABULATOR + central + 1,
                batch,
                precinct: p,
                counting_group: "Mail",
                cards,
            });
            left -= cards;
        }
    }
    batches
}
