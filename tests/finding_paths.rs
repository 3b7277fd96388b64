//! Finding paths are data (issue 13): the path exactly as in the image, and
//! the mode, the deleting layer or the config key in fields of their own. The
//! image is generated here: a setuid `/usr/bin/su`, a private key a later
//! layer deletes, and a database URL with a password in the config's ENV.

#[allow(dead_code)]
#[path = "support/bin.rs"]
mod bin;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

use serde_json::Value;
use testimage::{self as fixture, Compress, ImageSpec, LayerSpec, Layout, Node};

const KEY: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";

fn spec() -> ImageSpec {
    let mut su = fixture::big_file("usr/bin/su", 600, 1);
    if let Node::File { mode, .. } = &mut su {
        *mode = 0o4755;
    }
    ImageSpec {
        layers: vec![
            LayerSpec::new(
                "/bin/sh -c #(nop) ADD file:rootfs in /",
                vec![
                    fixture::dir("usr"),
                    fixture::dir("usr/bin"),
                    su,
                    fixture::dir("root"),
                    fixture::dir("root/.ssh"),
                    fixture::file("root/.ssh/id_ed25519", KEY),
                ],
            ),
            LayerSpec::new(
                "/bin/sh -c git clone https://bot:ghp_hunter2@example.com/r && rm /root/.ssh/id_ed25519",
                vec![fixture::whiteout("root/.ssh/id_ed25519")],
            ),
        ],
        container_config: serde_json::json!({
            "User": "app",
            "Healthcheck": {"Test": ["CMD", "true"]},
            "Env": ["PATH=/usr/bin", "DATABASE_URL=postgres://app:hunter2@db/app"],
        }),
        extra_history: vec![],
    }
}

/// The image, written once per test binary.
fn image() -> &'static Path {
    static IMAGE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, path) = IMAGE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("image.tar");
        fixture::write_image(&spec(), Layout::DockerLegacy, Compress::None, &path).unwrap();
        (dir, path)
    });
    path
}

fn ballast(args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    bin::ballast()
        .current_dir(dir.path())
        .arg(image())
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("UTF-8 stdout")
}

fn json() -> Value {
    let o = ballast(&["--json", "-"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    serde_json::from_slice(&o.stdout).unwrap()
}

fn findings<'a>(j: &'a Value, rule: &str) -> Vec<&'a Value> {
    j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

#[test]
fn json_finding_paths_are_pure_paths_with_the_facts_beside_them() {
    let j = json();
    let setuid = findings(&j, "setuid");
    let su = &setuid[0]["paths"][0];
    assert_eq!(
        (&su["path"], &su["mode"], &su["layer"]),
        (&"/usr/bin/su".into(), &"4755".into(), &0.into()),
        "{su}"
    );
    let secrets = findings(&j, "secret");
    let key = secrets
        .iter()
        .flat_map(|f| f["paths"].as_array().unwrap())
        .find(|p| p["path"] == "/root/.ssh/id_ed25519")
        .expect("the deleted key, by its path");
    assert_eq!(key["deleted_in"], 1, "{key}");
    assert!(key.get("replaced_in").is_none(), "{key}");
    // The same file's bytes as waste: the deleting layer beside the path too.
    let deleted = findings(&j, "deleted-later");
    let wasted = &deleted[0]["paths"][0];
    assert_eq!(
        (&wasted["path"], &wasted["deleted_in"]),
        (&"/root/.ssh/id_ed25519".into(), &1.into()),
        "{wasted}"
    );
}

#[test]
fn sarif_locations_of_a_setuid_finding_name_the_real_file() {
    let o = ballast(&["--sarif", "-"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let sarif: Value = serde_json::from_slice(&o.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let setuid = results.iter().find(|r| r["ruleId"] == "setuid").unwrap();
    let loc = &setuid["locations"][0];
    assert_eq!(
        loc["physicalLocation"]["artifactLocation"]["uri"], "usr/bin/su",
        "{loc}"
    );
    assert!(
        loc["message"]["text"]
            .as_str()
            .unwrap()
            .contains("mode 4755"),
        "{loc}"
    );
}

/// The `--ci` verdict's line for `budget` says `status` (the image fails
/// dive's default budgets, so the exit code says nothing about this one).
fn assert_verdict(o: &Output, budget: &str, status: &str) {
    let out = stdout(o);
    let line = out
        .lines()
        .find(|l| l.contains(budget))
        .unwrap_or_else(|| panic!("no {budget} in:\n{out}"));
    assert!(
        line.trim_start().starts_with(status),
        "{budget}: {line}\n{out}"
    );
}

#[test]
fn ignore_path_silences_a_denied_setuid_finding() {
    let o = ballast(&["--ci", "--deny", "setuid"]);
    assert_verdict(&o, "deny setuid", "FAIL");
    let o = ballast(&["--ci", "--deny", "setuid", "--ignore-path", "/usr/bin/su"]);
    assert_verdict(&o, "deny setuid", "PASS");
}

#[test]
fn a_secret_from_a_deleted_file_can_be_ignored_by_its_path() {
    let o = ballast(&["--ci", "--deny", "secret"]);
    assert_verdict(&o, "deny secret", "FAIL");
    let o = ballast(&[
        "--ci",
        "--deny",
        "secret",
        "--ignore-path",
        "/root/.ssh/id_ed25519",
    ]);
    assert_verdict(&o, "deny secret", "PASS");
}

#[test]
fn markdown_and_summary_still_show_the_mode_and_the_deleting_layer() {
    let o = ballast(&["--markdown", "-"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let md = stdout(&o);
    assert!(
        md.contains("- `/usr/bin/su` (600\u{a0}B; mode 4755)"),
        "{md}"
    );
    assert!(
        md.contains(
            "- `/root/.ssh/id_ed25519` (95\u{a0}B; deleted in layer 1, still in the image)"
        ),
        "{md}"
    );
    let o = ballast(&["--no-tui"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let text = stdout(&o);
    assert!(text.contains("/usr/bin/su (mode 4755)"), "{text}");
    assert!(
        text.contains("/root/.ssh/id_ed25519 (deleted in layer 1, still in the image)"),
        "{text}"
    );
}

#[test]
fn passwords_in_env_and_history_urls_are_redacted_everywhere() {
    for args in [
        &["--json", "-"][..],
        &["--markdown", "-"],
        &["--sarif", "-"],
        &["--no-tui"],
    ] {
        let o = ballast(args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {o:?}");
        let out = stdout(&o);
        for secret in ["hunter2", "ghp_hunter2"] {
            assert!(!out.contains(secret), "{args:?} leaks {secret}:\n{out}");
        }
    }
    let j = json();
    let env = j["image"]["config"]["env"].as_array().unwrap();
    assert!(
        env.contains(&"DATABASE_URL=postgres://app:<redacted>@db/app".into()),
        "{env:?}"
    );
}
