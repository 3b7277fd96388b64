//! What opens over the panes: the pager and the help overlay.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use crate::tui::app::{App, PagerBody};
use crate::tui::theme::Theme;
use crate::tui::tree::Kind;
use ballast::report::bytes;

/// Every key, for the help overlay (and the table in docs/reference.md).
pub const KEYS: &[(&str, &str)] = &[
    ("Tab / Shift-Tab", "next / previous pane"),
    ("1 2 3 4", "focus layers, tree, findings, details"),
    ("↑ ↓ / k j", "move (scroll in details)"),
    ("PgUp / PgDn", "a page up / down"),
    ("Home / End, g / G", "first / last"),
    ("[ / ]", "previous / next layer"),
    (
        "a",
        "tree: aggregated up to the layer / only the layer's changes",
    ),
    (
        "d",
        "tree: hidden bytes (deleted and overwritten, still shipped)",
    ),
    ("→ / l", "expand directory"),
    ("← / h", "collapse directory (or go to the parent)"),
    ("Space", "toggle directory"),
    (
        "Enter",
        "tree: toggle directory or view file; findings: show in tree",
    ),
    ("e / c", "expand all / collapse all"),
    ("s", "sort by size / by name"),
    ("A M R U", "hide added / modified / removed / unmodified"),
    ("w", "show only wasted (findings' paths and hidden bytes)"),
    ("f", "filter by full path as you type (g: glob, re: regex)"),
    ("/", "search full paths as you type; n / N next / previous"),
    (
        "Ctrl-U / Ctrl-W",
        "prompt: clear / delete a word; Esc undoes",
    ),
    ("v", "view the file's content"),
    ("x", "extract the file to a directory"),
    ("mouse", "click selects, wheel scrolls"),
    ("?", "this help (any key closes)"),
    ("q / Ctrl-C", "quit (q / Esc close the pager)"),
];

fn centered(area: Rect, pct_x: u16, pct_y: u16) -> Rect {
    let w = area.width * pct_x / 100;
    let h = area.height * pct_y / 100;
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

pub(super) fn draw_pager(f: &mut Frame, app: &App, t: &Theme) {
    let Some(p) = &app.pager else { return };
    let r = centered(f.area(), 90, 85);
    f.render_widget(Clear, r);
    let block = t.block(format!(" {} ", p.title), true);
    let height = r.height.saturating_sub(2) as usize;
    let body: Vec<Line> = match &p.body {
        PagerBody::Loading => vec![Line::raw("loading…")],
        PagerBody::Error(e) => vec![Line::styled(format!("cannot read: {e}"), t.fg(Color::Red))],
        PagerBody::Binary(n) => vec![Line::raw(format!(
            "binary file ({}); x extracts it",
            bytes(*n)
        ))],
        PagerBody::Text { lines, truncated } => {
            let mut v: Vec<Line> = lines
                .iter()
                .skip(p.scroll)
                .take(height)
                .map(|l| Line::raw(l.as_str()))
                .collect();
            if *truncated && p.scroll + height >= lines.len() {
                v.push(Line::styled(
                    "(cut at 1 MiB; x extracts the whole file)",
                    t.fg(Color::Yellow),
                ));
            }
            v
        }
    };
    f.render_widget(Paragraph::new(body).block(block), r);
}

pub(super) fn draw_help(f: &mut Frame, t: &Theme) {
    let r = centered(f.area(), 70, 80);
    f.render_widget(Clear, r);
    let mut lines: Vec<Line> = KEYS
        .iter()
        .map(|(k, what)| {
            Line::from(vec![
                Span::styled(
                    format!("  {k:<20}"),
                    t.fg(Color::Cyan).add_modifier(Modifier::BOLD),
                ),
                Span::raw(*what),
            ])
        })
        .collect();
    lines.push(Line::raw(""));
    lines.push(Line::from(vec![
        Span::raw("  tree colors: "),
        Span::styled("+ added", t.kind(Kind::Added)),
        Span::raw("  "),
        Span::styled("~ modified", t.kind(Kind::Modified)),
        Span::raw("  "),
        Span::styled("- removed", t.kind(Kind::Removed)),
    ]));
    f.render_widget(
        Paragraph::new(lines).block(t.block(" Keys (any key closes) ", true)),
        r,
    );
}
