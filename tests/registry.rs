//! The registry source against a real registry on loopback: Debian's
//! `docker-registry` with no auth, htpasswd basic auth and TLS from a test
//! CA, images pushed with skopeo (gzip, zstd, a multi-platform index), and a
//! token server + fault injector in front of it (5xx, 429, resets, cut and
//! slow bodies, redirects). Each analysis must equal the archive's.

#[allow(dead_code)]
#[path = "support/bin.rs"]
mod bin;
#[allow(dead_code)]
#[path = "support/gate.rs"]
mod gate;
#[path = "support/registry.rs"]
mod registry;

use std::path::{Path, PathBuf};
use std::time::Duration;

use registry::{Fault, Proxy, Registry, Run, Setup};
use serde_json::Value;

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo.tar")
}

fn needs(list: &[gate::Need]) -> bool {
    let test = gate::this_test();
    list.iter().all(|n| gate::need(*n, &test))
}

/// Run ballast with `args` and `DOCKER_CONFIG=config_dir`; fail the test if
/// it has not finished within a minute (killed: a hang is a failure).
fn ballast(args: &[&str], config_dir: &Path) -> Run {
    ballast_with(args, config_dir, &[])
}

/// `ballast` with more environment variables.
fn ballast_with(args: &[&str], config_dir: &Path, env: &[(&str, String)]) -> Run {
    // No layer cache unless a test gives one: every layer is downloaded.
    let mut cmd = bin::uncached();
    cmd.args(args)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .env("DOCKER_CONFIG", config_dir)
        .env("NO_COLOR", "1");
    registry::finish(&mut cmd, Duration::from_secs(60))
}

/// The analysis JSON of `reference` from the registry at `host`.
fn from_registry(reference: &str, extra: &[&str], config: &Path) -> Value {
    let mut args = vec!["--source", "registry", reference, "--json", "-"];
    args.extend(extra);
    let run = ballast(&args, config);
    assert_eq!(run.code, 0, "ballast {args:?} failed: {}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap()
}

/// What differs by where an image was read from, or how its blobs are
/// compressed: removed before comparing.
fn comparable(mut v: Value) -> Value {
    let image = v["image"].as_object_mut().unwrap();
    for key in ["source", "read_path", "reference", "repo_tags", "format"] {
        image.remove(key);
    }
    for layer in image
        .get_mut("layers")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        let layer = layer.as_object_mut().unwrap();
        for key in ["blob_bytes", "compression", "digest"] {
            layer.remove(key);
        }
    }
    v
}

fn archive_json() -> Value {
    let dir = tempfile::tempdir().unwrap();
    let demo = demo();
    let run = ballast(&[demo.to_str().unwrap(), "--json", "-"], dir.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap()
}

fn layer_compressions(v: &Value) -> Vec<String> {
    v["image"]["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["compression"].as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn an_image_from_the_registry_analyses_like_its_archive_gzip_and_zstd() {
    if !needs(&[gate::Need::Registry]) {
        return;
    }
    let reg = Registry::start(Setup::default());
    reg.push(&demo(), "demo:1", &[]);
    reg.push_zstd(&demo(), "zdemo:z");
    let cfg = tempfile::tempdir().unwrap();
    let insecure = ["--insecure-registry", reg.host.as_str()];
    let want = comparable(archive_json());

    let gz = from_registry(&format!("{}/demo:1", reg.host), &insecure, cfg.path());
    assert_eq!(gz["image"]["source"], "registry");
    assert_eq!(gz["image"]["read_path"], "registry");
    assert_eq!(gz["image"]["verified"], true);
    assert!(layer_compressions(&gz).iter().all(|c| c == "gzip"));
    assert_eq!(comparable(gz.clone()), want, "gzip layers");

    let zst = from_registry(&format!("{}/zdemo:z", reg.host), &insecure, cfg.path());
    assert!(layer_compressions(&zst).iter().all(|c| c == "zstd"));
    // The conversion to an OCI manifest rewrites the config: a new image ID.
    let mut want_oci = want.clone();
    want_oci["image"]["id"] = zst["image"]["id"].clone();
    assert_eq!(comparable(zst), want_oci, "zstd layers");

    // By digest too.
    let (digest, _) = reg.manifest("demo", "1");
    let pinned = from_registry(
        &format!("{}/demo@{digest}", reg.host),
        &insecure,
        cfg.path(),
    );
    assert_eq!(comparable(pinned), want, "by digest");
}

#[test]
fn a_multi_platform_index_is_read_for_the_platform_asked() {
    if !needs(&[gate::Need::Registry]) {
        return;
    }
    let reg = Registry::start(Setup::default());
    reg.push(&demo(), "demo:gz", &[]);
    reg.push_zstd(&demo(), "demo:zst");
    let (gz, gz_bytes) = reg.manifest("demo", "gz");
    let (zst, zst_bytes) = reg.manifest("demo", "zst");
    let docker = "application/vnd.docker.distribution.manifest.v2+json";
    let oci = "application/vnd.oci.image.manifest.v1+json";
    let index = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [
            {"mediaType": docker, "digest": gz, "size": gz_bytes.len(),
             "platform": {"os": "linux", "architecture": "amd64"}},
            {"mediaType": oci, "digest": zst, "size": zst_bytes.len(),
             "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}},
        ]
    });
    reg.put_manifest(
        "demo",
        "multi",
        "application/vnd.oci.image.index.v1+json",
        serde_json::to_vec(&index).unwrap().as_slice(),
    );
    let cfg = tempfile::tempdir().unwrap();
    let reference = format!("{}/demo:multi", reg.host);
    let host = reg.host.as_str();
    let arm = from_registry(
        &reference,
        &["--insecure-registry", host, "--platform", "linux/arm64"],
        cfg.path(),
    );
    assert!(
        layer_compressions(&arm).iter().all(|c| c == "zstd"),
        "arm64 is the zstd one"
    );
    let amd = from_registry(
        &reference,
        &["--insecure-registry", host, "--platform", "linux/amd64"],
        cfg.path(),
    );
    assert!(layer_compressions(&amd).iter().all(|c| c == "gzip"));

    let run = ballast(
        &[
            "--source",
            "registry",
            &reference,
            "--insecure-registry",
            host,
            "--platform",
            "linux/s390x",
            "--json",
            "-",
        ],
        cfg.path(),
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("linux/s390x") && run.stderr.contains("linux/arm64/v8"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_unknown_tag_or_repository_is_a_404_naming_it() {
    if !needs(&[gate::Need::Registry]) {
        return;
    }
    let reg = Registry::start(Setup::default());
    reg.push(&demo(), "demo:1", &[]);
    let cfg = tempfile::tempdir().unwrap();
    for (reference, names) in [("demo:nope", "'nope'"), ("other/app:1", "'other/app'")] {
        let reference = format!("{}/{reference}", reg.host);
        let run = ballast(
            &[
                "--source",
                "registry",
                &reference,
                "--insecure-registry",
                &reg.host,
                "--json",
                "-",
            ],
            cfg.path(),
        );
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(
            run.stderr.starts_with("ballast: error:")
                && run.stderr.contains("404")
                && run.stderr.contains(names),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn plain_http_is_refused_unless_the_host_is_named_insecure() {
    if !needs(&[gate::Need::Registry]) {
        return;
    }
    let reg = Registry::start(Setup::default());
    reg.push(&demo(), "demo:1", &[]);
    let cfg = tempfile::tempdir().unwrap();
    let reference = format!("{}/demo:1", reg.host);
    // Without --insecure-registry ballast speaks TLS, which this registry does not.
    let run = ballast(
        &["--source", "registry", &reference, "--json", "-"],
        cfg.path(),
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains(&format!("--insecure-registry {}", reg.host))
            && !run.stderr.contains("tried"),
        "a TLS failure is not retried, and says what to do: {}",
        run.stderr
    );
    // `auto` never picks the registry: the reference is not a path, so it
    // goes to an engine, never to 127.0.0.1.
    let auto = ballast(
        &[&reference, "--json", "-", "--engine-storage", "never"],
        cfg.path(),
    );
    assert_ne!(auto.code, 0);
    assert!(!auto.stderr.contains("registry '"), "{}", auto.stderr);
}

#[test]
fn basic_auth_uses_the_docker_config_and_names_the_credential_it_tried() {
    if !needs(&[gate::Need::Registry, gate::Need::Htpasswd]) {
        return;
    }
    let reg = Registry::start(Setup {
        basic: Some("ci:s3cret"),
        ..Setup::default()
    });
    reg.push(&demo(), "demo:1", &[]);
    let reference = format!("{}/demo:1", reg.host);
    let args = [
        "--source",
        "registry",
        &reference,
        "--insecure-registry",
        &reg.host,
        "--json",
        "-",
    ];
    let cfg = tempfile::tempdir().unwrap();

    // No config: anonymous, refused.
    let run = ballast(&args, cfg.path());
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("anonymous") && run.stderr.contains("401"),
        "{}",
        run.stderr
    );

    // A wrong password: the message names the user and the file, never the secret.
    let write = |user: &str, pass: &str| {
        use base64::Engine;
        let auth = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
        let key = format!("http://{}/v2/", reg.host);
        std::fs::write(
            cfg.path().join("config.json"),
            serde_json::json!({"auths": {key: {"auth": auth}}}).to_string(),
        )
        .unwrap();
    };
    write("ci", "wrong");
    let run = ballast(&args, cfg.path());
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("user 'ci'")
            && run.stderr.contains("config.json")
            && !run.stderr.contains("wrong"),
        "{}",
        run.stderr
    );

    write("ci", "s3cret");
    let got = from_registry(&reference, &["--insecure-registry", &reg.host], cfg.path());
    assert_eq!(comparable(got), comparable(archive_json()));
}

#[test]
fn tls_with_a_private_ca_needs_registry_ca() {
    if !needs(&[gate::Need::Registry, gate::Need::Openssl]) {
        return;
    }
    let certs = tempfile::tempdir().unwrap();
    let tls = registry::make_tls(certs.path());
    let reg = Registry::start(Setup {
        tls: Some(&tls),
        ..Setup::default()
    });
    reg.push(&demo(), "demo:1", &[]);
    let cfg = tempfile::tempdir().unwrap();
    let reference = format!("{}/demo:1", reg.host);
    let run = ballast(
        &["--source", "registry", &reference, "--json", "-"],
        cfg.path(),
    );
    assert_eq!(run.code, 2, "an unknown CA is refused: {}", run.stderr);
    assert!(run.stderr.contains("--registry-ca FILE"), "{}", run.stderr);

    let ca = tls.ca.to_str().unwrap();
    let got = from_registry(&reference, &["--registry-ca", ca], cfg.path());
    assert_eq!(comparable(got), comparable(archive_json()));

    let not_pem = certs.path().join("srv.csr");
    let run = ballast(
        &[
            "--source",
            "registry",
            &reference,
            "--registry-ca",
            not_pem.to_str().unwrap(),
        ],
        cfg.path(),
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("no PEM certificate"), "{}", run.stderr);
}

/// A registry behind the token-issuing, fault-injecting proxy.
fn behind_proxy(basic: Option<&str>) -> (Registry, Proxy) {
    let reg = Registry::start(Setup::default());
    reg.push(&demo(), "demo:1", &[]);
    let proxy = Proxy::start(reg.port, basic);
    (reg, proxy)
}

#[test]
fn bearer_tokens_are_fetched_once_per_scope_with_the_configured_credential() {
    if !needs(&[gate::Need::Registry]) {
        return;
    }
    let (_reg, proxy) = behind_proxy(Some("bot:t0ken"));
    let cfg = tempfile::tempdir().unwrap();
    std::fs::write(
        cfg.path().join("config.json"),
        serde_json::json!({"auths": {proxy.host.clone(): {"username": "bot", "password": "t0ken"}}})
            .to_string(),
    )
    .unwrap();
    let reference = format!("{}/demo:1", proxy.host);
    let got = from_registry(
        &reference,
        &["--insecure-registry", &proxy.host],
        cfg.path(),
    );
    assert_eq!(comparable(got), comparable(archive_json()));
    assert_eq!(
        proxy.seen().token_requests,
        1,
        "{:?}",
        proxy.seen().requests
    );

    // The token service refuses another user: exit 2 naming that user.
    std::fs::write(
        cfg.path().join("config.json"),
        serde_json::json!({"auths": {proxy.host.clone(): {"username": "eve", "password": "x"}}})
            .to_string(),
    )
    .unwrap();
    let run = ballast(
        &[
            "--source",
            "registry",
            &reference,
            "--insecure-registry",
            &proxy.host,
        ],
        cfg.path(),
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("user 'eve'"), "{}", run.stderr);
}

#[test]
fn server_errors_throttling_resets_and_cut_bodies_are_retried() {
    if !needs(&[gate::Need::Registry]) {
        return;
    }
    let (reg, proxy) = behind_proxy(None);
    let cfg = tempfile::tempdir().unwrap();
    let (_, manifest) = reg.manifest("demo", "1");
    let manifest: Value = serde_json::from_slice(&manifest).unwrap();
    let config = manifest["config"]["digest"].as_str().unwrap().to_string();
    let layer = |i: usize| {
        manifest["layers"][i]["digest"]
            .as_str()
            .unwrap()
            .to_string()
    };
    proxy.fault("/manifests/", Fault::Status(503));
    proxy.fault("/manifests/", Fault::Reset);
    proxy.fault("/manifests/", Fault::TooMany(1));
    proxy.fault(&config, Fault::Status(500));
    proxy.fault(&config, Fault::Cut(100));
    // The largest layer breaks off twice and resumes where it stopped.
    proxy.fault(&layer(0), Fault::Cut(1000));
    proxy.fault(&layer(0), Fault::Cut(300_000));
    proxy.fault(&layer(1), Fault::Reset);
    proxy.fault(&layer(2), Fault::Slow);
    proxy.fault(&layer(3), Fault::Redirect);
    let reference = format!("{}/demo:1", proxy.host);
    let got = from_registry(
        &reference,
        &["--insecure-registry", &proxy.host],
        cfg.path(),
    );
    assert_eq!(comparable(got), comparable(archive_json()));
    let seen = proxy.seen();
    assert_eq!(
        seen.redirected_auth,
        vec![String::new()],
        "a redirect drops the token"
    );
    assert!(
        seen.requests.iter().any(|r| r.contains("/redirected/")),
        "{:?}",
        seen.requests
    );
    let ranges: Vec<&String> = seen
        .requests
        .iter()
        .filter(|r| r.contains("range="))
        .collect();
    assert!(
        ranges
            .iter()
            .any(|r| r.contains(&layer(0)) && r.contains("range=bytes=1000-")),
        "{ranges:?}"
    );
    assert!(
        ranges.iter().any(|r| r.contains("range=bytes=301000-")),
        "{ranges:?}"
    );
}

#[test]
fn a_registry_that_keeps_failing_is_an_exit_2_error_not_a_hang() {
    if !needs(&[gate::Need::Registry]) {
        return;
    }
    let (_reg, proxy) = behind_proxy(None);
    for _ in 0..10 {
        proxy.fault("/manifests/", Fault::Status(502));
    }
    let cfg = tempfile::tempdir().unwrap();
    let reference = format!("{}/demo:1", proxy.host);
    let run = ballast(
        &[
            "--source",
            "registry",
            &reference,
            "--insecure-registry",
            &proxy.host,
        ],
        cfg.path(),
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("502") && run.stderr.contains("giving up"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_oversized_manifest_is_refused() {
    if !needs(&[gate::Need::Registry]) {
        return;
    }
    let (_reg, proxy) = behind_proxy(None);
    proxy.fault("/manifests/", Fault::Huge(5 * 1024 * 1024));
    let cfg = tempfile::tempdir().unwrap();
    let reference = format!("{}/demo:1", proxy.host);
    let run = ballast(
        &[
            "--source",
            "registry",
            &reference,
            "--insecure-registry",
            &proxy.host,
        ],
        cfg.path(),
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("larger than 4 MiB"), "{}", run.stderr);
}

#[test]
fn a_credential_helper_is_asked_for_the_registry() {
    if !needs(&[gate::Need::Registry, gate::Need::Htpasswd]) {
        return;
    }
    let reg = Registry::start(Setup {
        basic: Some("helped:pw"),
        ..Setup::default()
    });
    reg.push(&demo(), "demo:1", &[]);
    let cfg = tempfile::tempdir().unwrap();
    let bin = tempfile::tempdir().unwrap();
    // The helper protocol: `get`, the server on stdin, JSON on stdout.
    let helper = bin.path().join("docker-credential-ballasttest");
    std::fs::write(
        &helper,
        format!(
            "#!/bin/sh\n[ \"$1\" = get ] || exit 1\nread server\n\
             [ \"$server\" = '{}' ] || {{ echo 'credentials not found'; exit 1; }}\n\
             echo '{{\"ServerURL\":\"'$server'\",\"Username\":\"helped\",\"Secret\":\"pw\"}}'\n",
            reg.host
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(
        cfg.path().join("config.json"),
        serde_json::json!({"credHelpers": {reg.host.clone(): "ballasttest"}}).to_string(),
    )
    .unwrap();
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let reference = format!("{}/demo:1", reg.host);
    let run = ballast_with(
        &[
            "--source",
            "registry",
            &reference,
            "--insecure-registry",
            &reg.host,
            "--json",
            "-",
        ],
        cfg.path(),
        &[("PATH", path)],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let got: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(comparable(got), comparable(archive_json()));
}

#[test]
fn one_file_is_read_back_from_a_registry_layer() {
    if !needs(&[gate::Need::Registry]) {
        return;
    }
    let reg = Registry::start(Setup::default());
    reg.push(&demo(), "demo:1", &[]);
    let opts = ballast::source::Options {
        source: ballast::source::SourceKind::Registry,
        registry: ballast::source::RegistryOptions {
            ca_files: Vec::new(),
            insecure: vec![reg.host.clone()],
            ..ballast::source::RegistryOptions::default()
        },
        ..ballast::source::Options::default()
    };
    let mut out = Vec::new();
    let reference = format!("{}/demo:1", reg.host);
    ballast::source::entry::read_entry(&reference, &opts, 4, b"/etc/app.conf", None, &mut out)
        .unwrap();
    assert_eq!(out, b"v2 with a longer line\n");
}

#[test]
fn a_stalled_download_is_resumed_not_waited_for_forever() {
    if !needs(&[gate::Need::Registry]) {
        return;
    }
    let (_reg, proxy) = behind_proxy(None);
    // The first stalls the config, the second a layer.
    proxy.fault("/blobs/", Fault::Stall);
    proxy.fault("/blobs/", Fault::Stall);
    let opts = ballast::source::Options {
        source: ballast::source::SourceKind::Registry,
        registry: ballast::source::RegistryOptions {
            insecure: vec![proxy.host.clone()],
            stall: Duration::from_secs(1),
            ..ballast::source::RegistryOptions::default()
        },
        ..ballast::source::Options::default()
    };
    let reference = format!("{}/demo:1", proxy.host);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let result = ballast::analysis::analyze(&reference, &opts, &ballast::progress::Silent);
        let _ = tx.send(
            result
                .map(|a| a.image.layers.len())
                .map_err(|e| e.to_string()),
        );
    });
    let layers = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the analysis finishes within a minute despite the stalls");
    assert_eq!(layers, Ok(7));
}

#[test]
fn an_identity_token_is_traded_for_an_access_token() {
    if !needs(&[gate::Need::Registry]) {
        return;
    }
    let reg = Registry::start(Setup::default());
    reg.push(&demo(), "demo:1", &[]);
    let proxy = Proxy::start_with(reg.port, Some("nobody:x"), Some("refresh-me"));
    let cfg = tempfile::tempdir().unwrap();
    let write = |token: &str| {
        std::fs::write(
            cfg.path().join("config.json"),
            serde_json::json!({"auths": {proxy.host.clone(): {"identitytoken": token}}})
                .to_string(),
        )
        .unwrap();
    };
    write("refresh-me");
    let reference = format!("{}/demo:1", proxy.host);
    let got = from_registry(
        &reference,
        &["--insecure-registry", &proxy.host],
        cfg.path(),
    );
    assert_eq!(comparable(got), comparable(archive_json()));

    write("stale");
    let run = ballast(
        &[
            "--source",
            "registry",
            &reference,
            "--insecure-registry",
            &proxy.host,
        ],
        cfg.path(),
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("identity token") && !run.stderr.contains("stale"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_warm_layer_cache_downloads_no_layer_and_gives_the_same_json() {
    if !needs(&[gate::Need::Registry]) {
        return;
    }
    let (reg, proxy) = behind_proxy(None);
    reg.push_zstd(&demo(), "zdemo:z");
    let cfg = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let cache_dir = cache.path().to_str().unwrap();
    let extra = ["--insecure-registry", &proxy.host, "--cache-dir", cache_dir];
    let blobs = || {
        let seen = proxy.seen();
        seen.requests
            .iter()
            .filter(|r| r.contains("/blobs/"))
            .count()
    };
    let reference = format!("{}/demo:1", proxy.host);
    let cold = from_registry(&reference, &extra, cfg.path());
    let before = blobs();
    let warm = from_registry(&reference, &extra, cfg.path());
    // Only the config is fetched again.
    assert_eq!(blobs() - before, 1, "{:?}", proxy.seen().requests);
    assert_eq!(warm, cold);
    // The same layers zstd-compressed: from the cache, with their own compression.
    let zst = from_registry(&format!("{}/zdemo:z", proxy.host), &extra, cfg.path());
    assert!(layer_compressions(&zst).iter().all(|c| c == "zstd"));
    let fresh = from_registry(
        &format!("{}/zdemo:z", proxy.host),
        &["--insecure-registry", &proxy.host, "--no-cache"],
        cfg.path(),
    );
    assert_eq!(zst, fresh);
}

#[test]
fn a_warm_image_cache_fetches_the_manifest_and_config_only_and_a_miss_fetches_them_once() {
    if !needs(&[gate::Need::Registry]) {
        return;
    }
    let (_reg, proxy) = behind_proxy(None);
    let cfg = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let cache_dir = cache.path().to_str().unwrap();
    let extra = ["--insecure-registry", &proxy.host, "--cache-dir", cache_dir];
    let reference = format!("{}/demo:1", proxy.host);
    let gets = |from: usize| -> Vec<String> {
        proxy.seen().requests[from..]
            .iter()
            .filter(|r| r.starts_with("GET ") && !r.contains("/token"))
            .cloned()
            .collect()
    };
    let count = |gets: &[String], part: &str| gets.iter().filter(|r| r.contains(part)).count();
    // Cold: identifying the image resolves the manifest and config, and the
    // read that follows takes them over rather than fetching them again.
    let start = proxy.seen().requests.len();
    let cold = from_registry(&reference, &extra, cfg.path());
    let cold_gets = gets(start);
    let layers = cold["image"]["layers"].as_array().unwrap().len();
    // Each process's first request is answered with the bearer challenge
    // (401) and asked again with the token: two GETs for one fetch.
    assert_eq!(count(&cold_gets, "/manifests/"), 2, "{cold_gets:?}");
    assert_eq!(count(&cold_gets, "/blobs/"), layers + 1, "{cold_gets:?}");
    let mut blobs: Vec<&String> = cold_gets.iter().filter(|r| r.contains("/blobs/")).collect();
    blobs.dedup();
    assert_eq!(
        blobs.len(),
        layers + 1,
        "a blob fetched twice: {cold_gets:?}"
    );
    // Warm: the manifest and config again (a tag may have moved), no layer.
    let start = proxy.seen().requests.len();
    let warm = from_registry(&reference, &extra, cfg.path());
    let warm_gets = gets(start);
    assert_eq!(count(&warm_gets, "/manifests/"), 2, "{warm_gets:?}");
    assert_eq!(count(&warm_gets, "/blobs/"), 1, "{warm_gets:?}");
    assert_eq!(warm, cold);
    let images = cache.path().join("images/v1");
    assert_eq!(std::fs::read_dir(images).unwrap().count(), 1);
}

/// Two builds of one app on a shared base: three base layers, then a top
/// layer of their own (the second build's larger). Written as `docker save`
/// archives in `dir`.
fn two_builds(dir: &Path) -> (PathBuf, PathBuf) {
    use testimage::{self as fixture, Compress, ImageSpec, LayerSpec, Layout};
    let base = vec![
        LayerSpec::new(
            "ADD rootfs.tar /",
            vec![
                fixture::dir("usr"),
                fixture::dir("usr/lib"),
                fixture::big_file("usr/lib/libbase.so", 300_000, 1),
            ],
        ),
        LayerSpec::new(
            "RUN apt-get install -y python3",
            vec![
                fixture::dir("usr/lib/python3"),
                fixture::big_file("usr/lib/python3/os.py", 200_000, 2),
                fixture::dir("var"),
                fixture::dir("var/cache"),
                fixture::big_file("var/cache/apt.bin", 50_000, 3),
            ],
        ),
        LayerSpec::new(
            "RUN rm -rf /var/cache/apt.bin",
            vec![fixture::whiteout("var/cache/apt.bin")],
        ),
    ];
    let build = |name: &str, top: Vec<testimage::Node>| {
        let mut layers = base.clone();
        layers.push(LayerSpec::new("COPY app /app", top));
        let spec = ImageSpec {
            layers,
            ..ImageSpec::default()
        };
        let path = dir.join(name);
        fixture::write_image(&spec, Layout::DockerLegacy, Compress::None, &path).unwrap();
        path
    };
    let v1 = build(
        "app1.tar",
        vec![
            fixture::dir("app"),
            fixture::big_file("app/main.py", 10_000, 4),
        ],
    );
    let v2 = build(
        "app2.tar",
        vec![
            fixture::dir("app"),
            fixture::big_file("app/main.py", 12_000, 5),
            fixture::big_file("app/vendor.bin", 80_000, 6),
        ],
    );
    (v1, v2)
}

/// Every blob digest the proxy was asked for with GET, and how often.
fn blob_gets(proxy: &Proxy) -> std::collections::BTreeMap<String, usize> {
    let mut gets = std::collections::BTreeMap::new();
    for r in &proxy.seen().requests {
        if let Some(rest) = r.strip_prefix("GET ")
            && let Some((_, digest)) = rest.split_once("/blobs/")
        {
            let digest = digest.split_whitespace().next().unwrap_or("").to_string();
            *gets.entry(digest).or_insert(0) += 1;
        }
    }
    gets
}

/// Each of `digests` was fetched once since the proxy had seen `before`.
fn fetched_once(
    proxy: &Proxy,
    before: &std::collections::BTreeMap<String, usize>,
    digests: &std::collections::BTreeSet<&String>,
    what: &str,
) {
    let after = blob_gets(proxy);
    for digest in digests {
        let n = after.get(*digest).unwrap_or(&0) - before.get(*digest).unwrap_or(&0);
        assert_eq!(n, 1, "{what}: {digest} fetched {n} times: {after:?}");
    }
}

/// The layer blob digests of `name:tag` as the registry stores them.
fn layer_digests(reg: &Registry, name: &str, tag: &str) -> Vec<String> {
    let (_, manifest) = reg.manifest(name, tag);
    let manifest: Value = serde_json::from_slice(&manifest).unwrap();
    manifest["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["digest"].as_str().unwrap().to_string())
        .collect()
}

fn without_references(mut v: Value) -> Value {
    let o = v.as_object_mut().unwrap();
    o.remove("old");
    o.remove("new");
    v
}

#[test]
fn diff_and_baseline_across_a_registry_fetch_each_shared_layer_once() {
    if !needs(&[gate::Need::Registry]) {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let (v1, v2) = two_builds(work.path());
    let reg = Registry::start(Setup::default());
    reg.push(&v1, "app:1", &[]);
    reg.push(&v2, "app:2", &[]);
    let (old_layers, new_layers) = (
        layer_digests(&reg, "app", "1"),
        layer_digests(&reg, "app", "2"),
    );
    assert_eq!(
        old_layers[..3],
        new_layers[..3],
        "the builds share their base blobs"
    );
    assert_ne!(old_layers[3], new_layers[3]);
    let proxy = Proxy::start(reg.port, None);
    let cfg = tempfile::tempdir().unwrap();
    let (old, new) = (
        format!("{}/app:1", proxy.host),
        format!("{}/app:2", proxy.host),
    );
    let from_archives = ballast(
        &[
            "diff",
            v1.to_str().unwrap(),
            v2.to_str().unwrap(),
            "--json",
            "-",
        ],
        cfg.path(),
    );
    assert_eq!(from_archives.code, 0, "{}", from_archives.stderr);
    let expected: Value = serde_json::from_str(&from_archives.stdout).unwrap();
    assert_eq!(expected["layers"][0]["status"], "same");
    assert_eq!(expected["layers"][3]["status"], "changed");

    // Without a layer cache, verified and not: every blob is fetched once.
    let all: std::collections::BTreeSet<&String> = old_layers.iter().chain(&new_layers).collect();
    for extra in [&["--no-cache"][..], &["--no-cache", "--no-verify"][..]] {
        let before = blob_gets(&proxy);
        let mut args = vec![
            "diff",
            "--source",
            "registry",
            "--insecure-registry",
            &proxy.host,
        ];
        args.extend(extra);
        args.extend([old.as_str(), new.as_str(), "--json", "-"]);
        let run = ballast(&args, cfg.path());
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        let got: Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(
            without_references(got),
            without_references(expected.clone())
        );
        fetched_once(&proxy, &before, &all, &format!("{extra:?}"));
    }

    // `--ci --baseline` reads the baseline from the registry too, sharing.
    let before = blob_gets(&proxy);
    let run = ballast(
        &[
            "--source",
            "registry",
            "--insecure-registry",
            &proxy.host,
            "--no-cache",
            &new,
            "--ci",
            "--baseline",
            &old,
            "--max-growth",
            "1KB",
        ],
        cfg.path(),
    );
    assert_eq!(
        run.code, 1,
        "the new build grew by more than 1 KB: {}",
        run.stderr
    );
    fetched_once(&proxy, &before, &all, "--baseline");

    // An archive against a registry image: the base comes from the archive.
    let before = blob_gets(&proxy);
    let run = ballast(
        &[
            "diff",
            "--source",
            "registry",
            "--insecure-registry",
            &proxy.host,
            "--no-cache",
            v1.to_str().unwrap(),
            &new,
            "--json",
            "-",
        ],
        cfg.path(),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let got: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(without_references(got), without_references(expected));
    let after = blob_gets(&proxy);
    let fetched: Vec<&String> = new_layers
        .iter()
        .filter(|d| after.get(*d) != before.get(*d))
        .collect();
    assert_eq!(
        fetched,
        vec![&new_layers[3]],
        "only the new top layer is downloaded"
    );
}

#[test]
fn a_catalog_link_to_another_host_is_not_followed() {
    if !needs(&[gate::Need::Registry]) {
        return;
    }
    let (_reg, proxy) = behind_proxy(None);
    // Whatever connects here was sent there by the registry's Link.
    let elsewhere = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    elsewhere.set_nonblocking(true).unwrap();
    let link = format!(
        "Link: <http://{}/v2/_catalog?last=demo>; rel=\"next\"",
        elsewhere.local_addr().unwrap()
    );
    proxy.fault(
        "/v2/_catalog",
        Fault::Answer(vec![link], br#"{"repositories":["demo"]}"#.to_vec()),
    );
    let cfg = tempfile::tempdir().unwrap();
    let run = ballast(
        &[
            "fleet",
            "list",
            &proxy.host,
            "--insecure-registry",
            &proxy.host,
        ],
        cfg.path(),
    );
    assert!(
        elsewhere.accept().is_err(),
        "the catalog's Link to another host was followed"
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("not on it"), "{}", run.stderr);
}

#[test]
fn a_tag_list_with_an_invalid_tag_is_an_error_not_extra_references() {
    if !needs(&[gate::Need::Registry]) {
        return;
    }
    let (_reg, proxy) = behind_proxy(None);
    proxy.fault(
        "/tags/list",
        Fault::Answer(
            Vec::new(),
            br#"{"name":"demo","tags":["1","2\nevil.example/x:y"]}"#.to_vec(),
        ),
    );
    let cfg = tempfile::tempdir().unwrap();
    let run = ballast(
        &[
            "fleet",
            "list",
            &proxy.host,
            "--insecure-registry",
            &proxy.host,
        ],
        cfg.path(),
    );
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(!run.stdout.contains("evil.example"), "{}", run.stdout);
    assert!(run.stderr.contains("not a valid tag"), "{}", run.stderr);
}
