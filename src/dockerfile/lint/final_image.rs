//! The image that ships: its last `USER`, a `HEALTHCHECK`, an init for
//! Node, and the environment Node and Python want.

use std::collections::HashMap;

use super::super::ast::{Instruction, Kind};
use super::super::expand::Scope;
use super::super::shell;
use super::Linter;
use super::base::ImageRef;

impl Linter<'_> {
    /// The rules about the image that ships: USER, HEALTHCHECK, Node, Python.
    pub(super) fn final_image(&mut self) {
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

        self.last_user(&all);
        self.healthcheck(&all, &last.from);
        let end = self
            .df
            .scope_at(last.index, last.instructions.len(), &HashMap::new());
        self.node(&all, &last.from, &image, &end);
        self.python(&last.from, &image, &end);
    }

    /// The last `USER` of the image, when it is root.
    fn last_user(&mut self, all: &[&Instruction]) {
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
    }

    /// No `HEALTHCHECK` anywhere in the image's stages.
    fn healthcheck(&mut self, all: &[&Instruction], from: &Instruction) {
        if !all.iter().any(|i| i.kind == Kind::Healthcheck) {
            self.push(
                "no-healthcheck",
                from,
                "the image has no HEALTHCHECK: the engine cannot tell a hung container from a healthy one".into(),
                "add HEALTHCHECK CMD <a cheap probe> (e.g. wget -qO- http://localhost:PORT/health || exit 1)".into(),
            );
        }
    }

    /// A Node image: an init for PID 1, and `NODE_ENV=production`.
    fn node(&mut self, all: &[&Instruction], from: &Instruction, image: &ImageRef, end: &Scope) {
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
                let at = entry.or(cmd).copied().unwrap_or(from);
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
                    from,
                    "NODE_ENV is not `production`: npm installs devDependencies and frameworks run in development mode".into(),
                    "ENV NODE_ENV=production before the install".into(),
                );
            }
        }
    }

    /// A Python image: no bytecode written, unbuffered output.
    fn python(&mut self, from: &Instruction, image: &ImageRef, end: &Scope) {
        let is_python = image.short().starts_with("python");
        if is_python {
            if end.get("PYTHONDONTWRITEBYTECODE").is_none_or(str::is_empty) {
                self.push(
                    "python-dont-write-bytecode",
                    from,
                    "without PYTHONDONTWRITEBYTECODE, every import at build time writes __pycache__/*.pyc into the layers".into(),
                    "ENV PYTHONDONTWRITEBYTECODE=1".into(),
                );
            }
            if end.get("PYTHONUNBUFFERED").is_none_or(str::is_empty) {
                self.push(
                    "python-unbuffered",
                    from,
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
}
