//! Journeys for the finding view, the exact jump, hidden bytes, the live
//! filter, the degrading layout and the bugs fixed with them (each test
//! named after what it pins). The fixture and helpers are tests.rs's.

use std::path::PathBuf;
use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::{App, Event, FindingRow, PagerBody, Pane, Request};
use super::prompt::expand_home;
use super::tests::{analysis_of, app, key, keys, names, select, selected_name, spec};
use super::tree::{Kind, Mode, Model};
use super::update::update;
use ballast::vocab::Rule;
use testimage::{self as fixture, LayerSpec};

fn ctrl(app: &mut App, c: char) {
    update(
        app,
        Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)),
    );
}

/// Move the findings selection to the first finding of `rule`.
fn to_finding(app: &mut App, rule: Rule) {
    keys(app, "3g");
    let rows = &app.data.as_ref().expect("loaded").findings;
    let at = rows
        .iter()
        .position(|r| matches!(r, FindingRow::Group { rule: r, .. } if *r == rule))
        .unwrap_or_else(|| panic!("no {rule} finding"));
    for _ in 0..=at {
        keys(app, "j");
    }
}

/// The details pane's text, one string per line.
fn details(app: &App) -> Vec<String> {
    let d = app.details.as_ref().expect("details");
    d.lines.iter().map(|l| l.to_string()).collect()
}

fn loaded(spec: &testimage::ImageSpec, size: (u16, u16)) -> App {
    let mut app = App::new("fixture.tar", false, size);
    let model = Arc::new(Model::new(Arc::new(analysis_of(spec))));
    update(&mut app, Event::Loaded(Ok(model)));
    app
}

/// The fixture with a directory of packages that a later layer removes.
fn with_removed_dir() -> testimage::ImageSpec {
    let mut s = spec();
    s.layers[0].nodes.extend([
        fixture::dir("tmp"),
        fixture::dir("tmp/debs"),
        fixture::big_file("tmp/debs/a.deb", 4_000, 5),
        fixture::big_file("tmp/debs/b.deb", 6_000, 6),
    ]);
    s.layers.push(LayerSpec::new(
        "/bin/sh -c rm -rf /tmp/debs",
        vec![fixture::whiteout("tmp/debs")],
    ));
    s
}

/// The row showing `path`.
fn shown_row(app: &App, path: &str) -> super::tree::Row {
    let m = app.model().expect("loaded");
    let id = m.tree().lookup(path.as_bytes()).expect(path);
    *app.view.rows.iter().find(|r| r.node == id).expect(path)
}

#[test]
fn the_finding_view_shows_the_cause_and_the_fix() {
    let mut app = app();
    to_finding(&mut app, Rule::DeletedLater);
    let text = details(&app).join("\n");
    assert!(text.contains("rule      deleted-later"), "{text}");
    assert!(text.contains("added     layer 0: "), "{text}");
    assert!(
        text.contains("deleted   layer 1: RUN apt-get update"),
        "{text}"
    );
    assert!(text.contains("Fix"), "{text}");
    let advice = &app.model().expect("loaded").analysis.findings
        [app.selected_finding().expect("one")]
    .advice;
    assert!(
        text.contains(advice.split_whitespace().next().expect("words")),
        "{text}"
    );
    assert!(
        text.contains("5 kB L0   /usr/lib/libx.so  (deleted in layer 1,"),
        "{text}"
    );
    // Tab to the details keeps the finding, to scroll it.
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.focus, Pane::Details);
    assert!(details(&app).join("\n").contains("Fix"));
    // Back in the tree: the layer again.
    keys(&mut app, "2");
    assert!(details(&app)[0].starts_with("Layer"));
}

#[test]
fn enter_on_a_deleted_file_lands_on_its_layer_and_path() {
    let mut app = app();
    to_finding(&mut app, Rule::DeletedLater);
    key(&mut app, KeyCode::Enter);
    assert_eq!((app.focus, app.layer()), (Pane::Tree, 0));
    assert_eq!(selected_name(&app), "usr/lib/libx.so");
    let status = app.status.clone().unwrap_or_default();
    assert!(
        status.contains("added in layer 0, deleted in layer 1"),
        "{status}"
    );
}

#[test]
fn enter_on_a_directory_finding_selects_the_directory_itself() {
    // It used to select the directory's first file (/app/.git/refs/...).
    let mut app = app();
    to_finding(&mut app, Rule::VcsDirectory);
    key(&mut app, KeyCode::Enter);
    assert_eq!(selected_name(&app), "app/.git");
    assert_eq!(app.layer(), 2);
    let row = app.view.rows[app.view.selected];
    assert!(row.dir && !row.expanded);
}

#[test]
fn enter_shows_the_path_even_when_the_filter_hides_it() {
    let mut app = app();
    keys(&mut app, "fetc");
    key(&mut app, KeyCode::Enter);
    to_finding(&mut app, Rule::VcsDirectory);
    key(&mut app, KeyCode::Enter);
    assert_eq!(selected_name(&app), "app/.git");
    assert!(
        app.status
            .as_deref()
            .unwrap_or_default()
            .contains("filters cleared")
    );
}

#[test]
fn hidden_bytes_mode_shows_deleted_and_overwritten_versions() {
    let mut app = app();
    keys(&mut app, "de");
    assert_eq!(app.view.params.mode, Mode::Hidden);
    let row = |p: &str| shown_row(&app, p);
    let lib = row("usr/lib/libx.so");
    assert_eq!(
        (lib.size, lib.kind, lib.removed_in),
        (5_000, Kind::Removed, Some(1))
    );
    let conf = row("etc/conf");
    assert_eq!(
        (conf.size, conf.kind, conf.removed_in),
        (10, Kind::Modified, Some(1))
    );
    // Directory sizes are the hidden bytes below them.
    assert_eq!(row("usr").size, 5_000);
    assert!(
        !names(&app).iter().any(|n| n.trim() == "tool"),
        "live files are not hidden bytes"
    );
    // At layer 0 nothing is hidden yet.
    keys(&mut app, "[[");
    assert!(app.view.rows.is_empty());
}

#[test]
fn wasted_only_at_the_last_layer_shows_what_was_deleted() {
    let mut app = loaded(&with_removed_dir(), (120, 40));
    keys(&mut app, "we");
    let shown = names(&app);
    assert!(shown.iter().any(|n| n.trim() == "libx.so"), "{shown:?}");
    assert!(shown.iter().any(|n| n.trim() == "a.deb"), "{shown:?}");
    // Directory sizes are waste: usr holds only the deleted libx.so.
    assert_eq!(shown_row(&app, "usr").size, 5_000);
    let row = shown_row(&app, "tmp/debs");
    assert_eq!((row.size, row.kind), (10_000, Kind::Removed));
}

#[test]
fn a_removed_directory_shows_its_size() {
    // It showed 0 B in the layer that removed it.
    let mut app = loaded(&with_removed_dir(), (120, 40));
    keys(&mut app, "e");
    let row = shown_row(&app, "tmp/debs");
    assert_eq!((row.kind, row.size), (Kind::Removed, 10_000));
}

#[test]
fn the_filter_applies_as_typed_expands_and_counts() {
    let mut app = app();
    keys(&mut app, "fconf");
    // No Enter yet: applied, expanded to the matches, counted.
    assert_eq!(app.view.params.filter.as_deref(), Some("conf"));
    assert_eq!(
        names(&app),
        ["app", "  .git", "    config", "etc", "  conf"]
    );
    assert_eq!(app.view.counter(), Some((0, 2)));
    key(&mut app, KeyCode::Enter);
    keys(&mut app, "n");
    assert_eq!(selected_name(&app), "app/.git/config");
    assert_eq!(app.view.counter(), Some((1, 2)));
    keys(&mut app, "n");
    assert_eq!(app.view.counter(), Some((2, 2)));
    keys(&mut app, "n");
    assert_eq!(app.view.counter(), Some((1, 2)));
    assert!(
        app.status
            .as_deref()
            .unwrap_or_default()
            .contains("back at the first")
    );
    assert!(app.chips().unwrap_or_default().contains("1/2"));
    // A mode change counts again, in what that mode shows.
    keys(&mut app, "a");
    assert_eq!(
        app.view.counter().map(|c| c.1),
        Some(1),
        "{:?}",
        names(&app)
    );
    keys(&mut app, "[a");
    assert_eq!(
        app.view.counter().map(|c| c.1),
        Some(1),
        "{:?}",
        names(&app)
    );
}

#[test]
fn the_filter_takes_globs_and_regexes_and_esc_undoes() {
    let mut app = app();
    keys(&mut app, "fg:*.deb");
    assert_eq!(
        names(&app),
        [
            "var",
            "  cache",
            "    apt",
            "      archives",
            "        pkg.deb"
        ]
    );
    ctrl(&mut app, 'u');
    keys(&mut app, r"re:^/usr/.*\.so$");
    assert_eq!(
        app.view.counter(),
        Some((0, 0)),
        "libx.so is gone at the last layer"
    );
    ctrl(&mut app, 'u');
    keys(&mut app, "re:(");
    assert!(
        app.input
            .as_ref()
            .and_then(|i| i.error.as_deref())
            .is_some()
    );
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.view.params.filter, None);
}

#[test]
fn search_matches_full_paths_as_typed() {
    let mut app = app();
    keys(&mut app, "/git/p");
    assert_eq!(selected_name(&app), "app/.git/pack");
    assert_eq!(app.view.counter(), Some((1, 1)));
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.view.search, None);
    assert_eq!(app.view.counter(), None);
}

#[test]
fn scrolling_resets_after_expand_end_and_wasted_only() {
    // After e, G, w the tree showed one row and blank space.
    let mut app = App::new("fixture.tar", false, (120, 14));
    update(&mut app, Event::Loaded(Ok(super::tests::model())));
    keys(&mut app, "eG");
    assert!(app.tree_offset > 0);
    keys(&mut app, "w");
    let height = app.layout().rows(Pane::Tree);
    assert_eq!(app.tree_offset, app.view.rows.len().saturating_sub(height));
}

#[test]
fn shrinking_and_growing_the_screen_shows_every_layer_again() {
    let mut app = loaded(&with_removed_dir(), (120, 40));
    keys(&mut app, "1G");
    update(&mut app, Event::Resize(40, 12));
    update(&mut app, Event::Resize(120, 40));
    assert_eq!(app.layers_offset, 0);
}

#[test]
fn collapse_all_keeps_the_selected_files_top_directory() {
    let mut app = app();
    keys(&mut app, "e");
    select(&mut app, "app/.git/config");
    keys(&mut app, "c");
    assert_eq!(selected_name(&app), "app");
}

fn pager_with(app: &mut App, path: &str, content: Vec<u8>) {
    keys(app, "e");
    select(app, path);
    keys(app, "v");
    let id = app.pager.as_ref().expect("pager").id;
    update(
        app,
        Event::Content {
            id,
            result: Ok(content),
        },
    );
}

#[test]
fn pager_end_puts_the_last_line_at_the_bottom() {
    let mut app = app();
    let text: String = (1..=100).map(|i| format!("line {i}\n")).collect();
    pager_with(&mut app, "app/main.py", text.into_bytes());
    key(&mut app, KeyCode::End);
    let height = app.pager_height();
    assert_eq!(app.pager.as_ref().map(|p| p.scroll), Some(100 - height));
    // A taller screen clamps it again.
    update(&mut app, Event::Resize(120, 200));
    assert_eq!(app.pager.as_ref().map(|p| p.scroll), Some(0));
}

#[test]
fn a_binary_file_is_announced_with_its_size_in_the_image() {
    // The read stops at 1 MiB; the size announced is the file's.
    let mut app = app();
    pager_with(&mut app, "app/.git/pack", vec![0; 100]);
    assert_eq!(
        app.pager.as_ref().map(|p| p.body.clone()),
        Some(PagerBody::Binary(8_000))
    );
}

#[test]
fn the_details_count_files_not_directories() {
    let mut app = app();
    keys(&mut app, "1");
    let text = details(&app).join("\n");
    // Layer 2: .git/config and .git/pack (the directory and the symlink are no files).
    assert!(text.contains("(2 files added or changed)"), "{text}");
}

#[test]
fn wrapped_commands_are_indented_and_tidied() {
    let mut app = App::new("fixture.tar", false, (60, 40));
    update(&mut app, Event::Loaded(Ok(super::tests::model())));
    keys(&mut app, "1[");
    let lines = details(&app);
    let at = lines
        .iter()
        .position(|l| l.starts_with("  command "))
        .expect("command");
    assert!(lines[at].contains("RUN apt-get"), "{lines:?}");
    assert!(lines[at + 1].starts_with("          "), "{lines:?}");
    assert!(!lines.iter().any(|l| l.contains("#(nop)")), "{lines:?}");
    keys(&mut app, "]");
    assert!(!details(&app).iter().any(|l| l.contains("#(nop)")));
}

#[test]
fn the_extract_prompt_expands_home_clears_and_forgets_failures() {
    let home = Some(PathBuf::from("/home/u"));
    assert_eq!(expand_home("~", home.clone()), PathBuf::from("/home/u"));
    assert_eq!(
        expand_home("~/out", home.clone()),
        PathBuf::from("/home/u/out")
    );
    assert_eq!(expand_home("~x/out", home.clone()), PathBuf::from("~x/out"));
    assert_eq!(expand_home("~/out", None), PathBuf::from("~/out"));
    let mut app = app();
    keys(&mut app, "e");
    select(&mut app, "etc/conf");
    keys(&mut app, "x");
    ctrl(&mut app, 'u');
    assert_eq!(app.input.as_ref().map(|i| i.text.as_str()), Some(""));
    keys(&mut app, "/nowhere");
    key(&mut app, KeyCode::Enter);
    assert!(matches!(app.requests.last(), Some(Request::Extract { .. })));
    update(&mut app, Event::Extracted(Err("cannot create".into())));
    keys(&mut app, "x");
    assert_eq!(
        app.input.as_ref().map(|i| i.text.as_str()),
        Some("."),
        "the failed path is not kept"
    );
    ctrl(&mut app, 'u');
    keys(&mut app, "/tmp/good");
    key(&mut app, KeyCode::Enter);
    update(&mut app, Event::Extracted(Ok("/tmp/good/conf".into())));
    keys(&mut app, "x");
    assert_eq!(
        app.input.as_ref().map(|i| i.text.as_str()),
        Some("/tmp/good")
    );
}

#[test]
fn ctrl_c_quits_as_interrupted() {
    let mut app = app();
    keys(&mut app, "q");
    assert!(app.quit && !app.interrupted);
    let mut app = super::tests::app();
    ctrl(&mut app, 'c');
    assert!(app.quit && app.interrupted);
}

#[test]
fn a_row_names_its_first_path_and_how_many_more() {
    let mut s = spec();
    s.layers[1].nodes.extend([
        fixture::dir("var/cache/apt/archives"),
        fixture::big_file("var/cache/apt/archives/more.deb", 1_000, 7),
    ]);
    let app = loaded(&s, (120, 40));
    let m = app.model().expect("loaded");
    let f = (m.analysis.findings.iter())
        .find(|f| f.rule == Rule::PackageCache)
        .expect("package cache");
    assert_eq!(
        super::finding_view::row_subject(m, f),
        "/var/cache/apt/archives/pkg.deb and 1 more"
    );
    // Enter goes where the row says: the first path, in its own layer.
    let mut app = app;
    to_finding(&mut app, Rule::PackageCache);
    key(&mut app, KeyCode::Enter);
    assert_eq!(selected_name(&app), "var/cache/apt/archives/pkg.deb");
    assert_eq!(app.layer(), 0);
}

#[test]
fn enter_follows_a_symlinked_directory_to_the_file() {
    // A setuid file named through merged-usr's /bin → usr/bin is still shown.
    let mut s = spec();
    let mut su = fixture::big_file("usr/bin/su", 500, 9);
    if let fixture::Node::File { mode, .. } = &mut su {
        *mode = 0o4755;
    }
    s.layers[0]
        .nodes
        .extend([su, fixture::symlink("bin", "usr/bin")]);
    let mut app = loaded(&s, (120, 40));
    let m = app.model().expect("loaded");
    let f = (m.analysis.findings.iter())
        .find(|f| f.rule == Rule::Setuid)
        .expect("setuid");
    let mut named = f.clone();
    named.paths[0].path = Some("/bin/su".into());
    let at = super::findings::place(m, &named, &named.paths[0]).expect("resolved");
    assert_eq!(m.tree().path(at.node), b"usr/bin/su");
    to_finding(&mut app, Rule::Setuid);
    key(&mut app, KeyCode::Enter);
    assert_eq!(selected_name(&app), "usr/bin/su");
}
