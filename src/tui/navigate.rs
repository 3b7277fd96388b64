//! Moving through the panes: the selection in each list, paging, focus, and
//! keeping each pane's selection on screen. Sizes come from layout.rs, the
//! details pane's length from its kept text (no text is built here).

use super::app::{App, Pane};
use super::layout::PANES;

/// Scroll `offset` so that `selected` is among the `height` rows shown,
/// and no further than the last screenful of `len` rows (after the list
/// shrank or the screen grew, no blank space below the last row).
fn follow(offset: &mut usize, selected: usize, height: usize, len: usize) {
    if selected < *offset {
        *offset = selected;
    } else if selected >= *offset + height {
        *offset = selected + 1 - height;
    }
    *offset = (*offset).min(len.saturating_sub(height));
}

impl App {
    /// Keep each pane's selection on screen.
    pub(super) fn clamp_scroll(&mut self) {
        let layout = self.layout();
        let rows = |p| layout.rows(p);
        let tree = self.view.rows.len();
        follow(
            &mut self.tree_offset,
            self.view.selected,
            rows(Pane::Tree),
            tree,
        );
        let (layer, layers) = (self.layer(), self.layer_count());
        follow(&mut self.layers_offset, layer, rows(Pane::Layers), layers);
        let findings = self.finding_rows();
        follow(
            &mut self.findings_offset,
            self.finding,
            rows(Pane::Findings),
            findings,
        );
        self.details_scroll = self.details_scroll.min(self.details_max_scroll());
        let height = self.pager_height();
        if let Some(p) = self.pager.as_mut() {
            p.clamp(height);
        }
    }

    /// Text lines the pager shows (inside its frame), as render/overlay.rs
    /// places it.
    pub(super) fn pager_height(&self) -> usize {
        ((self.size.1 as usize) * 85 / 100).saturating_sub(2).max(1)
    }

    pub(super) fn page(&self, pane: Pane) -> usize {
        self.layout().page(pane)
    }

    pub(super) fn pane_len(&self, pane: Pane) -> usize {
        match pane {
            Pane::Layers => self.layer_count(),
            Pane::Tree => self.view.rows.len(),
            Pane::Findings => self.finding_rows(),
            Pane::Details => self.details_max_scroll() + 1,
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

    /// Move the pane's selection to `pos` (clamped).
    pub(super) fn move_to(&mut self, pane: Pane, pos: usize) {
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

    pub(super) fn move_by(&mut self, pane: Pane, delta: isize) {
        let pos = self.pane_pos(pane).saturating_add_signed(delta);
        self.move_to(pane, pos);
    }

    pub(super) fn focus_step(&mut self, forward: bool) {
        let i = PANES.iter().position(|p| *p == self.focus).unwrap_or(0);
        let n = PANES.len();
        self.focus = PANES[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }];
    }
}
