//! Published known-answer vectors for the RFC 6962 / RFC 9162 Merkle tree
//! (SHA-256): the eight test leaves used by Certificate Transparency's
//! implementations, with their roots, inclusion proofs and consistency
//! proofs, as published in google/certificate-transparency-go (merkle tests)
//! and transparency-dev/merkle (`testonly/constants.go`,
//! `proof/verify_test.go`). RFC 9162 did not change the tree hash of
//! RFC 6962, so the vectors apply unchanged.

use canvass_evidence::EvidenceError;
use canvass_evidence::consistency_proof::{ConsistencyProof, verify_consistency};
use canvass_evidence::inclusion_proof::{InclusionProof, verify_inclusion};
use canvass_evidence::merkle::{EMPTY_ROOT, Hash, MerkleTree, leaf_hash};

const LEAVES: [&str; 8] = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
];

/// Roots for tree sizes 0..=8.
const ROOTS: [&str; 9] = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

/// (leaf index, tree size, path): transparency-dev/merkle's inclusion vectors
/// (which number leaves from 1; converted to 0-based here).
const INCLUSION: &[(u64, u64, &[&str])] = &[
    (0, 1, &[]),
    (
        0,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        &[
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        3,
        &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
    ),
    (
        1,
        5,
        &[
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
];

/// (first size, second size, path): transparency-dev/merkle's consistency vectors.
const CONSISTENCY: &[(u64, u64, &[&str])] = &[
    (1, 1, &[]),
    (
        1,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        &[
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
];

fn h(hex_text: &str) -> Hash {
    let mut out = [0u8; 32];
    assert!(
        hex::decode_to_slice(hex_text, &mut out).is_ok(),
        "{hex_text}"
    );
    out
}

fn bytes(hex_text: &str) -> Vec<u8> {
    hex::decode(hex_text).unwrap_or_else(|_| unreachable!("{hex_text}"))
}

fn tree() -> MerkleTree {
    let mut t = MerkleTree::new();
    for leaf in LEAVES {
        t.push_data(&bytes(leaf));
    }
    t
}

fn path(hashes: &[&str]) -> Vec<Hash> {
    hashes.iter().map(|x| h(x)).collect()
}

#[test]
fn roots_of_the_ct_test_leaves() {
    let mut t = MerkleTree::new();
    assert_eq!(t.root(), h(ROOTS[0]));
    assert_eq!(EMPTY_ROOT, h(ROOTS[0]));
    for (i, leaf) in LEAVES.iter().enumerate() {
        t.push_data(&bytes(leaf));
        assert_eq!(hex::encode(t.root()), ROOTS[i + 1], "size {}", i + 1);
    }
    for (size, root) in ROOTS.iter().enumerate() {
        assert_eq!(
            t.root_at(size as u64).map(hex::encode),
            Ok(root.to_string())
        );
    }
}

#[test]
fn inclusion_proofs_of_the_ct_test_leaves() {
    let t = tree();
    for &(index, size, expected) in INCLUSION {
        let proof = t.inclusion_proof(index, size);
        let want = InclusionProof {
            leaf_index: index,
            tree_size: size,
            path: path(expected),
        };
        assert_eq!(proof.as_ref(), Ok(&want), "leaf {index} of {size}");
        let leaf = leaf_hash(&bytes(LEAVES[index as usize]));
        let root = h(ROOTS[size as usize]);
        assert_eq!(verify_inclusion(&want, &leaf, &root), Ok(()));
        corrupted_inclusion_fails(&want, &leaf, &root);
    }
}

/// The corruptions of transparency-dev/merkle's `corruptInclusionProof`.
fn corrupted_inclusion_fails(proof: &InclusionProof, leaf: &Hash, root: &Hash) {
    let some_hash = h("abacaba000000000000000000000000000000000000000000060061e00123456");
    let mut probes: Vec<(String, InclusionProof, Hash, Hash)> = Vec::new();
    let with = |f: &dyn Fn(&mut InclusionProof)| {
        let mut p = proof.clone();
        f(&mut p);
        p
    };
    let i = proof.leaf_index;
    let n = proof.tree_size;
    for (desc, p) in [
        ("index - 1", with(&|p| p.leaf_index = i.wrapping_sub(1))),
        ("index + 1", with(&|p| p.leaf_index = i + 1)),
        ("index ^ 2", with(&|p| p.leaf_index = i ^ 2)),
        ("size * 2", with(&|p| p.tree_size = n * 2)),
        ("size / 2", with(&|p| p.tree_size = n / 2)),
        ("trailing root", with(&|p| p.path.push(*root))),
        ("preceding root", with(&|p| p.path.insert(0, *root))),
    ] {
        probes.push((desc.into(), p, *leaf, *root));
    }
    probes.push((
        "wrong leaf".into(),
        proof.clone(),
        leaf_hash(b"WrongLeaf"),
        *root,
    ));
    probes.push(("empty root".into(), proof.clone(), *leaf, EMPTY_ROOT));
    probes.push(("random root".into(), proof.clone(), *leaf, some_hash));
    for k in 0..proof.path.len() {
        let mut p = proof.clone();
        if let Some(x) = p.path.get_mut(k) {
            x[0] ^= 8;
        }
        probes.push((format!("proof[{k}] bit flipped"), p, *leaf, *root));
    }
    if !proof.path.is_empty() {
        let mut p = proof.clone();
        p.path.pop();
        probes.push(("removed component".into(), p, *leaf, *root));
    }
    if proof.path.len() > 1 {
        let mut p = proof.clone();
        p.path.insert(1, some_hash);
        probes.push(("inserted component".into(), p, *leaf, *root));
    }
    for (desc, p, leaf, root) in probes {
        assert!(
            verify_inclusion(&p, &leaf, &root).is_err(),
            "leaf {i} of {n}: {desc} verified"
        );
    }
}

#[test]
fn consistency_proofs_of_the_ct_test_leaves() {
    let t = tree();
    for &(first, second, expected) in CONSISTENCY {
        let want = ConsistencyProof {
            first_size: first,
            second_size: second,
            path: path(expected),
        };
        assert_eq!(
            t.consistency_proof(first, second).as_ref(),
            Ok(&want),
            "{first} -> {second}"
        );
        let r1 = h(ROOTS[first as usize]);
        let r2 = h(ROOTS[second as usize]);
        assert_eq!(
            verify_consistency(&want, &r1, &r2),
            Ok(()),
            "{first} -> {second}"
        );
        if !want.path.is_empty() {
            corrupted_consistency_fails(&want, &r1, &r2);
        }
    }
}

/// The corruptions of transparency-dev/merkle's `corruptConsistencyProof`.
fn corrupted_consistency_fails(proof: &ConsistencyProof, r1: &Hash, r2: &Hash) {
    let (m, n) = (proof.first_size, proof.second_size);
    let with = |f: &dyn Fn(&mut ConsistencyProof)| {
        let mut p = proof.clone();
        f(&mut p);
        p
    };
    let wrong = leaf_hash(b"WrongRoot");
    let mut probes: Vec<(String, ConsistencyProof, Hash, Hash)> = vec![
        (
            "size1 - 1".into(),
            with(&|p| p.first_size = m - 1),
            *r1,
            *r2,
        ),
        (
            "size1 + 1".into(),
            with(&|p| p.first_size = m + 1),
            *r1,
            *r2,
        ),
        (
            "size1 ^ 2".into(),
            with(&|p| p.first_size = m ^ 2),
            *r1,
            *r2,
        ),
        (
            "size2 * 2".into(),
            with(&|p| p.second_size = n * 2),
            *r1,
            *r2,
        ),
        (
            "size2 / 2".into(),
            with(&|p| p.second_size = n / 2),
            *r1,
            *r2,
        ),
        ("wrong root1".into(), proof.clone(), wrong, *r2),
        ("wrong root2".into(), proof.clone(), *r1, wrong),
        ("swapped roots".into(), proof.clone(), *r2, *r1),
        ("empty proof".into(), with(&|p| p.path.clear()), *r1, *r2),
        (
            "trailing root1".into(),
            with(&|p| p.path.push(*r1)),
            *r1,
            *r2,
        ),
        (
            "trailing root2".into(),
            with(&|p| p.path.push(*r2)),
            *r1,
            *r2,
        ),
        (
            "preceding root1".into(),
            with(&|p| p.path.insert(0, *r1)),
            *r1,
            *r2,
        ),
        (
            "preceding root2".into(),
            with(&|p| p.path.insert(0, *r2)),
            *r1,
            *r2,
        ),
        (
            "truncated".into(),
            with(&|p| {
                p.path.pop();
            }),
            *r1,
            *r2,
        ),
    ];
    if let Some(first) = proof.path.first() {
        probes.push((
            "preceding proof[0]".into(),
            with(&|p| p.path.insert(0, *first)),
            *r1,
            *r2,
        ));
    }
    for k in 0..proof.path.len() {
        let mut p = proof.clone();
        if let Some(x) = p.path.get_mut(k) {
            x[0] ^= 16;
        }
        probes.push((format!("proof[{k}] bit flipped"), p, *r1, *r2));
    }
    for (desc, p, a, b) in probes {
        assert!(
            verify_consistency(&p, &a, &b).is_err(),
            "{m} -> {n}: {desc} verified"
        );
    }
}

#[test]
fn consistency_edge_cases_of_transparency_dev() {
    // transparency-dev/merkle TestVerifyConsistency's table.
    let root1 = leaf_hash(b"don't care 1");
    let root2 = leaf_hash(b"don't care 2");
    let check = |first: u64, second: u64, r1: &Hash, r2: &Hash, path: Vec<Hash>, ok: bool| {
        let proof = ConsistencyProof {
            first_size: first,
            second_size: second,
            path,
        };
        let got = verify_consistency(&proof, r1, r2);
        assert_eq!(got.is_ok(), ok, "{first} -> {second}: {got:?}");
    };
    check(0, 0, &root1, &root2, vec![], false);
    check(1, 1, &root1, &root2, vec![], false);
    check(0, 0, &root1, &root1, vec![], true);
    check(0, 1, &root1, &root2, vec![], true);
    check(1, 1, &root2, &root2, vec![], true);
    check(1, 0, &root1, &root2, vec![], false);
    check(2, 1, &root1, &root2, vec![], false);
    check(1, 2, &root1, &root2, vec![], false);
    check(0, 0, &EMPTY_ROOT, &root2, vec![], false);
    check(1, 1, &EMPTY_ROOT, &root2, vec![], false);
    check(0, 0, &EMPTY_ROOT, &EMPTY_ROOT, vec![EMPTY_ROOT], false);
    check(0, 1, &EMPTY_ROOT, &EMPTY_ROOT, vec![EMPTY_ROOT], false);
    check(1, 1, &EMPTY_ROOT, &EMPTY_ROOT, vec![EMPTY_ROOT], false);
}

#[test]
fn inclusion_edge_cases_of_transparency_dev() {
    // transparency-dev/merkle TestVerifyInclusion / TestVerifyInclusionSingleEntry.
    let some = h("abacaba000000000000000000000000000000000000000000060061e00123456");
    for (index, size) in [(0, 0), (0, 1), (1, 0), (2, 1)] {
        let proof = InclusionProof {
            leaf_index: index,
            tree_size: size,
            path: vec![],
        };
        assert!(
            verify_inclusion(&proof, &some, &EMPTY_ROOT).is_err(),
            "{index} {size}"
        );
    }
    let leaf = leaf_hash(b"data");
    let proof = InclusionProof {
        leaf_index: 0,
        tree_size: 1,
        path: vec![],
    };
    assert_eq!(verify_inclusion(&proof, &leaf, &leaf), Ok(()));
    assert!(matches!(
        verify_inclusion(&proof, &leaf, &EMPTY_ROOT),
        Err(EvidenceError::InclusionProofInvalid { .. })
    ));
}
