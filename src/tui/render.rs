//! Drawing, and nothing else: every function reads [`App`] and writes cells.
//!
//! Lists draw only the rows that fit (the tree's rows are already computed,
//! so a frame costs what is on screen). The layout is a pure function of the
//! terminal size, shared with the mouse handler in `app.rs`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::app::{App, FindingRow, PagerBody, Pane, Prompt, symbol};
use super::tree::{Kind, Mode, Model, Row, Sort};
use crate::layer::EntryKind;
use crate::layer::path::display;
use crate::report::bytes;
use crate::tree::Meta;
use crate::vocab::Severity;

/// Every key, for the help overlay (and the README's table).
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
    ("w", "show only wasted (what findings point at)"),
    ("f", "filter by path (empty: clear)"),
    ("/", "search names; n / N next / previous match"),
    ("v", "view the file's content"),
    ("x", "extract the file to a directory"),
    ("mouse", "click selects, wheel scrolls"),
    ("?", "this help (any key closes)"),
    ("q / Ctrl-C", "quit (q / Esc close the pager)"),
];

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

pub fn areas(area: Rect, layers: usize, findings: usize) -> Areas {
    let [title, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    let [left, tree] =
        Layout::horizontal([Constraint::Percentage(48), Constraint::Percentage(52)]).areas(body);
    let third = (left.height / 3).max(5);
    let layers_h = (layers as u16 + 2).clamp(5, third);
    let findings_h = (findings as u16 + 2).clamp(5, third);
    let [layers, findings, details] = Layout::vertical([
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

struct Theme {
    color: bool,
}

impl Theme {
    fn kind(&self, k: Kind) -> Style {
        if !self.color {
            return Style::default();
        }
        match k {
            Kind::Added => Style::default().fg(Color::Green),
            Kind::Modified => Style::default().fg(Color::Yellow),
            Kind::Removed => Style::default().fg(Color::Red),
            Kind::Unmodified => Style::default(),
        }
    }

    fn fg(&self, c: Color) -> Style {
        if self.color {
            Style::default().fg(c)
        } else {
            Style::default()
        }
    }

    fn block<'a>(&self, title: impl Into<Line<'a>>, focused: bool) -> Block<'a> {
        let b = Block::bordered().title(title);
        if focused {
            b.border_style(self.fg(Color::Cyan).add_modifier(Modifier::BOLD))
        } else {
            b
        }
    }
}

const SELECTED: Style = Style::new().add_modifier(Modifier::REVERSED);

pub fn draw(f: &mut Frame, app: &App) {
    let t = Theme {
        color: !app.no_color,
    };
    let a = areas(f.area(), app.layer_count(), app.finding_rows());
    draw_title(f, app, &t, a.title);
    draw_layers(f, app, &t, a.layers);
    draw_findings(f, app, &t, a.findings);
    draw_details(f, app, &t, a.details);
    draw_tree(f, app, &t, a.tree);
    draw_status(f, app, &t, a.status);
    if app.pager.is_some() {
        draw_pager(f, app, &t);
    }
    if app.help {
        draw_help(f, &t);
    }
}

fn draw_title(f: &mut Frame, app: &App, t: &Theme, r: Rect) {
    let mut spans = vec![Span::styled(
        format!(" ballast  {}  ", app.reference),
        Style::default().add_modifier(Modifier::BOLD),
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

/// The body of a pane before the analysis is there.
fn placeholder(f: &mut Frame, app: &App, t: &Theme, block: Block, r: Rect) -> bool {
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

fn draw_layers(f: &mut Frame, app: &App, t: &Theme, r: Rect) {
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

fn draw_findings(f: &mut Frame, app: &App, t: &Theme, r: Rect) {
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
                        .map(|p| p.path.clone())
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

fn details_lines<'a>(app: &App, m: &'a Model, t: &Theme) -> Vec<Line<'a>> {
    let a = &m.analysis;
    let head = |s: &'a str| Line::styled(s, t.fg(Color::Cyan).add_modifier(Modifier::BOLD));
    let mut out = Vec::new();
    if let Some(l) = a.image.layers.get(app.layer()) {
        out.push(head("Layer"));
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
    let c = &a.image.config;
    out.push(head("Image"));
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
    let x = &a.metrics;
    out.push(head("Waste"));
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
    out.push(head("Estimates"));
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
    out
}

/// How far the details pane scrolls: its wrapped lines less one screenful.
pub fn details_max_scroll(app: &App) -> usize {
    let Some(m) = app.model() else { return 0 };
    let r = app.heights().details;
    let width = r.width.saturating_sub(2).max(1);
    let height = (r.height as usize).saturating_sub(2);
    let lines = details_lines(app, m, &Theme { color: false });
    let rows = Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .line_count(width);
    rows.saturating_sub(height)
}

fn draw_details(f: &mut Frame, app: &App, t: &Theme, r: Rect) {
    let block = t.block(" [4] Details ", app.focus == Pane::Details);
    if placeholder(f, app, t, block.clone(), r) {
        return;
    }
    let Some(m) = app.model() else { return };
    let lines = details_lines(app, m, t);
    let scroll = app.details_scroll.min(u16::MAX as usize) as u16;
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0))
            .block(block),
        r,
    );
}

/// `drwxr-xr-x` as `ls -l` shows it.
fn permissions(meta: &Meta) -> String {
    let kind = match meta.kind {
        EntryKind::Dir => 'd',
        EntryKind::Symlink => 'l',
        EntryKind::CharDevice => 'c',
        EntryKind::BlockDevice => 'b',
        EntryKind::Fifo => 'p',
        _ => '-',
    };
    let m = meta.mode;
    let bit = |mask: u32, c: char| if m & mask != 0 { c } else { '-' };
    let special = |x: bool, special: u32, lower: char, upper: char| match (m & special != 0, x) {
        (true, true) => lower,
        (true, false) => upper,
        (false, true) => 'x',
        (false, false) => '-',
    };
    [
        kind,
        bit(0o400, 'r'),
        bit(0o200, 'w'),
        special(m & 0o100 != 0, 0o4000, 's', 'S'),
        bit(0o040, 'r'),
        bit(0o020, 'w'),
        special(m & 0o010 != 0, 0o2000, 's', 'S'),
        bit(0o004, 'r'),
        bit(0o002, 'w'),
        special(m & 0o001 != 0, 0o1000, 't', 'T'),
    ]
    .into_iter()
    .collect()
}

fn tree_line<'a>(app: &App, m: &'a Model, t: &Theme, row: &Row, selected: bool) -> Line<'a> {
    let layer = app.view.params.layer;
    let meta = m.meta(row.node, layer);
    let (perm, owner) = meta.map_or((String::from("?"), String::new()), |x| {
        (permissions(x), format!("{}:{}", x.uid, x.gid))
    });
    let node = m.node(row.node);
    let marker = match (row.dir, row.expanded) {
        (true, true) => "▾ ",
        (true, false) => "▸ ",
        _ => "  ",
    };
    let mut name = display(&node.name)[1..].to_string();
    if let Some(link) = meta.and_then(|x| x.link.as_deref())
        && meta.is_some_and(|x| x.kind == EntryKind::Symlink)
    {
        name.push_str(" → ");
        name.push_str(&String::from_utf8_lossy(link));
    }
    let sym = if t.color {
        String::new()
    } else {
        format!("{} ", symbol(row.kind))
    };
    let flagged = m.flagged(row.node);
    let mut name_style = t.kind(row.kind);
    if flagged {
        name_style = name_style.add_modifier(Modifier::BOLD);
        if t.color {
            name_style = name_style.bg(Color::Rgb(80, 40, 0));
        }
    }
    if app.view.is_match(m, row.node) {
        name_style = name_style.add_modifier(Modifier::UNDERLINED);
    }
    let line = Line::from(vec![
        Span::raw(sym),
        Span::raw(format!("{perm:<10} {owner:>9} {:>9}  ", bytes(row.size))),
        Span::raw("  ".repeat(row.depth as usize)),
        Span::raw(marker),
        Span::styled(name, name_style),
        Span::raw(if flagged && !t.color { " !" } else { "" }),
    ]);
    if selected { line.style(SELECTED) } else { line }
}

fn draw_tree(f: &mut Frame, app: &App, t: &Theme, r: Rect) {
    let p = &app.view.params;
    let mut title = vec![Span::raw(" [2] Tree ")];
    if app.model().is_some() {
        let mode = match p.mode {
            Mode::Aggregated => "aggregated",
            Mode::Layer => "layer only",
        };
        let sort = match p.sort {
            Sort::Size => "size",
            Sort::Name => "name",
        };
        let mut s = format!(
            "· layer {}/{} · {mode} · by {sort} ",
            app.view.params.layer,
            app.layer_count().saturating_sub(1)
        );
        if app.pending.is_some() {
            s.push_str("· updating… ");
        }
        title.push(Span::raw(s));
    }
    let legend = Line::from(vec![
        Span::raw(" "),
        Span::styled("+ added", t.kind(Kind::Added)),
        Span::raw("  "),
        Span::styled("~ modified", t.kind(Kind::Modified)),
        Span::raw("  "),
        Span::styled("- removed", t.kind(Kind::Removed)),
        Span::raw(if t.color {
            "  ▸ dir  bold: finding "
        } else {
            "  ▸ dir  !: finding "
        }),
    ]);
    let block = t
        .block(Line::from(title), app.focus == Pane::Tree)
        .title_bottom(legend);
    if placeholder(f, app, t, block.clone(), r) {
        return;
    }
    let Some(m) = app.model() else { return };
    if app.view.rows.is_empty() {
        let chips = app.chips().unwrap_or_default();
        f.render_widget(
            Paragraph::new(vec![
                Line::raw(chips),
                Line::raw("nothing to show with these options"),
            ])
            .block(block),
            r,
        );
        return;
    }
    let mut lines: Vec<Line> = Vec::new();
    if let Some(chips) = app.chips() {
        lines.push(Line::styled(
            chips,
            t.fg(Color::Magenta).add_modifier(Modifier::ITALIC),
        ));
    }
    lines.extend(
        app.view
            .rows
            .iter()
            .enumerate()
            .skip(app.tree_offset)
            .take(app.tree_height())
            .map(|(i, row)| tree_line(app, m, t, row, i == app.view.selected)),
    );
    f.render_widget(Paragraph::new(lines).block(block), r);
}

fn draw_status(f: &mut Frame, app: &App, t: &Theme, r: Rect) {
    if let Some(input) = &app.input {
        let label = match input.prompt {
            Prompt::Filter => "filter (Enter apply, empty clears, Esc cancel): ",
            Prompt::Search => "search: /",
            Prompt::Extract => "extract to directory (Enter, Esc cancel): ",
        };
        let line = Line::from(vec![
            Span::styled(label, t.fg(Color::Cyan).add_modifier(Modifier::BOLD)),
            Span::raw(input.text.clone()),
            Span::styled(" ", SELECTED),
        ]);
        f.render_widget(line, r);
        return;
    }
    let keys = if app.pager.is_some() {
        "↑↓ scroll  PgUp/PgDn page  g/G top/end  x extract  q/Esc close"
    } else {
        match app.focus {
            Pane::Layers => "↑↓ layer  a aggregated/layer  Enter tree  Tab pane",
            Pane::Tree => {
                "←→ fold  e/c all  s sort  a mode  [ ] layer  AMRU hide  f filter  / search  w wasted  v view  x extract"
            }
            Pane::Findings => "↑↓ move  Enter show in tree  Tab pane",
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

fn draw_pager(f: &mut Frame, app: &App, t: &Theme) {
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

fn draw_help(f: &mut Frame, t: &Theme) {
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
