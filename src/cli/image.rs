//! `ballast IMAGE`: analyse one image, then open the TUI, write the outputs,
//! or check the budgets (`--ci`).

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::Context;

use super::options::{Bar, analyze_with_bar, limits, one_stdin_reader, other_image, sharing};
use super::output::{emit, is_stdout, one_stdout_writer};
use super::{Args, CiFormat};
use ballast::analysis::{self, Analysis};
use ballast::progress::Progress;
use ballast::report;
use ballast::report::ci;
use ballast::source::Options;

pub(super) fn run_image(args: &Args) -> anyhow::Result<ExitCode> {
    let image = args
        .image
        .clone()
        .expect("clap requires IMAGE without a subcommand");
    // Under --ci the budget file is read first: its [limits] apply to the read.
    let budgets = match args.ci {
        true => {
            let cwd = std::env::current_dir().context("cannot read the current directory")?;
            let flags = limits(&[&args.limit]);
            Some(ci::load(args.config.as_deref(), &cwd, &flags)?)
        }
        false => None,
    };
    let from_file = budgets.as_ref().map_or(&[][..], |(b, _)| &b.limits[..]);
    let mut opts = args.input.options(limits(&[from_file, &args.limit]))?;
    // The baseline and candidate bases take the layers they share with the
    // image from memory rather than reading them again.
    if args.baseline.is_some() || !args.candidate_base.is_empty() {
        opts = sharing(opts);
    }
    one_stdout_writer(&stdout_writers(args))?;
    one_stdin_reader(&stdin_readers(args))?;
    let output_flag = args.json.is_some()
        || args.markdown.is_some()
        || args.sarif.is_some()
        || args.html.is_some()
        || args.codequality.is_some();
    if !args.ci && !output_flag && !args.no_tui && std::io::stdout().is_terminal() {
        return run_tui(args, image, opts);
    }
    let bar = Bar::new(args.quiet);
    let analysis = prepare(
        &image,
        &opts,
        args.dockerfile.as_deref(),
        &args.candidate_base,
        &bar,
    );
    bar.clear();
    // The process ends after the outputs: freeing a merged tree node by node
    // (hundreds of thousands of allocations) would only delay the exit.
    let analysis = std::mem::ManuallyDrop::new(analysis?);
    if !args.ci {
        write_outputs(args, &analysis)?;
        return Ok(ExitCode::SUCCESS);
    }
    let budgets = budgets.expect("loaded under --ci");
    run_ci(args, &opts, &analysis, &image, budgets)
}

/// The flags that print to stdout in this run: `--ci` (its verdict, and with
/// `--format github` the annotations) and each output given `-`.
fn stdout_writers(args: &Args) -> Vec<&'static str> {
    let mut writers = Vec::new();
    if args.ci {
        writers.push(match args.format {
            CiFormat::Text => "--ci (its verdict)",
            CiFormat::Github => "--ci --format github (its verdict and annotations)",
        });
    }
    for (flag, path) in [
        ("--json -", &args.json),
        ("--markdown -", &args.markdown),
        ("--sarif -", &args.sarif),
        ("--junit -", &args.junit),
        ("--html -", &args.html),
        ("--codequality -", &args.codequality),
    ] {
        if path.as_deref().is_some_and(is_stdout) {
            writers.push(flag);
        }
    }
    writers
}

/// The images of this run that may name `-`: IMAGE (unless an engine is
/// asked for by name), `--baseline` and each `--candidate-base`.
fn stdin_readers(args: &Args) -> Vec<(&'static str, &str)> {
    use ballast::source::SourceKind;
    let mut images = Vec::new();
    if let Some(image) = &args.image
        && !matches!(args.input.source, SourceKind::Docker | SourceKind::Podman)
    {
        images.push(("IMAGE", image.as_str()));
    }
    if let Some(baseline) = &args.baseline {
        images.push(("--baseline", baseline.as_str()));
    }
    for candidate in &args.candidate_base {
        images.push(("--candidate-base", candidate.as_str()));
    }
    images
}

/// The interactive TUI: it analyses the image itself, showing the progress.
fn run_tui(args: &Args, image: String, opts: Options) -> anyhow::Result<ExitCode> {
    let no_color = args.no_color || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let read = content_reader(&image, &opts);
    let (reference, dockerfile, candidates) = (
        image.clone(),
        args.dockerfile.clone(),
        args.candidate_base.clone(),
    );
    let job: crate::tui::Job = Box::new(move |progress| {
        prepare(
            &reference,
            &opts,
            dockerfile.as_deref(),
            &candidates,
            progress,
        )
    });
    let exit = crate::tui::run(
        crate::tui::Options {
            reference: image,
            no_color,
            read,
        },
        job,
    )?;
    Ok(match exit {
        crate::tui::Exit::Quit => ExitCode::SUCCESS,
        crate::tui::Exit::Interrupted => ExitCode::from(130),
    })
}

/// `--ci`: the file outputs with the verdict, the verdict on stdout, JUnit and
/// GitHub's formats when asked; exit 1 when a budget is over.
fn run_ci(
    args: &Args,
    opts: &Options,
    analysis: &Analysis,
    image: &str,
    budgets: (ci::Budgets, ci::Origin),
) -> anyhow::Result<ExitCode> {
    let verdict = budget_verdict(args, opts, analysis, budgets)?;
    write_files(args, analysis, Some(&verdict))?;
    ci::write(&verdict, image, &mut std::io::stdout().lock())
        .context("cannot write the verdict")?;
    if let Some(path) = &args.junit {
        emit(path, |w| ci::write_junit(&verdict, image, w))?;
    }
    if args.format == CiFormat::Github {
        ci::write_github(&verdict, analysis, image, &mut std::io::stdout().lock())
            .context("cannot write annotations")?;
        append_step_summary(analysis, &verdict)?;
    }
    Ok(if verdict.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The markdown report, appended to `$GITHUB_STEP_SUMMARY` when it is set.
fn append_step_summary(analysis: &Analysis, verdict: &ci::Verdict) -> anyhow::Result<()> {
    let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|s| !s.is_empty()) else {
        return Ok(());
    };
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&summary)
        .with_context(|| {
            format!(
                "cannot append to GITHUB_STEP_SUMMARY '{}'",
                summary.to_string_lossy()
            )
        })?;
    report::markdown::write(analysis, Some(verdict), &mut f)
        .context("cannot write the step summary")
}

/// Analyse the image, join the Dockerfile (`--dockerfile`) and estimate the
/// candidate bases (`--candidate-base`): what every output shows.
fn prepare(
    image: &str,
    opts: &Options,
    dockerfile: Option<&std::path::Path>,
    candidates: &[String],
    progress: &dyn Progress,
) -> anyhow::Result<Analysis> {
    let mut analysis = analysis::analyze(image, opts, progress)?;
    if let Some(path) = dockerfile {
        join_dockerfile(&mut analysis, path, &opts.limits)?;
    }
    for reference in candidates {
        let candidate = analysis::analyze(reference, &other_image(opts, reference), progress)
            .with_context(|| format!("cannot read the candidate base '{reference}'"))?;
        let base = analysis::estimate::BaseImage::measured(reference, &candidate);
        let estimate = analysis::estimate::base_switch(&analysis, &base);
        analysis.estimates.push(estimate);
    }
    Ok(analysis)
}

/// File contents for the TUI's pager and extraction, read back from the image.
fn content_reader(reference: &str, opts: &Options) -> crate::tui::ReadContent {
    let (reference, opts) = (reference.to_string(), opts.clone());
    std::sync::Arc::new(move |layer, path, limit, out| {
        Ok(ballast::source::entry::read_entry(
            &reference, &opts, layer, path, limit, out,
        )?)
    })
}

/// `--dockerfile`: parse (a syntax error stops the run, exit 2), lint with
/// the Dockerfile's directory as the context, and join both to the analysis.
fn join_dockerfile(
    analysis: &mut Analysis,
    path: &std::path::Path,
    limits: &ballast::limits::Limits,
) -> anyhow::Result<()> {
    use ballast::analysis::join;
    use ballast::dockerfile::{Dockerfile, lint};
    let df = Dockerfile::read_within(path, limits)?;
    let context = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let lint = lint::lint_in(&df, Some(context))?;
    join::attach(analysis, &df, lint);
    propose_from_dockerfile(analysis, &df, path);
    // With history, the cache report joins too, sized by this image's layers.
    if ballast::dockerfile::history::in_repository(context)
        && let Some(joined) = analysis.dockerfile.as_mut()
    {
        use ballast::dockerfile::cache::{self, Plan};
        let text = ballast::dockerfile::read_regular_text_within(path, limits)
            .with_context(|| format!("cannot read the Dockerfile '{}'", path.display()))?;
        let sizes = join::layer_sizes(&Plan::from_dockerfile(&df), &joined.instructions);
        let opts = cache::CacheOptions::default();
        joined.cache = Some(cache::cache_report(&df, &text, context, &opts, &sizes)?);
    }
    Ok(())
}

/// With the Dockerfile at hand, the multi-stage proposal replays its final
/// stage (source paths, flags and heredocs as written, not the history's
/// `COPY dir:<hash>`), from its own base, after its earlier stages.
fn propose_from_dockerfile(
    analysis: &mut Analysis,
    df: &ballast::dockerfile::Dockerfile,
    path: &std::path::Path,
) {
    use analysis::estimate::{Step, propose_dockerfile};
    let Some(last) = df.final_stage() else {
        return;
    };
    let steps: Vec<Step> = last
        .instructions
        .iter()
        .map(|i| {
            let text = i.text.trim_start();
            let arguments = text.get(i.keyword.len()..).unwrap_or("").trim();
            let instruction = i.keyword.to_ascii_uppercase();
            let empty_layer = !i.kind.creates_layer();
            Step {
                instruction,
                arguments: arguments.to_string(),
                empty_layer,
            }
        })
        .collect();
    let mut plan = analysis.estimate_facts.plan().clone();
    plan.base = df
        .global_scope(&Default::default())
        .expand(&last.base)
        .unwrap_or_else(|_| last.base.clone());
    plan.origin = format!("{} (its final stage)", path.display());
    let earlier = &df.stages[..df.stages.len() - 1];
    let globals = if earlier.is_empty() {
        &[][..]
    } else {
        &df.global_args[..]
    };
    plan.preamble = globals
        .iter()
        .chain(
            earlier
                .iter()
                .flat_map(|s| std::iter::once(&s.from).chain(&s.instructions)),
        )
        .map(|i| i.text.trim_end())
        .collect::<Vec<_>>()
        .join("\n");
    let proposal = propose_dockerfile(&steps, &plan);
    for e in analysis
        .estimates
        .iter_mut()
        .filter(|e| e.strategy == ballast::vocab::Strategy::MultiStage)
    {
        e.dockerfile = Some(proposal.clone());
    }
}

/// Load the budgets, apply the flags, analyse the baseline, and check.
fn budget_verdict(
    args: &Args,
    opts: &Options,
    analysis: &Analysis,
    (mut b, origin): (ci::Budgets, ci::Origin),
) -> anyhow::Result<ci::Verdict> {
    b.max_size = args.max_size.or(b.max_size);
    b.max_layer_size = args.max_layer_size.or(b.max_layer_size);
    b.max_wasted_bytes = args.max_wasted_bytes.or(b.max_wasted_bytes);
    b.max_reclaimable_bytes = args.max_reclaimable_bytes.or(b.max_reclaimable_bytes);
    b.max_wasted_percent = args.max_wasted_percent.or(b.max_wasted_percent);
    b.min_efficiency = args.min_efficiency.or(b.min_efficiency);
    b.max_growth = args.max_growth.or(b.max_growth);
    b.deny.extend(args.deny.iter().cloned());
    b.ignore_paths.extend(args.ignore_path.iter().cloned());
    let baseline = match &args.baseline {
        Some(reference) => Some(
            analyze_with_bar(reference, &other_image(opts, reference), args.quiet)
                .with_context(|| format!("cannot read the baseline '{reference}'"))?,
        ),
        None => None,
    };
    Ok(ci::evaluate(analysis, &b, origin, baseline.as_ref()))
}

/// The file outputs: --json, --markdown, --sarif (with the verdict under
/// --ci) and --html.
fn write_files(
    args: &Args,
    analysis: &Analysis,
    verdict: Option<&ci::Verdict>,
) -> anyhow::Result<()> {
    if let Some(path) = &args.json {
        emit(path, |w| report::json::write(analysis, w))?;
    }
    if let Some(path) = &args.markdown {
        emit(path, |w| report::markdown::write(analysis, verdict, w))?;
    }
    if let Some(path) = &args.sarif {
        emit(path, |w| report::sarif::write(analysis, verdict, w))?;
    }
    if let Some(path) = &args.html {
        emit(path, |w| report::html::write(analysis, w))?;
    }
    if let Some(path) = &args.codequality {
        emit(path, |w| report::codequality::write(analysis, verdict, w))?;
    }
    Ok(())
}

fn write_outputs(args: &Args, analysis: &Analysis) -> anyhow::Result<()> {
    write_files(args, analysis, None)?;
    let files = [
        &args.json,
        &args.markdown,
        &args.sarif,
        &args.html,
        &args.codequality,
    ];
    if files.iter().all(|f| f.is_none()) {
        report::summary::write(analysis, &mut std::io::stdout().lock())
            .context("cannot write the summary")?;
        if let Some(d) = &analysis.dockerfile {
            ballast::report::dockerfile::lint::write_text(
                &d.lint,
                std::path::Path::new(&d.path),
                &mut std::io::stdout().lock(),
            )
            .context("cannot write the Dockerfile lint")?;
            if let Some(cache) = &d.cache {
                ballast::report::dockerfile::cache::write_text(
                    cache,
                    &mut std::io::stdout().lock(),
                )
                .context("cannot write the cache report")?;
            }
        }
    }
    Ok(())
}
