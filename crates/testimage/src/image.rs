//! A whole image on disk: each layer written, compressed and hashed into a
//! blob, the config, manifest and index built around them, and everything
//! laid out as `docker save` (legacy or Docker 25+) or an OCI layout writes
//! it, in a tar or (OCI only) a directory.

use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::layer::write_layer_tar;
use crate::spec::{Compress, ImageSpec, Layout, Written};

/// Every image is tagged so in its `manifest.json`.
const TAG: &str = "ballast-fixture:latest";
/// The time every history line and the config give.
const CREATED: &str = "2024-01-01T00:00:00Z";

/// Write a whole image to `out` (a file, or a directory for [`Layout::OciDir`]).
pub fn write_image(
    spec: &ImageSpec,
    layout: Layout,
    compress: Compress,
    out: &Path,
) -> io::Result<Written> {
    let work = tempfile::tempdir_in(out.parent().unwrap_or(Path::new(".")))?;
    let compress = match layout {
        // `docker save` layers are always plain tar.
        Layout::DockerLegacy | Layout::Docker25 => Compress::None,
        _ => compress,
    };
    let layers = write_blobs(spec, compress, work.path())?;
    let meta = Metadata::new(spec, &layers)?;
    let config_digest = format!("sha256:{}", meta.config_digest);
    let files = match layout {
        Layout::DockerLegacy => docker_legacy_files(&layers.blobs, meta)?,
        Layout::Docker25 => docker25_files(&layers.blobs, meta)?,
        Layout::OciTar | Layout::OciDir => oci_files(&layers.blobs, meta)?,
    };
    if layout == Layout::OciDir {
        write_dir(out, &files)?;
    } else {
        write_tar(out, &files)?;
    }
    Ok(Written {
        path: out.to_path_buf(),
        diff_ids: layers.diff_ids,
        config_digest,
    })
}

/// A compressed layer, ready to be stored under its digest.
struct Blob {
    digest: String,
    file: PathBuf,
}

/// The layers as written: their blobs, their diff_ids (digests of the plain
/// tars) and their descriptors for the manifest.
struct Layers {
    blobs: Vec<Blob>,
    diff_ids: Vec<String>,
    descs: Vec<Value>,
}

/// Write each layer's tar into `work`, then its compressed blob.
fn write_blobs(spec: &ImageSpec, compress: Compress, work: &Path) -> io::Result<Layers> {
    let mut layers = Layers {
        blobs: Vec::new(),
        diff_ids: Vec::new(),
        descs: Vec::new(),
    };
    for (i, layer) in spec.layers.iter().enumerate() {
        let raw = work.join(format!("layer{i}.tar"));
        let mut f = BufWriter::new(File::create(&raw)?);
        write_layer_tar(layer, &mut f)?;
        f.into_inner()?.sync_all().ok();
        let diff_id = sha256_file(&raw)?;
        layers.diff_ids.push(format!("sha256:{diff_id}"));
        let blob_path = work.join(format!("layer{i}.blob"));
        let media = compress_file(&raw, &blob_path, compress)?;
        let digest = sha256_file(&blob_path)?;
        let size = fs::metadata(&blob_path)?.len();
        layers
            .descs
            .push(json!({"mediaType": media, "digest": format!("sha256:{digest}"), "size": size}));
        layers.blobs.push(Blob {
            digest,
            file: blob_path,
        });
    }
    Ok(layers)
}

/// The image's JSON documents, serialized, with the digests that name them.
struct Metadata {
    config_bytes: Vec<u8>,
    config_digest: String,
    manifest_bytes: Vec<u8>,
    manifest_digest: String,
    index: Value,
}

impl Metadata {
    fn new(spec: &ImageSpec, layers: &Layers) -> io::Result<Self> {
        let config_bytes = serde_json::to_vec(&config(spec, &layers.diff_ids))?;
        let config_digest = hex::encode(Sha256::digest(&config_bytes));
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": format!("sha256:{config_digest}"), "size": config_bytes.len()},
            "layers": layers.descs,
        });
        let manifest_bytes = serde_json::to_vec(&manifest)?;
        let manifest_digest = hex::encode(Sha256::digest(&manifest_bytes));
        let index = json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [{
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": format!("sha256:{manifest_digest}"),
                "size": manifest_bytes.len(),
                "annotations": {"org.opencontainers.image.ref.name": "latest"},
                "platform": {"architecture": "amd64", "os": "linux"},
            }],
        });
        Ok(Metadata {
            config_bytes,
            config_digest,
            manifest_bytes,
            manifest_digest,
            index,
        })
    }
}

/// The image config: history from the layers' commands and the extra lines,
/// the spec's container config merged over a default `PATH`.
fn config(spec: &ImageSpec, diff_ids: &[String]) -> Value {
    let mut history: Vec<Value> = spec
        .layers
        .iter()
        .map(|l| json!({"created": CREATED, "created_by": l.command}))
        .collect();
    for h in &spec.extra_history {
        history.push(json!({"created": CREATED, "created_by": h, "empty_layer": true}));
    }
    let mut cfg =
        json!({"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]});
    if let (Some(dst), Some(src)) = (cfg.as_object_mut(), spec.container_config.as_object()) {
        for (k, v) in src {
            dst.insert(k.clone(), v.clone());
        }
    }
    json!({
        "architecture": "amd64",
        "os": "linux",
        "created": CREATED,
        "config": cfg,
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": history,
    })
}

/// Where a file of the image comes from: memory, or a blob in the work dir.
enum FileSrc {
    Mem(Vec<u8>),
    Disk(PathBuf),
}

/// The files of an image, by name, in the order they are written.
type Files = Vec<(String, FileSrc)>;

const OCI_LAYOUT: &[u8] = br#"{"imageLayoutVersion":"1.0.0"}"#;

/// `docker save` before Docker 25: a directory per layer, `manifest.json` last.
fn docker_legacy_files(blobs: &[Blob], meta: Metadata) -> io::Result<Files> {
    let mut files: Files = Vec::new();
    let mut layer_paths = Vec::new();
    for (i, blob) in blobs.iter().enumerate() {
        let id = hex::encode(Sha256::digest(format!("{i}{}", blob.digest)));
        files.push((format!("{id}/VERSION"), FileSrc::Mem(b"1.0".to_vec())));
        files.push((
            format!("{id}/json"),
            FileSrc::Mem(format!("{{\"id\":\"{id}\"}}").into_bytes()),
        ));
        files.push((format!("{id}/layer.tar"), FileSrc::Disk(blob.file.clone())));
        layer_paths.push(format!("{id}/layer.tar"));
    }
    let config_digest = meta.config_digest;
    files.push((
        format!("{config_digest}.json"),
        FileSrc::Mem(meta.config_bytes),
    ));
    let m = json!([{"Config": format!("{config_digest}.json"), "RepoTags": [TAG], "Layers": layer_paths}]);
    files.push((
        "manifest.json".into(),
        FileSrc::Mem(serde_json::to_vec(&m)?),
    ));
    Ok(files)
}

/// `docker save` from Docker 25: OCI blobs and index plus `manifest.json`.
fn docker25_files(blobs: &[Blob], meta: Metadata) -> io::Result<Files> {
    let mut files: Files = Vec::new();
    for blob in blobs {
        files.push((
            format!("blobs/sha256/{}", blob.digest),
            FileSrc::Disk(blob.file.clone()),
        ));
    }
    let config_digest = meta.config_digest;
    files.push((
        format!("blobs/sha256/{config_digest}"),
        FileSrc::Mem(meta.config_bytes),
    ));
    files.push((
        format!("blobs/sha256/{}", meta.manifest_digest),
        FileSrc::Mem(meta.manifest_bytes),
    ));
    files.push((
        "index.json".into(),
        FileSrc::Mem(serde_json::to_vec(&meta.index)?),
    ));
    let layers: Vec<String> = blobs
        .iter()
        .map(|b| format!("blobs/sha256/{}", b.digest))
        .collect();
    let m = json!([{"Config": format!("blobs/sha256/{config_digest}"), "RepoTags": [TAG], "Layers": layers}]);
    files.push((
        "manifest.json".into(),
        FileSrc::Mem(serde_json::to_vec(&m)?),
    ));
    files.push(("oci-layout".into(), FileSrc::Mem(OCI_LAYOUT.to_vec())));
    Ok(files)
}

/// An OCI image layout.
fn oci_files(blobs: &[Blob], meta: Metadata) -> io::Result<Files> {
    let mut files: Files = vec![
        ("oci-layout".into(), FileSrc::Mem(OCI_LAYOUT.to_vec())),
        (
            "index.json".into(),
            FileSrc::Mem(serde_json::to_vec(&meta.index)?),
        ),
        (
            format!("blobs/sha256/{}", meta.manifest_digest),
            FileSrc::Mem(meta.manifest_bytes),
        ),
        (
            format!("blobs/sha256/{}", meta.config_digest),
            FileSrc::Mem(meta.config_bytes),
        ),
    ];
    // Layers in reverse manifest order: order must come from the manifest.
    for blob in blobs.iter().rev() {
        files.push((
            format!("blobs/sha256/{}", blob.digest),
            FileSrc::Disk(blob.file.clone()),
        ));
    }
    Ok(files)
}

/// Lay the files out under the directory `out`.
fn write_dir(out: &Path, files: &Files) -> io::Result<()> {
    for (name, src) in files {
        let dst = out.join(name);
        fs::create_dir_all(dst.parent().expect("joined path has a parent"))?;
        match src {
            FileSrc::Mem(b) => fs::write(&dst, b)?,
            FileSrc::Disk(p) => {
                fs::copy(p, &dst)?;
            }
        }
    }
    Ok(())
}

/// Pack the files, in order, into the tar `out`.
fn write_tar(out: &Path, files: &Files) -> io::Result<()> {
    let mut b = tar::Builder::new(BufWriter::new(File::create(out)?));
    b.mode(tar::HeaderMode::Deterministic);
    for (name, src) in files {
        match src {
            FileSrc::Mem(bytes) => {
                let mut h = tar::Header::new_ustar();
                h.set_size(bytes.len() as u64);
                h.set_mode(0o644);
                h.set_mtime(0);
                b.append_data(&mut h, name, &bytes[..])?;
            }
            FileSrc::Disk(p) => {
                let mut f = File::open(p)?;
                let mut h = tar::Header::new_ustar();
                h.set_size(f.metadata()?.len());
                h.set_mode(0o644);
                h.set_mtime(0);
                b.append_data(&mut h, name, &mut f)?;
            }
        }
    }
    b.into_inner()?.flush()
}

fn sha256_file(p: &Path) -> io::Result<String> {
    let mut f = File::open(p)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

/// Copy `src` to `dst` compressed as `how`; gives the layer's media type.
fn compress_file(src: &Path, dst: &Path, how: Compress) -> io::Result<&'static str> {
    let mut input = File::open(src)?;
    let out = BufWriter::new(File::create(dst)?);
    match how {
        Compress::None => {
            let mut out = out;
            io::copy(&mut input, &mut out)?;
            out.flush()?;
            Ok("application/vnd.oci.image.layer.v1.tar")
        }
        Compress::Gzip => {
            let mut enc = flate2::write::GzEncoder::new(out, flate2::Compression::fast());
            io::copy(&mut input, &mut enc)?;
            enc.finish()?.flush()?;
            Ok("application/vnd.oci.image.layer.v1.tar+gzip")
        }
        Compress::Zstd => {
            let mut enc = zstd::stream::write::Encoder::new(out, 1)?;
            io::copy(&mut input, &mut enc)?;
            enc.finish()?.flush()?;
            Ok("application/vnd.oci.image.layer.v1.tar+zstd")
        }
    }
}
