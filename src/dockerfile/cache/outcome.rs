//! The cache report's data: the Dockerfile and its proposed reordering
//! simulated over the same history window, step by step and build by build.
//! Rendering it is the report's job (see report/dockerfile).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::super::ast::Dockerfile;
use super::super::history::{DOCKERIGNORE, History};
use super::super::ignore::Ignore;
use super::super::proposal::{propose, unified_diff};
use super::{CacheModel, Plan, Simulation, simulate};
use crate::error::{Error, Result};

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

    let proposal = proposal_report(df, text, &history, opts.model, &plan, &sim, layer_bytes)
        .unwrap_or_else(|note| {
            notes.push(note);
            None
        });
    notes.extend(window_notes(df, context, &history, &ignore_file));
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

/// The proposed reordering simulated over the same window, `None` when
/// there is nothing to propose; the error is the note saying why the
/// proposal was left out.
fn proposal_report(
    df: &Dockerfile,
    text: &str,
    history: &History,
    model: CacheModel,
    plan: &Plan,
    sim: &Simulation,
    layer_bytes: &[Option<u64>],
) -> std::result::Result<Option<ProposalReport>, String> {
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
    let Some(p) = propose(df, text, &files, &ignore) else {
        return Ok(None);
    };
    let pdf = Dockerfile::parse_within(&p.text, &df.path, &df.limits)
        .map_err(|e| format!("the proposed reordering does not parse ({e}); left out"))?;
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
    let psim = simulate(&pplan, history, model, &pbytes);
    let runs = run_changes(plan, sim, &pplan, &psim);
    Ok(Some(ProposalReport {
        runs,
        diff: unified_diff(text, &p.text, &name),
        changes: p.changes,
        dockerfile: p.text,
        result: outcome(&pplan, &psim),
    }))
}

/// What the reader should know about the window: a single commit, edits to
/// the Dockerfile inside it, the Dockerfile's own ignore file.
fn window_notes(
    df: &Dockerfile,
    context: &Path,
    history: &History,
    ignore_file: &str,
) -> Vec<String> {
    let mut notes = Vec::new();
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
            .map(|c| short_commit(&c.id))
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
    notes
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

/// A commit id cut to the ten characters reports show.
pub(crate) fn short_commit(id: &str) -> &str {
    id.get(..10).unwrap_or(id)
}
