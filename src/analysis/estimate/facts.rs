//! The facts every estimate is made from: what the app layers hold (live and
//! hidden bytes, ELF files, packages), the history after the base, shell-form
//! commands, and what a final stage would drop.

use std::collections::HashSet;

use super::dropped::{droppable, dropped_files};
use super::{BaseInfo, Facts, Input, Step, dockerfile};
use crate::layer::path::display;
use crate::layer::{EntryKind, sniff};
use crate::source::layout::ImageConfig;
use crate::tree::NodeId;

pub(super) fn gather(input: &Input, base: &BaseInfo) -> Facts {
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

    app_history(input, b, &mut facts);
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

/// The history after the base: its steps, its RUN steps and the package
/// managers they call.
fn app_history(input: &Input, b: usize, facts: &mut Facts) {
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
