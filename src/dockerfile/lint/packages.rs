//! Package managers in `RUN`: apt, apk, pip, npm and yarn leaving caches
//! and lists in the layer, or installing what the image does not need.

use super::super::ast::Instruction;
use super::super::expand::Scope;
use super::super::shell::Command;
use super::Linter;

impl Linter<'_> {
    pub(super) fn apt(&mut self, ins: &Instruction, cmds: &[Command], ships: bool) {
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

    pub(super) fn apk(&mut self, ins: &Instruction, cmds: &[Command]) {
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

    pub(super) fn pip(&mut self, ins: &Instruction, cmds: &[Command], scope: &Scope) {
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

    pub(super) fn npm_yarn(&mut self, ins: &Instruction, cmds: &[Command]) {
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
}

/// Whether any command is an `rm -r -f` of one of `paths`.
pub(super) fn removes(cmds: &[Command], paths: &[&str]) -> bool {
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
pub(super) fn cache_mounted(ins: &Instruction, dir: &str) -> bool {
    let dir = dir.trim_end_matches('/');
    ins.mounts().iter().any(|m| {
        m.kind == "cache"
            && m.target.as_deref().is_some_and(|t| {
                let t = t.trim_end_matches('/');
                !t.is_empty() && (dir == t || dir.starts_with(&format!("{t}/")))
            })
    })
}
