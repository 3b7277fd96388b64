//! Writes the 1,000,000-file image of `bench/tui.sh` as a `docker save` archive.
//!
//! ```text
//! cargo run --release --example tui_million -- OUTDIR
//! cargo run --release --example tui_million -- --spec-hash
//! ```
//!
//! `million.tar`: exactly 1,000,000 regular files in 6 layers, laid out like a
//! big application image (a Debian base, build tools, `npm ci`, `pip install`,
//! the application with its `.git`, a cleanup step with whiteouts), so the
//! directory fan-out is a real one: thousands of packages side by side under
//! `node_modules`, `site-packages` and `/usr/share/doc`, each with a few
//! nested levels; ~197,000 directories in all, 5 files per directory on
//! average, as in a real `node_modules`. Every path is shorter than 100 bytes
//! (no GNU long-name entries).
//!
//! Contents are small on purpose: half of the files are empty and the rest
//! hold 1 to 511 bytes, so each file takes one or two 512-byte tar blocks and
//! the archive stays ~0.87 GB (the 1,000,000 file headers alone are 512 MB).
//!
//! Everything is derived from fixed seeds with integer arithmetic only (same
//! helpers as `bench_images/`), so the same source gives the same bytes on
//! every machine. `--spec-hash` prints a hash of the spec (every path, size,
//! seed, mode and command) without writing anything: `bench/tui.sh`
//! regenerates the archive when it changes.

use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::Path;
use std::time::Instant;

use sha2::{Digest, Sha256};
use testimage::{Compress, Content, ImageSpec, LayerSpec, Layout, Node};

#[path = "common/determinism.rs"]
mod determinism;
use determinism::{Rng, Stats, seed_of, word};

/// Regular files in the image, all layers together.
const TOTAL_FILES: usize = 1_000_000;

fn main() {
    if let Err(e) = run() {
        eprintln!("tui_million: error: {e}");
        std::process::exit(2);
    }
}

fn run() -> io::Result<()> {
    let mut out: Option<String> = None;
    let mut spec_hash = false;
    for a in std::env::args().skip(1) {
        match a.as_str() {
            "--spec-hash" => spec_hash = true,
            "-h" | "--help" => {
                println!("usage: tui_million OUTDIR\n       tui_million --spec-hash");
                return Ok(());
            }
            s if s.starts_with('-') => return Err(usage(&format!("unknown option {s}"))),
            s => out = Some(s.to_string()),
        }
    }

    let start = Instant::now();
    let spec = million_image();
    let stats = Stats::of(&spec);
    assert_eq!(
        stats.files, TOTAL_FILES,
        "the spec must hold exactly 1M files"
    );
    if spec_hash {
        let mut h = Sha256::new();
        testimage::hash_spec(&mut h, &spec);
        eprintln!("million: {stats}");
        println!("{}", hex::encode(h.finalize()));
        return Ok(());
    }

    let out = out.ok_or_else(|| usage("missing OUTDIR"))?;
    let out = Path::new(&out);
    fs::create_dir_all(out)?;
    let path = out.join("million.tar");
    let partial = out.join("million.tar.partial");
    testimage::write_image(&spec, Layout::DockerLegacy, Compress::None, &partial)?;
    fs::rename(&partial, &path)?;
    eprintln!(
        "million: {stats}; archive {:.2} GB, written in {:.1} s",
        fs::metadata(&path)?.len() as f64 / 1e9,
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

fn usage(msg: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{msg} (usage: tui_million OUTDIR | --spec-hash)"),
    )
}

// ---------------------------------------------------------------------------
// Determinism helpers (the shared ones are in common/determinism.rs)

impl Rng {
    /// Half empty, half 1 to 511 bytes: one tar block of content at most.
    fn small(&mut self) -> u64 {
        if self.chance(50) {
            0
        } else {
            self.range(1, 512)
        }
    }
}

/// A word not in `taken` (which it joins).
fn fresh_word(rng: &mut Rng, taken: &mut HashSet<String>) -> String {
    loop {
        let w = word(rng);
        if taken.insert(w.clone()) {
            return w;
        }
    }
}

// ---------------------------------------------------------------------------
// Layer builder: an entry for every directory, parents before children.

struct Layer {
    command: String,
    nodes: Vec<Node>,
    dirs: HashSet<String>,
    files: usize,
}

impl Layer {
    fn new(command: &str) -> Layer {
        Layer {
            command: command.to_string(),
            nodes: Vec::new(),
            dirs: HashSet::new(),
            files: 0,
        }
    }

    fn dir(&mut self, path: &str) {
        if path.is_empty() || self.dirs.contains(path) {
            return;
        }
        if let Some((parent, _)) = path.rsplit_once('/') {
            self.dir(parent);
        }
        self.dirs.insert(path.to_string());
        self.nodes.push(testimage::dir(path));
    }

    /// A regular file; callers make paths unique.
    fn file(&mut self, path: &str, len: u64, mode: u32) {
        debug_assert!(path.len() < 100, "{path} needs a long-name entry");
        if let Some((parent, _)) = path.rsplit_once('/') {
            self.dir(parent);
        }
        self.nodes.push(Node::File {
            path: path.as_bytes().to_vec(),
            content: Content::Pattern {
                len,
                seed: seed_of(path, 0),
            },
            mode,
            uid: 0,
        });
        self.files += 1;
    }

    fn whiteout(&mut self, path: &str) {
        self.nodes.push(testimage::whiteout(path));
    }

    fn spec(self) -> LayerSpec {
        LayerSpec::new(&self.command, self.nodes)
    }
}

/// One package directory tree, as a package manager unpacks it.
struct Shape<'a> {
    /// Files per package, inclusive range.
    files: (u64, u64),
    /// Subdirectories of a package ("" = its top).
    subdirs: &'a [&'a str],
    exts: &'a [&'a str],
    /// Files every package has, at its top.
    fixed: &'a [&'a str],
}

/// Packages under `root` until the layer holds `target` files. Package
/// directories are `root/NAME` (or `root/@SCOPE/NAME` with `scoped`), with
/// files in `subdirs` and, for 30 % of them, one of three nested directories
/// below. Returns the package directories.
fn fill(
    l: &mut Layer,
    rng: &mut Rng,
    root: &str,
    target: usize,
    shape: &Shape,
    scoped: bool,
) -> Vec<String> {
    let mut taken = HashSet::new();
    let mut scopes: Vec<String> = Vec::new();
    let mut pkgs = Vec::new();
    while l.files < target {
        let name = fresh_word(rng, &mut taken);
        let base = if scoped && rng.chance(15) {
            if scopes.is_empty() || rng.chance(20) {
                scopes.push(fresh_word(rng, &mut taken));
            }
            let s = &scopes[rng.below(scopes.len())];
            format!("{root}/@{s}/{name}")
        } else {
            format!("{root}/{name}")
        };
        l.dir(&base);
        for f in shape.fixed {
            if l.files < target {
                l.file(&format!("{base}/{f}"), rng.small(), 0o644);
            }
        }
        let n = rng.range(shape.files.0, shape.files.1 + 1);
        let nested = [word(rng), word(rng), word(rng)];
        let mut names = HashSet::new();
        for _ in 0..n {
            if l.files >= target {
                break;
            }
            let sub = rng.pick(shape.subdirs);
            let mut dir = base.clone();
            if !sub.is_empty() {
                dir = format!("{dir}/{sub}");
            }
            if rng.chance(30) {
                dir = format!("{dir}/{}", nested[rng.below(nested.len())]);
            }
            let ext = rng.pick(shape.exts);
            let stem = loop {
                let w = word(rng);
                if names.insert(format!("{dir}/{w}.{ext}")) {
                    break w;
                }
            };
            l.file(&format!("{dir}/{stem}.{ext}"), rng.small(), 0o644);
        }
        pkgs.push(base);
    }
    pkgs
}

// ---------------------------------------------------------------------------
// The image: file counts per layer add up to TOTAL_FILES.

const LANGS: &[&str] = &[
    "ar", "bg", "ca", "cs", "da", "de", "el", "es", "fi", "fr", "he", "hu", "id", "it", "ja", "ko",
    "nb", "nl", "pl", "pt", "pt_BR", "ro", "ru", "sk", "sv", "tr", "uk", "vi", "zh_CN", "zh_TW",
];

fn base_os(rng: &mut Rng) -> Layer {
    let mut l = Layer::new(
        "/bin/sh -c #(nop) ADD file:0d5e1c3b2a4f6e8d0c2b4a6f8e0d2c4b6a8f0e2d4c6b8a0f2e4d6c8b0a2f4e6d in / ",
    );
    let mut taken = HashSet::new();
    for i in 0..1500 {
        let c = fresh_word(rng, &mut taken);
        let dir = if i % 5 == 0 { "usr/sbin" } else { "usr/bin" };
        l.file(&format!("{dir}/{c}"), rng.small(), 0o755);
        let sec = rng.pick(&["1", "1", "1", "5", "8"]);
        l.file(
            &format!("usr/share/man/man{sec}/{c}.{sec}.gz"),
            rng.small(),
            0o644,
        );
    }
    for _ in 0..2500 {
        let n = fresh_word(rng, &mut taken);
        l.file(
            &format!("usr/lib/x86_64-linux-gnu/lib{n}.so.1"),
            rng.small(),
            0o644,
        );
    }
    // Per Debian package: docs, dpkg metadata, translations.
    while l.files < 150_000 {
        let p = fresh_word(rng, &mut taken);
        for f in ["copyright", "changelog.Debian.gz"] {
            l.file(&format!("usr/share/doc/{p}/{f}"), rng.small(), 0o644);
        }
        for f in ["list", "md5sums"] {
            l.file(&format!("var/lib/dpkg/info/{p}.{f}"), rng.small(), 0o644);
        }
        if rng.chance(60) {
            for lang in LANGS {
                if rng.chance(70) {
                    l.file(
                        &format!("usr/share/locale/{lang}/LC_MESSAGES/{p}.mo"),
                        rng.small(),
                        0o644,
                    );
                }
            }
        }
    }
    l
}

fn build_tools(rng: &mut Rng) -> Layer {
    let mut l = Layer::new(
        "/bin/sh -c apt-get update && apt-get install -y build-essential libssl-dev git",
    );
    let shape = Shape {
        files: (20, 120),
        subdirs: &["", "", "sys", "bits", "detail", "internal"],
        exts: &["h", "h", "hpp", "inc"],
        fixed: &[],
    };
    fill(&mut l, rng, "usr/include", 60_000, &shape, false);
    let shape = Shape {
        files: (10, 60),
        subdirs: &["", "plugin", "include", "lib"],
        exts: &["o", "a", "so", "spec"],
        fixed: &[],
    };
    fill(
        &mut l,
        rng,
        "usr/lib/gcc/x86_64-linux-gnu/12",
        100_000,
        &shape,
        false,
    );
    l
}

fn npm_ci(rng: &mut Rng) -> Layer {
    let mut l = Layer::new("RUN /bin/sh -c npm ci # buildkit");
    let shape = Shape {
        files: (20, 140),
        subdirs: &[
            "lib", "lib", "dist", "dist/esm", "dist/cjs", "src", "types", "test",
        ],
        exts: &["js", "js", "js", "js.map", "mjs", "cjs", "d.ts", "json"],
        fixed: &["package.json", "README.md", "LICENSE"],
    };
    fill(&mut l, rng, "app/node_modules", 480_000, &shape, true);
    l
}

fn pip_install(rng: &mut Rng) -> Layer {
    let mut l = Layer::new("RUN /bin/sh -c pip install -r requirements.txt # buildkit");
    let sp = "usr/local/lib/python3.11/site-packages";
    let shape = Shape {
        files: (30, 220),
        subdirs: &["", "", "_vendor", "tests", "__pycache__", "utils"],
        exts: &["py", "py", "py", "pyc", "pyi", "so"],
        fixed: &["__init__.py", "py.typed"],
    };
    let pkgs = fill(&mut l, rng, sp, 230_000, &shape, false);
    for p in &pkgs {
        for f in ["METADATA", "RECORD", "WHEEL"] {
            l.file(&format!("{p}-1.0.0.dist-info/{f}"), rng.small(), 0o644);
        }
    }
    l
}

fn app(rng: &mut Rng, files_so_far: usize) -> Layer {
    let mut l = Layer::new("COPY . /app # buildkit");
    // A .git directory copied in by a missing .dockerignore.
    for i in 0..20_000u64 {
        let h = seed_of("git", i);
        l.file(
            &format!("app/.git/objects/{:02x}/{:038x}", h & 0xff, h as u128),
            rng.small(),
            0o444,
        );
    }
    let shape = Shape {
        files: (5, 40),
        subdirs: &["", "", "components", "routes", "__tests__", "styles"],
        exts: &["ts", "ts", "tsx", "json", "css"],
        fixed: &["index.ts"],
    };
    // Whatever is left to reach TOTAL_FILES with the last layer's files.
    let target = TOTAL_FILES - files_so_far - CLEANUP_FILES;
    fill(&mut l, rng, "app/src", target, &shape, false);
    l
}

const CLEANUP_FILES: usize = 3;

fn cleanup() -> Layer {
    let mut l = Layer::new(
        "/bin/sh -c rm -rf /usr/include /app/.git && touch /app/.ready /etc/hostname /etc/machine-id",
    );
    l.whiteout("usr/include");
    l.whiteout("app/.git");
    for f in ["app/.ready", "etc/hostname", "etc/machine-id"] {
        l.file(f, 0, 0o644);
    }
    l
}

fn million_image() -> ImageSpec {
    let mut rng = Rng(0x1_000_000);
    let mut layers = Vec::new();
    let mut files = 0;
    for l in [
        base_os(&mut rng),
        build_tools(&mut rng),
        npm_ci(&mut rng),
        pip_install(&mut rng),
    ] {
        files += l.files;
        layers.push(l);
    }
    let a = app(&mut rng, files);
    layers.push(a);
    let c = cleanup();
    assert_eq!(c.files, CLEANUP_FILES);
    layers.push(c);
    ImageSpec {
        layers: layers.into_iter().map(Layer::spec).collect(),
        container_config: serde_json::json!({
            "WorkingDir": "/app",
            "Cmd": ["node", "dist/server.js"],
        }),
        extra_history: vec!["/bin/sh -c #(nop) WORKDIR /app".into()],
    }
}

// ---------------------------------------------------------------------------
