//! `--codequality FILE`: GitLab's Code Quality report (a JSON array of
//! issues with `description`, `check_name`, `fingerprint`, `severity` and a
//! `location`), which GitLab shows in the merge request's widget and diff.
//!
//! Each finding is an issue, and with `--ci` each failed budget, and with
//! `--dockerfile` each lint finding. GitLab wants a file and a line: the
//! Dockerfile and the instruction's line when known, else the image (as the
//! report names it) at line 1. Fingerprints hash what identifies an issue
//! (rule, layer, first path), not its bytes, so an issue that shrinks stays
//! the same issue between pipelines.

use std::io::Write;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::ci::{Status, Verdict};
use crate::analysis::{Analysis, Finding};
use crate::report::{bytes, path_subject};

/// The report as JSON, written at once.
pub fn write(a: &Analysis, verdict: Option<&Verdict>, out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &issues(a, verdict))?;
    out.write_all(b"\n")?;
    out.flush()
}

/// Every issue, findings first, then lint findings, then failed budgets.
pub fn issues(a: &Analysis, verdict: Option<&Verdict>) -> Value {
    let image = image_path(&a.image.reference);
    let mut out: Vec<Value> = a.findings.iter().map(|f| finding(a, f, &image)).collect();
    if let Some(d) = &a.dockerfile {
        for l in &d.lint {
            let check = format!("dockerfile/{}", l.rule);
            let description = format!("{} ({})", l.message, l.fix);
            let i = Issue {
                check: &check,
                kind: l.category,
                description: &description,
                severity: severity(l.severity),
                path: &d.path,
                line: l.line,
            };
            out.push(issue(i, &[l.rule, &l.line.to_string(), &l.message]));
        }
    }
    if let Some(v) = verdict {
        for c in v.checks.iter().filter(|c| c.status == Status::Fail) {
            let (path, line) = match &a.dockerfile {
                Some(d) => (d.path.as_str(), 1),
                None => (image.as_str(), 1),
            };
            let check = format!("budget/{}", c.budget);
            let description = format!(
                "over budget {}: {} (limit {})",
                c.budget, c.measured, c.limit
            );
            let i = Issue {
                check: &check,
                kind: "size",
                description: &description,
                severity: "major",
                path,
                line,
            };
            out.push(issue(i, &["budget", &c.budget]));
        }
    }
    Value::Array(out)
}

fn finding(a: &Analysis, f: &Finding, image: &str) -> Value {
    let (path, line) = match (&a.dockerfile, f.dockerfile_line) {
        (Some(d), Some(line)) => (d.path.as_str(), line),
        _ => (image, 1),
    };
    let first = f.paths.first().map(path_subject).unwrap_or_default();
    let mut description = f.rule.as_str().to_string();
    if f.bytes > 0 {
        description.push_str(&format!(" ({})", bytes(f.bytes)));
    }
    if let Some(l) = &f.layer {
        description.push_str(&format!(" in layer {}", l.index));
    }
    if !first.is_empty() {
        description.push_str(&format!(": {first}"));
        let more = f.paths.len() - 1 + f.paths_omitted;
        if more > 0 {
            description.push_str(&format!(" and {more} more"));
        }
    }
    description.push_str(&format!(". {}", f.advice));
    let layer = f
        .layer
        .as_ref()
        .map_or("config".to_string(), |l| l.index.to_string());
    let i = Issue {
        check: f.rule.as_str(),
        kind: f.category.as_str(),
        description: &description,
        severity: severity(f.severity.as_str()),
        path,
        line,
    };
    issue(i, &[f.rule.as_str(), &layer, &first])
}

/// One issue: what it is (`check`; `kind` is ballast's category), how bad,
/// and where.
struct Issue<'a> {
    check: &'a str,
    kind: &'a str,
    description: &'a str,
    severity: &'a str,
    path: &'a str,
    line: usize,
}

/// The issue as GitLab reads it; `id`: the parts that identify it, for the
/// fingerprint.
fn issue(i: Issue, id: &[&str]) -> Value {
    let Issue {
        check,
        kind,
        description,
        severity,
        path,
        line,
    } = i;
    json!({
        "type": "issue",
        "check_name": check,
        "description": one_line(description),
        "categories": [category(kind)],
        "severity": severity,
        "fingerprint": fingerprint(check, id),
        "location": { "path": path, "lines": { "begin": line.max(1) } },
    })
}

/// GitLab's category for ballast's: `security` is `Security`,
/// `reliability` `Bug Risk`, the rest (size, cache, budgets) `Performance`.
fn category(ours: &str) -> &'static str {
    match ours {
        "security" => "Security",
        "reliability" => "Bug Risk",
        _ => "Performance",
    }
}

/// ballast's (and the lint's) severities in GitLab's scale.
fn severity(s: &str) -> &'static str {
    match s {
        "high" => "critical",
        "medium" => "major",
        "low" => "minor",
        _ => "info",
    }
}

/// The sha256 of what identifies the issue, as hex.
fn fingerprint(check: &str, id: &[&str]) -> String {
    let mut h = Sha256::new();
    h.update(check.as_bytes());
    for part in id {
        h.update([0]);
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// The image as a location: a path relative to the checkout stays, an
/// absolute one (the runner's directory) and a reference are shown as given
/// without a leading `/`, which GitLab would reject as outside the project.
fn image_path(reference: &str) -> String {
    reference.trim_start_matches('/').to_string()
}

/// Control characters as spaces: one line in GitLab's widget.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_and_fingerprints() {
        assert_eq!(severity("high"), "critical");
        assert_eq!(severity("info"), "info");
        let a = fingerprint("secret", &["1", "/a"]);
        assert_eq!(a.len(), 64);
        assert_ne!(a, fingerprint("secret", &["1/", "a"]));
        assert_eq!(image_path("/home/r/img.tar"), "home/r/img.tar");
        assert_eq!(one_line("a\nb\u{1b}"), "a b ");
    }
}
