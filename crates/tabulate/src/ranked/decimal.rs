//! Exact decimal numbers with a scale, as RCTab's `java.math.BigDecimal`
//! arithmetic produces them.
//!
//! A value is `unscaled / 10^scale`. Addition keeps the larger scale,
//! multiplication adds scales, and the two rounding operations RCTab uses
//! (truncating a product or a quotient to `decimalPlacesForVoteArithmetic`
//! places) are explicit. The scale is kept because RCTab prints it: a tally
//! that received a fractional transfer prints as `9452.0000`, one that did not
//! prints as `9452`. No floating point is involved anywhere.

use std::cmp::Ordering;
use std::fmt;

/// An exact decimal: `unscaled × 10^-scale`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Decimal {
    unscaled: i128,
    scale: u32,
}

/// How a division or rescaling rounds (Java's `RoundingMode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rounding {
    /// Toward zero (truncate).
    Down,
    /// Away from zero.
    Up,
}

/// Arithmetic overflowed 128 bits (only with absurd decimal places).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Overflow;

fn pow10(n: u32) -> Result<i128, Overflow> {
    10i128.checked_pow(n).ok_or(Overflow)
}

impl Decimal {
    /// Zero with scale 0.
    pub const ZERO: Decimal = Decimal {
        unscaled: 0,
        scale: 0,
    };
    /// One with scale 0.
    pub const ONE: Decimal = Decimal {
        unscaled: 1,
        scale: 0,
    };

    /// `unscaled × 10^-scale`.
    pub fn new(unscaled: i128, scale: u32) -> Decimal {
        Decimal { unscaled, scale }
    }

    /// A whole number (scale 0).
    pub fn from_int(n: i128) -> Decimal {
        Decimal {
            unscaled: n,
            scale: 0,
        }
    }

    /// The scale (number of digits after the point).
    pub fn scale(self) -> u32 {
        self.scale
    }

    /// The unscaled integer.
    pub fn unscaled(self) -> i128 {
        self.unscaled
    }

    /// -1, 0 or 1.
    pub fn signum(self) -> i32 {
        self.unscaled.signum() as i32
    }

    /// Parse plain decimal text such as `"15"`, `"0.15"` or `"-2.5"`.
    pub fn parse(s: &str) -> Option<Decimal> {
        let s = s.trim();
        let (neg, digits) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s.strip_prefix('+').unwrap_or(s)),
        };
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        if !int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) {
            return None;
        }
        let mut unscaled: i128 = 0;
        for c in int.chars().chain(frac.chars()) {
            unscaled = unscaled
                .checked_mul(10)?
                .checked_add(i128::from(c as u8 - b'0'))?;
        }
        Some(Decimal {
            unscaled: if neg { -unscaled } else { unscaled },
            scale: u32::try_from(frac.len()).ok()?,
        })
    }

    fn rescale_up(self, scale: u32) -> Result<i128, Overflow> {
        debug_assert!(scale >= self.scale);
        self.unscaled
            .checked_mul(pow10(scale - self.scale)?)
            .ok_or(Overflow)
    }

    /// `self + other`, with the larger scale.
    pub fn plus(self, other: Decimal) -> Result<Decimal, Overflow> {
        let scale = self.scale.max(other.scale);
        let a = self.rescale_up(scale)?;
        let b = other.rescale_up(scale)?;
        Ok(Decimal {
            unscaled: a.checked_add(b).ok_or(Overflow)?,
            scale,
        })
    }

    /// `self - other`, with the larger scale.
    pub fn minus(self, other: Decimal) -> Result<Decimal, Overflow> {
        self.plus(Decimal {
            unscaled: -other.unscaled,
            scale: other.scale,
        })
    }

    /// `self × other`, exact (scales add).
    pub fn times(self, other: Decimal) -> Result<Decimal, Overflow> {
        Ok(Decimal {
            unscaled: self.unscaled.checked_mul(other.unscaled).ok_or(Overflow)?,
            scale: self.scale.checked_add(other.scale).ok_or(Overflow)?,
        })
    }

    /// `self × n` for a whole number `n`, exact.
    pub fn mul_int(self, n: u64) -> Result<Decimal, Overflow> {
        Ok(Decimal {
            unscaled: self.unscaled.checked_mul(i128::from(n)).ok_or(Overflow)?,
            scale: self.scale,
        })
    }

    /// `setScale(scale, rounding)`.
    pub fn set_scale(self, scale: u32, rounding: Rounding) -> Result<Decimal, Overflow> {
        if scale >= self.scale {
            return Ok(Decimal {
                unscaled: self.rescale_up(scale)?,
                scale,
            });
        }
        let d = pow10(self.scale - scale)?;
        Ok(Decimal {
            unscaled: div_round(self.unscaled, d, rounding),
            scale,
        })
    }

    /// `self.divide(other, scale, rounding)`. `None` on division by zero.
    pub fn div(self, other: Decimal, scale: u32, rounding: Rounding) -> Option<Decimal> {
        if other.unscaled == 0 {
            return None;
        }
        // self/other × 10^scale = self.u × 10^(other.s + scale) / (other.u × 10^self.s)
        let num = self
            .unscaled
            .checked_mul(pow10(other.scale.checked_add(scale)?).ok()?)?;
        let den = other.unscaled.checked_mul(pow10(self.scale).ok()?)?;
        Some(Decimal {
            unscaled: div_round(num, den, rounding),
            scale,
        })
    }

    /// Numeric comparison, ignoring scale (`compareTo`).
    pub fn cmp_value(self, other: Decimal) -> Ordering {
        let scale = self.scale.max(other.scale);
        match (self.rescale_up(scale), other.rescale_up(scale)) {
            (Ok(a), Ok(b)) => a.cmp(&b),
            // Only reachable with absurd scales; fall back to a coarse order.
            _ => (self.unscaled.signum(), self.unscaled)
                .cmp(&(other.unscaled.signum(), other.unscaled)),
        }
    }
}

fn div_round(num: i128, den: i128, rounding: Rounding) -> i128 {
    let q = num / den;
    let r = num % den;
    match rounding {
        Rounding::Down => q,
        Rounding::Up => {
            if r == 0 {
                q
            } else if (num < 0) != (den < 0) {
                q - 1
            } else {
                q + 1
            }
        }
    }
}

impl PartialEq for Decimal {
    fn eq(&self, other: &Decimal) -> bool {
        self.cmp_value(*other) == Ordering::Equal
    }
}
impl Eq for Decimal {}
impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Decimal) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Decimal {
    fn cmp(&self, other: &Decimal) -> Ordering {
        self.cmp_value(*other)
    }
}

/// `BigDecimal.toString()`: plain notation unless the adjusted exponent is
/// below -6, then scientific (`1E-8`).
impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let neg = self.unscaled < 0;
        let digits = self.unscaled.unsigned_abs().to_string();
        let scale = i64::from(self.scale);
        let adjusted = digits.len() as i64 - 1 - scale;
        let sign = if neg { "-" } else { "" };
        if scale == 0 {
            return write!(f, "{sign}{digits}");
        }
        if adjusted >= -6 {
            let n = digits.len() as i64;
            if n > scale {
                let (int, frac) = digits.split_at((n - scale) as usize);
                write!(f, "{sign}{int}.{frac}")
            } else {
                let zeros = "0".repeat((scale - n) as usize);
                write!(f, "{sign}0.{zeros}{digits}")
            }
        } else {
            let (first, rest) = digits.split_at(1);
            let exp = if adjusted >= 0 {
                format!("+{adjusted}")
            } else {
                adjusted.to_string()
            };
            if rest.is_empty() {
                write!(f, "{sign}{first}E{exp}")
            } else {
                write!(f, "{sign}{first}.{rest}E{exp}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::parse(s).unwrap_or_default()
    }

    #[test]
    fn prints_like_big_decimal() {
        for (v, s, text) in [
            (0, 0, "0"),
            (0, 4, "0.0000"),
            (94520000, 4, "9452.0000"),
            (72501, 4, "7.2501"),
            (3, 4, "0.0003"),
            (-15, 1, "-1.5"),
            (1, 8, "1E-8"),
            (0, 20, "0E-20"),
            (405, 2, "4.05"),
        ] {
            assert_eq!(Decimal::new(v, s).to_string(), text);
        }
    }

    #[test]
    fn scales_follow_big_decimal() {
        // ONE - 0.0000 keeps scale 4
        let x = Decimal::ONE.minus(d("0.0000")).unwrap_or_default();
        assert_eq!(x.to_string(), "1.0000");
        // 27 × 0.15 = 4.05
        assert_eq!(
            Decimal::from_int(27)
                .times(d("0.15"))
                .unwrap_or_default()
                .to_string(),
            "4.05"
        );
        // threshold: 29 / 4 DOWN 4 places + 0.0001 = 7.2501
        let t = Decimal::from_int(29)
            .div(Decimal::from_int(4), 4, Rounding::Down)
            .unwrap_or_default()
            .plus(d("0.0001"))
            .unwrap_or_default();
        assert_eq!(t.to_string(), "7.2501");
        // Hare: ceiling
        let h = Decimal::from_int(59463)
            .div(Decimal::from_int(3), 0, Rounding::Up)
            .unwrap_or_default();
        assert_eq!(h.to_string(), "19821");
        assert_eq!(
            d("2.5")
                .set_scale(0, Rounding::Down)
                .unwrap_or_default()
                .to_string(),
            "2"
        );
        assert!(d("9452.0000") == d("9452"));
    }
}
