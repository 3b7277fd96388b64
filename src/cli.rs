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
use crate::source::{EngineStorage, Options, Platform, SourceKind};

#[derive(Debug, Parser)]
#[command(
    name = "ballast",
    version,
    about = "Find the dead weight in container images",
    long_about = "Find the dead weight in container images.\n\n\
        IMAGE is a path to a `docker save` archive, an OCI layout (directory or tar), \
        or a reference the Docker (or Podman) engine knows. Without an output flag, \
        a short summary is printed."
)]
pub struct Args {
    /// Image: archive or layout path, or engine reference (e.g. `myapp:1.2`).
    pub image: String,

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

    /// Do not show a progress bar.
    #[arg(long, short, help_heading = "Output")]
    pub quiet: bool,
}

/// Parse the process arguments and run. Errors become exit code 2 in `main`.
pub fn run() -> anyhow::Result<ExitCode> {
    let args = Args::parse();
    let platform = args.platform.as_deref().map(Platform::parse).transpose()?;
    let opts = Options {
        source: args.source,
        platform,
        pull: args.pull,
        verify: !args.no_verify,
        engine_storage: args.engine_storage,
    };
    let bar = Bar::new(args.quiet);
    let analysis = analysis::analyze(&args.image, &opts, &bar);
    bar.clear();
    let analysis = analysis?;
    write_outputs(&args, &analysis)?;
    Ok(ExitCode::SUCCESS)
}

fn write_outputs(args: &Args, analysis: &Analysis) -> anyhow::Result<()> {
    match &args.json {
        Some(path) if path.as_os_str() == "-" => {
            report::json::write(analysis, &mut std::io::stdout().lock())
                .context("cannot write JSON to stdout")?
        }
        Some(path) => write_file(path, |w| report::json::write(analysis, w))?,
        None => report::summary::write(analysis, &mut std::io::stdout().lock())
            .context("cannot write the summary")?,
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
