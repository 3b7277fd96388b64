//! Puts the git commit into `ballast --version` (`BALLAST_VERSION`): the
//! package version, then the commit and its date when built from a git
//! checkout; a crate made by `cargo package` gives the commit it recorded in
//! `.cargo_vcs_info.json`; a build with neither (a tarball) gives the
//! version alone. Uncommitted changes are not marked: watching the
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
    from_git().or_else(packaged)
}

/// The commit `cargo package` recorded: `"sha1": "<40 hex>"` in
/// `.cargo_vcs_info.json`, shortened as git shortens it here.
fn packaged() -> Option<String> {
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR")?);
    let info = std::fs::read_to_string(dir.join(".cargo_vcs_info.json")).ok()?;
    let after = info.split("\"sha1\"").nth(1)?;
    let sha: String = after
        .chars()
        .skip_while(|c| !c.is_ascii_hexdigit())
        .take_while(char::is_ascii_hexdigit)
        .collect();
    (sha.len() == 40).then(|| sha[..12].to_string())
}

/// `git log` in the package directory, when it is the top of a checkout.
fn from_git() -> Option<String> {
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
