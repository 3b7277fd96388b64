//! The findings, grouped by rule: each with its layer, paths, packages and fix.

use crate::analysis::findings::FlaggedBytes;
use crate::analysis::{Analysis, Finding};
use crate::report::escape::markdown::{code, prose};
use crate::report::{bytes, path_notes, path_subject};
use crate::vocab::Rule;

/// Bytes of live files flagged by waste and bloat findings, each file once:
/// per rule, the files no earlier finding (in the analysis' order) claimed.
/// The rule totals add up to `reclaimable_bytes - hidden_bytes`.
pub(super) fn live_by_rule(a: &Analysis) -> Vec<(Rule, u64)> {
    let mut flagged = FlaggedBytes::default();
    let mut out: Vec<(Rule, u64)> = Vec::new();
    for f in &a.findings {
        if !f.category.is_size() || f.rule.is_hidden_version() {
            continue;
        }
        let sum = flagged.add(&a.tree, f);
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
    if first.rule.is_hidden_version() {
        return group.iter().map(|f| f.bytes).sum();
    }
    let mut flagged = FlaggedBytes::default();
    group.iter().map(|f| flagged.add(&a.tree, f)).sum()
}

pub(super) fn findings(a: &Analysis, md: &mut String) {
    if a.findings.is_empty() {
        return;
    }
    // Rules in the order their first finding appears (severity, then bytes).
    let mut groups: Vec<(Rule, Vec<&Finding>)> = Vec::new();
    for f in &a.findings {
        match groups.iter_mut().find(|g| g.0 == f.rule) {
            Some(g) => g.1.push(f),
            None => groups.push((f.rule, vec![f])),
        }
    }
    md.push_str("## Findings\n\n");
    for (rule, group) in &groups {
        md.push_str(&format!("### {}\n\n", code(rule.as_str())));
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
            let mut notes = path_notes(p);
            if p.bytes > 0 {
                notes.insert(0, bytes(p.bytes));
            }
            let notes = if notes.is_empty() {
                String::new()
            } else {
                format!(" ({})", prose(&notes.join("; ")))
            };
            md.push_str(&format!("- {}{notes}\n", code(&path_subject(p))));
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
