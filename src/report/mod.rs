//! Outputs. Each renders an [`Analysis`](crate::analysis::Analysis) and computes
//! nothing of its own.

pub mod ci;
pub mod diff;
pub mod dockerfile;
pub mod json;
pub mod markdown;
pub mod sarif;
pub mod summary;

/// Bytes for people, one convention everywhere: decimal units, as Docker shows them.
pub fn bytes(n: u64) -> String {
    humansize::format_size(n, humansize::DECIMAL)
}
