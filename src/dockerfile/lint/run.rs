//! The `RUN` pass: each `RUN`'s commands, with its scope, through the
//! package rules; and two single-command `RUN`s in a row.

use std::collections::HashMap;

use super::super::ast::{Instruction, Kind};
use super::super::shell;
use super::Linter;

impl Linter<'_> {
    /// The rules that read each `RUN`'s commands.
    pub(super) fn runs(&mut self) {
        let image_stages = self.image_stages();
        let df = self.df;
        for stage in &df.stages {
            let ships = image_stages.contains(&stage.index);
            df.for_each_scope(stage.index, &HashMap::new(), |i, ins, scope| {
                if ins.kind != Kind::Run {
                    return;
                }
                let cmds = shell::run_commands(ins);
                self.apt(ins, &cmds, ships);
                self.apk(ins, &cmds);
                self.pip(ins, &cmds, scope);
                if ships {
                    self.npm_yarn(ins, &cmds);
                }
                let prev = i.checked_sub(1).map(|p| &stage.instructions[p]);
                self.consecutive_run(prev, ins);
            });
        }
    }

    /// Two `RUN`s in a row with the same flags, one command each.
    pub(super) fn consecutive_run(&mut self, prev: Option<&Instruction>, ins: &Instruction) {
        if let Some(p) = prev.filter(|p| p.kind == Kind::Run)
            && p.flags
                .iter()
                .map(|f| (&f.name, &f.value))
                .eq(ins.flags.iter().map(|f| (&f.name, &f.value)))
            && shell::command_count(p) == 1
            && shell::command_count(ins) == 1
        {
            self.push(
                "consecutive-run",
                ins,
                format!("RUN on line {} and this RUN each run one command: two layers where one would do", p.line),
                "join them with `&&` in one RUN".into(),
            );
        }
    }
}
