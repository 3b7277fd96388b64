//! The plain-text verdict `--ci` prints.

use std::fmt::Write as _;
use std::io::Write;

use super::{Origin, Status, Verdict};
use crate::report::escape::terminal::escape as t;

/// The plain-text verdict: one line per budget, the reasons under failures.
pub fn write(v: &Verdict, reference: &str, out: &mut dyn Write) -> std::io::Result<()> {
    let origin = match &v.origin {
        Origin::BallastToml(p) => format!("budgets from {}", t(&p.to_string_lossy())),
        Origin::DiveCi(p) => format!("dive's rules from {}", t(&p.to_string_lossy())),
        Origin::DiveDefaults => "dive's default rules (no .ballast.toml or .dive-ci)".into(),
    };
    writeln!(out, "ballast --ci {}: {origin}", t(reference))?;
    for c in &v.checks {
        let status = match c.status {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
        };
        writeln!(
            out,
            "  {status}  {:<24} {:>14}   {}",
            t(&c.budget),
            t(&c.measured),
            t(&c.limit)
        )?;
        for e in &c.explain {
            writeln!(out, "          {}", t(e))?;
        }
    }
    for w in &v.warnings {
        writeln!(out, "  WARN  {}", t(w))?;
    }
    let failed = v.checks.iter().filter(|c| c.status == Status::Fail).count();
    let mut result = String::new();
    if failed == 0 {
        let _ = write!(result, "PASS ({} budgets)", v.checks.len());
    } else {
        let _ = write!(result, "FAIL ({failed} of {} budgets over)", v.checks.len());
    }
    writeln!(out, "result: {result}")?;
    out.flush()
}
