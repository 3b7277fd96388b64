//! The fleet report on hand-made records: sharing, bases, fixes, growth and
//! escaping of hostile strings.

use std::collections::BTreeMap;

use super::*;
use crate::fleet::record::{Budget, Layer, Metrics, Record, SCHEMA, Status};

fn layer(id: u8, blob: u64, waste: &[(&str, u64)]) -> Layer {
    Layer {
        diff_id: format!("sha256:{}", format!("{id:02x}").repeat(32)),
        digest: String::new(),
        size_bytes: blob * 2,
        blob_bytes: blob,
        waste: waste.iter().map(|(r, b)| (r.to_string(), *b)).collect(),
        command: Some(format!("RUN step {id}")),
    }
}

fn image(reference: &str, id: &str, layers: Vec<Layer>) -> Record {
    let blob = layers.iter().map(|l| l.blob_bytes).sum();
    let mut rules = BTreeMap::new();
    for (r, b) in layers.iter().flat_map(|l| &l.waste) {
        *rules.entry(r.clone()).or_insert(0) += b;
    }
    let reclaimable = rules.values().sum();
    Record {
        schema: SCHEMA.into(),
        reference: reference.into(),
        digest: Some(format!("sha256:{id}")),
        status: Status::Ok,
        error: None,
        image_id: Some(id.into()),
        platform: Some("linux/amd64".into()),
        metrics: Some(Metrics {
            blob_bytes: blob,
            shipped_bytes: blob * 2,
            live_bytes: blob,
            hidden_bytes: blob,
            reclaimable_bytes: reclaimable,
            wasted_bytes: 0,
            efficiency: 1.0,
            live_files: 1,
            findings: rules.len(),
        }),
        rules,
        base: None,
        layers,
        budget: Some(Budget {
            passed: true,
            failed: vec![],
            config: "dive-defaults".into(),
        }),
    }
}

fn fleet() -> Vec<Record> {
    let base = || {
        vec![
            layer(1, 1000, &[("package-cache", 400)]),
            layer(2, 500, &[]),
        ]
    };
    let mut a = base();
    a.push(layer(10, 100, &[("vcs-directory", 50)]));
    let mut b = base();
    b.push(layer(11, 300, &[]));
    vec![
        image("r/base:1", "b", base()),
        image("r/app-a:1", "a", a.clone()),
        image("r/app-a:latest", "a", a),
        image("r/app-b:1", "c", b),
        Record::failure("r/gone:1", None, "manifest unknown".into()),
    ]
}

#[test]
fn storage_counts_each_layer_once_and_pulls_every_image() {
    let mut records = fleet();
    records.sort_by(|a, b| a.reference.cmp(&b.reference));
    let r = build(&records, None, 10);
    assert_eq!((r.images, r.analysed, r.failed), (5, 4, 1));
    assert_eq!(r.unique_layers, 4);
    assert_eq!(r.stored_bytes, 1000 + 500 + 100 + 300);
    assert_eq!(r.pulled_bytes, 1500 + 1600 * 2 + 1800);
    assert_eq!(r.repositories, 4);
    assert_eq!(r.shared_layers[0].images, 4);
}

#[test]
fn the_base_is_the_longest_prefix_another_image_shares() {
    let mut records = fleet();
    records.sort_by(|a, b| a.reference.cmp(&b.reference));
    let r = build(&records, None, 10);
    assert_eq!(r.bases.len(), 1, "{:?}", r.bases);
    let b = &r.bases[0];
    assert_eq!((b.layers, b.images, b.blob_bytes), (2, 4, 1500));
    assert_eq!(b.image.as_deref(), Some("r/base:1"));
    assert_eq!(b.waste_bytes, 400);
    assert_eq!(r.images_without_shared_base, 0);
}

#[test]
fn a_fix_in_a_shared_layer_saves_once_in_storage_and_per_image_in_pulls() {
    let mut records = fleet();
    records.sort_by(|a, b| a.reference.cmp(&b.reference));
    let r = build(&records, None, 10);
    let f = &r.fixes[0];
    assert_eq!((f.rule.as_str(), f.images), ("package-cache", 4));
    // Compression ratio 1/2: 400 tar bytes are 200 blob bytes.
    assert_eq!((f.storage_saved, f.pull_saved), (200, 800));
}

#[test]
fn growth_names_new_gone_and_grown_images() {
    let old = fleet();
    let mut new = fleet();
    new.retain(|r| r.reference != "r/app-b:1");
    new[1].layers.push(layer(12, 700, &[]));
    new[1].metrics.as_mut().unwrap().blob_bytes += 700;
    new.push(image("r/new:1", "n", vec![layer(1, 1000, &[])]));
    let g = build(&new, Some(&old), 10).growth.unwrap();
    assert_eq!(g.added, ["r/new:1"]);
    assert_eq!(g.removed, ["r/app-b:1"]);
    assert_eq!(g.grown[0].reference, "r/app-a:1");
    assert_eq!(g.grown[0].new_blob_bytes - g.grown[0].old_blob_bytes, 700);
}

#[test]
fn hostile_strings_in_records_cannot_format_the_markdown() {
    let mut evil = image(
        "r/x:1|<img src=x>\n# @team",
        "e",
        vec![layer(3, 10, &[("junk", 5)])],
    );
    evil.layers[0].command = Some("RUN `rm` | <script>\u{202e}".into());
    let records = vec![
        evil.clone(),
        Record::failure("r/y:1", None, "bad | <b>x</b>\nline".into()),
    ];
    let mut out = Vec::new();
    write_markdown(&build(&records, None, 10), &mut out).unwrap();
    let md = String::from_utf8(out).unwrap();
    assert!(!md.contains("<img") || md.contains("`r/x:1\\|<img"), "{md}");
    assert!(!md.contains("\n# @team"));
    assert!(!md.contains('\u{202e}'));
    assert!(!md.contains("<b>x</b>"), "{md}");
    for line in md.lines().filter(|l| l.starts_with('|')) {
        let cells = line.matches(" | ").count() - line.matches("\\| ").count();
        assert!(cells < 9, "a row grew cells: {line}");
    }
}
