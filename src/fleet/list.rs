//! The images of a fleet: a registry's repositories (`/v2/_catalog`) and
//! their tags, or the lines of a file of references, filtered by repository
//! glob and tag pattern. The list is sorted and without repeats, so every
//! shard of a scan sees the same list.

use std::collections::BTreeSet;

use crate::error::{Error, Result};
use crate::glob::{DoubleStar, Glob, Syntax, Unit};
use crate::source::RegistryOptions;
use crate::source::registry::catalog;

/// `*` and `?` stay within one path component; `**` crosses `/`.
const SYNTAX: Syntax = Syntax {
    double_star: DoubleStar::AnyRun,
    classes: true,
    escapes: true,
    unit: Unit::Char,
};

/// Which repositories and tags to keep: an image is kept when its
/// repository matches one `repos` glob (or there are none) and none of
/// `exclude_repos`, and its tag likewise.
#[derive(Debug, Default)]
pub struct Filters {
    repos: Vec<Glob>,
    exclude_repos: Vec<Glob>,
    tags: Vec<Glob>,
    exclude_tags: Vec<Glob>,
}

fn compile(patterns: &[String], flag: &str) -> Result<Vec<Glob>> {
    patterns
        .iter()
        .map(|p| {
            Glob::new(p, SYNTAX)
                .map_err(|e| Error::Usage(format!("{flag} '{p}' is not a valid pattern: {e}")))
        })
        .collect()
}

impl Filters {
    pub fn new(
        repos: &[String],
        exclude_repos: &[String],
        tags: &[String],
        exclude_tags: &[String],
    ) -> Result<Filters> {
        Ok(Filters {
            repos: compile(repos, "--repo")?,
            exclude_repos: compile(exclude_repos, "--exclude-repo")?,
            tags: compile(tags, "--tag")?,
            exclude_tags: compile(exclude_tags, "--exclude-tag")?,
        })
    }

    pub fn repository(&self, name: &str) -> bool {
        keeps(&self.repos, &self.exclude_repos, name)
    }

    pub fn tag(&self, tag: &str) -> bool {
        keeps(&self.tags, &self.exclude_tags, tag)
    }
}

fn keeps(include: &[Glob], exclude: &[Glob], text: &str) -> bool {
    (include.is_empty() || include.iter().any(|g| g.is_match(text)))
        && !exclude.iter().any(|g| g.is_match(text))
}

/// Every `host/repository:tag` of the registry `host` that `filters` keep.
/// `on_repository` hears each repository as its tags are listed.
pub fn list_registry(
    host: &str,
    filters: &Filters,
    opts: &RegistryOptions,
    on_repository: &dyn Fn(&str),
) -> Result<Vec<String>> {
    let host = host.trim_end_matches('/');
    let host = host
        .strip_prefix("https://")
        .or_else(|| host.strip_prefix("http://"))
        .unwrap_or(host);
    let mut out = BTreeSet::new();
    for repo in catalog::catalog(host, opts)? {
        if !filters.repository(&repo) {
            continue;
        }
        on_repository(&repo);
        for tag in catalog::tags(&format!("{host}/{repo}"), opts)? {
            if filters.tag(&tag) {
                out.insert(format!("{host}/{repo}:{tag}"));
            }
        }
    }
    Ok(out.into_iter().collect())
}

/// The references in `text` (one a line; blank lines and `#` comments
/// skipped) that `filters` keep.
pub fn list_file(text: &str, filters: &Filters) -> Vec<String> {
    let mut out = BTreeSet::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (repo, tag) = split(line);
        if filters.repository(repo) && filters.tag(tag) {
            out.insert(line.to_string());
        }
    }
    out.into_iter().collect()
}

/// The repository path (without the registry host) and tag of a reference,
/// as the filters see them: `host:5000/team/app:1.2@sha256:...` gives
/// `team/app` and `1.2`; no tag is `latest` (or empty beside a digest).
fn split(reference: &str) -> (&str, &str) {
    let (name, digest) = match reference.split_once('@') {
        Some((n, _)) => (n, true),
        None => (reference, false),
    };
    let slash = name.rfind('/').map_or(0, |i| i + 1);
    let (path, tag) = match name[slash..].rfind(':') {
        Some(i) => (&name[..slash + i], &name[slash + i + 1..]),
        None => (name, if digest { "" } else { "latest" }),
    };
    let repo = match path.split_once('/') {
        Some((first, rest))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            rest
        }
        _ => path,
    };
    (repo, tag)
}

/// `reference` pinned to the digest of the manifest it names now (one
/// manifest request; a reference already pinned is returned as it is).
pub fn resolve(reference: &str, opts: &RegistryOptions) -> Result<String> {
    if reference.contains('@') {
        return Ok(reference.to_string());
    }
    Ok(pin(reference, &catalog::manifest_digest(reference, opts)?))
}

/// `reference` pinned to `digest`: `name:tag@digest` (a tag beside a digest
/// is kept for people; the digest is what is read).
pub fn pin(reference: &str, digest: &str) -> String {
    let name = reference.split_once('@').map_or(reference, |(n, _)| n);
    format!("{name}@{digest}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filters(repos: &[&str], tags: &[&str]) -> Filters {
        let s = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        Filters::new(&s(repos), &[], &s(tags), &["*-rc*".to_string()]).unwrap()
    }

    #[test]
    fn references_split_into_repository_and_tag() {
        assert_eq!(split("127.0.0.1:5000/team/app:1.2"), ("team/app", "1.2"));
        assert_eq!(split("team/app"), ("team/app", "latest"));
        assert_eq!(split("localhost/app@sha256:ab"), ("app", ""));
        assert_eq!(split("r.example/a/b:v1@sha256:ab"), ("a/b", "v1"));
        assert_eq!(split("debian:12"), ("debian", "12"));
    }

    #[test]
    fn a_file_is_filtered_sorted_and_without_repeats() {
        let text = "# fleet\nr.example/team/b:2\n\nr.example/team/a:1\nr.example/other/c:1\n\
                    r.example/team/a:1\nr.example/team/a:2-rc1\n";
        let got = list_file(text, &filters(&["team/*"], &[]));
        assert_eq!(got, ["r.example/team/a:1", "r.example/team/b:2"]);
        let got = list_file(text, &filters(&["**"], &["1"]));
        assert_eq!(got, ["r.example/other/c:1", "r.example/team/a:1"]);
    }

    #[test]
    fn a_star_stays_in_one_component_and_a_bad_pattern_is_a_usage_error() {
        let f = filters(&["team/*"], &[]);
        assert!(f.repository("team/app") && !f.repository("team/app/sub"));
        assert!(filters(&["team/**"], &[]).repository("team/app/sub"));
        assert!(Filters::new(&["[".into()], &[], &[], &[]).is_err());
    }

    #[test]
    fn a_pinned_reference_keeps_its_tag() {
        assert_eq!(pin("r/a:1", "sha256:ff"), "r/a:1@sha256:ff");
        assert_eq!(pin("r/a:1@sha256:00", "sha256:ff"), "r/a:1@sha256:ff");
    }
}
