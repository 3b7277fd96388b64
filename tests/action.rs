//! The GitHub Action (action.yml, action/run.sh) run locally with a fake
//! `GITHUB_*` environment: it writes the markdown report to the job
//! summary (appended, ending in a blank line), prints workflow annotations,
//! sets its outputs, and fails the step when a budget fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

struct Run {
    /// Holds RUNNER_TEMP, where the report and JSON stay for the test to read.
    _tmp: tempfile::TempDir,
    out: Output,
    summary: String,
    outputs: String,
}

/// `action/run.sh` with the inputs given, the test binary as `ballast` on
/// PATH, and the summary and output files in a temp dir.
fn run_action(inputs: &[(&str, &str)]) -> Run {
    let tmp = tempfile::tempdir().unwrap();
    let summary = tmp.path().join("summary.md");
    let outputs = tmp.path().join("output");
    std::fs::write(&summary, "## An earlier step\n\n").unwrap();
    let bin_dir = PathBuf::from(env!("CARGO_BIN_EXE_ballast"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Command::new("bash");
    cmd.arg(root().join("action/run.sh"))
        .current_dir(root())
        .env_clear()
        .env("PATH", path)
        .env("HOME", tmp.path())
        .env("XDG_CACHE_HOME", tmp.path().join("cache"))
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &outputs)
        .env("GITHUB_ACTION_PATH", root())
        .env("RUNNER_TEMP", tmp.path());
    for (k, v) in inputs {
        cmd.env(format!("INPUT_{}", k.to_uppercase()), v);
    }
    let out = cmd.output().unwrap();
    Run {
        out,
        summary: std::fs::read_to_string(&summary).unwrap(),
        outputs: std::fs::read_to_string(&outputs).unwrap_or_default(),
        _tmp: tmp,
    }
}

#[test]
fn a_failing_budget_fails_the_step_with_annotations_and_a_summary() {
    let r = run_action(&[
        ("image", "fixtures/demo.tar"),
        ("args", "--max-size 1MB --deny vcs-directory"),
    ]);
    let stdout = String::from_utf8_lossy(&r.out.stdout);
    assert_eq!(
        r.out.status.code(),
        Some(1),
        "{stdout}\n{}",
        String::from_utf8_lossy(&r.out.stderr)
    );
    // Annotations: one error per failed budget.
    let errors: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("::error"))
        .collect();
    assert_eq!(errors.len(), 2, "{stdout}");
    assert!(errors.iter().any(|l| l.contains("max_size")), "{stdout}");
    // The summary: appended after the earlier step, the verdict on top.
    assert!(
        r.summary.starts_with(
            "## An earlier step\n\n# ballast report: `fixtures/demo.tar`\n\n> [!CAUTION]\n"
        ),
        "{}",
        r.summary
    );
    assert!(
        r.summary.contains("| `max_size` | **FAIL** |"),
        "{}",
        r.summary
    );
    assert!(
        r.summary.ends_with("</details>\n\n"),
        "{:?}",
        &r.summary[r.summary.len() - 40..]
    );
    // Outputs for later steps.
    assert!(r.outputs.contains("verdict=fail\n"), "{}", r.outputs);
    let report = r
        .outputs
        .lines()
        .find_map(|l| l.strip_prefix("report="))
        .unwrap();
    let md = std::fs::read_to_string(report).unwrap();
    assert!(md.starts_with("# ballast report:"), "{md}");
    let json = r
        .outputs
        .lines()
        .find_map(|l| l.strip_prefix("json="))
        .unwrap();
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    assert_eq!(v["schema"], "ballast/2");
}

#[test]
fn a_passing_image_passes_and_says_so() {
    let r = run_action(&[("image", "fixtures/demo.tar"), ("args", "--max-size 10MB")]);
    assert_eq!(
        r.out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.out.stderr)
    );
    let stdout = String::from_utf8_lossy(&r.out.stdout);
    assert!(!stdout.contains("::error"), "{stdout}");
    assert!(
        r.summary.contains("\n> [!NOTE]\n> **Budgets pass**"),
        "{}",
        r.summary
    );
    assert!(r.outputs.contains("verdict=pass\n"), "{}", r.outputs);
}

#[test]
fn a_bad_image_is_an_error_not_a_verdict() {
    let r = run_action(&[("image", "fixtures/no-such.tar")]);
    assert_eq!(r.out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&r.out.stdout)
            .contains("::error title=ballast::ballast failed (exit 2)")
    );
    assert!(!r.outputs.contains("verdict="));
}

/// action.yml runs the script the tests run and maps every input it reads.
#[test]
fn action_yml_runs_the_tested_script_with_every_input() {
    let yml = std::fs::read_to_string(root().join("action.yml")).unwrap();
    let script = std::fs::read_to_string(root().join("action/run.sh")).unwrap();
    assert!(yml.contains("using: composite"));
    assert!(yml.contains("run: bash \"$GITHUB_ACTION_PATH/action/run.sh\""));
    for input in ["image", "config", "dockerfile", "args", "ballast"] {
        let var = format!("INPUT_{}", input.to_uppercase());
        assert!(yml.contains(&format!("  {input}:\n")), "input {input}");
        assert!(
            yml.contains(&format!("{var}: ${{{{ inputs.{input} }}}}")),
            "{var} not mapped"
        );
        assert!(script.contains(&var), "{var} not read");
    }
}
