//! Each lint rule on a failing and a passing Dockerfile
//! (`tests/dockerfiles/lint/RULE.fail.Dockerfile` and `RULE.pass.Dockerfile`).
//! A failing file ends with `# expect: LINE…`, the lines the rule must fire
//! on; the passing file must not fire the rule at all.

use std::path::{Path, PathBuf};

use ballast::dockerfile::Dockerfile;
use ballast::dockerfile::ignore::Ignore;
use ballast::dockerfile::lint::{self, Context, Finding, RULES};

pub fn lint_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/dockerfiles/lint")
}

pub fn lint_file(path: &Path) -> Vec<Finding> {
    let df = Dockerfile::read(path).unwrap_or_else(|e| panic!("{e}"));
    lint::lint(&df, &Context::default())
}

/// The `# expect:` lines at the end of a failing file.
fn expected_lines(path: &Path) -> Vec<usize> {
    let text = std::fs::read_to_string(path).expect("read fixture");
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("# expect:"))
        .unwrap_or_else(|| panic!("{} has no '# expect:' line", path.display()));
    line.split_whitespace()
        .map(|n| n.parse().expect("a line number"))
        .collect()
}

fn lines_of(findings: &[Finding], rule: &str) -> Vec<usize> {
    findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| f.line)
        .collect()
}

/// Every rule that reads only the Dockerfile has both fixtures.
#[test]
fn each_rule_fires_on_its_failing_file_and_not_on_its_passing_file() {
    let mut checked = 0;
    for rule in RULES.iter().filter(|r| !r.id.starts_with("dockerignore")) {
        let fail = lint_dir().join(format!("{}.fail.Dockerfile", rule.id));
        let pass = lint_dir().join(format!("{}.pass.Dockerfile", rule.id));
        let got = lines_of(&lint_file(&fail), rule.id);
        assert_eq!(
            got,
            expected_lines(&fail),
            "{} on {}",
            rule.id,
            fail.display()
        );
        let clean = lint_file(&pass);
        assert!(
            lines_of(&clean, rule.id).is_empty(),
            "{} fired on {}: {:#?}",
            rule.id,
            pass.display(),
            clean
                .iter()
                .filter(|f| f.rule == rule.id)
                .collect::<Vec<_>>()
        );
        checked += 1;
    }
    assert_eq!(checked, RULES.len() - 2);
}

#[test]
fn findings_carry_rule_metadata_a_message_and_a_fix() {
    let f = lint_file(&lint_dir().join("apt-lists-not-removed.fail.Dockerfile"));
    let apt = f
        .iter()
        .find(|f| f.rule == "apt-lists-not-removed")
        .expect("finding");
    assert_eq!(apt.hadolint, Some("DL3009"));
    assert_eq!((apt.line, apt.end_line, apt.column), (2, 2, 1));
    assert!(
        apt.fix.contains("rm -rf /var/lib/apt/lists/*"),
        "{}",
        apt.fix
    );
    let m = lint_file(&lint_dir().join("manifests-after-source.fail.Dockerfile"));
    let first = m
        .iter()
        .find(|f| f.rule == "manifests-after-source")
        .expect("finding");
    assert!(
        first.message.contains("npm/yarn install (line 4)"),
        "{}",
        first.message
    );
    assert!(
        first.fix.contains("COPY package.json package-lock.json"),
        "{}",
        first.fix
    );
}

const WHOLE_CONTEXT: &str =
    "FROM node:20.11-alpine\nWORKDIR /app\nCOPY . .\nCMD [\"node\", \"a.js\"]\n";

fn lint_with_context(dockerignore: Option<&str>, files: &[&str]) -> Vec<Finding> {
    let dir = tempfile::tempdir().expect("temp dir");
    for f in files {
        std::fs::write(dir.path().join(f), "x").expect("context file");
    }
    let ignore = dockerignore.map(|t| Ignore::parse(t).expect("valid .dockerignore"));
    let df = Dockerfile::parse(WHOLE_CONTEXT, "Dockerfile").expect("parse");
    lint::lint(
        &df,
        &Context {
            dir: Some(dir.path()),
            ignore: ignore.as_ref(),
        },
    )
}

#[test]
fn dockerignore_missing_fires_at_the_whole_context_copy() {
    let f = lint_with_context(None, &["package.json"]);
    assert_eq!(lines_of(&f, "dockerignore-missing"), [3]);
    let f = lint_with_context(Some(".git\n.env\nnode_modules\n"), &["package.json"]);
    assert!(lines_of(&f, "dockerignore-missing").is_empty());
    // Without a context there is nothing to say.
    let df = Dockerfile::parse(WHOLE_CONTEXT, "Dockerfile").expect("parse");
    assert!(
        lint::lint(&df, &Context::default())
            .iter()
            .all(|f| !f.rule.starts_with("dockerignore"))
    );
}

#[test]
fn dockerignore_lets_in_names_what_gets_through() {
    let f = lint_with_context(Some("node_modules\n"), &["package.json"]);
    let hit = f
        .iter()
        .find(|f| f.rule == "dockerignore-lets-in")
        .expect("finding");
    assert_eq!(hit.line, 3);
    assert!(hit.message.contains("'.git', '.env'"), "{}", hit.message);
    // `**` and exceptions follow Docker's rules: `!.env.example` keeps .env out.
    let f = lint_with_context(
        Some("**/.git\n.env*\n!.env.example\n**/node_modules\n"),
        &["package.json"],
    );
    assert!(lines_of(&f, "dockerignore-lets-in").is_empty(), "{f:#?}");
    // A later exception lets .git back in: the last match wins.
    let f = lint_with_context(Some(".git\n.env\n!.git\n"), &[]);
    let hit = f
        .iter()
        .find(|f| f.rule == "dockerignore-lets-in")
        .expect("finding");
    assert!(
        hit.message.contains("'.git'") && !hit.message.contains("node_modules"),
        "{}",
        hit.message
    );
}

#[test]
fn reference_lists_every_rule_with_its_hadolint_twin() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/reference.md"))
            .expect("docs/reference.md");
    for r in RULES {
        let row = format!(
            "| `{}` | {} | {} | {} |",
            r.id,
            r.hadolint.unwrap_or("—"),
            r.category,
            r.severity
        );
        assert!(
            readme.contains(&row),
            "docs/reference.md lacks the row for {}: {row}",
            r.id
        );
    }
}
