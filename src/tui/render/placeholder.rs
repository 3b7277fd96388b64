//! What a pane shows before the analysis is there: "loading…", or the error.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Color;
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Wrap};

use crate::tui::app::App;
use crate::tui::theme::Theme;

/// The body of a pane before the analysis is there: true if drawn.
pub(super) fn placeholder(f: &mut Frame, app: &App, t: &Theme, block: Block, r: Rect) -> bool {
    let text = match (&app.error, app.model()) {
        (Some(e), _) => Line::styled(format!("error: {e}"), t.fg(Color::Red)),
        (None, None) => Line::raw("loading…"),
        (None, Some(_)) => return false,
    };
    f.render_widget(
        Paragraph::new(text).wrap(Wrap { trim: false }).block(block),
        r,
    );
    true
}
