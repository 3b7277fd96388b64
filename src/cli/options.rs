//! What every command shares: the progress bar and writing an output to a
//! file (atomically) or to stdout.

use std::io::{IsTerminal, Write};

use anyhow::Context;

use crate::progress::Progress;

/// Write `render`'s output to FILE, or stdout for `-`.
pub(super) fn emit(
    target: &std::path::Path,
    render: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    if target.as_os_str() == "-" {
        render(&mut std::io::stdout().lock()).context("cannot write to stdout")
    } else {
        write_file(target, render)
    }
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
pub(super) struct Bar(indicatif::ProgressBar);

impl Bar {
    pub(super) fn new(quiet: bool) -> Bar {
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

    pub(super) fn clear(&self) {
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
