//! `--compare OLD.jsonl`: how the fleet changed since an older scan. Images
//! are matched by reference; an image whose digest changed was rebuilt.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::fleet::record::Record;

#[derive(Debug, Clone, Serialize)]
pub struct Growth {
    pub old_images: usize,
    pub new_images: usize,
    /// References only in the new scan, only in the old one.
    pub added: Vec<String>,
    pub removed: Vec<String>,
    /// Images in both whose digest changed.
    pub rebuilt: usize,
    pub old_stored_bytes: u64,
    pub new_stored_bytes: u64,
    pub old_pulled_bytes: u64,
    pub new_pulled_bytes: u64,
    pub old_reclaimable_bytes: u64,
    pub new_reclaimable_bytes: u64,
    /// Images in both, most grown (blob bytes) first.
    pub grown: Vec<Change>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub reference: String,
    pub old_blob_bytes: u64,
    pub new_blob_bytes: u64,
    pub old_reclaimable_bytes: u64,
    pub new_reclaimable_bytes: u64,
}

fn ok(records: &[Record]) -> BTreeMap<&str, &Record> {
    records
        .iter()
        .filter(|r| r.is_ok())
        .map(|r| (r.reference.as_str(), r))
        .collect()
}

fn stored(records: &BTreeMap<&str, &Record>) -> u64 {
    let mut unique: HashMap<&str, u64> = HashMap::new();
    for l in records.values().flat_map(|r| &r.layers) {
        unique.entry(&l.diff_id).or_insert(l.blob_bytes);
    }
    unique.values().sum()
}

fn sum(
    records: &BTreeMap<&str, &Record>,
    f: impl Fn(&crate::fleet::record::Metrics) -> u64,
) -> u64 {
    records
        .values()
        .filter_map(|r| r.metrics.as_ref())
        .map(f)
        .sum()
}

pub(super) fn growth(old: &[Record], new: &[Record], top: usize) -> Growth {
    let (o, n) = (ok(old), ok(new));
    let mut grown: Vec<Change> = n
        .iter()
        .filter_map(|(reference, r)| {
            let before = o.get(reference)?.metrics.as_ref()?;
            let after = r.metrics.as_ref()?;
            Some(Change {
                reference: reference.to_string(),
                old_blob_bytes: before.blob_bytes,
                new_blob_bytes: after.blob_bytes,
                old_reclaimable_bytes: before.reclaimable_bytes,
                new_reclaimable_bytes: after.reclaimable_bytes,
            })
        })
        .filter(|c| c.new_blob_bytes > c.old_blob_bytes)
        .collect();
    grown.sort_by(|a, b| {
        let d = |c: &Change| c.new_blob_bytes - c.old_blob_bytes;
        d(b).cmp(&d(a)).then_with(|| a.reference.cmp(&b.reference))
    });
    grown.truncate(top);
    Growth {
        old_images: old.len(),
        new_images: new.len(),
        added: n
            .keys()
            .filter(|r| !o.contains_key(*r))
            .map(|r| r.to_string())
            .collect(),
        removed: o
            .keys()
            .filter(|r| !n.contains_key(*r))
            .map(|r| r.to_string())
            .collect(),
        rebuilt: n
            .iter()
            .filter(|(r, rec)| o.get(*r).is_some_and(|old| old.digest != rec.digest))
            .count(),
        old_stored_bytes: stored(&o),
        new_stored_bytes: stored(&n),
        old_pulled_bytes: sum(&o, |m| m.blob_bytes),
        new_pulled_bytes: sum(&n, |m| m.blob_bytes),
        old_reclaimable_bytes: sum(&o, |m| m.reclaimable_bytes),
        new_reclaimable_bytes: sum(&n, |m| m.reclaimable_bytes),
        grown,
    }
}
