//! Social-choice functions: plurality, vote-for-N, approval, supermajority,
//! ranked-choice (IRV) and multi-seat STV with every RCTab rule, reported
//! round by round. Deterministic and independent of ballot order.
