//! Dockerfiles: parse them, lint them, and relate them to the image they built.
//!
//! The parser ([`parse`]) reads the syntax BuildKit accepts today into a typed
//! tree with every instruction's position; the lint, the cache simulation and
//! the image mapping all work on that tree and never re-read the text.

pub mod cache;
pub mod cache_report;
pub mod history;
pub mod ignore;
pub mod image;
pub mod lint;
pub mod lint_report;
pub mod parse;
pub mod proposal;
pub mod shell;

pub use parse::{
    Arguments, Directives, Dockerfile, Flag, Heredoc, Instruction, Kind, Mount, ParseError, Scope,
    Stage, expand,
};
