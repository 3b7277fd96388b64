//! Synthetic image writer for tests, fixtures and benchmarks.
//!
//! Real images come from the engine in the integration tests; this module makes
//! the cases an engine will not produce on demand (PAX global headers, non-UTF-8
//! names, hostile archives, exact whiteout shapes, 150,000-file benchmark layers)
//! in every layout ballast reads: docker-archive (legacy and Docker 25+), OCI
//! layout as a directory and as a tar, with gzip, zstd or no compression.
//! Output is deterministic: the same spec gives the same bytes.

use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Bytes of a file: literal, or a deterministic pseudo-random stream.
#[derive(Debug, Clone)]
pub enum Content {
    Bytes(Vec<u8>),
    Pattern { len: u64, seed: u64 },
}

impl Content {
    fn len(&self) -> u64 {
        match self {
            Content::Bytes(b) => b.len() as u64,
            Content::Pattern { len, .. } => *len,
        }
    }

    fn reader(&self) -> Box<dyn Read + '_> {
        match self {
            Content::Bytes(b) => Box::new(&b[..]),
            Content::Pattern { len, seed } => Box::new(PatternReader {
                left: *len,
                state: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
            }),
        }
    }
}

/// One entry to write into a layer.
#[derive(Debug, Clone)]
pub enum Node {
    File {
        path: Vec<u8>,
        content: Content,
        mode: u32,
        uid: u64,
    },
    Dir {
        path: Vec<u8>,
        mode: u32,
    },
    Symlink {
        path: Vec<u8>,
        target: Vec<u8>,
    },
    HardLink {
        path: Vec<u8>,
        target: Vec<u8>,
    },
    /// Written as `.wh.NAME` beside the deleted path.
    Whiteout {
        path: Vec<u8>,
    },
    /// Written as `DIR/.wh..wh..opq`.
    Opaque {
        dir: Vec<u8>,
    },
    /// A PAX global header (type `g`), as `git archive` writes.
    PaxGlobal {
        records: Vec<(String, String)>,
    },
    /// A raw 512-byte-aligned chunk written as is (for hostile archives).
    Raw(Vec<u8>),
}

pub fn file(path: impl AsRef<[u8]>, data: impl AsRef<[u8]>) -> Node {
    Node::File {
        path: path.as_ref().to_vec(),
        content: Content::Bytes(data.as_ref().to_vec()),
        mode: 0o644,
        uid: 0,
    }
}

pub fn big_file(path: impl AsRef<[u8]>, len: u64, seed: u64) -> Node {
    Node::File {
        path: path.as_ref().to_vec(),
        content: Content::Pattern { len, seed },
        mode: 0o644,
        uid: 0,
    }
}

pub fn dir(path: impl AsRef<[u8]>) -> Node {
    Node::Dir {
        path: path.as_ref().to_vec(),
        mode: 0o755,
    }
}

pub fn symlink(path: impl AsRef<[u8]>, target: impl AsRef<[u8]>) -> Node {
    Node::Symlink {
        path: path.as_ref().to_vec(),
        target: target.as_ref().to_vec(),
    }
}

pub fn hardlink(path: impl AsRef<[u8]>, target: impl AsRef<[u8]>) -> Node {
    Node::HardLink {
        path: path.as_ref().to_vec(),
        target: target.as_ref().to_vec(),
    }
}

pub fn whiteout(path: impl AsRef<[u8]>) -> Node {
    Node::Whiteout {
        path: path.as_ref().to_vec(),
    }
}

pub fn opaque(dir: impl AsRef<[u8]>) -> Node {
    Node::Opaque {
        dir: dir.as_ref().to_vec(),
    }
}

/// One layer: its entries, in tar order, and the history line that made it.
#[derive(Debug, Clone, Default)]
pub struct LayerSpec {
    pub command: String,
    pub nodes: Vec<Node>,
}

impl LayerSpec {
    pub fn new(command: &str, nodes: Vec<Node>) -> Self {
        LayerSpec {
            command: command.to_string(),
            nodes,
        }
    }
}

/// A whole image.
#[derive(Debug, Clone, Default)]
pub struct ImageSpec {
    pub layers: Vec<LayerSpec>,
    /// Merged into the config's `config` object (User, Env, Cmd, Healthcheck, ...).
    pub container_config: serde_json::Value,
    /// Empty-layer history lines (ENV, CMD, ...) appended after the layers.
    pub extra_history: Vec<String>,
}

/// Where and how to write an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// `docker save` before Docker 25: `<id>/layer.tar`, `manifest.json` last.
    DockerLegacy,
    /// `docker save` from Docker 25: OCI blobs plus `manifest.json`.
    Docker25,
    /// An OCI image layout packed in a tar (`skopeo copy ... oci-archive:`).
    OciTar,
    /// An OCI image layout directory (`skopeo copy ... oci:`).
    OciDir,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compress {
    None,
    Gzip,
    Zstd,
}

/// What was written, for assertions.
#[derive(Debug, Clone)]
pub struct Written {
    pub path: PathBuf,
    pub diff_ids: Vec<String>,
    pub config_digest: String,
}

/// Write the uncompressed tar of one layer.
pub fn write_layer_tar(spec: &LayerSpec, out: impl Write) -> io::Result<()> {
    let mut b = tar::Builder::new(out);
    b.mode(tar::HeaderMode::Deterministic);
    for node in &spec.nodes {
        let mut h = tar::Header::new_gnu();
        h.set_mtime(1_700_000_000);
        h.set_uid(0);
        h.set_gid(0);
        match node {
            Node::File {
                path,
                content,
                mode,
                uid,
            } => {
                h.set_entry_type(tar::EntryType::Regular);
                h.set_mode(*mode);
                h.set_uid(*uid);
                h.set_size(content.len());
                b.append_data(&mut h, os(path), content.reader())?;
            }
            Node::Dir { path, mode } => {
                h.set_entry_type(tar::EntryType::Directory);
                h.set_mode(*mode);
                h.set_size(0);
                let mut p = path.clone();
                p.push(b'/');
                b.append_data(&mut h, os(&p), io::empty())?;
            }
            Node::Symlink { path, target } => {
                h.set_entry_type(tar::EntryType::Symlink);
                h.set_mode(0o777);
                h.set_size(0);
                b.append_link(&mut h, os(path), os(target))?;
            }
            Node::HardLink { path, target } => {
                h.set_entry_type(tar::EntryType::Link);
                h.set_mode(0o644);
                h.set_size(0);
                b.append_link(&mut h, os(path), os(target))?;
            }
            Node::Whiteout { path } => {
                let (parent, name) = crate::layer::path::split_last(path);
                let mut p = parent.to_vec();
                if !p.is_empty() {
                    p.push(b'/');
                }
                p.extend_from_slice(b".wh.");
                p.extend_from_slice(name);
                h.set_entry_type(tar::EntryType::Regular);
                h.set_mode(0o600);
                h.set_size(0);
                b.append_data(&mut h, os(&p), io::empty())?;
            }
            Node::Opaque { dir } => {
                let mut p = dir.clone();
                p.extend_from_slice(b"/.wh..wh..opq");
                h.set_entry_type(tar::EntryType::Regular);
                h.set_mode(0o600);
                h.set_size(0);
                b.append_data(&mut h, os(&p), io::empty())?;
            }
            Node::PaxGlobal { records } => {
                let mut body = Vec::new();
                for (k, v) in records {
                    let rec = format!(" {k}={v}\n");
                    // The length prefix counts itself.
                    let mut len = rec.len() + 1;
                    while format!("{len}{rec}").len() != len {
                        len += 1;
                    }
                    body.extend_from_slice(format!("{len}{rec}").as_bytes());
                }
                h.set_entry_type(tar::EntryType::XGlobalHeader);
                h.set_mode(0o644);
                h.set_size(body.len() as u64);
                b.append_data(&mut h, "pax_global_header", &body[..])?;
            }
            Node::Raw(bytes) => b.get_mut().write_all(bytes)?,
        }
    }
    b.finish()
}

fn os(p: &[u8]) -> &Path {
    use std::os::unix::ffi::OsStrExt;
    Path::new(std::ffi::OsStr::from_bytes(p))
}

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
    let mut blobs: Vec<Blob> = Vec::new();
    let mut diff_ids = Vec::new();
    let mut layer_descs = Vec::new();
    for (i, layer) in spec.layers.iter().enumerate() {
        let raw = work.path().join(format!("layer{i}.tar"));
        let mut f = BufWriter::new(File::create(&raw)?);
        write_layer_tar(layer, &mut f)?;
        f.into_inner()?.sync_all().ok();
        let diff_id = sha256_file(&raw)?;
        diff_ids.push(format!("sha256:{diff_id}"));
        let blob_path = work.path().join(format!("layer{i}.blob"));
        let media = compress_file(&raw, &blob_path, compress)?;
        let digest = sha256_file(&blob_path)?;
        let size = fs::metadata(&blob_path)?.len();
        layer_descs.push(serde_json::json!({"mediaType": media, "digest": format!("sha256:{digest}"), "size": size}));
        blobs.push(Blob {
            digest,
            file: blob_path,
        });
    }

    let mut history: Vec<serde_json::Value> = spec
        .layers
        .iter()
        .map(|l| serde_json::json!({"created": "2024-01-01T00:00:00Z", "created_by": l.command}))
        .collect();
    for h in &spec.extra_history {
        history.push(serde_json::json!({"created": "2024-01-01T00:00:00Z", "created_by": h, "empty_layer": true}));
    }
    let mut cfg = serde_json::json!({"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]});
    if let (Some(dst), Some(src)) = (cfg.as_object_mut(), spec.container_config.as_object()) {
        for (k, v) in src {
            dst.insert(k.clone(), v.clone());
        }
    }
    let config = serde_json::json!({
        "architecture": "amd64",
        "os": "linux",
        "created": "2024-01-01T00:00:00Z",
        "config": cfg,
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": history,
    });
    let config_bytes = serde_json::to_vec(&config)?;
    let config_digest = hex::encode(Sha256::digest(&config_bytes));
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": format!("sha256:{config_digest}"), "size": config_bytes.len()},
        "layers": layer_descs,
    });
    let manifest_bytes = serde_json::to_vec(&manifest)?;
    let manifest_digest = hex::encode(Sha256::digest(&manifest_bytes));
    let index = serde_json::json!({
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
    let oci_layout = br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec();
    let tag = "ballast-fixture:latest";

    let mut files: Vec<(String, FileSrc)> = Vec::new();
    match layout {
        Layout::DockerLegacy => {
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
            files.push((format!("{config_digest}.json"), FileSrc::Mem(config_bytes)));
            let m = serde_json::json!([{"Config": format!("{config_digest}.json"), "RepoTags": [tag], "Layers": layer_paths}]);
            files.push((
                "manifest.json".into(),
                FileSrc::Mem(serde_json::to_vec(&m)?),
            ));
        }
        Layout::Docker25 => {
            for blob in &blobs {
                files.push((
                    format!("blobs/sha256/{}", blob.digest),
                    FileSrc::Disk(blob.file.clone()),
                ));
            }
            files.push((
                format!("blobs/sha256/{config_digest}"),
                FileSrc::Mem(config_bytes),
            ));
            files.push((
                format!("blobs/sha256/{manifest_digest}"),
                FileSrc::Mem(manifest_bytes),
            ));
            files.push((
                "index.json".into(),
                FileSrc::Mem(serde_json::to_vec(&index)?),
            ));
            let layers: Vec<String> = blobs
                .iter()
                .map(|b| format!("blobs/sha256/{}", b.digest))
                .collect();
            let m = serde_json::json!([{"Config": format!("blobs/sha256/{config_digest}"), "RepoTags": [tag], "Layers": layers}]);
            files.push((
                "manifest.json".into(),
                FileSrc::Mem(serde_json::to_vec(&m)?),
            ));
            files.push(("oci-layout".into(), FileSrc::Mem(oci_layout)));
        }
        Layout::OciTar | Layout::OciDir => {
            files.push(("oci-layout".into(), FileSrc::Mem(oci_layout)));
            files.push((
                "index.json".into(),
                FileSrc::Mem(serde_json::to_vec(&index)?),
            ));
            files.push((
                format!("blobs/sha256/{manifest_digest}"),
                FileSrc::Mem(manifest_bytes),
            ));
            files.push((
                format!("blobs/sha256/{config_digest}"),
                FileSrc::Mem(config_bytes),
            ));
            // Layers in reverse manifest order: order must come from the manifest.
            for blob in blobs.iter().rev() {
                files.push((
                    format!("blobs/sha256/{}", blob.digest),
                    FileSrc::Disk(blob.file.clone()),
                ));
            }
        }
    }

    if layout == Layout::OciDir {
        for (name, src) in &files {
            let dst = out.join(name);
            fs::create_dir_all(dst.parent().expect("joined path has a parent"))?;
            match src {
                FileSrc::Mem(b) => fs::write(&dst, b)?,
                FileSrc::Disk(p) => {
                    fs::copy(p, &dst)?;
                }
            }
        }
    } else {
        let mut b = tar::Builder::new(BufWriter::new(File::create(out)?));
        b.mode(tar::HeaderMode::Deterministic);
        for (name, src) in &files {
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
        b.into_inner()?.flush()?;
    }
    Ok(Written {
        path: out.to_path_buf(),
        diff_ids: diff_ids_of(&config),
        config_digest: format!("sha256:{config_digest}"),
    })
}

fn diff_ids_of(config: &serde_json::Value) -> Vec<String> {
    config["rootfs"]["diff_ids"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

struct Blob {
    digest: String,
    file: PathBuf,
}

enum FileSrc {
    Mem(Vec<u8>),
    Disk(PathBuf),
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

/// Truncate a file to `len` bytes (for corrupt-archive tests).
pub fn truncate(path: &Path, len: u64) -> io::Result<()> {
    let f = fs::OpenOptions::new().write(true).open(path)?;
    f.set_len(len)
}

/// Overwrite bytes at `offset` (for corrupt-archive tests).
pub fn poke(path: &Path, offset: u64, bytes: &[u8]) -> io::Result<()> {
    let mut f = fs::OpenOptions::new().write(true).open(path)?;
    f.seek(SeekFrom::Start(offset))?;
    f.write_all(bytes)
}

/// Deterministic xorshift bytes; compresses poorly, like real binaries.
struct PatternReader {
    left: u64,
    state: u64,
}

impl Read for PatternReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = (buf.len() as u64).min(self.left) as usize;
        for chunk in buf[..n].chunks_mut(8) {
            self.state ^= self.state << 13;
            self.state ^= self.state >> 7;
            self.state ^= self.state << 17;
            let bytes = self.state.to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// A minimal 64-bit little-endian ELF object: an executable (`ET_EXEC`) with
/// the given interpreter, or a shared object (`ET_DYN` with a dynamic
/// segment) whose dynamic strings name `needed`, or a static executable when
/// both are `None`. `extra` is appended (a Go build ID note, say).
pub fn elf(interp: Option<&str>, needed: Option<&str>, extra: &[u8]) -> Vec<u8> {
    let mut phdrs: Vec<(u32, u64, u64)> = Vec::new();
    let data_at = 64 + 56 * 2;
    let mut data = Vec::new();
    if let Some(i) = interp {
        phdrs.push((3, (data_at + data.len()) as u64, i.len() as u64 + 1));
        data.extend_from_slice(i.as_bytes());
        data.push(0);
    }
    if let Some(n) = needed {
        phdrs.push((2, (data_at + data.len()) as u64, n.len() as u64 + 1));
        data.extend_from_slice(n.as_bytes());
        data.push(0);
    }
    if phdrs.is_empty() {
        // PT_LOAD only.
        phdrs.push((1, 0, 0));
    }
    let e_type: u16 = if needed.is_some() && interp.is_none() {
        3
    } else {
        2
    };
    let mut out = vec![0u8; 64];
    out[..4].copy_from_slice(b"\x7fELF");
    out[4] = 2;
    out[5] = 1;
    out[6] = 1;
    out[16..18].copy_from_slice(&e_type.to_le_bytes());
    out[18..20].copy_from_slice(&0x3eu16.to_le_bytes());
    out[20..24].copy_from_slice(&1u32.to_le_bytes());
    out[32..40].copy_from_slice(&64u64.to_le_bytes());
    out[52..54].copy_from_slice(&64u16.to_le_bytes());
    out[54..56].copy_from_slice(&56u16.to_le_bytes());
    out[56..58].copy_from_slice(&(phdrs.len() as u16).to_le_bytes());
    for (p_type, offset, size) in &phdrs {
        let mut ph = vec![0u8; 56];
        ph[..4].copy_from_slice(&p_type.to_le_bytes());
        ph[8..16].copy_from_slice(&offset.to_le_bytes());
        ph[32..40].copy_from_slice(&size.to_le_bytes());
        ph[40..48].copy_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&ph);
    }
    out.resize(data_at, 0);
    out.extend_from_slice(&data);
    out.extend_from_slice(extra);
    out
}

/// Feed everything that decides an image's bytes into `h` (patterned
/// contents by their length and seed, not their bytes), so generated
/// benchmark images can be cached under the hash of their spec.
pub fn hash_spec(h: &mut Sha256, spec: &ImageSpec) {
    h.update(spec.container_config.to_string().as_bytes());
    for e in &spec.extra_history {
        h.update(e.as_bytes());
    }
    for l in &spec.layers {
        h.update(b"\0layer\0");
        h.update(l.command.as_bytes());
        for n in &l.nodes {
            // Debug output names every field: path, content, mode, uid, target.
            match n {
                Node::File {
                    path,
                    content: Content::Pattern { len, seed },
                    mode,
                    uid,
                } => {
                    h.update(b"f");
                    h.update(path);
                    h.update(len.to_le_bytes());
                    h.update(seed.to_le_bytes());
                    h.update(mode.to_le_bytes());
                    h.update(uid.to_le_bytes());
                }
                other => h.update(format!("{other:?}").as_bytes()),
            }
            h.update(b"\n");
        }
    }
}
