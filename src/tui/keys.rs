//! What each key does. The modes come first (prompt, help overlay, pager),
//! then keys that work anywhere, then the view options, then the focused
//! pane's own keys (the help overlay lists them all: render/help.rs).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::{App, Input, Pane, Prompt};
use super::layout::PANES;
use super::tree::{Mode, Sort};

impl App {
    pub(super) fn key(&mut self, k: KeyEvent) {
        if k.modifiers.contains(KeyModifiers::CONTROL) && k.code == KeyCode::Char('c') {
            self.quit = true;
            self.interrupted = true;
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
        if self.key_global(k.code) || self.data.is_none() {
            return;
        }
        let _ = self.key_move(k.code)
            || self.key_options(k.code)
            || self.key_search(k.code)
            || self.key_pane(k.code);
    }

    /// Keys that work before the analysis is loaded too.
    fn key_global(&mut self, code: KeyCode) -> bool {
        match code {
            KeyCode::Char('q') => self.quit = true,
            KeyCode::Char('?') => self.help = true,
            KeyCode::Tab => self.focus_step(true),
            KeyCode::BackTab => self.focus_step(false),
            KeyCode::Char(c @ '1'..='4') => self.focus = PANES[(c as u8 - b'1') as usize],
            _ => return false,
        }
        true
    }

    /// Moving in the focused pane, and through the layers.
    fn key_move(&mut self, code: KeyCode) -> bool {
        let focus = self.focus;
        match code {
            KeyCode::Down | KeyCode::Char('j') => self.move_by(focus, 1),
            KeyCode::Up | KeyCode::Char('k') => self.move_by(focus, -1),
            KeyCode::PageDown => self.move_by(focus, self.page(focus) as isize),
            KeyCode::PageUp => self.move_by(focus, -(self.page(focus) as isize)),
            KeyCode::Home | KeyCode::Char('g') => self.move_to(focus, 0),
            KeyCode::End | KeyCode::Char('G') => self.move_to(focus, usize::MAX),
            KeyCode::Char(']') => self.select_layer(self.layer() + 1),
            KeyCode::Char('[') => self.select_layer(self.layer().saturating_sub(1)),
            _ => return false,
        }
        true
    }

    /// The tree's options: mode, sort, hidden kinds, wasted only, expansion.
    fn key_options(&mut self, code: KeyCode) -> bool {
        match code {
            KeyCode::Char('a') => self.set_params(|p| {
                p.mode = match p.mode {
                    Mode::Aggregated => Mode::Layer,
                    _ => Mode::Aggregated,
                }
            }),
            KeyCode::Char('d') => self.set_params(|p| {
                p.mode = match p.mode {
                    Mode::Hidden => Mode::Aggregated,
                    _ => Mode::Hidden,
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
            KeyCode::Char('e') => self.expand_all(true),
            KeyCode::Char('c') => self.expand_all(false),
            _ => return false,
        }
        true
    }

    /// The filter and search prompts, and stepping through matches.
    fn key_search(&mut self, code: KeyCode) -> bool {
        match code {
            KeyCode::Char('f') => {
                let before = self.view.params.filter.clone();
                self.input = Some(Input {
                    prompt: Prompt::Filter,
                    text: before.clone().unwrap_or_default(),
                    before,
                    error: None,
                })
            }
            KeyCode::Char('/') => {
                self.input = Some(Input {
                    prompt: Prompt::Search,
                    text: String::new(),
                    before: self.view.search.clone(),
                    error: None,
                })
            }
            KeyCode::Char('n') => self.next_match(true),
            KeyCode::Char('N') => self.next_match(false),
            _ => return false,
        }
        true
    }

    /// `n` / `N`: the next or previous match of the search (or the filter).
    fn next_match(&mut self, forward: bool) {
        self.status = match self.view.next_match(forward) {
            _ if self.view.counter().is_none() => Some("no search or filter: press / or f".into()),
            None => Some("no match shown".into()),
            Some(true) if forward => Some("passed the last match: back at the first".into()),
            Some(true) => Some("passed the first match: back at the last".into()),
            Some(false) => None,
        };
        self.focus = Pane::Tree;
    }

    /// Keys that mean something in the focused pane only.
    fn key_pane(&mut self, code: KeyCode) -> bool {
        match self.focus {
            Pane::Tree => self.key_tree(code),
            Pane::Findings if code == KeyCode::Enter => self.jump_to_finding(),
            Pane::Layers if code == KeyCode::Enter => self.focus = Pane::Tree,
            _ => return false,
        }
        true
    }

    fn key_tree(&mut self, code: KeyCode) {
        match code {
            KeyCode::Char('x') => self.start_extract(),
            KeyCode::Char('v') => self.open_pager(),
            KeyCode::Right | KeyCode::Char('l') => self.with_model(|v, m| v.expand(m)),
            KeyCode::Left | KeyCode::Char('h') => self.view.collapse(),
            KeyCode::Char(' ') => self.with_model(|v, m| v.toggle(m)),
            KeyCode::Enter => {
                let on_dir = self
                    .view
                    .rows
                    .get(self.view.selected)
                    .is_some_and(|r| r.dir);
                if on_dir {
                    self.with_model(|v, m| v.toggle(m));
                } else {
                    self.open_pager();
                }
            }
            _ => {}
        }
    }
}
