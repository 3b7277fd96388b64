//! Command-line interface: parse arguments, run the analysis, write outputs.
//!
//! Exit codes: 0 success, 2 error (bad input, unknown image, engine down).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;

use crate::analysis::{self, Analysis};
use crate::progress::Progress;
use crate::report;
use crate::report::ci;
use crate::source::{EngineStorage, Options, Platform, SourceKind};

#[derive(Debug, Parser)]
#[command(
    name = "ballast",
    version,
    about = "Find the dead weight in container images",
    long_about = "Find the dead weight in container images.\n\n\
        IMAGE is a path to a `docker save` archive, an OCI layout (directory or tar), \
        or a reference the Docker (or Podman) engine knows. Without an output flag, \
        the interactive TUI opens when stdout is a terminal; otherwise (or with --no-tui) \
        a short summary is printed.",
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Image: archive or layout path, or engine reference (e.g. `myapp:1.2`).
    #[arg(required = true)]
    pub image: Option<String>,

    /// Where to read IMAGE from; an existing path is detected by itself.
    #[arg(long, value_enum, default_value_t = SourceKind::Auto, help_heading = "Input")]
    pub source: SourceKind,

    /// Platform to pick from a multi-platform index (os/arch[/variant]); default: the host's.
    #[arg(long, value_name = "OS/ARCH", help_heading = "Input")]
    pub platform: Option<String>,

    /// Pull the image if the engine does not have it (never done otherwise).
    #[arg(long, help_heading = "Input")]
    pub pull: bool,

    /// Read an engine's layers in place from its storage (overlay2, Podman) when
    /// local and readable (`auto`), or always export them (`never`).
    #[arg(long, value_enum, default_value_t = EngineStorage::Auto, help_heading = "Input")]
    pub engine_storage: EngineStorage,

    /// Skip checking each layer against the config's rootfs.diff_ids.
    #[arg(long, help_heading = "Input")]
    pub no_verify: bool,

    /// Write the analysis as JSON to FILE, or `-` for stdout.
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub json: Option<PathBuf>,

    /// Check budgets and exit 0 (pass), 1 (over budget) or 2 (error). Budgets come
    /// from --config, else ./.ballast.toml, else dive's ./.dive-ci, else dive's
    /// defaults; the flags below override them.
    #[arg(long, help_heading = "CI budgets")]
    pub ci: bool,

    /// Budget file (`.ballast.toml`, or a dive `.dive-ci`).
    #[arg(long, value_name = "FILE", help_heading = "CI budgets")]
    pub config: Option<PathBuf>,

    /// Largest image (sum of layers), e.g. 150MB or 1.2GiB.
    #[arg(long, value_name = "SIZE", value_parser = ci::parse_size, help_heading = "CI budgets")]
    pub max_size: Option<u64>,

    /// Largest single layer.
    #[arg(long, value_name = "SIZE", value_parser = ci::parse_size, help_heading = "CI budgets")]
    pub max_layer_size: Option<u64>,

    /// Most wasted bytes (dive's definition).
    #[arg(long, value_name = "SIZE", value_parser = ci::parse_size, help_heading = "CI budgets")]
    pub max_wasted_bytes: Option<u64>,

    /// Most reclaimable bytes.
    #[arg(long, value_name = "SIZE", value_parser = ci::parse_size, help_heading = "CI budgets")]
    pub max_reclaimable_bytes: Option<u64>,

    /// Most wasted bytes relative to the layers above the first (0.1 or 10%).
    #[arg(long, value_name = "RATIO", value_parser = ci::parse_ratio, help_heading = "CI budgets")]
    pub max_wasted_percent: Option<f64>,

    /// Lowest dive efficiency (0.9 or 90%).
    #[arg(long, value_name = "RATIO", value_parser = ci::parse_ratio, help_heading = "CI budgets")]
    pub min_efficiency: Option<f64>,

    /// A finding rule that must not fire (repeatable), e.g. secret.
    #[arg(long, value_name = "RULE", help_heading = "CI budgets")]
    pub deny: Vec<String>,

    /// Leave paths matching GLOB out of wasted bytes and denied rules (repeatable).
    #[arg(long, value_name = "GLOB", help_heading = "CI budgets")]
    pub ignore_path: Vec<String>,

    /// The image to compare against for --max-growth (any source).
    #[arg(long, value_name = "IMAGE", help_heading = "CI budgets")]
    pub baseline: Option<String>,

    /// Most growth allowed against --baseline.
    #[arg(long, value_name = "SIZE", value_parser = ci::parse_size, help_heading = "CI budgets")]
    pub max_growth: Option<u64>,

    /// Also estimate a switch to this local image as the base (measured, not
    /// from the reference table); repeatable.
    #[arg(long, value_name = "IMAGE", help_heading = "Estimates")]
    pub candidate_base: Vec<String>,

    /// Write a GitHub-flavoured markdown report to FILE, or `-` for stdout.
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub markdown: Option<PathBuf>,

    /// How --ci reports: `text`, or `github` (workflow annotations too, and the
    /// markdown report appended to $GITHUB_STEP_SUMMARY when it is set).
    #[arg(long, value_enum, default_value_t = CiFormat::Text, help_heading = "CI budgets")]
    pub format: CiFormat,

    /// Write the budget results as JUnit XML (GitLab, Jenkins) to FILE.
    #[arg(long, value_name = "FILE", help_heading = "CI budgets")]
    pub junit: Option<PathBuf>,

    /// Write the findings (and, with --ci, failed budgets) as SARIF 2.1.0 for
    /// code scanning to FILE, or `-` for stdout.
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub sarif: Option<PathBuf>,

    /// Do not show a progress bar.
    #[arg(long, short, help_heading = "Output")]
    pub quiet: bool,

    /// Print the text summary instead of opening the interactive TUI.
    #[arg(long, help_heading = "Output")]
    pub no_tui: bool,

    /// No colors in the TUI (marks changes with + ~ -); also set by a non-empty NO_COLOR.
    #[arg(long, help_heading = "Output")]
    pub no_color: bool,

    /// The Dockerfile the image was built from: map its instructions to the
    /// image's layers, give findings their Dockerfile line, and lint it.
    #[arg(long, value_name = "PATH", help_heading = "Dockerfile")]
    pub dockerfile: Option<PathBuf>,
}

/// Parse the process arguments and run. Errors become exit code 2 in `main`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CiFormat {
    Text,
    Github,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Compare two images (any two sources): size change overall, per layer and
    /// per directory, files added, removed and changed, findings that appeared
    /// or went away.
    Diff(DiffArgs),
    /// Lint a Dockerfile and simulate its build cache over the context's git
    /// history: per instruction, how often it hits and what it rebuilds, then
    /// a proposed reordering (as a diff) and the same simulation for it.
    Dockerfile(DockerfileArgs),
}

#[derive(Debug, clap::Args)]
pub struct DockerfileArgs {
    /// The Dockerfile.
    pub path: PathBuf,
    /// The build context (a directory in a git repository); default: the
    /// Dockerfile's directory.
    #[arg(long, value_name = "DIR")]
    pub context: Option<PathBuf>,
    /// Builds to simulate: the last N commits (first-parent) of the context's history.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub commits: usize,
    /// The newest commit to simulate.
    #[arg(long, value_name = "REV", default_value = "HEAD")]
    pub rev: String,
    /// What the builder's cache holds at each build: the previous commit's
    /// build (`previous`, CI with --cache-from), or every earlier build (`all`).
    #[arg(long, value_enum, default_value_t = crate::dockerfile::cache::CacheModel::Previous)]
    pub cache: crate::dockerfile::cache::CacheModel,
    /// The image built from this Dockerfile (any source): its layer sizes
    /// give the bytes of rebuilt `RUN` steps, which are unknown otherwise.
    #[arg(long, value_name = "IMAGE")]
    pub image: Option<String>,
    /// Write the report as JSON to FILE, or `-` for stdout.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write the report as GitHub-flavoured markdown to FILE, or `-` for stdout.
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    /// Do not show a progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The image before (path or engine reference).
    pub old: String,
    /// The image after.
    pub new: String,
    /// Write the diff as JSON to FILE, or `-` for stdout.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write the diff as GitHub-flavoured markdown to FILE, or `-` for stdout.
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    /// Platform to pick from multi-platform indexes (os/arch[/variant]).
    #[arg(long, value_name = "OS/ARCH")]
    pub platform: Option<String>,
    /// Skip checking layers against rootfs.diff_ids.
    #[arg(long)]
    pub no_verify: bool,
    /// Read engine layers in place when possible (`auto`) or always export (`never`).
    #[arg(long, value_enum, default_value_t = EngineStorage::Auto)]
    pub engine_storage: EngineStorage,
    /// Do not show a progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn run() -> anyhow::Result<ExitCode> {
    let args = Args::parse();
    if let Some(Command::Diff(d)) = &args.command {
        return run_diff(d);
    }
    if let Some(Command::Dockerfile(d)) = &args.command {
        return run_dockerfile(d);
    }
    let image = args
        .image
        .clone()
        .expect("clap requires IMAGE without a subcommand");
    let platform = args.platform.as_deref().map(Platform::parse).transpose()?;
    let opts = Options {
        source: args.source,
        platform,
        pull: args.pull,
        verify: !args.no_verify,
        engine_storage: args.engine_storage,
    };
    let output_flag = args.json.is_some() || args.markdown.is_some() || args.sarif.is_some();
    if !args.ci && !output_flag && !args.no_tui && std::io::stdout().is_terminal() {
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
        crate::tui::run(
            crate::tui::Options {
                reference: image,
                no_color,
                read,
            },
            job,
        )?;
        return Ok(ExitCode::SUCCESS);
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
    let analysis = analysis?;
    if !args.ci {
        write_outputs(&args, &analysis)?;
        return Ok(ExitCode::SUCCESS);
    }
    let verdict = budget_verdict(&args, &opts, &analysis)?;
    write_files(&args, &analysis, Some(&verdict))?;
    ci::write(&verdict, &image, &mut std::io::stdout().lock())
        .context("cannot write the verdict")?;
    if let Some(path) = &args.junit {
        emit(path, |w| ci::write_junit(&verdict, &image, w))?;
    }
    if args.format == CiFormat::Github {
        ci::write_github(&verdict, &analysis, &image, &mut std::io::stdout().lock())
            .context("cannot write annotations")?;
        if let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|s| !s.is_empty()) {
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
            report::markdown::write(&analysis, Some(&verdict), &mut f)
                .context("cannot write the step summary")?;
        }
    }
    Ok(if verdict.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
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
        join_dockerfile(&mut analysis, path)?;
    }
    for reference in candidates {
        let candidate = analysis::analyze(
            reference,
            &Options {
                source: SourceKind::Auto,
                ..opts.clone()
            },
            progress,
        )
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
        Ok(crate::source::entry::read_entry(
            &reference, &opts, layer, path, limit, out,
        )?)
    })
}

fn run_diff(d: &DiffArgs) -> anyhow::Result<ExitCode> {
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

fn run_dockerfile(d: &DockerfileArgs) -> anyhow::Result<ExitCode> {
    use crate::analysis::join;
    use crate::dockerfile::{Dockerfile, cache, history, lint};
    use crate::report::dockerfile as df_report;
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
    let lint = lint::lint_in(&df, Some(&context))?;
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
            join::attach(&mut analysis, &df, Vec::new());
            let mapped = analysis
                .dockerfile
                .as_ref()
                .map(|m| m.instructions.as_slice())
                .unwrap_or_default();
            join::layer_sizes(&cache::Plan::from_dockerfile(&df), mapped)
        }
        None => Vec::new(),
    };
    let report = if history::in_repository(&context) {
        let opts = cache::CacheOptions {
            commits: d.commits,
            rev: d.rev.clone(),
            model: d.cache,
        };
        Some(cache::cache_report(
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
            df_report::lint::write_markdown(&lint, &d.path, w)?;
            match &report {
                Some(r) => df_report::cache::write_markdown(r, w),
                None => Ok(()),
            }
        })?;
    }
    if d.json.is_none() && d.markdown.is_none() {
        let out = &mut std::io::stdout().lock();
        df_report::lint::write_text(&lint, &d.path, out).context("cannot write the lint")?;
        if let Some(r) = &report {
            writeln!(out).context("cannot write the report")?;
            df_report::cache::write_text(r, out).context("cannot write the report")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `--dockerfile`: parse (a syntax error stops the run, exit 2), lint with
/// the Dockerfile's directory as the context, and join both to the analysis.
fn join_dockerfile(analysis: &mut Analysis, path: &std::path::Path) -> anyhow::Result<()> {
    use crate::analysis::join;
    use crate::dockerfile::{Dockerfile, lint};
    let df = Dockerfile::read(path)?;
    let context = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let lint = lint::lint_in(&df, Some(context))?;
    join::attach(analysis, &df, lint);
    propose_from_dockerfile(analysis, &df, path);
    // With history, the cache report joins too, sized by this image's layers.
    if crate::dockerfile::history::in_repository(context)
        && let Some(joined) = analysis.dockerfile.as_mut()
    {
        use crate::dockerfile::cache::{self, Plan};
        let text = std::fs::read_to_string(path)
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
    df: &crate::dockerfile::Dockerfile,
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
        .filter(|e| e.strategy == "multi-stage")
    {
        e.dockerfile = Some(proposal.clone());
    }
}

/// Load the budgets, apply the flags, analyse the baseline, and check.
fn budget_verdict(args: &Args, opts: &Options, analysis: &Analysis) -> anyhow::Result<ci::Verdict> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let (mut b, origin) = ci::load(args.config.as_deref(), &cwd)?;
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
        Some(reference) => {
            let bar = Bar::new(args.quiet);
            let base_opts = Options {
                source: SourceKind::Auto,
                ..opts.clone()
            };
            let base = analysis::analyze(reference, &base_opts, &bar);
            bar.clear();
            Some(base.with_context(|| format!("cannot read the baseline '{reference}'"))?)
        }
        None => None,
    };
    Ok(ci::evaluate(analysis, &b, origin, baseline.as_ref()))
}

/// Write `render`'s output to FILE, or stdout for `-`.
fn emit(
    target: &std::path::Path,
    render: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    if target.as_os_str() == "-" {
        render(&mut std::io::stdout().lock()).context("cannot write to stdout")
    } else {
        write_file(target, render)
    }
}

/// The file outputs: --json, --markdown and --sarif (with the verdict under --ci).
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
    Ok(())
}

fn write_outputs(args: &Args, analysis: &Analysis) -> anyhow::Result<()> {
    write_files(args, analysis, None)?;
    if args.json.is_none() && args.markdown.is_none() && args.sarif.is_none() {
        report::summary::write(analysis, &mut std::io::stdout().lock())
            .context("cannot write the summary")?;
        if let Some(d) = &analysis.dockerfile {
            crate::report::dockerfile::lint::write_text(
                &d.lint,
                std::path::Path::new(&d.path),
                &mut std::io::stdout().lock(),
            )
            .context("cannot write the Dockerfile lint")?;
            if let Some(cache) = &d.cache {
                crate::report::dockerfile::cache::write_text(cache, &mut std::io::stdout().lock())
                    .context("cannot write the cache report")?;
            }
        }
    }
    Ok(())
}

/// Write through a temporary file beside `path`, so a failure never leaves a
/// half-written file in its place.
fn write_file(
    path: &std::path::Path,
    f: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write '{}'", path.display()))?;
    f(&mut std::io::BufWriter::new(tmp.as_file_mut()))
        .with_context(|| format!("cannot write '{}'", path.display()))?;
    tmp.persist(path)
        .with_context(|| format!("cannot write '{}'", path.display()))?;
    Ok(())
}

/// indicatif progress bar on stderr, hidden when stderr is not a terminal.
struct Bar(indicatif::ProgressBar);

impl Bar {
    fn new(quiet: bool) -> Bar {
        if quiet || !std::io::stderr().is_terminal() {
            return Bar(indicatif::ProgressBar::hidden());
        }
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{msg} {wide_bar} {bytes}/{total_bytes} {bytes_per_sec} {eta}",
            )
            .expect("static template"),
        );
        Bar(bar)
    }

    fn clear(&self) {
        self.0.finish_and_clear();
    }
}

impl Progress for Bar {
    fn phase(&self, message: &str, total_bytes: Option<u64>) {
        self.0.set_message(message.to_string());
        self.0.set_position(0);
        match total_bytes {
            Some(t) => self.0.set_length(t),
            None => self.0.unset_length(),
        }
    }

    fn advance(&self, bytes: u64) {
        self.0.inc(bytes);
    }

    fn note(&self, message: &str) {
        if self.0.is_hidden() {
            eprintln!("ballast: {message}");
        } else {
            self.0.println(format!("ballast: {message}"));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn clap_definition_is_valid() {
        use clap::CommandFactory;
        super::Args::command().debug_assert();
    }
}
