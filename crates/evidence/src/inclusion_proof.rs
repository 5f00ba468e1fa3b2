//! Merkle inclusion proofs: RFC 9162 §2.1.3.1 (generation) and §2.1.3.2
//! (verification).

use crate::EvidenceError;
use crate::merkle::{Hash, MerkleTree, node_hash, split_point};
use serde::{Deserialize, Serialize};

/// A proof that the leaf at `leaf_index` is in the tree of `tree_size`
/// leaves: the inclusion path of RFC 9162 §2.1.3, ordered from the leaf's
/// sibling up to the root's other child.
///
/// The proof binds the leaf's position, not the tree size: the size is
/// authenticated by the signed checkpoint that carries the root.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InclusionProof {
    /// The 0-based index of the leaf.
    pub leaf_index: u64,
    /// The size of the tree the proof is for.
    pub tree_size: u64,
    /// The inclusion path, hex-encoded in JSON.
    #[serde(with = "crate::hex_hashes")]
    pub path: Vec<Hash>,
}

impl MerkleTree {
    /// The inclusion proof of leaf `index` in the tree as it was at `size`
    /// leaves (RFC 9162 §2.1.3.1).
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<InclusionProof, EvidenceError> {
        let n = self.prefix(size)?.len();
        let m = usize::try_from(index)
            .ok()
            .filter(|m| *m < n)
            .ok_or(EvidenceError::IndexOutOfRange { index, size })?;
        let mut path = Vec::new();
        inclusion_path(self, m, 0, n, &mut path);
        Ok(InclusionProof {
            leaf_index: index,
            tree_size: size,
            path,
        })
    }
}

/// `PATH(m, D[start:end])` of RFC 9162 §2.1.3.1, appended to `out` (deepest
/// first), where `m` counts from `start`:
///
/// ```text
/// PATH(0, {d(0)}) = {}
/// PATH(m, D_n) = PATH(m, D[0:k]) : MTH(D[k:n])       for m < k
/// PATH(m, D_n) = PATH(m - k, D[k:n]) : MTH(D[0:k])   for m >= k
/// ```
///
/// The caller guarantees `m < end - start` and `end <= tree.size()`.
fn inclusion_path(tree: &MerkleTree, m: usize, start: usize, end: usize, out: &mut Vec<Hash>) {
    let n = end - start;
    if n <= 1 {
        return;
    }
    let k = split_point(n);
    if m < k {
        inclusion_path(tree, m, start, start + k, out);
        out.push(tree.subtree(start + k, end));
    } else {
        inclusion_path(tree, m - k, start + k, end, out);
        out.push(tree.subtree(start, start + k));
    }
}

/// Verify that `leaf_hash` is the leaf at `proof.leaf_index` of the tree of
/// `proof.tree_size` leaves whose root is `root`, with the algorithm of
/// RFC 9162 §2.1.3.2, step by step.
pub fn verify_inclusion(
    proof: &InclusionProof,
    leaf_hash: &Hash,
    root: &Hash,
) -> Result<(), EvidenceError> {
    let fail = |reason| EvidenceError::InclusionProofInvalid {
        index: proof.leaf_index,
        size: proof.tree_size,
        reason,
    };
    // 1. If leaf_index is greater than or equal to tree_size, then stop and fail.
    if proof.leaf_index >= proof.tree_size {
        return Err(fail("the leaf index is not smaller than the tree size"));
    }
    // 2. Set fn to leaf_index and sn to tree_size - 1.
    let mut fn_ = proof.leaf_index;
    let mut sn = proof.tree_size - 1;
    // 3. Set r to hash.
    let mut r = *leaf_hash;
    // 4. For each value p in the inclusion_path array:
    for p in &proof.path {
        // a. If sn is 0, then stop the iteration and fail the proof verification.
        if sn == 0 {
            return Err(fail("the path is longer than the tree is deep"));
        }
        // b. If LSB(fn) is set, or if fn is equal to sn, then:
        if fn_ & 1 == 1 || fn_ == sn {
            // i. Set r to HASH(0x01 || p || r).
            r = node_hash(p, &r);
            // ii. If LSB(fn) is not set, then right-shift both fn and sn
            //     equally until either LSB(fn) is set or fn is 0.
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            // Otherwise: Set r to HASH(0x01 || r || p).
            r = node_hash(&r, p);
        }
        // c. Finally, right-shift both fn and sn one time.
        fn_ >>= 1;
        sn >>= 1;
    }
    // 5. Compare sn to 0. Compare r against the root_hash. If sn is equal to
    //    0 and r and the root_hash are equal, then the log has proven the
    //    inclusion of hash. Otherwise, fail the proof verification.
    if sn != 0 {
        return Err(fail("the path is shorter than the tree is deep"));
    }
    if r != *root {
        return Err(fail("the computed root differs from the given root"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle::leaf_hash;

    fn tree(n: u32) -> MerkleTree {
        let mut t = MerkleTree::new();
        for i in 0..n {
            t.push_data(&i.to_be_bytes());
        }
        t
    }

    #[test]
    fn every_leaf_of_every_small_tree_verifies() {
        let t = tree(40);
        for size in 1..=40u64 {
            let root = t.root_at(size).unwrap_or_default();
            for index in 0..size {
                let proof = t.inclusion_proof(index, size);
                let Ok(proof) = proof else {
                    unreachable!("proof for {index} in {size}");
                };
                let leaf = leaf_hash(&(index as u32).to_be_bytes());
                assert_eq!(verify_inclusion(&proof, &leaf, &root), Ok(()));
            }
        }
    }

    #[test]
    fn out_of_range_requests_are_errors() {
        let t = tree(3);
        assert_eq!(
            t.inclusion_proof(3, 3),
            Err(EvidenceError::IndexOutOfRange { index: 3, size: 3 })
        );
        assert_eq!(
            t.inclusion_proof(0, 4),
            Err(EvidenceError::SizeOutOfRange {
                size: 4,
                available: 3
            })
        );
        let proof = InclusionProof {
            leaf_index: 0,
            tree_size: 0,
            path: vec![],
        };
        assert!(verify_inclusion(&proof, &[0; 32], &[0; 32]).is_err());
    }
}
