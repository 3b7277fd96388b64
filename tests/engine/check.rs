//! What the tests compare: the canonical tree and metrics of two readings, the
//! merged tree against the filesystem a real container sees, ballast's
//! dive-compatible numbers against dive's own, and layer sizes against
//! `docker history`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::process::Command;

use ballast::Analysis;
use ballast::layer::EntryKind;
use ballast::source::ReadPath;
use ballast::tree::{Change, MergedTree, Node, Op};

use super::support::{Reading, Readings, run, stdout};

/// A path as the assertion messages show it.
pub fn show(path: &[u8]) -> String {
    format!("/{}", path.escape_ascii())
}

/// Every node of the tree with its full history (layer, op and the attributes
/// that layer left: kind, size, mode, owner, link target, content hash),
/// ordered by path.
pub fn canonical_tree(tree: &MergedTree) -> Vec<(Vec<u8>, Vec<Change>)> {
    let mut nodes: Vec<_> = tree
        .nodes()
        .map(|(id, n)| (tree.path(id), n.history.to_vec()))
        .collect();
    nodes.sort_by(|a, b| a.0.cmp(&b.0));
    nodes
}

/// The reading's layers with everything that must not depend on the source
/// (blob digests and compression do: skopeo recompresses).
fn canonical_layers(a: &Analysis) -> Vec<serde_json::Value> {
    a.image
        .layers
        .iter()
        .map(|l| {
            serde_json::json!({
                "index": l.index,
                "diff_id": l.diff_id,
                "size_bytes": l.size_bytes,
                "files": l.files,
                "changes": l.changes,
                "command": l.command,
                "created_by": l.created_by,
            })
        })
        .collect()
}

/// Every (size, content hash) that two or more file versions share in the
/// reference reading: only those must carry a hash on the storage path.
fn shared_contents(tree: &MergedTree) -> HashSet<(u64, u128)> {
    let mut count: HashMap<(u64, u128), u32> = HashMap::new();
    for (_, node) in tree.nodes() {
        for c in &node.history {
            if c.op != Op::Removed && c.meta.kind == EntryKind::File && c.meta.size > 0 {
                *count
                    .entry((c.meta.size, c.meta.content_hash()))
                    .or_default() += 1;
            }
        }
    }
    count
        .into_iter()
        .filter(|&(_, n)| n > 1)
        .map(|(k, _)| k)
        .collect()
}

/// The same change, except that a reading from the engine's storage may leave
/// a content hash out (0) where no other file has the same content (it reads a
/// file only when its size, and its tar-split CRC where known, has a twin).
fn same_change(
    reference: &Change,
    other: &Change,
    lazy_hashes: Option<&HashSet<(u64, u128)>>,
) -> bool {
    if reference == other {
        return true;
    }
    let Some(colliding) = lazy_hashes else {
        return false;
    };
    let (r, o) = (&reference.meta, &other.meta);
    let unhashed = !o.has_content()
        && r.kind == EntryKind::File
        && !colliding.contains(&(r.size, r.content_hash()));
    let mut r = reference.clone();
    if unhashed {
        r.meta.content = [0, 0];
    }
    &r == other
}

/// A node's history, one line.
fn brief(history: &[Change]) -> String {
    let parts: Vec<String> = history
        .iter()
        .map(|c| {
            let m = &c.meta;
            let mut s = format!(
                "[{} {:?} {} {}B {:o} {}:{}",
                c.layer,
                c.op,
                m.kind.as_str(),
                m.size,
                m.mode,
                m.uid,
                m.gid
            );
            if let Some(link) = &m.link {
                s += &format!(" -> {}", show(link));
            }
            if m.has_content() {
                s += &format!(" #{:08x}", (m.content_hash() >> 96) as u32);
            }
            if m.implicit {
                s += " implicit";
            }
            s + "]"
        })
        .collect();
    parts.join(" ")
}

/// `other` must give the same tree, metrics and layers as `reference`.
pub fn assert_same_reading(reference: &Reading, other: &Reading) {
    let (r, o) = (&reference.analysis, &other.analysis);
    let what = format!("'{}' vs '{}'", other.label, reference.label);
    let in_place = o.image.read_path == ReadPath::EngineStorage;
    assert_eq!(o.image.verified, !in_place, "{what}: verified");
    let colliding = shared_contents(&r.tree);
    let lazy = in_place.then_some(&colliding);
    let (rt, ot) = (canonical_tree(&r.tree), canonical_tree(&o.tree));
    let mut rest = ot.iter().peekable();
    let mut problems = Vec::new();
    for (path, history) in &rt {
        while rest.next_if(|(p, _)| p < path).is_some_and(|(p, h)| {
            problems.push(format!(
                "{}: only in '{}': {}",
                show(p),
                other.label,
                brief(h)
            ));
            true
        }) {}
        match rest.next_if(|(p, _)| p == path) {
            None => problems.push(format!(
                "{}: only in '{}': {}",
                show(path),
                reference.label,
                brief(history)
            )),
            Some((_, h)) => {
                let same = h.len() == history.len()
                    && history.iter().zip(h).all(|(x, y)| same_change(x, y, lazy));
                if !same {
                    problems.push(format!(
                        "{}:\n      {}: {}\n      {}: {}",
                        show(path),
                        reference.label,
                        brief(history),
                        other.label,
                        brief(h)
                    ));
                }
            }
        }
    }
    for (p, h) in rest {
        problems.push(format!(
            "{}: only in '{}': {}",
            show(p),
            other.label,
            brief(h)
        ));
    }
    assert!(
        problems.is_empty(),
        "{what}: the trees differ at {} paths:\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
    assert_eq!(rt.len(), ot.len(), "{what}: node counts differ");
    assert_eq!(
        serde_json::to_value(&o.metrics).unwrap(),
        serde_json::to_value(&r.metrics).unwrap(),
        "{what}: metrics differ"
    );
    assert_eq!(
        canonical_layers(o),
        canonical_layers(r),
        "{what}: layers differ"
    );
    assert_eq!(
        (&o.image.os, &o.image.architecture, o.image.size_bytes),
        (&r.image.os, &r.image.architecture, r.image.size_bytes),
        "{what}: image facts differ"
    );
    assert_eq!(
        serde_json::to_value(&o.image.config).unwrap(),
        serde_json::to_value(&r.image.config).unwrap(),
        "{what}: configs differ"
    );
}

/// Every reading agrees with the engine's; each reports the source it came from.
pub fn assert_all_agree(readings: &Readings) {
    use ballast::source::SourceKind;
    let expected_source = |label: &str| match label {
        l if l.starts_with("docker engine") => SourceKind::Docker,
        l if l.starts_with("podman") => SourceKind::Podman,
        l if l.starts_with("skopeo") => SourceKind::Oci,
        _ => SourceKind::DockerArchive,
    };
    for reading in &readings.all {
        assert_eq!(
            reading.analysis.image.source,
            expected_source(reading.label),
            "'{}' reports the wrong source",
            reading.label
        );
    }
    let reference = &readings.all[0];
    for other in &readings.all[1..] {
        assert_same_reading(reference, other);
    }
}

pub fn node<'a>(a: &'a Analysis, path: &[u8]) -> &'a Node {
    let id = a
        .tree
        .lookup(path)
        .unwrap_or_else(|| panic!("{} is not in the merged tree", show(path)));
    a.tree.node(id)
}

/// What each layer did to `path`.
pub fn ops(a: &Analysis, path: &[u8]) -> Vec<(u16, Op)> {
    node(a, path)
        .history
        .iter()
        .map(|c| (c.layer, c.op))
        .collect()
}

/// The index of the first layer whose command contains `needle`.
pub fn layer_of(a: &Analysis, needle: &str) -> u16 {
    let i = a
        .image
        .layers
        .iter()
        .position(|l| l.created_by.as_deref().is_some_and(|c| c.contains(needle)))
        .unwrap_or_else(|| panic!("no layer was made by a command containing '{needle}'"));
    i as u16
}

/// A live path as a container sees it. Hard links are shown as the file they
/// share content with, since which name of a pair is the "link" is up to the
/// tar writer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub kind: &'static str,
    /// Content bytes; `None` for a hard link whose content cannot be found.
    pub size: Option<u64>,
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    pub link: Option<Vec<u8>>,
}

/// What `docker create` + `docker export` puts in every container and no
/// image of ours has.
fn injected(path: &[u8]) -> bool {
    matches!(
        path,
        b".dockerenv"
            | b"dev"
            | b"proc"
            | b"sys"
            | b"etc"
            | b"etc/hostname"
            | b"etc/hosts"
            | b"etc/resolv.conf"
            | b"etc/mtab"
    ) || path.starts_with(b"dev/")
}

fn clean(raw: &[u8]) -> Vec<u8> {
    let mut p = raw;
    while let Some(rest) = p.strip_prefix(b"./").or_else(|| p.strip_prefix(b"/")) {
        p = rest;
    }
    while let Some(rest) = p.strip_suffix(b"/") {
        p = rest;
    }
    p.to_vec()
}

/// The final filesystem of a container made from `tag`, and its bytes (each
/// hard-linked inode once), read with `docker export`.
pub fn container_fs(tag: &str) -> (BTreeMap<Vec<u8>, Seen>, u64) {
    let created = run(Command::new("docker").args([
        "create",
        "--network",
        "none",
        tag,
        "/bin/busybox",
        "true",
    ]));
    let id = stdout(&created).trim().to_string();
    struct Container(String);
    impl Drop for Container {
        fn drop(&mut self) {
            let _ = Command::new("docker").args(["rm", "-f", &self.0]).output();
        }
    }
    let _container = Container(id.clone());
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("fs.tar");
    run(Command::new("docker")
        .args(["export", "-o"])
        .arg(&file)
        .arg(&id));

    let mut seen = BTreeMap::new();
    let mut bytes = 0;
    let mut archive = tar::Archive::new(std::fs::File::open(&file).expect("open export"));
    for entry in archive.entries().expect("export is a tar") {
        let entry = entry.expect("export entry");
        let path = clean(&entry.path_bytes());
        let h = entry.header();
        let (kind, size, link) = match h.entry_type() {
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                bytes += entry.size();
                ("file", Some(entry.size()), None)
            }
            tar::EntryType::Link => {
                let target = clean(&entry.link_name_bytes().expect("hard link target"));
                let size = seen.get(&target).and_then(|s: &Seen| s.size);
                ("file", size, None)
            }
            tar::EntryType::Directory => ("dir", Some(0), None),
            tar::EntryType::Symlink => (
                "symlink",
                Some(0),
                entry.link_name_bytes().map(|l| l.into_owned()),
            ),
            tar::EntryType::Char => ("char", Some(0), None),
            tar::EntryType::Block => ("block", Some(0), None),
            tar::EntryType::Fifo => ("fifo", Some(0), None),
            other => panic!("unexpected {other:?} at {} in the export", show(&path)),
        };
        if path.is_empty() || injected(&path) {
            continue;
        }
        seen.insert(
            path,
            Seen {
                kind,
                size,
                mode: h.mode().expect("mode") & 0o7777,
                uid: h.uid().expect("uid"),
                gid: h.gid().expect("gid"),
                link,
            },
        );
    }
    (seen, bytes)
}

/// The live paths of ballast's merged tree, shown the same way.
pub fn ballast_fs(tree: &MergedTree) -> BTreeMap<Vec<u8>, Seen> {
    let mut seen = BTreeMap::new();
    for (id, node) in tree.nodes() {
        let Some(m) = node.live() else { continue };
        let path = tree.path(id);
        if injected(&path) {
            continue;
        }
        let (kind, size, link) = match m.kind {
            EntryKind::File => ("file", Some(m.size), None),
            EntryKind::HardLink => {
                // The content is what the target held when the link was made:
                // overwriting or deleting the target later does not touch it.
                let target = m.link.as_deref().unwrap_or_default();
                let linked_at = node.history.last().map_or(0, |c| c.layer as usize);
                let size = tree
                    .lookup(target)
                    .and_then(|t| tree.node(t).state_at(linked_at))
                    .filter(|t| t.kind == EntryKind::File)
                    .map(|t| t.size);
                ("file", size, None)
            }
            EntryKind::Symlink => ("symlink", Some(0), m.link.as_deref().map(<[u8]>::to_vec)),
            other => (other.as_str(), Some(m.size), None),
        };
        seen.insert(
            path,
            Seen {
                kind,
                size,
                mode: m.mode & 0o7777,
                uid: m.uid.into(),
                gid: m.gid.into(),
                link,
            },
        );
    }
    seen
}

/// ballast's live tree and live bytes are what a container of the image sees.
pub fn assert_matches_container(tag: &str, a: &Analysis) {
    let (truth, truth_bytes) = container_fs(tag);
    let ours = ballast_fs(&a.tree);
    let mut problems = Vec::new();
    for (path, want) in &truth {
        match ours.get(path) {
            None => problems.push(format!(
                "{}: in the container, not live in ballast",
                show(path)
            )),
            Some(got) if got != want => problems.push(format!(
                "{}: container {want:?}, ballast {got:?}",
                show(path)
            )),
            Some(_) => {}
        }
    }
    for path in ours.keys().filter(|p| !truth.contains_key(*p)) {
        problems.push(format!(
            "{}: live in ballast, not in the container",
            show(path)
        ));
    }
    assert!(
        problems.is_empty(),
        "merged tree of {tag} differs from `docker export`:\n  {}",
        problems.join("\n  ")
    );
    assert_eq!(
        a.metrics.live_bytes, truth_bytes,
        "live_bytes of {tag} vs the bytes of its container's filesystem"
    );
}

/// dive's three numbers: as printed (percent, 4 decimals) and, from the rule
/// messages it prints when a rule fails, at full precision.
#[derive(Debug, Clone, PartialEq)]
pub struct DiveNumbers {
    pub efficiency_percent: f64,
    pub wasted_bytes: u64,
    pub user_wasted_percent: f64,
    pub efficiency: Option<f64>,
    pub user_wasted: Option<f64>,
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The number after `key`: digits, or dive's `+Inf` / `NaN` (Go's `%v`).
fn number_after(text: &str, key: &str) -> Option<f64> {
    let rest = &text[text.find(key)? + key.len()..];
    let token: String = rest
        .trim_start()
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != ')')
        .collect();
    token.parse().ok()
}

/// Run dive in CI mode. The thresholds make both rules fail whenever they can,
/// so that dive prints their values at full precision.
pub fn run_dive(dive: &Path, args: &[&std::ffi::OsStr], cwd: &Path) -> DiveNumbers {
    let out = Command::new(dive)
        .args(args)
        .args(["--lowestEfficiency=1", "--highestUserWastedPercent=0"])
        .env("CI", "true")
        .env_remove("DOCKER_HOST")
        .current_dir(cwd)
        .output()
        .expect("run dive");
    let text = strip_ansi(&String::from_utf8_lossy(&out.stdout));
    let get = |key: &str| {
        number_after(&text, key).unwrap_or_else(|| {
            panic!(
                "dive {args:?} printed no '{key}':\n{text}\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        })
    };
    DiveNumbers {
        efficiency_percent: get("efficiency:"),
        wasted_bytes: get("wastedBytes:") as u64,
        user_wasted_percent: get("userWastedPercent:"),
        efficiency: number_after(&text, "(efficiency="),
        user_wasted: number_after(&text, "%-user-wasted-bytes="),
    }
}

/// dive on the `docker save` archive, both ways of naming it; the two agree.
pub fn dive_numbers(dive: &Path, readings: &Readings) -> DiveNumbers {
    let archive = readings.save_tar.as_os_str();
    let mut url = std::ffi::OsString::from("docker-archive://");
    url.push(archive);
    let by_url = run_dive(dive, &[&url], readings.dir.path());
    eprintln!("dive on {}: {by_url:?}", readings.save_tar.display());
    let by_flag = run_dive(
        dive,
        &["--source".as_ref(), "docker-archive".as_ref(), archive],
        readings.dir.path(),
    );
    assert_eq!(by_url, by_flag, "dive disagrees with itself");
    by_url
}

fn close(ours: f64, theirs: f64, relative: f64) -> bool {
    let scale = ours.abs().max(theirs.abs());
    scale == 0.0 || (ours - theirs).abs() <= relative * scale
}

/// ballast's dive-compatible metrics equal dive's.
pub fn assert_dive_agrees(a: &Analysis, d: &DiveNumbers) {
    let m = &a.metrics;
    let report = format!(
        "ballast: efficiency {} wasted {} user_wasted {:?}; dive: {d:?}",
        m.efficiency, m.wasted_bytes, m.user_wasted_percent
    );
    assert_eq!(m.wasted_bytes, d.wasted_bytes, "wasted bytes; {report}");
    // Printed with 4 decimals, in percent: 0.1 % relative, as documented.
    assert!(
        close(m.efficiency * 100.0, d.efficiency_percent, 1e-3),
        "efficiency; {report}"
    );
    match m.user_wasted_percent {
        Some(user_wasted) => assert!(
            close(user_wasted * 100.0, d.user_wasted_percent, 1e-3)
                || (user_wasted * 100.0 - d.user_wasted_percent).abs() < 5e-5,
            "user wasted percent; {report}"
        ),
        // Layers 1..n hold no bytes: dive divides by zero (+Inf or NaN),
        // ballast says null.
        None => assert!(
            !d.user_wasted_percent.is_finite(),
            "user wasted percent; {report}"
        ),
    }
    // And at full precision wherever dive printed it.
    if let Some(e) = d.efficiency {
        assert!(close(m.efficiency, e, 1e-12), "exact efficiency; {report}");
    }
    if let (Some(ours), Some(theirs)) = (m.user_wasted_percent, d.user_wasted) {
        assert!(close(ours, theirs, 1e-12), "exact user wasted; {report}");
    }
}

/// Bytes of the symlink targets a layer wrote. Docker sizes a layer by the
/// `lstat` sizes of its files, where a symlink counts its target's length;
/// ballast and dive sum the tar entries' sizes, where a symlink is 0.
pub fn symlink_bytes(tree: &MergedTree, layer: usize) -> u64 {
    tree.nodes()
        .filter_map(|(_, n)| n.change_in(layer))
        .filter(|c| c.op != Op::Removed && c.meta.kind == EntryKind::Symlink)
        .map(|c| c.meta.link.as_deref().map_or(0, <[u8]>::len) as u64)
        .sum()
}

/// `docker history` (newest first) against the layers (oldest first): rows
/// are matched to layers by their command; the rows that made no layer must
/// be 0 bytes; a layer's docker size is its tar size plus its symlink targets,
/// within 1 %.
pub fn assert_history_sizes(tag: &str, a: &Analysis) {
    let out = run(Command::new("docker").args([
        "history",
        "--no-trunc",
        "--human=false",
        "--format",
        "{{.Size}}\t{{.CreatedBy}}",
        tag,
    ]));
    let text = stdout(&out);
    let mut rows = text.lines().rev().map(|line| {
        let (size, by) = line.split_once('\t').expect("size<TAB>created_by");
        (size.trim().parse::<u64>().expect("size"), by.trim())
    });
    for layer in &a.image.layers {
        let by = layer.created_by.as_deref().expect("created_by").trim();
        let docker = loop {
            let (size, row) = rows
                .next()
                .unwrap_or_else(|| panic!("no history row for layer {} ({by})", layer.index));
            if row == by {
                break size;
            }
            assert_eq!(size, 0, "history row '{row}' has bytes but made no layer");
        };
        let ours = layer.size_bytes + symlink_bytes(&a.tree, layer.index);
        assert!(
            close(ours as f64, docker as f64, 0.01),
            "layer {} ({by}): docker history {docker} bytes, ballast {} + {} symlink bytes",
            layer.index,
            layer.size_bytes,
            ours - layer.size_bytes
        );
    }
}

/// The binary's `--json` for an engine reference is the library's analysis:
/// same metrics, layers and read path. `source` and `env` select the engine.
pub fn assert_cli_agrees(reference: &str, source: &str, env: &[(&str, &str)], a: &Analysis) {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("analysis.json");
    let mut cmd = assert_cmd::Command::new(env!("CARGO_BIN_EXE_ballast"));
    cmd.current_dir(dir.path())
        .args([reference, "--source", source, "--json"])
        .arg(&file)
        .envs(env.iter().copied())
        .timeout(std::time::Duration::from_secs(120))
        .assert()
        .success();
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).expect("JSON written")).expect("JSON");
    // Through text, as the file was: serde_json's float parsing may be 1 ulp off
    // the value written, the same way on both sides.
    let ours: serde_json::Value = serde_json::from_str(&serde_json::to_string(a).unwrap()).unwrap();
    assert_eq!(json["schema"], ours["schema"]);
    assert_eq!(json["metrics"], ours["metrics"], "{reference} via {source}");
    assert_eq!(json["image"]["id"], ours["image"]["id"]);
    assert_eq!(json["image"]["read_path"], ours["image"]["read_path"]);
    assert_eq!(json["image"]["layers"], ours["image"]["layers"]);
}
