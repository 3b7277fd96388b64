//! The Dockerfile syntax tree: stages, instructions, their flags, arguments,
//! heredocs and `--mount`s, each instruction with its position in the file.
//!
//! The parser ([`super::parser`]) builds it; the lint, the cache simulation
//! and the image join read it and never re-read the text.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

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
    pub(super) fn flags(self) -> &'static [&'static str] {
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
    pub(super) fn boolean_flag(self, name: &str) -> bool {
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
    /// unquoted whitespace with quotes kept (expand them with [`Scope`](crate::dockerfile::Scope)).
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
    /// Each stage's scope at its end, kept by the parser (a cache).
    #[serde(skip)]
    pub(crate) ends: super::expand::StageEnds,
    /// The limits it was parsed within; its scopes expand within them too.
    #[serde(skip)]
    pub(crate) limits: crate::limits::Limits,
}

impl Dockerfile {
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
}

/// Split the shell form into words on unquoted whitespace, quotes and escapes
/// kept, with each word's byte offset.
pub(super) fn split_words(s: &str, escape: char) -> Vec<(String, usize)> {
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
