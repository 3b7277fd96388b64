//! The `ballast` binary as the integration tests run it: with an environment
//! that does not depend on the caller's shell, and the checks every test
//! makes of a run (it succeeded; it failed as a user error).
//!
//! Included by the test binaries that run ballast, as
//! `#[path = "support/bin.rs"] mod bin;`.

use std::io::{Read, Write};
use std::process::{Command, Output, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

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

/// Run `cmd` for at most `limit`, `stdin` fed to it (else closed), its
/// stdout and stderr drained on threads so that a full pipe cannot stall it;
/// a run still going then is killed and the test fails (a hang is a
/// failure).
pub fn within(cmd: &mut Command, stdin: Option<Vec<u8>>, limit: Duration) -> Output {
    fn drain(mut pipe: impl Read + Send + 'static) -> JoinHandle<Vec<u8>> {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            pipe.read_to_end(&mut bytes).ok();
            bytes
        })
    }
    let what = format!("{cmd:?}");
    let mut child = cmd
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    let feeder = stdin.map(|bytes| {
        let mut pipe = child.stdin.take().expect("stdin piped");
        // A reader that gives up early closes the pipe: not an error here.
        std::thread::spawn(move || drop(pipe.write_all(&bytes)))
    });
    let out = drain(child.stdout.take().expect("stdout piped"));
    let err = drain(child.stderr.take().expect("stderr piped"));
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the child") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} still runs after {limit:?}: it hangs");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    if let Some(f) = feeder {
        f.join().expect("the stdin feeder");
    }
    Output {
        status,
        stdout: out.join().expect("the stdout drain"),
        stderr: err.join().expect("the stderr drain"),
    }
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
