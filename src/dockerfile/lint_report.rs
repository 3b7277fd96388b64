//! Run the lint with its build context, and render the findings as text or
//! markdown (the JSON is the findings serialized as they are).

use std::io::{self, Write};
use std::path::Path;

use super::ast::Dockerfile;
use super::ignore::Ignore;
use super::lint::{self, Context, Finding};
use crate::error::{Error, Result};

/// The ignore file the builder uses for this Dockerfile: `<Dockerfile>.dockerignore`
/// beside it (BuildKit's per-Dockerfile ignore file), else `.dockerignore` at
/// the context root; `None` when there is neither.
pub fn load_ignore(dockerfile: &Path, context: &Path) -> Result<Option<Ignore>> {
    let mut own = dockerfile.as_os_str().to_owned();
    own.push(".dockerignore");
    let own = Path::new(&own);
    let path = if own.is_file() {
        own.to_path_buf()
    } else {
        context.join(".dockerignore")
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::Io { path, cause: e }),
    };
    Ignore::parse(&text).map(Some).map_err(|e| {
        Error::Usage(format!(
            "'{}', {e}: fix the pattern (Docker would refuse it too)",
            path.display()
        ))
    })
}

/// Lint `df` with the context directory (for the `.dockerignore` rules).
pub fn lint_in(df: &Dockerfile, context: Option<&Path>) -> Result<Vec<Finding>> {
    let ignore = match context {
        Some(dir) => load_ignore(&df.path, dir)?,
        None => None,
    };
    Ok(lint::lint(
        df,
        &Context {
            dir: context,
            ignore: ignore.as_ref(),
        },
    ))
}

/// `path:line:column: severity rule: message` lines with the fix below each,
/// as compilers print them, so editors can jump to the line.
pub fn write_text(findings: &[Finding], path: &Path, out: &mut dyn Write) -> io::Result<()> {
    if findings.is_empty() {
        writeln!(out, "{}: no lint findings", path.display())?;
        return Ok(());
    }
    for f in findings {
        let twin = f.hadolint.map(|h| format!(" ({h})")).unwrap_or_default();
        writeln!(
            out,
            "{}:{}:{}: {} {}{twin}: {}",
            path.display(),
            f.line,
            f.column,
            f.severity,
            f.rule,
            f.message
        )?;
        writeln!(out, "    fix: {}", f.fix)?;
    }
    writeln!(
        out,
        "{} lint finding{}",
        findings.len(),
        plural(findings.len())
    )?;
    Ok(())
}

/// A markdown section: one table row per finding.
pub fn write_markdown(findings: &[Finding], path: &Path, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "## Dockerfile lint: `{}`\n", path.display())?;
    if findings.is_empty() {
        writeln!(out, "No findings.\n")?;
        return Ok(());
    }
    writeln!(out, "| line | severity | rule | finding | fix |")?;
    writeln!(out, "|---:|---|---|---|---|")?;
    for f in findings {
        let twin = f.hadolint.map(|h| format!(" ({h})")).unwrap_or_default();
        writeln!(
            out,
            "| {} | {} | `{}`{twin} | {} | {} |",
            f.line,
            f.severity,
            f.rule,
            cell(&f.message),
            cell(&f.fix)
        )?;
    }
    writeln!(out)?;
    Ok(())
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
