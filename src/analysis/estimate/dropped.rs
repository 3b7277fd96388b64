//! What a final stage would not carry: the live files of the findings a
//! multi-stage build leaves behind, the packages only the toolchain needs, and
//! sources of compiled languages; grouped by cause.

use std::collections::{BTreeMap, HashSet};

use super::sources::compiled_sources;
use super::{Dropped, Input, MAX_PATHS, files_under, live_layer};
use crate::analysis::packages::Package;
use crate::layer::EntryKind;
use crate::layer::path::display;
use crate::tree::{MergedTree, NodeId};
use crate::vocab::Rule;

/// Rules whose live files a final stage leaves behind.
/// Dev dependencies first: a dev-only `typescript` is named for what it is.
const DROPPED_RULES: [Rule; 3] = [
    Rule::DevDependencies,
    Rule::BuildToolchain,
    Rule::PackageCache,
];

/// App-layer live files a final stage would not carry: (node, size, cause).
pub(super) fn dropped_files(input: &Input, b: usize) -> Vec<(NodeId, u64, &'static str)> {
    let tree = input.tree;
    let mut seen: HashSet<NodeId> = HashSet::new();
    let mut out = Vec::new();
    let mut add = |id: NodeId, what: &'static str, out: &mut Vec<(NodeId, u64, &'static str)>| {
        let Some(m) = tree.node(id).live() else {
            return;
        };
        if m.kind == EntryKind::File && live_layer(tree, id) >= b && seen.insert(id) {
            out.push((id, m.size, what));
        }
    };
    for rule in DROPPED_RULES {
        for f in input.findings.iter().filter(|f| f.rule == rule) {
            for &id in &f.nodes {
                // Findings name directories too: take their files.
                for (file, _) in files_under(tree, id) {
                    add(file, rule.as_str(), &mut out);
                }
            }
        }
    }
    for p in toolchain_dependencies(input, b) {
        for &id in &p.nodes {
            add(id, "build-toolchain", &mut out);
        }
    }
    for (id, what) in compiled_sources(input, b) {
        add(id, what, &mut out);
    }
    out
}

/// Packages the app layers installed only because the build toolchain needs
/// them (`libisl23` for `gcc-12`, `gmp` for Alpine's `gcc`): every installed
/// package that depends on one is a build package or another of these. From
/// dpkg's `Depends`/`Pre-Depends` and apk's `D:` (through its `p:` provides);
/// alternatives count as dependencies on each, so a shared library stays when
/// anything else uses it.
fn toolchain_dependencies<'a>(input: &Input<'a>, b: usize) -> Vec<&'a Package> {
    let mut reverse: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if let Some(status) = input.captures.live_at(input.tree, b"var/lib/dpkg/status") {
        dpkg_users(&String::from_utf8_lossy(status), &mut reverse);
    }
    if let Some(db) = input.captures.live_at(input.tree, b"lib/apk/db/installed") {
        apk_users(&String::from_utf8_lossy(db), &mut reverse);
    }
    if reverse.is_empty() {
        return Vec::new();
    }
    let mut gone: HashSet<&str> = input
        .findings
        .iter()
        .filter(|f| f.rule == Rule::BuildToolchain)
        .flat_map(|f| f.packages.iter().map(|p| p.name.as_str()))
        .collect();
    let app: Vec<&Package> = input
        .packages
        .iter()
        .filter(|p| matches!(p.ecosystem, "deb" | "apk") && p.layer.is_some_and(|l| l >= b))
        .filter(|p| !gone.contains(p.name.as_str()))
        .collect();
    let mut out: Vec<&Package> = Vec::new();
    loop {
        let before = out.len();
        for p in &app {
            if out.iter().any(|o| o.name == p.name) {
                continue;
            }
            let users = reverse.get(&p.name).map_or(&[][..], Vec::as_slice);
            if !users.is_empty() && users.iter().all(|u| gone.contains(u.as_str())) {
                out.push(p);
                gone.insert(p.name.as_str());
            }
        }
        if out.len() == before {
            break;
        }
    }
    out
}

/// dpkg's status: for each dependency, the installed packages that need it.
fn dpkg_users(text: &str, reverse: &mut BTreeMap<String, Vec<String>>) {
    for para in text.split("\n\n") {
        let field = |name: &str| {
            let mut value = String::new();
            let mut inside = false;
            for line in para.lines() {
                if let Some(rest) = line.strip_prefix(name).and_then(|r| r.strip_prefix(':')) {
                    value.push_str(rest);
                    inside = true;
                } else if inside && line.starts_with([' ', '\t']) {
                    value.push_str(line);
                } else {
                    inside = false;
                }
            }
            value
        };
        let installed = field("Status").trim().ends_with(" installed");
        let name = field("Package").trim().to_string();
        if !installed || name.is_empty() {
            continue;
        }
        let deps = format!("{},{}", field("Depends"), field("Pre-Depends"));
        for alt in deps.split([',', '|']) {
            let dep = alt.trim().split([' ', '(', ':']).next().unwrap_or("");
            if !dep.is_empty() {
                reverse
                    .entry(dep.to_string())
                    .or_default()
                    .push(name.clone());
            }
        }
    }
}

/// apk's database: `D:` names packages or what they provide (`so:libgmp.so.10`,
/// `cmd:as`), resolved through the `p:` lines.
fn apk_users(text: &str, reverse: &mut BTreeMap<String, Vec<String>>) {
    let bare = |token: &str| -> String {
        token
            .split(['<', '>', '=', '~'])
            .next()
            .unwrap_or("")
            .to_string()
    };
    let mut packages: Vec<(String, Vec<String>)> = Vec::new();
    let mut provides: BTreeMap<String, String> = BTreeMap::new();
    for para in text.split("\n\n") {
        let mut name = None;
        let mut deps = Vec::new();
        let mut provided = Vec::new();
        for line in para.lines() {
            if let Some(n) = line.strip_prefix("P:") {
                name = Some(n.trim().to_string());
            } else if let Some(d) = line.strip_prefix("D:") {
                deps.extend(
                    d.split_whitespace()
                        .filter(|t| !t.starts_with('!'))
                        .map(bare),
                );
            } else if let Some(p) = line.strip_prefix("p:") {
                provided.extend(p.split_whitespace().map(bare));
            }
        }
        if let Some(name) = name {
            for p in provided {
                provides.entry(p).or_insert_with(|| name.clone());
            }
            packages.push((name, deps));
        }
    }
    for (name, deps) in packages {
        for dep in deps {
            let target = provides.get(&dep).cloned().unwrap_or(dep);
            if target != name {
                reverse.entry(target).or_default().push(name.clone());
            }
        }
    }
}

/// The dropped files grouped by cause, largest first.
pub(super) fn droppable(
    tree: &MergedTree,
    files: Vec<(NodeId, u64, &'static str)>,
) -> Vec<Dropped> {
    let mut groups: BTreeMap<&'static str, Vec<(u64, NodeId)>> = BTreeMap::new();
    for (id, size, what) in files {
        groups.entry(what).or_default().push((size, id));
    }
    let mut out: Vec<Dropped> = groups
        .into_iter()
        .map(|(what, mut files)| {
            files.sort_by_key(|f| std::cmp::Reverse(f.0));
            Dropped {
                what,
                bytes: files.iter().map(|f| f.0).sum(),
                paths: files
                    .iter()
                    .take(MAX_PATHS)
                    .map(|&(_, id)| display(&tree.path(id)))
                    .collect(),
            }
        })
        .filter(|d| d.bytes > 0)
        .collect();
    out.sort_by(|a, b| b.bytes.cmp(&a.bytes).then(a.what.cmp(b.what)));
    out
}
