//! Security: secrets in any layer or in the config and history (`secret`),
//! and risky permission bits (`setuid`, `world-writable`).

use std::collections::BTreeMap;

use super::{Finding, FindingPath, Input, finding, main_layer};
use crate::analysis::secret_name;
use crate::layer::path::display;
use crate::layer::{EntryKind, sniff};
use crate::tree::{NodeId, Op, ROOT};
use crate::vocab::{Category, Rule, Severity};

/// `secret`: keys and credential files in any layer (a file deleted later is
/// still in the image), and secret-looking ENV and ARG values in the config and
/// history. Values are never shown.
pub(super) fn secrets(input: &Input, out: &mut Vec<Finding>) {
    secret_files(input, out);
    secret_values(input, out);
}

/// Secret files, one finding per layer that added some.
fn secret_files(input: &Input, out: &mut Vec<Finding>) {
    let tree = input.tree;
    // Grouped by the layer that added the file.
    let mut by_layer: BTreeMap<usize, (Vec<FindingPath>, Vec<NodeId>, bool, u8)> = BTreeMap::new();
    for (id, node) in tree.nodes() {
        for (i, version) in node.history.iter().enumerate() {
            if version.op == Op::Removed || version.meta.flags & sniff::SECRET == 0 {
                continue;
            }
            let next = node.history.get(i + 1);
            let deleted = next.is_some();
            let slot = by_layer.entry(version.layer as usize).or_default();
            if !deleted {
                slot.1.push(id);
            }
            let later = |removed: bool| {
                next.filter(|n| (n.op == Op::Removed) == removed)
                    .map(|n| n.layer as usize)
            };
            slot.0.push(FindingPath {
                deleted_in: later(true),
                replaced_in: later(false),
                ..FindingPath::file(display(&tree.path(id)), version.meta.size)
            });
            slot.2 |= deleted;
            slot.3 |= version.meta.flags;
        }
    }
    for (layer, (paths, nodes, deleted, flags)) in by_layer {
        let what = match (
            flags & sniff::PRIVATE_KEY != 0,
            flags & sniff::CREDENTIALS != 0,
        ) {
            (true, true) => "private keys and credentials",
            (true, false) => "a private key",
            _ => "credentials",
        };
        let later = if deleted {
            " Deleting it in a later layer does not help: every layer ships."
        } else {
            ""
        };
        let advice = format!(
            "{} puts {what} into the image, where anyone who can pull it can read {}.{later} Pass build secrets \
             with `RUN --mount=type=secret` or keep them in a build stage, add the files to .dockerignore, and \
             rotate what was exposed",
            input.step(layer),
            if paths.len() > 1 { "them" } else { "it" },
        );
        out.push(finding(
            Rule::Secret,
            Category::Security,
            Severity::High,
            0,
            input.layer(layer),
            paths,
            advice,
            nodes,
        ));
    }
}

/// Secret-looking ENV in the final config, and ENV/ARG values recorded in the
/// history: one finding.
fn secret_values(input: &Input, out: &mut Vec<Finding>) {
    let mut names: Vec<FindingPath> = Vec::new();
    let mut first_layer: Option<usize> = None;
    let env = input.config.config.as_ref().and_then(|c| c.env.as_ref());
    for kv in env.into_iter().flatten() {
        if let Some((k, v)) = kv.split_once('=')
            && secret_name(k)
            && !v.is_empty()
        {
            names.push(config_key(format!("ENV {k}"), CONFIG));
        }
    }
    let mut layer_index = 0usize;
    for h in &input.config.history {
        let by = h.created_by.as_deref().unwrap_or("");
        for (kind, k) in history_assignments(by) {
            if !secret_name(&k) {
                continue;
            }
            // The step that set it, even when the config already lists the name.
            first_layer.get_or_insert(layer_index.min(input.layers.len().saturating_sub(1)));
            let key = format!("{kind} {k}");
            if !names.iter().any(|n| n.config_key.as_ref() == Some(&key)) {
                names.push(config_key(key, HISTORY));
            }
        }
        if !h.empty_layer {
            layer_index += 1;
        }
    }
    if !names.is_empty() {
        let advice = "secret-looking values are stored in the image config or its history, readable with \
                      `docker history --no-trunc` or `docker inspect`: never pass secrets with ENV or ARG; use \
                      `RUN --mount=type=secret` (BuildKit) or runtime environment variables, and rotate them"
            .to_string();
        out.push(finding(
            Rule::Secret,
            Category::Security,
            Severity::High,
            0,
            first_layer.and_then(|l| input.layer(l)),
            names,
            advice,
            Vec::new(),
        ));
    }
}

/// Where a secret-looking value was found (`FindingPath::config_source`).
const CONFIG: &str = "image-config";
const HISTORY: &str = "build-history";

/// A secret-looking `ENV NAME` or `ARG NAME` of the config or history: no path.
fn config_key(key: String, source: &'static str) -> FindingPath {
    FindingPath {
        config_key: Some(key),
        config_source: Some(source),
        ..FindingPath::default()
    }
}

/// `ENV`/`ARG` assignments with non-empty values in one history line: (kind, name).
pub(super) fn history_assignments(created_by: &str) -> Vec<(&'static str, String)> {
    crate::analysis::assignments(created_by)
        .into_iter()
        .filter(|a| !a.value.is_empty())
        .map(|a| (a.kind, created_by[a.name].to_string()))
        .collect()
}

pub(super) fn permissions(input: &Input, out: &mut Vec<Finding>) {
    let tree = input.tree;
    let (mut setuid, mut setuid_nodes) = (Vec::new(), Vec::new());
    let (mut writable, mut writable_nodes) = (Vec::new(), Vec::new());
    let mut stack = vec![ROOT];
    while let Some(id) = stack.pop() {
        for &c in &tree.node(id).children {
            let Some(meta) = tree.node(c).live() else {
                continue;
            };
            let suid = meta.kind == EntryKind::File && meta.mode & 0o6000 != 0;
            let sticky_dir = meta.is_dir() && meta.mode & 0o1000 != 0;
            let kind_counts = matches!(meta.kind, EntryKind::File | EntryKind::Dir);
            let open = kind_counts && meta.mode & 0o002 != 0 && !sticky_dir && !meta.implicit;
            // Paths only for the few entries a bit flags.
            if suid || open {
                let path = tree.path(c);
                let shown = FindingPath {
                    mode: Some(format!("{:04o}", meta.mode)),
                    layer: tree.node(c).history.last().map(|v| v.layer as usize),
                    ..FindingPath::file(display(&path), meta.size)
                };
                let within = |dir: &[u8]| {
                    path == dir || (path.starts_with(dir) && path.get(dir.len()) == Some(&b'/'))
                };
                let temp = within(b"tmp") || within(b"var/tmp") || within(b"dev/shm");
                if open && !temp {
                    writable.push(shown.clone());
                    writable_nodes.push((c, meta.size));
                }
                if suid {
                    setuid.push(shown);
                    setuid_nodes.push((c, meta.size));
                }
            }
            if meta.is_dir() {
                stack.push(c);
            }
        }
    }
    if !setuid.is_empty() {
        let advice = format!(
            "{} file(s) run with their owner's or group's rights (setuid/setgid): remove the bits you don't \
             need, e.g. `RUN find / -xdev -perm /6000 -type f -exec chmod a-s {{}} +`",
            setuid.len()
        );
        out.push(finding(
            Rule::Setuid,
            Category::Security,
            Severity::Medium,
            0,
            main_layer(tree, &setuid_nodes).and_then(|l| input.layer(l)),
            setuid,
            advice,
            Vec::new(),
        ));
    }
    if !writable.is_empty() {
        let advice = format!(
            "{} path(s) outside the temp directories are writable by any user: `chmod o-w` them where they are \
             created (COPY --chmod, or in the same RUN)",
            writable.len()
        );
        out.push(finding(
            Rule::WorldWritable,
            Category::Security,
            Severity::Medium,
            0,
            main_layer(tree, &writable_nodes).and_then(|l| input.layer(l)),
            writable,
            advice,
            Vec::new(),
        ));
    }
}
