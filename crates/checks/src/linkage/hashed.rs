//! Linking on keyed hashes, so agencies need not share raw personal data.
//!
//! Each agency runs `canvass check hash-people` on its own file with the
//! same secret salt (a file of random bytes agreed between them and never
//! sent with the data). The output keeps the record `id` and the dates of
//! voting or death in clear and replaces every identifying value with
//! HMAC-SHA-256 (RFC 2104; FIPS 198-1) under the salt:
//!
//! - each normalized text field, as a token (the first 8 bytes of the MAC,
//!   hex): exact agreement and term frequencies survive;
//! - Soundex of first and last name, the middle initial and the first three
//!   ZIP digits, as tokens (blocking and partial agreement);
//! - the birth year, month and day as three tokens, month and day under one
//!   label, so partial dates and day/month transposition still compare;
//! - names, street, second address line, city and national id as bigram
//!   Bloom filters (Schnell, Bachteler & Reiher 2009, "Privacy-preserving
//!   record linkage using Bloom filters", BMC Med. Inform. Decis. Mak.
//!   9:41): the value padded with a space at each end, each bigram setting
//!   [`BLOOM_K`] bits of [`BLOOM_BITS`], the bit positions taken from the
//!   HMAC of the field's label and the bigram (random hashing rather than
//!   double hashing, which Niedermeyer et al. 2014 attacked). Their Dice
//!   coefficient stands in for Jaro–Winkler.
//!
//! `canvass check deceased|duplicates --hashed` reads two such files,
//! refuses them unless their key checks (an HMAC of a fixed text) agree,
//! and links them with the same blocking, EM and scoring as clear files:
//! the hashed tokens are interned like clear values, the birth-date tokens
//! become the parts of a [`PartialDate`] whose numbers are token ids (the
//! date comparison only tests parts for equality), and the comparisons
//! that need the text use the Bloom filters and derived tokens held in
//! [`HashedVocab`].

use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, Write};
use std::path::Path;

use base64ct::{Base64, Encoding};
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use super::compare::soundex;
use super::date::PartialDate;
use super::record::{Field, FieldMap, Records, TEXT_FIELDS, Vocabulary, read_csv, text_index};
use crate::CheckError;

/// The first line of a hashed file starts with this.
pub const SCHEME: &str = "canvass.hashed-people.v1";
/// Bits of each Bloom filter.
pub const BLOOM_BITS: usize = 512;
const BLOOM_WORDS: usize = BLOOM_BITS / 64;
/// Bits set per bigram.
pub const BLOOM_K: usize = 10;
/// The shortest salt accepted, in bytes.
pub const MIN_SALT_BYTES: usize = 16;
/// Bytes of the MAC kept in a token (64 bits: a collision among ten
/// million distinct values has probability about 3 × 10⁻⁶).
const TOKEN_BYTES: usize = 8;

/// Dice at or above which two names are "close" (level 2 of the name
/// comparison, as Jaro–Winkler 0.94).
pub const DICE_NAME_HIGH: f64 = 0.8;
/// Dice at or above which two names are "similar" (level 1, as
/// Jaro–Winkler 0.88).
pub const DICE_NAME_LOW: f64 = 0.6;
/// Bits at most that differ between two names' Bloom filters for the
/// name level "one keying error" (level 3). Edit distance needs the clear
/// values; a keying error changes few bigrams of the padded value: a
/// replaced character 4, one inserted or dropped 3, two adjacent swapped 6.
/// Each bigram sets [`BLOOM_K`] bits, so six bigrams differ in at most 60
/// bits; unrelated names differ in far more. It is looser than the clear
/// rule (two changes side by side, `martha`/`martin`, or a changed first
/// syllable, `ricstramon`/`rudstramon`, pass too), and EM weighs it by what
/// it sees: on our 1M mock's hashed files, u of this level is 0.0135
/// against 0.0003 for the clear rule.
pub const HAMMING_ONE_EDIT: u32 = 6 * BLOOM_K as u32;
/// Dice at or above which streets and cities agree approximately.
pub const DICE_FUZZY: f64 = 0.7;
/// Dice at or above which two national ids are "one edit apart".
pub const DICE_ID: f64 = 0.6;

/// A Bloom filter of [`BLOOM_BITS`] bits.
pub type Bloom = [u64; BLOOM_WORDS];

/// HMAC-SHA-256 with a fixed key (RFC 2104), the key's pads absorbed once.
#[derive(Clone)]
pub struct Hmac {
    inner: Sha256,
    outer: Sha256,
}

impl Hmac {
    /// A MAC under `key`.
    pub fn new(key: &[u8]) -> Hmac {
        let mut k = [0u8; 64];
        if key.len() > 64 {
            let d = Sha256::digest(key);
            for (slot, b) in k.iter_mut().zip(d.iter()) {
                *slot = *b;
            }
        } else {
            for (slot, b) in k.iter_mut().zip(key) {
                *slot = *b;
            }
        }
        let pad = |x: u8| -> Vec<u8> { k.iter().map(|b| b ^ x).collect() };
        let mut inner = Sha256::new();
        inner.update(pad(0x36));
        let mut outer = Sha256::new();
        outer.update(pad(0x5c));
        Hmac { inner, outer }
    }

    /// The MAC of the concatenation of `parts`.
    pub fn mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut i = self.inner.clone();
        for p in parts {
            i.update(p);
        }
        let mut o = self.outer.clone();
        o.update(i.finalize());
        o.finalize().into()
    }

    /// A labelled value's MAC: `SCHEME 0x00 label 0x00 value`.
    fn labelled(&self, label: &str, value: &[u8]) -> [u8; 32] {
        self.mac(&[SCHEME.as_bytes(), b"\0", label.as_bytes(), b"\0", value])
    }

    /// The token of a labelled value (hex of the first 8 bytes of its MAC).
    pub fn token(&self, label: &str, value: &str) -> String {
        let m = self.labelled(label, value.as_bytes());
        hex::encode(m.get(..TOKEN_BYTES).unwrap_or_default())
    }

    /// The key check written in every hashed file: equal for equal salts,
    /// and no help in finding the salt.
    pub fn key_check(&self) -> String {
        self.token("key check", "")
    }
}

/// Read a salt file: its bytes, surrounding whitespace removed; at least
/// [`MIN_SALT_BYTES`] of them.
pub fn read_salt(path: &Path) -> Result<Hmac, CheckError> {
    let bytes = std::fs::read(path).map_err(|source| CheckError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let salt = bytes.trim_ascii();
    if salt.len() < MIN_SALT_BYTES {
        return Err(CheckError::BadValue {
            path: path.to_path_buf(),
            row: 1,
            field: "salt".into(),
            message: format!(
                "the salt is {} bytes; at least {MIN_SALT_BYTES} random bytes are needed \
                 (a short or guessable salt lets anyone holding a hashed file test names \
                 against it); make one with `openssl rand -hex 32 > salt.txt`",
                salt.len()
            ),
        });
    }
    Ok(Hmac::new(salt))
}

/// Bloom filter bits of each bigram of one field, from the MAC of the
/// field's label and the bigram.
struct Bigrams {
    bits: HashMap<(char, char), [u16; BLOOM_K]>,
}

fn padded_bigrams(value: &str) -> impl Iterator<Item = (char, char)> + '_ {
    let chars = std::iter::once(' ')
        .chain(value.chars())
        .chain(std::iter::once(' '));
    chars.clone().zip(chars.skip(1))
}

impl Bigrams {
    fn new(hmac: &Hmac, label: &str, values: impl Iterator<Item = (char, char)>) -> Bigrams {
        let set: BTreeSet<(char, char)> = values.collect();
        let bits = set
            .into_par_iter()
            .map(|(a, b)| {
                let g = format!("{a}{b}");
                let m = hmac.labelled(&format!("{label}.bigram"), g.as_bytes());
                let mut pos = [0u16; BLOOM_K];
                for (i, p) in pos.iter_mut().enumerate() {
                    let lo = m.get(2 * i).copied().unwrap_or(0);
                    let hi = m.get(2 * i + 1).copied().unwrap_or(0);
                    *p = u16::from_le_bytes([lo, hi]) % BLOOM_BITS as u16;
                }
                ((a, b), pos)
            })
            .collect();
        Bigrams { bits }
    }

    fn bloom(&self, value: &str) -> Bloom {
        let mut f = [0u64; BLOOM_WORDS];
        for g in padded_bigrams(value) {
            for &p in self.bits.get(&g).into_iter().flatten() {
                if let Some(w) = f.get_mut(usize::from(p) / 64) {
                    *w |= 1u64 << (p % 64);
                }
            }
        }
        f
    }
}

/// The Dice coefficient of two Bloom filters: 2|a ∧ b| / (|a| + |b|).
pub fn dice(a: &Bloom, b: &Bloom) -> f64 {
    let (mut both, mut na, mut nb) = (0u32, 0u32, 0u32);
    for (x, y) in a.iter().zip(b) {
        both += (x & y).count_ones();
        na += x.count_ones();
        nb += y.count_ones();
    }
    if na + nb == 0 {
        return 0.0;
    }
    2.0 * f64::from(both) / f64::from(na + nb)
}

/// One column of a hashed file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Id,
    /// The token of a text field (column named as the field).
    Token(Field),
    /// The field's one derived token: Soundex of a name, the middle
    /// initial, the first three ZIP digits.
    Derived(Field),
    /// The field's Bloom filter.
    Bloom(Field),
    BirthYear,
    BirthMonth,
    BirthDay,
    /// `voted_on` or `died_on`, in clear.
    Event(Field),
}

fn derived_name(f: Field) -> Option<&'static str> {
    match f {
        Field::FirstName => Some("first_name_soundex"),
        Field::LastName => Some("last_name_soundex"),
        Field::MiddleName => Some("middle_name_initial"),
        Field::Zip => Some("zip3"),
        _ => None,
    }
}

fn bloom_name(f: Field) -> Option<&'static str> {
    match f {
        Field::FirstName => Some("first_name_bf"),
        Field::LastName => Some("last_name_bf"),
        Field::Address => Some("address_bf"),
        Field::Address2 => Some("address_2_bf"),
        Field::City => Some("city_bf"),
        Field::NationalId => Some("national_id_bf"),
        _ => None,
    }
}

impl Col {
    fn name(self) -> &'static str {
        match self {
            Col::Id => "id",
            Col::Token(f) | Col::Event(f) => f.name(),
            Col::Derived(f) => derived_name(f).unwrap_or("?"),
            Col::Bloom(f) => bloom_name(f).unwrap_or("?"),
            Col::BirthYear => "birth_year",
            Col::BirthMonth => "birth_month",
            Col::BirthDay => "birth_day",
        }
    }

    /// Every column a hashed file may have.
    fn all() -> Vec<Col> {
        let mut cols = vec![Col::Id];
        for f in Field::ALL {
            match f {
                Field::Id => {}
                Field::BirthDate => cols.extend([Col::BirthYear, Col::BirthMonth, Col::BirthDay]),
                Field::VotedOn | Field::DiedOn => cols.push(Col::Event(f)),
                f => {
                    cols.push(Col::Token(f));
                    if derived_name(f).is_some() {
                        cols.push(Col::Derived(f));
                    }
                    if bloom_name(f).is_some() {
                        cols.push(Col::Bloom(f));
                    }
                }
            }
        }
        cols
    }

    fn from_name(name: &str) -> Option<Col> {
        Col::all().into_iter().find(|c| c.name() == name)
    }

    /// The canonical field the column stands for.
    fn field(self) -> Field {
        match self {
            Col::Id => Field::Id,
            Col::Token(f) | Col::Derived(f) | Col::Bloom(f) | Col::Event(f) => f,
            Col::BirthYear | Col::BirthMonth | Col::BirthDay => Field::BirthDate,
        }
    }
}

/// What `hash-people` wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashSummary {
    /// Records hashed.
    pub records: usize,
    /// The columns written.
    pub columns: Vec<String>,
    /// The salt's key check.
    pub key_check: String,
}

fn month_day_label() -> &'static str {
    // Month and day share one label so that a day/month transposition
    // shows as month token = other day token.
    "birth_month_day"
}

/// Hash a person file: read `path` (with `map`, keeping the `event` date
/// in clear) and write the hashed file to `out`.
pub fn hash_file(
    path: &Path,
    map: &FieldMap,
    event: Field,
    hmac: &Hmac,
    out: &mut dyn Write,
) -> Result<HashSummary, CheckError> {
    let mut vocab = Vocabulary::new();
    let records = read_csv(path, map, event, &mut vocab)?;
    let cols: Vec<Col> = Col::all()
        .into_iter()
        .filter(|c| match c {
            Col::Event(f) => *f == event && records.present.contains(f),
            c => records.present.contains(&c.field()),
        })
        .collect();
    // Bloom bits per bigram, per field, computed once.
    let mut bigrams: HashMap<Field, Bigrams> = HashMap::new();
    for c in &cols {
        if let Col::Bloom(f) = *c
            && let Some(i) = text_index(f)
        {
            let values = (1..vocab.len(i)).flat_map(|id| {
                padded_bigrams(vocab.value(i, id as u32))
                    .collect::<Vec<_>>()
                    .into_iter()
            });
            bigrams.insert(f, Bigrams::new(hmac, f.name(), values));
        }
    }
    let key_check = hmac.key_check();
    let io = |source| CheckError::Io {
        path: Path::new("(output)").to_path_buf(),
        source,
    };
    writeln!(
        out,
        "#{SCHEME} key_check={key_check} bloom_bits={BLOOM_BITS} bloom_k={BLOOM_K}"
    )
    .map_err(io)?;
    let header: Vec<&str> = cols.iter().map(|c| c.name()).collect();
    writeln!(out, "{}", header.join(",")).map_err(io)?;
    let row = |n: usize| -> String {
        let (Some(r), Some(id)) = (records.records.get(n), records.ids.get(n)) else {
            return String::new();
        };
        let mut line = String::with_capacity(64 * cols.len());
        for (j, c) in cols.iter().enumerate() {
            if j > 0 {
                line.push(',');
            }
            let text = |f: Field| -> (usize, &str) {
                let i = text_index(f).unwrap_or(0);
                (i, vocab.value(i, r.text.get(i).copied().unwrap_or(0)))
            };
            match *c {
                Col::Id => push_csv(&mut line, id),
                Col::Token(f) => {
                    let (_, v) = text(f);
                    if !v.is_empty() {
                        line.push_str(&hmac.token(f.name(), v));
                    }
                }
                Col::Derived(f) => {
                    let (_, v) = text(f);
                    if let Some(d) = derived_value(f, v) {
                        line.push_str(&hmac.token(derived_name(f).unwrap_or(""), &d));
                    }
                }
                Col::Bloom(f) => {
                    let (_, v) = text(f);
                    if let (false, Some(b)) = (v.is_empty(), bigrams.get(&f)) {
                        line.push_str(&bloom_text(&b.bloom(v)));
                    }
                }
                Col::BirthYear | Col::BirthMonth | Col::BirthDay => {
                    let b = r.birth.unwrap_or_default();
                    let (part, label) = match c {
                        Col::BirthYear => (u32::from(b.year), "birth_year"),
                        Col::BirthMonth => (u32::from(b.month), month_day_label()),
                        _ => (u32::from(b.day), month_day_label()),
                    };
                    if part != 0 {
                        line.push_str(&hmac.token(label, &part.to_string()));
                    }
                }
                Col::Event(_) => {
                    if let Some(d) = r.event {
                        line.push_str(&d.to_string());
                    }
                }
            }
        }
        line.push('\n');
        line
    };
    const CHUNK: usize = 65_536;
    let n = records.len();
    let mut start = 0;
    while start < n {
        let end = (start + CHUNK).min(n);
        let lines: Vec<String> = (start..end).into_par_iter().map(row).collect();
        for l in lines {
            out.write_all(l.as_bytes()).map_err(io)?;
        }
        start = end;
    }
    out.flush().map_err(io)?;
    Ok(HashSummary {
        records: n,
        columns: header.iter().map(|s| (*s).to_string()).collect(),
        key_check,
    })
}

/// The derived value of a normalized field: Soundex of a name, a middle
/// name's initial, a ZIP's first three characters.
fn derived_value(f: Field, v: &str) -> Option<String> {
    if v.is_empty() {
        return None;
    }
    match f {
        Field::FirstName | Field::LastName => {
            soundex(v).map(|s| String::from_utf8_lossy(&s).into_owned())
        }
        Field::MiddleName => v.chars().next().map(String::from),
        Field::Zip => (v.chars().count() >= 3).then(|| v.chars().take(3).collect()),
        _ => None,
    }
}

fn push_csv(line: &mut String, v: &str) {
    if v.contains([',', '"', '\n', '\r']) {
        line.push('"');
        line.push_str(&v.replace('"', "\"\""));
        line.push('"');
    } else {
        line.push_str(v);
    }
}

fn bloom_text(b: &Bloom) -> String {
    let mut bytes = [0u8; BLOOM_BITS / 8];
    for (chunk, w) in bytes.chunks_mut(8).zip(b) {
        chunk.copy_from_slice(&w.to_le_bytes());
    }
    Base64::encode_string(&bytes)
}

fn parse_bloom(s: &str) -> Result<Bloom, String> {
    let mut bytes = [0u8; BLOOM_BITS / 8];
    let got = Base64::decode(s.as_bytes(), &mut bytes)
        .map_err(|_| format!("`{s}` is not a base64 Bloom filter of {BLOOM_BITS} bits"))?;
    if got.len() != BLOOM_BITS / 8 {
        return Err(format!(
            "`{s}` is {} bytes, not a Bloom filter of {BLOOM_BITS} bits",
            got.len()
        ));
    }
    let mut f = [0u64; BLOOM_WORDS];
    for (w, chunk) in f.iter_mut().zip(bytes.chunks(8)) {
        let mut b = [0u8; 8];
        b.copy_from_slice(chunk);
        *w = u64::from_le_bytes(b);
    }
    Ok(f)
}

fn parse_token(s: &str) -> Result<u64, String> {
    if s.len() != 2 * TOKEN_BYTES || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!(
            "`{s}` is not a hashed token ({} hex digits): was this file made by `canvass check hash-people`?",
            2 * TOKEN_BYTES
        ));
    }
    u64::from_str_radix(s, 16).map_err(|e| e.to_string())
}

/// What the linkage needs of hashed files beyond the interned tokens:
/// per text field and interned id, the Bloom filter and the derived token;
/// the interned birth-date parts. Shared by the files being linked.
#[derive(Debug, Default)]
pub struct HashedVocab {
    /// The salt's key check (from the first file read).
    pub key_check: String,
    /// Where the key check came from.
    pub key_source: String,
    blooms: Vec<Vec<Option<Bloom>>>,
    derived: Vec<Vec<u32>>,
    derived_ids: HashMap<u64, u32>,
    years: HashMap<u64, u16>,
    month_days: HashMap<u64, u8>,
}

impl HashedVocab {
    fn new() -> HashedVocab {
        HashedVocab {
            blooms: vec![Vec::new(); TEXT_FIELDS.len()],
            derived: vec![Vec::new(); TEXT_FIELDS.len()],
            ..HashedVocab::default()
        }
    }

    /// The Dice coefficient of two values' Bloom filters (0 when either
    /// has none).
    pub fn dice(&self, field: usize, a: u32, b: u32) -> f64 {
        let get = |id: u32| {
            self.blooms
                .get(field)
                .and_then(|v| v.get(id as usize))
                .and_then(Option::as_ref)
        };
        match (get(a), get(b)) {
            (Some(x), Some(y)) => dice(x, y),
            _ => 0.0,
        }
    }

    /// The number of bits that differ between two values' Bloom filters
    /// (`None` when either has none).
    pub fn hamming(&self, field: usize, a: u32, b: u32) -> Option<u32> {
        let get = |id: u32| {
            self.blooms
                .get(field)
                .and_then(|v| v.get(id as usize))
                .and_then(Option::as_ref)
        };
        let (x, y) = (get(a)?, get(b)?);
        Some(x.iter().zip(y).map(|(p, q)| (p ^ q).count_ones()).sum())
    }

    /// The interned derived token of a value (0 when none).
    pub fn derived(&self, field: usize, id: u32) -> u32 {
        self.derived
            .get(field)
            .and_then(|v| v.get(id as usize))
            .copied()
            .unwrap_or(0)
    }

    fn set_bloom(&mut self, field: usize, id: u32, b: Bloom) {
        if let Some(v) = self.blooms.get_mut(field) {
            if v.len() <= id as usize {
                v.resize(id as usize + 1, None);
            }
            if let Some(slot) = v.get_mut(id as usize) {
                slot.get_or_insert(b);
            }
        }
    }

    fn set_derived(&mut self, field: usize, id: u32, token: u64) {
        let next = u32::try_from(self.derived_ids.len() + 1).unwrap_or(u32::MAX);
        let d = *self.derived_ids.entry(token).or_insert(next);
        if let Some(v) = self.derived.get_mut(field) {
            if v.len() <= id as usize {
                v.resize(id as usize + 1, 0);
            }
            if let Some(slot) = v.get_mut(id as usize)
                && *slot == 0
            {
                *slot = d;
            }
        }
    }
}

/// Read a hashed person file (made by [`hash_file`]) into `vocab`, which
/// must be hashed ([`Vocabulary::new_hashed`]); `event` names the clear
/// date column to keep. Refuses a file whose key check differs from the
/// files read before.
pub fn read_hashed_csv(
    path: &Path,
    event: Field,
    vocab: &mut Vocabulary,
) -> Result<Records, CheckError> {
    let file = std::fs::File::open(path).map_err(|source| CheckError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    read_hashed_from(path, std::io::BufReader::new(file), event, vocab)
}

/// [`read_hashed_csv`] from any reader; `path` names it in errors.
pub fn read_hashed_from(
    path: &Path,
    mut reader: impl BufRead,
    event: Field,
    vocab: &mut Vocabulary,
) -> Result<Records, CheckError> {
    let bad = |row: u64, field: &str, message: String| CheckError::BadValue {
        path: path.to_path_buf(),
        row,
        field: field.to_string(),
        message,
    };
    let mut first = String::new();
    reader
        .read_line(&mut first)
        .map_err(|source| CheckError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    let first = first.trim_end();
    let mut words = first.split_whitespace();
    if words.next() != Some(&format!("#{SCHEME}")) {
        return Err(bad(
            1,
            "(scheme)",
            format!(
                "not a hashed person file: the first line should start with `#{SCHEME}` \
                 (make the file with `canvass check hash-people`; link clear files without --hashed)"
            ),
        ));
    }
    let mut key_check = None;
    for w in words {
        match w.split_once('=') {
            Some(("key_check", v)) => key_check = Some(v.to_string()),
            Some(("bloom_bits", v)) if v == BLOOM_BITS.to_string() => {}
            Some(("bloom_k", v)) if v == BLOOM_K.to_string() => {}
            _ => {
                return Err(bad(
                    1,
                    "(scheme)",
                    format!(
                        "`{w}` is not a parameter of {SCHEME} (key_check=..., bloom_bits={BLOOM_BITS}, bloom_k={BLOOM_K})"
                    ),
                ));
            }
        }
    }
    let Some(key_check) = key_check else {
        return Err(bad(
            1,
            "key_check",
            "the first line has no key_check".into(),
        ));
    };
    let source = path.display().to_string();
    let Some(h) = vocab.hashed_mut() else {
        return Err(CheckError::Inconsistent {
            path: path.to_path_buf(),
            message: "a hashed file cannot be linked with a clear one: hash both with `canvass check hash-people` and the same salt".into(),
        });
    };
    if h.key_source.is_empty() {
        h.key_check = key_check.clone();
        h.key_source = source.clone();
    } else if h.key_check != key_check {
        return Err(CheckError::Inconsistent {
            path: path.to_path_buf(),
            message: format!(
                "hashed with a different salt than {} (key check {key_check}, not {}): \
                 every agency must hash with the same salt file, or no record can match",
                h.key_source, h.key_check
            ),
        });
    }
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(reader);
    // Rows are counted from the file's first line (the scheme line).
    let csv_err = |e: csv::Error| -> CheckError {
        let row = e.position().map_or(0, |p| p.line() + 1);
        match e.into_kind() {
            csv::ErrorKind::Io(source) => CheckError::Io {
                path: path.to_path_buf(),
                source,
            },
            kind => bad(row, "(row)", format!("{kind:?}")),
        }
    };
    let header: Vec<String> = rdr
        .headers()
        .map_err(csv_err)?
        .iter()
        .map(str::to_string)
        .collect();
    let mut cols = Vec::with_capacity(header.len());
    for h in &header {
        let c = Col::from_name(h).ok_or_else(|| {
            bad(
                2,
                h,
                format!(
                    "unknown column in a hashed file (columns: {})",
                    Col::all()
                        .iter()
                        .map(|c| c.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?;
        if let Col::Event(f) = c
            && f != event
        {
            cols.push(None);
            continue;
        }
        cols.push(Some(c));
    }
    if !cols.contains(&Some(Col::Id)) {
        return Err(CheckError::MissingColumn {
            path: path.to_path_buf(),
            column: "id".into(),
            header: header.join(","),
        });
    }
    let mut present: Vec<Field> = cols.iter().flatten().map(|c| c.field()).collect();
    present.dedup();
    let mut records = Records {
        source,
        present,
        ..Records::default()
    };
    let mut row = csv::StringRecord::new();
    let mut line = 2u64;
    while rdr.read_record(&mut row).map_err(csv_err)? {
        line = row.position().map_or(line + 1, |p| p.line() + 1);
        let mut rec = super::record::Record::default();
        let mut id = "";
        let mut birth = PartialDate::default();
        for (c, v) in cols.iter().zip(row.iter()) {
            let Some(c) = *c else { continue };
            if v.is_empty() {
                if c == Col::Id {
                    return Err(bad(line, "id", "empty id".into()));
                }
                continue;
            }
            let err = |m: String| bad(line, c.name(), m);
            match c {
                Col::Id => id = v,
                Col::Token(f) => {
                    parse_token(v).map_err(err)?;
                    if let Some(i) = text_index(f) {
                        let t = vocab.intern(i, v);
                        if let Some(slot) = rec.text.get_mut(i) {
                            *slot = t;
                        }
                    }
                }
                Col::Derived(_) | Col::Bloom(_) => {} // after the tokens
                Col::BirthYear => {
                    let t = parse_token(v).map_err(err)?;
                    let Some(h) = vocab.hashed_mut() else {
                        continue;
                    };
                    let next = u16::try_from(h.years.len() + 1)
                        .map_err(|_| err("more than 65,535 distinct birth years".into()))?;
                    birth.year = *h.years.entry(t).or_insert(next);
                }
                Col::BirthMonth | Col::BirthDay => {
                    let t = parse_token(v).map_err(err)?;
                    let Some(h) = vocab.hashed_mut() else {
                        continue;
                    };
                    let next = u8::try_from(h.month_days.len() + 1).map_err(|_| {
                        err("more than 255 distinct birth months and days: not a birth date's parts".into())
                    })?;
                    let p = *h.month_days.entry(t).or_insert(next);
                    if c == Col::BirthMonth {
                        birth.month = p;
                    } else {
                        birth.day = p;
                    }
                }
                Col::Event(_) => rec.event = PartialDate::parse(v).map_err(err)?,
            }
        }
        for (c, v) in cols.iter().zip(row.iter()) {
            let (Some(c), false) = (*c, v.is_empty()) else {
                continue;
            };
            let (Col::Derived(f) | Col::Bloom(f)) = c else {
                continue;
            };
            let Some(i) = text_index(f) else { continue };
            let id = rec.text.get(i).copied().unwrap_or(0);
            if id == 0 {
                continue; // no value to attach it to
            }
            let Some(h) = vocab.hashed_mut() else {
                continue;
            };
            let err = |m: String| bad(line, c.name(), m);
            if let Col::Bloom(_) = c {
                if h.blooms
                    .get(i)
                    .and_then(|b| b.get(id as usize))
                    .is_none_or(Option::is_none)
                {
                    h.set_bloom(i, id, parse_bloom(v).map_err(err)?);
                }
            } else if h.derived(i, id) == 0 {
                h.set_derived(i, id, parse_token(v).map_err(err)?);
            }
        }
        rec.birth = (birth != PartialDate::default()).then_some(birth);
        records.ids.push(id.to_string());
        records.records.push(rec);
    }
    Ok(records)
}

impl Vocabulary {
    /// An empty vocabulary for hashed files.
    pub fn new_hashed() -> Vocabulary {
        let mut v = Vocabulary::new();
        v.hashed = Some(Box::new(HashedVocab::new()));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4231 test cases 1 and 2 (HMAC-SHA-256).
    #[test]
    fn hmac_sha256_rfc4231() {
        let h = Hmac::new(&[0x0b; 20]);
        assert_eq!(
            hex::encode(h.mac(&[b"Hi ", b"There"])),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        let h = Hmac::new(b"Jefe");
        assert_eq!(
            hex::encode(h.mac(&[b"what do ya want for nothing?"])),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Test case 6: a key longer than the block is hashed first.
        let h = Hmac::new(&[0xaa; 131]);
        assert_eq!(
            hex::encode(h.mac(&[b"Test Using Larger Than Block-Size Key - Hash Key First"])),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    /// Each kind of keying error stays within [`HAMMING_ONE_EDIT`] bits,
    /// and so do two changes next to each other (the rule is looser than
    /// edit distance, as its doc says); unrelated names do not.
    #[test]
    fn keying_errors_differ_in_few_bloom_bits() {
        let h = Hmac::new(b"0123456789abcdef0123");
        let pairs = [
            ("quinch", "quihch", true),  // replaced
            ("quinch", "qunich", true),  // swapped
            ("quinch", "quich", true),   // dropped
            ("vebelos", "vebeos", true), // dropped
            ("quinch", "zebedee", false),
            ("martha", "martin", true), // two changes, side by side
            ("martha", "marlene", false),
            ("ricstramon", "ricsolwen", false),
        ];
        let b = Bigrams::new(
            &h,
            "first_name",
            pairs.iter().flat_map(|(x, y, _)| {
                padded_bigrams(x)
                    .chain(padded_bigrams(y))
                    .collect::<Vec<_>>()
            }),
        );
        for (x, y, near) in pairs {
            let (fx, fy) = (b.bloom(x), b.bloom(y));
            let bits: u32 = fx.iter().zip(&fy).map(|(p, q)| (p ^ q).count_ones()).sum();
            assert_eq!(bits <= HAMMING_ONE_EDIT, near, "{x} {y}: {bits} bits");
        }
    }

    #[test]
    fn bloom_dice_orders_similarity() {
        let h = Hmac::new(b"0123456789abcdef0123");
        let names = ["martha", "marhta", "martin", "zebedee"];
        let b = Bigrams::new(
            &h,
            "first_name",
            names
                .iter()
                .flat_map(|n| padded_bigrams(n).collect::<Vec<_>>()),
        );
        let f: Vec<Bloom> = names.iter().map(|n| b.bloom(n)).collect();
        assert_eq!(dice(&f[0], &f[0]), 1.0);
        let typo = dice(&f[0], &f[1]);
        let other = dice(&f[0], &f[2]);
        let far = dice(&f[0], &f[3]);
        assert!(
            typo > far && other > far && far < 0.3,
            "{typo} {other} {far}"
        );
        let text = bloom_text(&f[0]);
        assert_eq!(parse_bloom(&text).unwrap(), f[0]);
        assert!(parse_bloom("abc").is_err());
    }
}
