//! The SARIF log (`--sarif`): validated against the SARIF 2.1.0 JSON schema,
//! snapshotted on the committed demo archive (with and without failed budgets),
//! and checked for what code scanning relies on: every result's rule is
//! declared, image paths are relative to the image-root base, fingerprints are
//! stable.
//!
//! The schema is fetched by `tests/sarif/fetch-schema.sh` into target/ (CI runs
//! it); without it the validation test skips through the gate
//! (tests/support/gate.rs), a failure under `BALLAST_REQUIRE_SARIF_SCHEMA=1`.

/// The one gate for what the tests need from the machine (tests/support/gate.rs).
#[allow(dead_code)]
#[path = "support/gate.rs"]
mod gate;

#[allow(dead_code)]
#[path = "support/bin.rs"]
mod bin;

use std::path::{Path, PathBuf};

use ballast::Analysis;
use ballast::report::ci::{self, Budgets, Origin};
use ballast::report::sarif;
use serde_json::Value;

fn demo() -> Analysis {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo.tar");
    let mut a = ballast::analyze(
        path.to_str().expect("utf-8 path"),
        &ballast::source::Options::default(),
        &ballast::progress::Silent,
    )
    .expect("analysis");
    a.image.reference = "fixtures/demo.tar".into();
    a
}

fn failing(a: &Analysis) -> ci::Verdict {
    let budgets = Budgets {
        max_size: Some(1),
        deny: vec![ballast::vocab::Rule::VcsDirectory],
        ..Default::default()
    };
    ci::evaluate(a, &budgets, Origin::DiveDefaults, None)
}

fn render(a: &Analysis, v: Option<&ci::Verdict>) -> String {
    let mut out = Vec::new();
    sarif::write(a, v, &mut out).expect("write");
    String::from_utf8(out).expect("utf-8")
}

fn schema_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/sarif-schema/sarif-2.1.0-rtm.5.json")
}

/// The SARIF 2.1.0 schema's validator, when the gate lets `test` have it.
fn validator(test: &str) -> Option<jsonschema::Validator> {
    let path = schema_path();
    let found = if path.exists() {
        Ok(())
    } else {
        Err(format!("{} is missing", path.display()))
    };
    gate::check(gate::Need::SarifSchema, test, found)?;
    let mut schema: Value =
        serde_json::from_slice(&std::fs::read(&path).expect("read schema")).expect("schema json");
    // The published schema's two `language` patterns have a stray `]` that
    // Rust's regex engine rejects (ECMA-262 takes it as a literal). ballast
    // never writes `language`; use the pattern the spec's prose describes.
    let fixed = fix_language_patterns(&mut schema);
    assert_eq!(fixed, 2, "schema layout changed");
    Some(jsonschema::validator_for(&schema).expect("compile schema"))
}

#[test]
fn validates_against_the_sarif_2_1_0_schema() {
    let Some(validator) = validator("validates_against_the_sarif_2_1_0_schema") else {
        return;
    };
    let a = demo();
    for (name, log) in [
        ("findings", render(&a, None)),
        ("failed budgets", render(&a, Some(&failing(&a)))),
    ] {
        let log: Value = serde_json::from_str(&log).expect("sarif is json");
        let errors: Vec<String> = validator
            .iter_errors(&log)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
    }
    // The validator is not vacuous: a log without `version` fails.
    let mut broken: Value = serde_json::from_str(&render(&a, None)).unwrap();
    broken.as_object_mut().unwrap().remove("version");
    assert!(!validator.is_valid(&broken));
}

fn fix_language_patterns(v: &mut Value) -> usize {
    const BAD: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
    match v {
        Value::Object(map) => {
            let mut n = 0;
            for (k, child) in map.iter_mut() {
                if k == "pattern" && child == BAD {
                    *child = Value::from("^[a-zA-Z]{2}(-[a-zA-Z]{2})?$");
                    n += 1;
                } else {
                    n += fix_language_patterns(child);
                }
            }
            n
        }
        Value::Array(items) => items.iter_mut().map(fix_language_patterns).sum(),
        _ => 0,
    }
}

#[test]
fn snapshot_demo() {
    let a = demo();
    insta::assert_snapshot!("sarif_demo", render(&a, None));
    insta::assert_snapshot!("sarif_demo_failed_budgets", render(&a, Some(&failing(&a))));
}

#[test]
fn results_name_declared_rules_and_image_paths() {
    let a = demo();
    let log: Value = serde_json::from_str(&render(&a, Some(&failing(&a)))).unwrap();
    let run = &log["runs"][0];
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let results = run["results"].as_array().unwrap();
    assert_eq!(
        results.len(),
        a.findings.len() + 2,
        "one result per finding and per failed budget"
    );
    for r in results {
        let id = r["ruleId"].as_str().unwrap();
        assert!(rules.contains(&id), "{id} not declared in {rules:?}");
        assert!(r["partialFingerprints"]["ballast/v1"].is_string());
        for loc in r["locations"].as_array().unwrap() {
            if let Some(art) = loc.get("physicalLocation") {
                let uri = art["artifactLocation"]["uri"].as_str().unwrap();
                assert!(!uri.starts_with('/'), "{uri}");
                assert_eq!(art["artifactLocation"]["uriBaseId"], "IMAGEROOT");
            }
        }
    }
    // Each finding's first path is its first location.
    for (f, r) in a.findings.iter().zip(results) {
        assert_eq!(r["ruleId"], f.rule.as_str());
        if let Some(path) = f.paths.first().and_then(|p| p.path.as_deref()) {
            assert_eq!(
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                path.trim_start_matches('/')
            );
        }
    }
    let budgets: Vec<&Value> = results.iter().filter(|r| r["ruleId"] == "budget").collect();
    assert_eq!(budgets.len(), 2);
    assert!(budgets.iter().all(|r| r["level"] == "error"));
}

#[test]
fn cli_writes_sarif_beside_the_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out.sarif");
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo.tar");
    let out = bin::ballast()
        .current_dir(dir.path())
        .arg(&demo)
        .args(["--ci", "--max-size", "1KB", "--sarif"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "over budget");
    let log: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert!(
        results
            .iter()
            .any(|r| r["ruleId"] == "budget" && r["properties"]["budget"] == "max_size")
    );
    // Without --ci, to stdout, and nothing else there.
    let out = bin::succeeds(bin::ballast().arg(&demo).args(["--sarif", "-"]));
    let log: Value = serde_json::from_slice(&out.stdout).expect("stdout is only the log");
    assert_eq!(log["version"], "2.1.0");
    assert!(
        log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["ruleId"] != "budget")
    );
}

#[test]
fn with_a_dockerfile_findings_point_at_its_lines_and_lint_joins() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = bin::succeeds(bin::ballast().current_dir(root).args([
        "fixtures/demo.tar",
        "--dockerfile",
        "fixtures/demo.Dockerfile",
        "--sarif",
        "-",
    ]));
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    let first_location = |rule: &str| -> &Value {
        &results
            .iter()
            .find(|r| r["ruleId"] == rule)
            .unwrap_or_else(|| panic!("no {rule}"))["locations"][0]["physicalLocation"]
    };
    let deleted = first_location("deleted-later");
    assert_eq!(
        deleted["artifactLocation"]["uri"],
        "fixtures/demo.Dockerfile"
    );
    assert_eq!(deleted["artifactLocation"]["uriBaseId"], "SRCROOT");
    assert_eq!(deleted["region"]["startLine"], 5);
    let run = first_location("dockerfile/consecutive-run");
    assert_eq!(run["region"]["startLine"], 9);
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert!(
        rules
            .iter()
            .any(|r| r["id"] == "dockerfile/consecutive-run"),
        "lint rules are declared"
    );
    let test = "with_a_dockerfile_findings_point_at_its_lines_and_lint_joins";
    if let Some(validator) = validator(test) {
        let errors: Vec<String> = validator.iter_errors(&log).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:#?}");
    }
}
