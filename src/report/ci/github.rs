//! `--format github`: workflow commands the Actions runner turns into
//! annotations on the job and on the pull request's diff.

use std::io::Write;

use super::{Status, Verdict};
use crate::analysis::Analysis;
use crate::report::escape::github::{data, prop};
use crate::report::{bytes, path_notes, path_subject};

/// GitHub Actions workflow commands: an `::error` per failed budget and a
/// `::warning` per warning line. With a Dockerfile joined (`--dockerfile`),
/// each finding is annotated at the line of the instruction that made its
/// layer, and each lint finding at its line and column, so they show in the
/// pull request's diff. Data is escaped as the runner expects.
pub fn write_github(
    v: &Verdict,
    a: &Analysis,
    reference: &str,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    for c in v.checks.iter().filter(|c| c.status == Status::Fail) {
        let mut message = format!("{}: {} (limit {})", c.budget, c.measured, c.limit);
        for e in &c.explain {
            message.push('\n');
            message.push_str(e);
        }
        writeln!(
            out,
            "::error title={}::{}",
            prop(&format!("ballast {}: {}", reference, c.budget)),
            data(&message)
        )?;
    }
    match &a.dockerfile {
        None => {
            for w in &v.warnings {
                writeln!(
                    out,
                    "::warning title={}::{}",
                    prop(&format!("ballast {reference}")),
                    data(w)
                )?;
            }
        }
        Some(d) => {
            let file = prop(&d.path);
            finding_annotations(a, &file, out)?;
            for l in &d.lint {
                writeln!(
                    out,
                    "::{} file={file},line={},endLine={},col={},title={}::{}",
                    annotation_level(l.severity),
                    l.line,
                    l.end_line.max(l.line),
                    l.column,
                    prop(&format!("ballast dockerfile/{}", l.rule)),
                    data(&format!("{}\nFix: {}", l.message, l.fix))
                )?;
            }
        }
    }
    let failed = v.checks.iter().filter(|c| c.status == Status::Fail).count();
    writeln!(
        out,
        "::notice title=ballast::{}",
        data(&format!("{failed} of {} budgets over", v.checks.len()))
    )?;
    out.flush()
}

/// With the Dockerfile joined: a finding that counts (high, or with bytes)
/// at the line of the instruction that made its layer.
fn finding_annotations(a: &Analysis, file: &str, out: &mut dyn Write) -> std::io::Result<()> {
    for f in a
        .findings
        .iter()
        .filter(|f| f.severity == crate::vocab::Severity::High || f.bytes > 0)
    {
        let mut message = format!("{} ({})", f.rule, bytes(f.bytes));
        if let Some(p) = f.paths.first() {
            message.push_str(&format!(": {}", path_subject(p)));
            let notes = path_notes(p);
            if !notes.is_empty() {
                message.push_str(&format!(" ({})", notes.join("; ")));
            }
        }
        message.push('\n');
        message.push_str(&f.advice);
        let at = f
            .dockerfile_line
            .map_or(String::new(), |l| format!("file={file},line={l},"));
        writeln!(
            out,
            "::{} {at}title={}::{}",
            annotation_level(f.severity.as_str()),
            prop(&format!("ballast {}", f.rule)),
            data(&message)
        )?;
    }
    Ok(())
}

/// Findings inform, they do not fail the job: `warning`, or `notice` for the
/// minor ones.
fn annotation_level(severity: &str) -> &'static str {
    match severity {
        "high" | "medium" => "warning",
        _ => "notice",
    }
}
