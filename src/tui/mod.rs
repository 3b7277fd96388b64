//! The interactive TUI (`ballast IMAGE` on a terminal).
//!
//! One thread owns the [`App`] and the terminal. Everything else arrives as an
//! event on one channel: keys, mouse and resizes from an input thread, reading
//! progress and the finished analysis from a worker thread, file contents and
//! extractions from short-lived job threads. The loop draws a frame at once
//! (the progress line), then after every batch of events; it never waits on
//! the analysis. The terminal is restored on every way out: normal return,
//! error, and panic (a hook restores it before the panic message is printed).

pub mod app;
pub mod extract;
pub mod pager;
pub mod render;
pub mod tree;

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use anyhow::Context;
use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

use crate::analysis::Analysis;
use crate::progress::Progress;
use app::{App, Event, Request, update};

/// Reads a file's content from the image: `(layer, path, limit, out)` →
/// bytes written. The CLI builds it from the image reference and options.
pub type ReadContent =
    Arc<dyn Fn(usize, &[u8], Option<u64>, &mut dyn Write) -> anyhow::Result<u64> + Send + Sync>;

/// The analysis to run on the worker thread, reporting progress as it goes.
pub type Job = Box<dyn FnOnce(&dyn Progress) -> anyhow::Result<Analysis> + Send>;

static START: OnceLock<Instant> = OnceLock::new();

/// Note the process start, for the timing hook; call first thing in `main`.
pub fn mark_start() {
    START.get_or_init(Instant::now);
}

pub struct Options {
    pub reference: String,
    pub no_color: bool,
    pub read: ReadContent,
}

type Tx = Sender<(Event, Instant)>;

/// Progress from the worker, as events; byte counts at most every 30 ms.
struct ChannelProgress {
    tx: Tx,
    done: AtomicU64,
    last: Mutex<Option<Instant>>,
}

impl ChannelProgress {
    fn send(&self, e: Event) {
        let _ = self.tx.send((e, Instant::now()));
    }
}

impl Progress for ChannelProgress {
    fn phase(&self, message: &str, total_bytes: Option<u64>) {
        self.done.store(0, Ordering::Relaxed);
        self.send(Event::Phase {
            message: message.to_string(),
            total: total_bytes,
        });
    }

    fn advance(&self, bytes: u64) {
        let done = self.done.fetch_add(bytes, Ordering::Relaxed) + bytes;
        let Ok(mut last) = self.last.lock() else {
            return;
        };
        if last.is_none_or(|t| t.elapsed() >= Duration::from_millis(30)) {
            *last = Some(Instant::now());
            self.send(Event::Advance(done));
        }
    }

    fn note(&self, message: &str) {
        self.send(Event::Note(message.to_string()));
    }
}

/// The `BALLAST_TUI_TIMINGS` hook: one line per measurement, appended.
struct Timings(Option<std::fs::File>);

impl Timings {
    fn open() -> Timings {
        let file = std::env::var_os("BALLAST_TUI_TIMINGS")
            .filter(|p| !p.is_empty())
            .and_then(|p| {
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(p)
                    .ok()
            });
        Timings(file)
    }

    fn line(&mut self, text: std::fmt::Arguments) {
        if let Some(f) = &mut self.0 {
            let _ = writeln!(f, "{text}");
            let _ = f.flush();
        }
    }
}

fn restore() {
    let _ = disable_raw_mode();
    let _ = crossterm::execute!(
        std::io::stdout(),
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
}

/// Restores the terminal when the run loop ends, however it ends.
struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}

/// Run the TUI until the user quits. An analysis that failed is returned as
/// the error after the terminal is restored (exit code 2).
pub fn run(opts: Options, job: Job) -> anyhow::Result<()> {
    mark_start();
    let ui_thread = std::thread::current().id();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // Only the UI thread's panics end the TUI; a worker's is reported.
        if std::thread::current().id() == ui_thread {
            restore();
        }
        previous(info);
    }));
    enable_raw_mode().context("cannot set up the terminal")?;
    let guard = Guard;
    crossterm::execute!(std::io::stdout(), EnterAlternateScreen, EnableMouseCapture)
        .context("cannot set up the terminal")?;
    let mut terminal =
        Terminal::new(CrosstermBackend::new(std::io::stdout())).context("cannot draw")?;
    let size = terminal.size().context("cannot read the terminal size")?;
    let mut app = App::new(&opts.reference, opts.no_color, (size.width, size.height));
    let (tx, rx) = mpsc::channel::<(Event, Instant)>();

    let input = tx.clone();
    std::thread::spawn(move || {
        use crossterm::event::Event as E;
        while let Ok(ev) = crossterm::event::read() {
            let at = Instant::now();
            let ev = match ev {
                E::Key(k) => Event::Key(k),
                E::Mouse(m) => Event::Mouse(m),
                E::Resize(w, h) => Event::Resize(w, h),
                _ => continue,
            };
            if input.send((ev, at)).is_err() {
                break;
            }
        }
    });

    let worker = tx.clone();
    std::thread::Builder::new()
        .name("analysis".into())
        .spawn(move || {
            let progress = ChannelProgress {
                tx: worker.clone(),
                done: AtomicU64::new(0),
                last: Mutex::new(None),
            };
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&progress)));
            let result = match result {
                Ok(Ok(a)) => Ok(Arc::new(tree::Model::new(Arc::new(a)))),
                Ok(Err(e)) => Err(format!("{e:#}")),
                Err(_) => Err("internal error: the analysis panicked".to_string()),
            };
            let _ = worker.send((Event::Loaded(result), Instant::now()));
        })
        .context("cannot start the analysis")?;

    // The view worker: one rebuild at a time, and of the requests that came
    // in meanwhile only the newest (gitui's asyncjob).
    let (view_tx, view_rx) =
        mpsc::channel::<(u64, Arc<tree::Model>, Box<tree::View>, tree::Params)>();
    let views = tx.clone();
    std::thread::Builder::new()
        .name("tree-view".into())
        .spawn(move || {
            while let Ok(mut job) = view_rx.recv() {
                while let Ok(newer) = view_rx.try_recv() {
                    job = newer;
                }
                let (generation, model, snapshot, params) = job;
                let view = app::compute_view(&model, *snapshot, params);
                let ev = Event::View {
                    generation,
                    view: Box::new(view),
                };
                if views.send((ev, Instant::now())).is_err() {
                    break;
                }
            }
        })
        .context("cannot start the tree view worker")?;
    app.async_views = true;

    // For the end-to-end test of the panic path (debug builds only).
    let panic_key = cfg!(debug_assertions)
        && std::env::var_os("BALLAST_TUI_TEST_PANIC").is_some_and(|v| v == "1");
    let mut timings = Timings::open();
    let (mut first, mut interactive) = (true, false);
    let mut keys: Vec<Instant> = Vec::new();
    loop {
        terminal
            .draw(|f| render::draw(f, &app))
            .context("cannot draw")?;
        let drawn = Instant::now();
        let start = START.get().copied().unwrap_or(drawn);
        if first {
            first = false;
            timings.line(format_args!(
                "first_frame_ms {}",
                drawn.duration_since(start).as_millis()
            ));
        }
        if !interactive && app.data.is_some() {
            interactive = true;
            timings.line(format_args!(
                "interactive_ms {}",
                drawn.duration_since(start).as_millis()
            ));
        }
        for k in keys.drain(..) {
            timings.line(format_args!(
                "key_frame_us {}",
                drawn.duration_since(k).as_micros()
            ));
        }
        if app.quit {
            break;
        }
        let Ok(first_event) = rx.recv() else { break };
        let mut next = Some(first_event);
        while let Some((ev, at)) = next {
            if let Event::Key(k) = &ev {
                keys.push(at);
                if panic_key && k.code == crossterm::event::KeyCode::Char('!') {
                    panic!("panic requested with BALLAST_TUI_TEST_PANIC=1");
                }
            }
            update(&mut app, ev);
            for r in app.requests.drain(..) {
                match r {
                    Request::View {
                        generation,
                        snapshot,
                        params,
                    } => {
                        if let Some(d) = &app.data {
                            let _ = view_tx.send((generation, d.model.clone(), snapshot, params));
                        }
                    }
                    r => start_request(r, &opts.read, &tx),
                }
            }
            next = rx.try_recv().ok();
        }
    }
    drop(terminal);
    drop(guard);
    match app.error {
        Some(e) => Err(anyhow::anyhow!(e)),
        None => Ok(()),
    }
}

/// Start a request on its own thread; its result comes back as an event.
fn start_request(r: Request, read: &ReadContent, tx: &Tx) {
    let (read, tx) = (read.clone(), tx.clone());
    std::thread::spawn(move || {
        let ev = match r {
            Request::Read {
                id,
                layer,
                path,
                limit,
            } => {
                let mut buf = Vec::new();
                let result = read(layer, &path, Some(limit), &mut buf)
                    .map(|_| buf)
                    .map_err(|e| format!("{e:#}"));
                Event::Content { id, result }
            }
            Request::Extract {
                layer,
                path,
                dir,
                mode,
            } => Event::Extracted(
                extract::extract(&read, layer, &path, &dir, mode).map_err(|e| format!("{e:#}")),
            ),
            Request::View { .. } => return,
        };
        let _ = tx.send((ev, Instant::now()));
    });
}

#[cfg(test)]
mod snapshot_tests;
#[cfg(test)]
mod tests;
