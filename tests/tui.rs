//! The TUI in a real terminal: `ballast fixtures/demo.tar` inside tmux, driven
//! key by key, the screen read back with `capture-pane` after each step, and
//! the terminal checked to be restored (alternate screen left, the shell
//! prompt back) after `q`.
//!
//! Without tmux the tests skip through the gate (tests/support/gate.rs), unless
//! `BALLAST_REQUIRE_TMUX=1` (or `BALLAST_REQUIRE_ALL=1`) makes that a failure.

/// The one gate for what the tests need from the machine (tests/support/gate.rs).
#[allow(dead_code)]
#[path = "support/gate.rs"]
mod gate;

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
    dir: tempfile::TempDir,
}

impl Tmux {
    fn cmd(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .env("TMUX_TMPDIR", self.dir.path())
            .env_remove("TMUX")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("run tmux")
    }

    fn capture(&self) -> String {
        String::from_utf8_lossy(&self.cmd(&["capture-pane", "-p", "-t", "t"]).stdout).into_owned()
    }

    /// The screen with its attributes as escape sequences (`-e`).
    fn capture_styled(&self) -> String {
        let out = self.cmd(&["capture-pane", "-p", "-e", "-t", "t"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn send(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend_from_slice(keys);
        assert!(self.cmd(&args).status.success(), "send-keys {keys:?}");
    }

    /// Poll the screen until `pred` holds; fail with the last screen after 15 s.
    fn wait(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let screen = self.capture();
            if pred(&screen) {
                return screen;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}; the screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(30));
        }
    }

    fn wait_for(&self, text: &str) -> String {
        self.wait(&format!("'{text}'"), |s| s.contains(text))
    }

    fn alternate_on(&self) -> String {
        let out = self.cmd(&["display-message", "-p", "-t", "t", "#{alternate_on}"]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]);
    }
}

/// A shell in a fresh tmux server (its own socket directory), in the
/// repository, with `env` added to its environment; `None` when tmux is
/// missing (the gate records the skip, or fails the test when tmux is
/// required).
fn shell(name: &str, env: &str) -> Option<Tmux> {
    if !gate::need(gate::Need::Tmux, &gate::this_test()) {
        return None;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let t = Tmux {
        socket: format!("ballast-{name}-{}", std::process::id()),
        dir: tempfile::tempdir().expect("temp dir"),
    };
    let shell = format!(
        "cd '{}' && env -u NO_COLOR -u CI {env} PS1='READY$ ' TERM=xterm-256color sh",
        root.display()
    );
    let size = ["-x", "160", "-y", "50"];
    let mut args = vec!["new-session", "-d", "-s", "t"];
    args.extend(size);
    args.extend(["sh", "-c", &shell]);
    let started = t.cmd(&args);
    assert!(started.status.success(), "{started:?}");
    t.wait_for("READY$");
    Some(t)
}

/// Type a command line into the shell.
fn run(t: &Tmux, args: &str) {
    let bin = env!("CARGO_BIN_EXE_ballast");
    t.send(&["-l", &format!("'{bin}' {args}; echo EXIT=$?")]);
    t.send(&["Enter"]);
}

#[test]
fn demo_image_in_a_real_terminal() {
    let Some(t) = shell("demo", "") else { return };
    run(&t, "fixtures/demo.tar");

    // The analysis arrives: layers, findings and the tree's top level.
    let screen = t.wait("the loaded frame", |s| {
        s.contains("[2] Tree · layer 6 of 0–6")
            && s.contains("deleted-later")
            && s.contains("▸ bin")
    });
    assert!(screen.contains("/app/.git"), "{screen}");
    assert_eq!(t.alternate_on(), "1");

    // Expand the largest directory (bin, first by size).
    t.send(&["l"]);
    t.wait_for("▾ bin");
    t.wait_for("[ → /bin/busybox");
    // Down, then back to the parent, and collapse it.
    t.send(&["j", "h", "h"]);
    t.wait("bin collapsed", |s| {
        s.contains("▸ bin") && !s.contains("▾ bin")
    });

    // One layer down, in the layer-only view.
    t.send(&["[", "a"]);
    t.wait_for("layer 5 of 0–6 · layer only");
    t.send(&["a", "]"]);
    t.wait_for("layer 6 of 0–6 · aggregated");

    // Findings: the first one (deleted-later) shows, in the details pane,
    // the layers that added and deleted it and the fix.
    t.send(&["Tab", "j"]);
    let screen = t.wait_for("Fix");
    assert!(screen.contains("rule      deleted-later"), "{screen}");
    assert!(
        screen.contains("added     layer 2: RUN mkdir -p /var/cache"),
        "{screen}"
    );
    assert!(
        screen.contains("deleted   layer 3: RUN rm -rf /var/cache/d"),
        "{screen}"
    );
    assert!(
        screen.contains("deleting in a later layer does not shrink the image"),
        "{screen}"
    );
    // Enter: the directory itself, selected, in the layer that added it.
    t.send(&["Enter"]);
    let screen = t.wait_for("(added in layer 2, deleted in layer 3)");
    assert!(screen.contains("layer 2 of 0–6"), "{screen}");
    assert!(screen.contains("deleted-later: /var/cache/dl"), "{screen}");
    let at = (screen.lines().position(|l| l.contains("▸ dl")))
        .unwrap_or_else(|| panic!("no dl row:\n{screen}"));
    let styled = t.capture_styled();
    let row = styled.lines().nth(at).unwrap_or_default();
    // Reverse video (SGR 7) marks the selection; the layers pane's part of
    // this line is layer 3's, not selected.
    let reverse = row.contains("\x1b[7m") || row.contains(";7m");
    assert!(reverse, "the dl row is not selected: {row:?}");

    // Search.
    t.send(&["/"]);
    t.wait_for("search: /");
    t.send(&["-l", "app.conf"]);
    t.send(&["Enter"]);
    t.wait_for("1 match for 'app.conf'");
    t.send(&["n"]);

    // The pager shows the file as layer 2 wrote it; x extracts it.
    t.send(&["v"]);
    t.wait_for("/etc/app.conf (layer 2)");
    t.wait_for("│v1");
    let out = tempfile::tempdir().expect("temp dir");
    t.send(&["x"]);
    t.wait_for("extract to directory");
    t.send(&["BSpace"]);
    t.send(&["-l", &out.path().display().to_string()]);
    t.send(&["Enter"]);
    t.wait_for("extracted to");
    let written = std::fs::read(out.path().join("app.conf")).expect("extracted file");
    assert_eq!(written, b"v1\n");
    t.send(&["q"]);
    t.wait("pager closed", |s| !s.contains("/etc/app.conf (layer 2)"));

    // Help overlay, closed by any key.
    t.send(&["?"]);
    t.wait_for("Keys (any key closes)");
    t.send(&["Escape"]);
    t.wait("help closed", |s| !s.contains("Keys (any key closes)"));

    // Quit: the shell is back and the alternate screen left.
    t.send(&["q"]);
    let screen = t.wait_for("EXIT=0");
    assert!(!screen.contains("[2] Tree"), "{screen}");
    assert_eq!(t.alternate_on(), "0");
}

#[test]
fn no_color_marks_changes_with_symbols() {
    let Some(t) = shell("nocolor", "NO_COLOR=1") else {
        return;
    };
    run(&t, "fixtures/demo.tar");
    t.wait_for("▸ bin");
    // Layer 6 alone: the copied pack file is added.
    t.send(&["a"]);
    let screen = t.wait_for("layer only");
    assert!(screen.contains("!: finding"), "{screen}");
    t.send(&["e"]);
    t.wait("the added pack.copy marked +", |s| {
        s.lines()
            .any(|l| l.contains("│+ -rw") && l.contains("pack.copy"))
    });
    t.send(&["q"]);
    t.wait_for("EXIT=0");
    assert_eq!(t.alternate_on(), "0");
}

#[test]
fn a_panic_restores_the_terminal() {
    let Some(t) = shell("panic", "BALLAST_TUI_TEST_PANIC=1") else {
        return;
    };
    run(&t, "fixtures/demo.tar");
    t.wait_for("▸ bin");
    assert_eq!(t.alternate_on(), "1");
    t.send(&["!"]);
    let screen = t.wait_for("EXIT=101");
    assert!(screen.contains("panic requested"), "{screen}");
    assert!(!screen.contains("[2] Tree"), "{screen}");
    assert_eq!(t.alternate_on(), "0");
}

/// A path that does not exist is the same error in a terminal as in a pipe:
/// the TUI closes by itself, the message is on the restored screen, exit 2.
#[test]
fn an_unreadable_image_exits_2_with_the_error() {
    let Some(t) = shell("missing", "") else {
        return;
    };
    run(&t, "./no-such-image.tar");
    let screen = t.wait_for("EXIT=2");
    assert!(
        screen.contains("cannot read './no-such-image.tar'"),
        "{screen}"
    );
    assert!(!screen.contains("[2] Tree"), "{screen}");
    assert_eq!(t.alternate_on(), "0");
}

/// Ctrl-C ends the TUI as it ends any command in a shell: exit status 130,
/// the terminal restored.
#[test]
fn ctrl_c_exits_130() {
    let Some(t) = shell("ctrlc", "") else { return };
    run(&t, "fixtures/demo.tar");
    t.wait_for("▸ bin");
    t.send(&["C-c"]);
    let screen = t.wait_for("EXIT=130");
    assert!(!screen.contains("[2] Tree"), "{screen}");
    assert_eq!(t.alternate_on(), "0");
}
