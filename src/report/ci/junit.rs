//! `--junit`: the budget results as JUnit XML for GitLab and Jenkins.

use std::io::Write;

use super::{Status, Verdict};
use crate::report::escape::xml;

/// JUnit XML for GitLab and Jenkins: one test case per budget.
pub fn write_junit(v: &Verdict, reference: &str, out: &mut dyn Write) -> std::io::Result<()> {
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
        xml::attr(reference),
        v.checks.len()
    )?;
    for c in &v.checks {
        let name = xml::attr(&c.budget);
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
                    xml::attr(&format!("{} (limit {})", c.measured, c.limit)),
                    xml::text(&c.explain.join("\n"))
                )?;
                writeln!(out, "    </testcase>")?;
            }
        }
    }
    if !v.warnings.is_empty() {
        writeln!(
            out,
            "    <system-out>{}</system-out>",
            xml::text(&v.warnings.join("\n"))
        )?;
    }
    writeln!(out, "  </testsuite>\n</testsuites>")?;
    out.flush()
}
