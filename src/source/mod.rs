//! Image sources: where the bytes come from, and reading every layer of them.
//!
//! An existing path is an archive (`docker save`, OCI tar, possibly compressed)
//! or a layout directory; anything else is an engine reference. Seekable
//! sources (a tar file, a directory) read their layers in parallel on all cores;
//! streams (the engine's export, a compressed archive) are read once, front to
//! back, each layer blob handed to its own worker as it goes by, so the analysis
//! overlaps the transfer and nothing is spooled to disk. Either way the caller
//! receives the layers in manifest order.

mod cached;
mod channel;
mod digest;
pub mod engine;
pub mod entry;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod identity;
pub(crate) mod layout;
pub(crate) mod overlay;
pub mod registry;
pub(crate) mod store;
mod stream;
#[cfg(test)]
mod tests_pool;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

use crate::error::{Error, Result};
use crate::layer::{LayerIndex, ReadOptions, read_layer_counted};
use crate::progress::Progress;

pub use cached::SharedLayers;
pub(crate) use cached::usable as usable_cache;
use channel::Cancellable;
pub use identity::{Identity, Resolved, identify};
pub use layout::{ImagePlan, Platform};
pub use registry::RegistryOptions;
use store::{BlobStore, DirStore, TarStore};

/// Where to read an image from.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    clap::ValueEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    /// An existing path is an archive or layout; anything else a Docker reference.
    #[default]
    Auto,
    /// The Docker Engine API (honours DOCKER_HOST).
    Docker,
    /// Podman's Docker-compatible API socket.
    Podman,
    /// A `docker save` archive (file or unpacked directory).
    DockerArchive,
    /// An OCI image layout (directory or tar).
    Oci,
    /// A registry, over the OCI Distribution API (never chosen by `auto`).
    Registry,
}

impl SourceKind {
    /// The name users type (`--source`) and the JSON shows.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Auto => "auto",
            SourceKind::Docker => "docker",
            SourceKind::Podman => "podman",
            SourceKind::DockerArchive => "docker-archive",
            SourceKind::Oci => "oci",
            SourceKind::Registry => "registry",
        }
    }
}

/// Whether to read an engine's layers in place from its storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum EngineStorage {
    /// Use the engine's storage when it is local and readable, else export.
    #[default]
    Auto,
    /// Always export the image through the API (`docker save`).
    Never,
}

/// How to read. The default, `ballast IMAGE` without flags: detect the source, take the host's
/// platform, never pull, verify every layer, read engine storage in place where it can.
#[derive(Debug, Clone)]
pub struct Options {
    pub source: SourceKind,
    pub platform: Option<Platform>,
    pub pull: bool,
    /// Check each layer against the config's `rootfs.diff_ids`.
    pub verify: bool,
    pub engine_storage: EngineStorage,
    /// How to reach registries (`--registry-ca`, `--insecure-registry`).
    pub registry: RegistryOptions,
    /// The layer cache to take verified layers from and keep them in; `None`
    /// (the library's default) reads every layer.
    pub cache: Option<crate::layer::cache::LayerCache>,
    /// Layers this process already read for another image (`diff`,
    /// `--baseline`), taken instead of reading them again; `None` shares none.
    pub shared: Option<SharedLayers>,
    /// The resource limits (`--limit`): what an image may make ballast hold.
    pub limits: crate::limits::Limits,
    /// The entries read from the image's layers so far ([`load`] starts a
    /// new count for each image).
    pub entries: std::sync::Arc<crate::limits::ImageEntries>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            source: SourceKind::default(),
            platform: None,
            pull: false,
            verify: true,
            engine_storage: EngineStorage::default(),
            registry: RegistryOptions::default(),
            cache: None,
            shared: None,
            limits: crate::limits::Limits::default(),
            entries: Default::default(),
        }
    }
}

/// How the layer bytes were obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReadPath {
    /// Layer blobs from an archive or layout on disk.
    Archive,
    /// The engine's export stream (`GET /images/{name}/get`).
    Export,
    /// The engine's own layer directories, read in place (no digests to check).
    EngineStorage,
    /// Blobs downloaded from a registry.
    Registry,
}

/// What was read, besides the layers.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub plan: ImagePlan,
    /// Which source was used, as users name it (`docker`, `docker-archive`, ...).
    pub source: SourceKind,
    /// Per-layer blob sizes (compressed, as stored), when known.
    pub blob_sizes: Vec<Option<u64>>,
    pub read_path: ReadPath,
}

/// Where an image's bytes are: what [`load`] and [`entry::read_entry`] both
/// decide the same way before reading.
pub(crate) enum Origin<'a> {
    /// An engine reference.
    Engine(engine::Engine),
    /// An OCI layout or unpacked `docker save` directory.
    Dir(&'a Path),
    /// A compressed archive (`docker save | gzip`): it can only be streamed.
    Compressed(&'a Path),
    /// A tar archive, read in place.
    Tar(&'a Path),
    /// `-`: a `docker save` stream (plain or compressed) on standard input.
    Stdin,
    /// A registry reference (`--source registry` only).
    Registry,
}

/// The image name that means standard input.
pub const STDIN: &str = "-";

pub(crate) fn origin<'a>(reference: &'a str, opts: &Options) -> Result<Origin<'a>> {
    if opts.source == SourceKind::Registry {
        return Ok(Origin::Registry);
    }
    let path = Path::new(reference);
    if reference == STDIN && !matches!(opts.source, SourceKind::Docker | SourceKind::Podman) {
        return Ok(Origin::Stdin);
    }
    let local = matches!(opts.source, SourceKind::DockerArchive | SourceKind::Oci)
        || (opts.source == SourceKind::Auto && (path.exists() || looks_like_path(reference)));
    if !local {
        return Ok(Origin::Engine(match opts.source {
            SourceKind::Podman => engine::Engine::Podman,
            _ => engine::Engine::Docker,
        }));
    }
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.is_dir() {
        return Ok(Origin::Dir(path));
    }
    if !meta.is_file() {
        return Err(store::not_a_file(path, &meta));
    }
    let mut head = [0u8; 6];
    let n = {
        use std::io::Read;
        let mut f = store::open_regular(path)?;
        f.read(&mut head).map_err(|e| Error::io(path, e))?
    };
    Ok(
        if crate::layer::sniff(&head[..n]).is_ok_and(|c| c != crate::layer::Compression::None) {
            Origin::Compressed(path)
        } else {
            Origin::Tar(path)
        },
    )
}

/// A compressed archive's decoded stream.
pub(crate) fn open_compressed(
    path: &Path,
    reference: &str,
) -> Result<Box<dyn std::io::Read + Send>> {
    let f = store::open_regular(path)?;
    stream::decompress(f).map_err(|e| Error::UnknownFormat {
        source_name: reference.into(),
        reason: e.to_string(),
    })
}

/// Read `reference` and hand each layer to `on_layer` in manifest order;
/// `resolved` is what [`identify`] fetched for it, if anything.
pub fn load(
    reference: &str,
    opts: &Options,
    resolved: Resolved,
    progress: &dyn Progress,
    on_layer: &mut dyn FnMut(usize, LayerIndex) -> Result<()>,
) -> Result<Loaded> {
    let opts = &Options {
        entries: Default::default(),
        ..opts.clone()
    };
    let path = match origin(reference, opts)? {
        Origin::Engine(engine) => {
            return load_engine(engine, reference, resolved, opts, progress, on_layer);
        }
        Origin::Dir(path) => return read_store(&DirStore::new(path), opts, progress, on_layer),
        Origin::Tar(path) => {
            let store = resolved.tar().map_or_else(|| TarStore::open(path), Ok)?;
            return read_store(&store, opts, progress, on_layer);
        }
        Origin::Registry => {
            return registry::load(reference, resolved.remote(), opts, progress, on_layer);
        }
        Origin::Compressed(path) => path,
        Origin::Stdin => return load_stdin(opts, progress, on_layer),
    };
    let len = std::fs::metadata(path)
        .map_err(|e| Error::io(path, e))?
        .len();
    progress.phase(&format!("reading {reference}"), Some(len));
    let reader = open_compressed(path, reference)?;
    let mut loaded = stream::read(reader, reference, None, opts, progress, on_layer)?;
    loaded.source = source_of(&loaded.plan);
    Ok(loaded)
}

/// A `docker save` stream on standard input, read once without seeking; the
/// bytes sniffed for the compression stay in the stream.
fn load_stdin(
    opts: &Options,
    progress: &dyn Progress,
    on_layer: &mut dyn FnMut(usize, LayerIndex) -> Result<()>,
) -> Result<Loaded> {
    use std::io::IsTerminal;
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Err(Error::Usage(
            "the image '-' means standard input, which is a terminal: pipe a `docker save` \
             archive into it (docker save IMAGE | ballast -)"
                .into(),
        ));
    }
    progress.phase("reading standard input", None);
    let reader = stream::decompress(stdin).map_err(|e| Error::UnknownFormat {
        source_name: "stdin".into(),
        reason: e.to_string(),
    })?;
    let mut loaded = stream::read(reader, "stdin", None, opts, progress, on_layer)?;
    loaded.source = source_of(&loaded.plan);
    Ok(loaded)
}

/// An engine's image: in place from its storage when allowed and possible,
/// else through its export.
fn load_engine(
    engine: engine::Engine,
    reference: &str,
    resolved: Resolved,
    opts: &Options,
    progress: &dyn Progress,
    on_layer: &mut dyn FnMut(usize, LayerIndex) -> Result<()>,
) -> Result<Loaded> {
    let kind = engine.source_kind();
    if opts.engine_storage == EngineStorage::Auto {
        let found = match resolved.located() {
            Some(located) => Ok(Ok(located)),
            None => overlay::locate(engine, reference),
        };
        match found {
            // Without the image there is nothing to read in place; the
            // export path pulls it.
            Err(Error::ImageNotFound { .. }) if opts.pull => {}
            Err(e) => return Err(e),
            Ok(Ok(located)) => {
                let plan = overlay::read(&located, reference, &opts.limits, progress, on_layer)?;
                return Ok(Loaded {
                    blob_sizes: vec![None; plan.layers.len()],
                    plan,
                    source: kind,
                    read_path: ReadPath::EngineStorage,
                });
            }
            Ok(Err(overlay::Unavailable(reason))) => {
                progress.note(&format!(
                    "reading through the export, not the engine's storage: {reason}"
                ));
            }
        }
    }
    let export = engine::export(engine, reference, opts.pull)?;
    progress.phase(
        &format!("exporting {reference} from {}", engine.name()),
        export.size_hint,
    );
    let mut loaded = stream::read(
        export.reader,
        reference,
        Some(reference),
        opts,
        progress,
        on_layer,
    )?;
    loaded.source = kind;
    loaded.read_path = ReadPath::Export;
    Ok(loaded)
}

/// Whether a missing `reference` was meant as a file: engine references never
/// start with `/` or `.` and never end in an archive extension.
fn looks_like_path(reference: &str) -> bool {
    const EXTENSIONS: &[&str] = &[".tar", ".tar.gz", ".tgz", ".tar.zst", ".tzst", ".oci"];
    reference.starts_with(['/', '.', '~'])
        || EXTENSIONS
            .iter()
            .any(|e| reference.to_ascii_lowercase().ends_with(e))
}

pub(super) fn source_of(plan: &ImagePlan) -> SourceKind {
    match plan.format {
        layout::Format::Oci => SourceKind::Oci,
        _ => SourceKind::DockerArchive,
    }
}

/// Read every layer of a seekable store, in parallel, largest first.
fn read_store(
    store: &dyn BlobStore,
    opts: &Options,
    progress: &dyn Progress,
    on_layer: &mut dyn FnMut(usize, LayerIndex) -> Result<()>,
) -> Result<Loaded> {
    let plan = layout::resolve(store, None, opts)?;
    let sizes = store::blob_sizes(store, &plan)?;
    progress.phase(
        &format!("reading {}", store.name()),
        Some(sizes.iter().sum()),
    );

    let mut order: Vec<usize> = (0..plan.layers.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(sizes[i]));
    let next = AtomicUsize::new(0);
    let cancel = AtomicBool::new(false);
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(order.len().max(1));
    let (tx, rx) = mpsc::channel::<(usize, Result<LayerIndex>)>();
    let hits = cached::Hits::default();

    std::thread::scope(|scope| -> Result<()> {
        for _ in 0..workers {
            let tx = tx.clone();
            let (order, next, cancel, plan, hits) = (&order, &next, &cancel, &plan, &hits);
            scope.spawn(move || {
                while !cancel.load(Ordering::Relaxed) {
                    let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) else {
                        break;
                    };
                    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        cached_one(store, plan, i, opts, progress, hits)
                            .transpose()
                            .unwrap_or_else(|| read_one(store, plan, i, opts, progress, cancel))
                    }))
                    .unwrap_or_else(|p| Err(panicked(store.name(), i, &*p)));
                    if tx.send((i, result)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        merge_in_order(rx, &cancel, on_layer)
    })?;
    progress.finish();
    hits.note(plan.layers.len(), progress);
    let source = source_of(&plan);
    Ok(Loaded {
        plan,
        source,
        blob_sizes: sizes.into_iter().map(Some).collect(),
        read_path: ReadPath::Archive,
    })
}

/// Hand layers to `on_layer` in manifest order as the workers complete them;
/// on the first error, tell the workers to stop.
fn merge_in_order(
    done: mpsc::Receiver<(usize, Result<LayerIndex>)>,
    cancel: &AtomicBool,
    on_layer: &mut dyn FnMut(usize, LayerIndex) -> Result<()>,
) -> Result<()> {
    let mut pending = BTreeMap::new();
    let mut want = 0;
    for (i, result) in done {
        match result {
            Ok(layer) => {
                pending.insert(i, layer);
            }
            Err(e) => {
                cancel.store(true, Ordering::Relaxed);
                return Err(e);
            }
        }
        while let Some(layer) = pending.remove(&want) {
            if let Err(e) = on_layer(want, layer) {
                cancel.store(true, Ordering::Relaxed);
                return Err(e);
            }
            want += 1;
        }
    }
    Ok(())
}

/// Layer `i` from the cache, without decompressing its blob (only its first
/// bytes are read, for the compression the analysis reports).
fn cached_one(
    store: &dyn BlobStore,
    plan: &ImagePlan,
    i: usize,
    opts: &Options,
    progress: &dyn Progress,
    hits: &cached::Hits,
) -> Result<Option<LayerIndex>> {
    let layer = &plan.layers[i];
    let mut size = 0;
    let index = hits.lookup(opts, layer, || {
        let blob = store.open(&layer.blob).ok()??;
        size = blob.size;
        cached::sniff_reader(blob.reader)
    });
    if index.is_some() {
        progress.advance(size);
    }
    Ok(index)
}

fn read_one(
    store: &dyn BlobStore,
    plan: &ImagePlan,
    i: usize,
    opts: &Options,
    progress: &dyn Progress,
    cancel: &AtomicBool,
) -> Result<LayerIndex> {
    let layer = &plan.layers[i];
    let blob = store.open(&layer.blob)?.ok_or_else(|| Error::MissingBlob {
        source_name: store.name().into(),
        blob: layer.blob.clone(),
    })?;
    let reader = Cancellable {
        inner: blob.reader,
        cancel,
    };
    #[cfg(test)]
    test_hook::maybe_panic(store.name());
    // The diff_id is checked before the blob digest, so a changed layer
    // names the layer rather than its blob.
    let (index, blob_check) =
        digest::read_checked(reader, (store.name(), &layer.blob), opts.verify, |r| {
            let index = read_layer_counted(
                r,
                ReadOptions {
                    verify: opts.verify,
                },
                &opts.limits,
                &opts.entries,
                &|n| progress.advance(n),
            )
            .map_err(|e| corrupt(store.name(), i, layer, e))?;
            check_digest(store.name(), i, layer, &index, opts)?;
            Ok::<_, Error>(index)
        });
    let index = index?;
    blob_check?;
    cached::store(opts, layer, &index);
    Ok(index)
}

/// A worker's panic as an error: the other workers and the caller stop, not wait for its layer.
pub(crate) fn panicked(name: &str, i: usize, payload: &(dyn std::any::Any + Send)) -> Error {
    Error::WorkerPanicked {
        source_name: name.into(),
        what: format!("layer {i}"),
        message: digest::panic_message(payload),
    }
}

pub(crate) fn corrupt(
    name: &str,
    i: usize,
    layer: &layout::LayerRef,
    e: crate::layer::LayerError,
) -> Error {
    Error::CorruptLayer {
        source_name: name.into(),
        layer: i,
        digest: layer
            .digest
            .clone()
            .unwrap_or_else(|| layer.diff_id.clone()),
        reason: e.0,
    }
}

pub(crate) fn check_digest(
    name: &str,
    i: usize,
    layer: &layout::LayerRef,
    index: &LayerIndex,
    opts: &Options,
) -> Result<()> {
    if !opts.verify {
        return Ok(());
    }
    match &index.diff_id {
        Some(actual) if actual != &layer.diff_id => Err(Error::DigestMismatch {
            source_name: name.into(),
            layer: i,
            expected: layer.diff_id.clone(),
            actual: actual.clone(),
        }),
        _ => Ok(()),
    }
}

/// A test-only way to make a layer worker panic, for the images whose source
/// name is registered (so tests running in parallel are not affected).
#[cfg(test)]
pub(crate) mod test_hook {
    use std::sync::Mutex;

    static PANIC_FOR: Mutex<Vec<String>> = Mutex::new(Vec::new());

    pub(crate) fn panic_when_reading(name: &str) {
        PANIC_FOR.lock().unwrap().push(name.to_string());
    }

    pub(crate) fn maybe_panic(name: &str) {
        if PANIC_FOR.lock().unwrap().iter().any(|n| n == name) {
            panic!("test hook: a layer worker panics");
        }
    }
}
