//! `update(&mut App, Event)`: the one function that changes the TUI's state.
//!
//! Synchronous and touching no terminal, so tests drive it key by key and
//! assert on the state (dua-cli's "journeys"). After every event it brings
//! what is derived from the state up to date: the details text (only when
//! its inputs changed) and each pane's scroll offset.

use std::sync::Arc;

use super::app::{App, Data, Event, Loading};
use super::findings::group_findings;
use super::tree::{Model, Params, View};

/// Apply one event.
pub fn update(app: &mut App, event: Event) {
    match event {
        Event::Key(k) => {
            if k.kind != crossterm::event::KeyEventKind::Release {
                app.key(k);
            }
        }
        Event::Mouse(m) => app.mouse(m),
        Event::Resize(w, h) => app.size = (w, h),
        Event::Phase { message, total } => {
            app.loading = Loading {
                message,
                total,
                done: 0,
            }
        }
        Event::Advance(done) => app.loading.done = done,
        Event::Note(n) => {
            app.status = Some(n.clone());
            app.notes.push(n);
        }
        Event::Loaded(Ok(model)) => app.load(model),
        // Nothing to explore: close the TUI so the error is printed on the
        // restored terminal and the exit code says it (2), as without the TUI.
        Event::Loaded(Err(e)) => {
            app.error = Some(e);
            app.quit = true;
        }
        Event::Content { id, result } => app.content(id, result),
        Event::View { generation, view } => app.install_view(generation, *view),
        Event::Extracted(r) => app.extracted(r),
    }
    app.sync_details();
    app.clamp_scroll();
}

impl App {
    /// The analysis arrived: show its last layer, aggregated.
    fn load(&mut self, model: Arc<Model>) {
        let findings = group_findings(&model.analysis);
        let layer = model.analysis.image.layers.len().saturating_sub(1);
        self.view = View::new(
            &model,
            Params {
                layer,
                ..Params::default()
            },
        );
        self.data = Some(Data { model, findings });
        self.finding = 0;
    }
}
