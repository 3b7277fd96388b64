//! The per-instruction argument rules (what `FROM`, `COPY`, `HEALTHCHECK`…
//! require) and the `ENV`/`ARG`/`LABEL` key=value pairs.

use super::super::ast::{Arguments, Instruction, Kind, split_words};
use super::super::expand::expand;
use super::{Logical, ParseError, Parser};

impl Parser<'_> {
    /// Per-instruction argument rules, and the `ENV`/`ARG`/`LABEL` pairs.
    pub(super) fn check_arguments(
        &self,
        ins: &mut Instruction,
        logical: &Logical,
        rest_off: usize,
    ) -> Result<(), ParseError> {
        let kind = ins.kind;
        let empty = match &ins.args {
            Arguments::Shell(s) => s.is_empty(),
            Arguments::Json(_) => false,
        };
        let fail = |m: String| Err(self.error(ins.line, ins.column, m));
        if empty && !matches!(kind, Kind::Cmd | Kind::Entrypoint) {
            return fail(format!("{kind} requires at least one argument"));
        }
        let words = ins.words();
        match kind {
            Kind::From => {
                if let Some(problem) = from_problem(&words) {
                    return fail(problem);
                }
            }
            Kind::Copy | Kind::Add if words.len() < 2 => {
                return fail(format!(
                    "{kind} requires at least two arguments: a source and a destination"
                ));
            }
            Kind::Shell if !ins.args.is_json() => {
                return fail("SHELL requires the arguments to be in JSON form".into());
            }
            Kind::Env | Kind::Label => ins.pairs = self.pairs(ins, kind)?,
            Kind::Arg => {
                for w in &words {
                    let (k, v) = match w.split_once('=') {
                        Some((k, v)) => (k.to_string(), Some(v.to_string())),
                        None => (w.clone(), None),
                    };
                    if k.is_empty() {
                        return fail(format!("ARG names can not be blank: '{w}'"));
                    }
                    ins.pairs.push((k, v));
                }
            }
            Kind::Healthcheck => {
                let first = words.first().map(|w| w.to_ascii_uppercase());
                match first.as_deref() {
                    Some("NONE") if words.len() == 1 => {}
                    Some("NONE") => {
                        return fail("HEALTHCHECK NONE takes no other arguments".into());
                    }
                    Some("CMD") if words.len() > 1 => {}
                    _ => return fail("HEALTHCHECK requires NONE, or CMD and a command".into()),
                }
            }
            Kind::Onbuild => {
                let trigger = self.instruction_at(logical, rest_off)?;
                if matches!(trigger.kind, Kind::Onbuild | Kind::From | Kind::Maintainer) {
                    return fail(format!(
                        "{} isn't allowed as an ONBUILD trigger",
                        trigger.kind
                    ));
                }
                ins.trigger = Some(Box::new(trigger));
            }
            _ => {}
        }
        Ok(())
    }

    /// `ENV`/`LABEL` pairs: `k=v k2="v 2"`, or the legacy `ENV k the value`.
    fn pairs(
        &self,
        ins: &Instruction,
        kind: Kind,
    ) -> Result<Vec<(String, Option<String>)>, ParseError> {
        let Arguments::Shell(text) = &ins.args else {
            return Err(self.error(
                ins.line,
                ins.column,
                format!("{kind} takes key=value pairs"),
            ));
        };
        let words = split_words(text, self.escape);
        let first_has_eq = words.first().is_some_and(|w| w.0.contains('='));
        if !first_has_eq {
            // Legacy form: the first word is the name, the rest the value.
            let name = words.first().map(|w| w.0.clone()).unwrap_or_default();
            let value = words
                .get(1)
                .map(|w| text[w.1..].trim().to_string())
                .ok_or_else(|| {
                    self.error(
                        ins.line,
                        ins.column,
                        format!("{kind} must have two arguments: {kind} {name}=VALUE"),
                    )
                })?;
            return Ok(vec![(name, Some(value))]);
        }
        let mut pairs = Vec::new();
        for (w, _) in words {
            let Some((k, v)) = w.split_once('=') else {
                return Err(self.error(
                    ins.line,
                    ins.column,
                    format!("{kind} '{w}' is not key=value: write {kind} {w}=VALUE"),
                ));
            };
            if k.is_empty() {
                return Err(self.error(
                    ins.line,
                    ins.column,
                    format!("{kind} names can not be blank: '{w}'"),
                ));
            }
            let key = if kind == Kind::Label {
                expand(k, self.escape, &|_| None).unwrap_or_else(|_| k.to_string())
            } else {
                k.to_string()
            };
            pairs.push((key, Some(v.to_string())));
        }
        Ok(pairs)
    }
}

/// What is wrong with a `FROM`'s words, if anything.
fn from_problem(words: &[String]) -> Option<String> {
    if !(words.len() == 1 || (words.len() == 3 && words[1].eq_ignore_ascii_case("as"))) {
        return Some("FROM requires either one argument, or three: FROM <image> AS <name>".into());
    }
    if let Some(name) = words.get(2)
        && !valid_stage_name(name)
    {
        return Some(format!(
            "invalid stage name '{name}': use letters, digits, '-', '_' and '.', \
             starting with a letter"
        ));
    }
    None
}

fn valid_stage_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}
