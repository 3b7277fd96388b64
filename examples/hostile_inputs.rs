//! Writes one input per hostile class of issue 13 at full size (the limits
//! at their defaults), for `bench/hostile.sh`, which runs release ballast on
//! each under `/usr/bin/time -v`.
//!
//! ```text
//! cargo run --release --example hostile_inputs -- OUTDIR
//! ```
//!
//! The small cases are built as `tests/inputs.rs` and
//! `tests/hostile_dockerfile.rs` build them (with `crates/testimage`); the
//! large ones (5,000,001 entries, 4 GiB of zeros, forty 32 MiB
//! `package.json`) are streamed into an OCI layout directory through gzip, so
//! writing them takes little memory and little disk. Everything is
//! deterministic.

use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Write};
use std::path::Path;

use ballast::limits::Limit;
use serde_json::json;
use sha2::{Digest, Sha256};
use testimage::{self as fixture, Compress, ImageSpec, LayerSpec, Layout, Node, raw_header};

fn main() {
    let Some(out) = std::env::args().nth(1) else {
        eprintln!("usage: hostile_inputs OUTDIR");
        std::process::exit(2);
    };
    if let Err(e) = run(Path::new(&out)) {
        eprintln!("hostile_inputs: error: {e}");
        std::process::exit(2);
    }
}

fn run(out: &Path) -> io::Result<()> {
    fs::create_dir_all(out)?;
    tar_headers(out)?;
    metadata(out)?;
    streamed_json(out)?;
    indexes(out)?;
    let many = |b: &mut Layer| {
        (0..5_000_001u64).try_for_each(|i| b.file(&format!("d{}/f{i}", i % 1000), 0, 0))
    };
    streamed_image(&out.join("entries-5M"), many)?;
    streamed_image(&out.join("zeros-4GiB"), |b| b.file("zeros", 4 << 30, 0))?;
    streamed_image(&out.join("package-json-40x32MiB"), |b| {
        (0..40).try_for_each(|i| b.file(&format!("app{i}/package.json"), 32 << 20, b' '))
    })?;
    whole_images(out)?;
    dockerfiles(out)
}

/// Images at the `entries-per-image` limit (one layer, and split over four),
/// over it (three layers each just under `entries-per-layer`), and a small
/// layer whose deep paths imply millions of directories.
fn whole_images(out: &Path) -> io::Result<()> {
    let limit = Limit::EntriesPerImage.default_value();
    // Files in 1000 directories: the directories are entries of the merged
    // tree too, so `limit - 1000` files make exactly `limit` entries.
    let files = limit - 1000;
    let spread = |from: u64, to: u64| {
        move |b: &mut Layer| {
            (from..to).try_for_each(|i| b.file(&format!("d{}/f{i}", i % 1000), 0, 0))
        }
    };
    streamed_layers(
        &out.join("image-limit-1-layer"),
        vec![Box::new(spread(0, files))],
    )?;
    let quarter = files / 4;
    let layers: Vec<Fill> = (0..4)
        .map(|l| {
            let to = if l == 3 { files } else { (l + 1) * quarter };
            Box::new(spread(l * quarter, to)) as Fill
        })
        .collect();
    streamed_layers(&out.join("image-limit-4-layers"), layers)?;
    let under = Limit::EntriesPerLayer.default_value() - 1;
    let layers: Vec<Fill> = (0..3)
        .map(|l| Box::new(spread(l * under, (l + 1) * under)) as Fill)
        .collect();
    streamed_layers(&out.join("image-over-limit-3-layers"), layers)?;
    // 4,000 files, each 1,000 directories deep under its own top directory:
    // 4,000,000 implied directories from a few MB of gzip.
    let deep = "a/".repeat(999);
    streamed_image(&out.join("deep-paths-4M-dirs"), move |b| {
        (0..4000).try_for_each(|i| b.file(&format!("t{i}/{deep}f"), 0, 0))
    })
}

fn spec(nodes: Vec<Node>) -> ImageSpec {
    ImageSpec {
        layers: vec![LayerSpec::new("/bin/sh -c hostile", nodes)],
        ..ImageSpec::default()
    }
}

/// A 512 MiB GNU long name and PAX header (claimed, not stored), and a
/// PAX path of 80 KiB.
fn tar_headers(out: &Path) -> io::Result<()> {
    let write = |name: &str, first: Node| {
        let nodes = vec![first, fixture::file("x", "x")];
        fixture::write_image(
            &spec(nodes),
            Layout::OciTar,
            Compress::Gzip,
            &out.join(name),
        )
        .map(drop)
    };
    let long = tar::EntryType::GNULongName;
    write(
        "longname-512MiB.tar",
        raw_header(long, "././@LongLink", 512 << 20, b"a"),
    )?;
    write(
        "pax-512MiB.tar",
        raw_header(tar::EntryType::XHeader, "pax", 512 << 20, b""),
    )?;
    let path = format!("path={}f\n", "d/".repeat(40 * 1024));
    let mut len = path.len() + 2;
    while format!("{len} {path}").len() != len {
        len += 1;
    }
    let record = format!("{len} {path}");
    let pax = raw_header(
        tar::EntryType::XHeader,
        "pax",
        record.len() as u64,
        record.as_bytes(),
    );
    write("path-80KiB.tar", pax)
}

/// An OCI layout whose config claims 65 MiB (a sparse file).
fn metadata(out: &Path) -> io::Result<()> {
    let dir = out.join("metadata-65MiB");
    fs::create_dir_all(&dir)?;
    let nodes = vec![fixture::file("x", "x")];
    fixture::write_image(&spec(nodes), Layout::OciDir, Compress::Gzip, &dir)?;
    let manifest = read_json(&blob(&dir, &top_digest(&dir)?))?;
    let config = manifest["config"]["digest"].as_str().unwrap_or_default();
    File::options()
        .write(true)
        .open(blob(&dir, config))?
        .set_len(65 << 20)
}

/// A gzipped stream of five 60 MiB JSON members: 300 MiB kept in memory if
/// nothing stopped it.
fn streamed_json(out: &Path) -> io::Result<()> {
    let mib = gzip(&vec![b' '; 1 << 20])?;
    let mut f = BufWriter::new(File::create(out.join("stream-json-300MiB.tar.gz"))?);
    for i in 0..5 {
        let mut h = tar::Header::new_gnu();
        h.set_path(format!("extra{i}.json"))?;
        h.set_size(60 << 20);
        h.set_mode(0o644);
        h.set_cksum();
        f.write_all(&gzip(h.as_bytes())?)?;
        for _ in 0..60 {
            f.write_all(&mib)?;
        }
    }
    f.write_all(&gzip(&[0; 1024])?)?;
    f.flush()
}

/// An index that points to itself, and indexes nested nine deep.
fn indexes(out: &Path) -> io::Result<()> {
    const INDEX: &str = "application/vnd.oci.image.index.v1+json";
    let layout = |name: &str| -> io::Result<std::path::PathBuf> {
        let dir = out.join(name);
        fs::create_dir_all(&dir)?;
        let nodes = vec![fixture::file("x", "x")];
        fixture::write_image(&spec(nodes), Layout::OciDir, Compress::Gzip, &dir)?;
        Ok(dir)
    };
    let dir = layout("index-cycle")?;
    let fake = format!("sha256:{}", "ab".repeat(32));
    let looping = json!({"schemaVersion": 2, "mediaType": INDEX,
        "manifests": [{"mediaType": INDEX, "digest": fake, "size": 1}]});
    fs::write(blob(&dir, &fake), looping.to_string())?;
    set_top(&dir, &fake, INDEX)?;
    let dir = layout("index-depth-9")?;
    let mut digest = top_digest(&dir)?;
    let mut media_type = "application/vnd.oci.image.manifest.v1+json";
    for _ in 0..9 {
        let index = json!({"schemaVersion": 2, "mediaType": INDEX,
            "manifests": [{"mediaType": media_type, "digest": digest, "size": 1}]});
        digest = store(&dir, index.to_string().as_bytes())?;
        media_type = INDEX;
        set_top(&dir, &digest, INDEX)?;
    }
    Ok(())
}

/// The Dockerfile classes: eager expansion, deep nesting, a long chain of
/// stages, a long file to lint, a `.dockerignore` line of 100,000 `**/`;
/// and a `.ballast.toml` of 20,000 `**/` ignore paths.
fn dockerfiles(out: &Path) -> io::Result<()> {
    let case = |name: &str, text: String| -> io::Result<std::path::PathBuf> {
        let dir = out.join(name);
        fs::create_dir_all(&dir)?;
        fs::write(dir.join("Dockerfile"), text)?;
        Ok(dir)
    };
    let mut text = String::from("FROM alpine:3\nENV V0=0123456789abcdef\n");
    for i in 1..=40 {
        text.push_str(&format!("ENV V{i}=$V{}${{V{}}}\n", i - 1, i - 1));
    }
    case("df-doubling-40", text)?;
    let n = 100_000;
    let nested = format!(
        "FROM alpine:3\nENV X={}x{}\n",
        "${A:-".repeat(n),
        "}".repeat(n)
    );
    case("df-nested-100k", nested)?;
    let mut text = String::from("FROM alpine:3 AS s0\n");
    for i in 0..100_000 {
        text.push_str(&format!("FROM s{i} AS s{}\nENV V{i}=$V0\n", i + 1));
    }
    case("df-stages-100k", text)?;
    let mut text = String::from("FROM debian:12\n");
    for i in 0..50_000 {
        text.push_str(&format!("RUN echo {i} > /tmp/f{i}\n"));
    }
    case("df-run-50k", text)?;
    let dir = case(
        "df-dockerignore-100k",
        "FROM alpine:3\nCOPY . /app\n".into(),
    )?;
    fs::write(
        dir.join(".dockerignore"),
        format!("{}x\n", "**/".repeat(100_000)),
    )?;
    fs::write(dir.join("a.txt"), "a")?;
    let lines: String = (0..20_000).map(|_| "  \"**/**/**/**/x\",\n").collect();
    let toml = format!("[budget]\nmax_size = \"1TB\"\nignore_paths = [\n{lines}]\n");
    fs::write(out.join("ballast-toml-20k-globs.toml"), toml)
}

// --- a streamed OCI layout --------------------------------------------------

/// One layer's tar, streamed through gzip into a blob file while both
/// digests are computed.
struct Layer {
    tar: tar::Builder<Hashing<flate2::write::GzEncoder<Hashing<BufWriter<File>>>>>,
}

impl Layer {
    /// A regular file of `size` bytes, each `byte`.
    fn file(&mut self, path: &str, size: u64, byte: u8) -> io::Result<()> {
        let mut h = tar::Header::new_gnu();
        h.set_size(size);
        h.set_mode(0o644);
        h.set_mtime(0);
        let data = io::repeat(byte).take(size);
        self.tar.append_data(&mut h, path, data)
    }
}

/// Counts and hashes what is written through it.
struct Hashing<W> {
    inner: W,
    sha: Sha256,
    len: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.sha.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn hashing<W>(inner: W) -> Hashing<W> {
    Hashing {
        inner,
        sha: Sha256::new(),
        len: 0,
    }
}

/// What writes one layer's files.
type Fill = Box<dyn FnOnce(&mut Layer) -> io::Result<()>>;

/// An OCI layout directory at `dir` with one gzip layer that `fill` writes.
fn streamed_image(
    dir: &Path,
    fill: impl FnOnce(&mut Layer) -> io::Result<()> + 'static,
) -> io::Result<()> {
    streamed_layers(dir, vec![Box::new(fill)])
}

/// One gzip layer blob in `dir` that `fill` writes: its diff_id, digest and size.
fn streamed_layer(dir: &Path, fill: Fill) -> io::Result<(String, String, u64)> {
    let tmp = dir.join("blobs/sha256/layer.partial");
    let file = hashing(BufWriter::new(File::create(&tmp)?));
    let gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
    let mut layer = Layer {
        tar: tar::Builder::new(hashing(gz)),
    };
    fill(&mut layer)?;
    let plain = layer.tar.into_inner()?;
    let diff_id = format!("sha256:{}", hex::encode(plain.sha.finalize()));
    let mut compressed = plain.inner.finish()?;
    compressed.flush()?;
    let digest = format!("sha256:{}", hex::encode(compressed.sha.finalize()));
    fs::rename(&tmp, blob(dir, &digest))?;
    Ok((diff_id, digest, compressed.len))
}

/// An OCI layout directory at `dir` with a gzip layer written by each fill.
fn streamed_layers(dir: &Path, fills: Vec<Fill>) -> io::Result<()> {
    fs::create_dir_all(dir.join("blobs/sha256"))?;
    let mut written = Vec::new();
    for fill in fills {
        written.push(streamed_layer(dir, fill)?);
    }
    let diff_ids: Vec<&str> = written.iter().map(|w| w.0.as_str()).collect();
    let history: Vec<_> = written
        .iter()
        .map(|_| json!({"created_by": "/bin/sh -c hostile"}))
        .collect();
    let config = json!({
        "architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": history,
        "config": {},
    });
    let config = config.to_string();
    let config_digest = store(dir, config.as_bytes())?;
    let manifest = json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": config_digest, "size": config.len()},
        "layers": written.iter().map(|(_, digest, size)| json!({
            "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
            "digest": digest, "size": size})).collect::<Vec<_>>(),
    });
    let manifest = manifest.to_string();
    let manifest_digest = store(dir, manifest.as_bytes())?;
    fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#)?;
    let index = json!({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": manifest_digest, "size": manifest.len()}]});
    fs::write(dir.join("index.json"), index.to_string())
}

// --- small helpers ------------------------------------------------------------

fn gzip(bytes: &[u8]) -> io::Result<Vec<u8>> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes)?;
    enc.finish()
}

fn blob(dir: &Path, digest: &str) -> std::path::PathBuf {
    let (alg, hex) = digest.split_once(':').unwrap_or(("sha256", digest));
    dir.join("blobs").join(alg).join(hex)
}

fn store(dir: &Path, bytes: &[u8]) -> io::Result<String> {
    let digest = format!("sha256:{}", hex::encode(Sha256::digest(bytes)));
    fs::write(blob(dir, &digest), bytes)?;
    Ok(digest)
}

fn read_json(path: &Path) -> io::Result<serde_json::Value> {
    serde_json::from_slice(&fs::read(path)?).map_err(io::Error::other)
}

fn top_digest(dir: &Path) -> io::Result<String> {
    let index = read_json(&dir.join("index.json"))?;
    Ok(index["manifests"][0]["digest"]
        .as_str()
        .unwrap_or_default()
        .to_string())
}

fn set_top(dir: &Path, digest: &str, media_type: &str) -> io::Result<()> {
    let mut index = read_json(&dir.join("index.json"))?;
    index["manifests"][0]["digest"] = json!(digest);
    index["manifests"][0]["mediaType"] = json!(media_type);
    fs::write(dir.join("index.json"), index.to_string())
}
