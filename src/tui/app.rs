//! The TUI's state: what is loaded, what is selected and shown, and what the
//! run loop must do next.
//!
//! State only: the one function that changes it, `update` (update.rs), takes
//! every key, mouse event, progress report and finished background job as
//! an [`Event`]; what must happen elsewhere (read a file's content, extract
//! it, rebuild a big view) goes out as a [`Request`]. The rest of `App`'s
//! methods live with their job: keys.rs, mouse.rs, navigate.rs, views.rs,
//! prompt.rs, findings.rs, content.rs. Nothing here draws: render/ reads
//! this state, and the screen's geometry comes from layout.rs.

use std::path::PathBuf;
use std::sync::Arc;

use crossterm::event::{KeyEvent, MouseEvent};
use ratatui::layout::Rect;

use super::details::{DetailsText, Subject};
use super::layout::Layout;
pub use super::layout::Pane;
pub use super::pager::{Pager, PagerBody};
use super::theme::Theme;
pub use super::theme::symbol;
use super::tree::{Model, Params, View};
use ballast::tree::{NodeId, Op};
use ballast::vocab::Rule;

#[derive(Debug)]
pub enum Event {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// A phase of reading began.
    Phase {
        message: String,
        total: Option<u64>,
    },
    /// Bytes read so far in the phase.
    Advance(u64),
    Note(String),
    /// The analysis is done (or failed).
    Loaded(Result<Arc<Model>, String>),
    /// A file's content for the pager.
    Content {
        id: u64,
        result: Result<Vec<u8>, String>,
    },
    /// An extraction finished: the path written, or why not.
    Extracted(Result<PathBuf, String>),
    /// A tree view computed in the background (see [`Request::View`]).
    View {
        generation: u64,
        view: Box<View>,
    },
}

/// Work for the run loop to start off the UI thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    Read {
        id: u64,
        layer: usize,
        path: Vec<u8>,
        limit: u64,
    },
    Extract {
        layer: usize,
        path: Vec<u8>,
        dir: PathBuf,
        mode: u32,
    },
    /// Rebuild the tree's rows from `snapshot` with `params`, off the UI
    /// thread (`views::compute_view`); only the newest request matters.
    View {
        generation: u64,
        snapshot: Box<View>,
        params: Params,
    },
}

/// What the one-line prompt is asking for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prompt {
    Filter,
    Search,
    Extract,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub prompt: Prompt,
    pub text: String,
    /// The filter or search before the prompt opened (Esc puts it back).
    pub before: Option<String>,
    /// Why the text is no pattern, while it is not.
    pub error: Option<String>,
}

/// One line of the findings pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FindingRow {
    Group {
        rule: Rule,
        bytes: u64,
        count: usize,
    },
    Item(usize),
}

/// Reading progress before the analysis arrives.
#[derive(Debug, Clone, Default)]
pub struct Loading {
    pub message: String,
    pub total: Option<u64>,
    pub done: u64,
}

pub struct Data {
    pub model: Arc<Model>,
    pub findings: Vec<FindingRow>,
}

/// Views with more rows than this are rebuilt in the background.
pub const ASYNC_ROWS: usize = 2_000;
/// Trees with more nodes than this compute a new filter in the background.
pub const ASYNC_NODES: usize = 200_000;

pub struct App {
    pub reference: String,
    pub no_color: bool,
    pub focus: Pane,
    pub size: (u16, u16),
    pub loading: Loading,
    pub error: Option<String>,
    pub data: Option<Data>,
    pub view: View,
    /// First row shown in each list pane.
    pub tree_offset: usize,
    pub layers_offset: usize,
    pub finding: usize,
    pub findings_offset: usize,
    pub details_scroll: usize,
    /// The details pane's text, kept up to date by `update` (details.rs).
    pub(crate) details: Option<DetailsText>,
    pub help: bool,
    pub pager: Option<Pager>,
    pub input: Option<Input>,
    pub status: Option<String>,
    pub notes: Vec<String>,
    pub requests: Vec<Request>,
    pub quit: bool,
    /// Quit with Ctrl-C: the exit status is 130, as a shell gives.
    pub interrupted: bool,
    /// Directory the last successful extraction went to (the prompt's default).
    pub extract_dir: String,
    /// The directory of the extraction under way.
    pub(super) extracting: Option<String>,
    pub(super) next_id: u64,
    /// Rebuild big views in the background (the run loop turns this on;
    /// tests drive [`Request::View`] by hand).
    pub async_views: bool,
    pub async_rows: usize,
    /// The options the user asked for while their view is being computed.
    pub pending: Option<Params>,
    pub(super) view_generation: u64,
}

impl App {
    pub fn new(reference: &str, no_color: bool, size: (u16, u16)) -> App {
        App {
            reference: reference.to_string(),
            no_color,
            focus: Pane::Tree,
            size,
            loading: Loading {
                message: "reading the image".into(),
                ..Loading::default()
            },
            error: None,
            data: None,
            view: View::default(),
            tree_offset: 0,
            layers_offset: 0,
            finding: 0,
            findings_offset: 0,
            details_scroll: 0,
            details: None,
            help: false,
            pager: None,
            input: None,
            status: None,
            notes: Vec::new(),
            requests: Vec::new(),
            quit: false,
            interrupted: false,
            extract_dir: ".".into(),
            extracting: None,
            next_id: 0,
            async_views: false,
            async_rows: ASYNC_ROWS,
            pending: None,
            view_generation: 0,
        }
    }

    pub fn model(&self) -> Option<&Model> {
        self.data.as_ref().map(|d| &*d.model)
    }

    /// The layer the user selected (the tree may still show the previous
    /// one while a big view is computed).
    pub fn layer(&self) -> usize {
        self.pending
            .as_ref()
            .map_or(self.view.params.layer, |p| p.layer)
    }

    pub fn layer_count(&self) -> usize {
        self.model().map_or(0, |m| m.analysis.image.layers.len())
    }

    pub fn finding_rows(&self) -> usize {
        self.data.as_ref().map_or(0, |d| d.findings.len())
    }

    pub(super) fn theme(&self) -> Theme {
        Theme {
            color: !self.no_color,
        }
    }

    /// Where the panes are on a screen of `area` (the terminal, for drawing).
    pub(crate) fn layout_in(&self, area: Rect) -> Layout {
        Layout::new(
            area,
            self.layer_count(),
            self.finding_rows(),
            self.has_chips(),
        )
    }

    /// Where the panes are on the current screen.
    pub(crate) fn layout(&self) -> Layout {
        self.layout_in(Rect::new(0, 0, self.size.0, self.size.1))
    }

    /// Whether [`App::chips`] has anything to show (without formatting it).
    fn has_chips(&self) -> bool {
        let p = &self.view.params;
        p.hidden.any() || p.filter.is_some() || self.view.search.is_some() || p.wasted_only
    }

    /// The tree's active filters, shown on a line above its rows.
    pub fn chips(&self) -> Option<String> {
        let p = &self.view.params;
        let h = p.hidden;
        let mut chips: Vec<String> = [
            (h.added, "added"),
            (h.modified, "modified"),
            (h.removed, "removed"),
            (h.unmodified, "unmodified"),
        ]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, n)| format!("hiding {n}"))
        .collect();
        if let Some(f) = &p.filter {
            chips.push(format!("filter '{f}'"));
        }
        if let Some(s) = &self.view.search {
            chips.push(format!("search '{s}'"));
        }
        if let Some((at, n)) = self.view.counter() {
            chips.push(format!("{at}/{n}"));
        }
        if p.wasted_only {
            chips.push("wasted only".into());
        }
        (!chips.is_empty()).then(|| chips.join(" · "))
    }

    /// How far the details pane scrolls on the current screen.
    pub(crate) fn details_max_scroll(&self) -> usize {
        let (_, height) = self.layout().details_text();
        self.details.as_ref().map_or(0, |d| d.max_scroll(height))
    }

    /// What the details pane is about: the selected finding from the
    /// findings pane (and while the pane itself is focused, to scroll it),
    /// else the layer.
    fn details_subject(&self) -> Subject {
        let finding = Subject::Finding(self.finding);
        match self.focus {
            Pane::Findings if self.finding_rows() > 0 => finding,
            Pane::Details
                if matches!(
                    self.details.as_ref().map(|d| d.subject),
                    Some(Subject::Finding(_))
                ) =>
            {
                finding
            }
            _ => Subject::Layer(self.layer()),
        }
    }

    /// Bring the details text up to date with its subject and the pane's
    /// width: rebuilt only when one of them (or the analysis) changed.
    pub(super) fn sync_details(&mut self) {
        let Some(d) = &self.data else {
            self.details = None;
            return;
        };
        let (width, _) = self.layout().details_text();
        let subject = self.details_subject();
        if let Some(t) = &self.details {
            if t.is_for(subject, width) {
                return;
            }
            if t.subject != subject {
                self.details_scroll = 0;
            }
        }
        let text = DetailsText::build(&d.model, &d.findings, subject, width, &self.theme());
        self.details = Some(text);
    }

    /// The layer whose bytes the node shows at the selected layer.
    pub(super) fn source_layer(&self, id: NodeId) -> Option<usize> {
        let m = self.model()?;
        let layer = self.view.params.layer;
        m.node(id)
            .history
            .iter()
            .rev()
            .filter(|c| c.layer as usize <= layer)
            .find(|c| c.op != Op::Removed)
            .map(|c| c.layer as usize)
    }

    pub(super) fn with_model(&mut self, f: impl FnOnce(&mut View, &Model)) {
        if let Some(d) = &self.data {
            let model = d.model.clone();
            f(&mut self.view, &model);
        }
    }
}
