//! The files of the cache directory, whatever they hold: one file per key,
//! `<root>/<kind>/v<FORMAT>/sha256-<hex>`, a header (an 8-byte magic and the
//! format version) then one zstd frame with its checksum. Written to a
//! temporary name in the same directory and renamed into place, so concurrent
//! processes see the whole old file or the whole new one; a file that is
//! missing, cut short or of another format is a miss. The whole root is
//! trimmed to one size bound, least recently used first (a hit touches the
//! file's modification time), across every kind and version.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// What a file of one kind starts with.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Header {
    pub(crate) magic: &'static [u8; 8],
    pub(crate) format: u32,
}

/// `sha256-<hex>` under `dir`, for a `sha256:<64 hex>` key; `None` for any
/// other key, so a key can never name a path outside `dir`.
pub(crate) fn named(dir: &Path, key: &str) -> Option<PathBuf> {
    let hex = key.strip_prefix("sha256:")?;
    let ok = hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    ok.then(|| dir.join(format!("sha256-{hex}")))
}

/// The body of the file at `path`, if it is a sound file of this kind. A hit
/// marks the file as used.
pub(crate) fn read(path: &Path, header: Header) -> Option<Vec<u8>> {
    let mut f = fs::File::open(path).ok()?;
    let mut head = [0u8; 12];
    f.read_exact(&mut head).ok()?;
    if &head[..8] != header.magic || head[8..] != header.format.to_le_bytes() {
        return None;
    }
    let mut body = Vec::new();
    zstd::stream::read::Decoder::new(f)
        .ok()?
        .read_to_end(&mut body)
        .ok()?;
    // Mark the use for eviction; a failure only makes it look older.
    if let Ok(f) = fs::File::options().append(true).open(path) {
        let _ = f.set_modified(SystemTime::now());
    }
    Some(body)
}

/// Write the body `body` gives to `path` (in `dir`) atomically, compressed
/// as it is written (a body need not fit in memory twice), then trim `root`
/// to `max_bytes`; a file over the bound is not kept. Every failure is
/// ignored: the cache is an optimisation.
pub(crate) fn write(
    root: &Path,
    path: &Path,
    header: Header,
    max_bytes: u64,
    body: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) {
    let Some(dir) = path.parent() else {
        return;
    };
    if max_bytes == 0 || fs::create_dir_all(dir).is_err() {
        return;
    }
    let written = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(dir)
        .and_then(|t| {
            let mut out = std::io::BufWriter::new(t);
            out.write_all(header.magic)?;
            out.write_all(&header.format.to_le_bytes())?;
            let mut z = zstd::stream::write::Encoder::new(out, 3)?;
            z.include_checksum(true)?;
            body(&mut z)?;
            let t = z.finish()?.into_inner().map_err(|e| e.into_error())?;
            if t.as_file().metadata()?.len() > max_bytes {
                return Err(std::io::Error::other("over the cache's bound"));
            }
            t.persist(path).map_err(|e| e.error)?;
            Ok(())
        });
    if written.is_ok() {
        evict(root, max_bytes);
    }
}

/// Remove the least recently used files under `root/<kind>/<version>/` until
/// they fit in `max_bytes`. Files vanishing meanwhile (another process
/// trimming too) are fine.
pub(crate) fn evict(root: &Path, max_bytes: u64) {
    let mut files: Vec<(SystemTime, u64, PathBuf)> = subdirs(root)
        .iter()
        .flat_map(|kind| subdirs(kind))
        .filter_map(|dir| fs::read_dir(dir).ok())
        .flat_map(|d| d.flatten())
        .filter(|e| e.file_name().to_string_lossy().starts_with("sha256-"))
        .filter_map(|e| {
            let meta = e.metadata().ok()?;
            Some((meta.modified().ok()?, meta.len(), e.path()))
        })
        .collect();
    let mut total: u64 = files.iter().map(|f| f.1).sum();
    if total <= max_bytes {
        return;
    }
    files.sort();
    for (_, len, path) in files {
        if total <= max_bytes {
            break;
        }
        let _ = fs::remove_file(&path);
        total = total.saturating_sub(len);
    }
}

fn subdirs(dir: &Path) -> Vec<PathBuf> {
    fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default()
}
