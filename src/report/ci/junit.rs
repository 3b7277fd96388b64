//! `--junit`: the budget results as JUnit XML for GitLab and Jenkins.

use std::io::Write;

use super::{Status, Verdict};

/// JUnit XML for GitLab and Jenkins: one test case per budget.
pub fn write_junit(v: &Verdict, reference: &str, out: &mut dyn Write) -> std::io::Result<()> {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&apos;")
    };
    let failures = v.checks.iter().filter(|c| c.status == Status::Fail).count();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="ballast" tests="{}" failures="{failures}">"#,
        v.checks.len()
    )?;
    writeln!(
        out,
        r#"  <testsuite name="ballast budgets: {}" tests="{}" failures="{failures}" errors="0" skipped="0">"#,
        esc(reference),
        v.checks.len()
    )?;
    for c in &v.checks {
        let name = esc(&c.budget);
        match c.status {
            Status::Pass => writeln!(
                out,
                r#"    <testcase classname="ballast.budget" name="{name}"/>"#
            )?,
            Status::Fail => {
                writeln!(
                    out,
                    r#"    <testcase classname="ballast.budget" name="{name}">"#
                )?;
                writeln!(
                    out,
                    r#"      <failure message="{}" type="over-budget">{}</failure>"#,
                    esc(&format!("{} (limit {})", c.measured, c.limit)),
                    esc(&c.explain.join("\n"))
                )?;
                writeln!(out, "    </testcase>")?;
            }
        }
    }
    if !v.warnings.is_empty() {
        writeln!(
            out,
            "    <system-out>{}</system-out>",
            esc(&v.warnings.join("\n"))
        )?;
    }
    writeln!(out, "  </testsuite>\n</testsuites>")?;
    out.flush()
}
