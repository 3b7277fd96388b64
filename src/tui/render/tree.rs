//! The tree pane: its title (layer, mode, sort), the filter chips, the
//! visible rows, and the legend.

use ratatui::Frame;
use ratatui::style::{Color, Modifier};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::placeholder::placeholder;
use crate::tui::app::{App, Pane, symbol};
use crate::tui::layout::Layout;
use crate::tui::theme::{SELECTED, Theme};
use crate::tui::tree::{Kind, Mode, Model, Row, Sort};
use ballast::layer::EntryKind;
use ballast::layer::path::display;
use ballast::report::bytes;
use ballast::report::escape::terminal::escape;
use ballast::tree::Meta;

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

/// Which columns the tree shows before the names: permissions, then
/// uid:gid, then the size go (in that order) before any name is cut.
#[derive(Debug, Clone, Copy)]
struct Columns {
    perm: bool,
    owner: bool,
    size: bool,
}

const PERM_W: usize = 11;
const OWNER_W: usize = 10;
const SIZE_W: usize = 11;

impl Columns {
    /// The columns that leave `need` cells for the widest name in `width`.
    fn fit(width: usize, need: usize) -> Columns {
        let mut c = Columns {
            perm: true,
            owner: true,
            size: true,
        };
        let used = |c: &Columns| {
            c.perm as usize * PERM_W + c.owner as usize * OWNER_W + c.size as usize * SIZE_W
        };
        for drop in [
            |c: &mut Columns| c.perm = false,
            |c: &mut Columns| c.owner = false,
            |c: &mut Columns| c.size = false,
        ] {
            if used(&c) + need <= width {
                break;
            }
            drop(&mut c);
        }
        c
    }
}

/// The row's name as shown (a symlink's target, the layer that hid it).
fn row_name(m: &Model, row: &Row, layer: usize) -> String {
    let meta = m.meta(row.node, layer);
    let mut name = display(&m.node(row.node).name)[1..].to_string();
    if let Some(link) = meta.and_then(|x| x.link.as_deref())
        && meta.is_some_and(|x| x.kind == EntryKind::Symlink)
    {
        name.push_str(" → ");
        name.push_str(&escape(&String::from_utf8_lossy(link)));
    }
    if let Some(l) = row.removed_in {
        let how = if row.kind == Kind::Removed {
            "deleted"
        } else {
            "overwritten"
        };
        name.push_str(&format!("  [{how} in L{l}]"));
    }
    name
}

/// Cells a row needs for its indentation, marker and name (a wide
/// character, CJK say, takes two cells).
fn name_width(row: &Row, name: &str, t: &Theme) -> usize {
    let sym = if t.color { 0 } else { 2 };
    sym + row.depth as usize * 2 + 2 + Span::raw(name).width() + 2
}

fn tree_line<'a>(
    app: &App,
    m: &'a Model,
    t: &Theme,
    (row, name): (&Row, String),
    cols: Columns,
    selected: bool,
) -> Line<'a> {
    let layer = app.view.params.layer;
    let meta = m.meta_or_last(row.node, layer);
    let (perm, owner) = meta.map_or((String::from("?"), String::new()), |x| {
        (permissions(x), format!("{}:{}", x.uid, x.gid))
    });
    let marker = match (row.dir, row.expanded) {
        (true, true) => "▾ ",
        (true, false) => "▸ ",
        _ => "  ",
    };
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
    if app.view.is_match(row.node) {
        name_style = name_style.add_modifier(Modifier::UNDERLINED);
    }
    let mut columns = String::new();
    if cols.perm {
        columns.push_str(&format!("{perm:<10} "));
    }
    if cols.owner {
        columns.push_str(&format!("{owner:>9} "));
    }
    if cols.size {
        columns.push_str(&format!("{:>9}  ", bytes(row.size)));
    }
    let line = Line::from(vec![
        Span::raw(sym),
        Span::raw(columns),
        Span::raw("  ".repeat(row.depth as usize)),
        Span::raw(marker),
        Span::styled(name, name_style),
        Span::raw(if flagged && !t.color { " !" } else { "" }),
    ]);
    if selected { line.style(SELECTED) } else { line }
}

/// " [2] Tree · layer 2/3 · aggregated · by size " once loaded.
fn title(app: &App) -> Line<'static> {
    let p = &app.view.params;
    let mut title = vec![Span::raw(" [2] Tree ")];
    if app.model().is_some() {
        let mode = match p.mode {
            Mode::Aggregated => "aggregated",
            Mode::Layer => "layer only",
            Mode::Hidden => "hidden bytes",
        };
        let sort = match p.sort {
            Sort::Size => "size",
            Sort::Name => "name",
        };
        let mut s = format!(
            "· layer {} of 0–{} · {mode} · by {sort} ",
            app.view.params.layer,
            app.layer_count().saturating_sub(1)
        );
        if app.pending.is_some() {
            s.push_str("· updating… ");
        }
        title.push(Span::raw(s));
    }
    Line::from(title)
}

fn legend(t: &Theme) -> Line<'static> {
    Line::from(vec![
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
    ])
}

pub(super) fn draw_tree(f: &mut Frame, app: &App, t: &Theme, layout: &Layout) {
    let r = layout.rect(Pane::Tree);
    let block = t
        .block(title(app), app.focus == Pane::Tree)
        .title_bottom(legend(t));
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
    let layer = app.view.params.layer;
    let shown: Vec<(usize, &Row, String)> = (app.view.rows.iter().enumerate())
        .skip(app.tree_offset)
        .take(layout.rows(Pane::Tree))
        .map(|(i, row)| (i, row, row_name(m, row, layer)))
        .collect();
    let need = (shown.iter())
        .map(|(_, row, name)| name_width(row, name, t))
        .max()
        .unwrap_or(0);
    let cols = Columns::fit(r.width.saturating_sub(2) as usize, need);
    lines.extend(
        shown
            .into_iter()
            .map(|(i, row, name)| tree_line(app, m, t, (row, name), cols, i == app.view.selected)),
    );
    f.render_widget(Paragraph::new(lines).block(block), r);
}

#[cfg(test)]
mod tests {
    use super::{Columns, name_width};
    use crate::tui::theme::Theme;
    use crate::tui::tree::{Kind, Row};

    #[test]
    fn wide_names_count_in_cells_not_chars() {
        let row = Row {
            node: 1,
            depth: 0,
            size: 0,
            kind: Kind::Unmodified,
            dir: false,
            expanded: false,
            removed_in: None,
        };
        let t = Theme { color: true };
        // Eleven wide characters are 22 cells: in 40 columns the name (26
        // cells with marker and margin) leaves room for the size only.
        let name = "日本語のファイル名です";
        assert_eq!(name_width(&row, name, &t), 2 + 22 + 2);
        let cols = Columns::fit(40, name_width(&row, name, &t));
        assert!(!cols.perm && !cols.owner && cols.size, "{cols:?}");
    }
}
