//! The TUI's state and the one function that changes it.
//!
//! `update(&mut App, Event)` is synchronous and touches no terminal: every key,
//! mouse event, progress report and finished background job comes in as an
//! [`Event`], and what must happen elsewhere (read a file's content, extract
//! it) goes out as a [`Request`]. Tests drive it key by key and assert on the
//! state (dua-cli's "journeys").

use std::path::PathBuf;
use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};

pub use super::pager::{PAGER_LIMIT, Pager, PagerBody};
use super::tree::{Kind, Mode, Model, Params, Sort, View};
use crate::tree::{NodeId, Op};
use crate::vocab::Rule;

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
    /// thread ([`compute_view`]); only the newest request matters.
    View {
        generation: u64,
        snapshot: Box<View>,
        params: Params,
    },
}

/// The background half of [`Request::View`].
pub fn compute_view(m: &Model, snapshot: View, params: Params) -> View {
    let mut v = snapshot;
    v.refresh(m, params);
    v
}

/// Views with more rows than this are rebuilt in the background.
pub const ASYNC_ROWS: usize = 2_000;
/// Trees with more nodes than this compute a new filter in the background.
pub const ASYNC_NODES: usize = 200_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Layers,
    Tree,
    Findings,
    Details,
}

const PANES: [Pane; 4] = [Pane::Layers, Pane::Tree, Pane::Findings, Pane::Details];

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
    pub help: bool,
    pub pager: Option<Pager>,
    pub input: Option<Input>,
    pub status: Option<String>,
    pub notes: Vec<String>,
    pub requests: Vec<Request>,
    pub quit: bool,
    /// Directory the last extraction went to (the prompt's default).
    pub extract_dir: String,
    pub(super) next_id: u64,
    /// Rebuild big views in the background (the run loop turns this on;
    /// tests drive [`Request::View`] by hand).
    pub async_views: bool,
    pub async_rows: usize,
    /// The options the user asked for while their view is being computed.
    pub pending: Option<Params>,
    view_generation: u64,
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
            help: false,
            pager: None,
            input: None,
            status: None,
            notes: Vec::new(),
            requests: Vec::new(),
            quit: false,
            extract_dir: ".".into(),
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

    fn load(&mut self, model: Arc<Model>) {
        let a = &model.analysis;
        let mut rules: Vec<(Rule, u64, Vec<usize>)> = Vec::new();
        for (i, f) in a.findings.iter().enumerate() {
            match rules.iter_mut().find(|r| r.0 == f.rule) {
                Some(r) => {
                    r.1 += f.bytes;
                    r.2.push(i);
                }
                None => rules.push((f.rule, f.bytes, vec![i])),
            }
        }
        rules.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut findings = Vec::new();
        for (rule, bytes, items) in rules {
            findings.push(FindingRow::Group {
                rule,
                bytes,
                count: items.len(),
            });
            findings.extend(items.into_iter().map(FindingRow::Item));
        }
        let layer = a.image.layers.len().saturating_sub(1);
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

    pub fn finding_rows(&self) -> usize {
        self.data.as_ref().map_or(0, |d| d.findings.len())
    }

    /// Where the panes are on the current screen.
    pub fn heights(&self) -> super::render::Areas {
        super::render::areas(
            Rect::new(0, 0, self.size.0, self.size.1),
            self.layer_count(),
            self.finding_rows(),
        )
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
        if p.wasted_only {
            chips.push("wasted only".into());
        }
        (!chips.is_empty()).then(|| chips.join(" · "))
    }

    /// Tree rows that fit on screen.
    pub fn tree_height(&self) -> usize {
        let chips = self.chips().is_some() as usize;
        (self.heights().tree.height as usize)
            .saturating_sub(2 + chips)
            .max(1)
    }

    fn set_params(&mut self, f: impl FnOnce(&mut Params)) {
        let mut p = self.pending.clone().unwrap_or(self.view.params.clone());
        f(&mut p);
        self.refresh(p);
    }

    /// Show the tree with `params`: at once when the view is small, else
    /// from a background job while the current view stays on screen.
    fn refresh(&mut self, params: Params) {
        let Some(d) = &self.data else { return };
        let model = d.model.clone();
        let big = self.view.rows.len() > self.async_rows
            || (params.filter != self.view.params.filter && model.tree().len() > ASYNC_NODES);
        if self.async_views && big {
            self.queue_view(params);
        } else {
            // Whatever is in flight is superseded.
            self.view_generation += 1;
            self.pending = None;
            self.view.refresh(&model, params);
        }
    }

    /// Ask the view worker for `params`, superseding what is in flight.
    fn queue_view(&mut self, params: Params) {
        self.view_generation += 1;
        self.pending = Some(params.clone());
        self.requests.push(Request::View {
            generation: self.view_generation,
            snapshot: Box::new(self.view.snapshot()),
            params,
        });
    }

    /// Apply `params` here and now, whatever the size (before a jump).
    fn refresh_now(&mut self, params: Params) {
        let Some(d) = &self.data else { return };
        let model = d.model.clone();
        self.view_generation += 1;
        self.pending = None;
        self.view.refresh(&model, params);
    }

    fn install_view(&mut self, generation: u64, view: View) {
        if generation != self.view_generation {
            return;
        }
        if view.revision != self.view.revision {
            // Directories were opened or closed meanwhile: compute again.
            let params = view.params;
            return self.refresh(params);
        }
        let keep = self.view.selected_node();
        let search = self.view.search.take();
        self.view = view;
        self.view.search = search;
        self.pending = None;
        if let Some(i) = keep.and_then(|id| self.view.rows.iter().position(|r| r.node == id)) {
            self.view.selected = i;
        }
        self.view.selected = self
            .view
            .selected
            .min(self.view.rows.len().saturating_sub(1));
    }

    fn expand_all(&mut self, expand: bool) {
        let Some(d) = &self.data else { return };
        let model = d.model.clone();
        if expand {
            self.view.expand_all_marks(&model);
        } else {
            self.view.collapse_all_marks();
        }
        let params = self.pending.clone().unwrap_or(self.view.params.clone());
        if expand && self.async_views && model.tree().len() > self.async_rows {
            // Expanding everything makes a big view: compute it off the UI thread.
            self.queue_view(params);
        } else {
            self.refresh(params);
        }
    }

    fn select_layer(&mut self, layer: usize) {
        let n = self.layer_count();
        if n == 0 {
            return;
        }
        let layer = layer.min(n - 1);
        self.set_params(|p| p.layer = layer);
    }

    /// Keep each pane's selection on screen.
    fn clamp_scroll(&mut self) {
        let a = self.heights();
        let h = |r: Rect| (r.height as usize).saturating_sub(2).max(1);
        fn follow(offset: &mut usize, selected: usize, height: usize) {
            if selected < *offset {
                *offset = selected;
            } else if selected >= *offset + height {
                *offset = selected + 1 - height;
            }
        }
        let tree_height = self.tree_height();
        follow(&mut self.tree_offset, self.view.selected, tree_height);
        let layer = self.layer();
        follow(&mut self.layers_offset, layer, h(a.layers));
        follow(&mut self.findings_offset, self.finding, h(a.findings));
        self.details_scroll = self
            .details_scroll
            .min(super::render::details_max_scroll(self));
    }

    fn page(&self, pane: Pane) -> usize {
        let a = self.heights();
        let r = match pane {
            Pane::Layers => a.layers,
            Pane::Tree => a.tree,
            Pane::Findings => a.findings,
            Pane::Details => a.details,
        };
        (r.height as usize).saturating_sub(3).max(1)
    }

    fn pane_len(&self, pane: Pane) -> usize {
        match pane {
            Pane::Layers => self.layer_count(),
            Pane::Tree => self.view.rows.len(),
            Pane::Findings => self.data.as_ref().map_or(0, |d| d.findings.len()),
            Pane::Details => super::render::details_max_scroll(self) + 1,
        }
    }

    fn pane_pos(&self, pane: Pane) -> usize {
        match pane {
            Pane::Layers => self.layer(),
            Pane::Tree => self.view.selected,
            Pane::Findings => self.finding,
            Pane::Details => self.details_scroll,
        }
    }

    /// Move the focused pane's selection to `pos` (clamped).
    fn move_to(&mut self, pane: Pane, pos: usize) {
        let len = self.pane_len(pane);
        if len == 0 {
            return;
        }
        let pos = pos.min(len - 1);
        match pane {
            Pane::Layers => self.select_layer(pos),
            Pane::Tree => self.view.selected = pos,
            Pane::Findings => self.finding = pos,
            Pane::Details => self.details_scroll = pos,
        }
    }

    fn move_by(&mut self, pane: Pane, delta: isize) {
        let pos = self.pane_pos(pane).saturating_add_signed(delta);
        self.move_to(pane, pos);
    }

    fn focus_step(&mut self, forward: bool) {
        let i = PANES.iter().position(|p| *p == self.focus).unwrap_or(0);
        let n = PANES.len();
        self.focus = PANES[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }];
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

    fn submit(&mut self, input: Input) {
        let text = input.text.trim().to_string();
        match input.prompt {
            Prompt::Filter => {
                self.set_params(|p| p.filter = Some(text.clone()).filter(|t| !t.is_empty()));
                self.focus = Pane::Tree;
                self.status = Some(if text.is_empty() {
                    "filter cleared".into()
                } else {
                    format!("filter: {text} ({} rows)", self.view.rows.len())
                });
            }
            Prompt::Search => {
                let Some(d) = &self.data else { return };
                let model = d.model.clone();
                let found = self.view.search(&model, &text);
                self.focus = Pane::Tree;
                self.status = Some(match found {
                    _ if text.is_empty() => "search cleared".into(),
                    0 => format!("no match for '{text}'"),
                    n if n > super::tree::MAX_REVEAL => format!(
                        "{n} matches for '{text}' (first {} revealed); n/N next/previous",
                        super::tree::MAX_REVEAL
                    ),
                    1 => format!("1 match for '{text}'"),
                    n => format!("{n} matches for '{text}'; n/N next/previous"),
                });
            }
            Prompt::Extract => {
                let target = match &self.pager {
                    Some(p) => Some((p.layer, p.path.clone(), p.mode)),
                    None => self.selected_file(),
                };
                let Some((layer, path, mode)) = target else {
                    return;
                };
                let dir = if text.is_empty() {
                    ".".to_string()
                } else {
                    text
                };
                self.extract_dir = dir.clone();
                self.status = Some(format!("extracting to {dir}…"));
                self.requests.push(Request::Extract {
                    layer,
                    path,
                    dir: PathBuf::from(dir),
                    mode,
                });
            }
        }
    }

    /// Enter on a finding: select the layer that added its first path, show
    /// that path in the tree, and focus the tree.
    fn jump_to_finding(&mut self) {
        let Some(d) = &self.data else { return };
        let model = d.model.clone();
        let index = match d.findings.get(self.finding) {
            Some(FindingRow::Item(i)) => *i,
            Some(FindingRow::Group { .. }) => match d.findings.get(self.finding + 1) {
                Some(FindingRow::Item(i)) => *i,
                _ => return,
            },
            None => return,
        };
        let f = &model.analysis.findings[index];
        let tree = model.tree();
        let mut nodes: Vec<NodeId> = f.nodes.clone();
        if nodes.is_empty() {
            nodes = f
                .paths
                .iter()
                .filter_map(|p| tree.lookup(p.path.trim_start_matches('/').as_bytes()))
                .filter(|&id| id != crate::tree::ROOT)
                .collect();
        }
        let Some(&first) = nodes.first() else {
            self.status = Some(format!("{}: no path in the tree to show", f.rule));
            return;
        };
        let added = tree
            .node(first)
            .history
            .iter()
            .find(|c| c.op == Op::Added)
            .map(|c| c.layer as usize)
            .or(f.layer.as_ref().map(|l| l.index))
            .unwrap_or(self.layer());
        let mut params = self.pending.clone().unwrap_or(self.view.params.clone());
        params.layer = added;
        params.mode = Mode::Aggregated;
        self.refresh_now(params);
        if self.view.reveal(&model, first) {
            self.focus = Pane::Tree;
            let more = nodes.len().saturating_sub(1);
            self.status = Some(format!(
                "{}: {}{} (added in layer {added})",
                f.rule,
                crate::layer::path::display(&tree.path(first)),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            ));
        } else {
            self.status = Some(format!(
                "{}: {} is hidden by the current filters",
                f.rule,
                crate::layer::path::display(&tree.path(first))
            ));
        }
    }

    fn key_input(&mut self, k: KeyEvent) {
        let Some(input) = self.input.as_mut() else {
            return;
        };
        match k.code {
            KeyCode::Esc => self.input = None,
            KeyCode::Enter => {
                if let Some(input) = self.input.take() {
                    self.submit(input);
                }
            }
            KeyCode::Backspace => {
                input.text.pop();
            }
            KeyCode::Char(c) if !k.modifiers.contains(KeyModifiers::CONTROL) => input.text.push(c),
            _ => {}
        }
    }

    fn key(&mut self, k: KeyEvent) {
        if k.modifiers.contains(KeyModifiers::CONTROL) && k.code == KeyCode::Char('c') {
            self.quit = true;
            return;
        }
        if self.input.is_some() {
            return self.key_input(k);
        }
        if self.help {
            self.help = false;
            return;
        }
        if self.pager.is_some() {
            return self.key_pager(k);
        }
        self.status = None;
        let focus = self.focus;
        let loaded = self.data.is_some();
        match k.code {
            KeyCode::Char('q') => self.quit = true,
            KeyCode::Char('?') => self.help = true,
            KeyCode::Tab => self.focus_step(true),
            KeyCode::BackTab => self.focus_step(false),
            KeyCode::Char(c @ '1'..='4') => self.focus = PANES[(c as u8 - b'1') as usize],
            _ if !loaded => {}
            KeyCode::Down | KeyCode::Char('j') => self.move_by(focus, 1),
            KeyCode::Up | KeyCode::Char('k') => self.move_by(focus, -1),
            KeyCode::PageDown => self.move_by(focus, self.page(focus) as isize),
            KeyCode::PageUp => self.move_by(focus, -(self.page(focus) as isize)),
            KeyCode::Home | KeyCode::Char('g') => self.move_to(focus, 0),
            KeyCode::End | KeyCode::Char('G') => self.move_to(focus, usize::MAX),
            KeyCode::Char(']') => self.select_layer(self.layer() + 1),
            KeyCode::Char('[') => self.select_layer(self.layer().saturating_sub(1)),
            KeyCode::Char('a') => self.set_params(|p| {
                p.mode = match p.mode {
                    Mode::Aggregated => Mode::Layer,
                    Mode::Layer => Mode::Aggregated,
                }
            }),
            KeyCode::Char('s') => self.set_params(|p| {
                p.sort = match p.sort {
                    Sort::Size => Sort::Name,
                    Sort::Name => Sort::Size,
                }
            }),
            KeyCode::Char('w') => self.set_params(|p| p.wasted_only = !p.wasted_only),
            KeyCode::Char('A') => self.set_params(|p| p.hidden.added = !p.hidden.added),
            KeyCode::Char('M') => self.set_params(|p| p.hidden.modified = !p.hidden.modified),
            KeyCode::Char('R') => self.set_params(|p| p.hidden.removed = !p.hidden.removed),
            KeyCode::Char('U') => self.set_params(|p| p.hidden.unmodified = !p.hidden.unmodified),
            KeyCode::Char('f') => {
                self.input = Some(Input {
                    prompt: Prompt::Filter,
                    text: self.view.params.filter.clone().unwrap_or_default(),
                })
            }
            KeyCode::Char('/') => {
                self.input = Some(Input {
                    prompt: Prompt::Search,
                    text: String::new(),
                })
            }
            KeyCode::Char('n') | KeyCode::Char('N') => {
                let forward = k.code == KeyCode::Char('n');
                if let Some(d) = &self.data {
                    let model = d.model.clone();
                    if self.view.search.is_none() {
                        self.status = Some("no search: press / first".into());
                    } else if !self.view.next_match(&model, forward) {
                        self.status = Some("no match".into());
                    }
                    self.focus = Pane::Tree;
                }
            }
            KeyCode::Char('e') => self.expand_all(true),
            KeyCode::Char('c') => self.expand_all(false),
            KeyCode::Char('x') if focus == Pane::Tree => self.start_extract(),
            KeyCode::Char('v') if focus == Pane::Tree => self.open_pager(),
            KeyCode::Right | KeyCode::Char('l') if focus == Pane::Tree => {
                self.with_model(|v, m| v.expand(m))
            }
            KeyCode::Left | KeyCode::Char('h') if focus == Pane::Tree => self.view.collapse(),
            KeyCode::Char(' ') if focus == Pane::Tree => self.with_model(|v, m| v.toggle(m)),
            KeyCode::Enter if focus == Pane::Tree => {
                if self
                    .view
                    .rows
                    .get(self.view.selected)
                    .is_some_and(|r| r.dir)
                {
                    self.with_model(|v, m| v.toggle(m));
                } else {
                    self.open_pager();
                }
            }
            KeyCode::Enter if focus == Pane::Findings => self.jump_to_finding(),
            KeyCode::Enter if focus == Pane::Layers => self.focus = Pane::Tree,
            _ => {}
        }
    }

    fn with_model(&mut self, f: impl FnOnce(&mut View, &Model)) {
        if let Some(d) = &self.data {
            let model = d.model.clone();
            f(&mut self.view, &model);
        }
    }

    fn mouse(&mut self, m: MouseEvent) {
        if self.help || self.input.is_some() {
            return;
        }
        let pos = Position::new(m.column, m.row);
        if let Some(p) = self.pager.as_mut() {
            match m.kind {
                MouseEventKind::ScrollDown => p.scroll = p.scroll.saturating_add(3),
                MouseEventKind::ScrollUp => p.scroll = p.scroll.saturating_sub(3),
                _ => {}
            }
            return;
        }
        let a = self.heights();
        let Some((pane, rect)) = [
            (Pane::Layers, a.layers),
            (Pane::Tree, a.tree),
            (Pane::Findings, a.findings),
            (Pane::Details, a.details),
        ]
        .into_iter()
        .find(|(_, r)| r.contains(pos)) else {
            return;
        };
        match m.kind {
            MouseEventKind::Down(MouseButton::Left) => {
                self.focus = pane;
                let top = match pane {
                    Pane::Tree => 1 + self.chips().is_some() as u16,
                    _ => 1,
                };
                let row = (m.row as usize).saturating_sub((rect.y + top) as usize);
                let offset = match pane {
                    Pane::Layers => self.layers_offset,
                    Pane::Tree => self.tree_offset,
                    Pane::Findings => self.findings_offset,
                    Pane::Details => return,
                };
                if m.row >= rect.y + top && m.row + 1 < rect.y + rect.height {
                    let target = offset + row;
                    if target < self.pane_len(pane) {
                        self.move_to(pane, target);
                    }
                }
            }
            MouseEventKind::ScrollDown => self.move_by(pane, 3),
            MouseEventKind::ScrollUp => self.move_by(pane, -3),
            _ => {}
        }
    }
}

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
        Event::Extracted(r) => {
            app.status = Some(match r {
                Ok(p) => format!("extracted to {}", p.display()),
                Err(e) => format!("extract failed: {e}"),
            })
        }
    }
    app.clamp_scroll();
}

/// The change kind's marker in the no-color mode and the legend.
pub fn symbol(k: Kind) -> char {
    match k {
        Kind::Added => '+',
        Kind::Modified => '~',
        Kind::Removed => '-',
        Kind::Unmodified => ' ',
    }
}
