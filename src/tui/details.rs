//! The details pane's text (the selected layer, the image's config, waste
//! and estimates), built when what it shows changes — the analysis, the
//! layer, the pane's width — and kept, with its wrapped line count, so that
//! neither an event nor a frame rebuilds it.

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::theme::Theme;
use super::tree::Model;
use ballast::analysis::Analysis;
use ballast::report::bytes;

/// The text for one layer at one width.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DetailsText {
    layer: usize,
    width: u16,
    pub(super) lines: Vec<Line<'static>>,
    /// Screen lines the text takes, wrapped at `width`.
    pub(super) rows: usize,
}

impl DetailsText {
    pub(super) fn build(m: &Model, layer: usize, width: u16, t: &Theme) -> DetailsText {
        let lines = details_lines(&m.analysis, layer, t);
        let rows = Paragraph::new(lines.clone())
            .wrap(Wrap { trim: false })
            .line_count(width);
        DetailsText {
            layer,
            width,
            lines,
            rows,
        }
    }

    /// Whether this is the text for `layer` wrapped at `width`.
    pub(super) fn is_for(&self, layer: usize, width: u16) -> bool {
        self.layer == layer && self.width == width
    }

    /// How far the pane scrolls: the wrapped lines less one screenful.
    pub(super) fn max_scroll(&self, height: usize) -> usize {
        self.rows.saturating_sub(height)
    }
}

fn head(t: &Theme, s: &'static str) -> Line<'static> {
    Line::styled(s, t.fg(Color::Cyan).add_modifier(Modifier::BOLD))
}

fn details_lines(a: &Analysis, layer: usize, t: &Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    layer_lines(a, layer, t, &mut out);
    image_lines(a, t, &mut out);
    waste_lines(a, t, &mut out);
    estimate_lines(a, t, &mut out);
    out
}

fn layer_lines(a: &Analysis, layer: usize, t: &Theme, out: &mut Vec<Line<'static>>) {
    let Some(l) = a.image.layers.get(layer) else {
        return;
    };
    out.push(head(t, "Layer"));
    out.push(Line::raw(format!(
        "  #{}  {}  ({} files)",
        l.index,
        bytes(l.size_bytes),
        l.files
    )));
    out.push(Line::raw(format!("  digest  {}", l.digest)));
    let cmd = l
        .created_by
        .as_deref()
        .or(l.command.as_deref())
        .unwrap_or("(no history)");
    out.push(Line::raw(format!("  command {cmd}")));
}

fn image_lines(a: &Analysis, t: &Theme, out: &mut Vec<Line<'static>>) {
    let c = &a.image.config;
    out.push(head(t, "Image"));
    out.push(Line::raw(format!("  id          {}", a.image.id)));
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

fn estimate_lines(a: &Analysis, t: &Theme, out: &mut Vec<Line<'static>>) {
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
            out.push(Line::styled(
                format!("    {mark}: {}", w.message),
                t.fg(Color::Yellow),
            ));
        }
    }
}
