//! HTML: JSON data inside a `<script type="application/json">` element.
//!
//! The HTML parser ends a script element at the first `</script` whatever the
//! JSON around it means, and `<!--` changes how it looks for that end. So the
//! JSON text is written with every `<`, `>` and `&` as a `\u` escape (they
//! only ever occur inside JSON strings, where the escape means the same
//! character), and U+2028/U+2029 too, which older JavaScript parsers took for
//! line ends. What the page reads back with `JSON.parse` is the same value;
//! it then shows every string with `textContent`, never as markup.

/// `json` (serde_json's output) made safe as a script element's content.
pub(crate) fn script_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + json.len() / 16);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_in_a_string_can_end_the_script_element() {
        let value = serde_json::json!({
            "name": "</script><img src=x onerror=alert(1)>",
            "comment": "<!-- & -->",
            "lines": "a\u{2028}b\u{2029}c",
        });
        let out = script_json(&serde_json::to_string(&value).unwrap());
        for bad in ["<", ">", "&", "\u{2028}", "\u{2029}"] {
            assert!(!out.contains(bad), "{bad:?} left in {out}");
        }
        let back: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(back, value, "the escapes read back as the same value");
    }

    #[test]
    fn other_text_is_kept_as_is() {
        let json = r#"{"a":"é \"q\" \\ /usr/lib","b":[1,2.5,null]}"#;
        assert_eq!(script_json(json), json);
    }
}
