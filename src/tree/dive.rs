//! dive 0.13.1's efficiency bookkeeping, reproduced exactly and incrementally.
//!
//! dive scores an image by visiting the leaf nodes of each layer's own tree and
//! adding up, per path, every size it sees (`filetree/efficiency.go`). A whiteout
//! counts at the path it deletes, 0 for a file and, for a directory, the size of
//! the subtree that the layers below left there, as dive's own stacking sees it:
//! opaque markers ignored, a file replacing a directory keeping its children, a
//! directory created only implicitly not counting as a directory. dive restacks
//! every lower layer for each whiteout (minutes on big images); here the stacked
//! view is kept up to date layer by layer, so the same numbers come out in one pass.
//!
//! The numbers are dive's, blind spots included, so users can compare; ballast's
//! honest numbers come from the merged tree.

use hashbrown::HashSet;

use super::{Full, MergedTree, NodeId, ROOT};
use crate::layer::{EntryKind, LayerIndex, path::split_last};

#[derive(Debug, Clone, Copy, Default)]
struct PathTally {
    cumulative: u64,
    minimum: u64,
    count: u32,
}

/// Accumulates dive's per-path occurrences while the layers are merged.
#[derive(Debug, Default, Clone)]
pub struct DiveTally {
    live: Vec<bool>,
    is_dir: Vec<bool>,
    size: Vec<u64>,
    /// Per node id; `count == 0` where the path was never seen.
    paths: Vec<PathTally>,
    layer_sizes: Vec<u64>,
}

/// dive's three numbers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DiveMetrics {
    pub efficiency: f64,
    pub wasted_bytes: u64,
    pub user_wasted_percent: Option<f64>,
}

impl DiveTally {
    /// Record `layer`'s occurrences. Call before `tree.push_layer(layer)`.
    /// Creates the layer's nodes in `tree`, so stops at [`Full`] like it.
    pub fn observe(&mut self, tree: &mut MergedTree, layer: &LayerIndex) -> Result<(), Full> {
        // (node, is a directory, size) of each entry, sorted by node once
        // complete: 16 bytes an entry, a third of a hash map's.
        let mut explicit: Vec<(NodeId, bool, u64)> = Vec::new();
        let mut whiteouts: Vec<NodeId> = Vec::new();
        // Every node of this layer's own tree: entries, opaque directories and
        // all their ancestors. Those with a child in the tree are not leaves.
        let mut present: HashSet<NodeId> = HashSet::new();
        let mut has_child: HashSet<NodeId> = HashSet::new();
        let mut layer_size = 0u64;

        for e in &layer.entries {
            layer_size += e.size;
            let own = match e.kind {
                EntryKind::Whiteout => {
                    let (parent, _) = split_last(&e.path);
                    let parent = tree.node_for(parent)?;
                    mark_ancestors(tree, parent, true, &mut present, &mut has_child);
                    if let Some(id) = tree.lookup(&e.path).filter(|&id| id != ROOT) {
                        whiteouts.push(id);
                    }
                    continue;
                }
                EntryKind::Opaque => tree.node_for(&e.path)?,
                _ => {
                    let id = tree.node_for(&e.path)?;
                    explicit.push((id, e.kind == EntryKind::Dir, e.size));
                    id
                }
            };
            mark_ancestors(tree, own, false, &mut present, &mut has_child);
        }
        self.grow(tree.len());
        // Stable: of two entries for one path, the later one wins.
        explicit.sort_by_key(|e| e.0);

        for &id in &present {
            if id == ROOT || has_child.contains(&id) {
                continue;
            }
            let size = explicit_of(&explicit, id).map_or(0, |(_, s)| s);
            self.occur(id, size);
        }
        whiteouts.sort_unstable();
        whiteouts.dedup();
        for &id in &whiteouts {
            if !self.live[id as usize] {
                // dive fails to find the path and stops counting here; we skip
                // just this whiteout.
                continue;
            }
            let size = if self.is_dir[id as usize] {
                self.subtree_size(tree, id)
            } else {
                0
            };
            self.occur(id, size);
        }

        for &id in &whiteouts {
            self.kill(tree, id);
        }
        for &id in &present {
            let (is_dir, size) = explicit_of(&explicit, id).unwrap_or((false, 0));
            let i = id as usize;
            self.live[i] = true;
            self.is_dir[i] = is_dir;
            self.size[i] = size;
        }
        self.layer_sizes.push(layer_size);
        Ok(())
    }

    fn grow(&mut self, len: usize) {
        if self.live.len() < len {
            self.live.resize(len, false);
            self.is_dir.resize(len, false);
            self.size.resize(len, 0);
            self.paths.resize(len, PathTally::default());
        }
    }

    fn occur(&mut self, id: NodeId, size: u64) {
        let t = &mut self.paths[id as usize];
        t.minimum = if t.count == 0 {
            size
        } else {
            t.minimum.min(size)
        };
        t.cumulative += size;
        t.count += 1;
    }

    fn subtree_size(&self, tree: &MergedTree, id: NodeId) -> u64 {
        let mut total = 0;
        let mut stack = vec![id];
        while let Some(cur) = stack.pop() {
            if !self.live[cur as usize] {
                continue;
            }
            total += self.size[cur as usize];
            stack.extend(tree.node(cur).children.iter().copied());
        }
        total
    }

    fn kill(&mut self, tree: &MergedTree, id: NodeId) {
        let mut stack = vec![id];
        while let Some(cur) = stack.pop() {
            if !std::mem::replace(&mut self.live[cur as usize], false) {
                continue;
            }
            stack.extend(tree.node(cur).children.iter().copied());
        }
    }

    /// Layer sizes as dive computes them: the sum of the tar entries' sizes.
    #[cfg(test)]
    pub fn layer_sizes(&self) -> &[u64] {
        &self.layer_sizes
    }

    /// Paths seen in two or more layers, with their cumulative bytes, largest first.
    pub fn inefficient_paths(&self) -> Vec<(NodeId, u64, u32)> {
        let mut v: Vec<_> = self
            .paths
            .iter()
            .enumerate()
            .filter(|(_, t)| t.count >= 2)
            .map(|(id, t)| (id as NodeId, t.cumulative, t.count))
            .collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v
    }

    pub fn metrics(&self) -> DiveMetrics {
        let (mut minimum, mut cumulative, mut wasted) = (0u64, 0u64, 0u64);
        for t in &self.paths {
            minimum += t.minimum;
            cumulative += t.cumulative;
            if t.count >= 2 {
                wasted += t.cumulative;
            }
        }
        let efficiency = if cumulative == 0 {
            1.0
        } else {
            minimum as f64 / cumulative as f64
        };
        let user: u64 = self.layer_sizes.iter().skip(1).sum();
        let user_wasted_percent =
            (self.layer_sizes.len() > 1 && user > 0).then(|| wasted as f64 / user as f64);
        DiveMetrics {
            efficiency,
            wasted_bytes: wasted,
            user_wasted_percent,
        }
    }
}

/// The last entry for `id` in `explicit` (sorted by node, stably).
fn explicit_of(explicit: &[(NodeId, bool, u64)], id: NodeId) -> Option<(bool, u64)> {
    let end = explicit.partition_point(|e| e.0 <= id);
    explicit[..end]
        .last()
        .filter(|e| e.0 == id)
        .map(|e| (e.1, e.2))
}

/// Add `id` (when `include_self`) and its ancestors to `present`, marking each
/// ancestor as having a child. Stops early at an ancestor already marked.
fn mark_ancestors(
    tree: &MergedTree,
    id: NodeId,
    parent_of_entry: bool,
    present: &mut HashSet<NodeId>,
    has_child: &mut HashSet<NodeId>,
) {
    present.insert(id);
    let mut cur = if parent_of_entry {
        // `id` is the parent of a whiteout entry: it has a child.
        id
    } else {
        if id == ROOT {
            return;
        }
        tree.node(id).parent
    };
    loop {
        present.insert(cur);
        if !has_child.insert(cur) || cur == ROOT {
            return;
        }
        cur = tree.node(cur).parent;
    }
}
