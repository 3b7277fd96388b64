//! The `ballast` binary: the command line (`cli`) and the interactive TUI
//! (`tui`) over the library. Errors become one `ballast: error:` line and exit
//! 2; see docs/architecture.md for how the code is laid out.

mod cli;
mod tui;

use std::process::ExitCode;

fn main() -> ExitCode {
    tui::mark_start();
    match cli::run() {
        Ok(code) => code,
        Err(err) => {
            // A closed pipe (`ballast img --json - | head`) is not an error.
            if err
                .chain()
                .filter_map(|e| e.downcast_ref::<std::io::Error>())
                .any(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            {
                return ExitCode::SUCCESS;
            }
            eprintln!("ballast: error: {err:#}");
            ExitCode::from(2)
        }
    }
}
