//! Integration tests for the Dockerfile module: the parser over a corpus of
//! real-world Dockerfile shapes (`tests/dockerfiles/`, written for these
//! tests), and bad files that must fail with their file, line and column.

/// The one gate for what the tests need from the machine (tests/support/gate.rs).
#[allow(dead_code)]
#[path = "support/gate.rs"]
mod gate;

#[path = "dockerfile/hadolint.rs"]
mod hadolint;
#[path = "dockerfile/image.rs"]
mod image;
#[path = "dockerfile/lint.rs"]
mod lint;
#[path = "dockerfile/parse.rs"]
mod parse;

#[path = "dockerfile/cli.rs"]
mod cli;
/// The engine tests' gates, image guards and builders, shared as they are.
#[allow(dead_code)]
#[path = "engine/support.rs"]
mod engine_support;
#[path = "dockerfile/mutations.rs"]
mod mutations;
#[path = "dockerfile/substitution.rs"]
mod substitution;
