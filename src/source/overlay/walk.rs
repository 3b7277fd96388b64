//! The parallel walker: every layer directory is read at once, all cores
//! sharing one queue of directories (so one large layer is walked in
//! parallel too). Each child becomes an entry from its `lstat` alone, with
//! overlay's encoding turned into the OCI one: a 0/0 character device is a
//! whiteout, an opaque directory gets its `.wh..wh..opq` marker. The
//! `entries-per-layer`, `entries-per-image` and `path-length` limits apply as
//! they do to tars (every layer is walked before any is merged).

use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};

use super::order::{Walk, finish_layer};
use super::tar_split::TarEntry;
use super::xattr::is_opaque;
use crate::error::{Error, Result};
use crate::layer::{Entry, EntryKind};
use crate::limits::{Limit, Limits};

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

/// What the walkers share: the queue, the signal that it changed, and the
/// entries found so far, per layer.
struct Shared {
    queue: Mutex<Queue>,
    wake: Condvar,
    walked: Mutex<Vec<Vec<Walked>>>,
    bounds: Bounds,
}

/// The limits a walk stays within, and each layer's entries so far.
struct Bounds {
    limits: Limits,
    layers: Vec<PathBuf>,
    counts: Vec<AtomicU64>,
    total: AtomicU64,
}

impl Bounds {
    /// Refuse a path or link target over `path-length`.
    fn path(&self, layer: usize, path: &[u8], link: &[u8]) -> Result<()> {
        let len = path.len().max(link.len()) as u64;
        if len <= self.limits.get(Limit::PathLength) {
            return Ok(());
        }
        let shown = String::from_utf8_lossy(&path[..path.len().min(64)]);
        Err(self.error(
            layer,
            format!(
                "entry '{shown}...' has a path or link target of {len} bytes, over the limit \
                 on path length: {}",
                self.limits.breach(Limit::PathLength, Some(len))
            ),
        ))
    }

    /// Count `n` more entries of `layer`; past `entries-per-layer`, or all
    /// layers together past `entries-per-image`, an error.
    fn count(&self, layer: usize, n: usize) -> Result<()> {
        let n = n as u64;
        let image = self.limits.get(Limit::EntriesPerImage);
        if self.total.fetch_add(n, Ordering::Relaxed).saturating_add(n) > image {
            return Err(self.error(
                layer,
                format!(
                    "the image's layers hold more than {image} entries together (counted as \
                     they are read): {}",
                    self.limits.breach(Limit::EntriesPerImage, None)
                ),
            ));
        }
        let max = self.limits.get(Limit::EntriesPerLayer);
        let before = self.counts[layer].fetch_add(n, Ordering::Relaxed);
        if before.saturating_add(n) <= max {
            return Ok(());
        }
        Err(self.error(
            layer,
            format!(
                "the layer has more than {max} entries: {}",
                self.limits.breach(Limit::EntriesPerLayer, None)
            ),
        ))
    }

    fn error(&self, layer: usize, reason: String) -> Error {
        Error::ReadFailed {
            source_name: self.layers[layer].display().to_string(),
            reason: format!("layer {layer} in the engine's storage: {reason}"),
        }
    }
}

/// Walk every layer directory at once: all cores share one queue of
/// directories, so a single large layer is walked in parallel too.
pub(super) fn walk_all(
    layers: &[PathBuf],
    orders: &[Option<Vec<TarEntry>>],
    limits: &Limits,
) -> Result<Vec<Walk>> {
    let shared = Shared {
        queue: Mutex::new(Queue {
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
        }),
        wake: Condvar::new(),
        walked: Mutex::new((0..layers.len()).map(|_| Vec::new()).collect()),
        bounds: Bounds {
            limits: *limits,
            layers: layers.to_vec(),
            counts: layers.iter().map(|_| AtomicU64::new(0)).collect(),
            total: AtomicU64::new(0),
        },
    };
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| walker(&shared));
        }
    });
    if let Some(e) = shared.queue.into_inner().expect("no walker panics").failed {
        return Err(e);
    }
    let walked = shared.walked.into_inner().expect("no walker panics");
    Ok(walked
        .into_iter()
        .enumerate()
        .map(|(i, w)| finish_layer(w, orders.get(i).and_then(|o| o.as_deref())))
        .collect())
}

/// One walker thread: read directories from the queue until it is empty and
/// no other walker can add to it (or one failed), then hand over its entries.
fn walker(shared: &Shared) {
    let mut local: Vec<(usize, Walked)> = Vec::new();
    while let Some(task) = next_task(shared) {
        let mut subdirs = Vec::new();
        let result = read_dir_entries(&task, &shared.bounds, &mut local, &mut subdirs);
        let mut q = shared.queue.lock().expect("no walker panics");
        q.active -= 1;
        match result {
            Ok(()) => q.tasks.extend(subdirs),
            Err(e) => {
                q.failed.get_or_insert(e);
            }
        }
        shared.wake.notify_all();
    }
    let mut all = shared.walked.lock().expect("no walker panics");
    for (layer, w) in local {
        all[layer].push(w);
    }
}

/// The next directory to read, waiting while other walkers may still queue
/// one; `None` when the walk is over or failed.
fn next_task(shared: &Shared) -> Option<DirTask> {
    let mut q = shared.queue.lock().expect("no walker panics");
    loop {
        if q.failed.is_some() {
            return None;
        }
        if let Some(t) = q.tasks.pop() {
            q.active += 1;
            return Some(t);
        }
        if q.active == 0 {
            return None;
        }
        q = shared.wake.wait(q).expect("no walker panics");
    }
}

#[cfg(test)]
pub(super) fn walk_layer(root: &Path, order: Option<&[TarEntry]>) -> Result<Walk> {
    let orders = [order.map(<[TarEntry]>::to_vec)];
    Ok(walk_all(&[root.to_path_buf()], &orders, &Limits::default())?.remove(0))
}

pub(super) fn walk_error(path: &Path, e: std::io::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        cause: e,
    }
}

/// One walked entry before ordering: the entry, the name its tar would give
/// it (for whiteouts and opaque markers, the `.wh.` name), and its inode when
/// other names share it.
pub(super) struct Walked {
    pub(super) entry: Entry,
    pub(super) tar_name: Vec<u8>,
    pub(super) inode: Option<(u64, u64)>,
}

/// Read one directory: an entry for each child, and a task for each
/// subdirectory. Children are stat'ed through the directory's descriptor.
fn read_dir_entries(
    task: &DirTask,
    bounds: &Bounds,
    out: &mut Vec<(usize, Walked)>,
    subdirs: &mut Vec<DirTask>,
) -> Result<()> {
    let dir = fs::read_dir(&task.abs).map_err(|e| walk_error(&task.abs, e))?;
    for child in dir {
        let child = child.map_err(|e| walk_error(&task.abs, e))?;
        let name = child.file_name();
        // Joined only where needed: most children never need their full path.
        let abs = || task.abs.join(&name);
        // `DirEntry::metadata` does not follow symlinks (fstatat, AT_SYMLINK_NOFOLLOW).
        let meta = child.metadata().map_err(|e| walk_error(&abs(), e))?;
        let mut rel = task.rel.clone();
        if !rel.is_empty() {
            rel.push(b'/');
        }
        rel.extend_from_slice(name.as_bytes());
        bounds.path(task.layer, &rel, &[])?;
        let before = out.len();
        let w = Walked {
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
        if meta.file_type().is_dir() {
            push_dir(task.layer, w, abs(), rel, out, subdirs);
        } else if let Some(w) = non_dir(w, &meta, &abs, &task.rel, name.as_bytes())? {
            bounds.path(
                task.layer,
                &w.entry.path,
                w.entry.link.as_deref().unwrap_or_default(),
            )?;
            out.push((task.layer, w));
        }
        bounds.count(task.layer, out.len() - before)?;
    }
    Ok(())
}

/// A directory: its entry, the opaque marker after it when overlay marks it
/// so, and a task to read it.
fn push_dir(
    layer: usize,
    mut w: Walked,
    abs: PathBuf,
    rel: Vec<u8>,
    out: &mut Vec<(usize, Walked)>,
    subdirs: &mut Vec<DirTask>,
) {
    w.entry.kind = EntryKind::Dir;
    let opaque = is_opaque(&abs);
    out.push((layer, w));
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
            layer,
            Walked {
                entry: marker,
                tar_name,
                inode: None,
            },
        ));
    }
    subdirs.push(DirTask { layer, abs, rel });
}

/// Anything but a directory, from its metadata: `None` for what a tar does not
/// hold (sockets). `abs` gives its path on disk, `parent` is the directory's
/// path in the layer, `name` the child's own name (a whiteout's tar name is
/// built from both).
fn non_dir(
    mut w: Walked,
    meta: &fs::Metadata,
    abs: &dyn Fn() -> PathBuf,
    parent: &[u8],
    name: &[u8],
) -> Result<Option<Walked>> {
    let ft = meta.file_type();
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
        w.tar_name = parent.to_vec();
        if !w.tar_name.is_empty() {
            w.tar_name.push(b'/');
        }
        w.tar_name.extend_from_slice(b".wh.");
        w.tar_name.extend_from_slice(name);
    } else if ft.is_char_device() {
        w.entry.kind = EntryKind::CharDevice;
    } else if ft.is_block_device() {
        w.entry.kind = EntryKind::BlockDevice;
    } else if ft.is_fifo() {
        w.entry.kind = EntryKind::Fifo;
    } else {
        // Sockets are not archived.
        return Ok(None);
    }
    Ok(Some(w))
}
