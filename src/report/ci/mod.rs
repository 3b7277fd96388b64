//! `--ci`: size budgets that fail a build with a reason a developer can act on.
//!
//! Budgets come from `.ballast.toml` (or `--config`), else from dive's `.dive-ci`
//! read as is with dive's meaning, else dive's own defaults, so a team can switch
//! from `dive --ci` without editing a file or getting a different verdict.
//! Flags override the file. With dive's rules in charge, ballast's own findings
//! are printed as warnings, never failures, until a budget asks for them.
//!
//! Exit codes: 0 every budget passes, 1 one is over, 2 error.

mod config;
mod dive_ci;
mod evaluate;
mod github;
mod ignore;
mod junit;
mod text;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};

use config::parse_toml;
use dive_ci::parse_dive_ci;

pub use config::{parse_ratio, parse_size};
pub use dive_ci::dive_defaults;
pub use evaluate::evaluate;
pub use github::write_github;
pub use junit::write_junit;
pub use text::write;

/// Where the budgets came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "path", rename_all = "kebab-case")]
pub enum Origin {
    BallastToml(PathBuf),
    DiveCi(PathBuf),
    /// No file: dive's defaults (lowestEfficiency 0.9, highestUserWastedPercent 0.1).
    DiveDefaults,
}

/// The limits to check. `None` is no limit.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Budgets {
    pub max_size: Option<u64>,
    pub max_layer_size: Option<u64>,
    pub max_wasted_bytes: Option<u64>,
    pub max_reclaimable_bytes: Option<u64>,
    /// A ratio (0.1 is 10 %), compared with dive's `user_wasted_percent`.
    pub max_wasted_percent: Option<f64>,
    /// A ratio (0.9 is 90 %).
    pub min_efficiency: Option<f64>,
    /// Rules that must not fire.
    pub deny: Vec<crate::vocab::Rule>,
    /// Paths left out of dive's wasted bytes and of denied rules' findings.
    pub ignore_paths: Vec<String>,
    /// Growth allowed against `--baseline`.
    pub max_growth: Option<u64>,
    /// `[limits]` of `.ballast.toml`: resource limits to apply before the
    /// image is read (`--limit` flags override them).
    #[serde(skip)]
    pub limits: Vec<(crate::limits::Limit, u64)>,
}

/// Load budgets: `explicit` path, else `.ballast.toml`, else `.dive-ci`, in
/// `dir`; a regular file within the `text-file` limit of `limits`.
pub fn load(
    explicit: Option<&Path>,
    dir: &Path,
    limits: &crate::limits::Limits,
) -> Result<(Budgets, Origin)> {
    let candidates: Vec<PathBuf> = match explicit {
        Some(p) => vec![p.to_path_buf()],
        None => vec![dir.join(".ballast.toml"), dir.join(".dive-ci")],
    };
    for path in candidates {
        let text = match crate::dockerfile::read_regular_text_within(&path, limits) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && explicit.is_none() => continue,
            Err(e) => return Err(Error::io(&path, e)),
        };
        let is_toml = path.extension().is_some_and(|e| e == "toml");
        return if is_toml {
            Ok((parse_toml(&text, &path)?, Origin::BallastToml(path)))
        } else {
            Ok((parse_dive_ci(&text, &path)?, Origin::DiveCi(path)))
        };
    }
    Ok((dive_defaults(), Origin::DiveDefaults))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
}

/// One budget's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub budget: String,
    pub status: Status,
    pub measured: String,
    pub limit: String,
    /// Why, for a failure: the findings or paths that explain it.
    pub explain: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub origin: Origin,
    pub checks: Vec<Check>,
    /// Findings shown but not failing (dive's rules in charge).
    pub warnings: Vec<String>,
}

impl Verdict {
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.status == Status::Pass)
    }
}
