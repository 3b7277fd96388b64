//! What the tree view shows and how: the options ([`Params`]), the change
//! kinds, and one row of the pane ([`Row`]). Shared by every part of tree/.

use ballast::tree::{NodeId, Op};

/// What the selected layer did to a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Unmodified,
    Added,
    Modified,
    Removed,
}

impl From<Op> for Kind {
    fn from(op: Op) -> Kind {
        match op {
            Op::Added => Kind::Added,
            Op::Modified => Kind::Modified,
            Op::Removed => Kind::Removed,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Size,
    Name,
}

/// Aggregated: the filesystem as it stands after the layer; Layer: only what
/// the layer itself changed; Hidden: the bytes that the layer or an earlier
/// one deleted or overwrote (still shipped, no longer seen).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    #[default]
    Aggregated,
    Layer,
    Hidden,
}

/// Change kinds the user has hidden.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Hidden {
    pub added: bool,
    pub modified: bool,
    pub removed: bool,
    pub unmodified: bool,
}

impl Hidden {
    pub fn hides(&self, k: Kind) -> bool {
        match k {
            Kind::Added => self.added,
            Kind::Modified => self.modified,
            Kind::Removed => self.removed,
            Kind::Unmodified => self.unmodified,
        }
    }

    pub fn any(&self) -> bool {
        self.added || self.modified || self.removed || self.unmodified
    }
}

/// Everything that decides what the tree shows, besides expansion.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Params {
    pub layer: usize,
    pub mode: Mode,
    pub sort: Sort,
    pub hidden: Hidden,
    pub filter: Option<String>,
    pub wasted_only: bool,
}

/// One line of the tree pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    pub node: NodeId,
    pub depth: u16,
    pub size: u64,
    pub kind: Kind,
    pub dir: bool,
    pub expanded: bool,
    /// The layer that deleted or overwrote what the row shows, when it
    /// shows hidden bytes (the hidden mode, and deleted files under `w`).
    pub removed_in: Option<u16>,
}
