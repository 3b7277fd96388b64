//! Reading an image archive that arrives as a stream (the engine's export, a
//! compressed `docker save`).
//!
//! `docker save` writes the layers before `manifest.json`, so the layer order is
//! unknown while the layers go by. Rather than spool them to disk, every large
//! blob that is not JSON is read as a layer the moment it arrives (by a worker
//! thread, so the next blob's transfer overlaps this one's parsing) and kept by
//! path; small files are kept in memory. At the end the manifest names which
//! blobs are the layers, and in which order.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read};
use std::sync::mpsc::{SyncSender, sync_channel};

use super::channel::ChannelReader;
use std::sync::{Condvar, Mutex};

use super::digest::read_checked;
use super::store::{BlobStore, MemStore, clean, link_target};
use super::{Loaded, Options, check_digest, corrupt, layout, panicked};
use crate::error::{Error, Result};
use crate::layer::{Compression, LayerIndex, ReadOptions, read_layer_counted, sniff};
use crate::limits::{Limit, Limits};
use crate::progress::Progress;

/// Blobs up to this size are kept in memory and read after the manifest.
const SMALL: u64 = 1024 * 1024;
/// How much of a member is read before deciding: enough for [`kept_in_memory`].
pub(super) const CHUNK: usize = SMALL as usize;
/// Chunks buffered per layer worker: bounds memory while the worker catches up.
const QUEUE: usize = 8;

/// A layer blob read by a worker (or, for small ones, after the manifest).
struct LayerResult {
    layer: std::result::Result<LayerIndex, crate::layer::LayerError>,
    size: u64,
    /// The blob against the digest its path promises.
    blob: Result<()>,
    /// Taken from the layer cache rather than read.
    cached: bool,
}

/// Whether a stream member of `size` bytes, starting with `head` (its first
/// [`CHUNK`] bytes at most), is metadata to keep rather than a layer: small
/// members, and JSON (configs, manifests) up to the `metadata` limit.
pub(super) fn kept_in_memory(path: &str, size: u64, head: &[u8], limits: &Limits) -> bool {
    let json = head.first() == Some(&b'{') || layout::is_metadata_name(path);
    size <= SMALL || (json && size <= limits.get(Limit::Metadata))
}

/// Count member `path` of `size` bytes, kept in memory, in `kept`: an error
/// past the `stream-memory` limit (metadata and small layers read after the
/// manifest; real images keep a few MiB).
pub(super) fn keep(
    kept: &mut u64,
    (path, size): (&str, u64),
    limits: &Limits,
) -> std::result::Result<(), String> {
    *kept = kept.saturating_add(size);
    if *kept <= limits.get(Limit::StreamMemory) {
        return Ok(());
    }
    Err(format!(
        "its small and metadata members ('{path}' the last) hold {} bytes, over the limit \
         on what is kept in memory while streaming: {}",
        *kept,
        limits.breach(Limit::StreamMemory, Some(*kept))
    ))
}

/// Wrap a compressed archive in its decoder.
pub(super) fn decompress<R: Read + Send + 'static>(r: R) -> io::Result<Box<dyn Read + Send>> {
    let mut r = BufReader::new(r);
    let head = r.fill_buf()?;
    Ok(match sniff(head) {
        Ok(Compression::Gzip) => Box::new(flate2::bufread::MultiGzDecoder::new(r)),
        Ok(Compression::Zstd) => Box::new(zstd::stream::read::Decoder::with_buffer(r)?),
        Ok(Compression::None) => Box::new(r),
        Err(e) => return Err(io::Error::other(e.0)),
    })
}

/// What the stream's reader shares with the layer workers.
struct Workers {
    /// Each layer read so far, by its path in the archive.
    results: Mutex<HashMap<String, LayerResult>>,
    /// Bounds how many workers run at once.
    slots: Semaphore,
    /// The source's name in messages.
    name: String,
    /// How layers are read (checked or not, the limits), and where layers
    /// already analysed may come from (the cache, the other images of this
    /// process).
    opts: Options,
    hits: super::cached::Hits,
}

/// Read a whole archive stream, then hand the layers to `on_layer` in order.
pub(super) fn read(
    reader: Box<dyn Read + Send>,
    name: &str,
    reference: Option<&str>,
    opts: &Options,
    progress: &dyn Progress,
    on_layer: &mut dyn FnMut(usize, LayerIndex) -> Result<()>,
) -> Result<Loaded> {
    let mut mem = MemStore {
        name: name.to_string(),
        ..MemStore::default()
    };
    let workers = Workers {
        results: Mutex::new(HashMap::new()),
        slots: Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()) + 1),
        name: name.to_string(),
        opts: opts.clone(),
        hits: super::cached::Hits::default(),
    };
    std::thread::scope(|scope| read_members(scope, &workers, reader, name, progress, &mut mem))?;
    progress.finish();

    let plan = layout::resolve(&mem, reference, opts)?;
    let results = workers
        .results
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let blob_sizes = hand_over(&plan, &mem, results, (name, &workers.hits), opts, on_layer)?;
    workers.hits.note(plan.layers.len(), progress);
    Ok(Loaded {
        source: super::source_of(&plan),
        plan,
        blob_sizes,
        read_path: super::ReadPath::Archive,
    })
}

/// Read the archive member by member: links and small files go into `mem`,
/// each layer to a worker of `scope` as it streams by.
fn read_members<'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    workers: &'scope Workers,
    reader: Box<dyn Read + Send>,
    name: &str,
    progress: &dyn Progress,
    mem: &mut MemStore,
) -> Result<()> {
    // The last archive member seen, to say where a broken stream broke.
    let mut last: Option<String> = None;
    // Bytes of the members kept in `mem`.
    let mut kept = 0u64;
    let mut archive = tar::Archive::new(Counted {
        inner: reader,
        progress,
    });
    let entries = archive.entries().map_err(|e| Error::UnknownFormat {
        source_name: name.to_string(),
        reason: format!("cannot read it as a tar archive: {e}"),
    })?;
    for entry in entries {
        let mut entry = entry.map_err(|e| stream_error(name, last.as_deref(), e))?;
        let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let Some(path) = clean(&raw) else { continue };
        last = Some(path.clone());
        match entry.header().entry_type() {
            tar::EntryType::Symlink | tar::EntryType::Link => {
                if let Some(t) = link_target(&path, &entry) {
                    mem.links.insert(path, t);
                }
                continue;
            }
            tar::EntryType::Regular | tar::EntryType::Continuous => {}
            _ => continue,
        }
        let size = entry.size();
        let first = next_chunk(&mut entry, name, last.as_deref())?;
        if kept_in_memory(&path, size, &first, &workers.opts.limits) {
            keep(&mut kept, (&path, size), &workers.opts.limits).map_err(|reason| {
                Error::UnknownFormat {
                    source_name: name.to_string(),
                    reason,
                }
            })?;
            let mut bytes = first;
            entry
                .read_to_end(&mut bytes)
                .map_err(|e| stream_error(name, last.as_deref(), e))?;
            mem.files.insert(path, bytes);
            continue;
        }
        feed_layer(scope, workers, (path, size), first, &mut entry, name)?;
    }
    Ok(())
}

/// The next chunk of a member (empty at its end). Chunks are read straight
/// into the buffers handed to the worker: every copy of every byte costs CPU
/// the engine's own export needs.
fn next_chunk(entry: &mut impl Read, name: &str, last: Option<&str>) -> Result<Vec<u8>> {
    let mut chunk = Vec::with_capacity(CHUNK);
    entry
        .take(CHUNK as u64)
        .read_to_end(&mut chunk)
        .map_err(|e| stream_error(name, last, e))?;
    Ok(chunk)
}

/// A layer: start a worker reading it, then feed it the member chunk by
/// chunk, `first` first. `member` is the layer's path and size.
fn feed_layer<'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    workers: &'scope Workers,
    member: (String, u64),
    first: Vec<u8>,
    entry: &mut impl Read,
    name: &str,
) -> Result<()> {
    if let Some(index) = cached_member(workers, &member.0, &first) {
        // Its bytes stream past unparsed and unhashed.
        io::copy(entry, &mut io::sink()).map_err(|e| stream_error(name, Some(&member.0), e))?;
        let (key, size) = member;
        let done = LayerResult {
            layer: Ok(index),
            size,
            blob: Ok(()),
            cached: true,
        };
        workers
            .results
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(key, done);
        return Ok(());
    }
    let (tx, rx): (SyncSender<io::Result<Vec<u8>>>, _) = sync_channel(QUEUE);
    let slot = workers.slots.acquire();
    let last = member.0.clone();
    scope.spawn(move || {
        // Released when the worker ends, however it ends.
        let _slot = slot;
        let (key, size) = member;
        let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            #[cfg(test)]
            super::test_hook::maybe_panic(&workers.name);
            read_blob(ChannelReader::new(rx), &workers.name, &key, &workers.opts)
        }));
        let (layer, blob) = read.unwrap_or_else(|p| {
            let e = crate::layer::LayerError("the worker panicked".into());
            (Err(e), Err(panicked(&workers.name, 0, &*p)))
        });
        workers
            .results
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(
                key,
                LayerResult {
                    layer,
                    size,
                    blob,
                    cached: false,
                },
            );
    });
    let mut chunk = first;
    while !chunk.is_empty() {
        // A worker that stopped early (corrupt layer) no longer listens;
        // keep draining the stream so the rest can still be read.
        let _ = tx.send(Ok(chunk));
        chunk = next_chunk(entry, name, Some(&last))?;
    }
    Ok(())
}

/// The layer a stream member holds, from the cache, when its name says
/// which uncompressed layer it is.
fn cached_member(workers: &Workers, path: &str, head: &[u8]) -> Option<LayerIndex> {
    let diff_id = super::cached::diff_id_of_blob(path, head)?;
    // An uncompressed blob's digest is its diff_id.
    workers
        .hits
        .take(&workers.opts, &diff_id, Some(&diff_id), || {
            Some(Compression::None)
        })
}

/// Read one layer blob stored at `path`, checking it against the digest its
/// path promises.
fn read_blob(
    reader: impl Read,
    name: &str,
    path: &str,
    opts: &Options,
) -> (
    std::result::Result<LayerIndex, crate::layer::LayerError>,
    Result<()>,
) {
    let read = ReadOptions {
        verify: opts.verify,
    };
    read_checked(reader, (name, path), opts.verify, |r| {
        read_layer_counted(r, read, &opts.limits, &opts.entries, &|_| {})
    })
}

/// Hand the layers to `on_layer` in the plan's order, each from its worker's
/// result or, for layers kept in memory, read now; gives each blob's size.
fn hand_over(
    plan: &layout::ImagePlan,
    mem: &MemStore,
    mut results: HashMap<String, LayerResult>,
    (name, hits): (&str, &super::cached::Hits),
    opts: &Options,
    on_layer: &mut dyn FnMut(usize, LayerIndex) -> Result<()>,
) -> Result<Vec<Option<u64>>> {
    let keys: Vec<String> = plan
        .layers
        .iter()
        .map(|l| mem.resolve(&l.blob).unwrap_or_else(|| l.blob.clone()))
        .collect();
    let mut uses: HashMap<&String, usize> = HashMap::new();
    for key in &keys {
        *uses.entry(key).or_default() += 1;
    }
    let mut blob_sizes = Vec::with_capacity(plan.layers.len());
    for (i, (layer, key)) in plan.layers.iter().zip(&keys).enumerate() {
        let read = match results.get_mut(key) {
            Some(r) => r,
            None => {
                // Small layers are read from memory.
                let blob = mem.open(key)?.ok_or_else(|| Error::MissingBlob {
                    source_name: name.to_string(),
                    blob: layer.blob.clone(),
                })?;
                let size = blob.size;
                let head = || super::cached::sniff_reader(mem.open(key).ok()??.reader);
                let done = match hits.lookup(opts, layer, head) {
                    Some(index) => LayerResult {
                        layer: Ok(index),
                        size,
                        blob: Ok(()),
                        cached: true,
                    },
                    None => {
                        let (layer, blob) = read_blob(blob.reader, name, key, opts);
                        LayerResult {
                            layer,
                            size,
                            blob,
                            cached: false,
                        }
                    }
                };
                results.entry(key.clone()).or_insert(done)
            }
        };
        let blob_check = std::mem::replace(&mut read.blob, Ok(()));
        if let Err(Error::WorkerPanicked { message, .. }) = &blob_check {
            return Err(Error::WorkerPanicked {
                source_name: name.into(),
                what: format!("layer {i}"),
                message: message.clone(),
            });
        }
        // A layer the manifest names again later is kept for that use.
        let left = uses.get_mut(key).expect("counted above");
        *left -= 1;
        let cached = read.cached;
        let (index, size) = if *left > 0 {
            (read.layer.clone(), read.size)
        } else {
            let read = results.remove(key).expect("looked up above");
            (read.layer, read.size)
        };
        let index = index.map_err(|e| corrupt(name, i, layer, e))?;
        check_digest(name, i, layer, &index, opts)?;
        blob_check?;
        if !cached {
            super::cached::store(opts, layer, &index);
        }
        blob_sizes.push(Some(size));
        on_layer(i, index)?;
    }
    Ok(blob_sizes)
}

fn stream_error(name: &str, last: Option<&str>, e: io::Error) -> Error {
    let at = match last {
        Some(entry) => format!(" after '{entry}'"),
        None => " at its start".to_string(),
    };
    let eof = e.kind() == io::ErrorKind::UnexpectedEof || e.to_string().contains("unexpected EOF");
    let reason = if eof {
        format!("the archive ends early{at} (truncated, or the export was interrupted)")
    } else {
        format!("reading stopped{at}: {e}")
    };
    Error::ReadFailed {
        source_name: name.to_string(),
        reason,
    }
}

/// Counts stream bytes for the progress bar.
struct Counted<'a> {
    inner: Box<dyn Read + Send>,
    progress: &'a dyn Progress,
}

impl Read for Counted<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.advance(n as u64);
        Ok(n)
    }
}

/// Bounds how many layer workers run at once.
struct Semaphore {
    free: Mutex<usize>,
    cond: Condvar,
}

impl Semaphore {
    fn new(n: usize) -> Self {
        Semaphore {
            free: Mutex::new(n),
            cond: Condvar::new(),
        }
    }

    /// Wait for a free slot; it is given back when the returned guard drops,
    /// on a worker's normal end and on its unwinding alike.
    fn acquire(&self) -> Slot<'_> {
        let mut free = self.free.lock().unwrap_or_else(|p| p.into_inner());
        while *free == 0 {
            free = self.cond.wait(free).unwrap_or_else(|p| p.into_inner());
        }
        *free -= 1;
        Slot(self)
    }

    fn release(&self) {
        *self.free.lock().unwrap_or_else(|p| p.into_inner()) += 1;
        self.cond.notify_one();
    }
}

/// One taken slot of a [`Semaphore`].
struct Slot<'a>(&'a Semaphore);

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.0.release();
    }
}
