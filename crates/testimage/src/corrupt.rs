//! Damaging a written image on purpose, for the tests of ballast's errors on
//! truncated or corrupt archives.

use std::fs;
use std::io::{self, Seek, SeekFrom, Write};
use std::path::Path;

/// Truncate a file to `len` bytes (for corrupt-archive tests).
pub fn truncate(path: &Path, len: u64) -> io::Result<()> {
    let f = fs::OpenOptions::new().write(true).open(path)?;
    f.set_len(len)
}

/// Overwrite bytes at `offset` (for corrupt-archive tests).
pub fn poke(path: &Path, offset: u64, bytes: &[u8]) -> io::Result<()> {
    let mut f = fs::OpenOptions::new().write(true).open(path)?;
    f.seek(SeekFrom::Start(offset))?;
    f.write_all(bytes)
}
