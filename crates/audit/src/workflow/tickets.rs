//! Rivest's consistent-sampler ticket numbers, as Arlo uses them.
//!
//! This is the smallest piece of the sampler the workflow needs (the first
//! ticket of every card, for sampling without replacement); `crate::sampler`
//! owns the full sampler and this module goes once that lands.
//!
//! Algorithm (Rivest, `consistent_sampler`, facts from PUBLISHED.md §1):
//! `sha256_uniform(x)` writes `int(sha256_hex(x), 16)` in decimal, zero-padded
//! to at least 64 digits, reverses the digits and reads them as `0.<digits>`;
//! the ticket of `id` is `sha256_uniform(sha256_hex(seed) + str(id))`. Tickets
//! compare as strings, so we keep the digit string itself.

use num_bigint::BigUint;
use sha2::{Digest, Sha256};

/// The digits after `0.` of `sha256_uniform(text)`.
pub(crate) fn uniform_digits(text: &str) -> String {
    let hash = Sha256::digest(text.as_bytes());
    let decimal = BigUint::from_bytes_be(&hash).to_str_radix(10);
    let padded = format!("{decimal:0>64}");
    padded.chars().rev().collect()
}

/// The digits of the first ticket of `id` under `seed`
/// (`first_fraction(id, seed)`).
pub(crate) fn first_ticket(id: &str, seed: &str) -> String {
    let seed_hex = hex::encode(Sha256::digest(seed.as_bytes()));
    uniform_digits(&format!("{seed_hex}{id}"))
}

/// Python's `str()` of the tuple `(batch, position)`, which is what Arlo hashes
/// for the card at `position` (1-based) of `batch`: `('pct 2', 3)`.
pub(crate) fn arlo_card_id(batch: &str, position: u64) -> String {
    format!("({}, {position})", python_str_repr(batch))
}

/// Python's `repr()` of a string: single quotes unless the text holds a single
/// quote and no double quote; backslash, the quote and control characters
/// escaped. (Non-ASCII printable characters are kept, as Python 3 does;
/// non-printable non-ASCII characters, which Python would escape, are not
/// expected in batch names.)
pub(crate) fn python_str_repr(s: &str) -> String {
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
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // PUBLISHED.md §1a: sha256_uniform("abc").
    #[test]
    fn sha256_uniform_abc() {
        assert_eq!(
            format!("0.{}", uniform_digits("abc")),
            "0.56998071861792858926477341561059638840106636224182943832566300809078486324348"
        );
    }

    // PUBLISHED.md §1a: first_fraction('AB-130', '01382438112797316654').
    #[test]
    fn first_fraction_ab_130() {
        assert_eq!(
            format!("0.{}", first_ticket("AB-130", "01382438112797316654")),
            "0.26299714122838008416507544297546663599715395525154425586041245287750224561854"
        );
    }

    fn without_replacement(ids: &[&str], seed: &str, take: usize) -> Vec<String> {
        let mut t: Vec<(String, &str)> = ids.iter().map(|i| (first_ticket(i, seed), *i)).collect();
        t.sort();
        t.into_iter()
            .take(take)
            .map(|(_, i)| i.to_owned())
            .collect()
    }

    // PUBLISHED.md §1a: sampler(['A-1',...,'B-3'], with_replacement=False, take=4, seed=314159).
    #[test]
    fn rivest_readme_without_replacement() {
        let ids = ["A-1", "A-2", "A-3", "B-1", "B-2", "B-3"];
        assert_eq!(
            without_replacement(&ids, "314159", 4),
            ["B-2", "B-3", "A-3", "A-2"]
        );
        assert_eq!(
            without_replacement(&["a", "b", "c", "d"], "31", 4),
            ["b", "a", "d", "c"]
        );
        let range: Vec<String> = (0..100).map(|i| i.to_string()).collect();
        let refs: Vec<&str> = range.iter().map(String::as_str).collect();
        assert_eq!(
            without_replacement(&refs, "41", 10),
            ["73", "51", "17", "58", "38", "42", "39", "20", "11", "67"]
        );
    }

    // PUBLISHED.md §1b: Arlo's snapshot; the first draws with replacement are the
    // cards with the smallest first tickets.
    #[test]
    fn arlo_snapshot_first_tickets() {
        let seed = "12345678901234567890abcdefghijklmnopqrstuvwxyz😊";
        let mut t = Vec::new();
        for b in 1..=4 {
            for k in 1..=25u64 {
                let id = arlo_card_id(&format!("pct {b}"), k);
                t.push((first_ticket(&id, seed), id));
            }
        }
        t.sort();
        let first: Vec<(String, &str)> = t
            .iter()
            .take(3)
            .map(|(d, id)| (format!("0.{}", &d[..18]), id.as_str()))
            .collect();
        assert_eq!(
            first,
            [
                ("0.000617786129909912".to_owned(), "('pct 2', 3)"),
                ("0.002991631653037245".to_owned(), "('pct 3', 24)"),
                ("0.012057030610635061".to_owned(), "('pct 1', 25)"),
            ]
        );
    }

    #[test]
    fn python_repr_of_strings() {
        for (s, want) in [
            ("pct 2", "'pct 2'"),
            ("O'Brien", "\"O'Brien\""),
            ("a'b\"c", "'a\\'b\"c'"),
            ("back\\slash", "'back\\\\slash'"),
            ("tab\there", "'tab\\there'"),
            ("é😊", "'é😊'"),
        ] {
            assert_eq!(python_str_repr(s), want, "{s}");
        }
    }
}
