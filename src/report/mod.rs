//! Outputs. Each renders an [`Analysis`](crate::analysis::Analysis) and computes
//! nothing of its own.

pub mod ci;
pub mod diff;
pub mod dockerfile;
pub mod escape;
pub mod json;
pub mod markdown;
pub mod sarif;
pub mod summary;

pub use crate::units::bytes;
