//! The HTML report in a real browser: ballast writes the reports, then
//! tests/browser/driver.js opens each from disk in Debian's chromium
//! (headless, through Playwright) and says what is on the page; the tests
//! assert on that. Gated by the `browser` need (chromium, node, and
//! `npm ci` in tests/browser), so CI fails rather than skips without them.
//!
//! `BALLAST_UPDATE_SCREENSHOT=1` also writes docs/html-report.png, the
//! README's picture of the demo image's report.

#[allow(dead_code)]
#[path = "support/bin.rs"]
mod bin;
#[allow(dead_code)]
#[path = "support/gate.rs"]
mod gate;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};
use testimage::{self as fixture, Compress, ImageSpec, LayerSpec, Layout};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn ballast(dir: &Path, args: &[&str]) -> Output {
    bin::succeeds(bin::ballast().current_dir(dir).args(args))
}

/// Run the driver with `spec`; its JSON answer.
fn drive(spec: Value) -> Value {
    let out = Command::new("node")
        .arg(root().join("tests/browser/driver.js"))
        .arg(spec.to_string())
        .current_dir(root().join("tests/browser"))
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "driver failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    serde_json::from_slice(&out.stdout).expect("the driver prints JSON")
}

/// Nothing went wrong on the page: no error, no dialog, no blocked script,
/// nothing fetched.
fn assert_clean(page: &Value) {
    for key in [
        "console_errors",
        "page_errors",
        "dialogs",
        "hooked_calls",
        "requests",
    ] {
        assert_eq!(page[key], json!([]), "{key}: {page:#}");
    }
}

fn browser(test: &str) -> bool {
    gate::need(gate::Need::Browser, test)
}

/// /app: 120,000 live bytes, a 30,000-byte `.git`, and 50,000 bytes written
/// in layer 0 and deleted in layer 1 (hidden, still under /app in the map).
fn app_spec() -> ImageSpec {
    ImageSpec {
        layers: vec![
            LayerSpec::new(
                "/bin/sh -c #(nop) COPY dir:abc in /app",
                vec![
                    fixture::big_file("app/server.bin", 60_000, 1),
                    fixture::big_file("app/lib/core.so", 30_000, 2),
                    fixture::big_file("app/.git/objects/pack/p.pack", 30_000, 3),
                    fixture::big_file("app/tmp/build.tar", 50_000, 4),
                    fixture::big_file("etc/os-release", 40_000, 5),
                ],
            ),
            LayerSpec::new(
                "/bin/sh -c rm -rf /app/tmp",
                vec![fixture::whiteout("app/tmp")],
            ),
        ],
        ..ImageSpec::default()
    }
}

fn write_image(dir: &Path, name: &str, spec: &ImageSpec) -> String {
    let path = dir.join(name);
    fixture::write_image(spec, Layout::DockerLegacy, Compress::None, &path).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn the_map_draws_app_with_its_bytes_and_a_finding_zooms_to_its_paths() {
    if !browser("the_map_draws_app_with_its_bytes_and_a_finding_zooms_to_its_paths") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let image = write_image(tmp.path(), "app.tar", &app_spec());
    let (html, json_path) = (tmp.path().join("r.html"), tmp.path().join("r.json"));
    let args = [
        &image,
        "-q",
        "--html",
        html.to_str().unwrap(),
        "--json",
        json_path.to_str().unwrap(),
    ];
    ballast(tmp.path(), &args);
    let analysis: Value = serde_json::from_slice(&std::fs::read(&json_path).unwrap()).unwrap();
    let findings = analysis["findings"].as_array().unwrap();
    let vcs = findings
        .iter()
        .position(|f| f["rule"] == "vcs-directory")
        .expect("a vcs finding");
    let git = &findings[vcs]["paths"][0];
    assert_eq!(git["path"], "/app/.git");

    let page = drive(json!({
        "report": html,
        "paths": ["/app", "/app/.git", "/etc"],
        "click_finding": vcs,
    }));
    assert_clean(&page);
    // Every shipped byte is on the map; /app holds its live and hidden bytes.
    assert_eq!(
        page["top_bytes"], analysis["metrics"]["shipped_bytes"],
        "{page:#}"
    );
    assert_eq!(
        page["paths"]["/app"],
        60_000 + 30_000 + 30_000 + 50_000,
        "{page:#}"
    );
    assert_eq!(page["paths"]["/app/.git"], git["bytes"], "{page:#}");
    assert_eq!(page["paths"]["/etc"], 40_000);
    assert_eq!(page["finding_count"], findings.len());
    // The click zoomed into /app, where .git is marked.
    let after = &page["after_click"];
    assert_eq!(after["zoom"], "/app", "{page:#}");
    let hits = after["hits"].as_array().unwrap();
    assert_eq!(hits.len(), 1, "{page:#}");
    assert_eq!(hits[0]["path"], "/app/.git");
    assert_eq!(hits[0]["bytes"], git["bytes"]);
    assert_eq!(page["after_escape"], "/", "Escape zooms back out");
}

/// Names that would be markup if a page ever parsed them; one path spells
/// `</script>` across a directory and its file.
const HOSTILE: &[&str] = &[
    "<img src=x onerror=alert(1)>",
    "\"'><svg onload=alert(2)>",
    "<script>alert(3)<",
    "&lt;b&gt;x\u{2028}y",
    "<iframe srcdoc=x>",
];

#[test]
fn hostile_names_show_as_text_and_run_no_script() {
    if !browser("hostile_names_show_as_text_and_run_no_script") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let mut files: Vec<_> = (HOSTILE.iter().enumerate())
        .map(|(i, n)| fixture::big_file(format!("h/{n}"), 200_000 - 10_000 * i as u64, i as u64))
        .collect();
    files.push(fixture::big_file("h/<script>alert(3)</script>", 150_000, 9));
    files.push(fixture::big_file(
        "h/.git/<img src=y onerror=alert(4)>",
        90_000,
        10,
    ));
    let spec = ImageSpec {
        layers: vec![
            LayerSpec::new(
                "/bin/sh -c echo </script><script>alert(5)</script> <b>x</b>",
                files,
            ),
            LayerSpec::new(
                "/bin/sh -c rm",
                vec![fixture::whiteout(format!("h/{}", HOSTILE[0]))],
            ),
        ],
        ..ImageSpec::default()
    };
    let image = write_image(tmp.path(), "hostile.tar", &spec);
    let html = tmp.path().join("h.html");
    ballast(
        tmp.path(),
        &[&image, "-q", "--html", html.to_str().unwrap()],
    );
    let mut texts: Vec<String> = HOSTILE.iter().map(|n| n.to_string()).collect();
    texts.push("<b>x</b>".into());
    let page = drive(json!({
        "report": html,
        "hover_all": true,
        "click_all_findings": true,
        "texts": texts,
        "paths": ["/h/<script>alert(3)</script>"],
    }));
    assert_clean(&page);
    assert_eq!(
        page["elements"],
        json!({"img": 0, "svg": 0, "script": 2, "iframe": 0}),
        "{page:#}"
    );
    for t in &texts {
        assert_eq!(page["texts"][t], true, "{t:?} not shown as text: {page:#}");
    }
    assert_eq!(page["paths"]["/h/<script>alert(3)</script>"], 150_000);
}

#[test]
fn the_diff_report_draws_what_was_added_removed_and_changed() {
    if !browser("the_diff_report_draws_what_was_added_removed_and_changed") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let old = write_image(tmp.path(), "old.tar", &app_spec());
    let mut grown = app_spec();
    grown.layers.push(LayerSpec::new(
        "/bin/sh -c npm ci",
        vec![
            fixture::big_file("app/node_modules/big/index.js", 400_000, 20),
            fixture::big_file("app/server.bin", 90_000, 21),
            fixture::whiteout("etc/os-release"),
        ],
    ));
    let new = write_image(tmp.path(), "new.tar", &grown);
    let html = tmp.path().join("d.html");
    ballast(
        tmp.path(),
        &["diff", &old, &new, "-q", "--html", html.to_str().unwrap()],
    );
    let page = drive(json!({
        "report": html,
        "paths": ["/app", "/app/node_modules", "/app/server.bin", "/etc/os-release"],
    }));
    assert_clean(&page);
    // Unchanged files are left out until asked for: /app shows what changed.
    assert_eq!(page["paths"]["/app/node_modules"], 400_000, "{page:#}");
    assert_eq!(
        page["paths"]["/app/server.bin"], 90_000,
        "the larger of old and new"
    );
    assert_eq!(page["paths"]["/app"], 490_000, "{page:#}");
    assert_eq!(
        page["paths"]["/etc/os-release"], 40_000,
        "removed, at its old size"
    );
    assert!(page["title"].as_str().unwrap().contains("old.tar"));
}

#[test]
fn the_demo_report_draws_and_its_picture_is_current() {
    if !browser("the_demo_report_draws_and_its_picture_is_current") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let html = tmp.path().join("demo.html");
    let demo = root().join("fixtures/demo.tar");
    ballast(
        &root(),
        &[
            demo.to_str().unwrap(),
            "-q",
            "--html",
            html.to_str().unwrap(),
        ],
    );
    let update = std::env::var_os("BALLAST_UPDATE_SCREENSHOT").is_some_and(|v| v == "1");
    let shot = tmp.path().join("demo.png");
    let page = drive(json!({
        "report": html,
        "width": 1400,
        "height": 860,
        "screenshot": shot,
        "paths": ["/app", "/var/cache/dl/tool.tgz"],
        "enter": "/app",
        "layer": 2,
    }));
    assert_clean(&page);
    assert!(page["rect_count"].as_u64().unwrap() >= 10, "{page:#}");
    assert!(
        page["paths"]["/app"].as_u64().unwrap() > 200_000,
        "{page:#}"
    );
    // The download a later RUN deleted: hidden, still drawn.
    assert_eq!(page["paths"]["/var/cache/dl/tool.tgz"], 400_000, "{page:#}");
    // Keyboard: Enter on a focused directory zooms in, Backspace goes back.
    assert_eq!(page["after_enter"]["zoom"], "/app", "{page:#}");
    assert_eq!(page["after_backspace"], "/", "{page:#}");
    // Layer 2 wrote the 400 kB download (a later layer deleted it): its bar
    // highlights that file, and "only this layer" sizes the map by it alone.
    let on = &page["layer_highlight"]["on"];
    assert_eq!(on, &json!(["/var/cache/dl/tool.tgz"]), "{page:#}");
    assert_eq!(page["layer_only"]["top_bytes"], 400_000, "{page:#}");
    let only = page["layer_only"]["paths"].as_array().unwrap();
    assert!(!only.contains(&json!("/bin")), "{page:#}");
    let png = std::fs::read(&shot).unwrap();
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    let readme_picture = root().join("docs/html-report.png");
    if update {
        std::fs::write(&readme_picture, &png).unwrap();
    }
    // The README's picture is a shot of this page at this size (its pixels
    // change with chromium's fonts, so they are not compared).
    let committed = std::fs::read(&readme_picture).unwrap();
    assert!(
        committed.starts_with(b"\x89PNG"),
        "docs/html-report.png is a PNG"
    );
    assert_eq!(
        committed[16..24],
        png[16..24],
        "docs/html-report.png is not this page's size: BALLAST_UPDATE_SCREENSHOT=1"
    );
}
