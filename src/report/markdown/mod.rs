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
mod fit;
mod layers;
mod summary;
pub(crate) mod text;

use std::io::Write;

use crate::analysis::Analysis;
use appendix::{inefficient_paths, packages, warnings};
use charts::causes;
use estimates::estimates;
use findings::findings;
use layers::layers;
use summary::{budgets, summary};

use super::ci::Verdict;

pub use fit::COMMENT_LIMIT;

/// The whole report, section by section, written at once: never longer than
/// [`COMMENT_LIMIT`] characters (`fit.rs` shortens the longest sections when
/// an image has that much to say), and ending in a blank line, so a report
/// or heading appended after it (`$GITHUB_STEP_SUMMARY`) starts a block of
/// its own instead of joining the last table or `<details>`.
pub fn write(
    analysis: &Analysis,
    verdict: Option<&Verdict>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut head = String::new();
    summary(analysis, verdict, &mut head);
    if let Some(v) = verdict {
        budgets(v, &mut head);
    }
    let sections = vec![
        fit::Section::new("where the bytes go", section(|md| causes(analysis, md)))
            .compact(String::new()),
        fit::Section::new("layers", section(|md| layers(analysis, md, false)))
            .compact(section(|md| layers(analysis, md, true))),
        fit::Section::new("findings", section(|md| findings(analysis, md, false)))
            .compact(section(|md| findings(analysis, md, true))),
        fit::Section::new("estimates", section(|md| estimates(analysis, md))),
        fit::Section::new("dockerfile", dockerfile(analysis)?),
        fit::Section::new("packages", section(|md| packages(analysis, md))),
        fit::Section::new(
            "inefficient paths",
            section(|md| inefficient_paths(analysis, md)),
        ),
        fit::Section::new("warnings", section(|md| warnings(analysis, md))),
    ];
    let md = fit::fit(head, sections);
    out.write_all(fit::end_with_blank_line(md).as_bytes())?;
    out.flush()
}

/// A section written into its own string.
fn section(write: impl FnOnce(&mut String)) -> String {
    let mut md = String::new();
    write(&mut md);
    md
}

/// With `--dockerfile`: its lint findings, and the build-cache report when
/// the context has git history.
fn dockerfile(a: &Analysis) -> std::io::Result<String> {
    let Some(d) = &a.dockerfile else {
        return Ok(String::new());
    };
    let mut buf = Vec::new();
    super::dockerfile::lint::write_markdown(&d.lint, std::path::Path::new(&d.path), &mut buf)?;
    if let Some(cache) = &d.cache {
        super::dockerfile::cache::write_markdown(cache, &mut buf)?;
    }
    let mut md = String::from_utf8_lossy(&buf).into_owned();
    while !md.ends_with("\n\n") {
        md.push('\n');
    }
    Ok(md)
}
