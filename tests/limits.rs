//! Every resource limit (src/limits.rs), breached by a small generated input
//! with the limit lowered by `--limit`, so each case stays tiny and fast:
//! the error names the limit, its value and the flag that raises it, and the
//! same input passes once the limit is raised again. Also `[limits]` in
//! `.ballast.toml` and the usage errors of `--limit`.

#[allow(dead_code)]
#[path = "support/bin.rs"]
mod bin;
#[allow(dead_code)]
#[path = "support/image.rs"]
mod image;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use testimage::{self as fixture, Compress, Layout, Node};

const DEADLINE: Duration = Duration::from_secs(60);

/// `ballast ARGS` in `dir`, killed at the deadline; no layer cache, so
/// every layer is read against the limits.
fn ballast(dir: &Path, args: &[&str]) -> std::process::Output {
    let mut cmd = bin::uncached();
    cmd.current_dir(dir).args(args);
    Command::from_std(cmd)
        .timeout(DEADLINE)
        .output()
        .expect("run ballast")
}

/// The one `ballast: error:` line of a run that must exit 2.
fn error(dir: &Path, args: &[&str]) -> String {
    let stderr = bin::error_of(&ballast(dir, args));
    assert_eq!(stderr.lines().count(), 1, "ballast {args:?}: {stderr}");
    stderr.trim_end().to_string()
}

/// The JSON of a run that must succeed.
fn passes(dir: &Path, args: &[&str]) -> Value {
    let out = ballast(dir, args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "ballast {args:?}: {stderr}");
    serde_json::from_slice(&out.stdout).expect("the JSON on stdout")
}

fn image(dir: &Path, layers: Vec<Vec<Node>>, layout: Layout, compress: Compress) -> PathBuf {
    let spec = image::steps(layers);
    let out = dir.join(match layout {
        Layout::OciDir => "oci",
        _ => "image.tar",
    });
    fixture::write_image(&spec, layout, compress, &out).unwrap();
    out
}

fn tar_image(dir: &Path, nodes: Vec<Node>) -> PathBuf {
    image(dir, vec![nodes], Layout::Docker25, Compress::None)
}

/// `n` one-byte files named `PREFIX0`, `PREFIX1`, ...
fn files(prefix: &str, n: usize) -> Vec<Node> {
    (0..n)
        .map(|i| fixture::file(format!("{prefix}{i}"), "x"))
        .collect()
}

fn arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// The image's error, with the `--limit` given; then the image passes with
/// the limit raised by the flag the error suggests.
fn breach(dir: &Path, image: &Path, lowered: &str) -> String {
    let err = error(dir, &[arg(image), "--json", "-", "--limit", lowered]);
    let raise = err
        .split("raise it with --limit ")
        .nth(1)
        .and_then(|r| r.split([' ', ')', ';']).next())
        .unwrap_or_else(|| panic!("no flag in {err}"));
    passes(dir, &[arg(image), "--json", "-", "--limit", raise]);
    err
}

// --- the layer reader ----------------------------------------------------

/// A PAX header block holding `records`.
fn pax(records: &[u8]) -> Node {
    fixture::raw_header(
        tar::EntryType::XHeader,
        "pax",
        records.len() as u64,
        records,
    )
}

#[test]
fn tar_header_limit() {
    let tmp = tempfile::tempdir().unwrap();
    // One 2,000-byte PAX record (a comment), then the file it describes.
    let record = format!("2000 comment={}\n", "c".repeat(2000 - 14));
    assert_eq!(record.len(), 2000);
    let img = tar_image(
        tmp.path(),
        vec![pax(record.as_bytes()), fixture::file("x", "x")],
    );
    let err = breach(tmp.path(), &img, "tar-header=1KiB");
    assert!(
        err.ends_with(
            "a PAX extended header of 2000 bytes is over the limit on tar extension headers \
             (long names, PAX records): the tar-header limit is 1 KiB; raise it with \
             --limit tar-header=2KiB; it comes at the first entry"
        ),
        "{err}"
    );
}

#[test]
fn path_length_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let long = format!("{}/f", "d".repeat(298));
    let img = tar_image(tmp.path(), vec![fixture::file(&long, "x")]);
    let err = breach(tmp.path(), &img, "path-length=200");
    assert!(
        err.ends_with(&format!(
            "entry '{}...' has a path or link target of 300 bytes, over the limit on path \
             length (Linux itself stops at 4 KiB): the path-length limit is 200 bytes; raise \
             it with --limit path-length=400",
            &long[..64]
        )),
        "{err}"
    );
}

#[test]
fn entries_per_layer_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let img = tar_image(tmp.path(), files("f", 5));
    let err = breach(tmp.path(), &img, "entries-per-layer=3");
    assert!(
        err.contains(
            "the layer has more than 3 entries: the entries-per-layer limit is 3; raise it \
             with --limit entries-per-layer=6"
        ),
        "{err}"
    );
}

#[test]
fn entries_per_image_limit() {
    let tmp = tempfile::tempdir().unwrap();
    // One entry, four paths in the merged tree (three implied directories).
    let img = tar_image(tmp.path(), vec![fixture::file("a/b/c/d", "x")]);
    let err = breach(tmp.path(), &img, "entries-per-image=3");
    assert!(
        err.ends_with(
            "layer 0 takes the merged tree past 3 entries (paths the layers add, change or \
             remove, implied directories included): the entries-per-image limit is 3; raise \
             it with --limit entries-per-image=6"
        ),
        "{err}"
    );
    // Removing paths counts as well: a whiteout of a directory of three files
    // is four more changes (five entries read, eight changes).
    let mut dir = vec![fixture::dir("d")];
    dir.extend(files("d/f", 3));
    let img = image(
        tmp.path(),
        vec![dir, vec![fixture::whiteout("d")]],
        Layout::OciDir,
        Compress::Gzip,
    );
    let err = breach(tmp.path(), &img, "entries-per-image=6");
    assert!(
        err.contains("layer 1 takes the merged tree past 6 entries"),
        "{err}"
    );
}

#[test]
fn entries_per_image_counts_the_layers_as_they_are_read() {
    // Three files in each of two layers, read side by side: the reader that
    // takes the count past the limit stops, before either layer is merged.
    let tmp = tempfile::tempdir().unwrap();
    let img = image(
        tmp.path(),
        vec![files("f0", 3), files("f1", 3)],
        Layout::Docker25,
        Compress::None,
    );
    let err = breach(tmp.path(), &img, "entries-per-image=4");
    assert!(
        err.ends_with(
            "the image's layers hold more than 4 entries together (counted as they are \
             read): the entries-per-image limit is 4; raise it with --limit \
             entries-per-image=8"
        ),
        "{err}"
    );
}

/// `img` analysed with the package limit `lowered`, which skips a file with
/// a warning containing `warning`; then with `raised`, which warns of nothing.
fn package_limit(dir: &Path, img: &Path, lowered: &str, raised: &str, warning: &str) {
    let json = passes(dir, &[arg(img), "--json", "-", "--limit", lowered]);
    let warnings = json["warnings"].to_string();
    assert!(warnings.contains(warning), "{warnings}");
    let json = passes(dir, &[arg(img), "--json", "-", "--limit", raised]);
    assert_eq!(json["warnings"], json!([]));
}

#[test]
fn package_file_limit_skips_the_file_with_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let manifest = format!(
        r#"{{"name":"a","version":"1.0.0","x":"{}"}}"#,
        "p".repeat(2000)
    );
    let img = tar_image(
        tmp.path(),
        vec![
            fixture::dir("app"),
            fixture::file("app/package.json", &manifest),
        ],
    );
    let size = manifest.len();
    package_limit(
        tmp.path(),
        &img,
        "package-file=1KiB",
        "package-file=2KiB",
        &format!(
            "not read for the package inventory ({size} bytes): it is over the limit per file \
             (the package-file limit is 1 KiB; raise it with --limit package-file=2KiB); its \
             packages are not listed"
        ),
    );
}

fn package_json(dir: &str, pad: usize) -> Vec<Node> {
    let text = format!(
        r#"{{"name":"{dir}","version":"1.0.0","x":"{}"}}"#,
        "p".repeat(pad)
    );
    vec![
        fixture::dir(dir),
        fixture::file(format!("{dir}/package.json"), text),
    ]
}

#[test]
fn package_layer_limit_skips_the_file_with_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let mut nodes = package_json("a", 900);
    nodes.extend(package_json("b", 900));
    let img = tar_image(tmp.path(), nodes);
    package_limit(
        tmp.path(),
        &img,
        "package-layer=1500",
        "package-layer=3000",
        "the layer's files read for the inventory are over the limit together (the \
         package-layer limit is 1500 bytes; raise it with --limit package-layer=3000)",
    );
}

#[test]
fn package_image_limit_skips_the_file_with_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let img = image(
        tmp.path(),
        vec![package_json("a", 900), package_json("b", 900)],
        Layout::Docker25,
        Compress::None,
    );
    package_limit(
        tmp.path(),
        &img,
        "package-image=1500",
        "package-image=3000",
        "the image's files read for the inventory are over the limit together (the \
         package-image limit is 1500 bytes; raise it with --limit package-image=3000)",
    );
}

// --- the sources -----------------------------------------------------------

#[test]
fn metadata_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let img = image(
        tmp.path(),
        vec![vec![fixture::file("x", "x")]],
        Layout::OciDir,
        Compress::Gzip,
    );
    let err = breach(tmp.path(), &img, "metadata=600");
    assert!(
        err.contains("which makes the image's metadata (manifests, indexes, config) ")
            && err.contains(
                "bytes: the metadata limit is 600 bytes; raise it with --limit metadata=1200"
            ),
        "{err}"
    );
}

#[test]
fn stream_memory_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let tar = image(
        tmp.path(),
        vec![vec![fixture::file("x", "x".repeat(3000))]],
        Layout::DockerLegacy,
        Compress::None,
    );
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&std::fs::read(&tar).unwrap()).unwrap();
    let img = tmp.path().join("image.tar.gz");
    std::fs::write(&img, gz.finish().unwrap()).unwrap();
    // The sum is known only up to the member that passes the limit, so the
    // suggested value may be short: the test raises it well past the image.
    let err = error(
        tmp.path(),
        &[arg(&img), "--json", "-", "--limit", "stream-memory=2KiB"],
    );
    assert!(
        err.contains(
            "/layer.tar' the last) hold 4684 bytes, over the limit on what is kept in memory \
             while streaming: the stream-memory limit is 2 KiB; raise it with --limit \
             stream-memory=5KiB"
        ),
        "{err}"
    );
    let raise = ["--limit", "stream-memory=64KiB"];
    passes(tmp.path(), &[arg(&img), "--json", "-", raise[0], raise[1]]);
}

#[test]
fn index_depth_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = image(
        tmp.path(),
        vec![vec![fixture::file("x", "x")]],
        Layout::OciDir,
        Compress::Gzip,
    );
    let index_type = "application/vnd.oci.image.index.v1+json";
    let path = dir.join("index.json");
    let mut top: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    // Three indexes above the manifest, each stored under its digest.
    for _ in 0..3 {
        let nested = json!({
            "schemaVersion": 2, "mediaType": index_type,
            "manifests": [top["manifests"][0].clone()],
        });
        let bytes = nested.to_string();
        let hex = hex::encode(Sha256::digest(bytes.as_bytes()));
        std::fs::write(dir.join("blobs/sha256").join(&hex), &bytes).unwrap();
        top["manifests"][0] = json!({
            "mediaType": index_type, "digest": format!("sha256:{hex}"), "size": bytes.len(),
        });
    }
    std::fs::write(&path, top.to_string()).unwrap();
    let err = breach(tmp.path(), &dir, "index-depth=2");
    assert!(
        err.contains("indexes nest deeper than 2 levels: index.json -> sha256:")
            && err.ends_with("(the index-depth limit is 2; raise it with --limit index-depth=4)"),
        "{err}"
    );
}

// --- the Dockerfile ------------------------------------------------------------

/// `ballast dockerfile` on `text`: the error with `lowered`, and a pass with
/// the flag the error suggests.
fn dockerfile_breach(text: &str, lowered: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("Dockerfile"), text).unwrap();
    let args = [
        "dockerfile",
        "Dockerfile",
        "--json",
        "-",
        "--limit",
        lowered,
    ];
    let err = error(tmp.path(), &args);
    let raise = err
        .split("raise it with --limit ")
        .nth(1)
        .unwrap_or_else(|| panic!("no flag in {err}"));
    let args = ["dockerfile", "Dockerfile", "--json", "-", "--limit", raise];
    passes(tmp.path(), &args);
    err
}

#[test]
fn expanded_value_limit() {
    let err = dockerfile_breach(
        &format!("FROM alpine:3\nENV A={}\nENV B=$A$A\n", "a".repeat(100)),
        "expanded-value=150",
    );
    assert_eq!(
        err,
        "ballast: error: Dockerfile:3:1: ENV B: its value would be 200 bytes, longer than 150: \
         the expanded-value limit is 150 bytes; raise it with --limit expanded-value=300"
    );
}

#[test]
fn expanded_scope_limit() {
    let a = "a".repeat(100);
    let err = dockerfile_breach(
        &format!("FROM alpine:3\nENV A={a}\nENV B={a}\n"),
        "expanded-scope=150",
    );
    assert_eq!(
        err,
        "ballast: error: Dockerfile:3:1: ENV B: the variables in scope would hold 200 bytes, \
         more than 150: the expanded-scope limit is 150 bytes; raise it with --limit \
         expanded-scope=300"
    );
}

#[test]
fn expanded_total_limit() {
    let a = "a".repeat(100);
    let err = dockerfile_breach(
        &format!("FROM alpine:3 AS one\nENV A={a}\nFROM one\nRUN true\n"),
        "expanded-total=150",
    );
    assert_eq!(
        err,
        "ballast: error: Dockerfile:3:1: FROM one: the variables of the stages up to this one \
         would hold 200 bytes together, more than 150: the expanded-total limit is 150 bytes; \
         raise it with --limit expanded-total=300"
    );
}

#[test]
fn substitution_depth_limit() {
    let err = dockerfile_breach(
        "FROM alpine:3\nENV X=${A:-${B:-${C:-x}}}\n",
        "substitution-depth=2",
    );
    assert_eq!(
        err,
        "ballast: error: Dockerfile:2:1: ENV X: its `${…}` substitutions nest more than 2 deep: \
         the substitution-depth limit is 2; raise it with --limit substitution-depth=4"
    );
}

#[test]
fn stages_limit() {
    let err = dockerfile_breach("FROM alpine:3 AS a\nFROM a AS b\nFROM b\n", "stages=2");
    assert_eq!(
        err,
        "ballast: error: Dockerfile:3:1: more than 2 build stages: split the Dockerfile, or \
         the stages limit is 2; raise it with --limit stages=4"
    );
}

#[test]
fn image_dockerfile_flag_parses_within_the_limits() {
    let tmp = tempfile::tempdir().unwrap();
    let img = tar_image(tmp.path(), vec![fixture::file("x", "x")]);
    std::fs::write(tmp.path().join("Dockerfile"), "FROM a AS a\nFROM a\n").unwrap();
    let args = [arg(&img), "--json", "-", "--dockerfile", "Dockerfile"];
    let mut lowered = args.to_vec();
    lowered.extend(["--limit", "stages=1"]);
    let err = error(tmp.path(), &lowered);
    assert!(err.contains("the stages limit is 1"), "{err}");
    passes(tmp.path(), &args);
}

// --- flags and the config file ----------------------------------------------

#[test]
fn an_unknown_limit_is_a_usage_error_listing_the_valid_ones() {
    let tmp = tempfile::tempdir().unwrap();
    for args in [
        &["image.tar", "--limit", "entries=5"][..],
        &["diff", "a", "b", "--limit", "entries=5"],
        &["dockerfile", "Dockerfile", "--limit", "entries=5"],
        &["fleet", "list", "--from", "refs", "--limit", "entries=5"],
    ] {
        let out = ballast(tmp.path(), args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(
                "unknown limit 'entries' (valid limits: tar-header, path-length, \
                 entries-per-layer, entries-per-image, metadata, stream-memory, index-depth, \
                 package-file, package-layer, package-image, expanded-value, expanded-scope, \
                 expanded-total, substitution-depth, stages, text-file)"
            ),
            "{stderr}"
        );
    }
    let out = ballast(tmp.path(), &["image.tar", "--limit", "stages=many"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("'many' is not a whole number (the stages limit is a count)"),
        "{stderr}"
    );
}

#[test]
fn limits_in_ballast_toml_apply_under_ci_and_flags_override_them() {
    let tmp = tempfile::tempdir().unwrap();
    let img = tar_image(tmp.path(), files("f", 5));
    std::fs::write(
        tmp.path().join(".ballast.toml"),
        "[budget]\nmax_size = \"1GB\"\n\n[limits]\nentries-per-layer = 3\ntar_header = \"4KiB\"\n",
    )
    .unwrap();
    let err = error(tmp.path(), &[arg(&img), "--ci"]);
    assert!(
        err.contains("the entries-per-layer limit is 3; raise it with --limit entries-per-layer=6"),
        "{err}"
    );
    let out = ballast(
        tmp.path(),
        &[arg(&img), "--ci", "--limit", "entries-per-layer=6"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(tmp.path().join(".ballast.toml"), "[limits]\nentries = 3\n").unwrap();
    let err = error(tmp.path(), &[arg(&img), "--ci"]);
    assert!(
        err.contains("limits.entries: unknown limit 'entries' (valid limits: tar-header"),
        "{err}"
    );
}

// --- the text files a user names -------------------------------------------

/// `args` in `dir` with the `text-file` limit lowered to 1 KiB: the error,
/// which names `file` and its `size`, after checking that `args` pass with
/// the flag it suggests.
fn text_file_breach(dir: &Path, args: &[&str], file: &str, size: u64) -> String {
    let lowered = [args, &["--limit", "text-file=1KiB"]].concat();
    let err = error(dir, &lowered);
    assert!(
        err.contains(&format!(
            "{file}': it is {size} bytes, over the limit on the text files"
        )) && err.ends_with("the text-file limit is 1 KiB; raise it with --limit text-file=3KiB"),
        "{err}"
    );
    let raise = err
        .split("raise it with --limit ")
        .nth(1)
        .unwrap_or_else(|| panic!("no flag in {err}"));
    assert_eq!(raise, "text-file=3KiB", "{err}");
    let out = ballast(dir, &[args, &["--limit", raise]].concat());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "ballast {args:?}: {stderr}");
    err
}

/// 2,100 bytes of comment lines, for a file over 1 KiB.
fn padding(comment: &str) -> String {
    format!("{comment} {}\n", "p".repeat(60)).repeat(35)
}

#[test]
fn text_file_limit_on_the_dockerfile_and_dockerignore() {
    let tmp = tempfile::tempdir().unwrap();
    let dockerfile = tmp.path().join("Dockerfile");
    std::fs::write(&dockerfile, format!("FROM alpine:3\n{}", padding("#"))).unwrap();
    let args = ["dockerfile", "Dockerfile", "--json", "-"];
    let err = text_file_breach(tmp.path(), &args, "Dockerfile", 2219);
    assert_eq!(
        err,
        "ballast: error: cannot read the Dockerfile 'Dockerfile': it is 2219 bytes, over the \
         limit on the text files ballast reads (Dockerfile, .dockerignore, budget file, \
         reference list): the text-file limit is 1 KiB; raise it with --limit text-file=3KiB"
    );
    std::fs::write(&dockerfile, "FROM alpine:3\nCOPY . /app\n").unwrap();
    std::fs::write(tmp.path().join(".dockerignore"), padding("#")).unwrap();
    text_file_breach(tmp.path(), &args, ".dockerignore", 2205);
}

#[test]
fn text_file_limit_on_the_budget_file() {
    let tmp = tempfile::tempdir().unwrap();
    let img = tar_image(tmp.path(), vec![fixture::file("f", "x")]);
    let config = tmp.path().join("budgets.toml");
    let text = format!("[budget]\nmax_size = \"1GB\"\n{}", padding("#"));
    std::fs::write(&config, text).unwrap();
    let args = [arg(&img), "--ci", "--config", arg(&config)];
    text_file_breach(tmp.path(), &args, "budgets.toml", 2231);
}

#[test]
fn text_file_limit_on_the_fleet_reference_list() {
    let tmp = tempfile::tempdir().unwrap();
    let refs: String = (0..60)
        .map(|i| format!("registry.example/app:{i:04}\n"))
        .collect();
    std::fs::write(tmp.path().join("refs.txt"), refs).unwrap();
    let err = error(
        tmp.path(),
        &[
            "fleet",
            "list",
            "--from",
            "refs.txt",
            "--limit",
            "text-file=1KiB",
        ],
    );
    assert_eq!(
        err,
        "ballast: error: cannot read the references in 'refs.txt': it is 1560 bytes, over the \
         limit on the text files ballast reads (Dockerfile, .dockerignore, budget file, \
         reference list): the text-file limit is 1 KiB; raise it with --limit text-file=2KiB"
    );
    // From a pipe the size is not known, only that the read went past the limit.
    let piped = assert_cmd::Command::from_std(bin::uncached())
        .current_dir(tmp.path())
        .args(["fleet", "list", "--from", "-", "--limit", "text-file=1KiB"])
        .write_stdin(std::fs::read(tmp.path().join("refs.txt")).unwrap())
        .timeout(DEADLINE)
        .output()
        .unwrap();
    assert_eq!(
        bin::error_of(&piped).trim_end(),
        "ballast: error: cannot read the references from stdin: it is more than 1024 bytes, \
         over the limit on the text files ballast reads (Dockerfile, .dockerignore, budget \
         file, reference list): the text-file limit is 1 KiB; raise it with --limit \
         text-file=2KiB"
    );
    let out = ballast(
        tmp.path(),
        &[
            "fleet",
            "list",
            "--from",
            "refs.txt",
            "--limit",
            "text-file=2KiB",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 60);
}
