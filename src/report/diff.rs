//! Renderings of [`crate::analysis::diff::Diff`]: text for the terminal,
//! markdown for a pull request. JSON is the serialized value.

use std::io::Write;

use super::bytes;
use super::escape::markdown::{cell_code, cell_prose, code};
use super::escape::terminal::escape as t;
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

pub fn write_markdown(d: &Diff, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "## Image diff: {} → {}\n", code(&d.old), code(&d.new))?;
    writeln!(out, "| | before | after | change |\n|---|---:|---:|---:|")?;
    for (name, c) in d.totals() {
        writeln!(
            out,
            "| {name} | {} | {} | **{}** |",
            bytes(c.old),
            bytes(c.new),
            signed(c)
        )?;
    }
    writeln!(
        out,
        "\n### Layers\n\n| status | before | after | change | command |\n|---|---:|---:|---:|---|"
    )?;
    for l in &d.layers {
        let idx = |i: Option<usize>| i.map_or("–".into(), |i| i.to_string());
        writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            l.status,
            idx(l.old_index),
            idx(l.new_index),
            signed(&l.size),
            cell_code(l.command.as_deref().unwrap_or("(no history)"))
        )?;
    }
    if !d.directories.is_empty() {
        writeln!(
            out,
            "\n### Directories, largest change first\n\n| change | directory |\n|---:|---|"
        )?;
        for dir in &d.directories {
            writeln!(out, "| {} | {} |", signed(&dir.size), cell_code(&dir.path))?;
        }
    }
    files_markdown(d, out)?;
    findings_markdown(d, out)?;
    out.flush()
}

/// The file counts, then the largest files added, removed and changed.
fn files_markdown(d: &Diff, out: &mut dyn Write) -> std::io::Result<()> {
    let f = &d.files;
    writeln!(
        out,
        "\n### Files\n\n{} added ({}), {} removed ({}), {} changed.\n",
        f.added,
        bytes(f.added_bytes),
        f.removed,
        bytes(f.removed_bytes),
        f.changed
    )?;
    let rows: Vec<_> = f
        .lists()
        .into_iter()
        .flat_map(|(label, list)| list.iter().take(10).map(move |file| (label, file)))
        .collect();
    if !rows.is_empty() {
        writeln!(out, "| | change | file |\n|---|---:|---|")?;
        for (label, file) in rows {
            writeln!(
                out,
                "| {label} | {} | {} |",
                signed(&file.size),
                cell_code(&file.path)
            )?;
        }
    }
    Ok(())
}

/// The findings that appeared and those that went away.
fn findings_markdown(d: &Diff, out: &mut dyn Write) -> std::io::Result<()> {
    for (label, list) in [
        ("appeared", &d.findings_appeared),
        ("went away", &d.findings_gone),
    ] {
        if list.is_empty() {
            continue;
        }
        writeln!(
            out,
            "\n### Findings that {label}\n\n| rule | bytes | path | fix |\n|---|---:|---|---|"
        )?;
        for k in list {
            writeln!(
                out,
                "| `{}` | {} | {} | {} |",
                k.rule,
                bytes(k.bytes),
                k.path.as_deref().map_or(String::new(), cell_code),
                cell_prose(&k.advice)
            )?;
        }
    }
    Ok(())
}
