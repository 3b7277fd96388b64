//! The small binary encoding the caches write (`layer::cache` for layer
//! indexes, the tree's own codec for a merged tree): little-endian integers
//! and length-prefixed byte strings. Reading never trusts a length: a count
//! the rest of the input cannot hold is a decode failure, not an allocation.

use super::EntryKind;

const KINDS: [EntryKind; 9] = [
    EntryKind::File,
    EntryKind::Dir,
    EntryKind::Symlink,
    EntryKind::HardLink,
    EntryKind::CharDevice,
    EntryKind::BlockDevice,
    EntryKind::Fifo,
    EntryKind::Whiteout,
    EntryKind::Opaque,
];

pub(crate) fn kind_code(kind: EntryKind) -> u8 {
    KINDS.iter().position(|&k| k == kind).unwrap_or(0) as u8
}

pub(crate) fn kind_of(code: u8) -> Option<EntryKind> {
    KINDS.get(usize::from(code)).copied()
}

#[derive(Default)]
pub(crate) struct Writer(pub(crate) Vec<u8>);

impl Writer {
    pub(crate) fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    pub(crate) fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub(crate) fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub(crate) fn u128(&mut self, v: u128) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub(crate) fn bytes(&mut self, b: &[u8]) {
        self.u64(b.len() as u64);
        self.0.extend_from_slice(b);
    }
    /// A tag byte, then the bytes when there are some (a link target).
    pub(crate) fn opt_bytes(&mut self, b: Option<&[u8]>) {
        self.u8(u8::from(b.is_some()));
        if let Some(b) = b {
            self.bytes(b);
        }
    }
}

pub(crate) struct Reader<'a>(pub(crate) &'a [u8]);

impl<'a> Reader<'a> {
    pub(crate) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.0.len() {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }
    pub(crate) fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }
    pub(crate) fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    pub(crate) fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    pub(crate) fn u128(&mut self) -> Option<u128> {
        Some(u128::from_le_bytes(self.take(16)?.try_into().ok()?))
    }
    pub(crate) fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = usize::try_from(self.u64()?).ok()?;
        self.take(n)
    }
    /// What [`Writer::opt_bytes`] wrote; the bytes are only copied out when
    /// `keep` (a check that allocates nothing).
    pub(crate) fn opt_bytes(&mut self, keep: bool) -> Option<Option<Box<[u8]>>> {
        match self.u8()? {
            0 => Some(None),
            1 => Some(Some(self.bytes()?).filter(|_| keep).map(Into::into)),
            _ => None,
        }
    }
    /// A count of items at least `min_size` bytes each that the rest can hold.
    pub(crate) fn count(&mut self, min_size: usize) -> Option<usize> {
        let n = usize::try_from(self.u64()?).ok()?;
        (n <= self.0.len() / min_size.max(1)).then_some(n)
    }
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
