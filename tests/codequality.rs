//! `--codequality FILE`: GitLab's Code Quality report. Every issue carries
//! the keys GitLab requires, severities from its scale, a unique fingerprint,
//! and a location GitLab can show (the Dockerfile line when known).

use std::collections::HashSet;
use std::process::Command;

#[test]
fn findings_lint_and_budgets_become_gitlab_issues() {
    let tmp = tempfile::tempdir().unwrap();
    let report = tmp.path().join("gl-code-quality.json");
    let out = Command::new(env!("CARGO_BIN_EXE_ballast"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["fixtures/demo.tar", "--ci", "--max-size", "1MB", "--quiet"])
        .args(["--dockerfile", "fixtures/demo.Dockerfile"])
        .arg("--codequality")
        .arg(&report)
        .env_remove("XDG_CACHE_HOME")
        .env("HOME", tmp.path())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let issues: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let issues = issues.as_array().expect("an array");
    let mut fingerprints = HashSet::new();
    for i in issues {
        assert_eq!(i["type"], "issue");
        for key in ["check_name", "description", "fingerprint", "severity"] {
            assert!(i[key].as_str().is_some_and(|s| !s.is_empty()), "{key}: {i}");
        }
        assert!(
            ["info", "minor", "major", "critical", "blocker"]
                .contains(&i["severity"].as_str().unwrap()),
            "{i}"
        );
        assert!(
            fingerprints.insert(i["fingerprint"].as_str().unwrap().to_string()),
            "duplicate {i}"
        );
        let path = i["location"]["path"].as_str().unwrap();
        assert!(!path.starts_with('/'), "{i}");
        assert!(
            i["location"]["lines"]["begin"].as_u64().unwrap() >= 1,
            "{i}"
        );
        assert!(!i["description"].as_str().unwrap().contains('\n'), "{i}");
    }
    let by = |check: &str| {
        issues
            .iter()
            .find(|i| i["check_name"] == check)
            .unwrap_or_else(|| panic!("no {check}"))
    };
    // A finding joined to its Dockerfile line.
    let deleted = by("deleted-later");
    assert_eq!(deleted["location"]["path"], "fixtures/demo.Dockerfile");
    assert_eq!(deleted["severity"], "major");
    // The failed budget, and a security finding in its category.
    assert_eq!(by("budget/max_size")["severity"], "major");
    assert_eq!(by("root-user")["categories"][0], "Security");
    assert!(
        issues
            .iter()
            .any(|i| i["check_name"].as_str().unwrap().starts_with("dockerfile/"))
    );
}
