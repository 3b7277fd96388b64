//! Where each pane is on the screen: one function of the terminal size and
//! the lists' lengths. `update` reads it (scrolling, paging, mouse hits) and
//! drawing reads it, so the two always agree; neither asks the other.

use ratatui::layout::{Constraint, Layout as Split, Position, Rect};

/// The four panes, in `Tab` order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Layers,
    Tree,
    Findings,
    Details,
}

pub(super) const PANES: [Pane; 4] = [Pane::Layers, Pane::Tree, Pane::Findings, Pane::Details];

/// Where each part of the screen goes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Areas {
    pub title: Rect,
    pub layers: Rect,
    pub findings: Rect,
    pub details: Rect,
    pub tree: Rect,
    pub status: Rect,
}

fn areas(area: Rect, layers: usize, findings: usize) -> Areas {
    let [title, body, status] = Split::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    let [left, tree] =
        Split::horizontal([Constraint::Percentage(48), Constraint::Percentage(52)]).areas(body);
    let third = (left.height / 3).max(5);
    let layers_h = (layers as u16 + 2).clamp(5, third);
    let findings_h = (findings as u16 + 2).clamp(5, third);
    let [layers, findings, details] = Split::vertical([
        Constraint::Length(layers_h),
        Constraint::Length(findings_h),
        Constraint::Min(3),
    ])
    .areas(left);
    Areas {
        title,
        layers,
        findings,
        details,
        tree,
        status,
    }
}

/// The panes' rectangles and what follows from them: rows shown, page size,
/// where a list's first row is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Layout {
    pub areas: Areas,
    /// Whether the tree shows its filter chips on a line above its rows.
    chips: bool,
}

impl Layout {
    pub fn new(area: Rect, layers: usize, findings: usize, chips: bool) -> Layout {
        Layout {
            areas: areas(area, layers, findings),
            chips,
        }
    }

    pub fn rect(&self, pane: Pane) -> Rect {
        let a = &self.areas;
        match pane {
            Pane::Layers => a.layers,
            Pane::Tree => a.tree,
            Pane::Findings => a.findings,
            Pane::Details => a.details,
        }
    }

    /// Screen lines above a pane's first list row, inside its rectangle: the
    /// border, and the tree's chips line.
    pub fn header(&self, pane: Pane) -> u16 {
        match pane {
            Pane::Tree => 1 + self.chips as u16,
            _ => 1,
        }
    }

    /// List rows a pane shows (at least one).
    pub fn rows(&self, pane: Pane) -> usize {
        let chips = (pane == Pane::Tree && self.chips) as usize;
        (self.rect(pane).height as usize)
            .saturating_sub(2 + chips)
            .max(1)
    }

    /// How far PgUp / PgDn move in a pane.
    pub fn page(&self, pane: Pane) -> usize {
        (self.rect(pane).height as usize).saturating_sub(3).max(1)
    }

    /// The pane under a screen position.
    pub fn pane_at(&self, pos: Position) -> Option<Pane> {
        [Pane::Layers, Pane::Tree, Pane::Findings, Pane::Details]
            .into_iter()
            .find(|&p| self.rect(p).contains(pos))
    }

    /// The details pane's text width (inside its borders, at least one
    /// column) and height.
    pub fn details_text(&self) -> (u16, usize) {
        let r = self.areas.details;
        (
            r.width.saturating_sub(2).max(1),
            (r.height as usize).saturating_sub(2),
        )
    }
}
