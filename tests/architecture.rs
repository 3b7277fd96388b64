//! The shape docs/architecture.md promises, checked on the source itself:
//! imports flow one way between the top-level modules, no file in src/ is
//! longer than ~600 lines (test files excepted), and no function is longer than
//! ~80 lines unless a comment just above it says why it must be one piece.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Modules any module may import: they import nothing but each other.
const LEAVES: &[&str] = &[
    "error",
    "glob",
    "history_line",
    "limits",
    "progress",
    "secret",
    "units",
    "vocab",
];

/// What each top-level module may import besides the leaves.
fn allowed(module: &str) -> Option<&'static [&'static str]> {
    Some(match module {
        m if LEAVES.contains(&m) => &[],
        "layer" => &[],
        "source" | "tree" => &["layer"],
        "dockerfile" => &[],
        "analysis" => &["source", "layer", "tree", "dockerfile"],
        "report" => &["analysis", "source", "layer", "tree", "dockerfile"],
        "tui" => &[
            "analysis",
            "source",
            "layer",
            "tree",
            "dockerfile",
            "report",
        ],
        "fleet" => &[
            "analysis",
            "source",
            "layer",
            "tree",
            "dockerfile",
            "report",
        ],
        "cli" => &[
            "analysis",
            "source",
            "layer",
            "tree",
            "dockerfile",
            "report",
            "tui",
            "fleet",
        ],
        "lib" | "main" => return None,
        _ => return Some(&[]),
    })
}

const MAX_FILE_LINES: usize = 600;
const MAX_FN_LINES: usize = 80;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn src_files() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (rel, std::fs::read_to_string(&p).expect("read source"))
        })
        .collect()
}

/// The top-level module a file belongs to: `analysis/findings/waste.rs` -> `analysis`.
fn module_of(rel: &str) -> &str {
    let first = rel.split('/').next().unwrap();
    first.strip_suffix(".rs").unwrap_or(first)
}

fn is_test_file(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap();
    name == "tests.rs" || name.ends_with("_tests.rs") || rel.contains("/tests/")
}

/// Source text without comments and string literals, so that a path in a doc
/// comment or a message is not taken for an import.
fn code_only(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i..].starts_with(b"/*") {
            i += 2;
            while i < b.len() && !b[i..].starts_with(b"*/") {
                i += 1;
            }
            i += 2;
        } else if b[i] == b'r' && matches!(b.get(i + 1), Some(b'"' | b'#')) && is_raw(b, i) {
            let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
            let close: Vec<u8> = std::iter::once(b'"')
                .chain(std::iter::repeat_n(b'#', hashes))
                .collect();
            i += 2 + hashes;
            while i < b.len() && !b[i..].starts_with(&close) {
                i += 1;
            }
            i += close.len();
            out.push_str("\"\"");
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if b[i] == b'\'' && is_char_literal(b, i) {
            i += 1;
            while i < b.len() && b[i] != b'\'' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("' '");
        } else {
            out.push(b[i] as char);
            i += 1;
        }
    }
    out
}

fn is_raw(b: &[u8], i: usize) -> bool {
    let before_ok = i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
    let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
    before_ok && b.get(i + 1 + hashes) == Some(&b'"')
}

/// `'a'`, `'\n'`, `'\u{1F600}'` but not a lifetime `'a`.
fn is_char_literal(b: &[u8], i: usize) -> bool {
    match b.get(i + 1) {
        Some(b'\\') => true,
        Some(_) => {
            let len = std::str::from_utf8(&b[i + 1..(i + 5).min(b.len())])
                .ok()
                .or_else(|| std::str::from_utf8(&b[i + 1..(i + 2).min(b.len())]).ok())
                .and_then(|s| s.chars().next())
                .map_or(1, char::len_utf8);
            b.get(i + 1 + len) == Some(&b'\'')
        }
        None => false,
    }
}

/// Every top-level module a piece of code names through `crate::` (or, in the
/// binary, `ballast::`), `use crate::{a, b::c}` groups included.
fn imports(code: &str, prefix: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find(prefix) {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + prefix.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let trimmed = rest.trim_start();
        if let Some(group) = trimmed.strip_prefix('{') {
            let mut depth = 1;
            let mut item_start = true;
            for (k, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    ',' if depth == 1 => item_start = true,
                    c if item_start && depth == 1 && (c.is_alphabetic() || c == '_') => {
                        let ident: String = group[k..]
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .collect();
                        found.insert(ident);
                        item_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            let ident: String = trimmed
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !ident.is_empty() {
                found.insert(ident);
            }
        }
    }
    found
}

#[test]
fn imports_flow_one_way() {
    let lib_modules: BTreeSet<String> = src_files()
        .iter()
        .map(|(rel, _)| module_of(rel).to_string())
        .collect();
    let mut wrong = Vec::new();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (rel, text) in src_files() {
        let module = module_of(&rel);
        let Some(may) = allowed(module) else { continue };
        let code = code_only(&text);
        let named = imports(&code, "crate::")
            .into_iter()
            .chain(imports(&code, "ballast::"));
        for target in named.filter(|t| lib_modules.contains(t) && t != module) {
            edges
                .entry(module.to_string())
                .or_default()
                .insert(target.clone());
            if !LEAVES.contains(&target.as_str()) && !may.contains(&target.as_str()) {
                wrong.push(format!("src/{rel}: {module} imports {target}"));
            }
            if LEAVES.contains(&module) && !LEAVES.contains(&target.as_str()) {
                wrong.push(format!("src/{rel}: leaf {module} imports {target}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against docs/architecture.md:\n{}",
        wrong.join("\n")
    );
    // The allowed sets are themselves acyclic, so the graph is too; check the
    // one we found anyway, in case the table above is edited into a circle.
    let mut done = BTreeSet::new();
    for start in edges.keys() {
        let mut path = Vec::new();
        assert!(
            !cycle_from(start, &edges, &mut path, &mut done),
            "import circle: {}",
            path.join(" -> ")
        );
    }
}

fn cycle_from(
    node: &str,
    edges: &BTreeMap<String, BTreeSet<String>>,
    path: &mut Vec<String>,
    done: &mut BTreeSet<String>,
) -> bool {
    if let Some(at) = path.iter().position(|n| n == node) {
        path.drain(..at);
        path.push(node.to_string());
        return true;
    }
    if done.contains(node) {
        return false;
    }
    path.push(node.to_string());
    for next in edges.get(node).into_iter().flatten() {
        if cycle_from(next, edges, path, done) {
            return true;
        }
    }
    path.pop();
    done.insert(node.to_string());
    false
}

#[test]
fn the_tui_state_never_calls_its_renderer() {
    for (rel, text) in src_files() {
        let state =
            rel.starts_with("tui/") && !rel.starts_with("tui/render") && !is_test_file(&rel);
        if state && rel != "tui/mod.rs" {
            let code = code_only(&text);
            assert!(
                !code.contains("render::") && !code.contains("super::render"),
                "src/{rel} reaches into tui/render"
            );
        }
    }
}

#[test]
fn files_stay_small() {
    let long: Vec<String> = src_files()
        .into_iter()
        .filter(|(rel, _)| !is_test_file(rel))
        .map(|(rel, text)| (rel, text.lines().count()))
        .filter(|&(_, n)| n > MAX_FILE_LINES)
        .map(|(rel, n)| format!("src/{rel}: {n} lines"))
        .collect();
    assert!(
        long.is_empty(),
        "files over {MAX_FILE_LINES} lines (split them by job):\n{}",
        long.join("\n")
    );
}

/// Functions (outside test files and `#[cfg(test)]` modules) longer than the
/// limit, unless the lines just above say `one piece` and why.
#[test]
fn functions_stay_short() {
    let mut long = Vec::new();
    for (rel, text) in src_files() {
        if is_test_file(&rel) {
            continue;
        }
        let code = code_only(&text);
        let lines: Vec<&str> = code.lines().collect();
        let raw: Vec<&str> = text.lines().collect();
        let mut i = 0;
        while i < lines.len() {
            let l = lines[i].trim_start();
            if l.starts_with("#[cfg(test)]") {
                break; // the rest of the file is its test module
            }
            if let Some(name) = fn_name(l) {
                let end = fn_end(&lines, i);
                let n = end - i + 1;
                let excused = raw[i.saturating_sub(4)..i]
                    .iter()
                    .any(|l| l.contains("one piece"));
                if n > MAX_FN_LINES && !excused {
                    long.push(format!("src/{rel}:{}: fn {name}: {n} lines", i + 1));
                }
            }
            i += 1;
        }
    }
    assert!(
        long.is_empty(),
        "functions over {MAX_FN_LINES} lines (split them, or say in a comment above why they must be one piece):\n{}",
        long.join("\n")
    );
}

fn fn_name(line: &str) -> Option<&str> {
    let mut rest = line;
    for word in [
        "pub(crate) ",
        "pub(super) ",
        "pub ",
        "const ",
        "async ",
        "unsafe ",
    ] {
        rest = rest.strip_prefix(word).unwrap_or(rest);
    }
    let rest = rest.strip_prefix("fn ")?;
    Some(rest.split(['(', '<']).next().unwrap_or(rest))
}

/// The line where the body that starts at (or after) line `start` closes; a
/// declaration without a body ends on its own line.
fn fn_end(lines: &[&str], start: usize) -> usize {
    let mut depth = 0i32;
    let mut opened = false;
    for (k, line) in lines.iter().enumerate().skip(start) {
        for c in line.chars() {
            match c {
                '{' => {
                    depth += 1;
                    opened = true;
                }
                '}' => depth -= 1,
                ';' if !opened && depth == 0 => return k,
                _ => {}
            }
        }
        if opened && depth <= 0 {
            return k;
        }
    }
    lines.len() - 1
}

#[test]
fn the_checker_reads_imports_as_written() {
    let code = code_only(
        "use crate::{analysis::Analysis, units};\n// crate::report in a comment\nlet s = \"crate::tui\";\nfn f() { crate::layer::x(); ballast::tree::y() }\n",
    );
    let found = imports(&code, "crate::");
    assert_eq!(
        found.into_iter().collect::<Vec<_>>(),
        ["analysis", "layer", "units"]
    );
    assert_eq!(
        imports(&code, "ballast::").into_iter().collect::<Vec<_>>(),
        ["tree"]
    );
    assert_eq!(fn_name("pub(crate) fn walk<T>(x: T) {"), Some("walk"));
    assert_eq!(
        fn_end(&["fn a() {", "  if x {", "  }", "}", "fn b() {}"], 0),
        3
    );
}
