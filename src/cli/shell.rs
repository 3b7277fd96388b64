//! `ballast completions SHELL` and `ballast man`: shell completion scripts
//! and manual pages generated from the clap definitions in `cli/mod.rs`, so
//! they never drift from the flags the binary accepts.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use clap::CommandFactory;

use super::Args;

/// Print the completion script for `shell` on stdout.
pub(super) fn run_completions(shell: clap_complete::Shell) -> anyhow::Result<ExitCode> {
    let mut cmd = Args::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "ballast", &mut out);
    std::io::stdout().lock().write_all(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// Print ballast(1) on stdout, or with `dir` write one page per command
/// there (`ballast.1`, `ballast-diff.1`, …).
pub(super) fn run_man(dir: Option<&Path>) -> anyhow::Result<ExitCode> {
    let cmd = Args::command();
    match dir {
        Some(dir) => {
            if !dir.is_dir() {
                anyhow::bail!(
                    "'{}' is not a directory: create it, or leave out --dir to print ballast(1)",
                    dir.display()
                );
            }
            clap_mangen::generate_to(cmd, dir)
                .with_context(|| format!("cannot write the manual pages to '{}'", dir.display()))?;
            for page in pages() {
                println!("{}", dir.join(page).display());
            }
        }
        None => {
            let mut out = Vec::new();
            clap_mangen::Man::new(cmd).render(&mut out)?;
            std::io::stdout().lock().write_all(&out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The file names `generate_to` writes: the command and each visible
/// subcommand, as `ballast-NAME.1`.
fn pages() -> Vec<String> {
    let cmd = Args::command();
    std::iter::once("ballast.1".to_string())
        .chain(
            cmd.get_subcommands()
                .filter(|s| !s.is_hide_set())
                .map(|s| format!("ballast-{}.1", s.get_name())),
        )
        .collect()
}
