//! Dockerfiles: parse them, lint them, and simulate their build cache.
//!
//! The parser (`parser`) reads the syntax BuildKit accepts today into a typed
//! tree with every instruction's position; the lint, the cache simulation and
//! the join to an image (in the analysis, which imports this module and never
//! the reverse) all work on that tree and never re-read the text.

pub(crate) mod ast;
pub mod cache;
pub(crate) mod expand;
pub(crate) mod file;
pub mod history;
pub mod ignore;
pub mod lint;
pub(crate) mod parser;
pub(crate) mod proposal;
pub(crate) mod shell;

pub use ast::{Arguments, Directives, Dockerfile, Flag, Heredoc, Instruction, Kind, Mount, Stage};
pub use expand::{Breach, Scope, expand};
pub use file::{
    read_regular_file, read_regular_file_within, read_regular_text, read_regular_text_within,
    read_within,
};
pub use parser::ParseError;
