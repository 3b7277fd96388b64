//! Drawing, and nothing else: every function reads [`App`] and writes cells;
//! none changes state or computes what `update` needs (layout.rs has the
//! geometry, details.rs the details text, both shared with `update`).
//!
//! Lists draw only the rows that fit (the tree's rows are already computed,
//! so a frame costs what is on screen). One file per pane.

mod details;
mod findings;
mod layers;
mod overlay;
mod placeholder;
mod status;
mod tree;

use ratatui::Frame;

use super::app::App;

pub fn draw(f: &mut Frame, app: &App) {
    let t = app.theme();
    let layout = app.layout_in(f.area());
    let a = layout.areas;
    status::draw_title(f, app, &t, a.title);
    layers::draw_layers(f, app, &t, a.layers);
    findings::draw_findings(f, app, &t, a.findings);
    details::draw_details(f, app, &t, a.details);
    tree::draw_tree(f, app, &t, &layout);
    status::draw_status(f, app, &t, a.status);
    if app.pager.is_some() {
        overlay::draw_pager(f, app, &t);
    }
    if app.help {
        overlay::draw_help(f, &t);
    }
}
