//! The Dockerfile parser: BuildKit's syntax into the typed tree of [`super::ast`].
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

use crate::limits::{Limit, Limits};
use std::fmt;
use std::path::{Path, PathBuf};

use super::ast::{
    Arguments, Directives, Dockerfile, Flag, Heredoc, Instruction, Kind, Stage, split_words,
};
use super::expand::expand;

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

impl Dockerfile {
    /// Read and parse the file at `path`.
    pub fn read(path: &Path) -> Result<Dockerfile, ParseError> {
        Dockerfile::read_within(path, &Limits::default())
    }

    /// Read and parse the file at `path` within `limits` (`stages`,
    /// `expanded-value`, `expanded-scope`, `expanded-total`,
    /// `substitution-depth`).
    pub fn read_within(path: &Path, limits: &Limits) -> Result<Dockerfile, ParseError> {
        let bytes =
            super::file::read_regular_file_within(path, limits).map_err(|e| ParseError {
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
        Dockerfile::parse_within(&text, path, limits)
    }

    /// Parse `text`; `path` only names the file in errors.
    pub fn parse(text: &str, path: impl Into<PathBuf>) -> Result<Dockerfile, ParseError> {
        Dockerfile::parse_within(text, path, &Limits::default())
    }

    /// Parse `text` within `limits`; `path` only names the file in errors.
    pub fn parse_within(
        text: &str,
        path: impl Into<PathBuf>,
        limits: &Limits,
    ) -> Result<Dockerfile, ParseError> {
        Parser::new(text, path.into()).run(*limits)
    }
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

    fn run(mut self, limits: Limits) -> Result<Dockerfile, ParseError> {
        let directives = self.directives()?;
        self.escape = directives.escape;
        let mut df = Dockerfile {
            path: self.path.clone(),
            directives,
            global_args: Vec::new(),
            stages: Vec::new(),
            ends: Default::default(),
            limits,
        };
        let max_stages = limits.len(Limit::Stages);
        while let Some(logical) = self.next_logical() {
            let ins = self.instruction(&logical)?;
            let full = df.stages.len() >= max_stages;
            match (ins.kind, df.stages.last_mut()) {
                (Kind::From, _) if full => {
                    return Err(self.error(
                        ins.line,
                        ins.column,
                        format!(
                            "more than {max_stages} build stages: split the Dockerfile, or {}",
                            limits.breach(Limit::Stages, None)
                        ),
                    ));
                }
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
        df.ends = df
            .stage_ends()
            .map_err(|b| self.error(b.line, 1, format!("{} {}: {}", b.kind, b.name, b.message)))?;
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

mod arguments;
#[cfg(test)]
mod tests;
