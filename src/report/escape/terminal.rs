//! Text for a terminal or a CI log: control characters (C0, DEL, C1) and
//! Unicode bidi controls as visible escapes, everything else as is.

use std::borrow::Cow;

/// The bidi controls that reorder what follows them (U+202A–U+202E,
/// U+2066–U+2069) and the invisible direction marks (U+200E, U+200F, U+061C):
/// `\u{202e}` shows `evil` as `live`.
pub fn is_bidi(c: char) -> bool {
    matches!(
        c,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
    )
}

/// A character a reader cannot see as itself: a control (C0, DEL, C1) or a
/// bidi control.
pub fn is_hidden(c: char) -> bool {
    c.is_control() || is_bidi(c)
}

/// One line of text: every hidden character escaped, newlines and tabs too,
/// so what is quoted stays on its line.
pub fn escape(s: &str) -> Cow<'_, str> {
    escape_keeping(s, &[])
}

/// A block of lines (a diff, a proposed Dockerfile): hidden characters
/// escaped except the newlines and tabs that lay it out.
pub fn escape_block(s: &str) -> Cow<'_, str> {
    escape_keeping(s, &['\n', '\t'])
}

fn escape_keeping<'a>(s: &'a str, keep: &[char]) -> Cow<'a, str> {
    if !s.chars().any(|c| is_hidden(c) && !keep.contains(&c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_hidden(c) && !keep.contains(&c) {
            push_visible(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `\n`, `\r`, `\t`, `\x1b` for the first 256 code points, `\u{202e}` above.
pub(crate) fn push_visible(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if (c as u32) < 0x100 => out.push_str(&format!("\\x{:02x}", c as u32)),
        c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_and_newlines_become_visible() {
        assert_eq!(
            escape("a\u{1b}]0;pwn\u{7}b\u{1b}[2J"),
            "a\\x1b]0;pwn\\x07b\\x1b[2J"
        );
        assert_eq!(escape("x\n::error::pwned"), "x\\n::error::pwned");
        assert_eq!(escape("a\rb\tc\u{7f}\u{9b}"), "a\\rb\\tc\\x7f\\x9b");
        assert_eq!(escape("plain/path é"), "plain/path é");
        assert!(matches!(escape("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn bidi_controls_become_visible() {
        assert_eq!(escape("\u{202e}live"), "\\u{202e}live");
        for c in [
            '\u{202a}', '\u{2066}', '\u{2069}', '\u{200e}', '\u{200f}', '\u{61c}',
        ] {
            assert!(escape(&c.to_string()).starts_with("\\u{"), "{c:?}");
        }
    }

    #[test]
    fn blocks_keep_their_layout() {
        assert_eq!(escape_block("a\n\tb\u{1b}\r\n"), "a\n\tb\\x1b\\r\n");
    }
}
