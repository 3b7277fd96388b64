//! Reading one file back from one layer (`source::entry::read_entry`, behind
//! the TUI's pager and extract) from every on-disk source: both `docker save`
//! layouts, OCI layouts as directory and tar with each compression, and a
//! gzipped `docker save` (a stream). The engine paths are in tests/engine.

use std::path::{Path, PathBuf};

use ballast::source::entry::read_entry;
use ballast::source::{Options, SourceKind};
use testimage::{
    self as fixture, Compress, ImageSpec, LayerSpec, Layout, big_file, dir, file, hardlink, symlink,
};

const BIG: u64 = 3 * 1024 * 1024 + 17;

fn spec() -> ImageSpec {
    ImageSpec {
        layers: vec![
            LayerSpec::new(
                "COPY . /app",
                vec![
                    dir("app"),
                    file("app/config.yml", "port: 1\n"),
                    hardlink("app/linked.yml", "app/config.yml"),
                    big_file("app/big.bin", BIG, 7),
                    symlink("app/etc", "/etc"),
                ],
            ),
            LayerSpec::new(
                "RUN sed -i s/1/2/ /app/config.yml",
                vec![dir("app"), file("app/config.yml", "port: 2\n")],
            ),
        ],
        ..ImageSpec::default()
    }
}

/// The image written every way the archive readers know.
fn images(dir: &Path) -> Vec<(String, PathBuf)> {
    let spec = spec();
    let mut out = Vec::new();
    for (name, layout, compress) in [
        ("legacy.tar", Layout::DockerLegacy, Compress::None),
        ("docker25.tar", Layout::Docker25, Compress::None),
        ("oci-gzip.tar", Layout::OciTar, Compress::Gzip),
        ("oci-zstd.tar", Layout::OciTar, Compress::Zstd),
        ("oci-dir", Layout::OciDir, Compress::Gzip),
        ("oci-dir-plain", Layout::OciDir, Compress::None),
    ] {
        let path = dir.join(name);
        fixture::write_image(&spec, layout, compress, &path).unwrap();
        out.push((name.to_string(), path));
    }
    // `docker save | gzip`: only readable as a stream.
    let plain = dir.join("legacy.tar");
    let gz = dir.join("legacy.tar.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::fast(),
    );
    std::io::copy(&mut std::fs::File::open(&plain).unwrap(), &mut enc).unwrap();
    enc.finish().unwrap();
    out.push(("legacy.tar.gz".into(), gz));
    out
}

fn read(image: &Path, layer: usize, path: &str, limit: Option<u64>) -> ballast::Result<Vec<u8>> {
    let mut out = Vec::new();
    let n = read_entry(
        image.to_str().unwrap(),
        &Options::default(),
        layer,
        path.as_bytes(),
        limit,
        &mut out,
    )?;
    assert_eq!(
        n,
        out.len() as u64,
        "the count returned is what was written"
    );
    Ok(out)
}

fn pattern(len: u64, seed: u64) -> Vec<u8> {
    let mut out = Vec::new();
    fixture::write_layer_tar(
        &LayerSpec::new("", vec![big_file("x", len, seed)]),
        &mut out,
    )
    .unwrap();
    let mut ar = tar::Archive::new(&out[..]);
    let mut entry = ar.entries().unwrap().next().unwrap().unwrap();
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut entry, &mut bytes).unwrap();
    bytes
}

#[test]
fn every_archive_source_gives_each_layers_own_content() {
    let tmp = tempfile::tempdir().unwrap();
    let big = pattern(BIG, 7);
    for (name, image) in images(tmp.path()) {
        let at = |layer, path: &str| {
            read(&image, layer, path, None).unwrap_or_else(|e| panic!("{name}: {path}: {e}"))
        };
        assert_eq!(at(0, "app/config.yml"), b"port: 1\n", "{name}");
        assert_eq!(at(1, "app/config.yml"), b"port: 2\n", "{name}");
        // Leading slash and `./` name the same file as the tree's path.
        assert_eq!(at(1, "/app/./config.yml"), b"port: 2\n", "{name}");
        assert_eq!(at(0, "app/linked.yml"), b"port: 1\n", "{name}: hard link");
        assert!(
            at(0, "app/big.bin") == big,
            "{name}: a multi-MiB file whole"
        );
        let head = read(&image, 0, "app/big.bin", Some(1000)).unwrap();
        assert_eq!(head[..], big[..1000], "{name}: limit");
    }
}

#[test]
fn what_is_not_a_file_in_that_layer_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, image) in images(tmp.path()) {
        let err = |layer, path: &str| {
            read(&image, layer, path, None)
                .expect_err(&format!("{name}: {path} in layer {layer}"))
                .to_string()
        };
        let e = err(0, "app/etc");
        assert!(
            e.contains("symbolic link") && e.contains("/app/etc"),
            "{name}: {e}"
        );
        let e = err(0, "app/etc/passwd");
        assert!(e.contains("does not contain"), "{name}: {e}");
        let e = err(1, "app/big.bin");
        assert!(
            e.contains("layer 1") && e.contains("does not contain"),
            "{name}: {e}"
        );
        let e = err(0, "app");
        assert!(e.contains("directory"), "{name}: {e}");
        let e = err(7, "app/config.yml");
        assert!(e.contains("no such layer"), "{name}: {e}");
        let e = err(0, "../../etc/passwd");
        assert!(e.contains("not a file path"), "{name}: {e}");
    }
}

#[test]
fn the_platform_the_analysis_picked_is_read() {
    // A single-platform layout read with the host platform named explicitly
    // is the same image.
    let tmp = tempfile::tempdir().unwrap();
    let image = tmp.path().join("oci");
    fixture::write_image(&spec(), Layout::OciDir, Compress::Gzip, &image).unwrap();
    let opts = Options {
        source: SourceKind::Oci,
        platform: Some(ballast::source::Platform::parse("linux/amd64").unwrap()),
        ..Options::default()
    };
    let mut out = Vec::new();
    read_entry(
        image.to_str().unwrap(),
        &opts,
        1,
        b"app/config.yml",
        None,
        &mut out,
    )
    .unwrap();
    assert_eq!(out, b"port: 2\n");
}

/// A layer that breaks while the file is looked for is an error naming the
/// image, the layer and its digest (not an empty one).
#[test]
fn a_corrupt_layer_is_named_with_its_digest() {
    let tmp = tempfile::tempdir().unwrap();
    let image = tmp.path().join("oci");
    fixture::write_image(&spec(), Layout::OciDir, Compress::Gzip, &image).unwrap();
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(image.join("index.json")).unwrap()).unwrap();
    let manifest_digest = index["manifests"][0]["digest"].as_str().unwrap();
    let blob = |d: &str| {
        image
            .join("blobs/sha256")
            .join(d.trim_start_matches("sha256:"))
    };
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(blob(manifest_digest)).unwrap()).unwrap();
    let layer0 = manifest["layers"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    // Overwrite the gzip stream after its header: the inflater fails.
    fixture::poke(&blob(&layer0), 20, &[0xff; 64]).unwrap();
    let e = read(&image, 0, "app/config.yml", None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("layer 0") && e.contains(&layer0), "{e}");
}
