//! The findings pane: a line per rule (bytes, count), then its findings.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::placeholder::placeholder;
use crate::tui::app::{App, FindingRow, Pane};
use crate::tui::theme::{SELECTED, Theme};
use ballast::report::{bytes, path_notes, path_subject};
use ballast::vocab::Severity;

pub(super) fn draw_findings(f: &mut Frame, app: &App, t: &Theme, r: Rect) {
    let block = t.block(" [3] Findings ", app.focus == Pane::Findings);
    if placeholder(f, app, t, block.clone(), r) {
        return;
    }
    let (Some(m), Some(d)) = (app.model(), app.data.as_ref()) else {
        return;
    };
    if d.findings.is_empty() {
        f.render_widget(Paragraph::new("no findings").block(block), r);
        return;
    }
    let height = r.height.saturating_sub(2) as usize;
    let lines: Vec<Line> = d
        .findings
        .iter()
        .enumerate()
        .skip(app.findings_offset)
        .take(height)
        .map(|(i, row)| {
            let line = match row {
                FindingRow::Group {
                    rule,
                    bytes: b,
                    count,
                } => Line::from(vec![
                    Span::styled(
                        format!("{rule:<20}"),
                        Style::default().add_modifier(Modifier::BOLD),
                    ),
                    Span::raw(format!(" {:>9}  ({count})", bytes(*b))),
                ]),
                FindingRow::Item(k) => {
                    let x = &m.analysis.findings[*k];
                    let sev = match x.severity {
                        Severity::High => t.fg(Color::Red),
                        Severity::Medium => t.fg(Color::Yellow),
                        _ => Style::default(),
                    };
                    let what = x
                        .paths
                        .first()
                        .map(|p| {
                            let notes = path_notes(p);
                            if notes.is_empty() {
                                path_subject(p)
                            } else {
                                format!("{} ({})", path_subject(p), notes.join("; "))
                            }
                        })
                        .or_else(|| x.packages.first().map(|p| p.name.clone()))
                        .unwrap_or_else(|| x.advice.clone());
                    let layer = x
                        .layer
                        .as_ref()
                        .map_or("   ".to_string(), |l| format!("L{:<2}", l.index));
                    Line::from(vec![
                        Span::styled(format!("  {:<6}", x.severity), sev),
                        Span::raw(format!(" {:>9} {layer} {what}", bytes(x.bytes))),
                    ])
                }
            };
            if i == app.finding {
                line.style(SELECTED)
            } else {
                line
            }
        })
        .collect();
    f.render_widget(Paragraph::new(lines).block(block), r);
}
