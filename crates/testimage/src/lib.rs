//! Synthetic image writer for ballast's tests, examples and benchmarks.
//!
//! Real images come from the engine in the integration tests; this crate makes
//! the cases an engine will not produce on demand (PAX global headers, non-UTF-8
//! names, hostile archives, exact whiteout shapes, 150,000-file benchmark layers)
//! in every layout ballast reads: docker-archive (legacy and Docker 25+), OCI
//! layout as a directory and as a tar, with gzip, zstd or no compression.
//! Output is deterministic: the same spec gives the same bytes.
//!
//! It is its own crate, a dev-dependency of ballast, so that the library ships
//! no test code; it knows nothing of ballast.

mod corrupt;
mod elf;
mod hash;
mod image;
mod layer;
mod pattern;
mod spec;

pub use corrupt::{poke, truncate};
pub use elf::elf;
pub use hash::hash_spec;
pub use image::write_image;
pub use layer::write_layer_tar;
pub use spec::{
    Compress, Content, ImageSpec, LayerSpec, Layout, Node, Written, big_file, dir, file, hardlink,
    opaque, raw_header, symlink, whiteout,
};
