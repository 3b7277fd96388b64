use std::time::{Duration, Instant};

use super::*;

const CI: Syntax = Syntax {
    double_star: DoubleStar::AnyRun,
    classes: false,
    escapes: false,
    unit: Unit::Byte,
};

const DOCKERIGNORE: Syntax = Syntax {
    double_star: DoubleStar::Dirs,
    classes: true,
    escapes: true,
    unit: Unit::Char,
};

const NAME: Syntax = Syntax {
    double_star: DoubleStar::Star,
    classes: false,
    escapes: false,
    unit: Unit::Char,
};

fn is(pattern: &str, syntax: Syntax, text: &str) -> bool {
    Glob::new(pattern, syntax)
        .expect("valid pattern")
        .is_match(text)
}

#[test]
fn stars_and_questions_stop_at_slashes() {
    for syntax in [CI, DOCKERIGNORE, NAME] {
        assert!(is("*.log", syntax, "term.log"));
        assert!(!is("*.log", syntax, "apt/term.log"));
        assert!(is("a?c", syntax, "abc"));
        assert!(!is("a?c", syntax, "a/c"));
        assert!(!is("a?c", syntax, "ac"));
        assert!(is("", syntax, ""));
        assert!(!is("", syntax, "a"));
        assert!(is("*", syntax, ""));
        assert!(!is("abc", syntax, "abcd"));
    }
}

#[test]
fn double_star_any_run() {
    assert!(is("usr/share/**", CI, "usr/share/doc/x/copyright"));
    assert!(is("usr/share/**", CI, "usr/share/"));
    assert!(is("usr/share/**/*.gz", CI, "usr/share/doc/x/changelog.gz"));
    assert!(is("usr/share/**/*.gz", CI, "usr/share/changelog.gz"));
    assert!(is("a/**/b", CI, "a/xb"), "the run need not end at a slash");
    assert!(is("a**b", CI, "a/x/b"));
    assert!(!is("a/**/b", CI, "a/x/c"));
    assert!(is("***", CI, "a/b"));
}

#[test]
fn double_star_dirs() {
    assert!(is("**/x", DOCKERIGNORE, "x"));
    assert!(is("**/x", DOCKERIGNORE, "a/b/x"));
    assert!(!is("**/x", DOCKERIGNORE, "a/bx"));
    assert!(is("a/**/b", DOCKERIGNORE, "a/b"));
    assert!(is("a/**/b", DOCKERIGNORE, "a/x/y/b"));
    assert!(!is("a/**/b", DOCKERIGNORE, "a/xb"));
    assert!(is("a/**", DOCKERIGNORE, "a/x/y"));
    assert!(is("a/**", DOCKERIGNORE, "a/"));
    assert!(is("a**b", DOCKERIGNORE, "ab"));
    assert!(is("a**b", DOCKERIGNORE, "a/x/b"));
    assert!(!is("a**b", DOCKERIGNORE, "axb"));
}

#[test]
fn double_star_is_two_stars_in_names() {
    assert!(is("package**.json", NAME, "package-lock.json"));
    assert!(!is("**", NAME, "a/b"));
}

#[test]
fn classes_and_escapes() {
    assert!(is("file[0-9].txt", DOCKERIGNORE, "file7.txt"));
    assert!(!is("file[0-9].txt", DOCKERIGNORE, "filex.txt"));
    assert!(is("file[^0-9].txt", DOCKERIGNORE, "filex.txt"));
    assert!(!is("file[^0-9].txt", DOCKERIGNORE, "file7.txt"));
    assert!(is("[]a]", DOCKERIGNORE, "]"));
    assert!(is("[a-]", DOCKERIGNORE, "-"));
    assert!(is("[\\]]", DOCKERIGNORE, "]"));
    assert!(is("a\\*b", DOCKERIGNORE, "a*b"));
    assert!(!is("a\\*b", DOCKERIGNORE, "axb"));
    assert!(is("a\\", DOCKERIGNORE, "a\\"));
    assert!(is("[é-ë]", DOCKERIGNORE, "ê"));
    assert!(is("[a]", NAME, "[a]"), "no classes: brackets are literal");
    assert!(
        is("a\\b", NAME, "a\\b"),
        "no escapes: a backslash is literal"
    );
    for bad in ["[a", "[", "[z-a]", "[a-", "[\\"] {
        assert!(Glob::new(bad, DOCKERIGNORE).is_err(), "{bad}");
    }
    let bytes_with_class = Syntax {
        classes: true,
        ..CI
    };
    assert!(Glob::new("[é]", bytes_with_class).is_err());
    assert!(is("[a-c]", bytes_with_class, "b"));
}

#[test]
fn question_is_a_byte_or_a_character() {
    assert!(is("caf?", DOCKERIGNORE, "café"));
    assert!(!is("caf?", CI, "café"));
    assert!(is("caf??", CI, "café"));
    assert!(is("café", CI, "café"));
    assert!(is("*é", CI, "café"));
}

/// A backtracking matcher would not finish these in a lifetime; the automaton
/// takes milliseconds (a generous bound for a loaded machine and a debug build).
fn quick(pattern: &str, syntax: Syntax, text: &str) -> bool {
    let start = Instant::now();
    let glob = Glob::new(pattern, syntax).expect("valid pattern");
    let matched = glob.is_match(text);
    let took = start.elapsed();
    assert!(
        took < Duration::from_secs(5),
        "{} tokens took {took:?}",
        glob.tokens.len()
    );
    matched
}

#[test]
fn matching_is_linear_in_pattern_times_text() {
    for (segments, depth) in [(28, 1_000), (20_000, 20)] {
        let text = format!("{}y", "a/".repeat(depth));
        let pattern = format!("{}x", "**/".repeat(segments));
        assert!(!quick(&pattern, CI, &text));
        assert!(!quick(&pattern, DOCKERIGNORE, &text));
        let pattern = format!("{}y", "**/".repeat(segments));
        assert!(quick(&pattern, CI, &text));
        assert!(quick(&pattern, DOCKERIGNORE, &text));
    }
    let text = "a".repeat(1_000);
    let pattern = format!("{}b", "*a".repeat(500));
    assert!(!quick(&pattern, NAME, &text));
    assert!(!quick(&pattern, CI, &text));
}

#[test]
fn a_parent_directory_matches_in_the_same_pass() {
    let glob = |p: &str| Glob::new(p, DOCKERIGNORE).expect("valid pattern");
    assert!(glob("a/b").matches_self_or_parent("a/b/c/d"));
    assert!(glob("a/*").matches_self_or_parent("a/x/y"));
    assert!(glob("**/c").matches_self_or_parent("a/b/c/d"));
    assert!(!glob("a/b").matches_self_or_parent("a/bc/d"));
    assert!(!glob("a/b").matches_self_or_parent("a"));
    assert!(glob("").matches_self_or_parent(""));
}
