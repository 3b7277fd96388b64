//! The details pane: the text kept in the app's state (details.rs), scrolled.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::{Paragraph, Wrap};

use super::placeholder::placeholder;
use crate::tui::app::{App, Pane};
use crate::tui::theme::Theme;

pub(super) fn draw_details(f: &mut Frame, app: &App, t: &Theme, r: Rect) {
    let block = t.block(" [4] Details ", app.focus == Pane::Details);
    if placeholder(f, app, t, block.clone(), r) {
        return;
    }
    let Some(text) = &app.details else { return };
    let scroll = app.details_scroll.min(u16::MAX as usize) as u16;
    f.render_widget(
        Paragraph::new(text.lines.clone())
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0))
            .block(block),
        r,
    );
}
