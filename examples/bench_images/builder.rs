//! Building blocks of the benchmark images: the size distribution, distinct
//! words, a layer builder that writes parent directories first and refuses
//! duplicate names, and whole packages of files.

use std::collections::HashSet;

use testimage::{Content, LayerSpec, Node};

use crate::determinism::{Rng, seed_of, word};

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    /// A size between `lo` and `hi`, integers only: a power-of-two octave
    /// (each one less likely than the one below it), then uniform inside it.
    /// Most files small, a long tail of big ones, as in real root filesystems.
    pub(crate) fn size(&mut self, lo: u64, hi: u64) -> u64 {
        let lo_exp = 63 - lo.max(1).leading_zeros() as u64;
        let hi_exp = 63 - hi.max(2).leading_zeros() as u64;
        let e = if hi_exp > lo_exp {
            let a = self.range(lo_exp, hi_exp + 1);
            let b = self.range(lo_exp, hi_exp + 1);
            a.min(b)
        } else {
            lo_exp
        };
        let a = (1u64 << e).max(lo);
        let b = (1u64 << (e + 1)).min(hi + 1);
        if b > a { self.range(a, b) } else { a }
    }
}

/// `n` distinct words.
pub(crate) fn words(rng: &mut Rng, n: usize, taken: &mut HashSet<String>) -> Vec<String> {
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let w = word(rng);
        if taken.insert(w.clone()) {
            out.push(w);
        }
    }
    out
}

/// A layer being built. Real layers carry an entry for every directory they
/// touch, parents before children; this one adds them as files are added.
pub(crate) struct Layer {
    command: String,
    pub(crate) nodes: Vec<Node>,
    dirs: HashSet<String>,
    pub(crate) paths: HashSet<String>,
}

impl Layer {
    pub(crate) fn new(command: &str) -> Layer {
        Layer {
            command: command.to_string(),
            nodes: Vec::new(),
            dirs: HashSet::new(),
            paths: HashSet::new(),
        }
    }

    pub(crate) fn dir(&mut self, path: &str) {
        if path.is_empty() || self.dirs.contains(path) {
            return;
        }
        if let Some((parent, _)) = path.rsplit_once('/') {
            self.dir(parent);
        }
        self.dirs.insert(path.to_string());
        self.nodes.push(testimage::dir(path));
    }

    fn parent(&mut self, path: &str) {
        if let Some((parent, _)) = path.rsplit_once('/') {
            self.dir(parent);
        }
    }

    /// A regular file of `len` pattern bytes; `version` picks the content.
    /// Returns false (and writes nothing) if the path is already in the layer.
    pub(crate) fn file_v(&mut self, path: &str, len: u64, mode: u32, version: u64) -> bool {
        if !self.paths.insert(path.to_string()) {
            return false;
        }
        self.parent(path);
        self.nodes.push(Node::File {
            path: path.as_bytes().to_vec(),
            content: Content::Pattern {
                len,
                seed: seed_of(path, version),
            },
            mode,
            uid: 0,
        });
        true
    }

    pub(crate) fn file(&mut self, path: &str, len: u64) -> bool {
        self.file_v(path, len, 0o644, 0)
    }

    pub(crate) fn exe(&mut self, path: &str, len: u64) -> bool {
        self.file_v(path, len, 0o755, 0)
    }

    pub(crate) fn text(&mut self, path: &str, body: &str) {
        if self.paths.insert(path.to_string()) {
            self.parent(path);
            self.nodes.push(testimage::file(path, body));
        }
    }

    pub(crate) fn symlink(&mut self, path: &str, target: &str) {
        if self.paths.insert(path.to_string()) {
            self.parent(path);
            self.nodes.push(testimage::symlink(path, target));
        }
    }

    pub(crate) fn hardlink(&mut self, path: &str, target: &str) {
        if self.paths.insert(path.to_string()) {
            self.parent(path);
            self.nodes.push(testimage::hardlink(path, target));
        }
    }

    pub(crate) fn whiteout(&mut self, path: &str) {
        self.parent(path);
        self.nodes.push(testimage::whiteout(path));
    }

    /// `rm -rf DIR && mkdir DIR` in one step: the directory, then its marker.
    pub(crate) fn opaque(&mut self, dir: &str) {
        self.dir(dir);
        self.nodes.push(testimage::opaque(dir));
    }

    /// The finished layer. Panics on a name written twice: engines refuse
    /// such a layer ("duplicates of file paths not supported").
    pub(crate) fn spec(self) -> LayerSpec {
        let mut seen = HashSet::new();
        for n in &self.nodes {
            let name = match n {
                Node::File { path, .. }
                | Node::Dir { path, .. }
                | Node::Symlink { path, .. }
                | Node::HardLink { path, .. } => path.clone(),
                Node::Whiteout { path } => {
                    let s = String::from_utf8_lossy(path);
                    match s.rsplit_once('/') {
                        Some((dir, name)) => format!("{dir}/.wh.{name}").into_bytes(),
                        None => format!(".wh.{s}").into_bytes(),
                    }
                }
                Node::Opaque { dir } => [&dir[..], b"/.wh..wh..opq"].concat(),
                _ => continue,
            };
            assert!(
                seen.insert(name.clone()),
                "layer `{}` writes {} twice",
                self.command,
                String::from_utf8_lossy(&name)
            );
        }
        LayerSpec::new(&self.command, self.nodes)
    }
}

/// `pkgs` packages under `root`, each a directory of `files` (range) files
/// spread over nested subdirectories, with extensions from `exts` and sizes
/// log-uniform in `sizes`. Returns the package names and every file path.
#[allow(clippy::too_many_arguments)]
pub(crate) fn packages(
    l: &mut Layer,
    rng: &mut Rng,
    root: &str,
    names: &[String],
    files: (u64, u64),
    subdirs: &[&str],
    exts: &[&str],
    sizes: (u64, u64),
) -> Vec<String> {
    let mut all = Vec::new();
    for name in names {
        let n = rng.range(files.0, files.1 + 1);
        let base = format!("{root}/{name}");
        l.dir(&base);
        let mut taken = HashSet::new();
        let nested = [word(rng), word(rng), word(rng)];
        for _ in 0..n {
            let sub = rng.pick(subdirs);
            let deep = if rng.chance(30) {
                format!("/{}", nested[rng.below(nested.len())])
            } else {
                String::new()
            };
            let dir = if sub.is_empty() {
                format!("{base}{deep}")
            } else {
                format!("{base}/{sub}{deep}")
            };
            let stem = loop {
                let w = word(rng);
                if taken.insert((dir.clone(), w.clone())) {
                    break w;
                }
            };
            let path = format!("{dir}/{stem}.{}", rng.pick(exts));
            if l.file(&path, rng.size(sizes.0, sizes.1)) {
                all.push(path);
            }
        }
    }
    all
}
