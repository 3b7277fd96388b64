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

mod base_os;
mod big;
mod builder;
#[path = "../common/determinism.rs"]
mod determinism;
mod flat;

use std::fs::{self, File, OpenOptions};
use std::io::{self, Seek, SeekFrom, Write};
use std::path::Path;
use std::time::Instant;

use sha2::{Digest, Sha256};
use testimage::{Compress, ImageSpec, Layout};

use determinism::Stats;

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
        ("big", big::big_image()),
        ("whiteouts", flat::whiteouts_image()),
        ("layers", flat::layers_image()),
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
