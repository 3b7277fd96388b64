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
