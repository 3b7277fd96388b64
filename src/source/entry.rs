//! One file's content, read back from one layer of an image.
//!
//! The analysis keeps no file content (a 6 GB image would not fit), so the TUI's
//! pager and its extract command come back here: find the layer the same way
//! the analysis did (archive, layout, the engine's storage or its export), then
//! stream that layer until the file goes by. Only the one layer is decompressed,
//! nothing is written to disk, and the bytes go straight to the caller's writer.
//!
//! A hard link in a layer tar has no content of its own: it names an earlier
//! entry of the same layer, so the layer is read again for that entry (tar
//! streams cannot seek back). In the engine's storage the file is opened in the
//! layer's `diff` directory one component at a time with `O_NOFOLLOW`, so a
//! symlink inside the layer never leads the read outside it.

use std::ffi::CString;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use super::store::{BlobStore, DirStore, MemStore, TarStore, clean, link_target};
use super::stream::{CHUNK, keep, kept_in_memory};
use super::{EngineStorage, Options, Origin, engine, layout, open_compressed, origin, overlay};
use crate::error::{Error, Result};
use crate::layer::path::{Normalized, display, normalize};
use crate::layer::{Compression, LayerError, sniff};

/// How many hard links are followed before the chain counts as a loop.
const MAX_LINKS: usize = 8;

/// Copy the content of regular file `path` (as the tree names it: no leading
/// slash) as stored in layer `layer` of `reference` into `out`, at most `limit`
/// bytes. Returns the number of bytes written.
///
/// `opts` must be the options the image was analysed with, so that the same
/// source (and the same platform of a multi-platform index) is read.
pub fn read_entry(
    reference: &str,
    opts: &Options,
    layer: usize,
    path: &[u8],
    limit: Option<u64>,
    out: &mut dyn Write,
) -> Result<u64> {
    let target = match normalize(path) {
        Normalized::Path(p) => p,
        Normalized::Root | Normalized::Escapes => {
            return Err(not_found(reference, layer, path, "not a file path"));
        }
    };
    let mut sink = Limited {
        out,
        left: limit.unwrap_or(u64::MAX),
        written: 0,
    };
    // Short names: every arm passes both.
    let (t, sink_ref) = (&target[..], &mut sink);
    match origin(reference, opts)? {
        Origin::Dir(path) => {
            read_from_store(&DirStore::new(path), reference, opts, layer, t, sink_ref)
        }
        Origin::Tar(path) => {
            read_from_store(&TarStore::open(path)?, reference, opts, layer, t, sink_ref)
        }
        Origin::Compressed(path) => {
            let open = || open_compressed(path, reference);
            read_from_stream(&open, reference, None, opts, layer, t, sink_ref)
        }
        Origin::Stdin => Err(Error::Usage(
            "the image was read from standard input, which cannot be read a second time; \
             save it to a file (docker save IMAGE -o image.tar) to open files in it"
                .into(),
        )),
        Origin::Registry => {
            let remote = super::registry::Remote::open(reference, opts)?;
            let layer_ref = remote
                .layer(layer)
                .ok_or_else(|| not_found(reference, layer, t, "the image has no such layer"))?;
            let mut scan = |want: &[u8], sink: &mut Limited<'_>| -> Result<Found> {
                scan_layer(remote.blob(layer), want, sink)
                    .map_err(|e| corrupt(reference, layer, layer_ref, e))
            };
            copy_from_layer(&mut scan, reference, layer, t, sink_ref)
        }
        Origin::Engine(engine) => {
            if opts.engine_storage == EngineStorage::Auto
                && let Ok(located) = overlay::locate(engine, reference)?
            {
                let dir = located
                    .layers
                    .get(layer)
                    .ok_or_else(|| not_found(reference, layer, t, "the image has no such layer"))?;
                read_in_place(dir, reference, layer, t, sink_ref)
            } else {
                let open = || Ok(engine::export(engine, reference, false)?.reader);
                read_from_stream(&open, reference, Some(reference), opts, layer, t, sink_ref)
            }
        }
    }?;
    Ok(sink.written)
}

/// A seekable archive or layout: open the layer's blob directly.
fn read_from_store(
    store: &dyn BlobStore,
    reference: &str,
    opts: &Options,
    layer: usize,
    target: &[u8],
    sink: &mut Limited<'_>,
) -> Result<()> {
    let plan = layout::resolve(store, None, opts)?;
    let layer_ref = plan
        .layers
        .get(layer)
        .ok_or_else(|| not_found(reference, layer, target, "the image has no such layer"))?;
    let mut scan = |want: &[u8], sink: &mut Limited<'_>| -> Result<Found> {
        let b = store
            .open(&layer_ref.blob)?
            .ok_or_else(|| Error::MissingBlob {
                source_name: store.name().into(),
                blob: layer_ref.blob.clone(),
            })?;
        scan_layer(b.reader, want, sink).map_err(|e| corrupt(reference, layer, layer_ref, e))
    };
    copy_from_layer(&mut scan, reference, layer, target, sink)
}

/// A stream (engine export, compressed archive): a first pass keeps the small
/// members to learn the layer order, a second one reads the layer's blob as it
/// goes by.
fn read_from_stream(
    open: &dyn Fn() -> Result<Box<dyn Read + Send>>,
    reference: &str,
    tag: Option<&str>,
    opts: &Options,
    layer: usize,
    target: &[u8],
    sink: &mut Limited<'_>,
) -> Result<()> {
    let bad = |e: io::Error| Error::ReadFailed {
        source_name: reference.into(),
        reason: e.to_string(),
    };
    let mut mem = MemStore {
        name: reference.to_string(),
        ..MemStore::default()
    };
    let mut kept = 0u64;
    let mut archive = tar::Archive::new(open()?);
    for entry in archive.entries().map_err(bad)? {
        let mut entry = entry.map_err(bad)?;
        let Some(name) = clean(&String::from_utf8_lossy(&entry.path_bytes())) else {
            continue;
        };
        match entry.header().entry_type() {
            tar::EntryType::Symlink | tar::EntryType::Link => {
                if let Some(t) = link_target(&name, &entry) {
                    mem.links.insert(name, t);
                }
            }
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                // Keep what the analysis keeps (metadata); the tar reader
                // skips the rest of a layer left unread.
                let size = entry.size();
                let mut head = Vec::with_capacity(size.min(CHUNK as u64) as usize);
                (&mut entry)
                    .take(CHUNK as u64)
                    .read_to_end(&mut head)
                    .map_err(bad)?;
                if kept_in_memory(&name, size, &head, &opts.limits) {
                    keep(&mut kept, (&name, size), &opts.limits)
                        .map_err(|e| bad(io::Error::other(e)))?;
                    entry.read_to_end(&mut head).map_err(bad)?;
                    mem.files.insert(name, head);
                }
            }
            _ => {}
        }
    }
    let plan = layout::resolve(&mem, tag, opts)?;
    let layer_ref = plan
        .layers
        .get(layer)
        .ok_or_else(|| not_found(reference, layer, target, "the image has no such layer"))?;
    let key = mem
        .resolve(&layer_ref.blob)
        .unwrap_or_else(|| layer_ref.blob.clone());
    if let Some(bytes) = mem.files.get(&key) {
        let mut scan = |want: &[u8], sink: &mut Limited<'_>| -> Result<Found> {
            scan_layer(&bytes[..], want, sink).map_err(|e| corrupt(reference, layer, layer_ref, e))
        };
        return copy_from_layer(&mut scan, reference, layer, target, sink);
    }
    // The blob is large: stream the archive again and read it as it passes.
    let mut scan = |want: &[u8], sink: &mut Limited<'_>| -> Result<Found> {
        let mut archive = tar::Archive::new(open()?);
        for entry in archive.entries().map_err(bad)? {
            let entry = entry.map_err(bad)?;
            if clean(&String::from_utf8_lossy(&entry.path_bytes())).as_deref() == Some(&key) {
                return scan_layer(entry, want, sink)
                    .map_err(|e| corrupt(reference, layer, layer_ref, e));
            }
        }
        Err(Error::MissingBlob {
            source_name: reference.into(),
            blob: key.clone(),
        })
    };
    copy_from_layer(&mut scan, reference, layer, target, sink)
}

fn corrupt(reference: &str, layer: usize, layer_ref: &layout::LayerRef, e: io::Error) -> Error {
    super::corrupt(reference, layer, layer_ref, LayerError(e.to_string()))
}

/// Look for `target` in the layer through `scan`, following hard links to the
/// entry they name.
fn copy_from_layer(
    scan: &mut dyn FnMut(&[u8], &mut Limited<'_>) -> Result<Found>,
    reference: &str,
    layer: usize,
    target: &[u8],
    sink: &mut Limited<'_>,
) -> Result<()> {
    let mut want = target.to_vec();
    for _ in 0..MAX_LINKS {
        match scan(&want, sink)? {
            Found::Copied => return Ok(()),
            Found::HardLink(to) => want = to,
            Found::Other(kind) => {
                return Err(not_found(
                    reference,
                    layer,
                    target,
                    &format!("it is a {kind} in that layer, not a regular file"),
                ));
            }
            Found::Missing => {
                return Err(not_found(
                    reference,
                    layer,
                    target,
                    "the layer does not contain it",
                ));
            }
        }
    }
    Err(not_found(reference, layer, target, "too many hard links"))
}

enum Found {
    Copied,
    HardLink(Vec<u8>),
    Other(&'static str),
    Missing,
}

fn scan_layer(blob: impl Read, want: &[u8], sink: &mut Limited<'_>) -> io::Result<Found> {
    let mut blob = BufReader::with_capacity(256 * 1024, blob);
    let compression = sniff(blob.fill_buf()?).map_err(|e| io::Error::other(e.0))?;
    let stream: Box<dyn Read + '_> = match compression {
        Compression::None => Box::new(blob),
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(blob)),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(blob)?),
    };
    let mut archive = tar::Archive::new(stream);
    for entry in archive.entries()? {
        let mut entry = entry?;
        if normalize(&entry.path_bytes()) != Normalized::Path(want.to_vec()) {
            continue;
        }
        // A later entry of the same name wins, as when the layer is unpacked;
        // layers written by engines never repeat a name, so the first is used.
        return Ok(match entry.header().entry_type() {
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                copy(&mut entry, sink)?;
                Found::Copied
            }
            tar::EntryType::Link => match entry.link_name_bytes().map(|l| normalize(&l)) {
                Some(Normalized::Path(to)) => Found::HardLink(to),
                _ => Found::Other("hard link out of the layer"),
            },
            tar::EntryType::Directory => Found::Other("directory"),
            tar::EntryType::Symlink => Found::Other("symbolic link"),
            _ => Found::Other("special file"),
        });
    }
    Ok(Found::Missing)
}

/// The engine's storage: open the file inside the layer's `diff` directory,
/// refusing symlinks at every component.
fn read_in_place(
    dir: &Path,
    reference: &str,
    layer: usize,
    target: &[u8],
    sink: &mut Limited<'_>,
) -> Result<()> {
    let io_err = |e: io::Error| Error::io(dir.join(std::ffi::OsStr::from_bytes(target)), e);
    let root = CString::new(dir.as_os_str().as_bytes())
        .map_err(|_| not_found(reference, layer, target, "bad layer directory"))?;
    // SAFETY: a valid NUL-terminated path; the result is checked.
    let fd = unsafe {
        libc::open(
            root.as_ptr(),
            libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
        )
    };
    if fd < 0 {
        return Err(Error::io(dir, io::Error::last_os_error()));
    }
    // SAFETY: `fd` was just opened and is owned here.
    let mut cur = unsafe { OwnedFd::from_raw_fd(fd) };
    let parts: Vec<&[u8]> = target.split(|&b| b == b'/').collect();
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        let name = CString::new(*part)
            .map_err(|_| not_found(reference, layer, target, "the name holds a NUL byte"))?;
        let flags = libc::O_RDONLY
            | libc::O_NOFOLLOW
            | libc::O_CLOEXEC
            | if last { 0 } else { libc::O_DIRECTORY };
        // SAFETY: `cur` is an open directory and `name` a single component.
        let fd = unsafe { libc::openat(cur.as_raw_fd(), name.as_ptr(), flags) };
        if fd < 0 {
            let e = io::Error::last_os_error();
            return Err(match e.raw_os_error() {
                Some(libc::ENOENT) => {
                    not_found(reference, layer, target, "the layer does not contain it")
                }
                Some(libc::ELOOP) | Some(libc::ENOTDIR) => not_found(
                    reference,
                    layer,
                    target,
                    "a symbolic link is in the way (not followed)",
                ),
                _ => io_err(e),
            });
        }
        // SAFETY: just opened, owned here.
        cur = unsafe { OwnedFd::from_raw_fd(fd) };
    }
    let mut file = std::fs::File::from(cur);
    let meta = file.metadata().map_err(io_err)?;
    if !meta.is_file() {
        return Err(not_found(
            reference,
            layer,
            target,
            "it is not a regular file in that layer",
        ));
    }
    copy(&mut file, sink).map_err(io_err)?;
    Ok(())
}

fn copy(from: &mut dyn Read, sink: &mut Limited<'_>) -> io::Result<()> {
    let mut buf = vec![0u8; 64 * 1024];
    while sink.left > 0 {
        let want = buf
            .len()
            .min(usize::try_from(sink.left).unwrap_or(usize::MAX));
        let n = match from.read(&mut buf[..want]) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        sink.out.write_all(&buf[..n])?;
        sink.left -= n as u64;
        sink.written += n as u64;
    }
    Ok(())
}

struct Limited<'a> {
    out: &'a mut dyn Write,
    left: u64,
    written: u64,
}

fn not_found(reference: &str, layer: usize, path: &[u8], reason: &str) -> Error {
    Error::EntryUnavailable {
        source_name: reference.into(),
        layer,
        path: display(path),
        reason: reason.into(),
    }
}
