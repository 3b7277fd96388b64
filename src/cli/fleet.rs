//! `ballast fleet list|scan|report`: audit every image of a registry (see
//! docs/fleet.md). The work is in the library's `fleet` module; this file
//! holds the flags, the progress bar and the outputs.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use super::options::{CacheArgs, InputArgs, RegistryArgs, limits, stderr_bar};
use super::output::{emit, emit_json, json_and_markdown};
use ballast::fleet::{self, Filters, Shard, Tick};
use ballast::limits::{Limit, Limits};
use ballast::report::ci;
use ballast::report::escape::terminal::escape;
use ballast::source::SourceKind;

#[derive(Debug, clap::Args)]
pub struct FleetArgs {
    #[command(subcommand)]
    pub command: FleetCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum FleetCommand {
    /// List a registry's images (catalog and tags) or a file's references,
    /// filtered, one reference a line.
    List(ListArgs),
    /// Analyse the listed images (a slice of them with --shard) into a JSON
    /// Lines file, one record per image; run again to resume.
    Scan(ScanArgs),
    /// Merge the JSON Lines files of every shard into a fleet report.
    Report(ReportArgs),
}

/// Which images: a registry's catalog, or a file, then the filters.
#[derive(Debug, clap::Args)]
pub struct Selection {
    /// The registry (`host[:port]`) whose catalog and tags to list.
    #[arg(required_unless_present = "from", conflicts_with = "from")]
    pub registry: Option<String>,
    /// A file of references, one a line (`#` comments), `-` for stdin.
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,
    /// Keep repositories matching GLOB (`team/*`, `**`; repeatable).
    #[arg(long = "repo", value_name = "GLOB")]
    pub repos: Vec<String>,
    /// Leave out repositories matching GLOB (repeatable).
    #[arg(long = "exclude-repo", value_name = "GLOB")]
    pub exclude_repos: Vec<String>,
    /// Keep tags matching GLOB (`v[0-9]*`, `latest`; repeatable).
    #[arg(long = "tag", value_name = "GLOB")]
    pub tags: Vec<String>,
    /// Leave out tags matching GLOB (`*-rc*`; repeatable).
    #[arg(long = "exclude-tag", value_name = "GLOB")]
    pub exclude_tags: Vec<String>,
    #[command(flatten)]
    pub registries: RegistryArgs,
    /// Only slice I of N (0 <= I < N; `auto/N` takes I from
    /// JOB_COMPLETION_INDEX): by digest when a reference pins one, else by
    /// the reference.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Raise (or lower) a resource limit: NAME=VALUE, e.g. text-file=64MiB for
    /// a long --from list (repeatable; docs/reference.md "Limits").
    #[arg(long, value_name = "NAME=VALUE", value_parser = ballast::limits::parse_assignment)]
    pub limit: Vec<(Limit, u64)>,
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub select: Selection,
    /// Pin each reference to its manifest digest (`name:tag@sha256:...`),
    /// one manifest request per image: scans then shard by digest.
    #[arg(long)]
    pub digests: bool,
    /// Write the list to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub select: Selection,
    /// The JSON Lines file to append records to; images already in it are skipped.
    #[arg(long, short, value_name = "FILE")]
    pub output: PathBuf,
    /// Images analysed at once on this machine.
    #[arg(long, short, value_name = "N", default_value_t = 4)]
    pub jobs: usize,
    /// Scan again the images whose record in --output is a failure.
    #[arg(long)]
    pub retry_errors: bool,
    /// Budget file for each image's verdict (`.ballast.toml` or a dive
    /// `.dive-ci`); default ./.ballast.toml, else ./.dive-ci, else dive's defaults.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Platform to pick from multi-platform indexes (os/arch[/variant]).
    #[arg(long, value_name = "OS/ARCH")]
    pub platform: Option<String>,
    #[command(flatten)]
    pub cache: CacheArgs,
    /// Do not show a progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// The scans' JSON Lines files (every shard's).
    #[arg(required = true, value_name = "SHARDS.jsonl")]
    pub shards: Vec<PathBuf>,
    /// An older scan (its files merged the same way) to measure growth against.
    #[arg(long, value_name = "OLD.jsonl")]
    pub compare: Vec<PathBuf>,
    /// Rows per list (top images, rules, bases, layers, fixes).
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub top: usize,
    /// Write the report as markdown to FILE or `-` (the default: stdout).
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    /// Write the report's numbers as JSON to FILE or `-`.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

pub(super) fn run_fleet(f: &FleetArgs) -> anyhow::Result<ExitCode> {
    match &f.command {
        FleetCommand::List(a) => list(a),
        FleetCommand::Scan(a) => scan(a),
        FleetCommand::Report(a) => report(a),
    }
}

/// The selected references, in this shard.
fn select(s: &Selection, quiet: bool) -> anyhow::Result<Vec<String>> {
    let filters = Filters::new(&s.repos, &s.exclude_repos, &s.tags, &s.exclude_tags)?;
    let shard = match &s.shard {
        Some(text) => {
            let index = std::env::var(fleet::shard::JOB_INDEX_VARIABLE).ok();
            Shard::parse(text, index.as_deref())?
        }
        None => Shard::ALL,
    };
    let all = match (&s.registry, &s.from) {
        (_, Some(path)) => fleet::list_file(&read_list(path, &limits(&[&s.limit]))?, &filters),
        (Some(host), None) => {
            let talk = !quiet && std::io::stderr().is_terminal();
            let say = |repo: &str| {
                if talk {
                    eprint!("\r\x1b[2Klisting tags of {}", escape(repo));
                }
            };
            let list = fleet::list_registry(host, &filters, &s.registries.options(), &say)?;
            if talk {
                eprint!("\r\x1b[2K");
            }
            list
        }
        (None, None) => unreachable!("clap requires a registry or --from"),
    };
    Ok(all.into_iter().filter(|r| shard.holds(r)).collect())
}

/// The reference list, from a file or a pipe (`-`, `<(…)`), read up to the
/// `text-file` limit.
fn read_list(path: &PathBuf, limits: &Limits) -> anyhow::Result<String> {
    let (bytes, what) = if path.as_os_str() == "-" {
        let bytes = ballast::dockerfile::read_within(std::io::stdin(), None, limits);
        (bytes, "from stdin".to_string())
    } else {
        let what = format!("in '{}'", path.display());
        let file = std::fs::File::open(path)
            .with_context(|| format!("cannot read the references {what}"))?;
        let size = file
            .metadata()
            .ok()
            .filter(|m| m.is_file())
            .map(|m| m.len());
        (ballast::dockerfile::read_within(file, size, limits), what)
    };
    let bytes = bytes.with_context(|| format!("cannot read the references {what}"))?;
    String::from_utf8(bytes).with_context(|| format!("the references {what} are not UTF-8 text"))
}

fn list(a: &ListArgs) -> anyhow::Result<ExitCode> {
    let refs = select(&a.select, false)?;
    let opts = a.select.registries.options();
    let mut lines = String::new();
    for r in &refs {
        if a.digests {
            lines += &fleet::list::resolve(r, &opts)?;
        } else {
            lines += r;
        }
        lines.push('\n');
    }
    let target = a.output.clone().unwrap_or_else(|| PathBuf::from("-"));
    emit(&target, |w| w.write_all(lines.as_bytes()))?;
    Ok(ExitCode::SUCCESS)
}

fn scan(a: &ScanArgs) -> anyhow::Result<ExitCode> {
    if a.jobs == 0 {
        anyhow::bail!("--jobs 0: give at least one image to analyse at once");
    }
    let source = InputArgs {
        source: SourceKind::Registry,
        platform: a.platform.clone(),
        registries: a.select.registries.clone(),
        cache: a.cache.clone(),
        ..InputArgs::default()
    }
    .options(limits(&[&a.select.limit]))?;
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let (budgets, budget_origin) = ci::load(a.config.as_deref(), &cwd, &source.limits)?;
    let refs = select(&a.select, a.quiet)?;
    let opts = fleet::ScanOptions {
        source,
        jobs: a.jobs,
        budgets,
        budget_origin,
        retry_errors: a.retry_errors,
    };
    let bar = FleetBar::new(a.quiet);
    let summary = fleet::scan(&refs, &a.output, &opts, &|t| bar.tick(t))?;
    bar.0.finish_and_clear();
    if !a.quiet {
        let c = summary.cache;
        let cache = if opts.source.cache.is_some() {
            format!(
                "layer cache: {} hits, {} layers read ({} of {} blob bytes downloaded)",
                c.hits,
                c.reads,
                c.read_bytes,
                c.read_bytes + c.hit_bytes
            )
        } else {
            "no layer cache: every layer read".to_string()
        };
        eprintln!(
            "ballast: fleet scan: {} images analysed, {} failed, {} already in '{}'; {cache}",
            summary.scanned - summary.failed,
            summary.failed,
            summary.resumed,
            escape(&a.output.display().to_string()),
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Images done of the shard's, images per second, cache hit rate.
struct FleetBar(indicatif::ProgressBar);

impl FleetBar {
    fn new(quiet: bool) -> FleetBar {
        FleetBar(stderr_bar(
            quiet,
            "fleet scan {wide_bar} {pos}/{len} images {msg} eta {eta}",
        ))
    }

    fn tick(&self, t: &Tick) {
        self.0.set_length(t.total as u64);
        self.0.set_position(t.done as u64);
        let seconds = self.0.elapsed().as_secs_f64().max(0.001);
        let lookups = t.cache.hits + t.cache.reads;
        let cache = if lookups == 0 {
            "no cache hits yet".to_string()
        } else {
            format!(
                "cache hits {:.0} % of {lookups} layers",
                t.cache.hit_rate() * 100.0
            )
        };
        self.0.set_message(format!(
            "{:.1}/s, {cache}, {} failed",
            t.done as f64 / seconds,
            t.failed
        ));
    }
}

fn report(a: &ReportArgs) -> anyhow::Result<ExitCode> {
    json_and_markdown(a.json.as_deref(), a.markdown.as_deref())?;
    let (records, mut notes) = fleet::report::load(&a.shards)?;
    let old = if a.compare.is_empty() {
        None
    } else {
        let (old, old_notes) = fleet::report::load(&a.compare)?;
        notes.extend(old_notes);
        Some(old)
    };
    for n in &notes {
        eprintln!("ballast: {}", escape(n));
    }
    let report = fleet::report::build(&records, old.as_deref(), a.top.max(1));
    if let Some(path) = &a.json {
        emit_json(path, &report)?;
    }
    // Markdown to stdout unless another output was asked for.
    let markdown = match (&a.markdown, &a.json) {
        (Some(p), _) => Some(p.clone()),
        (None, None) => Some(PathBuf::from("-")),
        (None, Some(_)) => None,
    };
    if let Some(path) = markdown {
        emit(&path, |w| fleet::report::write_markdown(&report, w))?;
    }
    Ok(ExitCode::SUCCESS)
}
