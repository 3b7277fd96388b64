//! The head of the report: the summary table and the budget verdict.

use super::text::{LIST_CAP, clip, display_name, keep_units, no_break, percent, size as bytes};
use crate::analysis::{Analysis, Finding};
use crate::report::ci::{Origin, Status, Verdict};
use crate::report::escape::markdown::{cell_code, cell_text, code, prose};

/// Tags listed in the summary.
const TAGS_SHOWN: usize = 5;
/// Characters of one line explaining why a budget fails.
const EXPLAIN_WIDTH: usize = 300;

pub(super) fn summary(a: &Analysis, verdict: Option<&Verdict>, md: &mut String) {
    let img = &a.image;
    let m = &a.metrics;
    let name = clip(&display_name(&img.reference), 200);
    md.push_str(&format!("# ballast report: {}\n\n", code(&name)));
    if let Some(v) = verdict {
        md.push_str(&alert(v));
    }
    md.push_str("| | |\n|---|---|\n");
    let mut row = |k: &str, v: String| md.push_str(&format!("| {k} | {v} |\n"));
    row("image", cell_code(&name));
    if !img.repo_tags.is_empty() {
        let mut tags: Vec<String> = img
            .repo_tags
            .iter()
            .take(TAGS_SHOWN)
            .map(|t| cell_code(&clip(t, 200)))
            .collect();
        if img.repo_tags.len() > TAGS_SHOWN {
            tags.push(format!("and {} more", img.repo_tags.len() - TAGS_SHOWN));
        }
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
            percent(m.reclaimable_bytes, m.shipped_bytes)
        ),
    );
    row(
        "dive efficiency",
        format!("{:.4}\u{a0}%", m.efficiency * 100.0),
    );
    row("dive wasted", bytes(m.wasted_bytes));
    row(
        "dive user wasted",
        m.user_wasted_percent
            .map_or("n/a (one layer)".to_string(), |p| {
                format!("{:.4}\u{a0}%", p * 100.0)
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

/// The verdict where a reader looks first: a GitHub alert under the title,
/// red for a failure, blue for a pass.
fn alert(v: &Verdict) -> String {
    let failed: Vec<_> = v
        .checks
        .iter()
        .filter(|c| c.status == Status::Fail)
        .collect();
    if failed.is_empty() {
        return format!(
            "> [!NOTE]\n> **Budgets pass**: all {} within their limits.\n\n",
            v.checks.len()
        );
    }
    let mut md = format!(
        "> [!CAUTION]\n> **Over budget**: {} of {} {}.\n>\n",
        failed.len(),
        v.checks.len(),
        if v.checks.len() == 1 {
            "budget fails"
        } else {
            "budgets fail"
        }
    );
    for c in failed.iter().take(LIST_CAP) {
        md.push_str(&format!(
            "> - {}: {} (limit {})\n",
            code(&c.budget),
            prose(&no_break(&c.measured)),
            prose(&no_break(&c.limit))
        ));
    }
    if failed.len() > LIST_CAP {
        md.push_str(&format!("> - … and {} more\n", failed.len() - LIST_CAP));
    }
    md.push('\n');
    md
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
            cell_text(&no_break(&c.measured)),
            cell_text(&no_break(&c.limit))
        ));
    }
    md.push('\n');
    for c in v.checks.iter().filter(|c| c.status == Status::Fail) {
        if c.explain.is_empty() {
            continue;
        }
        md.push_str(&format!("Why {} fails:\n\n", code(&c.budget)));
        for e in c.explain.iter().take(LIST_CAP) {
            md.push_str(&format!(
                "- {}\n",
                prose(&keep_units(&clip(e, EXPLAIN_WIDTH)))
            ));
        }
        if c.explain.len() > LIST_CAP {
            md.push_str(&format!(
                "- … and {} more (`--json` lists the findings)\n",
                c.explain.len() - LIST_CAP
            ));
        }
        md.push('\n');
    }
}
