//! `--sarif FILE`: the findings (and, under `--ci`, the failed budgets) as a
//! SARIF 2.1.0 log for code scanning (GitHub, GitLab, Azure DevOps).
//!
//! Mapping:
//! - one `run`, tool driver `ballast`, with a `rules` entry for every rule that
//!   has a result (id, short description, the fix as help, default level);
//! - one `result` per finding: `ruleId` is the finding's rule, `level` from its
//!   severity (high → error, medium → warning, low → note), the message names
//!   the bytes, the layer and the command. Paths inside the image are
//!   `physicalLocation`s relative to the `IMAGEROOT` base (the merged
//!   filesystem), largest first; findings about the config (`root-user`,
//!   `no-healthcheck`) have a logical location instead. A finding that knows its
//!   Dockerfile line points there first;
//! - one `result` per failed budget, rule `budget`, level error;
//! - `partialFingerprints` from the rule and what the finding is about, so code
//!   scanning tracks the same finding across builds.
//!
//! Like the other outputs, the log is a pure function of the analysis:
//! deterministic, secrets already redacted.

use std::io::Write;

use serde_json::{Value, json};

use super::ci::{Status, Verdict};
use super::escape::sarif as escape;
use super::{bytes, path_notes};
use crate::analysis::Analysis;
use crate::analysis::findings::{Finding, FindingPath};
use crate::vocab::Rule;

/// The SARIF version and the schema it validates against.
pub const VERSION: &str = "2.1.0";
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Image paths listed per finding (largest first); the rest are counted.
const MAX_LOCATIONS: usize = 10;

/// The base every image path is relative to.
const IMAGE_ROOT: &str = "IMAGEROOT";
/// The base a relative Dockerfile path is relative to.
const SRC_ROOT: &str = "SRCROOT";

pub fn write(a: &Analysis, verdict: Option<&Verdict>, out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &log(a, verdict))?;
    out.write_all(b"\n")?;
    out.flush()
}

/// The whole log as a JSON value.
pub fn log(a: &Analysis, verdict: Option<&Verdict>) -> Value {
    let mut results: Vec<Value> = a.findings.iter().map(|f| finding_result(a, f)).collect();
    let failed: Vec<_> = verdict
        .map(|v| {
            v.checks
                .iter()
                .filter(|c| c.status == Status::Fail)
                .collect()
        })
        .unwrap_or_default();
    for c in &failed {
        let mut text = format!(
            "Budget {} failed: {} (limit {}).",
            c.budget, c.measured, c.limit
        );
        for e in &c.explain {
            text.push_str("\n- ");
            text.push_str(e);
        }
        results.push(json!({
            "ruleId": BUDGET,
            "level": "error",
            "message": { "text": escape::message(&text) },
            "locations": [config_location(BUDGET)],
            "partialFingerprints": { "ballast/v1": fingerprint(&[BUDGET, &c.budget]) },
            "properties": { "budget": c.budget, "measured": c.measured, "limit": c.limit },
        }));
    }

    let lint = a.dockerfile.as_ref().map_or(&[][..], |d| &d.lint[..]);
    for l in lint {
        results.push(lint_result(a, l));
    }

    let mut ids: Vec<Rule> = a.findings.iter().map(|f| f.rule).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut rules: Vec<Value> = ids.iter().map(|&r| rule(a, r)).collect();
    if !failed.is_empty() {
        let at = ids.partition_point(|r| r.as_str() < BUDGET);
        rules.insert(at, budget_rule());
    }
    let mut lint_ids: Vec<&str> = lint.iter().map(|l| l.rule).collect();
    lint_ids.sort_unstable();
    lint_ids.dedup();
    rules.extend(lint_ids.iter().filter_map(|id| lint_rule(id)));

    json!({
        "$schema": SCHEMA_URI,
        "version": VERSION,
        "runs": [{
            "tool": { "driver": {
                "name": "ballast",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "originalUriBaseIds": {
                IMAGE_ROOT: { "description": {
                    "text": format!("The merged filesystem of image {}", a.image.reference),
                }},
                SRC_ROOT: { "description": {
                    "text": "The directory ballast ran in (the repository root in CI)",
                }},
            },
            "results": results,
            "columnKind": "unicodeCodePoints",
            "properties": {
                "image": {
                    "reference": a.image.reference,
                    "id": a.image.id,
                    "size_bytes": a.image.size_bytes,
                },
                "metrics": a.metrics,
            },
        }],
    })
}

fn finding_result(a: &Analysis, f: &Finding) -> Value {
    let mut locations: Vec<Value> = Vec::new();
    if let (Some(d), Some(line)) = (&a.dockerfile, f.dockerfile_line) {
        locations.push(dockerfile_location(&d.path, line, None));
    }
    locations.extend(
        f.paths
            .iter()
            .filter(|p| p.path.is_some())
            .take(MAX_LOCATIONS)
            .map(image_location),
    );
    if locations.is_empty() {
        locations.push(config_location(f.rule.as_str()));
    }
    let mut text = String::from(summary(f.rule));
    if f.bytes > 0 {
        text.push_str(&format!(": {} reclaimable", bytes(f.bytes)));
    }
    if let Some(layer) = &f.layer {
        text.push_str(&format!(", layer {}", layer.index));
        if let Some(cmd) = &layer.command {
            text.push_str(&format!(" ({})", one_line(cmd, 200)));
        }
    }
    let omitted = f.paths.len().saturating_sub(MAX_LOCATIONS) + f.paths_omitted;
    if omitted > 0 {
        text.push_str(&format!(" and {omitted} more paths"));
    }
    text.push_str(". ");
    let mut advice = f.advice.chars();
    if let Some(first) = advice.next() {
        text.extend(first.to_uppercase());
        text.push_str(advice.as_str());
    }
    let first = f
        .paths
        .first()
        .and_then(|p| p.path.as_deref().or(p.config_key.as_deref()));
    let about: Vec<&str> = match first {
        Some(p) => vec![f.rule.as_str(), p],
        None => vec![f.rule.as_str()],
    };
    let layer = f.layer.as_ref().map(|l| l.index);
    json!({
        "ruleId": f.rule,
        "level": level(f.severity.as_str()),
        "message": { "text": escape::message(&text) },
        "locations": locations,
        "partialFingerprints": { "ballast/v1": fingerprint(&about) },
        "properties": {
            "category": f.category,
            "severity": f.severity,
            "bytes": f.bytes,
            "layer": layer,
        },
    })
}

/// A Dockerfile lint finding: at its line and column, rule `dockerfile/<id>`
/// (the lint has rules of its own, some named like image rules).
fn lint_result(a: &Analysis, l: &crate::dockerfile::lint::Finding) -> Value {
    let path = a
        .dockerfile
        .as_ref()
        .map_or("Dockerfile", |d| d.path.as_str());
    let mut text = format!("{} Fix: {}", l.message, l.fix);
    if let Some(h) = l.hadolint {
        text.push_str(&format!(" (hadolint {h})"));
    }
    let line = l.line.to_string();
    json!({
        "ruleId": format!("dockerfile/{}", l.rule),
        "level": level(l.severity),
        "message": { "text": escape::message(&text) },
        "locations": [dockerfile_location(path, l.line, Some((l.end_line, l.column)))],
        "partialFingerprints": { "ballast/v1": fingerprint(&[l.rule, path, &line]) },
        "properties": { "category": l.category, "severity": l.severity, "hadolint": l.hadolint },
    })
}

fn lint_rule(id: &str) -> Option<Value> {
    let r = crate::dockerfile::lint::rule_info(id)?;
    let mut help = r.summary.to_string();
    if let Some(h) = r.hadolint {
        help.push_str(&format!(" Same lines as hadolint {h}."));
    }
    Some(json!({
        "id": format!("dockerfile/{id}"),
        "name": id,
        "shortDescription": { "text": r.summary },
        "help": { "text": help },
        "defaultConfiguration": { "level": level(r.severity) },
        "properties": { "tags": ["dockerfile", r.category] },
    }))
}

/// A line of the Dockerfile: relative paths against the directory ballast
/// ran in (`SRCROOT`), absolute ones as `file://` URIs.
fn dockerfile_location(path: &str, line: usize, span: Option<(usize, usize)>) -> Value {
    let mut region = json!({ "startLine": line.max(1) });
    if let Some((end, column)) = span {
        region["endLine"] = json!(end.max(line).max(1));
        region["startColumn"] = json!(column.max(1));
    }
    let artifact = if path.starts_with('/') {
        json!({ "uri": format!("file://{}", uri_path(path)) })
    } else {
        json!({ "uri": uri(path.trim_start_matches("./")), "uriBaseId": SRC_ROOT })
    };
    json!({
        "physicalLocation": { "artifactLocation": artifact, "region": region },
    })
}

fn image_location(p: &FindingPath) -> Value {
    let path = p.path.as_deref().unwrap_or_default();
    let mut notes = path_notes(p);
    notes.insert(0, bytes(p.bytes));
    json!({
        "physicalLocation": {
            "artifactLocation": {
                "uri": uri(path),
                "uriBaseId": IMAGE_ROOT,
            },
        },
        "message": { "text": escape::message(&format!("{path} ({})", notes.join("; "))) },
    })
}

/// Findings about the image config, and budgets, have no file.
fn config_location(what: &str) -> Value {
    json!({
        "logicalLocations": [{
            "name": what,
            "fullyQualifiedName": format!("image/{what}"),
            "kind": "module",
        }],
    })
}

fn rule(a: &Analysis, id: Rule) -> Value {
    let first = a.findings.iter().find(|f| f.rule == id);
    let help = first.map_or_else(|| summary(id).to_string(), |f| f.advice.clone());
    let severity = first.map(|f| f.severity.as_str());
    json!({
        "id": id,
        "name": id,
        "shortDescription": { "text": summary(id) },
        "fullDescription": { "text": description(id) },
        "help": { "text": help },
        "defaultConfiguration": { "level": severity.map_or("error", level) },
        "properties": { "tags": ["container-image", "size"] },
    })
}

fn level(severity: &str) -> &'static str {
    match severity {
        "high" => "error",
        "medium" => "warning",
        _ => "note",
    }
}

/// One line per rule: what it found.
fn summary(rule: Rule) -> &'static str {
    match rule {
        Rule::DeletedLater => "Bytes added in one layer and deleted in a later one",
        Rule::Overwritten => "File replaced in a later layer; the lower copy still ships",
        Rule::DuplicateContent => "Identical content stored more than once",
        Rule::VcsDirectory => "Version-control directory in the image",
        Rule::PackageCache => "Package manager cache in the image",
        Rule::DevDependencies => "Development-only packages in the image",
        Rule::BuildToolchain => "Build toolchain in the final image",
        Rule::PythonBytecode => "Python bytecode written at build time",
        Rule::DocsAndLocales => "Documentation, man pages or unused locales",
        Rule::Junk => "Logs, temporary files and other junk",
        Rule::Secret => "Secret material in a layer",
        Rule::RootUser => "The container runs as root",
        Rule::NoHealthcheck => "No HEALTHCHECK in the image config",
        Rule::Setuid => "setuid or setgid file",
        Rule::WorldWritable => "World-writable file outside /tmp",
    }
}

/// The longer explanation shown in code scanning's rule help.
fn description(rule: Rule) -> &'static str {
    match rule {
        Rule::DeletedLater => {
            "A layer added these bytes and a later layer deleted them (whiteout or opaque \
             directory). Layers are immutable, so every pull still downloads them."
        }
        Rule::Overwritten => {
            "A later layer replaced these files; the lower layer's copy is hidden but still shipped."
        }
        Rule::DuplicateContent => {
            "The same bytes are stored at several paths or in several layers."
        }
        Rule::VcsDirectory => "A .git, .svn or .hg directory was copied into the image.",
        Rule::PackageCache => {
            "Caches of apt, apk, pip, npm, yarn, pnpm, go, cargo, maven, gradle or composer \
             that the running container never reads."
        }
        Rule::DevDependencies => {
            "node_modules packages the lockfile marks as development-only shipped in the image."
        }
        Rule::BuildToolchain => {
            "Compilers, headers and -dev packages needed to build, not to run; a multi-stage \
             build leaves them behind."
        }
        Rule::PythonBytecode => "__pycache__ directories and .pyc files written while building.",
        Rule::DocsAndLocales => {
            "Man pages, /usr/share/doc and locales the application does not use."
        }
        Rule::Junk => {
            "Logs, temporary files, core dumps, editor folders, tests and source maps in dependencies."
        }
        Rule::Secret => {
            "Private keys, .env files, cloud credentials or registry tokens, in any layer, \
             deleted or not: anyone who pulls the image can read them."
        }
        Rule::RootUser => "No USER instruction, or user 0: a compromise of the process is root.",
        Rule::NoHealthcheck => {
            "The image config has no HEALTHCHECK, so the runtime cannot see a hung service."
        }
        Rule::Setuid => "Files with the setuid or setgid bit: a privilege-escalation surface.",
        Rule::WorldWritable => "Files anyone can write, outside /tmp.",
    }
}

/// The rule of failed budgets (`--ci`), listed among the finding rules by id.
const BUDGET: &str = "budget";

fn budget_rule() -> Value {
    let summary = "A CI size budget failed";
    json!({
        "id": BUDGET,
        "name": BUDGET,
        "shortDescription": { "text": summary },
        "fullDescription": {
            "text": "A size budget from --ci (.ballast.toml, .dive-ci or flags) was exceeded."
        },
        "help": { "text": summary },
        "defaultConfiguration": { "level": "error" },
        "properties": { "tags": ["container-image", "size"] },
    })
}

/// A relative URI for an image path: no leading `/`, reserved characters
/// percent-encoded.
fn uri(path: &str) -> String {
    uri_path(path.trim_start_matches('/'))
}

/// `path` with everything but unreserved characters and `/` percent-encoded.
fn uri_path(path: &str) -> String {
    let mut s = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                s.push(b as char)
            }
            _ => s.push_str(&format!("%{b:02X}")),
        }
    }
    s
}

fn one_line(s: &str, max: usize) -> String {
    let flat: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    match flat.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &flat[..i]),
        None => flat,
    }
}

fn fingerprint(parts: &[&str]) -> String {
    let joined = parts.join("\0");
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(joined.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_and_encoded() {
        assert_eq!(uri("/usr/lib/a b#c"), "usr/lib/a%20b%23c");
        assert_eq!(uri("/app/ü"), "app/%C3%BC");
    }

    #[test]
    fn levels_follow_severity() {
        assert_eq!(level("high"), "error");
        assert_eq!(level("medium"), "warning");
        assert_eq!(level("low"), "note");
    }

    #[test]
    fn every_rule_in_design_has_a_description() {
        for r in [
            "deleted-later",
            "overwritten",
            "duplicate-content",
            "vcs-directory",
            "package-cache",
            "dev-dependencies",
            "build-toolchain",
            "python-bytecode",
            "docs-and-locales",
            "junk",
            "secret",
            "root-user",
            "no-healthcheck",
            "setuid",
            "world-writable",
        ] {
            let rule: Rule = r.parse().expect("a rule id");
            assert!(!summary(rule).is_empty(), "{r}");
            assert!(!description(rule).is_empty(), "{r}");
        }
    }
}
