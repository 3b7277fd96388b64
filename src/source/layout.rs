//! From an archive's metadata files to an ordered list of layers.
//!
//! `docker save` archives carry `manifest.json` (legacy: `<id>/layer.tar` paths;
//! Docker 25+: `blobs/sha256/<hex>` paths beside an OCI `index.json`). OCI
//! layouts carry only `index.json`, which may point at nested indexes for
//! several platforms. Either way the layer order comes from the manifest, never
//! from the order of files in the archive, and each layer is paired with its
//! `rootfs.diff_ids` entry from the config.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::digest;
use super::store::{BlobStore, clean};
use crate::error::{Error, Result};
use crate::limits::Limit;

/// The image config (the parts ballast uses; unknown fields are ignored).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ImageConfig {
    #[serde(default)]
    pub architecture: String,
    #[serde(default)]
    pub os: String,
    #[serde(default)]
    pub variant: Option<String>,
    #[serde(default)]
    pub created: Option<String>,
    #[serde(default)]
    pub config: Option<ContainerConfig>,
    #[serde(default)]
    pub rootfs: RootFs,
    #[serde(default)]
    pub history: Vec<History>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct RootFs {
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub diff_ids: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct History {
    #[serde(default)]
    pub created: Option<String>,
    #[serde(default)]
    pub created_by: Option<String>,
    #[serde(default)]
    pub comment: Option<String>,
    #[serde(default)]
    pub empty_layer: bool,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContainerConfig {
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub env: Option<Vec<String>>,
    #[serde(default)]
    pub entrypoint: Option<Vec<String>>,
    #[serde(default)]
    pub cmd: Option<Vec<String>>,
    #[serde(default)]
    pub working_dir: Option<String>,
    #[serde(default)]
    pub exposed_ports: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    pub volumes: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    pub labels: Option<std::collections::BTreeMap<String, String>>,
    #[serde(default)]
    pub healthcheck: Option<serde_json::Value>,
    #[serde(default)]
    pub stop_signal: Option<String>,
    #[serde(default)]
    pub shell: Option<Vec<String>>,
}

/// Which kind of archive the metadata came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    DockerLegacy,
    Docker25,
    Oci,
    /// A registry's Docker v2 schema 2 manifest.
    DockerV2,
}

/// One layer to read.
#[derive(Debug, Clone)]
pub struct LayerRef {
    /// Path of the blob inside the store.
    pub blob: String,
    /// The manifest's digest of the (possibly compressed) blob, when known.
    pub digest: Option<String>,
    /// The config's `rootfs.diff_ids` entry.
    pub diff_id: String,
    pub media_type: Option<String>,
}

/// What to read, in order.
#[derive(Debug, Clone)]
pub struct ImagePlan {
    pub format: Format,
    pub config: ImageConfig,
    /// `sha256:<hex>` of the config bytes: the image ID.
    pub config_digest: String,
    pub repo_tags: Vec<String>,
    pub layers: Vec<LayerRef>,
}

/// `os/arch[/variant]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    pub os: String,
    pub arch: String,
    pub variant: Option<String>,
}

impl Platform {
    pub fn parse(s: &str) -> Result<Platform> {
        let parts: Vec<&str> = s.split('/').collect();
        match parts[..] {
            [os, arch] if !os.is_empty() && !arch.is_empty() => Ok(Platform {
                os: os.into(),
                arch: arch.into(),
                variant: None,
            }),
            [os, arch, variant] if !os.is_empty() && !arch.is_empty() && !variant.is_empty() => {
                Ok(Platform {
                    os: os.into(),
                    arch: arch.into(),
                    variant: Some(variant.into()),
                })
            }
            _ => Err(Error::Usage(format!(
                "invalid platform '{s}': expected os/arch or os/arch/variant, e.g. linux/amd64 or linux/arm64/v8"
            ))),
        }
    }

    /// The platform this binary runs on, in OCI's names.
    pub fn host() -> Platform {
        let arch = match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            "x86" => "386",
            "powerpc64" => "ppc64le",
            "s390x" => "s390x",
            "riscv64" => "riscv64",
            "arm" => "arm",
            other => other,
        };
        Platform {
            os: "linux".into(),
            arch: arch.into(),
            variant: None,
        }
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.os, self.arch)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DockerManifestEntry {
    config: String,
    #[serde(default)]
    repo_tags: Option<Vec<String>>,
    layers: Vec<String>,
}

/// An OCI descriptor, as archives, layouts and registries write it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Descriptor {
    #[serde(default)]
    pub(crate) media_type: Option<String>,
    pub(crate) digest: String,
    #[serde(default)]
    pub(crate) size: Option<u64>,
    #[serde(default)]
    pub(crate) platform: Option<DescriptorPlatform>,
    #[serde(default)]
    pub(crate) annotations: Option<std::collections::BTreeMap<String, String>>,
    #[serde(default)]
    pub(crate) urls: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct DescriptorPlatform {
    #[serde(default)]
    pub(crate) os: String,
    #[serde(default)]
    pub(crate) architecture: String,
    #[serde(default)]
    pub(crate) variant: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct IndexOrManifest {
    #[serde(default)]
    media_type: Option<String>,
    #[serde(default)]
    manifests: Option<Vec<Descriptor>>,
    #[serde(default)]
    config: Option<Descriptor>,
    #[serde(default)]
    layers: Option<Vec<Descriptor>>,
}

/// Read the plan from a store's metadata files. With `verify`, every
/// metadata blob stored under a digest (`blobs/<alg>/<hex>`) must hash to it.
pub fn resolve(
    store: &dyn BlobStore,
    reference: Option<&str>,
    opts: &super::Options,
) -> Result<ImagePlan> {
    let name = store.name().to_string();
    let platform = opts.platform.as_ref();
    let meta = Meta {
        store,
        verify: opts.verify,
        limits: opts.limits,
        total: std::cell::Cell::new(0),
    };
    if let Some(bytes) = meta.read_optional("manifest.json")? {
        let has_index = store.open("index.json")?.is_some();
        return resolve_docker(&meta, &name, &bytes, has_index, reference);
    }
    if let Some(bytes) = meta.read_optional("index.json")? {
        return resolve_oci(&meta, &name, &bytes, platform);
    }
    Err(Error::UnknownFormat {
        source_name: name,
        reason: "it has neither manifest.json (docker save) nor index.json (OCI layout)".into(),
    })
}

/// A store's metadata reader: whole small files, checked against their digest.
struct Meta<'a> {
    store: &'a dyn BlobStore,
    verify: bool,
    /// The `metadata` and `index-depth` limits apply here.
    limits: crate::limits::Limits,
    /// Metadata bytes read so far, bounded by the `metadata` limit.
    total: std::cell::Cell<u64>,
}

impl Meta<'_> {
    /// Read metadata file `path`, if it exists, within what is left of
    /// the `metadata` limit.
    fn read_optional(&self, path: &str) -> Result<Option<Vec<u8>>> {
        let Some(bytes) = self.store.read(path, self.total.get(), &self.limits)? else {
            return Ok(None);
        };
        self.total.set(self.total.get() + bytes.len() as u64);
        Ok(Some(bytes))
    }

    /// Read metadata blob `path`; a missing one is [`Error::MissingBlob`].
    fn read(&self, name: &str, path: &str) -> Result<Vec<u8>> {
        let bytes = self
            .read_optional(path)?
            .ok_or_else(|| Error::MissingBlob {
                source_name: name.into(),
                blob: path.into(),
            })?;
        if self.verify {
            digest::check_bytes(name, path, &bytes)?;
        }
        Ok(bytes)
    }
}

fn bad(name: &str, what: &str, reason: impl Into<String>) -> Error {
    Error::BadMetadata {
        source_name: name.into(),
        what: what.into(),
        reason: reason.into(),
    }
}

fn resolve_docker(
    store: &Meta<'_>,
    name: &str,
    bytes: &[u8],
    has_index: bool,
    reference: Option<&str>,
) -> Result<ImagePlan> {
    let entries: Vec<DockerManifestEntry> =
        serde_json::from_slice(bytes).map_err(|e| bad(name, "manifest.json", e.to_string()))?;
    let entry = match (entries.len(), reference) {
        (0, _) => return Err(bad(name, "manifest.json", "it lists no image")),
        (_, Some(r)) => entries
            .iter()
            .find(|e| {
                e.repo_tags
                    .iter()
                    .flatten()
                    .any(|t| t == r || t.split(':').next() == Some(r))
            })
            .unwrap_or(&entries[0]),
        _ => &entries[0],
    };
    let (config, config_digest) = read_config(store, name, &entry.config)?;
    if config.rootfs.diff_ids.len() != entry.layers.len() {
        return Err(bad(
            name,
            "config",
            format!(
                "manifest.json lists {} layers but rootfs.diff_ids has {}",
                entry.layers.len(),
                config.rootfs.diff_ids.len()
            ),
        ));
    }
    let layers = entry
        .layers
        .iter()
        .zip(&config.rootfs.diff_ids)
        .map(|(path, diff_id)| LayerRef {
            blob: path.clone(),
            digest: path
                .strip_prefix("blobs/")
                .and_then(|d| d.split_once('/'))
                .map(|(a, h)| format!("{a}:{h}")),
            diff_id: diff_id.clone(),
            media_type: None,
        })
        .collect();
    Ok(ImagePlan {
        format: if has_index {
            Format::Docker25
        } else {
            Format::DockerLegacy
        },
        config,
        config_digest,
        repo_tags: entry.repo_tags.clone().unwrap_or_default(),
        layers,
    })
}

fn read_config(store: &Meta<'_>, name: &str, path: &str) -> Result<(ImageConfig, String)> {
    let bytes = store.read(name, path)?;
    let config: ImageConfig =
        serde_json::from_slice(&bytes).map_err(|e| bad(name, "image config", e.to_string()))?;
    Ok((
        config,
        format!("sha256:{}", hex::encode(Sha256::digest(&bytes))),
    ))
}

/// `sha256:<hex>` to `blobs/sha256/<hex>`, refusing anything that is not a digest.
fn blob_path(name: &str, digest: &str) -> Result<String> {
    let ok = digest.split_once(':').filter(|(alg, hex)| {
        !alg.is_empty()
            && alg
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+._-".contains(&b))
            && hex.len() >= 32
            && hex.bytes().all(|b| b.is_ascii_hexdigit())
    });
    match ok {
        Some((alg, hex)) => Ok(format!("blobs/{alg}/{hex}")),
        None => Err(bad(
            name,
            "descriptor",
            format!("'{digest}' is not a valid digest"),
        )),
    }
}

fn is_index(m: &IndexOrManifest, desc_type: Option<&str>) -> bool {
    let t = m.media_type.as_deref().or(desc_type).unwrap_or("");
    m.manifests.is_some() || t.contains("index") || t.contains("manifest.list")
}

/// Follow nested indexes from `doc` (index.json) down to one image manifest;
/// a cycle, or nesting deeper than the `index-depth` limit, is an error naming
/// the chain. Returns the manifest and its name.
fn follow_indexes(
    store: &Meta<'_>,
    name: &str,
    mut doc: IndexOrManifest,
    platform: Option<&Platform>,
) -> Result<(IndexOrManifest, String)> {
    let mut chain = vec!["index.json".to_string()];
    let mut desc_type: Option<String> = None;
    while is_index(&doc, desc_type.as_deref()) {
        let doc_name = chain.last().expect("never empty").clone();
        let manifests = doc.manifests.take().unwrap_or_default();
        let desc = pick_manifest(name, &doc_name, manifests, platform)?;
        let seen = chain.contains(&desc.digest);
        chain.push(desc.digest.clone());
        if seen {
            return Err(bad(
                name,
                "index",
                format!("the indexes form a cycle: {}", chain.join(" -> ")),
            ));
        }
        let depth = store.limits.get(Limit::IndexDepth);
        if chain.len() as u64 > depth.saturating_add(1) {
            return Err(bad(
                name,
                "index",
                format!(
                    "indexes nest deeper than {depth} levels: {} ({})",
                    chain.join(" -> "),
                    store.limits.breach(Limit::IndexDepth, None)
                ),
            ));
        }
        let bytes = store.read(name, &blob_path(name, &desc.digest)?)?;
        doc = serde_json::from_slice(&bytes)
            .map_err(|e| bad(name, &format!("manifest {}", desc.digest), e.to_string()))?;
        desc_type = desc.media_type;
    }
    Ok((doc, chain.pop().expect("never empty")))
}

fn resolve_oci(
    store: &Meta<'_>,
    name: &str,
    bytes: &[u8],
    platform: Option<&Platform>,
) -> Result<ImagePlan> {
    let doc: IndexOrManifest =
        serde_json::from_slice(bytes).map_err(|e| bad(name, "index.json", e.to_string()))?;
    let (doc, doc_name) = follow_indexes(store, name, doc, platform)?;
    let config_desc = doc.config.ok_or_else(|| {
        bad(
            name,
            &format!("manifest {doc_name}"),
            "it has no config descriptor",
        )
    })?;
    let (config, config_digest) = read_config(store, name, &blob_path(name, &config_desc.digest)?)?;
    let layer_descs = doc.layers.unwrap_or_default();
    if config.rootfs.diff_ids.len() != layer_descs.len() {
        return Err(bad(
            name,
            "config",
            format!(
                "the manifest lists {} layers but rootfs.diff_ids has {}",
                layer_descs.len(),
                config.rootfs.diff_ids.len()
            ),
        ));
    }
    let mut layers = Vec::with_capacity(layer_descs.len());
    for (d, diff_id) in layer_descs.into_iter().zip(&config.rootfs.diff_ids) {
        if d.urls.as_ref().is_some_and(|u| !u.is_empty())
            && store.store.open(&blob_path(name, &d.digest)?)?.is_none()
        {
            return Err(bad(
                name,
                "manifest",
                format!(
                    "layer {} is a foreign layer stored elsewhere ({:?}); ballast reads only local blobs",
                    d.digest, d.urls
                ),
            ));
        }
        layers.push(LayerRef {
            blob: blob_path(name, &d.digest)?,
            digest: Some(d.digest),
            diff_id: diff_id.clone(),
            media_type: d.media_type,
        });
    }
    Ok(ImagePlan {
        format: Format::Oci,
        config,
        config_digest,
        repo_tags: Vec::new(),
        layers,
    })
}

fn pick_manifest(
    name: &str,
    doc: &str,
    manifests: Vec<Descriptor>,
    wanted: Option<&Platform>,
) -> Result<Descriptor> {
    choose_platform(manifests, wanted).map_err(|e| match e {
        NoImage::Empty => bad(name, doc, "it lists no image manifest"),
        NoImage::NoMatch { wanted, available } => Error::NoPlatform {
            source_name: name.into(),
            wanted,
            available,
        },
    })
}

impl Descriptor {
    /// `(os, architecture, variant)`, when the index says.
    fn platform(&self) -> Option<(&str, &str, Option<&str>)> {
        self.platform
            .as_ref()
            .map(|p| (p.os.as_str(), p.architecture.as_str(), p.variant.as_deref()))
    }

    /// BuildKit's attestation manifests (provenance, SBOM) are not images.
    fn is_attestation(&self) -> bool {
        self.annotations
            .as_ref()
            .is_some_and(|a| a.contains_key("vnd.docker.reference.type"))
    }
}

/// Why no manifest of an index was chosen.
pub(crate) enum NoImage {
    /// Nothing in it is an image (attestations and `unknown/unknown` only).
    Empty,
    /// No image for the wanted platform; `available` lists the ones there are.
    NoMatch { wanted: String, available: String },
}

/// The image manifest of an index for `wanted` (default: the host's platform):
/// attestations and `unknown` platforms are skipped; an index without
/// platforms, or with one image and no platform asked for, gives its first.
pub(crate) fn choose_platform(
    manifests: Vec<Descriptor>,
    wanted: Option<&Platform>,
) -> std::result::Result<Descriptor, NoImage> {
    let images: Vec<Descriptor> = manifests
        .into_iter()
        .filter(|d| !d.is_attestation() && d.platform().is_none_or(|p| p.0 != "unknown"))
        .collect();
    if images.is_empty() {
        return Err(NoImage::Empty);
    }
    let with_platform = images.iter().any(|d| d.platform().is_some());
    if !with_platform || (images.len() == 1 && wanted.is_none()) {
        return Ok(images.into_iter().next().expect("non-empty"));
    }
    let host = Platform::host();
    let want = wanted.unwrap_or(&host);
    let matches = |d: &Descriptor| {
        d.platform().is_some_and(|(os, arch, variant)| {
            os == want.os
                && arch == want.arch
                && (want.variant.is_none() || variant == want.variant.as_deref())
        })
    };
    if let Some(i) = images.iter().position(matches) {
        return Ok(images.into_iter().nth(i).expect("position is in range"));
    }
    let available = images
        .iter()
        .filter_map(|d| d.platform())
        .map(|(os, arch, variant)| match variant {
            Some(v) => format!("{os}/{arch}/{v}"),
            None => format!("{os}/{arch}"),
        })
        .collect::<Vec<_>>()
        .join(", ");
    Err(NoImage::NoMatch {
        wanted: want.to_string(),
        available,
    })
}

/// Whether `path` names something the metadata resolution reads.
pub(crate) fn is_metadata_name(path: &str) -> bool {
    matches!(
        clean(path).as_deref(),
        Some("manifest.json" | "index.json" | "oci-layout" | "repositories")
    ) || path.ends_with(".json")
        || path.ends_with("/json")
        || path.ends_with("/VERSION")
}
