//! Savings estimates: what a multi-stage build or a smaller base would save,
//! and what would break on the way.
//!
//! Users ask "multi-stage? alpine? distroless?" and answer it by trial and
//! error. Here the answer comes from the image they have: which layers are the
//! base (the history, the OS release files), its libc and runtime, the bytes a
//! final stage would not carry (the findings' toolchains, dev dependencies and
//! caches, sources of compiled languages, hidden bytes), and for each candidate
//! base in `assets/bases.toml` the size after the switch with the traps that
//! decide whether it works: glibc-linked native code on musl, shell-form
//! commands on a base without a shell, CA certificates and tzdata.
//!
//! Every number counts each byte once, from the merged tree: a file belongs to
//! the layer that wrote its live version. An estimate states what it assumes;
//! it is never a measurement.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

mod base;
mod dockerfile;

pub use base::{BaseInfo, OsRelease, Runtime};
pub use dockerfile::{MultiStagePlan, Step, propose_dockerfile};

use super::packages::{Captures, Package};
use super::{Finding, LayerInfo};
use crate::layer::path::display;
use crate::layer::{EntryKind, sniff};
use crate::source::layout::ImageConfig;
use crate::tree::{MergedTree, NodeId, ROOT};

/// The reference table of base images (see the file's header for the columns).
pub const BASES_TOML: &str = include_str!("../../assets/bases.toml");

/// Paths listed per warning or dropped group.
const MAX_PATHS: usize = 5;

/// One row of the reference table, or a base measured from a local image.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BaseImage {
    pub image: String,
    pub tag: String,
    /// Megabytes (10^6 bytes).
    pub size_mb: f64,
    /// `uncompressed`, `compressed`, `approximate` or `measured`.
    pub size_kind: String,
    /// `glibc`, `musl` or `none`.
    pub libc: String,
    pub shell: bool,
    /// `apt`, `apk` or `none`.
    pub package_manager: String,
    /// `none`, `node`, `python`, `java` or `go`.
    pub runtime: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_certificates: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tzdata: Option<bool>,
    /// Where the figure comes from.
    pub source: String,
    /// When the figure was taken.
    pub date: String,
}

impl BaseImage {
    /// `image:tag`, or the image alone for `latest`.
    pub fn name(&self) -> String {
        if self.tag == "latest" || self.tag.is_empty() {
            self.image.clone()
        } else {
            format!("{}:{}", self.image, self.tag)
        }
    }

    pub fn bytes(&self) -> u64 {
        (self.size_mb * 1e6).round().max(0.0) as u64
    }

    /// A candidate measured from an analysed local image (its shipped bytes
    /// and what its filesystem holds), for bases the table does not list.
    pub fn measured(name: &str, a: &super::Analysis) -> BaseImage {
        let b = &a.base;
        let (image, tag) = match name.rsplit_once(':').filter(|(_, t)| !t.contains('/')) {
            Some((i, t)) => (i.to_string(), t.to_string()),
            None => (name.to_string(), "latest".to_string()),
        };
        BaseImage {
            image,
            tag,
            size_mb: a.metrics.shipped_bytes as f64 / 1e6,
            size_kind: "measured".into(),
            libc: b.libc.into(),
            shell: b.shell,
            package_manager: b.package_manager.into(),
            runtime: b.runtime.as_ref().map_or("none", |r| r.kind).into(),
            ca_certificates: Some(b.ca_certificates),
            tzdata: Some(b.tzdata),
            source: format!("measured by ballast from {}", a.image.reference),
            date: a.image.created.clone().unwrap_or_default(),
        }
    }
}

#[derive(Deserialize)]
struct Table {
    base: Vec<BaseImage>,
}

/// The reference table, parsed. The table is compiled in and a test parses
/// it, so a failure here is a build defect, not an input error.
pub fn reference_table() -> Vec<BaseImage> {
    toml::from_str::<Table>(BASES_TOML)
        .map(|t| t.base)
        .expect("assets/bases.toml parses (checked by a unit test)")
}

/// One estimate, in the JSON `estimates` list.
#[derive(Debug, Clone, Serialize)]
pub struct Estimate {
    /// `multi-stage` or `base-switch`.
    pub strategy: &'static str,
    /// The base the estimate puts under the app (`base-switch`), with the
    /// reference-table row it comes from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub candidate: Option<BaseImage>,
    pub size_before: u64,
    pub size_after: u64,
    pub bytes_saved: u64,
    /// `base-switch` only: the size when the final stage on the candidate is
    /// also multi-stage (copies the app without what [`Dropped`] lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub with_multi_stage: Option<u64>,
    /// No blocking warning: the switch should work with the changes the
    /// warnings name.
    pub feasible: bool,
    pub assumptions: Vec<String>,
    pub warnings: Vec<EstimateWarning>,
    /// What a final stage would leave behind (`multi-stage`), largest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dropped: Vec<Dropped>,
    /// The proposed multi-stage Dockerfile, derived from the history.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dockerfile: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct EstimateWarning {
    /// Stable kebab-case id: `glibc-native-code`, `musl-native-code`,
    /// `dynamic-binary`, `shell-form`, `run-needs-shell`, `package-manager`,
    /// `ca-certificates`, `tzdata`, `size-figure`.
    pub kind: &'static str,
    /// The switch does not work until this is dealt with.
    pub blocking: bool,
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Dropped {
    /// `hidden`, `build-toolchain`, `dev-dependencies`, `package-cache`,
    /// `typescript-sources`, `rust-sources`, `rust-build`, `java-sources`,
    /// `go-sources`, `go-toolchain`.
    pub what: &'static str,
    pub bytes: u64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
}

/// What the estimates need from the analysis, kept for later candidates
/// ([`base_switch`] with a base measured from a local image).
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// Live bytes written by the app layers.
    app_live: u64,
    /// Bytes the app layers ship that nothing sees.
    app_hidden: u64,
    /// App-layer ELF files: (path, sniff flags).
    app_elf: Vec<(String, u8)>,
    /// Runtime files' ELF flags (the runtime binary), when it exists.
    runtime_elf: u8,
    /// Shell-form command/entrypoint or a CMD-SHELL healthcheck.
    shell_form: Vec<String>,
    /// App-layer RUN steps.
    app_runs: Vec<String>,
    /// Package managers the app layers' RUN steps call.
    app_package_managers: Vec<&'static str>,
    /// Packages the app layers installed (deb/apk), with their bytes.
    app_packages: Vec<(String, u64)>,
    /// The history after the base.
    app_steps: Vec<Step>,
    /// Live bytes a final stage would drop, by cause, and what it copies.
    dropped: Vec<Dropped>,
    dropped_bytes: u64,
    plan: MultiStagePlan,
}

impl Facts {
    /// What the proposed final stage copies and prunes: with steps from a
    /// parsed Dockerfile, `propose_dockerfile(&steps, facts.plan())` gives the
    /// proposal with the real source paths the history no longer has.
    pub fn plan(&self) -> &MultiStagePlan {
        &self.plan
    }
}

/// Everything the estimates look at.
pub struct Input<'a> {
    pub tree: &'a MergedTree,
    pub layers: &'a [LayerInfo],
    pub config: &'a ImageConfig,
    pub captures: &'a Captures,
    pub packages: &'a [Package],
    pub findings: &'a [Finding],
    pub shipped: u64,
}

/// Detect the base, gather the facts, and estimate against the reference
/// table: (base, facts, estimates).
pub fn estimate(input: &Input) -> (BaseInfo, Facts, Vec<Estimate>) {
    let table = reference_table();
    let base = base::detect_base(input, &table);
    let facts = gather(input, &base);
    let mut out = Vec::new();
    if let Some(e) = multi_stage(&base, &facts, input.shipped) {
        out.push(e);
    }
    // With no app layers above the base there is nothing to move.
    let app = base.layers < input.layers.len();
    for candidate in candidates(&base, &table).into_iter().filter(|_| app) {
        out.push(switch(&base, &facts, input.shipped, candidate));
    }
    (base, facts, out)
}

/// The estimate for putting the app on `candidate` (a table row or a base
/// measured with [`BaseImage::measured`]).
pub fn base_switch(a: &super::Analysis, candidate: &BaseImage) -> Estimate {
    switch(
        &a.base,
        &a.estimate_facts,
        a.metrics.shipped_bytes,
        candidate,
    )
}

// ------------------------------------------------------------ tree helpers

/// Whether `path` exists as a file or a symlink in the final filesystem.
fn live_file_or_link(tree: &MergedTree, path: &[u8]) -> bool {
    tree.resolve(path)
        .and_then(|id| tree.node(id).live())
        .is_some_and(|m| m.kind != EntryKind::Dir)
}

/// Live children of the directory at `path`.
fn children(tree: &MergedTree, path: &[u8]) -> Vec<NodeId> {
    tree.resolve(path)
        .map(|id| {
            tree.node(id)
                .children
                .iter()
                .copied()
                .filter(|&c| tree.is_live(c))
                .collect()
        })
        .unwrap_or_default()
}

/// Live regular files below `id` (inclusive): (node, size).
fn files_under(tree: &MergedTree, id: NodeId) -> Vec<(NodeId, u64)> {
    let mut out = Vec::new();
    let mut stack = vec![id];
    while let Some(n) = stack.pop() {
        let node = tree.node(n);
        match node.live() {
            Some(m) if m.kind == EntryKind::File => out.push((n, m.size)),
            Some(m) if m.kind == EntryKind::Dir => stack.extend(node.children.iter().copied()),
            None if n == ROOT => stack.extend(node.children.iter().copied()),
            _ => {}
        }
    }
    out
}

fn live_layer(tree: &MergedTree, id: NodeId) -> usize {
    tree.node(id).history.last().map_or(0, |c| c.layer as usize)
}

// --------------------------------------------------------------- the facts

fn gather(input: &Input, base: &BaseInfo) -> Facts {
    let tree = input.tree;
    let b = base.layers;
    let mut facts = Facts::default();
    let mut app_live = 0;
    for (id, node) in tree.nodes() {
        let Some(last) = node.history.last() else {
            continue;
        };
        let Some(m) = node.live() else { continue };
        if m.kind != EntryKind::File || (last.layer as usize) < b {
            continue;
        }
        app_live += m.size;
        if m.flags & sniff::ELF != 0 {
            let path = tree.path(id);
            if sniff::elf_candidate(&path, m.mode) {
                facts.app_elf.push((display(&path), m.flags));
            }
        }
    }
    facts.app_elf.sort();
    facts.app_live = app_live;
    let app_shipped: u64 = input.layers[b.min(input.layers.len())..]
        .iter()
        .map(|l| l.size_bytes)
        .sum();
    facts.app_hidden = app_shipped.saturating_sub(app_live);
    facts.runtime_elf = base
        .runtime
        .as_ref()
        .and_then(|r| tree.resolve(r.path.trim_start_matches('/').as_bytes()))
        .and_then(|id| tree.node(id).live())
        .map_or(0, |m| m.flags);

    // The history after the base.
    let mut layers = 0;
    for h in &input.config.history {
        if layers >= b {
            let step = Step::from_history(h.created_by.as_deref().unwrap_or(""), h.empty_layer);
            if !step.instruction.is_empty() {
                facts.app_steps.push(step);
            }
        }
        if !h.empty_layer {
            layers += 1;
        }
    }
    for s in &facts.app_steps {
        if s.instruction == "RUN" {
            facts.app_runs.push(s.arguments.clone());
            for (word, pm) in [
                ("apt-get ", "apt"),
                ("apt ", "apt"),
                ("dpkg ", "apt"),
                ("apk ", "apk"),
                ("dnf ", "dnf"),
                ("yum ", "yum"),
            ] {
                if (s.arguments.starts_with(word) || s.arguments.contains(&format!(" {word}")))
                    && !facts.app_package_managers.contains(&pm)
                {
                    facts.app_package_managers.push(pm);
                }
            }
        }
    }
    facts.shell_form = shell_form(input.config);
    facts.app_packages = input
        .packages
        .iter()
        .filter(|p| matches!(p.ecosystem, "deb" | "apk") && p.layer.is_some_and(|l| l >= b))
        .map(|p| (p.name.clone(), p.bytes))
        .collect();
    let files = dropped_files(input, b);
    let nodes: HashSet<NodeId> = files.iter().map(|&(id, _, _)| id).collect();
    let dropped = droppable(input.tree, files);
    facts.dropped_bytes = dropped.iter().map(|d| d.bytes).sum();
    facts.plan = dockerfile::plan(input, base, &nodes);
    facts.dropped = dropped;
    facts
}

/// Shell-form command, entrypoint and healthcheck: they need `/bin/sh`.
fn shell_form(config: &ImageConfig) -> Vec<String> {
    let mut out = Vec::new();
    let Some(c) = config.config.as_ref() else {
        return out;
    };
    let is_shell = |v: &[String]| {
        v.len() >= 2
            && matches!(v[0].as_str(), "/bin/sh" | "sh" | "/bin/bash" | "bash")
            && v[1] == "-c"
    };
    let script = |v: &[String]| v.first().is_some_and(|f| f.ends_with(".sh"));
    if let Some(e) = c.entrypoint.as_deref().filter(|e| !e.is_empty()) {
        if is_shell(e) {
            out.push(format!("ENTRYPOINT {}", e[2..].join(" ")));
        } else if script(e) {
            out.push(format!("ENTRYPOINT {} (a shell script)", e[0]));
        }
    } else if let Some(cmd) = c.cmd.as_deref() {
        if is_shell(cmd) {
            out.push(format!("CMD {}", cmd[2..].join(" ")));
        } else if script(cmd) {
            out.push(format!("CMD {} (a shell script)", cmd[0]));
        }
    }
    if let Some(test) = c
        .healthcheck
        .as_ref()
        .and_then(|h| h.get("Test"))
        .and_then(|t| t.as_array())
    {
        let words: Vec<&str> = test.iter().filter_map(|w| w.as_str()).collect();
        if words.first() == Some(&"CMD-SHELL") {
            out.push(format!("HEALTHCHECK CMD {}", words[1..].join(" ")));
        }
    }
    out
}

/// Rules whose live files a final stage leaves behind.
/// Dev dependencies first: a dev-only `typescript` is named for what it is.
const DROPPED_RULES: [&str; 3] = ["dev-dependencies", "build-toolchain", "package-cache"];

/// App-layer live files a final stage would not carry: (node, size, cause).
fn dropped_files(input: &Input, b: usize) -> Vec<(NodeId, u64, &'static str)> {
    let tree = input.tree;
    let mut seen: HashSet<NodeId> = HashSet::new();
    let mut out = Vec::new();
    let mut add = |id: NodeId, what: &'static str, out: &mut Vec<(NodeId, u64, &'static str)>| {
        let Some(m) = tree.node(id).live() else {
            return;
        };
        if m.kind == EntryKind::File && live_layer(tree, id) >= b && seen.insert(id) {
            out.push((id, m.size, what));
        }
    };
    for rule in DROPPED_RULES {
        for f in input.findings.iter().filter(|f| f.rule == rule) {
            for &id in &f.nodes {
                // Findings name directories too: take their files.
                for (file, _) in files_under(tree, id) {
                    add(file, rule, &mut out);
                }
            }
        }
    }
    for p in toolchain_dependencies(input, b) {
        for &id in &p.nodes {
            add(id, "build-toolchain", &mut out);
        }
    }
    for (id, what) in compiled_sources(input, b) {
        add(id, what, &mut out);
    }
    out
}

/// Packages the app layers installed only because the build toolchain needs
/// them (`libisl23` for `gcc-12`, `gmp` for Alpine's `gcc`): every installed
/// package that depends on one is a build package or another of these. From
/// dpkg's `Depends`/`Pre-Depends` and apk's `D:` (through its `p:` provides);
/// alternatives count as dependencies on each, so a shared library stays when
/// anything else uses it.
fn toolchain_dependencies<'a>(input: &Input<'a>, b: usize) -> Vec<&'a Package> {
    let mut reverse: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if let Some(status) = input.captures.live_at(input.tree, b"var/lib/dpkg/status") {
        dpkg_users(&String::from_utf8_lossy(status), &mut reverse);
    }
    if let Some(db) = input.captures.live_at(input.tree, b"lib/apk/db/installed") {
        apk_users(&String::from_utf8_lossy(db), &mut reverse);
    }
    if reverse.is_empty() {
        return Vec::new();
    }
    let mut gone: HashSet<&str> = input
        .findings
        .iter()
        .filter(|f| f.rule == "build-toolchain")
        .flat_map(|f| f.packages.iter().map(|p| p.name.as_str()))
        .collect();
    let app: Vec<&Package> = input
        .packages
        .iter()
        .filter(|p| matches!(p.ecosystem, "deb" | "apk") && p.layer.is_some_and(|l| l >= b))
        .filter(|p| !gone.contains(p.name.as_str()))
        .collect();
    let mut out: Vec<&Package> = Vec::new();
    loop {
        let before = out.len();
        for p in &app {
            if out.iter().any(|o| o.name == p.name) {
                continue;
            }
            let users = reverse.get(&p.name).map_or(&[][..], Vec::as_slice);
            if !users.is_empty() && users.iter().all(|u| gone.contains(u.as_str())) {
                out.push(p);
                gone.insert(p.name.as_str());
            }
        }
        if out.len() == before {
            break;
        }
    }
    out
}

/// dpkg's status: for each dependency, the installed packages that need it.
fn dpkg_users(text: &str, reverse: &mut BTreeMap<String, Vec<String>>) {
    for para in text.split("\n\n") {
        let field = |name: &str| {
            let mut value = String::new();
            let mut inside = false;
            for line in para.lines() {
                if let Some(rest) = line.strip_prefix(name).and_then(|r| r.strip_prefix(':')) {
                    value.push_str(rest);
                    inside = true;
                } else if inside && line.starts_with([' ', '\t']) {
                    value.push_str(line);
                } else {
                    inside = false;
                }
            }
            value
        };
        let installed = field("Status").trim().ends_with(" installed");
        let name = field("Package").trim().to_string();
        if !installed || name.is_empty() {
            continue;
        }
        let deps = format!("{},{}", field("Depends"), field("Pre-Depends"));
        for alt in deps.split([',', '|']) {
            let dep = alt.trim().split([' ', '(', ':']).next().unwrap_or("");
            if !dep.is_empty() {
                reverse
                    .entry(dep.to_string())
                    .or_default()
                    .push(name.clone());
            }
        }
    }
}

/// apk's database: `D:` names packages or what they provide (`so:libgmp.so.10`,
/// `cmd:as`), resolved through the `p:` lines.
fn apk_users(text: &str, reverse: &mut BTreeMap<String, Vec<String>>) {
    let bare = |token: &str| -> String {
        token
            .split(['<', '>', '=', '~'])
            .next()
            .unwrap_or("")
            .to_string()
    };
    let mut packages: Vec<(String, Vec<String>)> = Vec::new();
    let mut provides: BTreeMap<String, String> = BTreeMap::new();
    for para in text.split("\n\n") {
        let mut name = None;
        let mut deps = Vec::new();
        let mut provided = Vec::new();
        for line in para.lines() {
            if let Some(n) = line.strip_prefix("P:") {
                name = Some(n.trim().to_string());
            } else if let Some(d) = line.strip_prefix("D:") {
                deps.extend(
                    d.split_whitespace()
                        .filter(|t| !t.starts_with('!'))
                        .map(bare),
                );
            } else if let Some(p) = line.strip_prefix("p:") {
                provided.extend(p.split_whitespace().map(bare));
            }
        }
        if let Some(name) = name {
            for p in provided {
                provides.entry(p).or_insert_with(|| name.clone());
            }
            packages.push((name, deps));
        }
    }
    for (name, deps) in packages {
        for dep in deps {
            let target = provides.get(&dep).cloned().unwrap_or(dep);
            if target != name {
                reverse.entry(target).or_default().push(name.clone());
            }
        }
    }
}

/// Sources of compiled languages next to their output: `.ts` in a project
/// with `tsconfig.json` and a built `dist/` (or `build/`, `out/`); Rust
/// sources and the `target/` intermediates beside a release binary; Java and
/// Kotlin sources in a Maven/Gradle project with its `target/` or `build/`;
/// Go sources, `go.mod`/`go.sum`, the module cache and the toolchain next to a
/// Go binary.
fn compiled_sources(input: &Input, b: usize) -> Vec<(NodeId, &'static str)> {
    let tree = input.tree;
    let mut out = Vec::new();
    let mut go_binary = false;
    let mut projects: Vec<(NodeId, &'static str)> = Vec::new();
    let mut go_files = Vec::new();
    for (id, node) in tree.nodes() {
        let Some(m) = node.live() else { continue };
        if m.kind != EntryKind::File || live_layer(tree, id) < b {
            continue;
        }
        let name = &node.name[..];
        if m.flags & sniff::GO_BINARY != 0 && sniff::elf_candidate(&tree.path(id), m.mode) {
            go_binary = true;
        }
        match name {
            b"tsconfig.json" => projects.push((node.parent, "typescript")),
            b"Cargo.toml" => projects.push((node.parent, "rust")),
            b"pom.xml" | b"build.gradle" | b"build.gradle.kts" => {
                projects.push((node.parent, "java"))
            }
            _ => {}
        }
        if name.ends_with(b".go") || name == b"go.mod" || name == b"go.sum" {
            go_files.push(id);
        }
    }
    projects.sort_unstable();
    projects.dedup();
    let live_child = |dir: NodeId, name: &[u8]| tree.child(dir, name).filter(|&c| tree.is_live(c));
    for (project, language) in projects {
        let (outputs, extensions, what): (&[&[u8]], &[&[u8]], &'static str) = match language {
            "typescript" => (
                &[b"dist", b"build", b"out"],
                &[b".ts", b".tsx", b".mts", b".cts"],
                "typescript-sources",
            ),
            "rust" => (&[b"target"], &[b".rs"], "rust-sources"),
            _ => (&[b"target", b"build"], &[b".java", b".kt"], "java-sources"),
        };
        if !outputs.iter().any(|d| live_child(project, d).is_some()) {
            continue;
        }
        sources_under(tree, project, outputs, extensions, what, &mut out);
        if let Some(target) = live_child(project, b"target").filter(|_| language == "rust") {
            rust_intermediates(tree, target, &mut out);
        }
    }
    if go_binary {
        for id in go_files {
            let path = tree.path(id);
            if !path.starts_with(b"usr/local/go/") {
                out.push((id, "go-sources"));
            }
        }
        for dir in [
            "usr/local/go",
            "root/go/pkg/mod",
            "go/pkg/mod",
            "root/.cache/go-build",
        ] {
            if let Some(id) = tree.resolve(dir.as_bytes()) {
                let what = if dir == "usr/local/go" {
                    "go-toolchain"
                } else {
                    "go-sources"
                };
                out.extend(files_under(tree, id).into_iter().map(|(f, _)| (f, what)));
            }
        }
    }
    out
}

/// Files below `project` (not in `skip` directories or `node_modules`) whose
/// names end with one of `extensions` (TypeScript declarations excepted).
fn sources_under(
    tree: &MergedTree,
    project: NodeId,
    skip: &[&[u8]],
    extensions: &[&[u8]],
    what: &'static str,
    out: &mut Vec<(NodeId, &'static str)>,
) {
    let mut stack = vec![project];
    while let Some(dir) = stack.pop() {
        for &c in &tree.node(dir).children {
            let node = tree.node(c);
            let Some(m) = node.live() else { continue };
            let name = &node.name[..];
            if m.kind == EntryKind::Dir {
                if name != b"node_modules" && !skip.contains(&name) {
                    stack.push(c);
                }
            } else if m.kind == EntryKind::File
                && extensions.iter().any(|e| name.ends_with(e))
                && !name.ends_with(b".d.ts")
            {
                out.push((c, what));
            }
        }
    }
}

/// Everything in a Cargo `target/` but the executables directly in a
/// `release/` (or `debug/`) profile directory: deps, incremental caches,
/// build-script output.
fn rust_intermediates(tree: &MergedTree, target: NodeId, out: &mut Vec<(NodeId, &'static str)>) {
    for (file, _) in files_under(tree, target) {
        let node = tree.node(file);
        let profile = &tree.node(node.parent).name[..];
        let binary = matches!(profile, b"release" | b"debug")
            && node.live().is_some_and(|m| m.mode & 0o111 != 0);
        if !binary {
            out.push((file, "rust-build"));
        }
    }
}

/// The dropped files grouped by cause, largest first.
fn droppable(tree: &MergedTree, files: Vec<(NodeId, u64, &'static str)>) -> Vec<Dropped> {
    let mut groups: BTreeMap<&'static str, Vec<(u64, NodeId)>> = BTreeMap::new();
    for (id, size, what) in files {
        groups.entry(what).or_default().push((size, id));
    }
    let mut out: Vec<Dropped> = groups
        .into_iter()
        .map(|(what, mut files)| {
            files.sort_by_key(|f| std::cmp::Reverse(f.0));
            Dropped {
                what,
                bytes: files.iter().map(|f| f.0).sum(),
                paths: files
                    .iter()
                    .take(MAX_PATHS)
                    .map(|&(_, id)| display(&tree.path(id)))
                    .collect(),
            }
        })
        .filter(|d| d.bytes > 0)
        .collect();
    out.sort_by(|a, b| b.bytes.cmp(&a.bytes).then(a.what.cmp(b.what)));
    out
}

// -------------------------------------------------------------- estimates

fn multi_stage(base: &BaseInfo, facts: &Facts, shipped: u64) -> Option<Estimate> {
    let mut dropped = facts.dropped.clone();
    if facts.app_hidden > 0 {
        dropped.push(Dropped {
            what: "hidden",
            bytes: facts.app_hidden,
            paths: Vec::new(),
        });
        dropped.sort_by(|a, b| b.bytes.cmp(&a.bytes).then(a.what.cmp(b.what)));
    }
    let size_after = base.bytes + facts.app_live.saturating_sub(facts.dropped_bytes);
    let saved = shipped.saturating_sub(size_after);
    if saved == 0 || facts.dropped_bytes == 0 && facts.app_hidden == 0 {
        return None;
    }
    let from = if base.layers == 0 {
        "the final stage starts FROM scratch, as the image does".to_string()
    } else {
        format!(
            "the final stage starts FROM the same base ({} layer{}, {})",
            base.layers,
            if base.layers == 1 { "" } else { "s" },
            crate::report::bytes(base.bytes)
        )
    };
    let mut assumptions = vec![
        from,
        "it copies the app's live files from the build stage, less the dropped ones; \
         files deleted or overwritten in the build stage are not carried"
            .to_string(),
        "dropped files are not needed at run time (build tools, dev-only packages, caches, \
         sources of compiled code)"
            .to_string(),
    ];
    if facts.dropped.iter().any(|d| d.what == "dev-dependencies") {
        assumptions.push(
            "production dependencies stay as installed; the build stage prunes the dev-only ones"
                .into(),
        );
    }
    Some(Estimate {
        strategy: "multi-stage",
        candidate: None,
        size_before: shipped,
        size_after,
        bytes_saved: saved,
        with_multi_stage: None,
        feasible: true,
        assumptions,
        warnings: Vec::new(),
        dropped,
        dockerfile: Some(propose_dockerfile(&facts.app_steps, &facts.plan)),
    })
}

/// Candidates for the image's runtime, smaller than its base, the current
/// base itself excepted.
fn candidates<'a>(base: &BaseInfo, table: &'a [BaseImage]) -> Vec<&'a BaseImage> {
    if base.layers == 0 {
        return Vec::new();
    }
    let want = match base.runtime.as_ref() {
        Some(r) if r.kind != "go" => r.kind,
        _ => "none",
    };
    let mut out: Vec<&BaseImage> = table
        .iter()
        .filter(|r| r.runtime == want)
        .filter(|r| r.bytes() < base.bytes)
        .filter(|r| base.closest.as_deref() != Some(&r.name()))
        .collect();
    out.sort_by_key(|r| r.bytes());
    out
}

fn switch(base: &BaseInfo, facts: &Facts, shipped: u64, c: &BaseImage) -> Estimate {
    let human = crate::report::bytes;
    let name = c.name();
    let mut assumptions = vec![format!(
        "{name} is {} ({}, {}, {})",
        human(c.bytes()),
        c.size_kind,
        c.source,
        c.date
    )];
    if base.layers == 0 {
        assumptions.push(format!(
            "the image has no base layers (FROM scratch): {name} goes under it"
        ));
    }
    let mut warnings = Vec::new();
    let mut adjust: i128 = 0;
    let runtime = base.runtime.as_ref().filter(|r| r.kind != "go");
    if let Some(r) = runtime {
        match (r.in_base, c.runtime == r.kind) {
            (true, false) => {
                adjust += i128::from(r.bytes);
                assumptions.push(format!(
                    "{name} has no {} runtime: the current one ({}, {}) is copied in",
                    r.kind,
                    r.path,
                    human(r.bytes)
                ));
            }
            (false, true) => {
                adjust -= i128::from(r.bytes);
                assumptions.push(format!(
                    "{name} brings {}: the app layers no longer install it ({})",
                    r.kind,
                    human(r.bytes)
                ));
            }
            (true, true) => assumptions.push(format!(
                "{name}'s {} runtime replaces the current one",
                r.kind
            )),
            (false, false) => {}
        }
    }
    if !facts.app_packages.is_empty() {
        let bytes: u64 = facts.app_packages.iter().map(|p| p.1).sum();
        assumptions.push(format!(
            "the {} packages the app layers install ({}) take the same room on {name}{}",
            facts.app_packages.len(),
            human(bytes),
            if c.package_manager == "none" {
                ", copied from a build stage"
            } else {
                ""
            }
        ));
    }
    assumptions.push(
        "the app layers are rebuilt unchanged on the new base (their hidden bytes too)".into(),
    );
    if c.size_kind != "uncompressed" && c.size_kind != "measured" {
        warnings.push(EstimateWarning {
            kind: "size-figure",
            blocking: false,
            message: format!(
                "the table's figure for {name} is {}, not the uncompressed size: the real size after \
                 differs by that much",
                match c.size_kind.as_str() {
                    "compressed" => "the compressed download size",
                    _ => "approximate",
                }
            ),
            paths: Vec::new(),
        });
    }
    native_code(base, facts, c, &mut warnings);
    shell_and_tools(base, facts, c, &mut warnings);
    let size_after = (i128::from(shipped) - i128::from(base.bytes) + i128::from(c.bytes()) + adjust)
        .max(0) as u64;
    let trimmed = facts.app_hidden + facts.dropped_bytes;
    Estimate {
        strategy: "base-switch",
        with_multi_stage: (trimmed > 0).then(|| size_after.saturating_sub(trimmed)),
        feasible: !warnings.iter().any(|w| w.blocking),
        candidate: Some(c.clone()),
        size_before: shipped,
        size_after,
        bytes_saved: shipped.saturating_sub(size_after),
        assumptions,
        warnings,
        dropped: Vec::new(),
        dockerfile: None,
    }
}

/// Native code linked against a libc the candidate does not have.
fn native_code(base: &BaseInfo, facts: &Facts, c: &BaseImage, out: &mut Vec<EstimateWarning>) {
    let mut files: Vec<&(String, u8)> = facts.app_elf.iter().collect();
    let runtime_pair;
    if let Some(r) = base
        .runtime
        .as_ref()
        .filter(|r| r.in_base && r.kind != c.runtime && r.kind != "go")
    {
        runtime_pair = (r.path.clone(), facts.runtime_elf);
        files.push(&runtime_pair);
    }
    let with = |flag: u8| -> Vec<String> {
        files
            .iter()
            .filter(|(_, f)| f & flag != 0)
            .map(|(p, _)| p.clone())
            .collect()
    };
    let (glibc, musl) = (with(sniff::ELF_GLIBC), with(sniff::ELF_MUSL));
    let mut push = |kind, paths: Vec<String>, message: String| {
        if !paths.is_empty() {
            out.push(EstimateWarning {
                kind,
                blocking: true,
                message,
                paths: paths.into_iter().take(MAX_PATHS).collect(),
            });
        }
    };
    let count = |v: &[String]| v.len();
    match c.libc.as_str() {
        "musl" => push(
            "glibc-native-code",
            glibc.clone(),
            format!(
                "{} ELF file(s) are linked against glibc and will not load on musl: rebuild them on {} \
                 (`npm rebuild`, `pip install` of musllinux wheels or from source)",
                count(&glibc),
                c.name()
            ),
        ),
        "glibc" => push(
            "musl-native-code",
            musl.clone(),
            format!(
                "{} ELF file(s) are linked against musl and will not load on glibc: rebuild them on {}",
                count(&musl),
                c.name()
            ),
        ),
        _ => {
            let dynamic: Vec<String> = files
                .iter()
                .filter(|(_, f)| f & (sniff::ELF_GLIBC | sniff::ELF_MUSL) != 0)
                .map(|(p, _)| p.clone())
                .collect();
            push(
                "dynamic-binary",
                dynamic.clone(),
                format!(
                    "{} ELF file(s) need a C library and {} has none: link them statically \
                     (CGO_ENABLED=0) or pick a base with libc",
                    count(&dynamic),
                    c.name()
                ),
            );
        }
    }
}

fn shell_and_tools(base: &BaseInfo, facts: &Facts, c: &BaseImage, out: &mut Vec<EstimateWarning>) {
    let name = c.name();
    if !c.shell {
        if !facts.shell_form.is_empty() {
            out.push(EstimateWarning {
                kind: "shell-form",
                blocking: true,
                message: format!(
                    "{name} has no shell: write these in exec form (`CMD [\"node\", \"server.js\"]`, \
                     `HEALTHCHECK CMD [\"/app/healthcheck\"]`)"
                ),
                paths: facts.shell_form.clone(),
            });
        }
        if !facts.app_runs.is_empty() {
            out.push(EstimateWarning {
                kind: "run-needs-shell",
                blocking: false,
                message: format!(
                    "{} RUN step(s) need a shell: run them in a build stage and COPY the results onto {name}",
                    facts.app_runs.len()
                ),
                paths: facts.app_runs.iter().take(MAX_PATHS).cloned().collect(),
            });
        }
    }
    for pm in &facts.app_package_managers {
        if *pm == c.package_manager {
            continue;
        }
        let message = if c.package_manager == "none" {
            format!(
                "the app layers install packages with {pm}; {name} has no package manager: install \
                 in a build stage and COPY the files (or pick a -slim base)"
            )
        } else {
            format!(
                "the app layers install packages with {pm}; {name} uses {}: package names and \
                 versions differ",
                c.package_manager
            )
        };
        out.push(EstimateWarning {
            kind: "package-manager",
            blocking: false,
            message,
            paths: Vec::new(),
        });
    }
    if base.ca_certificates && c.ca_certificates == Some(false) {
        out.push(EstimateWarning {
            kind: "ca-certificates",
            blocking: false,
            message: format!(
                "the image has CA certificates and {name} does not: TLS connections fail until \
                 ca-certificates is added"
            ),
            paths: Vec::new(),
        });
    }
    if base.tzdata && c.tzdata == Some(false) {
        out.push(EstimateWarning {
            kind: "tzdata",
            blocking: false,
            message: format!(
                "the image has time zone data and {name} does not: add tzdata if the app uses named zones"
            ),
            paths: Vec::new(),
        });
    }
}

#[cfg(test)]
mod tests;
