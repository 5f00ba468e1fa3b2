//! Risk-limiting audit mathematics: samplers, assorters, risk functions,
//! sample sizes and rounds.
//!
//! **Invariant:** nothing here reads the clock or the operating system's
//! randomness; seeds are inputs.

pub mod sampler;
pub mod workflow;
