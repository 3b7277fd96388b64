//! Hostile image inputs (issue 13): special files where images or blobs
//! should be, images on stdin, blobs stored under the wrong digest, index
//! cycles, repeated layers in a stream. Every input is generated here; every
//! run has a deadline, so a hang fails the test instead of stalling it.

#[allow(dead_code)]
#[path = "support/bin.rs"]
mod bin;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use serde_json::{Value, json};
use sha2::{Digest, Sha256, Sha512};
use testimage::{self as fixture, Compress, ImageSpec, LayerSpec, Layout};

/// Longer than any of these runs takes; a run past it is a hang.
const DEADLINE: Duration = Duration::from_secs(60);

/// The binary, with no layer cache: tests that break a layer must see it read.
fn ballast(args: &[&str]) -> Command {
    let mut cmd = bin::uncached();
    cmd.args(args);
    cmd
}

/// Run `cmd` with `stdin` piped in; kill it and fail at the deadline.
fn run(mut cmd: Command, stdin: Option<Vec<u8>>) -> Output {
    bin::within(&mut cmd, stdin, DEADLINE)
}

fn error_of(out: Output) -> String {
    bin::error_of(&out)
}

fn json_of(out: Output) -> Value {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "ballast failed: {stderr}");
    serde_json::from_slice(&out.stdout).unwrap()
}

fn analyse(image: &Path, extra: &[&str]) -> Value {
    let mut args = vec![image.to_str().unwrap(), "--json", "-"];
    args.extend_from_slice(extra);
    json_of(run(ballast(&args), None))
}

fn fails(image: &Path, extra: &[&str]) -> String {
    let mut args = vec![image.to_str().unwrap()];
    args.extend_from_slice(extra);
    error_of(run(ballast(&args), None))
}

fn spec(big: u64) -> ImageSpec {
    ImageSpec {
        layers: vec![
            LayerSpec::new(
                "/bin/sh -c one",
                vec![
                    fixture::dir("etc"),
                    fixture::file("etc/conf", "a=1\n"),
                    fixture::big_file("var/blob", big, 1),
                ],
            ),
            LayerSpec::new("/bin/sh -c two", vec![fixture::file("etc/conf", "a=2\n")]),
        ],
        ..ImageSpec::default()
    }
}

fn write(dir: &Path, name: &str, layout: Layout, compress: Compress) -> PathBuf {
    let out = dir.join(name);
    fixture::write_image(&spec(3000), layout, compress, &out).unwrap();
    out
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: a valid C string; mkfifo has no other preconditions.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0, "mkfifo");
}

fn gzip(bytes: &[u8], level: u32) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level));
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The blob path of `digest` in layout `dir`.
fn blob(dir: &Path, digest: &str) -> PathBuf {
    let (alg, hex) = digest.split_once(':').unwrap();
    dir.join("blobs").join(alg).join(hex)
}

/// Store `bytes` in layout `dir` under their sha256; the digest.
fn store(dir: &Path, bytes: &[u8]) -> String {
    let digest = format!("sha256:{}", hex::encode(Sha256::digest(bytes)));
    std::fs::write(blob(dir, &digest), bytes).unwrap();
    digest
}

/// The manifest digest index.json of `dir` points to.
fn manifest_digest(dir: &Path) -> String {
    read_json(&dir.join("index.json"))["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string()
}

fn set_manifest(dir: &Path, digest: &str, media_type: &str) {
    let mut index = read_json(&dir.join("index.json"));
    index["manifests"][0]["digest"] = json!(digest);
    index["manifests"][0]["mediaType"] = json!(media_type);
    std::fs::write(dir.join("index.json"), index.to_string()).unwrap();
}

const INDEX_TYPE: &str = "application/vnd.oci.image.index.v1+json";
const MANIFEST_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";

// --- 1. Only regular files and directories are opened ---------------------

#[test]
fn a_fifo_as_the_image_is_an_error_not_a_hang() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("image.tar");
    mkfifo(&fifo);
    let err = fails(&fifo, &[]);
    assert!(err.contains("image.tar' is a FIFO"), "{err}");
    assert!(err.contains("pass `-`"), "{err}");
}

#[test]
fn a_fifo_as_a_layer_config_or_index_in_a_layout_is_an_error_not_a_hang() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = write(tmp.path(), "oci", Layout::OciDir, Compress::Gzip);
    let manifest: Value = read_json(&blob(&dir, &manifest_digest(&dir)));
    let layer = blob(&dir, manifest["layers"][0]["digest"].as_str().unwrap());
    let config = blob(&dir, manifest["config"]["digest"].as_str().unwrap());
    for victim in [layer, config, dir.join("index.json")] {
        let saved = std::fs::read(&victim).unwrap();
        std::fs::remove_file(&victim).unwrap();
        mkfifo(&victim);
        let err = fails(&dir, &[]);
        let name = victim.file_name().unwrap().to_str().unwrap();
        assert!(err.contains(name) && err.contains("is a FIFO"), "{err}");
        std::fs::remove_file(&victim).unwrap();
        std::fs::write(&victim, saved).unwrap();
    }
    analyse(&dir, &[]);
}

#[test]
fn a_fifo_in_an_unpacked_docker_save_directory_is_an_error_not_a_hang() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = write(tmp.path(), "i.tar", Layout::DockerLegacy, Compress::None);
    let dir = tmp.path().join("unpacked");
    tar::Archive::new(std::fs::File::open(&archive).unwrap())
        .unpack(&dir)
        .unwrap();
    analyse(&dir, &[]);
    let layer = read_json(&dir.join("manifest.json"))[0]["Layers"][0]
        .as_str()
        .unwrap()
        .to_string();
    for victim in [dir.join(layer), dir.join("manifest.json")] {
        std::fs::remove_file(&victim).unwrap();
        mkfifo(&victim);
        let err = fails(&dir, &[]);
        assert!(err.contains("is a FIFO"), "{err}");
    }
}

#[test]
fn a_fifo_given_to_diff_is_an_error_not_a_hang() {
    let tmp = tempfile::tempdir().unwrap();
    let good = write(tmp.path(), "i.tar", Layout::DockerLegacy, Compress::None);
    let fifo = tmp.path().join("new.tar");
    mkfifo(&fifo);
    let (good, fifo) = (good.to_str().unwrap(), fifo.to_str().unwrap());
    let err = error_of(run(ballast(&["diff", good, fifo]), None));
    assert!(err.contains("new.tar' is a FIFO"), "{err}");
}

#[test]
fn a_symlink_leading_out_of_a_layout_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = write(tmp.path(), "oci", Layout::OciDir, Compress::Gzip);
    let manifest: Value = read_json(&blob(&dir, &manifest_digest(&dir)));
    let layer = blob(&dir, manifest["layers"][1]["digest"].as_str().unwrap());
    let outside = tmp.path().join("outside");
    std::fs::rename(&layer, &outside).unwrap();
    std::os::unix::fs::symlink(&outside, &layer).unwrap();
    let err = fails(&dir, &[]);
    assert!(err.contains("leads outside the layout"), "{err}");
    // A link that stays inside the layout is followed.
    let inside = dir.join("blobs/copy");
    std::fs::rename(&outside, &inside).unwrap();
    std::fs::remove_file(&layer).unwrap();
    std::os::unix::fs::symlink("../copy", &layer).unwrap();
    analyse(&dir, &[]);
}

#[test]
fn a_docker_save_stream_on_stdin_is_read_plain_or_gzipped() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = write(tmp.path(), "i.tar", Layout::DockerLegacy, Compress::None);
    let want = analyse(&archive, &[]);
    let bytes = std::fs::read(&archive).unwrap();
    for input in [bytes.clone(), gzip(&bytes, 6)] {
        let got = json_of(run(ballast(&["-", "--json", "-"]), Some(input)));
        assert_eq!(got["metrics"], want["metrics"]);
        assert_eq!(got["image"]["layers"], want["image"]["layers"]);
    }
}

#[test]
fn dev_stdin_as_a_path_points_to_dash() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = write(tmp.path(), "i.tar", Layout::DockerLegacy, Compress::None);
    let bytes = std::fs::read(&archive).unwrap();
    let err = error_of(run(ballast(&["/dev/stdin"]), Some(bytes)));
    assert!(
        err.contains("is a FIFO") && err.contains("pass `-`"),
        "{err}"
    );
}

#[test]
fn standard_input_named_twice_is_refused_before_anything_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = write(tmp.path(), "i.tar", Layout::DockerLegacy, Compress::None);
    let bytes = std::fs::read(&archive).unwrap();
    let a = archive.to_str().unwrap();
    for (args, first, second) in [
        (&["diff", "-", "-"][..], "OLD", "NEW"),
        (&["-", "--ci", "--baseline", "-"], "IMAGE", "--baseline"),
        (
            &["-", "--no-tui", "--candidate-base", "-"],
            "IMAGE",
            "--candidate-base",
        ),
        (
            &[
                a,
                "--no-tui",
                "--candidate-base",
                "-",
                "--candidate-base",
                "-",
            ],
            "--candidate-base",
            "--candidate-base",
        ),
        (
            &[a, "--ci", "--baseline", "-", "--candidate-base", "-"],
            "--baseline",
            "--candidate-base",
        ),
    ] {
        let err = error_of(run(ballast(args), Some(bytes.clone())));
        assert_eq!(
            err.trim_end(),
            format!(
                "ballast: error: {first} and {second} both name '-', but standard input holds \
                 one image and can be read only once; write one of them to a file (docker save \
                 IMAGE -o image.tar)"
            ),
            "{args:?}"
        );
    }
    // Once is fine, wherever it is.
    let out = run(ballast(&["diff", a, "-", "--json", "-"]), Some(bytes));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

// --- 3. Blob digests, index cycles -----------------------------------------

#[test]
fn a_layer_blob_stored_under_the_wrong_digest_is_an_error_naming_the_blob() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = write(tmp.path(), "oci", Layout::OciDir, Compress::Gzip);
    let manifest: Value = read_json(&blob(&dir, &manifest_digest(&dir)));
    let digest = manifest["layers"][0]["digest"].as_str().unwrap();
    let path = blob(&dir, digest);
    // The same tar compressed differently: its diff_id still matches.
    let tar = flate2::read::MultiGzDecoder::new(std::fs::File::open(&path).unwrap());
    let tar: Vec<u8> = std::io::Read::bytes(tar).map(Result::unwrap).collect();
    let regzipped = gzip(&tar, 9);
    assert_ne!(regzipped, std::fs::read(&path).unwrap());
    std::fs::write(&path, regzipped).unwrap();
    let err = fails(&dir, &[]);
    let hex = digest.trim_start_matches("sha256:");
    assert!(
        err.contains(&format!("blob 'blobs/sha256/{hex}' hashes to sha256:")),
        "{err}"
    );
    assert!(err.contains("--no-verify"), "{err}");
    analyse(&dir, &["--no-verify"]);
}

#[test]
fn a_config_stored_under_the_wrong_digest_is_an_error_naming_the_blob() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = write(tmp.path(), "oci", Layout::OciDir, Compress::None);
    let manifest: Value = read_json(&blob(&dir, &manifest_digest(&dir)));
    let digest = manifest["config"]["digest"].as_str().unwrap();
    let mut config = std::fs::read(blob(&dir, digest)).unwrap();
    config.push(b'\n');
    std::fs::write(blob(&dir, digest), config).unwrap();
    let err = fails(&dir, &[]);
    assert!(err.contains(digest.trim_start_matches("sha256:")), "{err}");
    assert!(err.contains("hashes to"), "{err}");
}

#[test]
fn a_docker25_config_under_the_wrong_digest_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = write(tmp.path(), "d.tar", Layout::Docker25, Compress::None);
    let dir = tmp.path().join("unpacked");
    tar::Archive::new(std::fs::File::open(&archive).unwrap())
        .unpack(&dir)
        .unwrap();
    analyse(&dir, &[]);
    // (Its layers are plain tar: a changed layer is a diff_id mismatch first.)
    let config = read_json(&dir.join("manifest.json"))[0]["Config"]
        .as_str()
        .unwrap()
        .to_string();
    let mut bytes = std::fs::read(dir.join(&config)).unwrap();
    bytes.push(b' ');
    std::fs::write(dir.join(&config), bytes).unwrap();
    let err = fails(&dir, &[]);
    assert!(err.contains(&format!("blob '{config}' hashes to")), "{err}");
    analyse(&dir, &["--no-verify"]);
}

#[test]
fn sha512_blobs_are_verified_and_md5_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = write(tmp.path(), "oci", Layout::OciDir, Compress::Gzip);
    let manifest = std::fs::read(blob(&dir, &manifest_digest(&dir))).unwrap();
    std::fs::create_dir(dir.join("blobs/sha512")).unwrap();
    let sha512 = format!("sha512:{}", hex::encode(Sha512::digest(&manifest)));
    std::fs::write(blob(&dir, &sha512), &manifest).unwrap();
    set_manifest(&dir, &sha512, MANIFEST_TYPE);
    analyse(&dir, &[]);
    std::fs::write(blob(&dir, &sha512), [&manifest[..], b" "].concat()).unwrap();
    let err = fails(&dir, &[]);
    assert!(err.contains("hashes to sha512:"), "{err}");

    std::fs::create_dir(dir.join("blobs/md5")).unwrap();
    let md5 = format!("md5:{}", "0123456789abcdef".repeat(2));
    std::fs::write(blob(&dir, &md5), &manifest).unwrap();
    set_manifest(&dir, &md5, MANIFEST_TYPE);
    let err = fails(&dir, &[]);
    assert!(err.contains("digest algorithm 'md5'"), "{err}");
    analyse(&dir, &["--no-verify"]);
}

#[test]
fn an_index_that_points_to_itself_is_an_error_naming_the_loop() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = write(tmp.path(), "oci", Layout::OciDir, Compress::Gzip);
    // No content can hash to a digest inside itself, so the loop needs
    // --no-verify; with verification the blob's digest is wrong first.
    let fake = format!("sha256:{}", "ab".repeat(32));
    let looping = json!({
        "schemaVersion": 2, "mediaType": INDEX_TYPE,
        "manifests": [{"mediaType": INDEX_TYPE, "digest": fake, "size": 1}],
    });
    std::fs::write(blob(&dir, &fake), looping.to_string()).unwrap();
    set_manifest(&dir, &fake, INDEX_TYPE);
    let err = fails(&dir, &["--no-verify"]);
    assert!(err.contains("cycle"), "{err}");
    assert!(err.contains(&format!("{fake} -> {fake}")), "{err}");
    let err = fails(&dir, &[]);
    assert!(err.contains("hashes to"), "{err}");
}

#[test]
fn indexes_nested_deeper_than_eight_are_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = write(tmp.path(), "oci", Layout::OciDir, Compress::Gzip);
    let mut digest = manifest_digest(&dir);
    let mut media_type = MANIFEST_TYPE;
    for depth in 1..=9 {
        let index = json!({
            "schemaVersion": 2, "mediaType": INDEX_TYPE,
            "manifests": [{"mediaType": media_type, "digest": digest, "size": 1}],
        });
        digest = store(&dir, index.to_string().as_bytes());
        media_type = INDEX_TYPE;
        set_manifest(&dir, &digest, INDEX_TYPE);
        if depth == 7 {
            analyse(&dir, &[]);
        }
    }
    let err = fails(&dir, &[]);
    assert!(
        err.contains("deeper than 8") && err.contains("raise it with --limit index-depth=16"),
        "{err}"
    );
}

// --- 4. A repeated layer in a compressed docker save -----------------------

/// A legacy `docker save` whose manifest lists its first layer twice
/// (`FROM` an image, then `COPY` the same content again can do this).
fn repeated_layer_archive(dir: &Path) -> Vec<u8> {
    let path = dir.join("i.tar");
    // Bigger than what a stream keeps in memory, so a worker reads it.
    fixture::write_image(&spec(3 << 20), Layout::DockerLegacy, Compress::None, &path).unwrap();
    let mut members = Vec::new();
    let mut archive = tar::Archive::new(std::fs::File::open(&path).unwrap());
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let name = entry.path().unwrap().to_str().unwrap().to_string();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut bytes).unwrap();
        members.push((name, entry.header().entry_type(), bytes));
    }
    let manifest = members.iter().find(|m| m.0 == "manifest.json").unwrap();
    let mut manifest: Value = serde_json::from_slice(&manifest.2).unwrap();
    let first = manifest[0]["Layers"][0].clone();
    manifest[0]["Layers"].as_array_mut().unwrap().push(first);
    let config_name = manifest[0]["Config"].as_str().unwrap().to_string();
    let config = members.iter().find(|m| m.0 == config_name).unwrap();
    let mut config: Value = serde_json::from_slice(&config.2).unwrap();
    let diff_id = config["rootfs"]["diff_ids"][0].clone();
    config["rootfs"]["diff_ids"]
        .as_array_mut()
        .unwrap()
        .push(diff_id);
    let line = config["history"][0].clone();
    config["history"].as_array_mut().unwrap().push(line);
    let mut out = tar::Builder::new(Vec::new());
    for (name, kind, mut bytes) in members {
        if kind != tar::EntryType::Regular {
            continue;
        }
        if name == "manifest.json" {
            bytes = manifest.to_string().into_bytes();
        } else if name == config_name {
            bytes = config.to_string().into_bytes();
        }
        let mut h = tar::Header::new_gnu();
        h.set_size(bytes.len() as u64);
        h.set_mode(0o644);
        out.append_data(&mut h, &name, &bytes[..]).unwrap();
    }
    out.into_inner().unwrap()
}

#[test]
fn a_compressed_docker_save_listing_a_layer_twice_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    let tar = repeated_layer_archive(tmp.path());
    let plain = tmp.path().join("twice.tar");
    std::fs::write(&plain, &tar).unwrap();
    let gz = tmp.path().join("twice.tar.gz");
    std::fs::write(&gz, gzip(&tar, 1)).unwrap();
    let want = analyse(&plain, &[]);
    assert_eq!(want["image"]["layers"].as_array().unwrap().len(), 3);
    let got = analyse(&gz, &[]);
    assert_eq!(got["metrics"], want["metrics"]);
    assert_eq!(got["image"]["layers"], want["image"]["layers"]);
}

// --- 2. Memory bounded by limits, never by the input ------------------------

use fixture::raw_header;

/// One PAX record: `<length> <key>=<value>\n`, the length counting itself.
fn pax_record(key: &str, value: &str) -> Vec<u8> {
    let body = format!(" {key}={value}\n");
    let mut len = body.len() + 1;
    while format!("{len}").len() + body.len() != len {
        len += 1;
    }
    format!("{len}{body}").into_bytes()
}

fn image_with(nodes: Vec<fixture::Node>, dir: &Path) -> PathBuf {
    let spec = ImageSpec {
        layers: vec![LayerSpec::new("/bin/sh -c hostile", nodes)],
        ..ImageSpec::default()
    };
    let out = dir.join("hostile.tar");
    fixture::write_image(&spec, Layout::OciTar, Compress::Gzip, &out).unwrap();
    out
}

#[test]
fn a_512_mib_gnu_long_name_is_refused_before_it_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    let claim = raw_header(
        tar::EntryType::GNULongName,
        "././@LongLink",
        512 << 20,
        b"a",
    );
    let image = image_with(vec![claim, fixture::file("x", "x")], tmp.path());
    let err = fails(&image, &[]);
    assert!(
        err.contains(
            "GNU long-name header of 536870912 bytes is over the limit on tar extension headers \
             (long names, PAX records): the tar-header limit is 1 MiB; raise it with \
             --limit tar-header=512MiB"
        ),
        "{err}"
    );
}

#[test]
fn a_512_mib_pax_header_is_refused_before_it_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    let claim = raw_header(tar::EntryType::XHeader, "pax", 512 << 20, b"");
    let image = image_with(vec![claim, fixture::file("x", "x")], tmp.path());
    let err = fails(&image, &[]);
    assert!(
        err.contains(
            "PAX extended header of 536870912 bytes is over the limit on tar extension headers \
             (long names, PAX records): the tar-header limit is 1 MiB; raise it with \
             --limit tar-header=512MiB"
        ),
        "{err}"
    );
}

#[test]
fn a_pax_size_override_is_followed_and_a_path_over_64_kib_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    // PAX says the next file holds 600 bytes, its header says 0: the guard
    // must skip what the tar reader skips, or it would misread the data.
    let records = pax_record("size", "600");
    let pax = raw_header(
        tar::EntryType::XHeader,
        "pax",
        records.len() as u64,
        &records,
    );
    let file = raw_header(tar::EntryType::Regular, "sized", 0, &[b'x'; 600]);
    let image = image_with(vec![pax, file, fixture::file("after", "y")], tmp.path());
    let json = analyse(&image, &[]);
    assert_eq!(json["image"]["size_bytes"], 601, "{}", json["image"]);

    let long = "d/".repeat(40 * 1024);
    let records = pax_record("path", &format!("{long}f"));
    let pax = raw_header(
        tar::EntryType::XHeader,
        "pax",
        records.len() as u64,
        &records,
    );
    let image = image_with(vec![pax, fixture::file("x", "x")], tmp.path());
    let err = fails(&image, &[]);
    assert!(
        err.contains("the path-length limit is 64 KiB; raise it with --limit path-length=128KiB"),
        "{err}"
    );
}

#[test]
fn a_package_json_over_16_mib_is_skipped_with_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let big = fixture::big_file("app/package.json", 17 << 20, 3);
    let image = image_with(vec![fixture::dir("app"), big], tmp.path());
    let json = analyse(&image, &["--no-verify"]);
    let warnings = json["warnings"].to_string();
    assert!(
        warnings.contains("not read for the package inventory")
            && warnings.contains(
                "the package-file limit is 16 MiB; raise it with --limit package-file=32MiB"
            ),
        "{warnings}"
    );
}

#[test]
fn metadata_over_64_mib_is_refused_before_it_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = write(tmp.path(), "oci", Layout::OciDir, Compress::Gzip);
    let manifest: Value = read_json(&blob(&dir, &manifest_digest(&dir)));
    let config = blob(&dir, manifest["config"]["digest"].as_str().unwrap());
    let f = std::fs::File::create(&config).unwrap();
    f.set_len(65 << 20).unwrap();
    let err = fails(&dir, &[]);
    assert!(
        err.contains("the metadata limit is 64 MiB; raise it with --limit metadata=128MiB"),
        "{err}"
    );
}

#[test]
fn json_members_past_256_mib_in_a_compressed_archive_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    // Five 60 MiB JSON members: each under the per-file limit, together over.
    // Concatenated gzip members decode as one stream, so one compressed MiB
    // is repeated instead of compressing 300 MiB here.
    let mib = gzip(&vec![b' '; 1 << 20], 1);
    let mut stream = Vec::new();
    for i in 0..5 {
        let mut h = tar::Header::new_gnu();
        h.set_path(format!("extra{i}.json")).unwrap();
        h.set_size(60 << 20);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        h.set_cksum();
        stream.extend(gzip(h.as_bytes(), 1));
        for _ in 0..60 {
            stream.extend_from_slice(&mib);
        }
    }
    stream.extend(gzip(&[0; 1024], 1));
    let gz = tmp.path().join("many-json.tar.gz");
    std::fs::write(&gz, stream).unwrap();
    let err = fails(&gz, &[]);
    assert!(
        err.contains(
            "over the limit on what is kept in memory while streaming: the stream-memory \
             limit is 256 MiB; raise it with --limit stream-memory=512MiB"
        ),
        "{err}"
    );
    assert!(err.contains("extra4.json"), "{err}");
}

#[test]
fn a_plain_layer_under_the_wrong_digest_is_caught_through_its_diff_id() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = write(tmp.path(), "oci", Layout::OciDir, Compress::None);
    let mut manifest: Value = read_json(&blob(&dir, &manifest_digest(&dir)));
    let real = manifest["layers"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let fake = format!("sha256:{}", "cd".repeat(32));
    std::fs::copy(blob(&dir, &real), blob(&dir, &fake)).unwrap();
    manifest["layers"][0]["digest"] = json!(fake);
    let digest = store(&dir, manifest.to_string().as_bytes());
    set_manifest(&dir, &digest, MANIFEST_TYPE);
    let err = fails(&dir, &[]);
    let want = format!("blob 'blobs/sha256/{}' hashes to {real}", "cd".repeat(32));
    assert!(err.contains(&want), "{err}");
    analyse(&dir, &["--no-verify"]);
}
