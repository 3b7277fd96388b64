//! Writing an output (`--json`, `--markdown`, `--sarif`, `--junit`, `--html`) to a file
//! or to stdout (`-`).
//!
//! What a path names decides how it is written:
//! - a regular file, or a path that does not exist yet, is replaced atomically
//!   (a temporary file in the same directory, then a rename), so a failure
//!   never leaves a half-written file; a new file gets the mode the umask
//!   gives (0666 & !umask), an existing one keeps its mode (and, where
//!   allowed, its owner);
//! - a symlink is followed, and its target written by the same rules;
//! - anything else (a character device such as /dev/null, a FIFO, a socket,
//!   /dev/stdout and the other /proc/self/fd links) is opened and written
//!   through, never replaced.

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Serialize;

/// How many symlinks are followed before giving up (Linux's own limit).
const MAX_LINKS: usize = 40;

/// Write `value` as pretty JSON and a newline to FILE, or stdout for `-`.
pub(super) fn emit_json(target: &Path, value: &impl Serialize) -> anyhow::Result<()> {
    emit(target, |w| {
        serde_json::to_writer_pretty(&mut *w, value)?;
        w.write_all(b"\n")?;
        w.flush()
    })
}

/// Write `render`'s output to FILE, or stdout for `-`.
pub(super) fn emit(
    target: &Path,
    render: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> anyhow::Result<()> {
    if is_stdout(target) {
        render(&mut io::stdout().lock()).context("cannot write to stdout")
    } else {
        write_file(target, render)
    }
}

/// `-`: the output goes to stdout.
pub(super) fn is_stdout(target: &Path) -> bool {
    target.as_os_str() == "-"
}

/// Refuse two outputs that would both print to stdout, naming both flags.
/// `writers` are the flags that print to stdout in this run.
pub(super) fn one_stdout_writer(writers: &[&str]) -> anyhow::Result<()> {
    if let [first, second, ..] = writers {
        bail!(
            "{first} and {second} both write to stdout, where their outputs would mix; \
             give one of them a file instead of `-`"
        );
    }
    Ok(())
}

/// `--json` and `--markdown` (the subcommands' outputs) not both `-`.
pub(super) fn json_and_markdown(
    json: Option<&Path>,
    markdown: Option<&Path>,
) -> anyhow::Result<()> {
    diff_outputs(json, markdown, None)
}

/// `diff`'s `--json`, `--markdown` and `--html`: at most one of them `-`.
pub(super) fn diff_outputs(
    json: Option<&Path>,
    markdown: Option<&Path>,
    html: Option<&Path>,
) -> anyhow::Result<()> {
    let writers: Vec<&str> = [
        ("--json -", json),
        ("--markdown -", markdown),
        ("--html -", html),
    ]
    .into_iter()
    .filter(|(_, path)| path.is_some_and(is_stdout))
    .map(|(flag, _)| flag)
    .collect();
    one_stdout_writer(&writers)
}

/// Write `path` by what it names (see the module comment).
fn write_file(
    path: &Path,
    render: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> anyhow::Result<()> {
    let cannot = || format!("cannot write '{}'", path.display());
    let target = resolve(path).with_context(cannot)?;
    let result = match target {
        Target::Replace(file, existing) => replace(&file, existing.as_ref(), render),
        Target::Through => write_through(path, render),
        Target::Directory => Err(anyhow::anyhow!("it is a directory; name a file")),
    };
    result.with_context(cannot)
}

/// What writing a path means.
#[derive(Debug)]
enum Target {
    /// Replace this regular (or new) file; the metadata of the one it replaces.
    Replace(PathBuf, Option<fs::Metadata>),
    /// Open the path as given and write through it.
    Through,
    Directory,
}

/// Follow `path`'s symlinks to what they name. A link that lives on procfs
/// (/dev/stdout, /proc/self/fd/N) is not a path to follow: its target is
/// whatever the descriptor is, so it is written through.
fn resolve(path: &Path) -> io::Result<Target> {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        let meta = match fs::symlink_metadata(&current) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Ok(Target::Replace(current, None));
            }
            Err(e) => return Err(e),
        };
        let kind = meta.file_type();
        if kind.is_file() {
            return Ok(Target::Replace(current, Some(meta)));
        }
        if kind.is_dir() {
            return Ok(Target::Directory);
        }
        if !kind.is_symlink() {
            return Ok(Target::Through);
        }
        if on_procfs(&current) {
            return Ok(match fs::metadata(path) {
                Ok(m) if m.is_dir() => Target::Directory,
                _ => Target::Through,
            });
        }
        let link = fs::read_link(&current)?;
        current = match current.parent() {
            Some(dir) if link.is_relative() => dir.join(link),
            _ => link,
        };
    }
    Err(io::Error::other(format!(
        "more than {MAX_LINKS} symbolic links to follow"
    )))
}

/// Whether `link` sits on procfs, where symlinks are the kernel's handles to
/// open files rather than paths.
#[cfg(target_os = "linux")]
fn on_procfs(link: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    const PROC_SUPER_MAGIC: i64 = 0x9fa0;
    let dir = match link.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let Ok(c_dir) = std::ffi::CString::new(dir.as_os_str().as_bytes()) else {
        return false;
    };
    let mut stat: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c_dir` is a valid NUL-terminated string and `stat` a valid
    // out-parameter for the call's duration.
    let rc = unsafe { libc::statfs(c_dir.as_ptr(), &mut stat) };
    #[allow(clippy::unnecessary_cast)]
    let kind = stat.f_type as i64;
    rc == 0 && kind == PROC_SUPER_MAGIC
}

#[cfg(not(target_os = "linux"))]
fn on_procfs(link: &Path) -> bool {
    link.starts_with("/proc") || link.starts_with("/dev/fd")
}

/// Write a temporary file beside `file` and rename it over `file`. It is
/// created with mode 0666 (the umask applies); over an existing file it
/// takes that file's owner (when allowed) and mode.
fn replace(
    file: &Path,
    existing: Option<&fs::Metadata>,
    render: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> anyhow::Result<()> {
    let dir = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".ballast-")
        .permissions(fs::Permissions::from_mode(0o666))
        .tempfile_in(dir)?;
    {
        let mut out = io::BufWriter::new(tmp.as_file_mut());
        render(&mut out)?;
        out.flush()?;
    }
    if let Some(meta) = existing {
        // Only root may give a file away; anyone else keeps their own.
        let _ = std::os::unix::fs::fchown(tmp.as_file(), Some(meta.uid()), Some(meta.gid()));
        tmp.as_file()
            .set_permissions(fs::Permissions::from_mode(meta.mode() & 0o7777))?;
    }
    tmp.persist(file)?;
    Ok(())
}

/// Open `path` for writing (appending, so a file behind /dev/stdout keeps
/// what the shell already wrote there) and write through it.
fn write_through(
    path: &Path,
    render: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> anyhow::Result<()> {
    let file = fs::OpenOptions::new().append(true).open(path)?;
    let mut out = io::BufWriter::new(file);
    render(&mut out)?;
    out.flush()?;
    Ok(())
}
