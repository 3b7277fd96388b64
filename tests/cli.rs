//! The CLI on synthetic archives: every layout and compression, the OCI overlay
//! corner cases, and every kind of bad input a user can hand it. No engine needed.
//!
//! Each test writes its images into its own temp dir with the `testimage` crate, so
//! anyone can see how each input was made.

#[allow(dead_code)]
#[path = "support/bin.rs"]
mod bin;
#[allow(dead_code)]
#[path = "support/image.rs"]
mod image;

use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::prelude::*;
use serde_json::Value;
use testimage::{self as fixture, Compress, ImageSpec, Layout, Node};

/// The binary, with no layer cache: tests that break a layer must see it read.
fn ballast() -> Command {
    bin::uncached()
}

fn spec(layers: Vec<Vec<Node>>) -> ImageSpec {
    image::steps(layers)
}

/// A small image with a deletion, an overwrite, an opaque directory and a hard link.
fn sample() -> ImageSpec {
    spec(vec![
        vec![
            fixture::dir("etc"),
            fixture::file("etc/conf", "version=1\n"),
            fixture::dir("cache"),
            fixture::big_file("cache/blob", 30_000, 7),
            fixture::dir("opt"),
            fixture::file("opt/old-a", "aaaa"),
            fixture::file("opt/old-b", "bbbbbb"),
            fixture::file("bin-a", "0123456789"),
            fixture::hardlink("bin-b", "bin-a"),
        ],
        vec![
            fixture::whiteout("cache"),
            fixture::file("etc/conf", "version=22\n"),
        ],
        vec![
            fixture::dir("opt"),
            fixture::opaque("opt"),
            fixture::file("opt/new", "n"),
        ],
    ])
}

fn write(dir: &Path, name: &str, spec: &ImageSpec, layout: Layout, compress: Compress) -> PathBuf {
    let out = dir.join(name);
    fixture::write_image(spec, layout, compress, &out).unwrap();
    out
}

fn json_of(path: &Path, extra: &[&str]) -> Value {
    let out = ballast()
        .arg(path)
        .args(["--json", "-"])
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "ballast {} failed: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The JSON analysis of `spec` written as a legacy `docker save` archive.
fn analyse(spec: &ImageSpec) -> Value {
    let tmp = tempfile::tempdir().unwrap();
    json_of(
        &write(
            tmp.path(),
            "i.tar",
            spec,
            Layout::DockerLegacy,
            Compress::None,
        ),
        &[],
    )
}

/// Run expecting exit 2; return stderr.
fn fails(path: &Path, extra: &[&str]) -> String {
    bin::error_of(&ballast().arg(path).args(extra).output().unwrap())
}

/// A file entry written by hand: the tar crate's builder refuses `..` and
/// absolute names, which is exactly what hostile layers contain.
fn raw_entry(name: &[u8], data: &[u8]) -> Node {
    let mut h = tar::Header::new_gnu();
    h.as_old_mut().name[..name.len()].copy_from_slice(name);
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    h.set_entry_type(tar::EntryType::Regular);
    h.set_cksum();
    let mut bytes = h.as_bytes().to_vec();
    bytes.extend_from_slice(data);
    bytes.resize(bytes.len().div_ceil(512) * 512, 0);
    Node::Raw(bytes)
}

/// Layer blobs of an OCI directory written by the fixture, in manifest order.
fn oci_layer_blobs(dir: &Path) -> Vec<PathBuf> {
    let index: Value =
        serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
    let digest = index["manifests"][0]["digest"].as_str().unwrap();
    let blob = |d: &str| {
        dir.join("blobs/sha256")
            .join(d.trim_start_matches("sha256:"))
    };
    let manifest: Value = serde_json::from_slice(&std::fs::read(blob(digest)).unwrap()).unwrap();
    manifest["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| blob(l["digest"].as_str().unwrap()))
        .collect()
}

#[test]
fn every_layout_and_compression_gives_the_same_analysis() {
    let tmp = tempfile::tempdir().unwrap();
    let s = sample();
    let reference = json_of(
        &write(
            tmp.path(),
            "legacy.tar",
            &s,
            Layout::DockerLegacy,
            Compress::None,
        ),
        &[],
    );
    let cases = [
        ("d25.tar", Layout::Docker25, Compress::None),
        ("oci.tar", Layout::OciTar, Compress::None),
        ("oci-gz.tar", Layout::OciTar, Compress::Gzip),
        ("oci-zst.tar", Layout::OciTar, Compress::Zstd),
        ("oci-dir", Layout::OciDir, Compress::Gzip),
    ];
    for (name, layout, compress) in cases {
        let got = json_of(&write(tmp.path(), name, &s, layout, compress), &[]);
        assert_eq!(got["metrics"], reference["metrics"], "{name}");
        let diff_ids = |v: &Value| {
            v["image"]["layers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l["diff_id"].clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(diff_ids(&got), diff_ids(&reference), "{name}");
        for (a, b) in got["image"]["layers"]
            .as_array()
            .unwrap()
            .iter()
            .zip(reference["image"]["layers"].as_array().unwrap())
        {
            assert_eq!(a["size_bytes"], b["size_bytes"], "{name}");
            assert_eq!(a["changes"], b["changes"], "{name}");
            assert_eq!(a["command"], b["command"], "{name}");
        }
    }
    // The numbers themselves: 30,000 deleted + 10 overwritten + 10 hidden by the
    // opaque directory, with the hard link counted once.
    let m = &reference["metrics"];
    assert_eq!(m["hidden_bytes"], 30_000 + 10 + 10);
    assert_eq!(m["live_bytes"], 11 + 10 + 1);
    assert_eq!(m["wasted_bytes"], 21, "dive counts only etc/conf (10 + 11)");
}

#[test]
fn a_compressed_docker_save_is_read_as_a_stream() {
    let tmp = tempfile::tempdir().unwrap();
    let plain = write(
        tmp.path(),
        "img.tar",
        &sample(),
        Layout::DockerLegacy,
        Compress::None,
    );
    let gz = tmp.path().join("img.tar.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::fast(),
    );
    std::io::copy(&mut std::fs::File::open(&plain).unwrap(), &mut enc).unwrap();
    enc.finish().unwrap();
    assert_eq!(
        json_of(&gz, &[])["metrics"],
        json_of(&plain, &[])["metrics"]
    );
}

#[test]
fn pure_oci_tar_takes_layer_order_from_the_manifest() {
    // The fixture stores an OCI tar's layers in reverse order; dive reads them in
    // archive order and gets the wrong tree.
    let tmp = tempfile::tempdir().unwrap();
    let s = spec(vec![
        vec![fixture::file("f", "first version, longer")],
        vec![fixture::file("f", "second")],
        vec![fixture::whiteout("g"), fixture::file("h", "h")],
    ]);
    let written = fixture::write_image(
        &s,
        Layout::OciTar,
        Compress::Gzip,
        &tmp.path().join("o.tar"),
    )
    .unwrap();
    let v = json_of(&written.path, &[]);
    let layers = v["image"]["layers"].as_array().unwrap();
    for (i, l) in layers.iter().enumerate() {
        assert_eq!(l["diff_id"], written.diff_ids[i].as_str());
        assert_eq!(l["command"], format!("RUN step {i}"));
    }
    assert_eq!(v["metrics"]["live_bytes"], 6 + 1);
}

#[test]
fn multi_platform_index_picks_the_host_or_the_requested_platform() {
    let tmp = tempfile::tempdir().unwrap();
    let amd = write(
        tmp.path(),
        "amd",
        &spec(vec![vec![fixture::file("arch", "amd64")]]),
        Layout::OciDir,
        Compress::Gzip,
    );
    let arm = write(
        tmp.path(),
        "arm",
        &spec(vec![vec![fixture::file("arch", "arm64!!")]]),
        Layout::OciDir,
        Compress::Gzip,
    );
    // Merge arm's blobs into amd's layout and list both manifests in one index.
    for e in std::fs::read_dir(arm.join("blobs/sha256")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), amd.join("blobs/sha256").join(e.file_name())).unwrap();
    }
    let read_index = |p: &Path| -> Value {
        serde_json::from_slice(&std::fs::read(p.join("index.json")).unwrap()).unwrap()
    };
    let mut index = read_index(&amd);
    let mut arm_desc = read_index(&arm)["manifests"][0].clone();
    arm_desc["platform"] =
        serde_json::json!({"os": "linux", "architecture": "arm64", "variant": "v8"});
    index["manifests"].as_array_mut().unwrap().push(arm_desc);
    std::fs::write(amd.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();

    let live = |v: &Value| v["metrics"]["live_bytes"].as_u64().unwrap();
    if std::env::consts::ARCH == "x86_64" {
        assert_eq!(live(&json_of(&amd, &[])), 5);
    }
    assert_eq!(live(&json_of(&amd, &["--platform", "linux/arm64"])), 7);
    assert_eq!(live(&json_of(&amd, &["--platform", "linux/arm64/v8"])), 7);
    let err = fails(&amd, &["--platform", "linux/s390x"]);
    assert!(
        err.contains("linux/s390x") && err.contains("linux/arm64/v8"),
        "{err}"
    );
    let err = fails(&amd, &["--platform", "nonsense"]);
    assert!(err.contains("invalid platform 'nonsense'"), "{err}");
}

#[test]
fn pax_global_headers_long_and_non_utf8_names_are_read() {
    let long = format!("{}/x", "long-directory-name".repeat(10));
    let s = spec(vec![vec![
        Node::PaxGlobal {
            records: vec![("comment".into(), "git archive".into())],
        },
        fixture::file(&long, "12345"),
        fixture::file(b"caf\xe9", "ab"),
    ]]);
    let v = analyse(&s);
    assert_eq!(v["metrics"]["live_bytes"], 7);
    assert_eq!(v["metrics"]["live_files"], 2);
}

#[test]
fn names_climbing_out_of_the_root_are_reported_and_never_touch_the_disk() {
    let s = spec(vec![vec![
        raw_entry(b"../../../tmp/pwned!", b""),
        raw_entry(b"/abs/path", b"abs"),
    ]]);
    let v = analyse(&s);
    let warnings = v["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0]["message"]
            .as_str()
            .unwrap()
            .contains("climbs above")
    );
    assert!(!Path::new("/tmp/pwned!").exists());
    // An absolute name is just a path from the root.
    assert_eq!(v["metrics"]["live_bytes"], 3);
}

#[test]
fn symlink_loops_inside_layers_are_just_links() {
    let s = spec(vec![vec![
        fixture::symlink("a", "b"),
        fixture::symlink("b", "a"),
        fixture::symlink("self", "self"),
    ]]);
    let v = analyse(&s);
    assert_eq!(v["metrics"]["live_files"], 3);
}

#[test]
fn symlink_loop_between_archive_members_is_a_missing_blob() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("loop.tar");
    let mut b = tar::Builder::new(std::fs::File::create(&path).unwrap());
    let config = br#"{"rootfs":{"type":"layers","diff_ids":["sha256:00"]}}"#;
    let manifest = br#"[{"Config":"c.json","Layers":["l1/layer.tar"]}]"#;
    for (name, data) in [("c.json", &config[..]), ("manifest.json", &manifest[..])] {
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        b.append_data(&mut h, name, data).unwrap();
    }
    for (name, target) in [
        ("l1/layer.tar", "../l2/layer.tar"),
        ("l2/layer.tar", "../l1/layer.tar"),
    ] {
        let mut h = tar::Header::new_ustar();
        h.set_entry_type(tar::EntryType::Symlink);
        h.set_size(0);
        b.append_link(&mut h, name, target).unwrap();
    }
    b.finish().unwrap();
    drop(b);
    let err = fails(&path, &[]);
    assert!(err.contains("l1/layer.tar"), "{err}");
}

#[test]
fn duplicate_entries_last_one_wins() {
    let s = spec(vec![vec![
        fixture::file("f", "first"),
        fixture::file("f", "second!!"),
    ]]);
    let v = analyse(&s);
    assert_eq!(v["metrics"]["live_bytes"], 8);
    assert_eq!(
        v["image"]["layers"][0]["size_bytes"], 13,
        "the layer carries both copies"
    );
}

#[test]
fn ten_thousand_deep_path_is_fine() {
    let deep = vec!["d"; 10_000].join("/");
    let s = spec(vec![
        vec![fixture::file(&deep, "x")],
        vec![fixture::whiteout("d")],
    ]);
    let v = analyse(&s);
    assert_eq!(v["metrics"]["hidden_bytes"], 1);
}

#[test]
fn truncated_gzip_and_zstd_layers_name_the_layer() {
    for (compress, name) in [(Compress::Gzip, "gzip"), (Compress::Zstd, "zstd")] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = write(tmp.path(), "o", &sample(), Layout::OciDir, compress);
        let blob = &oci_layer_blobs(&dir)[0];
        fixture::truncate(blob, std::fs::metadata(blob).unwrap().len() / 2).unwrap();
        let err = fails(&dir, &[]);
        assert!(err.contains("layer 0") && err.contains(name), "{err}");
    }
}

#[test]
fn corrupt_tar_header_in_a_layer() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = write(tmp.path(), "o", &sample(), Layout::OciDir, Compress::None);
    let blob = &oci_layer_blobs(&dir)[1];
    fixture::poke(blob, 100, b"\xff\xff\xff\xff").unwrap();
    let err = fails(&dir, &[]);
    assert!(
        err.contains("layer 1") && err.contains("corrupt tar header"),
        "{err}"
    );
}

#[test]
fn header_size_running_past_the_data() {
    let tmp = tempfile::tempdir().unwrap();
    // A layer whose only file claims 1 MB but the blob ends after 700 bytes of it.
    let dir = write(
        tmp.path(),
        "o",
        &spec(vec![vec![fixture::big_file("big", 1_000_000, 3)]]),
        Layout::OciDir,
        Compress::None,
    );
    let blob = &oci_layer_blobs(&dir)[0];
    fixture::truncate(blob, 512 + 700).unwrap();
    let err = fails(&dir, &[]);
    assert!(err.contains("layer 0") && err.contains("'big'"), "{err}");
}

#[test]
fn archive_member_size_running_past_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write(
        tmp.path(),
        "i.tar",
        &sample(),
        Layout::DockerLegacy,
        Compress::None,
    );
    let len = std::fs::metadata(&path).unwrap().len();
    fixture::truncate(&path, len - 3000).unwrap();
    let err = fails(&path, &[]);
    assert!(err.contains("i.tar"), "{err}");
}

#[test]
fn manifest_naming_a_missing_blob() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = write(tmp.path(), "o", &sample(), Layout::OciDir, Compress::Gzip);
    let blob = oci_layer_blobs(&dir)[2].clone();
    std::fs::remove_file(&blob).unwrap();
    let err = fails(&dir, &[]);
    let name = blob.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        err.contains("not in the archive") && err.contains(&name),
        "{err}"
    );
}

#[test]
fn digest_mismatch_names_the_layer_and_no_verify_skips_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = write(tmp.path(), "o", &sample(), Layout::OciDir, Compress::None);
    let blob = &oci_layer_blobs(&dir)[1];
    // Change file content, not a header: the tar still parses.
    let bytes = std::fs::read(blob).unwrap();
    let at = bytes.windows(10).position(|w| w == b"version=22").unwrap();
    fixture::poke(blob, at as u64, b"VERSION=22").unwrap();
    let err = fails(&dir, &[]);
    assert!(
        err.contains("layer 1") && err.contains("does not match"),
        "{err}"
    );
    let v = json_of(&dir, &["--no-verify"]);
    assert_eq!(v["image"]["verified"], false);
}

#[test]
fn bad_json_in_index_manifest_and_config() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = write(tmp.path(), "o", &sample(), Layout::OciDir, Compress::Gzip);
    std::fs::write(dir.join("index.json"), b"{\"manifests\": [").unwrap();
    let err = fails(&dir, &[]);
    assert!(err.contains("bad index.json"), "{err}");

    // docker-archive: an unpacked `docker save` directory with a broken config.
    let legacy = write(
        tmp.path(),
        "l.tar",
        &sample(),
        Layout::DockerLegacy,
        Compress::None,
    );
    let unpacked = tmp.path().join("unpacked");
    tar::Archive::new(std::fs::File::open(&legacy).unwrap())
        .unpack(&unpacked)
        .unwrap();
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(unpacked.join("manifest.json")).unwrap()).unwrap();
    let config = unpacked.join(manifest[0]["Config"].as_str().unwrap());
    assert_eq!(json_of(&unpacked, &[])["metrics"]["hidden_bytes"], 30_020);
    std::fs::write(&config, b"{\"rootfs\": 7}").unwrap();
    let err = fails(&unpacked, &[]);
    assert!(err.contains("bad image config"), "{err}");
    std::fs::write(unpacked.join("manifest.json"), b"not json").unwrap();
    let err = fails(&unpacked, &[]);
    assert!(err.contains("bad manifest.json"), "{err}");
}

#[test]
fn layer_count_disagreeing_with_diff_ids() {
    let tmp = tempfile::tempdir().unwrap();
    let legacy = write(
        tmp.path(),
        "l.tar",
        &sample(),
        Layout::DockerLegacy,
        Compress::None,
    );
    let unpacked = tmp.path().join("u");
    tar::Archive::new(std::fs::File::open(&legacy).unwrap())
        .unpack(&unpacked)
        .unwrap();
    let mut manifest: Value =
        serde_json::from_slice(&std::fs::read(unpacked.join("manifest.json")).unwrap()).unwrap();
    manifest[0]["Layers"].as_array_mut().unwrap().pop();
    std::fs::write(
        unpacked.join("manifest.json"),
        serde_json::to_vec(&manifest).unwrap(),
    )
    .unwrap();
    let err = fails(&unpacked, &[]);
    assert!(
        err.contains("lists 2 layers but rootfs.diff_ids has 3"),
        "{err}"
    );
}

#[test]
fn digest_with_path_traversal_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = write(tmp.path(), "o", &sample(), Layout::OciDir, Compress::Gzip);
    let mut index: Value =
        serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
    index["manifests"][0]["digest"] = "sha256:../../../../etc/passwd".into();
    std::fs::write(dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
    let err = fails(&dir, &[]);
    assert!(err.contains("not a valid digest"), "{err}");
}

#[test]
fn not_an_image_and_empty_files() {
    let tmp = tempfile::tempdir().unwrap();
    let random = tmp.path().join("random.bin");
    std::fs::write(&random, vec![0x42u8; 4096]).unwrap();
    let err = fails(&random, &[]);
    assert!(err.contains("is not a container image"), "{err}");
    let empty = tmp.path().join("empty.tar");
    std::fs::write(&empty, b"").unwrap();
    let err = fails(&empty, &[]);
    assert!(err.contains("empty.tar"), "{err}");
    let plain_tar = tmp.path().join("plain.tar");
    let mut b = tar::Builder::new(std::fs::File::create(&plain_tar).unwrap());
    let mut h = tar::Header::new_ustar();
    h.set_size(2);
    h.set_mode(0o644);
    b.append_data(&mut h, "hello.txt", &b"hi"[..]).unwrap();
    b.finish().unwrap();
    drop(b);
    let err = fails(&plain_tar, &[]);
    assert!(
        err.contains("neither manifest.json") && err.contains("index.json"),
        "{err}"
    );
}

#[test]
fn missing_path_is_a_file_error_not_an_engine_lookup() {
    let err = fails(Path::new("./no/such/image.tar"), &[]);
    assert!(err.contains("cannot read './no/such/image.tar'"), "{err}");
}

#[test]
fn a_failed_run_leaves_the_output_file_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = write(tmp.path(), "o", &sample(), Layout::OciDir, Compress::Gzip);
    std::fs::write(dir.join("index.json"), b"garbage").unwrap();
    let out = tmp.path().join("out.json");
    std::fs::write(&out, b"previous").unwrap();
    fails(&dir, &["--json", out.to_str().unwrap()]);
    assert_eq!(std::fs::read(&out).unwrap(), b"previous");
}

#[test]
fn json_file_output_and_summary() {
    let tmp = tempfile::tempdir().unwrap();
    let img = write(
        tmp.path(),
        "i.tar",
        &sample(),
        Layout::DockerLegacy,
        Compress::None,
    );
    let out = tmp.path().join("a.json");
    ballast()
        .arg(&img)
        .args(["--json", out.to_str().unwrap()])
        .assert()
        .success()
        .stdout("");
    let v: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(v["schema"], "ballast/2");
    for key in ["image", "metrics", "findings", "estimates", "warnings"] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    for key in ["index", "digest", "size_bytes", "command", "files"] {
        assert!(
            v["image"]["layers"][0].get(key).is_some(),
            "layer missing {key}"
        );
    }
    let summary = ballast().arg(&img).output().unwrap();
    assert!(summary.status.success());
    let text = String::from_utf8(summary.stdout).unwrap();
    assert!(
        text.contains("hidden") && text.contains("30.02 kB"),
        "{text}"
    );
}

#[test]
fn closed_stdout_pipe_exits_quietly() {
    let tmp = tempfile::tempdir().unwrap();
    let img = write(
        tmp.path(),
        "i.tar",
        &sample(),
        Layout::DockerLegacy,
        Compress::None,
    );
    let mut child = ballast()
        .arg(&img)
        .args(["--json", "-", "--no-cache"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_committed_demo_archive_reads() {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo.tar");
    let v = json_of(&demo, &[]);
    assert_eq!(v["image"]["layers"].as_array().unwrap().len(), 7);
    // `rm -rf /var/cache/dl` (400,000 bytes) and the first /etc/app.conf (3 bytes).
    assert_eq!(v["metrics"]["hidden_bytes"], 400_003);
    // What `CI=true dive docker-archive://fixtures/demo.tar` prints for it.
    assert_eq!(v["metrics"]["wasted_bytes"], 25);
    let eff = v["metrics"]["efficiency"].as_f64().unwrap();
    assert!((eff * 100.0 - 99.9993).abs() < 0.00005, "{eff}");
}

#[test]
fn candidate_base_adds_a_measured_base_switch_estimate() {
    let tmp = tempfile::tempdir().unwrap();
    let os = "ID=debian\nVERSION_ID=\"12\"\n";
    let app = spec(vec![
        vec![
            fixture::dir("etc"),
            fixture::file("etc/os-release", os),
            fixture::big_file("usr/lib/big.so", 300_000, 1),
        ],
        vec![fixture::big_file("app/main.js", 20_000, 2)],
    ]);
    let app = write(
        tmp.path(),
        "app.tar",
        &app,
        Layout::DockerLegacy,
        Compress::None,
    );
    let small = spec(vec![vec![
        fixture::dir("etc"),
        fixture::file("etc/os-release", os),
        fixture::big_file("usr/lib/small.so", 50_000, 3),
    ]]);
    let small = write(
        tmp.path(),
        "small.tar",
        &small,
        Layout::DockerLegacy,
        Compress::None,
    );
    let v = json_of(&app, &["--candidate-base", small.to_str().unwrap()]);
    let base = v["base"]["bytes"].as_u64().unwrap();
    assert_eq!(v["base"]["layers"], 1);
    let e = v["estimates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["candidate"]["size_kind"] == "measured")
        .expect("the measured candidate's estimate");
    assert_eq!(e["strategy"], "base-switch");
    // The keys the JSON promises, each estimate stating what it assumes.
    for key in ["size_after", "bytes_saved", "size_before"] {
        assert!(e[key].is_u64(), "{key}: {e}");
    }
    assert!(e["warnings"].is_array(), "{e}");
    assert!(!e["assumptions"].as_array().unwrap().is_empty(), "{e}");
    assert!(e["feasible"].is_boolean(), "{e}");
    let shipped = v["metrics"]["shipped_bytes"].as_u64().unwrap();
    let small_bytes = json_of(&small, &[])["metrics"]["shipped_bytes"]
        .as_u64()
        .unwrap();
    assert_eq!(
        e["size_after"].as_u64().unwrap(),
        shipped - base + small_bytes
    );
    // The text summary shows the base and one line per estimate.
    let out = ballast()
        .arg(&app)
        .args(["--candidate-base", small.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("  base: 1 layer, "), "{text}");
    assert!(text.contains("Debian") || text.contains("debian"), "{text}");
    assert!(text.contains("saves"), "{text}");
    assert!(
        text.contains(&format!("base-switch {}", small.display())),
        "{text}"
    );
    let err = fails(&app, &["--candidate-base", "no/such/base.tar"]);
    assert!(err.contains("'no/such/base.tar'"), "{err}");
}

/// Off a terminal the summary is printed as before; `--no-tui` and
/// `--no-color` (and NO_COLOR) change nothing there.
#[test]
fn summary_off_a_terminal_with_or_without_the_tui_flags() {
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo.tar");
    let plain = ballast()
        .arg(demo)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(plain.clone()).unwrap();
    assert!(text.contains("shipped"), "{text}");
    for extra in [
        &["--no-tui"][..],
        &["--no-color"],
        &["--no-tui", "--no-color"],
    ] {
        let out = ballast().arg(demo).args(extra).assert().success();
        assert_eq!(out.get_output().stdout, plain, "{extra:?}");
    }
    let out = ballast().arg(demo).env("NO_COLOR", "1").assert().success();
    assert_eq!(out.get_output().stdout, plain);
}
