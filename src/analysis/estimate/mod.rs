//! Savings estimates: what a multi-stage build or a smaller base would save,
//! and what would break on the way.
//!
//! Users ask "multi-stage? alpine? distroless?" and answer it by trial and
//! error. Here the answer comes from the image they have: which layers are the
//! base (the history, the OS release files), its libc and runtime, the bytes a
//! final stage would not carry (the findings' toolchains, dev dependencies and
//! caches, sources of compiled languages, hidden bytes), and for each candidate
//! base in `assets/bases.toml` the size after the switch with the traps that
//! decide whether it works: glibc-linked native code on musl, shell-form
//! commands on a base without a shell, CA certificates and tzdata.
//!
//! Every number counts each byte once, from the merged tree: a file belongs to
//! the layer that wrote its live version. An estimate states what it assumes;
//! it is never a measurement.
//!
//! By job: `base` finds the base, `facts` gathers what the estimates need
//! (with `dropped` and `sources`: what a final stage leaves behind),
//! `multi_stage` and `switch` make the two kinds of estimate, `dockerfile`
//! writes the proposed multi-stage Dockerfile, `table` is the reference table.

use serde::{Deserialize, Serialize};

mod base;
mod dockerfile;
mod dropped;
mod facts;
mod multi_stage;
mod sources;
mod switch;
mod table;

pub use base::{BaseInfo, OsRelease, Runtime};
pub use dockerfile::{MultiStagePlan, Step, propose_dockerfile};
pub use table::{BASES_TOML, BaseImage, reference_table};

use super::packages::{Captures, Package};
use super::{Finding, LayerInfo};
use crate::layer::EntryKind;
use crate::source::layout::ImageConfig;
use crate::tree::{MergedTree, NodeId, ROOT};
use crate::vocab::Strategy;

/// Paths listed per warning or dropped group.
const MAX_PATHS: usize = 5;

/// One estimate, in the JSON `estimates` list.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Estimate {
    /// `multi-stage` or `base-switch`.
    pub strategy: Strategy,
    /// The base the estimate puts under the app (`base-switch`), with the
    /// reference-table row it comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub candidate: Option<BaseImage>,
    pub size_before: u64,
    pub size_after: u64,
    pub bytes_saved: u64,
    /// `base-switch` only: the size when the final stage on the candidate is
    /// also multi-stage (copies the app without what [`Dropped`] lists).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub with_multi_stage: Option<u64>,
    /// No blocking warning: the switch should work with the changes the
    /// warnings name.
    pub feasible: bool,
    pub assumptions: Vec<String>,
    pub warnings: Vec<EstimateWarning>,
    /// What a final stage would leave behind (`multi-stage`), largest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dropped: Vec<Dropped>,
    /// The proposed multi-stage Dockerfile, derived from the history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dockerfile: Option<String>,
}

impl Estimate {
    /// The kinds of the warnings that block this estimate (empty: feasible).
    pub fn blocking_kinds(&self) -> Vec<&'static str> {
        self.warnings
            .iter()
            .filter(|w| w.blocking)
            .map(|w| w.kind)
            .collect()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct EstimateWarning {
    /// Stable kebab-case id: `glibc-native-code`, `musl-native-code`,
    /// `dynamic-binary`, `shell-form`, `run-needs-shell`, `package-manager`,
    /// `ca-certificates`, `tzdata`, `size-figure`.
    #[serde(deserialize_with = "crate::vocab::statics::one")]
    pub kind: crate::vocab::Fixed,
    /// The switch does not work until this is dealt with.
    pub blocking: bool,
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Dropped {
    /// `hidden`, `build-toolchain`, `dev-dependencies`, `package-cache`,
    /// `typescript-sources`, `rust-sources`, `rust-build`, `java-sources`,
    /// `go-sources`, `go-toolchain`.
    #[serde(deserialize_with = "crate::vocab::statics::one")]
    pub what: crate::vocab::Fixed,
    pub bytes: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
}

/// What the estimates need from the analysis, kept for later candidates
/// ([`base_switch`] with a base measured from a local image).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Facts {
    /// Live bytes written by the app layers.
    app_live: u64,
    /// Bytes the app layers ship that nothing sees.
    app_hidden: u64,
    /// App-layer ELF files: (path, sniff flags).
    app_elf: Vec<(String, u8)>,
    /// Runtime files' ELF flags (the runtime binary), when it exists.
    runtime_elf: u8,
    /// Shell-form command/entrypoint or a CMD-SHELL healthcheck.
    shell_form: Vec<String>,
    /// App-layer RUN steps.
    app_runs: Vec<String>,
    /// Package managers the app layers' RUN steps call.
    #[serde(deserialize_with = "crate::vocab::statics::vec")]
    app_package_managers: Vec<crate::vocab::Fixed>,
    /// Packages the app layers installed (deb/apk), with their bytes.
    app_packages: Vec<(String, u64)>,
    /// The history after the base.
    app_steps: Vec<Step>,
    /// Live bytes a final stage would drop, by cause, and what it copies.
    dropped: Vec<Dropped>,
    dropped_bytes: u64,
    plan: MultiStagePlan,
}

impl Facts {
    /// What the proposed final stage copies and prunes: with steps from a
    /// parsed Dockerfile, `propose_dockerfile(&steps, facts.plan())` gives the
    /// proposal with the real source paths the history no longer has.
    pub fn plan(&self) -> &MultiStagePlan {
        &self.plan
    }
}

/// Everything the estimates look at.
pub struct Input<'a> {
    pub tree: &'a MergedTree,
    pub layers: &'a [LayerInfo],
    pub config: &'a ImageConfig,
    pub captures: &'a Captures,
    pub packages: &'a [Package],
    pub findings: &'a [Finding],
    pub shipped: u64,
}

/// Detect the base, gather the facts, and estimate against the reference
/// table: (base, facts, estimates).
pub fn estimate(input: &Input) -> (BaseInfo, Facts, Vec<Estimate>) {
    let table = reference_table();
    let base = base::detect_base(input, &table);
    let facts = facts::gather(input, &base);
    let mut out = Vec::new();
    if let Some(e) = multi_stage::multi_stage(&base, &facts, input.shipped) {
        out.push(e);
    }
    // With no app layers above the base there is nothing to move.
    let app = base.layers < input.layers.len();
    for candidate in switch::candidates(&base, &table)
        .into_iter()
        .filter(|_| app)
    {
        out.push(switch::switch(&base, &facts, input.shipped, candidate));
    }
    (base, facts, out)
}

/// The estimate for putting the app on `candidate` (a table row or a base
/// measured with [`BaseImage::measured`]).
pub fn base_switch(a: &super::Analysis, candidate: &BaseImage) -> Estimate {
    switch::switch(
        &a.base,
        &a.estimate_facts,
        a.metrics.shipped_bytes,
        candidate,
    )
}

// ------------------------------------------------------------ tree helpers

/// Whether `path` exists as a file or a symlink in the final filesystem.
fn live_file_or_link(tree: &MergedTree, path: &[u8]) -> bool {
    tree.resolve(path)
        .and_then(|id| tree.node(id).live())
        .is_some_and(|m| m.kind != EntryKind::Dir)
}

/// Live children of the directory at `path`.
fn children(tree: &MergedTree, path: &[u8]) -> Vec<NodeId> {
    tree.resolve(path)
        .map(|id| {
            tree.node(id)
                .children
                .iter()
                .copied()
                .filter(|&c| tree.is_live(c))
                .collect()
        })
        .unwrap_or_default()
}

/// Live regular files below `id` (inclusive): (node, size).
fn files_under(tree: &MergedTree, id: NodeId) -> Vec<(NodeId, u64)> {
    let mut out = Vec::new();
    let mut stack = vec![id];
    while let Some(n) = stack.pop() {
        let node = tree.node(n);
        match node.live() {
            Some(m) if m.kind == EntryKind::File => out.push((n, m.size)),
            Some(m) if m.kind == EntryKind::Dir => stack.extend(node.children.iter().copied()),
            None if n == ROOT => stack.extend(node.children.iter().copied()),
            _ => {}
        }
    }
    out
}

fn live_layer(tree: &MergedTree, id: NodeId) -> usize {
    tree.node(id).history.last().map_or(0, |c| c.layer as usize)
}

#[cfg(test)]
mod tests;
