//! The sections after the estimates: the largest packages and dive's
//! inefficient paths (collapsible tables), and the analysis warnings.

use super::text::{PATH_WIDTH, clip, size as bytes};
use crate::analysis::Analysis;
use crate::report::escape::markdown::{cell_code, cell_text, code, prose};

/// Rows in the collapsible packages and inefficient-paths tables.
const TOP_ROWS: usize = 10;
/// Analysis warnings listed.
const TOP_WARNINGS: usize = 10;

pub(super) fn packages(a: &Analysis, md: &mut String) {
    if a.packages.is_empty() {
        return;
    }
    let shown = a.packages.len().min(TOP_ROWS);
    md.push_str(&format!(
        "<details>\n<summary>Largest packages ({shown} of {})</summary>\n\n",
        a.packages.len()
    ));
    md.push_str("| package | version | ecosystem | size | files | layer |\n");
    md.push_str("|---|---|---|---:|---:|---:|\n");
    for p in a.packages.iter().take(TOP_ROWS) {
        md.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            cell_code(&clip(&p.name, 100)),
            cell_text(&clip(&p.version, 40)),
            p.ecosystem,
            bytes(p.bytes),
            p.files,
            p.layer.map_or("-".to_string(), |l| l.to_string()),
        ));
    }
    md.push_str("\n</details>\n\n");
}

pub(super) fn inefficient_paths(a: &Analysis, md: &mut String) {
    // Every path dive counts (the metrics hold the top 20 of them).
    let all = if a.wasted_paths.is_empty() {
        &a.metrics.inefficient_paths
    } else {
        &a.wasted_paths
    };
    if all.is_empty() {
        return;
    }
    let shown = all.len().min(TOP_ROWS);
    md.push_str(&format!(
        "<details>\n<summary>dive's inefficient paths ({shown} of {})</summary>\n\n",
        all.len()
    ));
    md.push_str("Paths in more than one layer; their bytes make dive's wasted bytes.\n\n");
    md.push_str("| path | layers | size |\n|---|---:|---:|\n");
    for p in all.iter().take(TOP_ROWS) {
        md.push_str(&format!(
            "| {} | {} | {} |\n",
            cell_code(&clip(&p.path, PATH_WIDTH)),
            p.count,
            bytes(p.bytes)
        ));
    }
    md.push_str("\n</details>\n\n");
}

pub(super) fn warnings(a: &Analysis, md: &mut String) {
    if a.warnings.is_empty() {
        return;
    }
    md.push_str(
        "## Warnings\n\nEntries skipped while reading (the analysis is otherwise complete):\n\n",
    );
    for w in a.warnings.iter().take(TOP_WARNINGS) {
        let layer = w.layer.map_or("-".to_string(), |l| l.to_string());
        let path = w.path.as_deref().map_or(String::new(), |p| {
            format!(" {}", code(&clip(p, PATH_WIDTH)))
        });
        md.push_str(&format!(
            "- layer {layer}{path}: {}\n",
            prose(&clip(&w.message, 300))
        ));
    }
    if a.warnings.len() > TOP_WARNINGS {
        md.push_str(&format!(
            "- … and {} more (see `--json`)\n",
            a.warnings.len() - TOP_WARNINGS
        ));
    }
    md.push('\n');
}
