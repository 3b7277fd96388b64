//! Findings: every wasted byte and risky file, by cause, with the fix.
//!
//! dive only sees paths that occur in two layers. Here each cause is named: the
//! bytes a later layer deleted or overwrote (still shipped), identical copies,
//! `.git`, package caches, toolchains, bytecode, docs, junk, secrets in any
//! layer (deleted ones included: they are still in the image), and the config's
//! hygiene (root user, no healthcheck, setuid and world-writable files).
//!
//! Each finding carries the bytes fixing it reclaims, the layer that introduced
//! it with that layer's command, the paths (largest first) and the concrete
//! Dockerfile change. `reclaimable_bytes` counts every byte once: hidden bytes
//! (deleted or overwritten, whatever rule names them) first, then each live file
//! flagged by any rule once, whichever rule flagged it.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use super::packages::{DevDependencies, Package};
use super::{LayerInfo, secret_name};
use crate::layer::path::display;
use crate::layer::{EntryKind, sniff};
use crate::source::layout::ImageConfig;
use crate::tree::{MergedTree, NodeId, Op, ROOT};

/// How many paths a finding lists before it only counts the rest.
const MAX_PATHS: usize = 10;

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Stable kebab-case id (DESIGN.md "Findings").
    pub rule: &'static str,
    /// `waste` (shipped but unseen), `bloat` (live but unneeded),
    /// `security`, `reliability`.
    pub category: &'static str,
    /// `high`, `medium`, `low` or `info`.
    pub severity: &'static str,
    /// What fixing it reclaims.
    pub bytes: u64,
    /// The layer that introduced it.
    pub layer: Option<FindingLayer>,
    /// Largest first, at most ten.
    pub paths: Vec<FindingPath>,
    /// How many more paths there are.
    pub paths_omitted: usize,
    /// The packages the finding is about, largest first (where known).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub packages: Vec<FindingPackage>,
    pub advice: String,
    /// The Dockerfile line of the instruction that made `layer`, when the
    /// image was joined to its Dockerfile (`--dockerfile`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dockerfile_line: Option<usize>,
    /// Live files the finding would remove (for `reclaimable_bytes` and the TUI).
    #[serde(skip)]
    pub nodes: Vec<NodeId>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FindingLayer {
    pub index: usize,
    pub command: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FindingPackage {
    pub ecosystem: &'static str,
    pub name: String,
    pub version: String,
    pub bytes: u64,
}

impl From<&Package> for FindingPackage {
    fn from(p: &Package) -> Self {
        FindingPackage {
            ecosystem: p.ecosystem,
            name: p.name.clone(),
            version: p.version.clone(),
            bytes: p.bytes,
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FindingPath {
    pub path: String,
    pub bytes: u64,
}

/// Everything the rules look at.
pub struct Input<'a> {
    pub tree: &'a MergedTree,
    pub layers: &'a [LayerInfo],
    pub config: &'a ImageConfig,
    pub packages: &'a [Package],
    pub dev: &'a [DevDependencies],
}

impl Input<'_> {
    fn layer(&self, index: usize) -> Option<FindingLayer> {
        self.layers.get(index).map(|l| FindingLayer {
            index,
            command: l.command.clone(),
        })
    }

    /// "the RUN in layer 3", "the COPY in layer 1".
    fn step(&self, index: usize) -> String {
        let word = self
            .layers
            .get(index)
            .and_then(|l| l.command.as_deref())
            .and_then(|c| c.split_whitespace().next())
            .filter(|w| w.chars().all(|c| c.is_ascii_uppercase()) && w.len() >= 3)
            .unwrap_or("step");
        format!("the {word} in layer {index}")
    }
}

/// Run every rule. Findings come back largest first.
pub fn find(input: &Input) -> Vec<Finding> {
    let mut out = Vec::new();
    hidden_versions(input, &mut out);
    duplicates(input, &mut out);
    vcs_directories(input, &mut out);
    caches(input, &mut out);
    dev_dependencies(input, &mut out);
    toolchains(input, &mut out);
    bytecode(input, &mut out);
    docs(input, &mut out);
    junk(input, &mut out);
    secrets(input, &mut out);
    config_rules(input, &mut out);
    permissions(input, &mut out);
    out.sort_by(|a, b| {
        severity_rank(a.severity)
            .cmp(&severity_rank(b.severity))
            .then(b.bytes.cmp(&a.bytes))
            .then(a.rule.cmp(b.rule))
    });
    out
}

/// Live bytes the findings would remove, each file once.
pub fn live_reclaimable(tree: &MergedTree, findings: &[Finding]) -> u64 {
    // Security findings name live files too, but removing them is about risk,
    // not size: only waste and bloat count.
    let nodes: HashSet<NodeId> = findings
        .iter()
        .filter(|f| matches!(f.category, "waste" | "bloat"))
        .flat_map(|f| f.nodes.iter().copied())
        .collect();
    nodes
        .into_iter()
        .filter_map(|id| tree.node(id).live())
        .filter(|m| m.kind == EntryKind::File)
        .map(|m| m.size)
        .sum()
}

fn severity_rank(s: &str) -> u8 {
    match s {
        "high" => 0,
        "medium" => 1,
        "low" => 2,
        _ => 3,
    }
}

/// Build a finding from (path, bytes) pairs: largest first, capped.
#[allow(clippy::too_many_arguments)]
fn finding(
    rule: &'static str,
    category: &'static str,
    severity: &'static str,
    bytes: u64,
    layer: Option<FindingLayer>,
    mut paths: Vec<FindingPath>,
    advice: String,
    nodes: Vec<NodeId>,
) -> Finding {
    paths.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.path.cmp(&b.path)));
    let omitted = paths.len().saturating_sub(MAX_PATHS);
    paths.truncate(MAX_PATHS);
    Finding {
        rule,
        category,
        severity,
        bytes,
        layer,
        paths,
        paths_omitted: omitted,
        packages: Vec::new(),
        advice,
        dockerfile_line: None,
        nodes,
    }
}

fn human(n: u64) -> String {
    crate::report::bytes(n)
}

/// Live regular files below `dir` (inclusive), with their sizes.
fn live_files_under(tree: &MergedTree, dir: NodeId) -> Vec<(NodeId, u64)> {
    let mut out = Vec::new();
    let mut stack = vec![dir];
    while let Some(id) = stack.pop() {
        let node = tree.node(id);
        match node.live() {
            Some(m) if m.kind == EntryKind::File => out.push((id, m.size)),
            Some(m) if m.is_dir() => stack.extend(node.children.iter().copied()),
            _ => {}
        }
    }
    out
}

/// The layer that holds most of these live files' bytes.
fn main_layer(tree: &MergedTree, files: &[(NodeId, u64)]) -> Option<usize> {
    let mut by_layer: BTreeMap<usize, u64> = BTreeMap::new();
    for &(id, size) in files {
        if let Some(c) = tree.node(id).history.last() {
            *by_layer.entry(c.layer as usize).or_default() += size.max(1);
        }
    }
    by_layer
        .into_iter()
        .max_by_key(|&(l, b)| (b, std::cmp::Reverse(l)))
        .map(|(l, _)| l)
}

/// A group of live directories (or files) that one rule flags.
struct Group {
    paths: Vec<FindingPath>,
    files: Vec<(NodeId, u64)>,
    seen: HashSet<NodeId>,
}

impl Group {
    fn new() -> Group {
        Group {
            paths: Vec::new(),
            files: Vec::new(),
            seen: HashSet::new(),
        }
    }

    /// Add a live node (a directory counts with everything below it).
    fn add(&mut self, tree: &MergedTree, id: NodeId) {
        let files: Vec<_> = live_files_under(tree, id)
            .into_iter()
            .filter(|f| self.seen.insert(f.0))
            .collect();
        let bytes = files.iter().map(|f| f.1).sum();
        if bytes == 0 {
            // An empty directory or file is nothing to remove.
            return;
        }
        self.paths.push(FindingPath {
            path: display(&tree.path(id)),
            bytes,
        });
        self.files.extend(files);
    }

    /// Add a package's files (without listing it as a path).
    fn add_package(&mut self, tree: &MergedTree, p: &Package) {
        for &id in &p.nodes {
            if self.seen.insert(id) {
                self.files
                    .push((id, tree.node(id).live().map_or(0, |m| m.size)));
            }
        }
    }

    fn bytes(&self) -> u64 {
        self.files.iter().map(|f| f.1).sum()
    }

    fn into_finding(
        self,
        input: &Input,
        rule: &'static str,
        severity: &'static str,
        advice: String,
    ) -> Option<Finding> {
        if self.paths.is_empty() && self.files.is_empty() {
            return None;
        }
        let layer = main_layer(input.tree, &self.files).and_then(|l| input.layer(l));
        let bytes = self.bytes();
        let nodes = self.files.iter().map(|f| f.0).collect();
        Some(finding(
            rule, "bloat", severity, bytes, layer, self.paths, advice, nodes,
        ))
    }
}

/// `deleted-later` and `overwritten`: every file version that a later layer
/// removed or replaced. Its bytes are shipped on every pull and seen by no one.
fn hidden_versions(input: &Input, out: &mut Vec<Finding>) {
    let tree = input.tree;
    // (added in, removed/replaced in) -> (root path -> bytes)
    let mut deleted: BTreeMap<(usize, usize), BTreeMap<NodeId, u64>> = BTreeMap::new();
    let mut overwritten: BTreeMap<(usize, usize), (BTreeMap<NodeId, u64>, bool)> = BTreeMap::new();
    for (id, node) in tree.nodes() {
        for pair in node.history.windows(2) {
            let (version, next) = (&pair[0], &pair[1]);
            if version.op == Op::Removed
                || version.meta.kind != EntryKind::File
                || version.meta.size == 0
            {
                continue;
            }
            let key = (version.layer as usize, next.layer as usize);
            match next.op {
                Op::Removed => {
                    let root = removal_root(tree, id, next.layer as usize);
                    *deleted.entry(key).or_default().entry(root).or_default() += version.meta.size;
                }
                _ => {
                    let identical = next.meta.kind == EntryKind::File
                        && next.meta.size == version.meta.size
                        && next.meta.content != 0
                        && next.meta.content == version.meta.content;
                    let slot = overwritten.entry(key).or_insert((BTreeMap::new(), true));
                    *slot.0.entry(id).or_default() += version.meta.size;
                    slot.1 &= identical;
                }
            }
        }
    }
    for ((added, removed), roots) in deleted {
        let bytes: u64 = roots.values().sum();
        let paths: Vec<FindingPath> = roots
            .iter()
            .map(|(&id, &b)| FindingPath {
                path: display(&tree.path(id)),
                bytes: b,
            })
            .collect();
        let top = &paths
            .iter()
            .max_by_key(|p| p.bytes)
            .expect("non-empty group")
            .path;
        let more = if paths.len() > 1 {
            format!(" and {} more", paths.len() - 1)
        } else {
            String::new()
        };
        let advice = format!(
            "{} deletes {top}{more} ({}) added by {}: deleting in a later layer does not shrink the image. \
             Don't add it, or create and delete it in one RUN (or in a build stage, or with RUN --mount=type=cache)",
            input.step(removed),
            human(bytes),
            input.step(added),
        );
        out.push(finding(
            "deleted-later",
            "waste",
            "medium",
            bytes,
            input.layer(added),
            paths,
            advice,
            Vec::new(),
        ));
    }
    for ((added, replaced), (files, identical)) in overwritten {
        let bytes: u64 = files.values().sum();
        let paths: Vec<FindingPath> = files
            .iter()
            .map(|(&id, &b)| FindingPath {
                path: display(&tree.path(id)),
                bytes: b,
            })
            .collect();
        let why = if identical {
            "with identical content: a chmod, chown or touch copies the whole file into the new layer. \
             Set ownership and mode where the file is created (COPY --chown/--chmod, or in the same RUN)"
        } else {
            "the first copy is still shipped. Write each file once, in its final form, or build it in a stage \
             and COPY only the result"
        };
        let advice = format!(
            "{} rewrites {} file(s) ({}) that {} added, {why}",
            input.step(replaced),
            paths.len(),
            human(bytes),
            input.step(added)
        );
        out.push(finding(
            "overwritten",
            "waste",
            "low",
            bytes,
            input.layer(added),
            paths,
            advice,
            Vec::new(),
        ));
    }
}

/// The highest ancestor of `id` that `layer` also removed: the directory the
/// whiteout (or opaque marker) named.
fn removal_root(tree: &MergedTree, id: NodeId, layer: usize) -> NodeId {
    let mut cur = id;
    loop {
        let parent = tree.node(cur).parent;
        let removed_too = parent != ROOT
            && tree
                .node(parent)
                .change_in(layer)
                .is_some_and(|c| c.op == Op::Removed);
        if !removed_too {
            return cur;
        }
        cur = parent;
    }
}

/// `duplicate-content`: live files with identical content (hard links excluded:
/// they share one copy). All but the first copy of each are reclaimable.
fn duplicates(input: &Input, out: &mut Vec<Finding>) {
    let tree = input.tree;
    let mut groups: HashMap<(u128, u64), Vec<NodeId>> = HashMap::new();
    for (id, node) in tree.nodes() {
        if is_licence(&node.name) {
            continue;
        }
        if let Some(m) = node
            .live()
            .filter(|m| m.kind == EntryKind::File && m.size > 0 && m.content != 0)
        {
            groups.entry((m.content, m.size)).or_default().push(id);
        }
    }
    let mut paths = Vec::new();
    let mut files = Vec::new();
    let mut example = None;
    let mut groups: Vec<_> = groups
        .into_iter()
        .filter(|(_, ids)| ids.len() > 1)
        .collect();
    groups.sort_by_key(|((_, size), ids)| std::cmp::Reverse(size * (ids.len() as u64 - 1)));
    for ((_, size), mut ids) in groups {
        ids.sort_by_key(|&id| tree.path(id));
        let original = display(&tree.path(ids[0]));
        for &copy in &ids[1..] {
            let path = display(&tree.path(copy));
            example.get_or_insert_with(|| format!("{path} is a copy of {original}"));
            paths.push(FindingPath { path, bytes: size });
            files.push((copy, size));
        }
    }
    let Some(example) = example else { return };
    let bytes = files.iter().map(|f| f.1).sum();
    let advice = format!(
        "{} file(s) are byte-identical copies of others ({example}): copy each file once, and link instead of \
         copying (ln -s or a hard link) where both paths are needed",
        files.len()
    );
    let layer = main_layer(tree, &files).and_then(|l| input.layer(l));
    let nodes = files.iter().map(|f| f.0).collect();
    out.push(finding(
        "duplicate-content",
        "waste",
        "low",
        bytes,
        layer,
        paths,
        advice,
        nodes,
    ));
}

/// Licence texts: often required to ship, so never counted as removable copies.
fn is_licence(name: &[u8]) -> bool {
    let upper = name.to_ascii_uppercase();
    upper == b"COPYRIGHT"
        || ["LICENSE", "LICENCE", "COPYING", "NOTICE"]
            .iter()
            .any(|p| upper.starts_with(p.as_bytes()))
}

/// Live directories whose own name is one of `names`, outermost only.
fn live_dirs_named(tree: &MergedTree, names: &[&[u8]]) -> Vec<NodeId> {
    let mut found = Vec::new();
    let mut stack = vec![ROOT];
    while let Some(id) = stack.pop() {
        for &c in &tree.node(id).children {
            let child = tree.node(c);
            if !child.live().is_some_and(|m| m.is_dir()) {
                continue;
            }
            if names.contains(&&child.name[..]) {
                found.push(c);
            } else {
                stack.push(c);
            }
        }
    }
    found
}

fn vcs_directories(input: &Input, out: &mut Vec<Finding>) {
    let mut group = Group::new();
    let dirs = live_dirs_named(input.tree, &[b".git", b".svn", b".hg"]);
    let mut kinds: Vec<String> = Vec::new();
    for &d in &dirs {
        group.add(input.tree, d);
        let name = String::from_utf8_lossy(&input.tree.node(d).name).into_owned();
        if !kinds.contains(&name) {
            kinds.push(name);
        }
    }
    let list = kinds.join("`, `");
    let advice = format!(
        "version-control history is copied into the image (`{list}`): add `{list}` to .dockerignore so `COPY . .` \
         leaves it out"
    );
    out.extend(group.into_finding(input, "vcs-directory", "medium", advice));
}

/// Match a path pattern (components; `*` matches one) against the live tree.
fn glob(tree: &MergedTree, pattern: &str) -> Vec<NodeId> {
    let mut current = vec![ROOT];
    for comp in pattern.split('/') {
        let mut next = Vec::new();
        for id in current {
            for &c in &tree.node(id).children {
                let child = tree.node(c);
                if child.live().is_none() {
                    continue;
                }
                if comp == "*" || child.name[..] == *comp.as_bytes() {
                    next.push(c);
                }
            }
        }
        current = next;
    }
    current
}

/// Package-manager caches: (what, path patterns, fix).
const CACHES: &[(&str, &[&str], &str)] = &[
    (
        "apt package lists",
        &["var/lib/apt/lists/*"],
        "`rm -rf /var/lib/apt/lists/*` in the same RUN as `apt-get install`",
    ),
    (
        "apt downloaded packages",
        &[
            "var/cache/apt/archives/*",
            "var/cache/apt/pkgcache.bin",
            "var/cache/apt/srcpkgcache.bin",
        ],
        "`apt-get clean` in the same RUN as `apt-get install` (or RUN --mount=type=cache,target=/var/cache/apt)",
    ),
    ("apk cache", &["var/cache/apk/*"], "`apk add --no-cache`"),
    (
        "pip cache",
        &["root/.cache/pip", "home/*/.cache/pip"],
        "`pip install --no-cache-dir` (or ENV PIP_NO_CACHE_DIR=1)",
    ),
    (
        "npm cache",
        &["root/.npm/_cacache", "home/*/.npm/_cacache"],
        "`npm cache clean --force` in the same RUN as `npm ci`, or RUN --mount=type=cache,target=/root/.npm",
    ),
    (
        "yarn cache",
        &[
            "usr/local/share/.cache/yarn",
            "root/.cache/yarn",
            "home/*/.cache/yarn",
        ],
        "`yarn cache clean` in the same RUN as `yarn install`",
    ),
    (
        "pnpm store",
        &[
            "root/.local/share/pnpm/store",
            "root/.pnpm-store",
            "home/*/.local/share/pnpm/store",
        ],
        "`pnpm store prune` in the same RUN, or RUN --mount=type=cache for the store",
    ),
    (
        "Go build and module cache",
        &[
            "root/.cache/go-build",
            "go/pkg/mod/cache",
            "root/go/pkg/mod/cache",
        ],
        "build in a stage and COPY only the binary, or RUN --mount=type=cache,target=/root/.cache/go-build",
    ),
    (
        "Cargo registry",
        &[
            "usr/local/cargo/registry",
            "root/.cargo/registry",
            "root/.cargo/git",
        ],
        "build in a stage and COPY only the binary, or RUN --mount=type=cache,target=/usr/local/cargo/registry",
    ),
    (
        "Maven repository",
        &["root/.m2/repository"],
        "build in a stage, or RUN --mount=type=cache,target=/root/.m2",
    ),
    (
        "Gradle cache",
        &["root/.gradle/caches", "home/gradle/.gradle/caches"],
        "build in a stage, or RUN --mount=type=cache,target=/root/.gradle",
    ),
    (
        "Composer cache",
        &["root/.composer/cache", "root/.cache/composer"],
        "`composer install --no-cache` (or COMPOSER_CACHE_DIR=/dev/null)",
    ),
];

fn caches(input: &Input, out: &mut Vec<Finding>) {
    for (what, patterns, fix) in CACHES {
        let mut group = Group::new();
        for pattern in *patterns {
            for id in glob(input.tree, pattern) {
                // apt's lock file and partial/ directory are not cache content.
                let name = &input.tree.node(id).name[..];
                if name == b"lock" || name == b"partial" || name == b"auxfiles" {
                    continue;
                }
                group.add(input.tree, id);
            }
        }
        if group.bytes() == 0 {
            continue;
        }
        let advice = format!(
            "{what} ({}) are left in the image: {fix}",
            human(group.bytes())
        );
        out.extend(group.into_finding(input, "package-cache", "medium", advice));
    }
}

fn toolchains(input: &Input, out: &mut Vec<Finding>) {
    let tree = input.tree;
    let mut group = Group::new();
    for pattern in [
        "usr/lib/gcc",
        "usr/libexec/gcc",
        "usr/include",
        "usr/local/include",
        "usr/lib/llvm-*",
    ] {
        let ids = if let Some(prefix) = pattern.strip_suffix('*') {
            let (parent, stem) = prefix.rsplit_once('/').expect("patterns have a parent");
            glob(tree, &format!("{parent}/*"))
                .into_iter()
                .filter(|&id| tree.node(id).name.starts_with(stem.as_bytes()))
                .collect()
        } else {
            glob(tree, pattern)
        };
        for id in ids {
            group.add(tree, id);
        }
    }
    const BINARIES: &[&str] = &[
        "gcc", "g++", "cc", "c++", "cpp", "clang", "clang++", "ld", "ld.bfd", "ld.gold", "as",
        "make", "cmake",
    ];
    for id in glob(tree, "usr/bin/*") {
        let name = String::from_utf8_lossy(&tree.node(id).name).into_owned();
        let base = name
            .rsplit_once("-linux-gnu-")
            .map_or(name.as_str(), |(_, b)| b);
        let base = base.split_once('-').map_or(base, |(b, v)| {
            if v.chars().all(|c| c.is_ascii_digit()) {
                b
            } else {
                base
            }
        });
        if BINARIES.contains(&base)
            && tree
                .node(id)
                .live()
                .is_some_and(|m| m.kind == EntryKind::File)
        {
            group.add(tree, id);
        }
    }
    for id in live_dirs_named(tree, &[b"node_modules"]) {
        for name in [
            "typescript",
            "@types",
            "ts-node",
            "@babel",
            "webpack",
            "esbuild",
            "@esbuild",
        ] {
            if let Some(c) = tree.child(id, name.as_bytes()).filter(|&c| tree.is_live(c)) {
                group.add(tree, c);
            }
        }
    }
    let mut build_packages: Vec<&Package> = input
        .packages
        .iter()
        .filter(|p| {
            matches!(p.ecosystem, "deb" | "apk") && is_build_package(&p.name) && p.bytes > 0
        })
        .collect();
    build_packages.sort_by_key(|p| std::cmp::Reverse(p.bytes));
    for p in &build_packages {
        group.add_package(tree, p);
    }
    if group.bytes() == 0 {
        return;
    }
    let what = match build_packages.as_slice() {
        [] => "compilers, headers and build tools are".to_string(),
        [one] => format!("the build package {} is", one.name),
        [first, rest @ ..] => format!("{} and {} other build packages are", first.name, rest.len()),
    };
    let advice = format!(
        "{what} in the final image ({}): build in a separate stage (`FROM … AS build`) and \
         `COPY --from=build` only the artifacts, or `apt-get purge --auto-remove` (`apk del`) the build \
         packages in the RUN that used them",
        human(group.bytes())
    );
    if let Some(mut f) = group.into_finding(input, "build-toolchain", "medium", advice) {
        f.packages = build_packages
            .into_iter()
            .map(FindingPackage::from)
            .collect();
        out.push(f);
    }
}

/// Compilers, binutils, headers and the like: needed to build, not to run.
fn is_build_package(name: &str) -> bool {
    const EXACT: &[&str] = &[
        "build-essential",
        "build-base",
        "make",
        "cmake",
        "autoconf",
        "automake",
        "libtool",
        "pkg-config",
        "pkgconf",
        "dpkg-dev",
        "binutils",
        "gcc",
        "g++",
        "cpp",
        "clang",
        "llvm",
        "musl-dev",
        "linux-headers",
        "libc-dev",
        "fortify-headers",
        "bison",
        "flex",
        "m4",
    ];
    const PREFIXES: &[&str] = &[
        "gcc-",
        "g++-",
        "cpp-",
        "binutils-",
        "clang-",
        "llvm-",
        "libclang-",
    ];
    // `gcc-12-base` only carries docs that the runtime libraries depend on.
    !name.ends_with("-base")
        && (EXACT.contains(&name) || PREFIXES.iter().any(|p| name.starts_with(p)))
        || name.ends_with("-dev")
        || name.ends_with("-headers")
}

/// `dev-dependencies`: packages only the project's devDependencies need.
fn dev_dependencies(input: &Input, out: &mut Vec<Finding>) {
    let tree = input.tree;
    for project in input.dev {
        let mut group = Group::new();
        let mut listed: Vec<&Package> = project
            .packages
            .iter()
            .map(|&i| &input.packages[i])
            .collect();
        listed.sort_by_key(|p| std::cmp::Reverse(p.bytes));
        for p in &listed {
            group.add_package(tree, p);
            group.paths.push(FindingPath {
                path: p.location.clone().unwrap_or_else(|| p.name.clone()),
                bytes: p.bytes,
            });
        }
        let fix = match project.source {
            "yarn.lock" => {
                "`yarn install --production --frozen-lockfile` (yarn 1) or `yarn workspaces focus --production` (berry)"
            }
            "pnpm-lock.yaml" => {
                "`pnpm install --prod --frozen-lockfile` (or `pnpm prune --prod` after building)"
            }
            _ => "`npm ci --omit=dev` (or `npm prune --omit=dev` after building)",
        };
        let names: Vec<&str> = listed.iter().take(3).map(|p| p.name.as_str()).collect();
        let more = if listed.len() > 3 {
            format!(" and {} more", listed.len() - 3)
        } else {
            String::new()
        };
        let advice = format!(
            "{} dev-only packages in {}/node_modules ({}{more}, {}, from {}) are shipped: build in one stage, then \
             install with {fix} in the final stage",
            listed.len(),
            project.project.trim_end_matches('/'),
            names.join(", "),
            human(group.bytes()),
            project.source,
        );
        if let Some(mut f) = group.into_finding(input, "dev-dependencies", "medium", advice) {
            f.packages = listed.into_iter().map(FindingPackage::from).collect();
            out.push(f);
        }
    }
}

fn bytecode(input: &Input, out: &mut Vec<Finding>) {
    let tree = input.tree;
    let mut group = Group::new();
    for id in live_dirs_named(tree, &[b"__pycache__"]) {
        group.add(tree, id);
    }
    if group.bytes() == 0 {
        return;
    }
    let advice = format!(
        "Python bytecode ({}) was written at build time: set `ENV PYTHONDONTWRITEBYTECODE=1` before installing, \
         or `pip install --no-compile`",
        human(group.bytes())
    );
    out.extend(group.into_finding(input, "python-bytecode", "low", advice));
}

fn docs(input: &Input, out: &mut Vec<Finding>) {
    let tree = input.tree;
    let mut group = Group::new();
    for pattern in [
        "usr/share/man",
        "usr/share/info",
        "usr/share/gtk-doc",
        "usr/local/share/man",
    ] {
        for id in glob(tree, pattern) {
            group.add(tree, id);
        }
    }
    // Licence texts stay: shipping them is often required.
    for pkg in glob(tree, "usr/share/doc/*") {
        for &c in &tree.node(pkg).children {
            if tree.is_live(c) && &tree.node(c).name[..] != b"copyright" {
                group.add(tree, c);
            }
        }
    }
    for id in glob(tree, "usr/share/locale/*") {
        let name = &tree.node(id).name[..];
        if !(name.starts_with(b"en") || name == b"C" || name == b"locale.alias") {
            group.add(tree, id);
        }
    }
    if group.bytes() == 0 {
        return;
    }
    let advice = format!(
        "man pages, documentation and translations ({}): on Debian/Ubuntu add a dpkg `path-exclude` file \
         (/etc/dpkg/dpkg.cfg.d/excludes for /usr/share/doc/*, /usr/share/man/*, /usr/share/locale/*) before \
         installing packages; on Alpine skip the *-doc packages",
        human(group.bytes())
    );
    out.extend(group.into_finding(input, "docs-and-locales", "low", advice));
}

fn junk(input: &Input, out: &mut Vec<Finding>) {
    let tree = input.tree;
    let mut logs = Group::new();
    for id in glob(tree, "var/log/*") {
        logs.add(tree, id);
    }
    let mut temp = Group::new();
    for pattern in ["tmp/*", "var/tmp/*"] {
        for id in glob(tree, pattern) {
            temp.add(tree, id);
        }
    }
    let mut editor = Group::new();
    let mut deps = Group::new();
    let mut stack = vec![(ROOT, false)];
    while let Some((id, in_modules)) = stack.pop() {
        for &c in &tree.node(id).children {
            let child = tree.node(c);
            let Some(meta) = child.live() else { continue };
            let name = &child.name[..];
            let is_dir = meta.is_dir();
            if matches!(name, b".DS_Store" | b"Thumbs.db")
                || (is_dir && matches!(name, b".idea" | b".vscode"))
                || (!is_dir && (name.ends_with(b".swp") || name == b"core" || is_core_dump(name)))
            {
                editor.add(tree, c);
            } else if in_modules
                && if is_dir {
                    matches!(
                        name,
                        b"test" | b"tests" | b"__tests__" | b"example" | b"examples"
                    )
                } else {
                    name.ends_with(b".map")
                }
            {
                deps.add(tree, c);
            } else if is_dir {
                stack.push((c, in_modules || name == b"node_modules"));
            }
        }
    }
    let groups = [
        (
            logs,
            "log files",
            "`rm -rf /var/log/*` (or truncate them) in the RUN that wrote them",
        ),
        (
            temp,
            "temporary files",
            "remove /tmp and /var/tmp contents in the RUN that created them",
        ),
        (
            editor,
            "editor, OS and core-dump files",
            "add them to .dockerignore (`.DS_Store`, `.idea`, `.vscode`, `*.swp`, `core`)",
        ),
        (
            deps,
            "tests, examples and source maps inside node_modules",
            "prune them after installing (e.g. `npm prune --omit=dev` and a `find node_modules -name '*.map' -delete`), \
             or copy only what runs into the final stage",
        ),
    ];
    for (group, what, fix) in groups {
        if group.bytes() == 0 {
            continue;
        }
        let advice = format!("{what} ({}): {fix}", human(group.bytes()));
        out.extend(group.into_finding(input, "junk", "low", advice));
    }
}

fn is_core_dump(name: &[u8]) -> bool {
    name.strip_prefix(b"core.")
        .is_some_and(|rest| !rest.is_empty() && rest.iter().all(u8::is_ascii_digit))
}

/// `secret`: keys and credential files in any layer (a file deleted later is
/// still in the image), and secret-looking ENV and ARG values in the config and
/// history. Values are never shown.
fn secrets(input: &Input, out: &mut Vec<Finding>) {
    let tree = input.tree;
    // Grouped by the layer that added the file.
    let mut by_layer: BTreeMap<usize, (Vec<FindingPath>, Vec<NodeId>, bool, u8)> = BTreeMap::new();
    for (id, node) in tree.nodes() {
        for (i, version) in node.history.iter().enumerate() {
            if version.op == Op::Removed || version.meta.flags & sniff::SECRET == 0 {
                continue;
            }
            let deleted = node.history.get(i + 1).is_some();
            let slot = by_layer.entry(version.layer as usize).or_default();
            let mut path = display(&tree.path(id));
            if deleted {
                path.push_str(" (deleted or replaced later: still in the image)");
            } else {
                slot.1.push(id);
            }
            slot.0.push(FindingPath {
                path,
                bytes: version.meta.size,
            });
            slot.2 |= deleted;
            slot.3 |= version.meta.flags;
        }
    }
    for (layer, (paths, nodes, deleted, flags)) in by_layer {
        let what = match (
            flags & sniff::PRIVATE_KEY != 0,
            flags & sniff::CREDENTIALS != 0,
        ) {
            (true, true) => "private keys and credentials",
            (true, false) => "a private key",
            _ => "credentials",
        };
        let later = if deleted {
            " Deleting it in a later layer does not help: every layer ships."
        } else {
            ""
        };
        let advice = format!(
            "{} puts {what} into the image, where anyone who can pull it can read {}.{later} Pass build secrets \
             with `RUN --mount=type=secret` or keep them in a build stage, add the files to .dockerignore, and \
             rotate what was exposed",
            input.step(layer),
            if paths.len() > 1 { "them" } else { "it" },
        );
        out.push(finding(
            "secret",
            "security",
            "high",
            0,
            input.layer(layer),
            paths,
            advice,
            nodes,
        ));
    }

    // ENV in the final config, and ENV/ARG values recorded in the history.
    let mut names: Vec<FindingPath> = Vec::new();
    let mut first_layer: Option<usize> = None;
    let env = input.config.config.as_ref().and_then(|c| c.env.as_ref());
    for kv in env.into_iter().flatten() {
        if let Some((k, v)) = kv.split_once('=')
            && secret_name(k)
            && !v.is_empty()
        {
            names.push(FindingPath {
                path: format!("ENV {k}=<redacted> (image config)"),
                bytes: 0,
            });
        }
    }
    let mut layer_index = 0usize;
    for h in &input.config.history {
        let by = h.created_by.as_deref().unwrap_or("");
        for (kind, k) in history_assignments(by) {
            if !secret_name(&k) {
                continue;
            }
            // The step that set it, even when the config already lists the name.
            first_layer.get_or_insert(layer_index.min(input.layers.len().saturating_sub(1)));
            if !names
                .iter()
                .any(|n| n.path.starts_with(&format!("{kind} {k}=")))
            {
                names.push(FindingPath {
                    path: format!("{kind} {k}=<redacted> (build history)"),
                    bytes: 0,
                });
            }
        }
        if !h.empty_layer {
            layer_index += 1;
        }
    }
    if !names.is_empty() {
        let advice = "secret-looking values are stored in the image config or its history, readable with \
                      `docker history --no-trunc` or `docker inspect`: never pass secrets with ENV or ARG; use \
                      `RUN --mount=type=secret` (BuildKit) or runtime environment variables, and rotate them"
            .to_string();
        out.push(finding(
            "secret",
            "security",
            "high",
            0,
            first_layer.and_then(|l| input.layer(l)),
            names,
            advice,
            Vec::new(),
        ));
    }
}

/// `ENV`/`ARG` assignments with non-empty values in one history line: (kind, name).
fn history_assignments(created_by: &str) -> Vec<(&'static str, String)> {
    super::assignments(created_by)
        .into_iter()
        .filter(|a| !a.value.is_empty())
        .map(|a| (a.kind, created_by[a.name].to_string()))
        .collect()
}

fn config_rules(input: &Input, out: &mut Vec<Finding>) {
    let cfg = input.config.config.as_ref();
    let user = cfg.and_then(|c| c.user.as_deref()).unwrap_or("").trim();
    let uid = user.split(':').next().unwrap_or("");
    if uid.is_empty() || uid == "root" || uid == "0" {
        let shown = if user.is_empty() {
            "no USER is set".to_string()
        } else {
            format!("USER is `{user}`")
        };
        out.push(finding(
            "root-user",
            "security",
            "medium",
            0,
            None,
            Vec::new(),
            format!(
                "{shown}, so the container runs as root: add a user and switch to it at the end of the \
                 Dockerfile (`RUN useradd --system --uid 10001 app` then `USER 10001`)"
            ),
            Vec::new(),
        ));
    }
    let healthcheck = cfg.and_then(|c| c.healthcheck.as_ref());
    let disabled = healthcheck
        .and_then(|h| h.get("Test"))
        .and_then(|t| t.as_array())
        .is_some_and(|t| t.first().and_then(|v| v.as_str()) == Some("NONE"));
    if healthcheck.is_none() || disabled {
        out.push(finding(
            "no-healthcheck",
            "reliability",
            "low",
            0,
            None,
            Vec::new(),
            "the image has no HEALTHCHECK, so orchestrators that use it cannot tell a hung container from a \
             healthy one: add `HEALTHCHECK CMD …` probing the service (or rely on your orchestrator's probes)"
                .to_string(),
            Vec::new(),
        ));
    }
}

fn permissions(input: &Input, out: &mut Vec<Finding>) {
    let tree = input.tree;
    let (mut setuid, mut setuid_nodes) = (Vec::new(), Vec::new());
    let (mut writable, mut writable_nodes) = (Vec::new(), Vec::new());
    let mut stack = vec![ROOT];
    while let Some(id) = stack.pop() {
        for &c in &tree.node(id).children {
            let Some(meta) = tree.node(c).live() else {
                continue;
            };
            let suid = meta.kind == EntryKind::File && meta.mode & 0o6000 != 0;
            let sticky_dir = meta.is_dir() && meta.mode & 0o1000 != 0;
            let kind_counts = matches!(meta.kind, EntryKind::File | EntryKind::Dir);
            let open = kind_counts && meta.mode & 0o002 != 0 && !sticky_dir && !meta.implicit;
            // Paths only for the few entries a bit flags.
            if suid || open {
                let path = tree.path(c);
                let shown = FindingPath {
                    path: format!("{} ({:04o})", display(&path), meta.mode),
                    bytes: meta.size,
                };
                let within = |dir: &[u8]| {
                    path == dir || (path.starts_with(dir) && path.get(dir.len()) == Some(&b'/'))
                };
                let temp = within(b"tmp") || within(b"var/tmp") || within(b"dev/shm");
                if open && !temp {
                    writable.push(shown.clone());
                    writable_nodes.push((c, meta.size));
                }
                if suid {
                    setuid.push(shown);
                    setuid_nodes.push((c, meta.size));
                }
            }
            if meta.is_dir() {
                stack.push(c);
            }
        }
    }
    if !setuid.is_empty() {
        let advice = format!(
            "{} file(s) run with their owner's or group's rights (setuid/setgid): remove the bits you don't \
             need, e.g. `RUN find / -xdev -perm /6000 -type f -exec chmod a-s {{}} +`",
            setuid.len()
        );
        out.push(finding(
            "setuid",
            "security",
            "medium",
            0,
            main_layer(tree, &setuid_nodes).and_then(|l| input.layer(l)),
            setuid,
            advice,
            Vec::new(),
        ));
    }
    if !writable.is_empty() {
        let advice = format!(
            "{} path(s) outside the temp directories are writable by any user: `chmod o-w` them where they are \
             created (COPY --chmod, or in the same RUN)",
            writable.len()
        );
        out.push(finding(
            "world-writable",
            "security",
            "medium",
            0,
            main_layer(tree, &writable_nodes).and_then(|l| input.layer(l)),
            writable,
            advice,
            Vec::new(),
        ));
    }
}

#[cfg(test)]
mod tests;
