//! Shared plumbing for the engine tests: gates for the tools each test needs,
//! commands that fail loudly, images built on the real engine and removed when
//! the test ends, and the exports every source is read from.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use ballast::Analysis;
use ballast::progress::Silent;
use ballast::source::{EngineStorage, Options, ReadPath, SourceKind};

use crate::gate::{self, Need};

/// Run a command to completion; panic with its stderr if it fails.
pub fn run(cmd: &mut Command) -> Output {
    let shown = format!("{cmd:?}");
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {shown}: {e}"));
    assert!(
        out.status.success(),
        "{shown} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Whether the Docker engine answers and busybox is there to build images
/// with (the gate records the skip, or fails the test when they are required).
pub fn docker_ready(test: &str) -> bool {
    gate::need(Need::Busybox, test) && gate::need(Need::Docker, test)
}

/// A tool by name from PATH, else from `fallbacks`, if `--version` runs.
fn find_tool(name: &str, fallbacks: &[PathBuf]) -> Option<PathBuf> {
    let from_path: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).map(|d| d.join(name)).collect())
        .unwrap_or_default();
    from_path
        .into_iter()
        .chain(fallbacks.iter().cloned())
        .filter(|p| p.is_file())
        .find(|p| {
            Command::new(p)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
}

/// dive 0.13.1, required with the engine.
pub fn dive(test: &str) -> Option<PathBuf> {
    static DIVE: OnceLock<Option<PathBuf>> = OnceLock::new();
    let found = DIVE.get_or_init(|| {
        let home = std::env::var_os("HOME").map(PathBuf::from);
        let fallbacks: Vec<PathBuf> = home
            .map(|h| vec![h.join(".pyenv/shims/dive"), h.join(".local/bin/dive")])
            .unwrap_or_default();
        find_tool("dive", &fallbacks)
    });
    let why = "not found on PATH, ~/.pyenv/shims or ~/.local/bin";
    gate::check(Need::Dive, test, found.clone().ok_or(why.to_string()))
}

/// skopeo, required with the engine.
pub fn skopeo(test: &str) -> Option<PathBuf> {
    static SKOPEO: OnceLock<Option<PathBuf>> = OnceLock::new();
    let found = SKOPEO.get_or_init(|| find_tool("skopeo", &[]));
    gate::check(
        Need::Skopeo,
        test,
        found.clone().ok_or("not found on PATH".to_string()),
    )
}

/// The Podman API socket ballast would use, when it exists and the podman CLI
/// is there to load images into it.
pub fn podman(test: &str) -> Option<String> {
    let endpoint = ballast::source::engine::Engine::Podman.endpoint();
    let socket = endpoint.strip_prefix("unix://").unwrap_or(&endpoint);
    let why = if !Path::new(socket).exists() {
        format!(
            "no API socket at '{socket}' (start one with `podman system service --time=0 \
             unix://{socket}`)"
        )
    } else if find_tool("podman", &[]).is_none() {
        "the podman CLI is not on PATH".to_string()
    } else {
        return Some(endpoint);
    };
    gate::check(Need::Podman, test, Err(why))
}

pub const BUSYBOX: &str = "/bin/busybox";

/// A name no other test, run or developer uses.
pub fn unique(name: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "ballast-it-{name}:{}-{}-{nanos}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// An image in the engine (and perhaps Podman's store), removed on drop, also
/// when the test fails.
pub struct Image {
    pub tag: String,
    in_podman: std::cell::Cell<bool>,
}

impl Image {
    pub fn adopt(tag: String) -> Image {
        Image {
            tag,
            in_podman: std::cell::Cell::new(false),
        }
    }

    /// Also give the image to Podman (from a `docker save` archive); it is
    /// removed from there on drop too.
    pub fn load_into_podman(&self, save_tar: &Path) {
        self.in_podman.set(true);
        run(Command::new("podman")
            .args(["load", "-q", "-i"])
            .arg(save_tar));
    }
}

impl Drop for Image {
    fn drop(&mut self) {
        let _ = Command::new("docker")
            .args(["rmi", "-f", &self.tag])
            .output();
        if self.in_podman.get() {
            let _ = Command::new("podman")
                .args(["rmi", "-f", &self.tag])
                .output();
        }
    }
}

/// Build `dockerfile` with the legacy builder (what `docker save` of 20.10
/// expects), without network and without cache, so parallel tests never share
/// intermediate images. The context holds `busybox`.
pub fn build(name: &str, dockerfile: &str) -> Image {
    let ctx = tempfile::tempdir().expect("temp dir");
    std::fs::copy(BUSYBOX, ctx.path().join("busybox")).expect("copy busybox");
    std::fs::write(ctx.path().join("Dockerfile"), dockerfile).expect("write Dockerfile");
    let image = Image::adopt(unique(name));
    run(Command::new("docker")
        .env("DOCKER_BUILDKIT", "0")
        .args([
            "build",
            "-q",
            "--no-cache",
            "--force-rm",
            "--network",
            "none",
        ])
        .args(["-t", &image.tag])
        .arg(ctx.path()));
    image
}

pub fn options(source: SourceKind, storage: EngineStorage) -> Options {
    Options {
        source,
        verify: true,
        engine_storage: storage,
        ..Options::default()
    }
}

/// Analyse with the default engine-storage setting (in place where possible).
pub fn analyze(reference: impl AsRef<OsStr>, source: SourceKind) -> Analysis {
    analyze_with(reference, options(source, EngineStorage::Auto))
}

pub fn analyze_with(reference: impl AsRef<OsStr>, opts: Options) -> Analysis {
    let reference = reference.as_ref().to_str().expect("UTF-8 reference");
    ballast::analyze(reference, &opts, &Silent)
        .unwrap_or_else(|e| panic!("analysing '{reference}' ({opts:?}): {e}"))
}

/// Whether ballast should read `engine`'s layers in place: its storage is
/// overlay and readable by us; else why not. `info` is the engine CLI's
/// `info --format '<driver> <root>'` template.
fn storage_readable(cli: &str, info: &str, subdir: &str) -> Result<(), String> {
    let out = Command::new(cli)
        .args(["info", "--format", info])
        .output()
        .map_err(|e| format!("cannot run {cli} info: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut parts = text.split_whitespace();
    let (Some(driver), Some(root)) = (parts.next(), parts.next()) else {
        return Err(format!("{cli} info says no storage driver and root"));
    };
    if !driver.starts_with("overlay") {
        return Err(format!("{cli}'s storage driver is {driver}, not overlay"));
    }
    let dir = Path::new(root).join(subdir);
    std::fs::read_dir(&dir)
        .map(drop)
        .map_err(|e| format!("{} is not readable: {e}", dir.display()))
}

/// Whether Docker's overlay2 storage is readable here, so ballast must read
/// the layers in place; else why not.
pub fn docker_storage() -> Result<(), String> {
    storage_readable("docker", "{{.Driver}} {{.DockerRootDir}}", "overlay2")
}

/// One reading of the image, named for the assertion messages.
pub struct Reading {
    pub label: &'static str,
    pub analysis: Analysis,
}

/// Every way the image can be read here, and the files behind them.
pub struct Readings {
    pub dir: tempfile::TempDir,
    /// `docker save -o`: what dive reads too.
    pub save_tar: PathBuf,
    pub all: Vec<Reading>,
}

impl Readings {
    /// The engine's export: the reading the others are compared with.
    pub fn engine(&self) -> &Analysis {
        &self.all[0].analysis
    }
}

/// Read an engine both ways: through its export, and in place from its
/// storage (which must be used when it is readable; when it is not, the gate
/// records the in-place reading as skipped).
fn read_engine(all: &mut Vec<Reading>, test: &str, tag: &str, source: SourceKind) {
    let (export, storage, need, readable) = match source {
        SourceKind::Podman => (
            "podman engine (export)",
            "podman engine (storage)",
            Need::PodmanStorage,
            storage_readable(
                "podman",
                "{{.Store.GraphDriverName}} {{.Store.GraphRoot}}",
                "overlay-images",
            ),
        ),
        _ => (
            "docker engine (export)",
            "docker engine (storage)",
            Need::DockerStorage,
            docker_storage(),
        ),
    };
    let exported = analyze_with(tag, options(source, EngineStorage::Never));
    assert_eq!(exported.image.read_path, ReadPath::Export, "{export}");
    all.push(Reading {
        label: export,
        analysis: exported,
    });
    let auto = analyze_with(tag, options(source, EngineStorage::Auto));
    if gate::check(need, test, readable).is_some() {
        assert_eq!(
            auto.image.read_path,
            ReadPath::EngineStorage,
            "{storage}: the engine's storage is readable, yet ballast exported"
        );
    }
    all.push(Reading {
        label: storage,
        analysis: auto,
    });
}

/// Read `image` through the engine (export and storage), `docker save` (plain
/// and gzipped), skopeo's OCI archive (gzip and zstd) and layout directory,
/// and Podman (export and storage), each where available.
pub fn read_everywhere(test: &str, image: &Image) -> Readings {
    let dir = tempfile::tempdir().expect("temp dir");
    let tag = image.tag.as_str();
    let mut all = Vec::new();
    read_engine(&mut all, test, tag, SourceKind::Docker);
    let save_tar = dir.path().join("save.tar");
    run(Command::new("docker")
        .args(["save", "-o"])
        .arg(&save_tar)
        .arg(tag));
    all.push(Reading {
        label: "docker save (tar, auto-detected)",
        analysis: analyze(&save_tar, SourceKind::Auto),
    });
    all.push(Reading {
        label: "docker save (tar, --source docker-archive)",
        analysis: analyze(&save_tar, SourceKind::DockerArchive),
    });

    let gz = dir.path().join("save.tar.gz");
    run(Command::new("sh")
        .args([
            "-c",
            "set -e; docker save \"$1\" | gzip -c > \"$2\"",
            "sh",
            tag,
        ])
        .arg(&gz));
    all.push(Reading {
        label: "docker save | gzip",
        analysis: analyze(&gz, SourceKind::Auto),
    });

    if let Some(skopeo) = skopeo(test) {
        let copy = |extra: &[&str], dest: String| {
            run(Command::new(&skopeo)
                .args(["copy", "-q"])
                .args(extra)
                .arg(format!("docker-daemon:{tag}"))
                .arg(dest));
        };
        let oci_gz = dir.path().join("oci-gzip.tar");
        copy(&[], format!("oci-archive:{}", oci_gz.display()));
        all.push(Reading {
            label: "skopeo oci-archive (gzip)",
            analysis: analyze(&oci_gz, SourceKind::Auto),
        });
        let oci_zstd = dir.path().join("oci-zstd.tar");
        copy(
            &["--dest-compress-format", "zstd"],
            format!("oci-archive:{}", oci_zstd.display()),
        );
        all.push(Reading {
            label: "skopeo oci-archive (zstd)",
            analysis: analyze(&oci_zstd, SourceKind::Oci),
        });
        let oci_dir = dir.path().join("oci-dir");
        copy(&[], format!("oci:{}", oci_dir.display()));
        all.push(Reading {
            label: "skopeo oci: directory",
            analysis: analyze(&oci_dir, SourceKind::Auto),
        });
    }

    if podman(test).is_some() {
        image.in_podman.set(true);
        run(Command::new("podman")
            .args(["load", "-q", "-i"])
            .arg(&save_tar));
        read_engine(&mut all, test, tag, SourceKind::Podman);
    }

    let labels: Vec<_> = all.iter().map(|r| r.label).collect();
    eprintln!("{test}: read {tag} as {}", labels.join(", "));
    Readings { dir, save_tar, all }
}
