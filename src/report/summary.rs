//! The short human summary printed when no output flag is given.

use std::io::Write;

use super::escape::terminal::escape as t;
use super::{bytes, path_notes, path_subject};
use crate::analysis::Analysis;

/// How many findings the summary shows.
const TOP_FINDINGS: usize = 8;

/// Widest command shown before it is cut.
const COMMAND_WIDTH: usize = 70;

pub fn write(a: &Analysis, out: &mut dyn Write) -> std::io::Result<()> {
    head(a, out)?;
    layers(a, out)?;
    inefficient_paths(a, out)?;
    findings(a, out)?;
    estimates(a, out)?;
    warnings(a, out)?;
    out.flush()
}

/// The image's identity and its byte totals.
fn head(a: &Analysis, out: &mut dyn Write) -> std::io::Result<()> {
    let img = &a.image;
    let m = &a.metrics;
    writeln!(
        out,
        "{}  ({}, {}/{}, {} layers, id {})",
        t(&img.reference),
        img.source.as_str(),
        t(&img.os),
        t(&img.architecture),
        img.layers.len(),
        img.id
            .strip_prefix("sha256:")
            .map_or(&img.id[..], |h| &h[..h.len().min(12)]),
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "  shipped      {:>10}   every pull carries this",
        bytes(m.shipped_bytes)
    )?;
    writeln!(
        out,
        "  live         {:>10}   the final filesystem ({} files)",
        bytes(m.live_bytes),
        m.live_files
    )?;
    writeln!(
        out,
        "  hidden       {:>10}   in layers, deleted or overwritten later",
        bytes(m.hidden_bytes)
    )?;
    writeln!(out, "  reclaimable  {:>10}", bytes(m.reclaimable_bytes))?;
    let uwp = m
        .user_wasted_percent
        .map_or("n/a".to_string(), |p| format!("{:.4} %", p * 100.0));
    writeln!(
        out,
        "  dive         efficiency {:.4} %, wasted {}, user wasted {}",
        m.efficiency * 100.0,
        bytes(m.wasted_bytes),
        uwp
    )?;
    Ok(())
}

/// One line per layer: size, changes and (cut) command.
fn layers(a: &Analysis, out: &mut dyn Write) -> std::io::Result<()> {
    let img = &a.image;
    writeln!(out)?;
    writeln!(
        out,
        "  {:>5}  {:>10}  {:>18}  command",
        "layer", "size", "+added ~mod -del"
    )?;
    for l in &img.layers {
        let changes = format!(
            "+{} ~{} -{}",
            l.changes.added, l.changes.modified, l.changes.removed
        );
        let cmd = t(l.command.as_deref().unwrap_or("(no history)"));
        let cmd: String = if cmd.chars().count() > COMMAND_WIDTH {
            cmd.chars().take(COMMAND_WIDTH - 1).chain(['…']).collect()
        } else {
            cmd.into_owned()
        };
        writeln!(
            out,
            "  {:>5}  {:>10}  {:>18}  {}",
            l.index,
            bytes(l.size_bytes),
            changes,
            cmd
        )?;
    }
    Ok(())
}

/// dive's top paths in more than one layer.
fn inefficient_paths(a: &Analysis, out: &mut dyn Write) -> std::io::Result<()> {
    let m = &a.metrics;
    if m.inefficient_paths.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "  paths in more than one layer (dive's wasted bytes):")?;
    for p in m.inefficient_paths.iter().take(5) {
        writeln!(
            out,
            "  {:>10}  {}x  {}",
            bytes(p.bytes),
            p.count,
            t(&p.path)
        )?;
    }
    Ok(())
}

/// The first findings, each with its first path and fix.
fn findings(a: &Analysis, out: &mut dyn Write) -> std::io::Result<()> {
    if a.findings.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "  findings ({}):", a.findings.len())?;
    for f in a.findings.iter().take(TOP_FINDINGS) {
        let size = if f.bytes > 0 {
            bytes(f.bytes)
        } else {
            String::new()
        };
        let layer = f
            .layer
            .as_ref()
            .map_or(String::new(), |l| format!(" (layer {})", l.index));
        writeln!(out, "  {:>10}  {:<8} {}{layer}", size, f.severity, f.rule)?;
        if let Some(p) = f.paths.first() {
            let more = f.paths.len() - 1 + f.paths_omitted;
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            let notes = path_notes(p);
            let notes = if notes.is_empty() {
                String::new()
            } else {
                format!(" ({})", notes.join("; "))
            };
            writeln!(
                out,
                "              {}{}{more}",
                t(&path_subject(p)),
                t(&notes)
            )?;
        }
        writeln!(out, "              fix: {}", t(&f.advice))?;
    }
    if a.findings.len() > TOP_FINDINGS {
        writeln!(
            out,
            "  ... and {} more findings (see --json)",
            a.findings.len() - TOP_FINDINGS
        )?;
    }
    Ok(())
}

/// The first analysis warnings.
fn warnings(a: &Analysis, out: &mut dyn Write) -> std::io::Result<()> {
    for w in a.warnings.iter().take(10) {
        writeln!(
            out,
            "  warning: layer {}: {}: {}",
            w.layer.map_or("-".into(), |l| l.to_string()),
            t(w.path.as_deref().unwrap_or("")),
            t(&w.message)
        )?;
    }
    if a.warnings.len() > 10 {
        writeln!(
            out,
            "  ... and {} more warnings (see --json)",
            a.warnings.len() - 10
        )?;
    }
    Ok(())
}

/// The base and one line per estimate; the JSON and the markdown report have
/// the assumptions and the proposed Dockerfile.
fn estimates(a: &Analysis, out: &mut dyn Write) -> std::io::Result<()> {
    let b = &a.base;
    writeln!(out)?;
    let mut base = if b.layers == 0 {
        "none (from scratch)".to_string()
    } else {
        format!(
            "{} layer{}, {}",
            b.layers,
            if b.layers == 1 { "" } else { "s" },
            bytes(b.bytes)
        )
    };
    if let Some(os) = &b.os {
        base.push_str(&format!(
            ", {}",
            t(os.pretty_name.as_deref().unwrap_or(&os.id))
        ));
    }
    base.push_str(&format!(", libc {}", b.libc));
    if let Some(r) = &b.runtime {
        base.push_str(&format!(", {} runtime", r.kind));
    }
    writeln!(out, "  base: {base}")?;
    if a.estimates.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "  estimates (assumed, not measured; see --json or --markdown):"
    )?;
    for e in &a.estimates {
        let name = e.candidate.as_ref().map_or(e.strategy.to_string(), |c| {
            format!("{} {}", e.strategy, c.name())
        });
        let blocking = e.blocking_kinds();
        let verdict = if blocking.is_empty() {
            String::new()
        } else {
            format!("  blocked: {}", blocking.join(", "))
        };
        let also = e.with_multi_stage.map_or(String::new(), |ms| {
            format!(" ({} with multi-stage)", bytes(ms))
        });
        writeln!(
            out,
            "  {:>10}  saves {:>10}  {name}{also}{verdict}",
            bytes(e.size_after),
            bytes(e.bytes_saved)
        )?;
    }
    Ok(())
}
