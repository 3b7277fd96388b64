//! `ballast fleet scan`: analyse a list of images, `jobs` at a time, each
//! record appended to a JSON Lines file as soon as its image is done.
//!
//! Resuming: the file is read first; every image with a record in it is
//! skipped, and a last line cut short by a killed run is removed (its image
//! is scanned again). Records are appended in the order images finish, one
//! `write` each, so a kill loses at most the line being written. A failure
//! (unknown tag, corrupt blob, registry down) is a record, never the end of
//! the run; only the output file itself failing stops it.
//!
//! Each image is first resolved to its manifest digest and then read by that
//! digest, so the record says exactly what was analysed even if the tag
//! moves meanwhile. Layers are shared through the layer cache, whose claims
//! make two images in flight wait for each other's download of a layer they
//! both need instead of downloading it twice.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::{Error, Result};
use crate::layer::cache::CacheStats;
use crate::progress::Silent;
use crate::report::ci::{self, Budgets, Origin};
use crate::source::{Options, SourceKind};

use super::list::pin;
use super::record::Record;
use crate::source::registry::catalog;

/// How to scan.
pub struct ScanOptions {
    /// How to read each image (`source: registry`, the cache, the platform).
    pub source: Options,
    /// Images in flight at once (each also downloads a few layers at once).
    pub jobs: usize,
    pub budgets: Budgets,
    pub budget_origin: Origin,
    /// Scan again the images whose record in the file is a failure.
    pub retry_errors: bool,
}

/// Where a scan is, for a progress bar.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tick {
    /// Images of this run finished (analysed or failed).
    pub done: usize,
    pub failed: usize,
    /// Images this run has to do (already-recorded ones excluded).
    pub total: usize,
    /// Images skipped because the file already had them.
    pub resumed: usize,
    pub cache: CacheStats,
}

/// What a scan did.
#[derive(Debug, Clone, Copy, Default)]
pub struct ScanSummary {
    pub scanned: usize,
    pub failed: usize,
    pub resumed: usize,
    pub cache: CacheStats,
}

/// Scan `references` into `out`, calling `on_tick` after each image.
pub fn scan(
    references: &[String],
    out: &Path,
    opts: &ScanOptions,
    on_tick: &(dyn Fn(&Tick) + Sync),
) -> Result<ScanSummary> {
    let done = resume(out, opts.retry_errors)?;
    let mut seen = HashSet::new();
    let todo: Vec<&String> = references
        .iter()
        .filter(|r| !done.contains(r.as_str()) && seen.insert(r.as_str()))
        .collect();
    let resumed = references.len() - todo.len();
    let file = fs::OpenOptions::new()
        .append(true)
        .open(out)
        .map_err(|e| Error::io(out, e))?;
    let writer = Mutex::new(file);
    let next = AtomicUsize::new(0);
    let finished = AtomicUsize::new(0);
    let failed = AtomicUsize::new(0);
    let broken: Mutex<Option<Error>> = Mutex::new(None);
    let stats = || {
        opts.source
            .cache
            .as_ref()
            .map(|c| c.stats())
            .unwrap_or_default()
    };
    let base = stats();
    let tick = |failed_now: usize, done_now: usize| Tick {
        done: done_now,
        failed: failed_now,
        total: todo.len(),
        resumed,
        cache: minus(stats(), base),
    };
    on_tick(&tick(0, 0));
    std::thread::scope(|scope| {
        for _ in 0..opts.jobs.clamp(1, todo.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(reference) = todo.get(i) else { break };
                    if broken.lock().unwrap_or_else(|e| e.into_inner()).is_some() {
                        break;
                    }
                    let record = scan_one(reference, opts);
                    if !record.is_ok() {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                    let line = record.to_line() + "\n";
                    let written = writer
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .write_all(line.as_bytes());
                    if let Err(e) = written {
                        *broken.lock().unwrap_or_else(|e| e.into_inner()) = Some(Error::io(out, e));
                        break;
                    }
                    let n = finished.fetch_add(1, Ordering::Relaxed) + 1;
                    on_tick(&tick(failed.load(Ordering::Relaxed), n));
                }
            });
        }
    });
    if let Some(e) = broken.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Err(e);
    }
    Ok(ScanSummary {
        scanned: finished.into_inner(),
        failed: failed.into_inner(),
        resumed,
        cache: minus(stats(), base),
    })
}

fn minus(now: CacheStats, before: CacheStats) -> CacheStats {
    CacheStats {
        hits: now.hits - before.hits,
        hit_bytes: now.hit_bytes - before.hit_bytes,
        reads: now.reads - before.reads,
        read_bytes: now.read_bytes - before.read_bytes,
    }
}

/// One image's record: its digest, its analysis by that digest, its verdict.
fn scan_one(reference: &str, opts: &ScanOptions) -> Record {
    let registry = opts.source.source == SourceKind::Registry;
    let digest = if registry {
        match catalog::manifest_digest(reference, &opts.source.registry) {
            Ok(d) => Some(d),
            Err(e) => return Record::failure(reference, None, e.to_string()),
        }
    } else {
        None
    };
    let target = digest
        .as_deref()
        .map_or_else(|| reference.to_string(), |d| pin(reference, d));
    match crate::analysis::analyze(&target, &opts.source, &Silent) {
        Ok(a) => {
            let verdict = ci::evaluate(&a, &opts.budgets, opts.budget_origin.clone(), None);
            Record::from_analysis(reference, digest, &a, &verdict)
        }
        Err(e) => Record::failure(reference, digest, e.to_string()),
    }
}

/// Make `out` ready to append to and give the references it already has a
/// record for: created when missing; a last line without its newline (a
/// killed run) removed; with `retry_errors`, failure records removed.
fn resume(out: &Path, retry_errors: bool) -> Result<HashSet<String>> {
    let text = match fs::read(out) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            File::create(out).map_err(|e| Error::io(out, e))?;
            return Ok(HashSet::new());
        }
        Err(e) => return Err(Error::io(out, e)),
    };
    let whole = text.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let mut done = HashSet::new();
    let mut kept = Vec::with_capacity(whole);
    for (n, line) in text[..whole].split(|&b| b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let record: Record = serde_json::from_slice(line).map_err(|e| Error::BadMetadata {
            source_name: out.display().to_string(),
            what: format!("line {}", n + 1),
            reason: format!(
                "it is not a fleet record ({e}); --output must be a file that fleet scan wrote"
            ),
        })?;
        if retry_errors && !record.is_ok() {
            continue;
        }
        kept.extend_from_slice(line);
        kept.push(b'\n');
        done.insert(record.reference);
    }
    if kept.len() != text.len() {
        // Written aside and renamed: a kill now leaves the old file or the new.
        let dir = out.parent().filter(|p| !p.as_os_str().is_empty());
        let mut tmp = tempfile::NamedTempFile::new_in(dir.unwrap_or(Path::new(".")))
            .map_err(|e| Error::io(out, e))?;
        tmp.write_all(&kept).map_err(|e| Error::io(out, e))?;
        tmp.persist(out).map_err(|e| Error::io(out, e.error))?;
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_last_line_is_dropped_and_its_image_scanned_again() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("scan.jsonl");
        let a = Record::failure("r/a:1", None, "x".into()).to_line();
        let b = Record::failure("r/b:1", None, "y".into()).to_line();
        fs::write(&out, format!("{a}\n{}", &b[..b.len() / 2])).unwrap();
        let done = resume(&out, false).unwrap();
        assert_eq!(done, HashSet::from(["r/a:1".to_string()]));
        assert_eq!(fs::read_to_string(&out).unwrap(), format!("{a}\n"));
        // Failures are kept (and skipped) unless asked to retry them.
        assert!(resume(&out, true).unwrap().is_empty());
        assert_eq!(fs::read_to_string(&out).unwrap(), "");
    }

    #[test]
    fn a_file_that_is_not_a_scan_is_refused_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("notes.txt");
        fs::write(&out, "dear diary\nsecond line\n").unwrap();
        let err = resume(&out, false).unwrap_err().to_string();
        assert!(err.contains("line 1"), "{err}");
        assert_eq!(
            fs::read_to_string(&out).unwrap(),
            "dear diary\nsecond line\n"
        );
    }
}
