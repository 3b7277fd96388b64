//! The pattern stream behind `Content::Pattern`: deterministic bytes of any
//! length that cost no memory and do not compress, like real binaries.

use std::io::{self, Read};

/// Deterministic xorshift bytes; compresses poorly, like real binaries.
pub(crate) struct PatternReader {
    left: u64,
    state: u64,
}

impl PatternReader {
    /// `len` bytes of the stream that `seed` starts.
    pub(crate) fn new(len: u64, seed: u64) -> Self {
        PatternReader {
            left: len,
            state: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
        }
    }
}

impl Read for PatternReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = (buf.len() as u64).min(self.left) as usize;
        for chunk in buf[..n].chunks_mut(8) {
            self.state ^= self.state << 13;
            self.state ^= self.state >> 7;
            self.state ^= self.state << 17;
            let bytes = self.state.to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
        self.left -= n as u64;
        Ok(n)
    }
}
