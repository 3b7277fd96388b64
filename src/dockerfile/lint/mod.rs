//! Lint rules on image size, build-cache use, and the hygiene that goes with
//! them, each with a stable id, the line, and the fix.
//!
//! Where hadolint 2.15 has the same rule (the `hadolint` column of [`RULES`]),
//! the rule fires on the lines hadolint fires on, measured against hadolint
//! itself (tests/dockerfile/hadolint.rs); the README lists the deliberate
//! differences, each a case where hadolint is wrong about the image that
//! ships (a stage name compared case-sensitively, a cache mount on a parent
//! directory, a build stage that never ships).

mod context;

pub use context::{lint_in, load_ignore};

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::Serialize;

use super::ast::{Dockerfile, Instruction, Kind, Stage};
use super::expand::Scope;
use super::ignore::Ignore;
use super::shell::{self, Command};
use crate::secret::secret_name;

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

/// What a rule is, for the README table and `--json` consumers.
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

/// Every rule, in the order the README lists them.
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

/// A base image reference, split.
#[derive(Debug, PartialEq, Eq)]
struct ImageRef {
    name: String,
    tag: Option<String>,
    digest: Option<String>,
}

impl ImageRef {
    fn parse(s: &str) -> ImageRef {
        let (rest, digest) = match s.split_once('@') {
            Some((r, d)) => (r, Some(d.to_string())),
            None => (s, None),
        };
        let slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[slash..].rfind(':') {
            Some(i) => (&rest[..slash + i], Some(rest[slash + i + 1..].to_string())),
            None => (rest, None),
        };
        ImageRef {
            name: name.to_string(),
            tag,
            digest,
        }
    }

    /// The repository's last component (`docker.io/library/node` → `node`).
    fn short(&self) -> &str {
        self.name.rsplit('/').next().unwrap_or(&self.name)
    }
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

    /// DL3006, DL3007 and the digest pin.
    fn bases(&mut self) {
        for stage in &self.df.stages {
            let base = self.base_of(stage);
            if base.is_empty()
                || base.eq_ignore_ascii_case("scratch")
                || self.parent(stage).is_some()
            {
                continue;
            }
            let r = ImageRef::parse(&base);
            let from = &stage.from;
            match (&r.tag, &r.digest) {
                (_, Some(_)) => {}
                (None, None) => self.push(
                    "base-untagged",
                    from,
                    format!("base image '{base}' has no tag: it means `latest`, whatever that is on the day of the build"),
                    format!("pin a version, and better a digest: FROM {base}:<version>@sha256:<digest>"),
                ),
                (Some(t), None) if t == "latest" => self.push(
                    "base-latest",
                    from,
                    format!("base image '{base}' uses the `latest` tag: builds change under you"),
                    format!("pin a version and a digest: FROM {}:<version>@sha256:<digest>", r.name),
                ),
                (Some(_), None) => self.push(
                    "base-not-pinned",
                    from,
                    format!("base image '{base}' is pinned by tag only: the tag can move to other bytes"),
                    format!("add the digest: FROM {base}@sha256:<digest> (`docker buildx imagetools inspect {base}` shows it)"),
                ),
            }
        }
    }

    /// The rules that read each `RUN`'s commands.
    fn runs(&mut self) {
        let image_stages = self.image_stages();
        let df = self.df;
        for stage in &df.stages {
            let ships = image_stages.contains(&stage.index);
            df.for_each_scope(stage.index, &HashMap::new(), |i, ins, scope| {
                if ins.kind != Kind::Run {
                    return;
                }
                let cmds = shell::run_commands(ins);
                self.apt(ins, &cmds, ships);
                self.apk(ins, &cmds);
                self.pip(ins, &cmds, scope);
                if ships {
                    self.npm_yarn(ins, &cmds);
                }
                let prev = i.checked_sub(1).map(|p| &stage.instructions[p]);
                self.consecutive_run(prev, ins);
            });
        }
    }

    /// Two `RUN`s in a row with the same flags, one command each.
    fn consecutive_run(&mut self, prev: Option<&Instruction>, ins: &Instruction) {
        if let Some(p) = prev.filter(|p| p.kind == Kind::Run)
            && p.flags
                .iter()
                .map(|f| (&f.name, &f.value))
                .eq(ins.flags.iter().map(|f| (&f.name, &f.value)))
            && shell::command_count(p) == 1
            && shell::command_count(ins) == 1
        {
            self.push(
                "consecutive-run",
                ins,
                format!("RUN on line {} and this RUN each run one command: two layers where one would do", p.line),
                "join them with `&&` in one RUN".into(),
            );
        }
    }

    fn apt(&mut self, ins: &Instruction, cmds: &[Command], ships: bool) {
        const VALUED: &[&str] = &[
            "-o",
            "-c",
            "-t",
            "--option",
            "--config-file",
            "--target-release",
        ];
        let is_apt =
            |c: &Command, sub: &str| c.program() == "apt-get" && c.subcommand(VALUED) == Some(sub);
        for c in cmds.iter().filter(|c| is_apt(c, "install")) {
            let off = c.has("--no-install-recommends")
                || c.words
                    .iter()
                    .any(|w| w.contains("APT::Install-Recommends=false"));
            if !off {
                self.push(
                    "no-install-recommends",
                    ins,
                    "`apt-get install` without `--no-install-recommends` also installs every recommended package".into(),
                    "apt-get install -y --no-install-recommends <packages>".into(),
                );
                break;
            }
        }
        let updates = cmds.iter().any(|c| is_apt(c, "update"));
        if ships
            && updates
            && !removes(
                cmds,
                &[
                    "/var/lib/apt/lists",
                    "/var/lib/apt/lists/",
                    "/var/lib/apt/lists/*",
                ],
            )
            && !cache_mounted(ins, "/var/lib/apt/lists")
        {
            self.push(
                "apt-lists-not-removed",
                ins,
                "`apt-get update` leaves the package lists (tens of MB) in this layer; removing them in a later RUN does not shrink the image".into(),
                "end the same RUN with `&& rm -rf /var/lib/apt/lists/*`, or use `--mount=type=cache,target=/var/lib/apt/lists`".into(),
            );
        }
    }

    fn apk(&mut self, ins: &Instruction, cmds: &[Command]) {
        const VALUED: &[&str] = &[
            "-X",
            "--repository",
            "-p",
            "--root",
            "--arch",
            "--cache-dir",
        ];
        if cmds.iter().any(|c| {
            c.program() == "apk" && c.subcommand(VALUED) == Some("add") && !c.has("--no-cache")
        }) {
            self.push(
                "apk-no-cache",
                ins,
                "`apk add` without `--no-cache` keeps the package index in /var/cache/apk in this layer".into(),
                "apk add --no-cache <packages> (and drop `apk update` and `rm -rf /var/cache/apk/*`)".into(),
            );
        }
    }

    fn pip(&mut self, ins: &Instruction, cmds: &[Command], scope: &Scope) {
        // pip disables its cache for any value of PIP_NO_CACHE_DIR, "false"
        // included (pip's own backwards-compatible quirk).
        if scope.get("PIP_NO_CACHE_DIR").is_some() || cache_mounted(ins, "/root/.cache/pip") {
            return;
        }
        if let Some(dir) = scope.get("PIP_CACHE_DIR")
            && cache_mounted(ins, dir)
        {
            return;
        }
        if cmds
            .iter()
            .any(|c| c.is_pip("install") && !c.has("--no-cache-dir"))
        {
            self.push(
                "pip-cache",
                ins,
                "`pip install` keeps every downloaded wheel in ~/.cache/pip in this layer".into(),
                "pip install --no-cache-dir …, or ENV PIP_NO_CACHE_DIR=1, or `--mount=type=cache,target=/root/.cache/pip`".into(),
            );
        }
    }

    fn npm_yarn(&mut self, ins: &Instruction, cmds: &[Command]) {
        let npm_install = cmds.iter().any(|c| {
            c.program() == "npm" && matches!(c.subcommand(&[]), Some("ci" | "install" | "i"))
        });
        let npm_clean = cmds
            .iter()
            .any(|c| c.program() == "npm" && c.subcommand(&[]) == Some("cache") && c.has("clean"))
            || removes(
                cmds,
                &["/root/.npm", "~/.npm", "$HOME/.npm", "/root/.npm/_cacache"],
            );
        if npm_install && !npm_clean && !cache_mounted(ins, "/root/.npm") {
            self.push(
                "npm-cache",
                ins,
                "`npm install`/`npm ci` leaves its download cache (~/.npm/_cacache) in this layer".into(),
                "end the same RUN with `&& npm cache clean --force`, or use `--mount=type=cache,target=/root/.npm`".into(),
            );
        }
        let yarn_install = cmds.iter().any(|c| {
            c.program() == "yarn"
                && matches!(
                    c.subcommand(&["--cwd", "--cache-folder"]),
                    None | Some("install")
                )
        });
        let yarn_clean = cmds
            .iter()
            .any(|c| c.program() == "yarn" && c.subcommand(&[]) == Some("cache") && c.has("clean"));
        let yarn_mounted = cache_mounted(ins, "/usr/local/share/.cache/yarn")
            || cache_mounted(ins, "/root/.cache/yarn")
            || cache_mounted(ins, "/root/.yarn");
        if yarn_install && !yarn_clean && !yarn_mounted {
            self.push(
                "yarn-cache",
                ins,
                "`yarn install` leaves yarn's cache (/usr/local/share/.cache/yarn) in this layer".into(),
                "end the same RUN with `&& yarn cache clean`, or use `--mount=type=cache,target=/usr/local/share/.cache/yarn`".into(),
            );
        }
    }

    /// DL3020: ADD where COPY fits.
    fn adds(&mut self) {
        let df = self.df;
        for stage in &df.stages {
            df.for_each_scope(stage.index, &HashMap::new(), |_, ins, scope| {
                if ins.kind != Kind::Add {
                    return;
                }
                let Some((sources, _)) = ins.copy_paths() else {
                    return;
                };
                let local: Vec<String> = sources
                    .iter()
                    .map(|s| scope.expand(s).unwrap_or_else(|_| s.clone()))
                    .filter(|s| !is_url(s) && !is_archive(s) && !is_git(s))
                    .collect();
                if !local.is_empty() {
                    self.push(
                        "add-instead-of-copy",
                        ins,
                        format!("ADD of {}: ADD also fetches URLs and unpacks archives, COPY only copies", quote_list(&local)),
                        format!("COPY {}", ins.args_text()),
                    );
                }
            });
        }
    }

    /// The dependency install that follows a copy of the whole context.
    fn manifests_after_source(&mut self) {
        let df = self.df;
        for stage in &df.stages {
            let mut manifests: HashSet<&str> = HashSet::new();
            let mut installed: HashSet<&str> = HashSet::new();
            let mut copy_all: Option<&Instruction> = None;
            let mut hits: Vec<(&str, &Instruction)> = Vec::new();
            for ins in &stage.instructions {
                match ins.kind {
                    Kind::Copy | Kind::Add
                        if ins.flag("from").is_none() && ins.heredocs.is_empty() =>
                    {
                        let Some((sources, _)) = ins.copy_paths() else {
                            continue;
                        };
                        if copy_all.is_none() && sources.iter().any(|s| whole_context(s)) {
                            copy_all = Some(ins);
                        } else if copy_all.is_none() {
                            for s in &sources {
                                manifests.extend(ecosystems_of_manifest(s));
                            }
                        }
                    }
                    Kind::Copy => {
                        // A COPY --from of a recipe or dependency tree counts
                        // as the dependencies arriving before the source.
                        if copy_all.is_none()
                            && let Some((sources, _)) = ins.copy_paths()
                        {
                            for s in &sources {
                                manifests.extend(ecosystems_of_manifest(s));
                            }
                        }
                    }
                    Kind::Run => {
                        // A build step with a cache mount keeps its downloads
                        // across builds, so the order costs little there.
                        let cached = ins.mounts().iter().any(|m| m.kind == "cache");
                        for c in shell::run_commands(ins) {
                            let Some((eco, step)) = install_step(&c) else {
                                continue;
                            };
                            if copy_all.is_none() {
                                installed.insert(eco);
                                continue;
                            }
                            let costly = !(step == Step::Build && cached);
                            if costly
                                && !installed.contains(eco)
                                && !manifests.contains(eco)
                                && !hits.iter().any(|h| h.0 == eco)
                            {
                                hits.push((eco, ins));
                            }
                        }
                    }
                    _ => {}
                }
            }
            let Some(copy) = copy_all else { continue };
            if hits.is_empty() {
                continue;
            }
            let what: Vec<String> = hits
                .iter()
                .map(|(eco, ins)| format!("{} (line {})", install_name(eco), ins.line))
                .collect();
            let fix: Vec<String> = hits.iter().map(|(eco, _)| manifest_fix(eco)).collect();
            self.push(
                "manifests-after-source",
                copy,
                format!(
                    "this copies the whole context before {}: every source change misses the cache and re-installs the dependencies",
                    what.join(", ")
                ),
                format!("{}; then `{}`", fix.join("; "), copy.text.lines().next().unwrap_or("COPY . .").trim()),
            );
        }
    }

    /// The rules about the image that ships: USER, HEALTHCHECK, Node, Python.
    fn final_image(&mut self) {
        let chain = self.final_chain();
        let Some(last) = chain.first().copied() else {
            return;
        };
        let root_base = chain.last().map(|s| self.base_of(s)).unwrap_or_default();
        let image = ImageRef::parse(&root_base);
        let all: Vec<&Instruction> = chain
            .iter()
            .rev()
            .flat_map(|s| s.instructions.iter())
            .collect();

        if let Some(user) = all.iter().rev().find(|i| i.kind == Kind::User) {
            let scope = self.scope_before(user);
            let raw = user.words().first().cloned().unwrap_or_default();
            let name = scope.expand(&raw).unwrap_or(raw);
            let who = name.split(':').next().unwrap_or("");
            if who == "root" || who == "0" {
                self.push(
                    "last-user-root",
                    user,
                    format!("the image runs as root (USER {name} is the last USER)"),
                    "create a user and switch to it last: RUN useradd -r app … then USER app (or a numeric UID)".into(),
                );
            }
        }

        if !all.iter().any(|i| i.kind == Kind::Healthcheck) {
            self.push(
                "no-healthcheck",
                &last.from,
                "the image has no HEALTHCHECK: the engine cannot tell a hung container from a healthy one".into(),
                "add HEALTHCHECK CMD <a cheap probe> (e.g. wget -qO- http://localhost:PORT/health || exit 1)".into(),
            );
        }

        let end = self
            .df
            .scope_at(last.index, last.instructions.len(), &HashMap::new());
        let installs = |pkg: &str| {
            all.iter().any(|i| {
                shell::run_commands(i).iter().any(|c| {
                    matches!(c.program(), "apk" | "apt-get" | "apt")
                        && c.words.iter().skip(1).any(|w| w == pkg)
                })
            })
        };
        let is_node = image.short().starts_with("node") || installs("nodejs");
        if is_node {
            let entry = all.iter().rev().find(|i| i.kind == Kind::Entrypoint);
            let cmd = all.iter().rev().find(|i| i.kind == Kind::Cmd);
            let has_init = [entry, cmd].iter().flatten().any(|i| {
                i.words()
                    .iter()
                    .take(2)
                    .any(|w| w.contains("tini") || w.contains("dumb-init"))
            });
            if !has_init {
                let at = entry.or(cmd).copied().unwrap_or(&last.from);
                self.push(
                    "node-no-init",
                    at,
                    "node runs as PID 1: it does not reap zombies, and SIGTERM may not stop it (docker stop waits 10 s, then kills)".into(),
                    "RUN apk add --no-cache tini (or apt-get install tini) and ENTRYPOINT [\"/sbin/tini\", \"--\"]; or run with `docker run --init`".into(),
                );
            }
            if end.get("NODE_ENV") != Some("production") {
                self.push(
                    "node-env-not-production",
                    &last.from,
                    "NODE_ENV is not `production`: npm installs devDependencies and frameworks run in development mode".into(),
                    "ENV NODE_ENV=production before the install".into(),
                );
            }
        }
        let is_python = image.short().starts_with("python");
        if is_python {
            if end.get("PYTHONDONTWRITEBYTECODE").is_none_or(str::is_empty) {
                self.push(
                    "python-dont-write-bytecode",
                    &last.from,
                    "without PYTHONDONTWRITEBYTECODE, every import at build time writes __pycache__/*.pyc into the layers".into(),
                    "ENV PYTHONDONTWRITEBYTECODE=1".into(),
                );
            }
            if end.get("PYTHONUNBUFFERED").is_none_or(str::is_empty) {
                self.push(
                    "python-unbuffered",
                    &last.from,
                    "without PYTHONUNBUFFERED, output is block-buffered and logs arrive late or are lost on a crash".into(),
                    "ENV PYTHONUNBUFFERED=1".into(),
                );
            }
        }
    }

    /// The scope just before `ins`, wherever it is.
    fn scope_before(&self, ins: &Instruction) -> Scope {
        for s in &self.df.stages {
            if let Some(i) = s.instructions.iter().position(|x| std::ptr::eq(x, ins)) {
                return self.df.scope_at(s.index, i, &HashMap::new());
            }
        }
        self.globals.clone()
    }

    /// Secrets in ENV and ARG names.
    fn secrets(&mut self) {
        let df = self.df;
        for ins in df.instructions() {
            let (id, what) = match ins.kind {
                Kind::Env => (
                    "secret-in-env",
                    "ENV values are stored in the image config: anyone who pulls the image can read",
                ),
                Kind::Arg => (
                    "secret-in-arg",
                    "build-arg values are recorded in the image history of every RUN after the ARG:",
                ),
                _ => continue,
            };
            let names: Vec<&str> = ins
                .pairs
                .iter()
                .map(|p| p.0.as_str())
                .filter(|n| secret_name(n))
                .collect();
            if names.is_empty() {
                continue;
            }
            self.push(
                id,
                ins,
                format!("{what} {}", quote_list(&names)),
                "pass it at build time with RUN --mount=type=secret,id=<name> (docker build --secret id=<name>,src=<file>), and at run time through the environment or a mounted file".into(),
            );
        }
    }

    /// `.dockerignore` missing, or letting `.git`, `.env`, `node_modules` in.
    fn dockerignore(&mut self, ctx: &Context) {
        let Some(dir) = ctx.dir else { return };
        let df = self.df;
        let Some(copy) = df
            .stages
            .iter()
            .flat_map(|s| s.instructions.iter())
            .find(|i| {
                matches!(i.kind, Kind::Copy | Kind::Add)
                    && i.flag("from").is_none()
                    && i.copy_paths()
                        .is_some_and(|(s, _)| s.iter().any(|s| whole_context(s)))
            })
        else {
            return;
        };
        let Some(ignore) = ctx.ignore else {
            self.push(
                "dockerignore-missing",
                copy,
                format!(
                    "there is no .dockerignore in '{}': this copies everything, .git and local secrets included, and any file change misses the cache",
                    dir.display()
                ),
                "add a .dockerignore with at least: .git, .env, node_modules, and your build output".into(),
            );
            return;
        };
        let node = dir.join("package.json").exists() || dir.join("node_modules").exists();
        let mut let_in: Vec<&str> = Vec::new();
        for path in [".git", ".env", "node_modules"] {
            if path == "node_modules" && !node {
                continue;
            }
            if !ignore.is_excluded(path) {
                let_in.push(path);
            }
        }
        if !let_in.is_empty() {
            self.push(
                "dockerignore-lets-in",
                copy,
                format!("the .dockerignore lets {} into the context, so this copies them into the image", quote_list(&let_in)),
                format!("add {} to .dockerignore", let_in.join(", ")),
            );
        }
    }
}

/// Whether any command is an `rm -r -f` of one of `paths`.
fn removes(cmds: &[Command], paths: &[&str]) -> bool {
    cmds.iter().any(|c| {
        if c.program() != "rm" {
            return false;
        }
        let flags: String = c
            .words
            .iter()
            .skip(1)
            .filter(|w| w.starts_with('-') && !w.starts_with("--"))
            .flat_map(|w| w.chars().skip(1))
            .collect();
        let long = |f: &str| c.has(f);
        let recursive = flags.contains('r') || flags.contains('R') || long("--recursive");
        let force = flags.contains('f') || long("--force");
        recursive && force && c.words.iter().skip(1).any(|w| paths.contains(&w.as_str()))
    })
}

/// Whether a `--mount=type=cache` of `ins` covers `dir` (is it or a parent).
fn cache_mounted(ins: &Instruction, dir: &str) -> bool {
    let dir = dir.trim_end_matches('/');
    ins.mounts().iter().any(|m| {
        m.kind == "cache"
            && m.target.as_deref().is_some_and(|t| {
                let t = t.trim_end_matches('/');
                !t.is_empty() && (dir == t || dir.starts_with(&format!("{t}/")))
            })
    })
}

fn is_url(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://")
}

/// A git source, which ADD clones (BuildKit) and COPY cannot.
fn is_git(s: &str) -> bool {
    s.starts_with("git@")
        || s.starts_with("git://")
        || (is_url(s) && s.trim_end_matches('/').ends_with(".git"))
}

/// Archive names ADD unpacks, as hadolint lists them (case-sensitive).
fn is_archive(s: &str) -> bool {
    const EXT: &[&str] = &[
        ".tar", ".Z", ".bz2", ".gz", ".lz", ".lzma", ".tZ", ".tb2", ".tbz", ".tbz2", ".tgz",
        ".tlz", ".tpz", ".txz", ".xz",
    ];
    EXT.iter().any(|e| s.ends_with(e))
}

/// A COPY source that means the whole context.
fn whole_context(s: &str) -> bool {
    matches!(s.trim_end_matches('/'), "." | "" | "*" | "./*" | "./.")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Fetches the dependencies only (npm ci, go mod download).
    Install,
    /// Builds, fetching dependencies on the way (go build, cargo build).
    Build,
}

/// The ecosystem and kind of a dependency step, if `c` is one.
fn install_step(c: &Command) -> Option<(&'static str, Step)> {
    let sub = c.subcommand(&[
        "--prefix",
        "-C",
        "--cwd",
        "--cache-folder",
        "--manifest-path",
        "-p",
    ]);
    let positional_after = |sub: &str| {
        c.words
            .iter()
            .skip_while(|w| *w != sub)
            .skip(1)
            .any(|w| !w.starts_with('-'))
    };
    match (c.program(), sub) {
        ("npm", Some("ci")) => Some(("npm", Step::Install)),
        ("npm", Some("install" | "i"))
            if !positional_after(sub?) && !c.has("-g") && !c.has("--global") =>
        {
            Some(("npm", Step::Install))
        }
        ("yarn", None | Some("install")) => Some(("npm", Step::Install)),
        ("pnpm", Some("install" | "i")) => Some(("npm", Step::Install)),
        ("poetry", Some("install"))
        | ("pipenv", Some("install" | "sync"))
        | ("uv", Some("sync")) => Some(("python", Step::Install)),
        ("go", Some("mod")) if c.has("download") => Some(("go", Step::Install)),
        ("go", Some("build")) => Some(("go", Step::Build)),
        ("cargo", Some("fetch")) => Some(("cargo", Step::Install)),
        ("cargo", Some("chef")) if c.has("cook") => Some(("cargo", Step::Install)),
        ("cargo", Some("build")) => Some(("cargo", Step::Build)),
        ("bundle", Some("install")) | ("bundler", Some("install")) => Some(("ruby", Step::Install)),
        ("composer", Some("install")) => Some(("php", Step::Install)),
        _ if c.is_pip("install") => {
            let from_files = c.words.iter().any(|w| {
                matches!(
                    w.as_str(),
                    "-r" | "--requirement" | "." | "-e" | "--editable"
                ) || w.starts_with("--requirement=")
                    || w.starts_with("-r")
            });
            from_files.then_some(("python", Step::Install))
        }
        _ => None,
    }
}

fn install_name(eco: &str) -> &'static str {
    match eco {
        "npm" => "the npm/yarn install",
        "python" => "the pip install",
        "go" => "the Go module download",
        "cargo" => "the cargo build",
        "ruby" => "bundle install",
        _ => "composer install",
    }
}

fn manifest_fix(eco: &str) -> String {
    match eco {
        "npm" => "COPY package.json package-lock.json ./ (or yarn.lock / pnpm-lock.yaml) and RUN npm ci before it",
        "python" => "COPY requirements.txt ./ (or pyproject.toml and the lock file) and RUN pip install -r requirements.txt before it",
        "go" => "COPY go.mod go.sum ./ and RUN go mod download before it",
        "cargo" => "COPY Cargo.toml Cargo.lock ./ and build the dependencies first (cargo-chef, or `cargo fetch`) before it",
        "ruby" => "COPY Gemfile Gemfile.lock ./ and RUN bundle install before it",
        _ => "COPY composer.json composer.lock ./ and RUN composer install before it",
    }
    .to_string()
}

/// The ecosystems whose manifest a COPY source names (globs allowed).
fn ecosystems_of_manifest(source: &str) -> Vec<&'static str> {
    const MANIFESTS: &[(&str, &str)] = &[
        ("package.json", "npm"),
        ("package-lock.json", "npm"),
        ("npm-shrinkwrap.json", "npm"),
        ("yarn.lock", "npm"),
        ("pnpm-lock.yaml", "npm"),
        ("requirements.txt", "python"),
        ("pyproject.toml", "python"),
        ("poetry.lock", "python"),
        ("Pipfile", "python"),
        ("Pipfile.lock", "python"),
        ("setup.py", "python"),
        ("uv.lock", "python"),
        ("go.mod", "go"),
        ("go.sum", "go"),
        ("Cargo.toml", "cargo"),
        ("Cargo.lock", "cargo"),
        ("recipe.json", "cargo"),
        ("Gemfile", "ruby"),
        ("Gemfile.lock", "ruby"),
        ("composer.json", "php"),
        ("composer.lock", "php"),
    ];
    let base = source
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(source);
    let mut out: Vec<&'static str> = MANIFESTS
        .iter()
        .filter(|(m, _)| {
            glob_match(base, m)
                || (base.starts_with("requirements")
                    && base.ends_with(".txt")
                    && *m == "requirements.txt")
        })
        .map(|(_, e)| *e)
        .collect();
    // node_modules or a venv from another stage: the dependencies themselves.
    match base {
        "node_modules" => out.push("npm"),
        "site-packages" | ".venv" | "venv" => out.push("python"),
        _ => {}
    }
    out.dedup();
    out
}

/// `*` and `?` glob against one name.
fn glob_match(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    let (mut pi, mut ni, mut star, mut mark) = (0, 0, None, 0);
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ni;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ni = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

fn quote_list<S: AsRef<str>>(items: &[S]) -> String {
    items
        .iter()
        .map(|s| format!("'{}'", s.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_refs_split_registry_ports_tags_and_digests() {
        let r = ImageRef::parse("reg:5000/team/node:20-alpine@sha256:ab");
        assert_eq!(r.name, "reg:5000/team/node");
        assert_eq!(r.tag.as_deref(), Some("20-alpine"));
        assert_eq!(r.digest.as_deref(), Some("sha256:ab"));
        assert_eq!(r.short(), "node");
        assert_eq!(ImageRef::parse("reg:5000/a").tag, None);
    }

    #[test]
    fn globs_and_manifests() {
        assert!(glob_match("package*.json", "package-lock.json"));
        assert!(!glob_match("*.toml", "Cargo.lock"));
        assert_eq!(ecosystems_of_manifest("./package*.json"), ["npm"]);
        assert_eq!(
            ecosystems_of_manifest("requirements/prod.txt"),
            Vec::<&str>::new()
        );
        assert_eq!(ecosystems_of_manifest("requirements-dev.txt"), ["python"]);
        assert!(whole_context("./") && whole_context(".") && !whole_context("src"));
    }
}
