//! Finding nodes by path, for the search and the filter alike: revealing
//! the matches (opening the directories above them), the rows that are
//! matches, `n`/`N` through them and the `3/20` counter. The matching itself
//! is pattern.rs's, over the model's name index (names.rs).

use std::sync::Arc;

use super::model::Model;
use super::pattern::Pattern;
use super::view::View;
use ballast::tree::NodeId;

/// Most matches revealed (their directories opened) at once.
pub const MAX_REVEAL: usize = 500;

impl View {
    /// The matches `n`/`N` step through and the counter counts: the
    /// search's, else the filter's.
    fn active(&self) -> Option<&super::names::Found> {
        self.found.as_deref().or(self.filter.as_deref())
    }

    /// Start (or, empty, clear) a search: reveal up to [`MAX_REVEAL`]
    /// matches and select the first at or after the selection. Returns how
    /// many shown nodes match, or why the pattern is wrong.
    pub fn search(&mut self, m: &Model, text: &str) -> Result<usize, String> {
        if text.is_empty() {
            self.search = None;
            self.found = None;
            self.index_matches();
            return Ok(0);
        }
        let found = m.find(&Pattern::parse(text)?);
        self.search = Some(text.to_string());
        self.found = Some(Arc::new(found));
        let n = self.reveal_matches(m);
        self.revision += 1;
        self.rebuild(m);
        let sel = self.selected as u32;
        let at = self.match_rows.partition_point(|&r| r < sel);
        if let Some(&r) = self.match_rows.get(at).or(self.match_rows.first()) {
            self.selected = r as usize;
        }
        Ok(n)
    }

    /// Open the directories above the shown matches (the first
    /// [`MAX_REVEAL`]); returns how many matches are shown. The caller
    /// rebuilds the rows.
    pub(super) fn reveal_matches(&mut self, m: &Model) -> usize {
        let Some(found) = self.found.clone().or(self.filter.clone()) else {
            return 0;
        };
        let mut shown = 0;
        for &id in &found.nodes {
            let filter = self.filter.as_ref().map(|f| f.mask.as_slice());
            if m.visible(id, &self.params, filter) {
                shown += 1;
                if shown <= MAX_REVEAL {
                    self.open_above(m, id);
                }
            }
        }
        shown
    }

    /// Note which rows are matches (after the rows changed).
    pub(crate) fn index_matches(&mut self) {
        self.match_rows = match self.active() {
            Some(f) => (self.rows.iter().enumerate())
                .filter(|(_, r)| f.direct[r.node as usize])
                .map(|(i, _)| i as u32)
                .collect(),
            None => Vec::new(),
        };
    }

    /// Move to the next (or previous) matching row; `Some(true)` when that
    /// went round the end, `None` when no row matches.
    pub fn next_match(&mut self, forward: bool) -> Option<bool> {
        let rows = &self.match_rows;
        let last = rows.len().checked_sub(1)?;
        let sel = self.selected as u32;
        let (i, wrapped) = if forward {
            let p = rows.partition_point(|&r| r <= sel);
            if p <= last { (p, false) } else { (0, true) }
        } else {
            let p = rows.partition_point(|&r| r < sel);
            if p > 0 { (p - 1, false) } else { (last, true) }
        };
        self.selected = rows[i] as usize;
        Some(wrapped)
    }

    /// `(matches at or above the selection, matching rows)`: the `3/20`
    /// counter, while a search or a filter is on.
    pub fn counter(&self) -> Option<(usize, usize)> {
        self.active()?;
        let sel = self.selected as u32;
        let at = self.match_rows.partition_point(|&r| r <= sel);
        Some((at, self.match_rows.len()))
    }

    pub fn is_match(&self, id: NodeId) -> bool {
        self.active()
            .is_some_and(|f| f.direct.get(id as usize).copied().unwrap_or(false))
    }
}
