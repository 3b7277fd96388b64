//! Parsing one layer's uncompressed tar into a [`LayerIndex`]: each entry's
//! kind, owner, mode and normalised path, whiteout and opaque markers turned
//! into their own kinds, and each regular file hashed (and its head sniffed)
//! as it streams by. Odd entries become warnings; only a broken stream is an
//! error.

use std::io::{self, BufReader, Read};

use xxhash_rust::xxh3::Xxh3Default;

use super::guard::{self, TarGuard};
use super::path::{self, Normalized};
use super::{Entry, EntryKind, EntryWarning, LayerError, LayerIndex, Sha256Reader, sniff};
use crate::limits::{ImageEntries, Limit, Limits};

/// Buffers reused across entries: one read buffer, and the first bytes of the
/// current file for sniffing.
struct Scratch {
    buf: Vec<u8>,
    head: Vec<u8>,
    /// Bytes of the files captured so far in this layer.
    captured: u64,
    limits: Limits,
}

/// Parse the tar stream into `index`, then drain what follows the end-of-archive
/// marker so the SHA-256 covers the whole stream, as `diff_ids` do.
pub(super) fn parse_tar<R: Read>(
    reader: Sha256Reader<R>,
    index: &mut LayerIndex,
    limits: Limits,
    image: &ImageEntries,
) -> Result<Sha256Reader<R>, LayerError> {
    let mut archive = tar::Archive::new(TarGuard::new(
        BufReader::with_capacity(256 * 1024, reader),
        limits,
    ));
    let mut last: Option<Vec<u8>> = None;
    let mut scratch = Scratch {
        buf: vec![0u8; 128 * 1024],
        head: Vec::with_capacity(sniff::HEAD),
        captured: 0,
        limits,
    };
    let entries = archive
        .entries()
        .map_err(|e| LayerError(format!("not a tar stream: {e}")))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| tar_error(&e, last.as_deref()))?;
        let raw_path = entry.path_bytes().into_owned();
        // PAX global headers carry defaults (comments, mtimes) that do not
        // change what a layer contains; dive fails on them, we skip them.
        if entry.header().entry_type() == tar::EntryType::XGlobalHeader {
            continue;
        }
        check_limits(&entry, &raw_path, index, &limits)?;
        image.add(&limits).map_err(LayerError)?;
        read_entry(&mut entry, &raw_path, index, &mut scratch)?;
        last = Some(raw_path);
    }
    let mut rest = archive.into_inner();
    io::copy(&mut rest, &mut io::sink())
        .map_err(|e| LayerError(format!("cannot read past the end of the tar: {e}")))?;
    Ok(rest.into_inner().into_inner())
}

/// Refuse an entry past the entry count or with a path or link target longer
/// than the limits, before anything of it is kept.
fn check_limits<R: Read>(
    entry: &tar::Entry<'_, R>,
    raw_path: &[u8],
    index: &LayerIndex,
    limits: &Limits,
) -> Result<(), LayerError> {
    let entries = limits.get(Limit::EntriesPerLayer);
    if index.entries.len() as u64 >= entries {
        return Err(LayerError(format!(
            "the layer has more than {entries} entries: {}",
            limits.breach(Limit::EntriesPerLayer, None)
        )));
    }
    let link_len = entry.link_name_bytes().map_or(0, |l| l.len());
    let longest = raw_path.len().max(link_len) as u64;
    if longest > limits.get(Limit::PathLength) {
        let shown = String::from_utf8_lossy(&raw_path[..raw_path.len().min(64)]);
        return Err(LayerError(format!(
            "entry '{shown}...' has a path or link target of {longest} bytes, over the \
             limit on path length (Linux itself stops at 4 KiB): {}",
            limits.breach(Limit::PathLength, Some(longest))
        )));
    }
    Ok(())
}

/// Add one tar entry to `index`: as an entry, as a warning, or not at all
/// (the root directory, aufs bookkeeping).
fn read_entry<R: Read>(
    entry: &mut tar::Entry<'_, R>,
    raw_path: &[u8],
    index: &mut LayerIndex,
    scratch: &mut Scratch,
) -> Result<(), LayerError> {
    let offset = entry.raw_header_position();
    let entry_err = |what: &str, e: &dyn std::fmt::Display| {
        LayerError(format!(
            "entry '{}' (header at byte {offset}): {what}: {e}",
            String::from_utf8_lossy(raw_path)
        ))
    };
    let Some(kind) = kind_of(entry.header().entry_type(), raw_path, index) else {
        return Ok(());
    };
    let (mode, uid, gid) = mode_and_owner(entry).map_err(|e| entry_err("bad PAX header", &e))?;
    let size = if kind == EntryKind::HardLink {
        0
    } else {
        entry.size()
    };
    let Some(mut path) = normalized(raw_path, index) else {
        return Ok(());
    };
    let Some(link) = link_of(entry, kind, raw_path, index) else {
        return Ok(());
    };
    let Some(kind) = whiteout_kind(&mut path, kind) else {
        return Ok(());
    };
    let (content, flags) = if kind == EntryKind::File && size > 0 {
        read_content(entry, &path, size, mode, index, scratch)
            .map_err(|e| entry_err("cannot read content", &e))?
    } else {
        (0, 0)
    };
    index.entries.push(Entry {
        path: path.into_boxed_slice(),
        kind,
        size: if matches!(kind, EntryKind::Whiteout | EntryKind::Opaque) {
            0
        } else {
            size
        },
        mode,
        uid: uid.min(u32::MAX as u64) as u32,
        gid: gid.min(u32::MAX as u64) as u32,
        link,
        content,
        flags,
    });
    Ok(())
}

/// The kind of a tar entry type; `None`, with a warning, for types a layer
/// should not hold.
fn kind_of(ty: tar::EntryType, raw_path: &[u8], index: &mut LayerIndex) -> Option<EntryKind> {
    Some(match ty {
        tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::GNUSparse => {
            EntryKind::File
        }
        tar::EntryType::Directory => EntryKind::Dir,
        tar::EntryType::Symlink => EntryKind::Symlink,
        tar::EntryType::Link => EntryKind::HardLink,
        tar::EntryType::Char => EntryKind::CharDevice,
        tar::EntryType::Block => EntryKind::BlockDevice,
        tar::EntryType::Fifo => EntryKind::Fifo,
        other => {
            index.warnings.push(EntryWarning {
                path: raw_path.to_vec(),
                message: format!(
                    "unsupported tar entry type {:?}, skipped",
                    other.as_byte() as char
                ),
            });
            return None;
        }
    })
}

/// Permission bits, uid and gid, PAX records overriding the header's ids.
fn mode_and_owner<R: Read>(entry: &mut tar::Entry<'_, R>) -> io::Result<(u32, u64, u64)> {
    let header = entry.header();
    // Empty numeric fields are common in hand-made tars; like Go's archive/tar
    // (what Docker uses) we read them as 0. The header checksum still guards
    // against corruption.
    let mode = header.mode().unwrap_or(0) & 0o7777;
    let mut uid = header.uid().unwrap_or(0);
    let mut gid = header.gid().unwrap_or(0);
    if let Some(pax) = entry.pax_extensions()? {
        for ext in pax.flatten() {
            let value = || ext.value().ok().and_then(|v| v.trim().parse::<u64>().ok());
            match ext.key_bytes() {
                b"uid" => uid = value().unwrap_or(uid),
                b"gid" => gid = value().unwrap_or(gid),
                _ => {}
            }
        }
    }
    Ok((mode, uid, gid))
}

/// The entry's normalised path; `None` for the root directory and, with a
/// warning, for names that climb above the layer root.
fn normalized(raw_path: &[u8], index: &mut LayerIndex) -> Option<Vec<u8>> {
    match path::normalize(raw_path) {
        Normalized::Path(p) => Some(p),
        Normalized::Root => None,
        Normalized::Escapes => {
            index.warnings.push(EntryWarning {
                path: raw_path.to_vec(),
                message: "name climbs above the layer root ('..'); entry ignored".into(),
            });
            None
        }
    }
}

/// A link's target: `Some(None)` for what is not a link, `None` (with a
/// warning) for a hard link whose target is missing or outside the layer.
fn link_of<R: Read>(
    entry: &tar::Entry<'_, R>,
    kind: EntryKind,
    raw_path: &[u8],
    index: &mut LayerIndex,
) -> Option<Option<Box<[u8]>>> {
    match kind {
        EntryKind::Symlink => Some(
            entry
                .link_name_bytes()
                .map(|l| l.into_owned().into_boxed_slice()),
        ),
        EntryKind::HardLink => match entry.link_name_bytes().map(|l| path::normalize(&l)) {
            Some(Normalized::Path(target)) => Some(Some(target.into_boxed_slice())),
            _ => {
                index.warnings.push(EntryWarning {
                    path: raw_path.to_vec(),
                    message: "hard link target is missing or outside the layer root; entry ignored"
                        .into(),
                });
                None
            }
        },
        _ => Some(None),
    }
}

/// Turn `.wh.NAME` into a whiteout of NAME and `.wh..wh..opq` into an opaque
/// marker of its directory, cutting `path` to what they name. `None` for the
/// other `.wh..wh.` names: aufs bookkeeping (`.wh..wh.plnk`), not changes to
/// the filesystem.
fn whiteout_kind(path: &mut Vec<u8>, kind: EntryKind) -> Option<EntryKind> {
    let (parent, name) = path::split_last(path);
    let Some(rest) = name.strip_prefix(b".wh.") else {
        return Some(kind);
    };
    if rest == b".wh..opq" {
        let cut = parent.len();
        path.truncate(cut);
        Some(EntryKind::Opaque)
    } else if rest.starts_with(b".wh.") {
        None
    } else {
        let cut = if parent.is_empty() {
            0
        } else {
            parent.len() + 1
        };
        path.drain(cut..cut + 4);
        Some(EntryKind::Whiteout)
    }
}

/// Hash a regular file and sniff its head; capture the whole of the small
/// files the inventories want.
fn read_content(
    entry: &mut impl Read,
    path: &[u8],
    size: u64,
    mode: u32,
    index: &mut LayerIndex,
    scratch: &mut Scratch,
) -> io::Result<(u128, u8)> {
    let capture = sniff::wanted(path) && capture_fits(path, size, scratch, index);
    let keep = if capture { size as usize } else { sniff::HEAD };
    let head = &mut scratch.head;
    let content = hash_content(entry, size, &mut scratch.buf, head, keep)?;
    let flags = sniff::classify_entry(path, mode, &head[..head.len().min(sniff::HEAD)]);
    if capture {
        // A copy of exactly its length; the buffer keeps its capacity.
        index.captured.push((index.entries.len(), head.clone()));
        scratch.captured += size;
    }
    Ok((content, flags))
}

/// Whether a file the inventories want fits the capture limits; a warning
/// when it does not, since its packages will be missing.
fn capture_fits(path: &[u8], size: u64, scratch: &Scratch, index: &mut LayerIndex) -> bool {
    let limits = &scratch.limits;
    let why = if size > limits.get(Limit::PackageFile) {
        format!(
            "it is over the limit per file ({})",
            limits.breach(Limit::PackageFile, Some(size))
        )
    } else if scratch.captured + size > limits.get(Limit::PackageLayer) {
        format!(
            "the layer's files read for the inventory are over the limit together ({})",
            limits.breach(Limit::PackageLayer, Some(scratch.captured + size))
        )
    } else {
        return true;
    };
    index.warnings.push(EntryWarning {
        path: path.to_vec(),
        message: format!(
            "not read for the package inventory ({size} bytes): {why}; its packages are not listed"
        ),
    });
    false
}

fn tar_error(e: &io::Error, last: Option<&[u8]>) -> LayerError {
    let after = match last {
        Some(p) => format!(" after entry '{}'", String::from_utf8_lossy(p)),
        None => " at the first entry".to_string(),
    };
    if let Some(limit) = guard::limit_of(e) {
        return LayerError(format!("{limit}; it comes{after}"));
    }
    let what = if e.kind() == io::ErrorKind::UnexpectedEof {
        "the stream ends early (truncated layer)".to_string()
    } else {
        format!("corrupt tar header: {e}")
    };
    LayerError(format!("{what}{after}"))
}

/// Hash a file's content, leaving its first `keep` bytes in `head`.
fn hash_content(
    entry: &mut impl Read,
    size: u64,
    buf: &mut [u8],
    head: &mut Vec<u8>,
    keep: usize,
) -> io::Result<u128> {
    let mut hasher = Xxh3Default::new();
    let mut seen = 0u64;
    head.clear();
    loop {
        let n = entry.read(buf)?;
        if n == 0 {
            break;
        }
        if head.len() < keep {
            let take = n.min(keep - head.len());
            head.extend_from_slice(&buf[..take]);
        }
        hasher.update(&buf[..n]);
        seen += n as u64;
    }
    if seen != size {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("header says {size} bytes, stream had {seen}"),
        ));
    }
    Ok(hasher.digest128())
}
