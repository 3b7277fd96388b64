//! Live files nothing runs: version-control directories (`vcs-directory`),
//! Python bytecode (`python-bytecode`), documentation and translations
//! (`docs-and-locales`), and logs, temporary and editor files (`junk`).

use super::{Finding, Group, Input, glob, human, live_dirs_named};
use crate::tree::ROOT;
use crate::vocab::{Rule, Severity};

pub(super) fn vcs_directories(input: &Input, out: &mut Vec<Finding>) {
    let mut group = Group::new();
    let dirs = live_dirs_named(input.tree, &[b".git", b".svn", b".hg"]);
    let mut kinds: Vec<String> = Vec::new();
    for &d in &dirs {
        group.add(input.tree, d);
        let name = String::from_utf8_lossy(&input.tree.node(d).name).into_owned();
        if !kinds.contains(&name) {
            kinds.push(name);
        }
    }
    let list = kinds.join("`, `");
    let advice = format!(
        "version-control history is copied into the image (`{list}`): add `{list}` to .dockerignore so `COPY . .` \
         leaves it out"
    );
    out.extend(group.into_finding(input, Rule::VcsDirectory, Severity::Medium, advice));
}

pub(super) fn bytecode(input: &Input, out: &mut Vec<Finding>) {
    let tree = input.tree;
    let mut group = Group::new();
    for id in live_dirs_named(tree, &[b"__pycache__"]) {
        group.add(tree, id);
    }
    if group.bytes() == 0 {
        return;
    }
    let advice = format!(
        "Python bytecode ({}) was written at build time: set `ENV PYTHONDONTWRITEBYTECODE=1` before installing, \
         or `pip install --no-compile`",
        human(group.bytes())
    );
    out.extend(group.into_finding(input, Rule::PythonBytecode, Severity::Low, advice));
}

pub(super) fn docs(input: &Input, out: &mut Vec<Finding>) {
    let tree = input.tree;
    let mut group = Group::new();
    for pattern in [
        "usr/share/man",
        "usr/share/info",
        "usr/share/gtk-doc",
        "usr/local/share/man",
    ] {
        for id in glob(tree, pattern) {
            group.add(tree, id);
        }
    }
    // Licence texts stay: shipping them is often required.
    for pkg in glob(tree, "usr/share/doc/*") {
        for &c in &tree.node(pkg).children {
            if tree.is_live(c) && &tree.node(c).name[..] != b"copyright" {
                group.add(tree, c);
            }
        }
    }
    for id in glob(tree, "usr/share/locale/*") {
        let name = &tree.node(id).name[..];
        if !(name.starts_with(b"en") || name == b"C" || name == b"locale.alias") {
            group.add(tree, id);
        }
    }
    if group.bytes() == 0 {
        return;
    }
    let advice = format!(
        "man pages, documentation and translations ({}): on Debian/Ubuntu add a dpkg `path-exclude` file \
         (/etc/dpkg/dpkg.cfg.d/excludes for /usr/share/doc/*, /usr/share/man/*, /usr/share/locale/*) before \
         installing packages; on Alpine skip the *-doc packages",
        human(group.bytes())
    );
    out.extend(group.into_finding(input, Rule::DocsAndLocales, Severity::Low, advice));
}

pub(super) fn junk(input: &Input, out: &mut Vec<Finding>) {
    let tree = input.tree;
    let mut logs = Group::new();
    for id in glob(tree, "var/log/*") {
        logs.add(tree, id);
    }
    let mut temp = Group::new();
    for pattern in ["tmp/*", "var/tmp/*"] {
        for id in glob(tree, pattern) {
            temp.add(tree, id);
        }
    }
    let mut editor = Group::new();
    let mut deps = Group::new();
    let mut stack = vec![(ROOT, false)];
    while let Some((id, in_modules)) = stack.pop() {
        for &c in &tree.node(id).children {
            let child = tree.node(c);
            let Some(meta) = child.live() else { continue };
            let name = &child.name[..];
            let is_dir = meta.is_dir();
            if matches!(name, b".DS_Store" | b"Thumbs.db")
                || (is_dir && matches!(name, b".idea" | b".vscode"))
                || (!is_dir && (name.ends_with(b".swp") || name == b"core" || is_core_dump(name)))
            {
                editor.add(tree, c);
            } else if in_modules
                && if is_dir {
                    matches!(
                        name,
                        b"test" | b"tests" | b"__tests__" | b"example" | b"examples"
                    )
                } else {
                    name.ends_with(b".map")
                }
            {
                deps.add(tree, c);
            } else if is_dir {
                stack.push((c, in_modules || name == b"node_modules"));
            }
        }
    }
    let groups = [
        (
            logs,
            "log files",
            "`rm -rf /var/log/*` (or truncate them) in the RUN that wrote them",
        ),
        (
            temp,
            "temporary files",
            "remove /tmp and /var/tmp contents in the RUN that created them",
        ),
        (
            editor,
            "editor, OS and core-dump files",
            "add them to .dockerignore (`.DS_Store`, `.idea`, `.vscode`, `*.swp`, `core`)",
        ),
        (
            deps,
            "tests, examples and source maps inside node_modules",
            "prune them after installing (e.g. `npm prune --omit=dev` and a `find node_modules -name '*.map' -delete`), \
             or copy only what runs into the final stage",
        ),
    ];
    for (group, what, fix) in groups {
        if group.bytes() == 0 {
            continue;
        }
        let advice = format!("{what} ({}): {fix}", human(group.bytes()));
        out.extend(group.into_finding(input, Rule::Junk, Severity::Low, advice));
    }
}

fn is_core_dump(name: &[u8]) -> bool {
    name.strip_prefix(b"core.")
        .is_some_and(|rest| !rest.is_empty() && rest.iter().all(u8::is_ascii_digit))
}
