//! `--html`: one self-contained page, a zoomable treemap of every byte of the
//! image with the findings, layers, summary, estimates and (with
//! `--dockerfile`) lint and cache results beside it; for `diff`, the map of
//! what changed.
//!
//! The page is `page.html` with `report.css` and `report.js` inlined, and the
//! data as JSON in a `<script type="application/json">` element (escaped by
//! `script_json`); the script reads it with `JSON.parse` and shows every
//! string with `textContent`. Nothing is fetched when the page is viewed, and
//! its Content-Security-Policy allows no source at all but the one inline
//! script (by its hash) and inline styles, so even a bug that put markup from
//! an image into the page could not run it. The tree is folded to
//! `model::MAX_RECTS` rows (see `model`), which keeps a million-file image
//! to a page of a few megabytes.

mod diff;
mod image;
mod model;

use std::io::{self, Write};

use base64::Engine as _;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::analysis::diff::Diff;
use crate::analysis::{Analysis, Finding, LayerInfo, Metrics, estimate, join};
use crate::report::escape::html::script_json;

const PAGE: &str = include_str!("page.html");
const STYLE: &str = include_str!("report.css");
const SCRIPT: &str = include_str!("report.js");

/// The image facts the page's header shows.
#[derive(Serialize)]
struct Image<'a> {
    reference: &'a str,
    id: &'a str,
    os: &'a str,
    architecture: &'a str,
    variant: Option<&'a str>,
    created: Option<&'a str>,
    size_bytes: u64,
    verified: bool,
    tags: &'a [String],
}

#[derive(Serialize)]
struct Layer<'a> {
    index: usize,
    size_bytes: u64,
    blob_bytes: Option<u64>,
    files: u64,
    added: u64,
    modified: u64,
    removed: u64,
    command: Option<&'a str>,
}

impl<'a> From<&'a LayerInfo> for Layer<'a> {
    fn from(l: &'a LayerInfo) -> Self {
        Layer {
            index: l.index,
            size_bytes: l.size_bytes,
            blob_bytes: l.blob_bytes,
            files: l.files,
            added: l.changes.added,
            modified: l.changes.modified,
            removed: l.changes.removed,
            command: l.command.as_deref(),
        }
    }
}

/// How the tree was folded, for the page's note under the map.
#[derive(Serialize)]
struct Fold {
    rows: usize,
    max_rows: usize,
    folded_files: u64,
}

#[derive(Serialize)]
struct ImagePage<'a> {
    kind: &'static str,
    version: &'static str,
    image: Image<'a>,
    metrics: &'a Metrics,
    layers: Vec<Layer<'a>>,
    findings: &'a [Finding],
    estimates: &'a [estimate::Estimate],
    #[serde(skip_serializing_if = "Option::is_none")]
    dockerfile: Option<&'a join::ImageDockerfile>,
    warnings: usize,
    fold: Fold,
}

#[derive(Serialize)]
struct DiffPage<'a> {
    kind: &'static str,
    version: &'static str,
    diff: &'a Diff,
    old: Image<'a>,
    new: Image<'a>,
    fold: Fold,
}

fn image_facts(a: &Analysis) -> Image<'_> {
    let i = &a.image;
    Image {
        reference: &i.reference,
        id: &i.id,
        os: &i.os,
        architecture: &i.architecture,
        variant: i.variant.as_deref(),
        created: i.created.as_deref(),
        size_bytes: i.size_bytes,
        verified: i.verified,
        tags: &i.repo_tags,
    }
}

fn fold_facts(rows: &model::Rows) -> Fold {
    Fold {
        rows: rows.rows,
        max_rows: model::MAX_RECTS,
        folded_files: rows.folded_leaves,
    }
}

/// The HTML report of one image.
pub fn write(analysis: &Analysis, out: &mut dyn Write) -> io::Result<()> {
    let rows = model::fold(&image::source(analysis), model::MAX_RECTS);
    let page = ImagePage {
        kind: "image",
        version: env!("CARGO_PKG_VERSION"),
        image: image_facts(analysis),
        metrics: &analysis.metrics,
        layers: analysis.image.layers.iter().map(Layer::from).collect(),
        findings: &analysis.findings,
        estimates: &analysis.estimates,
        dockerfile: analysis.dockerfile.as_ref(),
        warnings: analysis.warnings.len(),
        fold: fold_facts(&rows),
    };
    write_page(&serde_json::to_string(&page)?, &rows.json, out)
}

/// The HTML report of `ballast diff OLD NEW`.
pub fn write_diff(old: &Analysis, new: &Analysis, d: &Diff, out: &mut dyn Write) -> io::Result<()> {
    let rows = model::fold(&diff::source(old, new), model::MAX_RECTS);
    let page = DiffPage {
        kind: "diff",
        version: env!("CARGO_PKG_VERSION"),
        diff: d,
        old: image_facts(old),
        new: image_facts(new),
        fold: fold_facts(&rows),
    };
    write_page(&serde_json::to_string(&page)?, &rows.json, out)
}

/// `sha256-…` of the inline script, for the Content-Security-Policy.
fn script_hash() -> String {
    let digest = Sha256::digest(SCRIPT.as_bytes());
    format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The page: the template with the style, the data and the script in place.
fn write_page(page: &str, rows: &str, out: &mut dyn Write) -> io::Result<()> {
    let data = script_json(&format!("{{\"page\":{page},\"rows\":{rows}}}"));
    let mut parts = PAGE.split("{{");
    out.write_all(parts.next().unwrap_or_default().as_bytes())?;
    for part in parts {
        let (slot, rest) = part.split_once("}}").unwrap_or(("", part));
        match slot {
            "csp_script" => out.write_all(script_hash().as_bytes())?,
            "style" => out.write_all(STYLE.as_bytes())?,
            "data" => out.write_all(data.as_bytes())?,
            "script" => out.write_all(SCRIPT.as_bytes())?,
            other => unreachable!("page.html has no slot {other}"),
        }
        out.write_all(rest.as_bytes())?;
    }
    out.flush()
}

#[cfg(test)]
mod tests;
