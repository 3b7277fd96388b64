//! `ballast dockerfile PATH`: lint a Dockerfile and simulate its build cache
//! over the context's git history.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;

use super::DockerfileArgs;
use super::options::{Bar, emit};
use crate::analysis;
use crate::source::{EngineStorage, Options, SourceKind};

pub(super) fn run_dockerfile(d: &DockerfileArgs) -> anyhow::Result<ExitCode> {
    use crate::dockerfile::{Dockerfile, cache, cache_report, history, image, lint_report};
    let text = std::fs::read_to_string(&d.path)
        .with_context(|| format!("cannot read the Dockerfile '{}'", d.path.display()))?;
    let df = Dockerfile::parse(&text, &d.path)?;
    let context = match &d.context {
        Some(c) => c.clone(),
        None => d
            .path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(std::path::Path::new("."))
            .to_path_buf(),
    };
    if !context.is_dir() {
        anyhow::bail!(
            "the context '{}' is not a directory; pass --context DIR",
            context.display()
        );
    }
    if d.commits == 0 {
        anyhow::bail!("--commits must be at least 1");
    }
    let lint = lint_report::lint_in(&df, Some(&context))?;
    // Layer sizes from the image, when given, size the rebuilt RUN steps.
    let layer_bytes = match &d.image {
        Some(reference) => {
            let bar = Bar::new(d.quiet);
            let opts = Options {
                source: SourceKind::Auto,
                platform: None,
                pull: false,
                verify: true,
                engine_storage: EngineStorage::Auto,
            };
            let analysis = analysis::analyze(reference, &opts, &bar);
            bar.clear();
            let mut analysis =
                analysis.with_context(|| format!("cannot read the image '{reference}'"))?;
            image::attach(&mut analysis, &df, Vec::new());
            let mapped = analysis
                .dockerfile
                .as_ref()
                .map(|m| m.instructions.as_slice())
                .unwrap_or_default();
            cache_report::layer_sizes(&cache::Plan::from_dockerfile(&df), mapped)
        }
        None => Vec::new(),
    };
    let report = if history::in_repository(&context) {
        let opts = cache_report::CacheOptions {
            commits: d.commits,
            rev: d.rev.clone(),
            model: d.cache,
        };
        Some(cache_report::cache_report(
            &df,
            &text,
            &context,
            &opts,
            &layer_bytes,
        )?)
    } else {
        eprintln!(
            "ballast: '{}' is not in a git repository: no history, so no cache simulation",
            context.display()
        );
        None
    };
    if let Some(path) = &d.json {
        let doc = serde_json::json!({
            "dockerfile": d.path.display().to_string(),
            "context": context.display().to_string(),
            "lint": lint,
            "cache": report,
        });
        emit(path, |w| {
            serde_json::to_writer_pretty(&mut *w, &doc)?;
            w.write_all(b"\n")?;
            w.flush()
        })?;
    }
    if let Some(path) = &d.markdown {
        emit(path, |w| {
            lint_report::write_markdown(&lint, &d.path, w)?;
            match &report {
                Some(r) => cache_report::write_markdown(r, w),
                None => Ok(()),
            }
        })?;
    }
    if d.json.is_none() && d.markdown.is_none() {
        let out = &mut std::io::stdout().lock();
        lint_report::write_text(&lint, &d.path, out).context("cannot write the lint")?;
        if let Some(r) = &report {
            writeln!(out).context("cannot write the report")?;
            cache_report::write_text(r, out).context("cannot write the report")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
