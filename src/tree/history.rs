//! A node's history: its changes, one per layer that touched it.

use super::Change;

/// A node's changes, ordered by layer: a slice to read. Nearly every node has
/// exactly one, kept inline, so the tree makes no allocation per path for it.
#[derive(Debug, Clone, Default)]
pub enum History {
    #[default]
    Empty,
    One(Change),
    Many(Vec<Change>),
}

impl History {
    pub(super) fn push(&mut self, change: Change) {
        *self = match std::mem::take(self) {
            History::Empty => History::One(change),
            History::One(first) => {
                // Most of those stop at two (added, then removed or changed).
                let mut v = Vec::with_capacity(2);
                v.extend([first, change]);
                History::Many(v)
            }
            History::Many(mut v) => {
                v.push(change);
                History::Many(v)
            }
        };
    }

    pub(super) fn pop(&mut self) {
        match self {
            History::Empty => {}
            History::One(_) => *self = History::Empty,
            History::Many(v) => {
                v.pop();
            }
        }
    }
}

impl std::ops::Deref for History {
    type Target = [Change];

    fn deref(&self) -> &[Change] {
        match self {
            History::Empty => &[],
            History::One(c) => std::slice::from_ref(c),
            History::Many(v) => v,
        }
    }
}

impl<'a> IntoIterator for &'a History {
    type Item = &'a Change;
    type IntoIter = std::slice::Iter<'a, Change>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}
