//! Waste: bytes shipped that no one sees or needs twice. `deleted-later` and
//! `overwritten` (file versions a later layer hid) and `duplicate-content`
//! (identical live files).

use std::collections::BTreeMap;

use super::{Finding, FindingPath, Input, finding, human, main_layer};
use crate::layer::EntryKind;
use crate::layer::path::display;
use crate::tree::{MergedTree, NodeId, Op, ROOT};
use crate::vocab::{Category, Rule, Severity};

/// `deleted-later` and `overwritten`: every file version that a later layer
/// removed or replaced. Its bytes are shipped on every pull and seen by no one.
pub(super) fn hidden_versions(input: &Input, out: &mut Vec<Finding>) {
    let hidden = HiddenVersions::collect(input.tree);
    for ((added, removed), roots) in hidden.deleted {
        out.push(deleted_later(input, added, removed, roots));
    }
    for ((added, replaced), (files, identical)) in hidden.overwritten {
        out.push(overwritten(input, added, replaced, files, identical));
    }
}

/// (layer that added the version, layer that removed or replaced it).
type LayerPair = (usize, usize);

/// The hidden file versions, grouped by the pair of layers involved.
struct HiddenVersions {
    /// Root path the whiteout named -> bytes below it.
    deleted: BTreeMap<LayerPair, BTreeMap<NodeId, u64>>,
    /// File -> bytes, and whether every rewrite kept the content.
    overwritten: BTreeMap<LayerPair, (BTreeMap<NodeId, u64>, bool)>,
}

impl HiddenVersions {
    fn collect(tree: &MergedTree) -> HiddenVersions {
        let mut deleted: BTreeMap<LayerPair, BTreeMap<NodeId, u64>> = BTreeMap::new();
        let mut overwritten: BTreeMap<LayerPair, (BTreeMap<NodeId, u64>, bool)> = BTreeMap::new();
        for (id, node) in tree.nodes() {
            for pair in node.history.windows(2) {
                let (version, next) = (&pair[0], &pair[1]);
                if version.op == Op::Removed
                    || version.meta.kind != EntryKind::File
                    || version.meta.size == 0
                {
                    continue;
                }
                let key = (version.layer as usize, next.layer as usize);
                match next.op {
                    Op::Removed => {
                        let root = removal_root(tree, id, next.layer as usize);
                        *deleted.entry(key).or_default().entry(root).or_default() +=
                            version.meta.size;
                    }
                    _ => {
                        let identical = next.meta.kind == EntryKind::File
                            && next.meta.size == version.meta.size
                            && next.meta.has_content()
                            && next.meta.content == version.meta.content;
                        let slot = overwritten.entry(key).or_insert((BTreeMap::new(), true));
                        *slot.0.entry(id).or_default() += version.meta.size;
                        slot.1 &= identical;
                    }
                }
            }
        }
        HiddenVersions {
            deleted,
            overwritten,
        }
    }
}

/// `deleted-later`: what `removed` deleted of the files `added` wrote.
fn deleted_later(
    input: &Input,
    added: usize,
    removed: usize,
    roots: BTreeMap<NodeId, u64>,
) -> Finding {
    let tree = input.tree;
    let bytes: u64 = roots.values().sum();
    let paths: Vec<FindingPath> = roots
        .iter()
        .map(|(&id, &b)| FindingPath {
            deleted_in: Some(removed),
            ..FindingPath::file(display(&tree.path(id)), b)
        })
        .collect();
    let top = paths
        .iter()
        .max_by_key(|p| p.bytes)
        .and_then(|p| p.path.as_deref())
        .unwrap_or_default();
    let more = if paths.len() > 1 {
        format!(" and {} more", paths.len() - 1)
    } else {
        String::new()
    };
    let advice = format!(
        "{} deletes {top}{more} ({}) added by {}: deleting in a later layer does not shrink the image. \
         Don't add it, or create and delete it in one RUN (or in a build stage, or with RUN --mount=type=cache)",
        input.step(removed),
        human(bytes),
        input.step(added),
    );
    finding(
        Rule::DeletedLater,
        Category::Waste,
        Severity::Medium,
        bytes,
        input.layer(added),
        paths,
        advice,
        Vec::new(),
    )
}

/// `overwritten`: the files `added` wrote that `replaced` wrote again.
fn overwritten(
    input: &Input,
    added: usize,
    replaced: usize,
    files: BTreeMap<NodeId, u64>,
    identical: bool,
) -> Finding {
    let tree = input.tree;
    let bytes: u64 = files.values().sum();
    let paths: Vec<FindingPath> = files
        .iter()
        .map(|(&id, &b)| FindingPath {
            replaced_in: Some(replaced),
            ..FindingPath::file(display(&tree.path(id)), b)
        })
        .collect();
    let why = if identical {
        "with identical content: a chmod, chown or touch copies the whole file into the new layer. \
         Set ownership and mode where the file is created (COPY --chown/--chmod, or in the same RUN)"
    } else {
        "the first copy is still shipped. Write each file once, in its final form, or build it in a stage \
         and COPY only the result"
    };
    let advice = format!(
        "{} rewrites {} file(s) ({}) that {} added, {why}",
        input.step(replaced),
        paths.len(),
        human(bytes),
        input.step(added)
    );
    finding(
        Rule::Overwritten,
        Category::Waste,
        Severity::Low,
        bytes,
        input.layer(added),
        paths,
        advice,
        Vec::new(),
    )
}

/// The highest ancestor of `id` that `layer` also removed: the directory the
/// whiteout (or opaque marker) named.
fn removal_root(tree: &MergedTree, id: NodeId, layer: usize) -> NodeId {
    let mut cur = id;
    loop {
        let parent = tree.node(cur).parent;
        let removed_too = parent != ROOT
            && tree
                .node(parent)
                .change_in(layer)
                .is_some_and(|c| c.op == Op::Removed);
        if !removed_too {
            return cur;
        }
        cur = parent;
    }
}

/// `duplicate-content`: live files with identical content (hard links excluded:
/// they share one copy). All but the first copy of each are reclaimable.
pub(super) fn duplicates(input: &Input, out: &mut Vec<Finding>) {
    let tree = input.tree;
    // Sorted rather than hashed: a million files cost 32 bytes each here,
    // not a hash table of small vectors.
    let mut files: Vec<([u64; 2], u64, NodeId)> = tree
        .nodes()
        .filter(|(_, node)| !is_licence(&node.name))
        .filter_map(|(id, node)| {
            let m = node.live()?;
            (m.kind == EntryKind::File && m.size > 0 && m.has_content())
                .then_some((m.content, m.size, id))
        })
        .collect();
    files.sort_unstable();
    let mut groups: Vec<(_, Vec<NodeId>)> = files
        .chunk_by(|a, b| (a.0, a.1) == (b.0, b.1))
        .filter(|run| run.len() > 1)
        .map(|run| ((run[0].0, run[0].1), run.iter().map(|f| f.2).collect()))
        .collect();
    drop(files);
    let mut paths = Vec::new();
    let mut files = Vec::new();
    let mut example = None;
    groups.sort_by_key(|((_, size), ids)| std::cmp::Reverse(size * (ids.len() as u64 - 1)));
    for ((_, size), mut ids) in groups {
        ids.sort_by_key(|&id| tree.path(id));
        let original = display(&tree.path(ids[0]));
        for &copy in &ids[1..] {
            let path = display(&tree.path(copy));
            example.get_or_insert_with(|| format!("{path} is a copy of {original}"));
            paths.push(FindingPath::file(path, size));
            files.push((copy, size));
        }
    }
    let Some(example) = example else { return };
    let bytes = files.iter().map(|f| f.1).sum();
    let advice = format!(
        "{} file(s) are byte-identical copies of others ({example}): copy each file once, and link instead of \
         copying (ln -s or a hard link) where both paths are needed",
        files.len()
    );
    let layer = main_layer(tree, &files).and_then(|l| input.layer(l));
    let nodes = files.iter().map(|f| f.0).collect();
    out.push(finding(
        Rule::DuplicateContent,
        Category::Waste,
        Severity::Low,
        bytes,
        layer,
        paths,
        advice,
        nodes,
    ));
}

/// Licence texts: often required to ship, so never counted as removable copies.
fn is_licence(name: &[u8]) -> bool {
    let upper = name.to_ascii_uppercase();
    upper == b"COPYRIGHT"
        || ["LICENSE", "LICENCE", "COPYING", "NOTICE"]
            .iter()
            .any(|p| upper.starts_with(p.as_bytes()))
}
