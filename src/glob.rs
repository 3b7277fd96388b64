//! Wildcard patterns, compiled once and matched in linear time.
//!
//! A pattern compiles to a list of tokens; matching runs them as an automaton
//! over the text, keeping the set of tokens that can come next, so a match
//! costs O(pattern length × text length) whatever the pattern (a backtracking
//! matcher can take exponential time on a pattern of many `**`). Each caller
//! picks its dialect with [`Syntax`]: what `**` means, whether `[...]` classes
//! and `\` escapes exist, and whether `?` is one byte or one character. This
//! module imports nothing from the crate.

/// What `**` means in a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DoubleStar {
    /// Nothing special: two `*`.
    Star,
    /// Any run of characters, `/` included; one `/` right after it belongs to
    /// it, so `a/**/b` matches `a/b`, `a/x/y/b` (and `a/xb`).
    AnyRun,
    /// Zero or more directories: nothing, or any run that ends with `/`; one
    /// `/` right after it belongs to it, and at the end of the pattern it
    /// matches anything (`.dockerignore`).
    Dirs,
}

/// What a pattern's single characters stand for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    /// `?` is one byte (a non-ASCII character takes as many `?` as it has bytes).
    Byte,
    /// `?` is one character.
    Char,
}

/// A pattern dialect. In every dialect `*` is any run of characters but `/`
/// and `?` is one character (or byte) but `/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Syntax {
    pub(crate) double_star: DoubleStar,
    /// `[a-z]`, `[^a-z]`: one character in (or not in) the ranges, `/` included;
    /// a `]` first in the class is literal, as is a `-` last.
    pub(crate) classes: bool,
    /// `\c` is the character `c` (a trailing `\` is itself); also inside classes.
    pub(crate) escapes: bool,
    pub(crate) unit: Unit,
}

/// A compiled pattern: compile once with [`Glob::new`], match many texts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Glob {
    tokens: Vec<Token>,
    unit: Unit,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// One symbol (a byte or a character, by the [`Unit`]).
    Lit(u32),
    /// `?`: one symbol but `/`.
    One,
    /// `[...]`: one symbol in (or, negated, not in) the inclusive ranges.
    Class {
        negated: bool,
        ranges: Vec<(u32, u32)>,
    },
    /// `*`: any run of symbols but `/`.
    Star,
    /// `**` as [`DoubleStar::AnyRun`]: any run of symbols.
    AnyRun,
    /// `**` as [`DoubleStar::Dirs`]: nothing, or any run ending with `/`.
    Dirs,
}

const SLASH: u32 = '/' as u32;

impl Glob {
    /// Compile `pattern` in `syntax`; the error (a bad class) says what is wrong.
    pub(crate) fn new(pattern: &str, syntax: Syntax) -> Result<Glob, String> {
        let mut tokens = Vec::new();
        let mut chars = pattern.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '*' if chars.peek() == Some(&'*') && syntax.double_star != DoubleStar::Star => {
                    chars.next();
                    chars.next_if_eq(&'/');
                    let at_end = chars.peek().is_none();
                    tokens.push(match syntax.double_star {
                        DoubleStar::Dirs if !at_end => Token::Dirs,
                        _ => Token::AnyRun,
                    });
                }
                '*' => tokens.push(Token::Star),
                '?' => tokens.push(Token::One),
                '\\' if syntax.escapes => {
                    push_char(&mut tokens, chars.next().unwrap_or('\\'), syntax.unit);
                }
                '[' if syntax.classes => tokens.push(class(&mut chars, syntax)?),
                c => push_char(&mut tokens, c, syntax.unit),
            }
        }
        Ok(Glob {
            tokens,
            unit: syntax.unit,
        })
    }

    /// Whether the whole of `text` matches the whole pattern.
    pub(crate) fn is_match(&self, text: &str) -> bool {
        match self.unit {
            Unit::Byte => self.run(text.bytes().map(u32::from), false),
            Unit::Char => self.run(text.chars().map(u32::from), false),
        }
    }

    /// Whether the pattern matches `text` or one of its parent directories
    /// (a prefix that ends just before a `/`), in one pass over `text`.
    pub(crate) fn matches_self_or_parent(&self, text: &str) -> bool {
        match self.unit {
            Unit::Byte => self.run(text.bytes().map(u32::from), true),
            Unit::Char => self.run(text.chars().map(u32::from), true),
        }
    }

    /// The automaton: `at[t]` is "token `t` comes next" (`t == len` is the
    /// end of the pattern), `inside[t]` is "within the run of `Dirs` token `t`".
    /// Each symbol costs one pass over the tokens. `parents`: a match of the
    /// text before any `/` counts too.
    fn run(&self, text: impl Iterator<Item = u32>, parents: bool) -> bool {
        let n = self.tokens.len();
        let mut at = vec![false; n + 1];
        let mut inside = vec![false; n];
        at[0] = true;
        self.close(&mut at);
        let (mut next_at, mut next_inside) = (vec![false; n + 1], vec![false; n]);
        for s in text {
            if parents && s == SLASH && at[n] {
                return true;
            }
            next_at.fill(false);
            next_inside.fill(false);
            let mut alive = false;
            for (t, token) in self.tokens.iter().enumerate() {
                if inside[t] {
                    next_inside[t] = true;
                    next_at[t + 1] |= s == SLASH;
                    alive = true;
                }
                if !at[t] {
                    continue;
                }
                let (stay, advance) = match token {
                    Token::Lit(c) => (false, s == *c),
                    Token::One => (false, s != SLASH),
                    Token::Class { negated, ranges } => {
                        let hit = ranges.iter().any(|&(lo, hi)| (lo..=hi).contains(&s));
                        (false, hit != *negated)
                    }
                    Token::Star => (s != SLASH, false),
                    Token::AnyRun => (true, false),
                    Token::Dirs => {
                        next_inside[t] = true;
                        alive = true;
                        (false, s == SLASH)
                    }
                };
                next_at[t] |= stay;
                next_at[t + 1] |= advance;
                alive |= stay || advance;
            }
            if !alive {
                return false;
            }
            self.close(&mut next_at);
            std::mem::swap(&mut at, &mut next_at);
            std::mem::swap(&mut inside, &mut next_inside);
        }
        at[n]
    }

    /// Follow the moves that consume nothing: every run token may be empty.
    /// One forward pass suffices, as these moves only go forward.
    fn close(&self, at: &mut [bool]) {
        for (t, token) in self.tokens.iter().enumerate() {
            if at[t] && matches!(token, Token::Star | Token::AnyRun | Token::Dirs) {
                at[t + 1] = true;
            }
        }
    }
}

/// A literal character: one token, or one per UTF-8 byte for [`Unit::Byte`].
fn push_char(tokens: &mut Vec<Token>, c: char, unit: Unit) {
    match unit {
        Unit::Char => tokens.push(Token::Lit(u32::from(c))),
        Unit::Byte => {
            let mut buf = [0; 4];
            tokens.extend(
                c.encode_utf8(&mut buf)
                    .bytes()
                    .map(|b| Token::Lit(b.into())),
            );
        }
    }
}

/// The rest of a `[...]` class, after its `[`.
fn class(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    syntax: Syntax,
) -> Result<Token, String> {
    const UNCLOSED: &str = "unclosed `[` character class";
    let member = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>, c: char| {
        if c == '\\' && syntax.escapes {
            chars.next().ok_or_else(|| UNCLOSED.to_string())
        } else {
            Ok(c)
        }
    };
    let negated = chars.next_if_eq(&'^').is_some();
    let mut ranges = Vec::new();
    let mut first = true;
    loop {
        let c = match chars.next() {
            None => return Err(UNCLOSED.to_string()),
            Some(']') if !first => break,
            Some(c) => member(chars, c)?,
        };
        first = false;
        let hi = if chars.next_if_eq(&'-').is_some() {
            match chars.next() {
                // `[a-]`: the dash is literal.
                Some(']') => {
                    ranges.push((c, c));
                    ranges.push(('-', '-'));
                    break;
                }
                Some(h) => member(chars, h)?,
                None => return Err(UNCLOSED.to_string()),
            }
        } else {
            c
        };
        if hi < c {
            return Err(format!("bad range `{c}-{hi}` in a character class"));
        }
        ranges.push((c, hi));
    }
    if syntax.unit == Unit::Byte
        && ranges
            .iter()
            .any(|(lo, hi)| !lo.is_ascii() || !hi.is_ascii())
    {
        return Err("a non-ASCII character class in a byte pattern".to_string());
    }
    let ranges = ranges
        .into_iter()
        .map(|(lo, hi)| (u32::from(lo), u32::from(hi)))
        .collect();
    Ok(Token::Class { negated, ranges })
}

#[cfg(test)]
mod tests;
