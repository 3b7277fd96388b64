//! The merged tree: every path any layer touched, with its history.
//!
//! Layers are applied in manifest order under the OCI image-spec rules
//! ("Representing Changes"): `.wh.NAME` deletes NAME and everything below it,
//! `.wh..wh..opq` hides what lower layers put in a directory, a file replacing a
//! directory (or back) replaces the whole subtree, and whiteouts only ever affect
//! lower layers, never entries of their own layer. Each node keeps one [`Change`]
//! per layer that touched it, so any layer's view (aggregated or alone) can be
//! derived later without copying the tree.
//!
//! The tree is an arena (`Vec<Node>`) with a hash index on (parent, name): no
//! recursion anywhere, so a 10,000-deep path is as safe as a shallow one.

mod codec;
pub(crate) mod dive;
mod history;

use std::hash::BuildHasher;
use std::sync::{Arc, OnceLock};

use hashbrown::{DefaultHashBuilder, HashTable};

use crate::layer::{Entry, EntryKind, LayerIndex};

pub use history::History;

pub type NodeId = u32;
pub const ROOT: NodeId = 0;

/// What a layer did to a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    Added,
    Modified,
    Removed,
}

/// The attributes of a path as one layer left it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    pub kind: EntryKind,
    pub size: u64,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub link: Option<Box<[u8]>>,
    /// The entry's content hash ([`crate::layer::Entry::content`]) as two
    /// words, low first: `[0, 0]` when not hashed. Two `u64`s rather than a
    /// `u128` keep `Meta` 8-byte aligned, 16 bytes smaller per change.
    pub content: [u64; 2],
    /// Content sniffing flags (see [`crate::layer::sniff`](mod@crate::layer::sniff)).
    pub flags: u8,
    /// The directory was created because a deeper path needed it; the layer has
    /// no entry of its own for it.
    pub implicit: bool,
}

impl Meta {
    fn from_entry(e: &Entry) -> Meta {
        Meta {
            kind: e.kind,
            size: e.size,
            mode: e.mode,
            uid: e.uid,
            gid: e.gid,
            link: e.link.clone(),
            content: content_words(e.content),
            flags: e.flags,
            implicit: false,
        }
    }

    fn implicit_dir() -> Meta {
        Meta {
            kind: EntryKind::Dir,
            size: 0,
            mode: 0o755,
            uid: 0,
            gid: 0,
            link: None,
            content: [0, 0],
            flags: 0,
            implicit: true,
        }
    }

    pub fn is_dir(&self) -> bool {
        self.kind == EntryKind::Dir
    }

    /// Whether the content was hashed (regular files with bytes).
    pub fn has_content(&self) -> bool {
        self.content != [0, 0]
    }

    /// The content hash as the layer reader gave it (0: not hashed).
    pub fn content_hash(&self) -> u128 {
        (u128::from(self.content[1]) << 64) | u128::from(self.content[0])
    }
}

/// A content hash as [`Meta::content`] keeps it.
pub fn content_words(hash: u128) -> [u64; 2] {
    [hash as u64, (hash >> 64) as u64]
}

/// One layer's effect on one node. For `Removed`, `meta` is what was removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub layer: u16,
    pub op: Op,
    pub meta: Meta,
}

#[derive(Debug, Clone)]
pub struct Node {
    pub name: Box<[u8]>,
    pub parent: NodeId,
    pub children: Vec<NodeId>,
    /// Ordered by layer, at most one change per layer.
    pub history: History,
}

impl Node {
    /// The node's state after the last layer, if it exists then.
    pub fn live(&self) -> Option<&Meta> {
        self.history
            .last()
            .filter(|c| c.op != Op::Removed)
            .map(|c| &c.meta)
    }

    /// The node's state after `layer` (inclusive).
    pub fn state_at(&self, layer: usize) -> Option<&Meta> {
        self.history
            .iter()
            .rev()
            .find(|c| c.layer as usize <= layer)
            .filter(|c| c.op != Op::Removed)
            .map(|c| &c.meta)
    }

    /// What `layer` itself did to this node.
    pub fn change_in(&self, layer: usize) -> Option<&Change> {
        self.history.iter().find(|c| c.layer as usize == layer)
    }
}

/// The tree reached its cap ([`Arena::set_cap`]): a layer would add one
/// more node or change than it allows. The tree is then incomplete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Full;

/// The merged filesystem of an image, with every layer's changes: an
/// [`Arena`] of nodes, which it dereferences to. A tree read back from the
/// image cache of `analysis` holds its checked encoding and builds the arena
/// the first time something looks at a node, so outputs that never do (the
/// JSON, the CI verdicts) never pay for it.
#[derive(Debug, Clone, Default)]
pub struct MergedTree {
    arena: OnceLock<Arena>,
    /// The checked encoding with its layer and node counts, until built.
    encoded: Option<(Arc<[u8]>, usize, usize)>,
}

impl std::ops::Deref for MergedTree {
    type Target = Arena;

    fn deref(&self) -> &Arena {
        self.arena.get_or_init(|| match &self.encoded {
            Some((bytes, ..)) => codec::decode(bytes).expect("the encoding was checked when read"),
            None => Arena::default(),
        })
    }
}

impl std::ops::DerefMut for MergedTree {
    fn deref_mut(&mut self) -> &mut Arena {
        let _ = std::ops::Deref::deref(self);
        self.arena.get_mut().expect("built by deref")
    }
}

impl MergedTree {
    /// A tree from its encoding ([`Arena::encode_into`]), checked now and built
    /// when first used; `None` when the bytes are not a sound encoding.
    pub(crate) fn from_encoding(bytes: Arc<[u8]>) -> Option<MergedTree> {
        let (layers, nodes) = codec::check(&bytes)?;
        Some(MergedTree {
            arena: OnceLock::new(),
            encoded: Some((bytes, layers, nodes)),
        })
    }

    /// [`Arena::layer_count`], without building the arena.
    pub fn layer_count(&self) -> usize {
        match (self.arena.get(), &self.encoded) {
            (None, Some((_, layers, _))) => *layers,
            _ => std::ops::Deref::deref(self).layer_count(),
        }
    }

    /// [`Arena::is_empty`], without building the arena.
    pub fn is_empty(&self) -> bool {
        self.len() == 1
    }

    /// [`Arena::len`], without building the arena.
    pub fn len(&self) -> usize {
        match (self.arena.get(), &self.encoded) {
            (None, Some((_, _, nodes))) => *nodes,
            _ => std::ops::Deref::deref(self).len(),
        }
    }
}

/// The nodes of a merged tree, in one vector indexed by [`NodeId`], with a
/// hash index on (parent, name).
#[derive(Debug, Clone)]
pub struct Arena {
    nodes: Vec<Node>,
    index: HashTable<NodeId>,
    hasher: DefaultHashBuilder,
    layers: usize,
    /// Changes in every node's history together.
    changes: usize,
    /// How many nodes (the root aside) and how many changes the tree may hold.
    cap: usize,
}

impl Default for Arena {
    fn default() -> Self {
        Arena {
            nodes: vec![Node {
                name: Box::default(),
                parent: ROOT,
                children: Vec::new(),
                history: History::Empty,
            }],
            index: HashTable::new(),
            hasher: DefaultHashBuilder::default(),
            layers: 0,
            changes: 0,
            cap: usize::MAX,
        }
    }
}

impl Arena {
    pub fn layer_count(&self) -> usize {
        self.layers
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Changes recorded by all layers together (what the `entries-per-image`
    /// limit counts).
    pub fn changes(&self) -> usize {
        self.changes
    }

    /// Refuse to grow past `cap` nodes or `cap` changes: [`Self::push_layer`]
    /// (and `node_for`) then stop with [`Full`] before allocating more,
    /// so an image's memory is bounded by the cap, not by its layers.
    pub fn set_cap(&mut self, cap: usize) {
        self.cap = cap;
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.len() == 1
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id as usize]
    }

    pub fn nodes(&self) -> impl Iterator<Item = (NodeId, &Node)> {
        self.nodes
            .iter()
            .enumerate()
            .skip(1)
            .map(|(i, n)| (i as NodeId, n))
    }

    /// Whether the node exists after the last layer. The root always does.
    pub fn is_live(&self, id: NodeId) -> bool {
        id == ROOT || self.node(id).live().is_some()
    }

    /// The node's full path, without a leading slash.
    pub fn path(&self, id: NodeId) -> Vec<u8> {
        let mut parts = Vec::new();
        let mut cur = id;
        while cur != ROOT {
            let n = self.node(cur);
            parts.push(&n.name[..]);
            cur = n.parent;
        }
        parts.reverse();
        parts.join(&b'/')
    }

    fn hash(&self, parent: NodeId, name: &[u8]) -> u64 {
        self.hasher.hash_one((parent, name))
    }

    pub fn child(&self, parent: NodeId, name: &[u8]) -> Option<NodeId> {
        let h = self.hash(parent, name);
        self.index
            .find(h, |&id| {
                let n = &self.nodes[id as usize];
                n.parent == parent && &*n.name == name
            })
            .copied()
    }

    /// Find a node by normalised path (no leading slash).
    pub fn lookup(&self, path: &[u8]) -> Option<NodeId> {
        if path.is_empty() {
            return Some(ROOT);
        }
        path.split(|&b| b == b'/')
            .try_fold(ROOT, |cur, name| self.child(cur, name))
    }

    /// Find a live node by path as the final filesystem resolves it: symlinked
    /// directories on the way are followed (merged-usr's `/lib → usr/lib`), the
    /// last component is not. Gives up after 40 links.
    pub fn resolve(&self, path: &[u8]) -> Option<NodeId> {
        let mut pending: std::collections::VecDeque<Vec<u8>> = path
            .split(|&b| b == b'/')
            .filter(|c| !c.is_empty())
            .map(<[u8]>::to_vec)
            .collect();
        let (mut cur, mut hops) = (ROOT, 0);
        while let Some(name) = pending.pop_front() {
            match &name[..] {
                b"." => continue,
                b".." => {
                    cur = self.node(cur).parent;
                    continue;
                }
                _ => {}
            }
            let next = self.child(cur, &name).filter(|&n| self.is_live(n))?;
            let meta = self.node(next).live()?;
            if meta.kind == EntryKind::Symlink && !pending.is_empty() {
                hops += 1;
                if hops > 40 {
                    return None;
                }
                let target = meta.link.as_deref().unwrap_or_default();
                if target.starts_with(b"/") {
                    cur = ROOT;
                }
                for c in target.split(|&b| b == b'/').filter(|c| !c.is_empty()).rev() {
                    pending.push_front(c.to_vec());
                }
                continue;
            }
            cur = next;
        }
        Some(cur)
    }

    fn child_or_create(&mut self, parent: NodeId, name: &[u8]) -> Result<NodeId, Full> {
        if let Some(id) = self.child(parent, name) {
            return Ok(id);
        }
        // Node ids are u32: the cap never lets them wrap.
        if self.nodes.len() > self.cap.min(u32::MAX as usize - 1) {
            return Err(Full);
        }
        let id = self.nodes.len() as NodeId;
        self.nodes.push(Node {
            name: name.into(),
            parent,
            children: Vec::new(),
            history: History::Empty,
        });
        self.nodes[parent as usize].children.push(id);
        let h = self.hash(parent, name);
        let nodes = &self.nodes;
        let hasher = &self.hasher;
        self.index.insert_unique(h, id, |&other| {
            let n = &nodes[other as usize];
            hasher.hash_one((n.parent, &n.name[..]))
        });
        Ok(id)
    }

    /// The node for `path`, created (without history) where missing.
    pub(crate) fn node_for(&mut self, path: &[u8]) -> Result<NodeId, Full> {
        if path.is_empty() {
            return Ok(ROOT);
        }
        path.split(|&b| b == b'/')
            .try_fold(ROOT, |cur, name| self.child_or_create(cur, name))
    }

    /// Set what `layer` leaves at `id` (`None`: removed), relative to the state
    /// the layers below left. Replaces any earlier change of the same layer.
    fn record(&mut self, id: NodeId, layer: u16, state: Option<Meta>) -> Result<(), Full> {
        let history = &mut self.nodes[id as usize].history;
        if history.last().is_some_and(|c| c.layer == layer) {
            history.pop();
            self.changes -= 1;
        }
        let before = history
            .last()
            .filter(|c| c.op != Op::Removed)
            .map(|c| c.meta.clone());
        let change = match (before, state) {
            (None, Some(meta)) => Change {
                layer,
                op: Op::Added,
                meta,
            },
            (Some(_), Some(meta)) => Change {
                layer,
                op: Op::Modified,
                meta,
            },
            (Some(meta), None) => Change {
                layer,
                op: Op::Removed,
                meta,
            },
            (None, None) => return Ok(()),
        };
        if self.changes >= self.cap {
            return Err(Full);
        }
        self.changes += 1;
        history.push(change);
        Ok(())
    }

    /// Remove `id` and every live node below it in `layer`.
    fn remove_subtree(&mut self, id: NodeId, layer: u16) -> Result<(), Full> {
        let mut stack = vec![id];
        while let Some(cur) = stack.pop() {
            if !self.is_live(cur) {
                continue;
            }
            stack.extend(self.nodes[cur as usize].children.iter().copied());
            self.record(cur, layer, None)?;
        }
        Ok(())
    }

    fn remove_children(&mut self, id: NodeId, layer: u16) -> Result<(), Full> {
        let children = self.nodes[id as usize].children.clone();
        for c in children {
            self.remove_subtree(c, layer)?;
        }
        Ok(())
    }

    /// Make every component of `path` a live directory, creating implicit ones.
    fn ensure_dirs(&mut self, path: &[u8], layer: u16) -> Result<NodeId, Full> {
        let mut cur = ROOT;
        if path.is_empty() {
            return Ok(cur);
        }
        for name in path.split(|&b| b == b'/') {
            cur = self.child_or_create(cur, name)?;
            // A file, link or device in the way: the directory replaces it.
            if !self.nodes[cur as usize].live().is_some_and(Meta::is_dir) {
                self.record(cur, layer, Some(Meta::implicit_dir()))?;
            }
        }
        Ok(cur)
    }

    /// Apply the next layer. Returns its index, or [`Full`] when the layer
    /// would take the tree past its cap (the tree is then incomplete).
    pub fn push_layer(&mut self, layer: &LayerIndex) -> Result<usize, Full> {
        let l = self.layers as u16;
        self.layers += 1;
        // Whiteouts and opaque markers act on the lower layers only, so they go
        // first: an entry of this layer is never hidden by a marker of its own.
        for e in &layer.entries {
            match e.kind {
                EntryKind::Whiteout => {
                    if let Some(id) = self.lookup(&e.path).filter(|&id| id != ROOT) {
                        self.remove_subtree(id, l)?;
                    }
                }
                EntryKind::Opaque => {
                    if let Some(id) = self.lookup(&e.path)
                        && (id == ROOT || self.nodes[id as usize].live().is_some_and(Meta::is_dir))
                    {
                        self.remove_children(id, l)?;
                    }
                }
                _ => {}
            }
        }
        for e in &layer.entries {
            match e.kind {
                EntryKind::Whiteout => {
                    // Docker's unpacker creates a missing parent before it looks
                    // at the whiteout; so do we.
                    self.ensure_dirs(crate::layer::path::split_last(&e.path).0, l)?;
                }
                EntryKind::Opaque => {
                    // The directory itself stays (or appears).
                    self.ensure_dirs(&e.path, l)?;
                }
                _ => {
                    let (parent, name) = crate::layer::path::split_last(&e.path);
                    let parent = self.ensure_dirs(parent, l)?;
                    let id = self.child_or_create(parent, name)?;
                    let meta = Meta::from_entry(e);
                    if self.nodes[id as usize]
                        .live()
                        .is_some_and(|prev| prev.is_dir() && !meta.is_dir())
                    {
                        self.remove_children(id, l)?;
                    }
                    self.record(id, l, Some(meta))?;
                }
            }
        }
        Ok(l as usize)
    }

    /// Sort every directory's children by name, for stable output.
    pub fn sort_children(&mut self) {
        for i in 0..self.nodes.len() {
            let mut children = std::mem::take(&mut self.nodes[i].children);
            children.sort_by(|&a, &b| {
                self.nodes[a as usize]
                    .name
                    .cmp(&self.nodes[b as usize].name)
            });
            self.nodes[i].children = children;
        }
    }

    /// Bytes of the final filesystem: live regular files, hard links once.
    ///
    /// A hard link carries no bytes of its own, but when its target is deleted
    /// or replaced later the link alone keeps the content alive: count it then,
    /// once per (target, content).
    pub fn live_bytes(&self) -> u64 {
        let mut total = 0;
        let mut orphaned = std::collections::HashSet::new();
        for node in &self.nodes {
            let Some(meta) = node.live() else { continue };
            match meta.kind {
                EntryKind::File => total += meta.size,
                EntryKind::HardLink => {
                    let Some(target) = meta.link.as_deref().and_then(|t| self.lookup(t)) else {
                        continue;
                    };
                    let linked_at = node.history.last().map_or(0, |c| c.layer as usize);
                    let Some(original) = self.node(target).state_at(linked_at) else {
                        continue;
                    };
                    let still_there = self.node(target).live().is_some_and(|now| now == original);
                    if !still_there
                        && original.kind == EntryKind::File
                        && orphaned.insert((target, original.content))
                    {
                        total += original.size;
                    }
                }
                _ => {}
            }
        }
        total
    }
}

#[cfg(test)]
mod tests;
