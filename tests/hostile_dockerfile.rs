//! Hostile Dockerfiles and build contexts: each generated here, each run
//! through the binary with a deadline (killed on expiry, which fails the
//! test), and each must end in a clear `ballast: error:` and exit 2, never
//! a hang, a stack overflow or an abort.

use std::ffi::CString;
use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;
use testimage::{self as fixture, Compress, ImageSpec, LayerSpec, Layout};

/// Far above what any case needs even in a debug build; only a hang or a
/// runaway expansion reaches it.
const DEADLINE: Duration = Duration::from_secs(20);

/// Run `ballast ARGS` in `dir` with the deadline; the stderr of a run that
/// exits 2, else a failure saying what happened.
fn fails_with(dir: &Path, args: &[&str]) -> String {
    let out = Command::cargo_bin("ballast")
        .expect("binary")
        .current_dir(dir)
        .args(args)
        .timeout(DEADLINE)
        .output()
        .expect("run ballast");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(2),
        "ballast {args:?} should exit 2 (killed after {DEADLINE:?} if it hung): {stderr}"
    );
    assert!(stderr.starts_with("ballast: error: "), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

fn mkfifo(path: &Path) {
    let c = CString::new(path.as_os_str().as_encoded_bytes()).expect("no NUL");
    // SAFETY: `c` is a valid NUL-terminated path for the call's duration.
    let rc = unsafe { libc::mkfifo(c.as_ptr(), 0o600) };
    assert_eq!(rc, 0, "mkfifo {}", path.display());
}

fn dockerfile(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("Dockerfile"), text).expect("write");
    dir
}

#[test]
fn a_fifo_as_the_dockerfile_is_an_error_not_a_hang() {
    let dir = tempfile::tempdir().expect("temp dir");
    mkfifo(&dir.path().join("Dockerfile"));
    let err = fails_with(dir.path(), &["dockerfile", "Dockerfile"]);
    assert!(
        err.contains("'Dockerfile'") && err.contains("FIFO"),
        "{err}"
    );
}

#[test]
fn a_fifo_as_the_dockerignore_is_an_error_not_a_hang() {
    for name in [".dockerignore", "Dockerfile.dockerignore"] {
        let dir = dockerfile("FROM alpine:3\nCOPY . .\n");
        mkfifo(&dir.path().join(name));
        let err = fails_with(dir.path(), &["dockerfile", "Dockerfile"]);
        assert!(err.contains(name) && err.contains("FIFO"), "{err}");
    }
}

#[test]
fn a_fifo_given_as_dockerfile_with_an_image_is_an_error_not_a_hang() {
    let dir = tempfile::tempdir().expect("temp dir");
    let spec = ImageSpec {
        layers: vec![LayerSpec::new(
            "/bin/sh -c true",
            vec![fixture::file("etc/a", "a\n")],
        )],
        ..ImageSpec::default()
    };
    let image = dir.path().join("image.tar");
    fixture::write_image(&spec, Layout::Docker25, Compress::None, &image).expect("image");
    mkfifo(&dir.path().join("Dockerfile"));
    let err = fails_with(
        dir.path(),
        &[
            "image.tar",
            "--quiet",
            "--json",
            "-",
            "--dockerfile",
            "Dockerfile",
        ],
    );
    assert!(err.contains("FIFO"), "{err}");
}

/// 1.5 KB that doubles a value 40 times: a terabyte if expanded eagerly.
fn doubling(keyword: &str) -> String {
    let mut text = String::new();
    if keyword == "ENV" {
        text.push_str("FROM alpine:3\n");
    }
    text.push_str(&format!("{keyword} V0=0123456789abcdef\n"));
    for i in 1..=40 {
        text.push_str(&format!("{keyword} V{i}=$V{}${{V{}}}\n", i - 1, i - 1));
    }
    if keyword == "ARG" {
        text.push_str("FROM alpine:$V40\n");
    }
    text
}

#[test]
fn doubling_env_and_arg_values_stop_at_the_value_limit_not_at_6_gb() {
    for keyword in ["ENV", "ARG"] {
        let dir = dockerfile(&doubling(keyword));
        let err = fails_with(dir.path(), &["dockerfile", "Dockerfile"]);
        // V0 is 16 bytes: V16 is 1 MiB, V17 the first over it.
        let line = if keyword == "ENV" { 19 } else { 18 };
        assert!(
            err.contains(&format!("Dockerfile:{line}:1: {keyword} V17:"))
                && err.contains(
                    "its value would be 2097152 bytes, longer than 1048576: the \
                     expanded-value limit is 1 MiB; raise it with --limit expanded-value=2MiB"
                ),
            "{err}"
        );
    }
}

#[test]
fn many_values_in_scope_stop_at_the_scope_limit() {
    // 40 copies of a 512 KiB value: 20 MiB in scope, each value legal.
    let mut text = String::from("FROM alpine:3\nENV B0=0123456789abcdef\n");
    for i in 1..=15 {
        text.push_str(&format!("ENV B{i}=$B{}$B{}\n", i - 1, i - 1));
    }
    for i in 0..40 {
        text.push_str(&format!("ENV C{i}=$B15\n"));
    }
    let dir = dockerfile(&text);
    let err = fails_with(dir.path(), &["dockerfile", "Dockerfile"]);
    assert!(
        err.contains("the expanded-scope limit is 16 MiB; raise it with --limit expanded-scope=")
            && err.contains("ENV C"),
        "{err}"
    );
}

#[test]
fn stages_inheriting_big_scopes_stop_at_the_file_limit() {
    // s0 holds 15 MiB (30 copies of 512 KiB); each stage built on it holds
    // as much again, so the fifth stage passes 64 MiB.
    let mut text = String::from("FROM alpine:3 AS s0\nENV B0=0123456789abcdef\n");
    for i in 1..=15 {
        text.push_str(&format!("ENV B{i}=$B{}$B{}\n", i - 1, i - 1));
    }
    for i in 0..29 {
        text.push_str(&format!("ENV C{i}=$B15\n"));
    }
    text.push_str(&"FROM s0\nRUN true\n".repeat(4));
    let dir = dockerfile(&text);
    let err = fails_with(dir.path(), &["dockerfile", "Dockerfile"]);
    assert!(
        err.contains("Dockerfile:53:1: FROM s0:")
            && err.contains(
                "the expanded-total limit is 64 MiB; raise it with --limit expanded-total="
            ),
        "{err}"
    );
}

#[test]
fn deeply_nested_substitutions_are_an_error_not_a_stack_overflow() {
    let n = 100_000;
    let text = format!(
        "FROM alpine:3\nENV X={}x{}\nRUN echo $X\n",
        "${A:-".repeat(n),
        "}".repeat(n)
    );
    let dir = dockerfile(&text);
    let err = fails_with(dir.path(), &["dockerfile", "Dockerfile"]);
    assert!(
        err.contains("Dockerfile:2:1: ENV X:")
            && err.contains(
                "the substitution-depth limit is 64; raise it with --limit substitution-depth=128"
            ),
        "{err}"
    );
}

#[test]
fn a_hundred_thousand_chained_stages_are_an_error_not_a_stack_overflow() {
    let mut text = String::from("FROM alpine:3 AS s0\n");
    for i in 0..100_000 {
        text.push_str(&format!("FROM s{i} AS s{}\nENV V{i}=$V0\n", i + 1));
    }
    let dir = dockerfile(&text);
    let err = fails_with(dir.path(), &["dockerfile", "Dockerfile"]);
    assert!(
        err.contains(
            "Dockerfile:2000:1: more than 1000 build stages: split the Dockerfile, or the \
             stages limit is 1000; raise it with --limit stages=2000"
        ),
        "{err}"
    );
}

/// The most stages allowed, each built on the one before and adding a
/// variable: linear work (each stage's end scope is kept), so it finishes
/// well inside the deadline.
#[test]
fn the_most_chained_stages_allowed_are_analysed() {
    let mut text = String::from("FROM alpine:3 AS s0\nENV A=1\n");
    for i in 0..999 {
        text.push_str(&format!(
            "FROM s{i} AS s{}\nENV V{i}=$A$A\nRUN true\n",
            i + 1
        ));
    }
    let dir = dockerfile(&text);
    Command::cargo_bin("ballast")
        .expect("binary")
        .current_dir(dir.path())
        .args(["dockerfile", "Dockerfile", "--json", "-"])
        .timeout(DEADLINE)
        .assert()
        .success();
}
