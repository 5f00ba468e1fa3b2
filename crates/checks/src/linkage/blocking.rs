//! Blocking: which pairs are compared at all.
//!
//! Comparing every voter with every death record (10¹¹ pairs for a million
//! voters and 100,000 deaths) is out of reach, so pairs are only formed
//! between records that agree on a blocking key; several passes with
//! different keys are united so that an error in one field does not hide a
//! match (Christen 2012, "Data Matching", ch. 4, "multi-pass blocking";
//! the same design as Splink's blocking rules). Each pass sorts the keys of
//! both files and joins equal runs, so a pass costs O(n log n) plus the
//! pairs it forms. A block whose pair count exceeds a cap is skipped and
//! counted, never silently. The pairs are never held: [`Candidates`] keeps
//! each pass's keys and blocks and generates the pairs again whenever they
//! are needed (once to count comparison patterns for EM, once to score).

use std::collections::HashSet;

use rayon::prelude::*;

use super::record::{Field, Record, Vocabulary, text_index};

/// A blocking pass: records agreeing on its key are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    /// Soundex of the last name and birth year.
    LastSoundexBirthYear,
    /// The full birth date and the first name's initial (catches a
    /// changed last name). The full birth date alone formed 528 million
    /// pairs on 5M voters and 3M deaths (8M records over about 30,000
    /// dates); the initial cuts that about 19-fold. In hashed files, which
    /// carry no initial, the first name's Soundex token stands for it.
    BirthDateFirstInitial,
    /// The full birth date and the initials of first and last name, in
    /// alphabetical order (catches first and last name swapped). Hashed
    /// files use the two names' Soundex tokens, which differ between the
    /// fields, so there it only repeats the pairs agreeing on both.
    BirthDateInitials,
    /// The full birth date with day and month in either order, and the
    /// ZIP code (catches a changed last name with a missing or changed
    /// first name, and a mistyped first and last name together with day
    /// and month swapped: at 5M voters × 3M deaths no other pass paired
    /// three such planted dead voters, as their Soundex codes changed).
    BirthDateZip,
    /// The national identifier.
    NationalId,
    /// Soundex of first and last names (catches a mistyped birth date).
    NameSoundex,
    /// First name, exact, and ZIP (catches a missing last name).
    FirstNameZip,
}

impl Pass {
    /// The passes run by default.
    pub const DEFAULT: [Pass; 7] = [
        Pass::LastSoundexBirthYear,
        Pass::BirthDateFirstInitial,
        Pass::BirthDateInitials,
        Pass::BirthDateZip,
        Pass::NationalId,
        Pass::NameSoundex,
        Pass::FirstNameZip,
    ];

    /// A short name for reports.
    pub fn name(self) -> &'static str {
        match self {
            Pass::LastSoundexBirthYear => "soundex(last_name)+birth_year",
            Pass::BirthDateFirstInitial => "birth_date+first_initial",
            Pass::BirthDateInitials => "birth_date+sorted_initials",
            Pass::BirthDateZip => "birth_date(day/month either order)+zip",
            Pass::NationalId => "national_id",
            Pass::NameSoundex => "soundex(first_name)+soundex(last_name)",
            Pass::FirstNameZip => "first_name+zip",
        }
    }

    /// The record's key in this pass, or `None` when a part is missing.
    pub fn key(self, r: &Record, vocab: &Vocabulary) -> Option<u64> {
        let text = |f: Field| -> Option<(usize, u32)> {
            let i = text_index(f)?;
            let id = *r.text.get(i)?;
            (id != 0).then_some((i, id))
        };
        let sdx = |f: Field| -> Option<[u8; 4]> {
            let (i, id) = text(f)?;
            vocab.phonetic(i, id).map(u32::to_le_bytes)
        };
        let mut h = Fnv::new(self as u64);
        match self {
            Pass::LastSoundexBirthYear => {
                let y = r.birth.map(|b| b.year).filter(|y| *y != 0)?;
                h.bytes(&sdx(Field::LastName)?);
                h.bytes(&y.to_le_bytes());
            }
            Pass::BirthDateFirstInitial => {
                let b = r.birth.filter(|b| b.is_full())?;
                h.bytes(&b.packed().to_le_bytes());
                let first = sdx(Field::FirstName)?;
                if vocab.hashed().is_some() {
                    h.bytes(&first);
                } else {
                    // Soundex keeps the first letter, upper-cased.
                    h.bytes(first.get(..1).unwrap_or(&[]));
                }
            }
            Pass::BirthDateInitials => {
                let b = r.birth.filter(|b| b.is_full())?;
                h.bytes(&b.packed().to_le_bytes());
                let (first, last) = (sdx(Field::FirstName)?, sdx(Field::LastName)?);
                let (x, y) = if vocab.hashed().is_some() {
                    (first, last)
                } else {
                    ([first[0], 0, 0, 0], [last[0], 0, 0, 0])
                };
                h.bytes(&x.min(y));
                h.bytes(&x.max(y));
            }
            Pass::BirthDateZip => {
                let b = r.birth.filter(|b| b.is_full())?;
                h.bytes(&b.year.to_le_bytes());
                h.bytes(&[b.month.min(b.day), b.month.max(b.day)]);
                h.bytes(&text(Field::Zip)?.1.to_le_bytes());
            }
            Pass::NationalId => {
                let (_, id) = text(Field::NationalId)?;
                h.bytes(&id.to_le_bytes());
            }
            Pass::NameSoundex => {
                h.bytes(&sdx(Field::FirstName)?);
                h.bytes(&sdx(Field::LastName)?);
            }
            Pass::FirstNameZip => {
                h.bytes(&text(Field::FirstName)?.1.to_le_bytes());
                h.bytes(&text(Field::Zip)?.1.to_le_bytes());
            }
        }
        Some(h.finish())
    }
}

/// What a pass did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassStats {
    /// The pass.
    pub pass: &'static str,
    /// Pairs it formed (before uniting with other passes).
    pub pairs: u64,
    /// Blocks skipped for exceeding the cap.
    pub skipped_blocks: u64,
    /// Pairs in those skipped blocks.
    pub skipped_pairs: u64,
}

/// FNV-1a, 64-bit (Fowler, Noll & Vo; IETF draft-eastlake-fnv): a fixed,
/// seedless hash so keys are the same on every run.
struct Fnv(u64);

impl Fnv {
    fn new(tag: u64) -> Fnv {
        let mut h = Fnv(0xcbf2_9ce4_8422_2325);
        h.bytes(&tag.to_le_bytes());
        h
    }
    fn bytes(&mut self, b: &[u8]) {
        for x in b {
            self.0 ^= u64::from(*x);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// Pack a pair of record indexes.
pub fn pack(a: u32, b: u32) -> u64 {
    (u64::from(a) << 32) | u64::from(b)
}

/// Unpack a pair of record indexes.
pub fn unpack(p: u64) -> (u32, u32) {
    ((p >> 32) as u32, (p & 0xFFFF_FFFF) as u32)
}

/// One pass's keys and kept blocks.
#[derive(Debug)]
struct PassBlocks {
    /// Each record's key in the first file (`None` when a part is missing).
    keys_a: Vec<Option<u64>>,
    /// The same for the second file (empty within one file).
    keys_b: Vec<Option<u64>>,
    /// Keys of the blocks skipped for exceeding the cap.
    skipped: HashSet<u64>,
    /// Record indexes of the first file, ordered by key then index.
    order_a: Vec<u32>,
    /// The same for the second file (empty within one file).
    order_b: Vec<u32>,
    /// Kept blocks: ranges into `order_a` and `order_b` (within one file
    /// both ranges are the same, into `order_a`).
    blocks: Vec<[u32; 4]>,
}

impl PassBlocks {
    /// Whether this pass forms the pair (x in the first file, y in the
    /// second, or both in the one file).
    fn forms(&self, x: u32, y: u32) -> bool {
        let kb = if self.keys_b.is_empty() {
            &self.keys_a
        } else {
            &self.keys_b
        };
        match (self.keys_a.get(x as usize), kb.get(y as usize)) {
            (Some(Some(k)), Some(Some(l))) => k == l && !self.skipped.contains(k),
            _ => false,
        }
    }
}

/// The candidate pairs of a linkage, generated pass by pass rather than
/// held: memory grows with the records (a key and an index per record and
/// pass), not with the pairs, so files whose candidate pairs would not fit
/// in memory can still be linked. A pair formed by several passes is
/// counted once, by the first pass that forms it: when pass k forms a
/// pair, it is skipped if an earlier pass's keys for the two records also
/// agree (and that pass kept their block).
#[derive(Debug)]
pub struct Candidates {
    passes: Vec<PassBlocks>,
    stats: Vec<PassStats>,
    same_file: bool,
}

fn record_keys(records: &[Record], pass: Pass, vocab: &Vocabulary) -> Vec<Option<u64>> {
    records.par_iter().map(|r| pass.key(r, vocab)).collect()
}

fn sorted(keys: &[Option<u64>]) -> Vec<(u64, u32)> {
    let mut k: Vec<(u64, u32)> = keys
        .iter()
        .enumerate()
        .filter_map(|(i, k)| Some(((*k)?, u32::try_from(i).ok()?)))
        .collect();
    k.par_sort_unstable();
    k
}

fn index(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

impl Candidates {
    /// Candidate pairs between two files (index in `a`, index in `b`).
    pub fn link(
        a: &[Record],
        b: &[Record],
        vocab: &Vocabulary,
        passes: &[Pass],
        cap: u64,
    ) -> Candidates {
        let mut out = Vec::new();
        let mut stats = Vec::new();
        for &pass in passes {
            let keys_a = record_keys(a, pass, vocab);
            let keys_b = record_keys(b, pass, vocab);
            let ka = sorted(&keys_a);
            let kb = sorted(&keys_b);
            let mut st = PassStats {
                pass: pass.name(),
                pairs: 0,
                skipped_blocks: 0,
                skipped_pairs: 0,
            };
            let mut skipped = HashSet::new();
            let mut blocks = Vec::new();
            let (mut i, mut j) = (0, 0);
            while let (Some(&(x, _)), Some(&(y, _))) = (ka.get(i), kb.get(j)) {
                if x < y {
                    i += 1;
                } else if y < x {
                    j += 1;
                } else {
                    let ie = i + ka[i..].iter().take_while(|(k, _)| *k == x).count();
                    let je = j + kb[j..].iter().take_while(|(k, _)| *k == x).count();
                    let n = ((ie - i) * (je - j)) as u64;
                    if n > cap {
                        st.skipped_blocks += 1;
                        st.skipped_pairs += n;
                        skipped.insert(x);
                    } else {
                        blocks.push([index(i), index(ie), index(j), index(je)]);
                        st.pairs += n;
                    }
                    i = ie;
                    j = je;
                }
            }
            stats.push(st);
            out.push(PassBlocks {
                keys_a,
                keys_b,
                skipped,
                order_a: ka.into_iter().map(|(_, r)| r).collect(),
                order_b: kb.into_iter().map(|(_, r)| r).collect(),
                blocks,
            });
        }
        Candidates {
            passes: out,
            stats,
            same_file: false,
        }
    }

    /// Candidate pairs within one file (i < j).
    pub fn dedupe(a: &[Record], vocab: &Vocabulary, passes: &[Pass], cap: u64) -> Candidates {
        let mut out = Vec::new();
        let mut stats = Vec::new();
        for &pass in passes {
            let keys_a = record_keys(a, pass, vocab);
            let ka = sorted(&keys_a);
            let mut st = PassStats {
                pass: pass.name(),
                pairs: 0,
                skipped_blocks: 0,
                skipped_pairs: 0,
            };
            let mut skipped = HashSet::new();
            let mut blocks = Vec::new();
            let mut i = 0;
            while let Some(&(x, _)) = ka.get(i) {
                let ie = i + ka[i..].iter().take_while(|(k, _)| *k == x).count();
                let m = (ie - i) as u64;
                let n = m * m.saturating_sub(1) / 2;
                if n > cap {
                    st.skipped_blocks += 1;
                    st.skipped_pairs += n;
                    skipped.insert(x);
                } else if n > 0 {
                    blocks.push([index(i), index(ie), index(i), index(ie)]);
                    st.pairs += n;
                }
                i = ie;
            }
            stats.push(st);
            out.push(PassBlocks {
                keys_a,
                keys_b: Vec::new(),
                skipped,
                order_a: ka.into_iter().map(|(_, r)| r).collect(),
                order_b: Vec::new(),
                blocks,
            });
        }
        Candidates {
            passes: out,
            stats,
            same_file: true,
        }
    }

    /// What each pass did.
    pub fn stats(&self) -> &[PassStats] {
        &self.stats
    }

    /// Whether some pass forms the pair (within one file, in either order).
    pub fn contains(&self, x: u32, y: u32) -> bool {
        self.passes.iter().any(|p| p.forms(x, y))
    }

    /// Fold every distinct candidate pair into a value, in parallel:
    /// `fold(acc, x, y)` once per pair (within one file with x < y), and
    /// partial results combined by `reduce`. The pairs come in no set
    /// order, so `reduce` must not depend on it (counts, or a list sorted
    /// afterwards).
    pub fn fold<T, I, F, R>(&self, identity: I, fold: F, reduce: R) -> T
    where
        T: Send,
        I: Fn() -> T + Sync + Send,
        F: Fn(T, u32, u32) -> T + Sync + Send,
        R: Fn(T, T) -> T + Sync + Send,
    {
        let mut total = identity();
        for (k, pass) in self.passes.iter().enumerate() {
            let earlier = self.passes.get(..k).unwrap_or(&[]);
            let first = |x: u32, y: u32| !earlier.iter().any(|p| p.forms(x, y));
            let part = pass
                .blocks
                .par_iter()
                .fold(&identity, |mut acc, &[i, ie, j, je]| {
                    let ra = pass.order_a.get(i as usize..ie as usize).unwrap_or(&[]);
                    if self.same_file {
                        for (s, &x) in ra.iter().enumerate() {
                            for &y in ra.get(s + 1..).unwrap_or(&[]) {
                                let (x, y) = (x.min(y), x.max(y));
                                if first(x, y) {
                                    acc = fold(acc, x, y);
                                }
                            }
                        }
                    } else {
                        let rb = pass.order_b.get(j as usize..je as usize).unwrap_or(&[]);
                        for &x in ra {
                            for &y in rb {
                                if first(x, y) {
                                    acc = fold(acc, x, y);
                                }
                            }
                        }
                    }
                    acc
                })
                .reduce(&identity, &reduce);
            total = reduce(total, part);
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linkage::mock::{Config, generate};
    use crate::linkage::record::{FieldMap, Records, read_csv_from};
    use std::collections::BTreeSet;
    use std::path::Path;

    fn mock(voters: usize, deaths: usize) -> (Records, Records, Vocabulary) {
        let m = generate(&Config {
            voters,
            deaths,
            other_state: 10,
            seed: 7,
        });
        let (mut v, mut d) = (Vec::new(), Vec::new());
        m.write_voters(&mut v).unwrap();
        m.write_deaths(&mut d).unwrap();
        let mut vocab = Vocabulary::new();
        let map = FieldMap::parse("").unwrap();
        let a =
            read_csv_from(Path::new("v.csv"), &v[..], &map, Field::VotedOn, &mut vocab).unwrap();
        let b = read_csv_from(Path::new("d.csv"), &d[..], &map, Field::DiedOn, &mut vocab).unwrap();
        (a, b, vocab)
    }

    fn collect(c: &Candidates) -> Vec<u64> {
        let mut v = c.fold(
            Vec::new,
            |mut v, x, y| {
                v.push(pack(x, y));
                v
            },
            |mut v, w| {
                v.extend(w);
                v
            },
        );
        v.sort_unstable();
        v
    }

    /// The three planted dead voters no pass paired at 5M × 3M: both names
    /// mistyped (so both Soundex codes changed) and day and month swapped.
    /// Only the ZIP and the date in either order still agree.
    #[test]
    fn a_swapped_date_and_two_mistyped_names_still_meet_on_zip() {
        let mut vocab = Vocabulary::new();
        let mut a = Records::default();
        let mut b = Records::default();
        let rows = [
            (
                "quinly",
                "vebelos",
                "1951-04-01",
                "quilny",
                "vebeos",
                "1951-01-04",
            ),
            (
                "monmondun",
                "merlo",
                "1931-09-04",
                "mnomondun",
                "melo",
                "1931-04-09",
            ),
            (
                "emtika",
                "gorloter",
                "1977-10-05",
                "emtlka",
                "goaloter",
                "1977-05-10",
            ),
        ];
        for (i, (f1, l1, b1, f2, l2, b2)) in rows.iter().enumerate() {
            let id = i.to_string();
            for (file, first, last, birth) in [(&mut a, f1, l1, b1), (&mut b, f2, l2, b2)] {
                let fields = [
                    (Field::FirstName, *first),
                    (Field::LastName, *last),
                    (Field::BirthDate, *birth),
                    (Field::Zip, "10206"),
                ];
                file.push_raw(&mut vocab, &id, &fields).unwrap();
            }
        }
        let c = Candidates::link(&a.records, &b.records, &vocab, &Pass::DEFAULT, u64::MAX);
        for i in 0..3 {
            assert!(c.contains(i, i), "pair {i}");
        }
        let without: Vec<Pass> = Pass::DEFAULT
            .into_iter()
            .filter(|p| *p != Pass::BirthDateZip)
            .collect();
        let c = Candidates::link(&a.records, &b.records, &vocab, &without, u64::MAX);
        assert!((0..3).all(|i| !c.contains(i, i)), "another pass pairs them");
    }

    /// The streamed pairs are exactly the union of the passes, each once,
    /// and `contains` agrees with it on every pair (a cap small enough to
    /// skip some blocks, so skipped blocks are excluded too).
    #[test]
    fn streamed_pairs_are_the_union_of_the_passes_each_once() {
        let (a, b, vocab) = mock(1_500, 300);
        for cap in [u64::MAX, 1] {
            let c = Candidates::link(&a.records, &b.records, &vocab, &Pass::DEFAULT, cap);
            let got = collect(&c);
            let distinct: BTreeSet<u64> = got.iter().copied().collect();
            assert_eq!(distinct.len(), got.len(), "a pair came twice");
            let mut expect = BTreeSet::new();
            for x in 0..a.len() as u32 {
                for y in 0..b.len() as u32 {
                    if c.contains(x, y) {
                        expect.insert(pack(x, y));
                    }
                }
            }
            assert_eq!(distinct, expect);
            assert!(!expect.is_empty());
            let formed: u64 = c.stats().iter().map(|s| s.pairs).sum();
            assert!(formed >= got.len() as u64);
            // Within one file: i < j, each pair once.
            let d = Candidates::dedupe(&a.records, &vocab, &Pass::DEFAULT, cap);
            let got = collect(&d);
            let distinct: BTreeSet<u64> = got.iter().copied().collect();
            assert_eq!(distinct.len(), got.len());
            let mut expect = BTreeSet::new();
            for x in 0..a.len() as u32 {
                for y in x + 1..a.len() as u32 {
                    if d.contains(x, y) {
                        expect.insert(pack(x, y));
                    }
                }
            }
            assert_eq!(distinct, expect);
            assert!(!expect.is_empty());
            if cap == 1 {
                assert!(
                    d.stats()
                        .iter()
                        .chain(c.stats())
                        .any(|s| s.skipped_blocks > 0),
                    "{:?} {:?}",
                    c.stats(),
                    d.stats()
                );
            }
        }
    }
}
