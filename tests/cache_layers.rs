//! The layer cache and the image cache beside it: an analysis from a warm
//! cache is the cold one byte for byte, and the caches are only filled by
//! verified reads, survive corrupt files, stay within `--cache-size`, and
//! take concurrent writers. The layer tests drop the image cache's files
//! before a warm run ([`forget_analyses`]), so that the layers are what is
//! taken from the cache; the image cache's own tests are in
//! `cache_layers/images.rs`.
//!
//! Every run gets its cache through `XDG_CACHE_HOME` pointed at a temp dir, so
//! the user's own cache is never touched. The images are generated here with
//! the `testimage` crate (plus the committed fixtures/demo.tar).

#[allow(dead_code)]
#[path = "support/bin.rs"]
mod bin;
#[allow(dead_code)]
#[path = "support/image.rs"]
mod image;

#[path = "cache_layers/images.rs"]
mod images;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use testimage::{self as fixture, Compress, ImageSpec, Layout, Node};

const KEY: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo.tar")
}

fn command(image: &Path, cache: &Path, extra: &[&str]) -> Command {
    let mut cmd = bin::ballast();
    cmd.env("XDG_CACHE_HOME", cache)
        .arg(image)
        .args(["--json", "-"])
        .args(extra);
    cmd
}

/// Run ballast on `image` with the cache under `cache`; the JSON and stderr.
fn run(image: &Path, cache: &Path, extra: &[&str]) -> (Vec<u8>, String) {
    let out = bin::succeeds(&mut command(image, cache, extra));
    (
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Change a byte of `needle`, content inside a layer of the archive
/// `image`: reading that layer now fails its diff_id check, so a verified
/// run that succeeds did not read it.
fn poke(image: &Path, needle: &[u8]) {
    let bytes = std::fs::read(image).unwrap();
    let at = bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("the content is in the archive");
    fixture::poke(image, at as u64, b"X").unwrap();
}

/// A run without the cache fails on `image`: [`poke`] broke a layer.
fn assert_broken(image: &Path, cache: &Path) {
    let fresh = command(image, cache, &["--no-cache"]).output().unwrap();
    assert_eq!(
        fresh.status.code(),
        Some(2),
        "the poke did not break the layer"
    );
}

/// The layer files in the cache, with their sizes.
fn cached_files(cache: &Path) -> Vec<(PathBuf, u64)> {
    files_in(&cache.join("ballast/layers/v1"))
}

/// The cache files in `dir`, with their sizes.
fn files_in(dir: &Path) -> Vec<(PathBuf, u64)> {
    let Ok(read) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    read.flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("sha256-"))
        .map(|e| (e.path(), e.metadata().unwrap().len()))
        .collect()
}

/// Remove the image cache's files: the next run takes what it can from the
/// layer cache only.
fn forget_analyses(cache: &Path) {
    let _ = std::fs::remove_dir_all(cache.join("ballast/images"));
}

/// When [`age`] says the files were last used.
const AGED: std::time::Duration = std::time::Duration::from_secs(1);

/// Make `files` look unused since 1970, so that [`touched`] can count which
/// ones the next run took from the cache (a hit touches its file).
fn age(files: &[(PathBuf, u64)]) {
    for (path, _) in files {
        let f = std::fs::File::options().write(true).open(path).unwrap();
        f.set_modified(std::time::UNIX_EPOCH + AGED).unwrap();
    }
}

/// How many of `files` were used since [`age`].
fn touched(files: &[(PathBuf, u64)]) -> usize {
    files
        .iter()
        .filter(|(p, _)| {
            std::fs::metadata(p).unwrap().modified().unwrap() > std::time::UNIX_EPOCH + AGED
        })
        .count()
}

/// Make every cached layer look unused (see [`hits`]).
fn age_all(cache: &Path) {
    age(&cached_files(cache));
}

/// How many cached layers were used since [`age_all`].
fn hits(cache: &Path) -> usize {
    touched(&cached_files(cache))
}

/// Whiteouts, an opaque directory, hard links, a setuid binary, secrets and
/// a package database: everything the tree and the analysis read of a layer.
fn shapes() -> ImageSpec {
    let mut su = fixture::big_file("usr/bin/su", 600, 1);
    if let Node::File { mode, .. } = &mut su {
        *mode = 0o4755;
    }
    let layers = vec![
        vec![
            fixture::dir("etc"),
            fixture::file("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n"),
            fixture::dir("usr"),
            fixture::dir("usr/bin"),
            su,
            fixture::hardlink("usr/bin/su2", "usr/bin/su"),
            fixture::dir("root"),
            fixture::dir("root/.ssh"),
            fixture::file("root/.ssh/id_ed25519", KEY),
            fixture::dir("cache"),
            fixture::big_file("cache/blob", 40_000, 7),
            fixture::dir("opt"),
            fixture::file("opt/old", "old"),
        ],
        vec![
            fixture::whiteout("root/.ssh/id_ed25519"),
            fixture::whiteout("cache"),
            fixture::file("app.env", "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG\n"),
            fixture::big_file("dup", 40_000, 7),
        ],
        vec![
            fixture::dir("opt"),
            fixture::opaque("opt"),
            fixture::file("opt/new", "n"),
            fixture::symlink("opt/link", "/usr/bin/su"),
        ],
    ];
    image::steps(layers)
}

/// The shapes image in four packagings: `docker save` (legacy and Docker
/// 25), OCI tar (gzip) and OCI directory (zstd).
fn packagings(dir: &Path) -> [PathBuf; 4] {
    [
        write(dir, "legacy.tar", Layout::DockerLegacy, Compress::None),
        write(dir, "oci-gz.tar", Layout::OciTar, Compress::Gzip),
        write(dir, "oci-zst", Layout::OciDir, Compress::Zstd),
        write(dir, "docker25.tar", Layout::Docker25, Compress::None),
    ]
}

fn write(dir: &Path, name: &str, layout: Layout, compress: Compress) -> PathBuf {
    let out = dir.join(name);
    fixture::write_image(&shapes(), layout, compress, &out).unwrap();
    out
}

#[test]
fn a_warm_cache_gives_the_cold_json_on_the_demo_archive() {
    let cache = tempfile::tempdir().unwrap();
    let (cold, cold_err) = run(&demo(), cache.path(), &[]);
    assert!(!cold_err.contains("layer cache"), "{cold_err}");
    assert_eq!(cached_files(cache.path()).len(), 7);
    let (warm, warm_err) = run(&demo(), cache.path(), &[]);
    // The hit count is shown beside the progress bar only (a terminal), so
    // scripts see the same stderr warm or cold; that the warm run really
    // skips the layers is pinned by the tests that change a byte after caching.
    assert!(warm_err.is_empty(), "{warm_err}");
    assert_eq!(cached_files(cache.path()).len(), 7);
    assert!(cold == warm, "the warm JSON differs from the cold one");
}

#[test]
fn a_warm_cache_gives_the_cold_json_for_whiteouts_links_setuid_and_secrets() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let images = packagings(tmp.path());
    // The same layers in four packagings: after the first image every layer
    // comes from the cache, and each image's JSON (compression included) must
    // still be what a read without the cache gives.
    for image in &images {
        let (cold, _) = run(image, cache.path(), &["--no-cache"]);
        let (once, _) = run(image, cache.path(), &[]);
        age_all(cache.path());
        forget_analyses(cache.path());
        let (warm, err) = run(image, cache.path(), &[]);
        assert!(err.is_empty(), "{err}");
        assert_eq!(hits(cache.path()), 3, "{}", image.display());
        assert!(
            cold == once,
            "{}: first cached run differs",
            image.display()
        );
        assert!(cold == warm, "{}: warm run differs", image.display());
    }
}

#[test]
fn a_cached_layer_is_not_read_again() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let image = write(tmp.path(), "i.tar", Layout::DockerLegacy, Compress::None);
    let (cold, _) = run(&image, cache.path(), &[]);
    poke(&image, b"ID=debian");
    forget_analyses(cache.path());
    let (warm, _) = run(&image, cache.path(), &[]);
    assert!(cold == warm);
    assert_broken(&image, cache.path());
}

#[test]
fn no_cache_neither_reads_nor_writes_the_cache() {
    let cache = tempfile::tempdir().unwrap();
    run(&demo(), cache.path(), &["--no-cache"]);
    assert!(cached_files(cache.path()).is_empty());
    run(&demo(), cache.path(), &[]);
    let (_, err) = run(&demo(), cache.path(), &["--no-cache"]);
    assert!(!err.contains("layer cache"), "{err}");
    // Nor reads it: with the layers cached and one changed since, a run
    // without the cache reads the change (and fails on it).
    let tmp = tempfile::tempdir().unwrap();
    let image = write(tmp.path(), "i.tar", Layout::DockerLegacy, Compress::None);
    run(&image, cache.path(), &[]);
    poke(&image, b"ID=debian");
    run(&image, cache.path(), &[]);
    assert_broken(&image, cache.path());
}

#[test]
fn no_verify_reads_never_write_the_cache() {
    let cache = tempfile::tempdir().unwrap();
    let (unverified, _) = run(&demo(), cache.path(), &["--no-verify"]);
    assert!(cached_files(cache.path()).is_empty());
    // Nor take from it: an unverified run shows the bytes it read.
    run(&demo(), cache.path(), &[]);
    let (again, err) = run(&demo(), cache.path(), &["--no-verify"]);
    assert!(!err.contains("layer cache"), "{err}");
    assert!(unverified == again);
    // With the layers cached and one changed since, an unverified run shows
    // the changed bytes, as a run without the cache does, not the cached ones.
    let tmp = tempfile::tempdir().unwrap();
    let image = write(tmp.path(), "i.tar", Layout::DockerLegacy, Compress::None);
    let (cached, _) = run(&image, cache.path(), &[]);
    poke(&image, b"ID=debian");
    let (unverified, _) = run(&image, cache.path(), &["--no-verify"]);
    let (uncached, _) = run(&image, cache.path(), &["--no-verify", "--no-cache"]);
    assert!(
        unverified == uncached,
        "an unverified run took from the cache"
    );
    assert!(
        unverified != cached,
        "the poke changed nothing the JSON shows"
    );
}

#[test]
fn a_corrupt_cache_file_is_ignored_and_rewritten() {
    let cache = tempfile::tempdir().unwrap();
    let (cold, _) = run(&demo(), cache.path(), &[]);
    let files = cached_files(cache.path());
    for (i, (path, len)) in files.iter().enumerate() {
        let mut bytes = std::fs::read(path).unwrap();
        match i % 3 {
            0 => bytes.truncate((*len / 2) as usize),
            1 => bytes[(*len - 3) as usize] ^= 0xff,
            _ => bytes = b"not a cache file at all".to_vec(),
        }
        std::fs::write(path, bytes).unwrap();
    }
    forget_analyses(cache.path());
    let (fixed, err) = run(&demo(), cache.path(), &[]);
    assert!(!err.contains("layer cache"), "{err}");
    assert!(cold == fixed);
    age_all(cache.path());
    forget_analyses(cache.path());
    let (warm, err) = run(&demo(), cache.path(), &[]);
    assert!(err.is_empty(), "{err}");
    assert_eq!(hits(cache.path()), 7);
    assert!(cold == warm);
}

#[test]
fn a_tiny_cache_size_evicts_down_to_the_bound() {
    let cache = tempfile::tempdir().unwrap();
    let (cold, _) = run(&demo(), cache.path(), &["--cache-size", "1KB"]);
    let total: u64 = cached_files(cache.path())
        .iter()
        .chain(&images::files(cache.path()))
        .map(|f| f.1)
        .sum();
    assert!(total <= 1000, "{total} bytes cached");
    assert!(!cached_files(cache.path()).is_empty());
    let (warm, _) = run(&demo(), cache.path(), &["--cache-size", "1KB"]);
    assert!(cold == warm);
    // A bound of nothing keeps nothing.
    let empty = tempfile::tempdir().unwrap();
    run(&demo(), empty.path(), &["--cache-size", "0"]);
    assert!(cached_files(empty.path()).is_empty());
}

#[test]
fn a_cache_size_that_is_not_a_size_is_an_error() {
    let cache = tempfile::tempdir().unwrap();
    let out = command(&demo(), cache.path(), &["--cache-size", "lots"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("'lots' is not a size"));
}

#[test]
fn two_processes_writing_the_same_layers_at_once_both_succeed() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let image = write(tmp.path(), "i.tar", Layout::OciTar, Compress::Gzip);
    let (cold, _) = run(&image, cache.path(), &["--no-cache"]);
    for size in ["2GB", "30KB"] {
        let children: Vec<_> = (0..3)
            .map(|_| {
                command(&image, cache.path(), &["--cache-size", size])
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let out: Output = child.wait_with_output().unwrap();
            assert_eq!(
                out.status.code(),
                Some(0),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(cold == out.stdout);
        }
    }
    let (warm, _) = run(&image, cache.path(), &[]);
    assert!(cold == warm);
    let leftovers = std::fs::read_dir(cache.path().join("ballast/layers/v1"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".tmp"))
        .count();
    assert_eq!(leftovers, 0, "temporary files left behind");
}

/// The shapes image with a layer over the size a stream keeps in memory,
/// as Docker 25's `docker save` writes it, gzipped: read as a stream.
fn stream_image(dir: &Path) -> PathBuf {
    let mut spec = shapes();
    spec.layers[1]
        .nodes
        .push(fixture::big_file("big", 3 << 20, 11));
    let tar = dir.join("docker25.tar");
    fixture::write_image(&spec, Layout::Docker25, Compress::None, &tar).unwrap();
    tar
}

fn gzip(tar: &Path) -> PathBuf {
    let out = tar.with_extension("tar.gz");
    let mut z = flate2::write::GzEncoder::new(
        std::fs::File::create(&out).unwrap(),
        flate2::Compression::fast(),
    );
    std::io::copy(&mut std::fs::File::open(tar).unwrap(), &mut z).unwrap();
    z.finish().unwrap();
    out
}

#[test]
fn a_streamed_archive_skips_cached_layers_and_gives_the_cold_json() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let tar = stream_image(tmp.path());
    let (cold, _) = run(&gzip(&tar), cache.path(), &["--no-cache"]);
    let (once, _) = run(&gzip(&tar), cache.path(), &[]);
    assert!(cold == once);
    // A small layer (read after the manifest) and the big one (read as it
    // streams by) now change: only a run that skips both succeeds.
    poke(&tar, b"ID=debian");
    poke(&tar, b"AWS_SECRET");
    let image = gzip(&tar);
    age_all(cache.path());
    let (warm, err) = run(&image, cache.path(), &[]);
    assert!(err.is_empty(), "{err}");
    assert_eq!(hits(cache.path()), 3);
    assert!(cold == warm, "the warm JSON differs from the cold one");
    assert_broken(&image, cache.path());
}
