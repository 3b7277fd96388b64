//! Scopes across stages: a stage built on an earlier one starts with that
//! stage's `ENV`s. The parser walks the stages once, in order, checking the
//! expansion limits and keeping each stage's end scope ([`StageEnds`]), so a
//! later question about any instruction costs its own stage only, however
//! long the chain of stages is; no walk here recurses.

use std::collections::HashMap;

use super::super::ast::{Dockerfile, Instruction, Kind};
use super::{Breach, Scope};
use crate::limits::Limit;

/// Each stage's scope at its end, without `--build-arg`s: filled once by the
/// parser. A cache, so it takes no part in comparing two files.
#[derive(Clone, Default)]
pub(crate) struct StageEnds(pub(crate) Vec<Scope>);

impl PartialEq for StageEnds {
    fn eq(&self, _: &StageEnds) -> bool {
        true
    }
}

impl Eq for StageEnds {}

impl std::fmt::Debug for StageEnds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StageEnds({} stages)", self.0.len())
    }
}

impl Dockerfile {
    /// The scope of the global `ARG`s (what `FROM` lines see), with the
    /// `--build-arg` values given.
    pub fn global_scope(&self, build_args: &HashMap<String, String>) -> Scope {
        let mut scope = Scope::within(self.directives.escape, self.limits);
        for arg in &self.global_args {
            scope.apply(arg, build_args, None);
        }
        scope
    }

    /// The scope in stage `stage` just before its instruction `index`
    /// (`index == instructions.len()`: at the end of the stage). A stage built
    /// on an earlier stage starts with that stage's `ENV`s.
    pub fn scope_at(
        &self,
        stage: usize,
        index: usize,
        build_args: &HashMap<String, String>,
    ) -> Scope {
        let globals = self.global_scope(build_args);
        let mut scope = self.start_of(stage, build_args, &globals);
        if let Some(s) = self.stages.get(stage) {
            for ins in s.instructions.iter().take(index) {
                scope.apply(ins, build_args, Some(&globals));
            }
        }
        scope
    }

    /// Visit each instruction of stage `stage` with the scope just before
    /// it: what [`Dockerfile::scope_at`] gives for each index, built in one
    /// pass so a long stage costs time linear in its length.
    pub fn for_each_scope(
        &self,
        stage: usize,
        build_args: &HashMap<String, String>,
        mut visit: impl FnMut(usize, &Instruction, &Scope),
    ) {
        let Some(s) = self.stages.get(stage) else {
            return;
        };
        let globals = self.global_scope(build_args);
        let mut scope = self.start_of(stage, build_args, &globals);
        for (i, ins) in s.instructions.iter().enumerate() {
            visit(i, ins, &scope);
            scope.apply(ins, build_args, Some(&globals));
        }
    }

    /// The stage `stage` is built on, if it is an earlier stage.
    fn parent_of(&self, stage: usize, globals: &Scope) -> Option<usize> {
        let s = self.stages.get(stage)?;
        let base = globals.expand(&s.base).unwrap_or_else(|_| s.base.clone());
        self.stage_named(&base, stage).map(|p| p.index)
    }

    /// The scope at the start of stage `stage`: its parent's `ENV`s, from
    /// the parser's [`StageEnds`] without `--build-arg`s, else by walking the
    /// chain of parents in a loop, oldest first.
    fn start_of(
        &self,
        stage: usize,
        build_args: &HashMap<String, String>,
        globals: &Scope,
    ) -> Scope {
        let mut scope = Scope::within(self.directives.escape, self.limits);
        if build_args.is_empty() && self.ends.0.len() == self.stages.len() {
            if let Some(p) = self.parent_of(stage, globals) {
                scope.inherit(&self.ends.0[p]);
            }
            return scope;
        }
        let mut chain = Vec::new();
        let mut cur = self.parent_of(stage, globals);
        while let Some(p) = cur {
            chain.push(p);
            // A parent comes strictly earlier, so the walk ends.
            cur = self.parent_of(p, globals);
        }
        for &p in chain.iter().rev() {
            let mut own = Scope::within(self.directives.escape, self.limits);
            own.inherit(&scope);
            for ins in &self.stages[p].instructions {
                own.apply(ins, build_args, Some(globals));
            }
            scope = own;
        }
        let mut start = Scope::within(self.directives.escape, self.limits);
        start.inherit(&scope);
        start
    }

    /// Walk the stages once, in order, without `--build-arg`s (as every
    /// reader of scopes does): each stage's end scope, or the first value,
    /// scope or file over an expansion limit, naming its line and variable.
    pub(crate) fn stage_ends(&self) -> Result<StageEnds, Breach> {
        let none = HashMap::new();
        let globals = self.global_scope(&none);
        if let Some(b) = globals.breach {
            return Err(b);
        }
        let mut ends: Vec<Scope> = Vec::with_capacity(self.stages.len());
        let mut held = 0usize;
        for s in &self.stages {
            let mut scope = Scope::within(self.directives.escape, self.limits);
            if let Some(p) = self.parent_of(s.index, &globals) {
                scope.inherit(&ends[p]);
            }
            for ins in &s.instructions {
                scope.apply(ins, &none, Some(&globals));
            }
            if let Some(b) = scope.breach {
                return Err(b);
            }
            held += scope.total;
            let max = self.limits.len(Limit::ExpandedTotal);
            if held > max {
                return Err(Breach {
                    kind: Kind::From,
                    line: s.from.line,
                    name: s.base.clone(),
                    message: format!(
                        "the variables of the stages up to this one would hold {held} bytes \
                         together, more than {max}: {}",
                        self.limits.breach(Limit::ExpandedTotal, Some(held as u64))
                    ),
                });
            }
            ends.push(scope);
        }
        Ok(StageEnds(ends))
    }
}
