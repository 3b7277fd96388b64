//! The proposed multi-stage Dockerfile: the build stage replays the steps
//! (from the image history, or from a parsed Dockerfile), the final stage
//! starts from the same base and copies only what the estimate keeps.

use std::collections::HashSet;

use super::{BaseInfo, Input, live_layer};
use crate::history_line::{self, tidy_command};
use crate::layer::EntryKind;
use crate::layer::path::display;
use crate::tree::{MergedTree, NodeId, ROOT};

/// How deep the proposed `COPY --from` lines go to leave dropped files behind.
const MAX_COPY_DEPTH: usize = 4;

/// `COPY --from` lines a proposed Dockerfile lists before it summarises.
const MAX_COPIES: usize = 30;

/// One instruction of the build, from the history or a parsed Dockerfile:
/// `RUN` + `npm ci`, `COPY` + `. .`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Step {
    pub instruction: String,
    pub arguments: String,
    /// The history marks it as making no layer (ENV, WORKDIR, CMD, ...).
    pub empty_layer: bool,
}

impl Step {
    /// A history line, tidied: `RUN |1 A=b /bin/sh -c make # buildkit` →
    /// `RUN make`; `/bin/sh -c #(nop)  ENV A=b` → `ENV A=b`. Secret values
    /// and URL passwords are redacted: the proposal is shown to people.
    pub fn from_history(created_by: &str, empty_layer: bool) -> Step {
        let tidy = tidy_command(&crate::secret::redact_history(created_by));
        let (word, rest) = tidy.split_once(' ').unwrap_or((&tidy, ""));
        // A line that names no instruction is a command someone ran.
        let (instruction, rest) = if INSTRUCTIONS.contains(&word.to_ascii_uppercase().as_str()) {
            (word, rest)
        } else {
            ("RUN", tidy.as_str())
        };
        let mut arguments = rest.trim().to_string();
        if matches!(
            instruction.to_ascii_uppercase().as_str(),
            "CMD" | "ENTRYPOINT" | "SHELL"
        ) {
            arguments = exec_form(&arguments);
        }
        if instruction == "RUN" {
            // Build args the RUN saw (`|2 A=1 B=2`), then the shell.
            let command = history_line::strip_build_args(&arguments);
            arguments = history_line::strip_shell(command).trim().to_string();
        }
        Step {
            instruction: instruction.to_ascii_uppercase(),
            arguments,
            empty_layer,
        }
    }

    /// The instruction as a Dockerfile line.
    pub fn line(&self) -> String {
        if self.arguments.is_empty() {
            self.instruction.clone()
        } else {
            format!("{} {}", self.instruction, self.arguments)
        }
    }
}

/// Dockerfile instructions, as the history spells them.
const INSTRUCTIONS: &[&str] = &[
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

/// The legacy builder records exec form without commas (`["a" "b"]`): put
/// them back so the line parses as JSON again.
fn exec_form(args: &str) -> String {
    let Some(inner) = args.strip_prefix('[').and_then(|a| a.strip_suffix(']')) else {
        return args.to_string();
    };
    if serde_json::from_str::<Vec<String>>(args).is_ok() {
        return args.to_string();
    }
    let mut words = Vec::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '"' {
            continue;
        }
        let mut word = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\\' => word.extend(chars.next()),
                '"' => break,
                c => word.push(c),
            }
        }
        words.push(word);
    }
    serde_json::to_string(&words).unwrap_or_else(|_| args.to_string())
}

/// The plan behind a proposed multi-stage Dockerfile: what the final stage
/// copies from the build stage and what the build stage prunes first.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MultiStagePlan {
    /// The image the Dockerfile starts FROM (a placeholder when unknown).
    pub base: String,
    /// Absolute paths the final stage copies, each a file or directory.
    pub copies: Vec<String>,
    /// How many more paths did not fit.
    pub copies_omitted: usize,
    /// Commands the build stage runs last (`npm prune --omit=dev`).
    pub prune: Vec<String>,
    /// System packages the app layers installed that the final stage still
    /// needs: `(package manager, names)`. Package databases are not copied
    /// across stages, so the final stage installs these itself.
    #[serde(deserialize_with = "crate::vocab::statics::first_of_pair")]
    pub packages: Option<(crate::vocab::Fixed, Vec<String>)>,
    /// Where the steps come from, for the header (default: the image history).
    pub origin: String,
    /// Stages the given Dockerfile builds before its final one, kept verbatim
    /// ahead of the proposal (its `COPY --from` lines name them).
    pub preamble: String,
}

/// What package installs leave besides the packages' own files: databases,
/// logs, caches and generated state. Copied across stages they would claim
/// packages the final stage does not have.
const PACKAGE_STATE: &[&[u8]] = &[
    b"var/lib/dpkg/",
    b"var/lib/apt/",
    b"var/cache/",
    b"var/log/",
    b"lib/apk/",
    b"etc/apk/",
    b"etc/ld.so.cache",
    b"etc/alternatives/",
];

/// What the final stage copies: the app layers' live directories, descending
/// into those that also hold dropped files so they are left behind.
pub(super) fn plan(input: &Input, base: &BaseInfo, dropped: &HashSet<NodeId>) -> MultiStagePlan {
    let tree = input.tree;
    let (packages, reinstalled) = reinstalled_packages(input, base, dropped);
    let (kept_under, dropped_under) = app_directories(tree, base.layers, dropped, &reinstalled);
    let (mut copies, prune) = copies_and_prunes(tree, &kept_under, &dropped_under);
    let omitted = copies.len().saturating_sub(MAX_COPIES);
    copies.truncate(MAX_COPIES);
    MultiStagePlan {
        packages,
        base: match (&base.closest, base.layers) {
            (_, 0) => "scratch".to_string(),
            (Some(name), _) => name.clone(),
            (None, _) => "<the image your Dockerfile starts FROM>".to_string(),
        },
        copies,
        copies_omitted: omitted,
        prune,
        origin: String::new(),
        preamble: String::new(),
    }
}

/// (package manager, names) the final stage installs, and the files those
/// packages own (not copied).
type Reinstalled = (Option<(&'static str, Vec<String>)>, HashSet<NodeId>);

/// System packages the app layers installed and the final stage keeps: it
/// installs them itself (over a base with a package manager), so their files
/// are not copied.
fn reinstalled_packages(input: &Input, base: &BaseInfo, dropped: &HashSet<NodeId>) -> Reinstalled {
    let b = base.layers;
    let kept_packages: Vec<&crate::analysis::packages::Package> = input
        .packages
        .iter()
        .filter(|p| matches!(p.ecosystem, "deb" | "apk") && p.layer.is_some_and(|l| l >= b))
        .filter(|p| p.nodes.iter().any(|n| !dropped.contains(n)))
        .filter(|_| base.package_manager != "none" && b > 0)
        .collect();
    let reinstalled: HashSet<NodeId> = kept_packages
        .iter()
        .flat_map(|p| p.nodes.iter().copied())
        .collect();
    let mut names: Vec<(&'static str, String)> = kept_packages
        .iter()
        .map(|p| {
            (
                if p.ecosystem == "deb" { "apt" } else { "apk" },
                p.name.clone(),
            )
        })
        .collect();
    names.sort();
    let packages = names.first().map(|&(pm, _)| {
        (
            pm,
            names
                .iter()
                .filter(|(m, _)| *m == pm)
                .map(|(_, n)| n.clone())
                .collect(),
        )
    });
    (packages, reinstalled)
}

/// The directories above the app's kept files and above its dropped ones:
/// (kept under, dropped under).
fn app_directories(
    tree: &MergedTree,
    b: usize,
    dropped: &HashSet<NodeId>,
    reinstalled: &HashSet<NodeId>,
) -> (HashSet<NodeId>, HashSet<NodeId>) {
    let mut kept_under: HashSet<NodeId> = HashSet::new();
    let mut dropped_under: HashSet<NodeId> = HashSet::new();
    for (id, node) in tree.nodes() {
        let Some(m) = node.live() else { continue };
        // Regular files decide: a symlink to a dropped compiler is not worth
        // a COPY line of its own.
        if m.kind != EntryKind::File || live_layer(tree, id) < b {
            continue;
        }
        let path = tree.path(id);
        if PACKAGE_STATE.iter().any(|p| path.starts_with(p)) || reinstalled.contains(&id) {
            continue;
        }
        let set = if dropped.contains(&id) {
            &mut dropped_under
        } else {
            &mut kept_under
        };
        let mut cur = id;
        while cur != ROOT && set.insert(cur) {
            cur = tree.node(cur).parent;
        }
    }
    (kept_under, dropped_under)
}

/// What the final stage copies (the highest paths with nothing dropped below
/// them, at most [`MAX_COPY_DEPTH`] deep) and what the build stage prunes.
fn copies_and_prunes(
    tree: &MergedTree,
    kept_under: &HashSet<NodeId>,
    dropped_under: &HashSet<NodeId>,
) -> (Vec<String>, Vec<String>) {
    let mut copies = Vec::new();
    let mut prune = Vec::new();
    let mut stack: Vec<(NodeId, usize)> = tree
        .node(ROOT)
        .children
        .iter()
        .rev()
        .map(|&c| (c, 1))
        .collect();
    while let Some((id, depth)) = stack.pop() {
        if !kept_under.contains(&id) {
            continue;
        }
        let node = tree.node(id);
        let is_dir = node.live().is_some_and(|m| m.is_dir());
        let path = format!("/{}", display(&tree.path(id)).trim_start_matches('/'));
        if !is_dir || !dropped_under.contains(&id) {
            copies.push(path);
            continue;
        }
        if &node.name[..] == b"node_modules" {
            // Dev-only packages: prune them in the build stage, copy the rest.
            let project = display(&tree.path(node.parent));
            prune.push(format!(
                "cd /{} && npm prune --omit=dev",
                project.trim_start_matches('/')
            ));
            copies.push(path);
            continue;
        }
        if depth >= MAX_COPY_DEPTH {
            copies.push(path);
            continue;
        }
        stack.extend(node.children.iter().rev().map(|&c| (c, depth + 1)));
    }
    (copies, prune)
}

/// A multi-stage Dockerfile: the build stage replays `steps` (from the
/// history or a parsed Dockerfile) and prunes; the final stage starts from the
/// same base, keeps the runtime settings and copies only `plan.copies`.
pub fn propose_dockerfile(steps: &[Step], plan: &MultiStagePlan) -> String {
    let mut out = String::new();
    out.push_str("# syntax=docker/dockerfile:1\n");
    let origin = if plan.origin.is_empty() {
        "the image history"
    } else {
        &plan.origin
    };
    out.push_str(&format!(
        "# Proposed by ballast from {origin}: review before use.\n"
    ));
    out.push_str(&format!("ARG BASE={}\n\n", plan.base));
    if !plan.preamble.is_empty() {
        out.push_str(&plan.preamble);
        if !plan.preamble.ends_with('\n') {
            out.push('\n');
        }
        out.push('\n');
    }
    out.push_str("FROM ${BASE} AS build\n");
    let runtime_settings = ["ENV", "WORKDIR", "USER", "EXPOSE", "LABEL", "STOPSIGNAL"];
    let final_only = ["CMD", "ENTRYPOINT", "HEALTHCHECK"];
    for s in steps {
        if final_only.contains(&s.instruction.as_str()) {
            continue;
        }
        let line = s.line();
        // The legacy builder records `COPY dir:<hash> in /app`: the source
        // path is gone, so say so.
        if matches!(s.instruction.as_str(), "COPY" | "ADD")
            && (s.arguments.starts_with("file:")
                || s.arguments.starts_with("dir:")
                || s.arguments.starts_with("multi:"))
        {
            let dest = s.arguments.rsplit(" in ").next().unwrap_or("/");
            out.push_str(&format!("# {line}: the history keeps no source path\n"));
            out.push_str(&format!("{} . {dest}\n", s.instruction));
        } else {
            out.push_str(&line);
            out.push('\n');
        }
    }
    for p in &plan.prune {
        out.push_str(&format!("RUN {p}\n"));
    }
    out.push_str("\nFROM ${BASE}\n");
    for s in steps {
        if runtime_settings.contains(&s.instruction.as_str()) {
            out.push_str(&s.line());
            out.push('\n');
        }
    }
    match &plan.packages {
        Some(("apt", names)) => out.push_str(&format!(
            "RUN apt-get update && apt-get install -y --no-install-recommends {} \\\n    && rm -rf /var/lib/apt/lists/*\n",
            names.join(" ")
        )),
        Some((pm, names)) => out.push_str(&format!("RUN {pm} add --no-cache {}\n", names.join(" "))),
        None => {}
    }
    for c in &plan.copies {
        out.push_str(&format!("COPY --from=build {c} {c}\n"));
    }
    if plan.copies_omitted > 0 {
        out.push_str(&format!(
            "# ... and {} more paths from the build stage\n",
            plan.copies_omitted
        ));
    }
    for s in steps {
        if final_only.contains(&s.instruction.as_str()) {
            out.push_str(&s.line());
            out.push('\n');
        }
    }
    out
}
