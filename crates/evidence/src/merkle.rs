//! The Merkle Tree Hash of RFC 9162 §2.1.1 over SHA-256, and an append-only
//! tree that keeps every leaf hash so that proofs can be made for any earlier
//! size.
//!
//! RFC 9162 §2.1.1 defines, for an ordered list of inputs `D_n = {d(0), ..., d(n-1)}`:
//!
//! ```text
//! MTH({})       = SHA-256()
//! MTH({d(0)})   = SHA-256(0x00 || d(0))
//! MTH(D_n)      = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))   for n > 1,
//!                 where k is the largest power of two smaller than n.
//! ```
//!
//! Everything in this module works on *leaf hashes* (`SHA-256(0x00 || d)`),
//! computed once by [`leaf_hash`].

use rayon::join;
use sha2::{Digest, Sha256};

/// A SHA-256 output: a leaf hash, a node hash or a root.
pub type Hash = [u8; 32];

/// `MTH({})`, the root of the empty tree: SHA-256 of the empty string
/// (RFC 9162 §2.1.1).
pub const EMPTY_ROOT: Hash = [
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
];

/// Domain separation of leaves, RFC 9162 §2.1.1.
const LEAF_PREFIX: u8 = 0x00;
/// Domain separation of interior nodes, RFC 9162 §2.1.1.
const NODE_PREFIX: u8 = 0x01;

/// Below this many leaves a subtree is hashed on the current thread; above
/// it the two halves are hashed in parallel.
const PARALLEL_THRESHOLD: usize = 1 << 14;

/// `MTH({d}) = SHA-256(0x00 || d)`, the hash of one leaf (RFC 9162 §2.1.1).
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([LEAF_PREFIX]);
    h.update(data);
    h.finalize().into()
}

/// `SHA-256(0x01 || left || right)`, the hash of an interior node
/// (RFC 9162 §2.1.1).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([NODE_PREFIX]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The `k` of RFC 9162 §2.1.1: the largest power of two smaller than `n`.
/// Only meaningful for `n > 1`; returns 0 for `n <= 1`.
pub fn split_point(n: usize) -> usize {
    if n <= 1 {
        return 0;
    }
    // The largest power of two <= n - 1 is smaller than n.
    1 << (usize::BITS - 1 - (n - 1).leading_zeros())
}

/// `MTH(D_n)` over leaf hashes, exactly as the recursive definition of
/// RFC 9162 §2.1.1 reads. O(n) hashes; large subtrees are hashed on two
/// threads (the result does not depend on the thread count).
pub fn root_of(leaves: &[Hash]) -> Hash {
    match leaves {
        [] => EMPTY_ROOT,
        [only] => *only,
        _ => {
            let (left, right) = leaves.split_at(split_point(leaves.len()));
            let (l, r) = if leaves.len() >= PARALLEL_THRESHOLD {
                join(|| root_of(left), || root_of(right))
            } else {
                (root_of(left), root_of(right))
            };
            node_hash(&l, &r)
        }
    }
}

/// The right frontier of a growing tree (a "compact range" from the left
/// edge): the roots of the perfect subtrees whose sizes are the one-bits of
/// the number of leaves, largest (leftmost) first. It holds at most 64
/// hashes, whatever the size, and gives `MTH` of everything appended so far.
///
/// Why this equals RFC 9162 §2.1.1: for `n` leaves the definition splits off
/// the largest power of two `k < n` on the left, which is a perfect subtree,
/// and recurses on the rest; so `MTH(D_n)` is the right-to-left fold of
/// `node_hash` over the perfect subtrees given by the bits of `n`. (When `n`
/// is itself a power of two there is one subtree and it is the root.)
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    peaks: Vec<Hash>,
}

impl Frontier {
    /// The frontier of the empty tree.
    pub fn new() -> Frontier {
        Frontier::default()
    }

    /// The number of leaves appended.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Append one leaf hash: merge equal-sized perfect subtrees as a binary
    /// counter carries.
    pub fn push(&mut self, leaf: Hash) {
        self.push_observing(leaf, u32::MAX);
    }

    /// Append one leaf hash, and return the root of the perfect subtree of
    /// `2^height` leaves that this leaf completes, if it completes one.
    pub fn push_observing(&mut self, leaf: Hash, height: u32) -> Option<Hash> {
        let mut node = leaf;
        let mut carry = self.size;
        let mut level = 0;
        let mut observed = (height == 0).then_some(node);
        while carry & 1 == 1 {
            match self.peaks.pop() {
                Some(left) => node = node_hash(&left, &node),
                None => break, // unreachable: one peak per one-bit of size
            }
            carry >>= 1;
            level += 1;
            if level == height {
                observed = Some(node);
            }
        }
        self.peaks.push(node);
        self.size += 1;
        observed
    }

    /// Append a perfect subtree of `2^height` leaves given by its root, when
    /// the size is a multiple of `2^height` (so the subtree sits where the
    /// RFC 9162 recursion puts it); the same as appending its leaves one by
    /// one. Returns false, and changes nothing, when the size is not aligned.
    pub fn push_subtree(&mut self, root: Hash, height: u32) -> bool {
        let Some(leaves) = 1u64.checked_shl(height) else {
            return false;
        };
        if !self.size.is_multiple_of(leaves) {
            return false;
        }
        let mut node = root;
        let mut carry = self.size >> height;
        while carry & 1 == 1 {
            match self.peaks.pop() {
                Some(left) => node = node_hash(&left, &node),
                None => break, // unreachable: one peak per one-bit of size
            }
            carry >>= 1;
        }
        self.peaks.push(node);
        self.size += leaves;
        true
    }

    /// `MTH` of the leaves appended so far.
    pub fn root(&self) -> Hash {
        let mut peaks = self.peaks.iter().rev();
        let Some(last) = peaks.next() else {
            return EMPTY_ROOT;
        };
        peaks.fold(*last, |acc, left| node_hash(left, &acc))
    }
}

/// Leaves per cached chunk: `2^CHUNK_HEIGHT`.
const CHUNK_HEIGHT: u32 = 8;
const CHUNK_LEAVES: usize = 1 << CHUNK_HEIGHT;

/// An append-only Merkle tree (RFC 9162 §2.1) that keeps every leaf hash, so
/// that the root of any earlier size and inclusion and consistency proofs
/// for any earlier size can be computed.
///
/// Subtree hashes are computed on demand from the leaf hashes. To keep that
/// cheap for millions of leaves the tree also keeps the root of every
/// complete, aligned chunk of 256 leaves (the frontier computes them anyway
/// while appending): a subtree made of whole chunks is hashed from the chunk
/// roots, so a proof costs about `size / 256` hashes plus `256 × log(size)`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MerkleTree {
    leaves: Vec<Hash>,
    chunks: Vec<Hash>,
    frontier: Frontier,
}

impl MerkleTree {
    /// The empty tree.
    pub fn new() -> MerkleTree {
        MerkleTree::default()
    }

    /// A tree over these leaf hashes, in order.
    pub fn from_leaf_hashes(leaves: Vec<Hash>) -> MerkleTree {
        let mut tree = MerkleTree::new();
        tree.leaves.reserve(leaves.len());
        for leaf in leaves {
            tree.push_leaf_hash(leaf);
        }
        tree
    }

    /// Append a leaf's data (it is hashed with [`leaf_hash`]); returns its index.
    pub fn push_data(&mut self, data: &[u8]) -> u64 {
        self.push_leaf_hash(leaf_hash(data))
    }

    /// Append an already computed leaf hash; returns its index.
    pub fn push_leaf_hash(&mut self, leaf: Hash) -> u64 {
        let index = self.frontier.size();
        self.leaves.push(leaf);
        if let Some(chunk) = self.frontier.push_observing(leaf, CHUNK_HEIGHT) {
            self.chunks.push(chunk);
        }
        index
    }

    /// `MTH(D[start:end])` of the stored leaves, following the recursion of
    /// RFC 9162 §2.1.1, but taking any whole aligned run of chunks from the
    /// chunk roots. The caller guarantees `start <= end <= leaves.len()`.
    pub(crate) fn subtree(&self, start: usize, end: usize) -> Hash {
        let n = end.saturating_sub(start);
        if n >= CHUNK_LEAVES && n.is_power_of_two() && start.is_multiple_of(n) {
            // A perfect subtree of whole chunks: the same tree over chunk roots.
            if let Some(chunks) = self.chunks.get(start / CHUNK_LEAVES..end / CHUNK_LEAVES) {
                return root_of(chunks);
            }
        }
        if n <= 1 || n < CHUNK_LEAVES {
            return root_of(self.leaves.get(start..end).unwrap_or_default());
        }
        let k = split_point(n);
        node_hash(
            &self.subtree(start, start + k),
            &self.subtree(start + k, end),
        )
    }

    /// The number of leaves.
    pub fn size(&self) -> u64 {
        self.frontier.size()
    }

    /// The leaf hashes, in order.
    pub fn leaf_hashes(&self) -> &[Hash] {
        &self.leaves
    }

    /// The root of the whole tree, from the frontier: O(log n).
    pub fn root(&self) -> Hash {
        self.frontier.root()
    }

    /// The root of the tree as it was when it had `size` leaves.
    pub fn root_at(&self, size: u64) -> Result<Hash, crate::EvidenceError> {
        let n = self.prefix(size)?.len();
        Ok(self.subtree(0, n))
    }

    /// The first `size` leaf hashes.
    pub(crate) fn prefix(&self, size: u64) -> Result<&[Hash], crate::EvidenceError> {
        let available = self.size();
        let n = usize::try_from(size)
            .ok()
            .filter(|_| size <= available)
            .ok_or(crate::EvidenceError::SizeOutOfRange { size, available })?;
        self.leaves
            .get(..n)
            .ok_or(crate::EvidenceError::SizeOutOfRange { size, available })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_point_is_largest_power_of_two_below_n() {
        let check = |n: usize, k: usize| assert_eq!(split_point(n), k, "n = {n}");
        check(2, 1);
        check(3, 2);
        check(4, 2);
        check(5, 4);
        check(8, 4);
        check(9, 8);
        check(1000, 512);
        check(1 << 40, 1 << 39);
        check((1 << 40) + 1, 1 << 40);
    }

    #[test]
    fn empty_root_is_sha256_of_nothing() {
        assert_eq!(EMPTY_ROOT, <[u8; 32]>::from(Sha256::digest(b"")));
        assert_eq!(MerkleTree::new().root(), EMPTY_ROOT);
    }

    #[test]
    fn frontier_root_equals_recursive_root_for_every_small_size() {
        let mut tree = MerkleTree::new();
        for i in 0u32..300 {
            assert_eq!(tree.root(), root_of(tree.leaf_hashes()), "size {i}");
            tree.push_data(&i.to_be_bytes());
        }
    }

    #[test]
    fn pushing_a_subtree_equals_pushing_its_leaves() {
        let leaves: Vec<Hash> = (0..200u32).map(|i| leaf_hash(&i.to_le_bytes())).collect();
        let mut one_by_one = Frontier::new();
        let mut by_subtree = Frontier::new();
        for (i, chunk) in leaves.chunks(8).enumerate() {
            for leaf in chunk {
                one_by_one.push(*leaf);
            }
            assert!(by_subtree.push_subtree(root_of(chunk), 3), "chunk {i}");
            assert_eq!(by_subtree, one_by_one, "chunk {i}");
        }
        let mut f = Frontier::new();
        f.push(leaves[0]);
        assert!(!f.push_subtree(leaves[1], 1), "unaligned");
        assert_eq!(f.size(), 1);
    }

    #[test]
    fn parallel_root_equals_frontier_root() {
        let n = PARALLEL_THRESHOLD * 2 + 12345;
        let tree = MerkleTree::from_leaf_hashes(
            (0..n as u32).map(|i| leaf_hash(&i.to_le_bytes())).collect(),
        );
        assert_eq!(root_of(tree.leaf_hashes()), tree.root());
    }

    #[test]
    fn chunked_subtrees_equal_plain_subtrees() {
        let n = CHUNK_LEAVES * 9 + 37;
        let tree = MerkleTree::from_leaf_hashes(
            (0..n as u32).map(|i| leaf_hash(&i.to_le_bytes())).collect(),
        );
        assert_eq!(tree.chunks.len(), 9);
        for size in [
            0,
            1,
            255,
            256,
            257,
            511,
            512,
            513,
            1024,
            2048,
            2049,
            n - 1,
            n,
        ] {
            let plain = root_of(tree.leaf_hashes().get(..size).unwrap_or_default());
            assert_eq!(tree.root_at(size as u64), Ok(plain), "size {size}");
        }
    }

    #[test]
    fn root_at_refuses_sizes_beyond_the_tree() {
        let mut tree = MerkleTree::new();
        tree.push_data(b"a");
        assert!(tree.root_at(1).is_ok());
        assert_eq!(
            tree.root_at(2),
            Err(crate::EvidenceError::SizeOutOfRange {
                size: 2,
                available: 1
            })
        );
    }
}
