//! The layer reader: one layer blob in, a `LayerIndex` out.
//!
//! A blob is decompressed (gzip, zstd or none, recognised by its first bytes, never
//! by name), the uncompressed stream is hashed with SHA-256 for the config's
//! `rootfs.diff_ids` check, and the tar is parsed entry by entry. Each regular
//! file's content is hashed in the same pass (xxh3-128) so duplicates can be found
//! later without reading the image again. Nothing is written to disk and no entry
//! is held whole in memory.
//!
//! OCI whiteouts (`.wh.NAME`) and opaque markers (`.wh..wh..opq`) are turned into
//! their own entry kinds here, so the tree never has to look at names.
//!
//! This file holds the types and the blob reader (decompression, diff_id
//! hashing); `parse` reads the tar, `path` normalises names, `sniff` looks at
//! file heads.

pub mod cache;
pub(crate) mod codec;
mod guard;
mod parse;
pub mod path;
pub mod sniff;

use crate::limits::{ImageEntries, Limits};
use std::io::{self, BufRead, BufReader, Read};

use sha2::{Digest, Sha256};

use self::parse::parse_tar;

/// How a blob was compressed, as found from its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

/// What a tar entry is, after whiteouts have been recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
    File,
    Dir,
    Symlink,
    HardLink,
    CharDevice,
    BlockDevice,
    Fifo,
    /// `.wh.NAME`: deletes `path` (file or whole directory) from lower layers.
    Whiteout,
    /// `.wh..wh..opq`: hides everything lower layers put in the directory `path`.
    Opaque,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::File => "file",
            EntryKind::Dir => "dir",
            EntryKind::Symlink => "symlink",
            EntryKind::HardLink => "hardlink",
            EntryKind::CharDevice => "char",
            EntryKind::BlockDevice => "block",
            EntryKind::Fifo => "fifo",
            EntryKind::Whiteout => "whiteout",
            EntryKind::Opaque => "opaque",
        }
    }
}

/// One entry of a layer's tar, normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Normalised path (see [`path::normalize`]); for whiteouts the path deleted,
    /// for opaque markers the directory made opaque. Empty for the root directory.
    pub path: Box<[u8]>,
    pub kind: EntryKind,
    /// Bytes of content stored in the tar for this entry (0 for hard links).
    pub size: u64,
    /// Permission and special bits (`0o7777`).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    /// Symlink target as written, or the normalised hard link target.
    pub link: Option<Box<[u8]>>,
    /// xxh3-128 of a regular file's content; 0 for everything else.
    pub content: u128,
    /// What content sniffing found ([`sniff::PRIVATE_KEY`], [`sniff::CREDENTIALS`],
    /// the ELF linking flags such as [`sniff::ELF_GLIBC`]).
    pub flags: u8,
}

/// Something odd about one entry that did not stop the layer from being read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryWarning {
    pub path: Vec<u8>,
    pub message: String,
}

/// Everything ballast keeps of one layer.
#[derive(Debug, Default, Clone)]
pub struct LayerIndex {
    pub entries: Vec<Entry>,
    /// `sha256:<hex>` of the uncompressed stream, when verification was on.
    pub diff_id: Option<String>,
    /// Bytes of the uncompressed tar stream.
    pub tar_bytes: u64,
    pub compression: Option<Compression>,
    pub warnings: Vec<EntryWarning>,
    /// Whole contents of the files [`sniff::wanted`] names (package databases,
    /// manifests, lockfiles), by index into `entries`.
    pub captured: Vec<(usize, Vec<u8>)>,
}

/// Why a layer could not be read. The caller adds which image and layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerError(pub String);

impl std::fmt::Display for LayerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Knobs for reading one layer.
#[derive(Debug, Clone, Copy)]
pub struct ReadOptions {
    /// Hash the uncompressed stream with SHA-256.
    pub verify: bool,
}

const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];
const ZSTD_MAGIC: &[u8] = &[0x28, 0xb5, 0x2f, 0xfd];
const XZ_MAGIC: &[u8] = &[0xfd, b'7', b'z', b'X', b'Z', 0x00];
const BZIP2_MAGIC: &[u8] = b"BZh";

/// Recognise a blob's compression from its first bytes.
pub fn sniff(head: &[u8]) -> Result<Compression, LayerError> {
    if head.starts_with(GZIP_MAGIC) {
        Ok(Compression::Gzip)
    } else if head.starts_with(ZSTD_MAGIC) {
        Ok(Compression::Zstd)
    } else if head.starts_with(XZ_MAGIC) {
        Err(LayerError(
            "the layer is xz-compressed, which OCI images do not allow".into(),
        ))
    } else if head.starts_with(BZIP2_MAGIC) && head.len() >= 4 && head[3].is_ascii_digit() {
        Err(LayerError(
            "the layer is bzip2-compressed, which OCI images do not allow".into(),
        ))
    } else {
        Ok(Compression::None)
    }
}

/// Read one layer blob. `on_bytes` is told how many blob bytes were consumed, for
/// progress reporting.
pub fn read_layer<R: Read>(
    blob: R,
    opts: ReadOptions,
    on_bytes: &(dyn Fn(u64) + Sync),
) -> Result<LayerIndex, LayerError> {
    read_layer_within(blob, opts, &Limits::default(), on_bytes)
}

/// [`read_layer`] within `limits` (`tar-header`, `path-length`,
/// `entries-per-layer`, `entries-per-image`, `package-file`, `package-layer`):
/// what the layer may make the reader hold.
pub fn read_layer_within<R: Read>(
    blob: R,
    opts: ReadOptions,
    limits: &Limits,
    on_bytes: &(dyn Fn(u64) + Sync),
) -> Result<LayerIndex, LayerError> {
    read_layer_counted(blob, opts, limits, &ImageEntries::default(), on_bytes)
}

/// [`read_layer_within`], its entries counted in `image` with those of the
/// image's other layers (`entries-per-image`).
pub fn read_layer_counted<R: Read>(
    blob: R,
    opts: ReadOptions,
    limits: &Limits,
    image: &ImageEntries,
    on_bytes: &(dyn Fn(u64) + Sync),
) -> Result<LayerIndex, LayerError> {
    let mut blob = BufReader::with_capacity(
        256 * 1024,
        Counting {
            inner: blob,
            on_bytes,
        },
    );
    let head = blob
        .fill_buf()
        .map_err(|e| LayerError(format!("cannot read the blob: {e}")))?;
    let compression = sniff(head)?;
    let stream: Box<dyn Read + '_> = match compression {
        Compression::None => Box::new(blob),
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(blob)),
        Compression::Zstd => Box::new(
            zstd::stream::read::Decoder::with_buffer(blob)
                .map_err(|e| LayerError(format!("cannot start the zstd decoder: {e}")))?,
        ),
    };
    let hashing = Sha256Reader {
        inner: stream,
        hasher: if opts.verify {
            Hasher::Inline(Sha256::new())
        } else {
            Hasher::Off
        },
        bytes: 0,
    };
    let mut index = LayerIndex {
        compression: Some(compression),
        ..LayerIndex::default()
    };
    let hashing = parse_tar(hashing, &mut index, *limits, image).map_err(|e| {
        LayerError(match compression {
            Compression::None => e.0,
            // Only the compression's name is lowercased: the message may
            // quote names and limits whose case matters.
            other => format!("{} ({} stream)", e.0, format!("{other:?}").to_lowercase()),
        })
    })?;
    index.tar_bytes = hashing.bytes;
    index.diff_id = hashing
        .hasher
        .finish()?
        .map(|h| format!("sha256:{}", hex::encode(h.finalize())));
    Ok(index)
}

/// Stream bytes hashed on the reading thread before the SHA-256 moves to a
/// thread of its own: small layers are not worth a thread, and a big one's
/// hash (the slowest step, one core's worth) then runs beside its
/// decompression and parsing.
const OFFLOAD_AFTER: u64 = 32 * 1024 * 1024;
/// Chunks in flight to the hashing thread.
const OFFLOAD_QUEUE: usize = 8;

/// Hashes (optionally) and counts everything read through it.
struct Sha256Reader<R> {
    inner: R,
    hasher: Hasher,
    bytes: u64,
}

/// Where the stream's SHA-256 is computed.
enum Hasher {
    Off,
    Inline(Sha256),
    /// On its own thread, fed copies of the chunks read; the copies come back
    /// through `spare` to be reused.
    Thread {
        chunks: std::sync::mpsc::SyncSender<Vec<u8>>,
        spare: std::sync::mpsc::Receiver<Vec<u8>>,
        done: std::thread::JoinHandle<Sha256>,
    },
}

impl Hasher {
    fn update(&mut self, bytes: &[u8], seen: u64) {
        match self {
            Hasher::Off => {}
            Hasher::Inline(h) => {
                h.update(bytes);
                if seen > OFFLOAD_AFTER {
                    let h = std::mem::take(h);
                    *self = Hasher::offload(h);
                }
            }
            Hasher::Thread { chunks, spare, .. } => {
                let mut chunk = spare.try_recv().unwrap_or_default();
                chunk.clear();
                chunk.extend_from_slice(bytes);
                // A send fails only if the thread is gone; `finish` says so.
                let _ = chunks.send(chunk);
            }
        }
    }

    fn offload(mut h: Sha256) -> Hasher {
        let fallback = h.clone();
        let (chunks, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(OFFLOAD_QUEUE);
        let (back, spare) = std::sync::mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("ballast-sha256".into())
            .spawn(move || {
                for chunk in rx {
                    h.update(&chunk);
                    let _ = back.send(chunk);
                }
                h
            });
        match spawned {
            Ok(done) => Hasher::Thread {
                chunks,
                spare,
                done,
            },
            // No thread to be had: keep hashing here.
            Err(_) => Hasher::Inline(fallback),
        }
    }

    /// The hash of everything given, once the hashing thread has caught up.
    fn finish(self) -> Result<Option<Sha256>, LayerError> {
        match self {
            Hasher::Off => Ok(None),
            Hasher::Inline(h) => Ok(Some(h)),
            Hasher::Thread { chunks, done, .. } => {
                drop(chunks);
                done.join().map(Some).map_err(|_| {
                    LayerError(
                        "the layer's hashing thread (its SHA-256, the diff_id) stopped with \
                         a panic: a bug in ballast, please report it"
                            .into(),
                    )
                })
            }
        }
    }
}

impl<R: Read> Read for Sha256Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes += n as u64;
        self.hasher.update(&buf[..n], self.bytes);
        Ok(n)
    }
}

/// Reports how many raw blob bytes have been consumed.
struct Counting<'a, R> {
    inner: R,
    on_bytes: &'a (dyn Fn(u64) + Sync),
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        (self.on_bytes)(n as u64);
        Ok(n)
    }
}

#[cfg(test)]
mod tests;
