//! `ballast fleet report`: the records of every shard merged into one
//! [`FleetReport`], a plain value that each writer renders (markdown here,
//! in `markdown.rs`; an HTML writer renders the same value and computes
//! nothing, see [`FleetReport`]).
//!
//! Storage counts each unique layer once, as a registry stores it; pull
//! traffic counts every image's layers, as a cold node pulling each image
//! once downloads them. Both in blob (compressed) bytes. Findings' bytes are
//! uncompressed; where they become storage or traffic they are scaled by
//! their layer's compression ratio (an estimate, said so in the report).

mod bases;
mod compare;
mod markdown;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::record::Record;
use crate::error::{Error, Result};

pub use bases::BaseRow;
pub use compare::Growth;
pub use markdown::write_markdown;

/// The records of `paths`, one per reference (an analysed record beats a
/// failure of the same reference; among equals the first file wins), sorted
/// by reference. A last line cut short (a scan still running or killed) is
/// left out and named in the returned notes.
pub fn load(paths: &[PathBuf]) -> Result<(Vec<Record>, Vec<String>)> {
    let mut by_ref: BTreeMap<String, Record> = BTreeMap::new();
    let mut notes = Vec::new();
    for path in paths {
        let text = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
        for (n, line) in lines.iter().enumerate() {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let record: Record = match serde_json::from_slice(line) {
                Ok(r) => r,
                Err(_) if n + 1 == lines.len() => {
                    notes.push(format!(
                        "{}: the last line is cut short (a scan still running or killed); \
                         left out",
                        path.display()
                    ));
                    continue;
                }
                Err(e) => return Err(not_a_record(path, n, e)),
            };
            match by_ref.get(&record.reference) {
                Some(old) if old.is_ok() || !record.is_ok() => {}
                _ => {
                    by_ref.insert(record.reference.clone(), record);
                }
            }
        }
    }
    Ok((by_ref.into_values().collect(), notes))
}

fn not_a_record(path: &Path, n: usize, e: serde_json::Error) -> Error {
    Error::BadMetadata {
        source_name: path.display().to_string(),
        what: format!("line {}", n + 1),
        reason: format!("it is not a fleet scan record ({e})"),
    }
}

/// The fleet's numbers. Strings in it come from images (references, layer
/// commands, errors): a writer escapes them for its medium. An HTML writer
/// takes this value (`serde::Serialize` too) and renders it beside
/// [`write_markdown`], with `report::escape`'s HTML escaper.
#[derive(Debug, Clone, Serialize)]
pub struct FleetReport {
    pub images: usize,
    pub analysed: usize,
    pub failed: usize,
    pub repositories: usize,
    pub over_budget: usize,
    pub unique_layers: usize,
    /// Σ blob bytes over unique layers: what the registry stores.
    pub stored_bytes: u64,
    /// Σ blob bytes over every image's layers: one pull of each image.
    pub pulled_bytes: u64,
    /// Σ reclaimable bytes over images (uncompressed).
    pub reclaimable_bytes: u64,
    pub top_images: Vec<ImageRow>,
    pub rules: Vec<RuleRow>,
    pub bases: Vec<BaseRow>,
    /// Images whose layers start no prefix shared with another image.
    pub images_without_shared_base: usize,
    pub shared_layers: Vec<LayerRow>,
    pub fixes: Vec<FixRow>,
    pub failures: Vec<FailureRow>,
    pub growth: Option<Growth>,
    /// How many rows each top list keeps.
    pub top: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ImageRow {
    pub reference: String,
    pub blob_bytes: u64,
    pub shipped_bytes: u64,
    pub reclaimable_bytes: u64,
    pub efficiency: f64,
    /// The rule with most bytes in it.
    pub top_rule: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleRow {
    pub rule: String,
    /// Σ over images (uncompressed).
    pub bytes: u64,
    pub images: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct LayerRow {
    pub diff_id: String,
    pub blob_bytes: u64,
    pub size_bytes: u64,
    pub images: usize,
    pub command: Option<String>,
    /// One image using it (the first by reference).
    pub example: String,
}

/// One fix: removing one rule's waste from one layer, wherever it is used.
#[derive(Debug, Clone, Serialize)]
pub struct FixRow {
    pub rule: String,
    pub diff_id: String,
    pub command: Option<String>,
    pub example: String,
    pub images: usize,
    /// The finding's bytes in the layer (uncompressed; the largest any image saw).
    pub bytes: u64,
    /// Estimated blob bytes saved in the registry (the layer is stored once).
    pub storage_saved: u64,
    /// Estimated blob bytes saved over one pull of each image using the layer.
    pub pull_saved: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct FailureRow {
    pub reference: String,
    pub error: String,
}

/// The report over `records` (sorted by reference, as [`load`] gives them),
/// keeping `top` rows per list, with growth against `old` records if given.
pub fn build(records: &[Record], old: Option<&[Record]>, top: usize) -> FleetReport {
    let ok: Vec<&Record> = records.iter().filter(|r| r.is_ok()).collect();
    let mut unique: HashMap<&str, u64> = HashMap::new();
    for l in ok.iter().flat_map(|r| &r.layers) {
        unique.entry(&l.diff_id).or_insert(l.blob_bytes);
    }
    let (bases, without) = bases::find(&ok, top);
    FleetReport {
        images: records.len(),
        analysed: ok.len(),
        failed: records.len() - ok.len(),
        repositories: repositories(records),
        over_budget: ok
            .iter()
            .filter(|r| r.budget.as_ref().is_some_and(|b| !b.passed))
            .count(),
        unique_layers: unique.len(),
        stored_bytes: unique.values().sum(),
        pulled_bytes: ok.iter().map(|r| blob_bytes(r)).sum(),
        reclaimable_bytes: ok.iter().map(|r| reclaimable(r)).sum(),
        top_images: top_images(&ok, top),
        rules: rules(&ok),
        bases,
        images_without_shared_base: without,
        shared_layers: shared_layers(&ok, top),
        fixes: fixes(&ok, top),
        failures: records
            .iter()
            .filter(|r| !r.is_ok())
            .map(|r| FailureRow {
                reference: r.reference.clone(),
                error: r.error.clone().unwrap_or_default(),
            })
            .collect(),
        growth: old.map(|old| compare::growth(old, records, top)),
        top,
    }
}

fn blob_bytes(r: &Record) -> u64 {
    r.metrics.as_ref().map_or(0, |m| m.blob_bytes)
}

fn reclaimable(r: &Record) -> u64 {
    r.metrics.as_ref().map_or(0, |m| m.reclaimable_bytes)
}

/// Repositories: a reference without its tag and digest.
fn repositories(records: &[Record]) -> usize {
    let repo = |r: &str| {
        let name = r.split_once('@').map_or(r, |(n, _)| n);
        let slash = name.rfind('/').map_or(0, |i| i + 1);
        match name[slash..].rfind(':') {
            Some(i) => name[..slash + i].to_string(),
            None => name.to_string(),
        }
    };
    records
        .iter()
        .map(|r| repo(&r.reference))
        .collect::<BTreeSet<_>>()
        .len()
}

fn top_images(ok: &[&Record], top: usize) -> Vec<ImageRow> {
    let mut rows: Vec<ImageRow> = ok
        .iter()
        .filter_map(|r| {
            let m = r.metrics.as_ref()?;
            Some(ImageRow {
                reference: r.reference.clone(),
                blob_bytes: m.blob_bytes,
                shipped_bytes: m.shipped_bytes,
                reclaimable_bytes: m.reclaimable_bytes,
                efficiency: m.efficiency,
                top_rule: r
                    .rules
                    .iter()
                    .max_by_key(|(name, bytes)| (**bytes, std::cmp::Reverse(*name)))
                    .map(|(name, _)| name.clone()),
            })
        })
        .collect();
    // Ties by reference: the order is the same from run to run.
    rows.sort_by(|a, b| {
        b.reclaimable_bytes
            .cmp(&a.reclaimable_bytes)
            .then_with(|| a.reference.cmp(&b.reference))
    });
    rows.truncate(top);
    rows
}

fn rules(ok: &[&Record]) -> Vec<RuleRow> {
    let mut by: BTreeMap<&str, (u64, usize)> = BTreeMap::new();
    for (rule, bytes) in ok.iter().flat_map(|r| &r.rules) {
        let e = by.entry(rule).or_default();
        e.0 += bytes;
        e.1 += 1;
    }
    let mut rows: Vec<RuleRow> = by
        .into_iter()
        .filter(|(_, (bytes, _))| *bytes > 0)
        .map(|(rule, (bytes, images))| RuleRow {
            rule: rule.to_string(),
            bytes,
            images,
        })
        .collect();
    rows.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.rule.cmp(&b.rule)));
    rows
}

fn shared_layers(ok: &[&Record], top: usize) -> Vec<LayerRow> {
    let mut by: BTreeMap<&str, LayerRow> = BTreeMap::new();
    for r in ok {
        // A layer twice in one image counts that image once.
        let mut seen = BTreeSet::new();
        for l in r.layers.iter().filter(|l| seen.insert(&l.diff_id)) {
            let row = by.entry(&l.diff_id).or_insert_with(|| LayerRow {
                diff_id: l.diff_id.clone(),
                blob_bytes: l.blob_bytes,
                size_bytes: l.size_bytes,
                images: 0,
                command: l.command.clone(),
                example: r.reference.clone(),
            });
            row.images += 1;
        }
    }
    let mut rows: Vec<LayerRow> = by.into_values().filter(|l| l.images > 1).collect();
    // Most shared first; among equals the one that saves most bytes.
    rows.sort_by(|a, b| {
        b.images
            .cmp(&a.images)
            .then_with(|| b.blob_bytes.cmp(&a.blob_bytes))
            .then_with(|| a.diff_id.cmp(&b.diff_id))
    });
    rows.truncate(top);
    rows
}

/// A layer's blob bytes per tar byte (1 when unknown).
fn ratio(blob: u64, size: u64) -> f64 {
    if size == 0 {
        1.0
    } else {
        blob as f64 / size as f64
    }
}

fn fixes(ok: &[&Record], top: usize) -> Vec<FixRow> {
    let mut by: BTreeMap<(&str, &str), FixRow> = BTreeMap::new();
    for r in ok {
        let mut seen = BTreeSet::new();
        for l in r.layers.iter().filter(|l| seen.insert(&l.diff_id)) {
            let k = ratio(l.blob_bytes, l.size_bytes);
            for (rule, &bytes) in &l.waste {
                let row = by.entry((&l.diff_id, rule)).or_insert_with(|| FixRow {
                    rule: rule.clone(),
                    diff_id: l.diff_id.clone(),
                    command: l.command.clone(),
                    example: r.reference.clone(),
                    images: 0,
                    bytes: 0,
                    storage_saved: 0,
                    pull_saved: 0,
                });
                row.images += 1;
                row.bytes = row.bytes.max(bytes);
                row.storage_saved = (row.bytes as f64 * k).round() as u64;
                row.pull_saved += (bytes as f64 * k).round() as u64;
            }
        }
    }
    let mut rows: Vec<FixRow> = by.into_values().filter(|f| f.pull_saved > 0).collect();
    rows.sort_by(|a, b| {
        b.pull_saved
            .cmp(&a.pull_saved)
            .then_with(|| a.diff_id.cmp(&b.diff_id))
            .then_with(|| a.rule.cmp(&b.rule))
    });
    rows.truncate(top);
    rows
}

#[cfg(test)]
mod tests;
