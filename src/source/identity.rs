//! What makes two reads of an image give the same analysis: the image's
//! [`Identity`], which the image cache of `analysis` files analyses under
//! (docs/architecture.md, "The image cache").
//!
//! Content decides most of an analysis: the config digest names the config,
//! which names every layer's diff_id. What the source adds besides content is
//! in the identity too, so a hit is the analysis this read would make: the
//! source and read path, the format, the tags the source gives, and for an
//! archive or layout each layer's blob (path, digest, media type, size:
//! compression and blob sizes are reported per layer). An engine's image is
//! named by the reference (its export's tags come from it), the engine's
//! image ID, the read path and, read in place, the tags the engine lists.
//!
//! [`identify`] finds the identity before any layer is read, for the sources
//! that can say it without reading layers (an archive or layout on disk, an
//! engine, a registry's manifest and config); a stream must be read whole
//! first, so it gives none. What identifying opened or fetched (a tar's
//! member index, a registry's resolved manifest) is handed to the read that
//! follows a miss ([`Resolved`]), so neither is done twice. [`Identity::of`] gives the identity after a
//! read, from what the read found; both build it the same way, so a read
//! stored under one is found under the other (tested per source).

use sha2::{Digest, Sha256};

use super::layout::{self, ImagePlan};
use super::store::{DirStore, TarStore};
use super::{
    EngineStorage, Loaded, Options, Origin, ReadPath, SourceKind, engine, overlay, registry,
};

/// What [`identify`] opened or fetched that the read after a miss can use:
/// a tar archive's member index, a registry's client and resolved manifest.
/// The default holds nothing.
#[derive(Default)]
pub struct Resolved(Option<Opened>);

enum Opened {
    Tar(TarStore),
    Storage(overlay::Located),
    Registry(Box<registry::Remote>),
}

impl Resolved {
    pub(super) fn tar(self) -> Option<TarStore> {
        match self.0 {
            Some(Opened::Tar(store)) => Some(store),
            _ => None,
        }
    }

    pub(super) fn located(self) -> Option<overlay::Located> {
        match self.0 {
            Some(Opened::Storage(located)) => Some(located),
            _ => None,
        }
    }

    pub(super) fn remote(self) -> Option<registry::Remote> {
        match self.0 {
            Some(Opened::Registry(remote)) => Some(*remote),
            _ => None,
        }
    }
}

/// An image as one read of it sees it. Equal identities give equal analyses
/// (apart from the reference the user typed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity(String);

impl Identity {
    /// `sha256:<hex>` of the identity: the image cache's file name.
    pub fn key(&self) -> String {
        format!("sha256:{}", hex::encode(Sha256::digest(self.0.as_bytes())))
    }

    /// The identity of the read that gave `loaded`.
    pub fn of(reference: &str, loaded: &Loaded) -> Identity {
        let plan = &loaded.plan;
        match loaded.source {
            SourceKind::Docker | SourceKind::Podman => engine_identity(
                loaded.source,
                loaded.read_path,
                reference,
                &plan.config_digest,
                &plan.repo_tags,
            ),
            kind => file_identity(kind, loaded.read_path, plan, &loaded.blob_sizes),
        }
    }
}

fn engine_identity(
    kind: SourceKind,
    read_path: ReadPath,
    reference: &str,
    id: &str,
    tags: &[String],
) -> Identity {
    // An export's tags follow from the reference; in place, the engine lists them.
    let tags = match read_path {
        ReadPath::EngineStorage => tags,
        _ => &[],
    };
    let fields = serde_json::json!(["engine", kind, read_path, reference, id, tags]);
    Identity(fields.to_string())
}

fn file_identity(
    kind: SourceKind,
    read_path: ReadPath,
    plan: &ImagePlan,
    blob_sizes: &[Option<u64>],
) -> Identity {
    let layers: Vec<_> = plan
        .layers
        .iter()
        .zip(blob_sizes)
        .map(|(l, size)| serde_json::json!([l.blob, l.digest, l.diff_id, l.media_type, size]))
        .collect();
    let fields = serde_json::json!([
        "file",
        kind,
        read_path,
        plan.format,
        plan.config_digest,
        plan.repo_tags,
        layers
    ]);
    Identity(fields.to_string())
}

/// The identity [`super::load`] would read under, found without reading a
/// layer, with what was fetched to find it; `None` where it cannot be known
/// first (a stream) or finding it fails (the read then reports the error
/// itself).
pub fn identify(reference: &str, opts: &Options) -> Option<(Identity, Resolved)> {
    let found = match super::origin(reference, opts).ok()? {
        Origin::Tar(path) => {
            let store = TarStore::open(path).ok()?;
            let identity = of_store(&store, opts)?;
            return Some((identity, Resolved(Some(Opened::Tar(store)))));
        }
        Origin::Dir(path) => of_store(&DirStore::new(path), opts),
        Origin::Engine(engine) => return of_engine(engine, reference, opts),
        Origin::Registry => {
            let remote = registry::Remote::open(reference, opts).ok()?;
            let sizes: Vec<Option<u64>> = remote.sizes().iter().copied().map(Some).collect();
            let identity = file_identity(
                SourceKind::Registry,
                ReadPath::Registry,
                remote.plan(),
                &sizes,
            );
            return Some((identity, Resolved(Some(Opened::Registry(Box::new(remote))))));
        }
        Origin::Compressed(_) | Origin::Stdin => None,
    };
    found.map(|identity| (identity, Resolved::default()))
}

fn of_store(store: &dyn super::store::BlobStore, opts: &Options) -> Option<Identity> {
    let plan = layout::resolve(store, None, opts).ok()?;
    let sizes: Vec<Option<u64>> = super::store::blob_sizes(store, &plan)
        .ok()?
        .into_iter()
        .map(Some)
        .collect();
    Some(file_identity(
        super::source_of(&plan),
        ReadPath::Archive,
        &plan,
        &sizes,
    ))
}

fn of_engine(
    engine: engine::Engine,
    reference: &str,
    opts: &Options,
) -> Option<(Identity, Resolved)> {
    let kind = engine.source_kind();
    let (inspect, root) = engine::inspect_with_root(engine, reference).ok()?;
    let id = inspect.id.clone()?;
    if opts.engine_storage == EngineStorage::Auto
        && let Ok(located) = overlay::locate_inspected(engine, inspect, &root)
    {
        let identity = engine_identity(
            kind,
            ReadPath::EngineStorage,
            reference,
            &located.config_digest,
            &located.repo_tags,
        );
        return Some((identity, Resolved(Some(Opened::Storage(located)))));
    }
    let identity = engine_identity(kind, ReadPath::Export, reference, &id, &[]);
    Some((identity, Resolved::default()))
}
