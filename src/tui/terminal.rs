//! Taking over the terminal (raw mode, alternate screen, mouse) and giving
//! it back on every way out: normal return, error, and a panic on the UI
//! thread (a hook restores it before the panic message is printed).

use anyhow::Context;
use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

pub(super) type Term = Terminal<CrosstermBackend<std::io::Stdout>>;

fn restore() {
    let _ = disable_raw_mode();
    let _ = crossterm::execute!(
        std::io::stdout(),
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
}

/// Restores the terminal when dropped, however the run loop ends.
pub(super) struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}

/// Restore the terminal before a panic on this (the UI) thread is printed;
/// a worker's panic is reported without ending the TUI.
pub(super) fn restore_on_panic() {
    let ui_thread = std::thread::current().id();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().id() == ui_thread {
            restore();
        }
        previous(info);
    }));
}

/// Raw mode, the alternate screen and mouse capture; the guard undoes them.
pub(super) fn set_up() -> anyhow::Result<(Term, Guard)> {
    enable_raw_mode().context("cannot set up the terminal")?;
    let guard = Guard;
    crossterm::execute!(std::io::stdout(), EnterAlternateScreen, EnableMouseCapture)
        .context("cannot set up the terminal")?;
    let terminal =
        Terminal::new(CrosstermBackend::new(std::io::stdout())).context("cannot draw")?;
    Ok((terminal, guard))
}
