//! The sources' reuse of layers already analysed: from the layer cache
//! ([`crate::layer::cache`]) on disk, and from [`SharedLayers`], the layers
//! this process read for another image (`diff OLD NEW`, `--baseline`), so
//! two images sharing a base read it once, with or without the cache. Here:
//! which reads may take a layer from either, which may fill them, and the
//! note saying how many layers they saved.
//!
//! Only verified reads touch the cache: a layer is stored once its bytes have
//! been checked against the config's diff_id (and its blob digest, where the
//! source has one), and taken from it only when the run verifies too, so
//! `--no-verify` always shows the bytes actually read. The config itself is
//! checked against its digest before any layer is looked up. A `--no-verify`
//! run shares a layer between its images only by the blob digest the
//! manifest names (the same bytes from a registry or layout), never by the
//! unchecked diff_id alone.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::layer::cache::{Claim, LayerCache};
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

/// The layers one process has analysed, for the next image it reads: clones
/// share one table. Kept in memory for the life of the command only.
#[derive(Clone, Default)]
pub struct SharedLayers(Arc<Shared>);

#[derive(Default)]
struct Shared {
    layers: Mutex<HashMap<String, LayerIndex>>,
    /// Set once the last image that others may share with has been read.
    closed: AtomicBool,
}

impl std::fmt::Debug for SharedLayers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.0.layers.lock().map_or(0, |m| m.len());
        write!(f, "SharedLayers({n} layers)")
    }
}

impl SharedLayers {
    /// Keep no more layers: the images read from now on only take from it.
    pub fn close(&self) {
        self.0.closed.store(true, Ordering::Relaxed);
    }

    fn get(&self, key: &str) -> Option<LayerIndex> {
        let layers = self.0.layers.lock().unwrap_or_else(|e| e.into_inner());
        layers.get(key).cloned()
    }

    fn put(&self, key: String, index: &LayerIndex) {
        if self.0.closed.load(Ordering::Relaxed) {
            return;
        }
        let mut layers = self.0.layers.lock().unwrap_or_else(|e| e.into_inner());
        layers.entry(key).or_insert_with(|| index.clone());
    }
}

/// The layer as another image of this process read it, if it did.
fn shared_index(opts: &Options, diff_id: &str, blob_digest: Option<&str>) -> Option<LayerIndex> {
    opts.shared
        .as_ref()
        .zip(share_key(opts, diff_id, blob_digest))
        .and_then(|(s, key)| s.get(&key))
}

/// What a layer is known by between images: its diff_id when the run
/// verifies, else its blob digest (and diff_id), when the manifest has one.
fn share_key(opts: &Options, diff_id: &str, blob_digest: Option<&str>) -> Option<String> {
    if opts.verify {
        return Some(diff_id.to_string());
    }
    blob_digest.map(|d| format!("{d} {diff_id}"))
}

/// Counts the layers taken from the cache, and from [`SharedLayers`], during one read.
#[derive(Default)]
pub(crate) struct Hits {
    cached: AtomicUsize,
    shared: AtomicUsize,
}

impl Hits {
    /// The layer `layer`'s index from another image of this process or the
    /// cache, completed with the blob's `compression` as the run would have
    /// found it; `None` to read it.
    pub(crate) fn lookup(
        &self,
        opts: &Options,
        layer: &LayerRef,
        compression: impl FnOnce() -> Option<Compression>,
    ) -> Option<LayerIndex> {
        self.take(opts, &layer.diff_id, layer.digest.as_deref(), compression)
    }

    /// [`Hits::lookup`] for readers that may run beside others in this
    /// process (the registry's, under `ballast fleet scan`): a miss comes
    /// with the claim to read the layer (held until the layer is stored), and
    /// a layer another reader is reading is waited for rather than read
    /// twice. `Err(None)`: no cache to share.
    pub(crate) fn lookup_or_claim(
        &self,
        opts: &Options,
        layer: &LayerRef,
        blob_bytes: u64,
        compression: impl Fn() -> Option<Compression>,
    ) -> Result<LayerIndex, Option<Claim>> {
        // Another image of this command read it already.
        if let Some(index) = shared_index(opts, &layer.diff_id, layer.digest.as_deref())
            && let Some(c) = compression()
        {
            return Ok(Self::hit(&self.shared, index, c, opts, &layer.diff_id));
        }
        let cache = usable(opts).ok_or(None)?;
        let index = cache
            .get_or_claim(&layer.diff_id, blob_bytes)
            .map_err(Some)?;
        // A blob whose compression its media type does not name is read.
        let c = compression().ok_or(None)?;
        Ok(Self::hit(&self.cached, index, c, opts, &layer.diff_id))
    }

    /// The layer `diff_id` (stored as the blob `blob_digest`, when known),
    /// with the blob's `compression`.
    pub(crate) fn take(
        &self,
        opts: &Options,
        diff_id: &str,
        blob_digest: Option<&str>,
        compression: impl FnOnce() -> Option<Compression>,
    ) -> Option<LayerIndex> {
        let (index, counter) = match shared_index(opts, diff_id, blob_digest) {
            Some(index) => (index, &self.shared),
            None => (usable(opts)?.get(diff_id)?, &self.cached),
        };
        Some(Self::hit(counter, index, compression()?, opts, diff_id))
    }

    /// A layer taken rather than read, counted in `counter` and completed as
    /// this read would have found it: the blob's `compression`, and the
    /// diff_id when the run verifies.
    fn hit(
        counter: &AtomicUsize,
        mut index: LayerIndex,
        compression: Compression,
        opts: &Options,
        diff_id: &str,
    ) -> LayerIndex {
        index.compression = Some(compression);
        index.diff_id = opts.verify.then(|| diff_id.to_string());
        counter.fetch_add(1, Ordering::Relaxed);
        index
    }

    /// Tell the user how many of `total` layers were not read, and why.
    pub(crate) fn note(&self, total: usize, progress: &dyn Progress) {
        let shared = self.shared.load(Ordering::Relaxed);
        if shared > 0 {
            progress.info(&format!(
                "{shared} of {total} layers were already read for the other image"
            ));
        }
        let n = self.cached.load(Ordering::Relaxed);
        if n > 0 {
            progress.info(&format!(
                "{n} of {total} layers came from the layer cache (--no-cache reads them all)"
            ));
        }
    }
}

/// Keep a layer just read for the other images of this process, and, when
/// the read was fully checked (verification on and the uncompressed
/// stream's digest equal to the config's diff_id), in the cache.
pub(crate) fn store(opts: &Options, layer: &LayerRef, index: &LayerIndex) {
    let checked = opts.verify && index.diff_id.as_deref() == Some(layer.diff_id.as_str());
    if let Some(shared) = &opts.shared
        && (checked || !opts.verify)
        && let Some(key) = share_key(opts, &layer.diff_id, layer.digest.as_deref())
    {
        shared.put(key, index);
    }
    if let Some(cache) = usable(opts)
        && checked
    {
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
