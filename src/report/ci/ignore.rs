//! `ignore_paths` and `--ignore-path`: the paths the budgets leave out of
//! dive's wasted bytes and of denied rules' findings.
//!
//! A pattern is a glob: `*` within a name, `**` across directories, `?` one
//! character. A pattern without `/` matches a name anywhere; one with `/` is
//! anchored at the root and also covers everything below what it names
//! (`/var/cache/**` covers `/var/cache` itself, `/opt/cache` its content).

use crate::glob::{DoubleStar, Glob, Syntax, Unit};

const SYNTAX: Syntax = Syntax {
    double_star: DoubleStar::AnyRun,
    classes: false,
    escapes: false,
    unit: Unit::Byte,
};

/// The budgets' ignore patterns, compiled once for every path they test.
pub(super) struct IgnorePaths(Vec<Pattern>);

enum Pattern {
    /// No `/`: any name in the path.
    Name(Glob),
    /// The whole path from the root, or `dir/` and anything under it.
    Anchored { glob: Glob, dir: String },
}

impl IgnorePaths {
    pub(super) fn new(patterns: &[String]) -> IgnorePaths {
        IgnorePaths(patterns.iter().map(|p| Pattern::new(p)).collect())
    }

    pub(super) fn ignores(&self, path: &str) -> bool {
        self.0.iter().any(|p| p.matches(path))
    }
}

impl Pattern {
    fn new(pattern: &str) -> Pattern {
        // Without classes there is nothing to reject.
        let glob = |p: &str| Glob::new(p, SYNTAX).expect("a glob without classes always compiles");
        if !pattern.contains('/') {
            return Pattern::Name(glob(pattern));
        }
        let anchored = pattern.trim_start_matches('/');
        Pattern::Anchored {
            glob: glob(anchored),
            dir: format!("{}/", anchored.trim_end_matches("/**")),
        }
    }

    fn matches(&self, path: &str) -> bool {
        let path = path.trim_start_matches('/');
        match self {
            Pattern::Name(glob) => path.split('/').any(|name| glob.is_match(name)),
            Pattern::Anchored { glob, dir } => {
                glob.is_match(path) || path.starts_with(dir.as_str())
            }
        }
    }
}

#[cfg(test)]
mod tests;
