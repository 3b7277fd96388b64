//! ballast: find the dead weight in container images.
//!
//! The library reads an image (a Docker or Podman engine, a `docker save`
//! archive, an OCI layout), merges its layers into one tree under the OCI
//! overlay rules, and returns one [`Analysis`]: dive-compatible metrics,
//! ballast's own byte accounting, findings with their fixes, package
//! inventories and savings estimates. It prints nothing; progress goes through
//! [`progress::Progress`]. The `ballast` binary (its command line and TUI) is
//! built on this API; docs/architecture.md in the repository says how the code
//! is laid out and which module may import which.
//!
//! ```
//! use ballast::progress::Silent;
//! use ballast::source::Options;
//! use ballast::vocab::Rule;
//!
//! let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo.tar");
//! let analysis = ballast::analyze(demo, &Options::default(), &Silent)?;
//!
//! // Every layer was checked against the config's diff_ids.
//! assert!(analysis.image.verified);
//! // Bytes shipped that nobody can see: deleted or overwritten in a later layer.
//! let m = &analysis.metrics;
//! assert_eq!(m.hidden_bytes, m.shipped_bytes - m.live_bytes);
//! // The demo deletes a 400 kB download in a later RUN.
//! let deleted = analysis.findings.iter().find(|f| f.rule == Rule::DeletedLater);
//! assert_eq!(deleted.map(|f| f.bytes), Some(400_000));
//! # Ok::<(), ballast::Error>(())
//! ```
//!
//! Public, for callers: [`analyze`] and the types an [`Analysis`] is made of
//! ([`analysis`], [`tree`], [`layer`], [`vocab`]), the [`source`] options and
//! [`source::entry::read_entry`] (one file's bytes back out of a layer),
//! [`dockerfile`] (parse, lint, cache simulation), the [`report`] writers,
//! [`fleet`] (list, scan and report on many images of a registry),
//! [`units`] and [`error`]. Everything else is crate-private.

pub mod analysis;
pub mod dockerfile;
pub mod error;
pub mod fleet;
pub(crate) mod glob;
pub(crate) mod history_line;
pub mod layer;
pub mod limits;
pub mod progress;
pub mod report;
pub(crate) mod secret;
pub mod source;
pub mod tree;
pub mod units;
pub mod vocab;

pub use analysis::{Analysis, analyze};
pub use error::{Error, Result};
