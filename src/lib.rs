//! ballast: find the dead weight in container images.
//!
//! The pipeline is a chain of modules, each with one job and a typed output:
//! `source` (engine, archive, OCI layout) → `layer` (decompress, hash, parse tar)
//! → `tree` (overlay semantics) → `analysis` (metrics) → `report` (JSON, summary).
//! The library prints nothing; progress goes through [`progress::Progress`].

pub mod analysis;
pub mod cli;
pub mod dockerfile;
pub mod error;
pub(crate) mod glob;
pub(crate) mod history_line;
pub mod layer;
pub mod progress;
pub mod report;
pub(crate) mod secret;
pub mod source;
pub mod tree;
pub mod tui;
pub mod units;
pub mod vocab;

pub use analysis::{Analysis, analyze};
pub use error::{Error, Result};
