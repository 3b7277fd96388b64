//! The cache simulation checked against the real builder.
//!
//! A git repository gets a sequence of commits (source edit, manifest edit,
//! an ignored file, a mode change, a new file, an empty commit, a
//! `.dockerignore` edit, a lockfile edit and its revert, files that `docs/**`,
//! `!docs/keep.txt` and `**/*.tmp` leave out or let in, and `.git` let into
//! the context). Every commit is built with the local engine, by the legacy
//! builder ("Using cache") and by BuildKit ("CACHED"), for the original
//! Dockerfile and for the reordering ballast proposes; the simulated hit or
//! miss of every instruction must be the builder's. The engine keeps every earlier build, so the simulation uses
//! `CacheModel::All`; a per-run salt in the Dockerfile (a `LABEL` first, which
//! the legacy builder chains, and a `RUN`, which BuildKit does) keeps earlier
//! runs and the other tests' images, removed while this one runs, out of the
//! cache.
//!
//! Without an engine the tests skip through the gate (tests/support/gate.rs),
//! unless `BALLAST_REQUIRE_DOCKER=1` (or `BALLAST_REQUIRE_ALL=1`), which turns
//! a missing engine into a failure.

/// The one gate for what the tests need from the machine (tests/support/gate.rs).
#[allow(dead_code)]
#[path = "support/gate.rs"]
mod gate;

use std::collections::HashMap;
use std::process::Command;

use ballast::dockerfile::Dockerfile;
use ballast::dockerfile::cache::{CacheModel, Plan, simulate};
use ballast::dockerfile::cache::{CacheOptions, cache_report};
use ballast::dockerfile::history::History;
use gate::Need;

const BUSYBOX: &str = "/bin/busybox";

/// One engine test builds at a time: the legacy builder has been seen to lose
/// an image it just made ("unable to find image") while other builds and
/// removals run beside it.
static ENGINE: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn engine_lock() -> std::sync::MutexGuard<'static, ()> {
    ENGINE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
/// Debian's CLI, which drives the engine's built-in BuildKit offline.
const BUILDKIT_CLI: &str = "/usr/bin/docker";

/// Whether busybox is there and `cli` reaches an engine (through the gate).
fn engine_ready(test: &str, cli: &str) -> bool {
    if !gate::need(Need::Busybox, test) {
        return false;
    }
    let answers = match Command::new(cli)
        .args(["version", "--format", "{{.Server.Version}}"])
        .output()
    {
        Ok(o) if o.status.success() => Ok(()),
        Ok(o) => Err(String::from_utf8_lossy(&o.stderr).trim().to_string()),
        Err(e) => Err(format!("cannot run {cli}: {e}")),
    };
    gate::check(Need::Docker, test, answers).is_some()
}

fn run(cmd: &mut Command) -> String {
    let shown = format!("{cmd:?}");
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {shown}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{shown} failed:\n{text}");
    text
}

/// The fake package manager: `npm ci` reads only the manifests; `npm run
/// build` reads the source and stamps its output, so a rebuilt stage never
/// yields the same bytes.
const NPM: &str = "#!/bin/sh\ncase \"$1\" in\n  ci) mkdir -p /deps && cat package.json package-lock.json > /deps/all ;;\n  run) mkdir -p /out && cat src/* > /out/app && cat /proc/sys/kernel/random/uuid > /out/stamp ;;\nesac\n";

fn dockerfile(salt: &str) -> String {
    format!(
        "FROM scratch AS build\n\
         LABEL ballast.test.salt={salt}\n\
         COPY busybox /bin/busybox\n\
         RUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n\
         RUN echo {salt} > /salt\n\
         COPY tools/npm /bin/npm\n\
         WORKDIR /app\n\
         ENV NODE_ENV=production\n\
         COPY . .\n\
         RUN npm ci && npm run build\n\
         \n\
         FROM build AS test\n\
         RUN [\"/bin/busybox\", \"test\", \"-s\", \"/out/app\"]\n\
         \n\
         FROM scratch AS final\n\
         COPY --from=build /out /out\n\
         CMD [\"/out/app\"]\n"
    )
}

/// The scenario's ignore rules: Docker's `**`, `!` exceptions and plain names.
const IGNORE: &str = "Dockerfile*\n*.md\nnode_modules\n.git\ndocs/**\n!docs/keep.txt\n**/*.tmp\n";

struct Repo {
    dir: tempfile::TempDir,
    commits: Vec<String>,
}

impl Repo {
    fn git(&self, args: &[&str]) -> String {
        run(Command::new("git")
            .arg("-C")
            .arg(self.dir.path())
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args([
                "-c",
                "commit.gpgsign=false",
                "-c",
                "advice.detachedHead=false",
            ])
            .args(args))
    }

    fn write(&self, path: &str, text: &str) {
        let p = self.dir.path().join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }

    fn chmod(&self, path: &str, mode: u32) {
        use std::os::unix::fs::PermissionsExt;
        let p = self.dir.path().join(path);
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod");
    }

    fn commit(&mut self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        self.commits
            .push(self.git(&["rev-parse", "HEAD"]).trim().to_string());
    }

    /// The scenario: one commit per kind of change the cache cares about.
    fn scenario(salt: &str) -> Repo {
        let mut r = Repo {
            dir: tempfile::tempdir().expect("temp dir"),
            commits: Vec::new(),
        };
        r.git(&["init", "-q", "-b", "main"]);
        std::fs::copy(BUSYBOX, r.dir.path().join("busybox")).expect("copy busybox");
        r.write("tools/npm", NPM);
        r.chmod("tools/npm", 0o755);
        r.write("Dockerfile", &dockerfile(salt));
        r.write(".dockerignore", IGNORE);
        r.write("docs/other.txt", "o1\n");
        r.write("docs/keep.txt", "k1\n");
        r.write("package.json", "{\"name\":\"demo\"}\n");
        r.write("package-lock.json", "{\"lockfileVersion\":3}\n");
        r.write("src/a.txt", "a1\n");
        r.write("README.md", "readme\n");
        r.commit("seed");
        r.write("src/a.txt", "a2\n");
        r.commit("source edit");
        r.write("package.json", "{\"name\":\"demo\",\"version\":\"2\"}\n");
        r.commit("manifest edit");
        r.write("README.md", "ignored docs\n");
        r.commit("docs only (ignored)");
        r.chmod("src/a.txt", 0o755);
        r.commit("mode change");
        r.write("src/b.txt", "b\n");
        r.commit("new source file");
        r.commit("empty commit");
        r.write(".dockerignore", &format!("{IGNORE}*.log\n"));
        r.commit(".dockerignore edit");
        r.write("node_modules/left-pad.js", "ignored dir\n");
        r.commit("ignored directory");
        r.write("package-lock.json", "{\"lockfileVersion\":3,\"x\":1}\n");
        r.commit("lockfile edit");
        r.git(&["revert", "--no-edit", "HEAD"]);
        r.commits
            .push(r.git(&["rev-parse", "HEAD"]).trim().to_string());
        r.write("docs/other.txt", "o2\n");
        r.commit("docs/** ignores this");
        r.write("docs/keep.txt", "k2\n");
        r.commit("!docs/keep.txt lets this in");
        r.write("src/scratch.tmp", "t\n");
        r.commit("**/*.tmp ignores this");
        // Last, `.git` let into the context: every commit differs from then on.
        r.write(".dockerignore", &IGNORE.replace(".git\n", ""));
        r.commit(".git no longer ignored");
        r.commit("empty commit with .git in the context");
        r
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Builder {
    Legacy,
    BuildKit,
}

/// Tags built by one test, removed when it ends (pass or fail).
struct Images(Vec<String>);

impl Drop for Images {
    fn drop(&mut self) {
        if !self.0.is_empty() {
            let _ = Command::new("docker")
                .args(["rmi", "-f"])
                .args(&self.0)
                .output();
        }
    }
}

/// Build every commit with `file` (a path inside the context); per commit,
/// per plan step: `Some(hit)` where the builder reported the step.
fn build_all(
    builder: Builder,
    repo: &Repo,
    file: &str,
    df: &Dockerfile,
    plan: &Plan,
    images: &mut Images,
) -> Vec<Vec<Option<bool>>> {
    let mut results = Vec::new();
    for (n, commit) in repo.commits.iter().enumerate() {
        repo.git(&["checkout", "-q", "--detach", commit]);
        let tag = format!(
            "ballast-cache-test-{}-{}:{}-{n}",
            std::process::id(),
            format!("{builder:?}").to_ascii_lowercase(),
            file.to_ascii_lowercase().replace('.', "-")
        );
        images.0.push(tag.clone());
        let mut cmd = match builder {
            Builder::Legacy => {
                let mut c = Command::new("docker");
                c.env("DOCKER_BUILDKIT", "0");
                c.args(["build", "--force-rm"]);
                c
            }
            Builder::BuildKit => {
                let mut c = Command::new(BUILDKIT_CLI);
                c.env("DOCKER_BUILDKIT", "1");
                c.args(["build", "--progress=plain"]);
                c
            }
        };
        cmd.args(["--network", "none", "-f", file, "-t", &tag])
            .arg(repo.dir.path())
            .current_dir(repo.dir.path());
        let parse = |out: &str| match builder {
            Builder::Legacy => legacy_hits(out, plan),
            Builder::BuildKit => buildkit_hits(out, df, plan),
        };
        // The engine is shared: another process removing images can make a
        // build fail part way ("unable to find image"). The steps reported
        // before the failure keep their outcome; a retry gives the rest.
        let mut merged: Option<Vec<Option<bool>>> = None;
        let mut attempt = 0;
        let hits = loop {
            attempt += 1;
            let shown = format!("{cmd:?}");
            let out = cmd
                .output()
                .unwrap_or_else(|e| panic!("cannot run {shown}: {e}"));
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            let mut hits = parse(&text);
            if let Some(before) = &merged {
                for (h, b) in hits.iter_mut().zip(before) {
                    if b.is_some() {
                        *h = *b;
                    }
                }
            }
            if out.status.success() {
                break hits;
            }
            let transient = text.contains("unable to find image") || text.contains("No such image");
            assert!(
                transient && attempt < 3,
                "{shown} failed (attempt {attempt}):\n{text}"
            );
            eprintln!("note: {shown}: transient engine error, retrying");
            // The step that failed never finished: its outcome is the retry's.
            if let Some(last) = hits.iter().rposition(Option::is_some) {
                hits[last] = None;
            }
            merged = Some(hits);
        };
        results.push(hits);
    }
    results
}

/// "Step k/n : ..." then " ---> Using cache" when served from the cache.
fn legacy_hits(out: &str, plan: &Plan) -> Vec<Option<bool>> {
    let mut hits = vec![None; plan.steps.len()];
    let mut current = None;
    for line in out.lines() {
        if let Some(rest) = line.strip_prefix("Step ") {
            let k: usize = rest
                .split('/')
                .next()
                .and_then(|k| k.parse().ok())
                .expect("a step number");
            assert_eq!(
                rest.split_once('/').and_then(|(_, r)| r.split(' ').next()),
                Some(plan.steps.len().to_string().as_str()),
                "the builder counts as many steps as the plan"
            );
            current = Some(k - 1);
            if plan.steps[k - 1].keyword != "FROM" {
                hits[k - 1] = Some(false);
            }
        } else if line.trim() == "---> Using cache"
            && let Some(i) = current
        {
            hits[i] = Some(true);
        }
    }
    hits
}

/// "#7 [stage k/n] TEXT" names a vertex; "#7 CACHED" marks it a hit. BuildKit
/// numbers only the instructions that make a vertex (not `FROM scratch`,
/// `ENV`, `CMD`).
fn buildkit_hits(out: &str, df: &Dockerfile, plan: &Plan) -> Vec<Option<bool>> {
    let names: HashMap<String, usize> = df
        .stages
        .iter()
        .map(|s| {
            (
                s.name.clone().unwrap_or(format!("stage-{}", s.index)),
                s.index,
            )
        })
        .collect();
    let vertex_steps = |stage: usize| -> Vec<usize> {
        (0..plan.steps.len())
            .filter(|&i| plan.steps[i].stage == stage)
            .filter(|&i| {
                matches!(
                    plan.steps[i].keyword.as_str(),
                    "RUN" | "COPY" | "ADD" | "WORKDIR"
                )
            })
            .collect()
    };
    let mut vertex: HashMap<String, usize> = HashMap::new();
    let mut hits = vec![None; plan.steps.len()];
    for line in out.lines() {
        let Some((id, rest)) = line.split_once(' ') else {
            continue;
        };
        if let Some(label) = rest.strip_prefix('[') {
            let Some((label, text)) = label.split_once("] ") else {
                continue;
            };
            let Some((stage, pos)) = label.rsplit_once(' ') else {
                continue;
            };
            let Some(&stage) = names.get(stage) else {
                continue;
            };
            let k: usize = pos
                .split('/')
                .next()
                .and_then(|k| k.parse().ok())
                .expect("k/n");
            let i = vertex_steps(stage)[k - 1];
            assert!(
                text.starts_with(&plan.steps[i].keyword),
                "vertex {label} '{text}' is not step {i} ({})",
                plan.steps[i].instruction
            );
            vertex.insert(id.to_string(), i);
            hits[i].get_or_insert(false);
        } else if rest == "CACHED"
            && let Some(&i) = vertex.get(id)
        {
            hits[i] = Some(true);
        }
    }
    hits
}

/// Simulate `text` over the repository; per build (commits after the
/// first), per step: hit.
fn simulated(repo: &Repo, plan: &Plan) -> Vec<Vec<bool>> {
    let history = History::read(repo.dir.path(), "main", 1000).expect("history");
    assert_eq!(history.commits.len(), repo.commits.len());
    simulate(plan, &history, CacheModel::All, &[])
        .builds
        .into_iter()
        .map(|b| b.hit)
        .collect()
}

fn check(builder: Builder, test: &str) {
    let cli = if builder == Builder::BuildKit {
        BUILDKIT_CLI
    } else {
        "docker"
    };
    if !engine_ready(test, cli) {
        return;
    }
    let _engine = engine_lock();
    let salt = format!(
        "{test}-{}-{:?}",
        std::process::id(),
        std::time::SystemTime::now()
    );
    let repo = Repo::scenario(&salt.replace([' ', ':', '{', '}', '(', ')', ','], "-"));
    let text = std::fs::read_to_string(repo.dir.path().join("Dockerfile")).expect("Dockerfile");
    let df = Dockerfile::parse(&text, repo.dir.path().join("Dockerfile")).expect("parses");
    let report = cache_report(
        &df,
        &text,
        repo.dir.path(),
        &CacheOptions {
            commits: 1000,
            rev: "main".into(),
            model: CacheModel::All,
        },
        &[],
    )
    .expect("report");
    let proposal = report
        .proposal
        .as_ref()
        .expect("ballast proposes a reordering");
    assert!(
        proposal
            .diff
            .contains("+COPY package-lock.json package.json ./"),
        "{}",
        proposal.diff
    );
    std::fs::write(
        repo.dir.path().join("Dockerfile.proposed"),
        &proposal.dockerfile,
    )
    .expect("write the proposal");
    let mut images = Images(Vec::new());
    for (file, text) in [
        ("Dockerfile", text.as_str()),
        ("Dockerfile.proposed", proposal.dockerfile.as_str()),
    ] {
        let df = Dockerfile::parse(text, file).expect("parses");
        let plan = Plan::from_dockerfile(&df);
        let sim = simulated(&repo, &plan);
        let real = build_all(builder, &repo, file, &df, &plan, &mut images);
        let mut compared = 0;
        for (b, sim_hits) in sim.iter().enumerate() {
            let real_hits = &real[b + 1];
            for (i, step) in plan.steps.iter().enumerate() {
                let Some(real_hit) = real_hits[i] else {
                    continue;
                };
                compared += 1;
                assert_eq!(
                    sim_hits[i],
                    real_hit,
                    "{builder:?}, {file}, build of commit {} ('{}'), line {} `{}`: simulated {}, real {}",
                    b + 1,
                    repo.git(&["log", "-1", "--format=%s", &repo.commits[b + 1]])
                        .trim(),
                    step.line,
                    step.instruction,
                    if sim_hits[i] { "hit" } else { "miss" },
                    if real_hit { "hit" } else { "miss" },
                );
            }
            // Every COPY and RUN was seen in the builder's output, except that
            // BuildKit skips the stage the final one does not need.
            for (i, step) in plan.steps.iter().enumerate() {
                if !matches!(step.keyword.as_str(), "COPY" | "RUN") {
                    continue;
                }
                let expected = step.needed || builder == Builder::Legacy;
                assert_eq!(
                    real_hits[i].is_some(),
                    expected,
                    "{builder:?} and `{}` (stage {}, needed: {})",
                    step.instruction,
                    step.stage,
                    step.needed
                );
            }
        }
        // The scenario exercises both outcomes.
        let flat: Vec<bool> = sim.iter().flatten().copied().collect();
        assert!(flat.contains(&true) && flat.contains(&false));
        assert!(compared > 50, "only {compared} step outcomes compared");
    }
}

#[test]
fn legacy_builder_cache_matches_the_simulation() {
    check(
        Builder::Legacy,
        "legacy_builder_cache_matches_the_simulation",
    );
}

#[test]
fn buildkit_cache_matches_the_simulation() {
    check(Builder::BuildKit, "buildkit_cache_matches_the_simulation");
}

/// `ballast` with a clean environment.
fn ballast() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("ballast").expect("the binary");
    for var in ["NO_COLOR", "CI", "GITHUB_STEP_SUMMARY", "DOCKER_HOST"] {
        cmd.env_remove(var);
    }
    cmd
}

fn small_repo() -> Repo {
    let mut r = Repo {
        dir: tempfile::tempdir().expect("temp dir"),
        commits: Vec::new(),
    };
    r.git(&["init", "-q", "-b", "main"]);
    r.write(
        "Dockerfile",
        "FROM scratch\nCOPY busybox /bin/busybox\nWORKDIR /app\nCOPY . .\nRUN [\"/bin/busybox\", \"cp\", \"-r\", \"/app/src\", \"/built\"]\n",
    );
    std::fs::copy(BUSYBOX, r.dir.path().join("busybox")).expect("copy busybox");
    r.write(".dockerignore", ".git\nDockerfile\n");
    r.write("src/a.txt", "1");
    r.commit("seed");
    for i in 2..5 {
        r.write("src/a.txt", &i.to_string());
        r.commit(&format!("edit {i}"));
    }
    r
}

#[test]
fn dockerfile_command_reports_lint_and_cache_as_json() {
    if !gate::need(
        Need::Busybox,
        "dockerfile_command_reports_lint_and_cache_as_json",
    ) {
        return;
    }
    let r = small_repo();
    let out = ballast()
        .args(["dockerfile", "Dockerfile", "--commits", "3", "--json", "-"])
        .current_dir(r.dir.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).expect("JSON");
    assert!(v["lint"].is_array());
    let cache = &v["cache"];
    assert_eq!(cache["builds"], 3);
    assert_eq!(cache["model"], "previous");
    let copy = &cache["steps"][3];
    assert_eq!(copy["line"], 4);
    assert_eq!(copy["rebuilt"], 3);
    assert_eq!(copy["hit_rate"], 0.0);
    assert!(
        cache["steps"][4]["bytes_rebuilt"].is_null(),
        "a RUN without an image has no size"
    );
    assert_eq!(cache["bytes_partial"], true);
    assert!(cache["proposal"].is_null(), "nothing to reorder here");

    let md = ballast()
        .args([
            "dockerfile",
            "Dockerfile",
            "--commits",
            "3",
            "--markdown",
            "-",
        ])
        .current_dir(r.dir.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let md = String::from_utf8(md).expect("utf-8");
    assert!(md.contains("## Dockerfile lint"), "{md}");
    assert!(md.contains("## Build cache"), "{md}");
    assert!(md.contains("| 4 | `COPY . .` | 0% | 3 |"), "{md}");
}

#[test]
fn dockerfile_command_without_git_lints_only_and_bad_syntax_exits_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM alpine:3.20\nRUN true\n",
    )
    .expect("write");
    let out = ballast()
        .args(["dockerfile", "Dockerfile", "--json", "-"])
        .current_dir(dir.path())
        .assert()
        .success()
        .get_output()
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(v["cache"].is_null());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no cache simulation"));
    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM alpine\nCOPY --bogus=1 a b\n",
    )
    .expect("write");
    ballast()
        .args(["dockerfile", "Dockerfile"])
        .current_dir(dir.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("Dockerfile:2:"));
}

/// With `--image`, a rebuilt RUN's bytes are its layer's size in the image.
#[test]
fn dockerfile_command_sizes_run_steps_from_the_image() {
    if !engine_ready(
        "dockerfile_command_sizes_run_steps_from_the_image",
        "docker",
    ) {
        return;
    }
    let _engine = engine_lock();
    let r = small_repo();
    let tag = format!("ballast-cache-test-{}:sized", std::process::id());
    let images = Images(vec![tag.clone()]);
    run(Command::new("docker")
        .env("DOCKER_BUILDKIT", "0")
        .args(["build", "-q", "--force-rm", "--network", "none", "-t", &tag])
        .arg(r.dir.path()));
    let out = ballast()
        .args([
            "dockerfile",
            "Dockerfile",
            "--commits",
            "3",
            "--json",
            "-",
            "--image",
            &tag,
        ])
        .current_dir(r.dir.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).expect("JSON");
    let run_step = &v["cache"]["steps"][4];
    assert_eq!(run_step["rebuilt"], 3);
    // busybox cp of one 1-byte file: the layer holds /built and /built/a.txt.
    let bytes = run_step["bytes_rebuilt"]
        .as_u64()
        .expect("sized from the image");
    assert!(bytes > 0 && bytes.is_multiple_of(3), "{bytes}");
    assert_eq!(v["cache"]["bytes_partial"], false);
    drop(images);
}
