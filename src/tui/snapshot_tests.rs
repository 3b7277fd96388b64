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

/// An app reading `reference` on a `size` screen, 40 % through.
fn reading(reference: &str, size: (u16, u16)) -> App {
    let mut app = App::new(reference, false, size);
    update(
        &mut app,
        Event::Phase {
            message: "reading layer 2/3".into(),
            total: Some(3_000_000),
        },
    );
    update(&mut app, Event::Advance(1_200_000));
    app
}

#[test]
fn loading_frame_shows_progress() {
    insta::assert_snapshot!("loading", frame(&reading("fixture.tar", (120, 40))));
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
    let mut app = App::new("fixture.tar", false, (120, 50));
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

/// The cells of `area` row by row, each run of one style tagged with it
/// (`<fg=Red BOLD>libx.so</>`): for frames where colour carries meaning.
fn styled(backend: &TestBackend, area: ratatui::layout::Rect) -> String {
    use ratatui::style::Style;
    let buf = backend.buffer();
    let mut out = String::new();
    for y in area.top()..area.bottom() {
        let mut run = (Style::default(), String::new());
        let mut line = String::new();
        let flush = |(style, text): &(Style, String), line: &mut String| {
            if text.is_empty() {
            } else if *style == Style::default() {
                line.push_str(text);
            } else {
                let mut tag = Vec::new();
                if let Some(c) = style.fg {
                    tag.push(format!("fg={c}"));
                }
                if let Some(c) = style.bg {
                    tag.push(format!("bg={c}"));
                }
                if !style.add_modifier.is_empty() {
                    tag.push(format!("{:?}", style.add_modifier));
                }
                line.push_str(&format!("<{}>{text}</>", tag.join(" ")));
            }
        };
        for x in area.left()..area.right() {
            let cell = &buf[(x, y)];
            let style = Style::default()
                .fg(cell.fg)
                .bg(cell.bg)
                .add_modifier(cell.modifier);
            let style = Style {
                fg: style.fg.filter(|c| *c != ratatui::style::Color::Reset),
                bg: style.bg.filter(|c| *c != ratatui::style::Color::Reset),
                ..style
            };
            if style != run.0 {
                flush(&run, &mut line);
                run = (style, String::new());
            }
            run.1.push_str(cell.symbol());
        }
        flush(&run, &mut line);
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[test]
fn hidden_bytes_mode_styled() {
    // Red: deleted, yellow: overwritten; each row names the layer that hid it.
    let mut app = app();
    keys(&mut app, "de");
    let b = frame(&app);
    insta::assert_snapshot!("hidden_bytes", b);
    insta::assert_snapshot!("hidden_bytes_styled", styled(&b, app.layout().areas.tree));
}

#[test]
fn finding_view_styled() {
    let mut app = app();
    keys(&mut app, "3jjjjj");
    let b = frame(&app);
    insta::assert_snapshot!("finding_view", b);
    insta::assert_snapshot!(
        "finding_view_styled",
        styled(&b, app.layout().areas.details)
    );
}

#[test]
fn narrow_terminals_keep_the_names() {
    // Permissions go first, then uid:gid, then the size: never the names.
    for (w, h, name) in [(80, 24, "narrow_80x24"), (40, 12, "narrow_40x12")] {
        let mut app = App::new("fixture.tar", false, (w, h));
        update(&mut app, Event::Loaded(Ok(model())));
        keys(&mut app, "e");
        let b = frame(&app);
        let tree = app.layout().areas.tree;
        let text: String = (tree.top()..tree.bottom())
            .flat_map(|y| (tree.left()..tree.right()).map(move |x| (x, y)))
            .map(|(x, y)| b.buffer()[(x, y)].symbol().to_string())
            .collect();
        assert!(
            text.contains("cache") && text.contains("pkg.deb"),
            "{name}: {text}"
        );
        insta::assert_snapshot!(name, b);
    }
}

#[test]
fn a_long_path_leaves_the_progress_on_screen() {
    let long = format!("/very/long/path/{}/image.tar", "x".repeat(120));
    let b = frame(&reading(&long, (80, 24)));
    let title: String = (0..80)
        .map(|x| b.buffer()[(x, 0)].symbol().to_string())
        .collect();
    assert!(title.contains("1.20 MB / 3 MB (40%)"), "{title}");
}
