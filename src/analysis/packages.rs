//! Package inventories: which packages the final filesystem holds, with the
//! bytes of their own files and the layer that brought most of them.
//!
//! Sources: dpkg (`/var/lib/dpkg/status` with `info/*.list`, or distroless's
//! `status.d/`), apk (`/lib/apk/db/installed`), Python (`*.dist-info/RECORD`) and
//! npm (`node_modules/**/package.json`, each package's own directory without
//! its nested `node_modules`). The contents come from the read pass (see
//! [`crate::layer::sniff::wanted`]); only the live version of each file is used.
//!
//! For Node projects the dev-only packages are worked out from the lockfile
//! (`package-lock.json` v1–v3 `dev: true`, or `yarn.lock` / `pnpm-lock.yaml` with `package.json`),
//! and without one from the installed packages' own dependency graph: the
//! closure of the root's devDependencies minus the closure of its dependencies.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use crate::layer::EntryKind;
use crate::layer::path::{Normalized, display, normalize};
use crate::tree::{MergedTree, NodeId, ROOT};

/// Whole contents of captured files, latest version per node.
#[derive(Debug, Default, Clone)]
pub struct Captures(HashMap<NodeId, (u16, Vec<u8>)>);

impl Captures {
    /// Keep `bytes` as what `layer` wrote at `id` (later layers replace earlier).
    pub fn insert(&mut self, id: NodeId, layer: u16, bytes: Vec<u8>) {
        self.0.insert(id, (layer, bytes));
    }

    /// The content of `id` as the final filesystem has it, if it was captured.
    pub fn live<'a>(&'a self, tree: &MergedTree, id: NodeId) -> Option<&'a [u8]> {
        let last = tree.node(id).history.last()?;
        let (layer, bytes) = self.0.get(&id)?;
        (last.op != crate::tree::Op::Removed && last.layer == *layer).then_some(&bytes[..])
    }

    pub fn live_at<'a>(&'a self, tree: &MergedTree, path: &[u8]) -> Option<&'a [u8]> {
        self.live(tree, tree.lookup(path)?)
    }

    fn ids(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.0.keys().copied()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Package {
    /// `deb`, `apk`, `python` or `npm`.
    pub ecosystem: &'static str,
    pub name: String,
    pub version: String,
    /// Bytes of the package's own live files.
    pub bytes: u64,
    pub files: usize,
    /// The layer holding most of those bytes.
    pub layer: Option<usize>,
    /// Where it is installed (npm and Python: its directory).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Its live files.
    #[serde(skip)]
    pub nodes: Vec<NodeId>,
}

/// Every package found, largest first.
pub fn inventory(tree: &MergedTree, captures: &Captures) -> Vec<Package> {
    let mut out = Vec::new();
    dpkg(tree, captures, &mut out);
    apk(tree, captures, &mut out);
    python(tree, captures, &mut out);
    npm(tree, captures, &mut out);
    out.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.name.cmp(&b.name)));
    out
}

/// A package built from a list of absolute paths: live regular files only.
fn package_from_paths<'a>(
    tree: &MergedTree,
    ecosystem: &'static str,
    name: String,
    version: String,
    paths: impl Iterator<Item = &'a [u8]>,
) -> Package {
    let mut seen = HashSet::new();
    let mut nodes = Vec::new();
    for raw in paths {
        let Normalized::Path(p) = normalize(raw) else {
            continue;
        };
        let Some(id) = tree.resolve(&p) else { continue };
        if tree
            .node(id)
            .live()
            .is_some_and(|m| m.kind == EntryKind::File)
            && seen.insert(id)
        {
            nodes.push(id);
        }
    }
    finish(tree, ecosystem, name, version, nodes, None)
}

fn finish(
    tree: &MergedTree,
    ecosystem: &'static str,
    name: String,
    version: String,
    nodes: Vec<NodeId>,
    location: Option<String>,
) -> Package {
    let mut by_layer: BTreeMap<usize, u64> = BTreeMap::new();
    let mut bytes = 0;
    for &id in &nodes {
        let node = tree.node(id);
        let size = node.live().map_or(0, |m| m.size);
        bytes += size;
        if let Some(c) = node.history.last() {
            *by_layer.entry(c.layer as usize).or_default() += size.max(1);
        }
    }
    Package {
        ecosystem,
        name,
        version,
        bytes,
        files: nodes.len(),
        layer: by_layer
            .into_iter()
            .max_by_key(|&(l, b)| (b, std::cmp::Reverse(l)))
            .map(|(l, _)| l),
        location,
        nodes,
    }
}

/// RFC 822-style paragraphs (dpkg status, apk's `K:value` database).
fn paragraphs(text: &str) -> impl Iterator<Item = &str> {
    text.split("\n\n").filter(|p| !p.trim().is_empty())
}

fn field<'a>(paragraph: &'a str, name: &str) -> Option<&'a str> {
    paragraph.lines().find_map(|l| {
        l.strip_prefix(name)
            .and_then(|rest| rest.strip_prefix(':'))
            .map(str::trim)
    })
}

fn dpkg(tree: &MergedTree, captures: &Captures, out: &mut Vec<Package>) {
    let mut stanzas: Vec<(String, String, Option<String>)> = Vec::new();
    if let Some(status) = captures.live_at(tree, b"var/lib/dpkg/status") {
        let text = String::from_utf8_lossy(status);
        for p in paragraphs(&text) {
            let installed = field(p, "Status").is_some_and(|s| s.ends_with(" installed"));
            if let (true, Some(name)) = (installed, field(p, "Package")) {
                let arch = field(p, "Architecture").map(str::to_string);
                stanzas.push((
                    name.to_string(),
                    field(p, "Version").unwrap_or("").to_string(),
                    arch,
                ));
            }
        }
    }
    // Distroless keeps one status file per package in status.d/ and lists
    // files in `<name>.md5sums` rather than info/*.list.
    let status_d = tree.lookup(b"var/lib/dpkg/status.d");
    if let Some(dir) = status_d {
        for &c in &tree.node(dir).children {
            let name = &tree.node(c).name;
            if name.ends_with(b".md5sums") {
                continue;
            }
            if let Some(bytes) = captures.live(tree, c) {
                let text = String::from_utf8_lossy(bytes);
                for p in paragraphs(&text) {
                    if let Some(pkg) = field(p, "Package") {
                        stanzas.push((
                            pkg.to_string(),
                            field(p, "Version").unwrap_or("").to_string(),
                            None,
                        ));
                    }
                }
            }
        }
    }
    for (name, version, arch) in stanzas {
        let mut lists = vec![format!("var/lib/dpkg/info/{name}.list")];
        if let Some(a) = &arch {
            lists.push(format!("var/lib/dpkg/info/{name}:{a}.list"));
        }
        lists.push(format!("var/lib/dpkg/status.d/{name}.md5sums"));
        let Some(list) = lists
            .iter()
            .find_map(|l| captures.live_at(tree, l.as_bytes()))
        else {
            continue;
        };
        let text = String::from_utf8_lossy(list).into_owned();
        // `.list` lines are paths; `.md5sums` lines are `hash  path`.
        let paths = text
            .lines()
            .map(|l| l.rsplit("  ").next().unwrap_or(l).trim().as_bytes());
        out.push(package_from_paths(tree, "deb", name, version, paths));
    }
}

fn apk(tree: &MergedTree, captures: &Captures, out: &mut Vec<Package>) {
    let Some(db) = captures.live_at(tree, b"lib/apk/db/installed") else {
        return;
    };
    let text = String::from_utf8_lossy(db);
    for p in paragraphs(&text) {
        let Some(name) = field(p, "P") else { continue };
        let mut folder = "";
        let mut files: Vec<String> = Vec::new();
        for l in p.lines() {
            if let Some(f) = l.strip_prefix("F:") {
                folder = f.trim();
            } else if let Some(r) = l.strip_prefix("R:") {
                files.push(format!("{folder}/{}", r.trim()));
            }
        }
        let version = field(p, "V").unwrap_or("").to_string();
        out.push(package_from_paths(
            tree,
            "apk",
            name.to_string(),
            version,
            files.iter().map(|f| f.as_bytes()),
        ));
    }
}

fn python(tree: &MergedTree, captures: &Captures, out: &mut Vec<Package>) {
    for id in captures.ids() {
        let node = tree.node(id);
        if &node.name[..] != b"RECORD" {
            continue;
        }
        let Some(record) = captures.live(tree, id) else {
            continue;
        };
        let dist_info = node.parent;
        let dir_name = String::from_utf8_lossy(&tree.node(dist_info).name).into_owned();
        let Some(stem) = dir_name.strip_suffix(".dist-info") else {
            continue;
        };
        let (name, version) = stem.split_once('-').unwrap_or((stem, ""));
        let site = tree.path(tree.node(dist_info).parent);
        let text = String::from_utf8_lossy(record).into_owned();
        let paths: Vec<Vec<u8>> = text
            .lines()
            .filter_map(|l| l.rsplitn(3, ',').nth(2))
            .map(|rel| [&site[..], b"/", rel.trim_matches('"').as_bytes()].concat())
            .collect();
        let mut p = package_from_paths(
            tree,
            "python",
            name.to_string(),
            version.to_string(),
            paths.iter().map(|p| &p[..]),
        );
        p.location = Some(display(&site));
        out.push(p);
    }
}

/// Whether `id` is a package directory: `node_modules/NAME` or
/// `node_modules/@scope/NAME`.
fn is_npm_package_dir(tree: &MergedTree, id: NodeId) -> bool {
    let parent = tree.node(id).parent;
    if parent == ROOT {
        return false;
    }
    let parent_name = &tree.node(parent).name[..];
    if parent_name == b"node_modules" {
        return !tree.node(id).name.starts_with(b".");
    }
    parent_name.starts_with(b"@") && {
        let grand = tree.node(parent).parent;
        grand != ROOT && &tree.node(grand).name[..] == b"node_modules"
    }
}

fn npm(tree: &MergedTree, captures: &Captures, out: &mut Vec<Package>) {
    for id in captures.ids() {
        let node = tree.node(id);
        if &node.name[..] != b"package.json" || !is_npm_package_dir(tree, node.parent) {
            continue;
        }
        let Some(manifest) = captures.live(tree, id) else {
            continue;
        };
        let Ok(json) = serde_json::from_slice::<serde_json::Value>(manifest) else {
            continue;
        };
        let dir = node.parent;
        let name = json["name"].as_str().map_or_else(
            || String::from_utf8_lossy(&tree.node(dir).name).into_owned(),
            str::to_string,
        );
        let version = json["version"].as_str().unwrap_or("").to_string();
        let nodes = own_files(tree, dir);
        out.push(finish(
            tree,
            "npm",
            name,
            version,
            nodes,
            Some(display(&tree.path(dir))),
        ));
    }
}

/// Live files of a package directory, without nested `node_modules`.
fn own_files(tree: &MergedTree, dir: NodeId) -> Vec<NodeId> {
    let mut files = Vec::new();
    let mut stack = vec![dir];
    while let Some(id) = stack.pop() {
        for &c in &tree.node(id).children {
            let child = tree.node(c);
            match child.live() {
                Some(m) if m.kind == EntryKind::File => files.push(c),
                Some(m) if m.is_dir() && &child.name[..] != b"node_modules" => stack.push(c),
                _ => {}
            }
        }
    }
    files
}

/// Dev-only packages of one Node project.
#[derive(Debug, Clone)]
pub struct DevDependencies {
    /// The project directory (where its package.json is).
    pub project: String,
    /// `package-lock.json`, `yarn.lock`, `pnpm-lock.yaml`, or `package.json`
    /// (installed graph).
    pub source: &'static str,
    /// Indexes into the inventory.
    pub packages: Vec<usize>,
}

/// For each Node project with installed `node_modules`, its dev-only packages.
pub fn dev_dependencies(
    tree: &MergedTree,
    captures: &Captures,
    packages: &[Package],
) -> Vec<DevDependencies> {
    let mut out = Vec::new();
    for id in captures.ids() {
        let node = tree.node(id);
        if &node.name[..] != b"package.json" || is_npm_package_dir(tree, node.parent) {
            continue;
        }
        let project = node.parent;
        let project_path = tree.path(project);
        let Some(modules) = tree
            .child(project, b"node_modules")
            .filter(|&m| tree.is_live(m))
        else {
            continue;
        };
        let Some(manifest) = captures
            .live(tree, id)
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok())
        else {
            continue;
        };
        let prefix = [&tree.path(modules)[..], b"/"].concat();
        // The packages installed under this project, by location and by name.
        let installed: Vec<usize> = packages
            .iter()
            .enumerate()
            .filter(|(_, p)| p.ecosystem == "npm")
            .filter(|(_, p)| {
                p.location
                    .as_ref()
                    .is_some_and(|l| l.as_bytes()[1..].starts_with(&prefix))
            })
            .map(|(i, _)| i)
            .collect();
        let join = |name: &str| {
            [
                &project_path[..],
                if project_path.is_empty() { b"" } else { b"/" },
                name.as_bytes(),
            ]
            .concat()
        };
        let lock = ["package-lock.json", "npm-shrinkwrap.json"]
            .iter()
            .find_map(|f| captures.live_at(tree, &join(f)))
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok());
        let (source, dev): (&'static str, Vec<usize>) = if let Some(lock) = lock {
            let dev_dirs = lockfile_dev_paths(&lock);
            let dev = installed
                .iter()
                .copied()
                .filter(|&i| {
                    let loc = packages[i].location.as_deref().unwrap_or("");
                    let rel = loc
                        .trim_start_matches('/')
                        .strip_prefix(std::str::from_utf8(&project_path).unwrap_or(""))
                        .unwrap_or(loc);
                    dev_dirs.contains(rel.trim_start_matches('/'))
                })
                .collect();
            ("package-lock.json", dev)
        } else {
            let (source, graph): (&'static str, HashMap<String, Vec<String>>) =
                if let Some(y) = captures.live_at(tree, &join("yarn.lock")) {
                    ("yarn.lock", yarn_graph(&String::from_utf8_lossy(y)))
                } else if let Some(p) = captures.live_at(tree, &join("pnpm-lock.yaml")) {
                    ("pnpm-lock.yaml", pnpm_graph(&String::from_utf8_lossy(p)))
                } else {
                    (
                        "package.json",
                        installed_graph(tree, captures, packages, &installed),
                    )
                };
            let names = |key: &str| -> Vec<String> {
                manifest[key]
                    .as_object()
                    .map(|o| o.keys().cloned().collect())
                    .unwrap_or_default()
            };
            let mut prod_roots = names("dependencies");
            prod_roots.extend(names("optionalDependencies"));
            prod_roots.extend(names("peerDependencies"));
            let prod = closure(&graph, prod_roots);
            let dev_only: HashSet<String> = closure(&graph, names("devDependencies"))
                .difference(&prod)
                .cloned()
                .collect();
            let dev = installed
                .iter()
                .copied()
                .filter(|&i| dev_only.contains(&packages[i].name))
                .collect();
            (source, dev)
        };
        if !dev.is_empty() {
            out.push(DevDependencies {
                project: display(&project_path),
                source,
                packages: dev,
            });
        }
    }
    out.sort_by(|a, b| a.project.cmp(&b.project));
    out
}

/// `node_modules/...` paths a package-lock marks `dev: true` (v2/v3 `packages`,
/// or v1's nested `dependencies`).
fn lockfile_dev_paths(lock: &serde_json::Value) -> HashSet<String> {
    let mut out = HashSet::new();
    if let Some(packages) = lock["packages"].as_object() {
        for (path, meta) in packages {
            if meta["dev"].as_bool() == Some(true) && !path.is_empty() {
                out.insert(path.clone());
            }
        }
        return out;
    }
    let mut stack: Vec<(String, &serde_json::Value)> = vec![(String::new(), &lock["dependencies"])];
    while let Some((prefix, deps)) = stack.pop() {
        let Some(deps) = deps.as_object() else {
            continue;
        };
        for (name, meta) in deps {
            let path = format!("{prefix}node_modules/{name}");
            if meta["dev"].as_bool() == Some(true) {
                out.insert(path.clone());
            }
            stack.push((format!("{path}/"), &meta["dependencies"]));
        }
    }
    out
}

/// Package name → names it depends on, from a yarn.lock (v1 or berry).
fn yarn_graph(text: &str) -> HashMap<String, Vec<String>> {
    let mut graph: HashMap<String, Vec<String>> = HashMap::new();
    let mut current: Vec<String> = Vec::new();
    let mut in_deps = false;
    for line in text.lines() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let trimmed = line.trim();
        if indent == 0 {
            // `"a@^1", a@^1.2:` or `"a@npm:^1":`
            current = trimmed
                .trim_end_matches(':')
                .split(", ")
                .map(|spec| spec_name(spec.trim_matches('"')))
                .collect();
            // `"a@^1", "a@^1.2":` names one package twice.
            current.sort();
            current.dedup();
            in_deps = false;
        } else if indent == 2 {
            in_deps = matches!(
                trimmed,
                "dependencies:" | "optionalDependencies:" | "peerDependencies:"
            );
        } else if in_deps && indent >= 4 {
            let dep = trimmed
                .split([' ', ':'])
                .next()
                .unwrap_or("")
                .trim_matches('"');
            if !dep.is_empty() {
                for name in &current {
                    graph.entry(name.clone()).or_default().push(dep.to_string());
                }
            }
        }
    }
    graph
}

/// Package name → names it depends on, from a pnpm-lock.yaml: the
/// `packages:` entries (lockfile v5 `/name/1.0.0`, v6 `/name@1.0.0`) or v9's
/// `snapshots:` (`name@1.0.0(peer@2.0.0)`), each with `dependencies:`,
/// `optionalDependencies:` (and `peerDependencies:`) maps. pnpm writes this
/// YAML in one fixed shape (two-space indents, one key per line), which is
/// all that is read here.
fn pnpm_graph(text: &str) -> HashMap<String, Vec<String>> {
    let mut graph: HashMap<String, Vec<String>> = HashMap::new();
    let mut in_section = false;
    let mut current: Option<String> = None;
    let mut in_deps = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let key = trimmed
            .strip_suffix(':')
            .unwrap_or(trimmed)
            .trim_matches(['\'', '"']);
        match indent {
            0 => {
                in_section = matches!(trimmed, "packages:" | "snapshots:");
                current = None;
            }
            2 if in_section => {
                let key = key.trim_start_matches('/');
                // Peer suffixes: `name@1.0.0(react@18.2.0)`.
                let key = key.split('(').next().unwrap_or(key);
                let name = spec_name(key);
                current = Some(if name != key {
                    name
                } else {
                    // v5: `@scope/name/1.0.0` or `name/1.0.0`.
                    key.rsplit_once('/').map_or(key, |(n, _)| n).to_string()
                });
                in_deps = false;
            }
            4 => {
                in_deps = matches!(
                    trimmed,
                    "dependencies:" | "optionalDependencies:" | "peerDependencies:"
                );
            }
            6 if in_deps => {
                let dep = trimmed
                    .split(": ")
                    .next()
                    .unwrap_or("")
                    .trim_end_matches(':')
                    .trim_matches(['\'', '"']);
                if let (Some(name), false) = (&current, dep.is_empty()) {
                    graph.entry(name.clone()).or_default().push(dep.to_string());
                }
            }
            _ => {}
        }
    }
    graph
}

/// `@scope/name@^1.0` → `@scope/name`.
fn spec_name(spec: &str) -> String {
    let at = if let Some(rest) = spec.strip_prefix('@') {
        rest.find('@').map(|i| i + 1)
    } else {
        spec.find('@')
    };
    at.map_or(spec, |i| &spec[..i]).to_string()
}

/// Package name → names it depends on, from the installed manifests.
fn installed_graph(
    tree: &MergedTree,
    captures: &Captures,
    packages: &[Package],
    installed: &[usize],
) -> HashMap<String, Vec<String>> {
    let mut graph: HashMap<String, Vec<String>> = HashMap::new();
    for &i in installed {
        let Some(loc) = packages[i].location.as_deref() else {
            continue;
        };
        let manifest_path = [loc.trim_start_matches('/').as_bytes(), b"/package.json"].concat();
        let Some(json) = captures
            .live_at(tree, &manifest_path)
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok())
        else {
            continue;
        };
        let deps = graph.entry(packages[i].name.clone()).or_default();
        for key in ["dependencies", "optionalDependencies", "peerDependencies"] {
            if let Some(o) = json[key].as_object() {
                deps.extend(o.keys().cloned());
            }
        }
    }
    graph
}

fn closure(graph: &HashMap<String, Vec<String>>, roots: Vec<String>) -> HashSet<String> {
    let mut seen = HashSet::new();
    let mut stack = roots;
    while let Some(name) = stack.pop() {
        if seen.insert(name.clone()) {
            stack.extend(graph.get(&name).into_iter().flatten().cloned());
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pnpm_lock_graph_in_every_lockfile_version() {
        let v9 = "lockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    dependencies:\n      express:\n        specifier: ^4\n        version: 4.18.2\n\n\
                  packages:\n\n  express@4.18.2:\n    resolution: {integrity: sha512-x}\n    engines: {node: '>= 0.10.0'}\n\n\
                  snapshots:\n\n  express@4.18.2:\n    dependencies:\n      debug: 2.6.9\n\n  \
                  '@testing-library/react@14.0.0(react@18.2.0)':\n    dependencies:\n      '@babel/runtime': 7.23.2\n      react: 18.2.0\n";
        let g = pnpm_graph(v9);
        assert_eq!(g["express"], ["debug"]);
        assert_eq!(g["@testing-library/react"], ["@babel/runtime", "react"]);
        assert!(!g.contains_key("."), "importers are not packages");
        let v6 = "lockfileVersion: '6.0'\n\ndevDependencies:\n  jest:\n    specifier: ^29\n    version: 29.7.0\n\n\
                  packages:\n\n  /jest@29.7.0:\n    resolution: {integrity: sha512-y}\n    dependencies:\n      chalk: 4.1.2\n    dev: true\n\n  \
                  /@babel/core@7.23.0:\n    dependencies:\n      '@babel/types': 7.23.0\n    dev: true\n";
        let g = pnpm_graph(v6);
        assert_eq!(g["jest"], ["chalk"]);
        assert_eq!(g["@babel/core"], ["@babel/types"]);
        let v5 = "lockfileVersion: 5.4\n\npackages:\n\n  /jest/29.7.0:\n    dependencies:\n      chalk: 4.1.2\n    dev: true\n\n  \
                  /@babel/core/7.23.0:\n    optionalDependencies:\n      fsevents: 2.3.3\n";
        let g = pnpm_graph(v5);
        assert_eq!(g["jest"], ["chalk"]);
        assert_eq!(g["@babel/core"], ["fsevents"]);
    }

    #[test]
    fn yarn_lock_graph_and_spec_names() {
        let lock = r#"
# yarn lockfile v1

"@babel/core@^7.0.0", "@babel/core@^7.1.0":
  version "7.2.0"
  dependencies:
    "@babel/generator" "^7.2.0"
    lodash "^4.17.10"

lodash@^4.17.10:
  version "4.17.21"
"#;
        let g = yarn_graph(lock);
        assert_eq!(g["@babel/core"], vec!["@babel/generator", "lodash"]);
        assert_eq!(spec_name("@scope/x@npm:^1"), "@scope/x");
        assert_eq!(spec_name("left-pad@1.0.0"), "left-pad");
    }

    #[test]
    fn package_lock_v1_and_v3_dev_paths() {
        let v3: serde_json::Value = serde_json::json!({"packages": {"": {}, "node_modules/jest": {"dev": true}, "node_modules/express": {}, "node_modules/jest/node_modules/chalk": {"dev": true}}});
        let got = lockfile_dev_paths(&v3);
        assert!(
            got.contains("node_modules/jest")
                && got.contains("node_modules/jest/node_modules/chalk")
        );
        assert_eq!(got.len(), 2);
        let v1: serde_json::Value = serde_json::json!({"dependencies": {"jest": {"dev": true, "dependencies": {"chalk": {"dev": true}}}, "express": {}}});
        let got = lockfile_dev_paths(&v1);
        assert!(got.contains("node_modules/jest/node_modules/chalk"));
        assert_eq!(got.len(), 2);
    }
}
