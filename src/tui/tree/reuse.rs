//! The incremental layer switch: rows of subtrees that did not change
//! between the old layer and the new one are copied, not rebuilt.

use super::model::Model;
use super::params::Row;
use ballast::tree::NodeId;

/// The rows of the previous build, indexed by the expanded directories in them.
pub(super) struct Reuse<'a> {
    rows: &'a [Row],
    /// Row index of each expanded directory, by node; `u32::MAX` if none.
    at: Vec<u32>,
    lo: usize,
    hi: usize,
}

impl<'a> Reuse<'a> {
    pub(super) fn new(m: &Model, rows: &'a [Row], from: usize, to: usize) -> Reuse<'a> {
        let mut at = vec![u32::MAX; m.tree().len()];
        for (i, r) in rows.iter().enumerate() {
            if r.expanded {
                at[r.node as usize] = i as u32;
            }
        }
        Reuse {
            rows,
            at,
            lo: from.min(to),
            hi: from.max(to),
        }
    }

    /// The old rows below directory `id` (shown at `depth`), if they still hold.
    pub(super) fn below(&self, m: &Model, id: NodeId, depth: u16) -> Option<&'a [Row]> {
        let i = *self.at.get(id as usize)? as usize;
        let row = self.rows.get(i)?;
        if row.depth != depth || !m.still_between(id, self.lo, self.hi) {
            return None;
        }
        let end = self.rows[i + 1..]
            .iter()
            .position(|r| r.depth <= depth)
            .map_or(self.rows.len(), |p| i + 1 + p);
        Some(&self.rows[i + 1..end])
    }
}
