//! Language packages: Python distributions (`*.dist-info/RECORD`) and npm
//! packages (each `node_modules/**/package.json` with its directory's own
//! files).

use super::{Captures, Package, finish, package_from_paths};
use crate::layer::EntryKind;
use crate::layer::path::display;
use crate::tree::{MergedTree, NodeId, ROOT};

pub(super) fn python(tree: &MergedTree, captures: &Captures, out: &mut Vec<Package>) {
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
pub(super) fn is_npm_package_dir(tree: &MergedTree, id: NodeId) -> bool {
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

pub(super) fn npm(tree: &MergedTree, captures: &Captures, out: &mut Vec<Package>) {
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
