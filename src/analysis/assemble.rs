//! Building an [`Analysis`]: each layer is folded into the merged tree and
//! dive's tally as it arrives ([`Merged`]), then the analysis proper runs in
//! named steps over the merged result ([`assemble`]).

use super::{
    Analysis, Changes, ImageInfo, InefficientPath, LayerInfo, Metrics, SCHEMA, TOP_PATHS, Warning,
    config_info, estimate, findings, packages, redact_history, tidy_command,
};
use crate::layer::{Compression, EntryKind, LayerIndex, path::display};
use crate::limits::Limit;
use crate::source::layout::{History, ImagePlan};
use crate::source::{self, Options, ReadPath};
use crate::tree::dive::DiveTally;
use crate::tree::{MergedTree, Op};
use findings::Finding;

/// Per-layer numbers gathered while merging.
pub(super) struct LayerStat {
    size: u64,
    files: u64,
    compression: Option<Compression>,
}

/// What folding the layers in gives, before the analysis proper.
#[derive(Default)]
pub(super) struct Merged {
    pub(super) tree: MergedTree,
    dive: DiveTally,
    captures: packages::Captures,
    stats: Vec<LayerStat>,
    warnings: Vec<Warning>,
    /// The `package-image` limit applies here.
    pub(super) limits: crate::limits::Limits,
}

impl Merged {
    /// Nothing folded in yet; the tree capped at `entries-per-image`.
    pub(super) fn new(limits: crate::limits::Limits) -> Merged {
        let mut m = Merged {
            limits,
            ..Merged::default()
        };
        m.tree.set_cap(limits.len(Limit::EntriesPerImage));
        m
    }

    /// Fold layer `i` in; its entry list is dropped afterwards. Past the
    /// `entries-per-image` limit, the breach message.
    pub(super) fn push(&mut self, i: usize, mut layer: LayerIndex) -> Result<(), String> {
        let folded = self.dive.observe(&mut self.tree, &layer);
        if folded.and_then(|()| self.tree.push_layer(&layer)).is_err() {
            return Err(format!(
                "layer {i} takes the merged tree past {} entries (paths the layers add, \
                 change or remove, implied directories included): {}",
                self.limits.len(Limit::EntriesPerImage),
                self.limits.breach(Limit::EntriesPerImage, None)
            ));
        }
        for (entry, bytes) in std::mem::take(&mut layer.captured) {
            let path = &layer.entries[entry].path;
            if let Some(id) = self.tree.lookup(path) {
                let size = bytes.len() as u64;
                let held = self.captures.held() + size;
                let limit = self.limits.get(Limit::PackageImage);
                if !self.captures.insert(id, i as u16, bytes, limit) {
                    self.warnings.push(Warning {
                        layer: Some(i),
                        path: Some(display(path)),
                        message: format!(
                            "not read for the package inventory ({size} bytes): the image's \
                             files read for the inventory are over the limit together ({}); \
                             its packages are not listed",
                            self.limits.breach(Limit::PackageImage, Some(held))
                        ),
                    });
                }
            }
        }
        self.stats.push(LayerStat {
            size: layer.entries.iter().map(|e| e.size).sum(),
            files: layer.entries.len() as u64,
            compression: layer.compression,
        });
        self.warnings
            .extend(layer.warnings.into_iter().map(|w| Warning {
                layer: Some(i),
                path: Some(display(&w.path)),
                message: w.message,
            }));
        Ok(())
    }
}

/// The analysis proper, in steps: the layers' rows, the package inventory,
/// the findings, the estimates, the metrics.
pub(super) fn assemble(
    reference: &str,
    opts: &Options,
    loaded: source::Loaded,
    m: Merged,
) -> Analysis {
    let Merged {
        tree,
        dive,
        captures,
        stats,
        warnings,
        limits: _,
    } = m;
    let plan: &ImagePlan = &loaded.plan;
    let changes = layer_changes(&tree, stats.len());
    let layers = layer_infos(plan, &stats, &changes, &loaded.blob_sizes);
    let inventory = packages::inventory(&tree, &captures);
    let dev = packages::dev_dependencies(&tree, &captures, &inventory);
    let found = findings::find(&findings::Input {
        tree: &tree,
        layers: &layers,
        config: &plan.config,
        packages: &inventory,
        dev: &dev,
    });
    let shipped: u64 = layers.iter().map(|l| l.size_bytes).sum();
    let (base, estimate_facts, estimates) = estimate::estimate(&estimate::Input {
        tree: &tree,
        layers: &layers,
        config: &plan.config,
        captures: &captures,
        packages: &inventory,
        findings: &found,
        shipped,
    });
    let wasted_paths = wasted_paths(&tree, &dive);
    let metrics = metrics(&tree, &dive, shipped, &found, &wasted_paths);
    Analysis {
        schema: SCHEMA,
        image: image_info(reference, opts, &loaded, shipped, layers),
        metrics,
        findings: found,
        base,
        estimates,
        estimate_facts,
        packages: inventory,
        wasted_paths,
        warnings,
        dockerfile: None,
        history: plan.config.history.clone(),
        tree,
    }
}

/// How many paths each layer added, modified and removed in the merged tree.
fn layer_changes(tree: &MergedTree, layers: usize) -> Vec<Changes> {
    let mut changes = vec![Changes::default(); layers];
    for (_, node) in tree.nodes() {
        for c in &node.history {
            let slot = &mut changes[c.layer as usize];
            match c.op {
                Op::Added => slot.added += 1,
                Op::Modified => slot.modified += 1,
                Op::Removed => slot.removed += 1,
            }
        }
    }
    changes
}

/// One row per layer: the manifest's digests, the merge's numbers and the
/// history line that made it (empty-layer history entries skipped).
fn layer_infos(
    plan: &ImagePlan,
    stats: &[LayerStat],
    changes: &[Changes],
    blob_sizes: &[Option<u64>],
) -> Vec<LayerInfo> {
    let mut history = plan.config.history.iter().filter(|h| !h.empty_layer);
    plan.layers
        .iter()
        .zip(stats)
        .enumerate()
        .map(|(i, (l, s))| {
            let h: Option<&History> = history.next();
            let created_by = h.and_then(|h| h.created_by.as_deref()).map(redact_history);
            LayerInfo {
                index: i,
                digest: l.digest.clone().unwrap_or_else(|| l.diff_id.clone()),
                diff_id: l.diff_id.clone(),
                compression: s.compression,
                blob_bytes: blob_sizes.get(i).copied().flatten(),
                size_bytes: s.size,
                files: s.files,
                changes: changes[i],
                command: created_by.as_deref().map(tidy_command),
                created_by,
                created: h.and_then(|h| h.created.clone()),
            }
        })
        .collect()
}

/// Every path dive counts as wasted, largest first.
fn wasted_paths(tree: &MergedTree, dive: &DiveTally) -> Vec<InefficientPath> {
    dive.inefficient_paths()
        .into_iter()
        .map(|(id, bytes, count)| InefficientPath {
            path: display(&tree.path(id)),
            count,
            bytes,
        })
        .collect()
}

/// dive's numbers and ballast's: shipped, live, hidden and reclaimable bytes.
fn metrics(
    tree: &MergedTree,
    dive: &DiveTally,
    shipped: u64,
    found: &[Finding],
    wasted_paths: &[InefficientPath],
) -> Metrics {
    let d = dive.metrics();
    let live = tree.live_bytes();
    let hidden = shipped.saturating_sub(live);
    let live_files = tree
        .nodes()
        .filter(|(_, n)| n.live().is_some_and(|m| m.kind != EntryKind::Dir))
        .count() as u64;
    Metrics {
        efficiency: d.efficiency,
        wasted_bytes: d.wasted_bytes,
        user_wasted_percent: d.user_wasted_percent,
        shipped_bytes: shipped,
        live_bytes: live,
        hidden_bytes: hidden,
        reclaimable_bytes: hidden + findings::live_reclaimable(tree, found),
        live_files,
        inefficient_paths: wasted_paths.iter().take(TOP_PATHS).cloned().collect(),
    }
}

/// The image as the source described it: reference, ID, platform, layers and
/// the container config.
fn image_info(
    reference: &str,
    opts: &Options,
    loaded: &source::Loaded,
    shipped: u64,
    layers: Vec<LayerInfo>,
) -> ImageInfo {
    let plan = &loaded.plan;
    ImageInfo {
        reference: reference.to_string(),
        id: plan.config_digest.clone(),
        source: loaded.source,
        read_path: loaded.read_path,
        format: plan.format,
        repo_tags: plan.repo_tags.clone(),
        os: plan.config.os.clone(),
        architecture: plan.config.architecture.clone(),
        variant: plan.config.variant.clone(),
        created: plan.config.created.clone(),
        size_bytes: shipped,
        verified: opts.verify && loaded.read_path != ReadPath::EngineStorage,
        layers,
        config: config_info(plan.config.config.as_ref()),
    }
}
