//! The interactive TUI (`ballast IMAGE` on a terminal).
//!
//! One thread owns the [`App`] and the terminal. Everything else arrives as an
//! event on one channel (workers.rs): keys, mouse and resizes from an input
//! thread, reading progress and the finished analysis from a worker thread,
//! tree views from the view worker, file contents and extractions from
//! short-lived job threads. The loop draws a frame at once (the progress
//! line), then after every batch of events; it never waits on the analysis.
//! The terminal is restored on every way out (terminal.rs).
//!
//! Inside, imports go one way: the state (app.rs, with the leaf modules
//! tree/, layout.rs, theme.rs, details.rs, pager.rs) knows nothing of what
//! changes it (update.rs and the `impl App` files beside it) or of what
//! draws it (render/); this file ties them to the terminal.

pub mod app;
mod content;
mod details;
pub mod extract;
mod finding_view;
mod findings;
mod keys;
mod layout;
mod mouse;
mod navigate;
pub mod pager;
mod prompt;
pub mod render;
mod terminal;
mod theme;
mod timings;
pub mod tree;
mod update;
mod view_timing;
pub(crate) mod views;
mod workers;

use std::sync::mpsc::{self, Receiver, Sender};
use std::time::Instant;

use anyhow::Context;

use app::{App, Event, Request};
pub use extract::ReadContent;
use timings::Timings;
pub use timings::mark_start;
pub use update::update;
pub(crate) use view_timing::run as view_timing;
pub use workers::Job;
use workers::{Tx, ViewJob};

pub struct Options {
    pub reference: String,
    pub no_color: bool,
    pub read: ReadContent,
}

/// How the user left the TUI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// `q`: exit status 0.
    Quit,
    /// Ctrl-C: exit status 130, as a shell gives a command SIGINT ended.
    Interrupted,
}

/// Run the TUI until the user quits. An analysis that failed is returned as
/// the error after the terminal is restored (exit code 2).
pub fn run(opts: Options, job: Job) -> anyhow::Result<Exit> {
    mark_start();
    terminal::restore_on_panic();
    let (mut terminal, guard) = terminal::set_up()?;
    let size = terminal.size().context("cannot read the terminal size")?;
    let mut app = App::new(&opts.reference, opts.no_color, (size.width, size.height));
    let (tx, rx) = mpsc::channel::<(Event, Instant)>();
    workers::spawn_input(tx.clone());
    workers::spawn_analysis(tx.clone(), job)?;
    let view_tx = workers::spawn_view_worker(tx.clone())?;
    app.async_views = true;
    let mut lp = Loop {
        read: opts.read,
        tx,
        view_tx,
        timings: Timings::open(),
        // For the end-to-end test of the panic path (debug builds only).
        panic_key: cfg!(debug_assertions)
            && std::env::var_os("BALLAST_TUI_TEST_PANIC").is_some_and(|v| v == "1"),
    };
    loop {
        terminal
            .draw(|f| render::draw(f, &app))
            .context("cannot draw")?;
        lp.timings.frame(app.data.is_some());
        if app.quit {
            break;
        }
        let Ok(first_event) = rx.recv() else { break };
        lp.handle_batch(&mut app, first_event, &rx);
    }
    drop(terminal);
    drop(guard);
    match app.error {
        Some(e) => Err(anyhow::anyhow!(e)),
        None if app.interrupted => Ok(Exit::Interrupted),
        None => Ok(Exit::Quit),
    }
}

/// What the event loop needs besides the app.
struct Loop {
    read: ReadContent,
    tx: Tx,
    view_tx: Sender<ViewJob>,
    timings: Timings,
    panic_key: bool,
}

impl Loop {
    /// Apply `first` and every event already waiting, then start what they
    /// asked for; the caller draws once after the batch.
    fn handle_batch(
        &mut self,
        app: &mut App,
        first: (Event, Instant),
        rx: &Receiver<(Event, Instant)>,
    ) {
        let mut next = Some(first);
        while let Some((ev, at)) = next {
            if let Event::Key(k) = &ev {
                self.timings.key(at);
                if self.panic_key && k.code == crossterm::event::KeyCode::Char('!') {
                    panic!("panic requested with BALLAST_TUI_TEST_PANIC=1");
                }
            }
            update(app, ev);
            self.dispatch(app);
            next = rx.try_recv().ok();
        }
    }

    /// Hand the app's requests to the view worker or to job threads.
    fn dispatch(&self, app: &mut App) {
        for r in app.requests.drain(..) {
            match r {
                Request::View {
                    generation,
                    snapshot,
                    params,
                } => {
                    if let Some(d) = &app.data {
                        let _ = self
                            .view_tx
                            .send((generation, d.model.clone(), snapshot, params));
                    }
                }
                r => workers::start_request(r, &self.read, &self.tx),
            }
        }
    }
}

#[cfg(test)]
mod journeys;
#[cfg(test)]
mod snapshot_tests;
#[cfg(test)]
mod tests;
