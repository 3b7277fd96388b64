//! Building images with a context of our own, reading them both ways (export
//! and engine storage) and looking findings up.

use std::process::Command;

use ballast::Analysis;
use ballast::analysis::Finding;
use ballast::analysis::findings::FindingPath;
use ballast::source::{EngineStorage, ReadPath, SourceKind};

use super::engine_support::{BUSYBOX, Image, analyze_with, docker_storage, options, run, unique};
use crate::gate::{self, Need};

/// A file of the build context: path (relative), content, mode.
pub type CtxFile<'a> = (&'a str, &'a [u8], u32);

/// Build `dockerfile` with the legacy builder, offline and without cache, from
/// a context holding `busybox` and `files`, with `--build-arg`s.
pub fn build_with(
    name: &str,
    dockerfile: &str,
    files: &[CtxFile],
    build_args: &[(&str, &str)],
) -> Image {
    use std::os::unix::fs::PermissionsExt;
    let ctx = tempfile::tempdir().expect("temp dir");
    std::fs::copy(BUSYBOX, ctx.path().join("busybox")).expect("copy busybox");
    std::fs::write(ctx.path().join("Dockerfile"), dockerfile).expect("write Dockerfile");
    for (path, data, mode) in files {
        let file = ctx.path().join(path);
        std::fs::create_dir_all(file.parent().expect("a parent")).expect("context dir");
        std::fs::write(&file, data).expect("context file");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(*mode)).expect("chmod");
    }
    let image = Image::adopt(unique(name));
    let mut cmd = Command::new("docker");
    cmd.env("DOCKER_BUILDKIT", "0").args([
        "build",
        "-q",
        "--no-cache",
        "--force-rm",
        "--network",
        "none",
    ]);
    for (k, v) in build_args {
        cmd.arg("--build-arg").arg(format!("{k}={v}"));
    }
    run(cmd.args(["-t", &image.tag]).arg(ctx.path()));
    image
}

/// Build from a context holding only busybox.
pub fn build(name: &str, dockerfile: &str) -> Image {
    build_with(name, dockerfile, &[], &[])
}

/// The findings as JSON, for comparisons and messages.
pub fn findings_json(a: &Analysis) -> serde_json::Value {
    serde_json::to_value(&a.findings).expect("findings serialize")
}

/// Every finding, one line each (rule, bytes, layer, paths), for messages and
/// the Debian report.
pub fn summary(a: &Analysis) -> String {
    a.findings
        .iter()
        .map(|f| {
            let paths: Vec<String> = f
                .paths
                .iter()
                .map(|p| format!("{} ({} B)", name(p), p.bytes))
                .collect();
            let more = if f.paths_omitted > 0 {
                format!(" +{} more", f.paths_omitted)
            } else {
                String::new()
            };
            format!(
                "  {:<18} {:>11} B  {:<11} {:<6} layer {:<4} {}{more}\n      advice: {}",
                f.rule,
                f.bytes,
                f.category,
                f.severity,
                f.layer
                    .as_ref()
                    .map_or("-".to_string(), |l| l.index.to_string()),
                paths.join(", "),
                f.advice
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Both readings of an image from the engine: the export (verified against
/// the diff_ids) and the in-place read of overlay2 (when readable).
pub struct Both {
    pub export: Analysis,
    pub storage: Analysis,
}

impl Both {
    pub fn each(&self) -> [(&'static str, &Analysis); 2] {
        [("export", &self.export), ("storage", &self.storage)]
    }
}

/// Read `tag` through the export and in place; both must give the same
/// findings and the same metrics.
pub fn read_both(tag: &str) -> Both {
    let export = analyze_with(tag, options(SourceKind::Docker, EngineStorage::Never));
    assert_eq!(export.image.read_path, ReadPath::Export, "{tag}: export");
    assert!(export.image.verified, "{tag}: the export is verified");
    let storage = analyze_with(tag, options(SourceKind::Docker, EngineStorage::Auto));
    let test = gate::this_test();
    if gate::check(Need::DockerStorage, &test, docker_storage()).is_some() {
        assert_eq!(
            storage.image.read_path,
            ReadPath::EngineStorage,
            "{tag}: overlay2 is readable, yet ballast exported"
        );
    }
    assert_eq!(
        findings_json(&storage),
        findings_json(&export),
        "{tag}: the engine storage and the export give different findings\nexport:\n{}\nstorage:\n{}",
        summary(&export),
        summary(&storage)
    );
    assert_eq!(
        serde_json::to_value(&storage.metrics).unwrap(),
        serde_json::to_value(&export.metrics).unwrap(),
        "{tag}: metrics differ between the readings"
    );
    Both { export, storage }
}

/// The rules found, sorted, with repeats (one per finding).
pub fn rules(a: &Analysis) -> Vec<&'static str> {
    let mut r: Vec<_> = a.findings.iter().map(|f| f.rule.as_str()).collect();
    r.sort_unstable();
    r
}

/// Exactly these findings' rules (sorted, with repeats), and nothing else.
pub fn assert_rules(a: &Analysis, expected: &[&str]) {
    let mut expected = expected.to_vec();
    expected.sort_unstable();
    assert_eq!(
        rules(a),
        expected,
        "{}: the findings are\n{}",
        a.image.reference,
        summary(a)
    );
}

/// A rule id as the tests spell it; a typo fails the test.
pub fn rule_id(rule: &str) -> ballast::vocab::Rule {
    rule.parse().unwrap_or_else(|e| panic!("{e}"))
}

/// The one finding of `rule`.
pub fn only<'a>(a: &'a Analysis, rule: &str) -> &'a Finding {
    let rule = rule_id(rule);
    let found: Vec<_> = a.findings.iter().filter(|f| f.rule == rule).collect();
    assert_eq!(
        found.len(),
        1,
        "{}: one '{rule}' finding expected; the findings are\n{}",
        a.image.reference,
        summary(a)
    );
    found[0]
}

/// The findings of `rule` whose advice contains `needle`: exactly one.
pub fn only_with<'a>(a: &'a Analysis, rule: &str, needle: &str) -> &'a Finding {
    let rule = rule_id(rule);
    let found: Vec<_> = a
        .findings
        .iter()
        .filter(|f| f.rule == rule && f.advice.contains(needle))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "{}: one '{rule}' finding with '{needle}' expected; the findings are\n{}",
        a.image.reference,
        summary(a)
    );
    found[0]
}

/// The one finding of `rule` that lists `path`.
pub fn only_at<'a>(a: &'a Analysis, rule: &str, path: &str) -> &'a Finding {
    let rule = rule_id(rule);
    let found: Vec<_> = a
        .findings
        .iter()
        .filter(|f| f.rule == rule && f.paths.iter().any(|p| name(p) == path))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "{}: one '{rule}' finding listing {path} expected; the findings are\n{}",
        a.image.reference,
        summary(a)
    );
    found[0]
}

/// The index of the one layer whose command contains `needle`.
pub fn layer_of(a: &Analysis, needle: &str) -> usize {
    let hits: Vec<_> = a
        .image
        .layers
        .iter()
        .filter(|l| l.command.as_deref().is_some_and(|c| c.contains(needle)))
        .map(|l| l.index)
        .collect();
    assert_eq!(hits.len(), 1, "layers with '{needle}': {hits:?}");
    hits[0]
}

/// The finding's layer index (panics with the finding when it has none).
pub fn layer(f: &Finding) -> usize {
    f.layer
        .as_ref()
        .unwrap_or_else(|| panic!("'{}' has no layer: {f:?}", f.rule))
        .index
}

/// The finding's paths (or config keys) with their bytes.
pub fn paths(f: &Finding) -> Vec<(&str, u64)> {
    f.paths.iter().map(|p| (name(p), p.bytes)).collect()
}

/// A finding path's path, or its config key (`ENV NAME`) when it has none.
pub fn name(p: &FindingPath) -> &str {
    p.path
        .as_deref()
        .or(p.config_key.as_deref())
        .unwrap_or_default()
}

/// The finding's layer command is the image's command for that layer.
pub fn assert_layer_command(a: &Analysis, f: &Finding) {
    let l = f.layer.as_ref().expect("a layer");
    assert_eq!(
        l.command, a.image.layers[l.index].command,
        "'{}': the layer's command",
        f.rule
    );
}

/// `head -c N` of a repeated letter, as the Dockerfiles write them.
pub fn letters(c: u8, n: usize) -> Vec<u8> {
    std::iter::repeat_n([c, b'\n'], n.div_ceil(2))
        .flatten()
        .take(n)
        .collect()
}
