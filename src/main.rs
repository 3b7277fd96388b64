//! The `ballast` binary: the command line (`cli`) and the interactive TUI
//! (`tui`) over the library. Errors become one `ballast: error:` line and exit
//! 2; see docs/architecture.md for how the code is laid out.

mod cli;
mod tui;

use std::process::ExitCode;

use ballast::report::escape::terminal::escape;

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
            // What the message quotes (a tar entry's name, a path) may hold
            // escape sequences or newlines: one line, nothing for the
            // terminal to obey.
            let message = format!("{err:#}");
            eprintln!("ballast: error: {}", escape(&message));
            ExitCode::from(2)
        }
    }
}
