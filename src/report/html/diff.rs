//! The diff's treemap source: the live files of both images on one tree of
//! directories, each added, removed, changed or the same, compared the way
//! `ballast diff` compares them (by path; size, then content).

use std::collections::HashMap;

use super::model::{Dir, Leaf, Source, kind};
use crate::analysis::Analysis;
use crate::analysis::diff::differs;
use crate::layer::EntryKind;
use crate::tree::{MergedTree, Node, NodeId, ROOT};

/// Interns the directories of both trees as one tree.
struct Union<'a> {
    src: Source<'a>,
    index: HashMap<(u32, &'a [u8]), u32>,
}

impl<'a> Union<'a> {
    fn dir(&mut self, parent: u32, name: &'a [u8]) -> u32 {
        let next = self.src.dirs.len() as u32;
        let id = *self.index.entry((parent, name)).or_insert(next);
        if id == next {
            self.src.dirs.push(Dir { parent, name });
        }
        id
    }

    /// Each node of `tree` with children, as a union directory (by node id).
    fn dirs_of(&mut self, tree: &'a MergedTree) -> Vec<u32> {
        let mut out = vec![u32::MAX; tree.len()];
        out[ROOT as usize] = 0;
        for (id, node) in tree.nodes() {
            if !node.children.is_empty() && tree.is_live(id) {
                out[id as usize] = self.dir(out[node.parent as usize], &node.name);
            }
        }
        out
    }
}

/// A live file's (size, content hash), as the diff sees files.
fn live_file(node: &Node) -> Option<(u64, u128)> {
    let m = node.live()?;
    (m.kind != EntryKind::Dir).then_some((m.size, m.content_hash()))
}

/// For each node of `from`, the node at the same path in `to`, if any.
fn counterparts(from: &MergedTree, to: &MergedTree) -> Vec<Option<NodeId>> {
    let mut out = vec![None; from.len()];
    out[ROOT as usize] = Some(ROOT);
    for (id, node) in from.nodes() {
        out[id as usize] = out[node.parent as usize].and_then(|p| to.child(p, &node.name));
    }
    out
}

fn leaf<'a>(dir: u32, name: &'a [u8], kind: u8, old: u64, new: u64) -> Leaf<'a> {
    let bytes = old.max(new);
    Leaf {
        dir,
        name,
        bytes,
        weight: if kind == kind::SAME { 0 } else { bytes },
        kind,
        layer: -1,
        x: old as i64,
        y: new as i64,
    }
}

pub(super) fn source<'a>(old: &'a Analysis, new: &'a Analysis) -> Source<'a> {
    let mut u = Union {
        src: Source::default(),
        index: HashMap::new(),
    };
    u.src.dirs.push(Dir {
        parent: 0,
        name: b"",
    });
    let new_dirs = u.dirs_of(&new.tree);
    let old_dirs = u.dirs_of(&old.tree);
    let in_old = counterparts(&new.tree, &old.tree);
    for (id, node) in new.tree.nodes() {
        let Some((size, content)) = live_file(node) else {
            continue;
        };
        let before = in_old[id as usize].and_then(|o| live_file(old.tree.node(o)));
        let (kind, old_size) = match before {
            None => (kind::ADDED, 0),
            Some(was) if differs(was, (size, content)) => (kind::CHANGED, was.0),
            Some((s, _)) => (kind::SAME, s),
        };
        let dir = new_dirs[node.parent as usize];
        u.src
            .leaves
            .push(leaf(dir, &node.name, kind, old_size, size));
    }
    let in_new = counterparts(&old.tree, &new.tree);
    for (id, node) in old.tree.nodes() {
        let Some((size, _)) = live_file(node) else {
            continue;
        };
        if in_new[id as usize].is_some_and(|n| live_file(new.tree.node(n)).is_some()) {
            continue;
        }
        let dir = old_dirs[node.parent as usize];
        u.src
            .leaves
            .push(leaf(dir, &node.name, kind::REMOVED, size, 0));
    }
    u.src
}
