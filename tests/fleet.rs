//! `ballast fleet` against a real registry on loopback: Debian's
//! `docker-registry` holding 50 images that share three bases (one built on
//! another), generated with `testimage` and uploaded through the registry's
//! own API (blobs, then manifests: no skopeo per image, so the fleet is up in
//! a few seconds). Listing with pagination and filters; a scan in 4 shards
//! merged equals one unsharded scan; a killed scan resumed gives the same
//! records; records are the same from run to run (cold or warm cache); a
//! missing tag and a corrupt blob become records; a layer shared by images
//! in flight at once is downloaded once.

#[allow(dead_code)]
#[path = "support/bin.rs"]
mod bin;
#[allow(dead_code)]
#[path = "support/gate.rs"]
mod gate;
#[path = "support/registry.rs"]
mod registry;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use registry::{Registry, Run, Setup};
use serde_json::Value;
use testimage::{
    self as fixture, Compress, ImageSpec, LayerSpec, Layout, big_file, file, whiteout,
};

fn needs_registry() -> bool {
    gate::need(gate::Need::Registry, &gate::this_test())
}

/// Base layers, by name: `small` (one layer), `debian` (two, an apt cache
/// left in the second), `node` (debian's two and one more).
fn base_layers(base: &str) -> Vec<LayerSpec> {
    let debian = || {
        vec![
            LayerSpec::new(
                "ADD rootfs.tar /",
                vec![
                    file("etc/os-release", "ID=debian\nVERSION_ID=12\n"),
                    big_file("usr/lib/libbig.so", 300_000, 2),
                ],
            ),
            LayerSpec::new(
                "RUN apt-get install -y curl",
                vec![
                    big_file("usr/bin/curl", 60_000, 3),
                    big_file("var/cache/apt/archives/curl.deb", 80_000, 4),
                ],
            ),
        ]
    };
    match base {
        "small" => vec![LayerSpec::new(
            "ADD alpine.tar /",
            vec![
                file("etc/os-release", "ID=alpine\nVERSION_ID=3.19\n"),
                big_file("bin/busybox", 150_000, 1),
            ],
        )],
        "debian" => debian(),
        _ => {
            let mut l = debian();
            l.push(LayerSpec::new(
                "COPY node /usr/local/bin/node",
                vec![big_file("usr/local/bin/node", 200_000, 5)],
            ));
            l
        }
    }
}

/// App `i`: its base, its own binary, sometimes `.git`, sometimes a file
/// deleted by a later layer.
fn app(i: u64) -> ImageSpec {
    let mut layers = base_layers(["small", "debian", "node"][i as usize % 3]);
    let mut nodes = vec![big_file(format!("app/svc{i}"), 30_000 + i * 100, 100 + i)];
    if i.is_multiple_of(4) {
        nodes.push(big_file("app/.git/objects/pack/p.pack", 20_000, 200 + i));
    }
    layers.push(LayerSpec::new("COPY . /app", nodes));
    if i.is_multiple_of(5) {
        layers.push(LayerSpec::new(
            "RUN curl -o /tmp/build.tar …",
            vec![big_file("tmp/build.tar", 40_000, 300 + i)],
        ));
        layers.push(LayerSpec::new(
            "RUN rm /tmp/build.tar",
            vec![whiteout("tmp/build.tar")],
        ));
    }
    ImageSpec {
        layers,
        container_config: serde_json::json!({"Cmd": [format!("/app/svc{i}")]}),
        extra_history: vec![],
    }
}

/// The fleet: 3 bases, 44 apps, 3 more tags of apps: 50 references.
fn fleet(reg: &Registry) -> Vec<String> {
    let work = tempfile::tempdir().unwrap();
    let mut refs = Vec::new();
    for (i, base) in ["small", "debian", "node"].iter().enumerate() {
        let spec = ImageSpec {
            layers: base_layers(base),
            ..ImageSpec::default()
        };
        let name = format!("base/{base}:{}", i + 1);
        push(reg, &spec, &name, work.path());
        refs.push(name);
    }
    for i in 0..44 {
        let name = format!("apps/svc{i:02}:1");
        push(reg, &app(i), &name, work.path());
        refs.push(name.clone());
        if i < 3 {
            let latest = name.replace(":1", ":latest");
            push(reg, &app(i), &latest, work.path());
            refs.push(latest);
        }
    }
    refs.iter().map(|r| format!("{}/{r}", reg.host)).collect()
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent()
}

/// Write `spec` as an OCI layout and upload its blobs and manifest as `name`.
fn push(reg: &Registry, spec: &ImageSpec, name: &str, work: &Path) {
    let dir = work.join(name.replace([':', '/'], "-"));
    fixture::write_image(spec, Layout::OciDir, Compress::Gzip, &dir).unwrap();
    let blob = |d: &str| {
        dir.join("blobs/sha256")
            .join(d.trim_start_matches("sha256:"))
    };
    let index: Value =
        serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
    let desc = &index["manifests"][0];
    let manifest_bytes = std::fs::read(blob(desc["digest"].as_str().unwrap())).unwrap();
    let manifest: Value = serde_json::from_slice(&manifest_bytes).unwrap();
    let (repo, tag) = name.rsplit_once(':').unwrap();
    let mut digests = vec![manifest["config"]["digest"].as_str().unwrap().to_string()];
    for l in manifest["layers"].as_array().unwrap() {
        digests.push(l["digest"].as_str().unwrap().to_string());
    }
    let http = agent();
    for d in digests {
        upload(
            &http,
            &reg.host,
            repo,
            &d,
            &std::fs::read(blob(&d)).unwrap(),
        );
    }
    let url = format!("http://{}/v2/{repo}/manifests/{tag}", reg.host);
    let put = http
        .put(&url)
        .header("Content-Type", desc["mediaType"].as_str().unwrap())
        .send(&manifest_bytes[..])
        .unwrap();
    assert_eq!(put.status().as_u16(), 201, "PUT {url}");
}

/// A monolithic blob upload (POST, then PUT with the digest), skipped when
/// the repository already has the blob.
fn upload(http: &ureq::Agent, host: &str, repo: &str, digest: &str, data: &[u8]) {
    let head = http
        .head(&format!("http://{host}/v2/{repo}/blobs/{digest}"))
        .call()
        .unwrap();
    if head.status().as_u16() == 200 {
        return;
    }
    let start = http
        .post(&format!("http://{host}/v2/{repo}/blobs/uploads/"))
        .send_empty()
        .unwrap();
    assert_eq!(start.status().as_u16(), 202);
    let location = start.headers()["location"].to_str().unwrap().to_string();
    let url = if location.starts_with("http") {
        location
    } else {
        format!("http://{host}{location}")
    };
    let sep = if url.contains('?') { '&' } else { '?' };
    let put = http
        .put(&format!("{url}{sep}digest={digest}"))
        .header("Content-Type", "application/octet-stream")
        .send(data)
        .unwrap();
    assert_eq!(put.status().as_u16(), 201, "upload {digest}");
}

/// `ballast ARGS` with no layer cache, no Docker credentials and no shard
/// of a CI job.
fn command(args: &[&str]) -> Command {
    let mut c = bin::uncached();
    let config = std::env::temp_dir().join("ballast-fleet-test-no-docker-config");
    c.args(args)
        .env_remove(ballast::fleet::shard::JOB_INDEX_VARIABLE)
        .env("DOCKER_CONFIG", config)
        .env("NO_COLOR", "1");
    c
}

/// Run ballast; a run over two minutes is a hang and fails the test.
fn ballast(args: &[&str]) -> Run {
    registry::finish(&mut command(args), Duration::from_secs(120))
}

fn ok(args: &[&str]) -> Run {
    let run = ballast(args);
    assert_eq!(run.code, 0, "ballast {args:?}: {}", run.stderr);
    run
}

/// The records of JSON Lines files, by reference (each reference once).
fn records(files: &[&Path]) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for f in files {
        for line in std::fs::read_to_string(f).unwrap().lines() {
            let v: Value = serde_json::from_str(line).unwrap();
            let r = v["reference"].as_str().unwrap().to_string();
            assert!(out.insert(r.clone(), v).is_none(), "{r} recorded twice");
        }
    }
    out
}

struct Fleet {
    reg: Registry,
    refs: Vec<String>,
    dir: tempfile::TempDir,
}

impl Fleet {
    fn start(catalog_page: Option<usize>) -> Fleet {
        let reg = Registry::start(Setup {
            catalog_page,
            ..Setup::default()
        });
        let refs = fleet(&reg);
        Fleet {
            reg,
            refs,
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `fleet scan` of the whole registry into `out`, with a cache in `cache`.
    fn scan(&self, out: &str, cache: &str, extra: &[&str]) -> Run {
        let args = self.scan_args(out, cache, extra);
        ok(&args.iter().map(String::as_str).collect::<Vec<_>>())
    }

    /// The arguments of [`Fleet::scan`].
    fn scan_args(&self, out: &str, cache: &str, extra: &[&str]) -> Vec<String> {
        let (out, cache) = (self.path(out), self.path(cache));
        let host = self.reg.host.as_str();
        let mut args = vec!["fleet", "scan", host, "--insecure-registry", host];
        args.extend(["--output", out.to_str().unwrap()]);
        args.extend(["--cache-dir", cache.to_str().unwrap()]);
        args.extend(extra);
        args.into_iter().map(str::to_string).collect()
    }
}

/// `layer cache: H hits, R layers read` from a scan's last line.
fn cache_counts(stderr: &str) -> (u64, u64) {
    let line = stderr
        .lines()
        .rfind(|l| l.contains("layer cache:"))
        .unwrap();
    let nums: Vec<u64> = line
        .rsplit("layer cache:")
        .next()
        .unwrap()
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    (nums[0], nums[1])
}

#[test]
fn list_pages_through_the_catalog_and_filters_repositories_and_tags() {
    if !needs_registry() {
        return;
    }
    let f = Fleet::start(Some(7));
    let host = f.reg.host.as_str();
    let listed = ok(&["fleet", "list", host, "--insecure-registry", host]).stdout;
    let mut want = f.refs.clone();
    want.sort();
    assert_eq!(
        listed.lines().collect::<Vec<_>>(),
        want,
        "50 images over 7-name pages"
    );

    let some = ok(&[
        "fleet",
        "list",
        host,
        "--insecure-registry",
        host,
        "--repo",
        "apps/svc0*",
        "--tag",
        "latest",
    ])
    .stdout;
    let want: Vec<String> = (0..3)
        .map(|i| format!("{host}/apps/svc0{i}:latest"))
        .collect();
    assert_eq!(some.lines().collect::<Vec<_>>(), want);

    // Pinned to digests, the list shards by digest: a tag and its twin
    // (same image) land in the same slice.
    let pinned = ok(&[
        "fleet",
        "list",
        host,
        "--insecure-registry",
        host,
        "--repo",
        "apps/svc00",
        "--digests",
    ])
    .stdout;
    let lines: Vec<&str> = pinned.lines().collect();
    assert_eq!(lines.len(), 2);
    let digest = |l: &str| l.split_once('@').unwrap().1.to_string();
    assert_eq!(digest(lines[0]), digest(lines[1]));
    let (want_digest, _) = f.reg.manifest("apps/svc00", "1");
    assert_eq!(digest(lines[0]), want_digest);
    let list = f.path("pinned.txt");
    std::fs::write(&list, &pinned).unwrap();
    let slices: BTreeSet<String> = (0..5)
        .map(|i| {
            let shard = format!("{i}/5");
            let run = ok(&[
                "fleet",
                "list",
                "--from",
                list.to_str().unwrap(),
                "--shard",
                &shard,
            ]);
            run.stdout
        })
        .filter(|s| !s.is_empty())
        .collect();
    // One slice holds both lines; the others are empty.
    assert_eq!(slices, BTreeSet::from([pinned.clone()]), "{slices:?}");

    let bad = ballast(&[
        "fleet",
        "list",
        host,
        "--repo",
        "[",
        "--insecure-registry",
        host,
    ]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("--repo '['"), "{}", bad.stderr);
}

#[test]
fn four_shards_merged_equal_one_scan_and_records_are_stable() {
    if !needs_registry() {
        return;
    }
    let f = Fleet::start(None);
    let one = f.scan("all.jsonl", "cache-all", &["--jobs", "4"]);
    let all = records(&[&f.path("all.jsonl")]);
    assert_eq!(all.len(), 50);
    assert!(all.values().all(|r| r["status"] == "ok"), "{all:?}");

    // Images in flight at once shared every layer: each unique one read once.
    let unique: BTreeSet<&str> = all
        .values()
        .flat_map(|r| r["layers"].as_array().unwrap())
        .map(|l| l["diff_id"].as_str().unwrap())
        .collect();
    let layers: usize = all
        .values()
        .map(|r| r["layers"].as_array().unwrap().len())
        .sum();
    let (hits, reads) = cache_counts(&one.stderr);
    assert_eq!(reads as usize, unique.len(), "{}", one.stderr);
    assert_eq!((hits + reads) as usize, layers);

    // Four workers, each with its own cache, in any order.
    let mut shards = Vec::new();
    for i in [2, 0, 3, 1] {
        let name = format!("shard{i}.jsonl");
        let shard = format!("{i}/4");
        f.scan(
            &name,
            &format!("cache-{i}"),
            &["--shard", &shard, "--jobs", "2"],
        );
        shards.push(f.path(&name));
    }
    let sizes: Vec<usize> = shards.iter().map(|s| records(&[s]).len()).collect();
    assert!(
        sizes.iter().all(|&n| n > 0),
        "every shard has work: {sizes:?}"
    );
    let merged = records(&shards.iter().map(PathBuf::as_path).collect::<Vec<_>>());
    assert_eq!(merged, all, "4 shards merged = one scan");

    // Again, warm cache: the same records.
    f.scan("again.jsonl", "cache-all", &["--jobs", "3"]);
    assert_eq!(records(&[&f.path("again.jsonl")]), all, "run to run");

    // The reports of the merged shards and of the one scan are equal.
    let report = |files: &[&Path]| {
        let mut args = vec!["fleet", "report", "--json", "-"];
        args.extend(files.iter().map(|p| p.to_str().unwrap()));
        serde_json::from_str::<Value>(&ok(&args).stdout).unwrap()
    };
    let whole = report(&[&f.path("all.jsonl")]);
    assert_eq!(
        report(&shards.iter().map(PathBuf::as_path).collect::<Vec<_>>()),
        whole
    );
    assert_report(&whole, &all);

    let md = ok(&["fleet", "report", f.path("all.jsonl").to_str().unwrap()]).stdout;
    for heading in [
        "# Fleet report",
        "## Bases by use",
        "## Most shared layers",
        "fixes would save",
    ] {
        assert!(md.contains(heading), "{heading}: {md}");
    }
}

/// The fleet's numbers as the fixture made them.
fn assert_report(report: &Value, all: &BTreeMap<String, Value>) {
    assert_eq!(report["images"], 50);
    assert_eq!(report["repositories"], 47);
    let bases = report["bases"].as_array().unwrap();
    let named: BTreeMap<&str, u64> = bases
        .iter()
        .filter_map(|b| Some((b["image"].as_str()?, b["images"].as_u64()?)))
        .collect();
    let host = all.keys().next().unwrap().split('/').next().unwrap();
    // small: itself and 15 apps (0, 3, .., 42; svc00 and svc03 twice);
    // debian: itself, node, and 15 apps (svc01 twice) = 17 by prefix... but
    // node and its apps start with debian's layers and more: their base is node.
    assert_eq!(named[format!("{host}/base/small:1").as_str()], 1 + 15 + 1);
    assert_eq!(named[format!("{host}/base/debian:2").as_str()], 1 + 15 + 1);
    assert_eq!(named[format!("{host}/base/node:3").as_str()], 1 + 14 + 1);
    let stored = report["stored_bytes"].as_u64().unwrap();
    let pulled = report["pulled_bytes"].as_u64().unwrap();
    assert!(
        stored * 3 < pulled,
        "shared bases: stored {stored}, pulled {pulled}"
    );
    let fix = &report["fixes"][0];
    assert_eq!(
        fix["rule"], "package-cache",
        "the apt cache in debian's layer: {fix}"
    );
    assert_eq!(fix["images"], 1 + 1 + 15 + 1 + 14 + 1);
}

#[test]
fn a_killed_scan_resumed_gives_the_same_records() {
    if !needs_registry() {
        return;
    }
    let f = Fleet::start(None);
    f.scan("all.jsonl", "cache-a", &[]);
    let all = records(&[&f.path("all.jsonl")]);

    let out = f.path("killed.jsonl");
    let args = f.scan_args("killed.jsonl", "cache-b", &["--jobs", "1"]);
    let mut child = command(&args.iter().map(String::as_str).collect::<Vec<_>>())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::fs::read_to_string(&out).map_or(0, |t| t.lines().count()) < 5 {
        assert!(Instant::now() < deadline, "no records after a minute");
        std::thread::sleep(Duration::from_millis(5));
    }
    let _ = child.kill();
    let _ = child.wait();
    // Whatever the kill left, the last line is cut in half, as a kill
    // during a write leaves it.
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().take(4).collect();
    let cut = &lines[3][..lines[3].len() / 2];
    std::fs::write(&out, format!("{}\n{cut}", lines[..3].join("\n"))).unwrap();

    let resumed = f.scan("killed.jsonl", "cache-b", &["--jobs", "3"]);
    assert!(
        resumed.stderr.contains("3 already in"),
        "{}",
        resumed.stderr
    );
    assert_eq!(records(&[&out]), all);
    // A finished scan run again has nothing left to do.
    let again = f.scan("killed.jsonl", "cache-b", &[]);
    assert!(
        again.stderr.contains("0 images analysed"),
        "{}",
        again.stderr
    );
    assert!(again.stderr.contains("50 already in"), "{}", again.stderr);
}

#[test]
fn a_missing_tag_and_a_corrupt_blob_become_records_and_the_scan_goes_on() {
    if !needs_registry() {
        return;
    }
    let f = Fleet::start(None);
    let host = f.reg.host.clone();
    let work = tempfile::tempdir().unwrap();
    let broken = ImageSpec {
        layers: vec![LayerSpec::new("ADD x /", vec![big_file("x", 50_000, 999)])],
        ..ImageSpec::default()
    };
    push(&f.reg, &broken, "broken/app:1", work.path());
    let (_, raw) = f.reg.manifest("broken/app", "1");
    let manifest: Value = serde_json::from_slice(&raw).unwrap();
    let layer = manifest["layers"][0]["digest"].as_str().unwrap();
    let hex = layer.trim_start_matches("sha256:");
    let data = f
        .reg
        .dir
        .path()
        .join("storage/docker/registry/v2/blobs/sha256")
        .join(&hex[..2])
        .join(hex)
        .join("data");
    let len = std::fs::metadata(&data).unwrap().len() as usize;
    std::fs::write(&data, vec![0x5a; len]).unwrap();

    let list = f.path("refs.txt");
    let refs = [
        format!("{host}/apps/svc01:1"),
        format!("{host}/apps/nope:1"),
        format!("{host}/broken/app:1"),
        format!("{host}/apps/svc02:1"),
    ];
    std::fs::write(&list, refs.join("\n")).unwrap();
    let out = f.path("mixed.jsonl");
    let scan = |extra: &[&str]| {
        let mut args = vec!["fleet", "scan", "--from", list.to_str().unwrap()];
        args.extend(["--insecure-registry", &host, "--no-cache"]);
        args.extend(["--output", out.to_str().unwrap()]);
        args.extend(extra);
        ok(&args)
    };
    let run = scan(&[]);
    assert!(
        run.stderr.contains("2 images analysed, 2 failed"),
        "{}",
        run.stderr
    );
    let got = records(&[&out]);
    let status = |r: &str| {
        got[&format!("{host}/{r}")]["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(status("apps/svc01:1"), "ok");
    assert_eq!(status("apps/svc02:1"), "ok");
    let missing = &got[&format!("{host}/apps/nope:1")];
    assert_eq!(missing["status"], "error");
    assert!(
        missing["error"].as_str().unwrap().contains("nope"),
        "{missing}"
    );
    let corrupt = &got[&format!("{host}/broken/app:1")];
    assert_eq!(corrupt["status"], "error");
    assert!(
        corrupt["digest"].as_str().is_some(),
        "the manifest was read: {corrupt}"
    );

    // Failures are skipped on resume unless retried; retried, they fail again.
    let again = scan(&["--retry-errors"]);
    assert!(
        again
            .stderr
            .contains("0 images analysed, 2 failed, 2 already in"),
        "{}",
        again.stderr
    );
    assert_eq!(records(&[&out]), got);

    let md = ok(&["fleet", "report", out.to_str().unwrap()]).stdout;
    assert!(md.contains("Images that could not be analysed (2)"), "{md}");
}
