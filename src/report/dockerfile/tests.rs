use crate::dockerfile::Dockerfile;
use crate::dockerfile::cache::{CacheOptions, cache_report};
use crate::dockerfile::history::tests::TestRepo;

use super::cache::{write_markdown, write_text};

/// A source edit rebuilds the install; the proposal moves the manifests
/// first. Both renderings say so.
#[test]
fn the_cache_report_renders_as_text_and_markdown() {
    let (r, text) = TestRepo::node_app_with_edits();
    let df = Dockerfile::parse(text, r.dir.path().join("Dockerfile")).expect("parses");
    let rep = cache_report(&df, text, r.dir.path(), &CacheOptions::default(), &[]).expect("report");
    let mut text_out = Vec::new();
    write_text(&rep, &mut text_out).expect("text");
    let text_out = String::from_utf8(text_out).expect("utf-8");
    assert!(text_out.contains("Build cache over 5 builds"), "{text_out}");
    assert!(text_out.contains("Change: hit rate"), "{text_out}");
    let mut md = Vec::new();
    write_markdown(&rep, &mut md).expect("markdown");
    assert!(String::from_utf8(md).expect("utf-8").contains("```diff"));
}

/// An instruction holding an escape sequence, backticks, a pipe and a
/// mention: the text shows the escape, the markdown keeps the backticks in a
/// longer code span instead of rewriting them, and the row stays one row.
#[test]
fn hostile_instructions_are_escaped_in_the_cache_report() {
    let r = TestRepo::new();
    let text = "FROM node:22\nCOPY . .\nRUN echo \u{1b}[2J`id`|x @octocat\n";
    r.write("Dockerfile", text);
    r.write("app.js", "0");
    r.commit("seed");
    r.write("app.js", "1");
    r.commit("edit");
    let df = Dockerfile::parse(text, r.dir.path().join("Dockerfile")).expect("parses");
    let rep = cache_report(&df, text, r.dir.path(), &CacheOptions::default(), &[]).expect("report");
    let mut out = Vec::new();
    write_text(&rep, &mut out).expect("text");
    let out = String::from_utf8(out).expect("utf-8");
    assert!(out.contains("RUN echo \\x1b[2J`id`|x"), "{out}");
    assert!(!out.contains('\u{1b}'), "{out}");
    let mut md = Vec::new();
    write_markdown(&rep, &mut md).expect("markdown");
    let md = String::from_utf8(md).expect("utf-8");
    assert!(
        md.contains("``RUN echo \\u{1b}[2J`id`\\|x @octocat``"),
        "{md}"
    );
    assert!(!md.contains('\u{1b}'), "{md}");
}
