//! A merged tree in the binary encoding of the caches (`layer::codec`), for
//! the image cache of `analysis`: the layer count, then every node in id
//! order with its children in their order and its history, so the decoded
//! tree is the same value, node ids included. The hash index is rebuilt, not
//! stored. One walk reads the encoding both ways: [`check`] only validates
//! (nothing allocated), [`decode`] builds; so what `check` accepts, `decode`
//! builds.

use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable};

use super::{Arena, Change, History, Meta, Node, NodeId, Op};
use crate::layer::codec::{Reader, Writer, kind_code, kind_of};

const OPS: [Op; 3] = [Op::Added, Op::Modified, Op::Removed];

/// Bytes of encoding gathered before they are handed on.
const BATCH: usize = 1 << 16;

impl Arena {
    /// The encoding, written to `out` as it is made.
    pub(crate) fn encode_into(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        let mut w = Writer(Vec::with_capacity(2 * BATCH));
        w.u64(self.layers as u64);
        w.u64(self.nodes.len() as u64);
        for n in &self.nodes {
            if w.0.len() >= BATCH {
                out.write_all(&w.0)?;
                w.0.clear();
            }
            w.bytes(&n.name);
            w.u32(n.parent);
            w.u64(n.children.len() as u64);
            for &c in &n.children {
                w.u32(c);
            }
            w.u64(n.history.len() as u64);
            for c in &n.history {
                w.u32(u32::from(c.layer));
                w.u8(OPS.iter().position(|&o| o == c.op).unwrap_or(0) as u8);
                encode_meta(&c.meta, &mut w);
            }
        }
        out.write_all(&w.0)
    }

    /// Rebuild the (parent, name) index from the nodes.
    fn reindex(&mut self) {
        let (nodes, hasher, index) = (&self.nodes, &self.hasher, &mut self.index);
        for (id, n) in nodes.iter().enumerate().skip(1) {
            let h = hasher.hash_one((n.parent, &n.name[..]));
            index.insert_unique(h, id as NodeId, |&other| {
                let o = &nodes[other as usize];
                hasher.hash_one((o.parent, &o.name[..]))
            });
        }
    }
}

/// Whether `bytes` is exactly one sound encoding: its layer and node counts.
pub(crate) fn check(bytes: &[u8]) -> Option<(usize, usize)> {
    walk(bytes, None)
}

/// The tree `bytes` encodes; `None` where [`check`] says no.
pub(crate) fn decode(bytes: &[u8]) -> Option<Arena> {
    let mut nodes = Vec::new();
    let (layers, _) = walk(bytes, Some(&mut nodes))?;
    let mut arena = Arena {
        index: HashTable::with_capacity(nodes.len()),
        changes: nodes.iter().map(|n| n.history.len()).sum(),
        nodes,
        hasher: DefaultHashBuilder::default(),
        layers,
        cap: usize::MAX,
    };
    arena.reindex();
    Some(arena)
}

/// Read the encoding through, every id in range and every layer below the
/// count, keeping the nodes when asked: the layer and node counts.
fn walk(bytes: &[u8], mut keep: Option<&mut Vec<Node>>) -> Option<(usize, usize)> {
    let mut r = Reader(bytes);
    let layers = usize::try_from(r.u64()?).ok()?;
    // A node takes at least 28 bytes: a count the rest cannot hold is corrupt.
    let n = r.count(28)?;
    let in_range = |id: NodeId| (id as usize) < n;
    for _ in 0..n {
        let name = r.bytes()?;
        let parent = r.u32().filter(|&p| in_range(p))?;
        let count = r.count(4)?;
        let mut children = Vec::with_capacity(if keep.is_some() { count } else { 0 });
        for _ in 0..count {
            let c = r.u32().filter(|&c| in_range(c))?;
            if keep.is_some() {
                children.push(c);
            }
        }
        let count = r.count(40)?;
        let mut history = History::Empty;
        for _ in 0..count {
            let layer = u16::try_from(r.u32()?)
                .ok()
                .filter(|&l| (l as usize) < layers)?;
            let op = *OPS.get(usize::from(r.u8()?))?;
            let meta = decode_meta(&mut r, keep.is_some())?;
            if keep.is_some() {
                history.push(Change { layer, op, meta });
            }
        }
        if let Some(nodes) = keep.as_deref_mut() {
            nodes.push(Node {
                name: name.into(),
                parent,
                children,
                history,
            });
        }
    }
    (n > 0 && r.is_empty()).then_some((layers, n))
}

fn encode_meta(m: &Meta, w: &mut Writer) {
    w.u8(kind_code(m.kind));
    w.u64(m.size);
    w.u32(m.mode);
    w.u32(m.uid);
    w.u32(m.gid);
    w.opt_bytes(m.link.as_deref());
    w.u64(m.content[0]);
    w.u64(m.content[1]);
    w.u8(m.flags);
    w.u8(u8::from(m.implicit));
}

/// A change's attributes; the link target is only allocated when `keep`.
fn decode_meta(r: &mut Reader, keep: bool) -> Option<Meta> {
    Some(Meta {
        kind: kind_of(r.u8()?)?,
        size: r.u64()?,
        mode: r.u32()?,
        uid: r.u32()?,
        gid: r.u32()?,
        link: r.opt_bytes(keep)?,
        content: [r.u64()?, r.u64()?],
        flags: r.u8()?,
        implicit: match r.u8()? {
            0 => false,
            1 => true,
            _ => return None,
        },
    })
}
