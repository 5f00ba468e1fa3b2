//! Dates as registers write them: ISO `YYYY-MM-DD` or `YYYYMMDD`, with
//! parts that may be unknown (`0000`, `00`, or a shorter ISO form such as
//! `1950-07` or `1950`).
//!
//! A value of the right shape whose month or day is out of range (a keying
//! error such as `19601332`) is kept as written: in record linkage a typo is
//! evidence to weigh, not a reason to stop. A value of the wrong shape is an
//! error that names the file, row and field.

use std::fmt;

/// A date whose year, month and day may each be unknown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PartialDate {
    /// Year, 0 when unknown.
    pub year: u16,
    /// Month as written (normally 1–12), 0 when unknown.
    pub month: u8,
    /// Day as written (normally 1–31), 0 when unknown.
    pub day: u8,
}

impl PartialDate {
    /// Parse `YYYY-MM-DD`, `YYYY-MM`, `YYYY`, `YYYYMMDD` or `YYYYMM`;
    /// surrounding spaces are ignored. The empty string is `Ok(None)`.
    pub fn parse(text: &str) -> Result<Option<PartialDate>, String> {
        let t = text.trim();
        if t.is_empty() {
            return Ok(None);
        }
        let bad = || format!("`{t}` is not a date (YYYY-MM-DD or YYYYMMDD)");
        let num = |s: &str| -> Result<u32, String> {
            if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
                return Err(bad());
            }
            s.parse::<u32>().map_err(|_| bad())
        };
        let (y, m, d) = if t.contains('-') {
            let mut parts = t.split('-');
            let y = parts.next().ok_or_else(bad)?;
            let m = parts.next().unwrap_or("0");
            let d = parts.next().unwrap_or("0");
            if parts.next().is_some() || y.len() != 4 || m.len() > 2 || d.len() > 2 {
                return Err(bad());
            }
            (num(y)?, num(m)?, num(d)?)
        } else {
            match t.len() {
                4 => (num(t)?, 0, 0),
                6 => (num(&t[..4])?, num(&t[4..6])?, 0),
                8 => (num(&t[..4])?, num(&t[4..6])?, num(&t[6..8])?),
                _ => return Err(bad()),
            }
        };
        if y == 0 && m == 0 && d == 0 {
            return Ok(None);
        }
        Ok(Some(PartialDate {
            year: u16::try_from(y).map_err(|_| bad())?,
            month: u8::try_from(m).map_err(|_| bad())?,
            day: u8::try_from(d).map_err(|_| bad())?,
        }))
    }

    /// Whether all three parts are known.
    pub fn is_full(&self) -> bool {
        self.year != 0 && self.month != 0 && self.day != 0
    }

    /// The date packed as `YYYYMMDD` (unknown parts 0), which orders
    /// chronologically when both dates are full.
    pub fn packed(&self) -> u32 {
        u32::from(self.year) * 10_000 + u32::from(self.month) * 100 + u32::from(self.day)
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// How far two birth dates agree, the levels of the comparison vector
/// (after Enamorado, Fifield & Imai 2019, who use agree / partial /
/// disagree; we split partial agreement by the kind of keying error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DateAgreement {
    /// Year, month or day known on both sides disagrees beyond the levels below.
    Disagree = 0,
    /// Only the year agrees.
    YearOnly = 1,
    /// Two of the three parts agree (one mistyped part), or every part
    /// known on both sides agrees but some part is unknown on one side.
    TwoParts = 2,
    /// Year agrees and day and month are swapped (US vs European order).
    Transposed = 3,
    /// All three parts agree.
    Exact = 4,
}

/// Compare two birth dates; `None` when either is unknown.
pub fn compare(a: Option<PartialDate>, b: Option<PartialDate>) -> Option<DateAgreement> {
    let (a, b) = (a?, b?);
    if a.is_full() && b.is_full() {
        if a == b {
            return Some(DateAgreement::Exact);
        }
        let y = a.year == b.year;
        let m = a.month == b.month;
        let d = a.day == b.day;
        if y && a.month == b.day && a.day == b.month {
            return Some(DateAgreement::Transposed);
        }
        let agree = u8::from(y) + u8::from(m) + u8::from(d);
        return Some(if agree >= 2 {
            DateAgreement::TwoParts
        } else if y {
            DateAgreement::YearOnly
        } else {
            DateAgreement::Disagree
        });
    }
    // Missing parts: compare what both sides know.
    let part = |x: u32, y: u32| -> Option<bool> { (x != 0 && y != 0).then_some(x == y) };
    let y = part(a.year.into(), b.year.into());
    let m = part(a.month.into(), b.month.into());
    let d = part(a.day.into(), b.day.into());
    let known = [y, m, d];
    if known.iter().all(|k| k.is_none()) {
        return None;
    }
    if known.iter().all(|k| *k != Some(false)) {
        return Some(DateAgreement::TwoParts);
    }
    Some(if y == Some(true) {
        DateAgreement::YearOnly
    } else {
        DateAgreement::Disagree
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Option<PartialDate> {
        PartialDate::parse(s).unwrap()
    }

    #[test]
    fn parses_both_forms_and_partial_dates() {
        assert_eq!(d("1950-07-04"), d("19500704"));
        assert_eq!(d(" 19500704 "), d("1950-07-04"));
        assert_eq!(d("1950-07").unwrap().day, 0);
        assert_eq!(d("1950").unwrap().month, 0);
        assert_eq!(d("19500000").unwrap().year, 1950);
        assert_eq!(d(""), None);
        assert_eq!(d("00000000"), None);
        // A keying error of the right shape is kept.
        assert_eq!(d("19601332").unwrap().month, 13);
        for bad in [
            "1950/07/04",
            "195007041",
            "07-04-1950",
            "abcd",
            "1950-7-4-1",
            "1950-x",
        ] {
            assert!(PartialDate::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn agreement_levels() {
        use DateAgreement::*;
        let c = |a: &str, b: &str| compare(d(a), d(b));
        assert_eq!(c("19500704", "19500704"), Some(Exact));
        assert_eq!(c("19500704", "19500407"), Some(Transposed));
        assert_eq!(c("19500704", "19510704"), Some(TwoParts));
        assert_eq!(c("19500704", "19500705"), Some(TwoParts));
        assert_eq!(c("19500704", "19501122"), Some(YearOnly));
        assert_eq!(c("19500704", "19611122"), Some(Disagree));
        assert_eq!(c("1950", "19500704"), Some(TwoParts));
        assert_eq!(c("1950-07", "19500804"), Some(YearOnly));
        assert_eq!(c("1951", "19500704"), Some(Disagree));
        assert_eq!(c("", "19500704"), None);
    }

    #[test]
    fn packed_orders_chronologically() {
        assert!(d("2020-11-03").unwrap().packed() > d("2020-10-30").unwrap().packed());
    }
}
