//! The fast path on real directories: overlay's encoding, hard-link roles,
//! tar-split order and CRCs, and which files are read.

use std::ffi::CString;
use std::fs::{self, File};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use super::base64;
use super::content::{read_contents, read_file};
use super::storage::{chain_ids, find_dirs};
use super::tar_split::{self, TarEntry};
use super::walk::{walk_all, walk_layer};
use crate::layer::{EntryKind, LayerIndex};
use crate::limits::{Limit, Limits};
use crate::source::engine::Engine;

// The integration tests' gate: a skip is recorded in the ledger that CI checks.
#[allow(dead_code)]
#[path = "../../../tests/support/gate.rs"]
mod gate;

fn set_xattr(path: &Path, name: &str, value: &[u8]) -> bool {
    let cpath = CString::new(path.as_os_str().as_bytes()).unwrap();
    let cname = CString::new(name).unwrap();
    // SAFETY: NUL-terminated strings and a valid buffer, all alive for the call.
    unsafe {
        libc::lsetxattr(
            cpath.as_ptr(),
            cname.as_ptr(),
            value.as_ptr().cast(),
            value.len(),
            0,
        ) == 0
    }
}

fn mknod_whiteout(path: &Path) -> bool {
    let cpath = CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a NUL-terminated path alive for the call.
    unsafe { libc::mknod(cpath.as_ptr(), libc::S_IFCHR, 0) == 0 }
}

fn kinds(idx: &LayerIndex) -> Vec<(String, EntryKind)> {
    idx.entries
        .iter()
        .map(|e| (String::from_utf8_lossy(&e.path).into_owned(), e.kind))
        .collect()
}

#[test]
fn overlay_encoding_becomes_the_oci_change_set() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    fs::create_dir_all(root.join("etc/opq")).unwrap();
    fs::write(root.join("etc/opq/new"), b"n").unwrap();
    fs::write(root.join("b-file"), b"0123456789").unwrap();
    fs::hard_link(root.join("b-file"), root.join("a-link")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", root.join("escape")).unwrap();
    if !mknod_whiteout(&root.join("gone"))
        || !set_xattr(&root.join("etc/opq"), "trusted.overlay.opaque", b"y")
    {
        gate::unmet(
            gate::Need::Root,
            "overlay_encoding_becomes_the_oci_change_set",
            "needs root for mknod and trusted xattrs",
        );
        return;
    }
    let idx = walk_layer(root, None).unwrap().index;
    assert_eq!(
        kinds(&idx),
        vec![
            // Lexical order decides which name of a hard-linked inode is the file.
            ("a-link".into(), EntryKind::File),
            ("b-file".into(), EntryKind::HardLink),
            ("escape".into(), EntryKind::Symlink),
            ("etc".into(), EntryKind::Dir),
            ("etc/opq".into(), EntryKind::Dir),
            ("etc/opq".into(), EntryKind::Opaque),
            ("etc/opq/new".into(), EntryKind::File),
            ("gone".into(), EntryKind::Whiteout),
        ]
    );
    assert_eq!(idx.entries[0].size, 10);
    assert_eq!(idx.entries[1].link.as_deref(), Some(&b"a-link"[..]));
    assert_eq!(idx.entries[2].link.as_deref(), Some(&b"/etc/passwd"[..]));
}

#[test]
fn only_size_collisions_are_hashed_and_symlinks_are_never_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let (l0, l1) = (tmp.path().join("l0"), tmp.path().join("l1"));
    fs::create_dir_all(&l0).unwrap();
    fs::create_dir_all(&l1).unwrap();
    fs::write(l0.join("same1"), b"abcd").unwrap();
    fs::write(l1.join("same2"), b"abcd").unwrap();
    fs::write(l1.join("unique"), b"only one of this size").unwrap();
    let layers = vec![l0, l1];
    let mut idx = walk_all(&layers, &[None, None], &Limits::default()).unwrap();
    read_contents(&layers, &mut idx, 16 << 20).unwrap();
    assert_ne!(idx[0].index.entries[0].content, 0);
    assert_eq!(
        idx[0].index.entries[0].content,
        idx[1].index.entries[0].content
    );
    assert_eq!(
        idx[1].index.entries[1].content, 0,
        "a unique size needs no hash"
    );
    let mut buf = vec![0u8; 64];
    std::os::unix::fs::symlink(tmp.path().join("l0/same1"), tmp.path().join("link")).unwrap();
    assert!(
        read_file(
            &tmp.path().join("link"),
            (b"link", 0o777),
            true,
            16 << 20,
            &mut buf
        )
        .is_err()
    );
}

#[test]
fn tar_split_crcs_spare_reading_files_that_cannot_be_twins() {
    let tmp = tempfile::tempdir().unwrap();
    let layers: Vec<PathBuf> = (0..2).map(|i| tmp.path().join(format!("l{i}"))).collect();
    for l in &layers {
        fs::create_dir_all(l).unwrap();
    }
    fs::write(layers[0].join("a"), b"abcd").unwrap();
    fs::write(layers[1].join("b"), b"wxyz").unwrap();
    fs::write(layers[1].join("c"), b"abcd").unwrap();
    let entry = |name: &str, crc: u64| TarEntry {
        name: name.as_bytes().to_vec(),
        crc: Some(crc),
    };
    // `b` has the size of the others but not their CRC: it is never read.
    let orders = vec![
        Some(vec![entry("a", 7)]),
        Some(vec![entry("b", 9), entry("c", 7)]),
    ];
    let mut walks = walk_all(&layers, &orders, &Limits::default()).unwrap();
    read_contents(&layers, &mut walks, 16 << 20).unwrap();
    let (a, b, c) = (
        walks[0].index.entries[0].content,
        walks[1].index.entries[0].content,
        walks[1].index.entries[1].content,
    );
    assert_eq!(b, 0);
    assert_ne!(a, 0);
    assert_eq!(a, c);
}

#[test]
fn a_missing_layer_directory_is_an_error_naming_it() {
    let err = walk_all(
        &[PathBuf::from("/nonexistent/ballast/diff")],
        &[None],
        &Limits::default(),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("/nonexistent/ballast/diff"),
        "{err}"
    );
}

#[test]
fn the_walk_applies_the_entry_and_path_limits() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    fs::create_dir(root.join("d")).unwrap();
    for i in 0..4 {
        File::create(root.join(format!("d/f{i}"))).unwrap();
    }
    let long = "t".repeat(300);
    std::os::unix::fs::symlink(&long, root.join("link")).unwrap();
    let walk = |limit: Limit, value: u64| {
        let mut limits = Limits::default();
        limits.set(limit, value);
        walk_all(&[root.to_path_buf()], &[None], &limits).map(|w| w[0].index.entries.len())
    };
    // d, its four files and the link: six entries.
    assert_eq!(walk(Limit::EntriesPerLayer, 6).unwrap(), 6);
    let err = walk(Limit::EntriesPerLayer, 5).unwrap_err().to_string();
    let dir = root.display();
    assert_eq!(
        err,
        format!(
            "cannot read image '{dir}': layer 0 in the engine's storage: the layer has more \
             than 5 entries: the entries-per-layer limit is 5; raise it with --limit \
             entries-per-layer=10"
        )
    );
    assert_eq!(walk(Limit::EntriesPerImage, 6).unwrap(), 6);
    let err = walk(Limit::EntriesPerImage, 5).unwrap_err().to_string();
    assert!(
        err.ends_with(
            "the image's layers hold more than 5 entries together (counted as they are read): \
             the entries-per-image limit is 5; raise it with --limit entries-per-image=10"
        ),
        "{err}"
    );
    assert_eq!(walk(Limit::PathLength, 300).unwrap(), 6);
    let err = walk(Limit::PathLength, 299).unwrap_err().to_string();
    assert!(
        err.ends_with(
            "entry 'link...' has a path or link target of 300 bytes, over the limit on path \
             length: the path-length limit is 299 bytes; raise it with --limit path-length=598"
        ),
        "{err}"
    );
}

#[test]
fn other_storage_drivers_fall_back() {
    let inspect = bollard::models::ImageInspect {
        graph_driver: Some(bollard::models::DriverData {
            name: "vfs".into(),
            data: Default::default(),
        }),
        ..Default::default()
    };
    let err = find_dirs(Engine::Docker, inspect, "/var/lib/docker").unwrap_err();
    assert!(err.0.contains("'vfs'"), "{err:?}");
}

#[test]
fn base64_matches_rfc4648_vectors() {
    for (i, o) in [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foobar", "Zm9vYmFy"),
    ] {
        assert_eq!(base64::encode(i.as_bytes()), o);
        assert_eq!(base64::decode(o).unwrap(), i.as_bytes());
    }
}

#[test]
fn tar_order_decides_hard_link_roles_and_drops_unpacker_dirs() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    fs::create_dir_all(root.join("z")).unwrap();
    fs::create_dir_all(root.join("a")).unwrap();
    fs::write(root.join("z/target"), b"0123").unwrap();
    fs::hard_link(root.join("z/target"), root.join("a/link")).unwrap();
    // The original tar had `z/`, `z/target`, then `a/link`, and no `a/` entry.
    let order: Vec<TarEntry> = [&b"z"[..], b"z/target", b"a/link"]
        .iter()
        .map(|n| TarEntry {
            name: n.to_vec(),
            crc: None,
        })
        .collect();
    let idx = walk_layer(root, Some(&order)).unwrap().index;
    assert_eq!(
        kinds(&idx),
        vec![
            ("z".into(), EntryKind::Dir),
            ("z/target".into(), EntryKind::File),
            ("a/link".into(), EntryKind::HardLink),
        ]
    );
    assert_eq!(idx.entries[2].link.as_deref(), Some(&b"z/target"[..]));
}

#[test]
fn tar_split_names_are_read_in_order() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("t.json.gz");
    let mut enc =
        flate2::write::GzEncoder::new(File::create(&path).unwrap(), flate2::Compression::fast());
    let raw = base64::encode(b"caf\xe9");
    let lines = [
        r#"{"type":2,"payload":"AAAA","position":0}"#.to_string(),
        r#"{"type":1,"name":"./etc/","payload":null,"position":1}"#.to_string(),
        r#"{"type":1,"name":"etc/.wh.gone","position":2}"#.to_string(),
        format!(r#"{{"type":1,"name_raw":"{raw}","position":3}}"#),
    ]
    .join("\n");
    std::io::Write::write_all(&mut enc, lines.as_bytes()).unwrap();
    enc.finish().unwrap();
    let names: Vec<Vec<u8>> = tar_split::entries(&path)
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(
        names,
        vec![
            b"etc".to_vec(),
            b"etc/.wh.gone".to_vec(),
            b"caf\xe9".to_vec()
        ]
    );
}

#[test]
fn chain_ids_follow_the_oci_definition() {
    use sha2::{Digest, Sha256};
    let config = br#"{"rootfs":{"type":"layers","diff_ids":["sha256:aa","sha256:bb"]}}"#;
    let ids = chain_ids(config);
    assert_eq!(ids[0], "sha256:aa");
    assert_eq!(
        ids[1],
        format!(
            "sha256:{}",
            hex::encode(Sha256::digest("sha256:aa sha256:bb"))
        )
    );
}
