//! The layer cache: a verified layer's [`LayerIndex`] kept on disk under its
//! diff_id, so the next analysis of any image sharing the layer need not read
//! it again.
//!
//! One file per layer, `<root>/layers/v<FORMAT>/sha256-<hex>`, holding the
//! index in the small binary encoding of `layer::codec`; how files are
//! framed, written atomically, and trimmed to the size bound (oldest use
//! first, shared with the image cache of `analysis`) is [`file`]'s. A file
//! that is missing, truncated, of another version, or for another diff_id is
//! a miss, never an error; the next verified read replaces it.
//!
//! Only what does not depend on the blob's packaging is stored: the caller sets
//! `compression` (from the blob) and `diff_id` (when verifying) on a hit.
//!
//! Within one process, clones of a cache share two things besides the
//! directory: claims, so that two images read at once (`ballast fleet scan`)
//! that both miss one layer read it once ([`LayerCache::get_or_claim`]: the
//! second waits for the first's result), and counts of hits and reads
//! ([`LayerCache::stats`]) for a progress bar.

pub(crate) mod file;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use super::codec::{Reader, Writer, kind_code, kind_of};
use super::{Entry, EntryWarning, LayerIndex};

/// Bumped whenever the encoding or what an index holds changes.
const HEADER: file::Header = file::Header {
    magic: b"BALLASTL",
    format: 1,
};
/// Default bound on the cache directory: 2 GB.
pub const DEFAULT_MAX_BYTES: u64 = 2_000_000_000;

/// Where and how much to cache. Two caches are equal when they are the same
/// directory with the same bound, whatever their in-process state.
#[derive(Debug, Clone)]
pub struct LayerCache {
    root: PathBuf,
    dir: PathBuf,
    max_bytes: u64,
    shared: Arc<Shared>,
}

impl PartialEq for LayerCache {
    fn eq(&self, other: &Self) -> bool {
        self.root == other.root && self.max_bytes == other.max_bytes
    }
}

impl Eq for LayerCache {}

/// What clones of one cache share in this process.
#[derive(Debug, Default)]
struct Shared {
    /// The diff_ids being read right now by someone who missed them.
    claimed: Mutex<HashSet<String>>,
    released: Condvar,
    hits: AtomicU64,
    hit_bytes: AtomicU64,
    reads: AtomicU64,
    read_bytes: AtomicU64,
}

/// Layers taken from the cache and layers read (downloaded, decompressed,
/// parsed) by the readers that asked [`LayerCache::get_or_claim`], with
/// their blob bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    pub hits: u64,
    pub hit_bytes: u64,
    pub reads: u64,
    pub read_bytes: u64,
}

impl CacheStats {
    /// Hits over lookups (0 with none).
    pub fn hit_rate(&self) -> f64 {
        let all = self.hits + self.reads;
        if all == 0 {
            0.0
        } else {
            self.hits as f64 / all as f64
        }
    }
}

/// The right to read a layer nobody had cached: held while reading it and
/// storing it; dropping it (stored or failed) wakes whoever waits for it.
#[derive(Debug)]
pub struct Claim {
    shared: Arc<Shared>,
    diff_id: String,
}

impl Drop for Claim {
    fn drop(&mut self) {
        let mut claimed = self
            .shared
            .claimed
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        claimed.remove(&self.diff_id);
        self.shared.released.notify_all();
    }
}

impl LayerCache {
    /// A cache under `root` (e.g. `~/.cache/ballast`) holding at most `max_bytes`.
    pub fn new(root: &Path, max_bytes: u64) -> LayerCache {
        LayerCache {
            root: root.to_path_buf(),
            dir: root.join("layers").join(format!("v{}", HEADER.format)),
            max_bytes,
            shared: Arc::default(),
        }
    }

    /// The layer `diff_id` from the cache, or the claim to read it. When
    /// another reader in this process holds the claim, wait for it to finish
    /// and look again: its layer is then a hit (or, if it failed, this
    /// reader gets the claim). `blob_bytes` is counted in [`Self::stats`].
    pub fn get_or_claim(
        &self,
        diff_id: &str,
        blob_bytes: u64,
    ) -> std::result::Result<LayerIndex, Claim> {
        loop {
            if let Some(index) = self.get(diff_id) {
                self.shared.hits.fetch_add(1, Ordering::Relaxed);
                self.shared
                    .hit_bytes
                    .fetch_add(blob_bytes, Ordering::Relaxed);
                return Ok(index);
            }
            let mut claimed = self
                .shared
                .claimed
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if claimed.insert(diff_id.to_string()) {
                self.shared.reads.fetch_add(1, Ordering::Relaxed);
                self.shared
                    .read_bytes
                    .fetch_add(blob_bytes, Ordering::Relaxed);
                return Err(Claim {
                    shared: self.shared.clone(),
                    diff_id: diff_id.to_string(),
                });
            }
            while claimed.contains(diff_id) {
                claimed = self
                    .shared
                    .released
                    .wait(claimed)
                    .unwrap_or_else(|e| e.into_inner());
            }
        }
    }

    /// What [`Self::get_or_claim`] counted in this process so far.
    pub fn stats(&self) -> CacheStats {
        let s = &self.shared;
        CacheStats {
            hits: s.hits.load(Ordering::Relaxed),
            hit_bytes: s.hit_bytes.load(Ordering::Relaxed),
            reads: s.reads.load(Ordering::Relaxed),
            read_bytes: s.read_bytes.load(Ordering::Relaxed),
        }
    }

    /// `$XDG_CACHE_HOME/ballast`, else `$HOME/.cache/ballast`; `None` when
    /// neither is set to an absolute path.
    pub fn default_root() -> Option<PathBuf> {
        let absolute = |v: std::ffi::OsString| Some(PathBuf::from(v)).filter(|p| p.is_absolute());
        std::env::var_os("XDG_CACHE_HOME")
            .and_then(absolute)
            .or_else(|| {
                std::env::var_os("HOME")
                    .and_then(absolute)
                    .map(|h| h.join(".cache"))
            })
            .map(|p| p.join("ballast"))
    }

    /// The directory the layer files live in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The cache's root directory (`--cache-dir`), which other kinds of
    /// cache file share, with the size bound.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The bound on everything under [`Self::root`], in bytes.
    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    fn file(&self, diff_id: &str) -> Option<PathBuf> {
        file::named(&self.dir, diff_id)
    }

    /// The cached index of the layer `diff_id`, if there is a sound one. Its
    /// `compression` and `diff_id` are unset.
    pub fn get(&self, diff_id: &str) -> Option<LayerIndex> {
        let body = file::read(&self.file(diff_id)?, HEADER)?;
        let index = decode(&body, diff_id)?;
        Some(index)
    }

    /// Store `index` as the layer `diff_id`, then trim the cache. Every
    /// failure is ignored: the cache is an optimisation.
    pub fn put(&self, diff_id: &str, index: &LayerIndex) {
        let Some(path) = self.file(diff_id) else {
            return;
        };
        file::write(&self.root, &path, HEADER, self.max_bytes, |out| {
            out.write_all(&encode(index, diff_id))
        });
    }
}

fn encode(index: &LayerIndex, diff_id: &str) -> Vec<u8> {
    let mut w = Writer(Vec::with_capacity(index.entries.len() * 64));
    w.bytes(diff_id.as_bytes());
    w.u64(index.tar_bytes);
    w.u64(index.entries.len() as u64);
    for e in &index.entries {
        w.bytes(&e.path);
        w.u8(kind_code(e.kind));
        w.u64(e.size);
        w.u32(e.mode);
        w.u32(e.uid);
        w.u32(e.gid);
        w.opt_bytes(e.link.as_deref());
        w.u128(e.content);
        w.u8(e.flags);
    }
    w.u64(index.warnings.len() as u64);
    for warning in &index.warnings {
        w.bytes(&warning.path);
        w.bytes(warning.message.as_bytes());
    }
    w.u64(index.captured.len() as u64);
    for (i, data) in &index.captured {
        w.u64(*i as u64);
        w.bytes(data);
    }
    w.0
}

fn decode(body: &[u8], diff_id: &str) -> Option<LayerIndex> {
    let mut r = Reader(body);
    if r.bytes()? != diff_id.as_bytes() {
        return None;
    }
    let tar_bytes = r.u64()?;
    // Each entry takes at least 48 bytes, so a count the body cannot hold is
    // corrupt and never reaches the allocator.
    let n = r.count(48)?;
    let mut entries = Vec::with_capacity(n);
    for _ in 0..n {
        entries.push(Entry {
            path: r.bytes()?.into(),
            kind: kind_of(r.u8()?)?,
            size: r.u64()?,
            mode: r.u32()?,
            uid: r.u32()?,
            gid: r.u32()?,
            link: r.opt_bytes(true)?,
            content: r.u128()?,
            flags: r.u8()?,
        });
    }
    let n = r.count(16)?;
    let mut warnings = Vec::with_capacity(n);
    for _ in 0..n {
        warnings.push(EntryWarning {
            path: r.bytes()?.to_vec(),
            message: String::from_utf8(r.bytes()?.to_vec()).ok()?,
        });
    }
    let n = r.count(16)?;
    let mut captured = Vec::with_capacity(n);
    for _ in 0..n {
        let i = usize::try_from(r.u64()?)
            .ok()
            .filter(|&i| i < entries.len())?;
        captured.push((i, r.bytes()?.to_vec()));
    }
    if !r.is_empty() {
        return None;
    }
    Some(LayerIndex {
        entries,
        diff_id: None,
        tar_bytes,
        compression: None,
        warnings,
        captured,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer::EntryKind;
    use std::fs;
    use std::time::SystemTime;

    fn sample() -> LayerIndex {
        LayerIndex {
            entries: vec![Entry {
                path: b"etc/passwd".as_slice().into(),
                kind: EntryKind::HardLink,
                size: 7,
                mode: 0o4755,
                uid: 1,
                gid: 2,
                link: Some(b"etc/group".as_slice().into()),
                content: u128::MAX - 3,
                flags: 5,
            }],
            diff_id: None,
            tar_bytes: 10240,
            compression: None,
            warnings: vec![EntryWarning {
                path: b"x".to_vec(),
                message: "odd".into(),
            }],
            captured: vec![(0, b"root:x:0:0".to_vec())],
        }
    }

    const ID: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn an_index_survives_the_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let cache = LayerCache::new(dir.path(), DEFAULT_MAX_BYTES);
        assert!(cache.get(ID).is_none());
        cache.put(ID, &sample());
        let back = cache.get(ID).expect("cached");
        let want = sample();
        assert_eq!(back.entries, want.entries);
        assert_eq!(back.warnings, want.warnings);
        assert_eq!(back.captured, want.captured);
        assert_eq!(back.tar_bytes, want.tar_bytes);
    }

    #[test]
    fn eviction_removes_the_least_recently_used_layer_first() {
        let dir = tempfile::tempdir().unwrap();
        let ids: Vec<String> = (0..3)
            .map(|i| format!("sha256:{}", format!("{i}").repeat(64)))
            .collect();
        let big = LayerCache::new(dir.path(), DEFAULT_MAX_BYTES);
        for id in &ids {
            big.put(id, &sample());
        }
        let one = fs::metadata(big.file(&ids[0]).unwrap()).unwrap().len();
        // Written oldest first, then the oldest is used: the second is now
        // the least recently used.
        let old = SystemTime::now() - std::time::Duration::from_secs(3600);
        for (i, id) in ids.iter().enumerate() {
            let f = fs::File::options()
                .append(true)
                .open(big.file(id).unwrap())
                .unwrap();
            f.set_modified(old + std::time::Duration::from_secs(i as u64))
                .unwrap();
        }
        assert!(big.get(&ids[0]).is_some());
        let small = LayerCache::new(dir.path(), one * 3 - 1);
        file::evict(dir.path(), one * 3 - 1);
        assert!(
            small.get(&ids[1]).is_none(),
            "the least recently used stays"
        );
        assert!(small.get(&ids[0]).is_some() && small.get(&ids[2]).is_some());
    }

    #[test]
    fn a_truncated_or_foreign_cache_file_is_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        let cache = LayerCache::new(dir.path(), DEFAULT_MAX_BYTES);
        cache.put(ID, &sample());
        let path = cache.file(ID).unwrap();
        let full = fs::read(&path).unwrap();
        for cut in [0, 5, 12, full.len() / 2, full.len() - 1] {
            fs::write(&path, &full[..cut]).unwrap();
            assert!(cache.get(ID).is_none(), "cut at {cut}");
        }
        // Another layer's file under this name is not taken for it.
        let other = ID.replace("0123", "4567");
        cache.put(&other, &sample());
        fs::rename(cache.file(&other).unwrap(), &path).unwrap();
        assert!(cache.get(ID).is_none());
        assert!(cache.file("sha256:../../etc").is_none());
    }

    #[test]
    fn a_layer_two_readers_miss_at_once_is_read_by_one() {
        let dir = tempfile::tempdir().unwrap();
        let cache = LayerCache::new(dir.path(), DEFAULT_MAX_BYTES);
        let first = cache.get_or_claim(ID, 100).expect_err("a miss: claimed");
        let other = cache.clone();
        let waiter = std::thread::spawn(move || other.get_or_claim(ID, 100).is_ok());
        // The second reader waits while the first reads and stores.
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert!(!waiter.is_finished());
        cache.put(ID, &sample());
        drop(first);
        assert!(waiter.join().unwrap(), "the waiter took the stored layer");
        let stats = cache.stats();
        assert_eq!((stats.hits, stats.reads), (1, 1));
        assert_eq!((stats.hit_bytes, stats.read_bytes), (100, 100));
        assert!((stats.hit_rate() - 0.5).abs() < 1e-9);
    }

    #[test]
    fn a_failed_reader_hands_its_claim_to_the_waiter() {
        let dir = tempfile::tempdir().unwrap();
        let cache = LayerCache::new(dir.path(), DEFAULT_MAX_BYTES);
        let first = cache.get_or_claim(ID, 1).expect_err("claimed");
        let other = cache.clone();
        let waiter = std::thread::spawn(move || other.get_or_claim(ID, 1).is_err());
        std::thread::sleep(std::time::Duration::from_millis(20));
        drop(first);
        assert!(
            waiter.join().unwrap(),
            "nothing stored: the waiter reads it"
        );
        assert_eq!(cache.stats().reads, 2);
    }
}
