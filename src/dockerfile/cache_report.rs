//! The cache report: simulate a Dockerfile and its proposed reordering over
//! the context's history, and render the result as text, JSON or markdown.

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::ast::Dockerfile;
use super::cache::{CacheModel, Plan, Simulation, simulate};
use super::history::{DOCKERIGNORE, History};
use super::ignore::Ignore;
use super::image::Mapped;
use super::proposal::{propose, unified_diff};
use crate::error::{Error, Result};
use crate::report::bytes;

/// What to simulate.
#[derive(Debug, Clone)]
pub struct CacheOptions {
    /// Builds to count; one more commit, when there is one, warms the cache.
    pub commits: usize,
    /// The newest commit (`HEAD`).
    pub rev: String,
    pub model: CacheModel,
}

impl Default for CacheOptions {
    fn default() -> Self {
        CacheOptions {
            commits: 100,
            rev: "HEAD".into(),
            model: CacheModel::Previous,
        }
    }
}

/// The cache report (the `cache` object of `ballast dockerfile --json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CacheReport {
    pub model: CacheModel,
    /// Commits read: the oldest warms the cache, the others are `builds`.
    pub commits: usize,
    pub builds: usize,
    pub first_commit: String,
    pub last_commit: String,
    #[serde(flatten)]
    pub result: Outcome,
    /// `null` when the order is already cache-friendly (or cannot be fixed
    /// by moving manifests).
    pub proposal: Option<ProposalReport>,
    pub notes: Vec<String>,
}

/// One Dockerfile's outcome over the window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    /// Hits over all (build, layer step) pairs, `FROM` left out.
    pub hit_rate: f64,
    pub steps_rebuilt: usize,
    /// Known bytes rebuilt; `bytes_partial` says some rebuilt step's size
    /// is unknown (a `RUN` with no image to measure).
    pub bytes_rebuilt: u64,
    pub bytes_partial: bool,
    pub steps: Vec<StepReport>,
    pub per_build: Vec<BuildReport>,
}

/// One instruction's line in the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepReport {
    pub stage: usize,
    pub line: usize,
    pub instruction: String,
    pub hits: usize,
    /// Builds that rebuilt it.
    pub rebuilt: usize,
    pub hit_rate: f64,
    pub bytes_rebuilt: Option<u64>,
    /// The final stage needs this stage; BuildKit builds no other, so the
    /// totals leave the others out.
    pub needed: bool,
}

/// A `RUN` before and after the reordering.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunChange {
    /// The proposal's instruction.
    pub instruction: String,
    /// Its line in the original and in the proposal.
    pub line_before: usize,
    pub line_after: usize,
    pub rebuilt_before: usize,
    pub rebuilt_after: usize,
}

/// One build in the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BuildReport {
    pub commit: String,
    pub subject: String,
    /// The line of the first instruction that missed, if any did.
    pub first_miss_line: Option<usize>,
    pub steps_rebuilt: usize,
    pub bytes_rebuilt: u64,
}

/// The proposed reordering and its simulated outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProposalReport {
    pub changes: Vec<String>,
    /// Each `RUN` of the proposal against the original `RUN` it came from
    /// (whole, or the part split off at `&&`): how often each rebuilt.
    pub runs: Vec<RunChange>,
    pub diff: String,
    pub dockerfile: String,
    #[serde(flatten)]
    pub result: Outcome,
}

/// Simulate `df` (read from `text`) over the history of `context`, then the
/// proposed reordering. `layer_bytes[i]`, when an image is known, is the size
/// of the layer of step `i` of [`Plan::from_dockerfile`].
pub fn cache_report(
    df: &Dockerfile,
    text: &str,
    context: &Path,
    opts: &CacheOptions,
    layer_bytes: &[Option<u64>],
) -> Result<CacheReport> {
    let ignore_file = own_ignore_file(&df.path, context).unwrap_or_else(|| DOCKERIGNORE.into());
    let history = History::read_with_ignore(
        context,
        &opts.rev,
        opts.commits.saturating_add(1),
        &ignore_file,
    )?;
    let plan = Plan::from_dockerfile(df);
    let sim = simulate(&plan, &history, opts.model, layer_bytes);
    let mut notes = sim.notes.clone();
    let result = outcome(&plan, &sim);

    let end = history.files_at_end();
    let mut files: Vec<String> = end.keys().cloned().collect();
    files.sort();
    let ignore = match end
        .get(&history.ignore_file)
        .and_then(|e| history.ignore_text(&e.blob))
    {
        Some(text) => Ignore::parse(text).unwrap_or_default(),
        None => Ignore::default(),
    };
    let name = df
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "Dockerfile".into());
    let proposal = match propose(df, text, &files, &ignore) {
        None => None,
        Some(p) => match Dockerfile::parse(&p.text, &df.path) {
            Ok(pdf) => {
                let pplan = Plan::from_dockerfile(&pdf);
                // A moved RUN keeps its layer's size; match steps by their key.
                let sizes: HashMap<(&str, &str), u64> = plan
                    .steps
                    .iter()
                    .zip(layer_bytes)
                    .filter_map(|(s, b)| Some(((s.keyword.as_str(), s.key.as_str()), (*b)?)))
                    .collect();
                let pbytes: Vec<Option<u64>> = pplan
                    .steps
                    .iter()
                    .map(|s| sizes.get(&(s.keyword.as_str(), s.key.as_str())).copied())
                    .collect();
                let psim = simulate(&pplan, &history, opts.model, &pbytes);
                let runs = run_changes(&plan, &sim, &pplan, &psim);
                Some(ProposalReport {
                    runs,
                    diff: unified_diff(text, &p.text, &name),
                    changes: p.changes,
                    dockerfile: p.text,
                    result: outcome(&pplan, &psim),
                })
            }
            Err(e) => {
                notes.push(format!(
                    "the proposed reordering does not parse ({e}); left out"
                ));
                None
            }
        },
    };
    if history.commits.len() == 1 {
        notes.push(
            "the history has a single commit, so there is no build to count \
             (a shallow clone? fetch more history, e.g. `git fetch --deepen 100`)"
                .into(),
        );
    }
    if let Some(rel) = relative_to(&df.path, context) {
        let edits: Vec<&str> = history
            .commits
            .iter()
            .skip(1)
            .filter(|c| c.changes.iter().any(|ch| ch.path == rel))
            .map(|c| short(&c.id))
            .collect();
        if let Some(first) = edits.first() {
            notes.push(format!(
                "the Dockerfile changed in {} of the builds (first {first}); the simulation \
                 replays today's Dockerfile over every commit, not those edits",
                edits.len()
            ));
        }
    }
    if ignore_file != DOCKERIGNORE {
        notes.push(format!(
            "ignore rules read from '{ignore_file}' (the Dockerfile's own)"
        ));
    }
    let (first, last) = match (history.commits.first(), history.commits.last()) {
        (Some(f), Some(l)) => (f.id.clone(), l.id.clone()),
        _ => return Err(Error::Usage("the history window is empty".into())),
    };
    Ok(CacheReport {
        model: opts.model,
        commits: history.commits.len(),
        builds: sim.builds.len(),
        first_commit: first,
        last_commit: last,
        result,
        proposal,
        notes,
    })
}

/// Per step of `plan`, the size of the layer it made in the image, from the
/// instructions [`super::image::map_history`] matched to the image's history
/// (final-stage instructions only; the others stay unknown).
pub fn layer_sizes(plan: &Plan, mapped: &[Mapped]) -> Vec<Option<u64>> {
    plan.steps
        .iter()
        .map(|s| {
            mapped
                .iter()
                .find(|m| m.stage == s.stage && m.line == s.line)
                .and_then(|m| m.size_bytes)
        })
        .collect()
}

/// Pair each `RUN` of the proposal with the original `RUN` it was (or was
/// split from, at `&&`).
fn run_changes(plan: &Plan, sim: &Simulation, pplan: &Plan, psim: &Simulation) -> Vec<RunChange> {
    let runs = |p: &Plan| -> Vec<usize> {
        (0..p.steps.len())
            .filter(|&i| p.steps[i].keyword == "RUN")
            .collect()
    };
    let originals = runs(plan);
    let mut out = Vec::new();
    for j in runs(pplan) {
        let after = &pplan.steps[j];
        let body = after.instruction.trim_start_matches("RUN ").to_string();
        let from = originals.iter().copied().find(|&i| {
            let before = &plan.steps[i];
            before.stage == after.stage
                && (before.instruction == after.instruction
                    || before
                        .instruction
                        .starts_with(&format!("{} && ", after.instruction))
                    || before.instruction.ends_with(&format!(" && {body}")))
        });
        if let Some(i) = from {
            out.push(RunChange {
                instruction: after.instruction.clone(),
                line_before: plan.steps[i].line,
                line_after: after.line,
                rebuilt_before: sim.steps[i].rebuilt,
                rebuilt_after: psim.steps[j].rebuilt,
            });
        }
    }
    out
}

/// BuildKit's `<Dockerfile>.dockerignore`, when it exists inside the context:
/// its path relative to the context.
fn own_ignore_file(dockerfile: &Path, context: &Path) -> Option<String> {
    let mut own = dockerfile.as_os_str().to_owned();
    own.push(".dockerignore");
    relative_to(Path::new(&own), context)
}

/// `path` relative to `context`, `/`-separated, when it exists inside it.
fn relative_to(path: &Path, context: &Path) -> Option<String> {
    let path: PathBuf = std::fs::canonicalize(path).ok()?;
    let context = std::fs::canonicalize(context).ok()?;
    let rel = path.strip_prefix(&context).ok()?;
    Some(rel.to_string_lossy().replace('\\', "/"))
}

fn outcome(plan: &Plan, sim: &Simulation) -> Outcome {
    let steps = plan
        .steps
        .iter()
        .zip(&sim.steps)
        .map(|(s, r)| StepReport {
            stage: s.stage,
            line: s.line,
            instruction: s.instruction.clone(),
            hits: r.hits,
            rebuilt: r.rebuilt,
            hit_rate: r.hit_rate,
            bytes_rebuilt: r.bytes_rebuilt,
            needed: s.needed,
        })
        .collect();
    let per_build = sim
        .builds
        .iter()
        .map(|b| BuildReport {
            commit: b.commit.clone(),
            subject: b.subject.clone(),
            first_miss_line: b.hit.iter().position(|h| !h).map(|i| plan.steps[i].line),
            steps_rebuilt: b.steps_rebuilt,
            bytes_rebuilt: b.bytes_rebuilt,
        })
        .collect();
    Outcome {
        hit_rate: sim.hit_rate(plan),
        steps_rebuilt: sim.steps_rebuilt(),
        bytes_rebuilt: sim.bytes_rebuilt(),
        bytes_partial: sim.bytes_partial(plan),
        steps,
        per_build,
    }
}

fn percent(r: f64) -> String {
    format!("{:.0}%", r * 100.0)
}

fn rebuilt_bytes(o: &Outcome) -> String {
    if o.bytes_partial {
        format!("{} + unmeasured RUN output", bytes(o.bytes_rebuilt))
    } else {
        bytes(o.bytes_rebuilt)
    }
}

fn short(id: &str) -> &str {
    id.get(..10).unwrap_or(id)
}

fn model_text(m: CacheModel) -> &'static str {
    match m {
        CacheModel::Previous => "the previous commit's build",
        CacheModel::All => "every earlier build",
    }
}

/// Plain-text rendering (the default output).
pub fn write_text(r: &CacheReport, w: &mut dyn Write) -> io::Result<()> {
    writeln!(
        w,
        "Build cache over {} builds ({}..{}), the cache holding {}:",
        r.builds,
        short(&r.first_commit),
        short(&r.last_commit),
        model_text(r.model)
    )?;
    write_steps(&r.result, w)?;
    if let Some(p) = &r.proposal {
        writeln!(w, "\nProposed order:")?;
        for c in &p.changes {
            writeln!(w, "  {c}")?;
        }
        writeln!(w)?;
        w.write_all(p.diff.as_bytes())?;
        writeln!(w, "\nThe proposal over the same commits:")?;
        write_steps(&p.result, w)?;
        if !p.runs.is_empty() {
            writeln!(
                w,
                "\nRUN steps, builds that rebuilt them (of {}):",
                r.builds
            )?;
            for c in &p.runs {
                writeln!(
                    w,
                    "  {:<52} {:>5} -> {}",
                    clip(&c.instruction, 52),
                    c.rebuilt_before,
                    c.rebuilt_after
                )?;
            }
        }
        writeln!(
            w,
            "\nChange: hit rate {} -> {}, steps rebuilt {} -> {}, bytes rebuilt {} -> {}",
            percent(r.result.hit_rate),
            percent(p.result.hit_rate),
            r.result.steps_rebuilt,
            p.result.steps_rebuilt,
            rebuilt_bytes(&r.result),
            rebuilt_bytes(&p.result)
        )?;
    } else {
        writeln!(w, "\nNo reordering to propose.")?;
    }
    for n in &r.notes {
        writeln!(w, "note: {n}")?;
    }
    Ok(())
}

fn write_steps(o: &Outcome, w: &mut dyn Write) -> io::Result<()> {
    writeln!(
        w,
        "  {:>5}  {:<48} {:>8} {:>8} {:>14}",
        "line", "instruction", "hit rate", "rebuilt", "bytes rebuilt"
    )?;
    for s in &o.steps {
        let b = s.bytes_rebuilt.map(bytes).unwrap_or_else(|| "?".into());
        let text = if s.needed {
            s.instruction.clone()
        } else {
            format!("(unneeded stage) {}", s.instruction)
        };
        writeln!(
            w,
            "  {:>5}  {:<48} {:>8} {:>8} {:>14}",
            s.line,
            clip(&text, 48),
            percent(s.hit_rate),
            s.rebuilt,
            b
        )?;
    }
    writeln!(
        w,
        "  overall: {} of steps from the cache; {} steps rebuilt, {}",
        percent(o.hit_rate),
        o.steps_rebuilt,
        rebuilt_bytes(o)
    )
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut c: String = s.chars().take(n - 1).collect();
        c.push('…');
        c
    }
}

/// GitHub-flavoured markdown rendering.
pub fn write_markdown(r: &CacheReport, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "## Build cache\n")?;
    writeln!(
        w,
        "{} builds (`{}`..`{}`), the cache holding {}.\n",
        r.builds,
        short(&r.first_commit),
        short(&r.last_commit),
        model_text(r.model)
    )?;
    markdown_steps(&r.result, w)?;
    if let Some(p) = &r.proposal {
        writeln!(w, "\n### Proposed order\n")?;
        for c in &p.changes {
            writeln!(w, "- {c}")?;
        }
        writeln!(w, "\n```diff\n{}```\n", p.diff)?;
        writeln!(w, "| | now | proposed |\n|---|---:|---:|")?;
        writeln!(
            w,
            "| hit rate | {} | {} |",
            percent(r.result.hit_rate),
            percent(p.result.hit_rate)
        )?;
        writeln!(
            w,
            "| steps rebuilt | {} | {} |",
            r.result.steps_rebuilt, p.result.steps_rebuilt
        )?;
        writeln!(
            w,
            "| bytes rebuilt | {} | {} |",
            rebuilt_bytes(&r.result),
            rebuilt_bytes(&p.result)
        )?;
        for c in &p.runs {
            writeln!(
                w,
                "| `{}` rebuilt | {} | {} |",
                clip(&c.instruction, 60)
                    .replace('|', "\\|")
                    .replace('`', "'"),
                c.rebuilt_before,
                c.rebuilt_after
            )?;
        }
    }
    for n in &r.notes {
        writeln!(w, "\n> note: {n}")?;
    }
    Ok(())
}

fn markdown_steps(o: &Outcome, w: &mut dyn Write) -> io::Result<()> {
    writeln!(
        w,
        "| line | instruction | hit rate | rebuilt | bytes rebuilt |\n|---:|---|---:|---:|---:|"
    )?;
    for s in &o.steps {
        let b = s.bytes_rebuilt.map(bytes).unwrap_or_else(|| "?".into());
        writeln!(
            w,
            "| {} | `{}` | {} | {} | {} |",
            s.line,
            clip(&s.instruction, 60)
                .replace('|', "\\|")
                .replace('`', "'"),
            percent(s.hit_rate),
            s.rebuilt,
            b
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::history::tests::TestRepo;
    use super::*;

    #[test]
    fn the_proposal_rebuilds_less_on_source_edits() {
        let r = TestRepo::new();
        let text = "FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\nCMD [\"node\", \"app.js\"]\n";
        r.write("Dockerfile", text);
        r.write("package.json", "{}");
        r.write("package-lock.json", "{}");
        r.write("app.js", "0");
        r.commit("seed");
        for i in 1..=4 {
            r.write("app.js", &i.to_string());
            r.commit(&format!("edit {i}"));
        }
        r.write("package-lock.json", "{\"v\":2}");
        r.commit("lock");
        let df = Dockerfile::parse(text, r.dir.path().join("Dockerfile")).expect("parses");
        let rep =
            cache_report(&df, text, r.dir.path(), &CacheOptions::default(), &[]).expect("report");
        assert_eq!((rep.commits, rep.builds), (6, 5));
        let copy = &rep.result.steps[2];
        assert_eq!((copy.line, copy.rebuilt), (3, 5));
        let p = rep.proposal.as_ref().expect("a proposal");
        assert!(
            p.diff.contains("+COPY package-lock.json package.json ./"),
            "{}",
            p.diff
        );
        // The install now rebuilds only when the lockfile changes.
        let install = p
            .result
            .steps
            .iter()
            .find(|s| s.instruction == "RUN npm ci")
            .expect("the install step");
        assert_eq!(install.rebuilt, 1);
        assert!(p.result.hit_rate > rep.result.hit_rate);
        assert_eq!(
            rep.result.steps[3].rebuilt, 5,
            "the original reinstalls every time"
        );

        let mut text_out = Vec::new();
        write_text(&rep, &mut text_out).expect("text");
        let text_out = String::from_utf8(text_out).expect("utf-8");
        assert!(text_out.contains("Build cache over 5 builds"), "{text_out}");
        assert!(text_out.contains("Change: hit rate"), "{text_out}");
        let mut md = Vec::new();
        write_markdown(&rep, &mut md).expect("markdown");
        assert!(String::from_utf8(md).expect("utf-8").contains("```diff"));
        let json = serde_json::to_value(&rep).expect("json");
        assert_eq!(json["builds"], 5);
        assert_eq!(json["steps"][2]["rebuilt"], 5);
        assert!(json["proposal"]["hit_rate"].as_f64() > json["hit_rate"].as_f64());
    }

    /// BuildKit reads `<Dockerfile>.dockerignore` before `.dockerignore`.
    #[test]
    fn the_dockerfiles_own_ignore_file_wins() {
        let r = TestRepo::new();
        let text = "FROM scratch\nCOPY . /app\n";
        r.write("build/app.Dockerfile", text);
        r.write("build/app.Dockerfile.dockerignore", "notes.txt\n.git\n");
        r.write(".dockerignore", "");
        r.write("notes.txt", "1");
        r.commit("seed");
        r.write("notes.txt", "2");
        r.commit("notes only");
        let path = r.dir.path().join("build/app.Dockerfile");
        let df = Dockerfile::parse(text, &path).expect("parses");
        let rep =
            cache_report(&df, text, r.dir.path(), &CacheOptions::default(), &[]).expect("report");
        assert_eq!(rep.result.steps[1].rebuilt, 0, "{:?}", rep.notes);
        assert!(
            rep.notes
                .iter()
                .any(|n| n.contains("app.Dockerfile.dockerignore"))
        );
    }

    #[test]
    fn dockerfile_edits_in_the_window_are_noted() {
        let r = TestRepo::new();
        let text = "FROM scratch\nCOPY a /a\n";
        r.write("Dockerfile", "FROM scratch\n");
        r.write("a", "1");
        r.commit("seed");
        r.write("Dockerfile", text);
        r.commit("add a COPY");
        let df = Dockerfile::parse(text, r.dir.path().join("Dockerfile")).expect("parses");
        let rep =
            cache_report(&df, text, r.dir.path(), &CacheOptions::default(), &[]).expect("report");
        assert!(
            rep.notes
                .iter()
                .any(|n| n.contains("changed in 1 of the builds")),
            "{:?}",
            rep.notes
        );
    }

    #[test]
    fn a_single_commit_says_why_nothing_was_counted() {
        let r = TestRepo::new();
        let text = "FROM scratch\nCOPY . /app\n";
        r.write("Dockerfile", text);
        r.commit("only");
        let df = Dockerfile::parse(text, r.dir.path().join("Dockerfile")).expect("parses");
        let rep =
            cache_report(&df, text, r.dir.path(), &CacheOptions::default(), &[]).expect("report");
        assert_eq!(rep.builds, 0);
        assert!(rep.notes.iter().any(|n| n.contains("shallow clone")));
    }
}
