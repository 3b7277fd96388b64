//! The head of the report: the summary table and the budget verdict.

use crate::analysis::{Analysis, Finding};
use crate::report::bytes;
use crate::report::ci::{Origin, Status, Verdict};
use crate::report::escape::markdown::{cell_code, cell_text, code, prose};

pub(super) fn summary(a: &Analysis, verdict: Option<&Verdict>, md: &mut String) {
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
    let by: Vec<String> = crate::vocab::Severity::ALL
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

pub(super) fn budgets(v: &Verdict, md: &mut String) {
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

/// `part` as a percentage of `whole`, one decimal.
pub(super) fn share(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "0.0 %".into();
    }
    format!("{:.1} %", part as f64 * 100.0 / whole as f64)
}
