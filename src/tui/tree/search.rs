//! Finding nodes by name: the search that reveals matches, `n`/`N`, and the
//! path filter's mask. Both scan the model's one lowercased name buffer.

use super::{MAX_REVEAL, Model, View, contains};
use crate::tree::{NodeId, ROOT};

impl Model {
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
}

impl View {
    pub(super) fn open_ancestors(&mut self, m: &Model, id: NodeId) {
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

/// Nodes whose path contains `pattern`, their ancestors and their descendants.
pub(super) fn filter_mask(m: &Model, pattern: &str) -> Vec<bool> {
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
