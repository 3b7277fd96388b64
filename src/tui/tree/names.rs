//! The name index: every node's name, ASCII-lowercased, in one buffer in
//! node order, so search and the path filter scan one buffer instead of a
//! million boxed names.

use ballast::tree::{MergedTree, NodeId, ROOT};

/// Every node's name, ASCII-lowercased, `/`-separated, in node order (no
/// name holds a `/`, so no match spans two names).
pub(super) struct Names {
    names: Vec<u8>,
    /// Where each node's name starts in `names`, plus the end.
    name_at: Vec<usize>,
}

/// Case-insensitive (ASCII) substring test.
pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty()
        || hay
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
}

impl Names {
    pub(super) fn new(tree: &MergedTree) -> Names {
        let n = tree.len();
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
        Names { names, name_at }
    }

    /// Nodes whose name contains `pattern` (ASCII case-insensitive), in order.
    pub(super) fn matching(&self, pattern: &[u8]) -> Vec<NodeId> {
        if pattern.contains(&b'/') {
            return Vec::new();
        }
        if pattern.is_empty() {
            return (0..(self.name_at.len() - 1) as NodeId).collect();
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
    pub(super) fn has(&self, id: NodeId, lower: &[u8]) -> bool {
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

/// Nodes whose path contains `pattern`, their ancestors and their descendants.
pub(super) fn filter_mask(tree: &MergedTree, names: &Names, pattern: &str) -> Vec<bool> {
    let n = tree.len();
    let pat = pattern.trim_start_matches('/').as_bytes();
    let last = pat.rsplit(|&b| b == b'/').next().unwrap_or_default();
    let mut named = vec![false; n];
    for id in names.matching(last) {
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
