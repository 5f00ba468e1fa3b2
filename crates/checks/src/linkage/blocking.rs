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
//! counted, never silently.

use super::record::{Field, Record, Vocabulary, text_index};

/// A blocking pass: records agreeing on its key are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    /// Soundex of the last name and birth year.
    LastSoundexBirthYear,
    /// The full birth date (catches a changed last name).
    BirthDate,
    /// The national identifier.
    NationalId,
    /// Soundex of first and last names (catches a mistyped birth date).
    NameSoundex,
    /// First name, exact, and ZIP (catches a missing last name).
    FirstNameZip,
}

impl Pass {
    /// The passes run by default.
    pub const DEFAULT: [Pass; 5] = [
        Pass::LastSoundexBirthYear,
        Pass::BirthDate,
        Pass::NationalId,
        Pass::NameSoundex,
        Pass::FirstNameZip,
    ];

    /// A short name for reports.
    pub fn name(self) -> &'static str {
        match self {
            Pass::LastSoundexBirthYear => "soundex(last_name)+birth_year",
            Pass::BirthDate => "birth_date",
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
            Pass::BirthDate => {
                let b = r.birth.filter(|b| b.is_full())?;
                h.bytes(&b.packed().to_le_bytes());
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

fn keys(records: &[Record], pass: Pass, vocab: &Vocabulary) -> Vec<(u64, u32)> {
    let mut k: Vec<(u64, u32)> = records
        .iter()
        .enumerate()
        .filter_map(|(i, r)| Some((pass.key(r, vocab)?, u32::try_from(i).ok()?)))
        .collect();
    k.sort_unstable();
    k
}

/// Pack a pair of record indexes.
pub fn pack(a: u32, b: u32) -> u64 {
    (u64::from(a) << 32) | u64::from(b)
}

/// Unpack a pair of record indexes.
pub fn unpack(p: u64) -> (u32, u32) {
    ((p >> 32) as u32, (p & 0xFFFF_FFFF) as u32)
}

/// Candidate pairs between two files (index in `a`, index in `b`), sorted
/// and distinct.
pub fn link_pairs(
    a: &[Record],
    b: &[Record],
    vocab: &Vocabulary,
    passes: &[Pass],
    cap: u64,
) -> (Vec<u64>, Vec<PassStats>) {
    let mut pairs = Vec::new();
    let mut stats = Vec::new();
    for &pass in passes {
        let ka = keys(a, pass, vocab);
        let kb = keys(b, pass, vocab);
        let mut st = PassStats {
            pass: pass.name(),
            pairs: 0,
            skipped_blocks: 0,
            skipped_pairs: 0,
        };
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
                } else {
                    for &(_, ra) in &ka[i..ie] {
                        for &(_, rb) in &kb[j..je] {
                            pairs.push(pack(ra, rb));
                        }
                    }
                    st.pairs += n;
                }
                i = ie;
                j = je;
            }
        }
        stats.push(st);
    }
    pairs.sort_unstable();
    pairs.dedup();
    (pairs, stats)
}

/// Candidate pairs within one file (i < j), sorted and distinct.
pub fn dedupe_pairs(
    a: &[Record],
    vocab: &Vocabulary,
    passes: &[Pass],
    cap: u64,
) -> (Vec<u64>, Vec<PassStats>) {
    let mut pairs = Vec::new();
    let mut stats = Vec::new();
    for &pass in passes {
        let ka = keys(a, pass, vocab);
        let mut st = PassStats {
            pass: pass.name(),
            pairs: 0,
            skipped_blocks: 0,
            skipped_pairs: 0,
        };
        let mut i = 0;
        while let Some(&(x, _)) = ka.get(i) {
            let ie = i + ka[i..].iter().take_while(|(k, _)| *k == x).count();
            let m = (ie - i) as u64;
            let n = m * m.saturating_sub(1) / 2;
            if n > cap {
                st.skipped_blocks += 1;
                st.skipped_pairs += n;
            } else {
                for (s, &(_, r1)) in ka[i..ie].iter().enumerate() {
                    for &(_, r2) in &ka[i + s + 1..ie] {
                        pairs.push(pack(r1.min(r2), r1.max(r2)));
                    }
                }
                st.pairs += n;
            }
            i = ie;
        }
        stats.push(st);
    }
    pairs.sort_unstable();
    pairs.dedup();
    (pairs, stats)
}
