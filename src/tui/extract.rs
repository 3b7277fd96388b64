//! `x`: write one file of the image into a directory the user names.
//!
//! The names come from an image, which may be hostile: nothing is written
//! outside the directory. A name that is empty, `.`, `..`, absolute or holds
//! a `..` component is refused; the file lands under its own base name only,
//! never over anything that exists there (a planted symlink included); and it
//! is written to a temporary file in that directory first, then linked into
//! place without replacing anything, so a failure leaves no half file behind.

use std::ffi::OsStr;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use ballast::layer::path::display;

/// Reads a file's content from the image: `(layer, path, limit, out)` →
/// bytes written. The CLI builds it from the image reference and options;
/// the pager and extraction read through it.
pub type ReadContent = std::sync::Arc<
    dyn Fn(usize, &[u8], Option<u64>, &mut dyn Write) -> anyhow::Result<u64> + Send + Sync,
>;

/// The base name `path` is written under, if it is safe.
pub fn safe_name(path: &[u8]) -> anyhow::Result<&[u8]> {
    if path.starts_with(b"/") {
        bail!("refusing the absolute name '{}'", display(path));
    }
    if path.split(|&b| b == b'/').any(|c| c == b"..") {
        bail!("refusing '{}': it has a '..' component", display(path));
    }
    let name = path.rsplit(|&b| b == b'/').next().unwrap_or_default();
    if name.is_empty() || name == b"." || name.contains(&0) {
        bail!("refusing the name '{}'", display(path));
    }
    Ok(name)
}

/// Extract the file at `path` as `layer` left it into `dir`; returns the path written.
pub fn extract(
    read: &ReadContent,
    layer: usize,
    path: &[u8],
    dir: &Path,
    mode: u32,
) -> anyhow::Result<PathBuf> {
    let name = safe_name(path)?;
    // A directory that is not there yet is made, as `mkdir -p` would.
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the directory '{}'", dir.display()))?;
    let dir = dir
        .canonicalize()
        .with_context(|| format!("cannot use the directory '{}'", dir.display()))?;
    if !dir.is_dir() {
        bail!("'{}' is not a directory", dir.display());
    }
    let target = dir.join(OsStr::from_bytes(name));
    if target.parent() != Some(dir.as_path()) {
        bail!(
            "refusing '{}': it leaves '{}'",
            display(path),
            dir.display()
        );
    }
    if target.symlink_metadata().is_ok() {
        bail!("'{}' already exists; not overwritten", target.display());
    }
    let mut tmp = tempfile::Builder::new()
        .prefix(".ballast-extract-")
        .tempfile_in(&dir)
        .with_context(|| format!("cannot write in '{}'", dir.display()))?;
    {
        let mut w = std::io::BufWriter::new(tmp.as_file_mut());
        read(layer, path, None, &mut w)?;
        w.flush().context("cannot write the file")?;
    }
    // Permission bits only: never setuid, setgid or sticky.
    let perms = std::fs::Permissions::from_mode((mode & 0o777) | 0o200);
    tmp.as_file()
        .set_permissions(perms)
        .context("cannot set the file's permissions")?;
    tmp.persist_noclobber(&target)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot create '{}'", target.display()))?;
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn reader() -> ReadContent {
        Arc::new(|_, path, _, out| {
            out.write_all(b"content of ")?;
            out.write_all(path)?;
            Ok(11 + path.len() as u64)
        })
    }

    #[test]
    fn writes_under_the_base_name() {
        let dir = tempfile::tempdir().unwrap();
        let p = extract(&reader(), 1, b"etc/app.conf", dir.path(), 0o4755).unwrap();
        assert_eq!(p, dir.path().canonicalize().unwrap().join("app.conf"));
        assert_eq!(std::fs::read(&p).unwrap(), b"content of etc/app.conf");
        let mode = std::fs::metadata(&p).unwrap().permissions().mode();
        assert_eq!(mode & 0o7777, 0o755);
        let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary file left behind");
    }

    #[test]
    fn creates_missing_directories() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("a/b");
        let p = extract(&reader(), 1, b"etc/app.conf", &deep, 0o644).unwrap();
        assert_eq!(std::fs::read(p).unwrap(), b"content of etc/app.conf");
    }

    #[test]
    fn refuses_dot_dot_absolute_and_empty_names() {
        let dir = tempfile::tempdir().unwrap();
        for bad in [
            &b"../evil"[..],
            b"a/../../evil",
            b"/etc/passwd",
            b"a/..",
            b"",
            b"a/.",
        ] {
            assert!(
                extract(&reader(), 0, bad, dir.path(), 0o644).is_err(),
                "{}",
                display(bad)
            );
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn never_follows_a_symlink_planted_at_the_target() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let victim = outside.path().join("victim");
        std::os::unix::fs::symlink(&victim, dir.path().join("app.conf")).unwrap();
        let err = extract(&reader(), 0, b"etc/app.conf", dir.path(), 0o644).unwrap_err();
        assert!(err.to_string().contains("already exists"), "{err:#}");
        assert!(!victim.exists());
    }

    #[test]
    fn a_read_error_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let failing: ReadContent = Arc::new(|_, _, _, _| anyhow::bail!("not available"));
        assert!(extract(&failing, 0, b"a", dir.path(), 0o644).is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
