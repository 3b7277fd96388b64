//! The replay: walk the history commit by commit, keep each step's selection
//! of the context up to date, chain the keys and count hits and rebuilds.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use xxhash_rust::xxh3::Xxh3Default;

use super::super::history::{FileEntry, GIT_DIR_PROBE, History, ObjectId};
use super::super::ignore::Ignore;
use super::plan::{Plan, Step};

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
