//! XML 1.0 (JUnit): entities for markup, and characters outside the XML 1.0
//! `Char` production (most C0 controls, U+FFFE, U+FFFF) as visible escapes so
//! the file stays well-formed. DEL, C1 and bidi controls, legal but invisible
//! or misleading in a CI page, are escaped the same way.

use super::terminal::{is_hidden, push_visible};

/// Text content: newlines and tabs kept.
pub(crate) fn text(s: &str) -> String {
    escape(s, false)
}

/// An attribute value: newlines and tabs as character references, which
/// attribute-value normalisation keeps.
pub(crate) fn attr(s: &str) -> String {
    escape(s, true)
}

fn escape(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\n' | '\t' => out.push(c),
            '\u{FFFE}' | '\u{FFFF}' => push_visible(&mut out, c),
            c if is_hidden(c) => push_visible(&mut out, c),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_xml_cannot_hold_become_visible() {
        assert_eq!(text("a\u{0}b\u{1b}c\u{ffff}"), "a\\x00b\\x1bc\\u{ffff}");
        assert_eq!(
            text("<b a=\"1\">&'"),
            "&lt;b a=&quot;1&quot;&gt;&amp;&apos;"
        );
        assert_eq!(text("a\nb\tc\rd"), "a\nb\tc\\rd");
        assert_eq!(attr("a\nb\tc"), "a&#10;b&#9;c");
        assert_eq!(text("\u{202e}x"), "\\u{202e}x");
    }

    #[test]
    fn the_result_parses_as_xml() {
        let hostile: String = (0u32..0x200)
            .filter_map(char::from_u32)
            .chain(['\u{202e}', '\u{fffe}', '\u{ffff}'])
            .collect();
        let doc = format!("<r a=\"{}\">{}</r>", attr(&hostile), text(&hostile));
        roxmltree::Document::parse(&doc).expect("well-formed");
    }
}
