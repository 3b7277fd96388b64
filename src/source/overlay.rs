//! The engine fast path: read layers in place from overlay2's `diff` directories.
//!
//! `docker save` makes the daemon re-tar every layer (~110 MB/s here); the same
//! bytes are already on disk, one directory per layer. Where ballast runs beside
//! the engine with read access to its data-root, it walks those directories
//! instead and turns overlay's own encoding into the OCI change set, exactly as
//! the daemon does when it exports (moby `archive.TarWithOptions` with the
//! overlay whiteout converter): a 0/0 character device is a whiteout, a
//! directory with the `trusted.overlay.opaque` (or `user.overlay.opaque`) xattr
//! is opaque, and a file with several links in one layer is stored once, later
//! names becoming hard links, in the same lexical walk order.
//!
//! Content is read only where it matters: a file's content hash is computed only
//! when another file has the same size (the only case where two files can be
//! duplicates); everything else comes from `lstat`. Nothing is ever written, and
//! no symlink is followed: files are opened with `O_NOFOLLOW`.
//!
//! Layer digests cannot be checked here (there is no tar stream to hash), and the
//! analysis says so (`verified: false`, `read_path: "engine-storage"`).

use std::collections::HashMap;
use std::ffi::CString;
use std::fs::{self, File};
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};

use xxhash_rust::xxh3::Xxh3Default;

use super::engine::Engine;
use super::layout::{Format, ImageConfig, ImagePlan, LayerRef};
use crate::error::{Error, Result};
use crate::layer::{Entry, EntryKind, LayerIndex};

/// Where an image's layers live on disk.
#[derive(Debug, Clone)]
pub struct Located {
    /// `diff` directories, bottom layer first.
    pub layers: Vec<PathBuf>,
    pub config: Vec<u8>,
    pub config_digest: String,
    pub repo_tags: Vec<String>,
    /// Each layer's tar-split file, where the engine keeps one.
    pub tar_splits: Vec<Option<PathBuf>>,
}

/// Why the fast path cannot be used (the caller falls back to the export).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unavailable(pub String);

/// Find the image's layer directories through the engine. The outer error is a
/// real one (engine down, image missing); the inner one means "use the export".
pub fn locate(
    engine: Engine,
    reference: &str,
) -> Result<std::result::Result<Located, Unavailable>> {
    let endpoint = engine.endpoint();
    if !endpoint.starts_with("unix://") && !endpoint.starts_with('/') {
        return Ok(Err(Unavailable(format!(
            "the engine at '{endpoint}' is not local"
        ))));
    }
    let (inspect, root) = super::engine::inspect_with_root(engine, reference)?;
    Ok(find_dirs(engine, inspect, &root))
}

fn find_dirs(
    engine: Engine,
    inspect: bollard::models::ImageInspect,
    root: &str,
) -> std::result::Result<Located, Unavailable> {
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
    let id = inspect.id.clone().unwrap_or_default();
    let hex = id.strip_prefix("sha256:").unwrap_or(&id);
    let config_candidates = match engine {
        Engine::Docker => vec![
            PathBuf::from(root)
                .join("image/overlay2/imagedb/content/sha256")
                .join(hex),
        ],
        Engine::Podman => {
            // containers/storage keeps an image's big data as files named `=`
            // plus the base64 of the key; the config's key is its digest.
            let key = base64_std(format!("sha256:{hex}").as_bytes());
            vec![
                PathBuf::from(root)
                    .join("overlay-images")
                    .join(hex)
                    .join(format!("={key}")),
            ]
        }
    };
    let config = config_candidates
        .iter()
        .find_map(|p| fs::read(p).ok())
        .ok_or_else(|| {
            Unavailable(format!(
                "cannot read the image config at '{}'",
                config_candidates[0].display()
            ))
        })?;
    let tar_splits = match engine {
        // Docker keys its layer store by chain ID: sha256 of the parent's
        // chain ID, a space and the layer's diff_id.
        Engine::Docker => chain_ids(&config)
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
    };
    Ok(Located {
        layers,
        config,
        config_digest: id,
        repo_tags: inspect.repo_tags.unwrap_or_default(),
        tar_splits,
    })
}

/// Read the located layers into the same plan and layer indexes the export gives.
pub fn read(
    located: &Located,
    name: &str,
    progress: &dyn crate::progress::Progress,
    on_layer: &mut dyn FnMut(usize, LayerIndex) -> Result<()>,
) -> Result<ImagePlan> {
    let config: ImageConfig =
        serde_json::from_slice(&located.config).map_err(|e| Error::BadMetadata {
            source_name: name.into(),
            what: "image config".into(),
            reason: e.to_string(),
        })?;
    if config.rootfs.diff_ids.len() != located.layers.len() {
        return Err(Error::BadMetadata {
            source_name: name.into(),
            what: "engine storage".into(),
            reason: format!(
                "the engine lists {} layer directories but the config has {} diff_ids",
                located.layers.len(),
                config.rootfs.diff_ids.len()
            ),
        });
    }
    progress.phase(&format!("reading {name} from the engine's storage"), None);
    let orders: Vec<Option<Vec<TarEntry>>> = located
        .tar_splits
        .iter()
        .map(|p| p.as_deref().and_then(tar_split_entries))
        .collect();
    let mut walks = walk_all(&located.layers, &orders)?;
    read_contents(&located.layers, &mut walks)?;
    let indexes: Vec<LayerIndex> = walks.into_iter().map(|w| w.index).collect();
    let plan = ImagePlan {
        format: Format::DockerLegacy,
        layers: located
            .layers
            .iter()
            .zip(&config.rootfs.diff_ids)
            .map(|(dir, diff_id)| LayerRef {
                blob: dir.display().to_string(),
                digest: None,
                diff_id: diff_id.clone(),
                media_type: None,
            })
            .collect(),
        config,
        config_digest: located.config_digest.clone(),
        repo_tags: located.repo_tags.clone(),
    };
    for (i, index) in indexes.into_iter().enumerate() {
        on_layer(i, index)?;
    }
    progress.finish();
    Ok(plan)
}

/// A directory still to read: its layer, where it is, and its path in the layer.
struct DirTask {
    layer: usize,
    abs: PathBuf,
    rel: Vec<u8>,
}

/// The shared work list of the walkers.
struct Queue {
    tasks: Vec<DirTask>,
    /// Directories being read right now (their subdirectories are not queued yet).
    active: usize,
    failed: Option<Error>,
}

/// Walk every layer directory at once: all cores share one queue of
/// directories, so a single large layer is walked in parallel too.
fn walk_all(layers: &[PathBuf], orders: &[Option<Vec<TarEntry>>]) -> Result<Vec<Walk>> {
    let queue = Mutex::new(Queue {
        tasks: layers
            .iter()
            .enumerate()
            .map(|(layer, abs)| DirTask {
                layer,
                abs: abs.clone(),
                rel: Vec::new(),
            })
            .collect(),
        active: 0,
        failed: None,
    });
    let wake = Condvar::new();
    let walked: Mutex<Vec<Vec<Walked>>> =
        Mutex::new((0..layers.len()).map(|_| Vec::new()).collect());
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                let mut local: Vec<(usize, Walked)> = Vec::new();
                loop {
                    let task = {
                        let mut q = queue.lock().expect("no walker panics");
                        loop {
                            if q.failed.is_some() {
                                break None;
                            }
                            if let Some(t) = q.tasks.pop() {
                                q.active += 1;
                                break Some(t);
                            }
                            if q.active == 0 {
                                break None;
                            }
                            q = wake.wait(q).expect("no walker panics");
                        }
                    };
                    let Some(task) = task else { break };
                    let mut subdirs = Vec::new();
                    let result = read_dir_entries(&task, &mut local, &mut subdirs);
                    let mut q = queue.lock().expect("no walker panics");
                    q.active -= 1;
                    match result {
                        Ok(()) => q.tasks.extend(subdirs),
                        Err(e) => {
                            q.failed.get_or_insert(e);
                        }
                    }
                    wake.notify_all();
                }
                let mut all = walked.lock().expect("no walker panics");
                for (layer, w) in local {
                    all[layer].push(w);
                }
            });
        }
    });
    if let Some(e) = queue.into_inner().expect("no walker panics").failed {
        return Err(e);
    }
    let walked = walked.into_inner().expect("no walker panics");
    Ok(walked
        .into_iter()
        .enumerate()
        .map(|(i, w)| finish_layer(w, orders.get(i).and_then(|o| o.as_deref())))
        .collect())
}

#[cfg(test)]
fn walk_layer(root: &Path, order: Option<&[TarEntry]>) -> Result<Walk> {
    let orders = [order.map(<[TarEntry]>::to_vec)];
    Ok(walk_all(&[root.to_path_buf()], &orders)?.remove(0))
}

fn walk_error(path: &Path, e: std::io::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        cause: e,
    }
}

/// One walked entry before ordering: the entry, the name its tar would give
/// it (for whiteouts and opaque markers, the `.wh.` name), and its inode when
/// other names share it.
struct Walked {
    entry: Entry,
    tar_name: Vec<u8>,
    inode: Option<(u64, u64)>,
}

/// Read one directory: an entry for each child, and a task for each
/// subdirectory. Children are stat'ed through the directory's descriptor.
fn read_dir_entries(
    task: &DirTask,
    out: &mut Vec<(usize, Walked)>,
    subdirs: &mut Vec<DirTask>,
) -> Result<()> {
    let dir = fs::read_dir(&task.abs).map_err(|e| walk_error(&task.abs, e))?;
    for child in dir {
        let child = child.map_err(|e| walk_error(&task.abs, e))?;
        let name = child.file_name();
        let abs = || task.abs.join(&name);
        // `DirEntry::metadata` does not follow symlinks (fstatat, AT_SYMLINK_NOFOLLOW).
        let meta = child.metadata().map_err(|e| walk_error(&abs(), e))?;
        let mut rel = task.rel.clone();
        if !rel.is_empty() {
            rel.push(b'/');
        }
        rel.extend_from_slice(name.as_bytes());
        let ft = meta.file_type();
        let mut w = Walked {
            entry: Entry {
                path: rel.clone().into_boxed_slice(),
                kind: EntryKind::File,
                size: 0,
                mode: meta.mode() & 0o7777,
                uid: meta.uid(),
                gid: meta.gid(),
                link: None,
                content: 0,
                flags: 0,
            },
            tar_name: rel.clone(),
            inode: None,
        };
        if ft.is_dir() {
            w.entry.kind = EntryKind::Dir;
            let abs = abs();
            let opaque = is_opaque(&abs);
            out.push((task.layer, w));
            if opaque {
                let mut tar_name = rel.clone();
                tar_name.extend_from_slice(b"/.wh..wh..opq");
                let marker = Entry {
                    path: rel.clone().into_boxed_slice(),
                    kind: EntryKind::Opaque,
                    size: 0,
                    mode: 0,
                    uid: 0,
                    gid: 0,
                    link: None,
                    content: 0,
                    flags: 0,
                };
                out.push((
                    task.layer,
                    Walked {
                        entry: marker,
                        tar_name,
                        inode: None,
                    },
                ));
            }
            subdirs.push(DirTask {
                layer: task.layer,
                abs,
                rel,
            });
            continue;
        }
        if ft.is_file() {
            w.entry.size = meta.len();
            w.inode = (meta.nlink() > 1).then(|| (meta.dev(), meta.ino()));
        } else if ft.is_symlink() {
            w.entry.kind = EntryKind::Symlink;
            let abs = abs();
            let target = fs::read_link(&abs).map_err(|e| walk_error(&abs, e))?;
            w.entry.link = Some(target.as_os_str().as_bytes().into());
        } else if ft.is_char_device() && meta.rdev() == 0 {
            w.entry.kind = EntryKind::Whiteout;
            (w.entry.mode, w.entry.uid, w.entry.gid) = (0, 0, 0);
            w.tar_name = task.rel.clone();
            if !w.tar_name.is_empty() {
                w.tar_name.push(b'/');
            }
            w.tar_name.extend_from_slice(b".wh.");
            w.tar_name.extend_from_slice(name.as_bytes());
        } else if ft.is_char_device() {
            w.entry.kind = EntryKind::CharDevice;
        } else if ft.is_block_device() {
            w.entry.kind = EntryKind::BlockDevice;
        } else if ft.is_fifo() {
            w.entry.kind = EntryKind::Fifo;
        } else {
            // Sockets are not archived.
            continue;
        }
        out.push((task.layer, w));
    }
    Ok(())
}

/// A walked layer: its entries and, per entry, the CRC-64 its tar-split records.
#[derive(Debug)]
struct Walk {
    index: LayerIndex,
    crcs: Vec<Option<u64>>,
}

/// Put walked entries in tar order and give hard links their roles: the first
/// name of an inode in that order holds the content, later names link to it.
fn finish_layer(mut walked: Vec<Walked>, order: Option<&[TarEntry]>) -> Walk {
    let mut crcs: HashMap<&[u8], u64> = HashMap::new();
    // Without a tar-split: depth-first in lexical order of the names on disk,
    // as the daemon writes the layers it builds (component by component: `a/b`
    // before `a-b`). The sort is stable: an opaque marker stays after its dir.
    walked.sort_by(|a, b| {
        a.entry
            .path
            .split(|&c| c == b'/')
            .cmp(b.entry.path.split(|&c| c == b'/'))
    });
    if let Some(order) = order {
        let mut position: HashMap<&[u8], usize> = HashMap::with_capacity(order.len());
        for (i, e) in order.iter().enumerate() {
            position.entry(&e.name[..]).or_insert(i);
            if let Some(crc) = e.crc {
                crcs.insert(&e.name[..], crc);
            }
        }
        // A directory the tar never had was created by the unpacker; the export
        // has no entry for it either.
        walked.retain(|w| w.entry.kind != EntryKind::Dir || position.contains_key(&w.tar_name[..]));
        walked.sort_by_key(|w| position.get(&w.tar_name[..]).copied().unwrap_or(usize::MAX));
    }
    let mut first: HashMap<(u64, u64), Box<[u8]>> = HashMap::new();
    let mut index = LayerIndex::default();
    let mut fingerprints = Vec::with_capacity(walked.len());
    for mut w in walked {
        if let Some(inode) = w.inode {
            match first.get(&inode) {
                Some(target) => {
                    w.entry.kind = EntryKind::HardLink;
                    w.entry.size = 0;
                    w.entry.link = Some(target.clone());
                }
                None => {
                    first.insert(inode, w.entry.path.clone());
                }
            }
        }
        fingerprints.push(crcs.get(&w.tar_name[..]).copied());
        index.entries.push(w.entry);
    }
    Walk {
        index,
        crcs: fingerprints,
    }
}

/// One entry of a layer's original tar, from its tar-split.
#[derive(Debug, Clone, PartialEq, Eq)]
struct TarEntry {
    name: Vec<u8>,
    /// CRC-64 of a regular file's content, as tar-split records it.
    crc: Option<u64>,
}

/// Entries, in order, from a layer's tar-split (the record of its original tar
/// that engines keep to reproduce it byte for byte). `None` if unreadable.
fn tar_split_entries(path: &Path) -> Option<Vec<TarEntry>> {
    #[derive(serde::Deserialize)]
    struct Record {
        #[serde(rename = "type")]
        kind: u8,
        #[serde(default)]
        name: Option<String>,
        #[serde(default)]
        name_raw: Option<String>,
        #[serde(default)]
        payload: Option<String>,
    }
    let file = File::open(path).ok()?;
    let reader = std::io::BufReader::new(flate2::read::MultiGzDecoder::new(file));
    let mut names = Vec::new();
    for line in std::io::BufRead::lines(reader) {
        let record: Record = serde_json::from_str(&line.ok()?).ok()?;
        if record.kind != 1 {
            continue;
        }
        let raw = match (record.name_raw, record.name) {
            (Some(b64), _) => base64_decode(&b64)?,
            (None, Some(name)) => name.into_bytes(),
            (None, None) => continue,
        };
        let crc = record
            .payload
            .as_deref()
            .and_then(base64_decode)
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
            .map(u64::from_be_bytes);
        if let crate::layer::path::Normalized::Path(name) = crate::layer::path::normalize(&raw) {
            names.push(TarEntry { name, crc });
        }
    }
    Some(names)
}

fn is_opaque(dir: &Path) -> bool {
    // One listxattr answers for nearly every directory: most have no xattrs.
    let Ok(cpath) = CString::new(dir.as_os_str().as_bytes()) else {
        return false;
    };
    let mut names = [0u8; 1024];
    // SAFETY: a NUL-terminated path and a buffer described by pointer and length.
    let n = unsafe { libc::llistxattr(cpath.as_ptr(), names.as_mut_ptr().cast(), names.len()) };
    if n == 0 {
        return false;
    }
    ["trusted.overlay.opaque", "user.overlay.opaque"]
        .iter()
        .any(|attr| get_xattr(dir, attr).is_some_and(|v| v == b"y"))
}

fn get_xattr(path: &Path, name: &str) -> Option<Vec<u8>> {
    let cpath = CString::new(path.as_os_str().as_bytes()).ok()?;
    let cname = CString::new(name).ok()?;
    let mut buf = [0u8; 16];
    // SAFETY: both strings are NUL-terminated and live across the call; the
    // buffer pointer and length describe `buf`.
    let n = unsafe {
        libc::lgetxattr(
            cpath.as_ptr(),
            cname.as_ptr(),
            buf.as_mut_ptr().cast(),
            buf.len(),
        )
    };
    (n >= 0).then(|| buf[..n as usize].to_vec())
}

/// Read content only where a finding needs it: hash the regular files that may
/// have a duplicate, and sniff the head of files whose names make them secret
/// candidates. Two files can only be equal with equal sizes and, where the
/// tar-split records them, equal CRC-64s; only such groups are read.
fn read_contents(layers: &[PathBuf], walks: &mut [Walk]) -> Result<()> {
    // size -> (count, count per CRC, any member without a CRC)
    let mut by_size: HashMap<u64, (u32, HashMap<u64, u32>, bool)> = HashMap::new();
    for w in walks.iter() {
        for (e, crc) in w.index.entries.iter().zip(&w.crcs) {
            if e.kind == EntryKind::File && e.size > 0 {
                let slot = by_size.entry(e.size).or_default();
                slot.0 += 1;
                match crc {
                    Some(c) => *slot.1.entry(*c).or_default() += 1,
                    None => slot.2 = true,
                }
            }
        }
    }
    let may_have_twin = |size: u64, crc: Option<u64>| {
        let (count, by_crc, unknown) = &by_size[&size];
        match crc {
            _ if *count < 2 => false,
            Some(c) if !unknown => by_crc[&c] > 1,
            _ => true,
        }
    };
    // (layer, entry, hash the whole file?)
    let mut jobs: Vec<(usize, usize, bool)> = Vec::new();
    for (l, w) in walks.iter().enumerate() {
        for (i, (e, crc)) in w.index.entries.iter().zip(&w.crcs).enumerate() {
            if e.kind != EntryKind::File || e.size == 0 {
                continue;
            }
            let hash = may_have_twin(e.size, *crc);
            if hash
                || secret_candidate(&e.path)
                || crate::layer::sniff::elf_candidate(&e.path, e.mode)
                || crate::layer::sniff::wanted(&e.path)
            {
                jobs.push((l, i, hash));
            }
        }
    }
    let next = AtomicUsize::new(0);
    type Done = (usize, usize, Result<FileRead>);
    let done: Mutex<Vec<Done>> = Mutex::new(Vec::with_capacity(jobs.len()));
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let view: &[Walk] = walks;
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                let mut buf = vec![0u8; 256 * 1024];
                let mut local = Vec::new();
                while let Some(&(l, i, hash)) = jobs.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let path = &view[l].index.entries[i].path;
                    let abs = layers[l].join(std::ffi::OsStr::from_bytes(path));
                    let mode = view[l].index.entries[i].mode;
                    local.push((l, i, read_file(&abs, path, mode, hash, &mut buf)));
                }
                done.lock().expect("no reader panics").extend(local);
            });
        }
    });
    for (l, i, r) in done.into_inner().expect("no reader panics") {
        let (content, flags, captured) = r?;
        let w = &mut walks[l];
        w.index.entries[i].content = content;
        w.index.entries[i].flags = flags;
        if let Some(bytes) = captured {
            w.index.captured.push((i, bytes));
        }
    }
    Ok(())
}

/// Names that may hold a key or credentials; only these are sniffed here (the
/// export path sniffs every file, as it reads them all anyway).
fn secret_candidate(path: &[u8]) -> bool {
    let name = crate::layer::path::split_last(path).1;
    crate::layer::sniff::credential_file(path).is_some()
        || [&b".pem"[..], b".key", b".p8"]
            .iter()
            .any(|ext| name.ends_with(ext))
        || (name.starts_with(b"id_") && !name.ends_with(b".pub"))
}

/// Hash a file (when `hash`) and sniff its head; never follows a symlink.
/// What reading one file gave: its hash (0 when not hashed), sniffing flags and,
/// for the files the inventories want, the whole content.
type FileRead = (u128, u8, Option<Vec<u8>>);

fn read_file(abs: &Path, rel: &[u8], mode: u32, hash: bool, buf: &mut [u8]) -> Result<FileRead> {
    use crate::layer::sniff;
    let capture = sniff::wanted(rel);
    let mut f = File::options()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(abs)
        .map_err(|e| walk_error(abs, e))?;
    let mut h = Xxh3Default::new();
    let mut head = Vec::new();
    loop {
        let n = f.read(buf).map_err(|e| walk_error(abs, e))?;
        if n == 0 {
            break;
        }
        let keep = if capture {
            sniff::CAPTURE_LIMIT as usize
        } else {
            sniff::HEAD
        };
        if head.len() < keep {
            head.extend_from_slice(&buf[..n.min(keep - head.len())]);
        }
        if !hash && !capture && head.len() >= sniff::HEAD {
            break;
        }
        if hash {
            h.update(&buf[..n]);
        }
    }
    let flags = sniff::classify_entry(rel, mode, &head[..head.len().min(sniff::HEAD)]);
    let captured = (capture && (head.len() as u64) < sniff::CAPTURE_LIMIT).then_some(head);
    Ok((if hash { h.digest128() } else { 0 }, flags, captured))
}

/// Chain IDs of an image's layers, from its config's diff_ids.
fn chain_ids(config: &[u8]) -> Vec<String> {
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

fn base64_decode(input: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in input.bytes().filter(|&c| c != b'=') {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32;
        acc = acc << 6 | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

fn base64_std(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set_xattr(path: &Path, name: &str, value: &[u8]) -> bool {
        let cpath = CString::new(path.as_os_str().as_bytes()).unwrap();
        let cname = CString::new(name).unwrap();
        // SAFETY: NUL-terminated strings and a valid buffer, all alive for the call.
        unsafe {
            libc::lsetxattr(
                cpath.as_ptr(),
                cname.as_ptr(),
                value.as_ptr().cast(),
                value.len(),
                0,
            ) == 0
        }
    }

    fn mknod_whiteout(path: &Path) -> bool {
        let cpath = CString::new(path.as_os_str().as_bytes()).unwrap();
        // SAFETY: a NUL-terminated path alive for the call.
        unsafe { libc::mknod(cpath.as_ptr(), libc::S_IFCHR, 0) == 0 }
    }

    fn kinds(idx: &LayerIndex) -> Vec<(String, EntryKind)> {
        idx.entries
            .iter()
            .map(|e| (String::from_utf8_lossy(&e.path).into_owned(), e.kind))
            .collect()
    }

    #[test]
    fn overlay_encoding_becomes_the_oci_change_set() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        fs::create_dir_all(root.join("etc/opq")).unwrap();
        fs::write(root.join("etc/opq/new"), b"n").unwrap();
        fs::write(root.join("b-file"), b"0123456789").unwrap();
        fs::hard_link(root.join("b-file"), root.join("a-link")).unwrap();
        std::os::unix::fs::symlink("/etc/passwd", root.join("escape")).unwrap();
        if !mknod_whiteout(&root.join("gone"))
            || !set_xattr(&root.join("etc/opq"), "trusted.overlay.opaque", b"y")
        {
            eprintln!("skipping: needs root for mknod and trusted xattrs");
            return;
        }
        let idx = walk_layer(root, None).unwrap().index;
        assert_eq!(
            kinds(&idx),
            vec![
                // Lexical order decides which name of a hard-linked inode is the file.
                ("a-link".into(), EntryKind::File),
                ("b-file".into(), EntryKind::HardLink),
                ("escape".into(), EntryKind::Symlink),
                ("etc".into(), EntryKind::Dir),
                ("etc/opq".into(), EntryKind::Dir),
                ("etc/opq".into(), EntryKind::Opaque),
                ("etc/opq/new".into(), EntryKind::File),
                ("gone".into(), EntryKind::Whiteout),
            ]
        );
        assert_eq!(idx.entries[0].size, 10);
        assert_eq!(idx.entries[1].link.as_deref(), Some(&b"a-link"[..]));
        assert_eq!(idx.entries[2].link.as_deref(), Some(&b"/etc/passwd"[..]));
    }

    #[test]
    fn only_size_collisions_are_hashed_and_symlinks_are_never_followed() {
        let tmp = tempfile::tempdir().unwrap();
        let (l0, l1) = (tmp.path().join("l0"), tmp.path().join("l1"));
        fs::create_dir_all(&l0).unwrap();
        fs::create_dir_all(&l1).unwrap();
        fs::write(l0.join("same1"), b"abcd").unwrap();
        fs::write(l1.join("same2"), b"abcd").unwrap();
        fs::write(l1.join("unique"), b"only one of this size").unwrap();
        let layers = vec![l0, l1];
        let mut idx = walk_all(&layers, &[None, None]).unwrap();
        read_contents(&layers, &mut idx).unwrap();
        assert_ne!(idx[0].index.entries[0].content, 0);
        assert_eq!(
            idx[0].index.entries[0].content,
            idx[1].index.entries[0].content
        );
        assert_eq!(
            idx[1].index.entries[1].content, 0,
            "a unique size needs no hash"
        );
        let mut buf = vec![0u8; 64];
        std::os::unix::fs::symlink(tmp.path().join("l0/same1"), tmp.path().join("link")).unwrap();
        assert!(read_file(&tmp.path().join("link"), b"link", 0o777, true, &mut buf).is_err());
    }

    #[test]
    fn tar_split_crcs_spare_reading_files_that_cannot_be_twins() {
        let tmp = tempfile::tempdir().unwrap();
        let layers: Vec<PathBuf> = (0..2).map(|i| tmp.path().join(format!("l{i}"))).collect();
        for l in &layers {
            fs::create_dir_all(l).unwrap();
        }
        fs::write(layers[0].join("a"), b"abcd").unwrap();
        fs::write(layers[1].join("b"), b"wxyz").unwrap();
        fs::write(layers[1].join("c"), b"abcd").unwrap();
        let entry = |name: &str, crc: u64| TarEntry {
            name: name.as_bytes().to_vec(),
            crc: Some(crc),
        };
        // `b` has the size of the others but not their CRC: it is never read.
        let orders = vec![
            Some(vec![entry("a", 7)]),
            Some(vec![entry("b", 9), entry("c", 7)]),
        ];
        let mut walks = walk_all(&layers, &orders).unwrap();
        read_contents(&layers, &mut walks).unwrap();
        let (a, b, c) = (
            walks[0].index.entries[0].content,
            walks[1].index.entries[0].content,
            walks[1].index.entries[1].content,
        );
        assert_eq!(b, 0);
        assert_ne!(a, 0);
        assert_eq!(a, c);
    }

    #[test]
    fn a_missing_layer_directory_is_an_error_naming_it() {
        let err = walk_all(&[PathBuf::from("/nonexistent/ballast/diff")], &[None]).unwrap_err();
        assert!(
            err.to_string().contains("/nonexistent/ballast/diff"),
            "{err}"
        );
    }

    #[test]
    fn other_storage_drivers_fall_back() {
        let inspect = bollard::models::ImageInspect {
            graph_driver: Some(bollard::models::DriverData {
                name: "vfs".into(),
                data: Default::default(),
            }),
            ..Default::default()
        };
        let err = find_dirs(Engine::Docker, inspect, "/var/lib/docker").unwrap_err();
        assert!(err.0.contains("'vfs'"), "{err:?}");
    }

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64_std(i.as_bytes()), o);
            assert_eq!(base64_decode(o).unwrap(), i.as_bytes());
        }
    }

    #[test]
    fn tar_order_decides_hard_link_roles_and_drops_unpacker_dirs() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        fs::create_dir_all(root.join("z")).unwrap();
        fs::create_dir_all(root.join("a")).unwrap();
        fs::write(root.join("z/target"), b"0123").unwrap();
        fs::hard_link(root.join("z/target"), root.join("a/link")).unwrap();
        // The original tar had `z/`, `z/target`, then `a/link`, and no `a/` entry.
        let order: Vec<TarEntry> = [&b"z"[..], b"z/target", b"a/link"]
            .iter()
            .map(|n| TarEntry {
                name: n.to_vec(),
                crc: None,
            })
            .collect();
        let idx = walk_layer(root, Some(&order)).unwrap().index;
        assert_eq!(
            kinds(&idx),
            vec![
                ("z".into(), EntryKind::Dir),
                ("z/target".into(), EntryKind::File),
                ("a/link".into(), EntryKind::HardLink),
            ]
        );
        assert_eq!(idx.entries[2].link.as_deref(), Some(&b"z/target"[..]));
    }

    #[test]
    fn tar_split_names_are_read_in_order() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("t.json.gz");
        let mut enc = flate2::write::GzEncoder::new(
            File::create(&path).unwrap(),
            flate2::Compression::fast(),
        );
        let raw = base64_std(b"caf\xe9");
        let lines = [
            r#"{"type":2,"payload":"AAAA","position":0}"#.to_string(),
            r#"{"type":1,"name":"./etc/","payload":null,"position":1}"#.to_string(),
            r#"{"type":1,"name":"etc/.wh.gone","position":2}"#.to_string(),
            format!(r#"{{"type":1,"name_raw":"{raw}","position":3}}"#),
        ]
        .join("\n");
        std::io::Write::write_all(&mut enc, lines.as_bytes()).unwrap();
        enc.finish().unwrap();
        let names: Vec<Vec<u8>> = tar_split_entries(&path)
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(
            names,
            vec![
                b"etc".to_vec(),
                b"etc/.wh.gone".to_vec(),
                b"caf\xe9".to_vec()
            ]
        );
    }

    #[test]
    fn chain_ids_follow_the_oci_definition() {
        use sha2::{Digest, Sha256};
        let config = br#"{"rootfs":{"type":"layers","diff_ids":["sha256:aa","sha256:bb"]}}"#;
        let ids = chain_ids(config);
        assert_eq!(ids[0], "sha256:aa");
        assert_eq!(
            ids[1],
            format!(
                "sha256:{}",
                hex::encode(Sha256::digest("sha256:aa sha256:bb"))
            )
        );
    }
}
