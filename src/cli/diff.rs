//! `ballast diff OLD NEW`: compare two images.

use std::process::ExitCode;

use anyhow::Context;

use super::DiffArgs;
use super::options::{SourceFlags, analyze_with_bar, limits, one_stdin_reader};
use super::output::{emit, emit_json, json_and_markdown};
use ballast::analysis::{self, Analysis};
use ballast::report;

pub(super) fn run_diff(d: &DiffArgs) -> anyhow::Result<ExitCode> {
    json_and_markdown(d.json.as_deref(), d.markdown.as_deref())?;
    one_stdin_reader(&[("OLD", &d.old), ("NEW", &d.new)])?;
    let opts = SourceFlags {
        platform: d.platform.as_deref(),
        no_verify: d.no_verify,
        engine_storage: d.engine_storage,
        no_cache: d.no_cache,
        limits: limits(&[&d.limit]),
        ..SourceFlags::default()
    }
    .options()?;
    let read = |reference: &str| -> anyhow::Result<Analysis> {
        Ok(analyze_with_bar(reference, &opts, d.quiet)?)
    };
    let (old, new) = (read(&d.old)?, read(&d.new)?);
    let diff = analysis::diff::diff(&old, &new);
    if let Some(path) = &d.json {
        emit_json(path, &diff)?;
    }
    if let Some(path) = &d.markdown {
        emit(path, |w| report::diff::write_markdown(&diff, w))?;
    }
    if d.json.is_none() && d.markdown.is_none() {
        report::diff::write_text(&diff, &mut std::io::stdout().lock())
            .context("cannot write the diff")?;
    }
    Ok(ExitCode::SUCCESS)
}
