//! Checking an analysis against its budgets: one [`Check`] per budget, with
//! the findings or paths that explain a failure.

use super::{Budgets, Check, Origin, Status, Verdict};
use crate::analysis::{Analysis, Finding};
use crate::report::bytes;

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
            .filter(|f| f.rule == rule)
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
                    .filter(|f| f.severity == "high" || f.bytes > 0),
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

#[cfg(test)]
mod tests {
    use super::*;

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
