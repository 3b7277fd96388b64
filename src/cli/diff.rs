//! `ballast diff OLD NEW`: compare two images.

use std::process::ExitCode;

use anyhow::Context;

use super::DiffArgs;
use super::options::{analyze_with_bar, for_image, limits, one_stdin_reader, sharing};
use super::output::{diff_outputs, emit, emit_json};
use ballast::analysis::{self, Analysis};
use ballast::report;

pub(super) fn run_diff(d: &DiffArgs) -> anyhow::Result<ExitCode> {
    diff_outputs(d.json.as_deref(), d.markdown.as_deref(), d.html.as_deref())?;
    one_stdin_reader(&[("OLD", &d.old), ("NEW", &d.new)])?;
    // A layer both images hold is read once: the old image's layers are
    // kept in memory for the new one, which keeps none.
    let opts = sharing(d.input.options(limits(&[&d.limit]))?);
    let read = |reference: &str| -> anyhow::Result<Analysis> {
        Ok(analyze_with_bar(
            reference,
            &for_image(&opts, reference),
            d.quiet,
        )?)
    };
    let old = read(&d.old)?;
    if let Some(shared) = &opts.shared {
        shared.close();
    }
    let new = read(&d.new)?;
    let diff = analysis::diff::diff(&old, &new);
    if let Some(path) = &d.json {
        emit_json(path, &diff)?;
    }
    if let Some(path) = &d.markdown {
        emit(path, |w| report::diff::write_markdown(&diff, w))?;
    }
    if let Some(path) = &d.html {
        emit(path, |w| report::html::write_diff(&old, &new, &diff, w))?;
    }
    if d.json.is_none() && d.markdown.is_none() && d.html.is_none() {
        report::diff::write_text(&diff, &mut std::io::stdout().lock())
            .context("cannot write the diff")?;
    }
    Ok(ExitCode::SUCCESS)
}
