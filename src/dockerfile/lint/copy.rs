//! `COPY`, `ADD` and the build context: `ADD` where `COPY` fits, the whole
//! context copied before the dependency install, and the `.dockerignore`.

use std::collections::{HashMap, HashSet};

use super::super::ast::{Instruction, Kind};
use super::super::shell::{self, Command};
use super::{Context, Linter, quote_list};
use crate::glob::{DoubleStar, Glob, Syntax, Unit};

impl Linter<'_> {
    /// DL3020: ADD where COPY fits.
    pub(super) fn adds(&mut self) {
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
    pub(super) fn manifests_after_source(&mut self) {
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

    /// `.dockerignore` missing, or letting `.git`, `.env`, `node_modules` in.
    pub(super) fn dockerignore(&mut self, ctx: &Context) {
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

pub(super) fn is_url(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://")
}

/// A git source, which ADD clones (BuildKit) and COPY cannot.
pub(super) fn is_git(s: &str) -> bool {
    s.starts_with("git@")
        || s.starts_with("git://")
        || (is_url(s) && s.trim_end_matches('/').ends_with(".git"))
}

/// Archive names ADD unpacks, as hadolint lists them (case-sensitive).
pub(super) fn is_archive(s: &str) -> bool {
    const EXT: &[&str] = &[
        ".tar", ".Z", ".bz2", ".gz", ".lz", ".lzma", ".tZ", ".tb2", ".tbz", ".tbz2", ".tgz",
        ".tlz", ".tpz", ".txz", ".xz",
    ];
    EXT.iter().any(|e| s.ends_with(e))
}

/// A COPY source that means the whole context.
pub(super) fn whole_context(s: &str) -> bool {
    matches!(s.trim_end_matches('/'), "." | "" | "*" | "./*" | "./.")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Step {
    /// Fetches the dependencies only (npm ci, go mod download).
    Install,
    /// Builds, fetching dependencies on the way (go build, cargo build).
    Build,
}

/// The ecosystem and kind of a dependency step, if `c` is one.
pub(super) fn install_step(c: &Command) -> Option<(&'static str, Step)> {
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

pub(super) fn install_name(eco: &str) -> &'static str {
    match eco {
        "npm" => "the npm/yarn install",
        "python" => "the pip install",
        "go" => "the Go module download",
        "cargo" => "the cargo build",
        "ruby" => "bundle install",
        _ => "composer install",
    }
}

pub(super) fn manifest_fix(eco: &str) -> String {
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
pub(super) fn ecosystems_of_manifest(source: &str) -> Vec<&'static str> {
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
    let glob = name_glob(base);
    let mut out: Vec<&'static str> = MANIFESTS
        .iter()
        .filter(|(m, _)| {
            glob.as_ref().is_some_and(|g| g.is_match(m))
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

/// A one-name pattern: `*` and `?` only, everything else literal.
pub(super) fn name_glob(pattern: &str) -> Option<Glob> {
    const NAME: Syntax = Syntax {
        double_star: DoubleStar::Star,
        classes: false,
        escapes: false,
        unit: Unit::Char,
    };
    // Without classes no pattern is malformed.
    Glob::new(pattern, NAME).ok()
}
