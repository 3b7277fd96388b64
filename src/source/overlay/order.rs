//! A walked layer in the order of its tar: the export's entry order is the
//! tar-split's when the engine kept one, else the daemon's own lexical walk.
//! The order decides which name of a hard-linked inode holds the content.

use std::collections::HashMap;

use super::tar_split::TarEntry;
use super::walk::Walked;
use crate::layer::{EntryKind, LayerIndex};

/// A walked layer: its entries and, per entry, the CRC-64 its tar-split records.
#[derive(Debug)]
pub(super) struct Walk {
    pub(super) index: LayerIndex,
    pub(super) crcs: Vec<Option<u64>>,
}

/// Put walked entries in tar order and give hard links their roles: the first
/// name of an inode in that order holds the content, later names link to it.
pub(super) fn finish_layer(mut walked: Vec<Walked>, order: Option<&[TarEntry]>) -> Walk {
    let mut crcs: HashMap<&[u8], u64> = HashMap::new();
    // Without a tar-split: depth-first in lexical order of the names on disk,
    // as the daemon writes the layers it builds (component by component: `a/b`
    // before `a-b`). The sort is stable: an opaque marker stays after its dir.
    walked.sort_by(|a, b| {
        a.entry
            .path
            .split(|&c| c == b'/')
            .cmp(b.entry.path.split(|&c| c == b'/'))
    });
    if let Some(order) = order {
        let mut position: HashMap<&[u8], usize> = HashMap::with_capacity(order.len());
        for (i, e) in order.iter().enumerate() {
            position.entry(&e.name[..]).or_insert(i);
            if let Some(crc) = e.crc {
                crcs.insert(&e.name[..], crc);
            }
        }
        // A directory the tar never had was created by the unpacker; the export
        // has no entry for it either.
        walked.retain(|w| w.entry.kind != EntryKind::Dir || position.contains_key(&w.tar_name[..]));
        walked.sort_by_key(|w| position.get(&w.tar_name[..]).copied().unwrap_or(usize::MAX));
    }
    let mut first: HashMap<(u64, u64), Box<[u8]>> = HashMap::new();
    let mut index = LayerIndex::default();
    let mut fingerprints = Vec::with_capacity(walked.len());
    for mut w in walked {
        if let Some(inode) = w.inode {
            match first.get(&inode) {
                Some(target) => {
                    w.entry.kind = EntryKind::HardLink;
                    w.entry.size = 0;
                    w.entry.link = Some(target.clone());
                }
                None => {
                    first.insert(inode, w.entry.path.clone());
                }
            }
        }
        fingerprints.push(crcs.get(&w.tar_name[..]).copied());
        index.entries.push(w.entry);
    }
    Walk {
        index,
        crcs: fingerprints,
    }
}
