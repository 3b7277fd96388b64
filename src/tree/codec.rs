//! A merged tree in the binary encoding of the caches (`layer::codec`), for
//! the image cache of `analysis`: every node in id order with its children
//! in their order and its history, so the decoded tree is the same value,
//! node ids included. The hash index is rebuilt, not stored.

use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable};

use super::{Change, MergedTree, Meta, Node, NodeId, Op};
use crate::layer::codec::{Reader, Writer, kind_code, kind_of};

const OPS: [Op; 3] = [Op::Added, Op::Modified, Op::Removed];

impl MergedTree {
    pub(crate) fn encode(&self, w: &mut Writer) {
        w.u64(self.layers as u64);
        w.u64(self.nodes.len() as u64);
        for n in &self.nodes {
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
                encode_meta(&c.meta, w);
            }
        }
    }

    /// The tree [`Self::encode`] wrote; `None` for anything else (a parent
    /// or child id out of range, a layer past the count, trailing garbage
    /// is left to the caller).
    pub(crate) fn decode(r: &mut Reader) -> Option<MergedTree> {
        let layers = usize::try_from(r.u64()?).ok()?;
        // A node takes at least 28 bytes: a count the rest cannot hold is corrupt.
        let n = r.count(28)?;
        let in_range = |id: NodeId| (id as usize) < n;
        let mut nodes = Vec::with_capacity(n);
        for _ in 0..n {
            let name: Box<[u8]> = r.bytes()?.into();
            let parent = r.u32().filter(|&p| in_range(p))?;
            let count = r.count(4)?;
            let children = (0..count)
                .map(|_| r.u32().filter(|&c| in_range(c)))
                .collect::<Option<Vec<NodeId>>>()?;
            let count = r.count(40)?;
            let history = (0..count)
                .map(|_| {
                    let layer = u16::try_from(r.u32()?).ok()?;
                    let op = *OPS.get(usize::from(r.u8()?))?;
                    let meta = decode_meta(r)?;
                    ((layer as usize) < layers).then_some(Change { layer, op, meta })
                })
                .collect::<Option<Vec<Change>>>()?;
            nodes.push(Node {
                name,
                parent,
                children,
                history,
            });
        }
        if nodes.is_empty() {
            return None;
        }
        let mut tree = MergedTree {
            nodes,
            index: HashTable::with_capacity(n),
            hasher: DefaultHashBuilder::default(),
            layers,
        };
        tree.reindex();
        Some(tree)
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

fn encode_meta(m: &Meta, w: &mut Writer) {
    w.u8(kind_code(m.kind));
    w.u64(m.size);
    w.u32(m.mode);
    w.u32(m.uid);
    w.u32(m.gid);
    match &m.link {
        None => w.u8(0),
        Some(l) => {
            w.u8(1);
            w.bytes(l);
        }
    }
    w.u128(m.content);
    w.u8(m.flags);
    w.u8(u8::from(m.implicit));
}

fn decode_meta(r: &mut Reader) -> Option<Meta> {
    Some(Meta {
        kind: kind_of(r.u8()?)?,
        size: r.u64()?,
        mode: r.u32()?,
        uid: r.u32()?,
        gid: r.u32()?,
        link: match r.u8()? {
            0 => None,
            1 => Some(r.bytes()?.into()),
            _ => return None,
        },
        content: r.u128()?,
        flags: r.u8()?,
        implicit: match r.u8()? {
            0 => false,
            1 => true,
            _ => return None,
        },
    })
}
