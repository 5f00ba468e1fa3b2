//! The SHA-256 generator of Stark's `cryptorandom` package, as SHANGRLA uses
//! it to give every CVR a sample number (`CVR.assign_sample_nums`:
//! `sample_num = int_from_hash(prng.nextRandom())` with
//! `prng = SHA256(seed)`).
//!
//! Behaviour of `cryptorandom` 0.4 (statlab/cryptorandom,
//! `cryptorandom/cryptorandom.py`), established by running it (its docstring
//! describes an older scheme): the generator keeps one running SHA-256 state,
//! started with `utf8(str(seed) + ",")`; each output is the digest of the
//! state so far, after which one zero byte is absorbed. So output k
//! (k = 0, 1, 2, …) is
//!
//! `SHA-256(utf8(str(seed) + ",") ‖ 0x00 × k)`, read as a big-endian integer.
//!
//! `random()` divides an output by 2^256 (Python: `int * 2**-256`, i.e. the
//! integer rounded to the nearest double, then scaled exactly).

use rayon::prelude::*;
use sha2::{Digest, Sha256};

/// The generator for one seed, positioned at some output.
#[derive(Clone)]
pub struct CryptoRandom {
    state: Sha256,
    counter: u64,
}

/// 4 KiB of zeros, to jump ahead quickly.
const ZEROS: [u8; 4096] = [0u8; 4096];

impl CryptoRandom {
    /// The generator for `seed` (as Python's `str(seed)`), at output 0.
    pub fn new(seed: &str) -> CryptoRandom {
        let mut state = Sha256::new();
        state.update(seed.as_bytes());
        state.update(b",");
        CryptoRandom { state, counter: 0 }
    }

    /// Skip `n` outputs (the package's `jumpahead`): absorb `n` zero bytes.
    pub fn jump_ahead(&mut self, n: u64) {
        let mut left = n;
        while left > 0 {
            let step = left.min(ZEROS.len() as u64);
            self.state.update(ZEROS.get(..step as usize).unwrap_or(&[]));
            left -= step;
        }
        self.counter += n;
    }

    /// The index of the next output.
    pub fn counter(&self) -> u64 {
        self.counter
    }

    /// The next output (`nextRandom`) as 32 big-endian bytes.
    pub fn next_digest(&mut self) -> [u8; 32] {
        let out: [u8; 32] = self.state.clone().finalize().into();
        self.state.update([0u8]);
        self.counter += 1;
        out
    }

    /// The next output divided by 2^256 (`random()`).
    pub fn random(&mut self) -> f64 {
        digest_to_unit(&self.next_digest())
    }
}

/// A 256-bit big-endian integer times 2^-256, rounded as Python rounds
/// `int * 2**-256`: the integer to the nearest double (ties to even), then an
/// exact scaling by a power of two.
pub fn digest_to_unit(digest: &[u8; 32]) -> f64 {
    let mut limbs = [0u64; 4];
    for (limb, bytes) in limbs.iter_mut().zip(digest.chunks_exact(8)) {
        let mut b = [0u8; 8];
        b.copy_from_slice(bytes);
        *limb = u64::from_be_bytes(b);
    }
    let Some(first) = limbs.iter().position(|&l| l != 0) else {
        return 0.0;
    };
    // Normalise: the 64 bits starting at the leading one, plus a sticky bit
    // for anything below, which is 11 bits under the rounding position, so
    // the hardware's u64 -> f64 rounding is the correct rounding.
    let lz = limbs.get(first).map_or(0, |l| l.leading_zeros());
    let bit = |i: usize| limbs.get(i).copied().unwrap_or(0);
    let top = if lz == 0 {
        bit(first)
    } else {
        (bit(first) << lz) | (bit(first + 1) >> (64 - lz))
    };
    let rest_nonzero = (lz != 0 && (bit(first + 1) << lz) != 0)
        || limbs.iter().skip(first + 2).any(|&l| l != 0)
        || (lz == 0 && bit(first + 1) != 0);
    let mantissa = (top | u64::from(rest_nonzero)) as f64;
    // value = top * 2^(bits below top) ; bits below = 256 - 64*first - lz - 64.
    // times 2^-256: exponent = -(64*first + lz + 64).
    let shift = 64 * first as u32 + lz + 64;
    mantissa * f64::from_bits(u64::from(1023 - shift) << 52)
}

/// Sample numbers for `n` items: item k gets output k, as 32 big-endian
/// bytes. Computed in parallel: each chunk jumps ahead to its first output.
pub fn sample_numbers(seed: &str, n: usize) -> Vec<[u8; 32]> {
    const CHUNK: usize = 1 << 14;
    let base = CryptoRandom::new(seed);
    let chunks: Vec<Vec<[u8; 32]>> = (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            let start = c * CHUNK;
            let len = CHUNK.min(n - start);
            let mut g = base.clone();
            g.jump_ahead(start as u64);
            (0..len).map(|_| g.next_digest()).collect()
        })
        .collect();
    chunks.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jump_ahead_matches_stepping() {
        let mut a = CryptoRandom::new("seed");
        let mut b = CryptoRandom::new("seed");
        for _ in 0..5000 {
            a.next_digest();
        }
        b.jump_ahead(5000);
        assert_eq!(a.next_digest(), b.next_digest());
        assert_eq!(a.counter(), 5001);
    }

    #[test]
    fn parallel_sample_numbers_match_sequential() {
        let n = (1 << 14) * 2 + 17;
        let par = sample_numbers("x", n);
        let mut g = CryptoRandom::new("x");
        let seq: Vec<[u8; 32]> = (0..n).map(|_| g.next_digest()).collect();
        assert_eq!(par, seq);
    }

    #[test]
    fn unit_conversion_rounds_like_python() {
        // 2^255 -> 0.5 exactly; all ones -> rounds up to 1.0 as Python does.
        let mut half = [0u8; 32];
        half[0] = 0x80;
        assert_eq!(digest_to_unit(&half), 0.5);
        assert_eq!(digest_to_unit(&[0xff; 32]), 1.0);
        let mut one = [0u8; 32];
        one[31] = 1;
        assert_eq!(digest_to_unit(&one), 2f64.powi(-256));
        assert_eq!(digest_to_unit(&[0; 32]), 0.0);
    }
}
