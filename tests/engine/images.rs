//! Images that plant each overlay case on the real engine, read through every
//! source. One test per image, so each image is built once and all its
//! assertions share it.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::Command;

use ballast::Analysis;
use ballast::layer::EntryKind;
use ballast::tree::Op::{Added, Modified, Removed};

use super::check::{
    assert_all_agree, assert_cli_agrees, assert_dive_agrees, assert_history_sizes,
    assert_matches_container, dive_numbers, layer_of, node, ops, show,
};
use super::support::{
    BUSYBOX, Image, build, dive, docker_ready, podman, read_everywhere, run, unique,
};

fn busybox_size() -> u64 {
    std::fs::metadata(BUSYBOX).expect("busybox").len()
}

fn live_size(a: &Analysis, path: &[u8]) -> u64 {
    node(a, path)
        .live()
        .unwrap_or_else(|| panic!("{} is not live", show(path)))
        .size
}

fn assert_gone(a: &Analysis, path: &[u8]) {
    assert!(
        node(a, path).live().is_none(),
        "{} should be gone",
        show(path)
    );
}

/// The names of the entries of layer `index` of a `docker save` archive.
fn layer_entries(save_tar: &Path, index: usize) -> Vec<Vec<u8>> {
    let find = |name: &str| -> Vec<u8> {
        let mut archive = tar::Archive::new(std::fs::File::open(save_tar).unwrap());
        for entry in archive.entries().unwrap() {
            let mut entry = entry.unwrap();
            if entry.path_bytes().as_ref() == name.as_bytes() {
                let mut data = Vec::new();
                std::io::Read::read_to_end(&mut entry, &mut data).unwrap();
                return data;
            }
        }
        panic!("{name} is not in {}", save_tar.display());
    };
    let manifest: serde_json::Value = serde_json::from_slice(&find("manifest.json")).unwrap();
    let layer = manifest[0]["Layers"][index].as_str().unwrap().to_string();
    let data = find(&layer);
    let mut archive = tar::Archive::new(&data[..]);
    archive
        .entries()
        .unwrap()
        .map(|e| e.unwrap().path_bytes().into_owned())
        .collect()
}

const WASTE: &str = r#"FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
RUN mkdir -p /deldir/sub \
 && yes c | head -c 3000 > /deldir/sub/c \
 && yes b | head -c 1500 > /deldir/b \
 && yes d | head -c 4000 > /junk \
 && yes e | head -c 5000 > /over \
 && yes f | head -c 6000 > /hl1 && ln /hl1 /hl2 \
 && yes g | head -c 700 > /suid && chmod 4755 /suid
RUN rm /junk && rm -rf /deldir && yes n | head -c 123 > /over
"#;

/// A file added then deleted, a directory deleted with `rm -rf`, a file
/// overwritten, a hard link and a setuid file.
#[test]
fn deleted_overwritten_and_linked_files() {
    let test = "deleted_overwritten_and_linked_files";
    if !docker_ready(test) {
        return;
    }
    let image = build("waste", WASTE);
    let readings = read_everywhere(test, &image);
    assert_all_agree(&readings);
    let a = readings.engine();
    let plant = layer_of(a, "mkdir -p /deldir");
    let clean = layer_of(a, "rm /junk");

    assert_eq!(ops(a, b"junk"), [(plant, Added), (clean, Removed)]);
    assert_gone(a, b"junk");
    for path in [&b"deldir"[..], b"deldir/sub", b"deldir/sub/c", b"deldir/b"] {
        assert_eq!(
            ops(a, path),
            [(plant, Added), (clean, Removed)],
            "{}",
            show(path)
        );
        assert_gone(a, path);
    }
    assert_eq!(ops(a, b"over"), [(plant, Added), (clean, Modified)]);
    assert_eq!(live_size(a, b"over"), 123);
    let hl2 = node(a, b"hl2").live().expect("hl2 live");
    assert_eq!(hl2.kind, EntryKind::HardLink);
    assert_eq!(hl2.link.as_deref(), Some(&b"hl1"[..]));
    assert_eq!(live_size(a, b"hl1"), 6000);
    let suid = node(a, b"suid").live().expect("suid live");
    assert_eq!((suid.kind, suid.mode), (EntryKind::File, 0o4755));
    let changes = a.image.layers[clean as usize].changes;
    assert_eq!((changes.modified, changes.removed), (1, 5), "{changes:?}");

    let m = &a.metrics;
    // The hard link's 6000 bytes count once.
    assert_eq!(m.live_bytes, busybox_size() + 6000 + 700 + 123);
    // Exactly what was planted and later deleted or overwritten.
    assert_eq!(m.hidden_bytes, 4000 + 3000 + 1500 + 5000);
    assert_eq!(m.shipped_bytes, m.live_bytes + m.hidden_bytes);
    assert_eq!(m.reclaimable_bytes, m.hidden_bytes);
    // dive's definition: paths in two or more layers, both copies; the deleted
    // directory's 4500 bytes are never waste to dive (its leaves occur once).
    assert_eq!(m.wasted_bytes, 5000 + 123 + 4000);
    let top: Vec<_> = m
        .inefficient_paths
        .iter()
        .map(|p| (p.path.as_str(), p.count, p.bytes))
        .collect();
    assert_eq!(top, [("/over", 2, 5123), ("/junk", 2, 4000)]);

    assert_matches_container(&image.tag, a);
    assert_history_sizes(&image.tag, a);
    if let Some(dive) = dive(test) {
        assert_dive_agrees(a, &dive_numbers(&dive, &readings));
    }

    // The binary says the same, for Docker and (through CONTAINER_HOST) Podman.
    let in_place = |label: &str| {
        let r = readings.all.iter().find(|r| r.label == label);
        &r.expect("reading").analysis
    };
    let docker = in_place("docker engine (storage)");
    assert_cli_agrees(&image.tag, "docker", &[], docker);
    if let Some(endpoint) = podman(test) {
        let podman = in_place("podman engine (storage)");
        let env = [("CONTAINER_HOST", endpoint.as_str())];
        assert_cli_agrees(&image.tag, "podman", &env, podman);
    }
}

const OPAQUE: &str = r#"FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
RUN mkdir -p /d/sub && yes a | head -c 1000 > /d/old1 && yes b | head -c 2000 > /d/old2 \
 && yes c | head -c 1500 > /d/sub/old3
RUN rm -rf /d && mkdir /d && echo x > /d/new
"#;

/// `rm -rf /d && mkdir /d` over a lower /d: overlay2 stores an opaque
/// directory (`.wh..wh..opq`). dive ignores the marker, so its tree still
/// shows /d/old1, /d/old2 and /d/sub/old3 and its numbers count their 4500
/// bytes as useful; ballast removes them, and a container agrees.
#[test]
fn opaque_directory_hides_what_dive_still_counts() {
    let test = "opaque_directory_hides_what_dive_still_counts";
    if !docker_ready(test) {
        return;
    }
    let image = build("opaque", OPAQUE);
    let readings = read_everywhere(test, &image);
    assert_all_agree(&readings);
    let a = readings.engine();
    let plant = layer_of(a, "mkdir -p /d/sub");
    let redo = layer_of(a, "rm -rf /d");

    // The engine really wrote an opaque marker, and no whiteouts, for /d.
    let entries = layer_entries(&readings.save_tar, redo as usize);
    let shown: Vec<_> = entries.iter().map(|e| show(e)).collect();
    assert!(
        entries.iter().any(|e| e == b"d/.wh..wh..opq"),
        "no opaque marker in layer {redo}: {shown:?}"
    );
    let whiteout = |e: &Vec<u8>| {
        let name = e.rsplit(|&b| b == b'/').next().unwrap_or_default();
        name.starts_with(b".wh.") && name != b".wh..wh..opq"
    };
    assert!(!entries.iter().any(whiteout), "{shown:?}");

    assert_eq!(ops(a, b"d"), [(plant, Added), (redo, Modified)]);
    assert!(node(a, b"d").live().is_some_and(|m| m.is_dir()));
    for path in [&b"d/old1"[..], b"d/old2", b"d/sub", b"d/sub/old3"] {
        assert_eq!(
            ops(a, path),
            [(plant, Added), (redo, Removed)],
            "{}",
            show(path)
        );
        assert_gone(a, path);
    }
    assert_eq!(ops(a, b"d/new"), [(redo, Added)]);
    assert_eq!(live_size(a, b"d/new"), 2);
    let changes = a.image.layers[redo as usize].changes;
    assert_eq!(
        (changes.added, changes.modified, changes.removed),
        (1, 1, 4)
    );

    let m = &a.metrics;
    assert_eq!(m.hidden_bytes, 1000 + 2000 + 1500);
    assert_eq!(m.live_bytes, busybox_size() + 2);
    // The container sees only /d/new: the lower files are gone, not live.
    assert_matches_container(&image.tag, a);
    assert_history_sizes(&image.tag, a);

    // dive-compatible numbers keep dive's blind spot: no path occurs twice, so
    // nothing is "wasted" and efficiency is perfect, though every pull carries
    // 4500 bytes no container can see. hidden_bytes is the honest number.
    assert_eq!(m.wasted_bytes, 0);
    assert_eq!(m.efficiency, 1.0);
    if let Some(dive) = dive(test) {
        let d = dive_numbers(&dive, &readings);
        assert_dive_agrees(a, &d);
        assert_eq!((d.wasted_bytes, d.efficiency_percent), (0, 100.0), "{d:?}");
    }
}

/// `long-` + 150 × `x`: one name component over 100 bytes, so tar needs a
/// long-name extension (GNU `L` in the crafted layer).
fn long_x() -> Vec<u8> {
    [&b"g/long-"[..], &[b'x'; 150]].concat()
}
/// Overwritten later: GNU name in the base, PAX path in the later layer.
fn long_o() -> Vec<u8> {
    [&b"g/"[..], &[b'o'; 140]].concat()
}
/// Sorts after `long_x`, its target, as in a layer the daemon wrote itself
/// (see `regression_storage_path_keeps_hard_link_roles` for the other order).
fn long_h() -> Vec<u8> {
    [&b"g/m-hard-"[..], &[b'h'; 120]].concat()
}
const CAFE_GNU: &[u8] = b"g/caf\xe9-gnu";
const NAIVE: &[u8] = b"n/na\xefve";
fn long_p() -> Vec<u8> {
    [&b"p/"[..], &[b'P'; 200]].concat()
}

/// A layer tar written entry by entry, in the order given, with GNU headers
/// (long names become `././@LongLink` entries).
struct Layer(tar::Builder<Vec<u8>>);

impl Layer {
    fn new() -> Layer {
        Layer(tar::Builder::new(Vec::new()))
    }

    fn add(&mut self, kind: tar::EntryType, path: &[u8], mode: u32, data: &[u8], link: &[u8]) {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        h.set_size(data.len() as u64);
        h.set_mode(mode);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(1_700_000_000);
        let path = Path::new(OsStr::from_bytes(path));
        if link.is_empty() {
            self.0.append_data(&mut h, path, data).unwrap();
        } else {
            let link = Path::new(OsStr::from_bytes(link));
            self.0.append_link(&mut h, path, link).unwrap();
        }
    }

    fn dir(&mut self, path: &str) -> &mut Self {
        self.add(tar::EntryType::Directory, path.as_bytes(), 0o755, &[], &[]);
        self
    }

    fn file(&mut self, path: &[u8], data: &[u8], mode: u32) -> &mut Self {
        self.add(tar::EntryType::Regular, path, mode, data, &[]);
        self
    }

    fn symlink(&mut self, path: &[u8], target: &[u8]) -> &mut Self {
        self.add(tar::EntryType::Symlink, path, 0o777, &[], target);
        self
    }

    fn hard_link(&mut self, path: &[u8], target: &[u8]) -> &mut Self {
        self.add(tar::EntryType::Link, path, 0o644, &[], target);
        self
    }

    fn busybox(&mut self) -> &mut Self {
        self.dir("bin/")
            .file(b"bin/busybox", &std::fs::read(BUSYBOX).unwrap(), 0o755)
    }

    fn finish(&mut self) -> Vec<u8> {
        std::mem::replace(&mut self.0, tar::Builder::new(Vec::new()))
            .into_inner()
            .unwrap()
    }
}

/// Busybox, then GNU long names (`L`), a long symlink target and a hard link
/// with long names on both sides (`K`), and a raw non-UTF-8 name.
fn gnu_layer() -> Vec<u8> {
    Layer::new()
        .busybox()
        .dir("g/")
        .file(&long_x(), &[b'k'; 1234], 0o644)
        .file(&long_o(), &[b'o'; 2345], 0o644)
        .file(CAFE_GNU, &[b'c'; 321], 0o600)
        .symlink(b"g/link", &[&b"/"[..], &long_x()].concat())
        .hard_link(&long_h(), &long_x())
        .finish()
}

/// `docker load` a one-layer image made of `layer`. The engine keeps the
/// layer's tar headers (tar-split), so every export gives back these bytes.
fn load_base(layer: &[u8]) -> Image {
    use sha2::Digest;
    let diff_id = hex::encode(sha2::Sha256::digest(layer));
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    let config = serde_json::json!({
        "architecture": arch,
        "os": "linux",
        "created": "2024-01-01T00:00:00Z",
        "config": {"Env": ["PATH=/bin"]},
        "rootfs": {"type": "layers", "diff_ids": [format!("sha256:{diff_id}")]},
        "history": [{"created": "2024-01-01T00:00:00Z", "created_by": "ballast-it: GNU tar layer"}],
    });
    let config = serde_json::to_vec(&config).unwrap();
    let config_name = format!("{}.json", hex::encode(sha2::Sha256::digest(&config)));
    let image = Image::adopt(unique("gnu-base"));
    let manifest = serde_json::to_vec(&serde_json::json!([{
        "Config": config_name,
        "RepoTags": [image.tag],
        "Layers": [format!("{diff_id}/layer.tar")],
    }]))
    .unwrap();

    let mut b = tar::Builder::new(Vec::new());
    let mut add = |name: &str, data: &[u8]| {
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(1_700_000_000);
        b.append_data(&mut h, name, data).unwrap();
    };
    add(&format!("{diff_id}/layer.tar"), layer);
    add(&config_name, &config);
    add("manifest.json", &manifest);
    let archive = b.into_inner().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("base.tar");
    std::fs::write(&file, archive).unwrap();
    run(Command::new("docker").args(["load", "-q", "-i"]).arg(&file));
    image
}

fn odd_dockerfile(base: &str) -> String {
    let p = String::from_utf8(long_p()).unwrap();
    let o = String::from_utf8(long_o()).unwrap();
    format!(
        r#"FROM {base}
RUN ["/bin/busybox", "--install", "-s", "/bin"]
RUN mkdir -p /d2f/in /n /p && yes i | head -c 900 > /d2f/in/x && yes h | head -c 800 > /f2d \
 && yes u | head -c 500 > "/n/$(printf 'na\357ve')" && yes p | head -c 600 > /{p}
RUN rm /f2d && mkdir /f2d && echo y > /f2d/child && rm -rf /d2f && echo z > /d2f \
 && rm "/n/$(printf 'na\357ve')" /{p} && yes q | head -c 77 > /{o}
"#
    )
}

/// A file replaced by a directory and a directory by a file; names that need
/// GNU long-name headers (from a loaded base layer) and PAX records (written
/// by the engine), non-UTF-8 names in both, whiteouts of such names, and a
/// GNU-named file overwritten under a PAX name.
#[test]
fn replacements_and_odd_names() {
    let test = "replacements_and_odd_names";
    if !docker_ready(test) {
        return;
    }
    let layer = gnu_layer();
    assert!(
        layer.windows(13).any(|w| w == b"././@LongLink"),
        "the crafted layer uses GNU long names"
    );
    let base = load_base(&layer);
    let image = build("odd", &odd_dockerfile(&base.tag));
    let readings = read_everywhere(test, &image);
    assert_all_agree(&readings);
    let a = readings.engine();
    assert_eq!(
        a.image.layers[0].diff_id,
        format!("sha256:{}", {
            use sha2::Digest;
            hex::encode(sha2::Sha256::digest(&layer))
        }),
        "the engine gives back the crafted GNU layer byte for byte"
    );
    let plant = layer_of(a, "mkdir -p /d2f/in");
    let swap = layer_of(a, "rm /f2d");

    // File → directory: the directory and its child are live.
    assert_eq!(ops(a, b"f2d"), [(plant, Added), (swap, Modified)]);
    assert_eq!(node(a, b"f2d").history[0].meta.kind, EntryKind::File);
    assert!(node(a, b"f2d").live().is_some_and(|m| m.is_dir()));
    assert_eq!(ops(a, b"f2d/child"), [(swap, Added)]);
    // Directory → file: the whole subtree goes.
    assert_eq!(ops(a, b"d2f"), [(plant, Added), (swap, Modified)]);
    let d2f = node(a, b"d2f").live().expect("d2f live");
    assert_eq!((d2f.kind, d2f.size), (EntryKind::File, 2));
    for path in [&b"d2f/in"[..], b"d2f/in/x"] {
        assert_eq!(
            ops(a, path),
            [(plant, Added), (swap, Removed)],
            "{}",
            show(path)
        );
    }

    // GNU long names, long link targets and a raw non-UTF-8 name.
    assert_eq!(live_size(a, &long_x()), 1234);
    assert_eq!(live_size(a, CAFE_GNU), 321);
    let link = node(a, b"g/link").live().expect("g/link live");
    assert_eq!(link.kind, EntryKind::Symlink);
    assert_eq!(
        link.link.as_deref(),
        Some(&[&b"/"[..], &long_x()].concat()[..])
    );
    let hard = node(a, &long_h()).live().expect("hard link live");
    assert_eq!(hard.kind, EntryKind::HardLink);
    assert_eq!(hard.link.as_deref(), Some(&long_x()[..]));
    // The same path under a GNU name (layer 0) and a PAX name is one node.
    assert_eq!(ops(a, &long_o()), [(0, Added), (swap, Modified)]);
    assert_eq!(live_size(a, &long_o()), 77);
    // PAX-named files (non-UTF-8, 200-byte component) deleted by whiteouts
    // with the same kind of name.
    for path in [NAIVE.to_vec(), long_p()] {
        assert_eq!(
            ops(a, &path),
            [(plant, Added), (swap, Removed)],
            "{}",
            show(&path)
        );
    }

    let m = &a.metrics;
    assert_eq!(m.hidden_bytes, 800 + 900 + 500 + 600 + 2345);
    assert_eq!(
        m.live_bytes,
        busybox_size() + 1234 + 321 + 77 + 2 + 2,
        "the hard link to the long-named file counts once"
    );
    assert_matches_container(&image.tag, a);
    assert_history_sizes(&image.tag, a);
    if let Some(dive) = dive(test) {
        assert_dive_agrees(a, &dive_numbers(&dive, &readings));
    }
    // `image` goes before `base`, which it is built on (reverse declaration order).
}

const LINKS: &str = r#"FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
RUN yes f | head -c 6000 > /hl1 && ln /hl1 /hl2 && yes k | head -c 3000 > /k1 && ln /k1 /k2
RUN echo new > /hl1 && rm /k1
"#;

/// Hard links whose first name is overwritten (`hl1`) or deleted (`k1`) in a
/// later layer. Overlay breaks the link when one name is written (copy-up) and
/// keeps the inode when one is deleted: a container still has /hl2 with the
/// original 6000 bytes and /k2 with 3000, so nothing is hidden.
#[test]
fn hard_link_outlives_its_first_name() {
    let test = "hard_link_outlives_its_first_name";
    if !docker_ready(test) {
        return;
    }
    let image = build("links", LINKS);
    let readings = read_everywhere(test, &image);
    assert_all_agree(&readings);
    let a = readings.engine();
    let made = layer_of(a, "ln /hl1 /hl2");
    let later = layer_of(a, "echo new > /hl1");
    assert_eq!(ops(a, b"hl1"), [(made, Added), (later, Modified)]);
    assert_eq!(live_size(a, b"hl1"), 4);
    assert_eq!(ops(a, b"k1"), [(made, Added), (later, Removed)]);
    for (link, target) in [(&b"hl2"[..], &b"hl1"[..]), (b"k2", b"k1")] {
        let m = node(a, link).live().expect("link live");
        assert_eq!(
            (m.kind, m.link.as_deref()),
            (EntryKind::HardLink, Some(target))
        );
    }
    let m = &a.metrics;
    assert_eq!(m.live_bytes, busybox_size() + 4 + 6000 + 3000);
    assert_eq!(m.hidden_bytes, 0);
    assert_matches_container(&image.tag, a);
    assert_history_sizes(&image.tag, a);
    // dive counts both paths as wasted (6000 + 4 and 3000 + 0).
    assert_eq!(m.wasted_bytes, 6000 + 4 + 3000);
    if let Some(dive) = dive(test) {
        assert_dive_agrees(a, &dive_numbers(&dive, &readings));
    }
}

/// In a layer whose tar names a hard link's target first but whose link name
/// sorts first (any layer not written by this daemon: `docker load`, a pull of
/// an image built by another tool), the export (the daemon's tar-split replay)
/// keeps the tar's roles: `z/target` is the file, `a/link` the link. Reading
/// overlay2's directories in lexical order swapped them, so the tree differed
/// and, once `z/target` was deleted, dive's wasted bytes too (export 1234, as
/// dive says; storage 0). The storage path now takes the order from the
/// layer's tar-split.
#[test]
fn regression_storage_path_keeps_hard_link_roles() {
    let test = "regression_storage_path_keeps_hard_link_roles";
    if !docker_ready(test) {
        return;
    }
    let layer = Layer::new()
        .busybox()
        .dir("z/")
        .file(b"z/target", &[b't'; 1234], 0o644)
        .dir("a/")
        .hard_link(b"a/link", b"z/target")
        .finish();
    let base = load_base(&layer);
    let image = build(
        "link-roles",
        &format!(
            "FROM {}\nRUN [\"/bin/busybox\", \"rm\", \"/z/target\"]\n",
            base.tag
        ),
    );
    let readings = read_everywhere(test, &image);
    let a = readings.engine();
    assert_eq!(node(a, b"z/target").history[0].meta.kind, EntryKind::File);
    assert_eq!(a.metrics.wasted_bytes, 1234);
    if let Some(dive) = dive(test) {
        assert_dive_agrees(a, &dive_numbers(&dive, &readings));
    }
    for r in &readings.all {
        let m = &r.analysis.metrics;
        assert_eq!(
            (m.wasted_bytes, m.live_bytes, m.hidden_bytes),
            (
                a.metrics.wasted_bytes,
                a.metrics.live_bytes,
                a.metrics.hidden_bytes
            ),
            "'{}': wasted, live, hidden",
            r.label
        );
    }
    assert_all_agree(&readings);
}
