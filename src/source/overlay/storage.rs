//! Where the engine keeps an image on disk: its layers' `diff` directories,
//! its config and each layer's tar-split, found from `docker image inspect`
//! and the engine's data-root. Docker and Podman (containers/storage) name
//! these files differently; everything engine-specific about paths is here.

use std::fs;
use std::path::PathBuf;

use super::base64;
use super::{Located, Unavailable};
use crate::source::engine::Engine;
use crate::source::layout::ImageConfig;

type Found<T> = std::result::Result<T, Unavailable>;

/// Everything the fast path needs to read `inspect`'s image from `root`, or
/// why it cannot (another storage driver, unreadable directories).
pub(super) fn find_dirs(
    engine: Engine,
    inspect: bollard::models::ImageInspect,
    root: &str,
) -> Found<Located> {
    let layers = layer_dirs(&inspect)?;
    let id = inspect.id.clone().unwrap_or_default();
    let config = read_config(engine, root, &id)?;
    let tar_splits = tar_split_paths(engine, root, &config, &layers);
    Ok(Located {
        layers,
        config,
        config_digest: id,
        repo_tags: inspect.repo_tags.unwrap_or_default(),
        tar_splits,
    })
}

/// The overlay `diff` directories of the image, bottom layer first, each one
/// checked to be readable by this process.
fn layer_dirs(inspect: &bollard::models::ImageInspect) -> Found<Vec<PathBuf>> {
    let driver = inspect
        .graph_driver
        .as_ref()
        .map(|g| g.name.as_str())
        .unwrap_or("unknown");
    if driver != "overlay2" && driver != "overlay" {
        return Err(Unavailable(format!(
            "the engine's storage driver is '{driver}', not overlay2"
        )));
    }
    let data = inspect.graph_driver.as_ref().map(|g| &g.data);
    let dir = |key: &str| {
        data.and_then(|d| d.get(key))
            .filter(|s| !s.is_empty())
            .cloned()
    };
    let mut layers: Vec<PathBuf> = dir("LowerDir")
        .map(|l| l.split(':').rev().map(PathBuf::from).collect())
        .unwrap_or_default();
    layers.extend(dir("UpperDir").map(PathBuf::from));
    if layers.is_empty() {
        return Err(Unavailable(
            "the engine did not say where the layers are".into(),
        ));
    }
    for l in &layers {
        if let Err(e) = fs::read_dir(l) {
            return Err(Unavailable(format!(
                "cannot read '{}': {e} (run as root, or as the engine's user)",
                l.display()
            )));
        }
    }
    Ok(layers)
}

/// The image config's bytes, from the engine's own copy of it.
fn read_config(engine: Engine, root: &str, id: &str) -> Found<Vec<u8>> {
    let hex = id.strip_prefix("sha256:").unwrap_or(id);
    let config_candidates = match engine {
        Engine::Docker => vec![
            PathBuf::from(root)
                .join("image/overlay2/imagedb/content/sha256")
                .join(hex),
        ],
        Engine::Podman => {
            // containers/storage keeps an image's big data as files named `=`
            // plus the base64 of the key; the config's key is its digest.
            let key = base64::encode(format!("sha256:{hex}").as_bytes());
            vec![
                PathBuf::from(root)
                    .join("overlay-images")
                    .join(hex)
                    .join(format!("={key}")),
            ]
        }
    };
    config_candidates
        .iter()
        .find_map(|p| fs::read(p).ok())
        .ok_or_else(|| {
            Unavailable(format!(
                "cannot read the image config at '{}'",
                config_candidates[0].display()
            ))
        })
}

/// Where each layer's tar-split should be (the file may be missing: the
/// reader then falls back to the walk's own order).
fn tar_split_paths(
    engine: Engine,
    root: &str,
    config: &[u8],
    layers: &[PathBuf],
) -> Vec<Option<PathBuf>> {
    match engine {
        // Docker keys its layer store by chain ID: sha256 of the parent's
        // chain ID, a space and the layer's diff_id.
        Engine::Docker => chain_ids(config)
            .into_iter()
            .map(|c| {
                let hex = c.strip_prefix("sha256:").unwrap_or(&c).to_string();
                Some(
                    PathBuf::from(root)
                        .join("image/overlay2/layerdb/sha256")
                        .join(hex)
                        .join("tar-split.json.gz"),
                )
            })
            .collect(),
        // containers/storage names it after the layer's directory.
        Engine::Podman => layers
            .iter()
            .map(|d| {
                let id = d.parent()?.file_name()?.to_str()?;
                Some(
                    PathBuf::from(root)
                        .join("overlay-layers")
                        .join(format!("{id}.tar-split.gz")),
                )
            })
            .collect(),
    }
}

/// Chain IDs of an image's layers, from its config's diff_ids.
pub(super) fn chain_ids(config: &[u8]) -> Vec<String> {
    use sha2::{Digest, Sha256};
    let diff_ids = serde_json::from_slice::<ImageConfig>(config)
        .map(|c| c.rootfs.diff_ids)
        .unwrap_or_default();
    let mut chain: Vec<String> = Vec::with_capacity(diff_ids.len());
    for d in diff_ids {
        let next = match chain.last() {
            None => d,
            Some(parent) => format!(
                "sha256:{}",
                hex::encode(Sha256::digest(format!("{parent} {d}")))
            ),
        };
        chain.push(next);
    }
    chain
}
