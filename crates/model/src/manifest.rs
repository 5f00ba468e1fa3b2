//! Ballot manifests: how many cards are in each stored batch of paper.

use serde::{Deserialize, Serialize};

/// One batch of paper in the manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestBatch {
    /// The tabulator or container, when the manifest gives one.
    pub tabulator: Option<String>,
    /// The batch name as written on the container.
    pub batch: String,
    /// The number of cards in the batch.
    pub cards: u64,
}

/// Errors found when building a manifest.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ManifestError {
    /// The same batch appears twice.
    #[error("batch {batch:?} (tabulator {tabulator:?}) appears twice in the manifest")]
    DuplicateBatch {
        /// The tabulator.
        tabulator: Option<String>,
        /// The batch.
        batch: String,
    },
}

/// A ballot manifest: every batch of paper with its card count, in the order
/// given (the order matters for samplers that number cards across batches).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BallotManifest {
    /// The batches, in manifest order.
    pub batches: Vec<ManifestBatch>,
}

impl BallotManifest {
    /// Build a manifest, refusing duplicate batches.
    pub fn new(batches: Vec<ManifestBatch>) -> Result<BallotManifest, ManifestError> {
        let mut seen = std::collections::BTreeSet::new();
        for b in &batches {
            if !seen.insert((b.tabulator.clone(), b.batch.clone())) {
                return Err(ManifestError::DuplicateBatch {
                    tabulator: b.tabulator.clone(),
                    batch: b.batch.clone(),
                });
            }
        }
        Ok(BallotManifest { batches })
    }

    /// The total number of cards.
    pub fn total_cards(&self) -> u64 {
        self.batches.iter().map(|b| b.cards).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_batch_is_refused() {
        let b = |n: &str| ManifestBatch { tabulator: None, batch: n.into(), cards: 3 };
        assert!(BallotManifest::new(vec![b("1"), b("2")]).is_ok());
        assert_eq!(
            BallotManifest::new(vec![b("1"), b("1")]),
            Err(ManifestError::DuplicateBatch { tabulator: None, batch: "1".into() })
        );
    }
}
