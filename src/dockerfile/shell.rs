//! Just enough shell to read a `RUN`: split it into simple commands and
//! their words, so the lint can ask "does this `RUN` call `apt-get update`,
//! and does the same `RUN` remove the lists?".
//!
//! Not a shell: no expansion, no functions, no control flow. Commands are
//! split on unquoted `&&`, `||`, `;`, `|`, `&` and newlines; leading
//! `VAR=value` assignments and `sudo`/`env`/`exec` wrappers are skipped so
//! the command's own program comes first.

use super::ast::{Arguments, Instruction, Kind};

/// One simple command: the program and its arguments, quotes removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub words: Vec<String>,
}

impl Command {
    /// The program's base name (`/usr/bin/apt-get` → `apt-get`).
    pub fn program(&self) -> &str {
        let w = self.words.first().map_or("", String::as_str);
        w.rsplit('/').next().unwrap_or(w)
    }

    /// The first argument that is not an option (nor an option's value, for
    /// the options listed in `valued`): the subcommand of `apt-get -y install`.
    pub fn subcommand(&self, valued: &[&str]) -> Option<&str> {
        let mut skip = false;
        for w in self.words.iter().skip(1) {
            if skip {
                skip = false;
                continue;
            }
            if w.starts_with('-') {
                skip = valued.contains(&w.as_str());
                continue;
            }
            return Some(w);
        }
        None
    }

    /// Whether any argument is exactly `word`.
    pub fn has(&self, word: &str) -> bool {
        self.words.iter().skip(1).any(|w| w == word)
    }

    /// Whether this is pip (`pip`, `pip3`, `pip3.12`, `python -m pip`)
    /// running `sub`.
    pub fn is_pip(&self, sub: &str) -> bool {
        let p = self.program();
        let pip = p == "pip"
            || (p.starts_with("pip") && p[3..].chars().all(|c| c.is_ascii_digit() || c == '.'));
        let python_m = p.starts_with("python")
            && self.words.get(1).is_some_and(|w| w == "-m")
            && self.words.get(2).is_some_and(|w| w == "pip");
        if python_m {
            let rest = Command {
                words: self.words[2..].to_vec(),
            };
            return rest.subcommand(PIP_VALUED) == Some(sub);
        }
        pip && self.subcommand(PIP_VALUED) == Some(sub)
    }
}

/// pip options that take a value before the subcommand.
const PIP_VALUED: &[&str] = &["--log", "--proxy", "--retries", "--timeout", "--cache-dir"];

/// The commands a `RUN` executes: its shell form (heredoc markers removed),
/// then its heredoc bodies; the JSON form is one command (or its `sh -c`
/// script).
pub fn run_commands(ins: &Instruction) -> Vec<Command> {
    if ins.kind != Kind::Run {
        return Vec::new();
    }
    match &ins.args {
        Arguments::Json(words) => {
            let is_sh = words.first().is_some_and(|w| {
                let b = w.rsplit('/').next().unwrap_or(w);
                matches!(b, "sh" | "bash" | "ash" | "dash")
            });
            if is_sh && words.get(1).is_some_and(|w| w == "-c") && words.len() == 3 {
                return commands(&words[2]);
            }
            vec![Command {
                words: words.clone(),
            }]
            .into_iter()
            .filter(|c| !c.words.is_empty())
            .collect()
        }
        Arguments::Shell(text) => {
            let mut out = commands(text);
            out.retain(|c| !c.words.iter().all(|w| w.contains("<<")));
            for c in &mut out {
                c.words.retain(|w| !w.contains("<<"));
            }
            out.retain(|c| !c.words.is_empty());
            for h in &ins.heredocs {
                out.extend(commands(&h.body));
            }
            out
        }
    }
}

/// How many commands hadolint counts in a `RUN` (for DL3059): the JSON form
/// is one; the shell form is split on `&&`, `||`, `;` and `|`.
pub fn command_count(ins: &Instruction) -> usize {
    match &ins.args {
        Arguments::Json(_) => 1,
        Arguments::Shell(_) => run_commands(ins).len(),
    }
}

/// Split a script into simple commands.
pub fn commands(script: &str) -> Vec<Command> {
    let mut out = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = script.chars().peekable();
    let flush_word = |cur: &mut String, in_word: &mut bool, words: &mut Vec<String>| {
        if *in_word {
            words.push(std::mem::take(cur));
            *in_word = false;
        }
    };
    let flush_cmd = |words: &mut Vec<String>, out: &mut Vec<Command>| {
        let mut w = std::mem::take(words);
        strip_prefixes(&mut w);
        if !w.is_empty() {
            out.push(Command { words: w });
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                single_quoted(&mut chars, &mut cur);
            }
            '"' => {
                in_word = true;
                double_quoted(&mut chars, &mut cur);
            }
            '\\' => {
                in_word = true;
                if let Some(n) = chars.next()
                    && n != '\n'
                {
                    cur.push(n);
                }
            }
            '#' if !in_word => {
                // A comment runs to the end of the line.
                for n in chars.by_ref() {
                    if n == '\n' {
                        break;
                    }
                }
                flush_cmd(&mut words, &mut out);
            }
            '&' | '|' | ';' | '\n' => {
                flush_word(&mut cur, &mut in_word, &mut words);
                if matches!(c, '&' | '|') && chars.peek() == Some(&c) {
                    chars.next();
                }
                flush_cmd(&mut words, &mut out);
            }
            '(' | ')' | '{' | '}' if !in_word => {
                flush_word(&mut cur, &mut in_word, &mut words);
            }
            c if c.is_whitespace() => flush_word(&mut cur, &mut in_word, &mut words),
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    flush_word(&mut cur, &mut in_word, &mut words);
    flush_cmd(&mut words, &mut out);
    out
}

/// The rest of a `'…'` word, after its opening quote: everything literal.
fn single_quoted(chars: &mut impl Iterator<Item = char>, cur: &mut String) {
    for n in chars.by_ref() {
        if n == '\'' {
            break;
        }
        cur.push(n);
    }
}

/// The rest of a `"…"` word, after its opening quote: a backslash escapes
/// the next character.
fn double_quoted(chars: &mut impl Iterator<Item = char>, cur: &mut String) {
    while let Some(n) = chars.next() {
        match n {
            '"' => break,
            '\\' => {
                if let Some(e) = chars.next() {
                    cur.push(e);
                }
            }
            _ => cur.push(n),
        }
    }
}

/// Drop `VAR=value` assignments and `sudo`/`env`/`exec`/`command` wrappers
/// (with their options) before the program.
fn strip_prefixes(words: &mut Vec<String>) {
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        let assignment = w.split_once('=').is_some_and(|(k, _)| {
            !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
        if assignment
            || matches!(
                w.as_str(),
                "sudo" | "env" | "exec" | "command" | "time" | "nohup"
            )
        {
            i += 1;
            while i < words.len() && words[i].starts_with('-') && words[i - 1] != "exec" {
                i += 1;
            }
            continue;
        }
        break;
    }
    words.drain(..i);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(script: &str) -> Vec<Vec<String>> {
        commands(script).into_iter().map(|c| c.words).collect()
    }

    #[test]
    fn splits_on_operators_outside_quotes() {
        assert_eq!(
            words("a 1 && b \"x && y\" || c;d | e & f\ng # not && this"),
            [
                vec!["a", "1"],
                vec!["b", "x && y"],
                vec!["c"],
                vec!["d"],
                vec!["e"],
                vec!["f"],
                vec!["g"],
            ]
        );
    }

    #[test]
    fn skips_assignments_and_wrappers() {
        let c = commands("DEBIAN_FRONTEND=noninteractive sudo -E apt-get -o A=1 -y install x");
        assert_eq!(c[0].program(), "apt-get");
        assert_eq!(c[0].subcommand(&["-o"]), Some("install"));
        assert!(commands("python3 -m pip install x")[0].is_pip("install"));
        assert!(commands("/usr/local/bin/pip3.12 install x")[0].is_pip("install"));
        assert!(!commands("pipx install x")[0].is_pip("install"));
        assert!(!commands("pip download x")[0].is_pip("install"));
    }
}
