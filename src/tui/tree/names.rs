//! The name index: every node's name, ASCII-lowercased, in one buffer in
//! node order, so search and the path filter scan one buffer instead of a
//! million boxed names.

use super::pattern::Pattern;
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
}

/// What a pattern found in the tree.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found {
    /// The nodes whose full path matches and whose parent's does not (the
    /// shallowest node where the match shows), in node order.
    pub nodes: Vec<NodeId>,
    /// `nodes` as a mask by node id.
    pub direct: Vec<bool>,
    /// The matches, everything below them and everything above them: what
    /// the filter shows.
    pub mask: Vec<bool>,
}

/// Every node `pattern` matches (see [`Found`]).
pub(super) fn find(tree: &MergedTree, names: &Names, pattern: &Pattern) -> Found {
    let n = tree.len();
    // Substrings: the match ends in the node's own name, so only nodes whose
    // name holds the pattern's last part can match; the index finds them.
    let candidates = pattern.name_part().map(|last| {
        let mut named = vec![false; n];
        for id in names.matching(last) {
            named[id as usize] = true;
        }
        named
    });
    let mut hit = vec![false; n];
    let mut direct = vec![false; n];
    let mut nodes = Vec::new();
    // Depth first, each path built on its parent's in one buffer: a node
    // costs its own name, not a walk up to the root and two allocations
    // (a regex or glob reads every node's path, on every keystroke).
    let mut path = vec![b'/'];
    // (node, length of its parent's path)
    let mut stack: Vec<(NodeId, usize)> =
        (tree.node(ROOT).children.iter()).map(|&c| (c, 1)).collect();
    while let Some((id, at)) = stack.pop() {
        let node = tree.node(id);
        path.truncate(at);
        if at > 1 {
            path.push(b'/');
        }
        path.extend_from_slice(&node.name);
        stack.extend(node.children.iter().map(|&c| (c, path.len())));
        // A match passes down to everything below it.
        if node.parent != ROOT && hit[node.parent as usize] {
            hit[id as usize] = true;
            continue;
        }
        if candidates.as_ref().is_some_and(|c| !c[id as usize]) {
            continue;
        }
        if pattern.is_match(&path) {
            hit[id as usize] = true;
            direct[id as usize] = true;
            nodes.push(id);
        }
    }
    nodes.sort_unstable();
    let mut mask = hit;
    mask[ROOT as usize] = true;
    for id in (1..n).rev() {
        if mask[id] {
            mask[tree.node(id as NodeId).parent as usize] = true;
        }
    }
    Found {
        nodes,
        direct,
        mask,
    }
}

#[cfg(test)]
mod tests {
    use super::{Pattern, ROOT};
    use crate::tui::tests::model;

    /// `find` builds paths depth first; it must match what checking each
    /// node's full path one by one finds.
    #[test]
    fn find_agrees_with_matching_every_path_on_its_own() {
        let m = model();
        let tree = m.tree();
        for text in [
            "g:*.deb",
            "re:^/app",
            "r:/.git/",
            "g:/var/**",
            "lib",
            "p",
            "nothing",
        ] {
            let pattern = Pattern::parse(text).expect("valid");
            let found = m.find(&pattern);
            let mut expect = Vec::new();
            for (id, node) in tree.nodes() {
                let full = |id| [b"/".as_slice(), &tree.path(id)].concat();
                let above =
                    std::iter::successors(Some(node.parent), |&p| Some(tree.node(p).parent))
                        .take_while(|&p| p != ROOT)
                        .any(|p| pattern.is_match(&full(p)));
                if !above && pattern.is_match(&full(id)) {
                    expect.push(id);
                }
            }
            assert_eq!(found.nodes, expect, "{text}");
            assert!(!found.nodes.is_empty() || text == "nothing", "{text}");
        }
    }
}
