//! The layers pane: one line per layer, a size bar, its changes, its command.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Color;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::placeholder::placeholder;
use crate::tui::app::{App, Pane};
use crate::tui::theme::{SELECTED, Theme};
use crate::tui::tree::Kind;
use ballast::report::bytes;

pub(super) fn draw_layers(f: &mut Frame, app: &App, t: &Theme, r: Rect) {
    let block = t.block(" [1] Layers ", app.focus == Pane::Layers);
    if placeholder(f, app, t, block.clone(), r) {
        return;
    }
    let Some(m) = app.model() else { return };
    let layers = &m.analysis.image.layers;
    let max = layers
        .iter()
        .map(|l| l.size_bytes)
        .max()
        .unwrap_or(0)
        .max(1);
    let height = r.height.saturating_sub(2) as usize;
    let lines: Vec<Line> = layers
        .iter()
        .skip(app.layers_offset)
        .take(height)
        .map(|l| {
            let filled = ((l.size_bytes as u128 * 8).div_ceil(max as u128)) as usize;
            let bar = format!("{}{}", "█".repeat(filled), "·".repeat(8 - filled.min(8)));
            let c = l.changes;
            let line = Line::from(vec![
                Span::raw(format!("{:>3} ", l.index)),
                Span::styled(bar, t.fg(Color::Blue)),
                Span::raw(format!(" {:>9} ", bytes(l.size_bytes))),
                Span::styled(format!("+{}", c.added), t.kind(Kind::Added)),
                Span::raw(" "),
                Span::styled(format!("~{}", c.modified), t.kind(Kind::Modified)),
                Span::raw(" "),
                Span::styled(format!("-{}", c.removed), t.kind(Kind::Removed)),
                Span::raw(format!(
                    "  {}",
                    l.command.as_deref().unwrap_or("(no history)")
                )),
            ]);
            if l.index == app.layer() {
                line.style(SELECTED)
            } else {
                line
            }
        })
        .collect();
    f.render_widget(Paragraph::new(lines).block(block), r);
}
