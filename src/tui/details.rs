//! The details pane's text (the selected layer, the image's config, waste
//! and estimates; or, from the findings pane, the selected finding whole:
//! finding_view.rs), built when what it shows changes — the analysis, the
//! layer or finding, the pane's width — and kept, with its wrapped line
//! count, so that neither an event nor a frame rebuilds it. Long lines are
//! wrapped here, each continuation indented under its label.

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::app::FindingRow;
use super::finding_view::finding_lines;
use super::theme::Theme;
use super::tree::Model;
use ballast::analysis::{Analysis, LayerInfo};
use ballast::report::bytes;
use ballast::report::escape::terminal::escape;

/// What the details pane shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Subject {
    Layer(usize),
    /// The finding on this row of the findings pane (a rule's row: the rule).
    Finding(usize),
}

/// The text for one subject at one width.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DetailsText {
    pub(super) subject: Subject,
    width: u16,
    pub(super) lines: Vec<Line<'static>>,
    /// Screen lines the text takes, wrapped at `width`.
    pub(super) rows: usize,
}

impl DetailsText {
    pub(super) fn build(
        m: &Model,
        rows: &[FindingRow],
        subject: Subject,
        width: u16,
        t: &Theme,
    ) -> DetailsText {
        let lines = match subject {
            Subject::Layer(layer) => details_lines(m, layer, width, t),
            Subject::Finding(row) => finding_lines(m, rows, row, width, t),
        };
        let rows = Paragraph::new(lines.clone())
            .wrap(Wrap { trim: false })
            .line_count(width);
        DetailsText {
            subject,
            width,
            lines,
            rows,
        }
    }

    /// Whether this is the text for `subject` wrapped at `width`.
    pub(super) fn is_for(&self, subject: Subject, width: u16) -> bool {
        self.subject == subject && self.width == width
    }

    /// How far the pane scrolls: the wrapped lines less one screenful.
    pub(super) fn max_scroll(&self, height: usize) -> usize {
        self.rows.saturating_sub(height)
    }
}

pub(super) fn head(t: &Theme, s: &str) -> Line<'static> {
    Line::styled(
        s.to_string(),
        t.fg(Color::Cyan).add_modifier(Modifier::BOLD),
    )
}

/// `label` then `text`, wrapped at `width` with every continuation
/// indented to where the text began (words kept whole where they fit).
pub(super) fn wrapped(label: &str, text: &str, width: u16, style: Style) -> Vec<Line<'static>> {
    let indent = label.chars().count();
    let room = (width as usize).saturating_sub(indent).max(8);
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut len = 0;
    for word in text.split(' ') {
        let w = word.chars().count();
        if len > 0 && len + 1 + w > room {
            lines.push(std::mem::take(&mut cur));
            len = 0;
        }
        if len > 0 {
            cur.push(' ');
            len += 1;
        }
        // A word longer than a line is cut where the line ends.
        let mut chars = word.chars();
        let mut left = w;
        while len + left > room {
            let take = room - len;
            cur.extend(chars.by_ref().take(take));
            lines.push(std::mem::take(&mut cur));
            left -= take;
            len = 0;
        }
        cur.extend(chars);
        len += left;
    }
    lines.push(cur);
    lines
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            let lead = if i == 0 {
                label.to_string()
            } else {
                " ".repeat(indent)
            };
            Line::from(vec![Span::raw(lead), Span::styled(l, style)])
        })
        .collect()
}

fn details_lines(m: &Model, layer: usize, width: u16, t: &Theme) -> Vec<Line<'static>> {
    let a = &m.analysis;
    let mut out = Vec::new();
    layer_lines(m, layer, width, t, &mut out);
    image_lines(a, width, t, &mut out);
    waste_lines(a, t, &mut out);
    estimate_lines(a, width, t, &mut out);
    out
}

fn layer_lines(m: &Model, layer: usize, width: u16, t: &Theme, out: &mut Vec<Line<'static>>) {
    let Some(l) = m.analysis.image.layers.get(layer) else {
        return;
    };
    out.push(head(t, "Layer"));
    let files = m.layer_files(layer);
    let plural = if files == 1 { "" } else { "s" };
    let size = format!(
        "{}  ({files} file{plural} added or changed)",
        bytes(l.size_bytes)
    );
    out.extend(wrapped(
        &format!("  #{}  ", l.index),
        &size,
        width,
        Style::default(),
    ));
    out.extend(wrapped("  digest  ", &l.digest, width, Style::default()));
    out.extend(wrapped("  command ", &command(l), width, Style::default()));
}

/// A layer's command as a person reads it (`#(nop)` and the shell prefix
/// gone), escaped for the terminal.
pub(super) fn command(l: &LayerInfo) -> String {
    let cmd = (l.command.as_deref())
        .or(l.created_by.as_deref())
        .unwrap_or("(no history)");
    escape(cmd).into_owned()
}

fn image_lines(a: &Analysis, width: u16, t: &Theme, out: &mut Vec<Line<'static>>) {
    let c = &a.image.config;
    out.push(head(t, "Image"));
    out.extend(wrapped(
        "  id          ",
        &a.image.id,
        width,
        Style::default(),
    ));
    let user = c.user.as_deref().unwrap_or("(root: no USER)");
    out.push(Line::raw(format!("  user        {user}")));
    let hc = c
        .healthcheck
        .as_ref()
        .and_then(|h| h.get("Test"))
        .map_or("(none)".to_string(), |h| h.to_string());
    out.push(Line::raw(format!("  healthcheck {hc}")));
    let join = |v: &Option<Vec<String>>| {
        v.as_ref()
            .map_or("(none)".to_string(), |v| format!("{v:?}"))
    };
    out.push(Line::raw(format!("  entrypoint  {}", join(&c.entrypoint))));
    out.push(Line::raw(format!("  cmd         {}", join(&c.cmd))));
    if let Some(w) = &c.working_dir {
        out.push(Line::raw(format!("  workdir     {w}")));
    }
    for (i, e) in c.env.iter().enumerate() {
        let label = if i == 0 { "env" } else { "" };
        out.push(Line::raw(format!("  {label:<11} {e}")));
    }
}

fn waste_lines(a: &Analysis, t: &Theme, out: &mut Vec<Line<'static>>) {
    let x = &a.metrics;
    out.push(head(t, "Waste"));
    out.push(Line::raw(format!(
        "  efficiency {:.4} %   wasted {}",
        x.efficiency * 100.0,
        bytes(x.wasted_bytes),
    )));
    out.push(Line::raw(format!(
        "  reclaimable {}",
        bytes(x.reclaimable_bytes)
    )));
    out.push(Line::raw(format!(
        "  shipped {}   live {}   hidden {}",
        bytes(x.shipped_bytes),
        bytes(x.live_bytes),
        bytes(x.hidden_bytes)
    )));
}

fn estimate_lines(a: &Analysis, width: u16, t: &Theme, out: &mut Vec<Line<'static>>) {
    out.push(head(t, "Estimates"));
    if a.estimates.is_empty() {
        out.push(Line::raw("  (none)"));
    }
    for e in &a.estimates {
        let name = e
            .candidate
            .as_ref()
            .map_or(String::new(), |c| format!(" → {}", c.name()));
        out.push(Line::from(vec![
            Span::styled(
                format!("  {}{name}", e.strategy),
                Style::default().add_modifier(Modifier::BOLD),
            ),
            Span::raw(format!(
                "  {} → {}  saves {}  ",
                bytes(e.size_before),
                bytes(e.size_after),
                bytes(e.bytes_saved)
            )),
            if e.feasible {
                Span::styled("feasible", t.fg(Color::Green))
            } else {
                Span::styled("not feasible", t.fg(Color::Red))
            },
        ]));
        for w in &e.warnings {
            let mark = if w.blocking { "blocking" } else { "warning" };
            let label = format!("    {mark}: ");
            out.extend(wrapped(&label, &w.message, width, t.fg(Color::Yellow)));
        }
    }
}
