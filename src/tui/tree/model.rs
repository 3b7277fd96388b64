//! [`Model`]: what the view needs to know about every node, derived once
//! from the analysis and shared by every view (and the background worker).

use std::sync::Arc;

use super::names::{Names, filter_mask};
use super::params::{Kind, Mode, Params};
use super::stats::{DirStat, DirStats, dir_stats};
use ballast::analysis::Analysis;
use ballast::tree::{MergedTree, Meta, Node, NodeId, Op, ROOT};

/// Per-node facts derived once from the analysis; shared by every view.
pub struct Model {
    pub analysis: Arc<Analysis>,
    /// Index into `stats` for nodes with children; `u32::MAX` otherwise.
    slot: Vec<u32>,
    stats: Vec<Vec<DirStat>>,
    /// Nodes a finding points at.
    flagged: Vec<bool>,
    /// Flagged nodes and their ancestors.
    wasted: Vec<bool>,
    /// Every node's name, lowercased, for search and the path filter.
    names: Names,
}

impl Model {
    pub fn new(analysis: Arc<Analysis>) -> Model {
        let tree = &analysis.tree;
        let DirStats { slot, stats } = dir_stats(tree);
        let flagged = flagged(&analysis);
        let wasted = with_ancestors(tree, &flagged);
        let names = Names::new(tree);
        Model {
            slot,
            stats,
            flagged,
            wasted,
            names,
            analysis,
        }
    }

    /// Nodes whose name contains `pattern` (ASCII case-insensitive), in order.
    pub fn matching(&self, pattern: &[u8]) -> Vec<NodeId> {
        self.names.matching(pattern)
    }

    /// Whether node `id`'s name contains `lower` (already lowercased).
    pub fn name_has(&self, id: NodeId, lower: &[u8]) -> bool {
        self.names.has(id, lower)
    }

    /// Nodes whose path contains `pattern`, their ancestors and descendants.
    pub(super) fn filter_mask(&self, pattern: &str) -> Vec<bool> {
        filter_mask(self.tree(), &self.names, pattern)
    }

    pub fn tree(&self) -> &MergedTree {
        &self.analysis.tree
    }

    pub fn node(&self, id: NodeId) -> &Node {
        self.tree().node(id)
    }

    pub fn flagged(&self, id: NodeId) -> bool {
        self.flagged.get(id as usize).copied().unwrap_or(false)
    }

    /// The directory's stat in effect at `layer`, and whether it is `layer`'s own.
    pub(super) fn stat(&self, id: NodeId, layer: usize) -> Option<(&DirStat, bool)> {
        let sl = *self.slot.get(id as usize)?;
        let list = self.stats.get(sl as usize)?;
        let i = list.partition_point(|s| s.layer as usize <= layer);
        let s = list.get(i.checked_sub(1)?)?;
        Some((s, s.layer as usize == layer))
    }

    /// Whether nothing below directory `id` changes in the layers `lo..=hi`:
    /// then its rows (sizes, kinds, visibility) are the same at `lo` and `hi`.
    pub(super) fn still_between(&self, id: NodeId, lo: usize, hi: usize) -> bool {
        let Some(list) = self
            .slot
            .get(id as usize)
            .and_then(|&sl| self.stats.get(sl as usize))
        else {
            return false;
        };
        let i = list.partition_point(|s| (s.layer as usize) < lo);
        list.get(i).is_none_or(|s| s.layer as usize > hi)
    }

    pub fn kind(&self, id: NodeId, layer: usize) -> Kind {
        if id == ROOT {
            return Kind::Unmodified;
        }
        self.node(id)
            .change_in(layer)
            .map_or(Kind::Unmodified, |c| c.op.into())
    }

    /// The node's attributes as the view shows them: its state after the
    /// layer, or what the layer removed.
    pub fn meta(&self, id: NodeId, layer: usize) -> Option<&Meta> {
        let node = self.node(id);
        node.state_at(layer).or_else(|| {
            node.change_in(layer)
                .filter(|c| c.op == Op::Removed)
                .map(|c| &c.meta)
        })
    }

    pub fn is_dir(&self, id: NodeId, layer: usize) -> bool {
        id == ROOT || self.meta(id, layer).is_some_and(Meta::is_dir)
    }

    fn exists(&self, id: NodeId, p: &Params) -> bool {
        let node = self.node(id);
        match p.mode {
            Mode::Aggregated => {
                node.state_at(p.layer).is_some() || self.kind(id, p.layer) == Kind::Removed
            }
            Mode::Layer => {
                node.change_in(p.layer).is_some()
                    || self
                        .stat(id, p.layer)
                        .is_some_and(|(s, own)| own && s.added + s.modified + s.removed > 0)
            }
        }
    }

    /// Bytes shown for the node: a directory's total below, a file's size.
    pub fn size(&self, id: NodeId, p: &Params) -> u64 {
        if self.is_dir(id, p.layer) {
            return match (p.mode, self.stat(id, p.layer)) {
                (Mode::Aggregated, Some((s, _))) => s.size,
                (Mode::Layer, Some((s, true))) => s.layer_size,
                _ => 0,
            };
        }
        match p.mode {
            Mode::Aggregated => self.meta(id, p.layer).map_or(0, |m| m.size),
            Mode::Layer => self.node(id).change_in(p.layer).map_or(0, |c| c.meta.size),
        }
    }

    /// Whether a directory has something below it the hidden kinds leave shown.
    fn shows_below(&self, id: NodeId, p: &Params) -> bool {
        let Some((s, own)) = self.stat(id, p.layer) else {
            return false;
        };
        let (a, m, r) = if own {
            (s.added as u64, s.modified as u64, s.removed as u64)
        } else {
            (0, 0, 0)
        };
        let h = p.hidden;
        (!h.added && a > 0)
            || (!h.modified && m > 0)
            || (!h.removed && r > 0)
            || (p.mode == Mode::Aggregated && !h.unmodified && s.entries.saturating_sub(a + m) > 0)
    }

    pub(super) fn visible(&self, id: NodeId, p: &Params, filter: Option<&[bool]>) -> bool {
        if !self.exists(id, p)
            || filter.is_some_and(|f| !f[id as usize])
            || (p.wasted_only && !self.wasted[id as usize])
        {
            return false;
        }
        let kind = self.kind(id, p.layer);
        // In the layer view an untouched directory only holds what changed.
        let shown = !(p.hidden.hides(kind) || (p.mode == Mode::Layer && kind == Kind::Unmodified));
        shown || (self.is_dir(id, p.layer) && self.shows_below(id, p))
    }
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("nodes", &self.slot.len())
            .field("dirs", &self.stats.len())
            .finish()
    }
}

/// Nodes a finding points at.
fn flagged(analysis: &Analysis) -> Vec<bool> {
    let mut flagged = vec![false; analysis.tree.len()];
    for f in &analysis.findings {
        for &id in &f.nodes {
            if let Some(x) = flagged.get_mut(id as usize) {
                *x = true;
            }
        }
    }
    flagged
}

/// `marked` and every ancestor of a marked node.
fn with_ancestors(tree: &MergedTree, marked: &[bool]) -> Vec<bool> {
    // Parents have smaller ids than their children: one pass upwards.
    let mut out = marked.to_vec();
    for id in (1..out.len()).rev() {
        if out[id] {
            out[tree.node(id as NodeId).parent as usize] = true;
        }
    }
    out
}
