//! Bounds on what a layer's tar stream can make the reader hold in memory.
//!
//! The tar crate reads a GNU long name (`L`), long link (`K`) or PAX record
//! block (`x`) whole into memory before the entry it describes, however large
//! the header says it is: a 538 KB gzip of zeros holding a 512 MiB long name
//! took 2 GB. [`TarGuard`] sits under the tar crate and follows the same block
//! structure (headers, PAX `size` overrides, GNU sparse extension blocks), so
//! it sees each extension header before the tar crate reads its data and
//! refuses one larger than the `tar-header` limit with an error naming it.
//! After the end-of-archive block it only passes bytes through.

use std::io::{self, Read};

use crate::limits::{Limit, Limits};

const BLOCK: usize = 512;

/// A limit was exceeded: the message names it. Carried inside an
/// `io::Error` through the tar crate, and recognised again by the parser.
#[derive(Debug)]
pub struct LimitExceeded(pub String);

impl std::fmt::Display for LimitExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LimitExceeded {}

/// The limit message inside `e`, if `e` is a [`LimitExceeded`].
pub(super) fn limit_of(e: &io::Error) -> Option<String> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<LimitExceeded>())
        .map(|l| l.0.clone())
}

/// The tar stream of a layer, checked block by block as the tar crate reads it.
pub(super) struct TarGuard<R> {
    inner: R,
    /// Data bytes (with padding) to pass through before the next block to inspect.
    data_left: u64,
    /// The block being handed out, and how much of it has been.
    block: [u8; BLOCK],
    block_len: usize,
    block_pos: usize,
    /// The next block is a GNU sparse extension; then `data_after` bytes of data.
    sparse_ext: bool,
    data_after: u64,
    /// The limits (`tar-header` applies here).
    limits: Limits,
    /// A PAX block being collected (at most the `tar-header` limit), and how much of
    /// it is record bytes rather than padding.
    pax: Option<(Vec<u8>, u64)>,
    /// The PAX `size` that applies to the next entry.
    pending_size: Option<u64>,
    /// Past the end of the archive (or past a header the tar crate itself
    /// will refuse): bytes pass through unexamined.
    done: bool,
}

impl<R: Read> TarGuard<R> {
    pub(super) fn new(inner: R, limits: Limits) -> Self {
        TarGuard {
            inner,
            limits,
            data_left: 0,
            block: [0; BLOCK],
            block_len: 0,
            block_pos: 0,
            sparse_ext: false,
            data_after: 0,
            pax: None,
            pending_size: None,
            done: false,
        }
    }

    pub(super) fn into_inner(self) -> R {
        self.inner
    }

    /// Read the next whole block (or what is left of the stream) and inspect it.
    fn next_block(&mut self) -> io::Result<()> {
        let mut len = 0;
        while len < BLOCK {
            match self.inner.read(&mut self.block[len..]) {
                Ok(0) => break,
                Ok(n) => len += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.block_len = len;
        self.block_pos = 0;
        if len < BLOCK || self.block.iter().all(|&b| b == 0) {
            self.done = true;
            return Ok(());
        }
        if self.sparse_ext {
            self.sparse_ext = self.block[504] == 1;
            if !self.sparse_ext {
                self.data_left = self.data_after;
            }
            return Ok(());
        }
        self.header()
    }

    /// Inspect a header block the way the tar crate will read it.
    fn header(&mut self) -> io::Result<()> {
        let header = tar::Header::from_byte_slice(&self.block);
        let Ok(mut size) = header.entry_size() else {
            self.done = true;
            return Ok(());
        };
        let kind = header.entry_type();
        let recognized = header.as_gnu().is_some() || header.as_ustar().is_some();
        let extension = kind.is_gnu_longname()
            || kind.is_gnu_longlink()
            || kind.is_pax_local_extensions()
            || kind.is_pax_global_extensions();
        let consumed = recognized && (kind.is_gnu_longname() || kind.is_gnu_longlink());
        if recognized && kind.is_pax_local_extensions() {
            check(size, "PAX extended header", &self.limits)?;
            self.pending_size = None;
            self.pax = (size > 0).then(|| (Vec::with_capacity(size as usize), size));
        } else if consumed {
            let what = if kind.is_gnu_longname() {
                "GNU long-name header"
            } else {
                "GNU long-link header"
            };
            check(size, what, &self.limits)?;
        } else {
            // The tar crate hands this entry out: the PAX block before it
            // applies to it (unless it is itself an extension) and is used up.
            if let Some(s) = self.pending_size.take().filter(|_| !extension) {
                size = s;
            }
        }
        let padded = size.div_ceil(BLOCK as u64).saturating_mul(BLOCK as u64);
        if kind.is_gnu_sparse() && header.as_gnu().is_some() && self.block[482] == 1 {
            self.sparse_ext = true;
            self.data_after = padded;
        } else {
            self.data_left = padded;
        }
        Ok(())
    }

    /// Keep the PAX record bytes of `data` while a PAX block goes by.
    fn collect_pax(&mut self, data: &[u8]) {
        let Some((buf, len)) = &mut self.pax else {
            return;
        };
        let want = (*len as usize).saturating_sub(buf.len()).min(data.len());
        buf.extend_from_slice(&data[..want]);
        if buf.len() as u64 == *len {
            let (records, _) = self.pax.take().expect("matched above");
            self.pending_size = pax_size(&records);
        }
    }
}

/// The PAX `size` record, read as the tar crate reads it: the first `size`
/// key, and nothing if a record before it is malformed.
fn pax_size(records: &[u8]) -> Option<u64> {
    for record in tar::PaxExtensions::new(records) {
        let record = record.ok()?;
        if record.key() == Ok("size") {
            return record.value().ok()?.parse().ok();
        }
    }
    None
}

fn check(size: u64, what: &str, limits: &Limits) -> io::Result<()> {
    if size <= limits.get(Limit::TarHeader) {
        return Ok(());
    }
    Err(io::Error::other(LimitExceeded(format!(
        "a {what} of {size} bytes is over the limit on tar extension headers \
         (long names, PAX records): {}",
        limits.breach(Limit::TarHeader, Some(size))
    ))))
}

impl<R: Read> Read for TarGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.block_pos < self.block_len {
            let n = (self.block_len - self.block_pos).min(buf.len());
            buf[..n].copy_from_slice(&self.block[self.block_pos..self.block_pos + n]);
            self.block_pos += n;
            return Ok(n);
        }
        if self.done {
            return self.inner.read(buf);
        }
        if self.data_left == 0 {
            self.next_block()?;
            return self.read(buf);
        }
        let want = (self.data_left.min(buf.len() as u64)) as usize;
        let n = self.inner.read(&mut buf[..want])?;
        if n == 0 {
            self.done = true;
            return Ok(0);
        }
        self.data_left -= n as u64;
        self.collect_pax(&buf[..n]);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(kind: tar::EntryType, name: &str, size: u64) -> tar::Header {
        let mut h = tar::Header::new_gnu();
        h.set_path(name).unwrap();
        h.set_size(size);
        h.set_mode(0o644);
        h.set_entry_type(kind);
        h.set_cksum();
        h
    }

    fn through_guard(bytes: &[u8]) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        TarGuard::new(bytes, Limits::default()).read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn valid_archives_pass_through_unchanged() {
        let mut b = tar::Builder::new(Vec::new());
        let long = "dir/".repeat(100) + "file";
        let mut h = tar::Header::new_gnu();
        h.set_size(3);
        h.set_mode(0o644);
        b.append_data(&mut h, &long, &b"abc"[..]).unwrap();
        b.append_pax_extensions([("comment", &b"hello"[..])])
            .unwrap();
        let mut h = tar::Header::new_gnu();
        h.set_size(700);
        h.set_mode(0o644);
        b.append_data(&mut h, "after-pax", &[7u8; 700][..]).unwrap();
        let bytes = b.into_inner().unwrap();
        assert_eq!(through_guard(&bytes).unwrap(), bytes);
    }

    #[test]
    fn sparse_extension_blocks_are_followed_to_the_next_header() {
        let mut sparse = header(tar::EntryType::GNUSparse, "sparse", 512);
        sparse.as_mut_bytes()[482] = 1;
        sparse.set_cksum();
        let mut bytes = sparse.as_bytes().to_vec();
        bytes.extend_from_slice(&[0u8; 512]); // extension block, not extended further
        bytes[512] = b'0'; // not all zeros, or it would read as the end
        bytes.extend_from_slice(&[b'x'; 512]); // the data
        let huge = header(tar::EntryType::GNULongName, "././@LongLink", 2 << 20);
        bytes.extend_from_slice(huge.as_bytes());
        let err = through_guard(&bytes).unwrap_err();
        assert!(
            limit_of(&err).unwrap().contains("GNU long-name header"),
            "{err}"
        );
    }

    #[test]
    fn a_pax_size_decides_where_the_next_header_is() {
        let record = b"12 size=600\n";
        let mut bytes = header(tar::EntryType::XHeader, "pax", record.len() as u64)
            .as_bytes()
            .to_vec();
        bytes.extend_from_slice(record);
        bytes.resize(1024, 0);
        bytes.extend_from_slice(header(tar::EntryType::Regular, "f", 0).as_bytes());
        // 600 bytes of data, padded to 1024, hold what looks like a huge header.
        let fake = header(tar::EntryType::GNULongName, "././@LongLink", 2 << 20);
        bytes.extend_from_slice(fake.as_bytes());
        bytes.resize(bytes.len() + 512, b'y');
        bytes.extend_from_slice(&[0; 1024]);
        assert_eq!(through_guard(&bytes).unwrap(), bytes);
    }
}
