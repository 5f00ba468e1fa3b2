//! The binary card leaf `canvass.card.v2` (docs/CANONICAL.md): the worked
//! example byte for byte, a decoder written from the documentation that
//! reads every encoding back into the card's committed fields (so the
//! encoding is injective: different cards give different bytes), and
//! independence from the order a reader met contests, candidates and marks.

mod common;

use canvass_evidence::canonical::{CardLeafEncoder, encode_card_leaf};
use canvass_evidence::commitment::card_leaf_hash;
use canvass_model::{
    Card, CardId, CardLocation, Choice, ContestKind, ContestVotes, Election, Mark,
};
use proptest::prelude::*;

fn leaf(card: &Card, e: &Election) -> Vec<u8> {
    let mut out = Vec::new();
    let r = encode_card_leaf(card, e, &mut out);
    assert_eq!(r, Ok(()));
    out
}

/// The worked example of docs/CANONICAL.md.
fn example() -> (Election, Card) {
    let mut e = Election::default();
    let mayor = e.intern_contest("mayor", "Mayor", ContestKind::Ranked);
    let alice = e.contest_mut(mayor).intern_candidate("alice", "Alice");
    let bob = e.contest_mut(mayor).intern_candidate("bob", "Bob");
    let prop = e.intern_contest("prop-1", "Proposition 1", ContestKind::Plurality);
    e.contest_mut(prop).intern_candidate("yes", "Yes");
    e.contest_mut(prop).intern_candidate("no", "No");
    let mut c = Card::new(CardId::new("1-7-3"));
    c.location = CardLocation {
        tabulator: Some("1".into()),
        batch: Some("7".into()),
        position: Some(3),
        imprinted_id: None,
    };
    c.precinct = Some("P-12".into());
    c.ballot_style = Some("4".into());
    c.counting_group = Some("Mail".into());
    // In the source's order: prop-1 first, bob's mark before alice's.
    c.contests
        .push(ContestVotes::new(prop, vec![Mark::vote(Choice::Overvote)]));
    c.contests.push(ContestVotes {
        contest: mayor,
        marks: vec![
            Mark::ranked(2, Choice::Candidate(bob)),
            Mark::ranked(1, Choice::Candidate(alice)),
        ],
    });
    (e, c)
}

#[test]
fn the_worked_example_encodes_byte_for_byte() {
    let (e, c) = example();
    let expected = concat!(
        "0f63616e766173732e636172642e7632", // tag: 15, "canvass.card.v2"
        "05312d372d33",                     // id: 5, "1-7-3"
        "00",                               // ballot_id: absent
        "0231",                             // tabulator: Some, 1 byte, "1"
        "0237",                             // batch: Some, 1 byte, "7"
        "04",                               // position: 3 + 1
        "00",                               // imprinted_id: absent
        "05502d3132",                       // precinct: Some, 4 bytes, "P-12"
        "0234",                             // ballot_style: Some, 1 byte, "4"
        "054d61696c",                       // counting_group: Some, 4 bytes, "Mail"
        "02",                               // two contests
        "056d61796f72",                     // "mayor"
        "02",                               // two marks
        "0106616c696365",                   // rank 1, candidate of 5 bytes "alice"
        "0204626f62",                       // rank 2, candidate of 3 bytes "bob"
        "0670726f702d31",                   // "prop-1"
        "01",                               // one mark
        "0100",                             // rank 1, overvote
    );
    let bytes = leaf(&c, &e);
    assert_eq!(hex::encode(&bytes), expected);
    assert_eq!(bytes.len(), 71);
    // SHA-256(0x00 || leaf), computed independently (Python hashlib).
    assert_eq!(
        card_leaf_hash(&e, &c).map(hex::encode),
        Ok(EXAMPLE_LEAF_HASH.to_owned())
    );
}

/// `hashlib.sha256(b"\0" + bytes.fromhex(expected)).hexdigest()`.
const EXAMPLE_LEAF_HASH: &str = "57cb418eaa36a2e0df686d96abaf14bfd659001a782b14ff5ebf314db02798d9";

#[test]
fn a_card_with_nothing_known_is_tag_id_and_absences() {
    let e = Election::default();
    let c = Card::new(CardId::new(""));
    // Tag, empty id, seven absent strings, absent position, no contests.
    assert_eq!(
        hex::encode(leaf(&c, &e)),
        format!("0f63616e766173732e636172642e7632{}", "00".repeat(10))
    );
}

#[test]
fn unknown_contest_candidate_and_duplicate_contest_are_errors() {
    let (e, cases) = common::refused_cards();
    let mut out = Vec::new();
    for (c, err) in cases {
        assert_eq!(
            encode_card_leaf(&c, &e, &mut out),
            Err(err),
            "{:?}",
            c.contests
        );
    }
}

/// What the leaf commits to, normalized as docs/CANONICAL.md says: contests
/// sorted by external id bytes, marks by (rank, overvote first, candidate
/// external id bytes).
type Fields = (String, [Option<String>; 7], Option<u64>, Vec<ContestFields>);

/// A contest's external id and its marks (rank, candidate or overvote).
type ContestFields = (String, Vec<(u32, Option<String>)>);

fn committed_fields(card: &Card, e: &Election) -> Fields {
    let loc = &card.location;
    let mut contests: Vec<ContestFields> = card
        .contests
        .iter()
        .map(|v| {
            let contest = e.contest(v.contest);
            let mut marks: Vec<(u32, Option<String>)> = v
                .marks
                .iter()
                .map(|m| {
                    let c = match m.choice {
                        Choice::Overvote => None,
                        Choice::Candidate(id) => {
                            Some(contest.candidates[id.index()].external_id.clone())
                        }
                    };
                    (m.rank, c)
                })
                .collect();
            marks.sort_by(|a, b| {
                (a.0, a.1.as_ref().map(|s| s.as_bytes()))
                    .cmp(&(b.0, b.1.as_ref().map(|s| s.as_bytes())))
            });
            (contest.external_id.clone(), marks)
        })
        .collect();
    contests.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    (
        card.id.as_str().to_owned(),
        [
            card.ballot_id.clone(),
            loc.tabulator.clone(),
            loc.batch.clone(),
            loc.imprinted_id.clone(),
            card.precinct.clone(),
            card.ballot_style.clone(),
            card.counting_group.clone(),
        ],
        loc.position,
        contests,
    )
}

/// A decoder written from docs/CANONICAL.md: reads the bytes back into the
/// committed fields, refusing anything that is not exactly one leaf.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }
    fn uvarint(&mut self) -> Option<u128> {
        let mut v: u128 = 0;
        for shift in (0..).step_by(7).take(19) {
            let b = self.byte()?;
            v |= u128::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                // Minimal: no final zero byte after the first.
                return (shift == 0 || b != 0).then_some(v);
            }
        }
        None
    }
    fn bytes(&mut self, n: u128) -> Option<String> {
        let n = usize::try_from(n).ok()?;
        let (s, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        String::from_utf8(s.to_vec()).ok()
    }
    fn str(&mut self) -> Option<String> {
        let n = self.uvarint()?;
        self.bytes(n)
    }
    fn ostr(&mut self) -> Option<Option<String>> {
        match self.uvarint()? {
            0 => Some(None),
            n => self.bytes(n - 1).map(Some),
        }
    }
}

fn decode(bytes: &[u8]) -> Option<Fields> {
    let mut r = Reader(bytes);
    if r.str()? != "canvass.card.v2" {
        return None;
    }
    let id = r.str()?;
    let ballot_id = r.ostr()?;
    let tabulator = r.ostr()?;
    let batch = r.ostr()?;
    let position = match r.uvarint()? {
        0 => None,
        p => Some(u64::try_from(p - 1).ok()?),
    };
    let imprinted_id = r.ostr()?;
    let precinct = r.ostr()?;
    let ballot_style = r.ostr()?;
    let counting_group = r.ostr()?;
    let mut contests = Vec::new();
    for _ in 0..r.uvarint()? {
        let name = r.str()?;
        let mut marks = Vec::new();
        for _ in 0..r.uvarint()? {
            let rank = u32::try_from(r.uvarint()?).ok()?;
            marks.push((rank, r.ostr()?));
        }
        contests.push((name, marks));
    }
    if !r.0.is_empty() {
        return None;
    }
    Some((
        id,
        [
            ballot_id,
            tabulator,
            batch,
            imprinted_id,
            precinct,
            ballot_style,
            counting_group,
        ],
        position,
        contests,
    ))
}

const CONTESTS: [&str; 5] = ["mayor", "Mayor", "m", "", "\u{e9}cole"];
const CANDIDATES: [&str; 5] = ["a", "A", "", "write-in", "\u{1F600}"];

/// An election with the contests and candidates interned in `order`.
fn election(order: &[usize]) -> Election {
    let mut e = Election::default();
    for &i in order {
        let c = e.intern_contest(CONTESTS[i], CONTESTS[i], ContestKind::Ranked);
        for &k in order {
            e.contest_mut(c)
                .intern_candidate(CANDIDATES[k], CANDIDATES[k]);
        }
    }
    e
}

/// Card description independent of any election: optional strings, a
/// position, and per contest (by name index) marks (rank, candidate index or
/// overvote).
type Spec = (
    String,
    Vec<Option<String>>,
    Option<u64>,
    Vec<(usize, Vec<(u32, Option<usize>)>)>,
);

fn spec() -> impl Strategy<Value = Spec> {
    let ostr = proptest::option::of("[a-c\u{e9}\u{0}]{0,3}");
    (
        "[a-c0-9\u{1F600}-]{0,4}",
        proptest::collection::vec(ostr, 7),
        proptest::option::of(prop_oneof![0u64..300, Just(u64::MAX)]),
        proptest::collection::btree_map(
            0usize..5,
            proptest::collection::vec((0u32..200, proptest::option::of(0usize..5)), 0..4),
            0..4,
        )
        .prop_map(|m| m.into_iter().collect()),
    )
}

fn build(spec: &Spec, e: &Election) -> Card {
    let (id, strings, position, contests) = spec;
    let s = |i: usize| strings.get(i).cloned().flatten();
    let mut c = Card::new(CardId::new(id.clone()));
    c.ballot_id = s(0);
    c.location = CardLocation {
        tabulator: s(1),
        batch: s(2),
        position: *position,
        imprinted_id: s(3),
    };
    c.precinct = s(4);
    c.ballot_style = s(5);
    c.counting_group = s(6);
    for (ci, marks) in contests {
        let Some(cid) = e.find_contest(CONTESTS[*ci]) else {
            continue;
        };
        let marks = marks
            .iter()
            .filter_map(|(rank, k)| {
                let choice = match k {
                    None => Choice::Overvote,
                    Some(k) => Choice::Candidate(e.contest(cid).find_candidate(CANDIDATES[*k])?),
                };
                Some(Mark::ranked(*rank, choice))
            })
            .collect();
        c.contests.push(ContestVotes::new(cid, marks));
    }
    c
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// The bytes decode back to exactly the card's committed fields, so two
    /// cards with different committed fields never share a leaf.
    #[test]
    fn every_leaf_decodes_back_to_its_card(spec in spec()) {
        let e = election(&[0, 1, 2, 3, 4]);
        let card = build(&spec, &e);
        let bytes = leaf(&card, &e);
        prop_assert_eq!(decode(&bytes), Some(committed_fields(&card, &e)));
    }

    /// Different cards, different bytes; equal committed fields, equal bytes.
    #[test]
    fn different_cards_give_different_bytes(a in spec(), b in spec()) {
        let e = election(&[0, 1, 2, 3, 4]);
        let (ca, cb) = (build(&a, &e), build(&b, &e));
        let same = committed_fields(&ca, &e) == committed_fields(&cb, &e);
        prop_assert_eq!(leaf(&ca, &e) == leaf(&cb, &e), same);
    }

    /// Interning order, contest order on the card and mark order do not
    /// change the leaf.
    #[test]
    fn the_leaf_does_not_depend_on_reading_order(spec in spec(), seed in 0usize..120) {
        let forward = election(&[0, 1, 2, 3, 4]);
        let mut order = vec![0, 1, 2, 3, 4];
        // The seed-th permutation (Lehmer code).
        let mut s = seed;
        for i in (1..order.len()).rev() {
            order.swap(i, s % (i + 1));
            s /= i + 1;
        }
        let other = election(&order);
        let a = build(&spec, &forward);
        let mut b = build(&spec, &other);
        b.contests.reverse();
        for v in &mut b.contests {
            v.marks.reverse();
        }
        prop_assert_eq!(leaf(&a, &forward), leaf(&b, &other));
    }
}

#[test]
fn an_encoder_reused_across_cards_gives_the_same_bytes() {
    let (e, c) = example();
    let mut encoder = CardLeafEncoder::new();
    let mut out = Vec::new();
    let mut other = c.clone();
    other.contests.clear();
    for card in [&c, &other, &c] {
        assert_eq!(encoder.encode(card, &e, &mut out), Ok(()));
        assert_eq!(out, leaf(card, &e));
    }
}
