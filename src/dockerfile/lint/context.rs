//! The lint's view of the build context: which ignore file the builder
//! reads for a Dockerfile, and the lint run with it.

use std::io;
use std::path::Path;

use super::super::ast::Dockerfile;
use super::super::ignore::Ignore;
use super::{Context, Finding};
use crate::error::{Error, Result};

/// The ignore file the builder uses for this Dockerfile: `<Dockerfile>.dockerignore`
/// beside it (BuildKit's per-Dockerfile ignore file), else `.dockerignore` at
/// the context root; `None` when there is neither.
pub fn load_ignore(
    dockerfile: &Path,
    context: &Path,
    limits: &crate::limits::Limits,
) -> Result<Option<Ignore>> {
    let mut own = dockerfile.as_os_str().to_owned();
    own.push(".dockerignore");
    let own = Path::new(&own);
    // Present but not a regular file (a FIFO, say): read it, to be refused.
    let path = if own.exists() {
        own.to_path_buf()
    } else {
        context.join(".dockerignore")
    };
    let text = match super::super::file::read_regular_text_within(&path, limits) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::Io { path, cause: e }),
    };
    Ignore::parse(&text).map(Some).map_err(|e| {
        Error::Usage(format!(
            "'{}', {e}: fix the pattern (Docker would refuse it too)",
            path.display()
        ))
    })
}

/// Lint `df` with the context directory (for the `.dockerignore` rules).
pub fn lint_in(df: &Dockerfile, context: Option<&Path>) -> Result<Vec<Finding>> {
    let ignore = match context {
        Some(dir) => load_ignore(&df.path, dir, &df.limits)?,
        None => None,
    };
    Ok(super::lint(
        df,
        &Context {
            dir: context,
            ignore: ignore.as_ref(),
        },
    ))
}
