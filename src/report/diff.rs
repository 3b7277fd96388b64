//! Renderings of [`crate::analysis::diff::Diff`]: text for the terminal,
//! markdown for a pull request. JSON is the serialized value.

use std::io::Write;

use super::bytes;
use super::escape::markdown::{cell_code, code, prose};
use super::escape::terminal::escape as t;
use super::markdown::text::{
    LIST_CAP, PATH_WIDTH, clip, display_name, end_with_blank_line, keep_units, megabytes,
    more_line, no_break, size, table_command,
};
use crate::analysis::diff::{Change, Diff};

/// `+1.2 MB`, `-300 kB`, `0 B`.
pub fn signed(c: &Change) -> String {
    match c.delta {
        0 => "0 B".into(),
        d if d > 0 => format!("+{}", bytes(d as u64)),
        d => format!("-{}", bytes(d.unsigned_abs())),
    }
}

pub fn write_text(d: &Diff, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "{} → {}", t(&d.old), t(&d.new))?;
    writeln!(out)?;
    for (name, c) in d.totals() {
        writeln!(
            out,
            "  {name:<12} {:>11} → {:<11} {}",
            bytes(c.old),
            bytes(c.new),
            signed(c)
        )?;
    }
    writeln!(out)?;
    writeln!(out, "  layers:")?;
    for l in &d.layers {
        let idx = |i: Option<usize>| i.map_or("-".into(), |i| i.to_string());
        writeln!(
            out,
            "  {:<8} {:>3} → {:<3} {:>12}  {}",
            l.status,
            idx(l.old_index),
            idx(l.new_index),
            signed(&l.size),
            t(l.command.as_deref().unwrap_or("(no history)"))
        )?;
    }
    if !d.directories.is_empty() {
        writeln!(out)?;
        writeln!(out, "  directories, largest change first:")?;
        for dir in &d.directories {
            writeln!(out, "  {:>12}  {}", signed(&dir.size), t(&dir.path))?;
        }
    }
    let f = &d.files;
    writeln!(out)?;
    writeln!(
        out,
        "  files: {} added ({}), {} removed ({}), {} changed",
        f.added,
        bytes(f.added_bytes),
        f.removed,
        bytes(f.removed_bytes),
        f.changed
    )?;
    for (label, list) in f.lists() {
        for file in list.iter().take(10) {
            writeln!(
                out,
                "  {label:<8} {:>12}  {}",
                signed(&file.size),
                t(&file.path)
            )?;
        }
    }
    for (label, list) in [
        ("appeared", &d.findings_appeared),
        ("gone", &d.findings_gone),
    ] {
        if list.is_empty() {
            continue;
        }
        writeln!(out)?;
        writeln!(out, "  findings {label}:")?;
        for k in list {
            let size = if k.bytes > 0 {
                bytes(k.bytes)
            } else {
                String::new()
            };
            writeln!(
                out,
                "  {size:>12}  {}  {}",
                k.rule,
                t(k.path.as_deref().unwrap_or(""))
            )?;
        }
    }
    out.flush()
}

/// Rows of the diff's layer table before "… and N more".
const LAYER_ROWS: usize = 40;

/// The diff for a pull request: totals and a chart, the layers (unchanged
/// runs folded into one row), directories, files, and the findings that
/// appeared or went away with their fixes below the table. Lists are capped
/// at ten; the report ends in a blank line.
pub fn write_markdown(d: &Diff, out: &mut dyn Write) -> std::io::Result<()> {
    let mut md = String::new();
    md.push_str(&format!(
        "## Image diff: {} → {}\n\n",
        code(&clip(&display_name(&d.old), 200)),
        code(&clip(&display_name(&d.new), 200))
    ));
    md.push_str("| | before | after | change |\n|---|---:|---:|---:|\n");
    for (name, c) in d.totals() {
        md.push_str(&format!(
            "| {name} | {} | {} | **{}** |\n",
            size(c.old),
            size(c.new),
            no_break(&signed(c))
        ));
    }
    md.push('\n');
    totals_chart(d, &mut md);
    layers_markdown(d, &mut md);
    if !d.directories.is_empty() {
        md.push_str(
            "### Directories, largest change first\n\n| change | directory |\n|---:|---|\n",
        );
        for dir in d.directories.iter().take(LIST_CAP) {
            md.push_str(&format!(
                "| {} | {} |\n",
                no_break(&signed(&dir.size)),
                cell_code(&clip(&dir.path, PATH_WIDTH))
            ));
        }
        if d.directories.len() > LIST_CAP {
            md.push_str(&format!(
                "\n{}.\n",
                more_line(d.directories.len() - LIST_CAP, "directories", None)
            ));
        }
        md.push('\n');
    }
    files_markdown(d, &mut md);
    findings_markdown(d, &mut md);
    out.write_all(end_with_blank_line(md).as_bytes())?;
    out.flush()
}

/// Before and after of the three totals: bars after, a line before.
fn totals_chart(d: &Diff, md: &mut String) {
    if d.totals().iter().all(|(_, c)| c.old == 0 && c.new == 0) {
        return;
    }
    let names: Vec<String> = d.totals().iter().map(|(n, _)| format!("\"{n}\"")).collect();
    let after: Vec<String> = d.totals().iter().map(|(_, c)| megabytes(c.new)).collect();
    let before: Vec<String> = d.totals().iter().map(|(_, c)| megabytes(c.old)).collect();
    md.push_str(
        "```mermaid\n%%{init: {\"themeVariables\": {\"xyChart\": {\"plotColorPalette\": \"#1565c0, #212121\", \
         \"backgroundColor\": \"#ffffff\"}}}}%%\nxychart-beta\n    title \"After (bars) and before (line), MB\"\n",
    );
    md.push_str(&format!(
        "    x-axis [{}]\n    y-axis \"MB\"\n",
        names.join(", ")
    ));
    md.push_str(&format!(
        "    bar [{}]\n    line [{}]\n```\n\n",
        after.join(", "),
        before.join(", ")
    ));
}

/// The layers, a run of unchanged (`same`) layers as one row.
fn layers_markdown(d: &Diff, md: &mut String) {
    md.push_str(
        "### Layers\n\n| status | before | after | change | command |\n|---|---:|---:|---:|---|\n",
    );
    let idx = |i: Option<usize>| i.map_or("–".into(), |i| i.to_string());
    let range = |a: Option<usize>, b: Option<usize>| match (a, b) {
        (Some(a), Some(b)) if a != b => format!("{a}–{b}"),
        _ => idx(a),
    };
    let mut rows = 0;
    let mut i = 0;
    while i < d.layers.len() && rows < LAYER_ROWS {
        let l = &d.layers[i];
        let run = d.layers[i..]
            .iter()
            .take_while(|x| x.status == "same")
            .count();
        if run > 1 {
            let last = &d.layers[i + run - 1];
            md.push_str(&format!(
                "| same | {} | {} | 0\u{a0}B | *{run} unchanged layers* |\n",
                range(l.old_index, last.old_index),
                range(l.new_index, last.new_index)
            ));
            i += run;
        } else {
            md.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                l.status,
                idx(l.old_index),
                idx(l.new_index),
                no_break(&signed(&l.size)),
                cell_code(&table_command(
                    l.command.as_deref().unwrap_or("(no history)")
                ))
            ));
            i += 1;
        }
        rows += 1;
    }
    if i < d.layers.len() {
        md.push_str(&format!(
            "\n{}; `--json` lists every layer.\n",
            more_line(d.layers.len() - i, "layers", None)
        ));
    }
    md.push('\n');
}

/// The file counts, then the largest files added, removed and changed.
fn files_markdown(d: &Diff, md: &mut String) {
    let f = &d.files;
    md.push_str(&format!(
        "### Files\n\n{} added ({}), {} removed ({}), {} changed.\n\n",
        f.added,
        size(f.added_bytes),
        f.removed,
        size(f.removed_bytes),
        f.changed
    ));
    let rows: Vec<_> = f
        .lists()
        .into_iter()
        .flat_map(|(label, list)| list.iter().take(LIST_CAP).map(move |file| (label, file)))
        .collect();
    if !rows.is_empty() {
        md.push_str("| | change | file |\n|---|---:|---|\n");
        for (label, file) in rows {
            md.push_str(&format!(
                "| {label} | {} | {} |\n",
                no_break(&signed(&file.size)),
                cell_code(&clip(&file.path, PATH_WIDTH))
            ));
        }
        md.push('\n');
    }
}

/// The findings that appeared and those that went away: a table, then the
/// fixes of those that appeared, as a list below it (a fix column would be
/// squeezed to a sliver).
fn findings_markdown(d: &Diff, md: &mut String) {
    for (label, list) in [
        ("appeared", &d.findings_appeared),
        ("went away", &d.findings_gone),
    ] {
        if list.is_empty() {
            continue;
        }
        md.push_str(&format!(
            "### Findings that {label}\n\n| | rule | bytes | path |\n|---:|---|---:|---|\n"
        ));
        for (n, k) in list.iter().take(LIST_CAP).enumerate() {
            md.push_str(&format!(
                "| {} | `{}` | {} | {} |\n",
                n + 1,
                k.rule,
                size(k.bytes),
                k.path
                    .as_deref()
                    .map_or(String::new(), |p| cell_code(&clip(p, PATH_WIDTH)))
            ));
        }
        if list.len() > LIST_CAP {
            md.push_str(&format!(
                "\n{}; `--json` lists them all.\n",
                more_line(list.len() - LIST_CAP, "findings", None)
            ));
        }
        md.push('\n');
        if label == "appeared" {
            md.push_str("Fixes:\n\n");
            for (n, k) in list.iter().take(LIST_CAP).enumerate() {
                md.push_str(&format!(
                    "{}. {}\n",
                    n + 1,
                    prose(&keep_units(&clip(&k.advice, 600)))
                ));
            }
            md.push('\n');
        }
    }
}
