//! The image's treemap source: every version of every regular file any layer
//! wrote, live or hidden, under the merged tree's directories.

use super::model::{Dir, Leaf, Source, kind};
use crate::analysis::Analysis;
use crate::layer::EntryKind;
use crate::tree::{Op, ROOT};

/// The index of the first finding that names each live file, by node id, -1
/// for none (findings come most severe, then largest, first, so that one
/// colours it).
fn finding_of(a: &Analysis) -> Vec<i32> {
    let mut out = vec![-1; a.tree.len()];
    for (i, f) in a.findings.iter().enumerate().rev() {
        for &id in &f.nodes {
            out[id as usize] = i as i32;
        }
    }
    out
}

/// Directories are the tree's nodes with children (live or not: a deleted
/// directory still holds the hidden bytes of its files); leaves are the file
/// versions with bytes. A version is live when it is the node's last change;
/// otherwise the next change deleted it or wrote over it.
pub(super) fn source(a: &Analysis) -> Source<'_> {
    let tree = &a.tree;
    let flagged = finding_of(a);
    let mut dir_of = vec![u32::MAX; tree.len()];
    dir_of[ROOT as usize] = 0;
    let mut src = Source::default();
    src.dirs.push(Dir {
        parent: 0,
        name: b"",
    });
    // Node ids grow from parents to children, so a parent is always seen first.
    for (id, node) in tree.nodes() {
        let parent = dir_of[node.parent as usize];
        if !node.children.is_empty() {
            dir_of[id as usize] = src.dirs.len() as u32;
            src.dirs.push(Dir {
                parent,
                name: &node.name,
            });
        }
        for (i, c) in node.history.iter().enumerate() {
            if c.op == Op::Removed || c.meta.kind != EntryKind::File || c.meta.size == 0 {
                continue;
            }
            let (kind, x, y) = match node.history.get(i + 1) {
                None => match flagged[id as usize] {
                    -1 => (kind::LIVE, -1, 0),
                    f => (kind::FLAGGED, i64::from(f), 0),
                },
                Some(next) => (
                    kind::HIDDEN,
                    next.layer as i64,
                    i64::from(next.op != Op::Removed),
                ),
            };
            src.leaves.push(Leaf {
                dir: parent,
                name: &node.name,
                bytes: c.meta.size,
                weight: c.meta.size,
                kind,
                layer: i32::from(c.layer),
                x,
                y,
            });
        }
    }
    src
}
