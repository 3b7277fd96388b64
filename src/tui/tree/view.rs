//! [`View`]: the tree pane's rows, kept flattened so that moving the
//! selection costs nothing and expanding splices one directory's rows.

use std::sync::Arc;

use super::model::Model;
use super::names::Found;
use super::params::{Mode, Params, Row, Sort};
use super::pattern::Pattern;
use super::reuse::Reuse;
use ballast::tree::{NodeId, ROOT};

/// The tree pane's state: options, expansion, and the flattened rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct View {
    pub params: Params,
    pub(super) expanded: Vec<bool>,
    /// What the filter (`params.filter`) matches.
    pub(crate) filter: Option<Arc<Found>>,
    /// What the search matches.
    pub(crate) found: Option<Arc<Found>>,
    /// The rows that are matches of the search, else of the filter.
    pub(super) match_rows: Vec<u32>,
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
            filter: self.filter.clone(),
            found: self.found.clone(),
            match_rows: self.match_rows.clone(),
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
        let filter = self.filter.as_ref().map(|f| f.mask.as_slice());
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
            let (kind, removed_in) = m.mark(id, &self.params);
            out.push(Row {
                node: id,
                depth: d,
                size,
                kind,
                dir,
                expanded,
                removed_in,
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
        self.index_matches();
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
                self.filter = (self.params.filter.as_deref())
                    .and_then(|f| Pattern::parse(f).ok())
                    .map(|p| Arc::new(m.find(&p)));
            }
            // Whatever is shown now, its matches are revealed.
            self.reveal_matches(m);
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
        self.index_matches();
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
        self.index_matches();
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

    /// Open every directory above `id`.
    pub(super) fn open_ancestors(&mut self, m: &Model, id: NodeId) {
        self.revision += 1;
        self.open_above(m, id);
    }

    /// Open every directory above `id`, leaving the revision (a view
    /// computed in the background opens its filter's matches so).
    pub(super) fn open_above(&mut self, m: &Model, id: NodeId) {
        let mut p = m.node(id).parent;
        while p != ROOT {
            self.expanded[p as usize] = true;
            p = m.node(p).parent;
        }
    }
}
