//! A way into the image readers from memory, for the fuzzer only: built with
//! the cargo feature `fuzzing` (off by default), hidden from the docs, not part
//! of the library's API. fuzz/fuzz_targets/manifest_mem.rs drives it, so
//! manifest, index and config parsing run thousands of times a second instead
//! of once per layout written to disk.

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;

use super::store::{MemStore, blob_sizes};
use super::{Options, layout, read_one};
use crate::error::Result;
use crate::progress::Silent;

/// Read the image whose files are `files` (path in the archive or layout →
/// bytes: `manifest.json` or `index.json`, `blobs/sha256/<hex>`, ...) the way a
/// `docker save` archive or an OCI layout on disk is read: the manifest or the
/// index (nested indexes, cycles, the platform choice for `opts.platform`),
/// the config, the metadata blobs checked against their digests and the
/// layers read and checked against theirs and the config's diff_ids (with
/// `opts.verify`). `reference` picks a tag of a multi-image `manifest.json`.
/// Returns the number of layers read.
#[doc(hidden)]
pub fn read_in_memory(
    files: HashMap<String, Vec<u8>>,
    reference: Option<&str>,
    opts: &Options,
) -> Result<usize> {
    let store = MemStore {
        files,
        links: HashMap::new(),
        name: "fuzz".into(),
    };
    let plan = layout::resolve(&store, reference, opts)?;
    blob_sizes(&store, &plan)?;
    let cancel = AtomicBool::new(false);
    for i in 0..plan.layers.len() {
        read_one(&store, &plan, i, opts, &Silent, &cancel)?;
    }
    Ok(plan.layers.len())
}
