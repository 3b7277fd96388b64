//! `ballast dockerfile PATH`: lint a Dockerfile and simulate its build cache
//! over the context's git history.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use super::DockerfileArgs;
use super::options::{InputArgs, analyze_with_bar, limits};
use super::output::{emit, emit_json, json_and_markdown};
use ballast::analysis::join;
use ballast::dockerfile::cache::{self, CacheReport};
use ballast::dockerfile::{Dockerfile, history, lint};
use ballast::report::dockerfile as df_report;

pub(super) fn run_dockerfile(d: &DockerfileArgs) -> anyhow::Result<ExitCode> {
    json_and_markdown(d.json.as_deref(), d.markdown.as_deref())?;
    let limits = limits(&[&d.limit]);
    let text = ballast::dockerfile::read_regular_text_within(&d.path, &limits)
        .with_context(|| format!("cannot read the Dockerfile '{}'", d.path.display()))?;
    let df = Dockerfile::parse_within(&text, &d.path, &limits)?;
    let context = context_dir(d)?;
    if d.commits == 0 {
        anyhow::bail!("--commits must be at least 1");
    }
    let lint = lint::lint_in(&df, Some(&context))?;
    // Layer sizes from the image, when given, size the rebuilt RUN steps.
    let layer_bytes = match &d.image {
        Some(reference) => image_layer_bytes(reference, &df, &limits, d.quiet)?,
        None => Vec::new(),
    };
    let report = simulate_cache(d, &df, &text, &context, &layer_bytes)?;
    write_reports(d, &context, &lint, report.as_ref())?;
    Ok(ExitCode::SUCCESS)
}

/// `--context`, else the Dockerfile's directory; it must be a directory.
fn context_dir(d: &DockerfileArgs) -> anyhow::Result<PathBuf> {
    let context = match &d.context {
        Some(c) => c.clone(),
        None => d
            .path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf(),
    };
    if !context.is_dir() {
        anyhow::bail!(
            "the context '{}' is not a directory; pass --context DIR",
            context.display()
        );
    }
    Ok(context)
}

/// `--image`: the bytes of each build step's layer in the image built from
/// the Dockerfile (`None` for a step no layer maps to).
fn image_layer_bytes(
    reference: &str,
    df: &Dockerfile,
    limits: &ballast::limits::Limits,
    quiet: bool,
) -> anyhow::Result<Vec<Option<u64>>> {
    let opts = InputArgs::default().options(*limits)?;
    let mut analysis = analyze_with_bar(reference, &opts, quiet)
        .with_context(|| format!("cannot read the image '{reference}'"))?;
    join::attach(&mut analysis, df, Vec::new());
    let mapped = analysis
        .dockerfile
        .as_ref()
        .map(|m| m.instructions.as_slice())
        .unwrap_or_default();
    Ok(join::layer_sizes(&cache::Plan::from_dockerfile(df), mapped))
}

/// The cache simulation over the context's history; none (with a note on
/// stderr) outside a git repository.
fn simulate_cache(
    d: &DockerfileArgs,
    df: &Dockerfile,
    text: &str,
    context: &Path,
    layer_bytes: &[Option<u64>],
) -> anyhow::Result<Option<CacheReport>> {
    if !history::in_repository(context) {
        eprintln!(
            "ballast: '{}' is not in a git repository: no history, so no cache simulation",
            ballast::report::escape::terminal::escape(&context.to_string_lossy())
        );
        return Ok(None);
    }
    let opts = cache::CacheOptions {
        commits: d.commits,
        rev: d.rev.clone(),
        model: d.cache,
    };
    Ok(Some(cache::cache_report(
        df,
        text,
        context,
        &opts,
        layer_bytes,
    )?))
}

/// `--json`, `--markdown`, or the text report on stdout without either.
fn write_reports(
    d: &DockerfileArgs,
    context: &Path,
    lint: &[lint::Finding],
    report: Option<&CacheReport>,
) -> anyhow::Result<()> {
    if let Some(path) = &d.json {
        let doc = serde_json::json!({
            "dockerfile": d.path.display().to_string(),
            "context": context.display().to_string(),
            "lint": lint,
            "cache": report,
        });
        emit_json(path, &doc)?;
    }
    if let Some(path) = &d.markdown {
        emit(path, |w| {
            df_report::lint::write_markdown(lint, &d.path, w)?;
            match report {
                Some(r) => df_report::cache::write_markdown(r, w),
                None => Ok(()),
            }
        })?;
    }
    if d.json.is_none() && d.markdown.is_none() {
        let out = &mut std::io::stdout().lock();
        df_report::lint::write_text(lint, &d.path, out).context("cannot write the lint")?;
        if let Some(r) = report {
            writeln!(out).context("cannot write the report")?;
            df_report::cache::write_text(r, out).context("cannot write the report")?;
        }
    }
    Ok(())
}
