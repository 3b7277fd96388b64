//! Findings: every wasted byte and risky file, by cause, with the fix.
//!
//! dive only sees paths that occur in two layers. Here each cause is named: the
//! bytes a later layer deleted or overwrote (still shipped), identical copies,
//! `.git`, package caches, toolchains, bytecode, docs, junk, secrets in any
//! layer (deleted ones included: they are still in the image), and the config's
//! hygiene (root user, no healthcheck, setuid and world-writable files).
//!
//! Each finding carries the bytes fixing it reclaims, the layer that introduced
//! it with that layer's command, the paths (largest first) and the concrete
//! Dockerfile change. `reclaimable_bytes` counts every byte once: hidden bytes
//! (deleted or overwritten, whatever rule names them) first, then each live file
//! flagged by any rule once, whichever rule flagged it (`FlaggedBytes`).
//!
//! The rules live by family: `waste` (hidden versions, duplicates),
//! `packages` (caches, dev dependencies, toolchains), `clutter` (VCS
//! directories, bytecode, docs, junk), `security` (secrets, permission bits)
//! and `config` (root user, health check); `lookup` is where they look in the
//! merged tree.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::LayerInfo;
use super::packages::{DevDependencies, Package};
use crate::layer::EntryKind;
use crate::source::layout::ImageConfig;
use crate::tree::{MergedTree, NodeId};
use crate::vocab::{Category, Rule, Severity};

mod clutter;
mod config;
mod lookup;
mod packages;
mod security;
mod waste;

use lookup::{Group, glob, live_dirs_named, main_layer};

/// How many paths a finding lists before it only counts the rest.
const MAX_PATHS: usize = 10;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Finding {
    /// Stable kebab-case id.
    pub rule: Rule,
    /// `waste` (shipped but unseen), `bloat` (live but unneeded),
    /// `security`, `reliability`.
    pub category: Category,
    /// `high`, `medium`, `low` or `info`.
    pub severity: Severity,
    /// What fixing it reclaims.
    pub bytes: u64,
    /// The layer that introduced it.
    pub layer: Option<FindingLayer>,
    /// Largest first, at most ten.
    pub paths: Vec<FindingPath>,
    /// How many more paths there are.
    pub paths_omitted: usize,
    /// The packages the finding is about, largest first (where known).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub packages: Vec<FindingPackage>,
    pub advice: String,
    /// The Dockerfile line of the instruction that made `layer`, when the
    /// image was joined to its Dockerfile (`--dockerfile`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dockerfile_line: Option<usize>,
    /// Live files the finding would remove (for `reclaimable_bytes` and the TUI).
    #[serde(skip)]
    pub nodes: Vec<NodeId>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FindingLayer {
    pub index: usize,
    pub command: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FindingPackage {
    #[serde(deserialize_with = "crate::vocab::statics::one")]
    pub ecosystem: crate::vocab::Fixed,
    pub name: String,
    pub version: String,
    pub bytes: u64,
}

impl From<&Package> for FindingPackage {
    fn from(p: &Package) -> Self {
        FindingPackage {
            ecosystem: p.ecosystem,
            name: p.name.clone(),
            version: p.version.clone(),
            bytes: p.bytes,
        }
    }
}

/// One thing a finding is about: a path exactly as it is in the image, with
/// what else is known about it in fields of its own (never glued onto the
/// path), or a key of the image config or history (`path` is then `None`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct FindingPath {
    /// The path as in the image; `None` for a config or history key.
    pub path: Option<String>,
    pub bytes: u64,
    /// The permission bits in octal ("4755"), for `setuid` and `world-writable`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// The layer this version of the path comes from, where a finding's paths
    /// come from several layers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<usize>,
    /// The later layer that deleted it (the bytes still ship).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_in: Option<usize>,
    /// The later layer that wrote it again (the bytes still ship).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaced_in: Option<usize>,
    /// For a value in the image config or history: `ENV NAME` or `ARG NAME`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_key: Option<String>,
    /// Where `config_key` was found: `image-config` or `build-history`.
    #[serde(
        skip_serializing_if = "Option::is_none",
        default,
        deserialize_with = "crate::vocab::statics::opt"
    )]
    pub config_source: Option<crate::vocab::Fixed>,
}

impl FindingPath {
    /// A path in the image and its bytes, nothing else known.
    pub fn file(path: String, bytes: u64) -> FindingPath {
        FindingPath {
            path: Some(path),
            bytes,
            ..FindingPath::default()
        }
    }
}

/// Everything the rules look at.
pub struct Input<'a> {
    pub tree: &'a MergedTree,
    pub layers: &'a [LayerInfo],
    pub config: &'a ImageConfig,
    pub packages: &'a [Package],
    pub dev: &'a [DevDependencies],
}

impl Input<'_> {
    fn layer(&self, index: usize) -> Option<FindingLayer> {
        self.layers.get(index).map(|l| FindingLayer {
            index,
            command: l.command.clone(),
        })
    }

    /// "the RUN in layer 3", "the COPY in layer 1".
    fn step(&self, index: usize) -> String {
        let word = self
            .layers
            .get(index)
            .and_then(|l| l.command.as_deref())
            .and_then(|c| c.split_whitespace().next())
            .filter(|w| w.chars().all(|c| c.is_ascii_uppercase()) && w.len() >= 3)
            .unwrap_or("step");
        format!("the {word} in layer {index}")
    }
}

/// Run every rule. Findings come back largest first.
pub fn find(input: &Input) -> Vec<Finding> {
    let mut out = Vec::new();
    waste::hidden_versions(input, &mut out);
    waste::duplicates(input, &mut out);
    clutter::vcs_directories(input, &mut out);
    packages::caches(input, &mut out);
    packages::dev_dependencies(input, &mut out);
    packages::toolchains(input, &mut out);
    clutter::bytecode(input, &mut out);
    clutter::docs(input, &mut out);
    clutter::junk(input, &mut out);
    security::secrets(input, &mut out);
    config::config_rules(input, &mut out);
    security::permissions(input, &mut out);
    out.sort_by(|a, b| {
        (a.severity.rank())
            .cmp(&b.severity.rank())
            .then(b.bytes.cmp(&a.bytes))
            .then(a.rule.cmp(&b.rule))
    });
    out
}

/// Live bytes the findings would remove, each file once.
pub fn live_reclaimable(tree: &MergedTree, findings: &[Finding]) -> u64 {
    let mut flagged = FlaggedBytes::default();
    findings.iter().map(|f| flagged.add(tree, f)).sum()
}

/// The one count of "live bytes of flagged files, each file once": fed
/// findings one after another, it returns the bytes of each finding's live
/// regular files that no earlier finding fed to it flagged. Security and
/// reliability findings name live files too, but removing them is about risk,
/// not size: only waste and bloat count (see [`Category::is_size`]).
#[derive(Debug, Default)]
pub(crate) struct FlaggedBytes {
    seen: HashSet<NodeId>,
}

impl FlaggedBytes {
    /// The bytes `f` adds to what the findings before it flagged.
    pub(crate) fn add(&mut self, tree: &MergedTree, f: &Finding) -> u64 {
        if !f.category.is_size() {
            return 0;
        }
        f.nodes
            .iter()
            .filter(|&&id| self.seen.insert(id))
            .filter_map(|&id| tree.node(id).live())
            .filter(|m| m.kind == EntryKind::File)
            .map(|m| m.size)
            .sum()
    }
}

/// Build a finding from (path, bytes) pairs: largest first, capped.
#[allow(clippy::too_many_arguments)]
fn finding(
    rule: Rule,
    category: Category,
    severity: Severity,
    bytes: u64,
    layer: Option<FindingLayer>,
    mut paths: Vec<FindingPath>,
    advice: String,
    nodes: Vec<NodeId>,
) -> Finding {
    let name = |p: &FindingPath| p.path.clone().or_else(|| p.config_key.clone());
    paths.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| name(a).cmp(&name(b))));
    let omitted = paths.len().saturating_sub(MAX_PATHS);
    paths.truncate(MAX_PATHS);
    Finding {
        rule,
        category,
        severity,
        bytes,
        layer,
        paths,
        paths_omitted: omitted,
        packages: Vec::new(),
        advice,
        dockerfile_line: None,
        nodes,
    }
}

fn human(n: u64) -> String {
    crate::units::bytes(n)
}

#[cfg(test)]
mod tests;
