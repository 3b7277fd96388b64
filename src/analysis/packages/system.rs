//! System packages: dpkg's status database (or distroless's `status.d/`)
//! with each package's `info/*.list`, and apk's installed database.

use super::{Captures, Package, field, package_from_paths, paragraphs};
use crate::tree::MergedTree;

pub(super) fn dpkg(tree: &MergedTree, captures: &Captures, out: &mut Vec<Package>) {
    let mut stanzas: Vec<(String, String, Option<String>)> = Vec::new();
    if let Some(status) = captures.live_at(tree, b"var/lib/dpkg/status") {
        let text = String::from_utf8_lossy(status);
        for p in paragraphs(&text) {
            let installed = field(p, "Status").is_some_and(|s| s.ends_with(" installed"));
            if let (true, Some(name)) = (installed, field(p, "Package")) {
                let arch = field(p, "Architecture").map(str::to_string);
                stanzas.push((
                    name.to_string(),
                    field(p, "Version").unwrap_or("").to_string(),
                    arch,
                ));
            }
        }
    }
    // Distroless keeps one status file per package in status.d/ and lists
    // files in `<name>.md5sums` rather than info/*.list.
    let status_d = tree.lookup(b"var/lib/dpkg/status.d");
    if let Some(dir) = status_d {
        for &c in &tree.node(dir).children {
            let name = &tree.node(c).name;
            if name.ends_with(b".md5sums") {
                continue;
            }
            if let Some(bytes) = captures.live(tree, c) {
                let text = String::from_utf8_lossy(bytes);
                for p in paragraphs(&text) {
                    if let Some(pkg) = field(p, "Package") {
                        stanzas.push((
                            pkg.to_string(),
                            field(p, "Version").unwrap_or("").to_string(),
                            None,
                        ));
                    }
                }
            }
        }
    }
    for (name, version, arch) in stanzas {
        let mut lists = vec![format!("var/lib/dpkg/info/{name}.list")];
        if let Some(a) = &arch {
            lists.push(format!("var/lib/dpkg/info/{name}:{a}.list"));
        }
        lists.push(format!("var/lib/dpkg/status.d/{name}.md5sums"));
        let Some(list) = lists
            .iter()
            .find_map(|l| captures.live_at(tree, l.as_bytes()))
        else {
            continue;
        };
        let text = String::from_utf8_lossy(list).into_owned();
        // `.list` lines are paths; `.md5sums` lines are `hash  path`.
        let paths = text
            .lines()
            .map(|l| l.rsplit("  ").next().unwrap_or(l).trim().as_bytes());
        out.push(package_from_paths(tree, "deb", name, version, paths));
    }
}

pub(super) fn apk(tree: &MergedTree, captures: &Captures, out: &mut Vec<Package>) {
    let Some(db) = captures.live_at(tree, b"lib/apk/db/installed") else {
        return;
    };
    let text = String::from_utf8_lossy(db);
    for p in paragraphs(&text) {
        let Some(name) = field(p, "P") else { continue };
        let mut folder = "";
        let mut files: Vec<String> = Vec::new();
        for l in p.lines() {
            if let Some(f) = l.strip_prefix("F:") {
                folder = f.trim();
            } else if let Some(r) = l.strip_prefix("R:") {
                files.push(format!("{folder}/{}", r.trim()));
            }
        }
        let version = field(p, "V").unwrap_or("").to_string();
        out.push(package_from_paths(
            tree,
            "apk",
            name.to_string(),
            version,
            files.iter().map(|f| f.as_bytes()),
        ));
    }
}
