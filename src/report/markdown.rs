//! `--markdown`: a GitHub-flavoured report of an [`Analysis`] for people: the
//! summary, the budget verdict, where the bytes go (a mermaid pie), the layers
//! (a table with size bars, and a mermaid bar chart), the findings by rule with
//! their paths and fix, the estimates (base, multi-stage, smaller bases, with
//! the proposed Dockerfile), and the largest packages and dive's inefficient paths
//! in collapsible sections.
//!
//! The output is a pure function of the analysis: no clock, no environment,
//! everything in the analysis' own (sorted) order, so the same image gives the
//! same bytes. It prints only what the analysis holds (layer commands and
//! finding paths are already redacted there; config values are never shown).
//!
//! Escaping: everything that comes from the image (commands, paths, package
//! names, advice that quotes paths) is either put in a code span sized to its
//! backticks, or backslash-escaped as text; pipes are escaped inside tables
//! (GFM removes the backslash, also inside code spans); control characters
//! (newlines in heredoc commands or file names) are shown as `\n`, `\u{..}`, so
//! they cannot end a table row or a list item.

use std::collections::HashSet;
use std::io::Write;

use super::bytes;
use super::ci::{Origin, Status, Verdict};
use crate::analysis::{Analysis, Finding};
use crate::layer::EntryKind;
use crate::tree::NodeId;

/// Widest command shown in the layers table (the findings show it whole).
const COMMAND_WIDTH: usize = 100;
/// Width of the largest layer's size bar, in characters.
const BAR_WIDTH: u64 = 20;
/// Rows in the collapsible packages and inefficient-paths tables.
const TOP_ROWS: usize = 10;
/// Analysis warnings listed.
const TOP_WARNINGS: usize = 10;

/// The rules whose bytes are hidden versions (shipped, not live).
const HIDDEN_RULES: [&str; 2] = ["deleted-later", "overwritten"];

pub fn write(
    analysis: &Analysis,
    verdict: Option<&Verdict>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut md = String::new();
    summary(analysis, verdict, &mut md);
    if let Some(v) = verdict {
        budgets(v, &mut md);
    }
    causes(analysis, &mut md);
    layers(analysis, &mut md);
    findings(analysis, &mut md);
    estimates(analysis, &mut md);
    dockerfile(analysis, &mut md)?;
    packages(analysis, &mut md);
    inefficient_paths(analysis, &mut md);
    warnings(analysis, &mut md);
    // One trailing newline, whatever the last section wrote.
    let end = md.trim_end_matches('\n').len();
    md.truncate(end);
    md.push('\n');
    out.write_all(md.as_bytes())?;
    out.flush()
}

/// With `--dockerfile`: its lint findings, and the build-cache report when
/// the context has git history.
fn dockerfile(a: &Analysis, md: &mut String) -> std::io::Result<()> {
    let Some(d) = &a.dockerfile else {
        return Ok(());
    };
    let mut buf = Vec::new();
    super::dockerfile::lint::write_markdown(&d.lint, std::path::Path::new(&d.path), &mut buf)?;
    if let Some(cache) = &d.cache {
        super::dockerfile::cache::write_markdown(cache, &mut buf)?;
    }
    md.push_str(&String::from_utf8_lossy(&buf));
    if !md.ends_with("\n\n") {
        md.push('\n');
    }
    Ok(())
}

fn summary(a: &Analysis, verdict: Option<&Verdict>, md: &mut String) {
    let img = &a.image;
    let m = &a.metrics;
    md.push_str(&format!("# ballast report: {}\n\n", code(&img.reference)));
    md.push_str("| | |\n|---|---|\n");
    let mut row = |k: &str, v: String| md.push_str(&format!("| {k} | {v} |\n"));
    row("image", cell_code(&img.reference));
    if !img.repo_tags.is_empty() {
        let tags: Vec<String> = img.repo_tags.iter().map(|t| cell_code(t)).collect();
        row("tags", tags.join(", "));
    }
    let id = img
        .id
        .strip_prefix("sha256:")
        .map_or(&img.id[..], |h| &h[..h.len().min(12)]);
    row("id", cell_code(id));
    let mut platform = format!("{}/{}", img.os, img.architecture);
    if let Some(v) = &img.variant {
        platform.push('/');
        platform.push_str(v);
    }
    row("os/arch", cell_text(&platform));
    row("layers", img.layers.len().to_string());
    row(
        "shipped",
        format!("{} (every pull carries this)", bytes(m.shipped_bytes)),
    );
    row(
        "live",
        format!(
            "{} (the final filesystem, {} files)",
            bytes(m.live_bytes),
            m.live_files
        ),
    );
    row(
        "hidden",
        format!(
            "{} (in layers, deleted or overwritten later)",
            bytes(m.hidden_bytes)
        ),
    );
    row(
        "reclaimable",
        format!(
            "{} ({} of shipped)",
            bytes(m.reclaimable_bytes),
            share(m.reclaimable_bytes, m.shipped_bytes)
        ),
    );
    row("dive efficiency", format!("{:.4} %", m.efficiency * 100.0));
    row("dive wasted", bytes(m.wasted_bytes));
    row(
        "dive user wasted",
        m.user_wasted_percent
            .map_or("n/a (one layer)".to_string(), |p| {
                format!("{:.4} %", p * 100.0)
            }),
    );
    row("findings", finding_counts(&a.findings));
    if let Some(v) = verdict {
        row("budgets", verdict_line(v));
    }
    md.push('\n');
}

/// `6 (3 medium, 3 low)`.
fn finding_counts(findings: &[Finding]) -> String {
    if findings.is_empty() {
        return "none".into();
    }
    let by: Vec<String> = ["high", "medium", "low", "info"]
        .iter()
        .filter_map(|s| {
            let n = findings.iter().filter(|f| f.severity == *s).count();
            (n > 0).then(|| format!("{n} {s}"))
        })
        .collect();
    format!("{} ({})", findings.len(), by.join(", "))
}

/// `**PASS** (2 budgets)` or `**FAIL**: `max_size`, … (1 of 3 budgets over)`.
fn verdict_line(v: &Verdict) -> String {
    let failed: Vec<&str> = v
        .checks
        .iter()
        .filter(|c| c.status == Status::Fail)
        .map(|c| c.budget.as_str())
        .collect();
    if failed.is_empty() {
        format!("**PASS** ({} budgets)", v.checks.len())
    } else {
        let names: Vec<String> = failed.iter().map(|b| cell_code(b)).collect();
        format!(
            "**FAIL**: {} ({} of {} budgets over)",
            names.join(", "),
            failed.len(),
            v.checks.len()
        )
    }
}

fn budgets(v: &Verdict, md: &mut String) {
    md.push_str("## Budgets\n\n");
    let origin = match &v.origin {
        Origin::BallastToml(p) => format!("Budgets from {}.", code(&p.display().to_string())),
        Origin::DiveCi(p) => format!(
            "Budgets: dive's rules from {}.",
            code(&p.display().to_string())
        ),
        Origin::DiveDefaults => {
            "Budgets: dive's default rules (no .ballast.toml or .dive-ci).".into()
        }
    };
    md.push_str(&format!("{origin} Result: {}\n\n", verdict_line(v)));
    if v.checks.is_empty() {
        return;
    }
    md.push_str("| budget | result | measured | limit |\n|---|---|---:|---:|\n");
    for c in &v.checks {
        let status = match c.status {
            Status::Pass => "PASS",
            Status::Fail => "**FAIL**",
        };
        md.push_str(&format!(
            "| {} | {status} | {} | {} |\n",
            cell_code(&c.budget),
            cell_text(&c.measured),
            cell_text(&c.limit)
        ));
    }
    md.push('\n');
    for c in v.checks.iter().filter(|c| c.status == Status::Fail) {
        if c.explain.is_empty() {
            continue;
        }
        md.push_str(&format!("Why {} fails:\n\n", code(&c.budget)));
        for e in &c.explain {
            md.push_str(&format!("- {}\n", prose(e)));
        }
        md.push('\n');
    }
}

/// Bytes of live files flagged by waste and bloat findings, each file once:
/// per rule, the files no earlier finding (in the analysis' order) claimed.
/// The rule totals add up to `reclaimable_bytes - hidden_bytes`.
fn live_by_rule(a: &Analysis) -> Vec<(&'static str, u64)> {
    let mut seen: HashSet<NodeId> = HashSet::new();
    let mut out: Vec<(&'static str, u64)> = Vec::new();
    for f in &a.findings {
        if !matches!(f.category, "waste" | "bloat") || HIDDEN_RULES.contains(&f.rule) {
            continue;
        }
        let mut sum = 0;
        for &id in &f.nodes {
            if seen.insert(id)
                && let Some(m) = a.tree.node(id).live()
                && m.kind == EntryKind::File
            {
                sum += m.size;
            }
        }
        match out.iter_mut().find(|(r, _)| *r == f.rule) {
            Some(slot) => slot.1 += sum,
            None => out.push((f.rule, sum)),
        }
    }
    out
}

/// The bytes a rule's findings account for, each byte once within the rule:
/// live files once for waste and bloat rules, the sum for hidden versions
/// (disjoint by construction), nothing for security and reliability rules.
fn rule_bytes(a: &Analysis, group: &[&Finding]) -> u64 {
    let Some(first) = group.first() else { return 0 };
    if HIDDEN_RULES.contains(&first.rule) {
        return group.iter().map(|f| f.bytes).sum();
    }
    if !matches!(first.category, "waste" | "bloat") {
        return 0;
    }
    let mut seen: HashSet<NodeId> = HashSet::new();
    group
        .iter()
        .flat_map(|f| f.nodes.iter().copied())
        .filter(|id| seen.insert(*id))
        .filter_map(|id| a.tree.node(id).live())
        .filter(|m| m.kind == EntryKind::File)
        .map(|m| m.size)
        .sum()
}

/// Where the shipped bytes go: a mermaid pie, when anything is flagged.
fn causes(a: &Analysis, md: &mut String) {
    let m = &a.metrics;
    let hidden_of = |rule: &str| -> u64 {
        a.findings
            .iter()
            .filter(|f| f.rule == rule)
            .map(|f| f.bytes)
            .sum()
    };
    let deleted = hidden_of("deleted-later");
    let overwritten = hidden_of("overwritten");
    let other_hidden = m.hidden_bytes.saturating_sub(deleted + overwritten);
    let mut live = live_by_rule(a);
    live.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(y.0)));
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

fn layers(a: &Analysis, md: &mut String) {
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

fn findings(a: &Analysis, md: &mut String) {
    if a.findings.is_empty() {
        return;
    }
    // Rules in the order their first finding appears (severity, then bytes).
    let mut groups: Vec<(&str, Vec<&Finding>)> = Vec::new();
    for f in &a.findings {
        match groups.iter_mut().find(|g| g.0 == f.rule) {
            Some(g) => g.1.push(f),
            None => groups.push((f.rule, vec![f])),
        }
    }
    md.push_str("## Findings\n\n");
    for (rule, group) in &groups {
        md.push_str(&format!("### {}\n\n", code(rule)));
        let n = group.len();
        let mut line = format!(
            "{} · {n} finding{}",
            group[0].category,
            if n == 1 { "" } else { "s" }
        );
        let total = rule_bytes(a, group);
        if total > 0 {
            line.push_str(&format!(" · {}", bytes(total)));
        }
        md.push_str(&format!("{line}\n\n"));
        for f in group {
            finding(f, md);
        }
    }
}

fn finding(f: &Finding, md: &mut String) {
    let mut head = Vec::new();
    if f.bytes > 0 {
        head.push(bytes(f.bytes));
    }
    head.push(f.severity.to_string());
    head.push(match &f.layer {
        Some(l) => format!("layer {}", l.index),
        None => "image config".into(),
    });
    md.push_str(&format!("#### {}\n\n", head.join(" · ")));
    if let Some(l) = &f.layer {
        let cmd = l
            .command
            .as_deref()
            .map_or("(no history)".to_string(), code);
        md.push_str(&format!("Layer {}: {cmd}\n\n", l.index));
    }
    if !f.paths.is_empty() {
        for p in &f.paths {
            if p.bytes > 0 {
                md.push_str(&format!("- {} ({})\n", code(&p.path), bytes(p.bytes)));
            } else {
                md.push_str(&format!("- {}\n", code(&p.path)));
            }
        }
        if f.paths_omitted > 0 {
            md.push_str(&format!("- … and {} more\n", f.paths_omitted));
        }
        md.push('\n');
    }
    if !f.packages.is_empty() {
        let list: Vec<String> = f
            .packages
            .iter()
            .map(|p| {
                format!(
                    "{} {} ({}, {})",
                    code(&p.name),
                    prose(&p.version),
                    p.ecosystem,
                    bytes(p.bytes)
                )
            })
            .collect();
        md.push_str(&format!("Packages: {}\n\n", list.join(", ")));
    }
    md.push_str(&format!("**Fix:** {}\n\n", prose(&f.advice)));
}

/// The base below the app, then what a multi-stage build or another base
/// would give: a table, then each estimate's assumptions, warnings and the
/// proposed Dockerfile.
fn estimates(a: &Analysis, md: &mut String) {
    md.push_str("## Estimates\n\n");
    md.push_str(&format!("{}\n\n", base_line(&a.base)));
    if a.estimates.is_empty() {
        md.push_str("No multi-stage build or smaller base would save anything here.\n\n");
        return;
    }
    md.push_str("Estimates, not measurements: each states what it assumes.\n\n");
    md.push_str("| strategy | base | size after | saves | feasible |\n");
    md.push_str("|---|---|---:|---:|---|\n");
    for e in &a.estimates {
        let base = e
            .candidate
            .as_ref()
            .map_or("(same base)".to_string(), |c| cell_code(&c.name()));
        let blocking: Vec<&str> = e
            .warnings
            .iter()
            .filter(|w| w.blocking)
            .map(|w| w.kind)
            .collect();
        let feasible = if blocking.is_empty() {
            "yes".to_string()
        } else {
            format!("no: {}", blocking.join(", "))
        };
        md.push_str(&format!(
            "| {} | {base} | {} | {} ({}) | {feasible} |\n",
            e.strategy,
            bytes(e.size_after),
            bytes(e.bytes_saved),
            share(e.bytes_saved, e.size_before),
        ));
    }
    md.push('\n');
    for e in &a.estimates {
        let title = match &e.candidate {
            Some(c) => format!("{} to {}", e.strategy, code(&c.name())),
            None => e.strategy.to_string(),
        };
        md.push_str(&format!(
            "### {title}\n\n{} → {}, saves {}",
            bytes(e.size_before),
            bytes(e.size_after),
            bytes(e.bytes_saved)
        ));
        if let Some(ms) = e.with_multi_stage {
            md.push_str(&format!("; {} with a multi-stage final stage", bytes(ms)));
        }
        md.push_str("\n\n");
        if !e.dropped.is_empty() {
            md.push_str("Left behind by the final stage:\n\n");
            for d in &e.dropped {
                let paths: Vec<String> = d.paths.iter().map(|p| code(p)).collect();
                let paths = if paths.is_empty() {
                    String::new()
                } else {
                    format!(": {}", paths.join(", "))
                };
                md.push_str(&format!("- {} {}{paths}\n", d.what, bytes(d.bytes)));
            }
            md.push('\n');
        }
        if !e.warnings.is_empty() {
            for w in &e.warnings {
                let tag = if w.blocking { "blocks" } else { "warning" };
                md.push_str(&format!(
                    "- **{tag}** {}: {}\n",
                    code(w.kind),
                    prose(&w.message)
                ));
                for p in &w.paths {
                    md.push_str(&format!("  - {}\n", code(p)));
                }
            }
            md.push('\n');
        }
        md.push_str("Assumes:\n\n");
        for line in &e.assumptions {
            md.push_str(&format!("- {}\n", prose(line)));
        }
        md.push('\n');
        if let Some(df) = &e.dockerfile {
            md.push_str("<details>\n<summary>Proposed Dockerfile</summary>\n\n");
            md.push_str(&fenced("dockerfile", df));
            md.push_str("\n</details>\n\n");
        }
    }
}

/// "Base: 1 layer (124 MB), Debian GNU/Linux 12 (bookworm), glibc, node
/// runtime (…), closest reference node:24-bookworm."
fn base_line(b: &crate::analysis::estimate::BaseInfo) -> String {
    if b.layers == 0 {
        return "Base: none (the app layers start from scratch).".into();
    }
    let mut parts = vec![format!(
        "{} layer{} ({}, found by {})",
        b.layers,
        if b.layers == 1 { "" } else { "s" },
        bytes(b.bytes),
        b.detected_by
    )];
    if let Some(os) = &b.os {
        parts.push(escape_text(&visible(
            os.pretty_name.as_deref().unwrap_or(&os.id),
        )));
    }
    parts.push(format!("libc {}", b.libc));
    if let Some(r) = &b.runtime {
        parts.push(format!(
            "{} runtime {} ({}, {})",
            r.kind,
            code(&r.path),
            bytes(r.bytes),
            if r.in_base {
                "in the base"
            } else {
                "installed by the app layers"
            }
        ));
    }
    if let Some(c) = &b.closest {
        parts.push(format!("closest reference {}", code(c)));
    }
    format!("Base: {}.", parts.join(", "))
}

/// A fenced code block that nothing inside can close.
fn fenced(lang: &str, body: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in body.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat((longest + 1).max(3));
    let body = body.trim_end_matches('\n');
    format!("{fence}{lang}\n{body}\n{fence}\n")
}

fn packages(a: &Analysis, md: &mut String) {
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
            cell_code(&p.name),
            cell_text(&p.version),
            p.ecosystem,
            bytes(p.bytes),
            p.files,
            p.layer.map_or("-".to_string(), |l| l.to_string()),
        ));
    }
    md.push_str("\n</details>\n\n");
}

fn inefficient_paths(a: &Analysis, md: &mut String) {
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
            cell_code(&p.path),
            p.count,
            bytes(p.bytes)
        ));
    }
    md.push_str("\n</details>\n\n");
}

fn warnings(a: &Analysis, md: &mut String) {
    if a.warnings.is_empty() {
        return;
    }
    md.push_str(
        "## Warnings\n\nEntries skipped while reading (the analysis is otherwise complete):\n\n",
    );
    for w in a.warnings.iter().take(TOP_WARNINGS) {
        let layer = w.layer.map_or("-".to_string(), |l| l.to_string());
        let path = w
            .path
            .as_deref()
            .map_or(String::new(), |p| format!(" {}", code(p)));
        md.push_str(&format!("- layer {layer}{path}: {}\n", prose(&w.message)));
    }
    if a.warnings.len() > TOP_WARNINGS {
        md.push_str(&format!(
            "- … and {} more (see `--json`)\n",
            a.warnings.len() - TOP_WARNINGS
        ));
    }
    md.push('\n');
}

// ---- formatting helpers ----

/// `part` as a percentage of `whole`, one decimal.
fn share(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "0.0 %".into();
    }
    format!("{:.1} %", part as f64 * 100.0 / whole as f64)
}

/// A size bar: `█` per twentieth of `max`, eighth blocks for the rest; any
/// non-empty layer gets at least a sliver.
fn bar(size: u64, max: u64) -> String {
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

/// At most `width` characters, `…` marking a cut.
fn truncate(s: &str, width: usize) -> String {
    if s.chars().count() > width {
        s.chars().take(width - 1).chain(['…']).collect()
    } else {
        s.to_string()
    }
}

/// Control characters as escapes (`\n`, `\t`, `\u{1b}`): a newline in a
/// command or file name must not end a table row or a list item.
fn visible(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// A code span holding `s` literally (outside tables).
fn code(s: &str) -> String {
    span(&visible(s))
}

/// A code span inside a table cell: pipes escaped (GFM drops the backslash,
/// also inside code spans).
fn cell_code(s: &str) -> String {
    span(&visible(s).replace('|', "\\|"))
}

fn span(s: &str) -> String {
    if s.is_empty() {
        return "(empty)".into();
    }
    let mut longest = 0;
    let mut run = 0;
    for c in s.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    // A span starting or ending with a backtick needs a space; CommonMark strips
    // one space from each end when both are there.
    let both_spaces = s.starts_with(' ') && s.ends_with(' ') && s.trim() != "";
    let pad = if s.starts_with('`') || s.ends_with('`') || both_spaces {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// Plain text for a table cell.
fn cell_text(s: &str) -> String {
    escape_text(&visible(s)).replace('|', "\\|")
}

/// Text with backslash escapes for what would otherwise format: emphasis,
/// links, HTML, strikethrough, GitHub's `$` math, entity references.
fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let escape = match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '~' | '$' => true,
            '&' => chars
                .get(i + 1)
                .is_some_and(|n| n.is_ascii_alphanumeric() || *n == '#'),
            '#' | '+' | '-' | '=' => i == 0,
            _ => false,
        };
        if escape {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Prose from the analysis (advice, explanations): its backtick-quoted parts
/// become code spans, everything else escaped text. With an odd number of
/// backticks (a file name holding one) nothing is taken as code.
fn prose(s: &str) -> String {
    let s = visible(s);
    let parts: Vec<&str> = s.split('`').collect();
    if parts.len().is_multiple_of(2) {
        return escape_text(&s);
    }
    let mut out = String::with_capacity(s.len());
    for (i, part) in parts.iter().enumerate() {
        if i % 2 == 1 && !part.is_empty() {
            out.push_str(&span(part));
        } else if i % 2 == 0 {
            out.push_str(&escape_text(part));
        }
    }
    out
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
    fn spans_fit_their_backticks_and_tables_escape_pipes() {
        assert_eq!(code("a|b"), "`a|b`");
        assert_eq!(cell_code("a|b"), "`a\\|b`");
        assert_eq!(code("echo `id`"), "`` echo `id` ``");
        assert_eq!(code("``x"), "``` ``x ```");
        assert_eq!(code("a\nb"), "`a\\nb`");
        assert_eq!(code(""), "(empty)");
    }

    #[test]
    fn prose_keeps_code_and_escapes_the_rest() {
        assert_eq!(
            prose("add `.git` to .dockerignore: /a_*b*_"),
            "add `.git` to .dockerignore: /a\\_\\*b\\*\\_"
        );
        assert_eq!(prose("a ` b"), "a \\` b");
        assert_eq!(prose("x &amp; y && z $HOME"), "x \\&amp; y && z \\$HOME");
    }

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
