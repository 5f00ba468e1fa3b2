//! Differential and property tests of the RFC 9162 tree and proofs:
//!
//! - against the `ct-merkle` crate (an independent RFC 6962 implementation
//!   with the same hashing: leaf prefix 0x00, node prefix 0x01, SHA-256, and
//!   `SHA-256("")` for the empty tree), which numbers its nodes in an
//!   in-order array rather than recursing, and
//! - against a reference written here straight from the RFC 9162 text, on
//!   raw leaf data.
//!
//! Random trees of sizes up to 3,000 (sampled sizes, sampled indexes and
//! earlier sizes): roots and proofs must be byte-identical, every proof must
//! verify, and any changed proof element, leaf, index, size or root must
//! fail — unless the change happens to describe the same tree, which these
//! tests decide from the tree itself.

use canvass_evidence::consistency_proof::{ConsistencyProof, verify_consistency};
use canvass_evidence::inclusion_proof::{InclusionProof, verify_inclusion};
use canvass_evidence::merkle::{Hash, MerkleTree, leaf_hash};
use ct_merkle::CtMerkleTree;
use proptest::prelude::*;
use sha2::{Digest, Sha256};

// ---- A reference implementation from the RFC 9162 text, on raw data. ----

/// RFC 9162 §2.1.1: MTH over the inputs themselves.
fn ref_mth(d: &[Vec<u8>]) -> Hash {
    let n = d.len();
    if n == 0 {
        return Sha256::digest(b"").into();
    }
    if n == 1 {
        let mut h = Sha256::new();
        h.update([0u8]);
        h.update(&d[0]);
        return h.finalize().into();
    }
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(ref_mth(&d[..k]));
    h.update(ref_mth(&d[k..]));
    h.finalize().into()
}

fn ref_k(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// RFC 9162 §2.1.3.1: PATH(m, D_n).
fn ref_path(m: usize, d: &[Vec<u8>]) -> Vec<Hash> {
    let n = d.len();
    if n <= 1 {
        return vec![];
    }
    let k = ref_k(n);
    if m < k {
        let mut p = ref_path(m, &d[..k]);
        p.push(ref_mth(&d[k..]));
        p
    } else {
        let mut p = ref_path(m - k, &d[k..]);
        p.push(ref_mth(&d[..k]));
        p
    }
}

/// RFC 9162 §2.1.4.1: SUBPROOF(m, D_n, b).
fn ref_subproof(m: usize, d: &[Vec<u8>], b: bool) -> Vec<Hash> {
    let n = d.len();
    if m == n {
        return if b { vec![] } else { vec![ref_mth(d)] };
    }
    let k = ref_k(n);
    if m <= k {
        let mut p = ref_subproof(m, &d[..k], b);
        p.push(ref_mth(&d[k..]));
        p
    } else {
        let mut p = ref_subproof(m - k, &d[k..], false);
        p.push(ref_mth(&d[..k]));
        p
    }
}

// ---- Helpers. ----

/// Deterministic leaf data of varied lengths from a seed.
fn leaves(n: usize, seed: u64) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| {
            let x = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(i as u64);
            let len = (x % 23) as usize;
            (0..len).map(|j| (x >> (j % 8)) as u8 ^ j as u8).collect()
        })
        .collect()
}

fn ours(data: &[Vec<u8>]) -> MerkleTree {
    let mut t = MerkleTree::new();
    for d in data {
        t.push_data(d);
    }
    t
}

fn theirs(data: &[Vec<u8>]) -> CtMerkleTree<Sha256, Vec<u8>> {
    let mut t = CtMerkleTree::new();
    for d in data {
        t.push(d.clone());
    }
    t
}

fn flat(path: &[Hash]) -> Vec<u8> {
    path.concat()
}

fn root(t: &MerkleTree, size: u64) -> Hash {
    t.root_at(size).unwrap_or_else(|e| unreachable!("{e}"))
}

fn inclusion(t: &MerkleTree, m: u64, n: u64) -> InclusionProof {
    t.inclusion_proof(m, n)
        .unwrap_or_else(|e| unreachable!("{e}"))
}

fn consistency(t: &MerkleTree, m: u64, n: u64) -> ConsistencyProof {
    t.consistency_proof(m, n)
        .unwrap_or_else(|e| unreachable!("{e}"))
}

/// Sample indexes of 0..n: both ends, and a few from the seed.
fn sample(n: u64, seed: u64) -> Vec<u64> {
    if n == 0 {
        return vec![];
    }
    let mut out = vec![0, n - 1, n / 2];
    let mut x = seed | 1;
    for _ in 0..5 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.push(x % n);
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Every inclusion proof of the tree of `n` leaves verifies, and is the same
/// as the reference's and ct-merkle's; every change to it fails unless it
/// describes the real tree.
fn check_inclusion(
    data: &[Vec<u8>],
    t: &MerkleTree,
    ct: &CtMerkleTree<Sha256, Vec<u8>>,
    seed: u64,
) {
    let n = data.len() as u64;
    let r = root(t, n);
    for m in sample(n, seed) {
        let proof = inclusion(t, m, n);
        assert_eq!(
            proof.path,
            ref_path(m as usize, data),
            "reference PATH({m}, {n})"
        );
        assert_eq!(
            flat(&proof.path),
            ct.prove_inclusion(m as usize).as_bytes(),
            "ct-merkle PATH({m}, {n})"
        );
        let leaf = leaf_hash(&data[m as usize]);
        assert_eq!(
            verify_inclusion(&proof, &leaf, &r),
            Ok(()),
            "PATH({m}, {n})"
        );
        assert!(
            ct.root()
                .verify_inclusion(
                    &data[m as usize],
                    m as usize,
                    &ct.prove_inclusion(m as usize)
                )
                .is_ok()
        );

        // A changed leaf or root fails.
        assert!(verify_inclusion(&proof, &leaf_hash(b"not a leaf"), &r).is_err());
        let mut other_root = r;
        other_root[31] ^= 1;
        assert!(verify_inclusion(&proof, &leaf, &other_root).is_err());
        // A changed proof element, or a proof one element longer or shorter, fails.
        for k in 0..proof.path.len() {
            let mut p = proof.clone();
            p.path[k][k % 32] ^= 0x40;
            assert!(
                verify_inclusion(&p, &leaf, &r).is_err(),
                "element {k} of PATH({m}, {n})"
            );
        }
        let mut longer = proof.clone();
        longer.path.push(r);
        assert!(verify_inclusion(&longer, &leaf, &r).is_err());
        if !proof.path.is_empty() {
            let mut shorter = proof.clone();
            shorter.path.pop();
            assert!(verify_inclusion(&shorter, &leaf, &r).is_err());
        }
        // A changed index: the proof of leaf m never proves leaf m' != m
        // (each leaf has its own left/right turns).
        for m2 in [m.wrapping_sub(1), m + 1, m ^ 1, m ^ 2, m ^ 4] {
            if m2 != m {
                let p = InclusionProof {
                    leaf_index: m2,
                    ..proof.clone()
                };
                assert!(
                    verify_inclusion(&p, &leaf, &r).is_err(),
                    "index {m2} for PATH({m}, {n})"
                );
            }
        }
        // A changed size, checked against the real root of that size: it
        // verifies only if the proof is that size's own proof.
        for n2 in [n - 1, n + 1, n * 2, n / 2] {
            if n2 == n || n2 == 0 || m >= n2 || n2 > t.size() {
                continue;
            }
            let p = InclusionProof {
                tree_size: n2,
                ..proof.clone()
            };
            let verified = verify_inclusion(&p, &leaf, &root(t, n2)).is_ok();
            let same = inclusion(t, m, n2).path == proof.path;
            assert_eq!(verified, same, "PATH({m}, {n}) checked as size {n2}");
        }
    }
}

fn check_consistency(
    data: &[Vec<u8>],
    t: &MerkleTree,
    ct: &CtMerkleTree<Sha256, Vec<u8>>,
    seed: u64,
) {
    let n = data.len() as u64;
    let r2 = root(t, n);
    for m in sample(n + 1, seed ^ 0x5555) {
        let proof = consistency(t, m, n);
        let r1 = root(t, m);
        if m > 0 && m < n {
            assert_eq!(
                proof.path,
                ref_subproof(m as usize, data, true),
                "reference PROOF({m}, {n})"
            );
        }
        if m > 0 {
            assert_eq!(
                flat(&proof.path),
                ct.prove_consistency(m as usize).as_bytes(),
                "ct-merkle PROOF({m}, {n})"
            );
        }
        assert_eq!(
            verify_consistency(&proof, &r1, &r2),
            Ok(()),
            "PROOF({m}, {n})"
        );
        if proof.path.is_empty() {
            continue;
        }
        // Changed roots, elements, lengths fail.
        assert!(verify_consistency(&proof, &r2, &r1).is_err());
        let mut bad = r1;
        bad[0] ^= 1;
        assert!(verify_consistency(&proof, &bad, &r2).is_err());
        assert!(verify_consistency(&proof, &r1, &bad).is_err());
        for k in 0..proof.path.len() {
            let mut p = proof.clone();
            p.path[k][31 - k % 32] ^= 0x10;
            assert!(
                verify_consistency(&p, &r1, &r2).is_err(),
                "element {k} of PROOF({m}, {n})"
            );
        }
        let mut longer = proof.clone();
        longer.path.push(r2);
        assert!(verify_consistency(&longer, &r1, &r2).is_err());
        let mut shorter = proof.clone();
        shorter.path.pop();
        assert!(verify_consistency(&shorter, &r1, &r2).is_err());
        // Changed sizes, with the real roots of those sizes: verifies only
        // if the proof is those sizes' own proof.
        for (m2, n2) in [
            (m - 1, n),
            (m + 1, n),
            (m ^ 2, n),
            (m, n - 1),
            (m, n + 1),
            (m, n / 2),
        ] {
            if (m2, n2) == (m, n) || m2 > n2 || n2 > t.size() {
                continue;
            }
            let p = ConsistencyProof {
                first_size: m2,
                second_size: n2,
                path: proof.path.clone(),
            };
            let verified = verify_consistency(&p, &root(t, m2), &root(t, n2)).is_ok();
            let same = consistency(t, m2, n2).path == proof.path;
            assert_eq!(
                verified, same,
                "PROOF({m}, {n}) checked as PROOF({m2}, {n2})"
            );
        }
    }
}

// ---- Tests. ----

#[test]
fn every_size_up_to_130_every_index_and_every_earlier_size() {
    let data = leaves(130, 7);
    let full = ours(&data);
    for n in 0..=130usize {
        let d = &data[..n];
        let ct = theirs(d);
        let r = root(&full, n as u64);
        assert_eq!(r, ref_mth(d), "MTH of {n}");
        assert_eq!(&r[..], &ct.root().as_bytes()[..], "ct-merkle root of {n}");
        for m in 0..n {
            let proof = inclusion(&full, m as u64, n as u64);
            assert_eq!(proof.path, ref_path(m, d));
            assert_eq!(verify_inclusion(&proof, &leaf_hash(&d[m]), &r), Ok(()));
        }
        for m in 0..=n {
            let proof = consistency(&full, m as u64, n as u64);
            if m > 0 && m < n {
                assert_eq!(proof.path, ref_subproof(m, d, true));
            }
            if m > 0 {
                assert_eq!(flat(&proof.path), ct.prove_consistency(m).as_bytes());
            }
            assert_eq!(
                verify_consistency(&proof, &root(&full, m as u64), &r),
                Ok(())
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn random_trees_match_ct_merkle_and_the_rfc(n in 0usize..3000, seed in any::<u64>()) {
        let data = leaves(n, seed);
        let t = ours(&data);
        let ct = theirs(&data);
        prop_assert_eq!(t.root(), ref_mth(&data));
        let ct_root = ct.root();
        prop_assert_eq!(&t.root()[..], &ct_root.as_bytes()[..]);
        check_inclusion(&data, &t, &ct, seed);
        check_consistency(&data, &t, &ct, seed);
    }

    #[test]
    fn appending_keeps_every_earlier_root(n in 1usize..600, seed in any::<u64>()) {
        let data = leaves(n, seed);
        let mut t = MerkleTree::new();
        let mut roots = vec![t.root()];
        for d in &data {
            t.push_data(d);
            roots.push(t.root());
        }
        for (size, r) in roots.iter().enumerate() {
            prop_assert_eq!(&root(&t, size as u64), r);
        }
    }
}
