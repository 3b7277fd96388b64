//! Reading a layer's tar-split: the JSON-lines record (gzipped) that engines
//! keep of each layer's original tar. It gives the walk the tar's entry order
//! and, for regular files, a CRC-64 of the content.

use std::fs::File;
use std::path::Path;

use super::base64;

/// One entry of a layer's original tar, from its tar-split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct TarEntry {
    pub(super) name: Vec<u8>,
    /// CRC-64 of a regular file's content, as tar-split records it.
    pub(super) crc: Option<u64>,
}

/// Entries, in order, from a layer's tar-split (the record of its original tar
/// that engines keep to reproduce it byte for byte). `None` if unreadable.
pub(super) fn entries(path: &Path) -> Option<Vec<TarEntry>> {
    #[derive(serde::Deserialize)]
    struct Record {
        #[serde(rename = "type")]
        kind: u8,
        #[serde(default)]
        name: Option<String>,
        #[serde(default)]
        name_raw: Option<String>,
        #[serde(default)]
        payload: Option<String>,
    }
    let file = File::open(path).ok()?;
    let reader = std::io::BufReader::new(flate2::read::MultiGzDecoder::new(file));
    let mut names = Vec::new();
    for line in std::io::BufRead::lines(reader) {
        let record: Record = serde_json::from_str(&line.ok()?).ok()?;
        if record.kind != 1 {
            continue;
        }
        let raw = match (record.name_raw, record.name) {
            (Some(b64), _) => base64::decode(&b64)?,
            (None, Some(name)) => name.into_bytes(),
            (None, None) => continue,
        };
        let crc = record
            .payload
            .as_deref()
            .and_then(base64::decode)
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
            .map(u64::from_be_bytes);
        if let crate::layer::path::Normalized::Path(name) = crate::layer::path::normalize(&raw) {
            names.push(TarEntry { name, crc });
        }
    }
    Some(names)
}
