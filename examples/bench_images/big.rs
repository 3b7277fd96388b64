//! (a) big: ~1.7 GB, 150,000+ files, 10 layers, shaped like a Debian +
//! Python + Node application image. The layers are built in order from one
//! seed: each function below is one layer (the base OS is in `base_os`).

use std::collections::HashSet;

use testimage::ImageSpec;

use crate::base_os::base_os;
use crate::builder::{Layer, packages, words};
use crate::determinism::{Rng, seed_of, word};
use crate::{KIB, MIB};

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

pub(crate) fn big_image() -> ImageSpec {
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
