//! `ballast diff` on two real builds of the same app, where the second commit
//! adds a dependency and leaves a package-manager cache behind: the diff must
//! name both, with exact bytes, whichever sources the two images come from.

/// The one gate for what the tests need from the machine (tests/support/gate.rs).
#[allow(dead_code)]
#[path = "support/gate.rs"]
mod gate;

#[path = "engine/support.rs"]
#[allow(dead_code)]
mod engine_support;

#[allow(dead_code)]
#[path = "support/bin.rs"]
mod bin;

use std::process::Command;

use ballast::analysis::diff::diff;
use ballast::source::SourceKind;
use engine_support::{analyze, build, docker_ready, run};

const BASE: &str = r#"FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
RUN mkdir -p /app/node_modules/express && echo '{"name":"app","dependencies":{"express":"4"}}' > /app/package.json \
 && echo '{"name":"express","version":"4.18.2"}' > /app/node_modules/express/package.json \
 && head -c 50000 /dev/zero | tr '\0' 'e' > /app/node_modules/express/index.js
"#;

/// The commit: lodash is added (70,000 + its manifest) and npm's cache stays.
const STEP: &str = r#"RUN mkdir -p /app/node_modules/lodash /root/.npm/_cacache/content-v2 \
 && echo '{"name":"lodash","version":"4.17.21"}' > /app/node_modules/lodash/package.json \
 && head -c 70000 /dev/zero | tr '\0' 'l' > /app/node_modules/lodash/lodash.js \
 && head -c 123456 /dev/zero | tr '\0' 'c' > /root/.npm/_cacache/content-v2/blob
"#;

const LODASH_MANIFEST: u64 = r#"{"name":"lodash","version":"4.17.21"}"#.len() as u64 + 1;

#[test]
fn a_commit_adding_a_dependency_and_a_cache_is_named_with_exact_bytes() {
    let test = "a_commit_adding_a_dependency_and_a_cache_is_named_with_exact_bytes";
    if !docker_ready(test) {
        return;
    }
    let before = build("diff-before", BASE);
    let after = build("diff-after", &format!("{BASE}{STEP}"));
    // The new image from the engine, the old one from a `docker save` archive.
    let tmp = tempfile::tempdir().unwrap();
    let old_tar = tmp.path().join("before.tar");
    run(Command::new("docker")
        .args(["save", "-o"])
        .arg(&old_tar)
        .arg(&before.tag));
    let old = analyze(&old_tar, SourceKind::Auto);
    let new = analyze(&after.tag, SourceKind::Docker);
    let d = diff(&old, &new);

    let lodash = 70_000 + LODASH_MANIFEST;
    let cache = 123_456;
    assert_eq!(d.live.delta, (lodash + cache) as i64);
    assert_eq!(d.shipped.delta, (lodash + cache) as i64);
    let dir = |p: &str| {
        d.directories
            .iter()
            .find(|x| x.path == p)
            .unwrap_or_else(|| panic!("{p} in {:?}", d.directories))
    };
    assert_eq!(dir("/app/node_modules/lodash").size.delta, lodash as i64);
    assert_eq!(
        dir("/root/.npm/_cacache/content-v2").size.delta,
        cache as i64
    );
    assert!(
        d.directories.iter().all(|x| x.path != "/app/node_modules"),
        "same change as its child: {:?}",
        d.directories
    );
    assert_eq!(
        (
            d.files.added,
            d.files.added_bytes,
            d.files.removed,
            d.files.changed
        ),
        (3, lodash + cache, 0, 0)
    );
    assert_eq!(
        d.files.top_added[0].path,
        "/root/.npm/_cacache/content-v2/blob"
    );

    // The layers: two uncached builds usually give the base steps new digests
    // (new mtimes), so they match by command ("changed"), or by digest ("same")
    // when both builds ran within one second; either way unchanged in size. The
    // new step is added.
    let statuses: Vec<&str> = d.layers.iter().map(|l| l.status).collect();
    assert!(
        statuses[..3]
            .iter()
            .all(|s| matches!(*s, "same" | "changed")),
        "{statuses:?}"
    );
    assert_eq!(statuses[3..], ["added"]);
    assert!(
        d.layers[..3]
            .iter()
            .all(|l| l.size.delta == 0 && l.old_index == l.new_index),
        "{:?}",
        d.layers
    );
    assert_eq!(d.layers[3].size.delta, (lodash + cache) as i64);

    // The cache is a finding that appeared, with its bytes and fix.
    let cache_finding = d
        .findings_appeared
        .iter()
        .find(|f| f.rule == ballast::vocab::Rule::PackageCache)
        .expect("package-cache appeared");
    assert_eq!(cache_finding.bytes, cache);
    assert!(
        cache_finding.advice.contains("npm cache clean"),
        "{}",
        cache_finding.advice
    );
    assert!(d.findings_gone.is_empty(), "{:?}", d.findings_gone);

    // The CLI says the same in its three forms.
    // The caller's DOCKER_HOST stays: it is where the image was built.
    let cli = |args: &[&str]| {
        bin::stdout(
            Command::new(env!("CARGO_BIN_EXE_ballast"))
                .arg("diff")
                .arg(&old_tar)
                .arg(&after.tag)
                .args(args),
        )
    };
    let text = cli(&[]);
    assert!(
        text.contains("+70.04 kB  /app/node_modules/lodash"),
        "{text}"
    );
    assert!(
        text.contains("123.46 kB  package-cache  /root/.npm/_cacache"),
        "{text}"
    );
    let json: serde_json::Value = serde_json::from_str(&cli(&["--json", "-"])).unwrap();
    assert_eq!(json["live"]["delta"], (lodash + cache) as i64);
    let md = cli(&["--markdown", "-"]);
    assert!(
        md.contains("| +123.46\u{a0}kB | `/root/.npm/_cacache/content-v2` |"),
        "{md}"
    );
}

#[test]
fn the_same_image_from_two_sources_has_an_empty_diff() {
    let test = "the_same_image_from_two_sources_has_an_empty_diff";
    if !docker_ready(test) {
        return;
    }
    let image = build("diff-same", BASE);
    let tmp = tempfile::tempdir().unwrap();
    let tar = tmp.path().join("same.tar");
    run(Command::new("docker")
        .args(["save", "-o"])
        .arg(&tar)
        .arg(&image.tag));
    let d = diff(
        &analyze(&image.tag, SourceKind::Docker),
        &analyze(&tar, SourceKind::Auto),
    );
    assert_eq!((d.shipped.delta, d.live.delta), (0, 0));
    assert!(
        d.directories.is_empty()
            && d.files.added == 0
            && d.files.removed == 0
            && d.files.changed == 0
    );
    assert!(d.layers.iter().all(|l| l.status == "same"));
    assert!(d.findings_appeared.is_empty() && d.findings_gone.is_empty());
}
