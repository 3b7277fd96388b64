//! `--ci`: size budgets that fail a build with a reason a developer can act on.
//!
//! Budgets come from `.ballast.toml` (or `--config`), else from dive's `.dive-ci`
//! read as is with dive's meaning, else dive's own defaults, so a team can switch
//! from `dive --ci` without editing a file or getting a different verdict.
//! Flags override the file. With dive's rules in charge, ballast's own findings
//! are printed as warnings, never failures, until a budget asks for them.
//!
//! Exit codes: 0 every budget passes, 1 one is over, 2 error.

use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::bytes;
use crate::analysis::{Analysis, Finding};
use crate::error::{Error, Result};
use crate::vocab::{Rule, Severity};

/// Where the budgets came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "path", rename_all = "kebab-case")]
pub enum Origin {
    BallastToml(PathBuf),
    DiveCi(PathBuf),
    /// No file: dive's defaults (lowestEfficiency 0.9, highestUserWastedPercent 0.1).
    DiveDefaults,
}

/// The limits to check. `None` is no limit.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Budgets {
    pub max_size: Option<u64>,
    pub max_layer_size: Option<u64>,
    pub max_wasted_bytes: Option<u64>,
    pub max_reclaimable_bytes: Option<u64>,
    /// A ratio (0.1 is 10 %), compared with dive's `user_wasted_percent`.
    pub max_wasted_percent: Option<f64>,
    /// A ratio (0.9 is 90 %).
    pub min_efficiency: Option<f64>,
    /// Rules that must not fire.
    pub deny: Vec<Rule>,
    /// Paths left out of dive's wasted bytes and of denied rules' findings.
    pub ignore_paths: Vec<String>,
    /// Growth allowed against `--baseline`.
    pub max_growth: Option<u64>,
}

/// `.ballast.toml`: budgets under `[budget]` (or at the top level).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlBudgets {
    max_size: Option<SizeValue>,
    max_layer_size: Option<SizeValue>,
    max_wasted_bytes: Option<SizeValue>,
    max_reclaimable_bytes: Option<SizeValue>,
    max_wasted_percent: Option<RatioValue>,
    min_efficiency: Option<RatioValue>,
    #[serde(default)]
    deny: Vec<String>,
    #[serde(default)]
    ignore_paths: Vec<String>,
    max_growth: Option<SizeValue>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum SizeValue {
    Int(u64),
    Text(String),
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RatioValue {
    Float(f64),
    Text(String),
}

/// Parse a size as people write it: `150MB` (10^6), `1.2GiB` (2^30), `512k`,
/// `1000` (bytes). Units are go-humanize's, as dive's `.dive-ci` uses them.
pub fn parse_size(text: &str) -> std::result::Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let value: f64 = num
        .parse()
        .map_err(|_| format!("'{text}' is not a size (try 150MB or 1.2GiB)"))?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "t" | "tb" => 1e12,
        "ki" | "kib" => 1024.0,
        "mi" | "mib" => 1024.0 * 1024.0,
        "gi" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "ti" | "tib" => 1024f64.powi(4),
        other => {
            return Err(format!(
                "'{text}': unknown size unit '{other}' (use B, KB, MB, GB, KiB, MiB, GiB)"
            ));
        }
    };
    Ok((value * mult).round() as u64)
}

/// Parse a ratio: `0.9`, `90%`; a bare number above 1 is a percentage.
pub fn parse_ratio(text: &str) -> std::result::Result<f64, String> {
    let t = text.trim();
    let (num, percent) = match t.strip_suffix('%') {
        Some(n) => (n.trim(), true),
        None => (t, false),
    };
    let v: f64 = num
        .parse()
        .map_err(|_| format!("'{text}' is not a ratio (try 0.9 or 90%)"))?;
    Ok(if percent || v > 1.0 { v / 100.0 } else { v })
}

fn size_of(v: Option<SizeValue>, key: &str, path: &Path) -> Result<Option<u64>> {
    v.map(|v| match v {
        SizeValue::Int(n) => Ok(n),
        SizeValue::Text(t) => parse_size(&t).map_err(|e| bad_config(path, key, e)),
    })
    .transpose()
}

fn ratio_of(v: Option<RatioValue>, key: &str, path: &Path) -> Result<Option<f64>> {
    v.map(|v| match v {
        RatioValue::Float(f) => Ok(if f > 1.0 { f / 100.0 } else { f }),
        RatioValue::Text(t) => parse_ratio(&t).map_err(|e| bad_config(path, key, e)),
    })
    .transpose()
}

/// Rule ids as a file names them: an unknown one is an error naming the
/// file, the key and the valid ids.
fn rules_of(ids: Vec<String>, key: &str, path: &Path) -> Result<Vec<Rule>> {
    ids.iter()
        .map(|id| id.parse().map_err(|e| bad_config(path, key, e)))
        .collect()
}

fn bad_config(path: &Path, key: &str, reason: impl std::fmt::Display) -> Error {
    Error::Usage(format!("'{}': {key}: {reason}", path.display()))
}

/// Load budgets: `explicit` path, else `.ballast.toml`, else `.dive-ci`, in `dir`.
pub fn load(explicit: Option<&Path>, dir: &Path) -> Result<(Budgets, Origin)> {
    let candidates: Vec<PathBuf> = match explicit {
        Some(p) => vec![p.to_path_buf()],
        None => vec![dir.join(".ballast.toml"), dir.join(".dive-ci")],
    };
    for path in candidates {
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && explicit.is_none() => continue,
            Err(e) => return Err(Error::io(&path, e)),
        };
        let is_toml = path.extension().is_some_and(|e| e == "toml");
        return if is_toml {
            Ok((parse_toml(&text, &path)?, Origin::BallastToml(path)))
        } else {
            Ok((parse_dive_ci(&text, &path)?, Origin::DiveCi(path)))
        };
    }
    Ok((dive_defaults(), Origin::DiveDefaults))
}

fn parse_toml(text: &str, path: &Path) -> Result<Budgets> {
    let mut table: toml::Table =
        toml::from_str(text).map_err(|e| bad_config(path, "syntax", e.message().to_string()))?;
    // Budgets under `[budget]`, or at the top level of the file.
    let chosen = match table.remove("budget") {
        Some(toml::Value::Table(t)) if table.is_empty() => t,
        Some(_) => return Err(bad_config(path, "budget", "expected only a [budget] table")),
        None => table,
    };
    let b: TomlBudgets = toml::Value::Table(chosen)
        .try_into()
        .map_err(|e: toml::de::Error| bad_config(path, "budget", e.message().to_string()))?;
    Ok(Budgets {
        max_size: size_of(b.max_size, "max_size", path)?,
        max_layer_size: size_of(b.max_layer_size, "max_layer_size", path)?,
        max_wasted_bytes: size_of(b.max_wasted_bytes, "max_wasted_bytes", path)?,
        max_reclaimable_bytes: size_of(b.max_reclaimable_bytes, "max_reclaimable_bytes", path)?,
        max_wasted_percent: ratio_of(b.max_wasted_percent, "max_wasted_percent", path)?,
        min_efficiency: ratio_of(b.min_efficiency, "min_efficiency", path)?,
        deny: rules_of(b.deny, "deny", path)?,
        ignore_paths: b.ignore_paths,
        max_growth: size_of(b.max_growth, "max_growth", path)?,
    })
}

/// dive's defaults when it runs with `CI=true` and no `.dive-ci`.
pub fn dive_defaults() -> Budgets {
    Budgets {
        min_efficiency: Some(0.9),
        max_wasted_percent: Some(0.1),
        ..Budgets::default()
    }
}

/// dive's `.dive-ci` (YAML with a `rules:` map), with dive's meanings: a missing
/// key keeps dive's default, `disabled` turns the rule off.
fn parse_dive_ci(text: &str, path: &Path) -> Result<Budgets> {
    let mut b = dive_defaults();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim().trim_matches(['"', '\'']));
        if value.is_empty() {
            continue;
        }
        let disabled = value.eq_ignore_ascii_case("disabled");
        // dive calls a ratio outside 0..1 misconfigured and gives no verdict.
        let ratio = |v: &str| -> Result<f64> {
            match v.parse::<f64>() {
                Ok(r) if (0.0..=1.0).contains(&r) => Ok(r),
                Ok(_) => Err(bad_config(
                    path,
                    key,
                    format!("'{v}' is outside 0..1 (dive's rules take ratios)"),
                )),
                Err(_) => Err(bad_config(path, key, format!("'{v}' is not a number"))),
            }
        };
        match key {
            "lowestEfficiency" => {
                b.min_efficiency = if disabled { None } else { Some(ratio(value)?) };
            }
            "highestWastedBytes" => {
                b.max_wasted_bytes = if disabled {
                    None
                } else {
                    Some(parse_size(value).map_err(|e| bad_config(path, key, e))?)
                };
            }
            "highestUserWastedPercent" => {
                b.max_wasted_percent = if disabled { None } else { Some(ratio(value)?) };
            }
            "rules" => {}
            other => {
                return Err(bad_config(
                    path,
                    other,
                    "unknown dive rule (dive knows lowestEfficiency, highestWastedBytes, highestUserWastedPercent)",
                ));
            }
        }
    }
    Ok(b)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
}

/// One budget's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub budget: String,
    pub status: Status,
    pub measured: String,
    pub limit: String,
    /// Why, for a failure: the findings or paths that explain it.
    pub explain: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub origin: Origin,
    pub checks: Vec<Check>,
    /// Findings shown but not failing (dive's rules in charge).
    pub warnings: Vec<String>,
}

impl Verdict {
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.status == Status::Pass)
    }
}

/// Glob for `ignore_paths`: `*` within a name, `**` across directories, `?` one
/// character. A pattern without `/` matches a name anywhere; one with `/` is
/// anchored at the root.
pub fn glob_match(pattern: &str, path: &str) -> bool {
    let path = path.trim_start_matches('/');
    if !pattern.contains('/') {
        return path
            .split('/')
            .any(|name| wild(pattern.as_bytes(), name.as_bytes()));
    }
    wild(pattern.trim_start_matches('/').as_bytes(), path.as_bytes())
        // `/var/cache/**` also covers `/var/cache` itself and `dir` covers its content.
        || path.starts_with(&format!("{}/", pattern.trim_start_matches('/').trim_end_matches("/**")))
}

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

fn ignored(b: &Budgets, path: &str) -> bool {
    b.ignore_paths.iter().any(|p| glob_match(p, path))
}

/// One line per finding: bytes, rule, layer, first path, fix.
fn explain(findings: &[&Finding], max: usize) -> Vec<String> {
    findings
        .iter()
        .take(max)
        .map(|f| {
            let layer = f
                .layer
                .as_ref()
                .map_or(String::new(), |l| format!(" (layer {})", l.index));
            let size = if f.bytes > 0 {
                format!("{} ", bytes(f.bytes))
            } else {
                String::new()
            };
            format!("{size}{}{layer}: {}", f.rule, f.advice)
        })
        .collect()
}

fn by_bytes<'a>(findings: impl Iterator<Item = &'a Finding>) -> Vec<&'a Finding> {
    let mut v: Vec<&Finding> = findings.collect();
    v.sort_by_key(|f| std::cmp::Reverse(f.bytes));
    v
}

/// Check `a` against `b` (and `baseline` for `max_growth`).
pub fn evaluate(a: &Analysis, b: &Budgets, origin: Origin, baseline: Option<&Analysis>) -> Verdict {
    let mut checks = Vec::new();
    let m = &a.metrics;
    let mut check =
        |budget: &str, ok: bool, measured: String, limit: String, explain: Vec<String>| {
            checks.push(Check {
                budget: budget.to_string(),
                status: if ok { Status::Pass } else { Status::Fail },
                measured,
                limit,
                explain: if ok { Vec::new() } else { explain },
            });
        };
    let waste_findings = || explain(&by_bytes(a.findings.iter().filter(|f| f.bytes > 0)), 3);

    if let Some(limit) = b.max_size {
        check(
            "max_size",
            m.shipped_bytes <= limit,
            bytes(m.shipped_bytes),
            format!("≤ {}", bytes(limit)),
            waste_findings(),
        );
    }
    if let Some(limit) = b.max_layer_size {
        let largest = a.image.layers.iter().max_by_key(|l| l.size_bytes);
        let size = largest.map_or(0, |l| l.size_bytes);
        let why = largest.map_or_else(Vec::new, |l| {
            let mut lines = vec![format!(
                "layer {}: {}",
                l.index,
                l.command.as_deref().unwrap_or("(no history)")
            )];
            lines.extend(explain(
                &by_bytes(a.findings.iter().filter(|f| {
                    f.bytes > 0 && f.layer.as_ref().is_some_and(|fl| fl.index == l.index)
                })),
                3,
            ));
            lines
        });
        let name = largest.map_or(String::new(), |l| format!(" (layer {})", l.index));
        check(
            "max_layer_size",
            size <= limit,
            format!("{}{name}", bytes(size)),
            format!("≤ {}", bytes(limit)),
            why,
        );
    }
    let kept: Vec<_> = a
        .wasted_paths
        .iter()
        .filter(|p| !ignored(b, &p.path))
        .collect();
    let wasted: u64 = kept.iter().map(|p| p.bytes).sum();
    let wasted_why = || -> Vec<String> {
        kept.iter()
            .take(3)
            .map(|p| format!("{} in {} layers: {}", bytes(p.bytes), p.count, p.path))
            .collect()
    };
    if let Some(limit) = b.max_wasted_bytes {
        check(
            "max_wasted_bytes",
            wasted <= limit,
            bytes(wasted),
            format!("≤ {}", bytes(limit)),
            wasted_why(),
        );
    }
    if let Some(limit) = b.max_wasted_percent {
        let user: u64 = a.image.layers.iter().skip(1).map(|l| l.size_bytes).sum();
        // dive divides by the bytes of every layer but the first; with none, 0/0
        // passes and n/0 fails (Go's NaN and +Inf).
        let ratio = if user > 0 {
            wasted as f64 / user as f64
        } else if wasted > 0 && a.image.layers.len() > 1 {
            f64::INFINITY
        } else {
            0.0
        };
        check(
            "max_wasted_percent",
            ratio <= limit,
            percent(ratio),
            format!("≤ {}", percent(limit)),
            wasted_why(),
        );
    }
    if let Some(limit) = b.min_efficiency {
        check(
            "min_efficiency",
            m.efficiency >= limit,
            percent(m.efficiency),
            format!("≥ {}", percent(limit)),
            wasted_why(),
        );
    }
    if let Some(limit) = b.max_reclaimable_bytes {
        check(
            "max_reclaimable_bytes",
            m.reclaimable_bytes <= limit,
            bytes(m.reclaimable_bytes),
            format!("≤ {}", bytes(limit)),
            waste_findings(),
        );
    }
    for rule in &b.deny {
        let fired: Vec<&Finding> = a
            .findings
            .iter()
            .filter(|f| f.rule == *rule)
            .filter(|f| {
                f.paths.is_empty()
                    || f.paths_omitted > 0
                    || f.paths.iter().any(|p| !ignored(b, &p.path))
            })
            .collect();
        let measured = match fired.len() {
            0 => "not found".to_string(),
            1 => "1 finding".to_string(),
            n => format!("{n} findings"),
        };
        check(
            &format!("deny {rule}"),
            fired.is_empty(),
            measured,
            "none".into(),
            explain(&fired, 5),
        );
    }
    if let Some(limit) = b.max_growth {
        match baseline {
            Some(base) => {
                let growth = m.shipped_bytes as i128 - base.metrics.shipped_bytes as i128;
                let why = vec![format!(
                    "{} → {}; run `ballast diff` for where it grew",
                    bytes(base.metrics.shipped_bytes),
                    bytes(m.shipped_bytes)
                )];
                let shown = if growth < 0 {
                    format!("-{}", bytes(growth.unsigned_abs() as u64))
                } else {
                    bytes(growth as u64)
                };
                check(
                    "max_growth",
                    growth <= limit as i128,
                    shown,
                    format!("≤ {}", bytes(limit)),
                    why,
                );
            }
            None => check(
                "max_growth",
                false,
                "no baseline".into(),
                bytes(limit),
                vec!["pass --baseline IMAGE".into()],
            ),
        }
    }

    let warnings = if matches!(origin, Origin::BallastToml(_)) {
        Vec::new()
    } else {
        // dive's rules decide; ballast's findings inform.
        explain(
            &by_bytes(
                a.findings
                    .iter()
                    .filter(|f| f.severity == Severity::High || f.bytes > 0),
            ),
            5,
        )
    };
    Verdict {
        origin,
        checks,
        warnings,
    }
}

fn percent(ratio: f64) -> String {
    if ratio.is_infinite() {
        "∞ %".into()
    } else {
        format!("{:.4} %", ratio * 100.0)
    }
}

/// The plain-text verdict: one line per budget, the reasons under failures.
pub fn write(v: &Verdict, reference: &str, out: &mut dyn Write) -> std::io::Result<()> {
    let origin = match &v.origin {
        Origin::BallastToml(p) => format!("budgets from {}", p.display()),
        Origin::DiveCi(p) => format!("dive's rules from {}", p.display()),
        Origin::DiveDefaults => "dive's default rules (no .ballast.toml or .dive-ci)".into(),
    };
    writeln!(out, "ballast --ci {reference}: {origin}")?;
    for c in &v.checks {
        let status = match c.status {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
        };
        writeln!(
            out,
            "  {status}  {:<24} {:>14}   {}",
            c.budget, c.measured, c.limit
        )?;
        for e in &c.explain {
            writeln!(out, "          {e}")?;
        }
    }
    for w in &v.warnings {
        writeln!(out, "  WARN  {w}")?;
    }
    let failed = v.checks.iter().filter(|c| c.status == Status::Fail).count();
    let mut result = String::new();
    if failed == 0 {
        let _ = write!(result, "PASS ({} budgets)", v.checks.len());
    } else {
        let _ = write!(result, "FAIL ({failed} of {} budgets over)", v.checks.len());
    }
    writeln!(out, "result: {result}")?;
    out.flush()
}

/// GitHub Actions workflow commands: an `::error` per failed budget and a
/// `::warning` per warning line. With a Dockerfile joined (`--dockerfile`),
/// each finding is annotated at the line of the instruction that made its
/// layer, and each lint finding at its line and column, so they show in the
/// pull request's diff. Data is escaped as the runner expects.
pub fn write_github(
    v: &Verdict,
    a: &Analysis,
    reference: &str,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let data = |s: &str| {
        s.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let prop = |s: &str| data(s).replace(':', "%3A").replace(',', "%2C");
    for c in v.checks.iter().filter(|c| c.status == Status::Fail) {
        let mut message = format!("{}: {} (limit {})", c.budget, c.measured, c.limit);
        for e in &c.explain {
            message.push('\n');
            message.push_str(e);
        }
        writeln!(
            out,
            "::error title={}::{}",
            prop(&format!("ballast {}: {}", reference, c.budget)),
            data(&message)
        )?;
    }
    match &a.dockerfile {
        None => {
            for w in &v.warnings {
                writeln!(
                    out,
                    "::warning title={}::{}",
                    prop(&format!("ballast {reference}")),
                    data(w)
                )?;
            }
        }
        Some(d) => {
            let file = prop(&d.path);
            for f in a
                .findings
                .iter()
                .filter(|f| f.severity == Severity::High || f.bytes > 0)
            {
                let mut message = format!("{} ({})", f.rule, bytes(f.bytes));
                if let Some(p) = f.paths.first() {
                    message.push_str(&format!(": {}", p.path));
                }
                message.push('\n');
                message.push_str(&f.advice);
                let at = f
                    .dockerfile_line
                    .map_or(String::new(), |l| format!("file={file},line={l},"));
                writeln!(
                    out,
                    "::{} {at}title={}::{}",
                    annotation_level(f.severity.as_str()),
                    prop(&format!("ballast {}", f.rule)),
                    data(&message)
                )?;
            }
            for l in &d.lint {
                writeln!(
                    out,
                    "::{} file={file},line={},endLine={},col={},title={}::{}",
                    annotation_level(l.severity),
                    l.line,
                    l.end_line.max(l.line),
                    l.column,
                    prop(&format!("ballast dockerfile/{}", l.rule)),
                    data(&format!("{}\nFix: {}", l.message, l.fix))
                )?;
            }
        }
    }
    let failed = v.checks.iter().filter(|c| c.status == Status::Fail).count();
    writeln!(
        out,
        "::notice title=ballast::{}",
        data(&format!("{failed} of {} budgets over", v.checks.len()))
    )?;
    out.flush()
}

/// Findings inform, they do not fail the job: `warning`, or `notice` for the
/// minor ones.
fn annotation_level(severity: &str) -> &'static str {
    match severity {
        "high" | "medium" => "warning",
        _ => "notice",
    }
}

/// JUnit XML for GitLab and Jenkins: one test case per budget.
pub fn write_junit(v: &Verdict, reference: &str, out: &mut dyn Write) -> std::io::Result<()> {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&apos;")
    };
    let failures = v.checks.iter().filter(|c| c.status == Status::Fail).count();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="ballast" tests="{}" failures="{failures}">"#,
        v.checks.len()
    )?;
    writeln!(
        out,
        r#"  <testsuite name="ballast budgets: {}" tests="{}" failures="{failures}" errors="0" skipped="0">"#,
        esc(reference),
        v.checks.len()
    )?;
    for c in &v.checks {
        let name = esc(&c.budget);
        match c.status {
            Status::Pass => writeln!(
                out,
                r#"    <testcase classname="ballast.budget" name="{name}"/>"#
            )?,
            Status::Fail => {
                writeln!(
                    out,
                    r#"    <testcase classname="ballast.budget" name="{name}">"#
                )?;
                writeln!(
                    out,
                    r#"      <failure message="{}" type="over-budget">{}</failure>"#,
                    esc(&format!("{} (limit {})", c.measured, c.limit)),
                    esc(&c.explain.join("\n"))
                )?;
                writeln!(out, "    </testcase>")?;
            }
        }
    }
    if !v.warnings.is_empty() {
        writeln!(
            out,
            "    <system-out>{}</system-out>",
            esc(&v.warnings.join("\n"))
        )?;
    }
    writeln!(out, "  </testsuite>\n</testsuites>")?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_ratios_parse_like_dive() {
        assert_eq!(parse_size("150MB"), Ok(150_000_000));
        assert_eq!(parse_size("1.2GiB"), Ok(1_288_490_189));
        assert_eq!(parse_size("20 mb"), Ok(20_000_000));
        assert_eq!(parse_size("512k"), Ok(512_000));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert!(parse_size("ten").is_err());
        assert!(
            parse_size("5 parsecs")
                .unwrap_err()
                .contains("unknown size unit")
        );
        assert_eq!(parse_ratio("0.9"), Ok(0.9));
        assert_eq!(parse_ratio("90%"), Ok(0.9));
        assert_eq!(parse_ratio("95"), Ok(0.95));
    }

    #[test]
    fn dive_ci_keeps_dive_defaults_and_disabled() {
        let b = parse_dive_ci(
            "rules:\n  lowestEfficiency: 0.95 # comment\n  highestWastedBytes: 20MB\n",
            Path::new(".dive-ci"),
        )
        .unwrap();
        assert_eq!(b.min_efficiency, Some(0.95));
        assert_eq!(b.max_wasted_bytes, Some(20_000_000));
        assert_eq!(b.max_wasted_percent, Some(0.1), "dive's default stays");
        let b = parse_dive_ci(
            "rules:\n  highestUserWastedPercent: disabled\n",
            Path::new(".dive-ci"),
        )
        .unwrap();
        assert_eq!(b.max_wasted_percent, None);
        let err =
            parse_dive_ci("rules:\n  lowestEfficency: 0.9\n", Path::new(".dive-ci")).unwrap_err();
        assert!(err.to_string().contains("lowestEfficency"), "{err}");
    }

    #[test]
    fn toml_budgets_with_or_without_a_table() {
        let p = Path::new(".ballast.toml");
        let b = parse_toml(
            "[budget]\nmax_size = \"150MB\"\nmin_efficiency = 95\ndeny = [\"secret\"]\n",
            p,
        )
        .unwrap();
        assert_eq!(
            (b.max_size, b.min_efficiency, b.deny.clone()),
            (Some(150_000_000), Some(0.95), vec![Rule::Secret])
        );
        let b = parse_toml("max_layer_size = 1000\nmax_wasted_percent = \"5%\"\n", p).unwrap();
        assert_eq!(
            (b.max_layer_size, b.max_wasted_percent),
            (Some(1000), Some(0.05))
        );
        let err = parse_toml("[budget]\nmax_sise = 1\n", p).unwrap_err();
        assert!(err.to_string().contains("max_sise"), "{err}");
    }

    #[test]
    fn an_unknown_denied_rule_names_the_file_the_key_and_the_valid_ids() {
        let err = parse_toml("deny = [\"secrets\"]\n", Path::new("ci/.ballast.toml")).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("ci/.ballast.toml"), "{text}");
        assert!(text.contains("deny"), "{text}");
        assert!(text.contains("unknown rule 'secrets'"), "{text}");
        assert!(text.contains("secret, root-user"), "{text}");
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
}
