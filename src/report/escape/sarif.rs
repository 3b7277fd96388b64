//! SARIF `message.text`: plain text in which `[text](id)` is an embedded link
//! (SARIF 2.1.0 §3.11.6), so a literal `[` or `]` from the image is written
//! `\[`, `\]`. The rest stays raw: it is JSON, and viewers show it as text.

/// A plain-text message with its brackets escaped.
pub(crate) fn message(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '[' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn brackets_cannot_make_links() {
        assert_eq!(super::message("see [x](0) now"), "see \\[x\\](0) now");
    }
}
