//! Dev-only packages of Node projects: from the lockfile (`package-lock.json`
//! `dev: true`, or the `yarn.lock` / `pnpm-lock.yaml` graph with the
//! project's `package.json`), else from the installed packages' own
//! dependency graph: the closure of the devDependencies minus the closure of
//! the dependencies.

use std::collections::{HashMap, HashSet};

use super::language::is_npm_package_dir;
use super::{Captures, Package};
use crate::layer::path::display;
use crate::tree::{MergedTree, NodeId};

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
    let mut out: Vec<DevDependencies> = captures
        .ids()
        .filter_map(|id| project_dev_dependencies(tree, captures, packages, id))
        .collect();
    out.sort_by(|a, b| a.project.cmp(&b.project));
    out
}

/// The dev-only packages of the project whose `package.json` is `manifest_id`,
/// when it is a project (not an installed package) with a `node_modules`.
fn project_dev_dependencies(
    tree: &MergedTree,
    captures: &Captures,
    packages: &[Package],
    manifest_id: NodeId,
) -> Option<DevDependencies> {
    let node = tree.node(manifest_id);
    if &node.name[..] != b"package.json" || is_npm_package_dir(tree, node.parent) {
        return None;
    }
    let project = node.parent;
    let project_path = tree.path(project);
    let modules = tree
        .child(project, b"node_modules")
        .filter(|&m| tree.is_live(m))?;
    let manifest = captures
        .live(tree, manifest_id)
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok())?;
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
    let (source, dev) = match lock {
        Some(lock) => (
            "package-lock.json",
            lockfile_dev(&lock, packages, &installed, &project_path),
        ),
        None => graph_dev(tree, captures, packages, &installed, &manifest, &join),
    };
    (!dev.is_empty()).then(|| DevDependencies {
        project: display(&project_path),
        source,
        packages: dev,
    })
}

/// The installed packages (indexes into the inventory) a package-lock marks
/// dev-only.
fn lockfile_dev(
    lock: &serde_json::Value,
    packages: &[Package],
    installed: &[usize],
    project_path: &[u8],
) -> Vec<usize> {
    let dev_dirs = lockfile_dev_paths(lock);
    installed
        .iter()
        .copied()
        .filter(|&i| {
            let loc = packages[i].location.as_deref().unwrap_or("");
            let rel = loc
                .trim_start_matches('/')
                .strip_prefix(std::str::from_utf8(project_path).unwrap_or(""))
                .unwrap_or(loc);
            dev_dirs.contains(rel.trim_start_matches('/'))
        })
        .collect()
}

/// Without a package-lock: the installed packages only the devDependencies'
/// closure reaches, in the yarn or pnpm lockfile's graph, else in the
/// installed packages' own. Returns (where the graph came from, packages).
fn graph_dev(
    tree: &MergedTree,
    captures: &Captures,
    packages: &[Package],
    installed: &[usize],
    manifest: &serde_json::Value,
    join: &dyn Fn(&str) -> Vec<u8>,
) -> (&'static str, Vec<usize>) {
    let (source, graph): (&'static str, HashMap<String, Vec<String>>) =
        if let Some(y) = captures.live_at(tree, &join("yarn.lock")) {
            ("yarn.lock", yarn_graph(&String::from_utf8_lossy(y)))
        } else if let Some(p) = captures.live_at(tree, &join("pnpm-lock.yaml")) {
            ("pnpm-lock.yaml", pnpm_graph(&String::from_utf8_lossy(p)))
        } else {
            (
                "package.json",
                installed_graph(tree, captures, packages, installed),
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
