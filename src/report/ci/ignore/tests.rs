use super::*;

fn glob_match(pattern: &str, path: &str) -> bool {
    Pattern::new(pattern).matches(path)
}

#[test]
fn globs() {
    assert!(glob_match("*.log", "/var/log/apt/term.log"));
    assert!(glob_match(
        "/var/lib/apt/lists/*",
        "/var/lib/apt/lists/deb_Packages"
    ));
    assert!(!glob_match(
        "/var/lib/apt/lists/*",
        "/var/lib/apt/lists/partial/x"
    ));
    assert!(glob_match("/usr/share/**", "/usr/share/doc/x/copyright"));
    assert!(glob_match(
        "/usr/share/**/*.gz",
        "/usr/share/doc/x/changelog.gz"
    ));
    assert!(glob_match("/etc/app.conf", "/etc/app.conf"));
    assert!(glob_match("/opt/cache", "/opt/cache/file"));
    assert!(!glob_match("/etc/app.conf", "/etc/app.conf.bak"));
    assert!(glob_match("app.con?", "/etc/app.conf"));
}

/// The backtracking matcher `ignore_paths` used before `crate::glob`, kept
/// as the reference the automaton must agree with.
fn reference(pattern: &str, path: &str) -> bool {
    fn wild(p: &[u8], s: &[u8]) -> bool {
        match (p.first(), s.first()) {
            (None, None) => true,
            (Some(b'*'), _) if p.get(1) == Some(&b'*') => {
                let rest = p[2..].strip_prefix(b"/").unwrap_or(&p[2..]);
                (0..=s.len()).any(|i| wild(rest, &s[i..]))
            }
            (Some(b'*'), _) => (0..=s.len())
                .take_while(|&i| i == 0 || s[i - 1] != b'/')
                .any(|i| wild(&p[1..], &s[i..])),
            (Some(b'?'), Some(c)) if *c != b'/' => wild(&p[1..], &s[1..]),
            (Some(a), Some(b)) if a == b => wild(&p[1..], &s[1..]),
            _ => false,
        }
    }
    let path = path.trim_start_matches('/');
    if !pattern.contains('/') {
        return path
            .split('/')
            .any(|name| wild(pattern.as_bytes(), name.as_bytes()));
    }
    wild(pattern.trim_start_matches('/').as_bytes(), path.as_bytes())
        || path.starts_with(&format!(
            "{}/",
            pattern.trim_start_matches('/').trim_end_matches("/**")
        ))
}

/// Every pattern and path up to a few symbols over a small alphabet (with
/// `/`, the wildcards and a two-byte character) matches as it did before.
#[test]
fn agrees_with_the_backtracking_matcher() {
    fn all(alphabet: &[&str], max: usize) -> Vec<String> {
        let mut out = vec![String::new()];
        let mut last = vec![String::new()];
        for _ in 0..max {
            last = last
                .iter()
                .flat_map(|s| alphabet.iter().map(move |a| format!("{s}{a}")))
                .collect();
            out.extend(last.iter().cloned());
        }
        out
    }
    let patterns = all(&["a", "/", "*", "?", "é"], 5);
    let paths = all(&["a", "b", "/", "é"], 4);
    let mut checked = 0;
    for pattern in &patterns {
        let compiled = Pattern::new(pattern);
        for path in &paths {
            assert_eq!(
                compiled.matches(path),
                reference(pattern, path),
                "pattern {pattern:?} on {path:?}"
            );
            checked += 1;
        }
    }
    assert!(checked > 1_000_000);
}
