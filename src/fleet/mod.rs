//! Auditing a whole registry: `ballast fleet list`, `scan` and `report`.
//!
//! A fleet is a list of image references: a registry's catalog and tags
//! filtered by repository glob and tag pattern, or a file of references
//! ([`list`]). A scan ([`scan()`]) analyses a deterministic slice of it
//! ([`shard`]) with a bounded number of images in flight, every image's
//! layers shared through the layer cache (a base layer used by many images
//! is downloaded and analysed once, also between images read at the same
//! time), and appends one compact JSON record per image to a JSON Lines file
//! ([`record`]): resumable, with failures as records. A report ([`report`])
//! merges the files of every shard into the fleet's numbers (storage once
//! per unique layer against pull traffic per image, waste by image, rule,
//! base and layer, what the top fixes save, growth against an older scan)
//! and renders them as markdown.
//!
//! This module sits above `source`, `analysis` and `report`, like a command
//! (docs/architecture.md); it prints nothing.

pub mod list;
pub mod record;
pub mod report;
pub mod scan;
pub mod shard;

pub use list::{Filters, list_file, list_registry};
pub use record::Record;
pub use scan::{ScanOptions, ScanSummary, Tick, scan};
pub use shard::Shard;
