//! What an image is made of: layers of nodes, plus the config lines the
//! writer merges in, and where and how to write it. The small functions build
//! the common nodes with the modes and owner a plain `COPY` would give them.

use std::io::Read;
use std::path::PathBuf;

use crate::pattern::PatternReader;

/// Bytes of a file: literal, or a deterministic pseudo-random stream.
#[derive(Debug, Clone)]
pub enum Content {
    Bytes(Vec<u8>),
    Pattern { len: u64, seed: u64 },
}

impl Content {
    pub(crate) fn len(&self) -> u64 {
        match self {
            Content::Bytes(b) => b.len() as u64,
            Content::Pattern { len, .. } => *len,
        }
    }

    pub(crate) fn reader(&self) -> Box<dyn Read + '_> {
        match self {
            Content::Bytes(b) => Box::new(&b[..]),
            Content::Pattern { len, seed } => Box::new(PatternReader::new(*len, *seed)),
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

/// A raw tar header of `kind` claiming `size` bytes of data, followed by
/// `data` (which may be far shorter than the claim), padded to a block: for
/// hostile archives (long-name and PAX headers that lie about their size).
pub fn raw_header(kind: tar::EntryType, name: &str, size: u64, data: &[u8]) -> Node {
    let mut h = tar::Header::new_gnu();
    h.set_path(name).expect("a name that fits a header");
    h.set_size(size);
    h.set_mode(0o644);
    h.set_entry_type(kind);
    h.set_cksum();
    let mut bytes = h.as_bytes().to_vec();
    bytes.extend_from_slice(data);
    bytes.resize(bytes.len().div_ceil(512) * 512, 0);
    Node::Raw(bytes)
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
