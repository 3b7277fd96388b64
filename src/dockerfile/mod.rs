//! Dockerfiles: parse them, lint them, and relate them to the image they built.

pub mod cache;
pub mod history;
pub mod ignore;
