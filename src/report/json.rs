//! `--json`: the analysis as JSON (schema in docs/reference.md, versioned by `schema`).

use std::io::Write;

use crate::analysis::Analysis;

pub fn write(analysis: &Analysis, out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, analysis)?;
    out.write_all(b"\n")?;
    out.flush()
}
