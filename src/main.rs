use std::process::ExitCode;

fn main() -> ExitCode {
    ballast::tui::mark_start();
    match ballast::cli::run() {
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
