//! `ballast dockerfile PATH`: the lint findings in text, JSON and markdown,
//! beside the cache report, and exit 2 with file, line and column on a
//! syntax error.

use std::path::Path;
use std::process::{Command, Output};

use assert_cmd::cargo::CommandCargoExt;

const DOCKERFILE: &str =
    "FROM node:20.11-alpine\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"a.js\"]\n";

/// A git repository with two commits of a small Node project.
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args([
                "-c",
                "user.email=t@example.com",
                "-c",
                "user.name=t",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .current_dir(dir.path())
            .output()
            .expect("git");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    std::fs::write(dir.path().join("Dockerfile"), DOCKERFILE).expect("Dockerfile");
    std::fs::write(dir.path().join("package.json"), "{}\n").expect("package.json");
    std::fs::write(dir.path().join("a.js"), "1\n").expect("a.js");
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-qm", "one"]);
    std::fs::write(dir.path().join("a.js"), "2\n").expect("a.js");
    git(&["commit", "-qam", "two"]);
    dir
}

fn ballast(dir: &Path, args: &[&str]) -> Output {
    Command::cargo_bin("ballast")
        .expect("binary")
        .arg("dockerfile")
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("CI")
        .output()
        .expect("run ballast")
}

#[test]
fn text_output_lists_findings_as_file_line_column_with_the_fix() {
    let dir = repo();
    let out = ballast(dir.path(), &["Dockerfile"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Dockerfile:3:1: medium manifests-after-source: "),
        "{text}"
    );
    assert!(
        text.contains("Dockerfile:3:1: medium dockerignore-missing: "),
        "{text}"
    );
    assert!(text.contains("Dockerfile:4:1: low npm-cache: "), "{text}");
    assert!(
        text.contains("Dockerfile:1:1: info no-healthcheck (DL3057): "),
        "{text}"
    );
    assert!(
        text.contains("    fix: COPY package.json package-lock.json ./"),
        "{text}"
    );
    assert!(text.contains("lint findings"), "{text}");
}

#[test]
fn json_and_markdown_carry_the_lint() {
    let dir = repo();
    let out = ballast(dir.path(), &["Dockerfile", "--json", "-"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let lint = v["lint"].as_array().expect("lint list");
    let npm = lint
        .iter()
        .find(|f| f["rule"] == "npm-cache")
        .expect("npm-cache");
    assert_eq!(npm["line"], 4);
    assert_eq!(npm["end_line"], 4);
    assert_eq!(npm["column"], 1);
    assert_eq!(npm["category"], "size");
    assert!(npm["hadolint"].is_null());
    assert!(
        npm["fix"]
            .as_str()
            .is_some_and(|f| f.contains("npm cache clean --force"))
    );
    let hc = lint
        .iter()
        .find(|f| f["rule"] == "no-healthcheck")
        .expect("no-healthcheck");
    assert_eq!(hc["hadolint"], "DL3057");
    assert!(
        v["cache"].is_object(),
        "the cache report sits beside the lint"
    );

    // A .dockerignore that keeps .git and node_modules out but lets .env in.
    std::fs::write(dir.path().join(".dockerignore"), ".git\nnode_modules\n").expect("ignore");
    let out = ballast(dir.path(), &["Dockerfile", "--markdown", "-"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(md.contains("## Dockerfile lint: `Dockerfile`"), "{md}");
    assert!(
        md.contains("| 3 | medium | `dockerignore-lets-in` | the .dockerignore lets '.env' into"),
        "{md}"
    );
    assert!(!md.contains("dockerignore-missing"), "{md}");
}

#[test]
fn a_syntax_error_exits_2_naming_file_line_and_column() {
    let dir = repo();
    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM alpine:3.19\nRUN true\n  EXPSE 80\n",
    )
    .expect("write");
    let out = ballast(dir.path(), &["Dockerfile"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Dockerfile:3:3: unknown instruction: EXPSE"),
        "{err}"
    );
    assert!(
        out.stdout.is_empty(),
        "no partial report: {}",
        String::from_utf8_lossy(&out.stdout)
    );
}
