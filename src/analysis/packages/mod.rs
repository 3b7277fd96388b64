//! Package inventories: which packages the final filesystem holds, with the
//! bytes of their own files and the layer that brought most of them.
//!
//! Sources: dpkg (`/var/lib/dpkg/status` with `info/*.list`, or distroless's
//! `status.d/`), apk (`/lib/apk/db/installed`), Python (`*.dist-info/RECORD`) and
//! npm (`node_modules/**/package.json`, each package's own directory without
//! its nested `node_modules`). The contents come from the read pass (see
//! [`crate::layer::sniff::wanted`]); only the live version of each file is used.
//!
//! For Node projects the dev-only packages are worked out from the lockfile
//! (`package-lock.json` v1–v3 `dev: true`, or `yarn.lock` / `pnpm-lock.yaml` with `package.json`),
//! and without one from the installed packages' own dependency graph: the
//! closure of the root's devDependencies minus the closure of its dependencies.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::layer::EntryKind;
use crate::layer::path::{Normalized, normalize};
use crate::tree::{MergedTree, NodeId};

mod dev;
mod language;
mod system;

pub use dev::{DevDependencies, dev_dependencies};

/// Whole contents of captured files, latest version per node.
#[derive(Debug, Default, Clone)]
pub struct Captures(HashMap<NodeId, (u16, Vec<u8>)>, u64);

impl Captures {
    /// Keep `bytes` as what `layer` wrote at `id` (later layers replace
    /// earlier). `false`, keeping nothing for `id`, when the image's captures
    /// would pass `limit` (the `package-image` limit: bounded so that an image
    /// of many large `package.json` files cannot exhaust memory).
    pub fn insert(&mut self, id: NodeId, layer: u16, bytes: Vec<u8>, limit: u64) -> bool {
        if let Some((_, old)) = self.0.remove(&id) {
            self.1 -= old.len() as u64;
        }
        if self.1 + bytes.len() as u64 > limit {
            return false;
        }
        self.1 += bytes.len() as u64;
        self.0.insert(id, (layer, bytes));
        true
    }

    /// The bytes held.
    pub fn held(&self) -> u64 {
        self.1
    }

    /// The content of `id` as the final filesystem has it, if it was captured.
    pub fn live<'a>(&'a self, tree: &MergedTree, id: NodeId) -> Option<&'a [u8]> {
        let last = tree.node(id).history.last()?;
        let (layer, bytes) = self.0.get(&id)?;
        (last.op != crate::tree::Op::Removed && last.layer == *layer).then_some(&bytes[..])
    }

    pub fn live_at<'a>(&'a self, tree: &MergedTree, path: &[u8]) -> Option<&'a [u8]> {
        self.live(tree, tree.lookup(path)?)
    }

    fn ids(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.0.keys().copied()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Package {
    /// `deb`, `apk`, `python` or `npm`.
    #[serde(deserialize_with = "crate::vocab::statics::one")]
    pub ecosystem: crate::vocab::Fixed,
    pub name: String,
    pub version: String,
    /// Bytes of the package's own live files.
    pub bytes: u64,
    pub files: usize,
    /// The layer holding most of those bytes.
    pub layer: Option<usize>,
    /// Where it is installed (npm and Python: its directory).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Its live files.
    #[serde(skip)]
    pub nodes: Vec<NodeId>,
}

/// Every package found, largest first.
pub fn inventory(tree: &MergedTree, captures: &Captures) -> Vec<Package> {
    let mut out = Vec::new();
    system::dpkg(tree, captures, &mut out);
    system::apk(tree, captures, &mut out);
    language::python(tree, captures, &mut out);
    language::npm(tree, captures, &mut out);
    out.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.name.cmp(&b.name)));
    out
}

/// A package built from a list of absolute paths: live regular files only.
fn package_from_paths<'a>(
    tree: &MergedTree,
    ecosystem: &'static str,
    name: String,
    version: String,
    paths: impl Iterator<Item = &'a [u8]>,
) -> Package {
    let mut seen = HashSet::new();
    let mut nodes = Vec::new();
    for raw in paths {
        let Normalized::Path(p) = normalize(raw) else {
            continue;
        };
        let Some(id) = tree.resolve(&p) else { continue };
        if tree
            .node(id)
            .live()
            .is_some_and(|m| m.kind == EntryKind::File)
            && seen.insert(id)
        {
            nodes.push(id);
        }
    }
    finish(tree, ecosystem, name, version, nodes, None)
}

fn finish(
    tree: &MergedTree,
    ecosystem: &'static str,
    name: String,
    version: String,
    nodes: Vec<NodeId>,
    location: Option<String>,
) -> Package {
    let mut by_layer: BTreeMap<usize, u64> = BTreeMap::new();
    let mut bytes = 0;
    for &id in &nodes {
        let node = tree.node(id);
        let size = node.live().map_or(0, |m| m.size);
        bytes += size;
        if let Some(c) = node.history.last() {
            *by_layer.entry(c.layer as usize).or_default() += size.max(1);
        }
    }
    Package {
        ecosystem,
        name,
        version,
        bytes,
        files: nodes.len(),
        layer: by_layer
            .into_iter()
            .max_by_key(|&(l, b)| (b, std::cmp::Reverse(l)))
            .map(|(l, _)| l),
        location,
        nodes,
    }
}

/// RFC 822-style paragraphs (dpkg status, apk's `K:value` database).
fn paragraphs(text: &str) -> impl Iterator<Item = &str> {
    text.split("\n\n").filter(|p| !p.trim().is_empty())
}

fn field<'a>(paragraph: &'a str, name: &str) -> Option<&'a str> {
    paragraph.lines().find_map(|l| {
        l.strip_prefix(name)
            .and_then(|rest| rest.strip_prefix(':'))
            .map(str::trim)
    })
}
