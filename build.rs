//! Puts the git commit into `ballast --version` (`BALLAST_VERSION`): the
//! package version, then the commit and its date when built from a git
//! checkout; a build outside git (from a `cargo package` crate, a tarball)
//! gives the version alone. Uncommitted changes are not marked: watching the
//! index would rebuild the crate on every `git add`.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    let version = env!("CARGO_PKG_VERSION");
    let full = match commit() {
        Some(commit) => format!("{version} ({commit})"),
        None => version.to_string(),
    };
    println!("cargo:rustc-env=BALLAST_VERSION={full}");
    println!("cargo:rerun-if-env-changed=BALLAST_GIT_COMMIT");
    for path in watched() {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}

/// `abc123def456 2026-12-04`; `BALLAST_GIT_COMMIT` overrides (a build from a source archive that knows it).
fn commit() -> Option<String> {
    if let Ok(given) = std::env::var("BALLAST_GIT_COMMIT") {
        return Some(given).filter(|c| !c.trim().is_empty());
    }
    let line = git(&["log", "-1", "--format=%h %cs", "--abbrev=12"])?;
    // A crate unpacked inside some other repository must not take its commit.
    let top = PathBuf::from(git(&["rev-parse", "--show-toplevel"])?);
    let here = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR")?);
    if top.canonicalize().ok()? != here.canonicalize().ok()? {
        return None;
    }
    Some(line)
}

/// HEAD, the branch it points at and packed refs: a commit or a checkout
/// changes one of them.
fn watched() -> Vec<PathBuf> {
    let Some(git_dir) = git(&["rev-parse", "--git-dir"]).map(PathBuf::from) else {
        return Vec::new();
    };
    let common = git(&["rev-parse", "--git-common-dir"]).map_or(git_dir.clone(), PathBuf::from);
    let mut paths = vec![git_dir.join("HEAD"), common.join("packed-refs")];
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        paths.push(common.join(branch));
    }
    paths.into_iter().filter(|p| p.exists()).collect()
}

/// `git ARGS` in the package directory: its trimmed stdout, or `None`.
fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(std::env::var_os("CARGO_MANIFEST_DIR")?)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}
