//! The SHA-256 `seed,counter` generator of Colorado's RLA software.
//!
//! Reference: FreeAndFair/ColoradoRLA,
//! `corla/crypto/PseudoRandomNumberGenerator.java` (after Stark's
//! `sha256Rand` and Rivest's `sampler.py`):
//!
//! for count = 1, 2, …: `h = SHA-256(utf8(seed + "," + count))` read as an
//! unsigned big-endian integer; `pick = min + (h mod (max − min + 1))`.
//! Without replacement a pick already drawn is skipped; the counter still
//! advances.
//!
//! Colorado requires a seed of at least 20 decimal digits; this module hashes
//! any seed as given and leaves that policy to the caller.

use super::SamplerError;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

/// One value drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CounterDraw {
    /// 1-based position in the sample.
    pub draw: u64,
    /// The counter whose hash gave the value (equal to `draw` with
    /// replacement; larger when repeats were skipped).
    pub counter: u64,
    /// The value, in `min..=max`.
    pub value: i64,
}

/// `h mod m` for a 256-bit big-endian `h` and `1 <= m <= 2^64`, by Horner's
/// rule over 64-bit limbs (the remainder stays below 2^64, so the shifted
/// value fits in 128 bits).
fn digest_mod(digest: &[u8; 32], m: u128) -> u128 {
    let mut r: u128 = 0;
    for limb in digest.chunks_exact(8) {
        let mut b = [0u8; 8];
        b.copy_from_slice(limb);
        r = ((r << 64) | u128::from(u64::from_be_bytes(b))) % m;
    }
    r
}

/// The pick for one counter value.
pub fn pick(seed: &str, counter: u64, min: i64, max: i64) -> Result<i64, SamplerError> {
    let size = range_size(min, max)?;
    let digest: [u8; 32] = Sha256::digest(format!("{seed},{counter}").as_bytes()).into();
    let offset = digest_mod(&digest, size);
    // offset < size = max - min + 1, so min + offset <= max fits in i64.
    Ok(i64::try_from(i128::from(min) + offset as i128).unwrap_or(max))
}

/// The number of values in `min..=max`.
fn range_size(min: i64, max: i64) -> Result<u128, SamplerError> {
    if min > max {
        return Err(SamplerError::EmptyRange { min, max });
    }
    Ok((i128::from(max) - i128::from(min) + 1) as u128)
}

/// The first `count` draws from `min..=max`.
pub fn draws(
    seed: &str,
    min: i64,
    max: i64,
    count: u64,
    with_replacement: bool,
) -> Result<Vec<CounterDraw>, SamplerError> {
    let size = range_size(min, max)?;
    if !with_replacement && u128::from(count) > size {
        return Err(SamplerError::RangeTooSmall {
            count,
            min,
            max,
            size,
        });
    }
    let mut out = Vec::with_capacity(usize::try_from(count.min(1 << 20)).unwrap_or(0));
    let mut seen = BTreeSet::new();
    let mut counter: u64 = 0;
    while (out.len() as u64) < count {
        counter += 1;
        let value = pick(seed, counter, min, max)?;
        if with_replacement || seen.insert(value) {
            out.push(CounterDraw {
                draw: out.len() as u64 + 1,
                counter,
                value,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_i64_range_is_allowed() {
        let d = draws("1", i64::MIN, i64::MAX, 3, true).unwrap();
        assert_eq!(d.len(), 3);
    }

    #[test]
    fn a_one_value_range_always_gives_it() {
        let d = draws("x", 5, 5, 3, true).unwrap();
        assert!(d.iter().all(|d| d.value == 5));
    }

    #[test]
    fn reversed_and_too_small_ranges_are_refused() {
        assert_eq!(
            draws("x", 2, 1, 1, true),
            Err(SamplerError::EmptyRange { min: 2, max: 1 })
        );
        assert!(matches!(
            draws("x", 1, 3, 4, false),
            Err(SamplerError::RangeTooSmall { size: 3, .. })
        ));
        // Exactly the whole range without replacement terminates.
        let mut all: Vec<i64> = draws("x", 1, 3, 3, false)
            .unwrap()
            .iter()
            .map(|d| d.value)
            .collect();
        all.sort();
        assert_eq!(all, [1, 2, 3]);
    }
}
