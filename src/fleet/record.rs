//! One image of a fleet scan as one compact JSON line: what the fleet
//! report needs and nothing that changes from run to run (no times, no cache
//! hits), so two scans of the same images give the same records.
//!
//! Schema `ballast-fleet/1` (docs/fleet.md lists every key). A failure is a
//! record too: `status: "error"` with the message, so a scan never stops on
//! one bad image and a report can count what could not be read.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::analysis::Analysis;
use crate::report::ci::{Origin, Verdict};

/// The record schema; a key that changes meaning needs a new version.
pub const SCHEMA: &str = "ballast-fleet/1";
/// A layer's command is kept up to this many characters.
const COMMAND_CHARS: usize = 120;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub schema: String,
    /// The reference as listed (the resume key).
    pub reference: String,
    /// The manifest (or index) digest the reference resolved to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// `ok` or `error`.
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The config digest (the image ID).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics: Option<Metrics>,
    /// Bytes per finding rule (a byte may count under two rules).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub rules: BTreeMap<String, u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<Base>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub layers: Vec<Layer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<Budget>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Error,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Σ layer blobs as stored (compressed): what one pull downloads.
    pub blob_bytes: u64,
    pub shipped_bytes: u64,
    pub live_bytes: u64,
    pub hidden_bytes: u64,
    pub reclaimable_bytes: u64,
    pub wasted_bytes: u64,
    pub efficiency: f64,
    pub live_files: u64,
    pub findings: usize,
}

/// The image's own view of its base, from its history (the fleet report
/// also finds bases by the layers images share).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Base {
    /// Layers `0..layers` are the base.
    pub layers: usize,
    pub bytes: u64,
    /// `history`, `reference-size`, `os-layer`, `scratch` or `whole-image`.
    pub detected_by: String,
    /// The OS, `id version` from os-release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os: Option<String>,
    /// The reference-table image it is likely FROM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closest: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Layer {
    pub diff_id: String,
    /// The blob digest (compressed), when the source has one.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub digest: String,
    /// Uncompressed tar bytes.
    pub size_bytes: u64,
    /// Blob bytes as stored; the tar's size when unknown.
    pub blob_bytes: u64,
    /// Finding bytes introduced by this layer, per rule.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub waste: BTreeMap<String, u64>,
    /// The history command, cut to a readable length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Budget {
    pub passed: bool,
    /// The budgets that failed (`max-size`, `deny secret`, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed: Vec<String>,
    /// Where the budgets came from: `ballast-toml`, `dive-ci`, `dive-defaults`.
    pub config: String,
}

impl Record {
    /// A failure to read or analyse `reference`.
    pub fn failure(reference: &str, digest: Option<String>, message: String) -> Record {
        Record {
            schema: SCHEMA.into(),
            reference: reference.into(),
            digest,
            status: Status::Error,
            error: Some(message),
            image_id: None,
            platform: None,
            metrics: None,
            rules: BTreeMap::new(),
            base: None,
            layers: Vec::new(),
            budget: None,
        }
    }

    /// The record of an analysed image and its budget verdict.
    pub fn from_analysis(
        reference: &str,
        digest: Option<String>,
        a: &Analysis,
        verdict: &Verdict,
    ) -> Record {
        let image = &a.image;
        let m = &a.metrics;
        let layers = layers(a);
        let mut platform = format!("{}/{}", image.os, image.architecture);
        if let Some(v) = &image.variant {
            platform = format!("{platform}/{v}");
        }
        let mut rules = BTreeMap::new();
        for f in &a.findings {
            *rules.entry(f.rule.as_str().to_string()).or_insert(0) += f.bytes;
        }
        Record {
            schema: SCHEMA.into(),
            reference: reference.into(),
            digest,
            status: Status::Ok,
            error: None,
            image_id: Some(image.id.clone()),
            platform: Some(platform),
            metrics: Some(Metrics {
                blob_bytes: layers.iter().map(|l| l.blob_bytes).sum(),
                shipped_bytes: m.shipped_bytes,
                live_bytes: m.live_bytes,
                hidden_bytes: m.hidden_bytes,
                reclaimable_bytes: m.reclaimable_bytes,
                wasted_bytes: m.wasted_bytes,
                efficiency: m.efficiency,
                live_files: m.live_files,
                findings: a.findings.len(),
            }),
            rules,
            base: Some(base(a)),
            layers,
            budget: Some(budget(verdict)),
        }
    }

    /// Whether it was analysed.
    pub fn is_ok(&self) -> bool {
        self.status == Status::Ok
    }

    /// The line written for it (compact JSON, no newline).
    pub fn to_line(&self) -> String {
        serde_json::to_string(self).expect("a record serialises")
    }
}

fn layers(a: &Analysis) -> Vec<Layer> {
    let mut waste: Vec<BTreeMap<String, u64>> = vec![BTreeMap::new(); a.image.layers.len()];
    for f in &a.findings {
        if let Some(w) = f.layer.as_ref().and_then(|l| waste.get_mut(l.index)) {
            *w.entry(f.rule.as_str().to_string()).or_insert(0) += f.bytes;
        }
    }
    a.image
        .layers
        .iter()
        .zip(waste)
        .map(|(l, waste)| Layer {
            diff_id: l.diff_id.clone(),
            digest: l.digest.clone(),
            size_bytes: l.size_bytes,
            blob_bytes: l.blob_bytes.unwrap_or(l.size_bytes),
            waste,
            command: l.command.as_deref().map(cut),
        })
        .collect()
}

fn cut(command: &str) -> String {
    let line = command.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(COMMAND_CHARS) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line,
    }
}

fn base(a: &Analysis) -> Base {
    let b = &a.base;
    Base {
        layers: b.layers,
        bytes: b.bytes,
        detected_by: b.detected_by.to_string(),
        os: b.os.as_ref().map(|os| match &os.version_id {
            Some(v) => format!("{} {v}", os.id),
            None => os.id.clone(),
        }),
        closest: b.closest.clone(),
    }
}

fn budget(v: &Verdict) -> Budget {
    Budget {
        passed: v.passed(),
        failed: v
            .checks
            .iter()
            .filter(|c| c.status == crate::report::ci::Status::Fail)
            .map(|c| c.budget.clone())
            .collect(),
        config: match v.origin {
            Origin::BallastToml(_) => "ballast-toml",
            Origin::DiveCi(_) => "dive-ci",
            Origin::DiveDefaults => "dive-defaults",
        }
        .into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_command_is_cut_on_a_character_boundary() {
        let long = "RUN ".to_string() + &"é".repeat(200);
        let c = cut(&long);
        assert_eq!(c.chars().count(), COMMAND_CHARS + 1);
        assert!(c.ends_with('…'));
        assert_eq!(cut("RUN  a\n  b"), "RUN a b");
    }

    #[test]
    fn a_failure_round_trips_through_its_line() {
        let r = Record::failure("r.example/a:1", None, "no such tag".into());
        let back: Record = serde_json::from_str(&r.to_line()).unwrap();
        assert_eq!(back, r);
        assert!(!back.is_ok());
        assert!(!r.to_line().contains('\n'));
    }
}
