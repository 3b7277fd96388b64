//! From layers to an `Analysis`: the one value every output renders.
//!
//! Layers arrive in manifest order from the source; each is folded into the
//! merged tree and dive's tally as soon as it arrives, and its own index is then
//! dropped, so memory holds the tree, not every layer's entry list.

mod assemble;
pub mod diff;
pub mod estimate;
pub mod findings;
mod image_cache;
pub mod join;
pub(crate) mod packages;

use serde::{Deserialize, Serialize};

pub use findings::Finding;

use assemble::{Merged, assemble};

use crate::error::{Error, Result};
pub use crate::history_line::tidy_command;
use crate::layer::Compression;
use crate::progress::Progress;
pub use crate::secret::{
    Assignment, assignments, redact_history, redact_url_credentials, secret_name,
};
use crate::source::layout::{ContainerConfig, Format};
use crate::source::{self, Options, ReadPath, SourceKind};
use crate::tree::MergedTree;

/// Version of the JSON shape; changes only with a new value.
pub const SCHEMA: &str = "ballast/2";

fn schema() -> &'static str {
    SCHEMA
}

/// How many of dive's inefficient paths the JSON lists.
const TOP_PATHS: usize = 20;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Analysis {
    #[serde(skip_deserializing, default = "schema")]
    pub schema: &'static str,
    pub image: ImageInfo,
    pub metrics: Metrics,
    /// Causes of waste and risk, with the fix (see [`findings`]).
    pub findings: Vec<Finding>,
    /// The base below the app: layers, OS, libc, runtime.
    pub base: estimate::BaseInfo,
    /// What a multi-stage build or another base would save.
    pub estimates: Vec<estimate::Estimate>,
    /// Packages installed in the final filesystem (deb, apk, python, npm),
    /// largest first.
    pub packages: Vec<packages::Package>,
    /// Oddities that did not stop the analysis (skipped entries, unsafe names).
    pub warnings: Vec<Warning>,
    /// The Dockerfile joined to the image (`--dockerfile`): its instructions
    /// mapped to history entries and layers, and its lint findings.
    #[serde(skip_serializing_if = "Option::is_none", skip_deserializing)]
    pub dockerfile: Option<join::ImageDockerfile>,
    /// The config's history, empty-layer entries included.
    #[serde(skip)]
    pub history: Vec<crate::source::layout::History>,
    #[serde(skip)]
    pub tree: MergedTree,
    /// Every path dive counts as wasted (the JSON lists the top 20).
    #[serde(skip)]
    pub wasted_paths: Vec<InefficientPath>,
    /// What the estimates were made from, for [`estimate::base_switch`].
    #[serde(skip)]
    pub estimate_facts: estimate::Facts,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImageInfo {
    pub reference: String,
    /// `sha256:` digest of the config: the image ID engines show.
    pub id: String,
    pub source: SourceKind,
    /// `archive`, `export` (the engine's `docker save` stream) or
    /// `engine-storage` (the engine's layer directories, read in place).
    pub read_path: ReadPath,
    pub format: Format,
    pub repo_tags: Vec<String>,
    pub os: String,
    pub architecture: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    pub created: Option<String>,
    /// Sum of the layers' `size_bytes`.
    pub size_bytes: u64,
    /// Whether every layer was checked against `rootfs.diff_ids`.
    pub verified: bool,
    pub layers: Vec<LayerInfo>,
    pub config: ConfigInfo,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LayerInfo {
    pub index: usize,
    /// The blob digest from the manifest, or the diff_id where the archive has none.
    pub digest: String,
    pub diff_id: String,
    pub compression: Option<Compression>,
    /// Bytes of the blob as stored (compressed, if it is).
    pub blob_bytes: Option<u64>,
    /// Sum of the sizes of the layer's tar entries (hard links 0), as dive counts
    /// a layer. `docker history` also counts each symlink's target length.
    pub size_bytes: u64,
    /// Number of entries in the layer's tar (whiteouts included).
    pub files: u64,
    pub changes: Changes,
    /// The history line that made the layer, tidied (`RUN ...`, `COPY ...`).
    pub command: Option<String>,
    /// The history line as the builder wrote it.
    pub created_by: Option<String>,
    pub created: Option<String>,
}

/// How many paths a layer added, modified and removed in the merged tree.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Changes {
    pub added: u64,
    pub modified: u64,
    pub removed: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ConfigInfo {
    pub user: Option<String>,
    /// `NAME=value`, with values of secret-looking names redacted.
    pub env: Vec<String>,
    pub entrypoint: Option<Vec<String>>,
    pub cmd: Option<Vec<String>>,
    pub working_dir: Option<String>,
    pub exposed_ports: Vec<String>,
    pub volumes: Vec<String>,
    pub labels: std::collections::BTreeMap<String, String>,
    pub healthcheck: Option<serde_json::Value>,
    pub stop_signal: Option<String>,
    pub shell: Option<Vec<String>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Metrics {
    /// dive: Σ smallest size per path / Σ all sizes per path.
    pub efficiency: f64,
    /// dive: bytes of paths that appear in two or more layers.
    pub wasted_bytes: u64,
    /// dive: wasted_bytes / bytes of every layer but the first; null with one layer.
    pub user_wasted_percent: Option<f64>,
    /// Σ layer sizes: what every pull carries.
    pub shipped_bytes: u64,
    /// Bytes of the final filesystem (hard links once).
    pub live_bytes: u64,
    /// shipped − live: carried by every pull, visible to no one.
    pub hidden_bytes: u64,
    /// hidden_bytes plus the live bytes findings would remove, each byte once.
    pub reclaimable_bytes: u64,
    /// Non-directory entries of the final filesystem.
    pub live_files: u64,
    /// dive's inefficient paths, largest first (top 20).
    pub inefficient_paths: Vec<InefficientPath>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InefficientPath {
    pub path: String,
    /// Layers the path appears in.
    pub count: u32,
    pub bytes: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Warning {
    pub layer: Option<usize>,
    pub path: Option<String>,
    pub message: String,
}

/// Read and analyse an image. With a layer cache in `opts`, an image
/// analysed before under the same identity is taken from the image cache
/// (`analysis/image_cache.rs`) without reading a layer.
pub fn analyze(reference: &str, opts: &Options, progress: &dyn Progress) -> Result<Analysis> {
    let cache = source::usable_cache(opts);
    let (identity, resolved) = match cache.and_then(|_| source::identify(reference, opts)) {
        Some((identity, resolved)) => (Some(identity), resolved),
        None => (None, source::Resolved::default()),
    };
    if let (Some(cache), Some(identity)) = (cache, &identity)
        && let Some(hit) = image_cache::get(cache, identity, reference)
    {
        progress.info("the analysis came from the image cache (--no-cache reads the image)");
        return Ok(hit);
    }
    let mut m = Merged::new(opts.limits);
    let loaded = source::load(reference, opts, resolved, progress, &mut |i, layer| {
        m.push(i, layer).map_err(|reason| Error::ReadFailed {
            source_name: reference.to_string(),
            reason,
        })
    })?;
    m.tree.sort_children();
    let read = source::Identity::of(reference, &loaded);
    let analysis = assemble(reference, opts, loaded, m);
    // Only what can be identified before a read is worth keeping.
    if let (Some(cache), Some(_)) = (cache, identity) {
        image_cache::put(cache, &read, &analysis);
    }
    Ok(analysis)
}

fn config_info(c: Option<&ContainerConfig>) -> ConfigInfo {
    let Some(c) = c else {
        return ConfigInfo::default();
    };
    let env = c
        .env
        .iter()
        .flatten()
        .map(|kv| match kv.split_once('=') {
            Some((k, v)) if secret_name(k) && !v.is_empty() => format!("{k}=<redacted>"),
            _ => redact_url_credentials(kv),
        })
        .collect();
    let keys = |m: &Option<serde_json::Map<String, serde_json::Value>>| {
        m.iter().flat_map(|m| m.keys().cloned()).collect()
    };
    ConfigInfo {
        user: c.user.clone().filter(|u| !u.is_empty()),
        env,
        entrypoint: c.entrypoint.clone(),
        cmd: c.cmd.clone(),
        working_dir: c.working_dir.clone().filter(|w| !w.is_empty()),
        exposed_ports: keys(&c.exposed_ports),
        volumes: keys(&c.volumes),
        labels: c.labels.clone().unwrap_or_default(),
        healthcheck: c.healthcheck.clone(),
        stop_signal: c.stop_signal.clone(),
        shell: c.shell.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_looking_env_values_are_redacted() {
        let c = ContainerConfig {
            env: Some(vec![
                "PATH=/bin".into(),
                "DB_PASSWORD=hunter2".into(),
                "API_TOKEN=".into(),
            ]),
            ..ContainerConfig::default()
        };
        assert_eq!(
            config_info(Some(&c)).env,
            vec!["PATH=/bin", "DB_PASSWORD=<redacted>", "API_TOKEN="]
        );
    }

    #[test]
    fn a_password_in_an_env_url_is_redacted() {
        let c = ContainerConfig {
            env: Some(vec![
                "DATABASE_URL=postgres://user:pw@db/app".into(),
                "HOME_PAGE=https://example.com:8443/a".into(),
            ]),
            ..ContainerConfig::default()
        };
        assert_eq!(
            config_info(Some(&c)).env,
            vec![
                "DATABASE_URL=postgres://user:<redacted>@db/app",
                "HOME_PAGE=https://example.com:8443/a"
            ]
        );
    }
}
