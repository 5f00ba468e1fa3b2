//! Dates and local times as the records write them.
//!
//! A [`Moment`] is a civil date with an optional time of day, counted in
//! minutes from 1970-01-01 00:00 *in the jurisdiction's local time*: deadlines
//! in statutes are local ("8:00 p.m. on election day"), and so are the time
//! stamps in a county's logs, so no time zone is applied.

/// A date, or a date and a time of day, in local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Moment {
    /// Minutes since 1970-01-01 00:00 local time.
    pub minutes: i64,
    /// Whether a time of day was given (otherwise `minutes` is the day's start).
    pub has_time: bool,
}

/// Days from 1970-01-01 to a civil date (proleptic Gregorian).
///
/// Howard Hinnant, "chrono-Compatible Low-Level Date Algorithms",
/// `days_from_civil` (2013).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count (inverse of [`days_from_civil`]; same source).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

fn num(s: &str) -> Option<i64> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

impl Moment {
    /// Parse `YYYY-MM-DD`, `YYYYMMDD` or `MM/DD/YYYY`, optionally followed by
    /// `T` or a space and `HH:MM` or `HH:MM:SS` (seconds are dropped).
    pub fn parse(text: &str) -> Result<Moment, String> {
        let text = text.trim();
        let (date, time) = match text.split_once(['T', ' ']) {
            Some((d, t)) => (d, Some(t.trim())),
            None => (text, None),
        };
        let (y, m, d) = if let Some((m, rest)) = date.split_once('/') {
            let (d, y) = rest.split_once('/').ok_or("expected MM/DD/YYYY")?;
            (num(y), num(m), num(d))
        } else if date.len() == 8 && !date.contains('-') {
            (num(&date[..4]), num(&date[4..6]), num(&date[6..]))
        } else {
            let mut parts = date.splitn(3, '-');
            let y = parts.next().and_then(num);
            let m = parts.next().and_then(num);
            let d = parts.next().and_then(num);
            (y, m, d)
        };
        let (Some(y), Some(m), Some(d)) = (y, m, d) else {
            return Err("expected a date as YYYY-MM-DD, YYYYMMDD or MM/DD/YYYY".into());
        };
        if !(1..=12).contains(&m) || !(1000..=9999).contains(&y) {
            return Err("month or year out of range".into());
        }
        let m = m as u32;
        if d < 1 || d > i64::from(days_in_month(y, m)) {
            return Err("day out of range for the month".into());
        }
        let day_minutes = days_from_civil(y, m, d as u32) * 1440;
        let Some(time) = time else {
            return Ok(Moment {
                minutes: day_minutes,
                has_time: false,
            });
        };
        let mut parts = time.split(':');
        let h = parts.next().and_then(num);
        let mi = parts.next().and_then(num);
        let s = parts.next().map(num);
        if parts.next().is_some() || matches!(s, Some(None)) {
            return Err("expected a time as HH:MM or HH:MM:SS".into());
        }
        match (h, mi) {
            (Some(h), Some(mi)) if h < 24 && mi < 60 => Ok(Moment {
                minutes: day_minutes + h * 60 + mi,
                has_time: true,
            }),
            _ => Err("expected a time as HH:MM or HH:MM:SS".into()),
        }
    }

    /// The day (days since 1970-01-01).
    pub fn day(self) -> i64 {
        self.minutes.div_euclid(1440)
    }

    /// The same moment `days` days later.
    pub fn plus_days(self, days: i64) -> Moment {
        Moment {
            minutes: self.minutes + days * 1440,
            has_time: self.has_time,
        }
    }

    /// True when `self` is no later than `deadline`. When either side has no
    /// time of day, only the dates are compared (a record that says only
    /// "received 2020-11-03" meets a deadline of 8 p.m. that day).
    pub fn no_later_than(self, deadline: Moment) -> bool {
        if self.has_time && deadline.has_time {
            self.minutes <= deadline.minutes
        } else {
            self.day() <= deadline.day()
        }
    }
}

impl std::fmt::Display for Moment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (y, m, d) = civil_from_days(self.day());
        write!(f, "{y:04}-{m:02}-{d:02}")?;
        if self.has_time {
            let t = self.minutes.rem_euclid(1440);
            write!(f, "T{:02}:{:02}", t / 60, t % 60)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_forms() {
        for s in [
            "2020-11-03",
            "2020-11-03T20:00",
            "1999-12-31T23:59",
            "2000-02-29",
        ] {
            assert_eq!(Moment::parse(s).unwrap().to_string(), s);
        }
        assert_eq!(
            Moment::parse("20201103").unwrap(),
            Moment::parse("11/03/2020").unwrap()
        );
        assert_eq!(
            Moment::parse("2020-11-03 20:00:59").unwrap().to_string(),
            "2020-11-03T20:00"
        );
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(days_from_civil(2020, 11, 6)), (2020, 11, 6));
    }

    #[test]
    fn rejects_nonsense() {
        for s in [
            "2021-02-29",
            "2020-13-01",
            "x",
            "2020-11-03T25:00",
            "11/3",
            "",
        ] {
            assert!(Moment::parse(s).is_err(), "{s}");
        }
    }

    #[test]
    fn date_only_compares_by_day() {
        let deadline = Moment::parse("2020-11-03T20:00").unwrap();
        assert!(Moment::parse("2020-11-03").unwrap().no_later_than(deadline));
        assert!(!Moment::parse("2020-11-04").unwrap().no_later_than(deadline));
        assert!(
            !Moment::parse("2020-11-03T20:01")
                .unwrap()
                .no_later_than(deadline)
        );
    }
}
