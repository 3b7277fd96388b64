//! The mermaid charts (shipped bytes by cause, layer sizes) and the text size
//! bars of the layers table.

use super::findings::live_by_rule;
use crate::analysis::Analysis;
use crate::report::bytes;
use crate::vocab::Rule;

/// Width of the largest layer's size bar, in characters.
const BAR_WIDTH: u64 = 20;

/// Where the shipped bytes go: a mermaid pie, when anything is flagged.
pub(super) fn causes(a: &Analysis, md: &mut String) {
    let m = &a.metrics;
    let hidden_of = |rule: Rule| -> u64 {
        a.findings
            .iter()
            .filter(|f| f.rule == rule)
            .map(|f| f.bytes)
            .sum()
    };
    let deleted = hidden_of(Rule::DeletedLater);
    let overwritten = hidden_of(Rule::Overwritten);
    let other_hidden = m.hidden_bytes.saturating_sub(deleted + overwritten);
    let mut live = live_by_rule(a);
    live.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
    let flagged_live: u64 = live.iter().map(|r| r.1).sum();
    let kept = m.live_bytes.saturating_sub(flagged_live);

    let mut slices: Vec<(String, u64)> = vec![
        ("deleted-later (hidden)".into(), deleted),
        ("overwritten (hidden)".into(), overwritten),
        ("other hidden".into(), other_hidden),
    ];
    slices.extend(live.iter().map(|(rule, b)| (format!("{rule} (live)"), *b)));
    slices.retain(|s| s.1 > 0);
    if slices.is_empty() {
        return;
    }
    slices.push(("kept (live, not flagged)".into(), kept));
    slices.retain(|s| s.1 > 0);

    md.push_str("## Where the bytes go\n\n");
    md.push_str("```mermaid\npie title Shipped bytes by cause\n");
    for (label, b) in &slices {
        md.push_str(&format!(
            "    \"{} {}\" : {b}\n",
            mermaid_label(label),
            bytes(*b)
        ));
    }
    md.push_str("```\n\n");
    md.push_str(
        "Hidden bytes are shipped but deleted or overwritten by a later layer; live slices are \
         files in the final filesystem that findings flag (a file two rules flag counts once, \
         for the first finding below).\n\n",
    );
}

/// The layer sizes as a mermaid bar chart, when any layer has bytes.
pub(super) fn layer_chart(a: &Analysis, max: u64, md: &mut String) {
    let layers = &a.image.layers;
    if max == 0 {
        return;
    }
    md.push_str("```mermaid\nxychart-beta\n    title \"Layer sizes (MB)\"\n");
    let xs: Vec<String> = layers.iter().map(|l| format!("\"{}\"", l.index)).collect();
    md.push_str(&format!("    x-axis \"layer\" [{}]\n", xs.join(", ")));
    md.push_str("    y-axis \"MB\"\n");
    let ys: Vec<String> = layers.iter().map(|l| megabytes(l.size_bytes)).collect();
    md.push_str(&format!("    bar [{}]\n```\n\n", ys.join(", ")));
}

/// A size bar: `█` per twentieth of `max`, eighth blocks for the rest; any
/// non-empty layer gets at least a sliver.
pub(super) fn bar(size: u64, max: u64) -> String {
    const PARTIAL: [&str; 8] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
    if size == 0 || max == 0 {
        return String::new();
    }
    let eighths = ((u128::from(size) * u128::from(BAR_WIDTH * 8) + u128::from(max) / 2)
        / u128::from(max))
    .max(1) as usize;
    let mut s = "█".repeat(eighths / 8);
    s.push_str(PARTIAL[eighths % 8]);
    s
}

/// Decimal megabytes, three places (kB resolution), as the chart's y values.
fn megabytes(n: u64) -> String {
    let k = n.saturating_add(500) / 1000;
    format!("{}.{:03}", k / 1000, k % 1000)
}

/// A mermaid label without the characters that end or confuse it.
fn mermaid_label(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '"' | ':' | ';' | '#' | '`' | '\n' | '\r' => ' ',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_and_megabytes() {
        assert_eq!(bar(100, 100), "█".repeat(20));
        assert_eq!(bar(0, 100), "");
        assert_eq!(bar(1, 1_000_000), "▏");
        assert_eq!(bar(50, 100), "█".repeat(10));
        assert_eq!(megabytes(1_982_256), "1.982");
        assert_eq!(megabytes(22), "0.000");
        assert_eq!(megabytes(999_999), "1.000");
        assert_eq!(megabytes(999_499), "0.999");
        assert_eq!(megabytes(400_003), "0.400");
    }
}
