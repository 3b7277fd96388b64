//! The engine fast path: read layers in place from overlay2's `diff` directories.
//!
//! `docker save` makes the daemon re-tar every layer (~110 MB/s here); the same
//! bytes are already on disk, one directory per layer. Where ballast runs beside
//! the engine with read access to its data-root, it walks those directories
//! instead and turns overlay's own encoding into the OCI change set, exactly as
//! the daemon does when it exports (moby `archive.TarWithOptions` with the
//! overlay whiteout converter): a 0/0 character device is a whiteout, a
//! directory with the `trusted.overlay.opaque` (or `user.overlay.opaque`) xattr
//! is opaque, and a file with several links in one layer is stored once, later
//! names becoming hard links, in the same lexical walk order.
//!
//! Content is read only where it matters: a file's content hash is computed only
//! when another file has the same size (the only case where two files can be
//! duplicates); everything else comes from `lstat`. Nothing is ever written, and
//! no symlink is followed: files are opened with `O_NOFOLLOW`.
//!
//! Layer digests cannot be checked here (there is no tar stream to hash), and the
//! analysis says so (`verified: false`, `read_path: "engine-storage"`).
//!
//! This file is the entry point ([`locate`], then [`read`]); `storage` finds
//! the engine's files, `walk` reads the directories, `order` puts each layer in
//! its tar's order, `tar_split` and `base64` read the engine's record of that
//! order, `xattr` spots opaque directories, and `content` hashes and sniffs.

mod base64;
mod content;
mod order;
mod storage;
mod tar_split;
#[cfg(test)]
mod tests;
mod walk;
mod xattr;

use std::path::PathBuf;

use super::engine::Engine;
use super::layout::{Format, ImageConfig, ImagePlan, LayerRef};
use crate::error::{Error, Result};
use crate::layer::LayerIndex;
use tar_split::TarEntry;

/// Where an image's layers live on disk.
#[derive(Debug, Clone)]
pub struct Located {
    /// `diff` directories, bottom layer first.
    pub layers: Vec<PathBuf>,
    pub config: Vec<u8>,
    pub config_digest: String,
    pub repo_tags: Vec<String>,
    /// Each layer's tar-split file, where the engine keeps one.
    pub tar_splits: Vec<Option<PathBuf>>,
}

/// Why the fast path cannot be used (the caller falls back to the export).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unavailable(pub String);

/// Find the image's layer directories through the engine. The outer error is a
/// real one (engine down, image missing); the inner one means "use the export".
pub fn locate(
    engine: Engine,
    reference: &str,
) -> Result<std::result::Result<Located, Unavailable>> {
    let endpoint = engine.endpoint();
    if !endpoint.starts_with("unix://") && !endpoint.starts_with('/') {
        return Ok(Err(Unavailable(format!(
            "the engine at '{endpoint}' is not local"
        ))));
    }
    let (inspect, root) = super::engine::inspect_with_root(engine, reference)?;
    Ok(locate_inspected(engine, inspect, &root))
}

/// [`locate`] with the inspection and the engine's data-root in hand.
pub(crate) fn locate_inspected(
    engine: Engine,
    inspect: bollard::models::ImageInspect,
    root: &str,
) -> std::result::Result<Located, Unavailable> {
    storage::find_dirs(engine, inspect, root)
}

/// Read the located layers into the same plan and layer indexes the export gives.
pub fn read(
    located: &Located,
    name: &str,
    limits: &crate::limits::Limits,
    progress: &dyn crate::progress::Progress,
    on_layer: &mut dyn FnMut(usize, LayerIndex) -> Result<()>,
) -> Result<ImagePlan> {
    let config: ImageConfig =
        serde_json::from_slice(&located.config).map_err(|e| Error::BadMetadata {
            source_name: name.into(),
            what: "image config".into(),
            reason: e.to_string(),
        })?;
    if config.rootfs.diff_ids.len() != located.layers.len() {
        return Err(Error::BadMetadata {
            source_name: name.into(),
            what: "engine storage".into(),
            reason: format!(
                "the engine lists {} layer directories but the config has {} diff_ids",
                located.layers.len(),
                config.rootfs.diff_ids.len()
            ),
        });
    }
    progress.phase(&format!("reading {name} from the engine's storage"), None);
    let orders: Vec<Option<Vec<TarEntry>>> = located
        .tar_splits
        .iter()
        .map(|p| p.as_deref().and_then(tar_split::entries))
        .collect();
    let mut walks = walk::walk_all(&located.layers, &orders, limits)?;
    content::read_contents(
        &located.layers,
        &mut walks,
        limits.get(crate::limits::Limit::PackageFile),
    )?;
    let indexes: Vec<LayerIndex> = walks.into_iter().map(|w| w.index).collect();
    let plan = ImagePlan {
        format: Format::DockerLegacy,
        layers: located
            .layers
            .iter()
            .zip(&config.rootfs.diff_ids)
            .map(|(dir, diff_id)| LayerRef {
                blob: dir.display().to_string(),
                digest: None,
                diff_id: diff_id.clone(),
                media_type: None,
            })
            .collect(),
        config,
        config_digest: located.config_digest.clone(),
        repo_tags: located.repo_tags.clone(),
    };
    for (i, index) in indexes.into_iter().enumerate() {
        on_layer(i, index)?;
    }
    progress.finish();
    Ok(plan)
}
