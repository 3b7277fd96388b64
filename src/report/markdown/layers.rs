//! The layers table: size, a size bar, changes and the command of each layer.

use super::charts::{bar, layer_chart};
use crate::analysis::Analysis;
use crate::report::bytes;
use crate::report::escape::markdown::cell_code;

/// Widest command shown in the layers table (the findings show it whole).
const COMMAND_WIDTH: usize = 100;

pub(super) fn layers(a: &Analysis, md: &mut String) {
    let layers = &a.image.layers;
    if layers.is_empty() {
        return;
    }
    md.push_str("## Layers\n\n");
    md.push_str("| layer | size | | changes | command |\n|---:|---:|---|---|---|\n");
    let max = layers.iter().map(|l| l.size_bytes).max().unwrap_or(0);
    for l in layers {
        let cmd = match l.command.as_deref() {
            None => "(no history)".to_string(),
            Some(c) => cell_code(&truncate(c, COMMAND_WIDTH)),
        };
        md.push_str(&format!(
            "| {} | {} | {} | +{} ~{} -{} | {cmd} |\n",
            l.index,
            bytes(l.size_bytes),
            bar(l.size_bytes, max),
            l.changes.added,
            l.changes.modified,
            l.changes.removed,
        ));
    }
    md.push_str(
        "\nchanges: paths the layer added (+), modified (~) and removed (-) in the merged tree.\n\n",
    );
    layer_chart(a, max, md);
}

/// At most `width` characters, `…` marking a cut.
fn truncate(s: &str, width: usize) -> String {
    if s.chars().count() > width {
        s.chars().take(width - 1).chain(['…']).collect()
    } else {
        s.to_string()
    }
}
