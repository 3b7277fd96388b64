//! Lint rules on image size, build-cache use, and the hygiene that goes with
//! them, each with a stable id, the line, and the fix.
//!
//! Where hadolint 2.15 has the same rule (the `hadolint` column of [`RULES`]),
//! the rule fires on the lines hadolint fires on, measured against hadolint
//! itself (tests/dockerfile/hadolint.rs); docs/reference.md lists the deliberate
//! differences, each a case where hadolint is wrong about the image that
//! ships (a stage name compared case-sensitively, a cache mount on a parent
//! directory, a build stage that never ships).

mod base;
mod context;
mod copy;
mod final_image;
mod packages;
mod run;
mod secrets;
#[cfg(test)]
mod tests;

pub use context::{lint_in, load_ignore};

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::Serialize;

use super::ast::{Dockerfile, Instruction, Stage};
use super::expand::Scope;
use super::ignore::Ignore;

/// One lint finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable kebab-case id (see [`RULES`]).
    pub rule: &'static str,
    /// The hadolint rule that fires on the same lines, if any.
    pub hadolint: Option<&'static str>,
    /// `size`, `cache`, `security` or `reliability`.
    pub category: &'static str,
    /// `high`, `medium`, `low` or `info`.
    pub severity: &'static str,
    /// 1-based line of the instruction (its first line).
    pub line: usize,
    /// 1-based last line of the instruction.
    pub end_line: usize,
    /// 1-based column of the instruction's keyword.
    pub column: usize,
    pub message: String,
    /// The change to make.
    pub fix: String,
}

/// What a rule is, for the docs/reference.md table and `--json` consumers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rule {
    pub id: &'static str,
    pub hadolint: Option<&'static str>,
    pub category: &'static str,
    pub severity: &'static str,
    pub summary: &'static str,
}

const fn rule(
    id: &'static str,
    hadolint: Option<&'static str>,
    category: &'static str,
    severity: &'static str,
    summary: &'static str,
) -> Rule {
    Rule {
        id,
        hadolint,
        category,
        severity,
        summary,
    }
}

/// Every rule, in the order docs/reference.md lists them.
pub const RULES: &[Rule] = &[
    rule(
        "manifests-after-source",
        None,
        "cache",
        "medium",
        "the whole context is copied before the dependency install (npm ci, pip install -r, go mod download, cargo build, …), so any source change re-runs it",
    ),
    rule(
        "apt-lists-not-removed",
        Some("DL3009"),
        "size",
        "low",
        "`apt-get update` without `rm -rf /var/lib/apt/lists/*` in the same RUN",
    ),
    rule(
        "apk-no-cache",
        Some("DL3019"),
        "size",
        "low",
        "`apk add` without `--no-cache`",
    ),
    rule(
        "pip-cache",
        Some("DL3042"),
        "size",
        "medium",
        "`pip install` without `--no-cache-dir` (nor PIP_NO_CACHE_DIR, nor a cache mount)",
    ),
    rule(
        "npm-cache",
        None,
        "size",
        "low",
        "`npm ci`/`npm install` leaves ~/.npm in the layer: no `npm cache clean --force` in the same RUN, nor a cache mount",
    ),
    rule(
        "yarn-cache",
        None,
        "size",
        "low",
        "`yarn install` leaves yarn's cache in the layer: no `yarn cache clean` in the same RUN, nor a cache mount",
    ),
    rule(
        "no-install-recommends",
        Some("DL3015"),
        "size",
        "low",
        "`apt-get install` without `--no-install-recommends`",
    ),
    rule(
        "consecutive-run",
        Some("DL3059"),
        "size",
        "info",
        "two consecutive single-command RUNs with the same flags could be one layer",
    ),
    rule(
        "add-instead-of-copy",
        Some("DL3020"),
        "reliability",
        "low",
        "ADD of a local file or directory, where COPY does the same without ADD's surprises",
    ),
    rule(
        "last-user-root",
        Some("DL3002"),
        "security",
        "medium",
        "the last USER of the image is root",
    ),
    rule(
        "no-healthcheck",
        Some("DL3057"),
        "reliability",
        "info",
        "the image has no HEALTHCHECK",
    ),
    rule(
        "base-untagged",
        Some("DL3006"),
        "reliability",
        "medium",
        "a base image with neither a tag nor a digest",
    ),
    rule(
        "base-latest",
        Some("DL3007"),
        "reliability",
        "medium",
        "a base image tagged `latest`",
    ),
    rule(
        "base-not-pinned",
        None,
        "reliability",
        "info",
        "a base image pinned by tag only, not by digest",
    ),
    rule(
        "secret-in-env",
        None,
        "security",
        "high",
        "an ENV whose name says secret (password, token, key, …): its value is in the image config",
    ),
    rule(
        "secret-in-arg",
        None,
        "security",
        "high",
        "an ARG whose name says secret: build-arg values are recorded in the image history",
    ),
    rule(
        "node-no-init",
        None,
        "reliability",
        "low",
        "a Node image whose PID 1 is not an init (tini, dumb-init): signals and zombies go unhandled",
    ),
    rule(
        "node-env-not-production",
        None,
        "size",
        "low",
        "a Node image without ENV NODE_ENV=production",
    ),
    rule(
        "python-dont-write-bytecode",
        None,
        "size",
        "low",
        "a Python image without ENV PYTHONDONTWRITEBYTECODE=1",
    ),
    rule(
        "python-unbuffered",
        None,
        "reliability",
        "info",
        "a Python image without ENV PYTHONUNBUFFERED=1",
    ),
    rule(
        "dockerignore-missing",
        None,
        "size",
        "medium",
        "the whole context is copied and there is no .dockerignore",
    ),
    rule(
        "dockerignore-lets-in",
        None,
        "size",
        "medium",
        "the whole context is copied and .dockerignore lets .git, .env or node_modules in",
    ),
];

/// The rule with this id.
pub fn rule_info(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// What the lint knows about the build context.
#[derive(Debug, Clone, Default)]
pub struct Context<'a> {
    /// The context directory; without it the `.dockerignore` rules are off.
    pub dir: Option<&'a Path>,
    /// The ignore file in force (`<Dockerfile>.dockerignore`, else
    /// `.dockerignore` in the context), already parsed; `None` when there is
    /// none.
    pub ignore: Option<&'a Ignore>,
}

/// Lint a parsed Dockerfile. Findings come sorted by line, then rule.
pub fn lint(df: &Dockerfile, ctx: &Context) -> Vec<Finding> {
    let mut l = Linter {
        df,
        out: Vec::new(),
        globals: df.global_scope(&HashMap::new()),
    };
    l.bases();
    l.runs();
    l.adds();
    l.manifests_after_source();
    l.final_image();
    l.secrets();
    l.dockerignore(ctx);
    let mut out = l.out;
    out.sort_by(|a, b| (a.line, a.rule).cmp(&(b.line, b.rule)));
    out.dedup_by(|a, b| a.line == b.line && a.rule == b.rule);
    out
}

struct Linter<'a> {
    df: &'a Dockerfile,
    out: Vec<Finding>,
    globals: Scope,
}

impl<'a> Linter<'a> {
    fn push(&mut self, id: &'static str, ins: &Instruction, message: String, fix: String) {
        let r = rule_info(id).expect("every rule id is in RULES");
        self.out.push(Finding {
            rule: r.id,
            hadolint: r.hadolint,
            category: r.category,
            severity: r.severity,
            line: ins.line,
            end_line: ins.end_line,
            column: ins.column,
            message,
            fix,
        });
    }

    /// The stage's base, expanded with the global ARGs' defaults.
    fn base_of(&self, stage: &Stage) -> String {
        self.globals
            .expand(&stage.base)
            .unwrap_or_else(|_| stage.base.clone())
    }

    /// The earlier stage a stage is built on, if it is built on one.
    fn parent(&self, stage: &Stage) -> Option<&'a Stage> {
        self.df.stage_named(&self.base_of(stage), stage.index)
    }

    /// The stages whose filesystem is the final image: the last stage and the
    /// stages it is built `FROM`, last first.
    fn final_chain(&self) -> Vec<&'a Stage> {
        let mut chain = Vec::new();
        let mut cur = self.df.final_stage();
        while let Some(s) = cur {
            if chain.iter().any(|c: &&Stage| c.index == s.index) {
                break;
            }
            chain.push(s);
            cur = self.parent(s);
        }
        chain
    }

    /// Stages that become an image as hadolint sees it for DL3009: the last
    /// stage and every stage a `FROM` builds on.
    fn image_stages(&self) -> HashSet<usize> {
        let mut set: HashSet<usize> = self.df.final_stage().map(|s| s.index).into_iter().collect();
        for s in &self.df.stages {
            if let Some(p) = self.parent(s) {
                set.insert(p.index);
            }
        }
        set
    }
}

fn quote_list<S: AsRef<str>>(items: &[S]) -> String {
    items
        .iter()
        .map(|s| format!("'{}'", s.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}
