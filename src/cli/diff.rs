//! `ballast diff OLD NEW`: compare two images.

use std::process::ExitCode;

use anyhow::Context;

use super::DiffArgs;
use super::options::{Bar, emit};
use crate::analysis::{self, Analysis};
use crate::report;
use crate::source::{Options, Platform, SourceKind};

pub(super) fn run_diff(d: &DiffArgs) -> anyhow::Result<ExitCode> {
    let opts = Options {
        source: SourceKind::Auto,
        platform: d.platform.as_deref().map(Platform::parse).transpose()?,
        pull: false,
        verify: !d.no_verify,
        engine_storage: d.engine_storage,
    };
    let read = |reference: &str| -> anyhow::Result<Analysis> {
        let bar = Bar::new(d.quiet);
        let a = analysis::analyze(reference, &opts, &bar);
        bar.clear();
        Ok(a?)
    };
    let (old, new) = (read(&d.old)?, read(&d.new)?);
    let diff = analysis::diff::diff(&old, &new);
    if let Some(path) = &d.json {
        emit(path, |w| {
            serde_json::to_writer_pretty(&mut *w, &diff)?;
            w.write_all(b"\n")?;
            w.flush()
        })?;
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
