//! `ballast diff OLD NEW`: why an image grew (or shrank).
//!
//! Two analyses, from any two sources, compared: the size change overall; per
//! layer (matched by diff_id, then by command, so a rebuilt step shows as
//! changed rather than as one layer gone and one new); per directory, largest
//! growth first; the files added, removed and changed; and the findings that
//! appeared or went away. Paths are compared as strings, so an engine export
//! and an OCI archive of the same image give an empty diff.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use super::Analysis;
use crate::layer::EntryKind;
use crate::layer::path::display;
use crate::vocab::Rule;

/// How many directories and files each list shows.
const TOP: usize = 20;

#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    pub old: String,
    pub new: String,
    pub shipped: Change,
    pub live: Change,
    pub reclaimable: Change,
    pub layers: Vec<LayerDiff>,
    /// Directories by growth of their live bytes, largest first.
    pub directories: Vec<DirDiff>,
    pub files: FileChanges,
    pub findings_appeared: Vec<FindingKey>,
    pub findings_gone: Vec<FindingKey>,
}

impl Diff {
    /// The three totals, named, in the order every rendering shows them.
    pub fn totals(&self) -> [(&'static str, &Change); 3] {
        [
            ("shipped", &self.shipped),
            ("live", &self.live),
            ("reclaimable", &self.reclaimable),
        ]
    }
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct Change {
    pub old: u64,
    pub new: u64,
    pub delta: i64,
}

impl Change {
    fn of(old: u64, new: u64) -> Change {
        Change {
            old,
            new,
            delta: new as i64 - old as i64,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct LayerDiff {
    /// `same`, `changed` (matched by command), `added`, `removed`.
    pub status: &'static str,
    pub old_index: Option<usize>,
    pub new_index: Option<usize>,
    pub command: Option<String>,
    pub size: Change,
}

#[derive(Debug, Clone, Serialize)]
pub struct DirDiff {
    pub path: String,
    pub size: Change,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileChanges {
    pub added: usize,
    pub removed: usize,
    pub changed: usize,
    pub added_bytes: u64,
    pub removed_bytes: u64,
    /// The largest, each with its size change.
    pub top_added: Vec<DirDiff>,
    pub top_removed: Vec<DirDiff>,
    pub top_changed: Vec<DirDiff>,
}

impl FileChanges {
    /// The three top lists, named, in the order every rendering shows them.
    pub fn lists(&self) -> [(&'static str, &Vec<DirDiff>); 3] {
        [
            ("added", &self.top_added),
            ("removed", &self.top_removed),
            ("changed", &self.top_changed),
        ]
    }
}

/// A finding as it is compared across images: rule, where, and its bytes.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FindingKey {
    pub rule: Rule,
    pub path: Option<String>,
    pub bytes: u64,
    pub advice: String,
}

/// Live files: path → (size, content hash).
fn live_files(a: &Analysis) -> HashMap<String, (u64, u128)> {
    a.tree
        .nodes()
        .filter_map(|(id, n)| {
            let m = n.live()?;
            (m.kind != EntryKind::Dir)
                .then(|| (display(&a.tree.path(id)), (m.size, m.content_hash())))
        })
        .collect()
}

/// Whether a file at one path differs between two images, from its (size,
/// content hash) in each: by size, then by content where both hashes are
/// known (0 is unknown). The HTML diff map colours files by it too.
pub(crate) fn differs((old_size, old): (u64, u128), (new_size, new): (u64, u128)) -> bool {
    old_size != new_size || (old != 0 && new != 0 && old != new)
}

/// Live bytes per directory (every ancestor of every file).
fn dir_sizes(files: &HashMap<String, (u64, u128)>) -> HashMap<String, u64> {
    let mut dirs: HashMap<String, u64> = HashMap::new();
    for (path, &(size, _)) in files {
        let mut p = path.as_str();
        while let Some(i) = p.rfind('/') {
            p = &p[..i];
            *dirs
                .entry(if p.is_empty() {
                    "/".to_string()
                } else {
                    p.to_string()
                })
                .or_default() += size;
        }
    }
    dirs
}

pub fn diff(old: &Analysis, new: &Analysis) -> Diff {
    let (of, nf) = (live_files(old), live_files(new));
    let mut added: Vec<DirDiff> = Vec::new();
    let mut removed: Vec<DirDiff> = Vec::new();
    let mut changed: Vec<DirDiff> = Vec::new();
    for (path, &(size, content)) in &nf {
        match of.get(path) {
            None => added.push(DirDiff {
                path: path.clone(),
                size: Change::of(0, size),
            }),
            Some(&(old_size, old_content)) if differs((old_size, old_content), (size, content)) => {
                changed.push(DirDiff {
                    path: path.clone(),
                    size: Change::of(old_size, size),
                });
            }
            Some(_) => {}
        }
    }
    for (path, &(size, _)) in &of {
        if !nf.contains_key(path) {
            removed.push(DirDiff {
                path: path.clone(),
                size: Change::of(size, 0),
            });
        }
    }
    let by_size = |v: &mut Vec<DirDiff>| {
        v.sort_by(|a, b| {
            b.size
                .delta
                .abs()
                .cmp(&a.size.delta.abs())
                .then_with(|| a.path.cmp(&b.path))
        })
    };
    by_size(&mut added);
    by_size(&mut removed);
    by_size(&mut changed);
    let files = FileChanges {
        added: added.len(),
        removed: removed.len(),
        changed: changed.len(),
        added_bytes: added.iter().map(|d| d.size.new).sum(),
        removed_bytes: removed.iter().map(|d| d.size.old).sum(),
        top_added: added.into_iter().take(TOP).collect(),
        top_removed: removed.into_iter().take(TOP).collect(),
        top_changed: changed.into_iter().take(TOP).collect(),
    };

    Diff {
        old: old.image.reference.clone(),
        new: new.image.reference.clone(),
        shipped: Change::of(old.metrics.shipped_bytes, new.metrics.shipped_bytes),
        live: Change::of(old.metrics.live_bytes, new.metrics.live_bytes),
        reclaimable: Change::of(old.metrics.reclaimable_bytes, new.metrics.reclaimable_bytes),
        layers: layer_diff(old, new),
        directories: directory_growth(&of, &nf),
        files,
        findings_appeared: finding_diff(new, old),
        findings_gone: finding_diff(old, new),
    }
}

fn layer_diff(old: &Analysis, new: &Analysis) -> Vec<LayerDiff> {
    let (ol, nl) = (&old.image.layers, &new.image.layers);
    let mut matched_old: HashSet<usize> = HashSet::new();
    let mut pairs: BTreeMap<usize, (usize, &'static str)> = BTreeMap::new();
    // By diff_id first (the same content), then by command among the rest.
    for (ni, n) in nl.iter().enumerate() {
        if let Some(oi) = ol
            .iter()
            .position(|o| o.diff_id == n.diff_id)
            .filter(|oi| !matched_old.contains(oi))
        {
            matched_old.insert(oi);
            pairs.insert(ni, (oi, "same"));
        }
    }
    for (ni, n) in nl.iter().enumerate() {
        if pairs.contains_key(&ni) || n.command.is_none() {
            continue;
        }
        if let Some(oi) =
            (0..ol.len()).find(|oi| !matched_old.contains(oi) && ol[*oi].command == n.command)
        {
            matched_old.insert(oi);
            pairs.insert(ni, (oi, "changed"));
        }
    }
    let mut out: Vec<LayerDiff> = nl
        .iter()
        .enumerate()
        .map(|(ni, n)| match pairs.get(&ni) {
            Some(&(oi, status)) => LayerDiff {
                status,
                old_index: Some(oi),
                new_index: Some(ni),
                command: n.command.clone(),
                size: Change::of(ol[oi].size_bytes, n.size_bytes),
            },
            None => LayerDiff {
                status: "added",
                old_index: None,
                new_index: Some(ni),
                command: n.command.clone(),
                size: Change::of(0, n.size_bytes),
            },
        })
        .collect();
    for (oi, o) in ol.iter().enumerate() {
        if !matched_old.contains(&oi) {
            out.push(LayerDiff {
                status: "removed",
                old_index: Some(oi),
                new_index: None,
                command: o.command.clone(),
                size: Change::of(o.size_bytes, 0),
            });
        }
    }
    out
}

/// Directories whose live bytes changed, largest change first; of a chain of
/// directories with the same change only the deepest is kept (it says more).
fn directory_growth(
    of: &HashMap<String, (u64, u128)>,
    nf: &HashMap<String, (u64, u128)>,
) -> Vec<DirDiff> {
    let (od, nd) = (dir_sizes(of), dir_sizes(nf));
    let names: HashSet<&String> = od.keys().chain(nd.keys()).collect();
    let mut all: Vec<DirDiff> = names
        .into_iter()
        .map(|p| DirDiff {
            path: p.clone(),
            size: Change::of(
                od.get(p).copied().unwrap_or(0),
                nd.get(p).copied().unwrap_or(0),
            ),
        })
        .filter(|d| d.size.delta != 0)
        .collect();
    // Deepest first among equal changes, so ancestors with the same change are
    // recognised as redundant.
    all.sort_by(|a, b| {
        b.size
            .delta
            .abs()
            .cmp(&a.size.delta.abs())
            .then(
                b.path
                    .matches('/')
                    .count()
                    .cmp(&a.path.matches('/').count()),
            )
            .then(a.path.cmp(&b.path))
    });
    let mut kept: Vec<DirDiff> = Vec::new();
    for d in all {
        let prefix = if d.path == "/" {
            "/".to_string()
        } else {
            format!("{}/", d.path)
        };
        let redundant = kept
            .iter()
            .any(|k| k.size.delta == d.size.delta && k.path.starts_with(&prefix));
        if !redundant {
            kept.push(d);
        }
        if kept.len() == TOP {
            break;
        }
    }
    kept
}

/// Findings of `a` that `b` does not have (by rule and first path).
fn finding_diff(a: &Analysis, b: &Analysis) -> Vec<FindingKey> {
    let first = |f: &super::Finding| {
        let p = f.paths.first()?;
        p.path.clone().or_else(|| p.config_key.clone())
    };
    let key = |f: &super::Finding| (f.rule, first(f));
    let theirs: HashSet<_> = b.findings.iter().map(key).collect();
    a.findings
        .iter()
        .filter(|f| !theirs.contains(&key(f)))
        .map(|f| FindingKey {
            rule: f.rule,
            path: first(f),
            bytes: f.bytes,
            advice: f.advice.clone(),
        })
        .collect()
}
