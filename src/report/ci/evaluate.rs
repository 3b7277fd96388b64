//! Checking an analysis against its budgets: one [`Check`] per budget, with
//! the findings or paths that explain a failure.

use super::ignore::IgnorePaths;
use super::{Budgets, Check, Origin, Status, Verdict};
use crate::analysis::{Analysis, Finding};
use crate::report::bytes;
use crate::vocab::{Rule, Severity};

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

/// Check `a` against `b` (and `baseline` for `max_growth`), in a fixed order
/// of budgets: one function per budget kind below.
pub fn evaluate(a: &Analysis, b: &Budgets, origin: Origin, baseline: Option<&Analysis>) -> Verdict {
    let ignore = IgnorePaths::new(&b.ignore_paths);
    let wasted = Wasted::new(a, &ignore);
    let mut checks = Vec::new();
    checks.extend(b.max_size.map(|limit| max_size(a, limit)));
    checks.extend(b.max_layer_size.map(|limit| max_layer_size(a, limit)));
    checks.extend(
        b.max_wasted_bytes
            .map(|limit| max_wasted_bytes(&wasted, limit)),
    );
    checks.extend(
        b.max_wasted_percent
            .map(|limit| max_wasted_percent(a, &wasted, limit)),
    );
    checks.extend(
        b.min_efficiency
            .map(|limit| min_efficiency(a, &wasted, limit)),
    );
    checks.extend(
        b.max_reclaimable_bytes
            .map(|limit| max_reclaimable_bytes(a, limit)),
    );
    checks.extend(b.deny.iter().map(|&rule| deny(a, &ignore, rule)));
    checks.extend(b.max_growth.map(|limit| max_growth(a, baseline, limit)));
    let warnings = warnings(a, &origin);
    Verdict {
        origin,
        checks,
        warnings,
    }
}

/// One budget's outcome; the explanation is kept for a failure only.
fn check(budget: &str, ok: bool, measured: String, limit: String, explain: Vec<String>) -> Check {
    Check {
        budget: budget.to_string(),
        status: if ok { Status::Pass } else { Status::Fail },
        measured,
        limit,
        explain: if ok { Vec::new() } else { explain },
    }
}

/// dive's wasted bytes without the ignored paths, and the first paths as the
/// reason (shared by the wasted-bytes, wasted-percent and efficiency budgets).
struct Wasted {
    bytes: u64,
    why: Vec<String>,
}

impl Wasted {
    fn new(a: &Analysis, ignore: &IgnorePaths) -> Wasted {
        let kept: Vec<_> = a
            .wasted_paths
            .iter()
            .filter(|p| !ignore.ignores(&p.path))
            .collect();
        Wasted {
            bytes: kept.iter().map(|p| p.bytes).sum(),
            why: kept
                .iter()
                .take(3)
                .map(|p| format!("{} in {} layers: {}", bytes(p.bytes), p.count, p.path))
                .collect(),
        }
    }
}

/// The largest findings with bytes, as the reason an image is too big.
fn waste_findings(a: &Analysis) -> Vec<String> {
    explain(&by_bytes(a.findings.iter().filter(|f| f.bytes > 0)), 3)
}

fn max_size(a: &Analysis, limit: u64) -> Check {
    let shipped = a.metrics.shipped_bytes;
    check(
        "max_size",
        shipped <= limit,
        bytes(shipped),
        format!("≤ {}", bytes(limit)),
        waste_findings(a),
    )
}

fn max_layer_size(a: &Analysis, limit: u64) -> Check {
    let largest = a.image.layers.iter().max_by_key(|l| l.size_bytes);
    let size = largest.map_or(0, |l| l.size_bytes);
    let why =
        largest.map_or_else(Vec::new, |l| {
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
    )
}

fn max_wasted_bytes(wasted: &Wasted, limit: u64) -> Check {
    check(
        "max_wasted_bytes",
        wasted.bytes <= limit,
        bytes(wasted.bytes),
        format!("≤ {}", bytes(limit)),
        wasted.why.clone(),
    )
}

fn max_wasted_percent(a: &Analysis, wasted: &Wasted, limit: f64) -> Check {
    let user: u64 = a.image.layers.iter().skip(1).map(|l| l.size_bytes).sum();
    // dive divides by the bytes of every layer but the first; with none, 0/0
    // passes and n/0 fails (Go's NaN and +Inf).
    let ratio = if user > 0 {
        wasted.bytes as f64 / user as f64
    } else if wasted.bytes > 0 && a.image.layers.len() > 1 {
        f64::INFINITY
    } else {
        0.0
    };
    check(
        "max_wasted_percent",
        ratio <= limit,
        percent(ratio),
        format!("≤ {}", percent(limit)),
        wasted.why.clone(),
    )
}

fn min_efficiency(a: &Analysis, wasted: &Wasted, limit: f64) -> Check {
    let efficiency = a.metrics.efficiency;
    check(
        "min_efficiency",
        efficiency >= limit,
        percent(efficiency),
        format!("≥ {}", percent(limit)),
        wasted.why.clone(),
    )
}

fn max_reclaimable_bytes(a: &Analysis, limit: u64) -> Check {
    let reclaimable = a.metrics.reclaimable_bytes;
    check(
        "max_reclaimable_bytes",
        reclaimable <= limit,
        bytes(reclaimable),
        format!("≤ {}", bytes(limit)),
        waste_findings(a),
    )
}

/// A denied rule fails when one of its findings is about a path not ignored
/// (or about no path, or more paths than it lists).
fn deny(a: &Analysis, ignore: &IgnorePaths, rule: Rule) -> Check {
    let fired: Vec<&Finding> = a
        .findings
        .iter()
        .filter(|f| f.rule == rule)
        .filter(|f| {
            f.paths.is_empty()
                || f.paths_omitted > 0
                || f.paths
                    .iter()
                    .any(|p| p.path.as_deref().is_none_or(|path| !ignore.ignores(path)))
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
    )
}

fn max_growth(a: &Analysis, baseline: Option<&Analysis>, limit: u64) -> Check {
    let Some(base) = baseline else {
        return check(
            "max_growth",
            false,
            "no baseline".into(),
            bytes(limit),
            vec!["pass --baseline IMAGE".into()],
        );
    };
    let (before, after) = (base.metrics.shipped_bytes, a.metrics.shipped_bytes);
    let growth = after as i128 - before as i128;
    let why = vec![format!(
        "{} → {}; run `ballast diff` for where it grew",
        bytes(before),
        bytes(after)
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
    )
}

/// With dive's rules in charge, ballast's findings are shown as warnings.
fn warnings(a: &Analysis, origin: &Origin) -> Vec<String> {
    if matches!(origin, Origin::BallastToml(_)) {
        return Vec::new();
    }
    // dive's rules decide; ballast's findings inform.
    explain(
        &by_bytes(
            a.findings
                .iter()
                .filter(|f| f.severity == Severity::High || f.bytes > 0),
        ),
        5,
    )
}

fn percent(ratio: f64) -> String {
    if ratio.is_infinite() {
        "∞ %".into()
    } else {
        format!("{:.4} %", ratio * 100.0)
    }
}
