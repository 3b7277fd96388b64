//! Markdown (GitHub-flavoured): whatever comes from the image goes into a code
//! span sized to its backticks or into backslash-escaped text, so it can never
//! format, open an HTML tag, end a table row, break out of a list item, mention
//! a user (`@name`) or link an issue (`#12`). Control characters and bidi
//! controls are shown as escapes (`\n`, `\u{202e}`) in both.

use super::terminal::is_hidden;

/// A fenced code block that nothing inside can close.
pub(crate) fn fenced(lang: &str, body: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in body.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat((longest + 1).max(3));
    let body = super::terminal::escape_block(body);
    let body = body.trim_end_matches('\n');
    format!("{fence}{lang}\n{body}\n{fence}\n")
}

/// Control characters and bidi controls as escapes (`\n`, `\t`, `\u{1b}`,
/// `\u{202e}`): a newline in a command or file name must not end a table row
/// or a list item, and U+202E must not show `evil` as `live`.
pub(crate) fn visible(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if is_hidden(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// A code span holding `s` literally (outside tables).
pub(crate) fn code(s: &str) -> String {
    span(&visible(s))
}

/// A code span inside a table cell: pipes escaped (GFM drops the backslash,
/// also inside code spans).
pub(crate) fn cell_code(s: &str) -> String {
    span(&visible(s).replace('|', "\\|"))
}

fn span(s: &str) -> String {
    if s.is_empty() {
        return "(empty)".into();
    }
    let mut longest = 0;
    let mut run = 0;
    for c in s.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    // A span starting or ending with a backtick needs a space; CommonMark strips
    // one space from each end when both are there.
    let both_spaces = s.starts_with(' ') && s.ends_with(' ') && s.trim() != "";
    let pad = if s.starts_with('`') || s.ends_with('`') || both_spaces {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// Plain text for a table cell.
pub(crate) fn cell_text(s: &str) -> String {
    escape_text(&visible(s)).replace('|', "\\|")
}

/// Text with backslash escapes for what would otherwise format: emphasis,
/// links, HTML, strikethrough, GitHub's `$` math, entity references; a zero
/// width space after `@` and `#` where GitHub would make a mention or an issue
/// link of them (as dependency bots write), so a comment notifies nobody.
pub(crate) fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let escape = match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '~' | '$' => true,
            '&' => chars
                .get(i + 1)
                .is_some_and(|n| n.is_ascii_alphanumeric() || *n == '#'),
            '#' | '+' | '-' | '=' => i == 0,
            _ => false,
        };
        if escape {
            out.push('\\');
        }
        out.push(c);
        let next = chars.get(i + 1);
        // GitHub links `@name` and `#12` only where they start a word:
        // `image@sha256:…` and `a#1` stay as they are (and copy as typed).
        let starts_word = i == 0 || !chars[i - 1].is_alphanumeric();
        let links = starts_word
            && match c {
                '@' => next.is_some_and(|n| n.is_alphanumeric() || *n == '-'),
                '#' => next.is_some_and(char::is_ascii_digit),
                _ => false,
            };
        if links {
            out.push('\u{200b}');
        }
    }
    out
}

/// Prose in a table cell: [`prose`] with its pipes escaped.
pub(crate) fn cell_prose(s: &str) -> String {
    prose(s).replace('|', "\\|")
}

/// Prose from the analysis (advice, explanations): its backtick-quoted parts
/// become code spans, everything else escaped text. With an odd number of
/// backticks (a file name holding one) nothing is taken as code.
pub(crate) fn prose(s: &str) -> String {
    let s = visible(s);
    let parts: Vec<&str> = s.split('`').collect();
    if parts.len().is_multiple_of(2) {
        return escape_text(&s);
    }
    let mut out = String::with_capacity(s.len());
    for (i, part) in parts.iter().enumerate() {
        if i % 2 == 1 && !part.is_empty() {
            out.push_str(&span(part));
        } else if i % 2 == 0 {
            out.push_str(&escape_text(part));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_fit_their_backticks_and_tables_escape_pipes() {
        assert_eq!(code("a|b"), "`a|b`");
        assert_eq!(cell_code("a|b"), "`a\\|b`");
        assert_eq!(code("echo `id`"), "`` echo `id` ``");
        assert_eq!(code("``x"), "``` ``x ```");
        assert_eq!(code("a\nb"), "`a\\nb`");
        assert_eq!(code(""), "(empty)");
    }

    #[test]
    fn prose_keeps_code_and_escapes_the_rest() {
        assert_eq!(
            prose("add `.git` to .dockerignore: /a_*b*_"),
            "add `.git` to .dockerignore: /a\\_\\*b\\*\\_"
        );
        assert_eq!(prose("a ` b"), "a \\` b");
        assert_eq!(prose("x &amp; y && z $HOME"), "x \\&amp; y && z \\$HOME");
    }

    #[test]
    fn html_mentions_issue_links_and_bidi_are_defused() {
        assert_eq!(
            escape_text("<img src=x onerror=alert(1)>"),
            "\\<img src=x onerror=alert(1)\\>"
        );
        assert_eq!(escape_text("cc @octocat"), "cc @\u{200b}octocat");
        assert_eq!(escape_text("fixes #1"), "fixes #\u{200b}1");
        // Inside a word GitHub links nothing: a digest reference copies as typed.
        assert_eq!(escape_text("alpine:3.19@sha256:x"), "alpine:3.19@sha256:x");
        assert_eq!(escape_text("a#1"), "a#1");
        assert_eq!(escape_text("a@ b#x"), "a@ b#x");
        assert_eq!(code("\u{202e}evil"), "`\\u{202e}evil`");
        assert_eq!(cell_text("a\rb|c"), "a\\\\rb\\|c");
        assert_eq!(cell_prose("use `a|b` | c"), "use `a\\|b` \\| c");
    }
}
