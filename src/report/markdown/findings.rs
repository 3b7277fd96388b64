//! The findings, grouped by rule: each with its layer, paths, packages and fix.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use super::text::{
    LIST_CAP, PATH_WIDTH, clip, keep_units, more_line, size as bytes, table_command,
};
use crate::analysis::findings::FlaggedBytes;
use crate::analysis::{Analysis, Finding};
use crate::report::escape::markdown::{cell_code, code, prose};
use crate::report::{path_notes, path_subject};
use crate::vocab::Rule;

/// Characters of a finding's fix.
const ADVICE_WIDTH: usize = 600;

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

/// Findings grouped by rule, at most [`LIST_CAP`] per rule; `compact`
/// gives one table row per rule instead (to fit the comment limit).
pub(super) fn findings(a: &Analysis, md: &mut String, compact: bool) {
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
    if compact {
        summary_table(a, &groups, md);
        return;
    }
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
        for f in group.iter().take(LIST_CAP) {
            finding(f, md);
        }
        if n > LIST_CAP {
            let rest: u64 = group[LIST_CAP..].iter().map(|f| f.bytes).sum();
            let what = format!("{} findings", code(rule.as_str()));
            let rest = (rest > 0).then_some(rest);
            md.push_str(&format!(
                "{}; `--json` lists them all.\n\n",
                more_line(n - LIST_CAP, &what, rest)
            ));
        }
    }
}

/// One row per rule: findings, bytes, the largest finding's first path.
fn summary_table(a: &Analysis, groups: &[(Rule, Vec<&Finding>)], md: &mut String) {
    md.push_str(
        "Only one line per rule here, to keep the report under GitHub's comment limit; \
         `--json` has every finding.\n\n| rule | findings | bytes | e.g. |\n|---|---:|---:|---|\n",
    );
    for (rule, group) in groups {
        let example = group[0]
            .paths
            .first()
            .map_or(String::new(), |p| cell_code(&clip(&path_subject(p), 80)));
        md.push_str(&format!(
            "| {} | {} | {} | {example} |\n",
            cell_code(rule.as_str()),
            group.len(),
            bytes(rule_bytes(a, group))
        ));
    }
    md.push('\n');
}

fn finding(f: &Finding, md: &mut String) {
    let mut head = Vec::new();
    if f.bytes > 0 {
        head.push(bytes(f.bytes));
    }
    head.push(f.severity.to_string());
    head.push(match &f.layer {
        Some(l) => {
            let cmd = l
                .command
                .as_deref()
                .map_or("(no history)".to_string(), |c| code(&table_command(c)));
            format!("layer {}: {cmd}", l.index)
        }
        None => "image config".into(),
    });
    md.push_str(&format!("#### {}\n\n", head.join(" · ")));
    paths(f, md);
    packages(f, md);
    md.push_str(&format!(
        "**Fix:** {}\n\n",
        prose(&keep_units(&clip(&f.advice, ADVICE_WIDTH)))
    ));
}

/// The finding's paths, at most [`LIST_CAP`], each clipped.
fn paths(f: &Finding, md: &mut String) {
    if f.paths.is_empty() {
        return;
    }
    for p in f.paths.iter().take(LIST_CAP) {
        let mut notes = path_notes(p);
        if p.bytes > 0 {
            notes.insert(0, bytes(p.bytes));
        }
        let notes = if notes.is_empty() {
            String::new()
        } else {
            format!(" ({})", prose(&notes.join("; ")))
        };
        md.push_str(&format!(
            "- {}{notes}\n",
            code(&clip(&path_subject(p), PATH_WIDTH))
        ));
    }
    let hidden = f.paths.len().saturating_sub(LIST_CAP) + f.paths_omitted;
    if hidden > 0 {
        md.push_str(&format!("- {}\n", more_line(hidden, "paths", None)));
    }
    md.push('\n');
}

/// The packages a finding names, once each (a package installed at several
/// paths counts its copies), largest first, at most [`LIST_CAP`].
fn packages(f: &Finding, md: &mut String) {
    if f.packages.is_empty() {
        return;
    }
    // (name, version, ecosystem) -> (bytes, copies), in first-seen order;
    // `at` finds a package's row (a lockfile may list many thousands).
    let mut unique: Vec<(&str, &str, &str, u64, usize)> = Vec::new();
    let mut at: HashMap<(&str, &str, &str), usize> = HashMap::new();
    for p in &f.packages {
        let eco = p.ecosystem;
        match at.entry((&p.name, &p.version, eco)) {
            Entry::Occupied(i) => {
                let u = &mut unique[*i.get()];
                u.3 += p.bytes;
                u.4 += 1;
            }
            Entry::Vacant(v) => {
                v.insert(unique.len());
                unique.push((&p.name, &p.version, eco, p.bytes, 1));
            }
        }
    }
    unique.sort_by(|x, y| y.3.cmp(&x.3).then(x.0.cmp(y.0)));
    let list: Vec<String> = unique
        .iter()
        .take(LIST_CAP)
        .map(|(name, version, eco, b, copies)| {
            let copies = if *copies > 1 {
                format!(", {copies} copies")
            } else {
                String::new()
            };
            format!(
                "{} {} ({eco}, {}{copies})",
                code(&clip(name, 100)),
                prose(&clip(version, 40)),
                bytes(*b)
            )
        })
        .collect();
    md.push_str(&format!("Packages ({}): {}", unique.len(), list.join(", ")));
    if unique.len() > LIST_CAP {
        let rest: u64 = unique[LIST_CAP..].iter().map(|u| u.3).sum();
        md.push_str(&format!(
            ", {}",
            more_line(unique.len() - LIST_CAP, "packages", Some(rest))
        ));
    }
    md.push_str("\n\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::findings::FindingPackage;
    use crate::vocab::{Category, Severity};

    #[test]
    fn a_package_at_several_paths_is_listed_once_with_its_copies() {
        let pkg = |name: &str, version: &str, bytes| FindingPackage {
            ecosystem: "npm",
            name: name.into(),
            version: version.into(),
            bytes,
        };
        let f = Finding {
            rule: Rule::DevDependencies,
            category: Category::Bloat,
            severity: Severity::Medium,
            bytes: 0,
            layer: None,
            paths: Vec::new(),
            paths_omitted: 0,
            packages: vec![
                pkg("b", "1.0.0", 10),
                pkg("a", "2.0.0", 5),
                pkg("b", "1.0.0", 10),
                pkg("b", "2.0.0", 20),
                pkg("a", "2.0.0", 5),
            ],
            advice: String::new(),
            dockerfile_line: None,
            nodes: Vec::new(),
        };
        let mut md = String::new();
        packages(&f, &mut md);
        assert_eq!(
            md,
            "Packages (3): `b` 1.0.0 (npm, 20\u{a0}B, 2 copies), `b` 2.0.0 (npm, 20\u{a0}B), \
             `a` 2.0.0 (npm, 10\u{a0}B, 2 copies)\n\n"
        );
    }
}
