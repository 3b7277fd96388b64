//! The findings pane's rows (findings grouped by rule, the groups by bytes),
//! where each finding's path is in the tree (its node, the layer of its
//! version, the layer that deleted or overwrote it), and `Enter` on a
//! finding: show exactly that path at exactly that layer.

use super::app::{App, FindingRow, Pane};
use super::tree::{Mode, Model, Params};
use ballast::analysis::Analysis;
use ballast::analysis::findings::{Finding, FindingPath};
use ballast::layer::path::display;
use ballast::tree::{NodeId, Op, ROOT};
use ballast::vocab::Rule;

/// One row per rule (biggest first), each followed by its findings' rows.
pub(super) fn group_findings(a: &Analysis) -> Vec<FindingRow> {
    let mut rules: Vec<(Rule, u64, Vec<usize>)> = Vec::new();
    for (i, f) in a.findings.iter().enumerate() {
        match rules.iter_mut().find(|r| r.0 == f.rule) {
            Some(r) => {
                r.1 += f.bytes;
                r.2.push(i);
            }
            None => rules.push((f.rule, f.bytes, vec![i])),
        }
    }
    rules.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut findings = Vec::new();
    for (rule, bytes, items) in rules {
        findings.push(FindingRow::Group {
            rule,
            bytes,
            count: items.len(),
        });
        findings.extend(items.into_iter().map(FindingRow::Item));
    }
    findings
}

/// Where one path of a finding is in the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Place {
    pub node: NodeId,
    /// The layer whose version of the path the finding is about.
    pub layer: usize,
    /// The later layer that deleted it, or that overwrote it.
    pub deleted_in: Option<usize>,
    pub replaced_in: Option<usize>,
}

/// Where `p` (a path of `f`) is: the node, the layer of the version the
/// finding is about (the path's own layer, else the finding's if the path is
/// there then, else the last layer that wrote it), and what came after.
pub(crate) fn place(m: &Model, f: &Finding, p: &FindingPath) -> Option<Place> {
    let path = p.path.as_deref()?.trim_start_matches('/').as_bytes();
    // As named, else through symlinked directories (merged-usr's /bin → usr/bin).
    let node = (m.tree().lookup(path)).or_else(|| m.tree().resolve(path))?;
    if node == ROOT {
        return None;
    }
    let history = &m.node(node).history;
    let layer = p
        .layer
        .or(f
            .layer
            .as_ref()
            .map(|l| l.index)
            .filter(|&l| m.node(node).state_at(l).is_some()))
        .or_else(|| {
            history
                .iter()
                .rev()
                .find(|c| c.op != Op::Removed)
                .map(|c| c.layer as usize)
        })?;
    // The first change above the version: a deletion or a new version.
    let next = history.iter().find(|c| c.layer as usize > layer);
    let (deleted, replaced) = match next {
        Some(c) if c.op == Op::Removed => (Some(c.layer as usize), None),
        Some(c) => (None, Some(c.layer as usize)),
        None => (None, None),
    };
    let deleted_in = p.deleted_in.or(deleted);
    let replaced_in = p.replaced_in.or(replaced).filter(|_| deleted_in.is_none());
    Some(Place {
        node,
        layer,
        deleted_in,
        replaced_in,
    })
}

/// The first of a finding's paths that is in the tree, with its place:
/// what its row shows and `Enter` selects.
pub(crate) fn first_place<'a>(m: &Model, f: &'a Finding) -> Option<(&'a FindingPath, Place)> {
    f.paths.iter().find_map(|p| place(m, f, p).map(|x| (p, x)))
}

impl App {
    /// The finding under the selection (a group's first finding on a group row).
    pub(super) fn selected_finding(&self) -> Option<usize> {
        let d = self.data.as_ref()?;
        match d.findings.get(self.finding)? {
            FindingRow::Item(i) => Some(*i),
            FindingRow::Group { .. } => match d.findings.get(self.finding + 1) {
                Some(FindingRow::Item(i)) => Some(*i),
                _ => None,
            },
        }
    }

    /// Enter on a finding: select the layer and the path its row shows (the
    /// directory itself for a directory), make it visible, focus the tree.
    pub(super) fn jump_to_finding(&mut self) {
        let Some(d) = &self.data else { return };
        let model = d.model.clone();
        let Some(index) = self.selected_finding() else {
            return;
        };
        let f = &model.analysis.findings[index];
        let at = first_place(&model, f).map(|(_, at)| at);
        let Some(at) = at.or_else(|| live_place(&model, f)) else {
            self.status = Some(format!("{}: no path in the tree to show", f.rule));
            return;
        };
        let mut params = self.pending.clone().unwrap_or(self.view.params.clone());
        params.layer = at.layer;
        if params.mode != Mode::Aggregated {
            params.mode = Mode::Aggregated;
        }
        self.refresh_now(params.clone());
        let mut cleared = "";
        if !self.view.reveal(&model, at.node) {
            // Hidden by the user's options: drop them rather than miss.
            let _ = self.view.search(&model, "");
            self.refresh_now(Params {
                layer: at.layer,
                sort: params.sort,
                ..Params::default()
            });
            self.view.reveal(&model, at.node);
            cleared = " · filters cleared to show it";
        }
        self.focus = Pane::Tree;
        let path = display(&model.tree().path(at.node));
        let after = match (at.deleted_in, at.replaced_in) {
            (Some(l), _) => format!(", deleted in layer {l}"),
            (_, Some(l)) => format!(", overwritten in layer {l}"),
            _ => String::new(),
        };
        self.status = Some(format!(
            "{}: {path} (added in layer {}{after}){cleared}",
            f.rule, at.layer
        ));
    }
}

/// For a finding without a path in the tree (a rule that names only
/// packages, say): its first live file.
fn live_place(m: &Model, f: &Finding) -> Option<Place> {
    let node = *f.nodes.first()?;
    let history = &m.node(node).history;
    let layer = history.iter().rev().find(|c| c.op != Op::Removed)?.layer as usize;
    Some(Place {
        node,
        layer,
        deleted_in: None,
        replaced_in: None,
    })
}
