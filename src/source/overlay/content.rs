//! Reading file content, only where it matters: a file is hashed only when
//! another one may be its twin (same size and, where the tar-split records
//! them, same CRC-64), and opened at all only for that or when the sniffers
//! or inventories want its head. Files are opened with `O_NOFOLLOW`.

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use xxhash_rust::xxh3::Xxh3Default;

use super::order::Walk;
use super::walk::walk_error;
use crate::error::Result;
use crate::layer::EntryKind;

/// Read content only where a finding needs it: hash the regular files that may
/// have a duplicate, and sniff the head of files whose names make them secret
/// candidates. Two files can only be equal with equal sizes and, where the
/// tar-split records them, equal CRC-64s; only such groups are read.
/// Files the inventories want are kept whole up to `capture` bytes (the
/// `package-file` limit).
pub(super) fn read_contents(layers: &[PathBuf], walks: &mut [Walk], capture: u64) -> Result<()> {
    let jobs = jobs(walks);
    for (l, i, r) in read_all(layers, walks, &jobs, capture) {
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

/// A file to read: its layer, its entry, and whether to hash the whole file.
type Job = (usize, usize, bool);

/// The files worth opening: those that may have a twin (to hash), and those
/// the sniffers or inventories want to see.
fn jobs(walks: &[Walk]) -> Vec<Job> {
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
    let mut jobs: Vec<Job> = Vec::new();
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
    jobs
}

/// What reading the file of one job gave, with the job's layer and entry.
type Done = (usize, usize, Result<FileRead>);

/// Run the jobs on every core; results come back in no particular order.
fn read_all(layers: &[PathBuf], walks: &[Walk], jobs: &[Job], capture: u64) -> Vec<Done> {
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<Done>> = Mutex::new(Vec::with_capacity(jobs.len()));
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                let mut buf = vec![0u8; 256 * 1024];
                let mut local = Vec::new();
                while let Some(&(l, i, hash)) = jobs.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let path = &walks[l].index.entries[i].path;
                    let abs = layers[l].join(std::ffi::OsStr::from_bytes(path));
                    let mode = walks[l].index.entries[i].mode;
                    local.push((l, i, read_file(&abs, (path, mode), hash, capture, &mut buf)));
                }
                done.lock().expect("no reader panics").extend(local);
            });
        }
    });
    done.into_inner().expect("no reader panics")
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

/// What reading one file gave: its hash (0 when not hashed), sniffing flags and,
/// for the files the inventories want, the whole content.
type FileRead = (u128, u8, Option<Vec<u8>>);

/// Hash a file (when `hash`) and sniff its head; never follows a symlink.
pub(super) fn read_file(
    abs: &Path,
    (rel, mode): (&[u8], u32),
    hash: bool,
    capture_limit: u64,
    buf: &mut [u8],
) -> Result<FileRead> {
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
            usize::try_from(capture_limit).unwrap_or(usize::MAX)
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
    let captured = (capture && (head.len() as u64) < capture_limit).then_some(head);
    Ok((if hash { h.digest128() } else { 0 }, flags, captured))
}
