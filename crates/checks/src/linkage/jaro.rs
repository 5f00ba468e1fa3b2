//! Jaro and Jaro–Winkler string similarity.
//!
//! Jaro (1989), "Advances in record-linkage methodology as applied to
//! matching the 1985 census of Tampa, Florida", JASA 84(406):414–420; the
//! prefix bonus of Winkler (1990), "String comparator metrics and enhanced
//! decision rules in the Fellegi–Sunter model of record linkage", Proc.
//! Section on Survey Research Methods, ASA, 354–359. Scaling factor 0.1 and
//! a common prefix of at most 4 characters, as in both papers.
//!
//! Works on `char`s; values of at most 64 characters (every name in a
//! register) use a stack bitmask, longer ones a heap buffer.

/// Jaro similarity in `[0, 1]`: 1 for equal strings, 0 for strings with no
/// characters in common within the matching window.
pub fn jaro(a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    let mut sa = [' '; 64];
    let mut sb = [' '; 64];
    let (va, vb);
    let (ca, cb): (&[char], &[char]) = if a.len() <= 64 && b.len() <= 64 {
        let mut n = 0;
        for (slot, c) in sa.iter_mut().zip(a.chars()) {
            *slot = c;
            n += 1;
        }
        let mut m = 0;
        for (slot, c) in sb.iter_mut().zip(b.chars()) {
            *slot = c;
            m += 1;
        }
        (&sa[..n], &sb[..m])
    } else {
        va = a.chars().collect::<Vec<_>>();
        vb = b.chars().collect::<Vec<_>>();
        (&va[..], &vb[..])
    };
    jaro_chars(ca, cb)
}

fn jaro_chars(a: &[char], b: &[char]) -> f64 {
    let (la, lb) = (a.len(), b.len());
    if la == 0 || lb == 0 {
        return 0.0;
    }
    let window = (la.max(lb) / 2).saturating_sub(1);
    let mut small_a = [false; 64];
    let mut small_b = [false; 64];
    let (mut big_a, mut big_b);
    let (matched_a, matched_b): (&mut [bool], &mut [bool]) = if la <= 64 && lb <= 64 {
        (&mut small_a[..la], &mut small_b[..lb])
    } else {
        big_a = vec![false; la];
        big_b = vec![false; lb];
        (&mut big_a[..], &mut big_b[..])
    };
    let mut matches = 0usize;
    for (i, ca) in a.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(lb);
        for j in lo..hi {
            if !matched_b[j] && b[j] == *ca {
                matched_b[j] = true;
                matched_a[i] = true;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    // Half the number of matched characters that are out of order.
    let mut transpositions = 0usize;
    let mut k = 0usize;
    for (i, ca) in a.iter().enumerate() {
        if !matched_a[i] {
            continue;
        }
        while k < lb && !matched_b[k] {
            k += 1;
        }
        if k < lb && b[k] != *ca {
            transpositions += 1;
        }
        k += 1;
    }
    let m = matches as f64;
    let t = (transpositions / 2) as f64;
    (m / la as f64 + m / lb as f64 + (m - t) / m) / 3.0
}

/// Jaro–Winkler similarity: Jaro plus `0.1 × prefix × (1 − jaro)` for a
/// common prefix of up to 4 characters, applied when Jaro exceeds 0.7
/// (Winkler's boost threshold).
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    let j = jaro(a, b);
    if j <= 0.7 {
        return j;
    }
    let prefix = a
        .chars()
        .zip(b.chars())
        .take(4)
        .take_while(|(x, y)| x == y)
        .count() as f64;
    j + 0.1 * prefix * (1.0 - j)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(x: f64, y: f64) -> bool {
        (x - y).abs() < 5e-4
    }

    /// Winkler (1990), table of comparator values; the same pairs appear in
    /// Cohen, Ravikumar & Fienberg (2003) and Christen (2012), ch. 5.
    #[test]
    fn published_values() {
        assert!(close(jaro("martha", "marhta"), 0.9444));
        assert!(close(jaro_winkler("martha", "marhta"), 0.9611));
        assert!(close(jaro("dwayne", "duane"), 0.8222));
        assert!(close(jaro_winkler("dwayne", "duane"), 0.8400));
        assert!(close(jaro("dixon", "dicksonx"), 0.7667));
        assert!(close(jaro_winkler("dixon", "dicksonx"), 0.8133));
        assert!(close(jaro_winkler("shackleford", "shackelford"), 0.9818));
        assert!(close(jaro_winkler("jones", "johnson"), 0.8323));
    }

    #[test]
    fn edge_cases() {
        assert_eq!(jaro_winkler("", ""), 1.0);
        assert_eq!(jaro_winkler("", "abc"), 0.0);
        assert_eq!(jaro_winkler("abc", ""), 0.0);
        assert_eq!(jaro_winkler("abc", "xyz"), 0.0);
        assert_eq!(jaro_winkler("a", "a"), 1.0);
        let long_a = "x".repeat(100) + "abc";
        let long_b = "x".repeat(100) + "acb";
        let v = jaro_winkler(&long_a, &long_b);
        assert!(v > 0.99 && v < 1.0);
    }

    /// Differential test against the `strsim` crate.
    #[test]
    fn agrees_with_strsim() {
        let words = [
            "smith",
            "smyth",
            "smithe",
            "jon",
            "john",
            "johnny",
            "jonathan",
            "mary",
            "marie",
            "maria",
            "o brien",
            "obrien",
            "zoë",
            "zoe",
            "ab",
            "ba",
            "abcdefg",
            "gfedcba",
            "kristensen",
            "christensen",
            "nguyen",
            "ngyuen",
            "",
        ];
        for a in words {
            for b in words {
                let ours = jaro_winkler(a, b);
                let theirs = strsim::jaro_winkler(a, b);
                assert!((ours - theirs).abs() < 1e-12, "{a} {b}: {ours} vs {theirs}");
            }
        }
    }
}
