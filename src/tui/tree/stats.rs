//! Each directory's numbers (size, entries, change counts) at every layer
//! where something below it changed: a sparse list per directory, built layer
//! by layer from the nodes' `history`, so a directory's numbers at any layer
//! are a binary search away.

use ballast::layer::EntryKind;
use ballast::tree::{MergedTree, Meta, NodeId, Op, ROOT};

/// A directory's numbers at one layer where something below it changed.
#[derive(Debug, Clone, Copy)]
pub(super) struct DirStat {
    pub(super) layer: u16,
    /// Bytes of live regular files below, after this layer.
    pub(super) size: u64,
    /// Live entries below (any type), after this layer.
    pub(super) entries: u64,
    /// Bytes this layer added or modified below.
    pub(super) layer_size: u64,
    /// Bytes of file versions below that this layer or an earlier one
    /// deleted or overwrote: still shipped, no longer seen.
    pub(super) hidden: u64,
    pub(super) added: u32,
    pub(super) modified: u32,
    pub(super) removed: u32,
}

/// The directories' stat lists, and each node's index into them
/// (`u32::MAX` for nodes without children).
pub(super) struct DirStats {
    pub(super) slot: Vec<u32>,
    pub(super) stats: Vec<Vec<DirStat>>,
}

/// One change's effect on every directory above it.
struct Delta {
    size: i128,
    entries: i64,
    layer_size: u64,
    /// The bytes of the version this change deleted or overwrote.
    hidden: u64,
    op: Op,
}

/// The running totals while the layers are walked in order.
struct Running {
    size: Vec<i128>,
    entries: Vec<i64>,
    hidden: Vec<u64>,
    /// This layer's (bytes written, added, modified, removed) per directory.
    layer: Vec<(u64, u32, u32, u32)>,
    /// The layer each directory's `layer` entry belongs to.
    touched_at: Vec<u16>,
    /// Directories touched by the current layer, in first-touch order.
    touched: Vec<usize>,
}

impl Running {
    fn new(slots: usize) -> Running {
        Running {
            size: vec![0; slots],
            entries: vec![0; slots],
            hidden: vec![0; slots],
            layer: vec![(0, 0, 0, 0); slots],
            touched_at: vec![u16::MAX; slots],
            touched: Vec::new(),
        }
    }

    fn add(&mut self, sl: usize, l: u16, d: &Delta) {
        self.size[sl] += d.size;
        self.entries[sl] += d.entries;
        self.hidden[sl] += d.hidden;
        if self.touched_at[sl] != l {
            self.touched_at[sl] = l;
            self.layer[sl] = (0, 0, 0, 0);
            self.touched.push(sl);
        }
        let a = &mut self.layer[sl];
        a.0 += d.layer_size;
        match d.op {
            Op::Added => a.1 += 1,
            Op::Modified => a.2 += 1,
            Op::Removed => a.3 += 1,
        }
    }

    /// Close layer `l`: append a stat for every directory it touched.
    fn finish_layer(&mut self, l: u16, stats: &mut [Vec<DirStat>]) {
        for &sl in &self.touched {
            let a = self.layer[sl];
            stats[sl].push(DirStat {
                layer: l,
                size: self.size[sl].max(0) as u64,
                entries: self.entries[sl].max(0) as u64,
                layer_size: a.0,
                hidden: self.hidden[sl],
                added: a.1,
                modified: a.2,
                removed: a.3,
            });
        }
        self.touched.clear();
    }
}

/// A slot for the root and every node with children.
fn dir_slots(tree: &MergedTree) -> (Vec<u32>, usize) {
    let mut slot = vec![u32::MAX; tree.len()];
    let mut slots = 0u32;
    for (id, s) in slot.iter_mut().enumerate() {
        if id == ROOT as usize || !tree.node(id as NodeId).children.is_empty() {
            *s = slots;
            slots += 1;
        }
    }
    (slot, slots as usize)
}

/// Every change, grouped by layer: `(node, index into its history)`.
fn changes_by_layer(tree: &MergedTree) -> Vec<Vec<(NodeId, u16)>> {
    let mut by_layer: Vec<Vec<(NodeId, u16)>> = vec![Vec::new(); tree.layer_count()];
    for (id, node) in tree.nodes() {
        for (i, c) in node.history.iter().enumerate() {
            if let Some(l) = by_layer.get_mut(c.layer as usize) {
                l.push((id, i as u16));
            }
        }
    }
    by_layer
}

/// What the `i`th change of node `id` does to the directories above it.
fn delta(tree: &MergedTree, id: NodeId, i: u16) -> Delta {
    let node = tree.node(id);
    let c = &node.history[i as usize];
    let prev = i
        .checked_sub(1)
        .map(|p| &node.history[p as usize])
        .filter(|p| p.op != Op::Removed)
        .map(|p| &p.meta);
    let now = (c.op != Op::Removed).then_some(&c.meta);
    let file_bytes = |m: Option<&Meta>| {
        m.filter(|m| m.kind == EntryKind::File)
            .map_or(0, |m| m.size as i128)
    };
    Delta {
        size: file_bytes(now) - file_bytes(prev),
        entries: now.is_some() as i64 - prev.is_some() as i64,
        layer_size: file_bytes(now) as u64,
        hidden: file_bytes(prev) as u64,
        op: c.op,
    }
}

pub(super) fn dir_stats(tree: &MergedTree) -> DirStats {
    let (slot, slots) = dir_slots(tree);
    let mut run = Running::new(slots);
    let mut stats: Vec<Vec<DirStat>> = vec![Vec::new(); slots];
    for (layer, changes) in changes_by_layer(tree).iter().enumerate() {
        let l = layer as u16;
        for &(id, i) in changes {
            let d = delta(tree, id, i);
            let mut p = tree.node(id).parent;
            loop {
                run.add(slot[p as usize] as usize, l, &d);
                if p == ROOT {
                    break;
                }
                p = tree.node(p).parent;
            }
        }
        run.finish_layer(l, &mut stats);
    }
    DirStats { slot, stats }
}
