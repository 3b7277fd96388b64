//! [`Model`]: what the view needs to know about every node, derived once
//! from the analysis and shared by every view (and the background worker).

use std::sync::Arc;

use super::names::{Found, Names, find};
use super::params::{Kind, Mode, Params};
use super::pattern::Pattern;
use super::stats::{DirStat, DirStats, dir_stats};
use ballast::analysis::Analysis;
use ballast::layer::EntryKind;
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
    /// Bytes of the flagged live files below each directory (what `w`
    /// shows as a directory's live waste; its hidden bytes come on top).
    flagged_below: Vec<u64>,
    /// Every node's name, lowercased, for search and the path filter.
    names: Names,
    /// Regular files each layer added or modified (directories, links and
    /// whiteouts not counted).
    layer_files: Vec<u64>,
}

impl Model {
    pub fn new(analysis: Arc<Analysis>) -> Model {
        let tree = &analysis.tree;
        let DirStats { slot, stats } = dir_stats(tree);
        let flagged = flagged(&analysis);
        let wasted = with_ancestors(tree, &flagged);
        let flagged_below = bytes_below(tree, &flagged);
        let names = Names::new(tree);
        let layer_files = layer_files(tree);
        Model {
            slot,
            stats,
            flagged,
            wasted,
            flagged_below,
            names,
            layer_files,
            analysis,
        }
    }

    /// Regular files layer `layer` added or modified.
    pub fn layer_files(&self, layer: usize) -> u64 {
        self.layer_files.get(layer).copied().unwrap_or(0)
    }

    /// The bytes of the node's versions that layers up to `layer` deleted or
    /// overwrote (for a directory, of everything below it), and the last
    /// layer that deleted or overwrote the node itself, with how.
    pub fn hidden(&self, id: NodeId, layer: usize) -> (u64, Option<(u16, Op)>) {
        let mut bytes = 0;
        let mut last = None;
        for w in self.node(id).history.windows(2) {
            let (prev, c) = (&w[0], &w[1]);
            if c.layer as usize > layer {
                break;
            }
            if prev.op != Op::Removed {
                if prev.meta.kind == EntryKind::File {
                    bytes += prev.meta.size;
                }
                last = Some((c.layer, c.op));
            }
        }
        if self.slot.get(id as usize).is_some_and(|&s| s != u32::MAX) {
            bytes = self.stat(id, layer).map_or(0, |(s, _)| s.hidden);
        }
        (bytes, last)
    }

    /// Whether the node holds bytes that layers up to `layer` hid.
    fn shows_hidden(&self, id: NodeId, layer: usize) -> bool {
        let (bytes, last) = self.hidden(id, layer);
        bytes > 0 || last.is_some_and(|(_, op)| op == Op::Removed)
    }

    /// Whether the node is there to show at `p.layer` in `p.mode` (hidden
    /// bytes aside).
    fn present(&self, id: NodeId, p: &Params) -> bool {
        p.mode != Mode::Hidden && self.exists(id, p) && (!p.wasted_only || self.wasted[id as usize])
    }

    /// Whether the row shows the node's hidden bytes: the hidden mode's
    /// rows, and under `w` what is no longer there.
    fn shows_hidden_bytes(&self, id: NodeId, p: &Params) -> bool {
        (p.mode == Mode::Hidden || p.wasted_only) && !self.present(id, p)
    }

    /// The change kind a row shows, and the layer that hid its bytes when it
    /// shows hidden bytes.
    pub fn mark(&self, id: NodeId, p: &Params) -> (Kind, Option<u16>) {
        if !self.shows_hidden_bytes(id, p) {
            return (self.kind(id, p.layer), None);
        }
        match self.hidden(id, p.layer).1 {
            Some((layer, op)) => (op.into(), Some(layer)),
            None => (Kind::Unmodified, None),
        }
    }

    /// Nodes whose name contains `pattern` (ASCII case-insensitive), in order.
    #[cfg(test)]
    pub fn matching(&self, pattern: &[u8]) -> Vec<NodeId> {
        self.names.matching(pattern)
    }

    /// What `pattern` matches in the tree.
    pub fn find(&self, pattern: &Pattern) -> Found {
        find(self.tree(), &self.names, pattern)
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

    /// As [`Model::meta`], else the node's last version up to `layer` (a
    /// row of hidden bytes shows what was removed or overwritten).
    pub fn meta_or_last(&self, id: NodeId, layer: usize) -> Option<&Meta> {
        self.meta(id, layer).or_else(|| {
            let h = &self.node(id).history;
            h.iter()
                .rev()
                .find(|c| c.layer as usize <= layer)
                .map(|c| &c.meta)
        })
    }

    /// Whether the node is a directory at `layer` (or was, when last removed).
    pub fn is_dir(&self, id: NodeId, layer: usize) -> bool {
        id == ROOT || self.meta_or_last(id, layer).is_some_and(Meta::is_dir)
    }

    fn exists(&self, id: NodeId, p: &Params) -> bool {
        let node = self.node(id);
        match p.mode {
            Mode::Hidden => false,
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

    /// Bytes shown for the node: a directory's total below, a file's size;
    /// what was hidden where the row shows hidden bytes.
    pub fn size(&self, id: NodeId, p: &Params) -> u64 {
        if self.shows_hidden_bytes(id, p) {
            return self.hidden(id, p.layer).0;
        }
        if self.is_dir(id, p.layer) {
            if self.kind(id, p.layer) == Kind::Removed {
                // What the layer removed: the directory as the layer below left it.
                let below = p.layer.checked_sub(1);
                return below
                    .and_then(|l| self.stat(id, l))
                    .map_or(0, |(s, _)| s.size);
            }
            if p.wasted_only {
                let flagged = self.flagged_below.get(id as usize).copied().unwrap_or(0);
                return flagged + self.hidden(id, p.layer).0;
            }
            return match (p.mode, self.stat(id, p.layer)) {
                (Mode::Aggregated, Some((s, _))) => s.size,
                (Mode::Layer, Some((s, true))) => s.layer_size,
                _ => 0,
            };
        }
        match p.mode {
            Mode::Layer => self.node(id).change_in(p.layer).map_or(0, |c| c.meta.size),
            _ => self.meta(id, p.layer).map_or(0, |m| m.size),
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
        if filter.is_some_and(|f| !f[id as usize]) {
            return false;
        }
        if !self.present(id, p) {
            // Hidden bytes: the hidden mode's rows, and the waste `w` shows.
            return (p.mode == Mode::Hidden || p.wasted_only) && self.shows_hidden(id, p.layer);
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

/// Nodes a finding points at: its live files and the paths it names.
fn flagged(analysis: &Analysis) -> Vec<bool> {
    let tree = &analysis.tree;
    let mut flagged = vec![false; tree.len()];
    for f in &analysis.findings {
        let named = f
            .paths
            .iter()
            .filter_map(|p| p.path.as_deref())
            .map(|p| p.trim_start_matches('/').as_bytes())
            .filter_map(|p| tree.lookup(p).or_else(|| tree.resolve(p)))
            .filter(|&id| id != ROOT);
        for id in f.nodes.iter().copied().chain(named) {
            if let Some(x) = flagged.get_mut(id as usize) {
                *x = true;
            }
        }
    }
    flagged
}

/// For each node, the bytes of the marked live files below it.
fn bytes_below(tree: &MergedTree, marked: &[bool]) -> Vec<u64> {
    let mut out = vec![0; tree.len()];
    // Children have larger ids than their parents: one pass upwards.
    for id in (1..tree.len()).rev() {
        let node = tree.node(id as NodeId);
        let own = match node.live() {
            Some(m) if marked[id] && m.kind == EntryKind::File => m.size,
            _ => 0,
        };
        out[node.parent as usize] += own + out[id];
    }
    out
}

/// Regular files each layer added or modified.
fn layer_files(tree: &MergedTree) -> Vec<u64> {
    let mut files = vec![0; tree.layer_count()];
    for (_, node) in tree.nodes() {
        for c in &node.history {
            let file = matches!(c.meta.kind, EntryKind::File | EntryKind::HardLink);
            if file
                && c.op != Op::Removed
                && let Some(n) = files.get_mut(c.layer as usize)
            {
                *n += 1;
            }
        }
    }
    files
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
