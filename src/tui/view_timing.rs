//! The TUI's tree-view operations timed without a terminal, on any image:
//! expand all, layer switches on the fully expanded tree (the rows of
//! unchanged subtrees are reused), and `/` searches. Complements
//! `bench/tui.sh`, which times whole frames under tmux against dive.
//!
//!   cargo run --release -- tui-view-timing IMAGE [PATTERN ...]
//!
//! It lives in the binary because the TUI does (docs/architecture.md); the
//! subcommand is hidden from `--help`.

use std::sync::Arc;
use std::time::Instant;

use super::tree::{Model, Params, View};

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

/// `ballast tui-view-timing IMAGE [PATTERN ...]` (hidden from `--help`).
pub(crate) fn run(image: &str, patterns: Vec<String>) -> anyhow::Result<()> {
    let t = Instant::now();
    let analysis = ballast::analyze(
        image,
        &ballast::source::Options::default(),
        &ballast::progress::Silent,
    )?;
    let layers = analysis.image.layers.len();
    println!("analysis: {:.0} ms, {layers} layers", ms(t));
    let t = Instant::now();
    let m = Model::new(Arc::new(analysis));
    println!("model: {:.1} ms", ms(t));
    let last = layers.saturating_sub(1);
    let mut v = View::new(
        &m,
        Params {
            layer: last,
            ..Params::default()
        },
    );
    let t = Instant::now();
    v.expand_all(&m);
    println!("expand all: {:.1} ms, {} rows", ms(t), v.rows.len());
    layer_switches(&m, v, last);
    searches(&m, last, patterns);
    Ok(())
}

/// Time layer switches on the expanded view `v`: down the layers and back
/// up, as the bench's j/k do.
fn layer_switches(m: &Model, mut v: View, last: usize) {
    let walk: Vec<usize> = (0..last).rev().chain(1..=last).collect();
    let mut times = Vec::new();
    for layer in walk {
        let mut next = v.snapshot();
        let t = Instant::now();
        next.refresh(
            m,
            Params {
                layer,
                ..v.params.clone()
            },
        );
        times.push(ms(t));
        v = next;
    }
    if !times.is_empty() {
        times.sort_by(f64::total_cmp);
        println!(
            "layer switch, expanded: median {:.2} ms, p95 {:.2} ms, max {:.2} ms over {} switches",
            times[times.len() / 2],
            times[(times.len() * 95 / 100).min(times.len() - 1)],
            times[times.len() - 1],
            times.len()
        );
    }
}

/// Time `/` searches for `patterns` (or a default set) and the jump to the
/// next match, on the last layer's collapsed view.
fn searches(m: &Model, last: usize, patterns: Vec<String>) {
    let mut v = View::new(
        m,
        Params {
            layer: last,
            ..Params::default()
        },
    );
    let defaults = ["index", "package.json", "no-such-name", "a"].map(String::from);
    let patterns = if patterns.is_empty() {
        defaults.to_vec()
    } else {
        patterns
    };
    for pat in &patterns {
        let t = Instant::now();
        let found = match v.search(m, pat) {
            Ok(n) => n.to_string(),
            Err(e) => e,
        };
        let search = ms(t);
        let t = Instant::now();
        v.next_match(true);
        println!(
            "search {pat:?}: {found} matches, {search:.2} ms; next match {:.3} ms",
            ms(t)
        );
    }
}
