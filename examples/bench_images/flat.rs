//! (b) whiteouts: 2,000 file whiteouts over a 20,000-file base, and (c)
//! layers: 40 layers over a 50,000-file base. Both start from a flat base
//! layer of packages.

use std::collections::HashSet;

use testimage::{ImageSpec, Node};

use crate::KIB;
use crate::builder::{Layer, packages, words};
use crate::determinism::Rng;

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

pub(crate) fn whiteouts_image() -> ImageSpec {
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

pub(crate) fn layers_image() -> ImageSpec {
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
