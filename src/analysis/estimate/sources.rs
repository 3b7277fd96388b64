//! Sources of compiled languages next to their build output: what the build
//! stage needs and the final stage does not.

use super::{Input, files_under, live_layer};
use crate::layer::{EntryKind, sniff};
use crate::tree::{MergedTree, NodeId};

/// Sources of compiled languages next to their output: `.ts` in a project
/// with `tsconfig.json` and a built `dist/` (or `build/`, `out/`); Rust
/// sources and the `target/` intermediates beside a release binary; Java and
/// Kotlin sources in a Maven/Gradle project with its `target/` or `build/`;
/// Go sources, `go.mod`/`go.sum`, the module cache and the toolchain next to a
/// Go binary.
pub(super) fn compiled_sources(input: &Input, b: usize) -> Vec<(NodeId, &'static str)> {
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
