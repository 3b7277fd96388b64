//! What a click or the wheel does: the pane under the pointer is found in
//! the same layout the frame was drawn from.

use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Position;

use super::app::{App, Pane};

impl App {
    pub(super) fn mouse(&mut self, m: MouseEvent) {
        if self.help || self.input.is_some() {
            return;
        }
        if let Some(p) = self.pager.as_mut() {
            match m.kind {
                MouseEventKind::ScrollDown => p.scroll = p.scroll.saturating_add(3),
                MouseEventKind::ScrollUp => p.scroll = p.scroll.saturating_sub(3),
                _ => {}
            }
            return;
        }
        let Some(pane) = self.layout().pane_at(Position::new(m.column, m.row)) else {
            return;
        };
        match m.kind {
            MouseEventKind::Down(MouseButton::Left) => self.click(pane, m.row),
            MouseEventKind::ScrollDown => self.move_by(pane, 3),
            MouseEventKind::ScrollUp => self.move_by(pane, -3),
            _ => {}
        }
    }

    /// A left click on screen row `y` of `pane`: focus it, select the row.
    fn click(&mut self, pane: Pane, y: u16) {
        self.focus = pane;
        let layout = self.layout();
        let rect = layout.rect(pane);
        let top = layout.header(pane);
        let row = (y as usize).saturating_sub((rect.y + top) as usize);
        let offset = match pane {
            Pane::Layers => self.layers_offset,
            Pane::Tree => self.tree_offset,
            Pane::Findings => self.findings_offset,
            Pane::Details => return,
        };
        if y >= rect.y + top && y + 1 < rect.y + rect.height {
            let target = offset + row;
            if target < self.pane_len(pane) {
                self.move_to(pane, target);
            }
        }
    }
}
