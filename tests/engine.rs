//! Integration tests against real engines: images built on the Docker engine
//! that plant every overlay case (deletions, opaque directories, replacements,
//! hard links, setuid, non-UTF-8 and long names), read through every source
//! (engine, `docker save`, gzip, skopeo OCI gzip/zstd/directory, Podman), and
//! checked against the filesystem a container sees, against dive 0.13.1 and
//! against `docker history`; plus the CLI's engine errors, with a fake engine
//! that dies mid-export.
//!
//! Tests that need the Docker engine (and dive, skopeo) skip through the gate
//! (tests/support/gate.rs) when it is not there, unless
//! `BALLAST_REQUIRE_DOCKER=1`; Podman readings are skipped unless its socket
//! exists or `BALLAST_REQUIRE_PODMAN=1`; `BALLAST_REQUIRE_ALL=1` requires all.

/// The one gate for what the tests need from the machine (tests/support/gate.rs).
#[allow(dead_code)]
#[path = "support/gate.rs"]
mod gate;

#[path = "engine/cache.rs"]
mod cache;
#[path = "engine/check.rs"]
mod check;
#[path = "engine/entry.rs"]
mod entry;
#[path = "engine/errors.rs"]
mod errors;
#[path = "engine/images.rs"]
mod images;
#[path = "engine/support.rs"]
mod support;
