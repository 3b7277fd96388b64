//! Manifest, index and config parsing, and the layers they name, read from
//! memory through `ballast::source::fuzzing` (the cargo feature `fuzzing`):
//! the same readers as the `manifest` target, without a layout written to disk
//! per input, so it runs thousands of inputs a second.
//!
//! The input is the `manifest` target's: parts split on the byte 0xff; the
//! first byte picks the format: `D` writes part 0 as `manifest.json` (docker
//! save), `T` too and asks for the tag `demo:latest`, `P` writes it as
//! `index.json` and asks for the platform linux/arm64/v8, anything else as
//! `index.json` for the host's platform; lower case turns digest verification
//! on. Every later part N (1-based) is stored three times: as `pN`, as
//! `blobs/sha256/<N repeated 64 times>` (a digest a seed can name without
//! knowing the bytes) and under its real SHA-256.
#![no_main]

use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};

use ballast::source::{Options, Platform};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let mut parts = rest.split(|&b| b == 0xff).take(16);
    let top = parts.next().unwrap_or_default();
    let upper = mode.to_ascii_uppercase();
    let top_name = if matches!(upper, b'D' | b'T') {
        "manifest.json"
    } else {
        "index.json"
    };
    let mut files = HashMap::new();
    files.insert(top_name.to_string(), top.to_vec());
    files.insert(
        "oci-layout".to_string(),
        br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
    );
    for (i, part) in parts.enumerate() {
        let n = i + 1;
        files.insert(format!("p{n}"), part.to_vec());
        let fake = format!("{:x}", n % 16).repeat(64);
        files.insert(format!("blobs/sha256/{fake}"), part.to_vec());
        let real = hex::encode(Sha256::digest(part));
        files.insert(format!("blobs/sha256/{real}"), part.to_vec());
    }
    let opts = Options {
        verify: mode.is_ascii_lowercase(),
        platform: (upper == b'P').then(|| Platform::parse("linux/arm64/v8").expect("a platform")),
        ..Options::default()
    };
    let reference = (upper == b'T').then_some("demo:latest");
    let _ = ballast::source::fuzzing::read_in_memory(files, reference, &opts);
});
