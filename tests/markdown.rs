//! The markdown report (`--markdown`): snapshots of the whole report for the
//! committed demo archive (with and without a failing budget verdict) and for a
//! synthetic image whose commands and paths hold markdown's special characters;
//! the report rendered by a CommonMark/GFM parser (tables intact, mermaid blocks
//! intact, nothing taken as emphasis); the pie adding up to the shipped bytes;
//! and byte-identical output on a second run.

#[allow(dead_code)]
#[path = "support/markdown.rs"]
mod markdown;

use std::path::Path;

use ballast::Analysis;
use ballast::report::ci::{self, Budgets, Origin, Verdict};
use markdown::{render, tables, to_html};
use testimage::{self as fixture, Compress, ImageSpec, LayerSpec, Layout};

fn analyze(path: &Path, reference: &str) -> Analysis {
    let mut a = markdown::analyze(path);
    // Snapshots must not depend on where the image was read from.
    a.image.reference = reference.to_string();
    a
}

fn demo() -> Analysis {
    analyze(&markdown::demo_path(), "fixtures/demo.tar")
}

fn failing_verdict(a: &Analysis) -> Verdict {
    let budgets = Budgets {
        max_size: Some(1),
        min_efficiency: Some(0.9),
        deny: vec![ballast::vocab::Rule::VcsDirectory],
        ..Default::default()
    };
    ci::evaluate(a, &budgets, Origin::DiveDefaults, None)
}

/// Commands with pipes, backticks and a heredoc; a deleted directory and a
/// file whose names hold `*` and `_`; more deleted files than a finding lists;
/// `.git`; dpkg packages, one of them a build package.
fn synthetic() -> Analysis {
    let status = "Package: tool\nStatus: install ok installed\nVersion: 1.0-1\nArchitecture: amd64\n\n\
                  Package: gcc-12\nStatus: install ok installed\nVersion: 12.2.0-14|x\nArchitecture: amd64\n";
    let l0 = vec![
        fixture::dir("usr"),
        fixture::dir("usr/bin"),
        fixture::big_file("usr/bin/tool", 50_000, 1),
        fixture::big_file("usr/bin/gcc-12", 120_000, 2),
        fixture::dir("var/lib/dpkg/info"),
        fixture::file("var/lib/dpkg/status", status),
        fixture::file("var/lib/dpkg/info/tool.list", "/usr/bin/tool\n"),
        fixture::file("var/lib/dpkg/info/gcc-12.list", "/usr/bin/gcc-12\n"),
        fixture::file("etc/app.conf", "v1\n"),
    ];
    let mut l1 = vec![
        fixture::dir("opt/my_*cache*_dir"),
        fixture::big_file("opt/my_*cache*_dir/blob_1", 30_000, 3),
        fixture::dir("opt/junk"),
    ];
    let mut l2 = vec![fixture::whiteout("opt/my_*cache*_dir")];
    for i in 0..13 {
        l1.push(fixture::big_file(
            format!("opt/junk/f_{i:02}.log"),
            1000 + i,
            10 + i,
        ));
        l2.push(fixture::whiteout(format!("opt/junk/f_{i:02}.log")));
    }
    let spec = ImageSpec {
        layers: vec![
            LayerSpec::new("/bin/sh -c #(nop) ADD file:0a1b2c in / ", l0),
            LayerSpec::new(
                "/bin/sh -c curl -fsSL https://example.com/x.tgz | tar -xz -C /opt && echo `date` > /opt/stamp",
                l1,
            ),
            LayerSpec::new(
                "/bin/sh -c rm -rf '/opt/my_*cache*_dir' /opt/junk/*.log || true # a | b ``c``",
                l2,
            ),
            LayerSpec::new(
                "/bin/sh -c cat <<EOF > /etc/app.conf\nv2 | `x`\nEOF",
                vec![
                    fixture::file("etc/app.conf", "v2 | `x`\n"),
                    fixture::dir("app/.git/objects"),
                    fixture::big_file("app/.git/objects/pack_1.pack", 20_000, 4),
                ],
            ),
        ],
        ..Default::default()
    };
    let tmp = tempfile::tempdir().expect("temp dir");
    let path = tmp.path().join("synthetic.tar");
    fixture::write_image(&spec, Layout::DockerLegacy, Compress::None, &path).expect("write image");
    analyze(&path, "synthetic:latest")
}

/// The text of every ```mermaid block, as the HTML has it.
fn mermaid_blocks(html: &str) -> Vec<String> {
    html.split("<pre><code class=\"language-mermaid\">")
        .skip(1)
        .map(|b| b[..b.find("</code></pre>").expect("closed block")].to_string())
        .collect()
}

#[test]
fn demo_report() {
    insta::assert_snapshot!("demo", render(&demo(), None));
}

#[test]
fn demo_report_with_failing_budgets() {
    let a = demo();
    let v = failing_verdict(&a);
    assert!(!v.passed());
    let md = render(&a, Some(&v));
    assert!(
        md.contains(
            "| budgets | **FAIL**: `max_size`, `deny vcs-directory` (2 of 3 budgets over) |"
        ),
        "{md}"
    );
    insta::assert_snapshot!("demo_failing_budgets", md);
}

#[test]
fn synthetic_report() {
    insta::assert_snapshot!("synthetic", render(&synthetic(), None));
}

#[test]
fn the_report_renders_as_tables_and_mermaid_blocks() {
    for (a, v) in [(demo(), None), (demo(), Some(())), (synthetic(), None)] {
        let verdict = v.map(|_| failing_verdict(&a));
        let md = render(&a, verdict.as_ref());
        let html = to_html(&md);
        let tables = tables(&html);

        // Summary: a header row and one row per fact, two cells each.
        let facts =
            12 + usize::from(!a.image.repo_tags.is_empty()) + usize::from(verdict.is_some());
        assert_eq!(tables[0], vec![2; 1 + facts], "summary table\n{md}");
        let mut next = 1;
        if let Some(v) = &verdict {
            assert_eq!(
                tables[next],
                vec![4; 1 + v.checks.len()],
                "budgets table\n{md}"
            );
            next += 1;
        }
        // Layers: a header and one row per layer, five cells each; a `|` in a
        // command must not add a cell.
        assert_eq!(
            tables[next],
            vec![5; 1 + a.image.layers.len()],
            "layers table\n{md}"
        );
        next += 1;
        // Estimates: a header and one row per estimate, five cells each.
        if !a.estimates.is_empty() {
            assert_eq!(
                tables[next],
                vec![5; 1 + a.estimates.len()],
                "estimates table\n{md}"
            );
            next += 1;
        }
        if !a.packages.is_empty() {
            assert_eq!(
                tables[next],
                vec![6; 1 + a.packages.len().min(10)],
                "packages table\n{md}"
            );
            next += 1;
        }
        if !a.wasted_paths.is_empty() {
            assert_eq!(
                tables[next],
                vec![3; 1 + a.wasted_paths.len().min(10)],
                "paths table\n{md}"
            );
            next += 1;
        }
        assert_eq!(tables.len(), next, "no other tables\n{md}");

        let blocks = mermaid_blocks(&html);
        assert_eq!(blocks.len(), 2, "{md}");
        // Each opens with its colours (mermaid's init directive).
        for b in &blocks {
            assert!(b.starts_with("%%{init: {"), "{b}");
        }
        assert!(blocks[0].contains("}}%%\npie title "), "{}", blocks[0]);
        assert!(blocks[1].contains("}}%%\nxychart-beta\n"), "{}", blocks[1]);
        // Intact: the block's text is exactly what the markdown fenced.
        for b in &blocks {
            let unescaped = b.replace("&quot;", "\"").replace("&amp;", "&");
            assert!(md.contains(&format!("```mermaid\n{unescaped}```")), "{b}");
        }
        // The bar chart has one bar per layer.
        let bars = blocks[1]
            .lines()
            .find_map(|l| l.trim().strip_prefix("bar ["))
            .expect("bar line");
        assert_eq!(bars.split(',').count(), a.image.layers.len());

        // Nothing from the image became emphasis, strikethrough, a link or HTML.
        for tag in ["<em>", "<del>", "<a ", "<h1>ballast report: <code>"] {
            let expect = tag.starts_with("<h1>");
            assert_eq!(html.contains(tag), expect, "{tag}\n{html}");
        }
    }
}

#[test]
fn synthetic_commands_and_paths_come_through_literally() {
    let a = synthetic();
    let md = render(&a, None);
    let html = to_html(&md);
    // The pipe of layer 1's command, in its (clipped) table cell; the whole
    // command, backticks and all, in the proposed Dockerfile.
    assert!(
        html.contains("<code>RUN curl -fsSL https://example.com/x.tgz | tar -xz -C /opt …</code>"),
        "{html}"
    );
    assert!(
        html.contains(
            "RUN curl -fsSL https://example.com/x.tgz | tar -xz -C /opt &amp;&amp; echo `date` &gt; /opt/stamp\n"
        ),
        "{html}"
    );
    // Layer 3's heredoc stays on one row, its newlines shown as `\n`.
    assert!(
        html.contains("<code>RUN cat &lt;&lt;EOF &gt; /etc/app.conf\\nv2 | `x`\\nEOF</code>"),
        "{html}"
    );
    // Names with `*` and `_` in the findings, as code.
    assert!(html.contains("<code>/opt/my_*cache*_dir</code>"), "{html}");
    // The advice quoting that path is escaped text that renders literally.
    assert!(html.contains("deletes /opt/my_*cache*_dir and"), "{html}");
    // 14 deleted paths: ten listed, the rest counted.
    assert!(md.contains("- … and 4 more paths\n"), "{md}");
    // The build package is named, with its version (a `|` in it, in a table).
    assert!(
        html.contains("<code>gcc-12</code> 12.2.0-14|x (deb,"),
        "{html}"
    );
}

/// The pie's slices add up to the shipped bytes: hidden by cause, flagged live
/// bytes by rule (each file once), and the rest kept.
#[test]
fn the_pie_accounts_for_every_shipped_byte() {
    for a in [demo(), synthetic()] {
        let md = render(&a, None);
        let pie = md
            .split("\npie title ")
            .nth(1)
            .and_then(|s| s.split("```").next())
            .expect("a pie");
        let total: u64 = pie
            .lines()
            .filter_map(|l| l.rsplit_once(" : "))
            .map(|(_, n)| n.trim().parse::<u64>().expect("a byte count"))
            .sum();
        assert_eq!(total, a.metrics.shipped_bytes, "{pie}");
        let kept: u64 = pie
            .lines()
            .find(|l| l.contains("\"kept"))
            .and_then(|l| l.rsplit_once(" : "))
            .map(|(_, n)| n.trim().parse().unwrap())
            .unwrap_or(0);
        assert_eq!(
            kept,
            a.metrics.shipped_bytes - a.metrics.reclaimable_bytes,
            "{pie}"
        );
    }
}

#[test]
fn the_report_is_deterministic() {
    let a = synthetic();
    assert_eq!(render(&a, None), render(&a, None));
    // A second analysis of the same bytes gives the same report.
    assert_eq!(render(&demo(), None), render(&demo(), None));
    assert_eq!(render(&synthetic(), None), render(&a, None));
}

#[test]
fn no_config_values_are_printed() {
    let spec = ImageSpec {
        layers: vec![LayerSpec::new(
            "|1 NPM_TOKEN=npm_s3cr3t /bin/sh -c npm ci",
            vec![fixture::file("app/index.js", "1")],
        )],
        container_config: serde_json::json!({"Env": ["DB_PASSWORD=hunter2", "MODE=prod-value"]}),
        ..Default::default()
    };
    let tmp = tempfile::tempdir().expect("temp dir");
    let path = tmp.path().join("secret.tar");
    fixture::write_image(&spec, Layout::DockerLegacy, Compress::None, &path).expect("write image");
    let md = render(&analyze(&path, "secret:latest"), None);
    for value in ["npm_s3cr3t", "hunter2", "prod-value"] {
        assert!(!md.contains(value), "{value} printed:\n{md}");
    }
    assert!(md.contains("NPM_TOKEN=<redacted>"), "{md}");
}

/// A backslash right before a pipe (`grep 'a\|b'`) is kept: GFM turns every
/// `\|` in a cell into `|`, so the escaped command reads back as written.
#[test]
fn a_backslash_before_a_pipe_survives_the_table() {
    let spec = ImageSpec {
        layers: vec![LayerSpec::new(
            r"/bin/sh -c grep -E 'a\|b' /etc/x | wc -l",
            vec![fixture::file("x", "1")],
        )],
        ..Default::default()
    };
    let tmp = tempfile::tempdir().expect("temp dir");
    let path = tmp.path().join("pipe.tar");
    fixture::write_image(&spec, Layout::DockerLegacy, Compress::None, &path).expect("write image");
    let html = to_html(&render(&analyze(&path, "pipe:latest"), None));
    assert!(
        html.contains(r"<td><code>RUN grep -E 'a\|b' /etc/x | wc -l</code></td>"),
        "{html}"
    );
}

/// `IMAGE --dockerfile` with the context in git: the report carries the lint
/// and the build-cache sections, and they render as tables like the rest.
#[test]
fn with_a_dockerfile_the_report_has_lint_and_cache_sections() {
    use std::process::Command;
    let dir = tempfile::tempdir().expect("temp dir");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(
        root.join("fixtures/demo.Dockerfile"),
        dir.path().join("Dockerfile"),
    )
    .expect("copy Dockerfile");
    std::fs::create_dir(dir.path().join("app")).expect("app dir");
    std::fs::write(dir.path().join("busybox"), "stand-in\n").expect("busybox");
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(["-c", "user.email=t@example.com", "-c", "user.name=t"])
            .args(["-c", "commit.gpgsign=false"])
            .args(args)
            .current_dir(dir.path())
            .output()
            .expect("git");
        assert!(out.status.success(), "git {args:?}");
    };
    git(&["init", "-q"]);
    for (i, text) in ["print(1)\n", "print(2)\n", "print(3)\n"]
        .iter()
        .enumerate()
    {
        std::fs::write(dir.path().join("app/main.py"), text).expect("main.py");
        git(&["add", "-A"]);
        git(&["commit", "-q", "-m", &format!("c{i}")]);
    }
    let out = Command::new(env!("CARGO_BIN_EXE_ballast"))
        .current_dir(root)
        .arg("fixtures/demo.tar")
        .arg("--dockerfile")
        .arg(dir.path().join("Dockerfile"))
        .args(["--markdown", "-"])
        .output()
        .expect("run ballast");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = String::from_utf8(out.stdout).expect("utf-8");
    let lint = md.find("\n## Dockerfile lint: ").expect("lint section");
    let cache = md.find("\n## Build cache").expect("cache section");
    assert!(lint < cache, "{md}");
    // Three commits: the COPY of app/ rebuilds on each change after the first.
    assert!(md[cache..].contains("COPY app /app"), "{md}");
    let html = to_html(&md);
    for t in tables(&html) {
        assert!(t.iter().all(|&cells| cells == t[0]), "ragged table {t:?}");
    }
    assert!(!mermaid_blocks(&html).is_empty());
}
