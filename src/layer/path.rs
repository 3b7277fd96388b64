//! Path normalisation for tar entry names.
//!
//! `./a`, `a/`, `/a` and `a//b/../a` all name the same file inside a layer. Names
//! are bytes, not strings: layers carry non-UTF-8 names and we keep them exactly.
//! A name whose `..` components climb above the root is never used as a path; the
//! caller reports it (OCI image-spec: implementations must not write outside the root).

/// The result of normalising one tar entry name.
#[derive(Debug, PartialEq, Eq)]
pub enum Normalized {
    /// The name is the root itself (`.`, `./`, `/`).
    Root,
    /// A path relative to the root, components joined by `/`, no leading or
    /// trailing slash, no `.` or `..` components.
    Path(Vec<u8>),
    /// The name climbs above the root (`../etc/passwd`, `a/../../b`).
    Escapes,
}

/// Normalise a raw tar name as `path.Clean` would, relative to the layer root.
pub fn normalize(raw: &[u8]) -> Normalized {
    let mut parts: Vec<&[u8]> = Vec::new();
    for comp in raw.split(|&b| b == b'/') {
        match comp {
            b"" | b"." => {}
            b".." => {
                if parts.pop().is_none() {
                    return Normalized::Escapes;
                }
            }
            other => parts.push(other),
        }
    }
    if parts.is_empty() {
        return Normalized::Root;
    }
    let len = parts.iter().map(|p| p.len() + 1).sum::<usize>() - 1;
    let mut out = Vec::with_capacity(len);
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            out.push(b'/');
        }
        out.extend_from_slice(p);
    }
    Normalized::Path(out)
}

/// Split a normalised path into its parent and final component.
pub fn split_last(path: &[u8]) -> (&[u8], &[u8]) {
    match path.iter().rposition(|&b| b == b'/') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => (b"", path),
    }
}

/// Render a path for people: leading slash, invalid UTF-8 shown with escapes.
pub fn display(path: &[u8]) -> String {
    let mut s = String::with_capacity(path.len() + 1);
    s.push('/');
    for chunk in path.utf8_chunks() {
        s.push_str(chunk.valid());
        for b in chunk.invalid() {
            s.push_str(&format!("\\x{b:02x}"));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Normalized {
        Normalized::Path(s.as_bytes().to_vec())
    }

    #[test]
    fn equivalent_spellings_are_one_path() {
        for raw in ["a", "./a", "/a", "a/", "a//", "./a/.", "b/../a", "//a"] {
            assert_eq!(normalize(raw.as_bytes()), p("a"), "{raw}");
        }
        assert_eq!(normalize(b"usr/./bin//ls"), p("usr/bin/ls"));
    }

    #[test]
    fn root_spellings() {
        for raw in [".", "./", "/", "", "a/.."] {
            assert_eq!(normalize(raw.as_bytes()), Normalized::Root, "{raw}");
        }
    }

    #[test]
    fn names_climbing_above_root_escape() {
        for raw in ["..", "../etc/passwd", "a/../../b", "/../x", "./../x"] {
            assert_eq!(normalize(raw.as_bytes()), Normalized::Escapes, "{raw}");
        }
    }

    #[test]
    fn non_utf8_names_are_kept_and_displayed_escaped() {
        let raw = b"dir/caf\xe9";
        assert_eq!(normalize(raw), Normalized::Path(raw.to_vec()));
        assert_eq!(display(raw), "/dir/caf\\xe9");
    }

    #[test]
    fn split_last_parts() {
        assert_eq!(split_last(b"a/b/c"), (&b"a/b"[..], &b"c"[..]));
        assert_eq!(split_last(b"c"), (&b""[..], &b"c"[..]));
    }
}
