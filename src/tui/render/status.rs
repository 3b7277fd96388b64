//! The title line (image, metrics or reading progress) and the status line
//! (the prompt, a message, or the focused pane's keys).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

use crate::tui::app::{App, Pane, Prompt};
use crate::tui::theme::{SELECTED, Theme};
use ballast::report::bytes;
use ballast::report::escape::terminal::escape;

/// The title: while reading, the progress first (so a long image path
/// never pushes it off the screen), then the image.
pub(super) fn draw_title(f: &mut Frame, app: &App, t: &Theme, r: Rect) {
    let bold = Style::default().add_modifier(Modifier::BOLD);
    if app.model().is_none() && app.error.is_none() {
        let spans = vec![
            Span::styled(" ballast  ", bold),
            Span::styled(progress_line(app), t.fg(Color::Cyan)),
            Span::raw(format!("  {}", escape(&app.reference))),
        ];
        f.render_widget(Line::from(spans), r);
        return;
    }
    let mut spans = vec![Span::styled(
        format!(" ballast  {}  ", escape(&app.reference)),
        bold,
    )];
    match (app.model(), &app.error) {
        (_, Some(_)) => spans.push(Span::styled("analysis failed", t.fg(Color::Red))),
        (Some(m), None) => {
            let x = &m.analysis.metrics;
            spans.push(Span::raw(format!(
                "shipped {}  live {}  hidden {}  reclaimable {}  efficiency {:.4} %",
                bytes(x.shipped_bytes),
                bytes(x.live_bytes),
                bytes(x.hidden_bytes),
                bytes(x.reclaimable_bytes),
                x.efficiency * 100.0
            )));
        }
        (None, None) => spans.push(Span::styled(progress_line(app), t.fg(Color::Cyan))),
    }
    f.render_widget(Line::from(spans), r);
}

fn progress_line(app: &App) -> String {
    let l = &app.loading;
    match l.total {
        Some(total) if total > 0 => format!(
            "{}… {} / {} ({}%)",
            l.message,
            bytes(l.done),
            bytes(total),
            l.done.saturating_mul(100) / total
        ),
        _ if l.done > 0 => format!("{}… {}", l.message, bytes(l.done)),
        _ => format!("{}…", l.message),
    }
}

pub(super) fn draw_status(f: &mut Frame, app: &App, t: &Theme, r: Rect) {
    if let Some(input) = &app.input {
        let label = match input.prompt {
            Prompt::Filter => "filter (g: glob, re: regex; Enter keep, Esc undo): ",
            Prompt::Search => "search: /",
            Prompt::Extract => "extract to directory (Enter, Ctrl-U clear, Esc cancel): ",
        };
        let mut spans = vec![
            Span::styled(label, t.fg(Color::Cyan).add_modifier(Modifier::BOLD)),
            Span::raw(input.text.clone()),
            Span::styled(" ", SELECTED),
        ];
        match (&input.error, app.view.counter()) {
            (Some(e), _) => spans.push(Span::styled(format!("  {e}"), t.fg(Color::Red))),
            (None, Some((at, n))) if input.prompt != Prompt::Extract => {
                spans.push(Span::styled(format!("  {at}/{n}"), t.fg(Color::Magenta)))
            }
            _ => {}
        }
        let line = Line::from(spans);
        f.render_widget(line, r);
        return;
    }
    let keys = if app.pager.is_some() {
        "↑↓ scroll  PgUp/PgDn page  g/G top/end  x extract  q/Esc close"
    } else {
        match app.focus {
            Pane::Layers => "↑↓ layer  a aggregated/layer  Enter tree  Tab pane",
            Pane::Tree => {
                "←→ fold  e/c all  s sort  a/d mode  [ ] layer  AMRU hide  f filter  / search  w wasted  v view  x extract"
            }
            Pane::Findings => "↑↓ move  Enter show in tree  Tab details (scroll)",
            Pane::Details => "↑↓ scroll  PgUp/PgDn page  Tab pane",
        }
    };
    let line = match &app.status {
        Some(s) => Line::from(vec![Span::styled(
            format!(" {s}"),
            t.fg(Color::Yellow).add_modifier(Modifier::BOLD),
        )]),
        None if app.pager.is_some() => Line::raw(format!(" {keys}")),
        None => Line::from(vec![
            Span::raw(format!(" {keys}")),
            Span::styled("  ? help  q quit", t.fg(Color::DarkGray)),
        ]),
    };
    f.render_widget(line, r);
}
