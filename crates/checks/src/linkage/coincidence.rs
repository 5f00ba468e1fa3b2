//! How many pairs agree on name and birth date by coincidence alone.
//!
//! The birthday problem applied to voter files, after McDonald & Levitt
//! (2008), "Seeing double voting: an extension of the birthday problem",
//! Election Law Journal 7(2):111–122. The model, stated so it can be
//! checked:
//!
//! - Two different people who share a (first, last) name share a full
//!   birth date with probability q, independently of the name.
//! - q is taken from the files' own birth dates: q = Σₜ p_A(t) p_B(t), the
//!   chance that a random record of file A and a random record of file B
//!   were born on the same day t (for one file, q = Σₜ p(t)², over
//!   distinct records). This uses the real spread of birth dates (years
//!   with more births, deaths concentrated among the old) rather than the
//!   uniform 1/days of the textbook problem.
//! - With a_v records named v in A and b_v in B, a_v·b_v pairs share the
//!   name (C(k_v, 2) within one file), so the expected number of pairs
//!   agreeing on name and full birth date by coincidence is
//!   E = q · Σ_v a_v·b_v (or q · Σ_v C(k_v, 2)).
//!
//! The same-name pairs that are truly the same person are counted in Σ as
//! well; they are few next to the others, so E slightly overstates
//! coincidence, never understates it. Found pairs at the same agreement
//! (the naive claim-maker's method: exact name and birth date) are counted
//! alongside, so a reader sees both numbers.

use std::collections::HashMap;

use super::record::{Field, Record, Records, text_index};

/// The birthday-problem figures for a linkage.
#[derive(Debug, Clone, PartialEq)]
pub struct Coincidence {
    /// Pairs sharing first and last name (exact, after normalization),
    /// both with a full birth date.
    pub same_name_pairs: u64,
    /// q: chance that two unrelated records share a full birth date.
    pub same_birth_date_chance: f64,
    /// E = q × same-name pairs: expected pairs agreeing on name and full
    /// birth date by coincidence alone.
    pub expected: f64,
    /// Pairs that do agree exactly on first name, last name and full
    /// birth date (the naive method's matches).
    pub found: u64,
}

type NameKey = (u32, u32);

fn name_key(r: &Record) -> Option<(NameKey, u32)> {
    let f = *r.text.get(text_index(Field::FirstName)?)?;
    let l = *r.text.get(text_index(Field::LastName)?)?;
    let b = r.birth.filter(|b| b.is_full())?;
    (f != 0 && l != 0).then_some(((f, l), b.packed()))
}

struct Counts {
    names: HashMap<NameKey, u64>,
    dates: HashMap<u32, u64>,
    name_dates: HashMap<(NameKey, u32), u64>,
    total: u64,
}

fn counts(file: &Records) -> Counts {
    let mut c = Counts {
        names: HashMap::new(),
        dates: HashMap::new(),
        name_dates: HashMap::new(),
        total: 0,
    };
    for r in &file.records {
        if let Some((name, date)) = name_key(r) {
            *c.names.entry(name).or_insert(0) += 1;
            *c.dates.entry(date).or_insert(0) += 1;
            *c.name_dates.entry((name, date)).or_insert(0) += 1;
            c.total += 1;
        }
    }
    c
}

/// Between two files (voters and deaths, or two states' voters).
pub fn between(a: &Records, b: &Records) -> Coincidence {
    let (ca, cb) = (counts(a), counts(b));
    // Sums over hash maps are order-independent for integers; the float
    // sum runs over sorted keys so it is bit-identical on every run.
    let same_name_pairs: u64 = ca
        .names
        .iter()
        .map(|(k, n)| n * cb.names.get(k).copied().unwrap_or(0))
        .sum();
    let found: u64 = ca
        .name_dates
        .iter()
        .map(|(k, n)| n * cb.name_dates.get(k).copied().unwrap_or(0))
        .sum();
    let mut dates: Vec<(&u32, &u64)> = ca.dates.iter().collect();
    dates.sort_unstable();
    let (ta, tb) = (ca.total.max(1) as f64, cb.total.max(1) as f64);
    let q: f64 = dates
        .into_iter()
        .map(|(d, n)| (*n as f64 / ta) * (cb.dates.get(d).copied().unwrap_or(0) as f64 / tb))
        .sum();
    Coincidence {
        same_name_pairs,
        same_birth_date_chance: q,
        expected: q * same_name_pairs as f64,
        found,
    }
}

/// Within one file.
pub fn within(a: &Records) -> Coincidence {
    let c = counts(a);
    let pairs = |n: u64| n * n.saturating_sub(1) / 2;
    let same_name_pairs: u64 = c.names.values().map(|&n| pairs(n)).sum();
    let found: u64 = c.name_dates.values().map(|&n| pairs(n)).sum();
    let mut dates: Vec<(&u32, &u64)> = c.dates.iter().collect();
    dates.sort_unstable();
    // Σ n_t(n_t − 1) / (N(N − 1)): two distinct records on the same day.
    let t = c.total as f64;
    let q = if c.total < 2 {
        0.0
    } else {
        dates
            .into_iter()
            .map(|(_, &n)| n as f64 * (n as f64 - 1.0))
            .sum::<f64>()
            / (t * (t - 1.0))
    };
    Coincidence {
        same_name_pairs,
        same_birth_date_chance: q,
        expected: q * same_name_pairs as f64,
        found,
    }
}

#[cfg(test)]
mod tests {
    use super::super::record::Vocabulary;
    use super::*;

    fn file(v: &mut Vocabulary, rows: &[(&str, &str, &str)]) -> Records {
        let mut r = Records::default();
        for (i, (f, l, b)) in rows.iter().enumerate() {
            r.push_raw(
                v,
                &i.to_string(),
                &[
                    (Field::FirstName, f),
                    (Field::LastName, l),
                    (Field::BirthDate, b),
                ],
            )
            .unwrap();
        }
        r
    }

    #[test]
    fn counts_pairs_and_expectation_by_hand() {
        let mut v = Vocabulary::new();
        let a = file(
            &mut v,
            &[
                ("john", "smith", "19500101"),
                ("john", "smith", "19600202"),
                ("mary", "jones", "19500101"),
                ("ann", "lee", "19700303"),
            ],
        );
        let b = file(
            &mut v,
            &[("john", "smith", "19500101"), ("mary", "jones", "19600202")],
        );
        let c = between(&a, &b);
        // john smith: 2×1, mary jones: 1×1.
        assert_eq!(c.same_name_pairs, 3);
        assert_eq!(c.found, 1);
        // p_A: 1950-01-01 2/4, 1960-02-02 1/4, 1970 1/4; p_B: 1/2, 1/2.
        let q = 0.5 * 0.5 + 0.25 * 0.5;
        assert!((c.same_birth_date_chance - q).abs() < 1e-15);
        assert!((c.expected - 3.0 * q).abs() < 1e-12);

        let w = within(&a);
        assert_eq!(w.same_name_pairs, 1);
        assert_eq!(w.found, 0);
        // Dates 2,1,1 of 4: Σ n(n−1) = 2, / (4·3).
        assert!((w.same_birth_date_chance - 2.0 / 12.0).abs() < 1e-15);
    }

    /// The textbook birthday problem: 300 people sharing a name, birth
    /// dates uniform over 80 years, expect C(300,2)/29,220 ≈ 1.53 pairs.
    #[test]
    fn uniform_birth_dates_give_the_textbook_figure() {
        let mut v = Vocabulary::new();
        let days = 80 * 365 + 20;
        let rows: Vec<(String, String, String)> = (0..days)
            .map(|d| {
                let date = chrono_free_date(d);
                ("x".to_string(), format!("n{d}"), date)
            })
            .collect();
        let refs: Vec<(&str, &str, &str)> = rows
            .iter()
            .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
            .collect();
        let f = file(&mut v, &refs);
        let w = within(&f);
        // Every date appears once, so q = 0 within the file (no two share).
        assert_eq!(w.same_birth_date_chance, 0.0);
        // Against a file holding each date once, q = 1/days.
        let c = between(&f, &f);
        assert!((c.same_birth_date_chance - 1.0 / days as f64).abs() < 1e-12);
        let e = 300.0 * 299.0 / 2.0 * c.same_birth_date_chance;
        assert!((e - 1.53).abs() < 0.01, "{e}");
    }

    /// Distinct YYYYMMDD values: the d-th day counting 28-day months from 1900.
    fn chrono_free_date(d: usize) -> String {
        let y = 1900 + d / (12 * 28);
        let m = 1 + (d / 28) % 12;
        let day = 1 + d % 28;
        format!("{y:04}{m:02}{day:02}")
    }
}
