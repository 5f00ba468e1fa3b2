//! The compact encoding of a card's contests and marks stored in one column.
//!
//! A card's marks are read and written as a whole (tabulation and the audit
//! read whole cards), so they live in one BLOB per card instead of one row per
//! mark: a 5M-card statewide election with 20 contests per card would need
//! 100M mark rows. Layout, every integer an unsigned LEB128 varint:
//!
//! ```text
//! contests := count contest*
//! contest  := contest_id count mark*
//! mark     := rank choice          choice: 0 = overvote, k + 1 = candidate k
//! ```

use canvass_model::{CandidateId, Choice, ContestId, ContestVotes, Mark};

fn put(out: &mut Vec<u8>, mut v: u64) {
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

/// Encode contests (in the card's order) into `out`, which is cleared first.
pub(crate) fn encode(contests: &[ContestVotes], out: &mut Vec<u8>) {
    out.clear();
    put(out, contests.len() as u64);
    for c in contests {
        put(out, u64::from(c.contest.0));
        put(out, c.marks.len() as u64);
        for m in &c.marks {
            put(out, u64::from(m.rank));
            match m.choice {
                Choice::Overvote => put(out, 0),
                Choice::Candidate(k) => put(out, u64::from(k.0) + 1),
            }
        }
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl Reader<'_> {
    fn get(&mut self) -> Option<u64> {
        let mut v: u64 = 0;
        for shift in (0..64).step_by(7) {
            let (&b, rest) = self.bytes.split_first()?;
            self.bytes = rest;
            // Refuse bits beyond 64 and non-minimal forms (a last byte of 0
            // after others), so every value has exactly one encoding.
            if shift == 63 && b > 1 {
                return None;
            }
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return (b != 0 || shift == 0).then_some(v);
            }
        }
        None
    }

    fn get_u32(&mut self) -> Option<u32> {
        u32::try_from(self.get()?).ok()
    }
}

/// Decode what [`encode`] wrote; `None` when the bytes are not a valid encoding.
pub(crate) fn decode(bytes: &[u8]) -> Option<Vec<ContestVotes>> {
    let mut r = Reader { bytes };
    let n = r.get()?;
    // Every contest takes at least two bytes: bound the allocation by the input.
    let mut contests = Vec::with_capacity(usize::try_from(n).ok()?.min(bytes.len() / 2));
    for _ in 0..n {
        let contest = ContestId(r.get_u32()?);
        let m = r.get()?;
        let mut marks = Vec::with_capacity(usize::try_from(m).ok()?.min(bytes.len() / 2));
        for _ in 0..m {
            let rank = r.get_u32()?;
            let choice = match r.get_u32()? {
                0 => Choice::Overvote,
                k => Choice::Candidate(CandidateId(k - 1)),
            };
            marks.push(Mark { rank, choice });
        }
        // Keep the stored order: `ContestVotes::new` sorted it before storing.
        contests.push(ContestVotes { contest, marks });
    }
    if r.bytes.is_empty() {
        Some(contests)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(contests: Vec<ContestVotes>, expected: &[u8]) {
        let mut out = Vec::new();
        encode(&contests, &mut out);
        assert_eq!(out, expected);
        assert_eq!(decode(&out), Some(contests));
    }

    #[test]
    fn encodings() {
        check(vec![], &[0]);
        check(vec![ContestVotes::new(ContestId(2), vec![])], &[1, 2, 0]);
        check(
            vec![ContestVotes::new(
                ContestId(300),
                vec![
                    Mark::ranked(1, Choice::Candidate(CandidateId(0))),
                    Mark::ranked(2, Choice::Overvote),
                ],
            )],
            &[1, 0xac, 0x02, 2, 1, 1, 2, 0],
        );
    }

    proptest::proptest! {
        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..64)) {
            // Whatever decodes must encode back to the same bytes (one encoding per value).
            if let Some(contests) = decode(&bytes) {
                let mut out = Vec::new();
                encode(&contests, &mut out);
                proptest::prop_assert_eq!(out, bytes);
            }
        }
    }

    #[test]
    fn garbage_is_refused_not_panicking() {
        for bytes in [
            &[][..],
            &[1],
            &[1, 2],
            &[0, 0],
            &[0xff; 12],
            &[1, 0, 1, 0xff, 0xff, 0xff, 0xff, 0x7f, 0],
            &[0x80, 0],
            &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02],
        ] {
            assert_eq!(decode(bytes), None, "{bytes:?}");
        }
    }
}
