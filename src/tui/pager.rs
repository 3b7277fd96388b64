//! The pager pane and the extract prompt's state: which file, as which layer
//! left it, and its content once the background read returns. Split from
//! `app.rs` to keep each file about one thing; the methods are `App`'s.

use crossterm::event::{KeyCode, KeyEvent};

use super::app::{App, Input, Prompt, Request};
use crate::layer::EntryKind;

/// Bytes of a file the pager reads at most.
pub const PAGER_LIMIT: u64 = 1 << 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PagerBody {
    Loading,
    Text { lines: Vec<String>, truncated: bool },
    Binary(u64),
    Error(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pager {
    pub id: u64,
    pub title: String,
    pub layer: usize,
    pub path: Vec<u8>,
    pub mode: u32,
    pub body: PagerBody,
    pub scroll: usize,
}

impl App {
    /// The selected tree row, if it is a file whose content can be read.
    pub(super) fn selected_file(&mut self) -> Option<(usize, Vec<u8>, u32)> {
        let m = self.model()?;
        let id = self.view.selected_node()?;
        let layer = self.source_layer(id)?;
        let meta = m.node(id).state_at(layer)?;
        if !matches!(meta.kind, EntryKind::File | EntryKind::HardLink) {
            self.status = Some("only regular files have content to show or extract".into());
            return None;
        }
        let mode = meta.mode;
        Some((layer, m.tree().path(id), mode))
    }

    pub(super) fn open_pager(&mut self) {
        let Some((layer, path, mode)) = self.selected_file() else {
            return;
        };
        self.next_id += 1;
        let id = self.next_id;
        self.pager = Some(Pager {
            id,
            title: format!("{} (layer {layer})", crate::layer::path::display(&path)),
            layer,
            path: path.clone(),
            mode,
            body: PagerBody::Loading,
            scroll: 0,
        });
        self.requests.push(Request::Read {
            id,
            layer,
            path,
            limit: PAGER_LIMIT,
        });
    }

    pub(super) fn start_extract(&mut self) {
        let target = match &self.pager {
            Some(p) => Some((p.layer, p.path.clone(), p.mode)),
            None => self.selected_file(),
        };
        if target.is_some() {
            self.input = Some(Input {
                prompt: Prompt::Extract,
                text: self.extract_dir.clone(),
            });
        }
    }

    pub(super) fn key_pager(&mut self, k: KeyEvent) {
        let page = (self.size.1 as usize).saturating_sub(6).max(1);
        let Some(p) = self.pager.as_mut() else { return };
        let len = match &p.body {
            PagerBody::Text { lines, .. } => lines.len(),
            _ => 0,
        };
        let max = len.saturating_sub(1);
        match k.code {
            KeyCode::Char('q') | KeyCode::Esc => self.pager = None,
            KeyCode::Down | KeyCode::Char('j') => p.scroll = (p.scroll + 1).min(max),
            KeyCode::Up | KeyCode::Char('k') => p.scroll = p.scroll.saturating_sub(1),
            KeyCode::PageDown | KeyCode::Char(' ') => p.scroll = (p.scroll + page).min(max),
            KeyCode::PageUp => p.scroll = p.scroll.saturating_sub(page),
            KeyCode::Home | KeyCode::Char('g') => p.scroll = 0,
            KeyCode::End | KeyCode::Char('G') => p.scroll = max,
            KeyCode::Char('x') => self.start_extract(),
            KeyCode::Char('?') => self.help = true,
            _ => {}
        }
    }

    pub(super) fn content(&mut self, id: u64, result: Result<Vec<u8>, String>) {
        let Some(p) = self.pager.as_mut().filter(|p| p.id == id) else {
            return;
        };
        p.body = match result {
            Err(e) => PagerBody::Error(e),
            Ok(bytes) if bytes.iter().take(8192).any(|&b| b == 0) => {
                PagerBody::Binary(bytes.len() as u64)
            }
            Ok(bytes) => {
                let truncated = bytes.len() as u64 >= PAGER_LIMIT;
                let text = String::from_utf8_lossy(&bytes);
                PagerBody::Text {
                    lines: text
                        .lines()
                        .map(|l| l.replace('\t', "    ").replace(char::is_control, "�"))
                        .collect(),
                    truncated,
                }
            }
        };
    }
}
