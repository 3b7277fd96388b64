//! `--ci` budgets through the binary: every budget passing and failing, the exit
//! codes, config files and flags, and dive's `.dive-ci` giving dive's verdict.
//!
//! Images are the committed demo archive and small archives made with
//! the `testimage` crate; the dive comparison runs the real dive 0.13.1 when it is
//! installed (required under BALLAST_REQUIRE_DOCKER=1, as CI sets it).

#[allow(dead_code)]
#[path = "support/bin.rs"]
mod bin;
/// The one gate for what the tests need from the machine (tests/support/gate.rs).
#[allow(dead_code)]
#[path = "support/gate.rs"]
mod gate;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use testimage::{self as fixture, Compress, ImageSpec, LayerSpec, Layout};

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo.tar")
}

/// Run `ballast IMAGE --ci ARGS` in `dir` (where config files are looked for).
fn ci(dir: &Path, image: &Path, args: &[&str]) -> Output {
    bin::ballast()
        .current_dir(dir)
        .arg(image)
        .arg("--ci")
        .args(args)
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The status line of one budget: ("PASS"|"FAIL", measured and limit text).
fn line<'a>(out: &'a str, budget: &str) -> &'a str {
    out.lines()
        .find(|l| l.split_whitespace().nth(1) == Some(budget) || l.contains(&format!(" {budget} ")))
        .unwrap_or_else(|| panic!("no line for {budget} in:\n{out}"))
}

fn assert_budget(out: &str, budget: &str, status: &str) {
    let l = line(out, budget);
    assert!(
        l.trim_start().starts_with(status),
        "{budget}: expected {status}: {l}\n{out}"
    );
}

#[test]
fn every_budget_passes_and_fails_with_the_right_exit_code() {
    let tmp = tempfile::tempdir().unwrap();
    // demo: shipped 2,782,317 B, biggest layer 1,982,256 B, dive wasted 25 B,
    // reclaimable 800,024 B, efficiency 99.9993 %, user wasted 0.0031 %.
    let cases: &[(&[&str], &str, bool)] = &[
        (&["--max-size", "3MB"], "max_size", true),
        (&["--max-size", "2.5MB"], "max_size", false),
        (&["--max-layer-size", "2MB"], "max_layer_size", true),
        (&["--max-layer-size", "1.8MiB"], "max_layer_size", false),
        (&["--max-wasted-bytes", "25"], "max_wasted_bytes", true),
        (&["--max-wasted-bytes", "24"], "max_wasted_bytes", false),
        (
            &["--max-reclaimable-bytes", "1MB"],
            "max_reclaimable_bytes",
            true,
        ),
        (
            &["--max-reclaimable-bytes", "800kB"],
            "max_reclaimable_bytes",
            false,
        ),
        (
            &["--max-wasted-percent", "0.01%"],
            "max_wasted_percent",
            true,
        ),
        (
            &["--max-wasted-percent", "0.00003"],
            "max_wasted_percent",
            false,
        ),
        (&["--min-efficiency", "99.999%"], "min_efficiency", true),
        (&["--min-efficiency", "0.999999"], "min_efficiency", false),
        (&["--deny", "secret"], "deny secret", true),
        (&["--deny", "vcs-directory"], "deny vcs-directory", false),
    ];
    for (args, budget, pass) in cases {
        let o = ci(tmp.path(), &demo(), args);
        let out = text(&o);
        assert_eq!(
            o.status.code(),
            Some(if *pass { 0 } else { 1 }),
            "{args:?}\n{out}"
        );
        assert_budget(&out, budget, if *pass { "PASS" } else { "FAIL" });
        assert!(
            out.lines().last().unwrap().starts_with(if *pass {
                "result: PASS"
            } else {
                "result: FAIL"
            }),
            "{out}"
        );
    }
}

#[test]
fn failures_say_what_explains_them() {
    let tmp = tempfile::tempdir().unwrap();
    let out = text(&ci(
        tmp.path(),
        &demo(),
        &[
            "--max-size",
            "2MB",
            "--deny",
            "vcs-directory",
            "--max-wasted-bytes",
            "1",
        ],
    ));
    let after = |budget: &str| -> String {
        out.lines()
            .skip_while(|l| !l.contains(budget))
            .skip(1)
            .take_while(|l| l.starts_with("          "))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert!(
        after("max_size").contains("400 kB deleted-later (layer 2)"),
        "{out}"
    );
    assert!(
        after("deny vcs-directory").contains("add `.git` to .dockerignore"),
        "{out}"
    );
    assert!(
        after("max_wasted_bytes").contains("25 B in 2 layers: /etc/app.conf"),
        "{out}"
    );
}

#[test]
fn ignored_paths_leave_wasted_bytes_and_denied_rules() {
    let tmp = tempfile::tempdir().unwrap();
    let o = ci(
        tmp.path(),
        &demo(),
        &["--max-wasted-bytes", "0", "--ignore-path", "/etc/app.conf"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = ci(
        tmp.path(),
        &demo(),
        &["--deny", "vcs-directory", "--ignore-path", "/app/.git"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = ci(
        tmp.path(),
        &demo(),
        &["--deny", "vcs-directory", "--ignore-path", "*.log"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
}

#[test]
fn ballast_toml_is_read_and_flags_win() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join(".ballast.toml"),
        "[budget]\nmax_size = \"2MB\"\ndeny = [\"secret\"]\nignore_paths = [\"/usr/share/**\"]\n",
    )
    .unwrap();
    let o = ci(tmp.path(), &demo(), &[]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.starts_with("ballast --ci") && out.lines().next().unwrap().contains(".ballast.toml"),
        "{out}"
    );
    assert_budget(&out, "max_size", "FAIL");
    assert!(
        !out.contains("min_efficiency"),
        "dive's defaults do not apply with a .ballast.toml:\n{out}"
    );
    assert!(
        !out.contains("WARN"),
        "with ballast's own budgets nothing is only a warning:\n{out}"
    );
    let o = ci(tmp.path(), &demo(), &["--max-size", "3MB"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "the flag overrides the file: {}",
        text(&o)
    );
    // --config names a file elsewhere.
    let other = tmp.path().join("strict.toml");
    std::fs::write(&other, "min_efficiency = 0.9999999\n").unwrap();
    let o = ci(tmp.path(), &demo(), &["--config", other.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
}

#[test]
fn bad_budgets_are_errors_with_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join(".ballast.toml"),
        "[budget]\nmax_sise = \"2MB\"\n",
    )
    .unwrap();
    let o = ci(tmp.path(), &demo(), &[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains(".ballast.toml") && err.contains("max_sise"),
        "{err}"
    );
    std::fs::write(
        tmp.path().join(".ballast.toml"),
        "max_size = \"two megs\"\n",
    )
    .unwrap();
    let o = ci(tmp.path(), &demo(), &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("max_size"));
    let o = ci(tmp.path(), &demo(), &["--max-size", "lots"]);
    assert_eq!(o.status.code(), Some(2), "clap rejects a bad size");
    let o = ci(
        tmp.path(),
        &demo(),
        &["--config", "/nonexistent/.ballast.toml"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("/nonexistent/.ballast.toml"));
}

#[test]
fn an_unknown_rule_id_is_an_error_listing_the_valid_ones() {
    let tmp = tempfile::tempdir().unwrap();
    // `secrets` for the rule `secret`: an exit-2 usage error, not a budget
    // that silently never fires.
    let o = ci(tmp.path(), &demo(), &["--deny", "secrets"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--deny") && err.contains("unknown rule 'secrets'"),
        "{err}"
    );
    assert!(
        err.contains("vcs-directory") && err.contains("secret, root-user"),
        "the valid ids are listed: {err}"
    );
    assert!(text(&o).is_empty(), "no verdict: {}", text(&o));

    std::fs::write(
        tmp.path().join(".ballast.toml"),
        "[budget]\ndeny = [\"secret\", \"vcs-directories\"]\n",
    )
    .unwrap();
    let o = ci(tmp.path(), &demo(), &[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains(".ballast.toml")
            && err.contains("deny")
            && err.contains("unknown rule 'vcs-directories'")
            && err.contains("vcs-directory, package-cache"),
        "the file, the key and the valid ids: {err}"
    );
}

#[test]
fn growth_against_a_baseline_from_any_source() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = |extra: u64| ImageSpec {
        layers: vec![
            LayerSpec::new(
                "/bin/sh -c base",
                vec![fixture::big_file("base.bin", 100_000, 1)],
            ),
            LayerSpec::new(
                "/bin/sh -c app",
                vec![fixture::big_file("app.bin", 1000 + extra, 2)],
            ),
        ],
        ..ImageSpec::default()
    };
    let old = tmp.path().join("old.tar");
    fixture::write_image(&spec(0), Layout::DockerLegacy, Compress::None, &old).unwrap();
    let new_dir = tmp.path().join("new-oci");
    std::fs::create_dir(&new_dir).unwrap();
    fixture::write_image(&spec(50_000), Layout::OciDir, Compress::Zstd, &new_dir).unwrap();
    let base = ["--baseline", old.to_str().unwrap()];
    let o = ci(
        tmp.path(),
        &new_dir,
        &[&base[..], &["--max-growth", "60kB"]].concat(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        line(&text(&o), "max_growth").contains("50 kB"),
        "{}",
        text(&o)
    );
    let o = ci(
        tmp.path(),
        &new_dir,
        &[&base[..], &["--max-growth", "40kB"]].concat(),
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let o = ci(tmp.path(), &new_dir, &["--max-growth", "40kB"]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "no baseline cannot pass: {}",
        text(&o)
    );
    let o = ci(
        tmp.path(),
        &new_dir,
        &["--baseline", "/nonexistent/old.tar", "--max-growth", "1MB"],
    );
    assert_eq!(o.status.code(), Some(2));
}

/// dive's verdict (`CI=true dive --ci-config FILE docker-archive://IMAGE`) as
/// the exit code ballast gives for it: 0 pass, 1 fail, 2 misconfigured. `Err`
/// says why dive gave none.
fn dive_verdict(dir: &Path, config: &Path, image: &Path) -> Result<i32, String> {
    let out = Command::new("dive")
        .env("CI", "true")
        .current_dir(dir)
        .arg("--ci-config")
        .arg(config)
        .arg(format!("docker-archive://{}", image.display()))
        .output()
        .map_err(|e| format!("cannot run dive: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if text.contains("CI Misconfigured") {
        return Ok(2);
    }
    match text.lines().find(|l| l.contains("Result:")) {
        Some(result) => Ok(if result.contains("PASS") { 0 } else { 1 }),
        None => Err(format!(
            "no verdict from dive: {}\n{text}",
            String::from_utf8_lossy(&out.stderr)
        )),
    }
}

#[test]
fn dive_ci_files_give_dives_verdict() {
    let tmp = tempfile::tempdir().unwrap();
    // A second image with real dive-visible waste: a file rewritten twice.
    let wasteful = tmp.path().join("wasteful.tar");
    let spec = ImageSpec {
        layers: vec![
            LayerSpec::new(
                "/bin/sh -c a",
                vec![
                    fixture::big_file("data.bin", 400_000, 1),
                    fixture::big_file("keep", 600_000, 2),
                ],
            ),
            LayerSpec::new(
                "/bin/sh -c b",
                vec![fixture::big_file("data.bin", 300_000, 3)],
            ),
            LayerSpec::new(
                "/bin/sh -c c",
                vec![fixture::big_file("data.bin", 200_000, 4)],
            ),
        ],
        ..ImageSpec::default()
    };
    fixture::write_image(&spec, Layout::DockerLegacy, Compress::None, &wasteful).unwrap();
    let configs = [
        "rules:\n  lowestEfficiency: 0.9\n",
        "rules:\n  lowestEfficiency: 0.99999\n",
        "rules:\n  lowestEfficiency: 0.999999\n",
        "rules:\n  highestWastedBytes: 25B\n",
        "rules:\n  highestWastedBytes: 24\n",
        "rules:\n  highestWastedBytes: 1MB\n  lowestEfficiency: disabled\n",
        "rules:\n  highestWastedBytes: 0.8MB\n  lowestEfficiency: disabled\n  highestUserWastedPercent: disabled\n",
        "rules:\n  highestUserWastedPercent: 0.5\n  lowestEfficiency: 0.5\n",
        // dive: "outside allowed range (0-1)", no verdict; ballast: exit 2.
        "rules:\n  highestUserWastedPercent: 2\n  lowestEfficiency: 0.5\n",
        "rules:\n  lowestEfficiency: \"0.6\"\n",
    ];
    for image in [demo(), wasteful] {
        for (i, config) in configs.iter().enumerate() {
            let dir = tmp.path().join(format!("c{i}"));
            std::fs::create_dir_all(&dir).unwrap();
            let file = dir.join(".dive-ci");
            std::fs::write(&file, config).unwrap();
            let ours = ci(&dir, &image, &[]);
            let ours_code = ours.status.code().unwrap_or(-1);
            match dive_verdict(&dir, &file, &image) {
                Ok(dive_code) => assert_eq!(
                    ours_code,
                    dive_code,
                    "{} with {config:?}: ballast exit {ours_code}, dive's verdict {dive_code}\n{}{}",
                    image.display(),
                    text(&ours),
                    String::from_utf8_lossy(&ours.stderr)
                ),
                Err(why) => {
                    gate::unmet(gate::Need::Dive, "dive_ci_files_give_dives_verdict", &why);
                    return;
                }
            }
        }
    }
}

/// Run from the crate root so the reference (and so the output) is the same on
/// every machine.
fn ci_at_root(args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut cmd = bin::ballast();
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["fixtures/demo.tar", "--ci"])
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn junit_report_is_valid_xml_with_one_case_per_budget() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("junit.xml");
    let o = ci_at_root(
        &[
            "--max-size",
            "1MB",
            "--deny",
            "secret",
            "--junit",
            file.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(1));
    let xml = std::fs::read_to_string(&file).unwrap();
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .unwrap();
    assert_eq!(
        (suite.attribute("tests"), suite.attribute("failures")),
        (Some("4"), Some("1"))
    );
    let cases: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    let names: Vec<_> = cases.iter().filter_map(|c| c.attribute("name")).collect();
    assert_eq!(
        names,
        vec![
            "max_size",
            "max_wasted_percent",
            "min_efficiency",
            "deny secret"
        ]
    );
    let failure = cases[0]
        .children()
        .find(|n| n.has_tag_name("failure"))
        .expect("max_size fails");
    assert_eq!(failure.attribute("message"), Some("2.78 MB (limit ≤ 1 MB)"));
    assert!(
        failure
            .text()
            .unwrap()
            .contains("400 kB deleted-later (layer 2)")
    );
    insta::assert_snapshot!("junit_demo", xml);
}

#[test]
fn github_format_annotates_and_appends_the_step_summary() {
    let tmp = tempfile::tempdir().unwrap();
    let summary = tmp.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let o = ci_at_root(
        &["--max-size", "1MB", "--format", "github"],
        &[("GITHUB_STEP_SUMMARY", &summary)],
    );
    assert_eq!(o.status.code(), Some(1));
    let out = text(&o);
    let error = out
        .lines()
        .find(|l| l.starts_with("::error "))
        .expect("an error annotation");
    assert!(error.starts_with("::error title=ballast fixtures/demo.tar%3A max_size::max_size: 2.78 MB (limit ≤ 1 MB)%0A"), "{error}");
    assert!(!error.contains('\n'));
    assert_eq!(
        out.lines().filter(|l| l.starts_with("::warning ")).count(),
        4,
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l == "::notice title=ballast::1 of 3 budgets over"),
        "{out}"
    );
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.starts_with("earlier step\n# ballast report: `fixtures/demo.tar`"),
        "appended, not replaced"
    );
    assert!(
        md.contains("| `max_size` | **FAIL** | 2.78\u{a0}MB | ≤\u{a0}1\u{a0}MB |"),
        "{md}"
    );
    // Plain text format: no annotations, the summary untouched.
    let before = std::fs::read_to_string(&summary).unwrap();
    let o = ci_at_root(&["--max-size", "1MB"], &[("GITHUB_STEP_SUMMARY", &summary)]);
    assert!(!text(&o).contains("::error"));
    assert_eq!(std::fs::read_to_string(&summary).unwrap(), before);
}

#[test]
fn github_annotations_point_at_dockerfile_lines() {
    let o = ci_at_root(
        &[
            "--dockerfile",
            "fixtures/demo.Dockerfile",
            "--format",
            "github",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(0));
    let out = text(&o);
    let at = |rule: &str| -> String {
        out.lines()
            .find(|l| l.contains(&format!("title=ballast {rule}::")))
            .unwrap_or_else(|| panic!("no annotation for {rule}: {out}"))
            .to_string()
    };
    // The cache is written by the RUN on line 5 (continued on 6) and deleted on 7.
    assert!(
        at("deleted-later").starts_with("::warning file=fixtures/demo.Dockerfile,line=5,"),
        "{out}"
    );
    // `.git` arrives with `COPY app /app` on line 11; the copy on line 13.
    assert!(at("vcs-directory").contains("file=fixtures/demo.Dockerfile,line=11,"));
    assert!(at("duplicate-content").contains(",line=13,"));
    // Lint findings at their line and column: the RUN on line 9 could join line 7's.
    assert!(
        at("dockerfile/consecutive-run")
            .contains("file=fixtures/demo.Dockerfile,line=9,endLine=9,col=1,"),
        "{out}"
    );
    // The generic warning lines give way to the located ones.
    assert!(
        !out.lines()
            .any(|l| l.starts_with("::warning title=ballast fixtures/demo.tar"))
    );
}
