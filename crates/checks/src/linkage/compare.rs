//! Comparison vectors: for a pair of records, the agreement level of each
//! compared field (Fellegi & Sunter 1969, "A theory for record linkage",
//! JASA 64(328):1183–1210, §2; levels as in Enamorado, Fifield & Imai
//! 2019, "Using a probabilistic model to assist merging of large-scale
//! administrative records", APSR 113(2):353–371, §3.1).
//!
//! Level 0 is always disagreement and the highest level exact agreement; a
//! field missing on either side is [`MISSING`] and, as in fastLink
//! (missing at random), contributes nothing to the match weight.

use super::date;
use super::hashed::{self, HashedVocab};
use super::jaro::jaro_winkler;
use super::record::{Field, Record, Records, Vocabulary, text_index};

/// The level code of a field that is missing on either side.
pub const MISSING: u8 = 15;

/// How a field is compared.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Method {
    /// Names: levels 0 (Jaro–Winkler < `low`), 1 (≥ `low`), 2 (≥ `high`),
    /// 3 (one keying error apart: a character replaced, inserted or
    /// dropped, or two adjacent ones swapped, whatever the Jaro–Winkler),
    /// 4 (equal).
    ///
    /// One keying error is its own level because it is what a clerk's
    /// typo looks like and far rarer between two unrelated names than a
    /// high Jaro–Winkler, which any two names sharing a prefix reach; and
    /// because Jaro–Winkler scores a single typo in a short name below 0.88
    /// when it falls next to a matching letter (`quinch`/`quihch` is
    /// 0.875), which the model would otherwise weigh as a disagreement.
    /// (Splink's name comparisons also put Damerau–Levenshtein ≤ 1 next to
    /// their Jaro–Winkler levels.) A level for weak similarity
    /// (Jaro–Winkler ≥ 0.70, as Splink has) was tried and dropped: on our
    /// 1M-voter mock, fitted to all pairs, EM took the pairs with weakly
    /// similar names, the same birth year and nearby ZIPs for a second
    /// match class.
    Names {
        /// Lower threshold.
        low: f64,
        /// Higher threshold.
        high: f64,
    },
    /// Jaro–Winkler with one threshold: 0, 1 (≥ threshold, not equal), 2 (equal).
    Fuzzy(f64),
    /// Equal or not: 0, 1.
    Exact,
    /// Middle names: 0, 1 (same initial), 2 (equal).
    Initial,
    /// Identifiers: 0, 1 (one character changed or two adjacent swapped), 2 (equal).
    OneEdit,
    /// Place of residence, ZIP and city as one comparison because they
    /// are nested (a two-class model with both as separate fields takes
    /// "same town" for a latent class): 0 (neither), 1 (same first three
    /// ZIP digits), 2 (same city, Jaro–Winkler ≥ 0.9), 3 (same ZIP).
    Place,
    /// Birth dates: [`DateAgreement`](super::date::DateAgreement) levels 0–4.
    Date,
    /// The two records' events, by [`EventRule`]: 0 (no), 1 (yes).
    Event,
}

impl Method {
    /// Number of levels (excluding missing).
    pub fn levels(self) -> usize {
        match self {
            Method::Place => 4,
            Method::Fuzzy(_) | Method::Initial | Method::OneEdit => 3,
            Method::Exact | Method::Event => 2,
            Method::Names { .. } | Method::Date => 5,
        }
    }
}

/// One compared field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Comparison {
    /// The field.
    pub field: Field,
    /// How it is compared.
    pub method: Method,
}

/// How first and last names are compared.
const NAMES: Method = Method::Names {
    low: 0.88,
    high: 0.94,
};

/// The comparisons, in the order of the levels in a pattern. First and
/// last names use Jaro–Winkler thresholds 0.94 and 0.88 (the fastLink
/// defaults, from Winkler 1990) and the one-edit rule (see
/// [`Method::Names`]); streets and places 0.90.
pub const COMPARISONS: [Comparison; 12] = [
    Comparison {
        field: Field::FirstName,
        method: NAMES,
    },
    Comparison {
        field: Field::MiddleName,
        method: Method::Initial,
    },
    Comparison {
        field: Field::LastName,
        method: NAMES,
    },
    Comparison {
        field: Field::Suffix,
        method: Method::Exact,
    },
    Comparison {
        field: Field::BirthDate,
        method: Method::Date,
    },
    Comparison {
        field: Field::StreetNumber,
        method: Method::Exact,
    },
    Comparison {
        field: Field::Address,
        method: Method::Fuzzy(0.90),
    },
    Comparison {
        field: Field::Address2,
        method: Method::Fuzzy(0.90),
    },
    Comparison {
        field: Field::Zip,
        method: Method::Place,
    },
    Comparison {
        field: Field::State,
        method: Method::Exact,
    },
    Comparison {
        field: Field::NationalId,
        method: Method::OneEdit,
    },
    Comparison {
        field: Field::VotedOn,
        method: Method::Event,
    },
];

/// The index of the event comparison in a pattern.
pub const EVENT: usize = 11;

/// What the event comparison asks of a pair: the event that makes the
/// pair a case.
///
/// It is a field of the model like the others, so EM estimates how often
/// matches and non-matches show it. That is what keeps the probabilities
/// of the reported cases honest: most people found in both files are not
/// cases (they died after voting, or were registered in two states and
/// voted in one), so a pair that *is* a case starts from a much smaller
/// prior, and m/u of this field carries exactly that ratio. Without it, on
/// our 1M-voter mock with 40,500 people registered in both states (500 of
/// them voting in both), the 534 pairs reported as double votes had a
/// summed probability of being different people of 3.7 while 34 were;
/// with it, 502 pairs, 8.1 against 9 (and with the one-keying-error name
/// level as well, 505 pairs, 4.7 against 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventRule {
    /// Voters against death records: 1 when the death date is before the
    /// vote (both full dates), 0 when not, missing otherwise.
    DeathBeforeVote,
    /// Voters against voters: 1 when both records show a vote, 0 when one
    /// does not; missing when neither file has a `voted_on` column (every
    /// record then lists a voter).
    BothVoted {
        /// Whether the first file has a `voted_on` column.
        a_has_votes: bool,
        /// Whether the second file has one.
        b_has_votes: bool,
    },
}

impl EventRule {
    /// Voters against voters: both voted, with each file's `voted_on`
    /// column present or not.
    pub fn both_voted(a: &Records, b: &Records) -> EventRule {
        EventRule::BothVoted {
            a_has_votes: a.present.contains(&Field::VotedOn),
            b_has_votes: b.present.contains(&Field::VotedOn),
        }
    }

    /// The level of the event comparison for a pair.
    pub fn level(self, a: &Record, b: &Record) -> u8 {
        match self {
            EventRule::DeathBeforeVote => match (b.event, a.event) {
                (Some(died), Some(voted)) if died.is_full() && voted.is_full() => {
                    u8::from(died.packed() < voted.packed())
                }
                _ => MISSING,
            },
            EventRule::BothVoted {
                a_has_votes,
                b_has_votes,
            } => {
                if !a_has_votes && !b_has_votes {
                    return MISSING;
                }
                let voted = |has: bool, r: &Record| !has || r.event.is_some();
                u8::from(voted(a_has_votes, a) && voted(b_has_votes, b))
            }
        }
    }
}

/// Number of compared fields.
pub const K: usize = COMPARISONS.len();

/// A comparison vector packed 4 bits a field (field `k` in bits `4k..4k+4`).
pub type Pattern = u64;

/// The level of field `k` in a pattern.
pub fn level(p: Pattern, k: usize) -> u8 {
    ((p >> (4 * k)) & 0xF) as u8
}

/// Compare two records.
pub fn compare(a: &Record, b: &Record, vocab: &Vocabulary, event: EventRule) -> Pattern {
    let mut p: Pattern = 0;
    for (k, c) in COMPARISONS.iter().enumerate() {
        let l = if c.method == Method::Event {
            event.level(a, b)
        } else {
            compare_field(c, a, b, vocab)
        };
        p |= Pattern::from(l) << (4 * k);
    }
    p
}

fn compare_field(c: &Comparison, a: &Record, b: &Record, vocab: &Vocabulary) -> u8 {
    if c.method == Method::Date {
        return date::compare(a.birth, b.birth).map_or(MISSING, |l| l as u8);
    }
    if c.method == Method::Place {
        return compare_place(a, b, vocab);
    }
    let Some(i) = text_index(c.field) else {
        return MISSING;
    };
    let (ia, ib) = (
        a.text.get(i).copied().unwrap_or(0),
        b.text.get(i).copied().unwrap_or(0),
    );
    if ia == 0 || ib == 0 {
        return MISSING;
    }
    let top = (c.method.levels() - 1) as u8;
    if ia == ib {
        return top;
    }
    if let Some(h) = vocab.hashed() {
        return hashed_level(c.method, h, i, ia, ib);
    }
    let (va, vb) = (vocab.value(i, ia), vocab.value(i, ib));
    match c.method {
        Method::Names { low, high } => {
            if one_keying_error(va, vb) {
                return 3;
            }
            let s = jaro_winkler(va, vb);
            if s >= high {
                2
            } else if s >= low {
                1
            } else {
                0
            }
        }
        Method::Fuzzy(t) => u8::from(jaro_winkler(va, vb) >= t),
        Method::Exact | Method::Date | Method::Place | Method::Event => 0,
        Method::Initial => u8::from(va.chars().next() == vb.chars().next()),
        Method::OneEdit => u8::from(one_edit(va, vb)),
    }
}

/// The level of two different values of hashed files: Dice of their
/// Bloom filters in place of Jaro–Winkler, derived tokens in place of
/// initials (see [`super::hashed`]).
fn hashed_level(method: Method, h: &HashedVocab, i: usize, ia: u32, ib: u32) -> u8 {
    match method {
        Method::Names { .. } => {
            if h.hamming(i, ia, ib)
                .is_some_and(|d| d <= hashed::HAMMING_ONE_EDIT)
            {
                return 3;
            }
            let s = h.dice(i, ia, ib);
            if s >= hashed::DICE_NAME_HIGH {
                2
            } else if s >= hashed::DICE_NAME_LOW {
                1
            } else {
                0
            }
        }
        Method::Fuzzy(_) => u8::from(h.dice(i, ia, ib) >= hashed::DICE_FUZZY),
        Method::Exact | Method::Date | Method::Place | Method::Event => 0,
        Method::Initial => {
            let (da, db) = (h.derived(i, ia), h.derived(i, ib));
            u8::from(da != 0 && da == db)
        }
        Method::OneEdit => u8::from(h.dice(i, ia, ib) >= hashed::DICE_ID),
    }
}

fn compare_place(a: &Record, b: &Record, vocab: &Vocabulary) -> u8 {
    let get = |r: &Record, f: Field| -> Option<(usize, u32)> {
        let i = text_index(f)?;
        let id = *r.text.get(i)?;
        (id != 0).then_some((i, id))
    };
    let zips = (get(a, Field::Zip), get(b, Field::Zip));
    let cities = (get(a, Field::City), get(b, Field::City));
    if let (Some((_, za)), Some((_, zb))) = zips
        && za == zb
    {
        return 3;
    }
    let hashed = vocab.hashed();
    let same_city = match cities {
        (Some((i, ca)), Some((_, cb))) => Some(
            ca == cb
                || match hashed {
                    Some(h) => h.dice(i, ca, cb) >= hashed::DICE_FUZZY,
                    None => jaro_winkler(vocab.value(i, ca), vocab.value(i, cb)) >= 0.9,
                },
        ),
        _ => None,
    };
    if same_city == Some(true) {
        return 2;
    }
    if let (Some(h), (Some((i, za)), Some((_, zb)))) = (hashed, zips) {
        let (da, db) = (h.derived(i, za), h.derived(i, zb));
        return u8::from(da != 0 && da == db);
    }
    if let (Some((i, za)), Some((_, zb))) = zips {
        let (va, vb) = (vocab.value(i, za), vocab.value(i, zb));
        return u8::from(va.len() >= 3 && vb.len() >= 3 && va.get(..3) == vb.get(..3));
    }
    same_city.map_or(MISSING, |_| 0)
}

/// Whether two different strings of equal length differ in one character
/// or by one swap of adjacent characters.
fn one_edit(a: &str, b: &str) -> bool {
    a.len() == b.len() && one_edit_apart(a.as_bytes(), b.as_bytes())
}

/// Whether two different names are one keying error apart: one
/// character replaced, inserted or dropped, or two adjacent characters
/// swapped (optimal string alignment distance 1; Damerau 1964, "A
/// technique for computer detection and correction of spelling errors",
/// CACM 7(3):171–176).
pub fn one_keying_error(a: &str, b: &str) -> bool {
    // Names are nearly always ASCII: compare bytes without allocating
    // (this runs on every pair of different names).
    if a.is_ascii() && b.is_ascii() {
        return one_edit_apart(a.as_bytes(), b.as_bytes());
    }
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    one_edit_apart(&a, &b)
}

fn one_edit_apart<T: PartialEq>(a: &[T], b: &[T]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if long.len() - short.len() > 1 {
        return false;
    }
    // Skip the common prefix; what is left must be one edit.
    let p = short.iter().zip(long).take_while(|(x, y)| x == y).count();
    let (s, l) = (short.get(p..).unwrap_or(&[]), long.get(p..).unwrap_or(&[]));
    if l.len() > s.len() {
        // Inserted or dropped: the longer one with one element left out.
        return l.get(1..) == Some(s);
    }
    // Replaced: the rest after one element agrees; swapped: the next two
    // are crossed and the rest agrees.
    !s.is_empty()
        && (s.get(1..) == l.get(1..)
            || (s.len() >= 2
                && s.first() == l.get(1)
                && s.get(1) == l.first()
                && s.get(2..) == l.get(2..)))
}

/// American Soundex (Russell 1918; the US National Archives' rules: `h`
/// and `w` do not separate letters of the same code, vowels do). Returns
/// 4 bytes, or `None` for a value with no letter.
pub fn soundex(s: &str) -> Option<[u8; 4]> {
    fn code(c: u8) -> u8 {
        match c {
            b'b' | b'f' | b'p' | b'v' => b'1',
            b'c' | b'g' | b'j' | b'k' | b'q' | b's' | b'x' | b'z' => b'2',
            b'd' | b't' => b'3',
            b'l' => b'4',
            b'm' | b'n' => b'5',
            b'r' => b'6',
            b'h' | b'w' => b'h',
            _ => b'0',
        }
    }
    let mut letters = s
        .bytes()
        .map(|c| c.to_ascii_lowercase())
        .filter(u8::is_ascii_lowercase);
    let first = letters.next()?;
    let mut out = [first.to_ascii_uppercase(), b'0', b'0', b'0'];
    let mut n = 1;
    let mut prev = code(first);
    for c in letters {
        let k = code(c);
        if k == b'h' {
            continue;
        }
        if k != b'0' && k != prev {
            if let Some(slot) = out.get_mut(n) {
                *slot = k;
            }
            n += 1;
            if n == 4 {
                break;
            }
        }
        prev = k;
    }
    Some(out)
}

/// The name of each compared field (for reports); the event comparison
/// is `case_event` (death before vote, or both voted).
pub fn names() -> [&'static str; K] {
    COMPARISONS.map(|c| match c.method {
        Method::Event => "case_event",
        _ => c.field.name(),
    })
}

/// Which interned text fields are compared with exact-value levels that
/// get a term-frequency adjustment: first and last name.
pub const TF_FIELDS: [(usize, Field); 2] = [(0, Field::FirstName), (2, Field::LastName)];

#[cfg(test)]
mod tests {
    use super::super::date::DateAgreement;
    use super::*;

    /// Examples from the US National Archives' Soundex page and Knuth,
    /// TAOCP vol. 3, §6.
    #[test]
    fn soundex_published_examples() {
        let s = |x: &str| String::from_utf8(soundex(x).unwrap().to_vec()).unwrap();
        assert_eq!(s("Robert"), "R163");
        assert_eq!(s("Rupert"), "R163");
        assert_eq!(s("Rubin"), "R150");
        assert_eq!(s("Ashcraft"), "A261");
        assert_eq!(s("Ashcroft"), "A261");
        assert_eq!(s("Tymczak"), "T522");
        assert_eq!(s("Pfister"), "P236");
        assert_eq!(s("Honeyman"), "H555");
        assert_eq!(s("Lee"), "L000");
        assert_eq!(s("Gutierrez"), "G362");
        assert_eq!(soundex("123"), None);
    }

    #[test]
    fn one_edit_cases() {
        assert!(one_edit("1234567", "1234568"));
        assert!(one_edit("1234567", "1234576"));
        assert!(!one_edit("1234567", "1234599"));
        assert!(!one_edit("1234567", "123456"));
    }

    const NO_EVENT: EventRule = EventRule::BothVoted {
        a_has_votes: false,
        b_has_votes: false,
    };

    #[test]
    fn event_levels() {
        let mut v = Vocabulary::new();
        let mut recs = super::super::record::Records::default();
        for (id, date) in [
            ("voted", "2020-10-20"),
            ("died-before", "2020-09-01"),
            ("died-after", "2020-11-20"),
            ("partial", "2020-09"),
        ] {
            recs.push_raw(&mut v, id, &[(Field::VotedOn, date)])
                .unwrap();
        }
        recs.push_raw(&mut v, "no-vote", &[]).unwrap();
        let r = &recs.records;
        let d = EventRule::DeathBeforeVote;
        assert_eq!(d.level(&r[0], &r[1]), 1);
        assert_eq!(d.level(&r[0], &r[2]), 0);
        assert_eq!(d.level(&r[0], &r[3]), MISSING);
        assert_eq!(d.level(&r[4], &r[1]), MISSING);
        let both = EventRule::BothVoted {
            a_has_votes: true,
            b_has_votes: true,
        };
        assert_eq!(both.level(&r[0], &r[2]), 1);
        assert_eq!(both.level(&r[0], &r[4]), 0);
        let one = EventRule::BothVoted {
            a_has_votes: true,
            b_has_votes: false,
        };
        assert_eq!(one.level(&r[4], &r[4]), 0);
        assert_eq!(one.level(&r[0], &r[4]), 1);
        assert_eq!(NO_EVENT.level(&r[4], &r[4]), MISSING);
        let p = compare(&r[0], &r[1], &v, d);
        assert_eq!(level(p, EVENT), 1);
        assert_eq!(names()[EVENT], "case_event");
    }

    #[test]
    fn one_keying_error_cases() {
        for (a, b) in [
            ("quinch", "quihch"), // replaced
            ("quinch", "qunich"), // swapped
            ("quinch", "quich"),  // dropped
            ("quich", "quinch"),  // inserted
            ("ann", "anne"),      // at the end
            ("mary", "ary"),      // at the start
            ("jose", "josé"),
        ] {
            assert!(one_keying_error(a, b), "{a} {b}");
        }
        for (a, b) in [
            ("quinch", "quinch"), // equal is not an error
            ("quinch", "qihch"),  // two edits
            ("quinch", "qunihc"), // two swaps
            ("ann", "anna b"),
            ("ab", "ba c"),
        ] {
            assert!(!one_keying_error(a, b), "{a} {b}");
        }
    }

    /// A keying error next to a matching letter in a short name scores
    /// below 0.88 by Jaro–Winkler and still gets the one-edit level.
    #[test]
    fn one_edit_names_get_their_level() {
        let mut v = Vocabulary::new();
        let mut recs = super::super::record::Records::default();
        for (id, first, last) in [("a", "quinch", "riclodun"), ("b", "quihch", "zzyzx")] {
            recs.push_raw(
                &mut v,
                id,
                &[(Field::FirstName, first), (Field::LastName, last)],
            )
            .unwrap();
        }
        assert!(jaro_winkler("quinch", "quihch") < 0.88);
        let p = compare(&recs.records[0], &recs.records[1], &v, NO_EVENT);
        assert_eq!(level(p, 0), 3);
        assert_eq!(level(p, 2), 0);
    }

    #[test]
    fn compares_with_levels_and_missing() {
        let mut v = Vocabulary::new();
        let mut recs = super::super::record::Records::default();
        recs.push_raw(
            &mut v,
            "a",
            &[
                (Field::FirstName, "Martha"),
                (Field::LastName, "Smith"),
                (Field::BirthDate, "19500704"),
            ],
        )
        .unwrap();
        recs.push_raw(
            &mut v,
            "b",
            &[
                (Field::FirstName, "Marhta"),
                (Field::LastName, "Smith"),
                (Field::BirthDate, "19500407"),
                (Field::Zip, "12345"),
            ],
        )
        .unwrap();
        let p = compare(&recs.records[0], &recs.records[1], &v, NO_EVENT);
        assert_eq!(level(p, 0), 3); // one swap (JW 0.961)
        assert_eq!(level(p, 2), 4); // exact
        assert_eq!(level(p, 4), DateAgreement::Transposed as u8);
        assert_eq!(level(p, 8), MISSING);
        assert_eq!(level(p, 10), MISSING);
    }
}
