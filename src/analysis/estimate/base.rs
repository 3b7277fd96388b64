//! Base detection: which layers are the base (the parent image's CMD in the
//! history, else the layer holding the OS release files), the OS, the libc,
//! the runtime and what else the base provides, and the nearest row of the
//! reference table.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::{BaseImage, Input, Step, children, files_under, live_file_or_link, live_layer};
use crate::layer::path::display;
use crate::layer::{EntryKind, sniff};
use crate::source::layout::ImageConfig;
use crate::tree::{MergedTree, NodeId};

/// What the image's base is: the layers below the app, the OS, libc, runtime.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BaseInfo {
    /// Layers `0..layers` are the base; the rest are the app's.
    pub layers: usize,
    /// Bytes of the base layers (as shipped).
    pub bytes: u64,
    /// `history` (the parent image's CMD/ENTRYPOINT ends it),
    /// `reference-size` (the first layers add up to a reference image's
    /// size), `os-layer` (the first layer holds the OS), `scratch` (no OS
    /// below the app) or `whole-image` (one layer, nothing to tell apart).
    #[serde(deserialize_with = "crate::vocab::statics::one")]
    pub detected_by: crate::vocab::Fixed,
    pub os: Option<OsRelease>,
    /// `glibc`, `musl` or `none`.
    #[serde(deserialize_with = "crate::vocab::statics::one")]
    pub libc: crate::vocab::Fixed,
    pub runtime: Option<Runtime>,
    /// `/bin/sh` exists in the final filesystem.
    pub shell: bool,
    /// `apt`, `apk` or `none`.
    #[serde(deserialize_with = "crate::vocab::statics::one")]
    pub package_manager: crate::vocab::Fixed,
    pub ca_certificates: bool,
    pub tzdata: bool,
    /// The reference-table row of the same OS and runtime nearest in size,
    /// when within 15 % of the base's bytes: what the image is likely FROM.
    pub closest: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OsRelease {
    pub id: String,
    pub version_id: Option<String>,
    pub pretty_name: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Runtime {
    /// `node`, `python`, `java` or `go` (a static Go binary).
    #[serde(deserialize_with = "crate::vocab::statics::one")]
    pub kind: crate::vocab::Fixed,
    pub path: String,
    /// Whether the base layers brought it (else the app layers did).
    pub in_base: bool,
    /// Live bytes of the runtime's own files.
    pub bytes: u64,
}

pub(super) fn detect_base(input: &Input, table: &[BaseImage]) -> BaseInfo {
    let tree = input.tree;
    let n = input.layers.len();
    let os = os_release(input);
    let (layers, detected_by) = match history_boundary(input.config) {
        Some(b) if b > 0 && b < n => (b, "history"),
        _ if n <= 1 => (n, "whole-image"),
        _ => match reference_prefix(input.layers, table, os.as_ref()) {
            Some(b) => (b, "reference-size"),
            None if os_release_layer(input).is_some_and(|l| l == 0) => (1, "os-layer"),
            None => (0, "scratch"),
        },
    };
    let bytes = input.layers[..layers].iter().map(|l| l.size_bytes).sum();
    let libc = libc(tree);
    let runtime = runtime(input, layers);
    let shell = live_file_or_link(tree, b"bin/sh");
    let package_manager = if live_file_or_link(tree, b"usr/bin/apt-get")
        || live_file_or_link(tree, b"usr/bin/dpkg")
    {
        "apt"
    } else if live_file_or_link(tree, b"sbin/apk") || live_file_or_link(tree, b"usr/sbin/apk") {
        "apk"
    } else {
        "none"
    };
    let ca_certificates = [
        &b"etc/ssl/certs/ca-certificates.crt"[..],
        b"etc/ssl/cert.pem",
        b"etc/pki/tls/certs/ca-bundle.crt",
    ]
    .iter()
    .any(|p| live_file_or_link(tree, p));
    let tzdata = tree
        .resolve(b"usr/share/zoneinfo")
        .is_some_and(|id| !tree.node(id).children.is_empty());
    let mut info = BaseInfo {
        layers,
        bytes,
        detected_by,
        os,
        libc,
        runtime,
        shell,
        package_manager,
        ca_certificates,
        tzdata,
        closest: None,
    };
    info.closest = closest(&info, table).map(BaseImage::name);
    info
}

/// How close the first layers' bytes must come to a reference row's
/// uncompressed size for them to be that image.
const SAME_PREFIX: f64 = 0.005;

/// The longest run of first layers (not all of them) whose bytes match an
/// uncompressed reference figure of the image's OS within 0.5 %: a base whose
/// history lost its CMD (squashed, imported, rebuilt) but not its size.
fn reference_prefix(
    layers: &[super::LayerInfo],
    table: &[BaseImage],
    os: Option<&OsRelease>,
) -> Option<usize> {
    let os = os?;
    let rows: Vec<&BaseImage> = table
        .iter()
        .filter(|r| r.size_kind == "uncompressed" && same_os(&os.id, r))
        .collect();
    let mut sum = 0u64;
    let mut found = None;
    for (i, l) in layers
        .iter()
        .enumerate()
        .take(layers.len().saturating_sub(1))
    {
        sum += l.size_bytes;
        let matches = rows
            .iter()
            .any(|r| r.bytes().abs_diff(sum) as f64 <= SAME_PREFIX * r.bytes() as f64);
        if matches {
            found = Some(i + 1);
        }
    }
    found
}

/// Layers made before the parent image's last `CMD`/`ENTRYPOINT`: official
/// images end with one, and the app's own steps come after it.
pub(super) fn history_boundary(config: &ImageConfig) -> Option<usize> {
    let (mut layers, mut boundary, mut pending) = (0, None, None);
    for h in &config.history {
        let step = Step::from_history(h.created_by.as_deref().unwrap_or(""), h.empty_layer);
        if h.empty_layer && matches!(step.instruction.as_str(), "CMD" | "ENTRYPOINT") {
            pending = Some(layers);
        }
        if !h.empty_layer {
            // A CMD with layers after it ended a parent image; one at the
            // very end is the app's own.
            boundary = pending.take().or(boundary);
            layers += 1;
        }
    }
    boundary
}

/// The layer that wrote the live OS release file.
fn os_release_layer(input: &Input) -> Option<usize> {
    ["etc/os-release", "usr/lib/os-release", "etc/alpine-release"]
        .iter()
        .filter_map(|p| input.tree.resolve(p.as_bytes()))
        .filter_map(|id| input.tree.node(id).history.last())
        .map(|c| c.layer as usize)
        .min()
}

fn os_release(input: &Input) -> Option<OsRelease> {
    let text = [&b"etc/os-release"[..], b"usr/lib/os-release"]
        .iter()
        .find_map(|p| input.captures.live_at(input.tree, p))?;
    let text = String::from_utf8_lossy(text);
    let field = |name: &str| {
        text.lines().find_map(|l| {
            l.strip_prefix(name)
                .and_then(|r| r.strip_prefix('='))
                .map(|v| v.trim().trim_matches(['"', '\'']).to_string())
        })
    };
    Some(OsRelease {
        id: field("ID")?,
        version_id: field("VERSION_ID"),
        pretty_name: field("PRETTY_NAME"),
    })
}

fn libc(tree: &MergedTree) -> &'static str {
    for dir in ["lib", "usr/lib"] {
        if children(tree, dir.as_bytes())
            .iter()
            .any(|&c| tree.node(c).name.starts_with(b"ld-musl-"))
        {
            return "musl";
        }
    }
    let glibc = [
        "lib64/ld-linux-x86-64.so.2",
        "lib/ld-linux-aarch64.so.1",
        "lib/ld-linux-armhf.so.3",
        "lib/x86_64-linux-gnu/libc.so.6",
        "lib/aarch64-linux-gnu/libc.so.6",
        "usr/lib/x86_64-linux-gnu/libc.so.6",
        "usr/lib/aarch64-linux-gnu/libc.so.6",
        "lib/libc.so.6",
        "usr/lib64/libc.so.6",
    ];
    if glibc.iter().any(|p| live_file_or_link(tree, p.as_bytes())) {
        "glibc"
    } else {
        "none"
    }
}

fn runtime(input: &Input, boundary: usize) -> Option<Runtime> {
    let tree = input.tree;
    let found = node_runtime(tree)
        .or_else(|| python_runtime(tree))
        .or_else(|| java_runtime(tree));
    match found {
        Some(found) => Some(measure_runtime(input, boundary, found)),
        None => go_runtime(tree, boundary),
    }
}

/// A runtime found by its binary: (kind, binary, the runtime's own
/// directories, package name prefixes).
type FoundRuntime = (&'static str, NodeId, Vec<String>, &'static [&'static str]);

/// Node.js: the official image's /usr/local, or the distribution's package.
fn node_runtime(tree: &MergedTree) -> Option<FoundRuntime> {
    let file = |p: &str| {
        tree.resolve(p.as_bytes()).filter(|&id| {
            tree.node(id)
                .live()
                .is_some_and(|m| m.kind == EntryKind::File)
        })
    };
    if let Some(id) = file("usr/local/bin/node") {
        return Some((
            "node",
            id,
            vec![
                "usr/local/lib/node_modules".into(),
                "usr/local/include/node".into(),
            ],
            &[],
        ));
    }
    let id = file("usr/bin/node").or_else(|| file("usr/bin/nodejs"))?;
    Some((
        "node",
        id,
        vec!["usr/lib/node_modules".into()],
        &["nodejs", "libnode"],
    ))
}

/// Python 3: a `python3.N` binary in /usr/local/bin or /usr/bin.
fn python_runtime(tree: &MergedTree) -> Option<FoundRuntime> {
    for (dir, prefixes) in [
        ("usr/local/bin", &[][..]),
        ("usr/bin", &["python3", "libpython3"][..]),
    ] {
        let python = children(tree, dir.as_bytes()).into_iter().find(|&c| {
            let name = &tree.node(c).name;
            name.starts_with(b"python3.")
                && name[8..].iter().all(u8::is_ascii_digit)
                && tree
                    .node(c)
                    .live()
                    .is_some_and(|m| m.kind == EntryKind::File)
        });
        if let Some(id) = python {
            let version = String::from_utf8_lossy(&tree.node(id).name).into_owned();
            let lib = if dir == "usr/local/bin" {
                format!("usr/local/lib/{version}")
            } else {
                format!("usr/lib/{version}")
            };
            return Some(("python", id, vec![lib], prefixes));
        }
    }
    None
}

/// Java: a JVM home under /usr/lib/jvm or /opt/java with a live `bin/java`.
fn java_runtime(tree: &MergedTree) -> Option<FoundRuntime> {
    let (home, java) = children(tree, b"usr/lib/jvm")
        .into_iter()
        .chain(children(tree, b"opt/java"))
        .find_map(|home| {
            let bin = tree.child(home, b"bin")?;
            let java = tree.child(bin, b"java").filter(|&j| tree.is_live(j))?;
            Some((home, java))
        })?;
    let home_path = display(&tree.path(home))
        .trim_start_matches('/')
        .to_string();
    Some(("java", java, vec![home_path], &["openjdk-"]))
}

/// The runtime's bytes, each file once: its binary, its directories and its
/// packages' files.
fn measure_runtime(input: &Input, boundary: usize, found: FoundRuntime) -> Runtime {
    let tree = input.tree;
    let (kind, binary, dirs, prefixes) = found;
    let mut seen: HashSet<NodeId> = HashSet::new();
    let mut bytes = 0;
    let mut add = |id: NodeId, size: u64| {
        if seen.insert(id) {
            bytes += size;
        }
    };
    if let Some(m) = tree.node(binary).live() {
        add(binary, m.size);
    }
    for d in dirs {
        if let Some(id) = tree.resolve(d.as_bytes()) {
            for (f, s) in files_under(tree, id) {
                add(f, s);
            }
        }
    }
    for p in input.packages {
        if matches!(p.ecosystem, "deb" | "apk") && prefixes.iter().any(|x| p.name.starts_with(x)) {
            for &f in &p.nodes {
                add(f, tree.node(f).live().map_or(0, |m| m.size));
            }
        }
    }
    Runtime {
        kind,
        path: display(&tree.path(binary)),
        in_base: live_layer(tree, binary) < boundary,
        bytes,
    }
}

/// A Go binary that needs no libc: the app is its own runtime.
fn go_runtime(tree: &MergedTree, boundary: usize) -> Option<Runtime> {
    let go = tree.nodes().find(|&(id, n)| {
        n.live().is_some_and(|m| {
            m.kind == EntryKind::File
                && m.flags & sniff::GO_BINARY != 0
                && m.flags & sniff::ELF_STATIC != 0
                && sniff::elf_candidate(&tree.path(id), m.mode)
        })
    });
    go.map(|(id, n)| Runtime {
        kind: "go",
        path: display(&tree.path(id)),
        in_base: live_layer(tree, id) < boundary,
        bytes: n.live().map_or(0, |m| m.size),
    })
}

/// How far a table row's size may be from the base's for the row to name it.
const SAME_SIZE: f64 = 0.15;

/// The table row of the same OS family and runtime nearest in size, when it
/// is within 15 % of the base (else the base is something the table lacks).
pub(super) fn closest<'a>(base: &BaseInfo, table: &'a [BaseImage]) -> Option<&'a BaseImage> {
    if base.layers == 0 {
        return None;
    }
    let runtime = base
        .runtime
        .as_ref()
        .filter(|r| r.in_base && r.kind != "go")
        .map_or("none", |r| r.kind);
    let os = base.os.as_ref().map(|o| o.id.as_str());
    table
        .iter()
        .filter(|r| r.runtime == runtime && r.libc == base.libc)
        .filter(|r| os.is_none_or(|id| same_os(id, r)))
        .min_by_key(|r| r.bytes().abs_diff(base.bytes))
        .filter(|r| r.bytes().abs_diff(base.bytes) as f64 <= SAME_SIZE * base.bytes as f64)
}

/// Whether a table row is of the OS `os_id` names (`debian`, `alpine`, ...).
fn same_os(os_id: &str, r: &BaseImage) -> bool {
    r.image.contains(os_id) || r.tag.contains(os_id) || family(os_id, &r.tag)
}

/// Debian-based official tags name the release (`bookworm`), Alpine ones
/// `alpine`.
fn family(os_id: &str, tag: &str) -> bool {
    match os_id {
        "debian" => ["bookworm", "bullseye", "trixie"]
            .iter()
            .any(|r| tag.contains(r)),
        "alpine" => tag.contains("alpine"),
        _ => false,
    }
}
