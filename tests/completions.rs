//! `ballast completions SHELL` and `ballast man`: the scripts and pages are
//! generated from the clap definitions; these tests check that what a shell
//! or `man` gets from them works and names every command and flag.

use std::collections::BTreeSet;
use std::io::Write;
use std::process::{Command, Stdio};

#[allow(dead_code)]
#[path = "support/bin.rs"]
mod bin;
#[allow(dead_code)]
#[path = "support/gate.rs"]
mod gate;

/// The stdout of `ballast ARGS`, which must succeed.
fn ballast(args: &[&str]) -> String {
    bin::stdout(bin::ballast().args(args))
}

/// Every `--long` flag `ballast [SUB] --help` lists (the option lines, not
/// flags that descriptions mention).
fn flags(sub: &[&str]) -> BTreeSet<String> {
    let mut args = sub.to_vec();
    args.push("--help");
    let help = ballast(&args);
    help.lines()
        .map(str::trim_start)
        .filter(|l| l.starts_with('-'))
        .filter_map(|l| l.split("  ").next())
        .flat_map(|spec| spec.split([' ', ',', '=', '[', ']', '<', '>']))
        .filter(|w| w.starts_with("--") && w.len() > 2)
        .map(str::to_string)
        .collect()
}

const SUBCOMMANDS: [&str; 5] = ["diff", "dockerfile", "fleet", "completions", "man"];

/// What bash's completion offers for the words typed so far (the last one
/// being completed), from the generated script.
fn bash_complete(words: &[&str]) -> Vec<String> {
    let script = ballast(&["completions", "bash"]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ballast.bash");
    std::fs::write(&path, script).unwrap();
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let probe = format!(
        "source '{}'\nCOMP_WORDS=({})\nCOMP_CWORD={}\nCOMP_LINE='{}'\nCOMP_POINT=${{#COMP_LINE}}\n\
         _ballast ballast '{}' '{}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        path.display(),
        quoted.join(" "),
        words.len() - 1,
        words.join(" "),
        words[words.len() - 1],
        words[words.len().saturating_sub(2)],
    );
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &probe])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn bash_completion_parses_and_offers_the_subcommands_and_flags() {
    let script = ballast(&["completions", "bash"]);
    let mut check = Command::new("bash")
        .args(["-n"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    check
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    assert!(
        check.wait().unwrap().success(),
        "bash -n rejects the script"
    );

    assert!(flags(&[]).len() > 20, "the help parser found too few flags");
    let offered = bash_complete(&["ballast", ""]);
    for sub in SUBCOMMANDS {
        assert!(offered.iter().any(|o| o == sub), "{sub} not in {offered:?}");
    }
    let dashed = bash_complete(&["ballast", "--"]);
    for flag in flags(&[]) {
        assert!(dashed.contains(&flag), "{flag} not offered: {dashed:?}");
    }
    let diff = bash_complete(&["ballast", "diff", "--"]);
    for flag in flags(&["diff"]) {
        assert!(diff.contains(&flag), "diff {flag} not offered: {diff:?}");
    }
    // Value completion for an enum flag.
    let sources = bash_complete(&["ballast", "--source", ""]);
    for kind in ["auto", "docker", "podman", "registry"] {
        assert!(sources.iter().any(|s| s == kind), "{kind}: {sources:?}");
    }
}

#[test]
fn every_shell_gets_a_script_naming_every_subcommand() {
    for (shell, marker) in [
        ("zsh", "#compdef ballast"),
        ("fish", "complete -c ballast"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[ballast]"),
    ] {
        let script = ballast(&["completions", shell]);
        assert!(script.contains(marker), "{shell}: no {marker:?}");
        for sub in SUBCOMMANDS {
            assert!(script.contains(sub), "{shell}: no {sub}");
        }
        assert!(
            script.contains("max-reclaimable-bytes"),
            "{shell}: flags missing"
        );
    }
}

#[test]
fn unknown_shell_is_a_usage_error() {
    let out = bin::ballast()
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bash"));
}

/// roff writes `-` as `\-`; the page's text with that undone.
fn man_text(roff: &str) -> String {
    roff.replace("\\-", "-")
}

#[test]
fn man_page_lists_every_flag_of_every_command() {
    let page = man_text(&ballast(&["man"]));
    assert!(page.contains(".TH ballast 1"), "{page}");
    for flag in flags(&[]) {
        assert!(page.contains(&flag), "ballast.1 lacks {flag}");
    }
    for sub in SUBCOMMANDS {
        assert!(page.contains(sub), "ballast.1 does not name {sub}");
    }
    let dir = tempfile::tempdir().unwrap();
    let listed = ballast(&["man", "--dir", dir.path().to_str().unwrap()]);
    assert_eq!(listed.lines().count(), 1 + SUBCOMMANDS.len(), "{listed}");
    for sub in SUBCOMMANDS {
        let path = dir.path().join(format!("ballast-{sub}.1"));
        let sub_page = man_text(&std::fs::read_to_string(&path).unwrap());
        for flag in flags(&[sub]) {
            assert!(sub_page.contains(&flag), "{} lacks {flag}", path.display());
        }
    }
}

#[test]
fn man_dir_that_is_not_a_directory_is_an_error() {
    let out = bin::ballast()
        .args(["man", "--dir", "/nonexistent/ballast-man"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("ballast: error: "));
}

#[test]
fn man_renders_the_page() {
    if !gate::need(gate::Need::Man, "man_renders_the_page") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ballast.1");
    std::fs::write(&path, ballast(&["man"])).unwrap();
    let out = Command::new("man")
        .arg("-l")
        .arg(&path)
        .env("MANWIDTH", "100")
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    // Rendered: headings and flags as a reader sees them, no roff requests.
    for want in [
        "NAME",
        "SYNOPSIS",
        "OPTIONS",
        "--max-size",
        "--markdown",
        "SUBCOMMANDS",
    ] {
        assert!(text.contains(want), "rendered page lacks {want}:\n{text}");
    }
    assert!(!text.contains(".TH"), "{text}");
}
