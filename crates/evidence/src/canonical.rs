//! Canonical encodings of everything that is hashed or signed.
//!
//! - [`to_canonical_json`] writes any JSON value in the JSON Canonicalization
//!   Scheme of RFC 8785 (JCS): object members sorted by the UTF-16 code units
//!   of their names (§3.2.3), no whitespace (§3.2.1), strings escaped as
//!   ECMAScript's `JSON.stringify` does (§3.2.2.2), and numbers in
//!   ECMAScript's shortest round-trip form (§3.2.2.3).
//! - **Number policy.** Our own payloads never carry fractions: counts and
//!   sizes are integers, and anything fractional (risk values, ratios) is
//!   written as a decimal *string* by the code that produces it. Integers
//!   beyond ±(2^53 − 1) are refused, because an IEEE 754 double (the JSON
//!   number of RFC 8785 §3.2.2.3 and of RFC 7493 I-JSON) cannot hold them
//!   exactly; such values must be strings. Fractional numbers that arrive in
//!   foreign JSON are still written as RFC 8785 requires.
//! - [`encode_card`] writes a [`Card`] as canonical JSON in a fixed layout
//!   (`canvass.card.v1`, described there): the readable form of a card.
//! - [`encode_card_leaf`] writes a [`Card`] in the compact binary layout
//!   `canvass.card.v2` (`docs/CANONICAL.md`), which is the Merkle leaf of
//!   the CVR commitment.

use crate::EvidenceError;
pub use crate::card_leaf::{CARD_LEAF_ENCODING, CardLeafEncoder, encode_card_leaf, write_uvarint};
use canvass_model::{Card, Choice, ContestVotes, Election, Mark};
use serde::Serialize;
use serde_json::Value;
use std::cmp::Ordering;

/// The largest integer an IEEE 754 double holds exactly with all smaller
/// ones: 2^53 − 1 (RFC 7493 §2.2).
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// The `type` member of every readable canonical card (JSON): names the
/// layout of [`encode_card`]. The commitment's leaf is [`CARD_LEAF_ENCODING`].
pub const CARD_ENCODING: &str = "canvass.card.v1";

/// Serialize any value with serde, then write it as RFC 8785 canonical JSON.
pub fn canonical_json<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, EvidenceError> {
    let value = serde_json::to_value(value).map_err(|e| EvidenceError::NotCanonical {
        path: "$".into(),
        reason: e.to_string(),
    })?;
    to_canonical_json(&value)
}

/// Write a JSON value as RFC 8785 canonical JSON (UTF-8 bytes).
pub fn to_canonical_json(value: &Value) -> Result<Vec<u8>, EvidenceError> {
    let mut out = Vec::new();
    write_value(value, &mut out, &mut String::from("$"))?;
    Ok(out)
}

fn write_value(value: &Value, out: &mut Vec<u8>, path: &mut String) -> Result<(), EvidenceError> {
    match value {
        // RFC 8785 §3.2.2.1: literals as they are.
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => write_number(n, out, path)?,
        Value::String(s) => write_string(s, out),
        // RFC 8785 §3.2.1: no whitespace between tokens.
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                write_value(item, out, path)?;
                path.truncate(len);
            }
            out.push(b']');
        }
        Value::Object(members) => {
            // RFC 8785 §3.2.3: sort members by their names' UTF-16 code units.
            let mut sorted: Vec<(&String, &Value)> = members.iter().collect();
            sorted.sort_by(|a, b| utf16_cmp(a.0, b.0));
            out.push(b'{');
            for (i, (name, member)) in sorted.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(name, out);
                out.push(b':');
                let len = path.len();
                path.push('.');
                path.push_str(name);
                write_value(member, out, path)?;
                path.truncate(len);
            }
            out.push(b'}');
        }
    }
    Ok(())
}

/// Compare two strings by their UTF-16 code units (RFC 8785 §3.2.3), which
/// differs from UTF-8 byte order for characters above U+FFFF versus
/// U+E000..U+FFFF.
pub fn utf16_cmp(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

fn write_number(
    n: &serde_json::Number,
    out: &mut Vec<u8>,
    path: &str,
) -> Result<(), EvidenceError> {
    let too_big = || EvidenceError::NotCanonical {
        path: path.to_owned(),
        reason: format!("integer {n} is beyond 2^53 - 1; write it as a string"),
    };
    if let Some(u) = n.as_u64() {
        if u > MAX_SAFE_INTEGER {
            return Err(too_big());
        }
        out.extend_from_slice(u.to_string().as_bytes());
    } else if let Some(i) = n.as_i64() {
        if i.unsigned_abs() > MAX_SAFE_INTEGER {
            return Err(too_big());
        }
        out.extend_from_slice(i.to_string().as_bytes());
    } else if let Some(f) = n.as_f64() {
        let text = ecmascript_number(f).ok_or_else(|| EvidenceError::NotCanonical {
            path: path.to_owned(),
            reason: format!("{f} is not a finite number"),
        })?;
        out.extend_from_slice(text.as_bytes());
    } else {
        return Err(EvidenceError::NotCanonical {
            path: path.to_owned(),
            reason: format!("unsupported number {n}"),
        });
    }
    Ok(())
}

/// ECMAScript's `Number.prototype.toString` for a finite double
/// (ECMA-262 §6.1.6.1.20, required by RFC 8785 §3.2.2.3); `None` for NaN and
/// infinities, which RFC 8785 forbids.
///
/// Rust's `{:e}` formatting yields the shortest digit string that reads back
/// as the same double, which is the `s`, `k`, `n` of ECMA-262; the rest is
/// where ECMA-262 puts the decimal point.
pub fn ecmascript_number(f: f64) -> Option<String> {
    if !f.is_finite() {
        return None;
    }
    if f == 0.0 {
        return Some("0".into()); // both +0 and -0
    }
    let sci = format!("{:e}", f.abs()); // e.g. "3.333333333333333e8"
    let (mantissa, exponent) = sci.split_once('e')?;
    let mut digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let exponent: i64 = exponent.parse().ok()?;
    // ECMA-262 step 5: when two shortest digit strings are equally close to
    // the value, the even one is chosen ("round half to even"); Rust's
    // shortest formatting may pick the other. A tie means the exact decimal
    // expansion is the first k digits followed by a single 5.
    if let Some(even) = even_tie_candidate(f.abs(), &digits, exponent) {
        digits = even;
    }
    let k = digits.len() as i64; // number of significant digits
    let n = exponent + 1; // position of the decimal point
    let mut s = String::new();
    if f < 0.0 {
        s.push('-');
    }
    if k <= n && n <= 21 {
        // Step 6: the digits followed by n - k zeros.
        s.push_str(&digits);
        s.extend(std::iter::repeat_n('0', (n - k) as usize));
    } else if 0 < n && n <= 21 {
        // Step 7: the decimal point inside the digits.
        let (int, frac) = digits.split_at(n as usize);
        s.push_str(int);
        s.push('.');
        s.push_str(frac);
    } else if -6 < n && n <= 0 {
        // Step 8: "0." then -n zeros then the digits.
        s.push_str("0.");
        s.extend(std::iter::repeat_n('0', (-n) as usize));
        s.push_str(&digits);
    } else {
        // Steps 9 and 10: exponential notation with an explicit sign.
        let (first, rest) = digits.split_at(1);
        s.push_str(first);
        if !rest.is_empty() {
            s.push('.');
            s.push_str(rest);
        }
        s.push('e');
        s.push(if n - 1 < 0 { '-' } else { '+' });
        s.push_str(&(n - 1).abs().to_string());
    }
    Some(s)
}

/// When `|f|` lies exactly halfway between two `k`-digit decimals (`k` the
/// length of `digits`) and `digits` is the odd one, the even one, provided
/// it still reads back as `f`.
fn even_tie_candidate(f: f64, digits: &str, exponent: i64) -> Option<String> {
    // Every double has a finite decimal expansion of at most 767
    // significant digits; Rust prints it exactly when asked for enough.
    let exact = format!("{f:.800e}");
    let (mantissa, exact_exponent) = exact.split_once('e')?;
    if exact_exponent.parse::<i64>().ok()? != exponent {
        return None;
    }
    let exact_digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let k = digits.len();
    let (truncated, rest) = exact_digits.split_at_checked(k)?;
    let mut rest = rest.chars();
    if rest.next() != Some('5') || !rest.all(|c| c == '0') {
        return None; // not a tie
    }
    // The two candidates are `truncated` and `truncated + 1 ulp`; pick the even.
    let last = truncated.bytes().last()?;
    let even = if (last - b'0').is_multiple_of(2) {
        truncated.to_owned()
    } else {
        increment_decimal(truncated)?
    };
    if even == digits || even.len() != k {
        return None;
    }
    let reads_back = format!("{}.{}e{exponent}", even.get(..1)?, even.get(1..)?)
        .parse::<f64>()
        .ok()?;
    (reads_back == f).then_some(even)
}

/// Add one to a string of decimal digits; `None` when it carries out of it.
fn increment_decimal(digits: &str) -> Option<String> {
    let mut bytes = digits.as_bytes().to_vec();
    for b in bytes.iter_mut().rev() {
        if *b == b'9' {
            *b = b'0';
        } else {
            *b += 1;
            return String::from_utf8(bytes).ok();
        }
    }
    None
}

/// Write a JSON string as RFC 8785 §3.2.2.2 requires (ECMAScript
/// `QuoteJSONString`): `"` and `\` escaped, the five control characters with
/// short escapes as such, other controls as `\u00xx` in lowercase hex, and
/// every other character as itself.
pub fn write_string(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: Option<&[u8]> = match b {
            b'"' => Some(b"\\\""),
            b'\\' => Some(b"\\\\"),
            0x08 => Some(b"\\b"),
            0x09 => Some(b"\\t"),
            0x0a => Some(b"\\n"),
            0x0c => Some(b"\\f"),
            0x0d => Some(b"\\r"),
            0x00..=0x1f => None,
            _ => continue,
        };
        out.extend_from_slice(bytes.get(start..i).unwrap_or_default());
        match escape {
            Some(e) => out.extend_from_slice(e),
            None => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 0xf)]);
            }
        }
        start = i + 1;
    }
    out.extend_from_slice(bytes.get(start..).unwrap_or_default());
    out.push(b'"');
}

/// Write `card` as canonical JSON into `out` (which is cleared first): the
/// readable canonical card (the commitment's leaf is the binary
/// [`encode_card_leaf`] of the same fields). The layout, `canvass.card.v1`, is an RFC 8785
/// object whose members are, in canonical order:
///
/// | member | value |
/// |---|---|
/// | `ballot_id` | string or `null` |
/// | `ballot_style` | string or `null` |
/// | `batch` | string or `null` (the card location's batch) |
/// | `contests` | array of `{"contest": <contest external id>, "marks": [...]}`, sorted by external id (UTF-16 order) |
/// | `counting_group` | string or `null` |
/// | `id` | the card id |
/// | `imprinted_id` | string or `null` |
/// | `position` | integer or `null` |
/// | `precinct` | string or `null` |
/// | `tabulator` | string or `null` |
/// | `type` | `"canvass.card.v1"` |
///
/// Each mark is `{"candidate": <candidate external id>, "rank": r}` or
/// `{"overvote": true, "rank": r}`, sorted by rank, then candidates before
/// overvotes, then candidate external id (UTF-16 order). A contest on the
/// card with no marks (an undervote) is kept with `"marks": []`.
///
/// Contests and candidates are named by the vendor's external ids, never by
/// canvass's internal indexes, so the encoding does not depend on the order in
/// which a reader met them. Where the card was read from (file and record) is
/// not part of the encoding: the same CVR gives the same leaf whatever the
/// file is called.
pub fn encode_card(
    election: &Election,
    card: &Card,
    out: &mut Vec<u8>,
) -> Result<(), EvidenceError> {
    out.clear();
    let card_id = || card.id.as_str().to_owned();
    // Resolve contests to external ids and sort them.
    let mut contests: Vec<(&str, &ContestVotes)> = Vec::with_capacity(card.contests.len());
    for votes in &card.contests {
        let contest =
            election
                .get_contest(votes.contest)
                .ok_or_else(|| EvidenceError::UnknownContest {
                    card: card_id(),
                    contest: votes.contest.0,
                })?;
        contests.push((contest.external_id.as_str(), votes));
    }
    contests.sort_by(|a, b| utf16_cmp(a.0, b.0));
    for pair in contests.windows(2) {
        if let [a, b] = pair
            && a.0 == b.0
        {
            return Err(EvidenceError::DuplicateContest {
                card: card_id(),
                contest: a.0.to_owned(),
            });
        }
    }

    let loc = &card.location;
    out.extend_from_slice(b"{\"ballot_id\":");
    write_opt_string(card.ballot_id.as_deref(), out);
    out.extend_from_slice(b",\"ballot_style\":");
    write_opt_string(card.ballot_style.as_deref(), out);
    out.extend_from_slice(b",\"batch\":");
    write_opt_string(loc.batch.as_deref(), out);
    out.extend_from_slice(b",\"contests\":[");
    let mut marks: Vec<(u32, Option<&str>)> = Vec::new();
    for (i, (external_id, votes)) in contests.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"contest\":");
        write_string(external_id, out);
        out.extend_from_slice(b",\"marks\":[");
        marks.clear();
        for Mark { rank, choice } in &votes.marks {
            let candidate = match choice {
                Choice::Candidate(id) => {
                    let contest = election.get_contest(votes.contest);
                    let name = contest.and_then(|c| c.candidate(*id)).ok_or_else(|| {
                        EvidenceError::UnknownCandidate {
                            card: card_id(),
                            contest: (*external_id).to_owned(),
                            candidate: id.0,
                        }
                    })?;
                    Some(name.external_id.as_str())
                }
                Choice::Overvote => None,
            };
            marks.push((*rank, candidate));
        }
        // Rank, then candidates (Some) before overvotes (None), then id.
        marks.sort_by(|a, b| {
            a.0.cmp(&b.0).then_with(|| match (a.1, b.1) {
                (Some(x), Some(y)) => utf16_cmp(x, y),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            })
        });
        for (j, (rank, candidate)) in marks.iter().enumerate() {
            if j > 0 {
                out.push(b',');
            }
            match candidate {
                Some(c) => {
                    out.extend_from_slice(b"{\"candidate\":");
                    write_string(c, out);
                }
                None => out.extend_from_slice(b"{\"overvote\":true"),
            }
            out.extend_from_slice(b",\"rank\":");
            write_u64(u64::from(*rank), out);
            out.push(b'}');
        }
        out.extend_from_slice(b"]}");
    }
    out.extend_from_slice(b"],\"counting_group\":");
    write_opt_string(card.counting_group.as_deref(), out);
    out.extend_from_slice(b",\"id\":");
    write_string(card.id.as_str(), out);
    out.extend_from_slice(b",\"imprinted_id\":");
    write_opt_string(loc.imprinted_id.as_deref(), out);
    out.extend_from_slice(b",\"position\":");
    match loc.position {
        Some(p) if p <= MAX_SAFE_INTEGER => write_u64(p, out),
        Some(p) => {
            return Err(EvidenceError::NotCanonical {
                path: format!("card {:?}.position", card.id.as_str()),
                reason: format!("integer {p} is beyond 2^53 - 1"),
            });
        }
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"precinct\":");
    write_opt_string(card.precinct.as_deref(), out);
    out.extend_from_slice(b",\"tabulator\":");
    write_opt_string(loc.tabulator.as_deref(), out);
    out.extend_from_slice(b",\"type\":");
    write_string(CARD_ENCODING, out);
    out.push(b'}');
    Ok(())
}

/// Write an unsigned integer in decimal (ECMAScript form for integers), without allocating.
fn write_u64(mut v: u64, out: &mut Vec<u8>) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        if let Some(b) = buf.get_mut(i) {
            *b = b'0' + (v % 10) as u8;
        }
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(buf.get(i..).unwrap_or_default());
}

fn write_opt_string(s: Option<&str>, out: &mut Vec<u8>) {
    match s {
        Some(s) => write_string(s, out),
        None => out.extend_from_slice(b"null"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: &str) {
        let value: Value = serde_json::from_str(input).unwrap_or(Value::Null);
        let got = to_canonical_json(&value).unwrap_or_default();
        assert_eq!(String::from_utf8_lossy(&got), expected, "input {input}");
    }

    #[test]
    fn rfc8785_section_3_2_2_example() {
        // RFC 8785 §3.2.2, the example's input and its canonical output.
        check(
            r#"{
              "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
              "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
              "literals": [null, true, false]
            }"#,
            "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],\"string\":\"€$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}",
        );
    }

    #[test]
    fn rfc8785_section_3_2_3_sorting_example() {
        // RFC 8785 §3.2.3: members sorted by UTF-16 code units.
        check(
            r#"{
              "\u20ac": "Euro Sign",
              "\r": "Carriage Return",
              "\ufb33": "Hebrew Letter Dalet With Dagesh",
              "1": "One",
              "\ud83d\ude00": "Emoji: Grinning Face",
              "\u0080": "Control",
              "\u00f6": "Latin Small Letter O With Diaeresis"
            }"#,
            "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\"ö\":\"Latin Small Letter O With Diaeresis\",\"€\":\"Euro Sign\",\"😀\":\"Emoji: Grinning Face\",\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}",
        );
    }

    #[test]
    fn rfc8785_appendix_b_numbers() {
        // RFC 8785 Appendix B: IEEE 754 bit patterns and their canonical text.
        let vectors: &[(u64, &str)] = &[
            (0x0000000000000000, "0"),
            (0x8000000000000000, "0"),
            (0x0000000000000001, "5e-324"),
            (0x8000000000000001, "-5e-324"),
            (0x7fefffffffffffff, "1.7976931348623157e+308"),
            (0xffefffffffffffff, "-1.7976931348623157e+308"),
            (0x4340000000000000, "9007199254740992"),
            (0xc340000000000000, "-9007199254740992"),
            (0x4430000000000000, "295147905179352830000"),
            (0x44b52d02c7e14af5, "9.999999999999997e+22"),
            (0x44b52d02c7e14af6, "1e+23"),
            (0x44b52d02c7e14af7, "1.0000000000000001e+23"),
            (0x444b1ae4d6e2ef4e, "999999999999999700000"),
            (0x444b1ae4d6e2ef4f, "999999999999999900000"),
            (0x444b1ae4d6e2ef50, "1e+21"),
            (0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"),
            (0x3eb0c6f7a0b5ed8d, "0.000001"),
            (0x41b3de4355555553, "333333333.3333332"),
            (0x41b3de4355555554, "333333333.33333325"),
            (0x41b3de4355555555, "333333333.3333333"),
            (0x41b3de4355555556, "333333333.3333334"),
            (0x41b3de4355555557, "333333333.33333343"),
            (0xbecbf647612f3696, "-0.0000033333333333333333"),
            (0x43143ff3c1cb0959, "1424953923781206.2"),
        ];
        for (bits, expected) in vectors {
            let got = ecmascript_number(f64::from_bits(*bits));
            assert_eq!(got.as_deref(), Some(*expected), "bits {bits:016x}");
        }
        assert_eq!(ecmascript_number(f64::NAN), None);
        assert_eq!(ecmascript_number(f64::INFINITY), None);
    }

    #[test]
    fn integers_beyond_2_pow_53_are_refused() {
        check(
            "[9007199254740991,-9007199254740991]",
            "[9007199254740991,-9007199254740991]",
        );
        let big = serde_json::json!({"a": [1, 9007199254740992u64]});
        let err = to_canonical_json(&big);
        assert!(
            matches!(&err, Err(EvidenceError::NotCanonical { path, .. }) if path == "$.a[1]"),
            "{err:?}"
        );
    }

    #[test]
    fn control_characters_are_escaped_in_lowercase_hex() {
        check(
            r#""\u0000\u001f\u007f\b\t\n\f\r""#,
            "\"\\u0000\\u001f\u{7f}\\b\\t\\n\\f\\r\"",
        );
    }
}
