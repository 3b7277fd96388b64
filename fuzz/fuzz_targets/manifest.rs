//! Manifest, index and config parsing, through `ballast::analyze` on an image
//! directory the target writes from the input (the parsers are private).
//!
//! The input is parts split on the byte 0xff. The first byte picks the format:
//! `D` or `d` writes part 0 as `manifest.json` (docker save), anything else as
//! `index.json` (OCI layout); lower case turns digest verification on. Every
//! later part N (1-based) is written three times: as `pN`, as
//! `blobs/sha256/<N repeated 64 times>` (a digest a seed can name without
//! knowing the bytes) and under its real SHA-256.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};

use ballast::progress::Silent;
use ballast::source::Options;

static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let root = DIR
        .get_or_init(|| tempfile::tempdir().expect("a temp dir"))
        .path();
    let dir = root.join("image");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("blobs/sha256")).expect("create the layout");
    let mut parts = rest.split(|&b| b == 0xff).take(16);
    let top = parts.next().unwrap_or_default();
    let top_name = if mode.eq_ignore_ascii_case(&b'D') {
        "manifest.json"
    } else {
        "index.json"
    };
    write(&dir, top_name, top);
    write(&dir, "oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#);
    for (i, part) in parts.enumerate() {
        let n = i + 1;
        write(&dir, &format!("p{n}"), part);
        let fake = format!("{:x}", n % 16).repeat(64);
        write(&dir, &format!("blobs/sha256/{fake}"), part);
        let real = hex::encode(Sha256::digest(part));
        write(&dir, &format!("blobs/sha256/{real}"), part);
    }
    let opts = Options {
        verify: mode.is_ascii_lowercase(),
        ..Options::default()
    };
    let _ = ballast::analyze(dir.to_str().expect("a UTF-8 temp path"), &opts, &Silent);
});

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).expect("write a layout file");
}
