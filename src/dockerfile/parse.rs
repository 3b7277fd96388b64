//! The Dockerfile parser: BuildKit's syntax into a typed tree.
//!
//! What it reads, as BuildKit (dockerfile frontend 1.x) does: the `# syntax=`,
//! `# escape=` and `# check=` directives at the top of the file; comments;
//! line continuations with the escape character, where blank lines and comment
//! lines inside a continuation are skipped and the pieces are joined as they
//! are; JSON (exec) and shell forms; flags (`--from`, `--chown`, `--chmod`,
//! `--link`, `--mount=…`, `--network`, `--security`, `--platform`, …), an
//! unknown flag being an error as it is for the builder; heredocs
//! (`RUN <<EOF`, `COPY <<EOF /dst`, `<<-EOF`, quoted names that turn
//! expansion off); multi-stage builds (`FROM … AS name`) and `ARG`s before the
//! first `FROM`. Variable substitution (`$VAR`, `${VAR}`, `${VAR:-default}`,
//! `${VAR:+alt}`, `${VAR:?message}`, quotes and escaped `\$`) is the builder's
//! word processing, applied on demand with the scope ([`Scope`]) that holds at
//! an instruction.
//!
//! Every instruction keeps its first and last line, the column of its keyword
//! and its original text, so findings and the image mapping can point at it.
//! Errors carry the file, line and column.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

/// A parse error: the file, the 1-based line and column, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub path: PathBuf,
    /// 1-based; 0 when the file could not be read at all.
    pub line: usize,
    /// 1-based, in characters.
    pub column: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.path.display(), self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.path.display(),
                self.line,
                self.column,
                self.message
            )
        }
    }
}

impl std::error::Error for ParseError {}

/// The parser directives at the top of the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Directives {
    /// `# syntax=docker/dockerfile:1`: the frontend image, as written.
    pub syntax: Option<String>,
    /// `# escape=`: `\` (the default) or `` ` ``.
    pub escape: char,
    /// `# check=`: BuildKit's build-check settings, as written.
    pub check: Option<String>,
}

impl Default for Directives {
    fn default() -> Self {
        Directives {
            syntax: None,
            escape: '\\',
            check: None,
        }
    }
}

/// The instruction keywords the builder knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Kind {
    From,
    Run,
    Cmd,
    Label,
    Maintainer,
    Expose,
    Env,
    Add,
    Copy,
    Entrypoint,
    Volume,
    User,
    Workdir,
    Arg,
    Onbuild,
    Stopsignal,
    Healthcheck,
    Shell,
}

impl Kind {
    const ALL: [Kind; 18] = [
        Kind::From,
        Kind::Run,
        Kind::Cmd,
        Kind::Label,
        Kind::Maintainer,
        Kind::Expose,
        Kind::Env,
        Kind::Add,
        Kind::Copy,
        Kind::Entrypoint,
        Kind::Volume,
        Kind::User,
        Kind::Workdir,
        Kind::Arg,
        Kind::Onbuild,
        Kind::Stopsignal,
        Kind::Healthcheck,
        Kind::Shell,
    ];

    /// The keyword in upper case, as the builder prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::From => "FROM",
            Kind::Run => "RUN",
            Kind::Cmd => "CMD",
            Kind::Label => "LABEL",
            Kind::Maintainer => "MAINTAINER",
            Kind::Expose => "EXPOSE",
            Kind::Env => "ENV",
            Kind::Add => "ADD",
            Kind::Copy => "COPY",
            Kind::Entrypoint => "ENTRYPOINT",
            Kind::Volume => "VOLUME",
            Kind::User => "USER",
            Kind::Workdir => "WORKDIR",
            Kind::Arg => "ARG",
            Kind::Onbuild => "ONBUILD",
            Kind::Stopsignal => "STOPSIGNAL",
            Kind::Healthcheck => "HEALTHCHECK",
            Kind::Shell => "SHELL",
        }
    }

    /// The keyword, case-insensitively.
    pub fn from_keyword(word: &str) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(word))
    }

    /// Whether the instruction adds a filesystem layer (the others only
    /// change the image config).
    pub fn creates_layer(self) -> bool {
        matches!(self, Kind::Run | Kind::Copy | Kind::Add)
    }

    /// The flags the builder accepts on this instruction.
    fn flags(self) -> &'static [&'static str] {
        match self {
            Kind::From => &["platform"],
            Kind::Run => &["mount", "network", "security", "device"],
            Kind::Copy => &["from", "chown", "chmod", "link", "parents", "exclude"],
            Kind::Add => &[
                "chown",
                "chmod",
                "link",
                "checksum",
                "keep-git-dir",
                "exclude",
                "unpack",
            ],
            Kind::Healthcheck => &[
                "interval",
                "timeout",
                "start-period",
                "start-interval",
                "retries",
            ],
            _ => &[],
        }
    }

    /// Flags that take no value (`--link`, or `--link=false`).
    fn boolean_flag(self, name: &str) -> bool {
        matches!(
            (self, name),
            (Kind::Copy | Kind::Add, "link")
                | (Kind::Copy, "parents")
                | (Kind::Add, "keep-git-dir" | "unpack")
        )
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `--name=value` flag before an instruction's arguments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flag {
    /// Without the dashes, lower case: `from`, `mount`, `chown`, …
    pub name: String,
    /// As written (quotes kept); `None` for a bare boolean flag (`--link`).
    pub value: Option<String>,
    /// 1-based column of the flag's `--`.
    pub column: usize,
}

/// An instruction's arguments: the exec (JSON) form or the shell form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "form", content = "value", rename_all = "lowercase")]
pub enum Arguments {
    /// `["executable", "arg"]`, decoded.
    Json(Vec<String>),
    /// The rest of the logical line after the flags, continuations joined as
    /// the builder joins them, unexpanded.
    Shell(String),
}

impl Arguments {
    /// Whether this is the exec (JSON) form.
    pub fn is_json(&self) -> bool {
        matches!(self, Arguments::Json(_))
    }
}

/// A here-document attached to a `RUN`, `COPY` or `ADD`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Heredoc {
    /// The terminator (`EOF`), unquoted.
    pub name: String,
    /// The body, each line ending in `\n` (leading tabs removed for `<<-`).
    pub body: String,
    /// False when the name was quoted (`<<"EOF"`): the builder then leaves
    /// `$VAR` in the body alone.
    pub expand: bool,
    /// `<<-EOF`: leading tabs stripped.
    pub strip_tabs: bool,
    /// 1-based line of the body's first line.
    pub line: usize,
}

/// A parsed `--mount=type=cache,target=/root/.cache` value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mount {
    /// `bind` (the default), `cache`, `tmpfs`, `secret` or `ssh`.
    pub kind: String,
    pub target: Option<String>,
    pub source: Option<String>,
    /// The stage or image a bind or cache mount reads from.
    pub from: Option<String>,
    pub id: Option<String>,
    /// Every `key=value` (and bare key, with an empty value) as written.
    pub options: Vec<(String, String)>,
}

impl Mount {
    /// Parse a `--mount` value; `None` when it is empty.
    pub fn parse(value: &str) -> Option<Mount> {
        let value = unquote_simple(value);
        if value.trim().is_empty() {
            return None;
        }
        let mut m = Mount {
            kind: "bind".into(),
            target: None,
            source: None,
            from: None,
            id: None,
            options: Vec::new(),
        };
        for field in split_csv(&value) {
            let (k, v) = match field.split_once('=') {
                Some((k, v)) => (k.trim().to_ascii_lowercase(), v.trim().to_string()),
                None => (field.trim().to_ascii_lowercase(), String::new()),
            };
            match k.as_str() {
                "type" => m.kind = v.clone(),
                "target" | "dst" | "destination" => m.target = Some(v.clone()),
                "source" | "src" => m.source = Some(v.clone()),
                "from" => m.from = Some(v.clone()),
                "id" => m.id = Some(v.clone()),
                _ => {}
            }
            m.options.push((k, v));
        }
        Some(m)
    }
}

/// One instruction, with where it is and what it says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Instruction {
    pub kind: Kind,
    /// The keyword as written (`run`, `Run`, `RUN`).
    pub keyword: String,
    /// 1-based first line.
    pub line: usize,
    /// 1-based last line (continuations and heredoc bodies included).
    pub end_line: usize,
    /// 1-based column of the keyword.
    pub column: usize,
    /// The original text, every physical line from `line` to `end_line`.
    pub text: String,
    pub flags: Vec<Flag>,
    pub args: Arguments,
    pub heredocs: Vec<Heredoc>,
    /// `ENV`, `ARG` and `LABEL`: the `key=value` pairs, values unexpanded and
    /// still quoted as written (`None`: an `ARG` with no default).
    pub pairs: Vec<(String, Option<String>)>,
    /// `ONBUILD`: the trigger instruction.
    pub trigger: Option<Box<Instruction>>,
    /// The file's escape character, for splitting the shell form.
    #[serde(skip)]
    pub escape: char,
}

impl Instruction {
    /// The value of the last `--name` flag (`Some("")` for a bare one).
    pub fn flag(&self, name: &str) -> Option<&str> {
        self.flags
            .iter()
            .rev()
            .find(|f| f.name == name)
            .map(|f| f.value.as_deref().unwrap_or(""))
    }

    /// Whether a boolean flag (`--link`, `--link=true`) is on.
    pub fn flag_on(&self, name: &str) -> bool {
        match self.flag(name) {
            Some(v) => !v.eq_ignore_ascii_case("false"),
            None => false,
        }
    }

    /// Every `--mount` of a `RUN`.
    pub fn mounts(&self) -> Vec<Mount> {
        self.flags
            .iter()
            .filter(|f| f.name == "mount")
            .filter_map(|f| f.value.as_deref().and_then(Mount::parse))
            .collect()
    }

    /// The arguments as words: the JSON list, or the shell form split on
    /// unquoted whitespace with quotes kept (expand them with [`Scope`]).
    pub fn words(&self) -> Vec<String> {
        match &self.args {
            Arguments::Json(v) => v.clone(),
            Arguments::Shell(s) => split_words(s, self.escape)
                .into_iter()
                .map(|w| w.0)
                .collect(),
        }
    }

    /// The arguments as one string: the shell form as written, or the JSON
    /// list joined with spaces.
    pub fn args_text(&self) -> String {
        match &self.args {
            Arguments::Json(v) => v.join(" "),
            Arguments::Shell(s) => s.clone(),
        }
    }

    /// `COPY`/`ADD`: the sources (a heredoc source is written `<<EOF`) and the
    /// destination, unexpanded; `None` for other instructions.
    pub fn copy_paths(&self) -> Option<(Vec<String>, String)> {
        if !matches!(self.kind, Kind::Copy | Kind::Add) {
            return None;
        }
        let mut words = self.words();
        let dest = words.pop()?;
        Some((words, dest))
    }
}

/// One build stage: its `FROM` and what follows it up to the next `FROM`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stage {
    /// 0-based position among the stages.
    pub index: usize,
    /// `AS name`, as written.
    pub name: Option<String>,
    /// The base image (or an earlier stage's name), unexpanded.
    pub base: String,
    /// `--platform`, unexpanded.
    pub platform: Option<String>,
    /// The `FROM` instruction itself.
    pub from: Instruction,
    /// The instructions after the `FROM`.
    pub instructions: Vec<Instruction>,
}

impl Stage {
    /// Whether `name` (a `--from` value or a `FROM` base) names this stage:
    /// its name, case-insensitively, or its index.
    pub fn is_named(&self, name: &str) -> bool {
        self.name
            .as_deref()
            .is_some_and(|n| n.eq_ignore_ascii_case(name))
            || name.parse::<usize>().ok() == Some(self.index)
    }
}

/// A parsed Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dockerfile {
    pub path: PathBuf,
    pub directives: Directives,
    /// The `ARG`s before the first `FROM`.
    pub global_args: Vec<Instruction>,
    pub stages: Vec<Stage>,
}

impl Dockerfile {
    /// Read and parse the file at `path`.
    pub fn read(path: &Path) -> Result<Dockerfile, ParseError> {
        let bytes = std::fs::read(path).map_err(|e| ParseError {
            path: path.to_path_buf(),
            line: 0,
            column: 0,
            message: format!("cannot read the Dockerfile: {e}"),
        })?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let (line, column) = position_of(&e.as_bytes()[..e.utf8_error().valid_up_to()]);
            ParseError {
                path: path.to_path_buf(),
                line,
                column,
                message: "the Dockerfile is not valid UTF-8".into(),
            }
        })?;
        Dockerfile::parse(&text, path)
    }

    /// Parse `text`; `path` only names the file in errors.
    pub fn parse(text: &str, path: impl Into<PathBuf>) -> Result<Dockerfile, ParseError> {
        Parser::new(text, path.into()).run()
    }

    /// Every instruction in file order: global `ARG`s, then each stage's
    /// `FROM` and body.
    pub fn instructions(&self) -> impl Iterator<Item = &Instruction> {
        self.global_args.iter().chain(
            self.stages
                .iter()
                .flat_map(|s| std::iter::once(&s.from).chain(s.instructions.iter())),
        )
    }

    /// The stage a `--from` value or `FROM` base names, if it is a stage
    /// defined before stage `before` (images are not stages).
    pub fn stage_named(&self, name: &str, before: usize) -> Option<&Stage> {
        self.stages[..before.min(self.stages.len())]
            .iter()
            .rev()
            .find(|s| s.is_named(name))
    }

    /// The last stage: what `docker build` produces without `--target`.
    pub fn final_stage(&self) -> Option<&Stage> {
        self.stages.last()
    }

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
}

impl Scope {
    /// An empty scope for a file whose escape character is `escape`.
    pub fn new(escape: char) -> Scope {
        Scope {
            escape,
            env: Vec::new(),
            args: Vec::new(),
        }
    }

    /// The value of `name`, if set.
    pub fn get(&self, name: &str) -> Option<&str> {
        if let Some((_, v)) = self.env.iter().find(|(k, _)| k == name) {
            return Some(v);
        }
        self.args
            .iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.as_deref())
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
        match self.env.iter_mut().find(|(k, _)| k == name) {
            Some(slot) => slot.1 = value,
            None => self.env.push((name.to_string(), value)),
        }
    }

    fn set_arg(&mut self, name: &str, value: Option<String>) {
        match self.args.iter_mut().find(|(k, _)| k == name) {
            Some(slot) => slot.1 = value,
            None => self.args.push((name.to_string(), value)),
        }
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
                        (None, None, Some(g)) => g
                            .args
                            .iter()
                            .find(|(n, _)| n == k)
                            .and_then(|(_, v)| v.clone()),
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

/// Split the shell form into words on unquoted whitespace, quotes and escapes
/// kept, with each word's byte offset.
fn split_words(s: &str, escape: char) -> Vec<(String, usize)> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut start = 0;
    let mut quote: Option<char> = None;
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if quote.is_none() && c.is_whitespace() {
            if !cur.is_empty() {
                words.push((std::mem::take(&mut cur), start));
            }
            continue;
        }
        if cur.is_empty() {
            start = i;
        }
        cur.push(c);
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (q, c) if c == escape && q != Some('\'') => {
                if let Some((_, n)) = chars.next() {
                    cur.push(n);
                }
            }
            _ => {}
        }
    }
    if !cur.is_empty() {
        words.push((cur, start));
    }
    words
}

/// Split a `--mount` value on commas outside quotes.
fn split_csv(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote = None;
    for c in s.chars() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, ',') => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// Remove one pair of surrounding quotes.
fn unquote_simple(s: &str) -> String {
    for q in ['"', '\''] {
        if s.len() >= 2 && s.starts_with(q) && s.ends_with(q) {
            return s[1..s.len() - 1].to_string();
        }
    }
    s.to_string()
}

/// 1-based line and column just after `bytes`.
fn position_of(bytes: &[u8]) -> (usize, usize) {
    let line = bytes.iter().filter(|&&b| b == b'\n').count() + 1;
    let last = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
    let column = String::from_utf8_lossy(&bytes[last..]).chars().count() + 1;
    (line, column)
}

/// A logical line: continuations joined, with a map back to the source.
struct Logical {
    text: String,
    /// (offset in `text`, 0-based source line, byte offset in that line).
    segments: Vec<(usize, usize, usize)>,
    first: usize,
    last: usize,
}

impl Logical {
    /// The 1-based (line, column) of byte `offset` of `text`.
    fn position(&self, offset: usize, lines: &[&str]) -> (usize, usize) {
        let seg = self
            .segments
            .iter()
            .rev()
            .find(|s| s.0 <= offset)
            .copied()
            .unwrap_or((0, self.first, 0));
        let line = lines.get(seg.1).copied().unwrap_or("");
        let mut byte = seg.2 + (offset - seg.0);
        while byte > line.len() || !line.is_char_boundary(byte) {
            byte -= 1;
        }
        (seg.1 + 1, line[..byte].chars().count() + 1)
    }
}

struct Parser<'a> {
    lines: Vec<&'a str>,
    path: PathBuf,
    escape: char,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str, path: PathBuf) -> Parser<'a> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let lines = text
            .split('\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l))
            .collect::<Vec<_>>();
        Parser {
            lines,
            path,
            escape: '\\',
            pos: 0,
        }
    }

    fn error(&self, line: usize, column: usize, message: impl Into<String>) -> ParseError {
        ParseError {
            path: self.path.clone(),
            line,
            column,
            message: message.into(),
        }
    }

    fn run(mut self) -> Result<Dockerfile, ParseError> {
        let directives = self.directives()?;
        self.escape = directives.escape;
        let mut df = Dockerfile {
            path: self.path.clone(),
            directives,
            global_args: Vec::new(),
            stages: Vec::new(),
        };
        while let Some(logical) = self.next_logical() {
            let ins = self.instruction(&logical)?;
            match (ins.kind, df.stages.last_mut()) {
                (Kind::From, _) => {
                    let stage = self.stage(ins, df.stages.len())?;
                    df.stages.push(stage);
                }
                (_, Some(stage)) => stage.instructions.push(ins),
                (Kind::Arg, None) => df.global_args.push(ins),
                (kind, None) => {
                    return Err(self.error(
                        ins.line,
                        ins.column,
                        format!(
                            "{kind} before the first FROM: only ARG may come before FROM \
                             (no build stage in current context)"
                        ),
                    ));
                }
            }
        }
        if df.stages.is_empty() {
            let line = df.global_args.last().map_or(1, |a| a.end_line);
            return Err(self.error(
                line,
                1,
                "the Dockerfile has no FROM: a build needs at least one stage",
            ));
        }
        Ok(df)
    }

    /// Read the parser directives at the top; stop at the first line that is
    /// not one (an unknown directive is a comment and ends them too).
    fn directives(&mut self) -> Result<Directives, ParseError> {
        let mut d = Directives::default();
        let mut seen: Vec<String> = Vec::new();
        while let Some(line) = self.lines.get(self.pos) {
            let Some((key, value)) = directive(line) else {
                break;
            };
            let lower = key.to_ascii_lowercase();
            if !matches!(lower.as_str(), "syntax" | "escape" | "check") {
                break;
            }
            if seen.contains(&lower) {
                return Err(self.error(
                    self.pos + 1,
                    1,
                    format!("only one '{lower}' parser directive can be used"),
                ));
            }
            match lower.as_str() {
                "syntax" => d.syntax = Some(value.to_string()),
                "check" => d.check = Some(value.to_string()),
                _ => {
                    d.escape = match value {
                        "\\" => '\\',
                        "`" => '`',
                        other => {
                            return Err(self.error(
                                self.pos + 1,
                                1,
                                format!("invalid escape token '{other}' does not match ` or \\"),
                            ));
                        }
                    }
                }
            }
            seen.push(lower);
            self.pos += 1;
        }
        Ok(d)
    }

    /// Whether a line ends in the escape character (trailing blanks allowed).
    fn continues<'l>(&self, line: &'l str) -> Option<&'l str> {
        line.trim_end_matches([' ', '\t']).strip_suffix(self.escape)
    }

    /// The next logical line (comments and blank lines skipped).
    fn next_logical(&mut self) -> Option<Logical> {
        while self.pos < self.lines.len() {
            let line = self.lines[self.pos];
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                self.pos += 1;
                continue;
            }
            let first = self.pos;
            let lead = line.len() - trimmed.len();
            let mut logical = Logical {
                text: String::new(),
                segments: Vec::new(),
                first,
                last: first,
            };
            let mut piece = trimmed;
            let mut piece_off = lead;
            let mut line_no = self.pos;
            self.pos += 1;
            loop {
                logical
                    .segments
                    .push((logical.text.len(), line_no, piece_off));
                logical.last = line_no;
                match self.continues(piece) {
                    Some(head) => logical.text.push_str(head),
                    None => {
                        logical.text.push_str(piece);
                        break;
                    }
                }
                // Inside a continuation, BuildKit skips blank and comment lines.
                while self.pos < self.lines.len() {
                    let t = self.lines[self.pos].trim_start();
                    if t.is_empty() || t.starts_with('#') {
                        self.pos += 1;
                    } else {
                        break;
                    }
                }
                if self.pos >= self.lines.len() {
                    break;
                }
                line_no = self.pos;
                piece = self.lines[self.pos];
                piece_off = 0;
                self.pos += 1;
            }
            return Some(logical);
        }
        None
    }

    fn instruction(&mut self, logical: &Logical) -> Result<Instruction, ParseError> {
        let mut ins = self.instruction_at(logical, 0)?;
        if matches!(ins.kind, Kind::Run | Kind::Copy | Kind::Add) && !ins.args.is_json() {
            ins.heredocs = self.heredocs(&ins, logical)?;
            if let Some(last) = ins.heredocs.last() {
                let body_lines = last.body.matches('\n').count();
                ins.end_line = last.line + body_lines;
            }
        }
        ins.text = self.lines[ins.line - 1..ins.end_line.min(self.lines.len())].join("\n");
        if let Some(trigger) = ins.trigger.as_deref_mut() {
            trigger.text = ins.text.clone();
        }
        Ok(ins)
    }

    /// Parse the instruction starting at byte `start` of the logical line
    /// (`ONBUILD` parses its trigger this way).
    fn instruction_at(&self, logical: &Logical, start: usize) -> Result<Instruction, ParseError> {
        let text = &logical.text[start..];
        let kw_len = text.find(char::is_whitespace).unwrap_or(text.len());
        let keyword = &text[..kw_len];
        let (line, column) = logical.position(start, &self.lines);
        let kind = Kind::from_keyword(keyword)
            .ok_or_else(|| self.error(line, column, format!("unknown instruction: {keyword}")))?;
        let mut rest_off = start + kw_len;
        let mut flags = Vec::new();
        // Flags: leading `--words`, as the builder extracts them.
        loop {
            let rest = &logical.text[rest_off..];
            let skipped = rest.len() - rest.trim_start().len();
            let rest = rest.trim_start();
            if !rest.starts_with("--") || kind == Kind::Onbuild {
                rest_off += skipped;
                break;
            }
            let word = split_words(rest, self.escape)
                .into_iter()
                .next()
                .map(|w| w.0)
                .unwrap_or_default();
            let at = rest_off + skipped;
            let (fl, fc) = logical.position(at, &self.lines);
            let body = &word[2..];
            if body.is_empty() {
                rest_off = at + word.len();
                break;
            }
            let (name, value) = match body.split_once('=') {
                Some((n, v)) => (n.to_ascii_lowercase(), Some(v.to_string())),
                None => (body.to_ascii_lowercase(), None),
            };
            if !kind.flags().contains(&name.as_str()) {
                return Err(self.error(fl, fc, format!("unknown flag '--{name}' for {kind}")));
            }
            if value.is_none() && !kind.boolean_flag(&name) {
                return Err(self.error(
                    fl,
                    fc,
                    format!("flag '--{name}' of {kind} needs a value: --{name}=VALUE"),
                ));
            }
            flags.push(Flag {
                name,
                value,
                column: fc,
            });
            rest_off = at + word.len();
        }
        let rest = logical.text[rest_off..].trim();
        let args = match parse_json(rest) {
            Some(list) if json_allowed(kind) => Arguments::Json(list),
            _ => Arguments::Shell(rest.to_string()),
        };
        let mut ins = Instruction {
            kind,
            keyword: keyword.to_string(),
            line,
            end_line: logical.last + 1,
            column,
            text: String::new(),
            flags,
            args,
            heredocs: Vec::new(),
            pairs: Vec::new(),
            trigger: None,
            escape: self.escape,
        };
        self.check_arguments(&mut ins, logical, rest_off)?;
        Ok(ins)
    }

    /// Per-instruction argument rules, and the `ENV`/`ARG`/`LABEL` pairs.
    fn check_arguments(
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
                if !(words.len() == 1 || (words.len() == 3 && words[1].eq_ignore_ascii_case("as")))
                {
                    return fail(
                        "FROM requires either one argument, or three: FROM <image> AS <name>"
                            .into(),
                    );
                }
                if let Some(name) = words.get(2)
                    && !valid_stage_name(name)
                {
                    return fail(format!(
                        "invalid stage name '{name}': use letters, digits, '-', '_' and '.', \
                         starting with a letter"
                    ));
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

    /// Read the heredoc bodies that follow a `RUN`/`COPY`/`ADD`, in order.
    fn heredocs(
        &mut self,
        ins: &Instruction,
        logical: &Logical,
    ) -> Result<Vec<Heredoc>, ParseError> {
        let Arguments::Shell(text) = &ins.args else {
            return Ok(Vec::new());
        };
        let mut docs = Vec::new();
        for (word, _) in split_words(text, self.escape) {
            let Some((strip_tabs, raw)) = heredoc_marker(&word) else {
                continue;
            };
            let quoted = raw.contains(['"', '\'']);
            let name = expand(raw, self.escape, &|_| None).unwrap_or_else(|_| raw.to_string());
            if name.is_empty() {
                continue;
            }
            let line = self.pos + 1;
            let mut body = String::new();
            loop {
                let Some(l) = self.lines.get(self.pos) else {
                    return Err(self.error(
                        logical.first + 1,
                        ins.column,
                        format!("unterminated heredoc '{name}': no line '{name}' ends it"),
                    ));
                };
                self.pos += 1;
                let l = if strip_tabs {
                    l.trim_start_matches('\t')
                } else {
                    l
                };
                if l == name {
                    break;
                }
                body.push_str(l);
                body.push('\n');
            }
            docs.push(Heredoc {
                name,
                body,
                expand: !quoted,
                strip_tabs,
                line,
            });
        }
        Ok(docs)
    }

    fn stage(&self, from: Instruction, index: usize) -> Result<Stage, ParseError> {
        let words = from.words();
        Ok(Stage {
            index,
            name: words.get(2).cloned(),
            base: words.first().cloned().unwrap_or_default(),
            platform: from.flag("platform").map(str::to_string),
            from,
            instructions: Vec::new(),
        })
    }
}

/// `# key=value` at the top of the file.
fn directive(line: &str) -> Option<(&str, &str)> {
    let rest = line.trim_start().strip_prefix('#')?.trim_start();
    let (key, value) = rest.split_once('=')?;
    let key = key.trim_end();
    let valid = key.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && key.chars().all(|c| c.is_ascii_alphanumeric());
    let value = value.trim();
    (valid && !value.is_empty()).then_some((key, value))
}

/// `<<EOF`, `<<-EOF`, `<<"EOF"`, `2<<EOF`: (strip tabs, the name as written).
fn heredoc_marker(word: &str) -> Option<(bool, &str)> {
    let rest = word.trim_start_matches(|c: char| c.is_ascii_digit());
    let rest = rest.strip_prefix("<<")?;
    let (strip, rest) = match rest.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    (!rest.is_empty() && !rest.contains('<')).then_some((strip, rest))
}

/// Instructions whose arguments may be a JSON list.
fn json_allowed(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Run
            | Kind::Cmd
            | Kind::Entrypoint
            | Kind::Shell
            | Kind::Copy
            | Kind::Add
            | Kind::Volume
            | Kind::Healthcheck
    )
}

/// A JSON list of strings, or `None` (then the builder takes the shell form).
fn parse_json(s: &str) -> Option<Vec<String>> {
    if !s.starts_with('[') || !s.ends_with(']') {
        return None;
    }
    serde_json::from_str::<Vec<String>>(s).ok()
}

fn valid_stage_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Dockerfile {
        match Dockerfile::parse(text, "Dockerfile") {
            Ok(d) => d,
            Err(e) => panic!("parse failed: {e}"),
        }
    }

    fn err(text: &str) -> ParseError {
        match Dockerfile::parse(text, "Dockerfile") {
            Ok(d) => panic!("expected an error, parsed {d:?}"),
            Err(e) => e,
        }
    }

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |n| map.get(n).cloned()
    }

    #[test]
    fn continuation_joins_pieces_as_written_and_skips_comments_and_blanks() {
        let d = parse("FROM a\nRUN apt-get update \\\n# comment\n\n    && apt-get install x\n");
        let run = &d.stages[0].instructions[0];
        assert_eq!(
            run.args,
            Arguments::Shell("apt-get update     && apt-get install x".into())
        );
        assert_eq!((run.line, run.end_line, run.column), (2, 5, 1));
    }

    #[test]
    fn escape_directive_changes_the_continuation_character() {
        let d = parse("# escape=`\nFROM a\nRUN dir c:\\ `\n  /b\n");
        assert_eq!(d.directives.escape, '`');
        assert_eq!(
            d.stages[0].instructions[0].args,
            Arguments::Shell("dir c:\\   /b".into())
        );
    }

    #[test]
    fn directives_stop_at_the_first_other_line() {
        let d = parse("# syntax=docker/dockerfile:1\n# comment\n# escape=`\nFROM a\n");
        assert_eq!(d.directives.syntax.as_deref(), Some("docker/dockerfile:1"));
        assert_eq!(d.directives.escape, '\\');
        let e = err("# escape=x\nFROM a\n");
        assert_eq!((e.line, e.column), (1, 1));
        let e = err("# syntax=a\n# SYNTAX=b\nFROM a\n");
        assert_eq!(e.line, 2);
    }

    #[test]
    fn json_and_shell_forms() {
        let d = parse("FROM a\nCMD [\"node\", \"app.js\"]\nRUN [not json\nENTRYPOINT []\n");
        let i = &d.stages[0].instructions;
        assert_eq!(
            i[0].args,
            Arguments::Json(vec!["node".into(), "app.js".into()])
        );
        assert_eq!(i[1].args, Arguments::Shell("[not json".into()));
        assert_eq!(i[2].args, Arguments::Json(vec![]));
    }

    #[test]
    fn flags_are_typed_and_unknown_flags_fail_with_their_column() {
        let d = parse(
            "FROM --platform=$BUILDPLATFORM a AS b\nCOPY --from=b --chown=1:1 --chmod=755 --link x /y\n\
             RUN --mount=type=cache,target=/root/.cache --mount=type=secret,id=npm --network=none true\n",
        );
        assert_eq!(d.stages[0].platform.as_deref(), Some("$BUILDPLATFORM"));
        let copy = &d.stages[0].instructions[0];
        assert_eq!(copy.flag("from"), Some("b"));
        assert_eq!(copy.flag("chown"), Some("1:1"));
        assert!(copy.flag_on("link"));
        assert_eq!(copy.copy_paths(), Some((vec!["x".into()], "/y".into())));
        let run = &d.stages[0].instructions[1];
        let m = run.mounts();
        assert_eq!(m[0].kind, "cache");
        assert_eq!(m[0].target.as_deref(), Some("/root/.cache"));
        assert_eq!(m[1].id.as_deref(), Some("npm"));
        assert_eq!(run.flag("network"), Some("none"));
        assert_eq!(run.args, Arguments::Shell("true".into()));
        let e = err("FROM a\nCOPY --form=b x y\n");
        assert_eq!((e.line, e.column), (2, 6));
        assert!(e.message.contains("--form"), "{}", e.message);
    }

    #[test]
    fn heredocs_take_their_bodies_and_extend_the_instruction() {
        let d = parse(
            "FROM a\nRUN <<EOF\napt-get update\necho $HOME\nEOF\nCOPY <<-\"CONF\" /etc/x.conf\n\tkey=$v\n\tCONF\nUSER x\n",
        );
        let run = &d.stages[0].instructions[0];
        assert_eq!((run.line, run.end_line), (2, 5));
        assert_eq!(run.heredocs[0].body, "apt-get update\necho $HOME\n");
        assert!(run.heredocs[0].expand);
        let copy = &d.stages[0].instructions[1];
        assert_eq!((copy.line, copy.end_line), (6, 8));
        assert_eq!(copy.heredocs[0].body, "key=$v\n");
        assert!(!copy.heredocs[0].expand && copy.heredocs[0].strip_tabs);
        assert_eq!(d.stages[0].instructions[2].line, 9);
        let e = err("FROM a\nRUN <<EOF\necho\n");
        assert!(e.message.contains("unterminated"), "{}", e.message);
    }

    #[test]
    fn two_heredocs_on_one_line_are_read_in_order() {
        let d = parse("FROM a\nRUN <<A cat > /a && <<B cat > /b\none\nA\ntwo\nB\n");
        let run = &d.stages[0].instructions[0];
        let names: Vec<_> = run.heredocs.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(names, ["A", "B"]);
        assert_eq!(run.heredocs[1].body, "two\n");
        assert_eq!(run.end_line, 6);
    }

    #[test]
    fn substitution_forms() {
        let look = vars(&[("A", "x"), ("E", "")]);
        let e = |w: &str| expand(w, '\\', &look);
        assert_eq!(e("$A/${A}/$B-"), Ok("x/x/-".into()));
        assert_eq!(e("${B:-d} ${E:-d} ${E-d} ${B-d}"), Ok("d d  d".into()));
        assert_eq!(e("${A:+y} ${E:+y} ${E+y} ${B+y}"), Ok("y  y ".into()));
        assert_eq!(e("\\$A '$A' \"$A\" \"\\$A\""), Ok("$A $A x $A".into()));
        assert_eq!(e("${B:-${A}}"), Ok("x".into()));
        assert_eq!(e("${B:?must be set}"), Err("B: must be set".into()));
        assert!(e("${A").is_err());
        assert!(e("'open").is_err());
        assert_eq!(expand("`$A", '`', &look), Ok("$A".into()));
    }

    #[test]
    fn scope_follows_arg_env_and_build_args() {
        let d = parse(
            "ARG VERSION=1\nARG BASE=alpine:${VERSION}\nFROM ${BASE} AS build\nARG VERSION\n\
             ENV APP=/app/$VERSION\nARG MODE=dev\nENV MODE=prod\nRUN true\nFROM build\nRUN x\n",
        );
        let none = HashMap::new();
        let g = d.global_scope(&none);
        assert_eq!(g.expand(&d.stages[0].base), Ok("alpine:1".into()));
        let s = d.scope_at(0, 4, &none);
        assert_eq!(s.get("VERSION"), Some("1"));
        assert_eq!(s.get("APP"), Some("/app/1"));
        assert_eq!(s.get("MODE"), Some("prod"), "ENV wins over ARG");
        let given: HashMap<String, String> = [("VERSION".to_string(), "2".to_string())].into();
        assert_eq!(d.scope_at(0, 4, &given).get("APP"), Some("/app/2"));
        // The child stage inherits ENV, not ARG.
        let child = d.scope_at(1, 1, &none);
        assert_eq!(child.get("APP"), Some("/app/1"));
        assert_eq!(child.get("VERSION"), None);
        assert_eq!(d.stage_named("BUILD", 1).map(|s| s.index), Some(0));
    }

    #[test]
    fn env_and_label_pairs() {
        let d = parse(
            "FROM a\nENV A=1 B=\"two words\" C=x\\ y\nENV LEGACY the value here\nLABEL \"com.x\"=\"v\"\nARG X Y=2\n",
        );
        let i = &d.stages[0].instructions;
        assert_eq!(i[0].pairs[1], ("B".into(), Some("\"two words\"".into())));
        assert_eq!(
            i[1].pairs,
            [("LEGACY".into(), Some("the value here".into()))]
        );
        assert_eq!(i[2].pairs[0].0, "com.x");
        assert_eq!(
            i[3].pairs,
            [("X".into(), None), ("Y".into(), Some("2".into()))]
        );
        let s = d.scope_at(0, 1, &HashMap::new());
        assert_eq!(s.get("B"), Some("two words"));
        assert_eq!(s.get("C"), Some("x y"));
    }

    #[test]
    fn errors_name_line_and_column() {
        let e = err("FROM a\n  BOGUS x\n");
        assert_eq!((e.line, e.column), (2, 3));
        assert_eq!(e.to_string(), "Dockerfile:2:3: unknown instruction: BOGUS");
        assert_eq!(err("RUN x\nFROM a\n").line, 1);
        assert!(err("ARG A\n").message.contains("no FROM"));
        assert!(err("FROM a b\n").message.contains("FROM requires"));
        assert!(err("FROM a\nCOPY x\n").message.contains("two arguments"));
        assert!(err("FROM a\nSHELL /bin/sh\n").message.contains("JSON"));
        assert!(err("FROM a\nENV\n").message.contains("at least one"));
        assert!(err("FROM a\nONBUILD FROM b\n").message.contains("ONBUILD"));
        assert!(err("FROM a AS 1x\n").message.contains("stage name"));
    }

    #[test]
    fn onbuild_parses_its_trigger_and_healthcheck_its_forms() {
        let d = parse(
            "FROM a\nONBUILD COPY --chown=1 . /app\nHEALTHCHECK --interval=5s CMD true\nHEALTHCHECK NONE\n",
        );
        let t = d.stages[0].instructions[0].trigger.as_deref();
        assert_eq!(t.map(|t| t.kind), Some(Kind::Copy));
        assert_eq!(t.and_then(|t| t.flag("chown")), Some("1"));
        assert_eq!(
            t.map(|t| t.text.as_str()),
            Some("ONBUILD COPY --chown=1 . /app")
        );
        assert_eq!(d.stages[0].instructions[1].flag("interval"), Some("5s"));
    }

    #[test]
    fn crlf_bom_and_lowercase_keywords() {
        let d = parse("\u{feff}from a as B\r\nrun echo \\\r\n  hi\r\n");
        assert_eq!(d.stages[0].name.as_deref(), Some("B"));
        let run = &d.stages[0].instructions[0];
        assert_eq!(run.kind, Kind::Run);
        assert_eq!(run.keyword, "run");
        assert_eq!(run.args, Arguments::Shell("echo   hi".into()));
        assert_eq!(run.text, "run echo \\\n  hi");
    }
}
