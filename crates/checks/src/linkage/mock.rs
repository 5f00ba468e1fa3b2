//! Mock voter histories and death records with planted cases, so tests and
//! benchmarks know the truth.
//!
//! Names follow a heavy-tailed distribution (a list of common names with
//! Zipf weights, and rarer names built from syllables), so common names
//! collide as they do in real registers and the birthday problem shows.
//! Planted, with the truth kept in [`Truth`]:
//!
//! - dead voters: a voter's death record (with the keying errors death
//!   registries make: a mistyped name, day and month swapped, a missing
//!   middle name) and a date of death before the vote;
//! - voters who died after voting (not a case: the death record exists but
//!   the ballot was cast while alive), a fifth of the death records, as
//!   most decedents in a real year's file were registered voters;
//! - in-file duplicates: a voter registered twice (new address, a typo),
//!   both records voting;
//! - cross-state double voters: a voter who also appears, and voted, in
//!   the other state's history;
//! - voters registered in both states (moved) who voted in one only: the
//!   same person, not a case (a fifth of the other state's file).
//!
//! Deterministic: the same [`Config`] gives the same records.

use std::fmt::Write as _;
use std::io::{self, Write};

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Voters in the history.
    pub voters: usize,
    /// Death records.
    pub deaths: usize,
    /// Voters in the other state's history.
    pub other_state: usize,
    /// Seed.
    pub seed: u64,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            voters: 10_000,
            deaths: 1_000,
            other_state: 2_000,
            seed: 1,
        }
    }
}

/// A generated person record (all canonical fields as text).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Person {
    /// `id`.
    pub id: String,
    /// `first_name`.
    pub first_name: String,
    /// `middle_name`.
    pub middle_name: String,
    /// `last_name`.
    pub last_name: String,
    /// `suffix`.
    pub suffix: String,
    /// `birth_date`, ISO.
    pub birth_date: String,
    /// `street_number`.
    pub street_number: String,
    /// `address`.
    pub address: String,
    /// `city`.
    pub city: String,
    /// `zip`.
    pub zip: String,
    /// `state`.
    pub state: String,
    /// `voted_on` (voters) or `died_on` (deaths), ISO.
    pub event: String,
}

/// The planted cases, by id.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Truth {
    /// (voter, death record): died before the vote.
    pub dead_voters: Vec<(String, String)>,
    /// (voter, death record): died after the vote.
    pub died_after_voting: Vec<(String, String)>,
    /// (voter, voter): the same person registered twice, both voted.
    pub in_file: Vec<(String, String)>,
    /// (voter, other-state voter): the same person voted in both.
    pub cross_state: Vec<(String, String)>,
    /// (voter, other-state record): the same person, registered in both
    /// (moved), who did not vote in the other state.
    pub registered_both: Vec<(String, String)>,
}

/// A generated set of files.
#[derive(Debug, Clone, Default)]
pub struct Mock {
    /// Voter history.
    pub voters: Vec<Person>,
    /// Death records.
    pub deaths: Vec<Person>,
    /// The other state's voter history.
    pub other: Vec<Person>,
    /// What was planted.
    pub truth: Truth,
}

/// SplitMix64 (Steele, Lea & Flood 2014), reference constants.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    fn pick<'a>(&mut self, xs: &'a [&'a str]) -> &'a str {
        xs.get(self.below(xs.len())).copied().unwrap_or("")
    }
    /// Index with Zipf(1) weights over `n` items.
    fn zipf(&mut self, n: usize) -> usize {
        // Inverse of the harmonic CDF, approximately: exp(u ln n) − 1.
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        (((u * (n as f64).ln()).exp()) as usize)
            .saturating_sub(1)
            .min(n - 1)
    }
}

const FIRST: &[&str] = &[
    "james",
    "mary",
    "john",
    "patricia",
    "robert",
    "jennifer",
    "michael",
    "linda",
    "william",
    "elizabeth",
    "david",
    "barbara",
    "richard",
    "susan",
    "joseph",
    "jessica",
    "thomas",
    "sarah",
    "charles",
    "karen",
    "christopher",
    "nancy",
    "daniel",
    "lisa",
    "matthew",
    "betty",
    "anthony",
    "margaret",
    "mark",
    "sandra",
    "donald",
    "ashley",
    "steven",
    "kimberly",
    "paul",
    "emily",
    "andrew",
    "donna",
    "joshua",
    "michelle",
    "kenneth",
    "dorothy",
    "kevin",
    "carol",
    "brian",
    "amanda",
    "george",
    "melissa",
    "edward",
    "deborah",
    "ronald",
    "stephanie",
    "timothy",
    "rebecca",
    "jason",
    "sharon",
    "jeffrey",
    "laura",
    "ryan",
    "cynthia",
    "jacob",
    "kathleen",
    "gary",
    "amy",
    "nicholas",
    "shirley",
    "eric",
    "angela",
    "jonathan",
    "helen",
    "stephen",
    "anna",
    "larry",
    "brenda",
    "justin",
    "pamela",
    "scott",
    "nicole",
    "brandon",
    "emma",
];

const LAST: &[&str] = &[
    "smith",
    "johnson",
    "williams",
    "brown",
    "jones",
    "garcia",
    "miller",
    "davis",
    "rodriguez",
    "martinez",
    "hernandez",
    "lopez",
    "gonzalez",
    "wilson",
    "anderson",
    "thomas",
    "taylor",
    "moore",
    "jackson",
    "martin",
    "lee",
    "perez",
    "thompson",
    "white",
    "harris",
    "sanchez",
    "clark",
    "ramirez",
    "lewis",
    "robinson",
    "walker",
    "young",
    "allen",
    "king",
    "wright",
    "scott",
    "torres",
    "nguyen",
    "hill",
    "flores",
    "green",
    "adams",
    "nelson",
    "baker",
    "hall",
    "rivera",
    "campbell",
    "mitchell",
    "carter",
    "roberts",
];

const SYLLABLES: &[&str] = &[
    "ka", "lo", "mer", "ti", "ban", "sol", "ve", "dra", "quin", "os", "ter", "hal", "mon", "ric",
    "zel", "pa", "gor", "ni", "wen", "stra", "bel", "dun", "ch", "ak", "ly", "fen", "rud", "em",
];

const STREETS: &[&str] = &[
    "main",
    "oak",
    "pine",
    "maple",
    "cedar",
    "elm",
    "washington",
    "lake",
    "hill",
    "park",
    "walnut",
    "sunset",
    "river",
    "church",
    "spring",
    "lincoln",
    "jackson",
    "highland",
];

const STREET_TYPES: &[&str] = &["street", "avenue", "road", "drive", "lane", "court"];

const CITIES: &[&str] = &[
    "springfield",
    "riverton",
    "fairview",
    "georgetown",
    "salem",
    "madison",
    "clinton",
    "franklin",
    "greenville",
    "bristol",
    "dover",
    "milton",
    "newport",
    "oxford",
    "ashland",
    "burlington",
    "manchester",
    "kingston",
    "auburn",
    "dayton",
];

const DAYS_IN_MONTH: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

// Shares drawn from the common-name lists are set so the commonest names
// have about the frequencies of the commonest US names (James ≈ 3%, Smith
// ≈ 1%); the rest are built from syllables.
fn first_name(r: &mut Rng) -> String {
    if r.chance(0.15) {
        FIRST
            .get(r.zipf(FIRST.len()))
            .copied()
            .unwrap_or("x")
            .to_string()
    } else {
        let n = 2 + r.below(2);
        syllables(r, n)
    }
}

fn last_name(r: &mut Rng) -> String {
    if r.chance(0.04) {
        LAST.get(r.zipf(LAST.len()))
            .copied()
            .unwrap_or("x")
            .to_string()
    } else {
        let n = 2 + r.below(2);
        syllables(r, n)
    }
}

fn syllables(r: &mut Rng, n: usize) -> String {
    (0..n).map(|_| r.pick(SYLLABLES)).collect()
}

fn date(y: u32, m: u32, d: u32) -> String {
    format!("{y:04}-{m:02}-{d:02}")
}

fn birth(r: &mut Rng) -> (u32, u32, u32) {
    let y = 1925 + r.below(78) as u32;
    let m = 1 + r.below(12) as u32;
    let dim = DAYS_IN_MONTH.get(m as usize - 1).copied().unwrap_or(28);
    (y, m, 1 + r.below(dim as usize) as u32)
}

fn person(r: &mut Rng, id: String, state: &str) -> Person {
    let (y, m, d) = birth(r);
    let city_i = r.below(CITIES.len());
    Person {
        id,
        first_name: first_name(r),
        middle_name: if r.chance(0.7) {
            ((b'a' + r.below(26) as u8) as char).to_string()
        } else {
            String::new()
        },
        last_name: last_name(r),
        suffix: if r.chance(0.02) {
            r.pick(&["jr", "sr", "iii"]).into()
        } else {
            String::new()
        },
        birth_date: date(y, m, d),
        street_number: (1 + r.below(9999)).to_string(),
        address: format!("{} {}", r.pick(STREETS), r.pick(STREET_TYPES)),
        city: CITIES.get(city_i).copied().unwrap_or("").into(),
        zip: format!("{:05}", zip_base(state) + city_i * 97 + r.below(40)),
        state: state.into(),
        event: String::new(),
    }
}

/// The first ZIP code of a state: each state has its own range, as real
/// states do, so a record that moved across a border never keeps its ZIP.
fn zip_base(state: &str) -> usize {
    if state == "aa" { 10_000 } else { 20_000 }
}

/// A keying error: one character replaced, dropped or two swapped.
fn typo(r: &mut Rng, s: &str) -> String {
    let mut c: Vec<char> = s.chars().collect();
    if c.len() < 3 {
        return s.to_string();
    }
    let i = 1 + r.below(c.len() - 2);
    match r.below(3) {
        0 => c.swap(i, i + 1),
        1 => {
            c.remove(i);
        }
        _ => {
            if let Some(x) = c.get_mut(i) {
                *x = (b'a' + r.below(26) as u8) as char;
            }
        }
    }
    c.into_iter().collect()
}

/// A copy of a person as another agency would have keyed it.
fn noisy_copy(r: &mut Rng, p: &Person, id: String) -> Person {
    let mut q = p.clone();
    q.id = id;
    if r.chance(0.2) {
        q.first_name = typo(r, &q.first_name);
    }
    if r.chance(0.15) {
        q.last_name = typo(r, &q.last_name);
    }
    if r.chance(0.3) {
        q.middle_name.clear();
    }
    if r.chance(0.08) {
        // Day and month swapped, when that is still a date.
        let parts: Vec<&str> = p.birth_date.split('-').collect();
        if let [y, m, d] = parts.as_slice()
            && d.parse::<u32>().is_ok_and(|d| d <= 12)
        {
            q.birth_date = format!("{y}-{d}-{m}");
        }
    }
    q
}

fn election_day_vote(r: &mut Rng) -> String {
    // Early voting from 2020-10-05 to election day, 2020-11-03.
    let k = r.below(30) as u32;
    if k < 27 {
        date(2020, 10, 5 + k)
    } else {
        date(2020, 11, k - 26)
    }
}

/// Generate the files.
pub fn generate(cfg: &Config) -> Mock {
    generate_planting(cfg, true)
}

/// Generate the same kind of files with no planted case: no dead voter,
/// no in-file duplicate, no cross-state double voter. The non-cases stay
/// (voters who died after voting, people registered in both states who
/// voted in one), so a check that reports nothing on these files told
/// them apart. (The records differ from [`generate`]'s: fewer draws.)
pub fn generate_clean(cfg: &Config) -> Mock {
    generate_planting(cfg, false)
}

fn generate_planting(cfg: &Config, plant: bool) -> Mock {
    let mut r = Rng(cfg.seed ^ 0x5eed_1ce5_ca5e_0001);
    let mut m = Mock::default();
    for i in 0..cfg.voters {
        let mut p = person(&mut r, format!("V{i:07}"), "aa");
        p.event = election_day_vote(&mut r);
        m.voters.push(p);
    }
    let n_voters = m.voters.len();
    // Planted cases: about 1 in 2,000 voters each, at least 3 of each;
    // and, as in a real year's death file, many decedents who were voters
    // and died after voting (a fifth of the death records).
    let planted = if plant {
        (cfg.voters / 2_000).max(3).min(n_voters / 8)
    } else {
        0
    };
    let died_after = (cfg.deaths / 5).max(planted).min(n_voters / 2);
    let mut death_i = 0usize;
    let mut next_death_id = || {
        death_i += 1;
        format!("D{:07}", death_i - 1)
    };
    // Distinct voters for the planted cases.
    let mut chosen: Vec<usize> = Vec::new();
    let moved = (cfg.other_state / 5).min(n_voters / 4);
    while chosen.len() < 3 * planted + died_after + moved && n_voters > 0 {
        let i = r.below(n_voters);
        if !chosen.contains(&i) {
            chosen.push(i);
        }
    }
    let mut chosen = chosen.into_iter();
    for _ in 0..planted {
        let Some(v) = chosen.next().and_then(|i| m.voters.get(i).cloned()) else {
            break;
        };
        let mut d = noisy_copy(&mut r, &v, next_death_id());
        d.event = date(2020, 9, 1 + r.below(30) as u32);
        m.truth.dead_voters.push((v.id.clone(), d.id.clone()));
        m.deaths.push(d);
    }
    for _ in 0..died_after {
        let Some(v) = chosen.next().and_then(|i| m.voters.get(i).cloned()) else {
            break;
        };
        let mut d = noisy_copy(&mut r, &v, next_death_id());
        d.event = date(2020, 11, 4 + r.below(27) as u32);
        m.truth.died_after_voting.push((v.id.clone(), d.id.clone()));
        m.deaths.push(d);
    }
    for _ in 0..planted {
        let Some(v) = chosen.next().and_then(|i| m.voters.get(i).cloned()) else {
            break;
        };
        let id = format!("V{:07}", m.voters.len());
        let mut d = noisy_copy(&mut r, &v, id);
        let moved = person(&mut r, String::new(), "aa");
        d.street_number = moved.street_number;
        d.address = moved.address;
        d.event = election_day_vote(&mut r);
        m.truth.in_file.push((v.id.clone(), d.id.clone()));
        m.voters.push(d);
    }
    for i in 0..cfg.other_state {
        let mut p = person(&mut r, format!("O{i:07}"), "bb");
        p.event = election_day_vote(&mut r);
        m.other.push(p);
    }
    for _ in 0..planted {
        let Some(v) = chosen.next().and_then(|i| m.voters.get(i).cloned()) else {
            break;
        };
        let id = format!("O{:07}", m.other.len());
        let mut d = noisy_copy(&mut r, &v, id);
        let moved = person(&mut r, String::new(), "bb");
        d.street_number = moved.street_number;
        d.address = moved.address;
        d.city = moved.city;
        d.zip = moved.zip;
        d.state = moved.state;
        d.event = election_day_vote(&mut r);
        m.truth.cross_state.push((v.id.clone(), d.id.clone()));
        m.other.push(d);
    }
    for _ in 0..moved {
        let Some(v) = chosen.next().and_then(|i| m.voters.get(i).cloned()) else {
            break;
        };
        let id = format!("O{:07}", m.other.len());
        let mut d = noisy_copy(&mut r, &v, id);
        let new_home = person(&mut r, String::new(), "bb");
        d.street_number = new_home.street_number;
        d.address = new_home.address;
        d.city = new_home.city;
        d.zip = new_home.zip;
        d.state = new_home.state;
        d.event.clear();
        m.truth.registered_both.push((v.id.clone(), d.id.clone()));
        m.other.push(d);
    }
    // The rest of the deaths: people who are not voters; death dates over
    // 2020 (some before the election, as in any year).
    while m.deaths.len() < cfg.deaths {
        let mut d = person(&mut r, next_death_id(), "aa");
        let mo = 1 + r.below(12) as u32;
        d.event = date(2020, mo, 1 + r.below(28) as u32);
        d.street_number.clear();
        d.address.clear();
        d.suffix.clear();
        m.deaths.push(d);
    }
    // Death records carry no street address (as most registries' public
    // extracts); the planted ones neither.
    for d in &mut m.deaths {
        d.street_number.clear();
        d.address.clear();
        d.suffix.clear();
    }
    // Shuffle each file so planted records are not at the end.
    shuffle(&mut r, &mut m.voters);
    shuffle(&mut r, &mut m.deaths);
    shuffle(&mut r, &mut m.other);
    m
}

fn shuffle<T>(r: &mut Rng, v: &mut [T]) {
    for i in (1..v.len()).rev() {
        let j = r.below(i + 1);
        v.swap(i, j);
    }
}

const VOTER_HEADER: &str = "id,first_name,middle_name,last_name,suffix,birth_date,street_number,address,city,zip,state,voted_on\n";
const DEATH_HEADER: &str =
    "id,first_name,middle_name,last_name,birth_date,city,zip,state,died_on\n";

fn write_people(
    w: &mut impl Write,
    header: &str,
    people: &[Person],
    death: bool,
) -> io::Result<()> {
    w.write_all(header.as_bytes())?;
    let mut line = String::with_capacity(160);
    for p in people {
        line.clear();
        if death {
            let _ = writeln!(
                line,
                "{},{},{},{},{},{},{},{},{}",
                p.id,
                p.first_name,
                p.middle_name,
                p.last_name,
                p.birth_date,
                p.city,
                p.zip,
                p.state,
                p.event
            );
        } else {
            let _ = writeln!(
                line,
                "{},{},{},{},{},{},{},{},{},{},{},{}",
                p.id,
                p.first_name,
                p.middle_name,
                p.last_name,
                p.suffix,
                p.birth_date,
                p.street_number,
                p.address,
                p.city,
                p.zip,
                p.state,
                p.event
            );
        }
        w.write_all(line.as_bytes())?;
    }
    Ok(())
}

impl Mock {
    /// Write the voter history CSV.
    pub fn write_voters(&self, w: &mut impl Write) -> io::Result<()> {
        write_people(w, VOTER_HEADER, &self.voters, false)
    }

    /// Write the death records CSV.
    pub fn write_deaths(&self, w: &mut impl Write) -> io::Result<()> {
        write_people(w, DEATH_HEADER, &self.deaths, true)
    }

    /// Write the other state's voter history CSV.
    pub fn write_other(&self, w: &mut impl Write) -> io::Result<()> {
        write_people(w, VOTER_HEADER, &self.other, false)
    }

    /// The truth as pretty JSON.
    pub fn truth_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(&self.truth).unwrap_or_default();
        s.push('\n');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Config {
        Config {
            voters: 4_000,
            deaths: 500,
            other_state: 300,
            seed: 7,
        }
    }

    #[test]
    fn deterministic_and_plants_what_it_says() {
        let cfg = small();
        let a = generate(&cfg);
        let b = generate(&cfg);
        let (mut wa, mut wb) = (Vec::new(), Vec::new());
        a.write_voters(&mut wa).unwrap();
        b.write_voters(&mut wb).unwrap();
        assert_eq!(wa, wb);
        assert_eq!(a.truth.dead_voters.len(), 3);
        assert_eq!(a.voters.len(), 4_003);
        assert_eq!(a.deaths.len(), 500);
        assert_eq!(a.other.len(), 363);
        let ids: std::collections::BTreeSet<&str> =
            a.voters.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids.len(), a.voters.len());
        for (v, d) in &a.truth.dead_voters {
            assert!(ids.contains(v.as_str()));
            assert!(
                a.deaths
                    .iter()
                    .any(|p| &p.id == d && p.event.as_str() < "2020-10-05")
            );
        }
    }

    #[test]
    fn clean_plants_no_case_but_keeps_the_non_cases() {
        let cfg = small();
        let m = generate_clean(&cfg);
        assert!(m.truth.dead_voters.is_empty());
        assert!(m.truth.in_file.is_empty());
        assert!(m.truth.cross_state.is_empty());
        assert_eq!(m.voters.len(), 4_000);
        assert_eq!(m.deaths.len(), 500);
        assert_eq!(m.truth.died_after_voting.len(), 100);
        assert_eq!(m.truth.registered_both.len(), 60);
        assert_eq!(m.other.len(), 360);
    }
}
