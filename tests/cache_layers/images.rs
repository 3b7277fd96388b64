//! The image cache: a whole analysis kept under the image's identity. A hit
//! gives every output the cold read gives (the JSON and the outputs drawn
//! from the merged tree), reads no layer, and is used only when the layer
//! cache would be; a damaged file is a miss that the next read replaces.

use std::path::{Path, PathBuf};

use testimage::{Compress, Layout};

use super::{assert_broken, bin, demo, poke, run, write};

/// The image cache's files, with their sizes.
pub fn files(cache: &Path) -> Vec<(PathBuf, u64)> {
    super::files_in(&cache.join("ballast/images/v1"))
}

/// Make every file of the image cache look unused since 1970.
fn age(cache: &Path) {
    super::age(&files(cache));
}

/// How many image cache files were used (a hit touches its file) since [`age`].
fn used(cache: &Path) -> usize {
    super::touched(&files(cache))
}

/// Every output of one run: JSON, markdown, SARIF and HTML (the last three
/// read the merged tree, which the JSON does not show).
fn outputs(image: &Path, cache: &Path, extra: &[&str]) -> Vec<Vec<u8>> {
    let out = tempfile::tempdir().unwrap();
    let names = ["a.json", "a.md", "a.sarif", "a.html"];
    let mut cmd = bin::ballast();
    cmd.env("XDG_CACHE_HOME", cache).arg(image).args(extra);
    for (flag, name) in ["--json", "--markdown", "--sarif", "--html"]
        .iter()
        .zip(names)
    {
        cmd.arg(flag).arg(out.path().join(name));
    }
    bin::succeeds(&mut cmd);
    names
        .iter()
        .map(|n| std::fs::read(out.path().join(n)).unwrap())
        .collect()
}

#[test]
fn an_image_cache_hit_gives_every_output_of_the_cold_read() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let mut images = vec![demo()];
    images.extend(super::packagings(tmp.path()));
    for (n, image) in images.iter().enumerate() {
        let cold = outputs(image, cache.path(), &["--no-cache"]);
        assert_eq!(files(cache.path()).len(), n, "--no-cache wrote an analysis");
        let once = outputs(image, cache.path(), &[]);
        // Each packaging is its own entry: compression and blob sizes differ.
        assert_eq!(files(cache.path()).len(), n + 1, "{}", image.display());
        age(cache.path());
        let warm = outputs(image, cache.path(), &[]);
        assert_eq!(used(cache.path()), 1, "{}: not a hit", image.display());
        for (i, what) in ["JSON", "markdown", "SARIF", "HTML"].iter().enumerate() {
            assert!(
                cold[i] == once[i],
                "{}: first {what} differs",
                image.display()
            );
            assert!(
                cold[i] == warm[i],
                "{}: warm {what} differs",
                image.display()
            );
        }
    }
}

#[test]
fn an_image_cache_hit_reads_no_layer() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let image = write(tmp.path(), "i.tar", Layout::DockerLegacy, Compress::None);
    let (cold, _) = run(&image, cache.path(), &[]);
    // A layer's content changes (same size) and the layer cache is gone:
    // only a run that reads no layer still succeeds.
    poke(&image, b"ID=debian");
    std::fs::remove_dir_all(cache.path().join("ballast/layers")).unwrap();
    let (warm, err) = run(&image, cache.path(), &[]);
    assert!(err.is_empty(), "{err}");
    assert!(cold == warm);
    assert_broken(&image, cache.path());
}

#[test]
fn the_image_cache_is_bypassed_where_the_layer_cache_is() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let image = write(tmp.path(), "i.tar", Layout::DockerLegacy, Compress::None);
    run(&image, cache.path(), &[]);
    poke(&image, b"ID=debian");
    std::fs::remove_dir_all(cache.path().join("ballast/layers")).unwrap();
    // Each of these reads the layers, so each meets the changed one.
    for extra in [
        &["--no-cache"][..],
        &["--limit", "tar-header=2MiB"],
        &["--cache-size", "2GB", "--limit", "path-length=100KiB"],
    ] {
        let out = super::command(&image, cache.path(), extra)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{extra:?} took the analysis");
    }
    // Unverified, the run shows what it read, not the verified analysis.
    let (cached, _) = run(&image, cache.path(), &[]);
    let (unverified, _) = run(&image, cache.path(), &["--no-verify"]);
    assert!(cached != unverified, "--no-verify took the cached analysis");
}

#[test]
fn a_damaged_image_cache_file_is_a_miss_and_is_replaced() {
    let cache = tempfile::tempdir().unwrap();
    let (cold, _) = run(&demo(), cache.path(), &[]);
    let [(path, len)] = &files(cache.path())[..] else {
        panic!("one analysis cached");
    };
    let full = std::fs::read(path).unwrap();
    let damaged: [Vec<u8>; 4] = [
        full[..*len as usize / 2].to_vec(),
        {
            let mut b = full.clone();
            b[*len as usize - 3] ^= 0xff;
            b
        },
        b"not a cache file at all".to_vec(),
        Vec::new(),
    ];
    for bytes in damaged {
        std::fs::write(path, &bytes).unwrap();
        let (again, err) = run(&demo(), cache.path(), &[]);
        assert!(err.is_empty(), "{err}");
        assert!(cold == again);
        assert_eq!(std::fs::read(path).unwrap(), full, "not replaced");
    }
}
