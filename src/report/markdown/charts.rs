//! The mermaid charts (shipped bytes by cause, layer sizes) and the text size
//! bars of the layers table.

use super::findings::live_by_rule;
use crate::analysis::Analysis;
use crate::vocab::Rule;

/// Width of the largest layer's size bar, in characters.
const BAR_WIDTH: u64 = 12;

/// Layers the bar chart shows: the largest, in layer order.
pub(super) const CHART_LAYERS: usize = 20;

/// Slices of the pie before the smallest fold into "other" (mermaid has
/// twelve pie colours).
const MAX_SLICES: usize = 11;

/// What a pie slice is: its colour family says so.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Hidden,
    Flagged,
    Kept,
    Other,
}

/// Reds for hidden bytes, oranges for flagged live bytes, darkest first.
const REDS: [&str; 3] = ["#b71c1c", "#e53935", "#ef9a9a"];
const ORANGES: [&str; 6] = [
    "#e65100", "#f57c00", "#ff9800", "#ffb74d", "#ffcc80", "#ffe0b2",
];
const GREY: &str = "#9e9e9e";
const OTHER: &str = "#d7ccc8";

/// Where the shipped bytes go: a mermaid pie, when anything is flagged.
/// Slices are sorted largest first (mermaid 10 colours slices in the order
/// given, mermaid 11 in size order: sorted, both agree), coloured by kind
/// through the init theme variables, and those under 1 % folded into
/// "other".
pub(super) fn causes(a: &Analysis, md: &mut String) {
    let slices = pie_slices(a);
    if slices.is_empty() {
        return;
    }
    let (mut reds, mut oranges) = (REDS.iter().cycle(), ORANGES.iter().cycle());
    let colours: Vec<String> = slices
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let c = match s.2 {
                Kind::Hidden => reds.next().copied().unwrap_or(GREY),
                Kind::Flagged => oranges.next().copied().unwrap_or(GREY),
                Kind::Kept => GREY,
                Kind::Other => OTHER,
            };
            format!("\"pie{}\": \"{c}\"", i + 1)
        })
        .collect();
    md.push_str("## Where the bytes go\n\n");
    md.push_str(&format!(
        "```mermaid\n%%{{init: {{\"theme\": \"base\", \"themeVariables\": {{{}, \
         \"pieStrokeColor\": \"#ffffff\", \"pieOuterStrokeColor\": \"#ffffff\"}}}}}}%%\n",
        colours.join(", ")
    ));
    md.push_str("pie title Shipped bytes by cause\n");
    for (label, b, _) in &slices {
        md.push_str(&format!(
            "    \"{} {}\" : {b}\n",
            mermaid_label(label),
            crate::report::bytes(*b)
        ));
    }
    md.push_str("```\n\n");
    md.push_str(
        "Red: hidden bytes, shipped but deleted or overwritten by a later layer. Orange: files in \
         the final filesystem that findings flag (a file two rules flag counts once, for the first \
         finding below). Grey: the rest. Slices under 1\u{a0}% are folded into \"other\".\n\n",
    );
}

/// The slices, largest first: hidden by cause, flagged live bytes by rule,
/// kept; under 1 % (and past [`MAX_SLICES`]) folded into one "other".
fn pie_slices(a: &Analysis) -> Vec<(String, u64, Kind)> {
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
    let live = live_by_rule(a);
    let flagged_live: u64 = live.iter().map(|r| r.1).sum();
    let kept = m.live_bytes.saturating_sub(flagged_live);

    let mut slices: Vec<(String, u64, Kind)> = vec![
        ("deleted-later (hidden)".into(), deleted, Kind::Hidden),
        ("overwritten (hidden)".into(), overwritten, Kind::Hidden),
        ("other hidden".into(), other_hidden, Kind::Hidden),
    ];
    slices.extend(
        live.iter()
            .map(|(rule, b)| (format!("{rule} (live)"), *b, Kind::Flagged)),
    );
    slices.retain(|s| s.1 > 0);
    if slices.is_empty() {
        return slices;
    }
    slices.push(("kept (live, not flagged)".into(), kept, Kind::Kept));
    slices.retain(|s| s.1 > 0);
    slices.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
    let total: u64 = slices.iter().map(|s| s.1).sum();
    let small = |i: usize, b: u64| i >= MAX_SLICES || u128::from(b) * 100 < u128::from(total);
    let folded: Vec<usize> = (0..slices.len())
        .filter(|&i| small(i, slices[i].1))
        .collect();
    // Folding one slice into "other" only renames it.
    if folded.len() > 1 {
        let other: u64 = folded.iter().map(|&i| slices[i].1).sum();
        let n = folded.len();
        let mut i = 0;
        slices.retain(|_| {
            i += 1;
            !folded.contains(&(i - 1))
        });
        slices.push((format!("other ({n} smaller causes)"), other, Kind::Other));
        slices.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
    }
    slices
}

/// The layer sizes as a mermaid bar chart, when any layer has bytes: every
/// layer up to [`CHART_LAYERS`], else the largest that many, in layer order.
pub(super) fn layer_chart(a: &Analysis, max: u64, md: &mut String) {
    if max == 0 {
        return;
    }
    let mut shown: Vec<&crate::analysis::LayerInfo> = a.image.layers.iter().collect();
    let title = if shown.len() > CHART_LAYERS {
        shown.sort_by(|x, y| y.size_bytes.cmp(&x.size_bytes).then(x.index.cmp(&y.index)));
        shown.truncate(CHART_LAYERS);
        shown.sort_by_key(|l| l.index);
        format!(
            "The {CHART_LAYERS} largest of {} layers (MB)",
            a.image.layers.len()
        )
    } else {
        "Layer sizes (MB)".to_string()
    };
    md.push_str(
        "```mermaid\n%%{init: {\"themeVariables\": {\"xyChart\": {\"plotColorPalette\": \"#1565c0\", \
         \"backgroundColor\": \"#ffffff\", \"titleColor\": \"#212121\", \"xAxisLabelColor\": \"#212121\", \
         \"yAxisLabelColor\": \"#212121\", \"xAxisTitleColor\": \"#212121\", \"yAxisTitleColor\": \"#212121\", \
         \"xAxisLineColor\": \"#616161\", \"yAxisLineColor\": \"#616161\", \"xAxisTickColor\": \"#616161\", \
         \"yAxisTickColor\": \"#616161\"}}}}%%\n",
    );
    md.push_str(&format!("xychart-beta\n    title \"{title}\"\n"));
    let xs: Vec<String> = shown.iter().map(|l| format!("\"{}\"", l.index)).collect();
    md.push_str(&format!("    x-axis \"layer\" [{}]\n", xs.join(", ")));
    md.push_str("    y-axis \"MB\"\n");
    let ys: Vec<String> = shown.iter().map(|l| megabytes(l.size_bytes)).collect();
    md.push_str(&format!("    bar [{}]\n```\n\n", ys.join(", ")));
}

/// A size bar: `█` per twelfth of `max`, eighth blocks for the rest; any
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
pub(crate) fn megabytes(n: u64) -> String {
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
        assert_eq!(bar(100, 100), "█".repeat(12));
        assert_eq!(bar(0, 100), "");
        assert_eq!(bar(1, 1_000_000), "▏");
        assert_eq!(bar(50, 100), "█".repeat(6));
        assert_eq!(megabytes(1_982_256), "1.982");
        assert_eq!(megabytes(22), "0.000");
        assert_eq!(megabytes(999_999), "1.000");
        assert_eq!(megabytes(999_499), "0.999");
        assert_eq!(megabytes(400_003), "0.400");
    }
}
