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

use crate::glob::{DoubleStar, Glob, Syntax, Unit};

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
    /// Anything else, anchored at both ends, in linear time.
    Glob(Glob),
}

/// Docker's pattern dialect: `**` is zero or more directories (anything when
/// trailing), `[...]` classes and `\` escapes, `?` one character.
const SYNTAX: Syntax = Syntax {
    double_star: DoubleStar::Dirs,
    classes: true,
    escapes: true,
    unit: Unit::Char,
};

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

    /// A matcher for `COPY`/`ADD` sources (or a `RUN --mount` source): each is a
    /// context path or a wildcard pattern, and selects what it matches and
    /// everything below it. `.` (or `/`) selects the whole context.
    pub fn sources<S: AsRef<str>>(sources: &[S]) -> Result<Ignore, IgnoreError> {
        let mut patterns = Vec::new();
        for (i, source) in sources.iter().enumerate() {
            let text = clean(source.as_ref());
            // `.` (cleaned to nothing) is the whole context.
            let pattern = if text.is_empty() { "**" } else { &text };
            let matcher = compile(pattern).map_err(|why| IgnoreError {
                line: i + 1,
                message: format!("bad source '{}': {why}", source.as_ref()),
            })?;
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
        let mut excluded = false;
        for p in &self.patterns {
            // Only a pattern that could flip the verdict needs testing.
            if p.exception != excluded {
                continue;
            }
            if p.matcher.matches_self_or_parent(&path) {
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
    Glob::new(pattern, SYNTAX).map(Matcher::Glob)
}

impl Matcher {
    /// Whether the pattern matches `path` or one of its parent directories.
    fn matches_self_or_parent(&self, path: &str) -> bool {
        match self {
            Matcher::Suffix(suffix) => {
                let at = |end: &str| {
                    end.ends_with(suffix.as_str())
                        || suffix.strip_prefix('/').is_some_and(|s| end == s)
                };
                path.match_indices('/').any(|(i, _)| at(&path[..i])) || at(path)
            }
            Matcher::Glob(glob) => glob.matches_self_or_parent(path),
        }
    }
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

    /// Once a stack overflow: the old matcher recursed once per token.
    #[test]
    fn a_dockerignore_line_of_100k_double_stars_is_linear_not_a_stack_overflow() {
        let start = std::time::Instant::now();
        let line = "**/".repeat(100_000);
        check(&line, &["a", "a/b/c"], &[]);
        check(&format!("{line}x"), &["x", "a/b/x", "a/x/c"], &["a/b/c"]);
        let many = "**/\n".repeat(20_000) + "!**/keep\n";
        check(&many, &["a/b"], &["keep", "a/keep"]);
        let took = start.elapsed();
        assert!(took < std::time::Duration::from_secs(5), "took {took:?}");
    }

    /// The matcher before `crate::glob` (a memoised backtracker), kept as the
    /// reference: the new one must agree with it on every small case.
    fn reference(pattern: &str, path: &str) -> bool {
        #[derive(Debug)]
        enum T {
            Char(char),
            Star,
            One,
            Class(bool, Vec<(char, char)>),
            Dirs,
            Rest,
        }
        fn go(ts: &[T], t: usize, p: &[char], i: usize) -> bool {
            match ts.get(t) {
                None => i == p.len(),
                Some(T::Char(c)) => p.get(i) == Some(c) && go(ts, t + 1, p, i + 1),
                Some(T::One) => p.get(i).is_some_and(|c| *c != '/') && go(ts, t + 1, p, i + 1),
                Some(T::Class(neg, rs)) => {
                    p.get(i)
                        .is_some_and(|c| rs.iter().any(|(l, h)| (l..=h).contains(&c)) != *neg)
                        && go(ts, t + 1, p, i + 1)
                }
                Some(T::Star) => (i..=p.len())
                    .take_while(|&q| q == i || p[q - 1] != '/')
                    .any(|q| go(ts, t + 1, p, q)),
                Some(T::Dirs) => {
                    go(ts, t + 1, p, i)
                        || (i..p.len()).any(|q| p[q] == '/' && go(ts, t + 1, p, q + 1))
                }
                Some(T::Rest) => true,
            }
        }
        let mut ts = Vec::new();
        let mut cs = pattern.chars().peekable();
        while let Some(c) = cs.next() {
            ts.push(match c {
                '*' if cs.next_if_eq(&'*').is_some() => {
                    cs.next_if_eq(&'/');
                    if cs.peek().is_none() {
                        T::Rest
                    } else {
                        T::Dirs
                    }
                }
                '*' => T::Star,
                '?' => T::One,
                '\\' => T::Char(cs.next().unwrap_or('\\')),
                '[' => {
                    let neg = cs.next_if_eq(&'^').is_some();
                    let first = cs.next().expect("closed class");
                    let mut rs = vec![(first, first)];
                    for c in cs.by_ref() {
                        if c == ']' {
                            break;
                        }
                        rs.push((c, c));
                    }
                    T::Class(neg, rs)
                }
                c => T::Char(c),
            });
        }
        let p: Vec<char> = path.chars().collect();
        go(&ts, 0, &p, 0)
    }

    /// Every pattern of up to four pieces against every path of up to four
    /// symbols, both from small alphabets: the new matcher agrees with the old.
    #[test]
    fn the_linear_matcher_agrees_with_the_old_backtracker() {
        let pieces = ["a", "b", "/", "*", "?", "**", "**/", "[ab]", "[^a]", "\\*"];
        let symbols = ["a", "b", "/", "*"];
        let mut patterns = vec![String::new()];
        for _ in 0..3 {
            let grown: Vec<String> = patterns
                .iter()
                .flat_map(|p| pieces.iter().map(move |x| format!("{p}{x}")))
                .collect();
            patterns.extend(grown);
        }
        let mut paths = vec![String::new()];
        for _ in 0..4 {
            let grown: Vec<String> = paths
                .iter()
                .flat_map(|p| symbols.iter().map(move |x| format!("{p}{x}")))
                .collect();
            paths.extend(grown);
        }
        paths.sort();
        paths.dedup();
        for pattern in &patterns {
            let Ok(Matcher::Glob(glob)) = compile(pattern) else {
                continue;
            };
            for path in &paths {
                assert_eq!(
                    glob.is_match(path),
                    reference(pattern, path),
                    "{pattern:?} against {path:?}"
                );
                let parents = path.match_indices('/').map(|(i, _)| &path[..i]);
                assert_eq!(
                    glob.matches_self_or_parent(path),
                    parents
                        .chain([path.as_str()])
                        .any(|p| reference(pattern, p)),
                    "{pattern:?} against {path:?} or a parent"
                );
            }
        }
    }
}
