//! Build-cache simulation: replay the context's git history through a
//! Dockerfile's cache keys and count what each commit would rebuild.
//!
//! Both builders decide a step's cache hit the same way for the cases this
//! models (moby's legacy builder: parent image + command, and for `COPY`/`ADD`
//! a hash of the copied files' headers and content; BuildKit: the op's
//! definition chained to its inputs' keys, and for context files a content
//! checksum of what the sources select):
//!
//! - a step's key chains its parent's key with its own text, so everything
//!   below a miss misses;
//! - `COPY`/`ADD` (and `RUN --mount=type=bind` from the context) add the
//!   path, mode and content of every file the sources select once
//!   `.dockerignore` has been applied; modification times and ownership on the
//!   host are not part of the key, so a fresh checkout alone never misses;
//! - `COPY --from=stage` and `FROM stage` add that stage's final key: a stage
//!   that rebuilt is assumed to produce different bytes (builds are rarely
//!   reproducible byte for byte);
//! - `COPY --link` keys the copy without its parent (BuildKit), though the
//!   steps after it still see the new parent;
//! - `FROM image` is assumed unchanged across the window (no pull);
//! - a `.git` directory in the context (the context is the repository's top
//!   level) differs at every commit, so a `COPY` that takes it in misses
//!   every time, as it does on a real checkout.
//!
//! The cache holds the previous commit's build (`CacheModel::Previous`: a CI
//! runner with `--cache-from` the last image), or every earlier build of the
//! window (`CacheModel::All`: a long-lived local builder). The oldest commit
//! of the window only warms the cache; the later ones are the builds counted.
//! The Dockerfile given is replayed over every commit's context: the report
//! rates this Dockerfile against the team's real pattern of changes.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use xxhash_rust::xxh3::Xxh3Default;

use super::ast::{Dockerfile, Instruction, Kind};
use super::history::{FileEntry, GIT_DIR_PROBE, History, ObjectId};
use super::ignore::Ignore;

/// A Dockerfile flattened into the steps the builder keys.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub steps: Vec<Step>,
}

/// One instruction as the cache sees it.
#[derive(Debug, Clone)]
pub struct Step {
    /// 0-based stage.
    pub stage: usize,
    /// 0-based position in its stage, the `FROM` being 0.
    pub index_in_stage: usize,
    /// 1-based line in the Dockerfile.
    pub line: usize,
    /// Upper-case keyword (`COPY`).
    pub keyword: String,
    /// The instruction on one line, for reports.
    pub instruction: String,
    /// The text the builder keys on (flags and arguments, variables expanded).
    pub key: String,
    /// The context files the step reads (`COPY`/`ADD` sources, bind mounts).
    pub context: Option<Ignore>,
    /// A stage whose result the step reads (`FROM stage`, `COPY --from`).
    pub reads_stage: Option<usize>,
    /// `COPY --link`: keyed without its parent.
    pub link: bool,
    /// Produces a layer (or BuildKit vertex): `FROM`, `RUN`, `COPY`, `ADD`,
    /// `WORKDIR`. The others only change the image config.
    pub layer: bool,
    /// The final stage needs this step's stage. BuildKit (the default
    /// builder) never builds the others, so totals leave them out; the legacy
    /// builder builds every stage.
    pub needed: bool,
}

impl Plan {
    /// The steps of a parsed Dockerfile, stage by stage, with variables
    /// expanded as the builder expands them (no `--build-arg` given).
    pub fn from_dockerfile(df: &Dockerfile) -> Plan {
        let none = HashMap::new();
        let globals = df.global_scope(&none);
        let mut steps = Vec::new();
        for stage in &df.stages {
            let base = globals
                .expand(&stage.base)
                .unwrap_or_else(|_| stage.base.clone());
            let platform = stage.platform.as_deref().unwrap_or("");
            steps.push(Step {
                stage: stage.index,
                index_in_stage: 0,
                line: stage.from.line,
                keyword: "FROM".into(),
                instruction: one_line(&stage.from),
                key: format!("{base} {platform}"),
                context: None,
                reads_stage: df.stage_named(&base, stage.index).map(|s| s.index),
                link: false,
                layer: true,
                needed: true,
            });
            for (i, ins) in stage.instructions.iter().enumerate() {
                let scope = df.scope_at(stage.index, i, &none);
                let expand = |w: &str| scope.expand(w).unwrap_or_else(|_| w.to_string());
                let mut step = Step {
                    stage: stage.index,
                    index_in_stage: i + 1,
                    line: ins.line,
                    keyword: ins.kind.as_str().into(),
                    instruction: one_line(ins),
                    key: key_text(ins),
                    context: None,
                    reads_stage: None,
                    link: false,
                    layer: matches!(ins.kind, Kind::Run | Kind::Copy | Kind::Add | Kind::Workdir),
                    needed: true,
                };
                match ins.kind {
                    Kind::Copy | Kind::Add => {
                        step.link = ins.flag_on("link");
                        let from = ins.flag("from").map(&expand);
                        match from {
                            Some(from) => {
                                step.reads_stage =
                                    df.stage_named(&from, stage.index).map(|s| s.index);
                            }
                            None => {
                                let sources: Vec<String> = ins
                                    .copy_paths()
                                    .map(|(src, _)| src)
                                    .unwrap_or_default()
                                    .iter()
                                    .filter(|s| !s.starts_with("<<") && !is_remote(s))
                                    .map(|s| expand(s))
                                    .collect();
                                if !sources.is_empty() {
                                    step.context = Ignore::sources(&sources).ok();
                                }
                            }
                        }
                    }
                    Kind::Run => {
                        // Scope matters to a RUN: its environment is part of the key.
                        for (k, v) in scope.env() {
                            step.key.push_str(&format!("\0env {k}={v}"));
                        }
                        for (k, v) in scope.args() {
                            let v = v.as_deref().unwrap_or("");
                            step.key.push_str(&format!("\0arg {k}={v}"));
                        }
                        let mut bound = Vec::new();
                        for m in ins.mounts().iter().filter(|m| m.kind == "bind") {
                            match &m.from {
                                Some(from) => {
                                    step.reads_stage =
                                        df.stage_named(&expand(from), stage.index).map(|s| s.index);
                                }
                                None => bound.push(expand(m.source.as_deref().unwrap_or("."))),
                            }
                        }
                        if !bound.is_empty() {
                            step.context = Ignore::sources(&bound).ok();
                        }
                    }
                    _ => {}
                }
                steps.push(step);
            }
        }
        mark_needed(&mut steps);
        Plan { steps }
    }
}

/// Mark the stages the last stage needs, through `FROM stage`, `COPY --from`
/// and `RUN --mount=from=`; a stage only reads earlier ones, so one pass from
/// the end suffices.
fn mark_needed(steps: &mut [Step]) {
    let stages = steps.iter().map(|s| s.stage + 1).max().unwrap_or(0);
    let mut needed = vec![false; stages];
    if let Some(last) = needed.last_mut() {
        *last = true;
    }
    for stage in (0..stages).rev() {
        if !needed[stage] {
            continue;
        }
        for s in steps.iter().filter(|s| s.stage == stage) {
            if let Some(dep) = s.reads_stage.filter(|d| *d < stages) {
                needed[dep] = true;
            }
        }
    }
    for s in steps.iter_mut() {
        s.needed = needed[s.stage];
    }
}

/// The instruction on one line (continuations and runs of blanks collapsed).
fn one_line(ins: &Instruction) -> String {
    let first = ins.text.lines().next().unwrap_or_default();
    let text = if ins.heredocs.is_empty() {
        ins.text.replace(['\\', '\n', '\r'], " ")
    } else {
        first.to_string()
    };
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What the builder keys an instruction on: its flags, arguments and
/// here-document bodies (not its comments or line breaks).
fn key_text(ins: &Instruction) -> String {
    let mut key = String::new();
    for f in &ins.flags {
        key.push_str(&format!(
            "--{}={} ",
            f.name,
            f.value.as_deref().unwrap_or("")
        ));
    }
    key.push_str(&ins.args_text());
    for h in &ins.heredocs {
        key.push('\0');
        key.push_str(&h.body);
    }
    key
}

/// A remote `ADD` source: fetched, not read from the context.
fn is_remote(source: &str) -> bool {
    ["http://", "https://", "git@", "git://"]
        .iter()
        .any(|p| source.starts_with(p))
}

/// What the builder's cache is assumed to hold when a commit is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum CacheModel {
    /// The previous commit's build only (CI with `--cache-from` the last image).
    #[default]
    Previous,
    /// Every earlier build of the window (a long-lived local builder).
    All,
}

/// The outcome for one step over all builds.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StepResult {
    pub hits: usize,
    /// Builds that rebuilt the step.
    pub rebuilt: usize,
    /// `hits / builds` (1.0 with no builds).
    pub hit_rate: f64,
    /// Bytes those rebuilds produced: the files a `COPY` selects, or the
    /// layer's size when known; `None` when a rebuilt step's size is unknown
    /// (a `RUN` with no image to measure).
    pub bytes_rebuilt: Option<u64>,
}

/// One simulated build.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BuildResult {
    pub commit: String,
    pub subject: String,
    /// Per step: served from the cache.
    pub hit: Vec<bool>,
    pub steps_rebuilt: usize,
    /// Known bytes rebuilt (see [`StepResult::bytes_rebuilt`]).
    pub bytes_rebuilt: u64,
}

/// The simulation of one Dockerfile over one history window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Simulation {
    pub model: CacheModel,
    pub steps: Vec<StepResult>,
    pub builds: Vec<BuildResult>,
    /// Problems met on the way (an invalid `.dockerignore` at some commit).
    pub notes: Vec<String>,
}

impl Simulation {
    /// Steps rebuilt over all builds (stages the final one needs).
    pub fn steps_rebuilt(&self) -> usize {
        self.builds.iter().map(|b| b.steps_rebuilt).sum()
    }

    /// Known bytes rebuilt over all builds.
    pub fn bytes_rebuilt(&self) -> u64 {
        self.builds.iter().map(|b| b.bytes_rebuilt).sum()
    }

    /// Whether some rebuilt step's size is unknown (stages the final one
    /// does not need left out).
    pub fn bytes_partial(&self, plan: &Plan) -> bool {
        self.steps
            .iter()
            .zip(&plan.steps)
            .any(|(r, s)| s.needed && r.bytes_rebuilt.is_none())
    }

    /// Hits over all (build, layer step) pairs; 1.0 with no builds.
    pub fn hit_rate(&self, plan: &Plan) -> f64 {
        let layers: Vec<usize> = (0..plan.steps.len())
            .filter(|&i| plan.steps[i].needed)
            .filter(|&i| plan.steps[i].layer && plan.steps[i].index_in_stage > 0)
            .collect();
        let total = layers.len() * self.builds.len();
        if total == 0 {
            return 1.0;
        }
        let hits: usize = self
            .builds
            .iter()
            .map(|b| layers.iter().filter(|&&i| b.hit[i]).count())
            .sum();
        hits as f64 / total as f64
    }
}

/// Replay `history` through `plan`. `layer_bytes[i]`, when given, is the size
/// of step `i`'s layer in a built image (used for steps that read no context).
pub fn simulate(
    plan: &Plan,
    history: &History,
    model: CacheModel,
    layer_bytes: &[Option<u64>],
) -> Simulation {
    let mut ctx = ContextState::new(plan, history);
    let mut notes = Vec::new();
    let mut cache: HashSet<u128> = HashSet::new();
    let mut steps = vec![StepResult::default(); plan.steps.len()];
    let mut unknown = vec![false; plan.steps.len()];
    let mut builds = Vec::new();
    for (n, commit) in history.commits.iter().enumerate() {
        for change in &commit.changes {
            ctx.apply(&change.path, change.entry);
        }
        if let Some(git) = history.git_dir_entry(&commit.id) {
            ctx.apply(GIT_DIR_PROBE, Some(git));
        }
        if let Some(note) = ctx.refresh_ignore(history) {
            notes.push(format!("commit {}: {note}", short(&commit.id)));
        }
        let keys = ctx.keys();
        if n > 0 {
            let hit: Vec<bool> = keys.iter().map(|k| cache.contains(k)).collect();
            let mut build = BuildResult {
                commit: commit.id.clone(),
                subject: commit.subject.clone(),
                hit,
                steps_rebuilt: 0,
                bytes_rebuilt: 0,
            };
            for (i, step) in plan.steps.iter().enumerate() {
                if build.hit[i] {
                    steps[i].hits += 1;
                    continue;
                }
                steps[i].rebuilt += 1;
                let size = ctx.bytes(i, step, layer_bytes);
                unknown[i] |= size.is_none();
                if step.needed {
                    build.steps_rebuilt += 1;
                    build.bytes_rebuilt += size.unwrap_or(0);
                }
                let known = steps[i].bytes_rebuilt.unwrap_or(0);
                steps[i].bytes_rebuilt = Some(known + size.unwrap_or(0));
            }
            builds.push(build);
        }
        if model == CacheModel::Previous {
            cache.clear();
        }
        cache.extend(keys);
    }
    for (i, s) in steps.iter_mut().enumerate() {
        let total = s.hits + s.rebuilt;
        s.hit_rate = if total == 0 {
            1.0
        } else {
            s.hits as f64 / total as f64
        };
        if unknown[i] {
            s.bytes_rebuilt = None;
        } else if s.bytes_rebuilt.is_none() {
            s.bytes_rebuilt = Some(0);
        }
    }
    Simulation {
        model,
        steps,
        builds,
        notes,
    }
}

fn short(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

/// One file as the context tracks it: its entry and the steps that select it.
struct Tracked {
    entry: FileEntry,
    selected_by: Vec<u32>,
}

/// A multiset hash of the selected files, kept up to date change by change.
#[derive(Debug, Clone, Copy, Default)]
struct Selection {
    sum: u128,
    files: u64,
    bytes: u64,
}

/// The context at the current commit, and what each step selects of it.
struct ContextState<'a> {
    plan: &'a Plan,
    ignore: Ignore,
    ignore_blob: Option<ObjectId>,
    files: HashMap<String, Tracked>,
    selections: Vec<Selection>,
}

impl<'a> ContextState<'a> {
    fn new(plan: &'a Plan, history: &History) -> ContextState<'a> {
        let mut ctx = ContextState {
            plan,
            ignore: Ignore::default(),
            ignore_blob: None,
            files: HashMap::with_capacity(history.base.len()),
            selections: vec![Selection::default(); plan.steps.len()],
        };
        for (path, entry) in &history.base {
            ctx.apply(path, Some(*entry));
        }
        ctx
    }

    /// Which steps select `path` under the current ignore rules.
    fn select(&self, path: &str) -> Vec<u32> {
        if self.ignore.is_excluded(path) {
            return Vec::new();
        }
        self.plan
            .steps
            .iter()
            .enumerate()
            .filter(|(_, s)| s.context.as_ref().is_some_and(|c| c.selects(path)))
            .map(|(i, _)| i as u32)
            .collect()
    }

    fn apply(&mut self, path: &str, entry: Option<FileEntry>) {
        let selected_by = match self.files.remove(path) {
            Some(old) => {
                self.account(path, &old.entry, &old.selected_by, false);
                old.selected_by
            }
            None => self.select(path),
        };
        if let Some(entry) = entry {
            self.account(path, &entry, &selected_by, true);
            self.files
                .insert(path.to_string(), Tracked { entry, selected_by });
        }
    }

    fn account(&mut self, path: &str, entry: &FileEntry, steps: &[u32], add: bool) {
        if steps.is_empty() {
            return;
        }
        let h = file_hash(path, entry);
        for &i in steps {
            let s = &mut self.selections[i as usize];
            if add {
                s.sum = s.sum.wrapping_add(h);
                s.files += 1;
                s.bytes += entry.size;
            } else {
                s.sum = s.sum.wrapping_sub(h);
                s.files -= 1;
                s.bytes -= entry.size;
            }
        }
    }

    /// After a commit's changes: when `.dockerignore` changed, re-read it and
    /// recompute every selection. Returns a note when it does not parse.
    fn refresh_ignore(&mut self, history: &History) -> Option<String> {
        let blob = self.files.get(&history.ignore_file).map(|t| t.entry.blob);
        if blob == self.ignore_blob {
            return None;
        }
        self.ignore_blob = blob;
        let text = blob.and_then(|b| history.ignore_text(&b)).unwrap_or("");
        let (ignore, note) = match Ignore::parse(text) {
            Ok(i) => (i, None),
            Err(e) => (
                Ignore::default(),
                Some(format!(
                    "{} {e}; the builder would refuse it, simulated as empty",
                    history.ignore_file
                )),
            ),
        };
        self.ignore = ignore;
        self.selections = vec![Selection::default(); self.plan.steps.len()];
        let paths: Vec<String> = self.files.keys().cloned().collect();
        for path in paths {
            let selected_by = self.select(&path);
            if let Some(t) = self.files.get(&path) {
                let entry = t.entry;
                self.account(&path, &entry, &selected_by, true);
            }
            if let Some(t) = self.files.get_mut(&path) {
                t.selected_by = selected_by;
            }
        }
        note
    }

    /// Every step's cache key for the current context.
    fn keys(&self) -> Vec<u128> {
        let steps = &self.plan.steps;
        let stages = steps.iter().map(|s| s.stage + 1).max().unwrap_or(0);
        let mut stage_final = vec![0u128; stages];
        let mut keys = Vec::with_capacity(steps.len());
        let mut parent = 0u128;
        for (i, step) in steps.iter().enumerate() {
            if step.index_in_stage == 0 {
                parent = 0;
            }
            let mut own = Xxh3Default::new();
            own.update(step.keyword.as_bytes());
            own.update(&[0]);
            own.update(step.key.as_bytes());
            if step.context.is_some() {
                let s = self.selections[i];
                own.update(&s.sum.to_le_bytes());
                own.update(&s.files.to_le_bytes());
            }
            if let Some(dep) = step.reads_stage {
                own.update(&stage_final.get(dep).copied().unwrap_or(0).to_le_bytes());
            }
            let own = own.digest128();
            let chained = chain(parent, own);
            keys.push(if step.link { chain(0, own) } else { chained });
            parent = chained;
            if let Some(f) = stage_final.get_mut(step.stage) {
                *f = chained;
            }
        }
        keys
    }

    /// The bytes step `i` produces at the current commit, when known.
    fn bytes(&self, i: usize, step: &Step, layer_bytes: &[Option<u64>]) -> Option<u64> {
        if step.context.is_some() {
            return Some(self.selections[i].bytes);
        }
        if let Some(b) = layer_bytes.get(i).copied().flatten() {
            return Some(b);
        }
        if !step.layer || step.keyword == "FROM" {
            return Some(0);
        }
        None
    }
}

fn chain(parent: u128, own: u128) -> u128 {
    let mut h = Xxh3Default::new();
    h.update(&parent.to_le_bytes());
    h.update(&own.to_le_bytes());
    h.digest128()
}

/// A file's contribution to a selection: path, mode and content id.
fn file_hash(path: &str, entry: &FileEntry) -> u128 {
    let mut h = Xxh3Default::new();
    h.update(path.as_bytes());
    h.update(&[0]);
    h.update(&entry.mode.to_le_bytes());
    h.update(entry.blob.as_bytes());
    h.digest128()
}

#[cfg(test)]
mod tests {
    use super::super::history::tests::TestRepo;
    use super::*;

    fn step(stage: usize, idx: usize, keyword: &str, key: &str) -> Step {
        Step {
            stage,
            index_in_stage: idx,
            line: idx + 1,
            keyword: keyword.to_string(),
            instruction: format!("{keyword} {key}"),
            key: key.to_string(),
            context: None,
            reads_stage: None,
            link: false,
            layer: matches!(keyword, "FROM" | "RUN" | "COPY" | "ADD" | "WORKDIR"),
            needed: true,
        }
    }

    fn copy(stage: usize, idx: usize, sources: &[&str]) -> Step {
        let mut s = step(stage, idx, "COPY", &format!("{} /app/", sources.join(" ")));
        s.context = Some(Ignore::sources(sources).expect("sources"));
        s
    }

    /// The classic shape: manifests, install, then the source.
    fn node_plan() -> Plan {
        Plan {
            steps: vec![
                step(0, 0, "FROM", "node:22"),
                copy(0, 1, &["package.json", "package-lock.json"]),
                step(0, 2, "RUN", "npm ci"),
                copy(0, 3, &["."]),
                step(0, 4, "CMD", "node app.js"),
            ],
        }
    }

    fn hits(sim: &Simulation) -> Vec<String> {
        sim.builds
            .iter()
            .map(|b| b.hit.iter().map(|h| if *h { 'H' } else { 'M' }).collect())
            .collect()
    }

    fn repo() -> TestRepo {
        let r = TestRepo::new();
        r.write("package.json", "{}");
        r.write("package-lock.json", "{}");
        r.write("app.js", "1");
        r.write("README.md", "docs");
        r.write(".dockerignore", "*.md\n.git\n");
        r.commit("seed");
        r
    }

    #[test]
    fn source_edit_misses_from_the_source_copy_down() {
        let r = repo();
        r.write("app.js", "2");
        r.commit("source");
        r.write("package.json", r#"{"a":1}"#);
        r.commit("manifest");
        r.write("README.md", "more docs");
        r.commit("ignored doc");
        r.commit("empty");
        let h = History::read(r.dir.path(), "HEAD", 100).expect("history");
        let sim = simulate(&node_plan(), &h, CacheModel::Previous, &[]);
        assert_eq!(hits(&sim), vec!["HHHMM", "HMMMM", "HHHHH", "HHHHH"]);
        assert_eq!(sim.steps[3].rebuilt, 2);
        assert_eq!(sim.steps[3].hit_rate, 0.5);
        // The RUN's size is unknown without an image; COPY bytes are the files'.
        assert_eq!(sim.steps[2].bytes_rebuilt, None);
        // package.json + lock + app.js + .dockerignore (README.md ignored),
        // then the same with package.json grown to 7 bytes.
        assert_eq!(
            sim.steps[3].bytes_rebuilt,
            Some((2 + 2 + 1 + 10) + (7 + 2 + 1 + 10))
        );
        let sized = simulate(
            &node_plan(),
            &h,
            CacheModel::Previous,
            &[None, None, Some(1000)],
        );
        assert_eq!(sized.steps[2].bytes_rebuilt, Some(1000));
        assert!(!sized.bytes_partial(&node_plan()));
    }

    #[test]
    fn mode_change_misses_and_a_dockerignore_change_reselects() {
        let r = repo();
        r.chmod("app.js", 0o755);
        r.commit("exec bit");
        r.write(".dockerignore", "*.md\n.git\napp.js\n");
        r.commit("ignore app.js");
        r.write("app.js", "now ignored");
        r.commit("ignored edit");
        let h = History::read(r.dir.path(), "HEAD", 100).expect("history");
        let sim = simulate(&node_plan(), &h, CacheModel::Previous, &[]);
        // The .dockerignore edit is itself a context file for `COPY .`.
        assert_eq!(hits(&sim), vec!["HHHMM", "HHHMM", "HHHHH"]);
    }

    #[test]
    fn an_unignored_git_directory_misses_every_commit() {
        let r = repo();
        r.write(".dockerignore", "");
        r.commit("no ignore");
        r.commit("empty");
        let h = History::read(r.dir.path(), "HEAD", 100).expect("history");
        assert!(h.git_dir_in_context);
        let sim = simulate(&node_plan(), &h, CacheModel::Previous, &[]);
        assert_eq!(hits(&sim), vec!["HHHMM", "HHHMM"]);
        r.write(".dockerignore", ".git\n");
        r.commit("ignore .git");
        r.commit("empty again");
        let h = History::read(r.dir.path(), "HEAD", 2).expect("history");
        let sim = simulate(&node_plan(), &h, CacheModel::Previous, &[]);
        assert_eq!(hits(&sim), vec!["HHHHH"]);
    }

    #[test]
    fn a_revert_hits_only_when_the_cache_keeps_older_builds() {
        let r = repo();
        r.write("app.js", "2");
        r.commit("change");
        r.write("app.js", "1");
        r.commit("revert");
        let h = History::read(r.dir.path(), "HEAD", 100).expect("history");
        let prev = simulate(&node_plan(), &h, CacheModel::Previous, &[]);
        let all = simulate(&node_plan(), &h, CacheModel::All, &[]);
        assert_eq!(hits(&prev), vec!["HHHMM", "HHHMM"]);
        assert_eq!(hits(&all), vec!["HHHMM", "HHHHH"]);
    }

    #[test]
    fn stages_follow_what_they_copy_from() {
        let mut from_build = step(1, 1, "COPY", "--from=build /out /out");
        from_build.reads_stage = Some(0);
        let plan = Plan {
            steps: vec![
                step(0, 0, "FROM", "scratch AS build"),
                copy(0, 1, &["app.js"]),
                step(0, 2, "RUN", "make"),
                step(1, 0, "FROM", "scratch"),
                copy(1, 1, &["package.json"]),
                from_build,
            ],
        };
        let r = repo();
        r.write("app.js", "2");
        r.commit("source");
        r.write("package.json", "[]");
        r.commit("manifest");
        let h = History::read(r.dir.path(), "HEAD", 100).expect("history");
        let sim = simulate(&plan, &h, CacheModel::Previous, &[]);
        assert_eq!(hits(&sim), vec!["HMMHHM", "HHHHMM"]);
    }

    #[test]
    fn link_copies_are_keyed_without_their_parent() {
        let mut linked = copy(0, 3, &["package.json"]);
        linked.link = true;
        let plan = Plan {
            steps: vec![
                step(0, 0, "FROM", "scratch"),
                copy(0, 1, &["app.js"]),
                step(0, 2, "RUN", "make"),
                linked,
                step(0, 4, "RUN", "after"),
            ],
        };
        let r = repo();
        r.write("app.js", "2");
        r.commit("source");
        let h = History::read(r.dir.path(), "HEAD", 100).expect("history");
        let sim = simulate(&plan, &h, CacheModel::Previous, &[]);
        assert_eq!(hits(&sim), vec!["HMMHM"]);
    }

    #[test]
    fn plans_come_from_the_parsed_dockerfile() {
        let text = "ARG BASE=alpine\n\
            FROM ${BASE} AS build\n\
            ARG SRC=src\n\
            WORKDIR /app\n\
            COPY --chown=1:1 package*.json ./\n\
            COPY ${SRC}/ ./src/\n\
            RUN --mount=type=bind,source=tools,target=/t --mount=type=cache,target=/c make\n\
            ADD https://example.com/x.tgz /x\n\
            COPY <<EOF /etc/motd\nhi\nEOF\n\
            FROM scratch\n\
            COPY --from=build --link /app/out /out\n\
            CMD [\"/out\"]\n";
        let df = Dockerfile::parse(text, "Dockerfile").expect("parses");
        let plan = Plan::from_dockerfile(&df);
        let kw: Vec<&str> = plan.steps.iter().map(|s| s.keyword.as_str()).collect();
        assert_eq!(
            kw,
            [
                "FROM", "ARG", "WORKDIR", "COPY", "COPY", "RUN", "ADD", "COPY", "FROM", "COPY",
                "CMD"
            ]
        );
        let s = &plan.steps;
        assert_eq!(s[0].key, "alpine ");
        let manifests = s[3].context.as_ref().expect("context copy");
        assert!(manifests.selects("package-lock.json") && !manifests.selects("src/a"));
        let src = s[4].context.as_ref().expect("expanded ${SRC}");
        assert!(src.selects("src/main.c") && !src.selects("package.json"));
        let bind = s[5].context.as_ref().expect("bind mount reads the context");
        assert!(bind.selects("tools/gen.sh") && !bind.selects("src/main.c"));
        assert!(s[6].context.is_none(), "a remote ADD reads no context");
        assert!(s[7].context.is_none(), "a heredoc COPY reads no context");
        assert_eq!((s[9].reads_stage, s[9].link), (Some(0), true));
        assert_eq!((s[8].stage, s[8].index_in_stage), (1, 0));
        assert!(
            s.iter().all(|s| s.needed),
            "the final stage copies from build"
        );
        assert!(!s[10].layer && s[2].layer);
        assert_eq!(s[4].line, 6);
    }

    #[test]
    fn stages_the_final_one_does_not_need_are_left_out_of_totals() {
        let text = "FROM scratch AS base\nCOPY app.js /\n\
            FROM base AS test\nRUN make test\n\
            FROM scratch AS tools\nCOPY package.json /\n\
            FROM scratch\nRUN --mount=type=bind,from=tools,target=/t true\nCOPY --from=base /app.js /\n";
        let df = Dockerfile::parse(text, "Dockerfile").expect("parses");
        let plan = Plan::from_dockerfile(&df);
        let needed: Vec<(usize, bool)> = plan.steps.iter().map(|s| (s.stage, s.needed)).collect();
        assert_eq!(
            needed,
            vec![
                (0, true),
                (0, true),
                (1, false),
                (1, false),
                (2, true),
                (2, true),
                (3, true),
                (3, true),
                (3, true)
            ]
        );
        let r = repo();
        r.write("app.js", "2");
        r.commit("source");
        let h = History::read(r.dir.path(), "HEAD", 100).expect("history");
        let sim = simulate(&plan, &h, CacheModel::Previous, &[]);
        assert_eq!(hits(&sim), vec!["HMMMHHHHM"]);
        // The test stage (its FROM and RUN) misses too, but is not counted.
        assert_eq!(sim.steps_rebuilt(), 2);
        // The unneeded RUN's size is unknown, and so is the COPY --from's
        // until an image gives it; then nothing counted is unknown.
        assert_eq!(sim.steps[3].bytes_rebuilt, None);
        assert!(sim.bytes_partial(&plan));
        let mut sizes = vec![None; 9];
        sizes[8] = Some(10);
        let sized = simulate(&plan, &h, CacheModel::Previous, &sizes);
        assert!(!sized.bytes_partial(&plan));
        assert_eq!(sized.bytes_rebuilt(), 1 + 10);
    }

    #[test]
    fn a_single_commit_has_no_builds_to_count() {
        let r = repo();
        let h = History::read(r.dir.path(), "HEAD", 100).expect("history");
        let sim = simulate(&node_plan(), &h, CacheModel::Previous, &[]);
        assert!(sim.builds.is_empty());
        assert_eq!(sim.hit_rate(&node_plan()), 1.0);
    }
}
