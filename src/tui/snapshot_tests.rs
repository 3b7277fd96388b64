//! Whole frames on ratatui's `TestBackend` (120x40), one per pane and mode,
//! pinned with insta: what the user sees, cell by cell (colors aside; the
//! no-color frame shows the symbols that stand in for them).

use std::sync::Arc;

use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::app::{App, Event};
use super::render::draw;
use super::tests::{app, key, keys, model};
use super::tree::Model;
use super::update::update;

fn frame(app: &App) -> TestBackend {
    let mut t = Terminal::new(TestBackend::new(app.size.0, app.size.1)).expect("terminal");
    t.draw(|f| draw(f, app)).expect("draw");
    t.backend().clone()
}

fn select(app: &mut App, path: &str) {
    let m = app.model().expect("loaded");
    let id = m.tree().lookup(path.as_bytes()).expect("path");
    app.view.selected = app
        .view
        .rows
        .iter()
        .position(|r| r.node == id)
        .expect("shown");
}

#[test]
fn loading_frame_shows_progress() {
    let mut app = App::new("fixture.tar", false, (120, 40));
    update(
        &mut app,
        Event::Phase {
            message: "reading layer 2/3".into(),
            total: Some(3_000_000),
        },
    );
    update(&mut app, Event::Advance(1_200_000));
    insta::assert_snapshot!("loading", frame(&app));
}

#[test]
fn failed_analysis_closes_the_tui_with_the_error() {
    let mut app = App::new("missing.tar", false, (120, 40));
    update(
        &mut app,
        Event::Loaded(Err("cannot open 'missing.tar'".into())),
    );
    assert!(
        app.quit,
        "the error is printed after the terminal is restored"
    );
    assert_eq!(app.error.as_deref(), Some("cannot open 'missing.tar'"));
}

#[test]
fn tree_aggregated() {
    let mut app = app();
    keys(&mut app, "e");
    insta::assert_snapshot!("tree_aggregated", frame(&app));
}

#[test]
fn tree_single_layer_sorted_by_name() {
    let mut app = app();
    keys(&mut app, "[aes");
    insta::assert_snapshot!("tree_single_layer", frame(&app));
}

#[test]
fn layers_pane_focused_on_the_first_layer() {
    let mut app = app();
    keys(&mut app, "1gl");
    keys(&mut app, "2l");
    insta::assert_snapshot!("layers", frame(&app));
}

#[test]
fn findings_pane() {
    let mut app = app();
    keys(&mut app, "3jj");
    insta::assert_snapshot!("findings", frame(&app));
}

#[test]
fn findings_enter_jumps_to_the_tree() {
    let mut app = app();
    keys(&mut app, "3j");
    key(&mut app, KeyCode::Enter);
    insta::assert_snapshot!("findings_jump", frame(&app));
}

#[test]
fn details_with_estimates() {
    // A base switch next to the multi-stage estimate, as --candidate-base adds it.
    let mut a = super::tests::analysis();
    let bases = ballast::analysis::estimate::reference_table();
    let base = bases
        .iter()
        .find(|b| b.image.contains("distroless"))
        .unwrap_or(&bases[0]);
    let switch = ballast::analysis::estimate::base_switch(&a, base);
    a.estimates.push(switch);
    let mut app = App::new("fixture.tar", false, (120, 60));
    update(
        &mut app,
        Event::Loaded(Ok(Arc::new(Model::new(Arc::new(a))))),
    );
    keys(&mut app, "4");
    insta::assert_snapshot!("details", frame(&app));
    // End shows the last screenful; one more line down changes nothing.
    keys(&mut app, "G");
    let end = app.details_scroll;
    keys(&mut app, "j");
    assert_eq!(app.details_scroll, end);
    insta::assert_snapshot!("details_scrolled", frame(&app));
    keys(&mut app, "k");
    assert_eq!(app.details_scroll, end - 1);
}

#[test]
fn help_overlay() {
    let mut app = app();
    keys(&mut app, "?");
    insta::assert_snapshot!("help", frame(&app));
}

#[test]
fn pager_with_content() {
    let mut app = app();
    keys(&mut app, "e");
    select(&mut app, "app/main.py");
    keys(&mut app, "v");
    insta::assert_snapshot!("pager_loading", frame(&app));
    let id = app.pager.as_ref().map(|p| p.id).expect("pager");
    update(
        &mut app,
        Event::Content {
            id,
            result: Ok(b"print('hello')\nprint('world')\n".to_vec()),
        },
    );
    insta::assert_snapshot!("pager", frame(&app));
}

#[test]
fn no_color_marks_changes_with_symbols() {
    let mut app = App::new("fixture.tar", true, (120, 40));
    update(&mut app, Event::Loaded(Ok(model())));
    keys(&mut app, "[e");
    insta::assert_snapshot!("no_color", frame(&app));
}

#[test]
fn filter_and_search_active() {
    let mut app = app();
    keys(&mut app, "fapp");
    key(&mut app, KeyCode::Enter);
    keys(&mut app, "/conf");
    key(&mut app, KeyCode::Enter);
    insta::assert_snapshot!("filter_search", frame(&app));
    keys(&mut app, "/ma");
    insta::assert_snapshot!("search_prompt", frame(&app));
}

#[test]
fn wasted_only() {
    let mut app = app();
    keys(&mut app, "we");
    insta::assert_snapshot!("wasted_only", frame(&app));
}

#[test]
fn demo_image() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo.tar");
    let a = ballast::analysis::analyze(
        path,
        &ballast::source::Options {
            verify: true,
            ..Default::default()
        },
        &ballast::progress::Silent,
    )
    .expect("demo.tar");
    let mut app = App::new("fixtures/demo.tar", false, (120, 40));
    update(
        &mut app,
        Event::Loaded(Ok(Arc::new(Model::new(Arc::new(a))))),
    );
    keys(&mut app, "l");
    insta::assert_snapshot!("demo", frame(&app));
}

#[test]
fn tiny_terminals_do_not_panic() {
    for (w, h) in [(1, 1), (10, 4), (20, 6), (40, 10), (0, 0)] {
        let mut app = App::new("fixture.tar", false, (w, h));
        update(&mut app, Event::Loaded(Ok(model())));
        for k in ["e", "?", "j", "3", "j", "4", "G", "1", "G"] {
            keys(&mut app, k);
            if w > 0 && h > 0 {
                frame(&app);
            }
        }
        keys(&mut app, "2v");
        update(&mut app, Event::Resize(w / 2, h / 2));
        if w > 1 && h > 1 {
            frame(&app);
        }
    }
}
