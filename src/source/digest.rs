//! Checking a blob against the digest it is stored under.
//!
//! OCI layouts and Docker 25+ archives store every blob at
//! `blobs/<algorithm>/<hex>`; the path is the promise of its content. Layers
//! are hashed as they stream by (the same pass that parses them), metadata
//! when it is read. `sha256` and `sha512` are checked; any other algorithm is
//! an error while verification is on, since an unchecked blob would be trusted
//! silently.

use std::io::{self, BufRead, BufReader, Read};

use sha2::{Digest, Sha256, Sha512};

use crate::error::{Error, Result};
use crate::layer::{Compression, LayerIndex, sniff};

/// What a blob must hash to: its algorithm and lowercase hex.
#[derive(Debug, Clone)]
pub(crate) struct Expected {
    algorithm: String,
    hex: String,
}

/// The digest a blob path promises, when it is `blobs/<algorithm>/<hex>`.
pub(crate) fn expected_from_path(path: &str) -> Option<Expected> {
    let rest = path.trim_start_matches("./").strip_prefix("blobs/")?;
    let (algorithm, hex) = rest.split_once('/')?;
    (!algorithm.is_empty() && !hex.is_empty() && !hex.contains('/')).then(|| Expected {
        algorithm: algorithm.to_string(),
        hex: hex.to_ascii_lowercase(),
    })
}

impl Expected {
    /// A hasher for this digest's algorithm; an unknown algorithm is an error
    /// naming `blob` of `source_name`.
    pub(crate) fn hasher(&self, source_name: &str, blob: &str) -> Result<Hasher> {
        match self.algorithm.as_str() {
            "sha256" => Ok(Hasher::Sha256(Sha256::new())),
            "sha512" => Ok(Hasher::Sha512(Sha512::new())),
            other => Err(Error::UnsupportedDigest {
                source_name: source_name.into(),
                blob: blob.into(),
                algorithm: other.into(),
            }),
        }
    }

    /// Compare a finished hash with this digest.
    pub(crate) fn check(&self, source_name: &str, blob: &str, hasher: Hasher) -> Result<()> {
        let actual = hasher.finish();
        if actual == self.hex {
            return Ok(());
        }
        Err(Error::BlobDigestMismatch {
            source_name: source_name.into(),
            blob: blob.into(),
            actual: format!("{}:{actual}", self.algorithm),
        })
    }
}

/// Check in-memory `bytes` stored at `path` (a no-op for paths that promise
/// no digest).
pub(crate) fn check_bytes(source_name: &str, path: &str, bytes: &[u8]) -> Result<()> {
    let Some(expected) = expected_from_path(path) else {
        return Ok(());
    };
    let mut hasher = expected.hasher(source_name, path)?;
    hasher.update(bytes);
    expected.check(source_name, path, hasher)
}

/// A running hash of one of the supported algorithms.
pub(crate) enum Hasher {
    Sha256(Sha256),
    Sha512(Sha512),
}

impl Hasher {
    pub(crate) fn update(&mut self, bytes: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(bytes),
            Hasher::Sha512(h) => h.update(bytes),
        }
    }

    fn finish(self) -> String {
        match self {
            Hasher::Sha256(h) => hex::encode(h.finalize()),
            Hasher::Sha512(h) => hex::encode(h.finalize()),
        }
    }
}

/// Hashes every byte read through it.
pub(crate) struct HashingReader<R> {
    pub(crate) inner: R,
    pub(crate) hasher: Option<Hasher>,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(h) = &mut self.hasher {
            h.update(&buf[..n]);
        }
        Ok(n)
    }
}

/// Read a layer blob through its digest check: parse it with `read`, then
/// drain what the parser left (trailing padding is part of the blob) and
/// compare. Returns what `read` gave and, separately, the blob check, so the
/// caller decides which error to report first. With `verify` off, or for a
/// blob path that promises no digest, the check is `Ok`. The blob is hashed
/// to its end only when `read` succeeded.
///
/// An uncompressed blob under a sha256 digest is not hashed twice: its
/// diff_id (the parser's SHA-256 of the same bytes, drained to the end) is
/// its digest.
pub(crate) fn read_checked<R: Read, E>(
    reader: R,
    blob: (&str, &str),
    verify: bool,
    read: impl FnOnce(&mut HashingReader<BufReader<R>>) -> std::result::Result<LayerIndex, E>,
) -> (std::result::Result<LayerIndex, E>, Result<()>) {
    let (source_name, path) = blob;
    let expected = expected_from_path(path).filter(|_| verify);
    let mut reader = BufReader::with_capacity(64 * 1024, reader);
    let plain = reader
        .fill_buf()
        .is_ok_and(|head| sniff(head) == Ok(Compression::None));
    let by_diff_id = plain && expected.as_ref().is_some_and(|e| e.algorithm == "sha256");
    let (hasher, mut check) = match expected.as_ref().map(|e| e.hasher(source_name, path)) {
        Some(Ok(h)) if !by_diff_id => (Some(h), Ok(())),
        Some(Err(e)) => (None, Err(e)),
        _ => (None, Ok(())),
    };
    let mut reader = HashingReader {
        inner: reader,
        hasher,
    };
    let out = read(&mut reader);
    let (Ok(index), Some(expected)) = (&out, &expected) else {
        return (out, check);
    };
    if by_diff_id {
        let actual = index
            .diff_id
            .as_deref()
            .and_then(|d| d.strip_prefix("sha256:"));
        if let Some(actual) = actual.filter(|a| *a != expected.hex) {
            check = Err(Error::BlobDigestMismatch {
                source_name: source_name.into(),
                blob: path.into(),
                actual: format!("sha256:{actual}"),
            });
        }
    } else if let Some(hasher) = reader.hasher.take() {
        let mut rest = HashingReader {
            inner: &mut reader.inner,
            hasher: Some(hasher),
        };
        check = match io::copy(&mut rest, &mut io::sink()) {
            Ok(_) => expected.check(source_name, path, rest.hasher.take().expect("set above")),
            Err(e) => Err(Error::ReadFailed {
                source_name: source_name.into(),
                reason: format!("reading blob '{path}' to its end: {e}"),
            }),
        };
    }
    (out, check)
}

/// The text of a caught panic.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a worker thread panicked".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_promise_digests_and_unknown_algorithms_are_refused() {
        let e = expected_from_path("blobs/sha256/ABC").unwrap();
        assert_eq!((e.algorithm.as_str(), e.hex.as_str()), ("sha256", "abc"));
        assert!(expected_from_path("abc/layer.tar").is_none());
        let md5 = expected_from_path("blobs/md5/0123").unwrap();
        let err = md5.hasher("img", "blobs/md5/0123").err().unwrap();
        assert!(err.to_string().contains("'md5'"), "{err}");
        let empty512 = "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce\
                        47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e";
        assert!(check_bytes("img", &format!("blobs/sha512/{empty512}"), b"").is_ok());
        let err = check_bytes("img", &format!("blobs/sha512/{empty512}"), b"x").unwrap_err();
        assert!(err.to_string().contains("blob 'blobs/sha512/"), "{err}");
    }
}
