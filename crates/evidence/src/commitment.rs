//! The CVR commitment: every card's canonical binary encoding
//! ([`crate::canonical::encode_card_leaf`], `canvass.card.v2`) is a leaf of an RFC 9162 Merkle tree,
//! in the order the cards were read; the root commits to all of them before
//! the audit's random seed is drawn.
//!
//! Cards arrive one at a time from the readers. [`CardCommitter`] gathers
//! them in chunks and encodes and hashes each chunk on all cores (rayon);
//! leaf order, and therefore the root, does not depend on the number of
//! threads. Leaf hashes are kept (32 bytes a card) only when proofs are
//! wanted; otherwise memory stays flat.

use crate::EvidenceError;
use crate::canonical::{CARD_LEAF_ENCODING, CardLeafEncoder, canonical_json};
use crate::inclusion_proof::InclusionProof;
use crate::merkle::{Frontier, Hash, MerkleTree, leaf_hash, root_of};
use canvass_model::{Card, Election};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Read;

/// How many cards are encoded and hashed together on all cores.
pub const CHUNK: usize = 1 << 14;

/// The leaf hash of one card: `SHA-256(0x00 || canvass.card.v2 bytes)`.
pub fn card_leaf_hash(election: &Election, card: &Card) -> Result<Hash, EvidenceError> {
    let mut buf = Vec::with_capacity(256);
    CardLeafEncoder::new().encode(card, election, &mut buf)?;
    Ok(leaf_hash(&buf))
}

/// Verify that `card` is card `proof.leaf_index` of the commitment with
/// `root` (RFC 9162 §2.1.3.2 over the card's canonical encoding).
pub fn verify_card_inclusion(
    election: &Election,
    card: &Card,
    proof: &InclusionProof,
    root: &Hash,
) -> Result<(), EvidenceError> {
    let leaf = card_leaf_hash(election, card)?;
    crate::inclusion_proof::verify_inclusion(proof, &leaf, root)
}

/// The leaf hashes of many cards, computed on all cores, in card order.
pub fn card_leaf_hashes(election: &Election, cards: &[Card]) -> Result<Vec<Hash>, EvidenceError> {
    cards
        .par_iter()
        .map_init(
            || (CardLeafEncoder::new(), Vec::with_capacity(256)),
            |(encoder, buf), card| {
                encoder.encode(card, election, buf)?;
                Ok(leaf_hash(buf))
            },
        )
        .collect()
}

/// The leaf hashes of a few cards, on the current thread.
fn card_leaf_hashes_here(election: &Election, cards: &[Card]) -> Result<Vec<Hash>, EvidenceError> {
    let mut encoder = CardLeafEncoder::new();
    let mut buf = Vec::with_capacity(256);
    cards
        .iter()
        .map(|card| {
            encoder.encode(card, election, &mut buf)?;
            Ok(leaf_hash(&buf))
        })
        .collect()
}

/// Commits a stream of cards to a Merkle root.
#[derive(Debug, Default)]
pub struct CardCommitter {
    pending: Vec<Card>,
    frontier: Frontier,
    tree: Option<MerkleTree>,
}

impl CardCommitter {
    /// A committer that keeps only the right frontier: memory does not grow
    /// with the number of cards, and no proofs can be made.
    pub fn new() -> CardCommitter {
        CardCommitter::default()
    }

    /// A committer that keeps every leaf hash, so that
    /// [`CardCommitter::inclusion_proof`] works.
    pub fn with_proofs() -> CardCommitter {
        CardCommitter {
            tree: Some(MerkleTree::new()),
            ..CardCommitter::default()
        }
    }

    /// Add a card. The election must define every contest and candidate the
    /// card names (readers intern them before handing the card over).
    pub fn push(&mut self, election: &Election, card: Card) -> Result<(), EvidenceError> {
        self.pending.push(card);
        if self.pending.len() >= CHUNK {
            self.flush(election)?;
        }
        Ok(())
    }

    /// Encode and hash the pending cards (on all cores) and append them.
    pub fn flush(&mut self, election: &Election) -> Result<(), EvidenceError> {
        let aligned = self.frontier.size().is_multiple_of(CHUNK as u64);
        if self.tree.is_none() && self.pending.len() == CHUNK && aligned {
            // A whole aligned chunk is a perfect subtree (RFC 9162 §2.1.1
            // splits it evenly all the way down), so its interior nodes can
            // be hashed on all cores too: each thread hashes the leaves and
            // the perfect subtree of a slice of SLICE cards.
            const SLICE: usize = 1 << 10;
            let roots: Vec<Hash> = self
                .pending
                .par_chunks(SLICE)
                .map(|cards| Ok(root_of(&card_leaf_hashes_here(election, cards)?)))
                .collect::<Result<_, EvidenceError>>()?;
            // Free the cards on all cores too (millions of small strings).
            std::mem::take(&mut self.pending)
                .into_par_iter()
                .for_each(drop);
            self.pending.reserve(CHUNK);
            if self
                .frontier
                .push_subtree(root_of(&roots), CHUNK.trailing_zeros())
            {
                return Ok(());
            }
            return Err(EvidenceError::SizeOutOfRange {
                size: self.frontier.size(),
                available: self.frontier.size(),
            }); // unreachable: alignment was checked above
        }
        let hashes = card_leaf_hashes(election, &self.pending)?;
        self.pending.clear();
        self.push_leaf_hashes(&hashes);
        Ok(())
    }

    /// Append leaf hashes computed elsewhere (in order).
    pub fn push_leaf_hashes(&mut self, hashes: &[Hash]) {
        for h in hashes {
            self.frontier.push(*h);
            if let Some(tree) = &mut self.tree {
                tree.push_leaf_hash(*h);
            }
        }
    }

    /// The number of cards committed so far (after a flush).
    pub fn size(&self) -> u64 {
        self.frontier.size()
    }

    /// Flush and return the root and the number of cards.
    pub fn finish(&mut self, election: &Election) -> Result<(u64, Hash), EvidenceError> {
        self.flush(election)?;
        Ok((self.frontier.size(), self.frontier.root()))
    }

    /// The inclusion proof of card `index` (0-based, in read order) in the
    /// tree of all cards committed so far; needs [`CardCommitter::with_proofs`].
    pub fn inclusion_proof(&self, index: u64) -> Option<Result<InclusionProof, EvidenceError>> {
        self.tree
            .as_ref()
            .map(|t| t.inclusion_proof(index, t.size()))
    }

    /// The tree of leaf hashes, when kept.
    pub fn tree(&self) -> Option<&MerkleTree> {
        self.tree.as_ref()
    }
}

/// One input file of a commitment and its SHA-256.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputFile {
    /// The path as the user named it (with `/` separators).
    pub path: String,
    /// SHA-256 of the file's bytes, lowercase hex.
    pub sha256: String,
    /// The file's size in bytes.
    pub bytes: u64,
}

/// The commitment record: what was committed and the root, published as
/// canonical JSON (RFC 8785) before the audit's seed is drawn.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitmentRecord {
    /// The number of cards (the tree size).
    pub cards: u64,
    /// The Merkle root, lowercase hex.
    pub root: String,
    /// The tree: `rfc9162-sha256`.
    pub tree: String,
    /// The leaf encoding: `canvass.card.v2`.
    pub leaf_encoding: String,
    /// The files the cards were read from, in the order read.
    pub inputs: Vec<InputFile>,
}

impl CommitmentRecord {
    /// A record for `cards` cards with `root`, read from `inputs`.
    pub fn new(cards: u64, root: &Hash, inputs: Vec<InputFile>) -> CommitmentRecord {
        CommitmentRecord {
            cards,
            root: hex::encode(root),
            tree: "rfc9162-sha256".into(),
            leaf_encoding: CARD_LEAF_ENCODING.into(),
            inputs,
        }
    }

    /// The record as RFC 8785 canonical JSON.
    pub fn to_canonical_json(&self) -> Result<Vec<u8>, EvidenceError> {
        canonical_json(self)
    }
}

/// SHA-256 and length of everything `reader` yields (for [`InputFile`]).
pub fn sha256_reader(mut reader: impl Read) -> std::io::Result<(Hash, u64)> {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut total = 0u64;
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(buf.get(..n).unwrap_or_default());
        total += n as u64;
    }
    Ok((h.finalize().into(), total))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inclusion_proof::verify_inclusion;
    use canvass_model::{CardId, Choice, ContestKind, ContestVotes, Mark};

    fn election_and_cards(n: usize) -> (Election, Vec<Card>) {
        let mut e = Election::default();
        let c = e.intern_contest("mayor", "Mayor", ContestKind::Plurality);
        let a = e.contest_mut(c).intern_candidate("alice", "Alice");
        let b = e.contest_mut(c).intern_candidate("bob", "Bob");
        let cards = (0..n)
            .map(|i| {
                let mut card = Card::new(CardId::new(format!("card-{i}")));
                let choice = if i % 3 == 0 { a } else { b };
                card.contests.push(ContestVotes::new(
                    c,
                    vec![Mark::vote(Choice::Candidate(choice))],
                ));
                card
            })
            .collect();
        (e, cards)
    }

    #[test]
    fn streamed_root_equals_the_root_of_all_leaves() {
        let (e, cards) = election_and_cards(CHUNK + 77);
        let leaves = card_leaf_hashes(&e, &cards).unwrap_or_default();
        let mut c = CardCommitter::with_proofs();
        for card in cards.iter().cloned() {
            assert!(c.push(&e, card).is_ok());
        }
        let finished = c.finish(&e);
        assert_eq!(finished, Ok(((CHUNK + 77) as u64, root_of(&leaves))));
        let Some(Ok(proof)) = c.inclusion_proof(5) else {
            unreachable!()
        };
        let leaf = leaves.get(5).copied().unwrap_or_default();
        assert_eq!(verify_inclusion(&proof, &leaf, &root_of(&leaves)), Ok(()));
    }

    #[test]
    fn chunked_parallel_root_equals_the_root_of_all_leaves() {
        let (e, cards) = election_and_cards(2 * CHUNK + 77);
        let leaves = card_leaf_hashes(&e, &cards).unwrap_or_default();
        let mut c = CardCommitter::new();
        for card in cards {
            assert!(c.push(&e, card).is_ok());
        }
        assert_eq!(
            c.finish(&e),
            Ok(((2 * CHUNK + 77) as u64, root_of(&leaves)))
        );
    }

    #[test]
    fn commitment_record_is_canonical_json() {
        let rec = CommitmentRecord::new(
            2,
            &[0x11; 32],
            vec![InputFile {
                path: "cvr.json".into(),
                sha256: "00".repeat(32),
                bytes: 10,
            }],
        );
        let json = rec.to_canonical_json().unwrap_or_default();
        let text = String::from_utf8(json).unwrap_or_default();
        assert_eq!(
            text,
            format!(
                "{{\"cards\":2,\"inputs\":[{{\"bytes\":10,\"path\":\"cvr.json\",\"sha256\":\"{}\"}}],\"leaf_encoding\":\"canvass.card.v2\",\"root\":\"{}\",\"tree\":\"rfc9162-sha256\"}}",
                "00".repeat(32),
                "11".repeat(32)
            )
        );
    }

    #[test]
    fn sha256_of_a_reader() {
        let (h, n) = sha256_reader(&b"abc"[..]).unwrap_or_default();
        assert_eq!(n, 3);
        assert_eq!(
            hex::encode(h),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
