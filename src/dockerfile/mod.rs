//! Dockerfiles: parse them, lint them, and relate them to the image they built.
//!
//! The parser ([`parser`]) reads the syntax BuildKit accepts today into a typed
//! tree with every instruction's position; the lint, the cache simulation and
//! the image mapping all work on that tree and never re-read the text.

pub mod ast;
pub mod cache;
pub mod cache_report;
pub mod expand;
pub mod history;
pub mod ignore;
pub mod image;
pub mod lint;
pub mod lint_report;
pub mod parser;
pub mod proposal;
pub mod shell;

pub use ast::{Arguments, Directives, Dockerfile, Flag, Heredoc, Instruction, Kind, Mount, Stage};
pub use expand::{Scope, expand};
pub use parser::ParseError;
