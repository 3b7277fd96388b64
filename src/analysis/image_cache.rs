//! The image cache: a whole [`Analysis`] kept under its image's
//! [`Identity`], so re-analysing an image nothing about has changed reads no
//! layer, merges nothing and finds nothing again (docs/architecture.md, "The
//! image cache"). It lives beside the layer cache, in the same directory and
//! under the same size bound (`--cache-dir`, `--cache-size`, `--no-cache`),
//! and is used exactly when the layer cache is: a verified read within the
//! default limits.
//!
//! A file is `<root>/images/v<FORMAT>/sha256-<key>`, framed as the layer
//! cache frames its files (`layer::cache::file`): the analysis as JSON with
//! the fields the JSON output leaves out (the history, every wasted path, the
//! estimates' facts, the tree nodes of each finding and package), then the
//! merged tree in its binary encoding. The key hashes the identity with the
//! build of ballast that wrote it (its version and commit, and the running
//! executable's size and modification time), so an analysis made by other
//! code is never taken. Anything unsound is a miss; files of an older build
//! are never read again and leave with the least recently used.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Analysis, InefficientPath, estimate};
use crate::layer::cache::{LayerCache, file};
use crate::layer::codec::{Reader, Writer};
use crate::source::Identity;
use crate::source::layout::History;
use crate::tree::{MergedTree, NodeId};

const HEADER: file::Header = file::Header {
    magic: b"BALLASTA",
    format: 1,
};

/// What the JSON output leaves out of an analysis, beside it.
#[derive(Serialize)]
struct Written<'a> {
    analysis: &'a Analysis,
    history: &'a [History],
    wasted_paths: &'a [InefficientPath],
    estimate_facts: &'a estimate::Facts,
    finding_nodes: Vec<&'a [NodeId]>,
    package_nodes: Vec<&'a [NodeId]>,
}

#[derive(Deserialize)]
struct Read {
    analysis: Analysis,
    history: Vec<History>,
    wasted_paths: Vec<InefficientPath>,
    estimate_facts: estimate::Facts,
    finding_nodes: Vec<Vec<NodeId>>,
    package_nodes: Vec<Vec<NodeId>>,
}

/// The file for `identity` in `cache`'s directory.
fn path(cache: &LayerCache, identity: &Identity) -> Option<std::path::PathBuf> {
    let dir = cache
        .root()
        .join("images")
        .join(format!("v{}", HEADER.format));
    let mut h = Sha256::new();
    h.update(identity.key().as_bytes());
    h.update(build().as_bytes());
    file::named(&dir, &format!("sha256:{}", hex::encode(h.finalize())))
}

/// The build of ballast running: version, commit, and the executable's size
/// and modification time (a rebuild of the same commit with other code).
fn build() -> String {
    let exe = std::env::current_exe()
        .and_then(std::fs::metadata)
        .ok()
        .map(|m| {
            let modified = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            format!("{} {modified}", m.len())
        })
        .unwrap_or_default();
    format!("{} {exe}", env!("BALLAST_VERSION"))
}

/// The analysis stored for `identity`, for `reference`.
pub(super) fn get(cache: &LayerCache, identity: &Identity, reference: &str) -> Option<Analysis> {
    let body = file::read(&path(cache, identity)?, HEADER)?;
    let mut r = Reader(&body);
    let read: Read = serde_json::from_slice(r.bytes()?).ok()?;
    let tree = MergedTree::from_encoding(r.0.into())?;
    let mut analysis = read.analysis;
    let nodes_fit = |lists: &[Vec<NodeId>], n: usize| {
        lists.len() == n && lists.iter().flatten().all(|&id| (id as usize) < tree.len())
    };
    if tree.layer_count() != analysis.image.layers.len()
        || !nodes_fit(&read.finding_nodes, analysis.findings.len())
        || !nodes_fit(&read.package_nodes, analysis.packages.len())
    {
        return None;
    }
    for (f, nodes) in analysis.findings.iter_mut().zip(read.finding_nodes) {
        f.nodes = nodes;
    }
    for (p, nodes) in analysis.packages.iter_mut().zip(read.package_nodes) {
        p.nodes = nodes;
    }
    analysis.image.reference = reference.to_string();
    analysis.history = read.history;
    analysis.wasted_paths = read.wasted_paths;
    analysis.estimate_facts = read.estimate_facts;
    analysis.tree = tree;
    Some(analysis)
}

/// Keep `analysis` under `identity`. Failures are ignored: the cache is an
/// optimisation.
pub(super) fn put(cache: &LayerCache, identity: &Identity, analysis: &Analysis) {
    let Some(path) = path(cache, identity) else {
        return;
    };
    let written = Written {
        analysis,
        history: &analysis.history,
        wasted_paths: &analysis.wasted_paths,
        estimate_facts: &analysis.estimate_facts,
        finding_nodes: analysis.findings.iter().map(|f| &f.nodes[..]).collect(),
        package_nodes: analysis.packages.iter().map(|p| &p.nodes[..]).collect(),
    };
    let Ok(json) = serde_json::to_vec(&written) else {
        return;
    };
    file::write(cache.root(), &path, HEADER, cache.max_bytes(), |out| {
        let mut w = Writer::default();
        w.bytes(&json);
        out.write_all(&w.0)?;
        analysis.tree.encode_into(out)
    });
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use crate::progress::Progress;
    use crate::source::Options;

    /// The progress messages of a run.
    #[derive(Default)]
    struct Said(Mutex<Vec<String>>);

    impl Progress for Said {
        fn info(&self, message: &str) {
            self.0.lock().unwrap().push(message.to_string());
        }
    }

    #[test]
    fn a_hit_is_the_whole_analysis_the_read_made() {
        let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo.tar");
        let dir = tempfile::tempdir().unwrap();
        let opts = Options {
            cache: Some(crate::layer::cache::LayerCache::new(dir.path(), 1 << 30)),
            ..Options::default()
        };
        let cold = crate::analyze(demo, &opts, &Said::default()).unwrap();
        let said = Said::default();
        let warm = crate::analyze(demo, &opts, &said).unwrap();
        assert!(
            said.0.lock().unwrap()[0].contains("image cache"),
            "not a hit"
        );
        let json = |a: &super::Analysis| serde_json::to_string(a).unwrap();
        assert_eq!(json(&cold), json(&warm));
        let debug = |a: &super::Analysis| {
            let nodes: Vec<_> = a.findings.iter().map(|f| &f.nodes).collect();
            let packages: Vec<_> = a.packages.iter().map(|p| &p.nodes).collect();
            format!(
                "{:?} {:?} {:?} {nodes:?} {packages:?}",
                a.history, a.wasted_paths, a.estimate_facts
            )
        };
        assert_eq!(debug(&cold), debug(&warm));
        assert!(!cold.findings.iter().all(|f| f.nodes.is_empty()));
        assert_eq!(cold.tree.len(), warm.tree.len());
        for (id, n) in cold.tree.nodes() {
            let w = warm.tree.node(id);
            assert_eq!(
                (&n.name, n.parent, &n.children),
                (&w.name, w.parent, &w.children)
            );
            assert_eq!(n.history[..], w.history[..]);
        }
    }
}
