//! Corrupted archives never panic: hundreds of deterministic mutations (byte
//! flips, overwritten runs, truncations) of small images in every layout and
//! compression, each analysed through the library. Every one must end in an
//! analysis or an error, never a panic.

use std::path::Path;

use ballast::progress::Silent;
use ballast::source::Options;
use testimage::{self as fixture, Compress, ImageSpec, LayerSpec, Layout};

/// Deterministic xorshift, so a failure names a reproducible case.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn spec() -> ImageSpec {
    ImageSpec {
        layers: vec![
            LayerSpec::new(
                "/bin/sh -c one",
                vec![
                    fixture::dir("etc"),
                    fixture::file("etc/conf", "a=1\n"),
                    fixture::big_file("var/cache/blob", 3000, 1),
                    fixture::file("bin/a", "0123456789"),
                    fixture::hardlink("bin/b", "bin/a"),
                    fixture::symlink("lib", "usr/lib"),
                    fixture::file(
                        "app/package.json",
                        r#"{"name":"x","devDependencies":{"y":"1"}}"#,
                    ),
                ],
            ),
            LayerSpec::new(
                "/bin/sh -c two",
                vec![
                    fixture::whiteout("var/cache"),
                    fixture::opaque("etc"),
                    fixture::file("etc/conf", "a=2\n"),
                ],
            ),
        ],
        ..ImageSpec::default()
    }
}

/// Analyse `path`; a panic is the only failure.
fn survives(path: &Path, case: &str) {
    let opts = Options {
        verify: true,
        ..Options::default()
    };
    let reference = path.to_str().unwrap().to_string();
    let outcome =
        std::panic::catch_unwind(|| ballast::analyze(&reference, &opts, &Silent).map(|_| ()));
    assert!(outcome.is_ok(), "panicked on {case}");
}

fn mutate(bytes: &mut Vec<u8>, rng: &mut Rng) -> String {
    match rng.below(4) {
        0 => {
            let at = rng.below(bytes.len() as u64) as usize;
            bytes[at] ^= 1 << rng.below(8);
            format!("bit flip at {at}")
        }
        1 => {
            let at = rng.below(bytes.len() as u64) as usize;
            let len = (rng.below(64) as usize).min(bytes.len() - at);
            let fill = rng.next() as u8;
            bytes[at..at + len].fill(fill);
            format!("{len} bytes of {fill:#04x} at {at}")
        }
        2 => {
            let at = rng.below(bytes.len() as u64) as usize;
            bytes.truncate(at);
            format!("truncated to {at}")
        }
        _ => {
            // Digits in a header field: sizes and checksums that lie.
            let at = rng.below(bytes.len() as u64) as usize;
            let len = (rng.below(12) as usize).min(bytes.len() - at);
            for b in &mut bytes[at..at + len] {
                *b = b'0' + (rng.next() % 8) as u8;
            }
            format!("{len} octal digits at {at}")
        }
    }
}

#[test]
fn mutated_archives_never_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let mut rng = Rng(0x0BA1_1A57);
    let layouts = [
        ("legacy.tar", Layout::DockerLegacy, Compress::None),
        ("d25.tar", Layout::Docker25, Compress::None),
        ("oci-gz.tar", Layout::OciTar, Compress::Gzip),
        ("oci-zst.tar", Layout::OciTar, Compress::Zstd),
        ("oci.tar", Layout::OciTar, Compress::None),
    ];
    for (name, layout, compress) in layouts {
        let original = tmp.path().join(name);
        fixture::write_image(&spec(), layout, compress, &original).unwrap();
        survives(&original, name);
        let bytes = std::fs::read(&original).unwrap();
        for round in 0..120 {
            let mut copy = bytes.clone();
            let mut what = Vec::new();
            for _ in 0..=rng.below(3) {
                if copy.is_empty() {
                    break;
                }
                what.push(mutate(&mut copy, &mut rng));
            }
            let path = tmp.path().join(format!("m-{name}"));
            std::fs::write(&path, &copy).unwrap();
            survives(&path, &format!("{name} round {round}: {}", what.join(", ")));
        }
    }
}

#[test]
fn mutated_layer_blobs_in_a_layout_directory_never_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let mut rng = Rng(0x5EED_F00D);
    for compress in [Compress::Gzip, Compress::Zstd, Compress::None] {
        let dir = tmp.path().join(format!("{compress:?}"));
        std::fs::create_dir(&dir).unwrap();
        fixture::write_image(&spec(), Layout::OciDir, compress, &dir).unwrap();
        let blobs: Vec<_> = std::fs::read_dir(dir.join("blobs/sha256"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        let originals: Vec<Vec<u8>> = blobs.iter().map(|b| std::fs::read(b).unwrap()).collect();
        for round in 0..80 {
            let i = rng.below(blobs.len() as u64) as usize;
            let mut copy = originals[i].clone();
            let what = if copy.is_empty() {
                "empty".to_string()
            } else {
                mutate(&mut copy, &mut rng)
            };
            std::fs::write(&blobs[i], &copy).unwrap();
            survives(
                &dir,
                &format!(
                    "{compress:?} round {round}: blob {}: {what}",
                    blobs[i].display()
                ),
            );
            std::fs::write(&blobs[i], &originals[i]).unwrap();
        }
    }
}
