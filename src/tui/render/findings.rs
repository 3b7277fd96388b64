//! The findings pane: a line per rule (bytes, count), then its findings.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::placeholder::placeholder;
use crate::tui::app::{App, FindingRow, Pane};
use crate::tui::finding_view::{row_subject, severity_style};
use crate::tui::findings::first_place;
use crate::tui::theme::{SELECTED, Theme};
use crate::tui::tree::Model;
use ballast::analysis::findings::Finding;
use ballast::report::bytes;

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
    // A "total" column only where some finding sums several paths.
    let totals = (m.analysis.findings.iter()).any(|x| x.paths.len() + x.paths_omitted > 1);
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
                } => {
                    let s = if *count == 1 { "" } else { "s" };
                    Line::from(vec![
                        Span::styled(
                            format!("{rule:<20}"),
                            Style::default().add_modifier(Modifier::BOLD),
                        ),
                        Span::raw(format!(" {:>9} total in {count} finding{s}", bytes(*b))),
                    ])
                }
                FindingRow::Item(k) => item_line(m, &m.analysis.findings[*k], t, totals),
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

/// `medium  31.46 MB        L8  /app/data/model.bin`; with several
/// paths, the bytes are labelled as their total and the row reads
/// `<first path> and N more`. The layer is the first path's (where Enter goes).
fn item_line(m: &Model, x: &Finding, t: &Theme, totals: bool) -> Line<'static> {
    let layer = first_place(m, x)
        .map(|(_, p)| p.layer)
        .or(x.layer.as_ref().map(|l| l.index))
        .map_or("    ".to_string(), |l| format!("L{l:<3}"));
    let total = match (totals, x.paths.len() + x.paths_omitted > 1) {
        (false, _) => "",
        (true, true) => " total",
        (true, false) => "      ",
    };
    Line::from(vec![
        Span::styled(
            format!("  {:<6}", x.severity),
            severity_style(t, x.severity),
        ),
        Span::raw(format!(
            " {:>9}{total} {layer} {}",
            bytes(x.bytes),
            row_subject(m, x)
        )),
    ])
}
