//! `canvass.card.v2`: the compact canonical binary encoding of a card, the
//! Merkle leaf of the CVR commitment. `docs/CANONICAL.md` describes it byte
//! by byte with a worked example; this module is the reference.
//!
//! ```text
//! leaf     = tag id ballot_id tabulator batch position imprinted_id
//!            precinct ballot_style counting_group ncontests contest*
//! tag      = 0x0f "canvass.card.v2"            (str of the 15 ASCII bytes)
//! id       = str
//! ballot_id, tabulator, batch, imprinted_id, precinct, ballot_style,
//! counting_group = ostr
//! position = 0x00 (absent) | uvarint(p + 1)     (p < 2^64, so p + 1 < 2^65)
//! ncontests= uvarint
//! contest  = str(contest external id) nmarks mark*
//! nmarks   = uvarint
//! mark     = uvarint(rank) choice
//! choice   = 0x00 (overvote) | uvarint(len + 1) utf8 (candidate external id)
//! str      = uvarint(len) utf8
//! ostr     = 0x00 (absent) | uvarint(len + 1) utf8
//! uvarint  = unsigned LEB128, minimal (7 bits a byte, low first, high bit
//!            = more bytes follow; no trailing 0x80 0x00 padding)
//! ```
//!
//! Contests are sorted by their external id's UTF-8 bytes (a card naming one
//! contest twice is refused); a contest's marks by rank, then overvotes
//! before candidates, then the candidate's external id's UTF-8 bytes.
//!
//! **Injectivity.** Every field is either fixed (the tag), or a minimal
//! LEB128 number, or a length-prefixed byte string, read in a fixed order,
//! and every count is written before what it counts; so the bytes parse back
//! into exactly one field sequence (a prefix-free code), and two cards that
//! differ in any committed field give different bytes. The tag is itself
//! length-prefixed, so no other canvass leaf type with another tag can share
//! these bytes. What is not committed: where the card was read from (file
//! and record) and canvass's internal contest/candidate indexes, so the same
//! CVR gives the same leaf whatever the file is called and in whatever order
//! a reader met contests and candidates.

use crate::EvidenceError;
use canvass_model::{Card, Choice, ContestVotes, Election};

/// The name (and domain-separation tag) of the leaf encoding.
pub const CARD_LEAF_ENCODING: &str = "canvass.card.v2";

/// Append `v` as unsigned LEB128 (minimal).
pub fn write_uvarint(mut v: u128, out: &mut Vec<u8>) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn write_str(s: &str, out: &mut Vec<u8>) {
    write_uvarint(s.len() as u128, out);
    out.extend_from_slice(s.as_bytes());
}

fn write_ostr(s: Option<&str>, out: &mut Vec<u8>) {
    match s {
        None => out.push(0),
        Some(s) => {
            write_uvarint(s.len() as u128 + 1, out);
            out.extend_from_slice(s.as_bytes());
        }
    }
}

/// The order of marks: rank, then overvotes (`None`) before candidates,
/// then the candidate's external id bytes.
fn mark_key(m: (u32, Option<&str>)) -> (u32, Option<&[u8]>) {
    (m.0, m.1.map(str::as_bytes))
}

/// Encodes cards as `canvass.card.v2`, reusing its scratch space from card
/// to card so that encoding does not allocate once warmed up.
#[derive(Debug, Default)]
pub struct CardLeafEncoder {
    /// Indexes into `card.contests`, sorted by external id.
    contests: Vec<usize>,
    /// Indexes into one contest's marks, sorted.
    marks: Vec<usize>,
}

impl CardLeafEncoder {
    /// A new encoder.
    pub fn new() -> CardLeafEncoder {
        CardLeafEncoder::default()
    }

    /// Write `card` as `canvass.card.v2` into `out` (cleared first). The
    /// election must define every contest and candidate the card names.
    pub fn encode(
        &mut self,
        card: &Card,
        election: &Election,
        out: &mut Vec<u8>,
    ) -> Result<(), EvidenceError> {
        out.clear();
        let card_id = || card.id.as_str().to_owned();
        let contest_name = |votes: &ContestVotes| {
            election
                .get_contest(votes.contest)
                .map(|c| c.external_id.as_str())
                .ok_or_else(|| EvidenceError::UnknownContest {
                    card: card_id(),
                    contest: votes.contest.0,
                })
        };
        // Sort the contests by external id (and check they all exist).
        self.contests.clear();
        for (i, votes) in card.contests.iter().enumerate() {
            contest_name(votes)?;
            self.contests.push(i);
        }
        let name_of = |i: &usize| {
            card.contests
                .get(*i)
                .and_then(|v| election.get_contest(v.contest))
                .map(|c| c.external_id.as_bytes())
                .unwrap_or_default()
        };
        self.contests
            .sort_unstable_by(|a, b| name_of(a).cmp(name_of(b)));
        for pair in self.contests.windows(2) {
            if let [a, b] = pair
                && name_of(a) == name_of(b)
            {
                return Err(EvidenceError::DuplicateContest {
                    card: card_id(),
                    contest: String::from_utf8_lossy(name_of(a)).into_owned(),
                });
            }
        }

        let loc = &card.location;
        write_str(CARD_LEAF_ENCODING, out);
        write_str(card.id.as_str(), out);
        write_ostr(card.ballot_id.as_deref(), out);
        write_ostr(loc.tabulator.as_deref(), out);
        write_ostr(loc.batch.as_deref(), out);
        match loc.position {
            None => out.push(0),
            Some(p) => write_uvarint(u128::from(p) + 1, out),
        }
        write_ostr(loc.imprinted_id.as_deref(), out);
        write_ostr(card.precinct.as_deref(), out);
        write_ostr(card.ballot_style.as_deref(), out);
        write_ostr(card.counting_group.as_deref(), out);
        write_uvarint(self.contests.len() as u128, out);
        for &i in &self.contests {
            let Some(votes) = card.contests.get(i) else {
                continue; // unreachable: i indexes card.contests
            };
            let Some(contest) = election.get_contest(votes.contest) else {
                continue; // unreachable: checked above
            };
            write_str(&contest.external_id, out);
            write_uvarint(votes.marks.len() as u128, out);
            // The candidate's external id, None for an overvote.
            let choice_of = |k: usize| -> Result<(u32, Option<&str>), EvidenceError> {
                let Some(mark) = votes.marks.get(k) else {
                    return Ok((0, None)); // unreachable: k indexes marks
                };
                match mark.choice {
                    Choice::Overvote => Ok((mark.rank, None)),
                    Choice::Candidate(id) => contest
                        .candidate(id)
                        .map(|c| (mark.rank, Some(c.external_id.as_str())))
                        .ok_or_else(|| EvidenceError::UnknownCandidate {
                            card: card_id(),
                            contest: contest.external_id.clone(),
                            candidate: id.0,
                        }),
                }
            };
            self.marks.clear();
            let mut sorted = true;
            let mut previous = None;
            for k in 0..votes.marks.len() {
                let m = choice_of(k)?;
                if let Some(p) = previous
                    && mark_key(p) > mark_key(m)
                {
                    sorted = false;
                }
                previous = Some(m);
                self.marks.push(k);
            }
            if !sorted {
                self.marks.sort_by(|&a, &b| {
                    let (a, b) = (choice_of(a), choice_of(b));
                    match (a, b) {
                        (Ok(a), Ok(b)) => mark_key(a).cmp(&mark_key(b)),
                        _ => std::cmp::Ordering::Equal, // unreachable: checked above
                    }
                });
            }
            for &k in &self.marks {
                let (rank, candidate) = choice_of(k)?;
                write_uvarint(u128::from(rank), out);
                match candidate {
                    None => out.push(0),
                    Some(c) => {
                        write_uvarint(c.len() as u128 + 1, out);
                        out.extend_from_slice(c.as_bytes());
                    }
                }
            }
        }
        Ok(())
    }
}

/// Write `card` as `canvass.card.v2` into `out` (cleared first): the leaf of
/// the CVR commitment (see the module documentation and
/// `docs/CANONICAL.md`). For many cards, reuse a [`CardLeafEncoder`].
pub fn encode_card_leaf(
    card: &Card,
    election: &Election,
    out: &mut Vec<u8>,
) -> Result<(), EvidenceError> {
    CardLeafEncoder::new().encode(card, election, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uvarint_is_minimal_leb128() {
        let cases: &[(u128, &[u8])] = &[
            (0, &[0x00]),
            (1, &[0x01]),
            (127, &[0x7f]),
            (128, &[0x80, 0x01]),
            (300, &[0xac, 0x02]),
            (16_384, &[0x80, 0x80, 0x01]),
        ];
        for (v, bytes) in cases {
            let mut out = Vec::new();
            write_uvarint(*v, &mut out);
            assert_eq!(&out, bytes, "{v}");
        }
        let mut out = Vec::new();
        write_uvarint(u128::from(u64::MAX) + 1, &mut out);
        assert_eq!(out.len(), 10);
        assert_eq!(out.last(), Some(&0x02));
    }
}
