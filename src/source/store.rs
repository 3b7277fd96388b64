//! Random access to the files of an image archive or layout.
//!
//! Three stores cover every source: a directory (OCI layout, or an unpacked
//! `docker save`), a tar file on disk (read in place with positioned reads, so
//! several layers can be read at once without extracting anything), and memory
//! (the small files kept while streaming an engine export).

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::layer::path::{Normalized, normalize};
use crate::limits::{Limit, Limits};

/// A readable blob and its size.
pub struct Blob<'a> {
    pub reader: Box<dyn Read + Send + 'a>,
    pub size: u64,
}

pub trait BlobStore: Sync {
    /// Read a whole (small) metadata file, `read` bytes of metadata having
    /// been read before it. `None` when it does not exist.
    fn read(&self, path: &str, read: u64, limits: &Limits) -> Result<Option<Vec<u8>>> {
        let Some(blob) = self.open(path)? else {
            return Ok(None);
        };
        let limit = limits.get(Limit::Metadata).saturating_sub(read);
        if blob.size > limit {
            let total = read.saturating_add(blob.size);
            return Err(Error::UnknownFormat {
                source_name: self.name().to_string(),
                reason: format!(
                    "'{path}' is {} bytes, which makes the image's metadata (manifests, \
                     indexes, config) {total} bytes: {}",
                    blob.size,
                    limits.breach(Limit::Metadata, Some(total))
                ),
            });
        }
        let mut out = Vec::with_capacity(blob.size as usize);
        blob.reader
            .take(limit)
            .read_to_end(&mut out)
            .map_err(|e| Error::io(format!("{}:{path}", self.name()), e))?;
        Ok(Some(out))
    }

    /// Open a file for streaming. `None` when it does not exist.
    fn open(&self, path: &str) -> Result<Option<Blob<'_>>>;

    /// How the source is named in messages.
    fn name(&self) -> &str;
}

/// Where archive member `name` points when it is a link, cleaned: a symlink
/// relative to its own directory (legacy `docker save` stores a repeated layer
/// as one), a hard link from the archive root. `None` for other members and
/// for targets that climb out of the archive.
pub(crate) fn link_target<R: Read>(name: &str, entry: &tar::Entry<'_, R>) -> Option<String> {
    let target = entry.link_name_bytes()?;
    let target = String::from_utf8_lossy(&target);
    match entry.header().entry_type() {
        tar::EntryType::Symlink => {
            let parent = name.rsplit_once('/').map_or("", |(p, _)| p);
            clean(&format!("{parent}/{target}"))
        }
        tar::EntryType::Link => clean(&target),
        _ => None,
    }
}

/// Normalise a path inside an archive; `None` if it climbs out of it.
pub(crate) fn clean(path: &str) -> Option<String> {
    match normalize(path.as_bytes()) {
        Normalized::Path(p) => String::from_utf8(p).ok(),
        Normalized::Root | Normalized::Escapes => None,
    }
}

/// Open `path` for reading only if it is a regular file. The open itself is
/// non-blocking, so a FIFO (which would block until a writer comes) or a
/// device is refused by its type instead of hanging the read; the flag is
/// cleared again before the file is returned.
pub(crate) fn open_regular(path: &Path) -> Result<File> {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| Error::io(path, e))?;
    let meta = file.metadata().map_err(|e| Error::io(path, e))?;
    if !meta.is_file() {
        return Err(not_a_file(path, &meta));
    }
    let fd = file.as_raw_fd();
    // SAFETY: `fd` is open and owned by `file` for the duration of both calls.
    let cleared = unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        flags >= 0 && libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) >= 0
    };
    if !cleared {
        return Err(Error::io(path, io::Error::last_os_error()));
    }
    Ok(file)
}

/// The error for an input that is neither a regular file nor a directory.
pub(crate) fn not_a_file(path: &Path, meta: &std::fs::Metadata) -> Error {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    let kind = if t.is_fifo() {
        "FIFO (named pipe)"
    } else if t.is_char_device() {
        "character device"
    } else if t.is_block_device() {
        "block device"
    } else if t.is_socket() {
        "socket"
    } else if t.is_dir() {
        "directory"
    } else {
        "special file"
    };
    Error::NotAFile {
        path: path.to_path_buf(),
        kind,
    }
}

/// A directory on disk.
pub struct DirStore {
    root: PathBuf,
    /// `root` with every symlink resolved: what each blob must stay under.
    real_root: PathBuf,
    name: String,
}

impl DirStore {
    pub fn new(root: &Path) -> Self {
        DirStore {
            root: root.to_path_buf(),
            real_root: root.canonicalize().unwrap_or_else(|_| root.to_path_buf()),
            name: root.display().to_string(),
        }
    }
}

impl BlobStore for DirStore {
    fn open(&self, path: &str) -> Result<Option<Blob<'_>>> {
        let Some(rel) = clean(path) else {
            return Ok(None);
        };
        let full = self.root.join(&rel);
        // Symlinks inside the layout are followed only while they stay in it.
        let real = match full.canonicalize() {
            Ok(real) => real,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(full, e)),
        };
        if !real.starts_with(&self.real_root) {
            return Err(Error::LinkEscapes {
                source_name: self.name.clone(),
                path: rel,
            });
        }
        let f = open_regular(&real).map_err(|e| match e {
            Error::NotAFile { kind, .. } => Error::NotAFile { path: full, kind },
            e => e,
        })?;
        let size = f.metadata().map_err(|e| Error::io(&real, e))?.len();
        Ok(Some(Blob {
            reader: Box::new(f),
            size,
        }))
    }

    fn name(&self) -> &str {
        &self.name
    }
}

#[derive(Debug, Clone)]
enum Member {
    Data { offset: u64, size: u64 },
    Link(String),
}

/// A tar file on disk, indexed once (headers only) and read in place.
pub struct TarStore {
    file: File,
    members: HashMap<String, Member>,
    name: String,
}

impl TarStore {
    pub fn open(path: &Path) -> Result<TarStore> {
        let name = path.display().to_string();
        let file = open_regular(path)?;
        let bad = |reason: String| Error::UnknownFormat {
            source_name: name.clone(),
            reason,
        };
        let file_len = file.metadata().map_err(|e| Error::io(path, e))?.len();
        let mut members = HashMap::new();
        let mut archive = tar::Archive::new(&file);
        let entries = archive
            .entries_with_seek()
            .map_err(|e| bad(format!("cannot read it as a tar archive: {e}")))?;
        for entry in entries {
            let entry = entry.map_err(|e| bad(format!("corrupt tar archive: {e}")))?;
            let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let Some(path) = clean(&raw) else { continue };
            match entry.header().entry_type() {
                tar::EntryType::Regular | tar::EntryType::Continuous => {
                    if entry.raw_file_position().saturating_add(entry.size()) > file_len {
                        return Err(bad(format!(
                            "the archive is truncated: '{path}' needs {} bytes, the file ends before",
                            entry.size()
                        )));
                    }
                    members.insert(
                        path,
                        Member::Data {
                            offset: entry.raw_file_position(),
                            size: entry.size(),
                        },
                    );
                }
                // Legacy `docker save` stores a repeated layer as a relative
                // symlink to the first copy.
                tar::EntryType::Symlink | tar::EntryType::Link => {
                    if let Some(t) = link_target(&path, &entry) {
                        members.insert(path, Member::Link(t));
                    }
                }
                _ => {}
            }
        }
        if members.is_empty() {
            return Err(bad("the tar archive is empty or not a tar archive".into()));
        }
        Ok(TarStore {
            file,
            members,
            name,
        })
    }

    fn resolve(&self, path: &str) -> Option<(u64, u64)> {
        let mut cur = clean(path)?;
        for _ in 0..16 {
            match self.members.get(&cur)? {
                Member::Data { offset, size } => return Some((*offset, *size)),
                Member::Link(t) => cur = t.clone(),
            }
        }
        None
    }
}

impl BlobStore for TarStore {
    fn open(&self, path: &str) -> Result<Option<Blob<'_>>> {
        // `TarStore::open` checked that every member lies within the file.
        Ok(self.resolve(path).map(|(offset, size)| Blob {
            reader: Box::new(Section {
                file: &self.file,
                pos: offset,
                end: offset + size,
            }),
            size,
        }))
    }

    fn name(&self) -> &str {
        &self.name
    }
}

/// A byte range of a file, read with `pread` so readers can share the file.
struct Section<'a> {
    file: &'a File,
    pos: u64,
    end: u64,
}

impl Read for Section<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let want = (self.end - self.pos).min(buf.len() as u64) as usize;
        if want == 0 {
            return Ok(0);
        }
        let n = self.file.read_at(&mut buf[..want], self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

/// Files kept in memory, keyed by cleaned path.
#[derive(Default)]
pub struct MemStore {
    pub files: HashMap<String, Vec<u8>>,
    pub links: HashMap<String, String>,
    pub name: String,
}

impl MemStore {
    pub fn resolve(&self, path: &str) -> Option<String> {
        let mut cur = clean(path)?;
        for _ in 0..16 {
            match self.links.get(&cur) {
                Some(t) => cur = t.clone(),
                None => return Some(cur),
            }
        }
        None
    }
}

impl BlobStore for MemStore {
    fn open(&self, path: &str) -> Result<Option<Blob<'_>>> {
        Ok(self
            .resolve(path)
            .and_then(|p| self.files.get(&p))
            .map(|b| Blob {
                reader: Box::new(&b[..]),
                size: b.len() as u64,
            }))
    }

    fn name(&self) -> &str {
        &self.name
    }
}

/// The size of each layer's blob, in manifest order.
pub(crate) fn blob_sizes(store: &dyn BlobStore, plan: &super::ImagePlan) -> Result<Vec<u64>> {
    let mut sizes = Vec::with_capacity(plan.layers.len());
    for l in &plan.layers {
        let size = store
            .open(&l.blob)?
            .map(|b| b.size)
            .ok_or_else(|| Error::MissingBlob {
                source_name: store.name().into(),
                blob: l.blob.clone(),
            })?;
        sizes.push(size);
    }
    Ok(sizes)
}
