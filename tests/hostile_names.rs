//! Hostile names through every writer: file names, a layer command and a
//! Dockerfile holding terminal escape sequences, a newline followed by a
//! GitHub workflow command, a carriage return, a bidi override, HTML, a
//! mention, an issue reference, backticks and a pipe. The image is generated
//! here with `testimage`. Each medium must show them inert: no raw control
//! byte on a terminal or in a CI log, well-formed JUnit XML, markdown without
//! HTML, with its table rows intact and no mention or issue link outside code.

#[allow(dead_code)]
#[path = "support/bin.rs"]
mod bin;

use std::path::{Path, PathBuf};
use std::process::Output;

use pulldown_cmark::{Event, Options as MdOptions, Parser, Tag, TagEnd};
use testimage::{self as fixture, Compress, ImageSpec, LayerSpec, Layout};

/// The names, each under `h/`.
const NAMES: &[&str] = &[
    "\u{1b}]0;pwned\u{7}title\u{1b}[2J",
    "x\n::error::pwned",
    "cr\rsplit",
    "\u{202e}evil.txt",
    "<img src=x onerror=alert(1)>",
    "@octocat",
    "#1",
    "tick`a``b",
    "pipe|cell",
];

/// The layer command: an escape sequence, a workflow command on its own line,
/// HTML, a mention and an issue reference.
const COMMAND: &str = "/bin/sh -c echo \u{1b}[31mred @octocat #1 <b>x</b>\r\n::error::cmd";

/// Layer 1 writes every name, layer 2 writes them again (dive's wasted bytes,
/// inefficient paths), layer 3 deletes every other one (deleted-later
/// findings; the rest stay live, so a diff lists them as added).
fn hostile_spec() -> ImageSpec {
    let path = |n: &str| format!("h/{n}");
    let big = |i: usize| 20_000 - 1_000 * i as u64;
    ImageSpec {
        layers: vec![
            LayerSpec::new(
                COMMAND,
                NAMES
                    .iter()
                    .enumerate()
                    .map(|(i, n)| fixture::big_file(path(n), big(i), i as u64))
                    .collect(),
            ),
            LayerSpec::new(
                "/bin/sh -c again",
                NAMES
                    .iter()
                    .enumerate()
                    .map(|(i, n)| fixture::big_file(path(n), big(i), 100 + i as u64))
                    .collect(),
            ),
            LayerSpec::new(
                "/bin/sh -c rm -rf h",
                NAMES
                    .iter()
                    .step_by(2)
                    .map(|n| fixture::whiteout(path(n)))
                    .collect(),
            ),
        ],
        ..ImageSpec::default()
    }
}

fn plain_spec() -> ImageSpec {
    ImageSpec {
        layers: vec![LayerSpec::new(
            "/bin/sh -c plain",
            vec![fixture::file("etc/conf", "a=1\n")],
        )],
        ..ImageSpec::default()
    }
}

struct Images {
    _tmp: tempfile::TempDir,
    hostile: PathBuf,
    plain: PathBuf,
}

fn images() -> Images {
    let tmp = tempfile::tempdir().unwrap();
    let hostile = tmp.path().join("hostile.tar");
    let plain = tmp.path().join("plain.tar");
    fixture::write_image(&hostile_spec(), Layout::OciTar, Compress::Gzip, &hostile).unwrap();
    fixture::write_image(&plain_spec(), Layout::DockerLegacy, Compress::None, &plain).unwrap();
    Images {
        _tmp: tmp,
        hostile,
        plain,
    }
}

fn ballast(dir: &Path, args: &[&str]) -> Output {
    bin::ballast().current_dir(dir).args(args).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("UTF-8 stdout")
}

/// Text for a terminal or a CI log: no control byte but the line feeds, no
/// bidi control, and no line a name or command could have started.
fn assert_inert_text(what: &str, out: &str) {
    for (i, line) in out.lines().enumerate() {
        let bad = line
            .chars()
            .find(|&c| (c.is_control() && c != '\t') || is_bidi(c));
        assert!(bad.is_none(), "{what}: {bad:?} on line {i}: {line:?}");
        assert!(
            !line.starts_with("::"),
            "{what}: workflow command: {line:?}"
        );
    }
}

fn is_bidi(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}')
}

#[test]
fn hostile_names_in_the_summary_and_ci_verdict_are_escaped() {
    let img = images();
    let dir = img._tmp.path();
    let image = img.hostile.to_str().unwrap();
    let summary = ballast(dir, &[image, "-q"]);
    assert_eq!(summary.status.code(), Some(0), "{summary:?}");
    let text = stdout(&summary);
    assert!(text.contains("x\\n::error::pwned"), "{text}");
    assert!(text.contains("\\x1b]0;pwned\\x07title\\x1b[2J"), "{text}");
    assert_inert_text("summary", &text);

    let verdict = ballast(dir, &[image, "-q", "--ci"]);
    assert_eq!(verdict.status.code(), Some(1), "{verdict:?}");
    let text = stdout(&verdict);
    assert!(text.contains("FAIL"), "{text}");
    assert_inert_text("--ci", &text);
}

#[test]
fn hostile_names_cannot_inject_github_workflow_commands() {
    let img = images();
    let image = img.hostile.to_str().unwrap();
    let o = ballast(
        img._tmp.path(),
        &[image, "-q", "--ci", "--format", "github"],
    );
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let out = stdout(&o);
    let known = ["::error ", "::warning ", "::notice "];
    let commands: Vec<&str> = out
        .lines()
        .filter(|l| known.iter().any(|k| l.starts_with(k)))
        .collect();
    assert!(!commands.is_empty(), "{out}");
    for line in out.lines().filter(|l| !commands.contains(l)) {
        assert_inert_text("github verdict", line);
    }
    for line in commands {
        assert!(
            !line.chars().any(|c| c.is_control() || is_bidi(c)),
            "{line:?}"
        );
    }
    assert!(out.contains("x%0A::error::pwned"), "{out}");
}

#[test]
fn junit_with_hostile_names_is_well_formed_xml() {
    let img = images();
    let image = img.hostile.to_str().unwrap();
    let file = img._tmp.path().join("junit.xml");
    let o = ballast(
        img._tmp.path(),
        &[image, "-q", "--ci", "--junit", file.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let xml = std::fs::read_to_string(&file).unwrap();
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let text: String = doc.descendants().filter_map(|n| n.text()).collect();
    assert!(text.contains("\\x1b]0;pwned"), "{xml}");
}

/// Parse `md` and check it: no HTML, every table row from its own line, no
/// mention or issue link outside code. Returns the text outside code.
fn assert_inert_markdown(what: &str, md: &str) -> String {
    assert!(!md.contains('\r'), "{what}: raw CR");
    assert!(!md.chars().any(is_bidi), "{what}: raw bidi control");
    let row_lines = md
        .lines()
        .filter(|l| l.starts_with('|') && !l.starts_with("|--") && !l.starts_with("|:"))
        .count();
    let (mut rows, mut text) = (0, String::new());
    let mut in_code_block = false;
    for event in Parser::new_ext(
        md,
        MdOptions::ENABLE_TABLES | MdOptions::ENABLE_STRIKETHROUGH,
    ) {
        match event {
            Event::Html(h) | Event::InlineHtml(h) => {
                assert!(is_ballasts_own_html(&h), "{what}: HTML {h:?}")
            }
            Event::Start(Tag::TableRow | Tag::TableHead) => rows += 1,
            Event::Start(Tag::CodeBlock(_)) => in_code_block = true,
            Event::End(TagEnd::CodeBlock) => in_code_block = false,
            Event::Text(t) if !in_code_block => text.push_str(&t),
            _ => {}
        }
    }
    assert_eq!(rows, row_lines, "{what}: table rows split or merged\n{md}");
    let chars: Vec<char> = text.chars().collect();
    for w in chars.windows(2) {
        let link =
            (w[0] == '@' && w[1].is_alphanumeric()) || (w[0] == '#' && w[1].is_ascii_digit());
        assert!(!link, "{what}: a mention or issue link in {text:?}");
    }
    text
}

/// The collapsible sections the report opens itself, with fixed titles.
fn is_ballasts_own_html(h: &str) -> bool {
    h.lines().all(|l| {
        l.is_empty()
            || l == "<details>"
            || l == "</details>"
            || (l.starts_with("<summary>")
                && l.ends_with("</summary>")
                && !l[9..l.len() - 10].contains(['<', '>', '\\']))
    })
}

#[test]
fn hostile_names_in_markdown_make_no_html_mentions_or_broken_rows() {
    let img = images();
    let image = img.hostile.to_str().unwrap();
    let o = ballast(img._tmp.path(), &[image, "-q", "--markdown", "-"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let md = stdout(&o);
    assert!(md.contains("x\\n::error::pwned"), "{md}");
    assert_inert_markdown("--markdown", &md);
}

#[test]
fn hostile_names_in_the_diff_are_escaped_in_text_and_markdown() {
    let img = images();
    let (old, new) = (img.plain.to_str().unwrap(), img.hostile.to_str().unwrap());
    let o = ballast(img._tmp.path(), &["diff", old, new, "-q"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let text = stdout(&o);
    assert!(text.contains("\\u{202e}evil.txt"), "{text}");
    assert_inert_text("diff", &text);

    let o = ballast(
        img._tmp.path(),
        &["diff", new, old, "-q", "--markdown", "-"],
    );
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let md = stdout(&o);
    assert!(md.contains("`` tick`a``b ``") || md.contains("```"), "{md}");
    assert_inert_markdown("diff --markdown", &md);
}

/// A Dockerfile whose ADD source quotes a hostile name, and whose fixes
/// carry `<placeholders>`.
const DOCKERFILE: &str =
    "FROM ubuntu\nRUN apt-get install -y curl\nADD a\u{1b}]0;pwn\u{7}@octocat*b*<b>x</b>#2 /x\n";

#[test]
fn dockerfile_lint_placeholders_survive_and_hostile_text_is_escaped() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("Dockerfile");
    std::fs::write(&path, DOCKERFILE).unwrap();
    let p = path.to_str().unwrap();
    let o = ballast(tmp.path(), &["dockerfile", p, "-q"]);
    let text = stdout(&o);
    assert!(text.contains("\\x1b]0;pwn\\x07@octocat"), "{o:?}");
    assert_inert_text("dockerfile lint", &text);

    let o = ballast(tmp.path(), &["dockerfile", p, "-q", "--markdown", "-"]);
    let md = stdout(&o);
    let shown = assert_inert_markdown("dockerfile --markdown", &md);
    for placeholder in ["<packages>", "<version>", "<digest>"] {
        assert!(shown.contains(placeholder), "{placeholder} lost: {md}");
    }
}

#[test]
fn an_error_quoting_an_escape_sequence_is_one_inert_line() {
    let tmp = tempfile::tempdir().unwrap();
    let name = "no\u{1b}]0;pwned\u{7}such\u{1b}[2J\n::error::pwned.tar";
    let o = ballast(tmp.path(), &[name]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(err.starts_with("ballast: error: "), "{err}");
    assert_eq!(err.lines().count(), 1, "{err:?}");
    assert!(
        err.contains("no\\x1b]0;pwned\\x07such\\x1b[2J\\n::error::pwned.tar"),
        "{err:?}"
    );
    assert_inert_text("error", &err);
}

#[test]
fn a_tar_header_name_with_escape_sequences_is_escaped_in_the_error() {
    let tmp = tempfile::tempdir().unwrap();
    let image = tmp.path().join("corrupt.tar");
    let spec = ImageSpec {
        layers: vec![LayerSpec::new(
            "/bin/sh -c x",
            vec![
                fixture::file("\u{1b}]0;pwned\u{7}\u{1b}[2J", "x"),
                testimage::Node::Raw(vec![b'X'; 512]),
            ],
        )],
        ..ImageSpec::default()
    };
    fixture::write_image(&spec, Layout::DockerLegacy, Compress::None, &image).unwrap();
    let o = ballast(tmp.path(), &[image.to_str().unwrap(), "-q"]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(err.contains("\\x1b]0;pwned\\x07\\x1b[2J"), "{err:?}");
    assert_inert_text("error", &err);
}

/// SARIF stays raw JSON, but `[text](id)` in a message is an embedded link:
/// brackets from names are escaped so a name cannot make one.
#[test]
fn sarif_messages_escape_brackets_from_hostile_names() {
    let img = images();
    let image = img.hostile.to_str().unwrap();
    let o = ballast(img._tmp.path(), &[image, "-q", "--sarif", "-"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let log: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let results = log["runs"][0]["results"].as_array().expect("results");
    let texts: Vec<&str> = results
        .iter()
        .filter_map(|r| r["message"]["text"].as_str())
        .collect();
    assert!(texts.iter().any(|t| t.contains("\\]0;pwned")), "{texts:?}");
    for t in texts {
        let b = t.as_bytes();
        for (i, c) in b.iter().enumerate() {
            if matches!(c, b'[' | b']') {
                assert!(i > 0 && b[i - 1] == b'\\', "unescaped bracket in {t:?}");
            }
        }
    }
}

/// The HTML report keeps names as JSON data in a script element: nothing in
/// it can close the element or become markup, and the names read back whole
/// (tests/html.rs shows them in a real browser).
#[test]
fn hostile_names_in_the_html_report_stay_data() {
    let img = images();
    let image = img.hostile.to_str().unwrap();
    let plain = img.plain.to_str().unwrap();
    let runs = [
        (vec![image, "-q", "--html", "-"], 1),
        // The diff has the live ones only: layer 3 deleted every other name.
        (vec!["diff", plain, image, "-q", "--html", "-"], 2),
    ];
    for (args, step) in runs {
        let o = ballast(img._tmp.path(), &args);
        assert_eq!(o.status.code(), Some(0), "{o:?}");
        let page = stdout(&o);
        assert_eq!(page.matches("</script>").count(), 2, "only the page's own");
        assert!(!page.contains("<img"), "markup from a name");
        let open = "id=\"ballast-data\">";
        let start = page.find(open).expect("the data element") + open.len();
        let end = start + page[start..].find("</script>").unwrap();
        let data: serde_json::Value = serde_json::from_str(&page[start..end]).expect("JSON");
        let names: Vec<&str> = (data["rows"].as_array().unwrap().iter())
            .filter_map(|r| r[1].as_str())
            .collect();
        for n in NAMES.iter().skip(step - 1).step_by(step) {
            assert!(names.contains(n), "{n:?} not in {names:?}");
        }
    }
}
