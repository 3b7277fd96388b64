//! The `ballast` binary as the integration tests run it: with an environment
//! that does not depend on the caller's shell, and the checks every test
//! makes of a run (it succeeded; it failed as a user error).
//!
//! Included by the test binaries that run ballast, as
//! `#[path = "support/bin.rs"] mod bin;`.

use std::process::{Command, Output};

/// The caller's variables that change what ballast prints or where it
/// looks: colour, the engines' sockets, CI detection and the job summary it
/// appends to.
const CALLER_ENV: [&str; 7] = [
    "NO_COLOR",
    "CLICOLOR_FORCE",
    "TERM",
    "DOCKER_HOST",
    "CONTAINER_HOST",
    "CI",
    "GITHUB_STEP_SUMMARY",
];

/// `ballast`, without the caller's [`CALLER_ENV`].
pub fn ballast() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ballast"));
    for var in CALLER_ENV {
        cmd.env_remove(var);
    }
    cmd
}

/// [`ballast`] with no layer cache either, so every layer is read (for
/// tests that break a layer, or hold it to a limit).
pub fn uncached() -> Command {
    let mut cmd = ballast();
    cmd.env_remove("XDG_CACHE_HOME").env_remove("HOME");
    cmd
}

/// Run `cmd`; its output, failing the test (with its stderr) unless it
/// exited 0.
pub fn succeeds(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("ballast runs");
    assert!(
        out.status.success(),
        "{cmd:?}: {}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Run `cmd`, which must exit 0; its stdout.
pub fn stdout(cmd: &mut Command) -> String {
    String::from_utf8(succeeds(cmd).stdout).expect("UTF-8 stdout")
}

/// A run that must be a user's error: exit 2, stderr starting
/// `ballast: error: ` and no panic; its stderr.
pub fn error_of(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "expected exit 2: {stderr}");
    assert!(stderr.starts_with("ballast: error: "), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}
