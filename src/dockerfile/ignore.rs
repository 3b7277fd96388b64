//! `.dockerignore` matching with Docker's own rules.
//!
//! The build context a `COPY` sees is the directory minus what `.dockerignore`
//! excludes, so both the lint (does it keep `.git` out?) and the cache
//! simulation (which files does `COPY . .` hash?) need the exact rules the
//! engine applies (moby/patternmatcher and its `ignorefile` reader, used by the
//! legacy builder and BuildKit alike):
//!
//! - a line starting with `#` in column 1 is a comment; lines are trimmed and
//!   blank ones skipped; a UTF-8 byte-order mark on the first line is dropped;
//! - `!` makes a line an exception (re-include); a bare `!` is an error;
//! - each pattern is cleaned like Go's `filepath.Clean` (`./a`, `a/`, `a//b`,
//!   `a/../b`), and one leading `/` is dropped: the context root is both the
//!   working and the root directory;
//! - `*` is any run of characters but `/`, `?` one character but `/`, `[...]`
//!   a class (`^` negates, `a-z` ranges), `\` escapes the next character;
//! - `**` is any number of directories, zero included (`**/x`, `a/**/b`); a
//!   trailing `**` matches everything below; a pattern that *starts* with `**`
//!   followed by plain text matches any path that ends with that text;
//! - a pattern matches a path when it matches the path itself or any of its
//!   parent directories, so excluding a directory excludes its whole subtree;
//! - the last pattern that matches decides, so a later `!` re-includes.
//!
//! The `Dockerfile` and `.dockerignore` are still sent to the engine when
//! excluded, but neither builder lets `COPY`/`ADD` see them, so for every
//! purpose here an excluded path is simply not in the context.

use std::fmt;
use std::path::Path;

/// A parsed `.dockerignore`: its patterns in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ignore {
    patterns: Vec<Pattern>,
}

/// A `.dockerignore` line Docker itself would reject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreError {
    /// 1-based line in the file.
    pub line: usize,
    /// What is wrong, naming the pattern.
    pub message: String,
}

impl fmt::Display for IgnoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for IgnoreError {}

/// One cleaned pattern and how it matches.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Pattern {
    /// The cleaned text without `!`, as Docker compares it.
    text: String,
    /// A `!` line: re-includes what it matches.
    exception: bool,
    matcher: Matcher,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Matcher {
    /// A leading `**` followed by plain text: any path ending with `suffix`
    /// (and, when the suffix starts with `/`, the suffix itself at the root).
    Suffix(String),
    /// Anything else, as a token sequence anchored at both ends.
    Glob(Vec<Token>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Char(char),
    /// `*`: any run of characters other than `/`.
    Star,
    /// `?`: one character other than `/`.
    One,
    /// `[...]`: one character in (or, negated, not in) the ranges.
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
    /// `**/` or an inner `**`: zero or more whole directories (`(.*/)?`).
    Dirs,
    /// A trailing `**`: anything at all.
    Rest,
}

impl Ignore {
    /// Parse the text of a `.dockerignore`.
    pub fn parse(text: &str) -> Result<Ignore, IgnoreError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut patterns = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            if raw.starts_with('#') {
                continue;
            }
            let mut line = raw.trim();
            if line.is_empty() {
                continue;
            }
            let exception = line.starts_with('!');
            if exception {
                line = line[1..].trim();
            }
            let text = clean(line);
            if exception && text.is_empty() {
                return Err(IgnoreError {
                    line: i + 1,
                    message: format!("illegal exclusion pattern '{raw}': `!` needs a pattern"),
                });
            }
            let matcher = compile(&text).map_err(|why| IgnoreError {
                line: i + 1,
                message: format!("bad pattern '{}': {why}", raw.trim()),
            })?;
            patterns.push(Pattern {
                text,
                exception,
                matcher,
            });
        }
        Ok(Ignore { patterns })
    }

    /// Read `DIR/.dockerignore`; `None` when the context has none.
    pub fn load(context: &Path) -> crate::Result<Option<Ignore>> {
        let path = context.join(".dockerignore");
        let text = match std::fs::read(&path) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(crate::Error::io(path, e)),
        };
        Ignore::parse(&text).map(Some).map_err(|e| {
            crate::Error::Usage(format!(
                "'{}' {e}; fix the pattern (Docker rejects it too)",
                path.display()
            ))
        })
    }

    /// A matcher for `COPY`/`ADD` sources (or a `RUN --mount` source): each is a
    /// context path or a wildcard pattern, and selects what it matches and
    /// everything below it. `.` (or `/`) selects the whole context.
    pub fn sources<S: AsRef<str>>(sources: &[S]) -> Result<Ignore, IgnoreError> {
        let mut patterns = Vec::new();
        for (i, source) in sources.iter().enumerate() {
            let text = clean(source.as_ref());
            let matcher = if text.is_empty() {
                Matcher::Glob(vec![Token::Rest])
            } else {
                compile(&text).map_err(|why| IgnoreError {
                    line: i + 1,
                    message: format!("bad source '{}': {why}", source.as_ref()),
                })?
            };
            patterns.push(Pattern {
                text,
                exception: false,
                matcher,
            });
        }
        Ok(Ignore { patterns })
    }

    /// Whether any pattern matches `path` or one of its parents, honouring
    /// exceptions: the same test as [`Ignore::is_excluded`], named for source
    /// lists built with [`Ignore::sources`].
    pub fn selects(&self, path: &str) -> bool {
        self.is_excluded(path)
    }

    /// No patterns: nothing is excluded.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// The patterns in file order, as `(exception, cleaned text)`.
    pub fn patterns(&self) -> impl Iterator<Item = (bool, &str)> {
        self.patterns.iter().map(|p| (p.exception, p.text.as_str()))
    }

    /// Whether the builder leaves `path` (relative to the context root,
    /// `/`-separated; `./`, a leading `/` and a trailing `/` are tolerated) out
    /// of the context.
    pub fn is_excluded(&self, path: &str) -> bool {
        if self.patterns.is_empty() {
            return false;
        }
        let path = clean(path);
        let chars: Vec<char> = path.chars().collect();
        // The path itself and each parent directory, as prefixes of `chars`.
        let ends: Vec<usize> = chars
            .iter()
            .enumerate()
            .filter(|(_, c)| **c == '/')
            .map(|(i, _)| i)
            .chain(std::iter::once(chars.len()))
            .collect();
        let mut excluded = false;
        for p in &self.patterns {
            // Only a pattern that could flip the verdict needs testing.
            if p.exception != excluded {
                continue;
            }
            if ends.iter().any(|&end| p.matcher.matches(&chars[..end])) {
                excluded = !p.exception;
            }
        }
        excluded
    }
}

/// Go's `filepath.Clean` for `/` paths, minus the root: the result is relative
/// (`""` for the root itself).
fn clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            // Lexical: `a/..` is gone; `..` above `/` stays at `/`, but a
            // relative `../x` keeps its `..` (and so can never match).
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            ".." if rooted => {}
            _ => parts.push(part),
        }
    }
    parts.join("/")
}

fn compile(pattern: &str) -> Result<Matcher, String> {
    if let Some(rest) = pattern.strip_prefix("**")
        && !rest.contains(['*', '?', '[', '\\'])
    {
        return Ok(Matcher::Suffix(rest.to_string()));
    }
    let mut tokens = Vec::new();
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
                if chars.peek() == Some(&'/') {
                    chars.next();
                }
                tokens.push(if chars.peek().is_none() {
                    Token::Rest
                } else {
                    Token::Dirs
                });
            }
            '*' => tokens.push(Token::Star),
            '?' => tokens.push(Token::One),
            '\\' => tokens.push(Token::Char(chars.next().unwrap_or('\\'))),
            '[' => tokens.push(class(&mut chars)?),
            c => tokens.push(Token::Char(c)),
        }
    }
    Ok(Matcher::Glob(tokens))
}

/// The rest of a `[...]` class, after its `[`.
fn class(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<Token, String> {
    let negated = chars.next_if_eq(&'^').is_some();
    let mut ranges = Vec::new();
    let mut first = true;
    loop {
        let c = match chars.next() {
            None => return Err("unclosed `[` character class".to_string()),
            Some(']') if !first => break,
            Some('\\') => chars
                .next()
                .ok_or_else(|| "unclosed `[` character class".to_string())?,
            Some(c) => c,
        };
        first = false;
        let hi = if chars.peek() == Some(&'-') {
            chars.next();
            match chars.next() {
                Some(']') => {
                    // `[a-]`: the dash is literal.
                    ranges.push((c, c));
                    ranges.push(('-', '-'));
                    break;
                }
                Some('\\') => chars
                    .next()
                    .ok_or_else(|| "unclosed `[` character class".to_string())?,
                Some(h) => h,
                None => return Err("unclosed `[` character class".to_string()),
            }
        } else {
            c
        };
        if hi < c {
            return Err(format!("bad range `{c}-{hi}` in a character class"));
        }
        ranges.push((c, hi));
    }
    Ok(Token::Class { negated, ranges })
}

impl Matcher {
    fn matches(&self, path: &[char]) -> bool {
        match self {
            Matcher::Suffix(suffix) => {
                let s: Vec<char> = suffix.chars().collect();
                path.ends_with(&s) || (s.first() == Some(&'/') && path == &s[1..])
            }
            Matcher::Glob(tokens) => {
                let mut failed = vec![false; (tokens.len() + 1) * (path.len() + 1)];
                glob(tokens, 0, path, 0, &mut failed)
            }
        }
    }
}

/// Backtracking match of `tokens[t..]` against `path[p..]`, remembering the
/// states that failed so a pattern full of stars stays linear-ish.
fn glob(tokens: &[Token], t: usize, path: &[char], p: usize, failed: &mut [bool]) -> bool {
    let slot = t * (path.len() + 1) + p;
    if failed[slot] {
        return false;
    }
    let ok = match tokens.get(t) {
        None => p == path.len(),
        Some(Token::Char(c)) => path.get(p) == Some(c) && glob(tokens, t + 1, path, p + 1, failed),
        Some(Token::One) => {
            path.get(p).is_some_and(|c| *c != '/') && glob(tokens, t + 1, path, p + 1, failed)
        }
        Some(Token::Class { negated, ranges }) => {
            path.get(p)
                .is_some_and(|c| ranges.iter().any(|(lo, hi)| (lo..=hi).contains(&c)) != *negated)
                && glob(tokens, t + 1, path, p + 1, failed)
        }
        Some(Token::Star) => {
            let mut q = p;
            loop {
                if glob(tokens, t + 1, path, q, failed) {
                    break true;
                }
                match path.get(q) {
                    Some(c) if *c != '/' => q += 1,
                    _ => break false,
                }
            }
        }
        Some(Token::Dirs) => {
            // Zero directories, or any run that ends just after a `/`.
            glob(tokens, t + 1, path, p, failed)
                || (p..path.len())
                    .filter(|&q| path[q] == '/')
                    .any(|q| glob(tokens, t + 1, path, q + 1, failed))
        }
        Some(Token::Rest) => true,
    };
    if !ok {
        failed[slot] = true;
    }
    ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ignore(text: &str) -> Ignore {
        Ignore::parse(text).expect("valid .dockerignore")
    }

    fn check(text: &str, excluded: &[&str], included: &[&str]) {
        let ig = ignore(text);
        for path in excluded {
            assert!(ig.is_excluded(path), "{text:?} should exclude {path:?}");
        }
        for path in included {
            assert!(!ig.is_excluded(path), "{text:?} should keep {path:?}");
        }
    }

    /// The example file from the Dockerfile reference, rule by rule.
    #[test]
    fn documented_example_file() {
        check(
            "# comment\n*/temp*\n*/*/temp*\ntemp?\n",
            &[
                "somedir/temporary.txt",
                "somedir/temp",
                "somedir/temp/inner.txt",
                "somedir/subdir/temporary.txt",
                "tempa",
                "tempb",
            ],
            &[
                "temporary.txt",
                "temp",
                "tempab",
                "a/b/c/temp",
                "# comment",
                "somedir/other",
            ],
        );
    }

    #[test]
    fn leading_slash_and_dot_slash_mean_the_context_root() {
        for pat in ["/foo/bar", "foo/bar", "./foo/bar", "foo//bar/", "foo/./bar"] {
            check(
                pat,
                &["foo/bar", "foo/bar/baz.txt"],
                &["bar", "x/foo/bar", "foo", "foo/barn"],
            );
        }
    }

    #[test]
    fn double_star_matches_any_number_of_directories() {
        check(
            "**/*.go",
            &["main.go", "cmd/main.go", "a/b/c/x.go"],
            &["main.go.txt", "gopher", "a/b/go"],
        );
        check(
            "a/**/b",
            &["a/b", "a/x/b", "a/x/y/b", "a/x/b/file"],
            &["a/xb", "b", "x/a/b"],
        );
        check("dir/**", &["dir/x", "dir/x/y"], &["dir", "dirx/y"]);
        check(
            "**/node_modules",
            &["node_modules", "web/node_modules/left-pad/index.js"],
            &["node_modules_old", "web/my_node_modules"],
        );
        check("**", &["anything", "a/b/c"], &[]);
    }

    /// `**foo` (no slash) is Docker's suffix match: any path ending in `foo`.
    #[test]
    fn leading_double_star_without_slash_is_a_suffix_match() {
        check("**.log", &["app.log", "var/x.log"], &["app.log.1"]);
    }

    #[test]
    fn exceptions_and_the_last_match_wins() {
        // The documented README examples.
        check("*.md\n!README.md\n", &["CHANGES.md"], &["README.md"]);
        check(
            "*.md\n!README*.md\nREADME-secret.md\n",
            &["CHANGES.md", "README-secret.md"],
            &["README.md", "README-public.md"],
        );
        check(
            "*.md\nREADME-secret.md\n!README*.md\n",
            &["CHANGES.md"],
            &["README.md", "README-secret.md"],
        );
        // Include-only: exclude everything, then list what is sent.
        check(
            "*\n!src\n!package.json\n",
            &["README.md", "node_modules/x/index.js"],
            &["src/main.js", "package.json"],
        );
    }

    #[test]
    fn an_excluded_directory_takes_its_subtree_unless_an_exception_reincludes() {
        check(
            "docs\n!docs/keep.md\n",
            &["docs", "docs/a.md", "docs/sub/b.md"],
            &["docs/keep.md", "docsy"],
        );
    }

    #[test]
    fn wildcards_do_not_cross_slashes() {
        check("*.txt", &["a.txt"], &["dir/a.txt"]);
        check("?", &["a", "a/inside"], &["ab", "/"]);
        check("a?c", &["abc"], &["a/c"]);
    }

    #[test]
    fn character_classes_and_escapes() {
        check("file[0-9].txt", &["file1.txt"], &["filex.txt"]);
        check("file[^0-9].txt", &["filex.txt"], &["file1.txt"]);
        check(r"lit\*", &["lit*"], &["litx"]);
        check("[]x]", &["]", "x"], &["y"]);
    }

    #[test]
    fn comments_blank_lines_and_whitespace() {
        let ig = ignore("\u{feff}# a comment\n\n   .git   \n  # not a comment\n! .env\n");
        assert_eq!(
            ig.patterns().collect::<Vec<_>>(),
            vec![(false, ".git"), (false, "# not a comment"), (true, ".env")]
        );
        assert!(ig.is_excluded(".git/HEAD"));
        assert!(ig.is_excluded("# not a comment"));
    }

    #[test]
    fn dot_dot_is_cleaned_lexically() {
        check("a/../b", &["b"], &["a/b", "a"]);
        check("/../secret", &["secret"], &[]);
        check("../secret", &[], &["secret"]);
    }

    #[test]
    fn bad_patterns_are_errors_with_the_line() {
        let e = Ignore::parse("ok\n!\n").expect_err("a bare ! is illegal");
        assert_eq!(e.line, 2);
        let e = Ignore::parse("a\nb\n[abc\n").expect_err("unclosed class");
        assert_eq!(e.line, 3);
        assert!(e.to_string().contains("[abc"), "{e}");
        assert!(Ignore::parse("[z-a]").is_err());
    }

    #[test]
    fn copy_sources_select_paths_and_subtrees() {
        let all = Ignore::sources(&["."]).expect("sources");
        assert!(all.selects("a") && all.selects("x/y/z"));
        let some = Ignore::sources(&["package*.json", "./src/", "/lib"]).expect("sources");
        for p in ["package.json", "package-lock.json", "src/a.js", "lib/x/y"] {
            assert!(some.selects(p), "{p}");
        }
        for p in ["sub/package.json", "srcx", "README.md"] {
            assert!(!some.selects(p), "{p}");
        }
    }

    #[test]
    fn empty_file_excludes_nothing() {
        let ig = ignore("# only a comment\n\n");
        assert!(ig.is_empty());
        assert!(!ig.is_excluded(".git"));
    }

    #[test]
    fn a_pattern_full_of_stars_does_not_blow_up() {
        let pat = "*a*a*a*a*a*a*a*a*a*a*a*a*b";
        let path = "a".repeat(200);
        assert!(!ignore(pat).is_excluded(&path));
    }
}
