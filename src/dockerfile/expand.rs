//! Variable substitution: the builder's word processing (`$VAR`, `${VAR:-x}`,
//! quotes, escapes) and the [`Scope`] of `ENV`s and `ARG`s that holds at an
//! instruction.

use std::collections::HashMap;

use super::ast::{Dockerfile, Instruction, Kind};

impl Dockerfile {
    /// The scope of the global `ARG`s (what `FROM` lines see), with the
    /// `--build-arg` values given.
    pub fn global_scope(&self, build_args: &HashMap<String, String>) -> Scope {
        let mut scope = Scope::new(self.directives.escape);
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
        self.scope_rec(stage, index, build_args, &globals, 0)
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
        let mut scope = self.scope_rec(stage, 0, build_args, &globals, 0);
        for (i, ins) in s.instructions.iter().enumerate() {
            visit(i, ins, &scope);
            scope.apply(ins, build_args, Some(&globals));
        }
    }

    fn scope_rec(
        &self,
        stage: usize,
        index: usize,
        build_args: &HashMap<String, String>,
        globals: &Scope,
        depth: usize,
    ) -> Scope {
        let Some(s) = self.stages.get(stage) else {
            return Scope::new(self.directives.escape);
        };
        let mut scope = Scope::new(self.directives.escape);
        let base = globals.expand(&s.base).unwrap_or_else(|_| s.base.clone());
        if depth < self.stages.len()
            && let Some(parent) = self.stage_named(&base, stage)
        {
            let p = self.scope_rec(
                parent.index,
                parent.instructions.len(),
                build_args,
                globals,
                depth + 1,
            );
            scope.env = p.env;
            scope.env_at = p.env_at;
        }
        for ins in s.instructions.iter().take(index) {
            scope.apply(ins, build_args, Some(globals));
        }
        scope
    }
}

/// The variables visible at one instruction: `ENV`s and `ARG`s, an `ENV`
/// winning over an `ARG` of the same name as it does in the builder.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scope {
    escape: char,
    env: Vec<(String, String)>,
    /// `None`: declared without a value and given none.
    args: Vec<(String, Option<String>)>,
    /// Where each name is in `env` and in `args`: a lookup or an update costs
    /// the same however many variables a long file sets.
    env_at: HashMap<String, usize>,
    arg_at: HashMap<String, usize>,
}

impl Scope {
    /// An empty scope for a file whose escape character is `escape`.
    pub fn new(escape: char) -> Scope {
        Scope {
            escape,
            env: Vec::new(),
            args: Vec::new(),
            env_at: HashMap::new(),
            arg_at: HashMap::new(),
        }
    }

    /// The value of `name`, if set.
    pub fn get(&self, name: &str) -> Option<&str> {
        if let Some(&i) = self.env_at.get(name) {
            return Some(&self.env[i].1);
        }
        self.arg(name)
    }

    /// The `ENV`s in force, in the order they were first set.
    pub fn env(&self) -> &[(String, String)] {
        &self.env
    }

    /// The `ARG`s declared, with their values (`None`: no value).
    pub fn args(&self) -> &[(String, Option<String>)] {
        &self.args
    }

    /// Set an `ENV` (as the builder does for `ENV k=v`).
    pub fn set_env(&mut self, name: &str, value: String) {
        match self.env_at.get(name) {
            Some(&i) => self.env[i].1 = value,
            None => {
                self.env_at.insert(name.to_string(), self.env.len());
                self.env.push((name.to_string(), value));
            }
        }
    }

    fn set_arg(&mut self, name: &str, value: Option<String>) {
        match self.arg_at.get(name) {
            Some(&i) => self.args[i].1 = value,
            None => {
                self.arg_at.insert(name.to_string(), self.args.len());
                self.args.push((name.to_string(), value));
            }
        }
    }

    /// The value of the `ARG` `name`, if declared with one.
    fn arg(&self, name: &str) -> Option<&str> {
        let &i = self.arg_at.get(name)?;
        self.args[i].1.as_deref()
    }

    /// Expand one word: quotes removed, escapes applied, variables
    /// substituted. The error is `${VAR:?message}`'s message or a syntax
    /// problem.
    pub fn expand(&self, word: &str) -> Result<String, String> {
        expand(word, self.escape, &|name| {
            self.get(name).map(str::to_string)
        })
    }

    /// Apply an `ENV` or `ARG` instruction. `globals`: the global `ARG`s an
    /// `ARG` without a default inherits inside a stage.
    pub fn apply(
        &mut self,
        ins: &Instruction,
        build_args: &HashMap<String, String>,
        globals: Option<&Scope>,
    ) {
        match ins.kind {
            Kind::Env => {
                // Every value sees the scope before the instruction: after
                // `ENV a=bye b=$a`, b is the old a (Docker's documented rule).
                let values: Vec<(String, String)> = ins
                    .pairs
                    .iter()
                    .map(|(k, v)| {
                        let raw = v.as_deref().unwrap_or("");
                        let value = self.expand(raw).unwrap_or_else(|_| raw.to_string());
                        (k.clone(), value)
                    })
                    .collect();
                for (k, v) in values {
                    self.set_env(&k, v);
                }
            }
            Kind::Arg => {
                for (k, v) in &ins.pairs {
                    let value = match (build_args.get(k), v, globals) {
                        (Some(given), _, _) => Some(given.clone()),
                        (None, Some(default), _) => {
                            Some(self.expand(default).unwrap_or_else(|_| default.clone()))
                        }
                        (None, None, Some(g)) => g.arg(k).map(str::to_string),
                        (None, None, None) => None,
                    };
                    self.set_arg(k, value);
                }
            }
            _ => {}
        }
    }
}

/// The builder's word processing: remove quotes, apply escapes and
/// substitute `$VAR`, `${VAR}`, `${VAR:-word}`, `${VAR-word}`, `${VAR:+word}`,
/// `${VAR+word}`, `${VAR:?word}` and `${VAR?word}` through `lookup` (`None`:
/// unset). Single quotes keep everything literal; inside double quotes the
/// escape character only escapes `"`, `$` and itself.
pub fn expand(
    word: &str,
    escape: char,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<String, String> {
    let chars: Vec<char> = word.chars().collect();
    let mut w = WordProc {
        chars: &chars,
        pos: 0,
        escape,
        lookup,
    };
    let out = w.process(None)?;
    Ok(out)
}

struct WordProc<'a> {
    chars: &'a [char],
    pos: usize,
    escape: char,
    lookup: &'a dyn Fn(&str) -> Option<String>,
}

impl WordProc<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += 1;
        Some(c)
    }

    /// Process up to `stop` (unquoted, consumed) or the end.
    fn process(&mut self, stop: Option<char>) -> Result<String, String> {
        let mut out = String::new();
        while let Some(c) = self.peek() {
            if Some(c) == stop {
                self.pos += 1;
                return Ok(out);
            }
            self.pos += 1;
            match c {
                '\'' => loop {
                    match self.next() {
                        Some('\'') => break,
                        Some(c) => out.push(c),
                        None => {
                            return Err(
                                "unexpected end of statement while looking for matching single-quote"
                                    .into(),
                            );
                        }
                    }
                },
                '"' => loop {
                    match self.next() {
                        Some('"') => break,
                        Some('$') => out.push_str(&self.variable()?),
                        Some(c) if c == self.escape => match self.peek() {
                            Some(n) if n == '"' || n == '$' || n == self.escape => {
                                self.pos += 1;
                                out.push(n);
                            }
                            _ => out.push(c),
                        },
                        Some(c) => out.push(c),
                        None => {
                            return Err(
                                "unexpected end of statement while looking for matching double-quote"
                                    .into(),
                            );
                        }
                    }
                },
                '$' => out.push_str(&self.variable()?),
                c if c == self.escape => match self.next() {
                    Some(n) => out.push(n),
                    None => out.push(c),
                },
                c => out.push(c),
            }
        }
        if let Some(s) = stop {
            return Err(format!("missing '{s}'"));
        }
        Ok(out)
    }

    /// After a `$`: a name, a `${…}` form, or a literal `$`.
    fn variable(&mut self) -> Result<String, String> {
        match self.peek() {
            Some('{') => {
                self.pos += 1;
                self.braced()
            }
            Some(c) if c.is_ascii_alphanumeric() || c == '_' => {
                let name = self.name();
                Ok((self.lookup)(&name).unwrap_or_default())
            }
            _ => Ok("$".into()),
        }
    }

    fn name(&mut self) -> String {
        let mut name = String::new();
        if self.peek().is_some_and(|c| c.is_ascii_digit()) {
            while let Some(c) = self.peek().filter(|c| c.is_ascii_digit()) {
                name.push(c);
                self.pos += 1;
            }
            return name;
        }
        while let Some(c) = self
            .peek()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        {
            name.push(c);
            self.pos += 1;
        }
        name
    }

    fn braced(&mut self) -> Result<String, String> {
        let name = self.name();
        if name.is_empty() {
            return Err("bad substitution: a variable name must follow '${'".into());
        }
        let value = (self.lookup)(&name);
        let colon = self.peek() == Some(':');
        if colon {
            self.pos += 1;
        }
        let op = self.next();
        match op {
            Some('}') if !colon => Ok(value.unwrap_or_default()),
            Some(op @ ('-' | '+' | '?')) => {
                let word = self.process(Some('}'))?;
                let set = match (&value, colon) {
                    (Some(v), true) => !v.is_empty(),
                    (Some(_), false) => true,
                    (None, _) => false,
                };
                Ok(match op {
                    '-' if set => value.unwrap_or_default(),
                    '-' => word,
                    '+' if set => word,
                    '+' => String::new(),
                    _ if set => value.unwrap_or_default(),
                    _ if word.is_empty() => {
                        return Err(format!("{name}: is not allowed to be unset"));
                    }
                    _ => return Err(format!("{name}: {word}")),
                })
            }
            Some(c) => Err(format!(
                "unsupported modifier ({c}) in substitution of '{name}'"
            )),
            None => Err(format!("missing '}}' in substitution of '{name}'")),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::super::ast::Dockerfile;

    /// The one-pass walk sees, at every instruction, the scope `scope_at`
    /// computes for it on its own.
    #[test]
    fn the_walk_gives_each_instruction_its_scope() {
        let text = "ARG V=1\nFROM alpine AS a\nENV A=$V B=x\nARG V\nENV A=2 C=$A\n\
                    FROM a\nARG W=$C\nENV D=$W\nRUN true\n";
        let df = Dockerfile::parse(text, "Dockerfile").expect("parses");
        let args = HashMap::from([("W".to_string(), "given".to_string())]);
        for stage in 0..df.stages.len() {
            let mut seen = 0;
            df.for_each_scope(stage, &args, |i, _, scope| {
                assert_eq!(*scope, df.scope_at(stage, i, &args), "stage {stage}, {i}");
                seen += 1;
            });
            assert_eq!(seen, df.stages[stage].instructions.len());
        }
    }
}
