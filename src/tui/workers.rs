//! The threads that feed the UI thread's one event channel: terminal input,
//! the analysis (with its progress), the tree-view worker, and one short
//! thread per file read or extraction. None touches the `App`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;

use super::app::{Event, Request};
use super::extract::{self, ReadContent};
use super::tree::{self, Model, Params, View};
use super::views::compute_view;
use ballast::analysis::Analysis;
use ballast::progress::Progress;

/// The analysis to run on the worker thread, reporting progress as it goes.
pub type Job = Box<dyn FnOnce(&dyn Progress) -> anyhow::Result<Analysis> + Send>;

pub(super) type Tx = Sender<(Event, Instant)>;

/// A request for the view worker: `(generation, model, snapshot, params)`.
pub(super) type ViewJob = (u64, Arc<Model>, Box<View>, Params);

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

/// Keys, mouse events and resizes, as they come, stamped with their arrival.
pub(super) fn spawn_input(input: Tx) {
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
}

/// Run the analysis; its progress, then its model (or why not), come back.
pub(super) fn spawn_analysis(worker: Tx, job: Job) -> anyhow::Result<()> {
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
    Ok(())
}

/// The view worker: one rebuild at a time, and of the requests that came
/// in meanwhile only the newest (gitui's asyncjob).
pub(super) fn spawn_view_worker(views: Tx) -> anyhow::Result<Sender<ViewJob>> {
    let (view_tx, view_rx) = mpsc::channel::<ViewJob>();
    std::thread::Builder::new()
        .name("tree-view".into())
        .spawn(move || {
            while let Ok(mut job) = view_rx.recv() {
                while let Ok(newer) = view_rx.try_recv() {
                    job = newer;
                }
                let (generation, model, snapshot, params) = job;
                let view = compute_view(&model, *snapshot, params);
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
    Ok(view_tx)
}

/// Start a read or an extraction on its own thread; its result comes back
/// as an event. (View requests go to the view worker instead.)
pub(super) fn start_request(r: Request, read: &ReadContent, tx: &Tx) {
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
