//! The markdown reports where they land (a GitHub comment or job summary):
//! under GitHub's 65,536-character limit for any image, ending in a blank
//! line so that whatever a workflow appends after them starts its own block,
//! the budget verdict as an alert at the top, no runner path in the title,
//! sizes that do not wrap from their unit, and well-formed when rendered.

#[allow(dead_code)]
#[path = "support/markdown.rs"]
mod markdown;

use std::path::Path;

use ballast::Analysis;
use ballast::report::ci::{self, Budgets, Origin};
use markdown::{analyze, render, tables, to_html};
use testimage::{self as fixture, Compress, ImageSpec, LayerSpec, Layout, Node};

fn demo() -> Analysis {
    analyze(&markdown::demo_path())
}

/// GitHub counts UTF-16 code units.
fn github_length(md: &str) -> usize {
    md.encode_utf16().count()
}

/// Rendered well-formed: every table's rows have its header's cell count,
/// `<details>` open and close in pairs, nothing is left inside a code block
/// at the end, and a heading appended after the report renders as a heading.
fn assert_well_formed(md: &str) {
    assert!(
        md.ends_with("\n\n") && !md.ends_with("\n\n\n"),
        "end: {:?}",
        &md[md.len().saturating_sub(80)..]
    );
    let html = to_html(md);
    for rows in tables(&html) {
        assert!(rows.iter().all(|&n| n == rows[0]), "ragged table {rows:?}");
    }
    assert_eq!(
        md.matches("<details>").count(),
        md.matches("</details>").count(),
        "details"
    );
    assert_eq!(
        html.matches("<pre>").count(),
        html.matches("</pre>").count(),
        "code blocks"
    );
    let appended = to_html(&format!("{md}## Next step\n\nbody\n"));
    assert!(
        appended.contains("<h2>Next step</h2>"),
        "a heading appended after the report is swallowed: {}",
        &appended[appended.len().saturating_sub(300)..]
    );
}

/// An image with everything a report lists, many times over: 3,000 dev
/// packages with long names, and 100 layers each adding (and the next one
/// deleting) caches, logs, secrets and `.git` files under long paths, with
/// long commands: thousands of paths over hundreds of findings.
fn enormous() -> tempfile::TempDir {
    let long = "x".repeat(150);
    let mut base = vec![fixture::dir("app/node_modules")];
    let mut dev = serde_json::Map::new();
    for i in 0..3000 {
        let name = format!("dev-package-{i:04}-{long}");
        dev.insert(name.clone(), "1.0.0".into());
        base.push(fixture::dir(format!("app/node_modules/{name}")));
        base.push(fixture::file(
            format!("app/node_modules/{name}/package.json"),
            format!("{{\"name\": \"{name}\", \"version\": \"1.0.{i}\"}}"),
        ));
        base.push(fixture::big_file(
            format!("app/node_modules/{name}/index.js"),
            200 + i as u64,
            i as u64,
        ));
    }
    let package = serde_json::json!({"name": "app", "version": "1.0.0", "devDependencies": dev});
    base.push(fixture::file("app/package.json", package.to_string()));
    let mut layers = vec![LayerSpec::new("/bin/sh -c npm ci", base)];
    for l in 0..100u64 {
        let mut nodes: Vec<Node> = vec![fixture::dir(format!("layer{l}/{long}"))];
        for f in 0..20u64 {
            let dir = format!("layer{l}/{long}");
            nodes.push(fixture::big_file(
                format!("{dir}/cache-{f}.log"),
                1000 + f,
                l * 100 + f,
            ));
            nodes.push(fixture::file(
                format!("{dir}/.env.{f}"),
                "AWS_SECRET_ACCESS_KEY=abc\n",
            ));
            nodes.push(fixture::big_file(
                format!("{dir}/.git/objects/p{f}.pack"),
                3000,
                l * 7 + f,
            ));
        }
        if l > 0 {
            nodes.push(fixture::whiteout(format!("layer{}/{long}", l - 1)));
        }
        let command = format!("/bin/sh -c echo {} && build step {l}", "y".repeat(900));
        layers.push(LayerSpec::new(&command, nodes));
    }
    let spec = ImageSpec {
        layers,
        ..Default::default()
    };
    let tmp = tempfile::tempdir().expect("temp dir");
    fixture::write_image(
        &spec,
        Layout::DockerLegacy,
        Compress::None,
        &tmp.path().join("huge.tar"),
    )
    .expect("write image");
    tmp
}

#[test]
fn an_enormous_image_fits_githubs_comment_limit() {
    let tmp = enormous();
    let a = analyze(&tmp.path().join("huge.tar"));
    assert!(a.findings.len() >= 100, "{} findings", a.findings.len());
    let budgets = Budgets {
        max_size: Some(1),
        deny: ballast::vocab::Rule::ALL.to_vec(),
        ..Default::default()
    };
    let verdict = ci::evaluate(&a, &budgets, Origin::DiveDefaults, None);
    for v in [None, Some(&verdict)] {
        let md = render(&a, v);
        let n = github_length(&md);
        assert!(
            n <= ballast::report::markdown::COMMENT_LIMIT,
            "{n} characters"
        );
        assert_well_formed(&md);
        // It says what it cut.
        assert!(md.contains(" more"), "no cut is named");
        // The runner's temporary directory is nowhere.
        assert!(
            !md.contains(&*tmp.path().to_string_lossy()),
            "runner path shown"
        );
        assert!(
            md.starts_with("# ballast report: `huge.tar`\n"),
            "{}",
            &md[..100]
        );
        // No list runs past ten items and "… and N more".
        let mut run = 0;
        for line in md.lines() {
            run = if line.starts_with("- ") { run + 1 } else { 0 };
            assert!(run <= 11, "a list longer than 11 lines");
        }
        // No 900-character command repeated per finding.
        assert!(
            !md.contains(&"y".repeat(200)),
            "a whole command is repeated"
        );
    }
}

#[test]
fn the_verdict_is_an_alert_under_the_title() {
    let a = demo();
    let fail = ci::evaluate(
        &a,
        &Budgets {
            max_size: Some(1),
            ..Default::default()
        },
        Origin::DiveDefaults,
        None,
    );
    let md = render(&a, Some(&fail));
    let after_title = md.split_once("\n\n").expect("a title").1;
    assert!(
        after_title.starts_with("> [!CAUTION]\n> **Over budget**: 1 of 1 budget fails.\n"),
        "{md}"
    );
    assert!(
        after_title.contains("> - `max_size`: 2.78\u{a0}MB (limit ≤\u{a0}1\u{a0}B)\n"),
        "{md}"
    );
    assert_well_formed(&md);
    let pass = ci::evaluate(&a, &Budgets::default(), Origin::DiveDefaults, None);
    assert!(pass.passed());
    let md = render(&a, Some(&pass));
    let after_title = md.split_once("\n\n").expect("a title").1;
    assert!(
        after_title.starts_with("> [!NOTE]\n> **Budgets pass**"),
        "{md}"
    );
    // Without --ci there is no verdict to announce.
    assert!(!render(&a, None).contains("> [!"));
}

#[test]
fn sizes_do_not_wrap_from_their_units() {
    let md = render(&demo(), None);
    assert!(md.contains("| shipped | 2.78\u{a0}MB"), "{md}");
    // Outside the mermaid blocks (whose labels are not HTML), no number is
    // followed by a plain space and a unit.
    let prose: String = md.split("```").step_by(2).collect::<Vec<_>>().join("");
    for unit in [" B ", " kB", " MB", " GB", " %"] {
        for (at, _) in prose.match_indices(unit) {
            let before = prose[..at].chars().last().unwrap_or(' ');
            assert!(
                !before.is_ascii_digit(),
                "a breakable size at {:?}",
                &prose[at.saturating_sub(20)..at + 4]
            );
        }
    }
}

#[test]
fn commands_lose_their_content_hashes() {
    let md = render(&demo(), None);
    assert!(md.contains("`COPY dir:ecbb95468fcd… in /app`"), "{md}");
    let table = md
        .split("## Layers")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    assert!(!table.contains("ecbb95468fcdcbc1fe3ac028995f8d5cdd0fb7913481e64bde0f35801bf38b53"));
}

#[test]
fn the_pie_is_sorted_and_coloured_by_kind() {
    let md = render(&demo(), None);
    let block = md
        .split("```mermaid\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    let values: Vec<u64> = block
        .lines()
        .filter_map(|l| l.rsplit_once(" : "))
        .map(|(_, n)| n.trim().parse().unwrap())
        .collect();
    assert!(values.windows(2).all(|w| w[0] >= w[1]), "{values:?}");
    // Slice i gets pie{i+1}: grey for kept, reds for hidden, oranges for flagged.
    let labels: Vec<&str> = block.lines().filter(|l| l.contains(" : ")).collect();
    for (i, label) in labels.iter().enumerate() {
        let colour = block
            .split(&format!("\"pie{}\": \"", i + 1))
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap();
        let want: &[&str] = if label.contains("(hidden)") {
            &["#b71c1c", "#e53935", "#ef9a9a"]
        } else if label.contains("kept") {
            &["#9e9e9e"]
        } else {
            &[
                "#e65100", "#f57c00", "#ff9800", "#ffb74d", "#ffcc80", "#ffe0b2",
            ]
        };
        assert!(want.contains(&colour), "{label}: {colour}");
    }
}

#[test]
fn a_diff_report_folds_unchanged_layers_and_ends_in_a_blank_line() {
    let a = demo();
    let d = ballast::analysis::diff::diff(&a, &a);
    let mut out = Vec::new();
    ballast::report::diff::write_markdown(&d, &mut out).unwrap();
    let md = String::from_utf8(out).unwrap();
    assert!(
        md.contains("| same | 0–6 | 0–6 | 0\u{a0}B | *7 unchanged layers* |"),
        "{md}"
    );
    assert!(md.contains("```mermaid\n"), "{md}");
    assert_well_formed(&md);
}

#[test]
fn a_dockerfile_report_ends_in_a_blank_line() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("fixtures/demo.Dockerfile")).unwrap();
    let path = Path::new("/home/runner/work/app/app/Dockerfile");
    let df = ballast::dockerfile::Dockerfile::parse(&text, path).unwrap();
    let lint = ballast::dockerfile::lint::lint_in(&df, None).unwrap();
    let mut out = Vec::new();
    ballast::report::dockerfile::lint::write_markdown(&lint, path, &mut out).unwrap();
    let md = String::from_utf8(out).unwrap();
    assert!(md.starts_with("## Dockerfile lint: `Dockerfile`\n"), "{md}");
    assert_well_formed(&md);
}
