//! Bringing the tree view up to date with the options the user picked: at
//! once when the view is small, else by a [`Request::View`] for the view
//! worker while the current view stays on screen (only the newest lands).

use super::app::{ASYNC_NODES, App, Request};
use super::tree::{Model, Params, View};
use ballast::tree::ROOT;

/// The background half of [`Request::View`].
pub fn compute_view(m: &Model, snapshot: View, params: Params) -> View {
    let mut v = snapshot;
    v.refresh(m, params);
    v
}

impl App {
    pub(super) fn set_params(&mut self, f: impl FnOnce(&mut Params)) {
        let mut p = self.pending.clone().unwrap_or(self.view.params.clone());
        f(&mut p);
        self.refresh(p);
    }

    /// Show the tree with `params`: at once when the view is small, else
    /// from a background job while the current view stays on screen.
    fn refresh(&mut self, params: Params) {
        let Some(d) = &self.data else { return };
        let model = d.model.clone();
        let big = self.view.rows.len() > self.async_rows
            || (params.filter != self.view.params.filter && model.tree().len() > ASYNC_NODES);
        if self.async_views && big {
            self.queue_view(params);
        } else {
            // Whatever is in flight is superseded.
            self.view_generation += 1;
            self.pending = None;
            self.view.refresh(&model, params);
        }
    }

    /// Ask the view worker for `params`, superseding what is in flight.
    fn queue_view(&mut self, params: Params) {
        self.view_generation += 1;
        self.pending = Some(params.clone());
        self.requests.push(Request::View {
            generation: self.view_generation,
            snapshot: Box::new(self.view.snapshot()),
            params,
        });
    }

    /// Apply `params` here and now, whatever the size (before a jump).
    pub(super) fn refresh_now(&mut self, params: Params) {
        let Some(d) = &self.data else { return };
        let model = d.model.clone();
        self.view_generation += 1;
        self.pending = None;
        self.view.refresh(&model, params);
    }

    /// A view from the worker: shown if it is the newest asked for and was
    /// computed from the current expansion.
    pub(super) fn install_view(&mut self, generation: u64, view: View) {
        if generation != self.view_generation {
            return;
        }
        if view.revision != self.view.revision {
            // Directories were opened or closed meanwhile: compute again.
            let params = view.params;
            return self.refresh(params);
        }
        let keep = self.view.selected_node();
        let search = self.view.search.take();
        let found = self.view.found.take();
        self.view = view;
        self.view.search = search;
        self.view.found = found;
        self.pending = None;
        if let Some(i) = keep.and_then(|id| self.view.rows.iter().position(|r| r.node == id)) {
            self.view.selected = i;
        }
        self.view.selected = self
            .view
            .selected
            .min(self.view.rows.len().saturating_sub(1));
        self.view.index_matches();
    }

    pub(super) fn expand_all(&mut self, expand: bool) {
        let Some(d) = &self.data else { return };
        let model = d.model.clone();
        let params = self.pending.clone().unwrap_or(self.view.params.clone());
        if !expand {
            // Everything closed is a short view: here and now, on the
            // top-level directory that holds the selection.
            let top = self.view.selected_node().map(|mut id| {
                while model.node(id).parent != ROOT {
                    id = model.node(id).parent;
                }
                id
            });
            self.view.collapse_all_marks();
            self.refresh_now(params);
            if let Some(i) = top.and_then(|id| self.view.rows.iter().position(|r| r.node == id)) {
                self.view.selected = i;
            }
            return;
        }
        self.view.expand_all_marks(&model);
        if self.async_views && model.tree().len() > self.async_rows {
            // Expanding everything makes a big view: compute it off the UI thread.
            self.queue_view(params);
        } else {
            self.refresh(params);
        }
    }

    pub(super) fn select_layer(&mut self, layer: usize) {
        let n = self.layer_count();
        if n == 0 {
            return;
        }
        let layer = layer.min(n - 1);
        self.set_params(|p| p.layer = layer);
    }
}
