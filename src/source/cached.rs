//! The sources' use of the layer cache ([`crate::layer::cache`]): which reads
//! may take a layer from it, which may fill it, and the note saying how many
//! layers it saved.
//!
//! Only verified reads touch the cache: a layer is stored once its bytes have
//! been checked against the config's diff_id (and its blob digest, where the
//! source has one), and taken from it only when the run verifies too, so
//! `--no-verify` always shows the bytes actually read. The config itself is
//! checked against its digest before any layer is looked up.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::layer::cache::LayerCache;
use crate::layer::{Compression, LayerIndex};
use crate::progress::Progress;

use super::Options;
use super::layout::LayerRef;

/// The cache, when this run may use it: a verified read within the default
/// limits (a layer cached under other `--limit`s was not checked against
/// this run's, so a run with changed limits reads, and keeps, nothing).
pub(crate) fn usable(opts: &Options) -> Option<&LayerCache> {
    let defaults = opts.limits == crate::limits::Limits::default();
    opts.cache.as_ref().filter(|_| opts.verify && defaults)
}

/// Counts the layers taken from the cache during one read.
#[derive(Default)]
pub(crate) struct Hits(AtomicUsize);

impl Hits {
    /// The layer `layer`'s index from the cache, completed with the blob's
    /// `compression` as the run would have found it; `None` to read it.
    pub(crate) fn lookup(
        &self,
        opts: &Options,
        layer: &LayerRef,
        compression: impl FnOnce() -> Option<Compression>,
    ) -> Option<LayerIndex> {
        self.take(usable(opts)?, &layer.diff_id, compression)
    }

    /// The layer `diff_id` from `cache`, with the blob's `compression`.
    pub(crate) fn take(
        &self,
        cache: &LayerCache,
        diff_id: &str,
        compression: impl FnOnce() -> Option<Compression>,
    ) -> Option<LayerIndex> {
        let mut index = cache.get(diff_id)?;
        index.compression = Some(compression()?);
        index.diff_id = Some(diff_id.to_string());
        self.0.fetch_add(1, Ordering::Relaxed);
        Some(index)
    }

    /// Tell the user how many of `total` layers came from the cache, if any.
    pub(crate) fn note(&self, total: usize, progress: &dyn Progress) {
        let n = self.0.load(Ordering::Relaxed);
        if n > 0 {
            progress.info(&format!(
                "{n} of {total} layers came from the layer cache (--no-cache reads them all)"
            ));
        }
    }
}

/// Keep a layer whose read was fully checked: verification on and the
/// uncompressed stream's digest equal to the config's diff_id.
pub(crate) fn store(opts: &Options, layer: &LayerRef, index: &LayerIndex) {
    let Some(cache) = usable(opts) else { return };
    if index.diff_id.as_deref() == Some(layer.diff_id.as_str()) {
        cache.put(&layer.diff_id, index);
    }
}

/// The compression a blob's first bytes show, as the layer reader finds it.
pub(crate) fn sniff_reader(mut r: impl std::io::Read) -> Option<Compression> {
    let mut head = [0u8; 6];
    let mut n = 0;
    while n < head.len() {
        match r.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
    crate::layer::sniff(&head[..n]).ok()
}

/// The compression a registry layer's media type names; `None` when unknown.
pub(crate) fn from_media_type(media_type: Option<&str>) -> Option<Compression> {
    let t = media_type?;
    if t.ends_with("gzip") {
        Some(Compression::Gzip)
    } else if t.ends_with("zstd") {
        Some(Compression::Zstd)
    } else if t.ends_with(".tar") || t.ends_with(".tar.v1") {
        Some(Compression::None)
    } else {
        None
    }
}

/// The diff_id a stream member must have if it is an uncompressed layer
/// stored under its digest (`blobs/sha256/<hex>`, as `docker save` from
/// Docker 25 writes): its digest is then the digest of its tar.
pub(crate) fn diff_id_of_blob(path: &str, head: &[u8]) -> Option<String> {
    let hex = path.strip_prefix("blobs/sha256/")?;
    let plain = crate::layer::sniff(head).ok()? == Compression::None;
    (plain && hex.len() == 64).then(|| format!("sha256:{hex}"))
}
