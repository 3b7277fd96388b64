//! The finding view: with the findings pane focused, the details pane shows
//! the selected finding whole — rule, severity, bytes, the layer (and
//! command) that added it and the one that deleted or overwrote it, the
//! fix, the Dockerfile line when known, then every path with its own size
//! and layer. On a rule's row: the rule's total and its findings.
//! Image-derived text (paths, commands) is escaped for the terminal.

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

use super::app::FindingRow;
use super::details::{command, head, wrapped};
use super::findings::{first_place, place};
use super::theme::Theme;
use super::tree::Model;
use ballast::analysis::findings::{Finding, FindingPath};
use ballast::report::escape::terminal::escape;
use ballast::report::{bytes, path_notes, path_subject};
use ballast::vocab::Severity;

pub(super) fn finding_lines(
    m: &Model,
    rows: &[FindingRow],
    row: usize,
    width: u16,
    t: &Theme,
) -> Vec<Line<'static>> {
    match rows.get(row) {
        Some(FindingRow::Item(i)) => one(m, &m.analysis.findings[*i], width, t),
        Some(FindingRow::Group {
            rule,
            bytes: b,
            count,
        }) => {
            let mut out = vec![head(t, &format!("Rule {rule}"))];
            let s = if *count == 1 { "" } else { "s" };
            out.push(Line::raw(format!(
                "  {count} finding{s}, {} in total",
                bytes(*b)
            )));
            out.push(Line::raw(""));
            for r in &rows[row + 1..] {
                let FindingRow::Item(i) = r else { break };
                let f = &m.analysis.findings[*i];
                let label = format!("  {:>9}  ", bytes(f.bytes));
                out.extend(wrapped(&label, &row_subject(m, f), width, Style::default()));
            }
            out
        }
        None => vec![Line::raw("no finding selected")],
    }
}

/// What a finding's row names: `<first path> and N more`, else its first
/// package, else its advice (escaped).
pub(crate) fn row_subject(m: &Model, f: &Finding) -> String {
    let first = first_place(m, f).map(|(p, _)| p).or(f.paths.first());
    let and = |n: usize| match n.saturating_sub(1) {
        0 => String::new(),
        more => format!(" and {more} more"),
    };
    match first {
        Some(p) => {
            let n = f.paths.len() + f.paths_omitted;
            format!("{}{}", escape(&path_subject(p)), and(n))
        }
        None => (f.packages.first())
            .map(|p| format!("{}{}", escape(&p.name), and(f.packages.len())))
            .unwrap_or_else(|| escape(&f.advice).into_owned()),
    }
}

pub(super) fn severity_style(t: &Theme, s: Severity) -> Style {
    match s {
        Severity::High => t.fg(Color::Red),
        Severity::Medium => t.fg(Color::Yellow),
        _ => Style::default(),
    }
}

fn one(m: &Model, f: &Finding, width: u16, t: &Theme) -> Vec<Line<'static>> {
    let layers = &m.analysis.image.layers;
    let mut out = vec![head(t, "Finding")];
    out.push(Line::raw(format!(
        "  rule      {}  ({})",
        f.rule, f.category
    )));
    out.push(Line::from(vec![
        Span::raw("  severity  "),
        Span::styled(f.severity.to_string(), severity_style(t, f.severity)),
    ]));
    out.push(Line::raw(format!(
        "  bytes     {} (what the fix reclaims)",
        bytes(f.bytes)
    )));
    let place = first_place(m, f).map(|(_, p)| p);
    let added = place.map(|p| p.layer).or(f.layer.as_ref().map(|l| l.index));
    let step = |label: &str, layer: Option<usize>, out: &mut Vec<Line<'static>>| {
        if let Some(l) = layer.and_then(|l| layers.get(l)) {
            let text = format!("layer {}: {}", l.index, command(l));
            out.extend(wrapped(
                &format!("  {label:<9} "),
                &text,
                width,
                Style::default(),
            ));
        }
    };
    step("added", added, &mut out);
    step("deleted", place.and_then(|p| p.deleted_in), &mut out);
    step("overwrote", place.and_then(|p| p.replaced_in), &mut out);
    if let Some(line) = f.dockerfile_line {
        out.push(Line::raw(format!("  Dockerfile line {line}")));
    }
    out.push(head(t, "Fix"));
    let fix = t.fg(Color::Green);
    out.extend(wrapped("  ", &escape(&f.advice), width, fix));
    path_lines(m, f, width, t, &mut out);
    if !f.packages.is_empty() {
        out.push(head(t, &format!("Packages ({})", f.packages.len())));
        for p in &f.packages {
            let text = format!(
                "{} {} ({})",
                escape(&p.name),
                escape(&p.version),
                p.ecosystem
            );
            out.extend(wrapped(
                &format!("  {:>9}  ", bytes(p.bytes)),
                &text,
                width,
                Style::default(),
            ));
        }
    }
    out
}

fn path_lines(m: &Model, f: &Finding, width: u16, t: &Theme, out: &mut Vec<Line<'static>>) {
    if f.paths.is_empty() {
        return;
    }
    let total = f.paths.len() + f.paths_omitted;
    out.push(head(
        t,
        &match f.paths_omitted {
            0 => format!("Paths ({total})"),
            n => format!("Paths ({total}; the {n} smallest not listed)"),
        },
    ));
    for p in &f.paths {
        let at = place(m, f, p);
        let layer = at
            .map(|a| a.layer)
            .or(p.layer)
            .map_or(String::new(), |l| format!("L{l}"));
        let label = format!("  {:>9} {layer:<4} ", bytes(p.bytes));
        // The notes every other output writes, with the layers that hid the
        // path as the tree has them when the finding does not say.
        let notes = path_notes(&FindingPath {
            deleted_in: at.map_or(p.deleted_in, |a| a.deleted_in),
            replaced_in: at.map_or(p.replaced_in, |a| a.replaced_in),
            ..p.clone()
        });
        let text = match notes.is_empty() {
            true => escape(&path_subject(p)).into_owned(),
            false => format!("{}  ({})", escape(&path_subject(p)), notes.join("; ")),
        };
        out.extend(wrapped(
            &label,
            &text,
            width,
            Style::default().add_modifier(Modifier::BOLD),
        ));
    }
}
