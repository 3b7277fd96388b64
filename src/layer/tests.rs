use super::*;
use testimage::{LayerSpec, Node};

fn tar_of(nodes: Vec<Node>) -> Vec<u8> {
    let mut out = Vec::new();
    testimage::write_layer_tar(&LayerSpec::new("test", nodes), &mut out).unwrap();
    out
}

fn read(bytes: &[u8]) -> Result<LayerIndex, LayerError> {
    read_layer(bytes, ReadOptions { verify: true }, &|_| {})
}

fn paths(idx: &LayerIndex) -> Vec<(String, EntryKind)> {
    idx.entries
        .iter()
        .map(|e| (String::from_utf8_lossy(&e.path).into_owned(), e.kind))
        .collect()
}

#[test]
fn plain_gzip_and_zstd_give_the_same_index_and_diff_id() {
    let raw = tar_of(vec![
        testimage::dir("etc"),
        testimage::file("etc/hosts", "127.0.0.1 localhost\n"),
    ]);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    io::Write::write_all(&mut gz, &raw).unwrap();
    let gz = gz.finish().unwrap();
    let zst = zstd::encode_all(&raw[..], 3).unwrap();

    let a = read(&raw).unwrap();
    let b = read(&gz).unwrap();
    let c = read(&zst).unwrap();
    assert_eq!(a.compression, Some(Compression::None));
    assert_eq!(b.compression, Some(Compression::Gzip));
    assert_eq!(c.compression, Some(Compression::Zstd));
    assert_eq!(a.entries, b.entries);
    assert_eq!(a.entries, c.entries);
    let expect = format!("sha256:{}", hex::encode(Sha256::digest(&raw)));
    assert_eq!(a.diff_id.as_deref(), Some(expect.as_str()));
    assert_eq!(b.diff_id, a.diff_id);
    assert_eq!(c.diff_id, a.diff_id);
    assert_eq!(a.tar_bytes, raw.len() as u64);
}

#[test]
fn whiteouts_and_opaque_markers_become_their_own_kinds() {
    let idx = read(&tar_of(vec![
        testimage::whiteout("var/cache/apt"),
        testimage::whiteout("top"),
        testimage::opaque("opt/app"),
    ]))
    .unwrap();
    assert_eq!(
        paths(&idx),
        vec![
            ("var/cache/apt".into(), EntryKind::Whiteout),
            ("top".into(), EntryKind::Whiteout),
            ("opt/app".into(), EntryKind::Opaque),
        ]
    );
}

#[test]
fn pax_global_header_is_skipped_not_fatal() {
    let idx = read(&tar_of(vec![
        Node::PaxGlobal {
            records: vec![("comment".into(), "made by git archive".into())],
        },
        testimage::file("a", "x"),
    ]))
    .unwrap();
    assert_eq!(paths(&idx), vec![("a".into(), EntryKind::File)]);
}

#[test]
fn gnu_long_names_and_non_utf8_names_are_kept() {
    let long = format!("{}/file.txt", "d".repeat(300));
    let idx = read(&tar_of(vec![
        testimage::file(&long, "1"),
        testimage::file(b"caf\xe9", "2"),
    ]))
    .unwrap();
    assert_eq!(&*idx.entries[0].path, long.as_bytes());
    assert_eq!(&*idx.entries[1].path, b"caf\xe9");
}

#[test]
fn hard_links_have_no_size_and_point_at_normalised_targets() {
    let idx = read(&tar_of(vec![
        testimage::file("bin/a", "0123456789"),
        testimage::hardlink("bin/b", "./bin/a"),
    ]))
    .unwrap();
    let b = &idx.entries[1];
    assert_eq!(b.kind, EntryKind::HardLink);
    assert_eq!(b.size, 0);
    assert_eq!(b.link.as_deref(), Some(&b"bin/a"[..]));
    assert_ne!(idx.entries[0].content, 0);
}

#[test]
fn equal_content_hashes_equal() {
    let idx = read(&tar_of(vec![
        testimage::file("a", "same bytes"),
        testimage::file("b", "same bytes"),
        testimage::file("c", "other"),
    ]))
    .unwrap();
    assert_eq!(idx.entries[0].content, idx.entries[1].content);
    assert_ne!(idx.entries[0].content, idx.entries[2].content);
}

#[test]
fn names_escaping_the_root_are_warned_and_dropped() {
    // The tar crate's builder refuses `..`, so write the header by hand.
    let mut h = tar::Header::new_gnu();
    h.as_old_mut().name[..13].copy_from_slice(b"../etc/passwd");
    h.set_size(0);
    h.set_mode(0o644);
    h.set_entry_type(tar::EntryType::Regular);
    h.set_cksum();
    let idx = read(&tar_of(vec![
        Node::Raw(h.as_bytes().to_vec()),
        testimage::file("ok", "1"),
    ]))
    .unwrap();
    assert_eq!(paths(&idx), vec![("ok".into(), EntryKind::File)]);
    assert_eq!(idx.warnings.len(), 1);
    assert!(idx.warnings[0].message.contains("climbs above"));
}

#[test]
fn truncated_streams_are_errors_not_panics() {
    let raw = tar_of(vec![testimage::big_file("big", 100_000, 1)]);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    io::Write::write_all(&mut gz, &raw).unwrap();
    let gz = gz.finish().unwrap();
    let zst = zstd::encode_all(&raw[..], 3).unwrap();
    for (name, bytes) in [("tar", &raw), ("gzip", &gz), ("zstd", &zst)] {
        let mut cuts = vec![10, bytes.len() / 2];
        if name != "tar" {
            // The gzip and zstd trailers carry checksums; a plain tar's last bytes
            // are end-of-archive padding, caught by the diff_id check instead.
            cuts.push(bytes.len() - 5);
        }
        for cut in cuts {
            let err = read(&bytes[..cut]).expect_err(name);
            assert!(!err.0.is_empty(), "{name} cut at {cut}");
        }
    }
}

#[test]
fn corrupt_header_checksum_is_an_error() {
    let mut raw = tar_of(vec![testimage::file("a", "x")]);
    raw[0] ^= 0xff;
    let err = read(&raw).unwrap_err();
    assert!(err.0.contains("corrupt tar header"), "{err}");
}

#[test]
fn xz_is_refused_by_name() {
    let err = read(&[0xfd, b'7', b'z', b'X', b'Z', 0, 1, 2]).unwrap_err();
    assert!(err.0.contains("xz"), "{err}");
}

#[test]
fn pax_uid_overrides_header() {
    let mut out = Vec::new();
    {
        let mut b = tar::Builder::new(&mut out);
        b.append_pax_extensions([("uid", &b"4000000"[..])]).unwrap();
        let mut h = tar::Header::new_ustar();
        h.set_size(1);
        h.set_mode(0o4755);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut h, "suid", &b"x"[..]).unwrap();
        b.finish().unwrap();
    }
    let idx = read(&out).unwrap();
    assert_eq!(idx.entries[0].uid, 4_000_000);
    assert_eq!(idx.entries[0].mode, 0o4755);
}

#[test]
fn deep_paths_do_not_overflow() {
    let deep = vec!["d"; 10_000].join("/");
    let idx = read(&tar_of(vec![testimage::file(&deep, "x")])).unwrap();
    assert_eq!(idx.entries[0].path.len(), deep.len());
}

#[test]
fn a_layer_hashed_on_its_own_thread_has_the_same_diff_id() {
    // Past OFFLOAD_AFTER the stream's hash moves to another thread; the
    // diff_id must be the plain SHA-256 of every byte all the same.
    let big = OFFLOAD_AFTER + 5_000_000;
    let raw = tar_of(vec![
        testimage::big_file("a", big / 2, 1),
        testimage::file("small", "s"),
        testimage::big_file("b", big / 2, 2),
    ]);
    let idx = read(&raw).unwrap();
    let expect = format!("sha256:{}", hex::encode(Sha256::digest(&raw)));
    assert_eq!(idx.diff_id.as_deref(), Some(expect.as_str()));
    assert_eq!(idx.tar_bytes, raw.len() as u64);
    assert_eq!(idx.entries.len(), 3);
    // Read in small pieces, so the thread gets many chunks.
    let slow = read_layer(
        io::BufReader::with_capacity(4096, &raw[..]),
        ReadOptions { verify: true },
        &|_| {},
    )
    .unwrap();
    assert_eq!(slow.diff_id, idx.diff_id);
}

#[test]
fn a_stream_cut_after_the_hash_moved_to_its_thread_is_an_error() {
    // The cut falls inside the second file, well past OFFLOAD_AFTER: the
    // reader must give the tar's error (not hang on, or panic in, the thread).
    let half = OFFLOAD_AFTER / 2 + 4_000_000;
    let raw = tar_of(vec![
        testimage::big_file("a", half, 1),
        testimage::big_file("b", half, 2),
    ]);
    let cut = raw.len() - 1_000_000;
    let err = read(&raw[..cut]).expect_err("a cut stream");
    assert!(!err.0.is_empty());
    assert!(!err.0.contains("hashing thread"), "{}", err.0);
}
