//! The `ballast` binary: the command line (`cli`) and the interactive TUI
//! (`tui`) over the library. Errors become one `ballast: error:` line and exit
//! 2; see docs/architecture.md for how the code is laid out.

mod cli;
mod tui;

use std::process::ExitCode;

use ballast::report::escape::terminal::escape;

fn main() -> ExitCode {
    tui::mark_start();
    fewer_malloc_arenas();
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

/// glibc gives each thread that allocates an arena of its own (up to eight per
/// core); memory a layer worker frees stays in its arena, so the merged tree
/// grows elsewhere and the peak RSS holds both. Two arenas cut the peak on
/// the typical image of docs/benchmarks.md from 100 to 89 MB at the same CPU
/// time. `MALLOC_ARENA_MAX`, when set, still decides.
fn fewer_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: called first thing in main, before any other thread exists;
        // mallopt only tunes the allocator.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    }
}
