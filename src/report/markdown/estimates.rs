//! The estimates: the base below the app, then what a multi-stage build or
//! another base would save, with the proposed Dockerfile.

use super::text::{LIST_CAP, PATH_WIDTH, clip, more_line, percent as share, size as bytes};
use crate::analysis::Analysis;
use crate::analysis::estimate::Estimate;
use crate::report::escape::markdown::{cell_code, code, escape_text, fenced, prose, visible};

/// The base below the app, then what a multi-stage build or another base
/// would give: a table, then each estimate's assumptions, warnings and the
/// proposed Dockerfile, folded in a `<details>` per estimate.
pub(super) fn estimates(a: &Analysis, md: &mut String) {
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
        table_row(e, md);
    }
    md.push('\n');
    for e in &a.estimates {
        section(e, md);
    }
}

/// An estimate's row in the table: strategy, base, size after, savings and
/// whether anything blocks it.
fn table_row(e: &Estimate, md: &mut String) {
    let base = e
        .candidate
        .as_ref()
        .map_or("(same base)".to_string(), |c| cell_code(&c.name()));
    let blocking = e.blocking_kinds();
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

/// An estimate's own section, folded: sizes, what the final stage leaves
/// behind, its warnings, its assumptions and the proposed Dockerfile.
fn section(e: &Estimate, md: &mut String) {
    // HTML, not markdown, inside `<summary>`: GitHub renders no code spans there.
    let title = match &e.candidate {
        Some(c) => format!("{} to {}", e.strategy, html(&c.name())),
        None => e.strategy.to_string(),
    };
    md.push_str(&format!(
        "<details>\n<summary>{title}: how, and what it assumes</summary>\n\n{} → {}, saves {}",
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
        for d in e.dropped.iter().take(LIST_CAP) {
            let mut paths: Vec<String> = d
                .paths
                .iter()
                .take(5)
                .map(|p| code(&clip(p, PATH_WIDTH)))
                .collect();
            if d.paths.len() > 5 {
                paths.push(more_line(d.paths.len() - 5, "", None));
            }
            let paths = if paths.is_empty() {
                String::new()
            } else {
                format!(": {}", paths.join(", "))
            };
            md.push_str(&format!("- {} {}{paths}\n", d.what, bytes(d.bytes)));
        }
        if e.dropped.len() > LIST_CAP {
            md.push_str(&format!(
                "- {}\n",
                more_line(e.dropped.len() - LIST_CAP, "", None)
            ));
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
            for p in w.paths.iter().take(5) {
                md.push_str(&format!("  - {}\n", code(&clip(p, PATH_WIDTH))));
            }
            if w.paths.len() > 5 {
                md.push_str(&format!(
                    "  - {}\n",
                    more_line(w.paths.len() - 5, "paths", None)
                ));
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
        md.push_str("Proposed Dockerfile:\n\n");
        md.push_str(&fenced("dockerfile", df));
        md.push('\n');
    }
    md.push_str("</details>\n\n");
}

/// Text for HTML (a `<summary>`): `&`, `<`, `>` and quotes as entities,
/// hidden characters shown as escapes.
fn html(s: &str) -> String {
    let mut out = String::new();
    for c in visible(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '@' => out.push_str("&#64;"),
            c => out.push(c),
        }
    }
    format!("<code>{out}</code>")
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
