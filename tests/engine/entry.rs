//! One file read back from one layer (the TUI's pager and extract) through the
//! engines: in place from the engine's storage, through its export, and from
//! Podman, on an image whose layers change the same file, hard-link it, and
//! hold symlinks that point out of the layer (which must never be followed).

use std::process::Command;

use ballast::source::entry::read_entry;
use ballast::source::{EngineStorage, SourceKind};

use super::support::{build, docker_ready, options, podman, run, skopeo};

const FILES: &str = "FROM scratch
COPY busybox /bin/busybox
RUN [\"/bin/busybox\", \"sh\", \"-c\", \"/bin/busybox mkdir -p /app /etc && echo one > /app/conf && /bin/busybox ln /app/conf /app/link && /bin/busybox ln -s /etc /app/hostetc && /bin/busybox ln -s /etc/hostname /app/hostname\"]
RUN [\"/bin/busybox\", \"sh\", \"-c\", \"echo two > /app/conf\"]
";

fn read(
    reference: &str,
    source: SourceKind,
    storage: EngineStorage,
    layer: usize,
    path: &str,
) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    read_entry(
        reference,
        &options(source, storage),
        layer,
        path.as_bytes(),
        None,
        &mut out,
    )
    .map(|_| out)
    .map_err(|e| e.to_string())
}

fn check(label: &str, reference: &str, source: SourceKind, storage: EngineStorage) {
    let at = |layer, path: &str| {
        read(reference, source, storage, layer, path)
            .unwrap_or_else(|e| panic!("{label}: {path} in layer {layer}: {e}"))
    };
    assert_eq!(at(1, "app/conf"), b"one\n", "{label}");
    assert_eq!(at(2, "app/conf"), b"two\n", "{label}");
    assert_eq!(at(1, "app/link"), b"one\n", "{label}: hard link");
    let busybox = std::fs::read(super::support::BUSYBOX).unwrap();
    assert!(at(0, "bin/busybox") == busybox, "{label}: busybox whole");
    for path in ["app/hostetc/hostname", "app/hostname", "app/hostetc"] {
        let e = read(reference, source, storage, 1, path)
            .expect_err(&format!("{label}: {path} goes through a symlink"));
        assert!(
            e.contains("symbolic link") || e.contains("does not contain"),
            "{label}: {path}: {e}"
        );
    }
    let e = read(reference, source, storage, 2, "app/link").expect_err("not in layer 2");
    assert!(
        e.contains("layer 2") && e.contains("does not contain"),
        "{label}: {e}"
    );
}

#[test]
fn engine_sources_read_one_layers_file() {
    let test = "engine_sources_read_one_layers_file";
    if !docker_ready(test) {
        return;
    }
    let image = build("entry", FILES);
    let tag = image.tag.as_str();
    check(
        "docker (storage)",
        tag,
        SourceKind::Docker,
        EngineStorage::Auto,
    );
    check(
        "docker (export)",
        tag,
        SourceKind::Docker,
        EngineStorage::Never,
    );
    let dir = tempfile::tempdir().unwrap();
    if let Some(skopeo) = skopeo(test) {
        let oci = dir.path().join("oci-zstd.tar");
        run(Command::new(skopeo)
            .args(["copy", "-q", "--dest-compress-format", "zstd"])
            .arg(format!("docker-daemon:{tag}"))
            .arg(format!("oci-archive:{}", oci.display())));
        check(
            "skopeo oci-archive (zstd)",
            oci.to_str().unwrap(),
            SourceKind::Auto,
            EngineStorage::Auto,
        );
    }
    if podman(test).is_some() {
        let save = dir.path().join("save.tar");
        run(Command::new("docker")
            .args(["save", "-o"])
            .arg(&save)
            .arg(tag));
        image.load_into_podman(&save);
        check(
            "podman (storage)",
            tag,
            SourceKind::Podman,
            EngineStorage::Auto,
        );
        check(
            "podman (export)",
            tag,
            SourceKind::Podman,
            EngineStorage::Never,
        );
    }
}
