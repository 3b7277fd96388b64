//! Finding nodes by name: the search that reveals matches, `n`/`N`, and the
//! path filter's mask. Both scan the model's one lowercased name buffer.

use super::model::Model;
use super::names::contains;
use super::view::View;
use ballast::tree::{NodeId, ROOT};

impl View {
    /// Start a search: reveal up to [`MAX_REVEAL`] matching nodes and select
    /// the first after the selection. Returns how many nodes match.
    pub fn search(&mut self, m: &Model, pattern: &str) -> usize {
        self.search = Some(pattern.to_string()).filter(|p| !p.is_empty());
        let Some(pat) = self.search.clone() else {
            return 0;
        };
        let filter = self.filter_mask.as_deref();
        let mut reveal = Vec::new();
        let mut found = 0;
        for id in m.matching(pat.as_bytes()) {
            if id != ROOT && m.visible(id, &self.params, filter) {
                found += 1;
                if found <= MAX_REVEAL {
                    reveal.push(id);
                }
            }
        }
        for id in reveal {
            self.open_ancestors(m, id);
        }
        self.rebuild(m);
        let n = self.rows.len();
        if found > 0 && n > 0 {
            // Start one row up, so the selected row itself counts.
            self.selected = (self.selected + n - 1) % n;
            self.next_match(m, true);
        }
        found
    }

    /// Move to the next (or previous) row whose name matches the search.
    pub fn next_match(&mut self, m: &Model, forward: bool) -> bool {
        let Some(pat) = self.search.as_deref() else {
            return false;
        };
        let n = self.rows.len();
        if n == 0 {
            return false;
        }
        let pat = pat.as_bytes().to_ascii_lowercase();
        for step in 1..=n {
            let i = if forward {
                (self.selected + step) % n
            } else {
                (self.selected + n - step % n) % n
            };
            if m.name_has(self.rows[i].node, &pat) {
                self.selected = i;
                return true;
            }
        }
        false
    }

    pub fn is_match(&self, m: &Model, id: NodeId) -> bool {
        self.search
            .as_deref()
            .is_some_and(|p| contains(&m.node(id).name, p.as_bytes()))
    }
}

/// Most search matches revealed (their directories expanded) at once.
pub const MAX_REVEAL: usize = 500;
