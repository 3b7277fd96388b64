//! `--dockerfile`: instructions mapped to the history and layers of images
//! built for real, by the legacy builder (Docker 20.10) and by buildah
//! (`podman build`), and image findings given their Dockerfile line.
//!
//! Engine tests skip through the gate (tests/support/gate.rs) when Docker (or
//! podman) is missing, unless `BALLAST_REQUIRE_DOCKER=1`
//! (`BALLAST_REQUIRE_PODMAN=1`) or `BALLAST_REQUIRE_ALL=1`.

use std::path::Path;
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;
use ballast::analysis::join::{self, Mapped};
use ballast::dockerfile::{Dockerfile, Kind, lint};
use ballast::source::SourceKind;

use super::engine_support::{BUSYBOX, Image, analyze, docker_ready, run, unique};
use crate::gate::{self, Need};

/// A two-stage build: the final stage copies from the builder, writes and
/// deletes 1 MB (a `deleted-later` finding on the RUN's layer), and sets
/// config with instructions that make no layer.
const DOCKERFILE: &str = r#"FROM scratch AS build
COPY busybox /bin/busybox
COPY busybox /bin/sh
RUN echo built > /artifact

FROM build AS base
ENV APP=/app \
    MODE=prod
WORKDIR /app

FROM base
ARG VERSION=1
COPY --from=build /artifact ./artifact
COPY app.txt ./
RUN ["/bin/busybox", "sh", "-c", "echo exec > /exec"]
RUN /bin/busybox dd if=/dev/zero of=/big bs=1024 count=1024 2>/dev/null
RUN rm /big
USER 1000
CMD ["sh"]
"#;

/// Write the context: the Dockerfile, busybox, app.txt.
fn context() -> tempfile::TempDir {
    let ctx = tempfile::tempdir().expect("temp dir");
    std::fs::copy(BUSYBOX, ctx.path().join("busybox")).expect("copy busybox");
    std::fs::write(ctx.path().join("Dockerfile"), DOCKERFILE).expect("Dockerfile");
    std::fs::write(ctx.path().join("app.txt"), "app\n").expect("app.txt");
    ctx
}

fn summary(m: &[Mapped]) -> Vec<(usize, Kind, Option<usize>, bool)> {
    m.iter()
        .map(|m| (m.line, m.instruction, m.layer, m.confirmed))
        .collect()
}

/// Every instruction of the final image (the `build` and `base` stages it
/// is built on included) maps to its own history entry, confirmed by text;
/// `layers` gives the expected layer of each, `None` for config-only ones.
fn assert_mapping(m: &[Mapped], layers: &[Option<usize>]) {
    let lines: Vec<usize> = m.iter().map(|m| m.line).collect();
    assert_eq!(lines, [2, 3, 4, 7, 9, 12, 13, 14, 15, 16, 17, 18, 19]);
    let got: Vec<Option<usize>> = m.iter().map(|m| m.layer).collect();
    assert_eq!(got, layers, "{:#?}", summary(m));
    assert!(
        m.iter().all(|m| m.confirmed && m.history_index.is_some()),
        "{:#?}",
        summary(m)
    );
}

fn join(a: &mut ballast::Analysis, ctx: &Path) {
    let df = Dockerfile::read(&ctx.join("Dockerfile")).expect("parse");
    let lint = lint::lint_in(&df, Some(ctx)).expect("lint");
    join::attach(a, &df, lint);
}

#[test]
fn legacy_builder_history_maps_to_instructions_and_findings_get_lines() {
    if !docker_ready("legacy_builder_history_maps_to_instructions_and_findings_get_lines") {
        return;
    }
    let ctx = context();
    let img = Image::adopt(unique("df-map"));
    run(Command::new("docker")
        .env("DOCKER_BUILDKIT", "0")
        .args([
            "build",
            "-q",
            "--no-cache",
            "--force-rm",
            "--network",
            "none",
            "-t",
            &img.tag,
        ])
        .arg(ctx.path()));
    let mut a = analyze(&img.tag, SourceKind::Docker);
    join(&mut a, ctx.path());
    let d = a.dockerfile.as_ref().expect("dockerfile joined");
    // The legacy builder makes a layer for WORKDIR.
    assert_mapping(
        &d.instructions,
        &[
            Some(0),
            Some(1),
            Some(2),
            None,
            Some(3),
            None,
            Some(4),
            Some(5),
            Some(6),
            Some(7),
            Some(8),
            None,
            None,
        ],
    );
    let big = d
        .instructions
        .iter()
        .find(|m| m.line == 16)
        .expect("RUN dd");
    assert_eq!(big.size_bytes, Some(1024 * 1024));
    let deleted = a
        .findings
        .iter()
        .find(|f| f.rule == ballast::vocab::Rule::DeletedLater)
        .expect("deleted-later");
    assert_eq!(deleted.layer.as_ref().map(|l| l.index), Some(7));
    assert_eq!(deleted.dockerfile_line, Some(16));
    let json = serde_json::to_value(&a).expect("json");
    assert_eq!(json["dockerfile"]["instructions"][9]["line"], 16);
    assert_eq!(json["dockerfile"]["final_stage"], 2);
    let rules: Vec<&str> = d.lint.iter().map(|f| f.rule).collect();
    assert!(rules.contains(&"no-healthcheck"), "{rules:?}");
    assert!(
        json["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| f["dockerfile_line"] == 16)
    );
}

#[test]
fn buildah_history_maps_too() {
    let has_podman = match Command::new("podman").arg("--version").output() {
        Ok(o) if o.status.success() => Ok(()),
        Ok(o) => Err(format!("`podman --version` failed ({})", o.status)),
        Err(e) => Err(format!("podman is not on PATH: {e}")),
    };
    if gate::check(Need::Podman, "buildah_history_maps_too", has_podman).is_none() {
        return;
    }
    let ctx = context();
    let tag = unique("df-map-buildah");
    run(Command::new("podman")
        .args([
            "build",
            "-q",
            "--no-cache",
            "--network",
            "none",
            "--format",
            "docker",
            "-t",
            &tag,
        ])
        .arg(ctx.path()));
    let archive = ctx.path().join("image.tar");
    let saved = Command::new("podman")
        .args(["save", "--format", "docker-archive", "-o"])
        .arg(&archive)
        .arg(&tag)
        .output();
    let _ = Command::new("podman").args(["rmi", "-f", &tag]).output();
    assert!(
        saved.is_ok_and(|o| o.status.success()),
        "podman save failed"
    );
    let mut a = analyze(&archive, SourceKind::DockerArchive);
    join(&mut a, ctx.path());
    let d = a.dockerfile.as_ref().expect("dockerfile joined");
    // buildah's WORKDIR makes no layer.
    assert_mapping(
        &d.instructions,
        &[
            Some(0),
            Some(1),
            Some(2),
            None,
            None,
            None,
            Some(3),
            Some(4),
            Some(5),
            Some(6),
            Some(7),
            None,
            None,
        ],
    );
    let deleted = a
        .findings
        .iter()
        .find(|f| f.rule == ballast::vocab::Rule::DeletedLater)
        .expect("deleted-later");
    assert_eq!(deleted.dockerfile_line, Some(16));
}

#[test]
fn cli_joins_the_dockerfile_and_a_syntax_error_exits_2() {
    if !docker_ready("cli_joins_the_dockerfile_and_a_syntax_error_exits_2") {
        return;
    }
    let ctx = context();
    let img = Image::adopt(unique("df-cli"));
    run(Command::new("docker")
        .env("DOCKER_BUILDKIT", "0")
        .args([
            "build",
            "-q",
            "--no-cache",
            "--force-rm",
            "--network",
            "none",
            "-t",
            &img.tag,
        ])
        .arg(ctx.path()));
    let out = Command::cargo_bin("ballast")
        .expect("binary")
        .args([&img.tag, "--quiet", "--json", "-", "--dockerfile"])
        .arg(ctx.path().join("Dockerfile"))
        .output()
        .expect("run ballast");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        v["dockerfile"]["instructions"].as_array().map(Vec::len),
        Some(13)
    );
    assert!(
        v["dockerfile"]["lint"]
            .as_array()
            .is_some_and(|l| !l.is_empty())
    );
    let out = Command::cargo_bin("ballast")
        .expect("binary")
        .args([&img.tag, "--quiet", "--markdown", "-", "--dockerfile"])
        .arg(ctx.path().join("Dockerfile"))
        .output()
        .expect("run ballast");
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(
        md.contains("## Dockerfile lint: `") && md.contains("`no-healthcheck` (DL3057)"),
        "{md}"
    );

    let bad = ctx.path().join("Bad.Dockerfile");
    std::fs::write(&bad, "FROM scratch\nCOPY --chwon=1 a /a\n").expect("write");
    let out = Command::cargo_bin("ballast")
        .expect("binary")
        .args([&img.tag, "--quiet", "--dockerfile"])
        .arg(&bad)
        .output()
        .expect("run ballast");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Bad.Dockerfile:2:6: unknown flag '--chwon'"),
        "{err}"
    );
}

#[test]
fn with_git_history_the_cache_report_joins_sized_by_the_image() {
    if !docker_ready("with_git_history_the_cache_report_joins_sized_by_the_image") {
        return;
    }
    let ctx = context();
    let git = |args: &[&str]| {
        run(Command::new("git")
            .args([
                "-c",
                "user.email=t@example.com",
                "-c",
                "user.name=t",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .current_dir(ctx.path()));
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-qm", "one"]);
    std::fs::write(ctx.path().join("app.txt"), "app 2\n").expect("app.txt");
    git(&["commit", "-qam", "two"]);
    let img = Image::adopt(unique("df-cache"));
    run(Command::new("docker")
        .env("DOCKER_BUILDKIT", "0")
        .args([
            "build",
            "-q",
            "--no-cache",
            "--force-rm",
            "--network",
            "none",
            "-t",
            &img.tag,
        ])
        .arg(ctx.path()));
    let out = Command::cargo_bin("ballast")
        .expect("binary")
        .args([&img.tag, "--quiet", "--json", "-", "--dockerfile"])
        .arg(ctx.path().join("Dockerfile"))
        .output()
        .expect("run ballast");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let cache = &v["dockerfile"]["cache"];
    assert_eq!(cache["builds"], 1, "{cache:#}");
    let steps = cache["steps"].as_array().expect("steps");
    let step = |line: u64| {
        steps
            .iter()
            .find(|s| s["line"] == line)
            .unwrap_or_else(|| panic!("line {line}: {cache:#}"))
    };
    // app.txt changed: its COPY (line 14) and everything below miss; the
    // RUN writing 1 MiB is sized by its layer in this image.
    assert_eq!(step(13)["rebuilt"], 0);
    assert_eq!(step(14)["rebuilt"], 1);
    assert_eq!(step(16)["rebuilt"], 1);
    assert_eq!(step(16)["bytes_rebuilt"], 1024 * 1024);
}
