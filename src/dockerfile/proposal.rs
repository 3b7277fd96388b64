//! A cache-friendlier order for a Dockerfile: dependency manifests first, the
//! install, then the rest of the source.
//!
//! `COPY . .` followed by `npm ci` reinstalls every dependency on every source
//! edit, because the install sits below a step whose key changes with any file.
//! Copying only the manifests first lets the install hit the cache until a
//! manifest changes. The proposal is text: the original lines moved, a new
//! manifest `COPY` added and, when the install `RUN` also builds, that `RUN`
//! split at its `&&` so the build stays after the source.
//!
//! Only installs that work from the manifests alone are moved: `npm ci`,
//! `pip install -r`, `go mod download`, `bundle install`, … but not
//! `cargo fetch`/`cargo build` (Cargo wants a target, so the fix there is a
//! stub `src/main.rs` or cargo-chef, which is the lint's advice, not a move).

use std::collections::HashSet;

use super::ast::{Arguments, Dockerfile, Instruction, Kind, Stage};
use super::ignore::Ignore;

/// A proposed reordering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    /// The whole proposed Dockerfile.
    pub text: String,
    /// What changed and why, one line per stage touched.
    pub changes: Vec<String>,
}

/// The files a package manager's install reads, by ecosystem.
struct Ecosystem {
    /// Matches one `&&`-separated command of a `RUN`.
    install: fn(&str) -> bool,
    manifests: &'static [&'static str],
}

const ECOSYSTEMS: &[Ecosystem] = &[
    Ecosystem {
        install: |c| {
            starts(
                c,
                &[
                    "npm ci",
                    "npm install",
                    "npm i",
                    "yarn install",
                    "yarn --frozen-lockfile",
                ],
            ) || starts(c, &["pnpm install", "pnpm i"])
                || c == "yarn"
        },
        manifests: &[
            "package.json",
            "package-lock.json",
            "npm-shrinkwrap.json",
            "yarn.lock",
            "pnpm-lock.yaml",
            "pnpm-workspace.yaml",
            ".npmrc",
            ".yarnrc",
            ".yarnrc.yml",
        ],
    },
    Ecosystem {
        install: |c| {
            (starts(c, &["pip install", "pip3 install", "python -m pip install"])
                || starts(c, &["python3 -m pip install", "uv pip install"]))
                && (c.contains(" -r ") || c.contains(" --requirement"))
        },
        manifests: &["requirements*.txt", "constraints*.txt"],
    },
    Ecosystem {
        install: |c| starts(c, &["poetry install"]) && c.contains("--no-root"),
        manifests: &["pyproject.toml", "poetry.lock"],
    },
    Ecosystem {
        install: |c| starts(c, &["pipenv install", "pipenv sync"]),
        manifests: &["Pipfile", "Pipfile.lock"],
    },
    Ecosystem {
        install: |c| starts(c, &["uv sync"]) && c.contains("--no-install-project"),
        manifests: &["pyproject.toml", "uv.lock"],
    },
    Ecosystem {
        install: |c| starts(c, &["go mod download"]),
        manifests: &["go.mod", "go.sum"],
    },
    Ecosystem {
        install: |c| starts(c, &["bundle install", "bundle config"]),
        manifests: &["Gemfile", "Gemfile.lock"],
    },
    Ecosystem {
        // Without --no-scripts, composer's scripts expect the source.
        install: |c| starts(c, &["composer install"]) && c.contains("--no-scripts"),
        manifests: &["composer.json", "composer.lock"],
    },
];

/// Whether `cmd` is `prefix` or starts with `prefix` and a space.
fn starts(cmd: &str, prefixes: &[&str]) -> bool {
    prefixes.iter().any(|p| {
        cmd == *p
            || cmd
                .strip_prefix(p)
                .is_some_and(|rest| rest.starts_with(' '))
    })
}

/// Commands that may ride along with an install in the moved `RUN`.
fn is_cleanup(cmd: &str) -> bool {
    starts(
        cmd,
        &[
            "npm cache clean",
            "yarn cache clean",
            "pip cache purge",
            "rm",
            "pnpm store prune",
        ],
    )
}

/// Propose a reordering of `df` (whose text is `text`), given the files of the
/// context (relative paths) and its `.dockerignore`. `None` when no stage has
/// the manifests-after-source shape this can fix.
pub fn propose(df: &Dockerfile, text: &str, files: &[String], ignore: &Ignore) -> Option<Proposal> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut changes = Vec::new();
    let mut next = 1; // next 1-based line of `lines` to emit
    for stage in &df.stages {
        let Some(fix) = fix_stage(stage, files, ignore) else {
            continue;
        };
        // Lines before the stage's first moved instruction stay as they are.
        let start = segment_start(stage, fix.copy);
        emit(&lines, next, start, &mut out);
        let segment = |i: usize| -> Vec<String> {
            let from = segment_start(stage, i);
            let to = stage.instructions[i].end_line;
            lines
                .get(from.saturating_sub(1)..to.min(lines.len()))
                .unwrap_or_default()
                .iter()
                .map(|l| l.to_string())
                .collect()
        };
        out.push(fix.manifest_copy.clone());
        for i in fix.copy + 1..fix.install {
            out.extend(segment(i));
        }
        match &fix.split {
            Some((install, _)) => {
                // The comments above the split RUN stay above its install half.
                let from = segment_start(stage, fix.install);
                emit(&lines, from, stage.instructions[fix.install].line, &mut out);
                out.push(install.clone());
            }
            None => out.extend(segment(fix.install)),
        }
        out.extend(segment(fix.copy));
        if let Some((_, rest)) = &fix.split {
            out.push(rest.clone());
        }
        next = stage.instructions[fix.install].end_line + 1;
        changes.push(format!(
            "stage {}: copy {} before line {} and install before copying the source",
            stage
                .name
                .clone()
                .unwrap_or_else(|| stage.index.to_string()),
            fix.manifests.join(", "),
            stage.instructions[fix.copy].line,
        ));
    }
    if changes.is_empty() {
        return None;
    }
    emit(&lines, next, lines.len() + 1, &mut out);
    let mut text_out = out.join("\n");
    if text.ends_with('\n') {
        text_out.push('\n');
    }
    Some(Proposal {
        text: text_out,
        changes,
    })
}

/// Lines `[from, to)` (1-based) of the original.
fn emit(lines: &[&str], from: usize, to: usize, out: &mut Vec<String>) {
    for l in lines
        .iter()
        .take(to.saturating_sub(1))
        .skip(from.saturating_sub(1))
    {
        out.push(l.to_string());
    }
}

/// The first line of instruction `i`'s segment: its own line, or the comments
/// and blank lines just above it, which travel with it.
fn segment_start(stage: &Stage, i: usize) -> usize {
    match i.checked_sub(1) {
        Some(prev) => stage.instructions[prev].end_line + 1,
        None => stage.from.end_line + 1,
    }
}

struct StageFix {
    /// Index (in `stage.instructions`) of the broad `COPY`.
    copy: usize,
    /// Index of the install `RUN`.
    install: usize,
    manifests: Vec<String>,
    manifest_copy: String,
    /// The install `RUN` split into the install and the rest.
    split: Option<(String, String)>,
}

fn fix_stage(stage: &Stage, files: &[String], ignore: &Ignore) -> Option<StageFix> {
    let ins = &stage.instructions;
    let (install, eco, split_at) = ins.iter().enumerate().find_map(|(i, r)| {
        let cmds = commands(r)?;
        let eco = ECOSYSTEMS.iter().find(|e| (e.install)(&cmds[0]))?;
        let n = cmds
            .iter()
            .take_while(|c| (eco.install)(c) || is_cleanup(c))
            .count();
        Some((i, eco, n))
    })?;
    // The latest context COPY above the install that brings a directory in.
    let copy = (0..install)
        .rev()
        .find(|&i| ins[i].kind == Kind::Copy && ins[i].flag("from").is_none())?;
    let (sources, dest) = ins[copy].copy_paths()?;
    let dir = match sources.as_slice() {
        [one] => broad_dir(one, files)?,
        _ => return None,
    };
    // Only config-only instructions between the COPY and the install move.
    if ins[copy + 1..install]
        .iter()
        .any(|i| !matches!(i.kind, Kind::Env | Kind::Arg | Kind::Label | Kind::Expose))
    {
        return None;
    }
    let manifests = manifests_in(&dir, eco.manifests, files, ignore);
    if manifests.is_empty() {
        return None;
    }
    // The source was a directory, so the destination is one: say so, which
    // also keeps a single manifest from being copied *as* the destination.
    let dest = if dest.ends_with('/') {
        dest
    } else {
        format!("{dest}/")
    };
    let flags: String = ins[copy]
        .flags
        .iter()
        .map(|f| match &f.value {
            Some(v) => format!("--{}={v} ", f.name),
            None => format!("--{} ", f.name),
        })
        .collect();
    let keyword = &ins[copy].keyword;
    let manifest_copy = format!("{keyword} {flags}{} {dest}", manifests.join(" "));
    let cmds = commands(&ins[install])?;
    let split = (split_at < cmds.len()).then(|| {
        let run = &ins[install].keyword;
        let flags: String = ins[install]
            .flags
            .iter()
            .map(|f| format!("--{}={} ", f.name, f.value.as_deref().unwrap_or("")))
            .collect();
        (
            format!("{run} {flags}{}", cmds[..split_at].join(" && ")),
            format!("{run} {flags}{}", cmds[split_at..].join(" && ")),
        )
    });
    Some(StageFix {
        copy,
        install,
        manifests,
        manifest_copy,
        split,
    })
}

/// A shell-form `RUN`'s commands split at `&&`, whitespace collapsed.
fn commands(ins: &Instruction) -> Option<Vec<String>> {
    if ins.kind != Kind::Run || !ins.heredocs.is_empty() {
        return None;
    }
    let Arguments::Shell(s) = &ins.args else {
        return None;
    };
    let cmds: Vec<String> = s
        .split("&&")
        .map(|c| c.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    (!cmds.iter().any(String::is_empty)).then_some(cmds)
}

/// The context directory a `COPY` source brings in whole (`""` for the
/// root), or `None` for a file or a wildcard.
fn broad_dir(source: &str, files: &[String]) -> Option<String> {
    if source.contains(['*', '?', '[']) {
        return None;
    }
    let dir = source
        .trim_start_matches("./")
        .trim_start_matches('/')
        .trim_end_matches('/');
    if dir.is_empty() || dir == "." {
        return Some(String::new());
    }
    let prefix = format!("{dir}/");
    files
        .iter()
        .any(|f| f.starts_with(&prefix))
        .then(|| dir.to_string())
}

/// The manifests directly in `dir` that the context sends, sorted.
fn manifests_in(dir: &str, names: &[&str], files: &[String], ignore: &Ignore) -> Vec<String> {
    let patterns = match Ignore::sources(names) {
        Ok(p) => p,
        Err(_) => return Vec::new(),
    };
    let mut found: Vec<String> = files
        .iter()
        .filter(|f| !ignore.is_excluded(f))
        .filter_map(|f| {
            let name = if dir.is_empty() {
                f.as_str()
            } else {
                f.strip_prefix(dir)?.strip_prefix('/')?
            };
            (!name.contains('/') && patterns.selects(name)).then(|| f.clone())
        })
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    found.sort();
    found
}

/// A unified diff of two texts (3 lines of context), headed `a/NAME` and
/// `b/NAME`; empty when they are equal.
pub fn unified_diff(old: &str, new: &str, name: &str) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    // Longest common subsequence table, from the end.
    let mut lcs = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    // The edit script: (' ' | '-' | '+', old index, new index).
    let mut ops = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            ops.push((' ', i, j));
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            ops.push(('-', i, j));
            i += 1;
        } else {
            ops.push(('+', i, j));
            j += 1;
        }
    }
    let changed: Vec<usize> = (0..ops.len()).filter(|&k| ops[k].0 != ' ').collect();
    if changed.is_empty() {
        return String::new();
    }
    let mut out = format!("--- a/{name}\n+++ b/{name}\n");
    let mut k = 0;
    while k < changed.len() {
        let start = changed[k].saturating_sub(3);
        let mut end = changed[k] + 1;
        while k + 1 < changed.len() && changed[k + 1] <= end + 6 {
            k += 1;
            end = changed[k] + 1;
        }
        let end = (end + 3).min(ops.len());
        let hunk = &ops[start..end];
        let old_len = hunk.iter().filter(|o| o.0 != '+').count();
        let new_len = hunk.iter().filter(|o| o.0 != '-').count();
        let (o0, n0) = (hunk[0].1, hunk[0].2);
        out.push_str(&format!(
            "@@ -{},{old_len} +{},{new_len} @@\n",
            o0 + usize::from(old_len > 0),
            n0 + usize::from(new_len > 0)
        ));
        for (op, i, j) in hunk {
            let line = if *op == '+' { b[*j] } else { a[*i] };
            out.push(*op);
            out.push_str(line);
            out.push('\n');
        }
        k += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn propose_for(text: &str, list: &[&str], ignore: &str) -> Option<Proposal> {
        let df = Dockerfile::parse(text, "Dockerfile").expect("parses");
        propose(
            &df,
            text,
            &files(list),
            &Ignore::parse(ignore).expect("ignore"),
        )
    }

    #[test]
    fn node_manifests_move_above_the_source_and_the_build_stays_below() {
        let text = "FROM node:22\nWORKDIR /app\n# everything\nCOPY . .\nENV NODE_ENV=production\nRUN npm ci && npm run build\nCMD [\"node\", \"dist/app.js\"]\n";
        let p = propose_for(
            text,
            &[
                "package.json",
                "package-lock.json",
                "src/app.ts",
                "web/package.json",
                "yarn.lock",
            ],
            "yarn.lock\n",
        )
        .expect("a proposal");
        assert_eq!(
            p.text,
            "FROM node:22\nWORKDIR /app\nCOPY package-lock.json package.json ./\nENV NODE_ENV=production\nRUN npm ci\n# everything\nCOPY . .\nRUN npm run build\nCMD [\"node\", \"dist/app.js\"]\n"
        );
        let df = Dockerfile::parse(&p.text, "Dockerfile").expect("the proposal parses");
        assert_eq!(df.stages[0].instructions.len(), 7);
    }

    #[test]
    fn python_requirements_in_a_subdirectory_keep_the_copy_flags() {
        let text = "FROM python:3.12-slim\nCOPY --chown=app:app api/ /srv/\nRUN pip install --no-cache-dir -r /srv/requirements.txt\n";
        let p = propose_for(
            text,
            &[
                "api/requirements.txt",
                "api/requirements-dev.txt",
                "api/main.py",
            ],
            "",
        )
        .expect("a proposal");
        assert_eq!(
            p.text,
            "FROM python:3.12-slim\nCOPY --chown=app:app api/requirements-dev.txt api/requirements.txt /srv/\nRUN pip install --no-cache-dir -r /srv/requirements.txt\nCOPY --chown=app:app api/ /srv/\n"
        );
    }

    #[test]
    fn nothing_to_propose_when_manifests_already_come_first_or_are_missing() {
        let good = "FROM node:22\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\n";
        assert!(propose_for(good, &["package.json", "a.js"], "").is_none());
        let no_manifest = "FROM golang:1.23\nCOPY . .\nRUN go mod download\n";
        assert!(propose_for(no_manifest, &["main.go"], "").is_none());
        let run_between = "FROM node:22\nCOPY . .\nRUN ./generate.sh\nRUN npm ci\n";
        assert!(propose_for(run_between, &["package.json"], "").is_none());
    }

    #[test]
    fn a_split_run_keeps_its_comment_and_continuations_are_joined() {
        let text =
            "FROM node:22\nCOPY . .\n# deps, then build\nRUN npm ci \\\n    && npm run build\n";
        let p = propose_for(text, &["package.json", "a.js"], "").expect("a proposal");
        assert_eq!(
            p.text,
            "FROM node:22\nCOPY package.json ./\n# deps, then build\nRUN npm ci\nCOPY . .\nRUN npm run build\n"
        );
    }

    #[test]
    fn a_single_manifest_goes_into_the_destination_directory() {
        let text = "FROM python:3.12-slim\nWORKDIR /srv\nCOPY . /srv\nRUN pip install -r requirements.txt\n";
        let p = propose_for(text, &["requirements.txt", "app.py"], "").expect("a proposal");
        assert!(
            p.text.contains("COPY requirements.txt /srv/\n"),
            "{}",
            p.text
        );
    }

    #[test]
    fn only_the_stage_with_the_problem_changes() {
        let text = "FROM golang:1.23 AS build\nWORKDIR /src\nCOPY . .\nRUN go mod download\nRUN go build -o /out/app\n\nFROM scratch\nCOPY --from=build /out/app /app\n";
        let p = propose_for(text, &["go.mod", "go.sum", "main.go"], "").expect("a proposal");
        assert_eq!(
            p.text,
            "FROM golang:1.23 AS build\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN go build -o /out/app\n\nFROM scratch\nCOPY --from=build /out/app /app\n"
        );
        assert_eq!(p.changes.len(), 1);
        assert!(p.changes[0].contains("stage build"), "{:?}", p.changes);
    }

    #[test]
    fn unified_diff_shows_moved_lines() {
        let d = unified_diff("a\nb\nc\nd\n", "a\nx\nc\nd\nb\n", "Dockerfile");
        assert_eq!(
            d,
            "--- a/Dockerfile\n+++ b/Dockerfile\n@@ -1,4 +1,5 @@\n a\n-b\n+x\n c\n d\n+b\n"
        );
        assert_eq!(unified_diff("same\n", "same\n", "x"), "");
    }
}
