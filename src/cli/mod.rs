//! Command-line interface: parse arguments, run the analysis, write outputs.
//!
//! This file holds the clap definitions and the dispatch; each command has
//! its own file (`image`, `diff`, `dockerfile`), and `options` what they share.
//!
//! Exit codes: 0 success, 2 error (bad input, unknown image, engine down).

mod diff;
mod dockerfile;
mod fleet;
mod image;
mod options;
mod output;
mod shell;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use ballast::limits::Limit;
use ballast::report::ci;
use ballast::vocab::Rule;

#[derive(Debug, Parser)]
#[command(
    name = "ballast",
    version = env!("BALLAST_VERSION"),
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

    #[command(flatten)]
    pub input: options::InputArgs,

    /// Raise (or lower) a resource limit: NAME=VALUE, e.g.
    /// entries-per-layer=10000000 or tar-header=4MiB (repeatable; docs/reference.md "Limits").
    #[arg(long, value_name = "NAME=VALUE", value_parser = ballast::limits::parse_assignment, help_heading = "Input")]
    pub limit: Vec<(Limit, u64)>,

    /// Write the analysis as JSON to FILE, or `-` for stdout.
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub json: Option<PathBuf>,

    /// Check budgets and exit 0 (pass), 1 (over budget) or 2 (error). Budgets come
    /// from --config, else ./.ballast.toml, else dive's ./.dive-ci, else dive's
    /// defaults; the flags below override them.
    #[arg(long, help_heading = "CI budgets")]
    pub ci: bool,

    /// Budget file (`.ballast.toml`, or a dive `.dive-ci`).
    #[arg(
        long,
        value_name = "FILE",
        requires = "ci",
        help_heading = "CI budgets"
    )]
    pub config: Option<PathBuf>,

    /// Largest image (sum of layers), e.g. 150MB or 1.2GiB.
    #[arg(long, value_name = "SIZE", value_parser = ci::parse_size, requires = "ci", help_heading = "CI budgets")]
    pub max_size: Option<u64>,

    /// Largest single layer.
    #[arg(long, value_name = "SIZE", value_parser = ci::parse_size, requires = "ci", help_heading = "CI budgets")]
    pub max_layer_size: Option<u64>,

    /// Most wasted bytes (dive's definition).
    #[arg(long, value_name = "SIZE", value_parser = ci::parse_size, requires = "ci", help_heading = "CI budgets")]
    pub max_wasted_bytes: Option<u64>,

    /// Most reclaimable bytes.
    #[arg(long, value_name = "SIZE", value_parser = ci::parse_size, requires = "ci", help_heading = "CI budgets")]
    pub max_reclaimable_bytes: Option<u64>,

    /// Most wasted bytes relative to the layers above the first (0.1 or 10%).
    #[arg(long, value_name = "RATIO", value_parser = ci::parse_ratio, requires = "ci", help_heading = "CI budgets")]
    pub max_wasted_percent: Option<f64>,

    /// Lowest dive efficiency (0.9 or 90%).
    #[arg(long, value_name = "RATIO", value_parser = ci::parse_ratio, requires = "ci", help_heading = "CI budgets")]
    pub min_efficiency: Option<f64>,

    /// A finding rule that must not fire (repeatable), e.g. secret.
    #[arg(long, value_name = "RULE", value_parser = str::parse::<Rule>, requires = "ci", help_heading = "CI budgets")]
    pub deny: Vec<Rule>,

    /// Leave paths matching GLOB out of wasted bytes and denied rules (repeatable).
    #[arg(
        long,
        value_name = "GLOB",
        requires = "ci",
        help_heading = "CI budgets"
    )]
    pub ignore_path: Vec<String>,

    /// The image to compare against for --max-growth (any source).
    #[arg(
        long,
        value_name = "IMAGE",
        requires = "ci",
        help_heading = "CI budgets"
    )]
    pub baseline: Option<String>,

    /// Most growth allowed against --baseline.
    #[arg(long, value_name = "SIZE", value_parser = ci::parse_size, requires = "ci", help_heading = "CI budgets")]
    pub max_growth: Option<u64>,

    /// Also estimate a switch to this local image as the base (measured, not
    /// from the reference table); repeatable.
    #[arg(long, value_name = "IMAGE", help_heading = "Estimates")]
    pub candidate_base: Vec<String>,

    /// Write a GitHub-flavoured markdown report to FILE, or `-` for stdout.
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub markdown: Option<PathBuf>,

    /// Write a self-contained HTML report (a zoomable treemap of every byte,
    /// with the findings) to FILE, or `-` for stdout.
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub html: Option<PathBuf>,

    /// How --ci reports: `text`, or `github` (workflow annotations too, and the
    /// markdown report appended to $GITHUB_STEP_SUMMARY when it is set).
    #[arg(long, value_enum, default_value_t = CiFormat::Text, requires = "ci", help_heading = "CI budgets")]
    pub format: CiFormat,

    /// Write the budget results as JUnit XML (GitLab, Jenkins) to FILE.
    #[arg(
        long,
        value_name = "FILE",
        requires = "ci",
        help_heading = "CI budgets"
    )]
    pub junit: Option<PathBuf>,

    /// Write the findings (and, with --ci, failed budgets) as SARIF 2.1.0 for
    /// code scanning to FILE, or `-` for stdout.
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub sarif: Option<PathBuf>,

    /// Write the findings (and, with --ci, failed budgets) as a GitLab Code
    /// Quality report (JSON) to FILE, or `-` for stdout.
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub codequality: Option<PathBuf>,

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

/// How `--ci` reports (`--format`).
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
    /// Audit a whole registry: list its images, scan them (sharded, resumable,
    /// layers shared through the cache) into JSON Lines, report on the fleet.
    Fleet(fleet::FleetArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish)
    /// on stdout, e.g. `ballast completions bash > /etc/bash_completion.d/ballast`.
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page ballast(1) on stdout (`ballast man | man -l -`),
    /// or write one page per command into a directory with --dir.
    Man {
        /// Write ballast.1, ballast-diff.1, … into DIR instead.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Time the TUI's tree-view operations on IMAGE, without a terminal (a
    /// benchmark for developers; see docs/benchmarks.md "TUI benchmark").
    #[command(hide = true)]
    TuiViewTiming {
        image: String,
        /// Names to search for (default: a fixed set).
        patterns: Vec<String>,
    },
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
    #[arg(long, value_enum, default_value_t = ballast::dockerfile::cache::CacheModel::Previous)]
    pub cache: ballast::dockerfile::cache::CacheModel,
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
    /// Raise (or lower) a resource limit: NAME=VALUE, e.g. stages=2000 (repeatable).
    #[arg(long, value_name = "NAME=VALUE", value_parser = ballast::limits::parse_assignment)]
    pub limit: Vec<(Limit, u64)>,
}

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The image before (path, engine reference, or with --source registry
    /// a registry reference).
    pub old: String,
    /// The image after.
    pub new: String,
    /// Write the diff as JSON to FILE, or `-` for stdout.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write the diff as GitHub-flavoured markdown to FILE, or `-` for stdout.
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    /// Write the diff as a self-contained HTML report (a treemap of what was
    /// added, removed and changed) to FILE, or `-` for stdout.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    #[command(flatten)]
    pub input: options::InputArgs,
    /// Do not show a progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    /// Raise (or lower) a resource limit: NAME=VALUE, e.g. tar-header=4MiB (repeatable).
    #[arg(long, value_name = "NAME=VALUE", value_parser = ballast::limits::parse_assignment)]
    pub limit: Vec<(Limit, u64)>,
}

/// Parse the process arguments and run. Errors become exit code 2 in `main`.
pub fn run() -> anyhow::Result<ExitCode> {
    let args = Args::parse();
    if let Some(Command::Diff(d)) = &args.command {
        return diff::run_diff(d);
    }
    if let Some(Command::Dockerfile(d)) = &args.command {
        return dockerfile::run_dockerfile(d);
    }
    if let Some(Command::Fleet(f)) = &args.command {
        return fleet::run_fleet(f);
    }
    if let Some(Command::Completions { shell }) = &args.command {
        return shell::run_completions(*shell);
    }
    if let Some(Command::Man { dir }) = &args.command {
        return shell::run_man(dir.as_deref());
    }
    if let Some(Command::TuiViewTiming { image, patterns }) = &args.command {
        crate::tui::view_timing(image, patterns.clone())?;
        return Ok(ExitCode::SUCCESS);
    }
    image::run_image(&args)
}

#[cfg(test)]
mod tests {
    #[test]
    fn clap_definition_is_valid() {
        use clap::CommandFactory;
        super::Args::command().debug_assert();
    }
}
