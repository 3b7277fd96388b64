//! Determinism helpers shared by the benchmark image generators
//! (`bench_images/`, `tui_million.rs`): the same seed gives the same image,
//! byte for byte, on every machine. Each generator adds its own size
//! distribution as an inherent method on [`Rng`]; [`Stats`] counts what a
//! spec holds.

use testimage::{Content, ImageSpec, Node};

/// splitmix64: small, fast, and the same everywhere.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `lo..hi` (`hi` exclusive, `hi > lo`).
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// FNV-1a of a path: the content seed, so the same path and version always
/// have the same bytes (a copy-up or a reinstall writes identical content).
pub fn seed_of(path: &str, version: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ version.wrapping_mul(0x100_0000_01b3);
    for b in path.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    h
}

const SYLLABLES: &[&str] = &[
    "ab", "ac", "ad", "al", "an", "ar", "as", "at", "ba", "be", "bi", "bo", "bu", "ca", "ce", "ci",
    "co", "cu", "da", "de", "di", "do", "du", "el", "em", "en", "er", "es", "ex", "fa", "fe", "fi",
    "fo", "ga", "ge", "gi", "go", "ha", "he", "hi", "ho", "id", "il", "im", "in", "io", "is", "ja",
    "jo", "ka", "ke", "ki", "ko", "la", "le", "li", "lo", "lu", "ma", "me", "mi", "mo", "mu", "na",
    "ne", "ni", "no", "nu", "ob", "od", "ol", "om", "on", "op", "or", "os", "pa", "pe", "pi", "po",
    "pu", "qu", "ra", "re", "ri", "ro", "ru", "sa", "se", "si", "so", "su", "ta", "te", "ti", "to",
    "tu", "ul", "um", "un", "ur", "us", "va", "ve", "vi", "vo", "xa", "xe", "yo", "za", "ze", "zo",
];

/// A pronounceable lowercase word of 2 to 4 syllables.
pub fn word(rng: &mut Rng) -> String {
    let n = rng.range(2, 5) as usize;
    (0..n).map(|_| rng.pick(SYLLABLES)).collect()
}

pub struct Stats {
    pub layers: usize,
    pub entries: usize,
    pub files: usize,
    pub dirs: usize,
    pub whiteouts: usize,
    pub opaque: usize,
    pub bytes: u64,
}

impl Stats {
    pub fn of(spec: &ImageSpec) -> Stats {
        let mut s = Stats {
            layers: spec.layers.len(),
            entries: 0,
            files: 0,
            dirs: 0,
            whiteouts: 0,
            opaque: 0,
            bytes: 0,
        };
        for l in &spec.layers {
            for n in &l.nodes {
                s.entries += 1;
                match n {
                    Node::File { content, .. } => {
                        s.files += 1;
                        s.bytes += match content {
                            Content::Bytes(b) => b.len() as u64,
                            Content::Pattern { len, .. } => *len,
                        };
                    }
                    Node::Dir { .. } => s.dirs += 1,
                    Node::Whiteout { .. } => s.whiteouts += 1,
                    Node::Opaque { .. } => s.opaque += 1,
                    _ => {}
                }
            }
        }
        s
    }
}

impl std::fmt::Display for Stats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} layers, {} entries ({} regular files, {} dirs, {} whiteouts, {} opaque), \
             {:.3} GB of file content",
            self.layers,
            self.entries,
            self.files,
            self.dirs,
            self.whiteouts,
            self.opaque,
            self.bytes as f64 / 1e9
        )
    }
}
