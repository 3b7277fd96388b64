//! GitHub Actions workflow commands (`::error file=…::message`): the runner's
//! %-encoding for `%`, CR and LF (and `:` `,` in properties), other hidden
//! characters as the terminal shows them, since the log viewer interprets
//! escape sequences.

use super::terminal::{is_hidden, push_visible};

/// A command's message.
pub(crate) fn data(s: &str) -> String {
    encode(s, false)
}

/// A command's property (`title=`, `file=`): also `:` and `,` encoded.
pub(crate) fn prop(s: &str) -> String {
    encode(s, true)
}

fn encode(s: &str, property: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' if property => out.push_str("%3A"),
            ',' if property => out.push_str("%2C"),
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
    fn messages_stay_one_command() {
        assert_eq!(data("x\n::error::pwned"), "x%0A::error::pwned");
        assert_eq!(data("100%\r\n"), "100%25%0D%0A");
        assert_eq!(data("a\u{1b}[2J\u{202e}"), "a\\x1b[2J\\u{202e}");
        assert_eq!(prop("a:b,c"), "a%3Ab%2Cc");
    }
}
