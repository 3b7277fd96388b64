//! Journeys through the TUI's state: a fixture image, a key sequence, then
//! assertions on what the user would see selected, expanded and shown
//! (dua-cli's `journeys_readonly.rs`). No terminal involved.

use std::sync::{Arc, OnceLock};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::{App, Event, FindingRow, PagerBody, Pane, Request};
use super::details::Subject;
use super::tree::{Kind, Mode, Model, Sort};
use super::update::update;
use testimage::{self as fixture, Compress, ImageSpec, LayerSpec, Layout};

/// A three-layer image: a base with a package cache, an update that rewrites
/// a config, deletes a library and adds the app, then the app's `.git`.
pub fn spec() -> ImageSpec {
    ImageSpec {
        layers: vec![
            LayerSpec::new(
                "/bin/sh -c #(nop) ADD file:rootfs in /",
                vec![
                    fixture::dir("etc"),
                    fixture::file("etc/conf", "version=1\n"),
                    fixture::dir("usr"),
                    fixture::dir("usr/bin"),
                    fixture::big_file("usr/bin/tool", 3_000, 1),
                    fixture::dir("usr/lib"),
                    fixture::big_file("usr/lib/libx.so", 5_000, 2),
                    fixture::dir("var"),
                    fixture::dir("var/cache"),
                    fixture::dir("var/cache/apt"),
                    fixture::dir("var/cache/apt/archives"),
                    fixture::big_file("var/cache/apt/archives/pkg.deb", 20_000, 3),
                ],
            ),
            LayerSpec::new(
                "/bin/sh -c apt-get update && rm /usr/lib/libx.so",
                vec![
                    fixture::file("etc/conf", "version=22 and more\n"),
                    fixture::whiteout("usr/lib/libx.so"),
                    fixture::dir("app"),
                    fixture::file("app/main.py", "print('hello')\nprint('world')\n"),
                ],
            ),
            LayerSpec::new(
                "/bin/sh -c #(nop) COPY dir:app in /app",
                vec![
                    fixture::dir("app/.git"),
                    fixture::file("app/.git/config", "[core]\n"),
                    fixture::big_file("app/.git/pack", 8_000, 4),
                    fixture::symlink("app/run", "main.py"),
                ],
            ),
        ],
        container_config: serde_json::json!({
            "Env": ["PATH=/usr/bin:/bin", "API_TOKEN=hunter2"],
            "Cmd": ["python", "/app/main.py"],
        }),
        extra_history: vec!["/bin/sh -c #(nop)  CMD [\"python\" \"/app/main.py\"]".into()],
    }
}

/// The fixture, written and analysed.
pub fn analysis() -> ballast::Analysis {
    analysis_of(&spec())
}

/// An image, written and analysed.
pub fn analysis_of(spec: &ImageSpec) -> ballast::Analysis {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("image.tar");
    fixture::write_image(spec, Layout::Docker25, Compress::None, &path).expect("write fixture");
    let opts = ballast::source::Options {
        verify: true,
        ..Default::default()
    };
    ballast::analysis::analyze(
        path.to_str().expect("utf-8"),
        &opts,
        &ballast::progress::Silent,
    )
    .expect("analyse fixture")
}

/// The fixture's model, built once per test binary.
pub fn model() -> Arc<Model> {
    static MODEL: OnceLock<Arc<Model>> = OnceLock::new();
    MODEL
        .get_or_init(|| Arc::new(Model::new(Arc::new(analysis()))))
        .clone()
}

/// An app with the fixture loaded, on a 120x40 screen.
pub fn app() -> App {
    let mut app = App::new("fixture.tar", false, (120, 40));
    update(&mut app, Event::Loaded(Ok(model())));
    app
}

pub fn key(app: &mut App, code: KeyCode) {
    update(app, Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

pub fn keys(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

/// The shown rows as `depth:name` strings.
pub fn names(app: &App) -> Vec<String> {
    let m = app.model().expect("loaded");
    app.view
        .rows
        .iter()
        .map(|r| {
            format!(
                "{}{}",
                "  ".repeat(r.depth as usize),
                String::from_utf8_lossy(&m.node(r.node).name)
            )
        })
        .collect()
}

pub fn selected_name(app: &App) -> String {
    let m = app.model().expect("loaded");
    let id = app.view.selected_node().expect("a row");
    String::from_utf8_lossy(&m.tree().path(id)).into_owned()
}

pub fn select(app: &mut App, path: &str) {
    let m = app.model().expect("loaded");
    let id = m.tree().lookup(path.as_bytes()).expect("path");
    let i = app
        .view
        .rows
        .iter()
        .position(|r| r.node == id)
        .expect("shown");
    app.view.selected = i;
}

#[test]
fn opens_on_the_last_layer_aggregated_sorted_by_size() {
    let app = app();
    assert_eq!(app.layer(), 2);
    assert_eq!(app.view.params.mode, Mode::Aggregated);
    assert_eq!(app.focus, Pane::Tree);
    // libx.so is gone, so var (the cache) is the largest, then app, usr, etc.
    assert_eq!(names(&app), ["var", "app", "usr", "etc"]);
    let sizes: Vec<u64> = app.view.rows.iter().map(|r| r.size).collect();
    assert_eq!(sizes, [20_000, 8_000 + 7 + 30, 3_000, 20]);
}

#[test]
fn navigation_moves_and_clamps() {
    let mut app = app();
    key(&mut app, KeyCode::Down);
    keys(&mut app, "j");
    assert_eq!(app.view.selected, 2);
    key(&mut app, KeyCode::End);
    assert_eq!(app.view.selected, 3);
    keys(&mut app, "jjj");
    assert_eq!(app.view.selected, 3);
    keys(&mut app, "g");
    assert_eq!(app.view.selected, 0);
    key(&mut app, KeyCode::Up);
    assert_eq!(app.view.selected, 0);
    key(&mut app, KeyCode::PageDown);
    assert_eq!(app.view.selected, 3);
    key(&mut app, KeyCode::PageUp);
    assert_eq!(app.view.selected, 0);
    keys(&mut app, "G");
    assert_eq!(app.view.selected, 3);
}

#[test]
fn expand_and_collapse_one_and_all() {
    let mut app = app();
    keys(&mut app, "l");
    assert_eq!(names(&app), ["var", "  cache", "app", "usr", "etc"]);
    keys(&mut app, "jl");
    assert_eq!(names(&app)[..3], ["var", "  cache", "    apt"]);
    // h on an expanded dir collapses it; on a closed one goes to the parent.
    keys(&mut app, "h");
    assert_eq!(names(&app), ["var", "  cache", "app", "usr", "etc"]);
    keys(&mut app, "h");
    assert_eq!(app.view.selected, 0);
    key(&mut app, KeyCode::Char(' '));
    assert_eq!(names(&app), ["var", "app", "usr", "etc"]);
    keys(&mut app, "e");
    assert_eq!(app.view.rows.len(), 17);
    assert!(names(&app).contains(&"        pkg.deb".to_string()));
    keys(&mut app, "c");
    assert_eq!(names(&app), ["var", "app", "usr", "etc"]);
    // Enter toggles a directory too.
    key(&mut app, KeyCode::Enter);
    assert_eq!(names(&app).len(), 5);
}

#[test]
fn sort_toggles_between_size_and_name() {
    let mut app = app();
    keys(&mut app, "s");
    assert_eq!(app.view.params.sort, Sort::Name);
    assert_eq!(names(&app), ["app", "etc", "usr", "var"]);
    keys(&mut app, "s");
    assert_eq!(names(&app), ["var", "app", "usr", "etc"]);
}

#[test]
fn layer_switch_and_single_layer_mode() {
    let mut app = app();
    keys(&mut app, "e");
    // Layer 0 aggregated: no app yet, libx.so still there.
    keys(&mut app, "[[");
    assert_eq!(app.layer(), 0);
    let shown = names(&app);
    assert!(shown.contains(&"    libx.so".to_string()), "{shown:?}");
    assert!(!shown.iter().any(|n| n.trim() == "app"));
    // Layer 1, its changes only: conf modified, libx.so removed, app added.
    keys(&mut app, "]a");
    assert_eq!(app.view.params.mode, Mode::Layer);
    let m = model();
    let kinds: Vec<(String, Kind)> = app
        .view
        .rows
        .iter()
        .map(|r| {
            (
                String::from_utf8_lossy(&m.tree().path(r.node)).into_owned(),
                r.kind,
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("app".to_string(), Kind::Added),
            ("app/main.py".to_string(), Kind::Added),
            ("etc".to_string(), Kind::Unmodified),
            ("etc/conf".to_string(), Kind::Modified),
            ("usr".to_string(), Kind::Unmodified),
            ("usr/lib".to_string(), Kind::Unmodified),
            ("usr/lib/libx.so".to_string(), Kind::Removed),
        ]
    );
    // In the layer view a directory's size is what the layer wrote below it.
    assert_eq!(app.view.rows[0].size, 30);
    assert_eq!(app.view.rows[2].size, 20);
    // The layers pane moves the layer too.
    keys(&mut app, "a1j");
    assert_eq!((app.focus, app.layer()), (Pane::Layers, 2));
    keys(&mut app, "kk");
    assert_eq!(app.layer(), 0);
}

#[test]
fn change_kinds_can_be_hidden() {
    let mut app = app();
    keys(&mut app, "[ae");
    assert_eq!(app.layer(), 1);
    keys(&mut app, "A");
    let shown = names(&app);
    assert!(!shown.iter().any(|n| n.contains("main.py")), "{shown:?}");
    assert!(shown.iter().any(|n| n.contains("libx.so")));
    keys(&mut app, "R");
    assert!(!names(&app).iter().any(|n| n.contains("libx.so")));
    assert!(names(&app).iter().any(|n| n.contains("conf")));
    keys(&mut app, "M");
    assert!(app.view.rows.is_empty());
    keys(&mut app, "AMR");
    assert_eq!(names(&app).len(), 7);
    // Aggregated, hiding unmodified leaves only the layer's changes.
    keys(&mut app, "aU");
    let shown = names(&app);
    assert!(!shown.iter().any(|n| n.contains("tool")), "{shown:?}");
    assert!(shown.iter().any(|n| n.contains("main.py")));
}

#[test]
fn filter_by_path() {
    let mut app = app();
    keys(&mut app, "fgit");
    assert!(app.input.is_some());
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.view.params.filter.as_deref(), Some("git"));
    keys(&mut app, "e");
    assert_eq!(names(&app), ["app", "  .git", "    pack", "    config"]);
    // A pattern with a slash matches across components.
    keys(&mut app, "f");
    for _ in 0..3 {
        key(&mut app, KeyCode::Backspace);
    }
    keys(&mut app, "usr/b");
    key(&mut app, KeyCode::Enter);
    assert_eq!(names(&app), ["usr", "  bin", "    tool"]);
    // An empty filter clears it; Esc cancels without change.
    keys(&mut app, "f");
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.view.params.filter.as_deref(), Some("usr/b"));
    keys(&mut app, "f");
    for _ in 0..5 {
        key(&mut app, KeyCode::Backspace);
    }
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.view.params.filter, None);
}

#[test]
fn search_reveals_matches_and_n_cycles() {
    let mut app = app();
    keys(&mut app, "/CONF");
    key(&mut app, KeyCode::Enter);
    // Case-insensitive: etc/conf and app/.git/config, both revealed.
    assert_eq!(selected_name(&app), "app/.git/config");
    keys(&mut app, "n");
    assert_eq!(selected_name(&app), "etc/conf");
    keys(&mut app, "n");
    assert_eq!(selected_name(&app), "app/.git/config");
    keys(&mut app, "N");
    assert_eq!(selected_name(&app), "etc/conf");
    // Going round the end says so.
    assert_eq!(
        app.status.as_deref(),
        Some("passed the first match: back at the last")
    );
    keys(&mut app, "/zzz");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.status.as_deref(), Some("no match for 'zzz'"));
}

#[test]
fn findings_are_grouped_and_enter_jumps_to_the_tree() {
    let mut app = app();
    keys(&mut app, "3");
    let d = app.data.as_ref().expect("loaded");
    let groups: Vec<&str> = d
        .findings
        .iter()
        .filter_map(|r| match r {
            FindingRow::Group { rule, .. } => Some(rule.as_str()),
            _ => None,
        })
        .collect();
    assert!(groups.contains(&"vcs-directory"), "{groups:?}");
    let at = d
        .findings
        .iter()
        .position(|r| {
            matches!(
                r,
                FindingRow::Group {
                    rule: ballast::vocab::Rule::DeletedLater,
                    ..
                }
            )
        })
        .expect("deleted-later");
    for _ in 0..at + 1 {
        keys(&mut app, "j");
    }
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.focus, Pane::Tree);
    // libx.so was added in layer 0: the tree shows that layer with it selected.
    assert_eq!(app.layer(), 0);
    assert_eq!(selected_name(&app), "usr/lib/libx.so");
}

#[test]
fn enter_on_a_setuid_finding_selects_the_file_not_its_mode() {
    // The setuid path used to carry its mode (`/usr/bin/su (4755)`), which is
    // no path in the tree: Enter found nothing to show.
    let mut su = fixture::big_file("usr/bin/su", 500, 9);
    if let fixture::Node::File { mode, .. } = &mut su {
        *mode = 0o4755;
    }
    let mut spec = spec();
    spec.layers[0].nodes.push(su);
    let mut app = App::new("fixture.tar", false, (120, 40));
    let model = Arc::new(Model::new(Arc::new(analysis_of(&spec))));
    update(&mut app, Event::Loaded(Ok(model)));
    keys(&mut app, "3");
    let d = app.data.as_ref().expect("loaded");
    let at = d
        .findings
        .iter()
        .position(|r| {
            matches!(
                r,
                FindingRow::Group {
                    rule: ballast::vocab::Rule::Setuid,
                    ..
                }
            )
        })
        .expect("setuid");
    for _ in 0..at + 1 {
        keys(&mut app, "j");
    }
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.focus, Pane::Tree, "{:?}", app.status);
    assert_eq!(app.layer(), 0);
    assert_eq!(selected_name(&app), "usr/bin/su");
}

#[test]
fn wasted_only_keeps_what_findings_point_at() {
    let mut app = app();
    keys(&mut app, "we");
    assert!(app.view.params.wasted_only);
    let m = model();
    let shown = names(&app);
    assert!(shown.iter().any(|n| n.trim() == ".git"), "{shown:?}");
    assert!(!shown.iter().any(|n| n.trim() == "tool"), "{shown:?}");
    assert!(app.view.rows.iter().any(|r| m.flagged(r.node)));
    keys(&mut app, "w");
    assert!(names(&app).iter().any(|n| n.trim() == "tool"));
}

#[test]
fn help_overlay_opens_and_any_key_closes_it() {
    let mut app = app();
    keys(&mut app, "?");
    assert!(app.help);
    keys(&mut app, "j");
    assert!(!app.help);
    assert_eq!(app.view.selected, 0, "the closing key does nothing else");
}

#[test]
fn quit_with_q_or_ctrl_c_even_while_loading() {
    let mut loading = App::new("x", true, (80, 24));
    keys(&mut loading, "j");
    assert!(!loading.quit);
    keys(&mut loading, "q");
    assert!(loading.quit);
    let mut app = app();
    keys(&mut app, "/ab");
    update(
        &mut app,
        Event::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
    );
    assert!(app.quit);
}

#[test]
fn tab_cycles_panes() {
    let mut app = app();
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.focus, Pane::Findings);
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.focus, Pane::Layers);
    key(&mut app, KeyCode::BackTab);
    assert_eq!(app.focus, Pane::Details);
}

#[test]
fn pager_requests_content_and_shows_it() {
    let mut app = app();
    keys(&mut app, "e");
    select(&mut app, "app/main.py");
    key(&mut app, KeyCode::Enter);
    let id = match app.requests.as_slice() {
        [
            Request::Read {
                id, layer, path, ..
            },
        ] => {
            assert_eq!((*layer, path.as_slice()), (1, &b"app/main.py"[..]));
            *id
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(
        app.pager.as_ref().map(|p| &p.body),
        Some(&PagerBody::Loading)
    );
    update(
        &mut app,
        Event::Content {
            id,
            result: Ok(b"print('hello')\nprint('world')\n".to_vec()),
        },
    );
    let p = app.pager.as_ref().expect("pager");
    assert!(matches!(&p.body, PagerBody::Text { lines, .. } if lines.len() == 2));
    // Both lines are on screen: nothing to scroll.
    keys(&mut app, "j");
    assert_eq!(app.pager.as_ref().map(|p| p.scroll), Some(0));
    keys(&mut app, "q");
    assert!(app.pager.is_none() && !app.quit);
}

#[test]
fn extract_asks_for_a_directory() {
    let mut app = app();
    app.requests.clear();
    keys(&mut app, "e");
    select(&mut app, "etc/conf");
    keys(&mut app, "x");
    assert_eq!(app.input.as_ref().map(|i| i.text.as_str()), Some("."));
    key(&mut app, KeyCode::Backspace);
    keys(&mut app, "/tmp/out");
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        app.requests,
        [Request::Extract {
            layer: 1,
            path: b"etc/conf".to_vec(),
            dir: "/tmp/out".into(),
            mode: 0o644,
        }]
    );
    // Directories have no content to extract.
    select(&mut app, "etc");
    app.requests.clear();
    keys(&mut app, "x");
    assert!(app.input.is_none() && app.requests.is_empty());
}

#[test]
fn mouse_click_selects_and_wheel_scrolls() {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let mut app = app();
    let a = app.layout().areas;
    let click = |kind, column, row| {
        Event::Mouse(MouseEvent {
            kind,
            column,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    update(
        &mut app,
        click(
            MouseEventKind::Down(MouseButton::Left),
            a.tree.x + 5,
            a.tree.y + 3,
        ),
    );
    assert_eq!((app.focus, app.view.selected), (Pane::Tree, 2));
    update(
        &mut app,
        click(
            MouseEventKind::Down(MouseButton::Left),
            a.layers.x + 5,
            a.layers.y + 1,
        ),
    );
    assert_eq!((app.focus, app.layer()), (Pane::Layers, 0));
    update(
        &mut app,
        click(MouseEventKind::ScrollDown, a.layers.x + 5, a.layers.y + 1),
    );
    assert_eq!(app.layer(), 2);
}

#[test]
fn resize_is_tracked() {
    let mut app = app();
    update(&mut app, Event::Resize(200, 60));
    assert_eq!(app.size, (200, 60));
    assert!(app.layout().areas.tree.height > 40);
}

/// Run the tree-view jobs the app asked for, as the view worker would.
fn run_view_jobs(app: &mut App) -> Vec<(u64, Box<super::tree::View>)> {
    app.requests
        .drain(..)
        .filter_map(|r| match r {
            Request::View {
                generation,
                snapshot,
                params,
            } => Some((
                generation,
                Box::new(super::views::compute_view(&model(), *snapshot, params)),
            )),
            _ => None,
        })
        .collect()
}

#[test]
fn big_views_are_rebuilt_in_the_background_and_only_the_newest_lands() {
    let mut app = app();
    app.async_views = true;
    app.async_rows = 0;
    keys(&mut app, "[");
    // The layer is selected at once; the tree keeps the old view meanwhile.
    assert_eq!((app.layer(), app.view.params.layer), (1, 2));
    keys(&mut app, "[");
    assert_eq!(app.layer(), 0);
    let jobs = run_view_jobs(&mut app);
    assert_eq!(jobs.len(), 2);
    let mut jobs = jobs.into_iter();
    let (g1, v1) = jobs.next().expect("first");
    let (g2, v2) = jobs.next().expect("second");
    update(
        &mut app,
        Event::View {
            generation: g1,
            view: v1,
        },
    );
    assert_eq!(app.view.params.layer, 2, "a superseded view is dropped");
    assert!(app.pending.is_some());
    update(
        &mut app,
        Event::View {
            generation: g2,
            view: v2,
        },
    );
    assert_eq!(app.view.params.layer, 0);
    assert!(app.pending.is_none());
    assert_eq!(names(&app), ["var", "usr", "etc"]);
}

#[test]
fn a_background_view_older_than_an_expand_is_computed_again() {
    let mut app = app();
    app.async_views = true;
    app.async_rows = 0;
    keys(&mut app, "[");
    // Expand var in the view still shown while layer 1 is computed.
    keys(&mut app, "l");
    let (g, v) = run_view_jobs(&mut app).pop().expect("job");
    update(
        &mut app,
        Event::View {
            generation: g,
            view: v,
        },
    );
    assert!(app.pending.is_some(), "stale: not installed");
    let (g, v) = run_view_jobs(&mut app).pop().expect("a new job");
    update(
        &mut app,
        Event::View {
            generation: g,
            view: v,
        },
    );
    assert_eq!(app.view.params.layer, 1);
    assert_eq!(names(&app)[..2], ["var", "  cache"]);
    // Expand-all goes to the background too.
    keys(&mut app, "e");
    let (g, v) = run_view_jobs(&mut app).pop().expect("expand-all job");
    update(
        &mut app,
        Event::View {
            generation: g,
            view: v,
        },
    );
    assert!(names(&app).contains(&"        pkg.deb".to_string()));
}

/// The sparse per-layer directory numbers agree with a brute-force walk.
fn check_dir_sizes(m: &Model) {
    use ballast::layer::EntryKind;
    use ballast::tree::ROOT;
    let tree = m.tree();
    for layer in 0..tree.layer_count() {
        let mut agg = vec![0u64; tree.len()];
        let mut own = vec![0u64; tree.len()];
        for (_, node) in tree.nodes() {
            let live = node.state_at(layer).filter(|x| x.kind == EntryKind::File);
            let wrote = node
                .change_in(layer)
                .filter(|c| c.op != ballast::tree::Op::Removed && c.meta.kind == EntryKind::File);
            let mut p = node.parent;
            loop {
                agg[p as usize] += live.map_or(0, |x| x.size);
                own[p as usize] += wrote.map_or(0, |c| c.meta.size);
                if p == ROOT {
                    break;
                }
                p = tree.node(p).parent;
            }
        }
        for (id, node) in tree.nodes() {
            // Removed directories show what they held (journeys.rs checks).
            if node.children.is_empty() || node.state_at(layer).is_none_or(|x| !x.is_dir()) {
                continue;
            }
            let p = |mode| super::tree::Params {
                layer,
                mode,
                ..Default::default()
            };
            assert_eq!(
                m.size(id, &p(Mode::Aggregated)),
                agg[id as usize],
                "layer {layer}, {id}"
            );
            if m.kind(id, layer) != Kind::Removed {
                assert_eq!(
                    m.size(id, &p(Mode::Layer)),
                    own[id as usize],
                    "layer {layer}, {id}"
                );
            }
        }
    }
}

#[test]
fn directory_sizes_at_every_layer_match_a_full_walk() {
    check_dir_sizes(&model());
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo.tar");
    let a = ballast::analysis::analyze(demo, &Default::default(), &ballast::progress::Silent)
        .expect("demo.tar");
    check_dir_sizes(&Model::new(Arc::new(a)));
}

/// A layer switch copies the rows of subtrees that did not change between
/// the two layers; the result must be exactly a fresh build's, for every pair
/// of layers, fully or partly expanded, whatever is hidden or sorted.
#[test]
fn layer_switches_that_reuse_rows_match_a_fresh_build() {
    use super::tree::{Hidden, Params, View};
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo.tar");
    let a = ballast::analysis::analyze(demo, &Default::default(), &ballast::progress::Silent)
        .expect("demo.tar");
    for m in [model(), Arc::new(Model::new(Arc::new(a)))] {
        let layers = m.tree().layer_count();
        let variants = [
            Params::default(),
            Params {
                sort: Sort::Name,
                ..Params::default()
            },
            Params {
                hidden: Hidden {
                    unmodified: true,
                    ..Hidden::default()
                },
                ..Params::default()
            },
            Params {
                wasted_only: true,
                ..Params::default()
            },
        ];
        for base in variants {
            for partly in [false, true] {
                let fresh = |layer: usize| {
                    let mut v = View::new(
                        &m,
                        Params {
                            layer,
                            ..base.clone()
                        },
                    );
                    v.expand_all(&m);
                    if partly {
                        // Close every other directory (by node, the same at every layer).
                        for (id, node) in m.tree().nodes() {
                            if !node.children.is_empty() && id % 2 == 0 {
                                v.mark(id, false);
                            }
                        }
                        v.rebuild(&m);
                    }
                    v
                };
                for from in 0..layers {
                    for to in 0..layers {
                        let mut v = fresh(from);
                        let expected = fresh(to);
                        v.set_params(
                            &m,
                            Params {
                                layer: to,
                                ..base.clone()
                            },
                        );
                        let got: Vec<_> = v
                            .rows
                            .iter()
                            .map(|r| (r.node, r.depth, r.size, r.kind, r.dir, r.expanded))
                            .collect();
                        let want: Vec<_> = expected
                            .rows
                            .iter()
                            .map(|r| (r.node, r.depth, r.size, r.kind, r.dir, r.expanded))
                            .collect();
                        assert_eq!(
                            got, want,
                            "{from} -> {to}, {base:?}, partly expanded: {partly}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn name_matching_is_case_insensitive_and_never_spans_two_names() {
    let m = model();
    let tree = m.tree();
    let name = |id| String::from_utf8_lossy(&tree.node(id).name).into_owned();
    let names = |pat: &[u8]| m.matching(pat).into_iter().map(name).collect::<Vec<_>>();
    assert_eq!(names(b"CONF"), ["conf", "config"]);
    assert_eq!(names(b"lib"), ["lib", "libx.so"]);
    // `usr/bin` are neighbours in node order; their names joined are no match.
    assert!(names(b"usrbin").is_empty() && names(b"rb").is_empty());
    assert!(names(b"usr/bin").is_empty(), "names hold no '/'");
    // Every node whose name contains the pattern, as a plain scan finds them.
    for pat in [&b"a"[..], b"e", b"p", b".", b"x"] {
        let scan: Vec<_> = tree
            .nodes()
            .filter(|(_, n)| super::tree::contains(&n.name, pat))
            .map(|(id, _)| id)
            .collect();
        assert_eq!(m.matching(pat), scan, "{}", String::from_utf8_lossy(pat));
    }
}

#[test]
fn the_details_text_is_built_when_the_layer_or_width_changes_only() {
    let mut app = app();
    let built = |app: &App| app.details.as_ref().map(|d| d.lines.as_ptr());
    let first = built(&app);
    assert!(first.is_some(), "built when the analysis arrives");
    // Moving, focusing, scrolling the details: the same text.
    keys(&mut app, "jj4jk2l");
    assert_eq!(built(&app), first);
    // Another layer: another text, for that layer.
    keys(&mut app, "[");
    assert_ne!(built(&app), first);
    let layer = built(&app);
    let (width, _) = app.layout().details_text();
    assert!(
        app.details
            .as_ref()
            .is_some_and(|d| d.is_for(Subject::Layer(1), width))
    );
    // A wider details pane rewraps it.
    update(&mut app, Event::Resize(200, 40));
    assert_ne!(built(&app), layer);
}
