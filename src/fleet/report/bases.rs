//! Bases as the fleet shows them: an image's base is the longest run of its
//! first layers that another, different image (another image ID) starts
//! with too. Two tags of one image share no base by that alone; an image that
//! is itself the base of others (its layers a prefix of theirs) is its own
//! base and names it. The history's view of each image's base (in its
//! record) is shown beside, as a hint at what the shared layers are.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::fleet::record::Record;

#[derive(Debug, Clone, Serialize)]
pub struct BaseRow {
    /// The chain ID of the shared layers (as the OCI image spec defines it).
    pub chain_id: String,
    /// An image in the fleet that is exactly these layers, if there is one.
    pub image: Option<String>,
    /// What the images' histories say the base is (OS, closest known image).
    pub hint: Option<String>,
    pub layers: usize,
    /// Blob bytes of the base's layers.
    pub blob_bytes: u64,
    pub images: usize,
    /// Finding bytes in the base's own layers (the most any image saw),
    /// uncompressed: carried by every image built on it.
    pub waste_bytes: u64,
    /// Σ reclaimable bytes of the images built on it.
    pub reclaimable_bytes: u64,
}

/// The chain IDs of every prefix of `r`'s layers.
fn chains(r: &Record) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(r.layers.len());
    for l in &r.layers {
        let id = match out.last() {
            None => l.diff_id.clone(),
            Some(parent) => format!(
                "sha256:{}",
                hex::encode(Sha256::digest(format!("{parent} {}", l.diff_id)))
            ),
        };
        out.push(id);
    }
    out
}

/// The bases used by two or more images, most used first (at most `top`),
/// and how many images have none.
pub(super) fn find(ok: &[&Record], top: usize) -> (Vec<BaseRow>, usize) {
    let all: Vec<Vec<String>> = ok.iter().map(|r| chains(r)).collect();
    let mut users: HashMap<&str, BTreeSet<&str>> = HashMap::new();
    for (r, chain) in ok.iter().zip(&all) {
        let id = r.image_id.as_deref().unwrap_or(&r.reference);
        for c in chain {
            users.entry(c).or_default().insert(id);
        }
    }
    let mut rows: BTreeMap<&str, BaseRow> = BTreeMap::new();
    let mut without = 0;
    for (r, chain) in ok.iter().zip(&all) {
        let Some(k) = (0..chain.len())
            .rev()
            .find(|&k| users[chain[k].as_str()].len() > 1)
        else {
            without += 1;
            continue;
        };
        let layers = &r.layers[..=k];
        let row = rows.entry(&chain[k]).or_insert_with(|| BaseRow {
            chain_id: chain[k].clone(),
            image: None,
            hint: hint(r),
            layers: k + 1,
            blob_bytes: layers.iter().map(|l| l.blob_bytes).sum(),
            images: 0,
            waste_bytes: 0,
            reclaimable_bytes: 0,
        });
        row.images += 1;
        let waste = layers.iter().flat_map(|l| l.waste.values()).sum();
        row.waste_bytes = row.waste_bytes.max(waste);
        row.reclaimable_bytes += r.metrics.as_ref().map_or(0, |m| m.reclaimable_bytes);
        if k + 1 == r.layers.len() && row.image.is_none() {
            row.image = Some(r.reference.clone());
        }
    }
    let mut rows: Vec<BaseRow> = rows.into_values().collect();
    rows.sort_by(|a, b| {
        b.images
            .cmp(&a.images)
            .then_with(|| b.blob_bytes.cmp(&a.blob_bytes))
            .then_with(|| a.chain_id.cmp(&b.chain_id))
    });
    rows.truncate(top);
    (rows, without)
}

fn hint(r: &Record) -> Option<String> {
    let b = r.base.as_ref()?;
    match (&b.closest, &b.os) {
        (Some(c), _) => Some(c.clone()),
        (None, Some(os)) => Some(os.clone()),
        (None, None) => None,
    }
}
