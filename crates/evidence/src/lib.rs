//! Evidence: canonical encoding, the RFC 9162 Merkle tree with inclusion and
//! consistency proofs, and signed checkpoints.
//!
//! This crate is the audit-critical heart of the published record and is
//! written to be read by an outside verifier: every function cites the section
//! of RFC 9162 (Certificate Transparency 2.0), RFC 8785 (JSON Canonicalization
//! Scheme) or the C2SP signed-note / tlog-checkpoint specifications that it
//! implements, and the tests check it against published vectors and against
//! an independent implementation (the `ct-merkle` crate).
//!
//! - [`merkle`]: `MTH` of RFC 9162 §2.1.1 over SHA-256, an append-only tree.
//! - [`inclusion_proof`], [`consistency_proof`]: RFC 9162 §2.1.3 and §2.1.4.
//! - [`canonical`]: RFC 8785 canonical JSON, the readable canonical card
//!   (`canvass.card.v1`, JSON) and the compact binary card leaf
//!   (`canvass.card.v2`, [`canonical::encode_card_leaf`]) that the CVR
//!   commitment uses as Merkle leaves (`docs/CANONICAL.md`).
//! - [`commitment`]: commit a stream of cards (in parallel) to a root.
//! - [`keys`], [`checkpoint`]: Ed25519 keys and signed tree heads in the
//!   C2SP signed-note format.
//!
//! The crate never reads the clock and never draws randomness itself:
//! timestamps and random number generators are arguments.
//!
//! ```
//! use canvass_evidence::merkle::MerkleTree;
//! use canvass_evidence::inclusion_proof::verify_inclusion;
//! use canvass_evidence::merkle::leaf_hash;
//! let mut tree = MerkleTree::new();
//! for card in [b"a", b"b", b"c"] {
//!     tree.push_data(card);
//! }
//! let proof = tree.inclusion_proof(1, 3)?;
//! verify_inclusion(&proof, &leaf_hash(b"b"), &tree.root())?;
//! # Ok::<(), canvass_evidence::EvidenceError>(())
//! ```

pub mod canonical;
mod card_leaf;
pub mod checkpoint;
pub mod commitment;
pub mod consistency_proof;
mod error;
pub mod inclusion_proof;
pub mod keys;
pub mod log;
pub mod merkle;

pub use error::EvidenceError;
pub use merkle::Hash;

/// Serde helpers: a list of hashes as a list of lowercase hex strings.
pub(crate) mod hex_hashes {
    use crate::merkle::Hash;
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    pub(crate) fn serialize<S: Serializer>(hashes: &[Hash], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(hashes.iter().map(hex::encode))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Hash>, D::Error> {
        let texts = Vec::<String>::deserialize(d)?;
        texts
            .iter()
            .map(|t| {
                let mut h = [0u8; 32];
                hex::decode_to_slice(t, &mut h).map_err(D::Error::custom)?;
                Ok(h)
            })
            .collect()
    }
}
