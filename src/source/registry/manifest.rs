//! From a tag or digest to an [`ImagePlan`]: the manifest (Docker v2 schema 2
//! or OCI), through a manifest list or OCI index by platform, and the config
//! blob; every document checked against the digest that named it.

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::client::Client;
use crate::error::{Error, Result};
use crate::source::layout::{
    Descriptor, Format, ImageConfig, ImagePlan, LayerRef, NoImage, Platform, choose_platform,
};

/// Manifests and configs larger than this are refused (the distribution
/// registry's own limit for manifests is 4 MiB).
pub(crate) const DOCUMENT_LIMIT: u64 = 4 * 1024 * 1024;

const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    #[serde(default)]
    schema_version: Option<u32>,
    #[serde(default)]
    media_type: Option<String>,
    #[serde(default)]
    manifests: Option<Vec<Descriptor>>,
    #[serde(default)]
    config: Option<Descriptor>,
    #[serde(default)]
    layers: Option<Vec<Descriptor>>,
}

/// The plan and each layer's blob size from the manifest.
pub(crate) fn resolve(
    client: &Client,
    target: &str,
    platform: Option<&Platform>,
) -> Result<(ImagePlan, Vec<u64>)> {
    let mut name = target.to_string();
    let mut doc = fetch_document(client, target)?;
    // An index points at manifests; follow it (bounded: no cycles).
    for _ in 0..4 {
        if doc.manifests.is_none() {
            break;
        }
        let desc = pick(
            client,
            &name,
            doc.manifests.take().unwrap_or_default(),
            platform,
        )?;
        name = desc.digest.clone();
        doc = fetch_document(client, &desc.digest)?;
    }
    let bad = |reason: String| Error::BadMetadata {
        source_name: format!("{}/{}", client.registry, client.repository),
        what: format!("manifest {name}"),
        reason,
    };
    if doc.schema_version == Some(1) {
        return Err(bad(
            "it is a Docker schema 1 manifest, which registries stopped serving years ago; \
             push the image again with a current client"
                .into(),
        ));
    }
    let config_desc = doc
        .config
        .ok_or_else(|| bad("it has neither a config nor a list of manifests".into()))?;
    let config_bytes = fetch_blob_document(client, &config_desc.digest, "image config")?;
    let config: ImageConfig = serde_json::from_slice(&config_bytes)
        .map_err(|e| bad(format!("its config does not parse: {e}")))?;
    let descs = doc.layers.unwrap_or_default();
    if config.rootfs.diff_ids.len() != descs.len() {
        return Err(bad(format!(
            "it lists {} layers but the config's rootfs.diff_ids has {}",
            descs.len(),
            config.rootfs.diff_ids.len()
        )));
    }
    let mut layers = Vec::with_capacity(descs.len());
    let mut sizes = Vec::with_capacity(descs.len());
    for (d, diff_id) in descs.into_iter().zip(&config.rootfs.diff_ids) {
        check_digest_syntax(client, &d.digest)?;
        if d.urls.as_ref().is_some_and(|u| !u.is_empty()) {
            return Err(bad(format!(
                "layer {} is a foreign layer stored elsewhere ({:?}); ballast reads only \
                 the registry's own blobs",
                d.digest, d.urls
            )));
        }
        sizes.push(d.size.unwrap_or(0));
        layers.push(LayerRef {
            blob: d.digest.clone(),
            digest: Some(d.digest),
            diff_id: diff_id.clone(),
            media_type: d.media_type,
        });
    }
    let oci = doc.media_type.as_deref() != Some(DOCKER_MANIFEST)
        && config_desc.media_type.as_deref()
            != Some("application/vnd.docker.container.image.v1+json");
    let plan = ImagePlan {
        format: if oci { Format::Oci } else { Format::DockerV2 },
        config,
        config_digest: config_desc.digest,
        repo_tags: Vec::new(),
        layers,
    };
    Ok((plan, sizes))
}

/// A manifest or index by tag or digest, within the size limit, its digest
/// checked when it was asked for by one.
fn fetch_document(client: &Client, target: &str) -> Result<Document> {
    let bytes = fetch_manifest_bytes(client, target)?;
    serde_json::from_slice(&bytes).map_err(|e| Error::BadMetadata {
        source_name: format!("{}/{}", client.registry, client.repository),
        what: format!("manifest {target}"),
        reason: e.to_string(),
    })
}

/// The bytes of the manifest or index `target` (a tag or digest), within
/// the size limit, checked against the digest when asked for by one.
pub(crate) fn fetch_manifest_bytes(client: &Client, target: &str) -> Result<Vec<u8>> {
    let accept = [OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST].join(", ");
    let what = format!("manifest '{target}' in repository '{}'", client.repository);
    let bytes = fetch_bytes(client, &format!("manifests/{target}"), Some(&accept), &what)?;
    if target.contains(':') {
        check_bytes(client, target, &bytes, "manifest")?;
    }
    Ok(bytes)
}

/// A small blob (the config) read whole, digest checked.
fn fetch_blob_document(client: &Client, digest: &str, what: &str) -> Result<Vec<u8>> {
    check_digest_syntax(client, digest)?;
    let bytes = fetch_bytes(
        client,
        &format!("blobs/{digest}"),
        None,
        &format!(
            "{what} blob '{digest}' in repository '{}'",
            client.repository
        ),
    )?;
    check_bytes(client, digest, &bytes, what)?;
    Ok(bytes)
}

/// GET a document whole, within [`DOCUMENT_LIMIT`]; a body that breaks off
/// is fetched again (a few times).
fn fetch_bytes(client: &Client, path: &str, accept: Option<&str>, what: &str) -> Result<Vec<u8>> {
    use std::io::Read;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let resp = client.get(path, accept, 0, what)?;
        let mut bytes = Vec::new();
        let read = resp
            .into_body()
            .into_with_config()
            .limit(u64::MAX)
            .reader()
            .take(DOCUMENT_LIMIT + 1)
            .read_to_end(&mut bytes);
        match read {
            Ok(_) if bytes.len() as u64 > DOCUMENT_LIMIT => {
                return Err(Error::Registry {
                    registry: client.registry.clone(),
                    reason: format!(
                        "the {what} is larger than {} MiB; ballast refuses documents that \
                         size (a manifest or config is a few KiB)",
                        DOCUMENT_LIMIT / (1024 * 1024)
                    ),
                });
            }
            Ok(_) => return Ok(bytes),
            Err(_) if attempt < 4 => {}
            Err(e) => {
                return Err(Error::Registry {
                    registry: client.registry.clone(),
                    reason: format!("reading the {what} failed {attempt} times: {e}"),
                });
            }
        }
    }
}

fn check_bytes(client: &Client, digest: &str, bytes: &[u8], what: &str) -> Result<()> {
    let Some(hex) = digest.strip_prefix("sha256:") else {
        return Err(Error::Registry {
            registry: client.registry.clone(),
            reason: format!(
                "{what} digest '{digest}' is not sha256, the only algorithm ballast checks"
            ),
        });
    };
    let actual = hex::encode(Sha256::digest(bytes));
    if actual != hex {
        return Err(Error::Registry {
            registry: client.registry.clone(),
            reason: format!(
                "the {what} it sent for {digest} hashes to sha256:{actual}; the registry \
                 or something between is corrupting data"
            ),
        });
    }
    Ok(())
}

/// Refuse anything that is not `sha256:<64 hex>` before it goes into a URL.
fn check_digest_syntax(client: &Client, digest: &str) -> Result<()> {
    let ok = digest
        .strip_prefix("sha256:")
        .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()));
    if ok {
        Ok(())
    } else {
        Err(Error::BadMetadata {
            source_name: format!("{}/{}", client.registry, client.repository),
            what: "manifest".into(),
            reason: format!("'{digest}' is not a sha256 digest"),
        })
    }
}

/// The manifest of an index for `wanted` (default: the host's platform),
/// chosen as for archives and layouts ([`choose_platform`]).
fn pick(
    client: &Client,
    index: &str,
    manifests: Vec<Descriptor>,
    wanted: Option<&Platform>,
) -> Result<Descriptor> {
    let source_name = format!("{}/{}", client.registry, client.repository);
    choose_platform(manifests, wanted).map_err(|e| match e {
        NoImage::Empty => Error::BadMetadata {
            source_name,
            what: format!("index {index}"),
            reason: "it lists no image manifest".into(),
        },
        NoImage::NoMatch { wanted, available } => Error::NoPlatform {
            source_name,
            wanted,
            available,
        },
    })
}
