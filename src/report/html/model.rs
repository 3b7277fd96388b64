//! The treemap's data: a tree of directories and leaves (file versions, or a
//! diff's files) folded to at most [`MAX_RECTS`] rows, written as one flat
//! JSON array the page lays out.
//!
//! Folding keeps what a reader can see: the largest entries first. A
//! max-heap by weight (bytes, or for a diff the bytes that changed) starts at
//! the root; each popped entry becomes a row, and a popped directory offers
//! its children. When the budget is spent, what each shown directory did not
//! show becomes one row, `(N small files)`, with its bytes and a breakdown by
//! kind and layer so the page can still colour it and filter it by layer.
//!
//! Rows come parent first (`parent` < own index), so the page sums sizes in
//! one backward pass and nothing anywhere recurses: a 10,000-deep path costs
//! what a shallow one does.

use std::collections::BinaryHeap;
use std::fmt::Write as _;

use crate::layer::path::display;

/// Most rows the page gets (directories, leaves and folded groups).
pub(super) const MAX_RECTS: usize = 20_000;

/// What a row is; the page colours by it.
pub(super) mod kind {
    pub const DIR: u8 = 0;
    /// A live file no finding names.
    pub const LIVE: u8 = 1;
    /// A live file a finding names (`x` is the finding's index).
    pub const FLAGGED: u8 = 2;
    /// A version deleted or overwritten later (`x` is that layer, `y` 1 when
    /// overwritten).
    pub const HIDDEN: u8 = 3;
    /// Diff: only in the new image, only in the old, in both but different,
    /// the same in both (`x` old size, `y` new size).
    pub const ADDED: u8 = 4;
    pub const REMOVED: u8 = 5;
    pub const CHANGED: u8 = 6;
    pub const SAME: u8 = 7;
    /// `(N small files)`: what a directory holds beyond the rows it shows.
    pub const FOLDED: u8 = 9;
}

/// A directory of the source tree. Index 0 is the root; a parent comes
/// before its children.
#[derive(Debug)]
pub(super) struct Dir<'a> {
    pub parent: u32,
    pub name: &'a [u8],
}

/// A leaf: one file version (image) or one file (diff).
#[derive(Debug)]
pub(super) struct Leaf<'a> {
    pub dir: u32,
    pub name: &'a [u8],
    /// The area.
    pub bytes: u64,
    /// What the fold ranks by (a diff's unchanged files weigh nothing).
    pub weight: u64,
    pub kind: u8,
    /// The layer that wrote it, -1 where none.
    pub layer: i32,
    pub x: i64,
    pub y: i64,
}

/// The whole tree before folding.
#[derive(Debug, Default)]
pub(super) struct Source<'a> {
    pub dirs: Vec<Dir<'a>>,
    pub leaves: Vec<Leaf<'a>>,
}

/// The folded rows, as JSON text, and what folding did.
#[derive(Debug)]
pub(super) struct Rows {
    pub json: String,
    pub rows: usize,
    /// Leaves not shown on their own (inside folded groups).
    pub folded_leaves: u64,
}

/// Sizes and child lists of every directory.
struct Sums {
    bytes: Vec<u64>,
    weight: Vec<u64>,
    files: Vec<u64>,
    /// Compressed lists: the sub-directories of `d` are
    /// `dir_kids[dir_at[d]..dir_at[d + 1]]`, its leaves likewise.
    dir_at: Vec<usize>,
    dir_kids: Vec<u32>,
    leaf_at: Vec<usize>,
    leaf_kids: Vec<u32>,
}

fn grouped(n: usize, keys: impl Iterator<Item = (usize, u32)> + Clone) -> (Vec<usize>, Vec<u32>) {
    let mut at = vec![0usize; n + 1];
    for (k, _) in keys.clone() {
        at[k + 1] += 1;
    }
    for i in 0..n {
        at[i + 1] += at[i];
    }
    let mut fill = at.clone();
    let mut out = vec![0u32; at[n]];
    for (k, v) in keys {
        out[fill[k]] = v;
        fill[k] += 1;
    }
    (at, out)
}

impl Sums {
    fn of(src: &Source) -> Sums {
        let n = src.dirs.len();
        let (mut bytes, mut weight, mut files) = (vec![0u64; n], vec![0u64; n], vec![0u64; n]);
        for l in &src.leaves {
            bytes[l.dir as usize] += l.bytes;
            weight[l.dir as usize] += l.weight;
            files[l.dir as usize] += 1;
        }
        for d in (1..n).rev() {
            let p = src.dirs[d].parent as usize;
            bytes[p] += bytes[d];
            weight[p] += weight[d];
            files[p] += files[d];
        }
        let subdirs = (1..n).map(|d| (src.dirs[d].parent as usize, d as u32));
        let (dir_at, dir_kids) = grouped(n, subdirs);
        let leaves = (src.leaves.iter().enumerate()).map(|(i, l)| (l.dir as usize, i as u32));
        let (leaf_at, leaf_kids) = grouped(n, leaves);
        Sums {
            bytes,
            weight,
            files,
            dir_at,
            dir_kids,
            leaf_at,
            leaf_kids,
        }
    }
}

/// An entry of the heap: a directory or a leaf, by weight, then bytes.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Candidate {
    weight: u64,
    bytes: u64,
    /// Lower first among equals, for a stable choice.
    order: std::cmp::Reverse<u64>,
}

const LEAF_BIT: u64 = 1 << 63;

/// Which directories and leaves become rows.
fn choose(src: &Source, sums: &Sums, budget: usize) -> (Vec<bool>, Vec<bool>) {
    let mut shown_dir = vec![false; src.dirs.len()];
    let mut shown_leaf = vec![false; src.leaves.len()];
    shown_dir[0] = true;
    let mut heap = BinaryHeap::new();
    let offer = |heap: &mut BinaryHeap<Candidate>, d: usize| {
        for &c in &sums.dir_kids[sums.dir_at[d]..sums.dir_at[d + 1]] {
            let (weight, bytes) = (sums.weight[c as usize], sums.bytes[c as usize]);
            let order = std::cmp::Reverse(c as u64);
            heap.push(Candidate {
                weight,
                bytes,
                order,
            });
        }
        for &l in &sums.leaf_kids[sums.leaf_at[d]..sums.leaf_at[d + 1]] {
            let leaf = &src.leaves[l as usize];
            let order = std::cmp::Reverse(LEAF_BIT | l as u64);
            heap.push(Candidate {
                weight: leaf.weight,
                bytes: leaf.bytes,
                order,
            });
        }
    };
    offer(&mut heap, 0);
    // The root, and a possible folded group per shown directory.
    let mut used = 2;
    while used + 2 <= budget {
        let Some(c) = heap.pop() else { break };
        if c.bytes == 0 {
            break;
        }
        let id = c.order.0;
        if id & LEAF_BIT != 0 {
            shown_leaf[(id & !LEAF_BIT) as usize] = true;
            used += 1;
        } else {
            shown_dir[id as usize] = true;
            used += 2;
            offer(&mut heap, id as usize);
        }
    }
    (shown_dir, shown_leaf)
}

/// One folded group: files, bytes, and bytes by (kind, layer, finding).
#[derive(Default)]
struct Group {
    files: u64,
    bytes: u64,
    /// Few distinct keys per group: a list beats a map.
    parts: Vec<((u8, i32, i64), u64)>,
}

impl Group {
    fn add(&mut self, l: &Leaf) {
        self.files += 1;
        self.bytes += l.bytes;
        let key = (
            l.kind,
            l.layer,
            if l.kind == kind::FLAGGED { l.x } else { -1 },
        );
        match self.parts.iter_mut().find(|(k, _)| *k == key) {
            Some((_, b)) => *b += l.bytes,
            None => self.parts.push((key, l.bytes)),
        }
    }
}

/// The folded group each shown directory gets (indexed by directory), filled
/// from every leaf that is not a row: its own directory is folded into the
/// nearest shown ancestor's group, or it sits directly in a shown directory
/// without being shown.
fn groups(src: &Source, shown_dir: &[bool], shown_leaf: &[bool]) -> Vec<Option<Group>> {
    // The shown directory whose group holds each hidden-from-view directory.
    let mut owner = vec![u32::MAX; src.dirs.len()];
    for d in 1..src.dirs.len() {
        let p = src.dirs[d].parent;
        if !shown_dir[d] {
            owner[d] = if shown_dir[p as usize] {
                p
            } else {
                owner[p as usize]
            };
        }
    }
    let mut out: Vec<Option<Group>> = Vec::new();
    out.resize_with(src.dirs.len(), || None);
    for (i, l) in src.leaves.iter().enumerate() {
        if shown_leaf[i] || l.bytes == 0 {
            continue;
        }
        let d = l.dir as usize;
        let g = if shown_dir[d] { d } else { owner[d] as usize };
        out[g].get_or_insert_with(Group::default).add(l);
    }
    out
}

/// A name as the page shows it: as findings spell paths (UTF-8 as is, other
/// bytes as `\xNN`: `layer::path::display`) without the leading `/`, so the
/// page can find them.
pub(super) fn name(bytes: &[u8]) -> String {
    let mut s = display(bytes);
    s.remove(0);
    s
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).expect("a string serialises")
}

/// Fold `src` to at most `budget` rows and write them as a JSON array of
/// arrays: `[parent, name, bytes, kind, ...]`, where a directory adds its
/// file count, a leaf `layer, x, y`, and a folded group its file count and
/// `[[kind, layer, bytes, finding], ...]` (finding -1 but for flagged files).
pub(super) fn fold(src: &Source, budget: usize) -> Rows {
    let sums = Sums::of(src);
    let (shown_dir, shown_leaf) = choose(src, &sums, budget);
    let mut groups = groups(src, &shown_dir, &shown_leaf);
    let mut json = String::with_capacity(64 * budget.min(src.leaves.len() + 1));
    json.push('[');
    let (dir, folded) = (kind::DIR, kind::FOLDED);
    let root = format!("[-1,\"/\",{},{dir},{}]", sums.bytes[0], sums.files[0]);
    json.push_str(&root);
    let (mut rows, mut folded_leaves) = (1usize, 0u64);
    // Depth first, so each directory's rows are written together.
    let mut stack: Vec<(u32, usize)> = vec![(0, 0)];
    while let Some((d, row)) = stack.pop() {
        let d = d as usize;
        let mut kids: Vec<(u64, bool, u32)> = Vec::new();
        for &c in &sums.dir_kids[sums.dir_at[d]..sums.dir_at[d + 1]] {
            if shown_dir[c as usize] {
                kids.push((sums.bytes[c as usize], true, c));
            }
        }
        for &l in &sums.leaf_kids[sums.leaf_at[d]..sums.leaf_at[d + 1]] {
            if shown_leaf[l as usize] {
                kids.push((src.leaves[l as usize].bytes, false, l));
            }
        }
        kids.sort_by(|a, b| b.0.cmp(&a.0).then(a.2.cmp(&b.2)));
        for (bytes, is_dir, id) in kids {
            if is_dir {
                let n = json_str(&name(src.dirs[id as usize].name));
                let files = sums.files[id as usize];
                let _ = write!(json, ",[{row},{n},{bytes},{dir},{files}]");
                stack.push((id, rows));
            } else {
                let l = &src.leaves[id as usize];
                let n = json_str(&name(l.name));
                let (k, layer, x, y) = (l.kind, l.layer, l.x, l.y);
                let _ = write!(json, ",[{row},{n},{bytes},{k},{layer},{x},{y}]");
            }
            rows += 1;
        }
        if let Some(mut g) = groups[d].take() {
            g.parts.sort_unstable();
            let parts: Vec<String> = (g.parts.iter())
                .map(|((k, l, f), b)| format!("[{k},{l},{b},{f}]"))
                .collect();
            let (bytes, files) = (g.bytes, g.files);
            let parts = parts.join(",");
            let _ = write!(json, ",[{row},\"\",{bytes},{folded},{files},[{parts}]]");
            rows += 1;
            folded_leaves += files;
        }
    }
    json.push(']');
    Rows {
        json,
        rows,
        folded_leaves,
    }
}
