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
//! cheap layer switch; names.rs the name index behind search and the path
//! filter; search.rs the search itself; stats.rs the per-layer directory
//! numbers; params.rs the options and row type they all share.

mod model;
mod names;
mod params;
mod pattern;
mod reuse;
mod search;
mod stats;
mod view;

pub use model::Model;
#[cfg(test)]
pub use names::contains;
#[cfg(test)]
pub use params::Hidden;
pub use params::{Kind, Mode, Params, Row, Sort};
pub use pattern::Pattern;
pub use search::MAX_REVEAL;
pub use view::View;
