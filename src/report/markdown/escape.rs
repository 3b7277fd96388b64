//! Escaping: whatever comes from the image goes into a code span sized to its
//! backticks or into backslash-escaped text, so it can never format, end a
//! table row or break out of a list item.

/// A fenced code block that nothing inside can close.
pub(super) fn fenced(lang: &str, body: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in body.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat((longest + 1).max(3));
    let body = body.trim_end_matches('\n');
    format!("{fence}{lang}\n{body}\n{fence}\n")
}

/// Control characters as escapes (`\n`, `\t`, `\u{1b}`): a newline in a
/// command or file name must not end a table row or a list item.
pub(super) fn visible(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// A code span holding `s` literally (outside tables).
pub(super) fn code(s: &str) -> String {
    span(&visible(s))
}

/// A code span inside a table cell: pipes escaped (GFM drops the backslash,
/// also inside code spans).
pub(super) fn cell_code(s: &str) -> String {
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
pub(super) fn cell_text(s: &str) -> String {
    escape_text(&visible(s)).replace('|', "\\|")
}

/// Text with backslash escapes for what would otherwise format: emphasis,
/// links, HTML, strikethrough, GitHub's `$` math, entity references.
pub(super) fn escape_text(s: &str) -> String {
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
    }
    out
}

/// Prose from the analysis (advice, explanations): its backtick-quoted parts
/// become code spans, everything else escaped text. With an odd number of
/// backticks (a file name holding one) nothing is taken as code.
pub(super) fn prose(s: &str) -> String {
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
}
