//! The steps the builder keys, read off a parsed Dockerfile: each
//! instruction's key text, the context files it reads and the stage it reads.

use std::collections::HashMap;

use super::super::ast::{Dockerfile, Instruction, Kind, Stage};
use super::super::expand::Scope;
use super::super::ignore::Ignore;

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
            steps.push(from_step(df, stage, &globals));
            df.for_each_scope(stage.index, &none, |i, ins, scope| {
                steps.push(instruction_step(df, stage.index, i, ins, scope));
            });
        }
        mark_needed(&mut steps);
        Plan { steps }
    }
}

/// A stage's `FROM`: keyed on the base and platform.
fn from_step(df: &Dockerfile, stage: &Stage, globals: &Scope) -> Step {
    let base = globals
        .expand(&stage.base)
        .unwrap_or_else(|_| stage.base.clone());
    let platform = stage.platform.as_deref().unwrap_or("");
    Step {
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
    }
}

/// Instruction `i` of stage `stage`, with the scope just before it.
fn instruction_step(
    df: &Dockerfile,
    stage: usize,
    i: usize,
    ins: &Instruction,
    scope: &Scope,
) -> Step {
    let mut step = Step {
        stage,
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
        Kind::Copy | Kind::Add => copy_inputs(&mut step, df, ins, scope),
        Kind::Run => run_inputs(&mut step, df, ins, scope),
        _ => {}
    }
    step
}

/// A `COPY`/`ADD` reads a stage (`--from`) or the context files its sources
/// select.
fn copy_inputs(step: &mut Step, df: &Dockerfile, ins: &Instruction, scope: &Scope) {
    let expand = |w: &str| scope.expand(w).unwrap_or_else(|_| w.to_string());
    step.link = ins.flag_on("link");
    match ins.flag("from").map(expand) {
        Some(from) => {
            step.reads_stage = df.stage_named(&from, step.stage).map(|s| s.index);
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

/// A `RUN` keys on its environment too, and reads what its bind mounts
/// bring in (a stage, or context files).
fn run_inputs(step: &mut Step, df: &Dockerfile, ins: &Instruction, scope: &Scope) {
    let expand = |w: &str| scope.expand(w).unwrap_or_else(|_| w.to_string());
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
                step.reads_stage = df.stage_named(&expand(from), step.stage).map(|s| s.index);
            }
            None => bound.push(expand(m.source.as_deref().unwrap_or("."))),
        }
    }
    if !bound.is_empty() {
        step.context = Ignore::sources(&bound).ok();
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
