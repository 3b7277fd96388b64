use super::*;
use crate::analysis::{Analysis, analyze};
use crate::progress::Silent;
use crate::source::Options;
use testimage::{self as fixture, Compress, ImageSpec, LayerSpec, Layout, Node};

fn image(layers: Vec<(&str, Vec<Node>)>, config: serde_json::Value) -> Analysis {
    let spec = ImageSpec {
        layers: layers
            .into_iter()
            .map(|(c, n)| LayerSpec::new(c, n))
            .collect(),
        container_config: config,
        extra_history: vec![],
    };
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("i.tar");
    fixture::write_image(&spec, Layout::DockerLegacy, Compress::None, &path).unwrap();
    let opts = Options {
        verify: true,
        ..Options::default()
    };
    analyze(path.to_str().unwrap(), &opts, &Silent).unwrap()
}

fn exe(path: &str, data: Vec<u8>) -> Node {
    Node::File {
        path: path.as_bytes().to_vec(),
        content: fixture::Content::Bytes(data),
        mode: 0o755,
        uid: 0,
    }
}

#[test]
fn every_reference_row_has_a_source_a_date_and_known_values() {
    let table = reference_table();
    assert!(table.len() >= 20, "{} rows", table.len());
    for r in &table {
        let name = r.name();
        assert!(
            r.source.starts_with("http"),
            "{name}: source {:?}",
            r.source
        );
        let d: Vec<&str> = r.date.split('-').collect();
        assert!(
            d.len() == 3 && d.iter().all(|p| p.chars().all(|c| c.is_ascii_digit())),
            "{name}: date {:?}",
            r.date
        );
        assert!(r.size_mb > 0.0, "{name}");
        assert!(
            ["uncompressed", "compressed", "approximate"].contains(&r.size_kind.as_str()),
            "{name}: {}",
            r.size_kind
        );
        assert!(
            ["glibc", "musl", "none"].contains(&r.libc.as_str()),
            "{name}"
        );
        assert!(
            ["apt", "apk", "none"].contains(&r.package_manager.as_str()),
            "{name}"
        );
        assert!(
            ["none", "node", "python", "java", "go"].contains(&r.runtime.as_str()),
            "{name}"
        );
    }
    // The bases the issue names are all there.
    for want in [
        "debian:bookworm",
        "debian:bookworm-slim",
        "ubuntu:24.04",
        "alpine",
        "gcr.io/distroless/static-debian12",
        "gcr.io/distroless/base-debian12",
        "gcr.io/distroless/cc-debian12",
        "gcr.io/distroless/python3-debian12",
        "gcr.io/distroless/nodejs20-debian12",
        "gcr.io/distroless/java21-debian12",
        "cgr.dev/chainguard/static",
        "node:24-bookworm",
        "node:24-bookworm-slim",
        "node:24-alpine",
        "python:3.12-bookworm",
        "python:3.12-slim-bookworm",
        "python:3.12-alpine3.23",
        "golang:1.26-bookworm",
        "golang:1.26-alpine3.23",
    ] {
        assert!(table.iter().any(|r| r.name() == want), "{want} missing");
    }
}

#[test]
fn history_lines_become_steps() {
    let s = Step::from_history("RUN |2 A=1 B=2 /bin/sh -c npm ci # buildkit", false);
    assert_eq!(
        (s.instruction.as_str(), s.arguments.as_str()),
        ("RUN", "npm ci")
    );
    let s = Step::from_history("/bin/sh -c #(nop)  ENV NODE_ENV=production", true);
    assert_eq!(s.line(), "ENV NODE_ENV=production");
    let s = Step::from_history("/bin/sh -c apt-get update", false);
    assert_eq!(s.line(), "RUN apt-get update");
    let s = Step::from_history("/bin/sh -c #(nop)  CMD [\"node\" \"server.js\"]", true);
    assert_eq!(s.line(), "CMD [\"node\",\"server.js\"]");
    let s = Step::from_history("CMD [\"node\",\"a b.js\"] # buildkit", true);
    assert_eq!(s.arguments, "[\"node\",\"a b.js\"]");
    // Not an instruction: something a tool ran.
    let s = Step::from_history("/bin/busybox --install -s /bin", false);
    assert_eq!(s.line(), "RUN /bin/busybox --install -s /bin");
}

#[test]
fn the_parent_images_last_cmd_ends_the_base() {
    let config: ImageConfig = serde_json::from_value(serde_json::json!({
        "architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": []},
        "history": [
            {"created_by": "/bin/sh -c #(nop) ADD file:abc in / "},
            {"created_by": "/bin/sh -c #(nop)  CMD [\"bash\"]", "empty_layer": true},
            {"created_by": "/bin/sh -c apt-get install -y nodejs"},
            {"created_by": "CMD [\"node\"]", "empty_layer": true},
            {"created_by": "WORKDIR /app", "empty_layer": true},
            {"created_by": "COPY . . # buildkit"},
            {"created_by": "CMD [\"node\", \"server.js\"]", "empty_layer": true},
        ]
    }))
    .unwrap();
    assert_eq!(base::history_boundary(&config), Some(2));
}

/// A Debian-like base layer with node, then an app layer with a TypeScript
/// project, a dev-only package and a glibc native addon.
fn node_app(config: serde_json::Value) -> Analysis {
    let glibc_exe = fixture::elf(Some("/lib64/ld-linux-x86-64.so.2"), None, &[0; 4000]);
    let addon = fixture::elf(None, Some("libc.so.6"), &[0; 2000]);
    let os = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n";
    let base = vec![
        fixture::dir("etc"),
        fixture::file("etc/os-release", os),
        fixture::dir("lib64"),
        fixture::big_file("lib64/ld-linux-x86-64.so.2", 200_000, 1),
        fixture::dir("bin"),
        exe("bin/sh", glibc_exe.clone()),
        fixture::dir("usr/local/bin"),
        exe("usr/local/bin/node", glibc_exe),
        fixture::dir("usr/local/lib/node_modules/npm"),
        fixture::big_file("usr/local/lib/node_modules/npm/index.js", 300_000, 2),
        fixture::dir("usr/share/zoneinfo"),
        fixture::file("usr/share/zoneinfo/UTC", "TZif"),
    ];
    let app = vec![
        fixture::dir("app/src"),
        fixture::file(
            "app/package.json",
            r#"{"name":"app","dependencies":{"left-pad":"1"},"devDependencies":{"typescript":"5"}}"#,
        ),
        fixture::file("app/tsconfig.json", "{}"),
        fixture::big_file("app/src/main.ts", 50_000, 3),
        fixture::file("app/src/types.d.ts", "export {}"),
        fixture::dir("app/dist"),
        fixture::big_file("app/dist/main.js", 40_000, 4),
        fixture::dir("app/node_modules/left-pad"),
        fixture::file(
            "app/node_modules/left-pad/package.json",
            r#"{"name":"left-pad","version":"1.3.0"}"#,
        ),
        fixture::big_file("app/node_modules/left-pad/index.js", 10_000, 5),
        fixture::dir("app/node_modules/typescript/lib"),
        fixture::file(
            "app/node_modules/typescript/package.json",
            r#"{"name":"typescript","version":"5.4.0"}"#,
        ),
        fixture::big_file("app/node_modules/typescript/lib/tsc.js", 2_000_000, 6),
        fixture::dir("app/node_modules/addon/build/Release"),
        fixture::file(
            "app/node_modules/addon/package.json",
            r#"{"name":"addon","version":"1.0.0"}"#,
        ),
        Node::File {
            path: b"app/node_modules/addon/build/Release/addon.node".to_vec(),
            content: fixture::Content::Bytes(addon),
            mode: 0o755,
            uid: 0,
        },
    ];
    image(
        vec![
            ("/bin/sh -c #(nop) ADD file:rootfs in / ", base),
            ("COPY . /app # buildkit", app),
        ],
        config,
    )
}

#[test]
fn base_libc_and_runtime_are_detected() {
    let a = node_app(serde_json::json!({"Cmd": ["node", "/app/dist/main.js"]}));
    let b = &a.base;
    assert_eq!(b.layers, 1);
    assert_eq!(b.detected_by, "os-layer");
    assert_eq!(b.bytes, a.image.layers[0].size_bytes);
    assert_eq!(b.os.as_ref().map(|o| o.id.as_str()), Some("debian"));
    assert_eq!(b.libc, "glibc");
    assert!(b.shell && b.tzdata && !b.ca_certificates);
    let r = b.runtime.as_ref().expect("node found");
    assert_eq!(
        (r.kind, r.path.as_str(), r.in_base),
        ("node", "/usr/local/bin/node", true)
    );
    assert!(r.bytes > 300_000, "{}", r.bytes);
}

#[test]
fn multi_stage_drops_dev_packages_and_typescript_sources_once() {
    let a = node_app(serde_json::json!({"Cmd": ["node", "/app/dist/main.js"]}));
    let e = a
        .estimates
        .iter()
        .find(|e| e.strategy == Strategy::MultiStage)
        .expect("a multi-stage estimate");
    let by = |what: &str| e.dropped.iter().find(|d| d.what == what).map(|d| d.bytes);
    // typescript is both a dev dependency and a toolchain: counted once.
    let dev_and_tools = by("dev-dependencies").unwrap_or(0) + by("build-toolchain").unwrap_or(0);
    assert!(dev_and_tools >= 2_000_000, "{:?}", e.dropped);
    assert!(dev_and_tools < 2_010_000, "{:?}", e.dropped);
    assert_eq!(by("typescript-sources"), Some(50_000), "{:?}", e.dropped);
    let dropped: u64 = e.dropped.iter().map(|d| d.bytes).sum();
    assert_eq!(e.size_after, a.metrics.shipped_bytes - dropped);
    assert_eq!(e.bytes_saved, dropped);
    let df = e.dockerfile.as_deref().unwrap();
    assert!(df.contains("FROM ${BASE} AS build\n"), "{df}");
    assert!(df.contains("RUN cd /app && npm prune --omit=dev\n"), "{df}");
    assert!(
        df.contains("COPY --from=build /app/dist /app/dist\n"),
        "{df}"
    );
    assert!(
        df.contains("COPY --from=build /app/node_modules /app/node_modules\n"),
        "{df}"
    );
    assert!(!df.contains("/app/src "), "sources are left behind: {df}");
}

fn candidate(name: &str, libc: &str, shell: bool, runtime: &str, mb: f64) -> BaseImage {
    BaseImage {
        image: name.into(),
        tag: "test".into(),
        size_mb: mb,
        size_kind: "measured".into(),
        libc: libc.into(),
        shell,
        package_manager: if shell { "apk" } else { "none" }.into(),
        runtime: runtime.into(),
        ca_certificates: Some(true),
        tzdata: Some(false),
        source: "test".into(),
        date: "2026-01-01".into(),
    }
}

#[test]
fn a_glibc_addon_makes_a_musl_base_infeasible() {
    let a = node_app(serde_json::json!({"Cmd": ["node", "/app/dist/main.js"]}));
    let e = base_switch(&a, &candidate("alpine-node", "musl", true, "node", 0.1));
    assert!(!e.feasible, "{e:#?}");
    let w = e
        .warnings
        .iter()
        .find(|w| w.kind == "glibc-native-code")
        .unwrap();
    assert!(w.blocking);
    assert_eq!(
        w.paths,
        vec!["/app/node_modules/addon/build/Release/addon.node"]
    );
    // The candidate brings node: the base's own is replaced, not copied.
    assert_eq!(
        e.size_after,
        a.metrics.shipped_bytes - a.base.bytes + 100_000
    );
    // The same app on a glibc base without a shell but in exec form works.
    let e = base_switch(
        &a,
        &candidate("distroless-node", "glibc", false, "node", 0.1),
    );
    assert!(e.feasible, "{e:#?}");
    assert!(e.warnings.iter().any(|w| w.kind == "tzdata"), "{e:#?}");
}

#[test]
fn shell_form_commands_block_a_base_without_a_shell() {
    let a = node_app(serde_json::json!({
        "Cmd": ["/bin/sh", "-c", "node /app/dist/main.js"],
        "Healthcheck": {"Test": ["CMD-SHELL", "wget -q localhost:3000 || exit 1"]}
    }));
    let e = base_switch(
        &a,
        &candidate("distroless-node", "glibc", false, "node", 0.1),
    );
    assert!(!e.feasible);
    let w = e.warnings.iter().find(|w| w.kind == "shell-form").unwrap();
    assert!(w.blocking);
    assert_eq!(
        w.paths,
        vec![
            "CMD node /app/dist/main.js",
            "HEALTHCHECK CMD wget -q localhost:3000 || exit 1"
        ]
    );
    // A base with a shell does not mind.
    let e = base_switch(&a, &candidate("debian-node", "glibc", true, "node", 0.1));
    assert!(e.feasible, "{e:#?}");
}

#[test]
fn a_base_without_the_runtime_gets_it_copied_in() {
    let a = node_app(serde_json::json!({"Cmd": ["node", "/app/dist/main.js"]}));
    let runtime = a.base.runtime.as_ref().unwrap().bytes;
    let e = base_switch(&a, &candidate("cc", "glibc", false, "none", 0.05));
    assert_eq!(
        e.size_after,
        a.metrics.shipped_bytes - a.base.bytes + 50_000 + runtime
    );
    // No libc at all: the glibc-linked node and addon cannot run.
    let e = base_switch(&a, &candidate("static", "none", false, "none", 0.05));
    let w = e
        .warnings
        .iter()
        .find(|w| w.kind == "dynamic-binary")
        .unwrap();
    assert!(
        w.paths.contains(&"/usr/local/bin/node".to_string()),
        "{w:?}"
    );
}

#[test]
fn a_static_go_binary_from_scratch_has_no_base_to_switch() {
    let go = fixture::elf(None, None, b"\xff Go build ID: \"x/y\"\n");
    let a = image(
        vec![("COPY server /server # buildkit", vec![exe("server", go)])],
        serde_json::json!({"Entrypoint": ["/server"]}),
    );
    assert_eq!(a.base.layers, 1);
    assert_eq!(a.base.detected_by, "whole-image");
    let r = a.base.runtime.as_ref().unwrap();
    assert_eq!((r.kind, r.path.as_str()), ("go", "/server"));
    assert!(a.estimates.is_empty(), "{:#?}", a.estimates);
}

#[test]
fn a_parsed_dockerfile_replaces_the_history_in_the_proposal() {
    let a = node_app(serde_json::json!({"Cmd": ["node", "/app/dist/main.js"]}));
    let steps = [
        ("FROM", "node:20 AS base"),
        ("WORKDIR", "/app"),
        ("COPY", "package*.json ./"),
        ("RUN", "npm ci"),
        ("COPY", "src/ ./src/"),
        ("RUN", "npx tsc"),
        ("CMD", "[\"node\", \"dist/main.js\"]"),
    ]
    .map(|(i, args)| Step {
        instruction: i.into(),
        arguments: args.into(),
        empty_layer: false,
    });
    let df = propose_dockerfile(&steps[1..], a.estimate_facts.plan());
    assert!(df.contains("COPY package*.json ./\nRUN npm ci\n"), "{df}");
    assert!(!df.contains("history keeps no source path"), "{df}");
    // The final stage keeps WORKDIR, copies the kept paths, ends with CMD.
    let final_stage = df.rsplit("FROM ${BASE}\n").next().unwrap();
    assert!(final_stage.starts_with("WORKDIR /app\n"), "{df}");
    assert!(
        final_stage.ends_with("CMD [\"node\", \"dist/main.js\"]\n"),
        "{df}"
    );
    assert!(!final_stage.contains("RUN "), "{df}");
}

#[test]
fn alpine_libraries_only_the_toolchain_needs_go_with_it() {
    let db = "P:musl\nV:1.2.4-r2\np:so:libc.musl-x86_64.so.1=1\nF:lib\nR:ld-musl-x86_64.so.1\n\n\
              P:zlib\nV:1.3-r0\np:so:libz.so.1=1.3\nD:so:libc.musl-x86_64.so.1\nF:lib\nR:libz.so.1\n\n\
              P:python3\nV:3.11-r0\nD:so:libz.so.1 so:libc.musl-x86_64.so.1\nF:usr/bin\nR:python3.11\n\n\
              P:gmp\nV:6.3-r0\np:so:libgmp.so.10=10\nF:usr/lib\nR:libgmp.so.10\n\n\
              P:binutils\nV:2.41-r0\nD:so:libz.so.1 so:libgmp.so.10\nF:usr/bin\nR:ld\n\n\
              P:gcc\nV:13.2-r0\nD:binutils so:libgmp.so.10>=10 !gcc-doc\nF:usr/bin\nR:gcc\n";
    let base = vec![
        fixture::dir("lib"),
        fixture::file("etc/alpine-release", "3.19.0\n"),
        fixture::file("etc/os-release", "ID=alpine\nVERSION_ID=3.19.0\n"),
        fixture::big_file("lib/ld-musl-x86_64.so.1", 600_000, 1),
        fixture::big_file("lib/libz.so.1", 100_000, 2),
    ];
    let app = vec![
        fixture::dir("lib/apk/db"),
        fixture::file("lib/apk/db/installed", db),
        fixture::dir("usr/bin"),
        fixture::dir("usr/lib"),
        fixture::big_file("usr/bin/python3.11", 5_000, 3),
        fixture::big_file("usr/lib/libgmp.so.10", 400_000, 4),
        fixture::big_file("usr/bin/ld", 1_000_000, 5),
        fixture::big_file("usr/bin/gcc", 2_000_000, 6),
    ];
    let a = image(
        vec![
            ("/bin/sh -c #(nop) ADD file:rootfs in / ", base),
            ("/bin/sh -c apk add gcc python3", app),
        ],
        serde_json::json!({"Cmd": ["python3.11"]}),
    );
    assert_eq!((a.base.layers, a.base.libc), (1, "musl"));
    let ms = a
        .estimates
        .iter()
        .find(|e| e.strategy == Strategy::MultiStage)
        .expect("a multi-stage estimate");
    let tools = ms
        .dropped
        .iter()
        .find(|d| d.what == "build-toolchain")
        .expect("the toolchain");
    // gcc, binutils and gmp (which only they need); zlib and python stay.
    assert_eq!(tools.bytes, 3_400_000, "{:?}", ms.dropped);
}

#[test]
fn rust_and_java_sources_and_cargo_intermediates_are_left_behind() {
    let a = image(
        vec![
            (
                "COPY busybox /bin/sh # buildkit",
                vec![exe("bin/sh", vec![7; 1000])],
            ),
            (
                "COPY . /src # buildkit",
                vec![
                    fixture::dir("src/src"),
                    fixture::file("src/Cargo.toml", "[package]\nname = \"app\"\n"),
                    fixture::big_file("src/src/main.rs", 20_000, 1),
                    fixture::dir("src/target/release/deps"),
                    fixture::dir("src/target/release/build/x"),
                    exe("src/target/release/app", vec![1; 500_000]),
                    fixture::big_file("src/target/release/deps/app-abc.d", 10_000, 2),
                    fixture::big_file("src/target/release/deps/libfoo.rlib", 300_000, 3),
                    fixture::big_file("src/target/release/build/x/output", 5_000, 4),
                    fixture::dir("java/src/main/java"),
                    fixture::dir("java/target"),
                    fixture::file("java/pom.xml", "<project/>"),
                    fixture::big_file("java/src/main/java/App.java", 8_000, 5),
                    fixture::big_file("java/target/app.jar", 100_000, 6),
                ],
            ),
        ],
        serde_json::json!({"Entrypoint": ["/src/target/release/app"]}),
    );
    assert_eq!((a.base.layers, a.base.detected_by), (0, "scratch"));
    let ms = a
        .estimates
        .iter()
        .find(|e| e.strategy == Strategy::MultiStage)
        .expect("a multi-stage estimate");
    let by = |what: &str| ms.dropped.iter().find(|d| d.what == what).map(|d| d.bytes);
    assert_eq!(by("rust-sources"), Some(20_000), "{:?}", ms.dropped);
    assert_eq!(by("rust-build"), Some(315_000), "{:?}", ms.dropped);
    assert_eq!(by("java-sources"), Some(8_000), "{:?}", ms.dropped);
    let df = ms.dockerfile.as_deref().unwrap();
    assert!(
        df.contains("COPY --from=build /src/target/release/app /src/target/release/app\n"),
        "{df}"
    );
    assert!(
        df.contains("COPY --from=build /java/target /java/target\n"),
        "{df}"
    );
    assert!(!df.contains("main.rs") && !df.contains("/src/src"), "{df}");
}

#[test]
fn the_closest_reference_row_must_be_near_the_base_in_size() {
    let table = reference_table();
    let base = |bytes: u64| BaseInfo {
        layers: 1,
        bytes,
        os: Some(OsRelease {
            id: "debian".into(),
            version_id: Some("12".into()),
            pretty_name: None,
        }),
        libc: "glibc",
        ..BaseInfo::default()
    };
    // debian:bookworm-slim is 74.83 MB, debian:bookworm 116.57 MB.
    let name = |b: u64| base::closest(&base(b), &table).map(BaseImage::name);
    assert_eq!(name(76_000_000).as_deref(), Some("debian:bookworm-slim"));
    assert_eq!(name(120_000_000).as_deref(), Some("debian:bookworm"));
    // A 200 MB Debian base is neither: the table does not know it.
    assert_eq!(name(200_000_000), None);
}

#[test]
fn first_layers_adding_up_to_a_reference_image_are_its_base() {
    // debian:bookworm-slim is 74.83 MB in the table; the history has no CMD.
    let a = image(
        vec![
            (
                "/bin/sh -c #(nop) ADD file:a in / ",
                vec![
                    fixture::dir("etc"),
                    fixture::file("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n"),
                    fixture::dir("lib64"),
                    fixture::file("lib64/ld-linux-x86-64.so.2", "ld"),
                    fixture::big_file("usr/lib/a", 50_000_000, 1),
                ],
            ),
            (
                "/bin/sh -c #(nop) ADD file:b in / ",
                vec![fixture::big_file("usr/lib/b", 24_830_000, 2)],
            ),
            (
                "COPY app /app # buildkit",
                vec![fixture::big_file("app/main", 10_000, 3)],
            ),
        ],
        serde_json::json!({"Cmd": ["/app/main"]}),
    );
    assert_eq!((a.base.layers, a.base.detected_by), (2, "reference-size"));
    assert_eq!(a.base.closest.as_deref(), Some("debian:bookworm-slim"));
}

#[test]
fn runtime_packages_are_installed_again_and_package_databases_not_copied() {
    let status = "Package: libpq5\nStatus: install ok installed\nVersion: 15.5-0\nArchitecture: amd64\n\n\
                  Package: gcc-12\nStatus: install ok installed\nVersion: 12.2.0-14\nArchitecture: amd64\n";
    let a = image(
        vec![
            (
                "/bin/sh -c #(nop) ADD file:rootfs in / ",
                vec![
                    fixture::dir("etc"),
                    fixture::file("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n"),
                    fixture::dir("usr/bin"),
                    exe("usr/bin/dpkg", vec![3; 1000]),
                    fixture::dir("var/lib/dpkg"),
                    fixture::file("var/lib/dpkg/status", ""),
                ],
            ),
            (
                "/bin/sh -c apt-get install -y libpq5 gcc-12",
                vec![
                    fixture::file("var/lib/dpkg/status", status),
                    fixture::dir("var/lib/dpkg/info"),
                    fixture::file("var/lib/dpkg/info/libpq5.list", "/usr/lib/libpq.so.5\n"),
                    fixture::file("var/lib/dpkg/info/gcc-12.list", "/usr/bin/gcc-12\n"),
                    fixture::dir("usr/lib"),
                    fixture::big_file("usr/lib/libpq.so.5", 300_000, 1),
                    exe("usr/bin/gcc-12", vec![4; 900_000]),
                ],
            ),
            (
                "COPY app /app # buildkit",
                vec![fixture::big_file("app/main.py", 2_000, 2)],
            ),
        ],
        serde_json::json!({"Cmd": ["python3", "/app/main.py"]}),
    );
    assert_eq!(a.base.layers, 1);
    assert_eq!(a.base.package_manager, "apt");
    let ms = a
        .estimates
        .iter()
        .find(|e| e.strategy == Strategy::MultiStage)
        .expect("a multi-stage estimate");
    let df = ms.dockerfile.as_deref().unwrap();
    let final_stage = df.rsplit("FROM ${BASE}\n").next().unwrap();
    assert!(
        final_stage.contains("apt-get install -y --no-install-recommends libpq5 \\\n"),
        "{df}"
    );
    assert!(!final_stage.contains("gcc"), "{df}");
    assert!(
        !final_stage.contains("--from=build /usr"),
        "reinstalled, not copied: {df}"
    );
    assert!(
        !final_stage.contains("--from=build /var"),
        "no package database: {df}"
    );
    assert!(
        final_stage.contains("COPY --from=build /app /app\n"),
        "{df}"
    );
}
