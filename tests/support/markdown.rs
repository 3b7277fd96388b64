//! The markdown report as its tests read it: an image analysed in process,
//! the report written, and rendered to HTML by a CommonMark/GFM parser as
//! GitHub would.
//!
//! Included by the markdown test binaries, as
//! `#[path = "support/markdown.rs"] mod markdown;`.

use std::path::Path;

use ballast::Analysis;
use ballast::report::ci::Verdict;
use pulldown_cmark::{Options, Parser, html};

/// The analysis of the image at `path`, its layers verified.
pub fn analyze(path: &Path) -> Analysis {
    ballast::analyze(
        path.to_str().expect("utf-8 path"),
        &ballast::source::Options {
            verify: true,
            ..Default::default()
        },
        &ballast::progress::Silent,
    )
    .expect("analysis")
}

/// The committed demo archive's analysis.
pub fn demo_path() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo.tar")
}

/// The markdown report of `a`, with the verdict `v`.
pub fn render(a: &Analysis, v: Option<&Verdict>) -> String {
    let mut out = Vec::new();
    ballast::report::markdown::write(a, v, &mut out).expect("write markdown");
    String::from_utf8(out).expect("utf-8 markdown")
}

/// `md` rendered with GitHub's tables and strikethrough.
pub fn to_html(md: &str) -> String {
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_TABLES);
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    let mut out = String::new();
    html::push_html(&mut out, Parser::new_ext(md, opts));
    out
}

/// Each table's rows, each row's number of cells.
pub fn tables(html: &str) -> Vec<Vec<usize>> {
    html.split("<table>")
        .skip(1)
        .map(|t| {
            let t = &t[..t.find("</table>").expect("closed table")];
            t.split("<tr>")
                .skip(1)
                .map(|row| row.matches("<td").count() + row.matches("<th").count())
                .collect()
        })
        .collect()
}
