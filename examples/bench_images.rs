//! Writes the three benchmark images of `bench/run.sh` as `docker save` archives.
//!
//! ```text
//! cargo run --release --example bench_images -- OUTDIR [--tag TAG]
//! cargo run --release --example bench_images -- --spec-hash
//! ```
//!
//! - `big.tar`: ~1.7 GB, 150,000+ files in 10 layers, shaped like a real
//!   Debian + Python + Node application image: a deleted directory
//!   (`rm -rf /var/cache/apt/archives ...`), an opaque replacement of
//!   `app/node_modules` (`rm -rf node_modules && npm ci --omit=dev`), and a
//!   256 MiB model file copied up whole by a later `chmod`.
//! - `whiteouts.tar`: 2,000 file whiteouts over a 20,000-file base.
//! - `layers.tar`: 40 layers over a 50,000-file base.
//!
//! Everything is derived from fixed seeds with integer arithmetic only, so the
//! same source gives the same bytes on every machine. File contents are
//! ballast's incompressible pattern stream, so sizes are real bytes on disk.
//! Each archive is tagged `ballast-bench-NAME:TAG` (default `latest`) so that
//! `docker load` gives the three images distinct names.
//!
//! `--spec-hash` prints a hash of the three specs (every path, size, seed, mode
//! and command) without writing anything: `bench/run.sh` regenerates when it
//! changes.

#![allow(clippy::identity_op)] // `MIB` reads better beside `16 * MIB`

use std::collections::HashSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Seek, SeekFrom, Write};
use std::path::Path;
use std::time::Instant;

use sha2::{Digest, Sha256};
use testimage::{Compress, Content, ImageSpec, LayerSpec, Layout, Node};

#[path = "common/determinism.rs"]
mod determinism;
use determinism::{Rng, Stats, seed_of, word};

const MIB: u64 = 1 << 20;
const KIB: u64 = 1 << 10;

fn main() {
    if let Err(e) = run() {
        eprintln!("bench_images: error: {e}");
        std::process::exit(2);
    }
}

fn run() -> io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut out: Option<String> = None;
    let mut tag = "latest".to_string();
    let mut only: Option<String> = None;
    let mut spec_hash = false;
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--spec-hash" => spec_hash = true,
            "--tag" => tag = it.next().ok_or_else(|| usage("--tag needs a value"))?,
            "--only" => only = Some(it.next().ok_or_else(|| usage("--only needs a value"))?),
            "-h" | "--help" => {
                println!(
                    "usage: bench_images OUTDIR [--tag TAG] [--only big|whiteouts|layers]\n       bench_images --spec-hash"
                );
                return Ok(());
            }
            s if s.starts_with('-') => return Err(usage(&format!("unknown option {s}"))),
            s => out = Some(s.to_string()),
        }
    }

    let images: Vec<(&str, ImageSpec)> = vec![
        ("big", big_image()),
        ("whiteouts", whiteouts_image()),
        ("layers", layers_image()),
    ];

    if spec_hash {
        let mut h = Sha256::new();
        for (name, spec) in &images {
            h.update(name.as_bytes());
            testimage::hash_spec(&mut h, spec);
            eprintln!("{name}: {}", Stats::of(spec));
            if std::env::var_os("BENCH_IMAGES_VERBOSE").is_some() {
                for (i, l) in spec.layers.iter().enumerate() {
                    let one = ImageSpec {
                        layers: vec![l.clone()],
                        ..Default::default()
                    };
                    eprintln!("  layer {i}: {}  {}", Stats::of(&one), l.command);
                }
            }
        }
        println!("{}", hex::encode(h.finalize()));
        return Ok(());
    }

    let out = out.ok_or_else(|| usage("missing OUTDIR"))?;
    let out = Path::new(&out);
    fs::create_dir_all(out)?;
    for (name, spec) in &images {
        if only.as_deref().is_some_and(|o| o != *name) {
            continue;
        }
        let path = out.join(format!("{name}.tar"));
        let partial = out.join(format!("{name}.tar.partial"));
        let start = Instant::now();
        let stats = Stats::of(spec);
        testimage::write_image(spec, Layout::DockerLegacy, Compress::None, &partial)?;
        set_repo_tag(&partial, &format!("ballast-bench-{name}:{tag}"))?;
        fs::rename(&partial, &path)?;
        eprintln!(
            "{name}: {stats}; archive {:.2} GB, written in {:.1} s",
            fs::metadata(&path)?.len() as f64 / 1e9,
            start.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

fn usage(msg: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{msg} (usage: bench_images OUTDIR [--tag TAG] | --spec-hash)"),
    )
}

/// Replace the `RepoTags` of the `manifest.json` that [`testimage::write_image`]
/// writes last in a legacy archive: cut the archive at that entry and append
/// a new one.
fn set_repo_tag(archive: &Path, tag: &str) -> io::Result<()> {
    let (pos, mut manifest) = {
        let mut ar = tar::Archive::new(File::open(archive)?);
        let mut found = None;
        for entry in ar.entries()? {
            let mut entry = entry?;
            if entry.path()?.as_os_str() == "manifest.json" {
                let mut body = Vec::new();
                io::Read::read_to_end(&mut entry, &mut body)?;
                found = Some((entry.raw_header_position(), body));
            }
        }
        found.ok_or_else(|| io::Error::other("no manifest.json in the written archive"))?
    };
    let mut m: serde_json::Value = serde_json::from_slice(&manifest).map_err(io::Error::other)?;
    m[0]["RepoTags"] = serde_json::json!([tag]);
    manifest = serde_json::to_vec(&m).map_err(io::Error::other)?;
    let mut f = OpenOptions::new().write(true).open(archive)?;
    f.set_len(pos)?;
    f.seek(SeekFrom::End(0))?;
    let mut b = tar::Builder::new(f);
    let mut h = tar::Header::new_ustar();
    h.set_size(manifest.len() as u64);
    h.set_mode(0o644);
    h.set_mtime(0);
    b.append_data(&mut h, "manifest.json", &manifest[..])?;
    b.into_inner()?.flush()
}

// ---------------------------------------------------------------------------
// Determinism helpers (the shared ones are in common/determinism.rs)

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    /// A size between `lo` and `hi`, integers only: a power-of-two octave
    /// (each one less likely than the one below it), then uniform inside it.
    /// Most files small, a long tail of big ones, as in real root filesystems.
    fn size(&mut self, lo: u64, hi: u64) -> u64 {
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
fn words(rng: &mut Rng, n: usize, taken: &mut HashSet<String>) -> Vec<String> {
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let w = word(rng);
        if taken.insert(w.clone()) {
            out.push(w);
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Layer builder: real layers carry an entry for every directory they touch,
// parents before children.

struct Layer {
    command: String,
    nodes: Vec<Node>,
    dirs: HashSet<String>,
    paths: HashSet<String>,
}

impl Layer {
    fn new(command: &str) -> Layer {
        Layer {
            command: command.to_string(),
            nodes: Vec::new(),
            dirs: HashSet::new(),
            paths: HashSet::new(),
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

    fn parent(&mut self, path: &str) {
        if let Some((parent, _)) = path.rsplit_once('/') {
            self.dir(parent);
        }
    }

    /// A regular file of `len` pattern bytes; `version` picks the content.
    /// Returns false (and writes nothing) if the path is already in the layer.
    fn file_v(&mut self, path: &str, len: u64, mode: u32, version: u64) -> bool {
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

    fn file(&mut self, path: &str, len: u64) -> bool {
        self.file_v(path, len, 0o644, 0)
    }

    fn exe(&mut self, path: &str, len: u64) -> bool {
        self.file_v(path, len, 0o755, 0)
    }

    fn text(&mut self, path: &str, body: &str) {
        if self.paths.insert(path.to_string()) {
            self.parent(path);
            self.nodes.push(testimage::file(path, body));
        }
    }

    fn symlink(&mut self, path: &str, target: &str) {
        if self.paths.insert(path.to_string()) {
            self.parent(path);
            self.nodes.push(testimage::symlink(path, target));
        }
    }

    fn hardlink(&mut self, path: &str, target: &str) {
        if self.paths.insert(path.to_string()) {
            self.parent(path);
            self.nodes.push(testimage::hardlink(path, target));
        }
    }

    fn whiteout(&mut self, path: &str) {
        self.parent(path);
        self.nodes.push(testimage::whiteout(path));
    }

    /// `rm -rf DIR && mkdir DIR` in one step: the directory, then its marker.
    fn opaque(&mut self, dir: &str) {
        self.dir(dir);
        self.nodes.push(testimage::opaque(dir));
    }

    /// The finished layer. Panics on a name written twice: engines refuse
    /// such a layer ("duplicates of file paths not supported").
    fn spec(self) -> LayerSpec {
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
fn packages(
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

// ---------------------------------------------------------------------------
// (a) big: ~1.7 GB, 150,000+ files, 10 layers.

const LANGS: &[&str] = &[
    "af", "ar", "ast", "be", "bg", "bn", "bs", "ca", "cs", "cy", "da", "de", "el", "en_GB", "eo",
    "es", "et", "eu", "fa", "fi", "fr", "ga", "gl", "gu", "he", "hi", "hr", "hu", "id", "is", "it",
    "ja", "ka", "kk", "km", "kn", "ko", "lt", "lv", "mk", "ml", "mr", "ms", "nb", "ne", "nl", "nn",
    "pa", "pl", "pt", "pt_BR", "ro", "ru", "sk", "sl", "sq", "sr", "sv", "ta", "te", "th", "tr",
    "uk", "vi", "zh_CN", "zh_TW",
];

fn base_os(rng: &mut Rng, taken: &mut HashSet<String>) -> (Layer, Vec<String>) {
    let mut l = Layer::new(
        "/bin/sh -c #(nop) ADD file:4b2a1e0e9d7c5f3a8b6d1c0e2f4a6b8d0c1e3f5a7b9d1f3e5a7c9e1b3d5f7a9c in / ",
    );
    // bin, sbin, lib and lib64 are symlinks into usr (merged /usr), below.
    for d in [
        "boot",
        "dev",
        "etc",
        "home",
        "media",
        "mnt",
        "opt",
        "proc",
        "root",
        "run",
        "srv",
        "sys",
        "tmp",
        "usr",
        "var",
        "var/log",
        "var/tmp",
        "var/cache/apt/archives/partial",
        "var/lib/apt/lists/partial",
    ] {
        l.dir(d);
    }
    // etc: many small config files.
    for _ in 0..900 {
        let d = rng.pick(&[
            "etc",
            "etc/default",
            "etc/init.d",
            "etc/security",
            "etc/apt/apt.conf.d",
            "etc/ssl/certs",
            "etc/systemd/system",
            "etc/pam.d",
            "etc/cron.daily",
            "etc/logrotate.d",
            "etc/profile.d",
            "etc/skel",
            "etc/ld.so.conf.d",
        ]);
        let p = format!("{d}/{}", word(rng));
        l.file(&p, rng.size(32, 8 * KIB));
    }
    for f in [
        "etc/passwd",
        "etc/group",
        "etc/shadow",
        "etc/gshadow",
        "etc/hosts",
    ] {
        l.file(f, rng.size(200, 2 * KIB));
    }
    // Binaries, with the usual symlinks and hard links.
    let cmds = words(rng, 1100, taken);
    for (i, c) in cmds.iter().enumerate() {
        let dir = if i % 5 == 0 { "usr/sbin" } else { "usr/bin" };
        l.exe(&format!("{dir}/{c}"), rng.size(4 * KIB, 512 * KIB));
        if i % 40 == 1 {
            l.symlink(&format!("usr/bin/{c}-alt"), c);
        }
        if i % 97 == 3 {
            l.hardlink(&format!("usr/bin/{c}.real"), &format!("{dir}/{c}"));
        }
    }
    l.symlink("bin", "usr/bin");
    l.symlink("sbin", "usr/sbin");
    l.symlink("lib", "usr/lib");
    l.symlink("lib64", "usr/lib64");
    // Shared libraries: lib<name>.so.N.M.P plus the soname link.
    let libs = words(rng, 1200, taken);
    for (i, n) in libs.iter().enumerate() {
        let real = format!("lib{n}.so.{}.{}.{}", i % 7, i % 13, i % 5);
        let big = if i % 150 == 0 { 12 * MIB } else { 768 * KIB };
        l.file(
            &format!("usr/lib/x86_64-linux-gnu/{real}"),
            rng.size(4 * KIB, big),
        );
        l.symlink(
            &format!("usr/lib/x86_64-linux-gnu/lib{n}.so.{}", i % 7),
            &real,
        );
    }
    l.file(
        "usr/lib/x86_64-linux-gnu/libicudata.so.72.1",
        30 * MIB + 123_456,
    );
    l.file("usr/lib/locale/C.utf8/LC_CTYPE", 346_132);
    // Documentation, manuals, locales: the long tail of tiny files.
    let pkgs = words(rng, 700, taken);
    for p in &pkgs {
        l.file(
            &format!("usr/share/doc/{p}/copyright"),
            rng.size(300, 40 * KIB),
        );
        l.file(
            &format!("usr/share/doc/{p}/changelog.Debian.gz"),
            rng.size(200, 30 * KIB),
        );
        if rng.chance(30) {
            l.file(
                &format!("usr/share/doc/{p}/README.gz"),
                rng.size(200, 20 * KIB),
            );
        }
        l.file(
            &format!("var/lib/dpkg/info/{p}.list"),
            rng.size(100, 20 * KIB),
        );
        l.file(
            &format!("var/lib/dpkg/info/{p}.md5sums"),
            rng.size(100, 20 * KIB),
        );
        if rng.chance(40) {
            l.exe(
                &format!("var/lib/dpkg/info/{p}.postinst"),
                rng.size(200, 8 * KIB),
            );
        }
        if rng.chance(35) {
            for lang in LANGS {
                if rng.chance(70) {
                    l.file(
                        &format!("usr/share/locale/{lang}/LC_MESSAGES/{p}.mo"),
                        rng.size(512, 48 * KIB),
                    );
                }
            }
        }
    }
    l.file("var/lib/dpkg/status", 900 * KIB + 17);
    for c in &cmds {
        let sec = rng.pick(&["1", "1", "1", "5", "8"]);
        l.file(
            &format!("usr/share/man/man{sec}/{c}.{sec}.gz"),
            rng.size(400, 24 * KIB),
        );
    }
    for _ in 0..2600 {
        let region = rng.pick(&[
            "Europe",
            "America",
            "Asia",
            "Africa",
            "Pacific",
            "Australia",
        ]);
        l.file(
            &format!("usr/share/zoneinfo/{region}/{}", word(rng)),
            rng.size(100, 3 * KIB),
        );
    }
    let perl = words(rng, 120, taken);
    let perl_files = packages(
        &mut l,
        rng,
        "usr/share/perl/5.36",
        &perl,
        (5, 30),
        &["", "", "Unicode", "Pod", "File"],
        &["pm", "pm", "pl", "pod"],
        (300, 120 * KIB),
    );
    let py = words(rng, 150, taken);
    let py_files = packages(
        &mut l,
        rng,
        "usr/lib/python3.11",
        &py,
        (10, 60),
        &["", "", "tests", "__pycache__"],
        &["py", "py", "py", "pyc"],
        (200, 64 * KIB),
    );
    let mut deletable = perl_files;
    deletable.extend(py_files);
    (l, deletable)
}

fn build_tools(rng: &mut Rng, taken: &mut HashSet<String>) -> Layer {
    let mut l = Layer::new(
        "/bin/sh -c apt-get update && apt-get install -y build-essential python3-dev libssl-dev git curl",
    );
    // The apt cache: .deb archives and package lists, deleted two layers up.
    let debs = words(rng, 100, taken);
    for d in &debs {
        l.file(
            &format!("var/cache/apt/archives/{d}_1.{}-1_amd64.deb", d.len()),
            rng.size(16 * KIB, 4 * MIB),
        );
    }
    l.file("var/cache/apt/pkgcache.bin", 16 * MIB + 4_321);
    l.file("var/cache/apt/srcpkgcache.bin", 15 * MIB + 1_234);
    for suite in ["bookworm", "bookworm-updates", "bookworm-security"] {
        for part in ["InRelease", "main_binary-amd64_Packages.lz4"] {
            let n = format!("var/lib/apt/lists/deb.debian.org_debian_dists_{suite}_{part}");
            l.file(&n, rng.size(64 * KIB, 9 * MIB));
        }
    }
    // Toolchain: gcc internals, headers, static libraries.
    for (n, s) in [("cc1", 38 * MIB), ("cc1plus", 41 * MIB), ("lto1", 36 * MIB)] {
        l.exe(&format!("usr/libexec/gcc/x86_64-linux-gnu/12/{n}"), s + 777);
    }
    let hdr = words(rng, 400, taken);
    packages(
        &mut l,
        rng,
        "usr/include",
        &hdr,
        (4, 40),
        &["", "", "bits", "sys", "internal"],
        &["h", "h", "h", "hpp"],
        (200, 48 * KIB),
    );
    let stat = words(rng, 200, taken);
    for s in &stat {
        l.file(
            &format!("usr/lib/x86_64-linux-gnu/lib{s}.a"),
            rng.size(8 * KIB, MIB),
        );
    }
    let gitcore = words(rng, 160, taken);
    l.exe("usr/lib/git-core/git", 4 * MIB + 99);
    for g in &gitcore {
        // git ships most of its commands as hard links to one binary.
        l.hardlink(&format!("usr/lib/git-core/git-{g}"), "usr/lib/git-core/git");
    }
    let share = words(rng, 250, taken);
    packages(
        &mut l,
        rng,
        "usr/share",
        &share,
        (5, 45),
        &["", "doc", "examples", "templates"],
        &["txt", "gz", "html", "xml", "json"],
        (100, 32 * KIB),
    );
    l
}

fn model(rng: &mut Rng) -> Layer {
    let mut l = Layer::new("COPY models/ /opt/models/ # buildkit");
    l.file("opt/models/model.bin", 256 * MIB);
    l.text(
        "opt/models/config.json",
        "{\"architecture\": \"transformer\", \"layers\": 24, \"hidden\": 1024}\n",
    );
    for i in 0..40 {
        l.file(
            &format!("opt/models/vocab/shard-{i:03}.txt"),
            rng.size(4 * KIB, 256 * KIB),
        );
    }
    l
}

struct NodeModules {
    prod: Vec<String>,
    lock: String,
}

fn npm_install(rng: &mut Rng, taken: &mut HashSet<String>) -> (Layer, NodeModules) {
    let mut l = Layer::new("/bin/sh -c npm ci");
    let names = words(rng, 1500, taken);
    let mut prod = Vec::new();
    let mut lock = String::from(
        "{\n  \"name\": \"app\",\n  \"version\": \"1.0.0\",\n  \"lockfileVersion\": 3,\n  \"packages\": {\n    \"\": {\"name\": \"app\", \"version\": \"1.0.0\"}",
    );
    let mut files = 0;
    for (i, n) in names.iter().enumerate() {
        let dev = i % 9 >= 5; // about 45 % dev-only, as in a typical web app
        if !dev {
            prod.push(n.clone());
        }
        lock.push_str(&format!(
            ",\n    \"node_modules/{n}\": {{\"version\": \"{}.{}.{}\"{}}}",
            i % 11,
            i % 17,
            i % 7,
            if dev { ", \"dev\": true" } else { "" }
        ));
        files += node_package(&mut l, n, 0);
    }
    lock.push_str("\n  }\n}\n");
    debug_assert!(files > 0);
    l.text("app/package-lock.json", &lock);
    l.text(
        "app/package.json",
        "{\n  \"name\": \"app\",\n  \"version\": \"1.0.0\",\n  \"scripts\": {\"start\": \"node dist/server.js\"}\n}\n",
    );
    // npm's cache, left behind.
    for i in 0..2000u64 {
        let h = seed_of("cacache", i);
        l.file(
            &format!(
                "root/.npm/_cacache/content-v2/sha512/{:02x}/{:02x}/{:016x}",
                h & 0xff,
                (h >> 8) & 0xff,
                h
            ),
            rng.size(512, 256 * KIB),
        );
    }
    (l, NodeModules { prod, lock })
}

/// One npm package: the same paths, sizes and bytes every time it is
/// installed (its own rng, seeded by its name).
fn node_package(l: &mut Layer, name: &str, version: u64) -> usize {
    let mut rng = Rng::new(seed_of(name, 42));
    let base = format!("app/node_modules/{name}");
    l.text(
        &format!("{base}/package.json"),
        &format!("{{\"name\": \"{name}\", \"version\": \"1.0.0\", \"main\": \"lib/index.js\"}}\n"),
    );
    l.file_v(
        &format!("{base}/LICENSE"),
        rng.size(1000, 1200),
        0o644,
        version,
    );
    l.file_v(
        &format!("{base}/README.md"),
        rng.size(400, 24 * KIB),
        0o644,
        version,
    );
    let n = rng.range(10, 60);
    let mut written = 3;
    for _ in 0..n {
        let sub = rng.pick(&["lib", "lib", "dist", "dist/esm", "src", "types", "test"]);
        let ext = match sub {
            "types" => "d.ts",
            "src" => rng.pick(&["ts", "js"]),
            _ => rng.pick(&["js", "js", "js", "js.map", "mjs", "cjs"]),
        };
        let p = format!("{base}/{sub}/{}.{ext}", word(&mut rng));
        let len = if ext == "js.map" {
            rng.size(512, 96 * KIB)
        } else {
            rng.size(128, 24 * KIB)
        };
        if l.file_v(&p, len, 0o644, version) {
            written += 1;
        }
    }
    if rng.chance(3) {
        // A native addon.
        l.file_v(
            &format!("{base}/build/Release/{name}.node"),
            rng.size(256 * KIB, 8 * MIB),
            0o755,
            version,
        );
        written += 1;
    }
    written
}

fn pip_install(rng: &mut Rng, taken: &mut HashSet<String>) -> Layer {
    let mut l = Layer::new("/bin/sh -c pip install -r requirements.txt");
    let names = words(rng, 260, taken);
    let sp = "usr/local/lib/python3.11/site-packages";
    packages(
        &mut l,
        rng,
        sp,
        &names,
        (10, 110),
        &["", "", "", "_vendor", "tests", "__pycache__"],
        &["py", "py", "py", "pyc", "pyi", "so"],
        (150, 64 * KIB),
    );
    for n in &names {
        let di = format!("{sp}/{n}-1.0.0.dist-info");
        for f in ["METADATA", "RECORD", "WHEEL", "top_level.txt"] {
            l.file(&format!("{di}/{f}"), rng.size(60, 32 * KIB));
        }
        if rng.chance(3) {
            // numpy/scipy-like packages carry big native libraries.
            l.file(
                &format!("{sp}/{n}.libs/lib{n}-{:08x}.so", seed_of(n, 1) as u32),
                rng.size(MIB, 16 * MIB),
            );
        }
    }
    for i in 0..400u64 {
        let h = seed_of("pip", i);
        l.file(
            &format!(
                "root/.cache/pip/http-v2/{:x}/{:x}/{:016x}.body",
                h & 0xf,
                (h >> 4) & 0xf,
                h
            ),
            rng.size(KIB, MIB),
        );
    }
    l
}

fn cleanup(deletable: &[String]) -> Layer {
    let mut l = Layer::new(
        "/bin/sh -c rm -rf /var/cache/apt/archives /var/lib/apt/lists/* /root/.cache /root/.npm && find /usr/share/perl -name '*.pod' -delete",
    );
    // Whole directories (one whiteout each) ...
    l.whiteout("var/cache/apt/archives");
    l.whiteout("root/.cache");
    l.whiteout("root/.npm");
    // ... and the files of a glob, one whiteout per file.
    for suite in ["bookworm", "bookworm-updates", "bookworm-security"] {
        for part in ["InRelease", "main_binary-amd64_Packages.lz4"] {
            l.whiteout(&format!(
                "var/lib/apt/lists/deb.debian.org_debian_dists_{suite}_{part}"
            ));
        }
    }
    for p in deletable.iter().filter(|p| p.ends_with(".pod")) {
        l.whiteout(p);
    }
    l
}

fn npm_prune(nm: &NodeModules) -> Layer {
    let mut l = Layer::new("/bin/sh -c rm -rf node_modules && npm ci --omit=dev");
    l.opaque("app/node_modules");
    for n in &nm.prod {
        node_package(&mut l, n, 0);
    }
    // npm rewrites the lock file's timestamps: same path, new bytes.
    l.text(
        "app/package-lock.json",
        &nm.lock.replace("\"1.0.0\"", "\"1.0.1\""),
    );
    l
}

fn chmod_model() -> Layer {
    let mut l = Layer::new("/bin/sh -c chmod 0640 /opt/models/model.bin");
    // overlayfs copies the whole file up for a metadata change: same bytes, new mode.
    l.file_v("opt/models/model.bin", 256 * MIB, 0o640, 0);
    l
}

fn app_source(rng: &mut Rng, taken: &mut HashSet<String>) -> Layer {
    let mut l = Layer::new("COPY . /app # buildkit");
    let mods = words(rng, 120, taken);
    packages(
        &mut l,
        rng,
        "app/src",
        &mods,
        (4, 25),
        &["", "", "components", "routes", "__tests__"],
        &["ts", "ts", "tsx", "json", "css"],
        (200, 40 * KIB),
    );
    packages(
        &mut l,
        rng,
        "app/dist",
        &mods,
        (2, 12),
        &["", "assets"],
        &["js", "js.map", "css"],
        (KIB, 256 * KIB),
    );
    // A .git directory copied in by a missing .dockerignore.
    for i in 0..700u64 {
        let h = seed_of("git", i);
        l.file(
            &format!(
                "app/.git/objects/{:02x}/{:038x}",
                h & 0xff,
                (h as u128) << 40 | i as u128
            ),
            rng.size(100, 96 * KIB),
        );
    }
    l.file(
        "app/.git/objects/pack/pack-0123456789abcdef0123456789abcdef01234567.pack",
        8 * MIB + 5,
    );
    l.text("app/.git/HEAD", "ref: refs/heads/main\n");
    l.text("app/.env", "DATABASE_URL=postgres://app:hunter2@db/app\n");
    l
}

fn add_user(rng: &mut Rng) -> Layer {
    let mut l =
        Layer::new("/bin/sh -c useradd --create-home --uid 10001 app && chown -R app /app/dist");
    for f in ["etc/passwd", "etc/group", "etc/shadow", "etc/gshadow"] {
        l.file_v(
            f,
            rng.size(300, 2 * KIB),
            if f.contains("sha") { 0o640 } else { 0o644 },
            1,
        );
    }
    for f in [".bashrc", ".profile", ".bash_logout"] {
        l.file(&format!("home/app/{f}"), rng.size(200, 4 * KIB));
    }
    l
}

fn big_image() -> ImageSpec {
    let mut rng = Rng::new(0xB16_1A6E);
    let mut taken = HashSet::new();
    let (base, deletable) = base_os(&mut rng, &mut taken);
    let tools = build_tools(&mut rng, &mut taken);
    let model = model(&mut rng);
    let (npm, nm) = npm_install(&mut rng, &mut taken);
    let pip = pip_install(&mut rng, &mut taken);
    let clean = cleanup(&deletable);
    let prune = npm_prune(&nm);
    let chmod = chmod_model();
    let app = app_source(&mut rng, &mut taken);
    let user = add_user(&mut rng);
    ImageSpec {
        layers: [base, tools, model, npm, pip, clean, prune, chmod, app, user]
            .into_iter()
            .map(Layer::spec)
            .collect(),
        container_config: serde_json::json!({
            "WorkingDir": "/app",
            "Cmd": ["node", "dist/server.js"],
            "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "NODE_ENV=production"],
        }),
        extra_history: vec![
            "/bin/sh -c #(nop) WORKDIR /app".into(),
            "/bin/sh -c #(nop) ENV NODE_ENV=production".into(),
            "/bin/sh -c #(nop)  CMD [\"node\" \"dist/server.js\"]".into(),
        ],
    }
}

// ---------------------------------------------------------------------------
// (b) whiteouts: 2,000 file whiteouts over a 20,000-file base.

fn flat_base(
    rng: &mut Rng,
    taken: &mut HashSet<String>,
    files: usize,
    command: &str,
) -> (Layer, Vec<String>) {
    let mut l = Layer::new(command);
    let mut paths = Vec::with_capacity(files);
    let roots = [
        (
            "usr/share/doc",
            &["", "examples"][..],
            &["gz", "txt", "html"][..],
        ),
        (
            "usr/lib/python3/dist-packages",
            &["", "", "tests", "__pycache__"][..],
            &["py", "py", "pyc"][..],
        ),
        (
            "usr/share/locale-langpack",
            &["LC_MESSAGES"][..],
            &["mo"][..],
        ),
        (
            "usr/lib/node_modules",
            &["lib", "dist", ""][..],
            &["js", "json", "d.ts"][..],
        ),
        (
            "usr/share/icons",
            &["16x16", "32x32", "scalable"][..],
            &["png", "svg"][..],
        ),
    ];
    let mut r = 0;
    while paths.len() < files {
        let (root, subs, exts) = roots[r % roots.len()];
        r += 1;
        let names = words(rng, 40, taken);
        let got = packages(
            &mut l,
            rng,
            root,
            &names,
            (10, 40),
            subs,
            exts,
            (64, 32 * KIB),
        );
        for p in got {
            if paths.len() < files {
                paths.push(p);
            } else {
                // Over the count: drop it again.
                l.paths.remove(&p);
                if let Some(i) = l
                    .nodes
                    .iter()
                    .rposition(|n| matches!(n, Node::File { path, .. } if path == p.as_bytes()))
                {
                    l.nodes.remove(i);
                }
            }
        }
    }
    (l, paths)
}

fn whiteouts_image() -> ImageSpec {
    let mut rng = Rng::new(0x005E_ED0B);
    let mut taken = HashSet::new();
    let (base, paths) = flat_base(
        &mut rng,
        &mut taken,
        20_000,
        "/bin/sh -c #(nop) ADD file:7d2f1c0b5a4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8c in / ",
    );
    let mut del = Layer::new(
        "/bin/sh -c find /usr -name '*.pyc' -o -name '*.gz' -o -name '*.svg' | head -n 2000 | xargs rm -f",
    );
    // Every 10th file: 2,000 whiteouts spread over the whole tree.
    for p in paths.iter().step_by(10).take(2000) {
        del.whiteout(p);
    }
    let mut app = Layer::new("COPY app/ /srv/app/ # buildkit");
    for i in 0..20 {
        app.file(&format!("srv/app/module{i}.py"), rng.size(200, 16 * KIB));
    }
    ImageSpec {
        layers: vec![base.spec(), del.spec(), app.spec()],
        container_config: serde_json::json!({"Cmd": ["python3", "/srv/app/module0.py"]}),
        extra_history: vec![],
    }
}

// ---------------------------------------------------------------------------
// (c) layers: 40 layers over a 50,000-file base.

fn layers_image() -> ImageSpec {
    let mut rng = Rng::new(0x40_1A7E);
    let mut taken = HashSet::new();
    let (base, paths) = flat_base(
        &mut rng,
        &mut taken,
        50_000,
        "/bin/sh -c #(nop) ADD file:9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b in / ",
    );
    let mut layers = vec![base.spec()];
    for step in 1..=40u64 {
        let mut l = Layer::new(&format!("/bin/sh -c ./install-step.sh {step}"));
        // New files of this step.
        let names = words(&mut rng, 6, &mut taken);
        packages(
            &mut l,
            &mut rng,
            &format!("opt/step{step:02}"),
            &names,
            (20, 40),
            &["", "lib", "share"],
            &["so", "py", "json", "txt"],
            (64, 64 * KIB),
        );
        // Files of the base rewritten (config edits, upgrades): new bytes.
        for _ in 0..50 {
            let p = &paths[rng.below(paths.len())];
            let len = rng.size(64, 32 * KIB);
            l.file_v(p, len, 0o644, step);
        }
        if step % 10 == 0 {
            for k in 0..5 {
                let p = &paths[(step as usize * 997 + k * 7919) % paths.len()];
                if !l.paths.contains(p) {
                    l.whiteout(p);
                }
            }
        }
        layers.push(l.spec());
    }
    ImageSpec {
        layers,
        container_config: serde_json::json!({"Cmd": ["/opt/step40/run"]}),
        extra_history: vec![],
    }
}

// ---------------------------------------------------------------------------
