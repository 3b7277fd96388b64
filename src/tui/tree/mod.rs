//! The file tree as the TUI shows it: which rows are visible, in which order,
//! with which size and change kind, for the selected layer and view options.
//!
//! No terminal here (gitui's `filetreelist` is the model): this is a data
//! structure first, so every behaviour is unit-tested without a screen.
//!
//! Speed comes from two choices. [`Model::new`] derives, once, each
//! directory's size, entry count and change counts at every layer where
//! something below it changed (a sparse list per directory, built layer by
//! layer from the nodes' `history`), so a directory's numbers at any layer are
//! a binary search. And [`View`] keeps the flattened list of rows: moving the
//! selection never recomputes it, expanding or collapsing splices one
//! directory's rows in or out, and a full rebuild walks only the expanded
//! directories — never the whole tree — so a million-file image scrolls like a
//! ten-file one and switching layers costs what is on screen (plus what the
//! user expanded).
//!
//! The parts: [`Model`] (model.rs) holds the per-node facts; [`View`]
//! (view.rs) the rows and their expansion; reuse.rs the row copying behind a
//! cheap layer switch; search.rs name search and the path filter.

mod model;
mod reuse;
mod search;
mod stats;
mod view;

use crate::tree::{NodeId, Op};

pub use model::Model;
pub use view::View;

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
/// the layer itself changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    #[default]
    Aggregated,
    Layer,
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
}

/// Case-insensitive (ASCII) substring test.
pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty()
        || hay
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
}

/// Most search matches revealed (their directories expanded) at once.
pub const MAX_REVEAL: usize = 500;
