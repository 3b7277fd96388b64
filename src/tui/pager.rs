//! The pager's state: which file, as which layer left it, its content once
//! the background read returns, and how far it is scrolled. Knows nothing of
//! the rest of the app (content.rs opens it and routes keys to it).

use crossterm::event::KeyCode;

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
    /// The file's size in the image (the read stops at [`PAGER_LIMIT`]).
    pub size: u64,
}

impl Pager {
    /// The furthest scroll that still fills `height` lines: the last line
    /// at the bottom (the cut-off note under it when the read was cut).
    fn max_scroll(&self, height: usize) -> usize {
        match &self.body {
            PagerBody::Text { lines, truncated } => {
                (lines.len() + *truncated as usize).saturating_sub(height)
            }
            _ => 0,
        }
    }

    /// Keep the scroll within the text on a screen of `height` lines.
    pub(super) fn clamp(&mut self, height: usize) {
        self.scroll = self.scroll.min(self.max_scroll(height));
    }

    /// Scroll for a movement key on a screen of `height` lines (a page is
    /// one less); false if `code` moves nothing.
    pub(super) fn scroll_key(&mut self, code: KeyCode, height: usize) -> bool {
        let max = self.max_scroll(height);
        let page = height.saturating_sub(1).max(1);
        self.scroll = match code {
            KeyCode::Down | KeyCode::Char('j') => (self.scroll + 1).min(max),
            KeyCode::Up | KeyCode::Char('k') => self.scroll.saturating_sub(1),
            KeyCode::PageDown | KeyCode::Char(' ') => (self.scroll + page).min(max),
            KeyCode::PageUp => self.scroll.saturating_sub(page),
            KeyCode::Home | KeyCode::Char('g') => 0,
            KeyCode::End | KeyCode::Char('G') => max,
            _ => return false,
        };
        true
    }

    /// The read's result: text (tabs expanded, control characters
    /// replaced), or binary, or why it could not be read.
    pub(super) fn set_content(&mut self, result: Result<Vec<u8>, String>) {
        self.body = match result {
            Err(e) => PagerBody::Error(e),
            Ok(bytes) if bytes.iter().take(8192).any(|&b| b == 0) => {
                PagerBody::Binary(self.size.max(bytes.len() as u64))
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
