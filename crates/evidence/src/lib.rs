//! Evidence: canonical encoding, the RFC 9162 Merkle tree with inclusion and
//! consistency proofs, and signed checkpoints.
