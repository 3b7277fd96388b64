//! The cache report as text and as markdown: the steps table, the proposed
//! order with its diff, and the before/after comparison.

use std::io::{self, Write};

use crate::dockerfile::cache::{CacheModel, CacheReport, Outcome, short_commit};
use crate::report::bytes;
use crate::report::escape::markdown::{cell_code, fenced, prose};
use crate::report::markdown::text::{clip, more_line, size};

/// Steps in a markdown table before "… and N more".
const MARKDOWN_STEPS: usize = 40;
use crate::report::escape::terminal::{escape as t, escape_block};

fn percent(r: f64) -> String {
    format!("{:.0}%", r * 100.0)
}

fn rebuilt_bytes(o: &Outcome) -> String {
    if o.bytes_partial {
        format!("{} + unmeasured RUN output", bytes(o.bytes_rebuilt))
    } else {
        bytes(o.bytes_rebuilt)
    }
}

fn model_text(m: CacheModel) -> &'static str {
    match m {
        CacheModel::Previous => "the previous commit's build",
        CacheModel::All => "every earlier build",
    }
}

/// Plain-text rendering (the default output).
pub fn write_text(r: &CacheReport, w: &mut dyn Write) -> io::Result<()> {
    writeln!(
        w,
        "Build cache over {} builds ({}..{}), the cache holding {}:",
        r.builds,
        short_commit(&r.first_commit),
        short_commit(&r.last_commit),
        model_text(r.model)
    )?;
    write_steps(&r.result, w)?;
    if let Some(p) = &r.proposal {
        writeln!(w, "\nProposed order:")?;
        for c in &p.changes {
            writeln!(w, "  {}", t(c))?;
        }
        writeln!(w)?;
        w.write_all(escape_block(&p.diff).as_bytes())?;
        writeln!(w, "\nThe proposal over the same commits:")?;
        write_steps(&p.result, w)?;
        if !p.runs.is_empty() {
            writeln!(
                w,
                "\nRUN steps, builds that rebuilt them (of {}):",
                r.builds
            )?;
            for c in &p.runs {
                writeln!(
                    w,
                    "  {:<52} {:>5} -> {}",
                    clip(&t(&c.instruction), 52),
                    c.rebuilt_before,
                    c.rebuilt_after
                )?;
            }
        }
        writeln!(
            w,
            "\nChange: hit rate {} -> {}, steps rebuilt {} -> {}, bytes rebuilt {} -> {}",
            percent(r.result.hit_rate),
            percent(p.result.hit_rate),
            r.result.steps_rebuilt,
            p.result.steps_rebuilt,
            rebuilt_bytes(&r.result),
            rebuilt_bytes(&p.result)
        )?;
    } else {
        writeln!(w, "\nNo reordering to propose.")?;
    }
    for n in &r.notes {
        writeln!(w, "note: {}", t(n))?;
    }
    Ok(())
}

fn write_steps(o: &Outcome, w: &mut dyn Write) -> io::Result<()> {
    writeln!(
        w,
        "  {:>5}  {:<48} {:>8} {:>8} {:>14}",
        "line", "instruction", "hit rate", "rebuilt", "bytes rebuilt"
    )?;
    for s in &o.steps {
        let b = s.bytes_rebuilt.map(bytes).unwrap_or_else(|| "?".into());
        let text = if s.needed {
            t(&s.instruction).into_owned()
        } else {
            format!("(unneeded stage) {}", t(&s.instruction))
        };
        writeln!(
            w,
            "  {:>5}  {:<48} {:>8} {:>8} {:>14}",
            s.line,
            clip(&text, 48),
            percent(s.hit_rate),
            s.rebuilt,
            b
        )?;
    }
    writeln!(
        w,
        "  overall: {} of steps from the cache; {} steps rebuilt, {}",
        percent(o.hit_rate),
        o.steps_rebuilt,
        rebuilt_bytes(o)
    )
}

/// GitHub-flavoured markdown rendering, ending in a blank line.
pub fn write_markdown(r: &CacheReport, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "## Build cache\n")?;
    writeln!(
        w,
        "{} builds (`{}`..`{}`), the cache holding {}.\n",
        r.builds,
        short_commit(&r.first_commit),
        short_commit(&r.last_commit),
        model_text(r.model)
    )?;
    markdown_steps(&r.result, w)?;
    if let Some(p) = &r.proposal {
        writeln!(w, "\n### Proposed order\n")?;
        for c in &p.changes {
            writeln!(w, "- {}", prose(c))?;
        }
        writeln!(w, "\n{}", fenced("diff", &p.diff))?;
        writeln!(w, "| | now | proposed |\n|---|---:|---:|")?;
        writeln!(
            w,
            "| hit rate | {} | {} |",
            percent(r.result.hit_rate),
            percent(p.result.hit_rate)
        )?;
        writeln!(
            w,
            "| steps rebuilt | {} | {} |",
            r.result.steps_rebuilt, p.result.steps_rebuilt
        )?;
        writeln!(
            w,
            "| bytes rebuilt | {} | {} |",
            rebuilt_bytes(&r.result),
            rebuilt_bytes(&p.result)
        )?;
        for c in p.runs.iter().take(MARKDOWN_STEPS) {
            writeln!(
                w,
                "| {} rebuilt | {} | {} |",
                cell_code(&clip(&c.instruction, 60)),
                c.rebuilt_before,
                c.rebuilt_after
            )?;
        }
    }
    writeln!(w)?;
    for n in &r.notes {
        writeln!(w, "> note: {}\n", prose(n))?;
    }
    Ok(())
}

fn markdown_steps(o: &Outcome, w: &mut dyn Write) -> io::Result<()> {
    writeln!(
        w,
        "| line | instruction | hit rate | rebuilt | bytes rebuilt |\n|---:|---|---:|---:|---:|"
    )?;
    for s in o.steps.iter().take(MARKDOWN_STEPS) {
        let b = s.bytes_rebuilt.map(size).unwrap_or_else(|| "?".into());
        writeln!(
            w,
            "| {} | {} | {} | {} | {} |",
            s.line,
            cell_code(&clip(&s.instruction, 60)),
            percent(s.hit_rate),
            s.rebuilt,
            b
        )?;
    }
    if o.steps.len() > MARKDOWN_STEPS {
        let more = more_line(o.steps.len() - MARKDOWN_STEPS, "steps", None);
        writeln!(w, "\n{more}; `--json` lists them all.")?;
    }
    Ok(())
}
