//! `--markdown`: a GitHub-flavoured report of an [`Analysis`] for people: the
//! summary, the budget verdict, where the bytes go (a mermaid pie), the layers
//! (a table with size bars, and a mermaid bar chart), the findings by rule with
//! their paths and fix, the estimates (base, multi-stage, smaller bases, with
//! the proposed Dockerfile), and the largest packages and dive's inefficient paths
//! in collapsible sections.
//!
//! The output is a pure function of the analysis: no clock, no environment,
//! everything in the analysis' own (sorted) order, so the same image gives the
//! same bytes. It prints only what the analysis holds (layer commands and
//! finding paths are already redacted there; config values are never shown).
//!
//! Escaping (`report/escape/markdown.rs`, shared with the diff and Dockerfile
//! writers): everything that comes from the image (commands, paths, package
//! names, advice that quotes paths) is either put in a code span sized to its
//! backticks, or backslash-escaped as text; pipes are escaped inside tables
//! (GFM removes the backslash, also inside code spans); control characters
//! (newlines in heredoc commands or file names) are shown as `\n`, `\u{..}`, so
//! they cannot end a table row or a list item.

mod appendix;
mod charts;
mod estimates;
mod findings;
mod layers;
mod summary;

use std::io::Write;

use crate::analysis::Analysis;
use appendix::{inefficient_paths, packages, warnings};
use charts::causes;
use estimates::estimates;
use findings::findings;
use layers::layers;
use summary::{budgets, summary};

use super::ci::Verdict;

/// The whole report, section by section, written at once.
pub fn write(
    analysis: &Analysis,
    verdict: Option<&Verdict>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut md = String::new();
    summary(analysis, verdict, &mut md);
    if let Some(v) = verdict {
        budgets(v, &mut md);
    }
    causes(analysis, &mut md);
    layers(analysis, &mut md);
    findings(analysis, &mut md);
    estimates(analysis, &mut md);
    dockerfile(analysis, &mut md)?;
    packages(analysis, &mut md);
    inefficient_paths(analysis, &mut md);
    warnings(analysis, &mut md);
    // One trailing newline, whatever the last section wrote.
    let end = md.trim_end_matches('\n').len();
    md.truncate(end);
    md.push('\n');
    out.write_all(md.as_bytes())?;
    out.flush()
}

/// With `--dockerfile`: its lint findings, and the build-cache report when
/// the context has git history.
fn dockerfile(a: &Analysis, md: &mut String) -> std::io::Result<()> {
    let Some(d) = &a.dockerfile else {
        return Ok(());
    };
    let mut buf = Vec::new();
    super::dockerfile::lint::write_markdown(&d.lint, std::path::Path::new(&d.path), &mut buf)?;
    if let Some(cache) = &d.cache {
        super::dockerfile::cache::write_markdown(cache, &mut buf)?;
    }
    md.push_str(&String::from_utf8_lossy(&buf));
    if !md.ends_with("\n\n") {
        md.push('\n');
    }
    Ok(())
}
