//! The file tree as the TUI shows it: which rows are visible, in which order,
//! with which size and change kind, for the selected layer and view options.
//!
//! No terminal here (gitui's `filetreelist` is the model): this is a data
//! structure first, so every behaviour is unit-tested without a screen.
//!
//! Speed comes from two choices. [`Model::new`] derives, once, each
//! directory's size, entry count and change counts at every layer where
//! something below it changed (a sparse list per directory, built layer by
//! layer from the nodes' `history`), so a directory's numbers at any layer are
//! a binary search. And [`View`] keeps the flattened list of rows: moving the
//! selection never recomputes it, expanding or collapsing splices one
//! directory's rows in or out, and a full rebuild walks only the expanded
//! directories — never the whole tree — so a million-file image scrolls like a
//! ten-file one and switching layers costs what is on screen (plus what the
//! user expanded).

use std::sync::Arc;

use crate::analysis::Analysis;
use crate::tree::{MergedTree, Meta, Node, NodeId, Op, ROOT};

/// What the selected layer did to a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Unmodified,
    Added,
    Modified,
    Removed,
}

impl From<Op> for Kind {
    fn from(op: Op) -> Kind {
        match op {
            Op::Added => Kind::Added,
            Op::Modified => Kind::Modified,
            Op::Removed => Kind::Removed,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Size,
    Name,
}

/// Aggregated: the filesystem as it stands after the layer; Layer: only what
/// the layer itself changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    #[default]
    Aggregated,
    Layer,
}

/// Change kinds the user has hidden.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Hidden {
    pub added: bool,
    pub modified: bool,
    pub removed: bool,
    pub unmodified: bool,
}

impl Hidden {
    pub fn hides(&self, k: Kind) -> bool {
        match k {
            Kind::Added => self.added,
            Kind::Modified => self.modified,
            Kind::Removed => self.removed,
            Kind::Unmodified => self.unmodified,
        }
    }

    pub fn any(&self) -> bool {
        self.added || self.modified || self.removed || self.unmodified
    }
}

/// Everything that decides what the tree shows, besides expansion.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Params {
    pub layer: usize,
    pub mode: Mode,
    pub sort: Sort,
    pub hidden: Hidden,
    pub filter: Option<String>,
    pub wasted_only: bool,
}

/// A directory's numbers at one layer where something below it changed.
#[derive(Debug, Clone, Copy)]
struct DirStat {
    layer: u16,
    /// Bytes of live regular files below, after this layer.
    size: u64,
    /// Live entries below (any type), after this layer.
    entries: u64,
    /// Bytes this layer added or modified below.
    layer_size: u64,
    added: u32,
    modified: u32,
    removed: u32,
}

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
    /// Every node's name, ASCII-lowercased, `/`-separated, in node order:
    /// search and filter scan this one buffer instead of a million boxed
    /// names (no name holds a `/`, so no match spans two names).
    names: Vec<u8>,
    /// Where each node's name starts in `names`, plus the end.
    name_at: Vec<usize>,
}

impl Model {
    pub fn new(analysis: Arc<Analysis>) -> Model {
        let tree = &analysis.tree;
        let n = tree.len();
        let layers = tree.layer_count();
        let mut slot = vec![u32::MAX; n];
        let mut slots = 0u32;
        for (id, s) in slot.iter_mut().enumerate() {
            if id == ROOT as usize || !tree.node(id as NodeId).children.is_empty() {
                *s = slots;
                slots += 1;
            }
        }
        let mut by_layer: Vec<Vec<(NodeId, u16)>> = vec![Vec::new(); layers];
        for (id, node) in tree.nodes() {
            for (i, c) in node.history.iter().enumerate() {
                if let Some(l) = by_layer.get_mut(c.layer as usize) {
                    l.push((id, i as u16));
                }
            }
        }
        let s = slots as usize;
        let (mut size, mut entries) = (vec![0i128; s], vec![0i64; s]);
        let mut acc = vec![(0u64, 0u32, 0u32, 0u32); s];
        let mut touched_at = vec![u16::MAX; s];
        let mut touched = Vec::new();
        let mut stats: Vec<Vec<DirStat>> = vec![Vec::new(); s];
        for (layer, changes) in by_layer.iter().enumerate() {
            let l = layer as u16;
            touched.clear();
            for &(id, i) in changes {
                let node = tree.node(id);
                let c = &node.history[i as usize];
                let prev = i
                    .checked_sub(1)
                    .map(|p| &node.history[p as usize])
                    .filter(|p| p.op != Op::Removed)
                    .map(|p| &p.meta);
                let now = (c.op != Op::Removed).then_some(&c.meta);
                let file_bytes = |m: Option<&Meta>| {
                    m.filter(|m| m.kind == crate::layer::EntryKind::File)
                        .map_or(0, |m| m.size as i128)
                };
                let dsize = file_bytes(now) - file_bytes(prev);
                let dentries = now.is_some() as i64 - prev.is_some() as i64;
                let lsize = file_bytes(now) as u64;
                let mut p = node.parent;
                loop {
                    let sl = slot[p as usize] as usize;
                    size[sl] += dsize;
                    entries[sl] += dentries;
                    if touched_at[sl] != l {
                        touched_at[sl] = l;
                        acc[sl] = (0, 0, 0, 0);
                        touched.push(sl);
                    }
                    let a = &mut acc[sl];
                    a.0 += lsize;
                    match c.op {
                        Op::Added => a.1 += 1,
                        Op::Modified => a.2 += 1,
                        Op::Removed => a.3 += 1,
                    }
                    if p == ROOT {
                        break;
                    }
                    p = tree.node(p).parent;
                }
            }
            for &sl in &touched {
                let a = acc[sl];
                stats[sl].push(DirStat {
                    layer: l,
                    size: size[sl].max(0) as u64,
                    entries: entries[sl].max(0) as u64,
                    layer_size: a.0,
                    added: a.1,
                    modified: a.2,
                    removed: a.3,
                });
            }
        }
        let mut flagged = vec![false; n];
        for f in &analysis.findings {
            for &id in &f.nodes {
                if let Some(x) = flagged.get_mut(id as usize) {
                    *x = true;
                }
            }
        }
        // Parents have smaller ids than their children: one pass upwards.
        let mut wasted = flagged.clone();
        for id in (1..n).rev() {
            if wasted[id] {
                wasted[tree.node(id as NodeId).parent as usize] = true;
            }
        }
        let mut names = Vec::new();
        let mut name_at = Vec::with_capacity(n + 1);
        // Indexed by node id: the root (no name) too.
        for id in 0..n {
            name_at.push(names.len());
            let name = &tree.node(id as NodeId).name;
            names.extend(name.iter().map(u8::to_ascii_lowercase));
            names.push(b'/');
        }
        name_at.push(names.len());
        Model {
            slot,
            stats,
            flagged,
            wasted,
            names,
            name_at,
            analysis,
        }
    }

    /// Nodes whose name contains `pattern` (ASCII case-insensitive), in order.
    pub fn matching(&self, pattern: &[u8]) -> Vec<NodeId> {
        if pattern.contains(&b'/') {
            return Vec::new();
        }
        if pattern.is_empty() {
            return (0..self.tree().len() as NodeId).collect();
        }
        let pat = pattern.to_ascii_lowercase();
        let finder = memchr::memmem::Finder::new(&pat);
        let mut out: Vec<NodeId> = Vec::new();
        let (mut pos, mut id) = (0, 0);
        while let Some(off) = finder.find(&self.names[pos..]) {
            let at = pos + off;
            // Names are in node order: walk forward to the one holding `at`,
            // then look on from the next name.
            while self.name_at[id + 1] <= at {
                id += 1;
            }
            out.push(id as NodeId);
            pos = self.name_at[id + 1];
        }
        out
    }

    /// Whether node `id`'s name contains `lower` (already lowercased).
    pub fn name_has(&self, id: NodeId, lower: &[u8]) -> bool {
        let i = id as usize;
        match (self.name_at.get(i), self.name_at.get(i + 1)) {
            (Some(&a), Some(&b)) => {
                let name = &self.names[a..b - 1];
                lower.is_empty() || name.windows(lower.len()).any(|w| w == lower)
            }
            _ => false,
        }
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
    fn stat(&self, id: NodeId, layer: usize) -> Option<(&DirStat, bool)> {
        let sl = *self.slot.get(id as usize)?;
        let list = self.stats.get(sl as usize)?;
        let i = list.partition_point(|s| s.layer as usize <= layer);
        let s = list.get(i.checked_sub(1)?)?;
        Some((s, s.layer as usize == layer))
    }

    /// Whether nothing below directory `id` changes in the layers `lo..=hi`:
    /// then its rows (sizes, kinds, visibility) are the same at `lo` and `hi`.
    fn still_between(&self, id: NodeId, lo: usize, hi: usize) -> bool {
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

    fn visible(&self, id: NodeId, p: &Params, filter: Option<&[bool]>) -> bool {
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

/// One line of the tree pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    pub node: NodeId,
    pub depth: u16,
    pub size: u64,
    pub kind: Kind,
    pub dir: bool,
    pub expanded: bool,
}

/// Case-insensitive (ASCII) substring test.
pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty()
        || hay
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
}

/// Most search matches revealed (their directories expanded) at once.
pub const MAX_REVEAL: usize = 500;

/// The tree pane's state: options, expansion, and the flattened rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct View {
    pub params: Params,
    expanded: Vec<bool>,
    filter_mask: Option<Vec<bool>>,
    /// Shared with a background rebuild, which reuses what did not change.
    pub rows: Arc<Vec<Row>>,
    pub selected: usize,
    pub search: Option<String>,
    /// Bumped whenever the expanded set changes, so a view computed in the
    /// background from an older expansion can be recognised as stale.
    pub revision: u64,
}

impl View {
    pub fn new(m: &Model, params: Params) -> View {
        let mut v = View {
            params,
            expanded: vec![false; m.tree().len()],
            ..View::default()
        };
        v.rebuild(m);
        v
    }

    /// What a background rebuild starts from (the rows are shared, not copied).
    pub fn snapshot(&self) -> View {
        View {
            params: self.params.clone(),
            expanded: self.expanded.clone(),
            filter_mask: self.filter_mask.clone(),
            rows: self.rows.clone(),
            selected: self.selected,
            search: self.search.clone(),
            revision: self.revision,
        }
    }

    /// Apply `params`, or rebuild with the current ones.
    pub fn refresh(&mut self, m: &Model, params: Params) {
        if params == self.params {
            self.rebuild(m);
        } else {
            self.set_params(m, params);
        }
    }

    pub fn selected_node(&self) -> Option<NodeId> {
        self.rows.get(self.selected).map(|r| r.node)
    }

    pub fn is_expanded(&self, id: NodeId) -> bool {
        self.expanded.get(id as usize).copied().unwrap_or(false)
    }

    /// The visible children of `parent` in display order, with their sizes.
    fn children(&self, m: &Model, parent: NodeId) -> Vec<(NodeId, u64)> {
        let p = &self.params;
        let filter = self.filter_mask.as_deref();
        let mut kids: Vec<(NodeId, u64)> = m
            .node(parent)
            .children
            .iter()
            .copied()
            .filter(|&c| m.visible(c, p, filter))
            .map(|c| (c, m.size(c, p)))
            .collect();
        // Children arrive sorted by name (`MergedTree::sort_children`).
        if p.sort == Sort::Size {
            kids.sort_by_key(|k| std::cmp::Reverse(k.1));
        }
        kids
    }

    /// The rows below `parent` (its visible children, and theirs where expanded).
    fn rows_below(&self, m: &Model, parent: NodeId, depth: u16, out: &mut Vec<Row>) {
        self.rows_below_reusing(m, parent, depth, None, out);
    }

    /// As [`View::rows_below`], copying from `reuse` the rows below every
    /// expanded directory whose subtree did not change between its layer and
    /// this view's: a layer switch on a fully expanded tree then costs what
    /// changed between the two layers, not the whole tree.
    fn rows_below_reusing(
        &self,
        m: &Model,
        parent: NodeId,
        depth: u16,
        reuse: Option<&Reuse<'_>>,
        out: &mut Vec<Row>,
    ) {
        let mut stack: Vec<(std::vec::IntoIter<(NodeId, u64)>, u16)> =
            vec![(self.children(m, parent).into_iter(), depth)];
        while let Some((iter, d)) = stack.last_mut() {
            let d = *d;
            let Some((id, size)) = iter.next() else {
                stack.pop();
                continue;
            };
            let dir = m.is_dir(id, self.params.layer) && !m.node(id).children.is_empty();
            let expanded = dir && self.is_expanded(id);
            out.push(Row {
                node: id,
                depth: d,
                size,
                kind: m.kind(id, self.params.layer),
                dir,
                expanded,
            });
            if expanded {
                if let Some(old) = reuse.and_then(|r| r.below(m, id, d)) {
                    out.extend_from_slice(old);
                } else {
                    stack.push((self.children(m, id).into_iter(), d + 1));
                }
            }
        }
    }

    /// Recompute the rows, keeping the selection on the same node if it stays.
    pub fn rebuild(&mut self, m: &Model) {
        self.rebuild_from(m, None);
    }

    /// Recompute the rows; `before` is the layer the current rows were built
    /// for, when nothing else about them differs (a layer switch), so that
    /// unchanged subtrees can be copied.
    fn rebuild_from(&mut self, m: &Model, before: Option<usize>) {
        let keep = self.selected_node();
        let mut rows = Vec::with_capacity(self.rows.len());
        let reuse = before
            .filter(|_| self.params.mode == Mode::Aggregated && !self.rows.is_empty())
            .map(|layer| Reuse::new(m, &self.rows, layer, self.params.layer));
        self.rows_below_reusing(m, ROOT, 0, reuse.as_ref(), &mut rows);
        drop(reuse);
        self.rows = Arc::new(rows);
        self.selected = keep
            .and_then(|id| self.rows.iter().position(|r| r.node == id))
            .unwrap_or(self.selected)
            .min(self.rows.len().saturating_sub(1));
    }

    /// Apply new options (layer, mode, sort, hidden kinds, wasted-only).
    pub fn set_params(&mut self, m: &Model, params: Params) {
        if params != self.params {
            let filter_changed = params.filter != self.params.filter;
            let only_layer = Params {
                layer: params.layer,
                ..self.params.clone()
            } == params;
            let before = only_layer.then_some(self.params.layer);
            self.params = params;
            if filter_changed {
                self.filter_mask = self.params.filter.as_deref().map(|f| filter_mask(m, f));
            }
            self.rebuild_from(m, before);
        }
    }

    /// Where the rows below the row at `i` end.
    fn subtree_end(&self, i: usize) -> usize {
        let depth = self.rows[i].depth;
        self.rows[i + 1..]
            .iter()
            .position(|r| r.depth <= depth)
            .map_or(self.rows.len(), |p| i + 1 + p)
    }

    pub fn expand(&mut self, m: &Model) {
        let i = self.selected;
        let Some(row) = self.rows.get(i).copied() else {
            return;
        };
        if !row.dir || row.expanded {
            return;
        }
        self.expanded[row.node as usize] = true;
        self.revision += 1;
        let mut below = Vec::new();
        self.rows_below(m, row.node, row.depth + 1, &mut below);
        let rows = Arc::make_mut(&mut self.rows);
        rows[i].expanded = true;
        rows.splice(i + 1..i + 1, below);
    }

    pub fn collapse(&mut self) {
        let i = self.selected;
        let Some(row) = self.rows.get(i).copied() else {
            return;
        };
        if !row.expanded {
            // On a file or a closed directory: go to the parent.
            if let Some(p) = self.rows[..i].iter().rposition(|r| r.depth < row.depth) {
                self.selected = p;
            }
            return;
        }
        let end = self.subtree_end(i);
        self.expanded[row.node as usize] = false;
        self.revision += 1;
        let rows = Arc::make_mut(&mut self.rows);
        rows[i].expanded = false;
        rows.drain(i + 1..end);
    }

    pub fn toggle(&mut self, m: &Model) {
        match self.rows.get(self.selected) {
            Some(r) if r.expanded => self.collapse(),
            Some(_) => self.expand(m),
            None => {}
        }
    }

    /// Mark every directory expanded; the caller rebuilds (here or in the background).
    pub fn expand_all_marks(&mut self, m: &Model) {
        for (id, node) in m.tree().nodes() {
            if !node.children.is_empty() {
                self.expanded[id as usize] = true;
            }
        }
        self.revision += 1;
    }

    /// Open or close one directory without rebuilding (tests set up views so).
    #[cfg(test)]
    pub fn mark(&mut self, id: NodeId, open: bool) {
        self.expanded[id as usize] = open;
        self.revision += 1;
    }

    pub fn collapse_all_marks(&mut self) {
        self.expanded.iter_mut().for_each(|e| *e = false);
        self.revision += 1;
    }

    pub fn expand_all(&mut self, m: &Model) {
        self.expand_all_marks(m);
        self.rebuild(m);
    }

    /// Expand `id`'s ancestors, rebuild, and select it if shown.
    pub fn reveal(&mut self, m: &Model, id: NodeId) -> bool {
        self.open_ancestors(m, id);
        self.rebuild(m);
        match self.rows.iter().position(|r| r.node == id) {
            Some(i) => {
                self.selected = i;
                true
            }
            None => false,
        }
    }

    fn open_ancestors(&mut self, m: &Model, id: NodeId) {
        self.revision += 1;
        let mut p = m.node(id).parent;
        while p != ROOT {
            self.expanded[p as usize] = true;
            p = m.node(p).parent;
        }
    }

    /// Start a search: reveal up to [`MAX_REVEAL`] matching nodes and select
    /// the first after the selection. Returns how many nodes match.
    pub fn search(&mut self, m: &Model, pattern: &str) -> usize {
        self.search = Some(pattern.to_string()).filter(|p| !p.is_empty());
        let Some(pat) = self.search.clone() else {
            return 0;
        };
        let filter = self.filter_mask.as_deref();
        let mut reveal = Vec::new();
        let mut found = 0;
        for id in m.matching(pat.as_bytes()) {
            if id != ROOT && m.visible(id, &self.params, filter) {
                found += 1;
                if found <= MAX_REVEAL {
                    reveal.push(id);
                }
            }
        }
        for id in reveal {
            self.open_ancestors(m, id);
        }
        self.rebuild(m);
        let n = self.rows.len();
        if found > 0 && n > 0 {
            // Start one row up, so the selected row itself counts.
            self.selected = (self.selected + n - 1) % n;
            self.next_match(m, true);
        }
        found
    }

    /// Move to the next (or previous) row whose name matches the search.
    pub fn next_match(&mut self, m: &Model, forward: bool) -> bool {
        let Some(pat) = self.search.as_deref() else {
            return false;
        };
        let n = self.rows.len();
        if n == 0 {
            return false;
        }
        let pat = pat.as_bytes().to_ascii_lowercase();
        for step in 1..=n {
            let i = if forward {
                (self.selected + step) % n
            } else {
                (self.selected + n - step % n) % n
            };
            if m.name_has(self.rows[i].node, &pat) {
                self.selected = i;
                return true;
            }
        }
        false
    }

    pub fn is_match(&self, m: &Model, id: NodeId) -> bool {
        self.search
            .as_deref()
            .is_some_and(|p| contains(&m.node(id).name, p.as_bytes()))
    }
}

/// The rows of the previous build, indexed by the expanded directories in them.
struct Reuse<'a> {
    rows: &'a [Row],
    /// Row index of each expanded directory, by node; `u32::MAX` if none.
    at: Vec<u32>,
    lo: usize,
    hi: usize,
}

impl<'a> Reuse<'a> {
    fn new(m: &Model, rows: &'a [Row], from: usize, to: usize) -> Reuse<'a> {
        let mut at = vec![u32::MAX; m.tree().len()];
        for (i, r) in rows.iter().enumerate() {
            if r.expanded {
                at[r.node as usize] = i as u32;
            }
        }
        Reuse {
            rows,
            at,
            lo: from.min(to),
            hi: from.max(to),
        }
    }

    /// The old rows below directory `id` (shown at `depth`), if they still hold.
    fn below(&self, m: &Model, id: NodeId, depth: u16) -> Option<&'a [Row]> {
        let i = *self.at.get(id as usize)? as usize;
        let row = self.rows.get(i)?;
        if row.depth != depth || !m.still_between(id, self.lo, self.hi) {
            return None;
        }
        let end = self.rows[i + 1..]
            .iter()
            .position(|r| r.depth <= depth)
            .map_or(self.rows.len(), |p| i + 1 + p);
        Some(&self.rows[i + 1..end])
    }
}

/// Nodes whose path contains `pattern`, their ancestors and their descendants.
fn filter_mask(m: &Model, pattern: &str) -> Vec<bool> {
    let tree = m.tree();
    let n = tree.len();
    let pat = pattern.trim_start_matches('/').as_bytes();
    let last = pat.rsplit(|&b| b == b'/').next().unwrap_or_default();
    let mut named = vec![false; n];
    for id in m.matching(last) {
        named[id as usize] = true;
    }
    let mut hit = vec![false; n];
    hit[ROOT as usize] = true;
    // Parents come before children: a match passes down in one forward pass.
    for (id, node) in tree.nodes() {
        let inherited = node.parent != ROOT && hit[node.parent as usize];
        hit[id as usize] = inherited
            || (named[id as usize] && (last.len() == pat.len() || contains(&tree.path(id), pat)));
    }
    let mut mask = hit;
    for id in (1..n).rev() {
        if mask[id] {
            mask[tree.node(id as NodeId).parent as usize] = true;
        }
    }
    mask
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("nodes", &self.slot.len())
            .field("dirs", &self.stats.len())
            .finish()
    }
}
