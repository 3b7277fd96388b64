//! The layer reader: any bytes as a layer blob (plain tar, gzip or zstd,
//! sniffed), read with and without verification.
#![no_main]

use libfuzzer_sys::fuzz_target;

use ballast::layer::{ReadOptions, read_layer};

fuzz_target!(|data: &[u8]| {
    let verify = data.first().is_some_and(|b| b & 1 == 1);
    if let Ok(index) = read_layer(data, ReadOptions { verify }, &|_| {}) {
        // The entries must describe the stream they came from.
        assert!(index.tar_bytes > 0 || index.entries.is_empty());
        for (i, _) in &index.captured {
            assert!(*i < index.entries.len());
        }
    }
});
