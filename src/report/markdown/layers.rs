//! The layers table: size, a size bar, changes and the command of each layer.

use super::charts::{CHART_LAYERS, bar, layer_chart};
use super::text::{size as bytes, table_command};
use crate::analysis::{Analysis, LayerInfo};
use crate::report::escape::markdown::cell_code;

/// Layers listed one by one before the table keeps only the largest.
const TABLE_LAYERS: usize = 40;

/// The table (every layer up to [`TABLE_LAYERS`], else the largest
/// [`CHART_LAYERS`]) and the bar chart; `compact` keeps only the largest
/// [`CHART_LAYERS`] rows and no chart (to fit the comment limit).
pub(super) fn layers(a: &Analysis, md: &mut String, compact: bool) {
    let layers = &a.image.layers;
    if layers.is_empty() {
        return;
    }
    md.push_str("## Layers\n\n");
    let limit = if compact || layers.len() > TABLE_LAYERS {
        CHART_LAYERS
    } else {
        TABLE_LAYERS
    };
    let mut shown: Vec<&LayerInfo> = layers.iter().collect();
    if shown.len() > limit {
        shown.sort_by(|x, y| y.size_bytes.cmp(&x.size_bytes).then(x.index.cmp(&y.index)));
        shown.truncate(limit);
        shown.sort_by_key(|l| l.index);
        let rest: u64 = layers.iter().map(|l| l.size_bytes).sum::<u64>()
            - shown.iter().map(|l| l.size_bytes).sum::<u64>();
        md.push_str(&format!(
            "The {limit} largest of {} layers; the other {} hold {}.\n\n",
            layers.len(),
            layers.len() - limit,
            bytes(rest)
        ));
    }
    md.push_str("| # | size | | changes | command |\n|---:|---:|---|---|---|\n");
    let max = layers.iter().map(|l| l.size_bytes).max().unwrap_or(0);
    for l in shown {
        let cmd = match l.command.as_deref() {
            None => "(no history)".to_string(),
            Some(c) => cell_code(&table_command(c)),
        };
        md.push_str(&format!(
            "| {} | {} | {} | {} | {cmd} |\n",
            l.index,
            bytes(l.size_bytes),
            bar(l.size_bytes, max),
            changes(l),
        ));
    }
    md.push_str(
        "\nchanges: paths the layer added (+), modified (~) and removed (-) in the merged tree.\n\n",
    );
    if !compact {
        layer_chart(a, max, md);
    }
}

/// `+268 ~1`: the non-zero counts, `0` for none.
fn changes(l: &LayerInfo) -> String {
    let c = &l.changes;
    let parts: Vec<String> = [("+", c.added), ("~", c.modified), ("-", c.removed)]
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(sign, n)| format!("{sign}{n}"))
        .collect();
    if parts.is_empty() {
        "0".into()
    } else {
        parts.join("\u{a0}")
    }
}
