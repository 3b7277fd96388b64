//! Variable substitution: the builder's word processing (`$VAR`, `${VAR:-x}`,
//! quotes, escapes) and the [`Scope`] of `ENV`s and `ARG`s that holds at an
//! instruction.

use std::collections::HashMap;

use super::ast::{Instruction, Kind};

mod stages;
pub(crate) use stages::StageEnds;

use crate::limits::{Limit, Limits};

/// A variable over an expansion limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breach {
    /// The `ENV` or `ARG`.
    pub kind: Kind,
    /// 1-based line of the instruction.
    pub line: usize,
    /// The variable being set.
    pub name: String,
    /// Which limit, and its size.
    pub message: String,
}

/// Why an expansion failed: bad syntax (the caller keeps the word as
/// written), or a limit (see [`Breach`]).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Failure {
    Syntax(String),
    Limit(String),
}

impl From<String> for Failure {
    fn from(message: String) -> Failure {
        Failure::Syntax(message)
    }
}

impl From<&str> for Failure {
    fn from(message: &str) -> Failure {
        Failure::Syntax(message.to_string())
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
    /// The bytes of every value held, against the `expanded-scope` limit.
    total: usize,
    /// The first limit an `ENV` or `ARG` broke (its value kept as written).
    breach: Option<Breach>,
    /// `expanded-value`, `expanded-scope` and `substitution-depth` apply here.
    limits: Limits,
}

impl Scope {
    /// An empty scope for a file whose escape character is `escape`.
    pub fn new(escape: char) -> Scope {
        Scope::within(escape, Limits::default())
    }

    /// An empty scope whose expansions stay within `limits`.
    pub fn within(escape: char, limits: Limits) -> Scope {
        Scope {
            limits,
            escape,
            env: Vec::new(),
            args: Vec::new(),
            env_at: HashMap::new(),
            arg_at: HashMap::new(),
            total: 0,
            breach: None,
        }
    }

    /// Start with `parent`'s `ENV`s (and its breach): a stage built on another.
    fn inherit(&mut self, parent: &Scope) {
        let args: usize = parent
            .args
            .iter()
            .filter_map(|(_, v)| v.as_ref())
            .map(String::len)
            .sum();
        self.env.clone_from(&parent.env);
        self.env_at.clone_from(&parent.env_at);
        self.total = parent.total - args;
        self.breach.clone_from(&parent.breach);
    }

    /// The first expansion limit an `ENV` or `ARG` in this scope broke.
    pub fn breach(&self) -> Option<&Breach> {
        self.breach.as_ref()
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
        self.total += value.len();
        match self.env_at.get(name) {
            Some(&i) => {
                self.total -= self.env[i].1.len();
                self.env[i].1 = value;
            }
            None => {
                self.env_at.insert(name.to_string(), self.env.len());
                self.env.push((name.to_string(), value));
            }
        }
    }

    fn set_arg(&mut self, name: &str, value: Option<String>) {
        self.total += value.as_ref().map_or(0, String::len);
        match self.arg_at.get(name) {
            Some(&i) => {
                self.total -= self.args[i].1.as_ref().map_or(0, String::len);
                self.args[i].1 = value;
            }
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
    /// substituted. The error is `${VAR:?message}`'s message, a syntax
    /// problem or a limit (`expanded-value`, `substitution-depth`).
    pub fn expand(&self, word: &str) -> Result<String, String> {
        self.expand_checked(word)
            .map_err(|(Failure::Syntax(m) | Failure::Limit(m))| m)
    }

    fn expand_checked(&self, word: &str) -> Result<String, Failure> {
        expand_word(word, self.escape, &self.limits, &|name| {
            self.get(name).map(str::to_string)
        })
    }

    /// The value `name` takes from `raw` in this scope: expanded, or as
    /// written when the expansion fails; a limit broken is recorded (the
    /// first one) against `line`.
    fn value(&mut self, ins: &Instruction, name: &str, raw: &str, replaces: usize) -> String {
        let max = self.limits.len(Limit::ExpandedScope);
        let value = match self.expand_checked(raw) {
            Ok(v) if self.total - replaces + v.len() > max => {
                let held = (self.total - replaces + v.len()) as u64;
                Err(Failure::Limit(format!(
                    "the variables in scope would hold {held} bytes, more than {max}: {}",
                    self.limits.breach(Limit::ExpandedScope, Some(held))
                )))
            }
            other => other,
        };
        match value {
            Ok(v) => v,
            Err(Failure::Syntax(_)) => raw.to_string(),
            Err(Failure::Limit(message)) => {
                self.breach.get_or_insert(Breach {
                    kind: ins.kind,
                    line: ins.line,
                    name: name.to_string(),
                    message,
                });
                raw.to_string()
            }
        }
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
                let mut values = Vec::with_capacity(ins.pairs.len());
                for (k, v) in &ins.pairs {
                    let raw = v.as_deref().unwrap_or("");
                    let old = self.env_at.get(k).map_or(0, |&i| self.env[i].1.len());
                    values.push((k, self.value(ins, k, raw, old)));
                }
                for (k, v) in values {
                    self.set_env(k, v);
                }
            }
            Kind::Arg => {
                for (k, v) in &ins.pairs {
                    let value = match (build_args.get(k), v, globals) {
                        (Some(given), _, _) => Some(given.clone()),
                        (None, Some(default), _) => {
                            let old = self.arg(k).map_or(0, str::len);
                            Some(self.value(ins, k, default, old))
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
    expand_word(word, escape, &Limits::default(), lookup)
        .map_err(|(Failure::Syntax(m) | Failure::Limit(m))| m)
}

fn expand_word(
    word: &str,
    escape: char,
    limits: &Limits,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<String, Failure> {
    let chars: Vec<char> = word.chars().collect();
    let mut w = WordProc {
        chars: &chars,
        pos: 0,
        escape,
        lookup,
        depth: 0,
        limits,
    };
    w.process(None)
}

struct WordProc<'a> {
    chars: &'a [char],
    pos: usize,
    escape: char,
    lookup: &'a dyn Fn(&str) -> Option<String>,
    /// How many `${…}` enclose the current position.
    depth: usize,
    limits: &'a Limits,
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
    fn process(&mut self, stop: Option<char>) -> Result<String, Failure> {
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
                        Some('$') => self.substitute(&mut out)?,
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
                '$' => self.substitute(&mut out)?,
                c if c == self.escape => match self.next() {
                    Some(n) => out.push(n),
                    None => out.push(c),
                },
                c => out.push(c),
            }
        }
        if let Some(s) = stop {
            return Err(format!("missing '{s}'").into());
        }
        Ok(out)
    }

    /// A substitution appended to `out`, which may not pass the
    /// `expanded-value` limit.
    fn substitute(&mut self, out: &mut String) -> Result<(), Failure> {
        let value = self.variable()?;
        let max = self.limits.len(Limit::ExpandedValue);
        if out.len() + value.len() > max {
            let long = (out.len() + value.len()) as u64;
            return Err(Failure::Limit(format!(
                "its value would be {long} bytes, longer than {max}: {}",
                self.limits.breach(Limit::ExpandedValue, Some(long))
            )));
        }
        out.push_str(&value);
        Ok(())
    }

    /// After a `$`: a name, a `${…}` form, or a literal `$`.
    fn variable(&mut self) -> Result<String, Failure> {
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

    fn braced(&mut self) -> Result<String, Failure> {
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
                let max = self.limits.len(Limit::SubstitutionDepth);
                if self.depth >= max {
                    return Err(Failure::Limit(format!(
                        "its `${{…}}` substitutions nest more than {max} deep: {}",
                        self.limits.breach(Limit::SubstitutionDepth, None)
                    )));
                }
                self.depth += 1;
                let word = self.process(Some('}'));
                self.depth -= 1;
                let word = word?;
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
                        return Err(format!("{name}: is not allowed to be unset").into());
                    }
                    _ => return Err(format!("{name}: {word}").into()),
                })
            }
            Some(c) => {
                Err(format!("unsupported modifier ({c}) in substitution of '{name}'").into())
            }
            None => Err(format!("missing '}}' in substitution of '{name}'").into()),
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
