//! Output paths (`--json` and friends) that are not plain files: a device, a
//! symlink, a FIFO, /dev/stdout are written through, never replaced; a new
//! file gets the umask's mode, an existing one keeps its own. Also the CLI's
//! footguns: budget flags without `--ci`, and two outputs on stdout.

use std::fs;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

/// The binary, with a deadline: no case may hang.
fn ballast() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("ballast").unwrap();
    cmd.timeout(Duration::from_secs(60));
    for var in ["NO_COLOR", "DOCKER_HOST", "CONTAINER_HOST", "CI", "TERM"] {
        cmd.env_remove(var);
    }
    cmd
}

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo.tar")
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

fn json_in(bytes: &[u8]) -> Value {
    let v: Value = serde_json::from_slice(bytes).expect("the output is JSON");
    assert_eq!(v["schema"], "ballast/2");
    v
}

#[test]
fn dev_null_as_an_output_stays_a_character_device() {
    // Root may make a device of its own; anyone else writes to /dev/null,
    // which is harmless: the bug was renaming over it, which needs root.
    let tmp = tempfile::tempdir().unwrap();
    let device = if is_root() {
        let path = tmp.path().join("null");
        let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
        // SAFETY: a valid path; makedev(1, 3) is the null device.
        let rc = unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3)) };
        assert_eq!(rc, 0, "mknod: {}", std::io::Error::last_os_error());
        path
    } else {
        PathBuf::from("/dev/null")
    };
    let before = fs::symlink_metadata(&device).unwrap();
    for flag in ["--json", "--markdown", "--sarif"] {
        ballast()
            .arg(demo())
            .args([flag, device.to_str().unwrap()])
            .assert()
            .success();
        let after = fs::symlink_metadata(&device).unwrap();
        assert!(after.file_type().is_char_device(), "{flag} replaced it");
        assert_eq!((after.ino(), after.rdev()), (before.ino(), before.rdev()));
    }
}

#[test]
fn a_symlinked_output_stays_a_symlink_and_its_target_gets_the_json() {
    let tmp = tempfile::tempdir().unwrap();
    fs::create_dir(tmp.path().join("reports")).unwrap();
    let target = tmp.path().join("reports/real.json");
    fs::write(&target, b"old").unwrap();
    fs::set_permissions(&target, fs::Permissions::from_mode(0o640)).unwrap();
    // A relative link, through a second link.
    let hop = tmp.path().join("hop.json");
    std::os::unix::fs::symlink("reports/real.json", &hop).unwrap();
    let link = tmp.path().join("link.json");
    std::os::unix::fs::symlink(&hop, &link).unwrap();
    ballast()
        .arg(demo())
        .args(["--json", link.to_str().unwrap()])
        .assert()
        .success();
    for l in [&link, &hop] {
        assert!(fs::symlink_metadata(l).unwrap().file_type().is_symlink());
    }
    json_in(&fs::read(&target).unwrap());
    let mode = fs::metadata(&target).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640, "the target keeps its mode");
    // A dangling link: its target is created.
    let dangling = tmp.path().join("dangling.json");
    std::os::unix::fs::symlink("made.json", &dangling).unwrap();
    ballast()
        .arg(demo())
        .args(["--json", dangling.to_str().unwrap()])
        .assert()
        .success();
    assert!(fs::symlink_metadata(&dangling).unwrap().is_symlink());
    json_in(&fs::read(tmp.path().join("made.json")).unwrap());
    // A loop of links is an error, not a spin.
    let (a, b) = (tmp.path().join("a.json"), tmp.path().join("b.json"));
    std::os::unix::fs::symlink(&b, &a).unwrap();
    std::os::unix::fs::symlink(&a, &b).unwrap();
    let err = ballast()
        .arg(demo())
        .args(["--json", a.to_str().unwrap()])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(err).unwrap();
    assert!(err.contains("symbolic links"), "{err}");
    assert!(fs::symlink_metadata(&a).unwrap().is_symlink());
}

#[test]
fn a_fifo_as_an_output_receives_the_json_through_it() {
    use std::io::Read;
    use std::sync::atomic::{AtomicBool, Ordering};
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("pipe");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    // The read end is open before ballast starts (so its open for writing
    // does not wait) and never blocks, so nothing here can hang: should
    // ballast replace the FIFO instead, the reader just gets nothing.
    let mut read_end = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&fifo)
        .unwrap();
    let done = std::sync::Arc::new(AtomicBool::new(false));
    let reader = {
        let done = done.clone();
        std::thread::spawn(move || {
            let (mut received, mut buf) = (Vec::new(), [0u8; 8192]);
            loop {
                let finished = done.load(Ordering::SeqCst);
                match read_end.read(&mut buf) {
                    Ok(n) if n > 0 => received.extend_from_slice(&buf[..n]),
                    // Empty: no writer or no data yet; after ballast has
                    // exited, empty means everything was read.
                    _ if finished => return received,
                    _ => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        })
    };
    let run = ballast()
        .arg(demo())
        .args(["--json", fifo.to_str().unwrap()])
        .output();
    done.store(true, Ordering::SeqCst);
    let received = reader.join().unwrap();
    let run = run.unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    json_in(&received);
}

#[test]
fn dev_stdout_as_an_output_is_written_through_after_what_is_there() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out.txt");
    fs::write(&out, b"before\n").unwrap();
    let ino = fs::metadata(&out).unwrap().ino();
    let stdout = fs::OpenOptions::new().append(true).open(&out).unwrap();
    for path in ["/proc/self/fd/1", "/dev/stdout"] {
        if !Path::new(path).exists() {
            continue;
        }
        let status = std::process::Command::new(assert_cmd::cargo::cargo_bin("ballast"))
            .arg(demo())
            .args(["--json", path])
            .stdout(stdout.try_clone().unwrap())
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "{path}");
    }
    let text = fs::read(&out).unwrap();
    assert!(text.starts_with(b"before\n{"), "the earlier line stays");
    assert_eq!(fs::metadata(&out).unwrap().ino(), ino, "not replaced");
    let first = serde_json::Deserializer::from_slice(&text[7..])
        .into_iter::<Value>()
        .next()
        .unwrap()
        .unwrap();
    assert_eq!(first["schema"], "ballast/2");
}

/// Run ballast with `umask` and `--json PATH`, and return PATH's mode.
fn mode_with_umask(umask: libc::mode_t, path: &Path) -> u32 {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("ballast"));
    cmd.arg(demo()).args(["--json", path.to_str().unwrap()]);
    // SAFETY: umask is async-signal-safe and cannot fail.
    unsafe {
        cmd.pre_exec(move || {
            libc::umask(umask);
            Ok(())
        });
    }
    assert!(cmd.status().unwrap().success());
    fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

#[test]
fn a_new_output_file_gets_the_umask_mode_and_an_old_one_keeps_its_own() {
    let tmp = tempfile::tempdir().unwrap();
    for (umask, mode) in [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)] {
        let path = tmp.path().join(format!("new-{umask:o}.json"));
        assert_eq!(mode_with_umask(umask, &path), mode, "umask {umask:o}");
    }
    let old = tmp.path().join("old.json");
    fs::write(&old, b"x").unwrap();
    fs::set_permissions(&old, fs::Permissions::from_mode(0o604)).unwrap();
    assert_eq!(mode_with_umask(0o077, &old), 0o604);
    json_in(&fs::read(&old).unwrap());
}

#[test]
fn a_directory_as_an_output_is_an_error_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let out = ballast()
        .arg(demo())
        .args(["--json", tmp.path().to_str().unwrap()])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(out).unwrap();
    assert!(err.contains("is a directory"), "{err}");
    assert!(err.contains(tmp.path().to_str().unwrap()), "{err}");
}

#[test]
fn ci_flags_without_ci_are_a_usage_error_not_ignored() {
    let cases: &[&[&str]] = &[
        &["--junit", "j.xml"],
        &["--format", "github"],
        &["--config", ".ballast.toml"],
        &["--max-size", "1MB"],
        &["--max-layer-size", "1MB"],
        &["--max-wasted-bytes", "1MB"],
        &["--max-reclaimable-bytes", "1MB"],
        &["--max-wasted-percent", "10%"],
        &["--min-efficiency", "0.9"],
        &["--deny", "secret"],
        &["--ignore-path", "*.log"],
        &["--baseline", "other.tar"],
        &["--max-growth", "1MB"],
    ];
    for args in cases {
        let out = ballast()
            .arg(demo())
            .args(*args)
            .arg("--no-tui")
            .assert()
            .code(2)
            .get_output()
            .clone();
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains("--ci"), "{args:?}: {err}");
        assert!(err.contains(args[0]), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn two_outputs_on_stdout_are_refused_naming_both_flags() {
    let cases: &[(&[&str], [&str; 2])] = &[
        (&["--ci", "--json", "-"], ["--ci", "--json -"]),
        (
            &["--json", "-", "--markdown", "-"],
            ["--json -", "--markdown -"],
        ),
        (&["--sarif", "-", "--json", "-"], ["--json -", "--sarif -"]),
        (&["--ci", "--junit", "-"], ["--ci", "--junit -"]),
        (
            &["--ci", "--format", "github", "--sarif", "-"],
            ["--format github", "--sarif -"],
        ),
    ];
    for (args, flags) in cases {
        let out = ballast()
            .arg(demo())
            .args(*args)
            .assert()
            .code(2)
            .get_output()
            .clone();
        let err = String::from_utf8(out.stderr).unwrap();
        for flag in flags {
            assert!(err.contains(flag), "{args:?}: {err}");
        }
        assert!(err.contains("stdout"), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}: nothing written");
    }
    let tmp = tempfile::tempdir().unwrap();
    let err = ballast()
        .args(["diff"])
        .arg(demo())
        .arg(demo())
        .args(["--json", "-", "--markdown", "-"])
        .current_dir(tmp.path())
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(err).unwrap();
    assert!(
        err.contains("--json -") && err.contains("--markdown -"),
        "{err}"
    );
    // One stdout writer beside files is fine.
    let file = tmp.path().join("a.sarif");
    ballast()
        .arg(demo())
        .args(["--ci", "--sarif", file.to_str().unwrap()])
        .current_dir(tmp.path())
        .assert()
        .code(0);
}

#[test]
fn an_overflowing_size_budget_is_an_error_naming_the_value() {
    let out = ballast()
        .arg(demo())
        .args(["--ci", "--max-size", "99999999999999999999999999TB"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("99999999999999999999999999TB"), "{err}");
    assert!(err.contains("too large"), "{err}");
    for bad in ["NaN", "inf", "-0.1", "2"] {
        let out = ballast()
            .arg(demo())
            .args(["--ci", &format!("--min-efficiency={bad}")])
            .assert()
            .code(2)
            .get_output()
            .clone();
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(bad), "{bad}: {err}");
    }
}
