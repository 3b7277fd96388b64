//! What the filter and the search match: a full path (`/usr/lib/x.so`),
//! by substring (ASCII case-insensitive), or by a glob (`glob:` or `g:`)
//! or a regular expression (`re:` or `r:`) when the text starts so.
//!
//! A glob is matched against the path's tail from any component on (so
//! `g:*.deb` finds every `.deb`; a leading `/` anchors it at the root): `*`
//! and `?` stay inside one component, `**` crosses them. Both compile to the
//! `regex` crate's automaton, linear in the path whatever the pattern.

use regex::bytes::{Regex, RegexBuilder};

/// A compiled filter or search pattern.
#[derive(Debug, Clone)]
pub enum Pattern {
    /// Lowercased; a path matches if it contains it, ignoring ASCII case.
    Substring(Vec<u8>),
    Regex(Regex),
}

/// The longest pattern accepted: a regex is compiled with a size limit too.
const REGEX_SIZE: usize = 1 << 20;

impl Pattern {
    /// Parse what the user typed; the error says what is wrong with it.
    pub fn parse(text: &str) -> Result<Pattern, String> {
        let prefixed = |p: [&str; 2]| p.iter().find_map(|p| text.strip_prefix(p));
        if let Some(g) = prefixed(["glob:", "g:"]) {
            return compile(&glob_regex(g)).map_err(|e| format!("bad glob: {e}"));
        }
        if let Some(r) = prefixed(["re:", "r:"]) {
            return compile(r).map_err(|e| format!("bad regex: {e}"));
        }
        Ok(Pattern::Substring(text.as_bytes().to_ascii_lowercase()))
    }

    /// Whether `path` (with its leading `/`) matches.
    pub fn is_match(&self, path: &[u8]) -> bool {
        match self {
            Pattern::Substring(s) => super::names::contains(path, s),
            Pattern::Regex(r) => r.is_match(path),
        }
    }

    /// The substring's last `/`-free part, which must lie inside the
    /// matching node's own name (for the name index's fast scan).
    pub(super) fn name_part(&self) -> Option<&[u8]> {
        match self {
            Pattern::Substring(s) => s.rsplit(|&b| b == b'/').next(),
            Pattern::Regex(_) => None,
        }
    }
}

fn compile(re: &str) -> Result<Pattern, String> {
    RegexBuilder::new(re)
        .size_limit(REGEX_SIZE)
        .build()
        .map(Pattern::Regex)
        .map_err(|e| {
            e.to_string()
                .lines()
                .last()
                .unwrap_or_default()
                .trim()
                .to_string()
        })
}

/// A glob as a regex over the whole path (from its root or from any
/// component on).
fn glob_regex(glob: &str) -> String {
    let mut re = String::from(if glob.starts_with('/') {
        "^"
    } else {
        "(?:^|/)"
    });
    let mut chars = glob.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
                re.push_str(".*");
            }
            '*' => re.push_str("[^/]*"),
            '?' => re.push_str("[^/]"),
            c => re.push_str(&regex::escape(c.encode_utf8(&mut [0; 4]))),
        }
    }
    re.push('$');
    re
}

#[cfg(test)]
mod tests {
    use super::Pattern;

    fn hits(p: &str, path: &str) -> bool {
        Pattern::parse(p).expect("valid").is_match(path.as_bytes())
    }

    #[test]
    fn substrings_match_anywhere_in_the_full_path_ignoring_case() {
        assert!(hits("r/LIB", "/usr/lib/libx.so"));
        assert!(hits("/usr", "/usr"));
        assert!(!hits("/sr", "/usr"));
    }

    #[test]
    fn globs_match_from_any_component_or_from_the_root() {
        assert!(hits("g:*.deb", "/var/cache/apt/archives/pkg.deb"));
        assert!(!hits("g:*.deb", "/var/cache/apt/archives/pkg.deb.bak"));
        assert!(hits(
            "glob:/var/**/pkg.deb",
            "/var/cache/apt/archives/pkg.deb"
        ));
        assert!(!hits("g:/cache/*", "/var/cache/x"));
        assert!(hits("g:a?c", "/x/abc"));
        assert!(!hits("g:a?c", "/x/a/c"));
        assert!(hits("g:a+b(c)", "/a+b(c)"));
    }

    #[test]
    fn regexes_and_their_errors() {
        assert!(hits(r"re:\.so(\.\d+)*$", "/usr/lib/libz.so.1.2"));
        assert!(!hits(r"r:^/lib", "/usr/lib"));
        let err = Pattern::parse("re:(").unwrap_err();
        assert!(err.starts_with("bad regex"), "{err}");
    }
}
