//! Where the rules look: live files under a directory, the layer that holds
//! most of a group's bytes, directories by name, path patterns, and the
//! [`Group`] of paths one rule flags.

use std::collections::{BTreeMap, HashSet};

use super::{Finding, FindingPath, Input, finding};
use crate::analysis::packages::Package;
use crate::layer::EntryKind;
use crate::layer::path::display;
use crate::tree::{MergedTree, NodeId, ROOT};
use crate::vocab::{Category, Rule, Severity};

/// Live regular files below `dir` (inclusive), with their sizes.
pub(super) fn live_files_under(tree: &MergedTree, dir: NodeId) -> Vec<(NodeId, u64)> {
    let mut out = Vec::new();
    let mut stack = vec![dir];
    while let Some(id) = stack.pop() {
        let node = tree.node(id);
        match node.live() {
            Some(m) if m.kind == EntryKind::File => out.push((id, m.size)),
            Some(m) if m.is_dir() => stack.extend(node.children.iter().copied()),
            _ => {}
        }
    }
    out
}

/// The layer that holds most of these live files' bytes.
pub(super) fn main_layer(tree: &MergedTree, files: &[(NodeId, u64)]) -> Option<usize> {
    let mut by_layer: BTreeMap<usize, u64> = BTreeMap::new();
    for &(id, size) in files {
        if let Some(c) = tree.node(id).history.last() {
            *by_layer.entry(c.layer as usize).or_default() += size.max(1);
        }
    }
    by_layer
        .into_iter()
        .max_by_key(|&(l, b)| (b, std::cmp::Reverse(l)))
        .map(|(l, _)| l)
}

/// A group of live directories (or files) that one rule flags.
pub(super) struct Group {
    pub(super) paths: Vec<FindingPath>,
    files: Vec<(NodeId, u64)>,
    seen: HashSet<NodeId>,
}

impl Group {
    pub(super) fn new() -> Group {
        Group {
            paths: Vec::new(),
            files: Vec::new(),
            seen: HashSet::new(),
        }
    }

    /// Add a live node (a directory counts with everything below it).
    pub(super) fn add(&mut self, tree: &MergedTree, id: NodeId) {
        let files: Vec<_> = live_files_under(tree, id)
            .into_iter()
            .filter(|f| self.seen.insert(f.0))
            .collect();
        let bytes = files.iter().map(|f| f.1).sum();
        if bytes == 0 {
            // An empty directory or file is nothing to remove.
            return;
        }
        self.paths
            .push(FindingPath::file(display(&tree.path(id)), bytes));
        self.files.extend(files);
    }

    /// Add a package's files (without listing it as a path).
    pub(super) fn add_package(&mut self, tree: &MergedTree, p: &Package) {
        for &id in &p.nodes {
            if self.seen.insert(id) {
                self.files
                    .push((id, tree.node(id).live().map_or(0, |m| m.size)));
            }
        }
    }

    pub(super) fn bytes(&self) -> u64 {
        self.files.iter().map(|f| f.1).sum()
    }

    pub(super) fn into_finding(
        self,
        input: &Input,
        rule: Rule,
        severity: Severity,
        advice: String,
    ) -> Option<Finding> {
        if self.paths.is_empty() && self.files.is_empty() {
            return None;
        }
        let layer = main_layer(input.tree, &self.files).and_then(|l| input.layer(l));
        let bytes = self.bytes();
        let nodes = self.files.iter().map(|f| f.0).collect();
        Some(finding(
            rule,
            Category::Bloat,
            severity,
            bytes,
            layer,
            self.paths,
            advice,
            nodes,
        ))
    }
}

/// Live directories whose own name is one of `names`, outermost only.
pub(super) fn live_dirs_named(tree: &MergedTree, names: &[&[u8]]) -> Vec<NodeId> {
    let mut found = Vec::new();
    let mut stack = vec![ROOT];
    while let Some(id) = stack.pop() {
        for &c in &tree.node(id).children {
            let child = tree.node(c);
            if !child.live().is_some_and(|m| m.is_dir()) {
                continue;
            }
            if names.contains(&&child.name[..]) {
                found.push(c);
            } else {
                stack.push(c);
            }
        }
    }
    found
}

/// Match a path pattern (components; `*` matches one) against the live tree.
pub(super) fn glob(tree: &MergedTree, pattern: &str) -> Vec<NodeId> {
    let mut current = vec![ROOT];
    for comp in pattern.split('/') {
        let mut next = Vec::new();
        for id in current {
            for &c in &tree.node(id).children {
                let child = tree.node(c);
                if child.live().is_none() {
                    continue;
                }
                if comp == "*" || child.name[..] == *comp.as_bytes() {
                    next.push(c);
                }
            }
        }
        current = next;
    }
    current
}
