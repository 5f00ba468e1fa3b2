//! Rivest's consistent sampler: every id gets a pseudo-random "ticket number"
//! in (0, 1) derived from the seed and the id with SHA-256; ids are drawn in
//! increasing ticket order. With replacement, a drawn id goes back with a new,
//! larger ticket.
//!
//! Reference: R. L. Rivest, `consistent_sampler` (Python, 2018;
//! github.com/ron-rivest/consistent_sampler, `code/consistent_sampler.py`), as
//! used by Arlo (`server/audit_math/sampler.py::draw_sample`, `digits=18`).
//! We reproduce it exactly:
//!
//! - `sha256_hex(x)`: lowercase hex of SHA-256 of the UTF-8 of `str(x)`.
//! - `sha256_uniform(x)`: the digest as an integer, written in decimal,
//!   zero-padded to at least 64 digits, digit string reversed, prefixed `0.`.
//! - `first_fraction(id, seed) = sha256_uniform(sha256_hex(seed) + str(id))`.
//! - `next_fraction(x)`: keep x's leading run of 9s, append the digits of
//!   `sha256_uniform(x + ":" + i)` for i = 1, 2, … until the result exceeds
//!   `x + "0"`.
//! - Tickets compare as **strings** (Python `str` order), not as numbers.
//! - `trim(x, d)`: keep the leading 9s and then `d` more digits (truncation).
//!
//! Ids are hashed through Python's `str()`; an id is given to this module as
//! that string. [`python_str_repr`] and [`arlo_ballot_id`] build the string
//! Python prints for Arlo's `(batch, position)` tuples.
//!
//! Speed: a first ticket is fixed by its first 19 digits in all but a
//! 10⁻¹⁹ fraction of comparisons, and those 19 digits are the 19 low decimal
//! digits of the digest, reversed. [`ticket_key`] computes them as a `u64`
//! without building the 78-digit string; the full string is built only for
//! the drawn tickets and to break the (vanishingly rare) equal-key ties.

use super::SamplerError;
use num_bigint::BigUint;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::fmt;

/// A ticket number: a decimal fraction `0.ddd…` kept as a string of
/// arbitrary length. Ordered as strings, exactly as the reference orders them
/// (`"0.12" < "0.123" < "0.13"`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TicketNumber(String);

impl TicketNumber {
    /// Accept a ticket written as `0.` followed by at least one digit.
    pub fn parse(s: &str) -> Result<TicketNumber, SamplerError> {
        let ok =
            s.len() > 2 && s.starts_with("0.") && s.bytes().skip(2).all(|b| b.is_ascii_digit());
        if ok {
            Ok(TicketNumber(s.to_owned()))
        } else {
            Err(SamplerError::MalformedTicket {
                ticket: s.to_owned(),
            })
        }
    }

    /// The full ticket, `0.ddd…`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The ticket truncated for display, as the reference's `trim`.
    pub fn trimmed(&self, digits: usize) -> &str {
        trim(&self.0, digits)
    }
}

impl fmt::Display for TicketNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `sha256_hex(x)`: SHA-256 of the UTF-8 bytes of `x`, as 64 lowercase hex
/// digits.
pub fn sha256_hex(x: &str) -> String {
    hex::encode(Sha256::digest(x.as_bytes()))
}

/// `sha256_uniform` applied to a digest: the digest as a big-endian integer,
/// in decimal zero-padded to at least 64 digits (Python `"{:064d}"`), digits
/// reversed, prefixed with `0.`.
///
/// The decimal digits come least significant first from repeated division
/// of the eight 32-bit limbs by 10^9, which is exactly the reversed order the
/// ticket wants. [`uniform_from_digest_bigint`] is the plain big-integer
/// version; a property test holds the two equal.
pub fn uniform_from_digest(digest: &[u8; 32]) -> TicketNumber {
    const BILLION: u64 = 1_000_000_000;
    let mut limbs = [0u32; 8];
    for (limb, bytes) in limbs.iter_mut().zip(digest.chunks_exact(4)) {
        let mut b = [0u8; 4];
        b.copy_from_slice(bytes);
        *limb = u32::from_be_bytes(b);
    }
    let mut s = String::with_capacity(2 + 81);
    s.push_str("0.");
    let mut significant = 0; // limbs[..significant] are zero
    loop {
        while limbs.get(significant) == Some(&0) {
            significant += 1;
        }
        // limbs /= 10^9, remainder = the next nine digits (least first).
        let mut rem: u64 = 0;
        for limb in limbs.iter_mut().skip(significant) {
            let cur = (rem << 32) | u64::from(*limb);
            *limb = (cur / BILLION) as u32;
            rem = cur % BILLION;
        }
        let last = limbs.iter().all(|&l| l == 0);
        for _ in 0..9 {
            if last && rem == 0 {
                break;
            }
            s.push(char::from(b'0' + (rem % 10) as u8));
            rem /= 10;
        }
        if last {
            break;
        }
    }
    if s.len() == 2 {
        s.push('0'); // the integer 0 (cannot come from SHA-256 in practice)
    }
    while s.len() < 2 + 64 {
        s.push('0');
    }
    TicketNumber(s)
}

/// [`uniform_from_digest`] written the plain way, with a big integer: the
/// independent implementation it is tested against.
pub fn uniform_from_digest_bigint(digest: &[u8; 32]) -> TicketNumber {
    let decimal = format!("{:064}", BigUint::from_bytes_be(digest));
    TicketNumber(format!("0.{}", decimal.chars().rev().collect::<String>()))
}

/// `sha256_uniform(x)`: see [`uniform_from_digest`].
pub fn sha256_uniform(x: &str) -> TicketNumber {
    uniform_from_digest(&Sha256::digest(x.as_bytes()).into())
}

/// `first_fraction(id, seed) = sha256_uniform(sha256_hex(seed) + id)`, with
/// `id` already in its Python `str()` form.
pub fn first_fraction(id: &str, seed: &str) -> TicketNumber {
    RivestSampler::new(seed).first_ticket(id)
}

/// Position of the first digit after "0." that is not a 9, in `x + "0"`
/// (so it is `x.len()` when every digit of x is a 9).
fn first_non_9(x: &str) -> usize {
    x.bytes()
        .enumerate()
        .skip(2)
        .find(|&(_, b)| b != b'9')
        .map_or(x.len(), |(i, _)| i)
}

/// `next_fraction(x)`: a pseudo-random ticket in (x, 1) that depends only on
/// x. Keeps x's leading 9s and replaces the rest by the digits of
/// `sha256_uniform(x + ":" + i)` for i = 1, 2, … until the result exceeds
/// `x + "0"` (string comparison).
pub fn next_fraction(x: &TicketNumber) -> TicketNumber {
    let x = x.as_str();
    let mut x0 = String::with_capacity(x.len() + 1);
    x0.push_str(x);
    x0.push('0');
    let prefix = x0.get(..first_non_9(x)).unwrap_or("0.");
    let mut i: u64 = 0;
    loop {
        i += 1;
        let u = sha256_uniform(&format!("{x}:{i}"));
        let mut y = String::with_capacity(prefix.len() + u.0.len());
        y.push_str(prefix);
        y.push_str(u.0.get(2..).unwrap_or(""));
        if y > x0 {
            return TicketNumber(y);
        }
    }
}

/// `trim(x, digits)`: x truncated (not rounded) to its leading run of 9s plus
/// `digits` more digits. Strings shorter than that are returned whole.
pub fn trim(x: &str, digits: usize) -> &str {
    let end = first_non_9(x).saturating_add(digits);
    x.get(..end).unwrap_or(x)
}

/// Python's `repr()` of a string, as `str()` of a tuple prints its string
/// members: single quotes, unless the string contains a single quote and no
/// double quote, in which case double quotes; backslash, the chosen quote,
/// `\t`, `\n`, `\r` escaped; other non-printable characters as `\xhh`,
/// `\uhhhh` or `\Uhhhhhhhh`.
///
/// Limitation: Python also escapes code points that are unassigned in its
/// Unicode database; we escape the non-printable *assigned* ones (controls,
/// separators, format characters, private use, noncharacters) but cannot know
/// which code points a given Python version considers unassigned.
pub fn python_str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if python_printable(c) => out.push(c),
            c => {
                let n = u32::from(c);
                if n < 0x100 {
                    out.push_str(&format!("\\x{n:02x}"));
                } else if n < 0x10000 {
                    out.push_str(&format!("\\u{n:04x}"));
                } else {
                    out.push_str(&format!("\\U{n:08x}"));
                }
            }
        }
    }
    out.push(quote);
    out
}

/// Python's `str.isprintable()` for one character: false for controls (Cc),
/// format characters (Cf), separators other than the ASCII space (Zs, Zl,
/// Zp), private use (Co) and noncharacters (Cn). See [`python_str_repr`] for
/// the limitation on unassigned code points.
fn python_printable(c: char) -> bool {
    let n = u32::from(c);
    let not_printable = matches!(n,
        0x00..=0x1f | 0x7f..=0xa0 | 0xad
        | 0x600..=0x605 | 0x61c | 0x6dd | 0x70f | 0x890..=0x891 | 0x8e2
        | 0x1680 | 0x180e
        | 0x2000..=0x200f | 0x2028..=0x202f | 0x205f..=0x2064 | 0x2066..=0x206f
        | 0x3000
        | 0xe000..=0xf8ff | 0xfdd0..=0xfdef | 0xfeff | 0xfff9..=0xfffb
        | 0x110bd | 0x110cd | 0x13430..=0x1343f | 0x1bca0..=0x1bca3
        | 0x1d173..=0x1d17a | 0xe0001 | 0xe0020..=0xe007f
        | 0xf0000..=0x10ffff)
        || (n & 0xfffe) == 0xfffe;
    !not_printable
}

/// Arlo's ballot id: Python `str((batch, position))`, e.g. `('pct 2', 3)`.
pub fn arlo_ballot_id(batch: &str, position: u64) -> String {
    format!("({}, {position})", python_str_repr(batch))
}

/// A list of ids to sample from, each given as the exact string that is
/// hashed (Python's `str(id)`). Writing into a caller's buffer lets the hot
/// loop hash millions of ids without allocating.
pub trait IdList: Sync {
    /// The number of ids.
    fn id_count(&self) -> usize;
    /// Append the string of id `index` (0-based) to `out`. Indexes at or past
    /// [`IdList::id_count`] append nothing.
    fn write_id(&self, index: usize, out: &mut Vec<u8>);
    /// The string of id `index` (allocates; for output, not for hashing).
    fn id_string(&self, index: usize) -> String {
        let mut v = Vec::new();
        self.write_id(index, &mut v);
        String::from_utf8_lossy(&v).into_owned()
    }
}

impl<S: AsRef<str> + Sync> IdList for [S] {
    fn id_count(&self) -> usize {
        self.len()
    }
    fn write_id(&self, index: usize, out: &mut Vec<u8>) {
        if let Some(s) = self.get(index) {
            out.extend_from_slice(s.as_ref().as_bytes());
        }
    }
}

/// The ballots of a manifest as Arlo numbers them: batch by batch in manifest
/// order, positions 1..=ballots within a batch, each id the Python string of
/// the tuple `(batch, position)`.
#[derive(Clone, Debug)]
pub struct ManifestIds {
    /// `("(" + repr(batch) + ", ", ballots)` per batch.
    prefixes: Vec<String>,
    /// Number of ballots before each batch (running total).
    starts: Vec<usize>,
    total: usize,
}

impl ManifestIds {
    /// Number the ballots of `(batch, ballots)` pairs, in the order given.
    pub fn new<'a>(batches: impl IntoIterator<Item = (&'a str, u64)>) -> ManifestIds {
        let mut prefixes = Vec::new();
        let mut starts = Vec::new();
        let mut total: usize = 0;
        for (batch, ballots) in batches {
            prefixes.push(format!("({}, ", python_str_repr(batch)));
            starts.push(total);
            total = total.saturating_add(usize::try_from(ballots).unwrap_or(usize::MAX));
        }
        ManifestIds {
            prefixes,
            starts,
            total,
        }
    }

    /// The batch (index into the batches given) and 1-based position of a
    /// ballot.
    pub fn locate(&self, index: usize) -> Option<(usize, u64)> {
        if index >= self.total {
            return None;
        }
        // The last batch starting at or before `index`; empty batches share
        // a start with their successor and are skipped by taking the last.
        let batch = self
            .starts
            .partition_point(|&s| s <= index)
            .checked_sub(1)?;
        let start = *self.starts.get(batch)?;
        Some((batch, (index - start) as u64 + 1))
    }
}

impl IdList for ManifestIds {
    fn id_count(&self) -> usize {
        self.total
    }
    fn write_id(&self, index: usize, out: &mut Vec<u8>) {
        if let Some((batch, position)) = self.locate(index)
            && let Some(prefix) = self.prefixes.get(batch)
        {
            out.extend_from_slice(prefix.as_bytes());
            // Decimal digits of the position without allocating.
            let mut digits = [0u8; 20];
            let mut n = position;
            let mut i = digits.len();
            loop {
                i -= 1;
                digits[i] = b'0' + (n % 10) as u8;
                n /= 10;
                if n == 0 {
                    break;
                }
            }
            out.extend_from_slice(digits.get(i..).unwrap_or(&[]));
            out.push(b')');
        }
    }
}

/// The first 19 digits of the ticket `uniform_from_digest(digest)`, as an
/// integer: comparing two keys numerically compares the two tickets' first
/// 19 digits as strings. They are the digest's 19 lowest decimal digits,
/// reversed (the padded decimal string has at least 64 digits, so these are
/// always real digits of the ticket).
pub fn ticket_key(digest: &[u8; 32]) -> u64 {
    const TEN_19: u128 = 10_000_000_000_000_000_000;
    // digest mod 10^19, Horner's rule over 64-bit limbs (big-endian).
    let mut r: u128 = 0;
    for limb in digest.chunks_exact(8) {
        let mut b = [0u8; 8];
        b.copy_from_slice(limb);
        r = ((r << 64) | u128::from(u64::from_be_bytes(b))) % TEN_19;
    }
    let mut low = r as u64;
    let mut key: u64 = 0;
    for _ in 0..19 {
        key = key * 10 + low % 10;
        low /= 10;
    }
    key
}

/// How to draw: with or without replacement, how many draws to skip (Arlo's
/// `num_sampled`, the reference's `drop`) and how many to return (`take`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SampleOptions {
    /// Put each drawn id back with its next ticket.
    pub with_replacement: bool,
    /// Draws to skip before the ones returned.
    pub drop: usize,
    /// Draws to return (fewer when sampling without replacement from fewer
    /// ids).
    pub take: usize,
}

impl SampleOptions {
    /// `take` draws without replacement.
    pub fn without_replacement(take: usize) -> SampleOptions {
        SampleOptions {
            with_replacement: false,
            drop: 0,
            take,
        }
    }
    /// `take` draws with replacement.
    pub fn with_replacement(take: usize) -> SampleOptions {
        SampleOptions {
            with_replacement: true,
            drop: 0,
            take,
        }
    }
}

/// One draw: the id's index in the list, its full ticket number and its
/// generation (1 for an id's first draw, 2 for its second, …).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Draw {
    /// The full ticket number (see [`TicketNumber::trimmed`] for display).
    pub ticket: TicketNumber,
    /// 0-based index of the id in the list sampled from.
    pub index: usize,
    /// How many times this id has been drawn, this draw included.
    pub generation: u32,
}

/// The most ids one draw may hash (2^32): far beyond any election, and a
/// guard against a manifest that claims absurd ballot counts.
pub const MAX_IDS: usize = 1 << 32;

/// An id's first ticket in compact form: the key and the id's index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Entry {
    key: u64,
    index: usize,
}

/// Rivest's sampler for one seed. The seed's hex digest is exactly one
/// SHA-256 block (64 ASCII bytes), so the hash state after it is computed
/// once and cloned for every id.
#[derive(Clone)]
pub struct RivestSampler {
    after_seed: Sha256,
}

impl RivestSampler {
    /// A sampler for `seed` (hashed as its UTF-8 bytes, as Python's
    /// `str(seed)`).
    pub fn new(seed: &str) -> RivestSampler {
        let mut after_seed = Sha256::new();
        after_seed.update(sha256_hex(seed).as_bytes());
        RivestSampler { after_seed }
    }

    /// SHA-256 of `sha256_hex(seed) + id`.
    pub fn first_digest(&self, id: &[u8]) -> [u8; 32] {
        let mut h = self.after_seed.clone();
        h.update(id);
        h.finalize().into()
    }

    /// The first (generation 1) ticket of `id`.
    pub fn first_ticket(&self, id: &str) -> TicketNumber {
        uniform_from_digest(&self.first_digest(id.as_bytes()))
    }

    /// The first-ticket keys of every id, hashed in parallel; one buffer per
    /// worker, no allocation per id.
    fn entries<I: IdList + ?Sized>(&self, ids: &I) -> Vec<Entry> {
        (0..ids.id_count())
            .into_par_iter()
            .map_init(
                || Vec::with_capacity(64),
                |buf, index| {
                    buf.clear();
                    ids.write_id(index, buf);
                    Entry {
                        key: ticket_key(&self.first_digest(buf)),
                        index,
                    }
                },
            )
            .collect()
    }

    /// The full first ticket of id `index`.
    fn full_ticket<I: IdList + ?Sized>(&self, ids: &I, index: usize) -> TicketNumber {
        let mut buf = Vec::new();
        ids.write_id(index, &mut buf);
        uniform_from_digest(&self.first_digest(&buf))
    }

    /// The reference's order on first tickets: by ticket string (the key
    /// decides unless two keys are equal), then by index. Equal full tickets
    /// mean equal hashed strings, i.e. duplicate ids, which `sample` refuses.
    fn compare<I: IdList + ?Sized>(&self, ids: &I, a: &Entry, b: &Entry) -> Ordering {
        a.key.cmp(&b.key).then_with(|| {
            if a.index == b.index {
                Ordering::Equal
            } else {
                self.full_ticket(ids, a.index)
                    .cmp(&self.full_ticket(ids, b.index))
                    .then(a.index.cmp(&b.index))
            }
        })
    }

    /// Every id's first ticket, sorted in draw order (sampling without
    /// replacement of all ids). Refuses duplicate ids.
    fn sorted_entries<I: IdList + ?Sized>(&self, ids: &I) -> Result<Vec<Entry>, SamplerError> {
        if ids.id_count() > MAX_IDS {
            return Err(SamplerError::TooManyIds {
                count: ids.id_count(),
                max: MAX_IDS,
            });
        }
        let mut entries = self.entries(ids);
        entries.par_sort_unstable_by(|a, b| self.compare(ids, a, b));
        // Duplicate ids have equal tickets, hence equal keys, hence sit next
        // to each other after the sort.
        for pair in entries.windows(2) {
            if let [a, b] = pair
                && a.key == b.key
                && ids.id_string(a.index) == ids.id_string(b.index)
            {
                let (first, second) = (a.index.min(b.index), a.index.max(b.index));
                return Err(SamplerError::DuplicateId {
                    id: ids.id_string(first),
                    first: first + 1,
                    second: second + 1,
                });
            }
        }
        Ok(entries)
    }

    /// Draw from `ids` as the reference's `sampler(ids, seed,
    /// with_replacement, drop, take)` does, returning draws `drop+1` to
    /// `drop+take` in order.
    pub fn sample<I: IdList + ?Sized>(
        &self,
        ids: &I,
        options: SampleOptions,
    ) -> Result<Vec<Draw>, SamplerError> {
        Ok(self.draws(ids, options)?.collect())
    }

    /// The same draws as [`RivestSampler::sample`], produced lazily: the
    /// first tickets of all ids are hashed and ordered up front, but the full
    /// ticket strings are built a chunk at a time (in parallel) as the
    /// iterator advances, so drawing all of 10M ids never holds 10M strings.
    pub fn draws<'a, I: IdList + ?Sized>(
        &'a self,
        ids: &'a I,
        options: SampleOptions,
    ) -> Result<Box<dyn Iterator<Item = Draw> + 'a>, SamplerError> {
        const CHUNK: usize = 1 << 16;
        let mut entries = self.sorted_entries(ids)?;
        let end = options.drop.saturating_add(options.take);
        if !options.with_replacement {
            entries.truncate(end);
            let start = options.drop.min(entries.len());
            let chunks = (entries.len() - start).div_ceil(CHUNK);
            return Ok(Box::new((0..chunks).flat_map(move |c| {
                let from = start + c * CHUNK;
                let to = (from + CHUNK).min(entries.len());
                entries
                    .get(from..to)
                    .unwrap_or(&[])
                    .par_iter()
                    .map(|e| Draw {
                        ticket: self.full_ticket(ids, e.index),
                        index: e.index,
                        generation: 1,
                    })
                    .collect::<Vec<Draw>>()
            })));
        }
        // With replacement, the first `end` draws can only involve the ids
        // with the `end` smallest first tickets: a first ticket outside them
        // comes after all `end` of them. So a heap over those suffices, and
        // is the reference's heap restricted to what can be drawn.
        let mut heap: BinaryHeap<Reverse<(TicketNumber, usize, u32)>> = entries
            .par_iter()
            .take(end)
            .map(|e| Reverse((self.full_ticket(ids, e.index), e.index, 1)))
            .collect::<Vec<_>>()
            .into();
        let mut draws = Vec::with_capacity(options.take.min(1 << 16));
        for count in 0..end {
            let Some(Reverse((ticket, index, generation))) = heap.pop() else {
                break;
            };
            heap.push(Reverse((next_fraction(&ticket), index, generation + 1)));
            if count >= options.drop {
                draws.push(Draw {
                    ticket,
                    index,
                    generation,
                });
            }
        }
        Ok(Box::new(draws.into_iter()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The fast decimal conversion equals the big-integer one.
        #[test]
        fn fast_uniform_equals_bigint(bytes in proptest::array::uniform32(any::<u8>()),
                                      zeros in 0usize..32) {
            // Also exercise digests with leading zero bytes (short numbers).
            let mut d = bytes;
            for b in d.iter_mut().take(zeros) { *b = 0; }
            prop_assert_eq!(uniform_from_digest(&d), uniform_from_digest_bigint(&d));
        }

        /// The fast key is the first 19 digits of the full ticket.
        #[test]
        fn key_is_ticket_prefix(bytes in proptest::array::uniform32(any::<u8>())) {
            let full = uniform_from_digest(&bytes);
            let prefix = full.as_str().get(2..21).unwrap_or("");
            prop_assert_eq!(format!("{:019}", ticket_key(&bytes)), prefix);
        }

        /// Key order agrees with ticket string order whenever keys differ.
        #[test]
        fn key_order_is_ticket_order(a in proptest::array::uniform32(any::<u8>()),
                                     b in proptest::array::uniform32(any::<u8>())) {
            let (ka, kb) = (ticket_key(&a), ticket_key(&b));
            prop_assume!(ka != kb);
            prop_assert_eq!(ka.cmp(&kb), uniform_from_digest(&a).cmp(&uniform_from_digest(&b)));
        }

        /// next_fraction always moves up and keeps the leading 9s.
        #[test]
        fn next_fraction_increases(digits in "[0-9]{1,30}") {
            let x = TicketNumber::parse(&format!("0.{digits}")).unwrap();
            let y = next_fraction(&x);
            prop_assert!(y > x);
            prop_assert!(TicketNumber::parse(y.as_str()).is_ok());
        }
    }

    #[test]
    fn small_digests_are_zero_padded_to_64_digits() {
        let mut d = [0u8; 32];
        d[31] = 7;
        let t = uniform_from_digest(&d);
        assert_eq!(t, uniform_from_digest_bigint(&d));
        assert_eq!(
            uniform_from_digest(&[0; 32]),
            uniform_from_digest_bigint(&[0; 32])
        );
        assert_eq!(t.as_str().len(), 66);
        assert!(t.as_str().starts_with("0.70000"));
        assert_eq!(ticket_key(&d), 7_000_000_000_000_000_000);
    }

    #[test]
    fn manifest_ids_skip_empty_batches() {
        let m = ManifestIds::new([("a", 2), ("empty", 0), ("b", 1)]);
        assert_eq!(m.id_count(), 3);
        assert_eq!(m.locate(1), Some((0, 2)));
        assert_eq!(m.locate(2), Some((2, 1)));
        assert_eq!(m.locate(3), None);
        assert_eq!(m.id_string(2), "('b', 1)");
    }
}
