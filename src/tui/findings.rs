//! The findings pane's rows (findings grouped by rule, the groups by bytes)
//! and `Enter` on a finding: show its first path in the tree.

use super::app::{App, FindingRow, Pane};
use super::tree::Mode;
use ballast::analysis::Analysis;
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

impl App {
    /// The finding under the selection (a group's first finding on a group row).
    fn selected_finding(&self) -> Option<usize> {
        let d = self.data.as_ref()?;
        match d.findings.get(self.finding)? {
            FindingRow::Item(i) => Some(*i),
            FindingRow::Group { .. } => match d.findings.get(self.finding + 1) {
                Some(FindingRow::Item(i)) => Some(*i),
                _ => None,
            },
        }
    }

    /// Enter on a finding: select the layer that added its first path, show
    /// that path in the tree, and focus the tree.
    pub(super) fn jump_to_finding(&mut self) {
        let Some(d) = &self.data else { return };
        let model = d.model.clone();
        let Some(index) = self.selected_finding() else {
            return;
        };
        let f = &model.analysis.findings[index];
        let tree = model.tree();
        let nodes = finding_nodes(&model.analysis, index);
        let Some(&first) = nodes.first() else {
            self.status = Some(format!("{}: no path in the tree to show", f.rule));
            return;
        };
        let added = tree
            .node(first)
            .history
            .iter()
            .find(|c| c.op == Op::Added)
            .map(|c| c.layer as usize)
            .or(f.layer.as_ref().map(|l| l.index))
            .unwrap_or(self.layer());
        let mut params = self.pending.clone().unwrap_or(self.view.params.clone());
        params.layer = added;
        params.mode = Mode::Aggregated;
        self.refresh_now(params);
        let path = display(&tree.path(first));
        self.status = Some(if self.view.reveal(&model, first) {
            self.focus = Pane::Tree;
            let more = nodes.len().saturating_sub(1);
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            format!("{}: {path}{more} (added in layer {added})", f.rule)
        } else {
            format!("{}: {path} is hidden by the current filters", f.rule)
        });
    }
}

/// The tree nodes finding `index` points at: its own, or its paths looked up.
fn finding_nodes(a: &Analysis, index: usize) -> Vec<NodeId> {
    let f = &a.findings[index];
    if !f.nodes.is_empty() {
        return f.nodes.clone();
    }
    f.paths
        .iter()
        .filter_map(|p| p.path.as_deref())
        .filter_map(|path| a.tree.lookup(path.trim_start_matches('/').as_bytes()))
        .filter(|&id| id != ROOT)
        .collect()
}
