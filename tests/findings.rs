//! Integration tests for the findings on real images: each image, built on the
//! Docker engine, plants one cause (a deleted 30 MB file, an opaque directory,
//! a chmod copy-up, copies, `.git`, package caches, keys and `.env` files,
//! setuid bits, config hygiene, secrets in ENV and ARG), and the test asserts
//! the rule, its exact bytes, the layer that introduced it, its paths and the
//! gist of its advice. A negative-control image holds the same kinds of files
//! used legitimately and must raise none of them; a debootstrap Debian base is
//! checked for the findings a user would agree with and no false positives.
//!
//! Every image is read twice, through the engine's export and in place from
//! its overlay2 storage, and both readings must give the same findings.
//!
//! Tests that need the Docker engine skip through the gate
//! (tests/support/gate.rs) when it is not there, unless
//! `BALLAST_REQUIRE_DOCKER=1`. The Debian test also needs a debootstrap root
//! filesystem: it is built (from the Debian mirror) when the gate requires it
//! (`BALLAST_DEBOOTSTRAP=1`), then cached under `target/debootstrap-bookworm`.

/// The one gate for what the tests need from the machine (tests/support/gate.rs).
#[allow(dead_code)]
#[path = "support/gate.rs"]
mod gate;

#[path = "findings/bloat.rs"]
mod bloat;
#[path = "findings/debian.rs"]
mod debian;
#[path = "findings/security.rs"]
mod security;
#[path = "findings/support.rs"]
mod support;
#[path = "findings/waste.rs"]
mod waste;

/// The engine tests' gates, image guards and builders, shared as they are.
#[allow(dead_code)]
#[path = "engine/support.rs"]
mod engine_support;
