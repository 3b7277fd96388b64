//! Lint findings as text (compiler-style lines an editor can jump to) and as
//! a markdown table.

use std::io::{self, Write};
use std::path::Path;

use crate::dockerfile::lint::Finding;
use crate::report::escape::markdown::{cell_prose, code};
use crate::report::markdown::text::{clip, display_name, more_line};

/// Lint rows in the markdown table before "… and N more".
const MARKDOWN_ROWS: usize = 30;
use crate::report::escape::terminal::escape as t;

/// `path:line:column: severity rule: message` lines with the fix below each,
/// as compilers print them, so editors can jump to the line.
pub fn write_text(findings: &[Finding], path: &Path, out: &mut dyn Write) -> io::Result<()> {
    if findings.is_empty() {
        writeln!(out, "{}: no lint findings", t(&path.to_string_lossy()))?;
        return Ok(());
    }
    for f in findings {
        let twin = f.hadolint.map(|h| format!(" ({h})")).unwrap_or_default();
        writeln!(
            out,
            "{}:{}:{}: {} {}{twin}: {}",
            t(&path.to_string_lossy()),
            f.line,
            f.column,
            f.severity,
            f.rule,
            t(&f.message)
        )?;
        writeln!(out, "    fix: {}", t(&f.fix))?;
    }
    writeln!(
        out,
        "{} lint finding{}",
        findings.len(),
        plural(findings.len())
    )?;
    Ok(())
}

/// A markdown section: one table row per finding (at most
/// 30, then a line counting the rest), ending in a blank line.
pub fn write_markdown(findings: &[Finding], path: &Path, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "## Dockerfile lint: {}\n",
        code(&clip(&display_name(&path.to_string_lossy()), 200))
    )?;
    if findings.is_empty() {
        writeln!(out, "No findings.\n")?;
        return Ok(());
    }
    writeln!(out, "| line | severity | rule | finding | fix |")?;
    writeln!(out, "|---:|---|---|---|---|")?;
    for f in findings.iter().take(MARKDOWN_ROWS) {
        let twin = f.hadolint.map(|h| format!(" ({h})")).unwrap_or_default();
        writeln!(
            out,
            "| {} | {} | `{}`{twin} | {} | {} |",
            f.line,
            f.severity,
            f.rule,
            cell_prose(&clip(&f.message, 300)),
            cell_prose(&clip(&f.fix, 300))
        )?;
    }
    if findings.len() > MARKDOWN_ROWS {
        let more = more_line(findings.len() - MARKDOWN_ROWS, "findings", None);
        writeln!(out, "\n{more}; `--json` lists them all.")?;
    }
    writeln!(out)?;
    Ok(())
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
