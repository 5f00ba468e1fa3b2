//! Merkle consistency proofs: RFC 9162 §2.1.4.1 (generation) and §2.1.4.2
//! (verification).

use crate::EvidenceError;
use crate::merkle::{Hash, MerkleTree, node_hash, split_point};
use serde::{Deserialize, Serialize};

/// A proof that the tree of `first_size` leaves is a prefix of the tree of
/// `second_size` leaves: the consistency path of RFC 9162 §2.1.4.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsistencyProof {
    /// The older tree size.
    pub first_size: u64,
    /// The newer tree size.
    pub second_size: u64,
    /// The consistency path, hex-encoded in JSON.
    #[serde(with = "crate::hex_hashes")]
    pub path: Vec<Hash>,
}

impl MerkleTree {
    /// The consistency proof between the tree at `first` leaves and the
    /// tree at `second` leaves (RFC 9162 §2.1.4.1), `first <= second <= size`.
    ///
    /// RFC 9162 defines the proof for `0 < first < second`; for `first == 0`
    /// and `first == second` the proof is empty (every tree extends the empty
    /// tree, and a tree is consistent with itself), as
    /// [`verify_consistency`] expects.
    pub fn consistency_proof(
        &self,
        first: u64,
        second: u64,
    ) -> Result<ConsistencyProof, EvidenceError> {
        let n = self.prefix(second)?.len();
        if first > second {
            return Err(EvidenceError::SizeOutOfRange {
                size: first,
                available: second,
            });
        }
        let mut path = Vec::new();
        if first > 0 && first < second {
            // PROOF(m, D_n) = SUBPROOF(m, D_n, true)
            let m = usize::try_from(first).map_err(|_| EvidenceError::TooLarge {
                what: "tree size",
                value: first,
            })?;
            subproof(self, m, 0, n, true, &mut path);
        }
        Ok(ConsistencyProof {
            first_size: first,
            second_size: second,
            path,
        })
    }
}

/// `SUBPROOF(m, D[start:end], b)` of RFC 9162 §2.1.4.1, appended to `out`:
///
/// ```text
/// SUBPROOF(m, D[m], true)  = {}
/// SUBPROOF(m, D[m], false) = {MTH(D[m])}
/// SUBPROOF(m, D_n, b) = SUBPROOF(m, D[0:k], b) : MTH(D[k:n])            for m <= k
/// SUBPROOF(m, D_n, b) = SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])    for m > k
/// ```
///
/// The caller guarantees `0 < m <= end - start` and `end <= tree.size()`.
fn subproof(tree: &MerkleTree, m: usize, start: usize, end: usize, b: bool, out: &mut Vec<Hash>) {
    let n = end - start;
    if m == n {
        if !b {
            out.push(tree.subtree(start, end));
        }
        return;
    }
    let k = split_point(n);
    if m <= k {
        subproof(tree, m, start, start + k, b, out);
        out.push(tree.subtree(start + k, end));
    } else {
        subproof(tree, m - k, start + k, end, false, out);
        out.push(tree.subtree(start, start + k));
    }
}

/// Verify that the tree of `proof.first_size` leaves with root `first_root`
/// is a prefix of the tree of `proof.second_size` leaves with root
/// `second_root`, with the algorithm of RFC 9162 §2.1.4.2, step by step.
///
/// The RFC algorithm covers `0 < first < second`. The two edge cases are
/// decided before it, as RFC 9162 §2.1.4 implies: `first == second` needs an
/// empty proof and equal roots; `first == 0` needs an empty proof (every
/// tree extends the empty tree). `first > second` always fails.
pub fn verify_consistency(
    proof: &ConsistencyProof,
    first_root: &Hash,
    second_root: &Hash,
) -> Result<(), EvidenceError> {
    let (first, second) = (proof.first_size, proof.second_size);
    let fail = |reason| EvidenceError::ConsistencyProofInvalid {
        first,
        second,
        reason,
    };
    if first > second {
        return Err(fail("the first tree is larger than the second"));
    }
    if first == second {
        if !proof.path.is_empty() {
            return Err(fail("the proof between equal sizes must be empty"));
        }
        if first_root != second_root {
            return Err(fail("the two roots of the same size differ"));
        }
        return Ok(());
    }
    if first == 0 {
        if !proof.path.is_empty() {
            return Err(fail("the proof from the empty tree must be empty"));
        }
        return Ok(());
    }
    // 1. If consistency_path is an empty array, stop and fail the proof verification.
    if proof.path.is_empty() {
        return Err(fail("the proof is empty"));
    }
    // 2. If first is an exact power of 2, then prepend first_hash to the
    //    consistency_path array.
    let mut path: Vec<&Hash> = Vec::with_capacity(proof.path.len() + 1);
    if first.is_power_of_two() {
        path.push(first_root);
    }
    path.extend(proof.path.iter());
    // 3. Set fn to first - 1 and sn to second - 1.
    let mut fn_ = first - 1;
    let mut sn = second - 1;
    // 4. If LSB(fn) is set, then right-shift both fn and sn equally until
    //    LSB(fn) is not set.
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    // 5. Set both fr and sr to the first value in the consistency_path array.
    let mut values = path.into_iter();
    let Some(start) = values.next() else {
        return Err(fail("the proof is empty"));
    };
    let mut fr = *start;
    let mut sr = *start;
    // 6. For each subsequent value c in the consistency_path array:
    for c in values {
        // a. If sn is 0, then stop the iteration and fail the proof verification.
        if sn == 0 {
            return Err(fail("the proof is longer than the trees are deep"));
        }
        // b. If LSB(fn) is set, or if fn is equal to sn, then:
        if fn_ & 1 == 1 || fn_ == sn {
            // i. Set fr to HASH(0x01 || c || fr). Set sr to HASH(0x01 || c || sr).
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            // ii. If LSB(fn) is not set, then right-shift both fn and sn
            //     equally until either LSB(fn) is set or fn is 0.
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            // Otherwise: Set sr to HASH(0x01 || sr || c).
            sr = node_hash(&sr, c);
        }
        // c. Finally, right-shift both fn and sn one time.
        fn_ >>= 1;
        sn >>= 1;
    }
    // 7. Verify that the fr calculated is equal to the first_hash supplied,
    //    that the sr calculated is equal to the second_hash supplied, and
    //    that sn is 0.
    if sn != 0 {
        return Err(fail("the proof is shorter than the trees are deep"));
    }
    if fr != *first_root {
        return Err(fail(
            "the computed first root differs from the given first root",
        ));
    }
    if sr != *second_root {
        return Err(fail(
            "the computed second root differs from the given second root",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pair_of_small_sizes_is_consistent() {
        let mut t = MerkleTree::new();
        for i in 0u32..33 {
            t.push_data(&i.to_be_bytes());
        }
        for second in 0..=33u64 {
            let second_root = t.root_at(second).unwrap_or_default();
            for first in 0..=second {
                let first_root = t.root_at(first).unwrap_or_default();
                let Ok(proof) = t.consistency_proof(first, second) else {
                    unreachable!("proof {first} -> {second}");
                };
                assert_eq!(
                    verify_consistency(&proof, &first_root, &second_root),
                    Ok(()),
                    "{first} -> {second}"
                );
            }
        }
    }

    #[test]
    fn backwards_sizes_are_refused() {
        let mut t = MerkleTree::new();
        t.push_data(b"a");
        t.push_data(b"b");
        assert!(t.consistency_proof(2, 1).is_err());
        assert!(t.consistency_proof(1, 3).is_err());
        let proof = ConsistencyProof {
            first_size: 2,
            second_size: 1,
            path: vec![],
        };
        assert!(verify_consistency(&proof, &[0; 32], &[0; 32]).is_err());
    }
}
