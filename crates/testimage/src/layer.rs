//! One layer as an uncompressed tar: each node becomes the entry (or, for
//! whiteouts and opaque directories, the `.wh.` marker) a real build writes,
//! with fixed times and owners so the bytes never vary.

use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use crate::spec::{LayerSpec, Node};

type Builder<W> = tar::Builder<W>;

/// Write the uncompressed tar of one layer.
pub fn write_layer_tar(spec: &LayerSpec, out: impl Write) -> io::Result<()> {
    let mut b = tar::Builder::new(out);
    b.mode(tar::HeaderMode::Deterministic);
    for node in &spec.nodes {
        let mut h = tar::Header::new_gnu();
        h.set_mtime(1_700_000_000);
        h.set_uid(0);
        h.set_gid(0);
        append(&mut b, &mut h, node)?;
    }
    b.finish()
}

/// Append one node, its header `h` already carrying the common fields.
fn append<W: Write>(b: &mut Builder<W>, h: &mut tar::Header, node: &Node) -> io::Result<()> {
    match node {
        Node::File {
            path,
            content,
            mode,
            uid,
        } => {
            h.set_entry_type(tar::EntryType::Regular);
            h.set_mode(*mode);
            h.set_uid(*uid);
            h.set_size(content.len());
            b.append_data(h, os(path), content.reader())
        }
        Node::Dir { path, mode } => {
            h.set_entry_type(tar::EntryType::Directory);
            h.set_mode(*mode);
            h.set_size(0);
            let mut p = path.clone();
            p.push(b'/');
            b.append_data(h, os(&p), io::empty())
        }
        Node::Symlink { path, target } => link(b, h, tar::EntryType::Symlink, 0o777, path, target),
        Node::HardLink { path, target } => link(b, h, tar::EntryType::Link, 0o644, path, target),
        Node::Whiteout { path } => {
            let (parent, name) = split_last(path);
            let mut p = parent.to_vec();
            if !p.is_empty() {
                p.push(b'/');
            }
            p.extend_from_slice(b".wh.");
            p.extend_from_slice(name);
            marker(b, h, &p)
        }
        Node::Opaque { dir } => {
            let mut p = dir.clone();
            p.extend_from_slice(b"/.wh..wh..opq");
            marker(b, h, &p)
        }
        Node::PaxGlobal { records } => pax_global(b, h, records),
        Node::Raw(bytes) => b.get_mut().write_all(bytes),
    }
}

/// A symlink or hard link entry.
fn link<W: Write>(
    b: &mut Builder<W>,
    h: &mut tar::Header,
    kind: tar::EntryType,
    mode: u32,
    path: &[u8],
    target: &[u8],
) -> io::Result<()> {
    h.set_entry_type(kind);
    h.set_mode(mode);
    h.set_size(0);
    b.append_link(h, os(path), os(target))
}

/// An empty whiteout or opaque marker file named `p`.
fn marker<W: Write>(b: &mut Builder<W>, h: &mut tar::Header, p: &[u8]) -> io::Result<()> {
    h.set_entry_type(tar::EntryType::Regular);
    h.set_mode(0o600);
    h.set_size(0);
    b.append_data(h, os(p), io::empty())
}

/// A PAX global header (type `g`) holding `records`.
fn pax_global<W: Write>(
    b: &mut Builder<W>,
    h: &mut tar::Header,
    records: &[(String, String)],
) -> io::Result<()> {
    let mut body = Vec::new();
    for (k, v) in records {
        let rec = format!(" {k}={v}\n");
        // The length prefix counts itself.
        let mut len = rec.len() + 1;
        while format!("{len}{rec}").len() != len {
            len += 1;
        }
        body.extend_from_slice(format!("{len}{rec}").as_bytes());
    }
    h.set_entry_type(tar::EntryType::XGlobalHeader);
    h.set_mode(0o644);
    h.set_size(body.len() as u64);
    b.append_data(h, "pax_global_header", &body[..])
}

/// Split a path at its last `/`: (parent, name), the parent empty at the root.
fn split_last(path: &[u8]) -> (&[u8], &[u8]) {
    match path.iter().rposition(|&c| c == b'/') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => (&[], path),
    }
}

pub(crate) fn os(p: &[u8]) -> &Path {
    Path::new(std::ffi::OsStr::from_bytes(p))
}
