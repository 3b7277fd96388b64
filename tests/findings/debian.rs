//! A real distribution base: `debootstrap --variant=minbase bookworm`, imported
//! into the engine as one layer. The findings a user would agree with must be
//! there, with the bytes the root filesystem on disk says, and none of the
//! usual false positives (sticky temp directories, device nodes, certificates).

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use super::engine_support::{Image, docker_ready, run, unique};
use super::support::{Both, name, only, only_with, read_both, summary};
use crate::gate::{self, Need};

/// `target/debootstrap-bookworm`, next to cargo's own test temp dir.
fn cache_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target dir")
        .join("debootstrap-bookworm")
}

/// The cached root filesystem, built when the gate says it is required
/// (`BALLAST_DEBOOTSTRAP=1` among others) into a scratch directory and
/// renamed into place only when debootstrap succeeded (a failed run leaves no
/// cache); else why it is not there.
fn rootfs(test: &str) -> Result<PathBuf, String> {
    let dir = cache_dir();
    if dir.join("usr/bin/dpkg").is_file() {
        return Ok(dir);
    }
    if !gate::required(Need::Debootstrap) {
        return Err(format!(
            "no debootstrap root filesystem at {}",
            dir.display()
        ));
    }
    let partial = dir.with_extension(format!("partial-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&partial);
    eprintln!(
        "{test}: debootstrap --variant=minbase bookworm {}",
        partial.display()
    );
    run(Command::new("debootstrap")
        .args(["--variant=minbase", "bookworm"])
        .arg(&partial)
        .arg("http://deb.debian.org/debian"));
    std::fs::rename(&partial, &dir).expect("move the root filesystem into the cache");
    Ok(dir)
}

/// Regular files below `dir` (not following symlinks): (path, metadata).
fn walk(dir: &Path) -> Vec<(PathBuf, std::fs::Metadata)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries {
            let e = e.expect("dir entry");
            let m = std::fs::symlink_metadata(e.path()).expect("lstat");
            if m.is_dir() {
                stack.push(e.path());
            } else if m.is_file() {
                out.push((e.path(), m));
            }
        }
    }
    out
}

/// Bytes of the regular files below `dir`, each inode once.
fn bytes_under(dir: &Path) -> u64 {
    let mut seen = std::collections::HashSet::new();
    walk(dir)
        .into_iter()
        .filter(|(_, m)| seen.insert(m.ino()))
        .map(|(_, m)| m.len())
        .sum()
}

/// Bytes of the direct children of `dir` (files, or directories with all they
/// hold), except the names in `skip`.
fn children_bytes(dir: &Path, skip: &[&str]) -> u64 {
    // A symlink to a directory (/usr/share/doc/libgcc-s1 -> gcc-12-base) holds nothing.
    if !std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir()) {
        return 0;
    }
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.expect("dir entry"))
                .filter(|e| !skip.iter().any(|s| e.file_name() == *s))
                .map(|e| {
                    let m = std::fs::symlink_metadata(e.path()).expect("lstat");
                    if m.is_dir() {
                        bytes_under(&e.path())
                    } else if m.is_file() {
                        m.len()
                    } else {
                        0
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

/// The bytes of a file, or of a directory with all it holds.
fn entry_bytes(path: &Path) -> u64 {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => bytes_under(path),
        Ok(m) if m.is_file() => m.len(),
        _ => 0,
    }
}

/// The names in a directory.
fn names(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| {
                    e.expect("dir entry")
                        .file_name()
                        .to_string_lossy()
                        .into_owned()
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The Debian base's root filesystem and both readings of it, made once for
/// the tests that look at it (the image is removed as soon as it is read).
struct Debian {
    root: PathBuf,
    both: Both,
}

fn debian(test: &str) -> Option<&'static Debian> {
    static DEBIAN: OnceLock<Result<Debian, String>> = OnceLock::new();
    if !docker_ready(test) {
        return None;
    }
    let made = DEBIAN.get_or_init(|| {
        let root = rootfs(test)?;
        let image = Image::adopt(unique("deb-base"));
        run(Command::new("bash")
            .args([
                "-c",
                "set -e -o pipefail; tar -C \"$1\" -c . | docker import - \"$2\" >/dev/null",
                "bash",
            ])
            .arg(&root)
            .arg(&image.tag));
        let both = read_both(&image.tag);
        let m = &both.export.metrics;
        eprintln!(
            "{test}: {} findings on the debootstrap base (shipped {} B, live {} B, hidden {} B, \
             reclaimable {} B):\n{}",
            both.export.findings.len(),
            m.shipped_bytes,
            m.live_bytes,
            m.hidden_bytes,
            m.reclaimable_bytes,
            summary(&both.export)
        );
        Ok(Debian { root, both })
    });
    gate::check(
        Need::Debootstrap,
        test,
        made.as_ref().map_err(String::clone),
    )
}

/// A debootstrap minbase bookworm, imported as one layer: the findings a user
/// would agree with, with the bytes the root filesystem on disk says, and no
/// secret, world-writable or VCS false positives.
#[test]
fn debootstrap_bookworm_base() {
    let test = "debootstrap_bookworm_base";
    let Some(Debian { root, both }) = debian(test) else {
        return;
    };

    // What the root filesystem on disk says.
    let lists = children_bytes(&root.join("var/lib/apt/lists"), &["lock", "partial"]);
    let archives = children_bytes(&root.join("var/cache/apt/archives"), &["lock", "partial"])
        + ["pkgcache.bin", "srcpkgcache.bin"]
            .iter()
            .map(|f| entry_bytes(&root.join("var/cache/apt").join(f)))
            .sum::<u64>();
    let logs = children_bytes(&root.join("var/log"), &[]);
    let share = root.join("usr/share");
    let docs = ["man", "info", "gtk-doc"]
        .iter()
        .map(|d| entry_bytes(&share.join(d)))
        .sum::<u64>()
        + entry_bytes(&root.join("usr/local/share/man"))
        + names(&share.join("doc"))
            .iter()
            .map(|p| children_bytes(&share.join("doc").join(p), &["copyright"]))
            .sum::<u64>()
        + names(&share.join("locale"))
            .iter()
            .filter(|l| !(l.starts_with("en") || *l == "C" || *l == "locale.alias"))
            .map(|l| entry_bytes(&share.join("locale").join(l)))
            .sum::<u64>();
    let setuid: Vec<PathBuf> = walk(root)
        .into_iter()
        .filter(|(_, m)| m.permissions().mode() & 0o6000 != 0)
        .map(|(p, _)| p)
        .collect();
    assert!(lists > 0, "debootstrap leaves its apt lists");
    assert!(archives > 0, "debootstrap leaves its .debs");
    assert!(!setuid.is_empty(), "su, passwd, mount are setuid");

    for (how, a) in both.each() {
        let rules: std::collections::BTreeSet<&str> =
            a.findings.iter().map(|f| f.rule.as_str()).collect();
        for rule in ["secret", "world-writable", "vcs-directory"] {
            assert!(
                !rules.contains(rule),
                "{how}: '{rule}' on a debootstrap base:\n{}",
                summary(a)
            );
        }
        for rule in [
            "package-cache",
            "docs-and-locales",
            "junk",
            "root-user",
            "no-healthcheck",
            "setuid",
        ] {
            assert!(rules.contains(rule), "{how}: no '{rule}':\n{}", summary(a));
        }

        let apt_lists = only_with(a, "package-cache", "apt package lists");
        assert_eq!(apt_lists.bytes, lists, "{how}: apt lists");
        assert_eq!(apt_lists.layer.as_ref().map(|l| l.index), Some(0), "{how}");
        let debs = only_with(a, "package-cache", "apt downloaded packages");
        assert_eq!(debs.bytes, archives, "{how}: apt archives");
        assert!(debs.advice.contains("`apt-get clean`"), "{how}");

        let d = only(a, "docs-and-locales");
        assert_eq!(
            d.bytes, docs,
            "{how}: man, info, doc (not copyright), locales"
        );
        let shown: Vec<&str> = d.paths.iter().map(name).collect();
        assert!(shown.contains(&"/usr/share/man"), "{how}: {shown:?}");
        assert!(
            shown.iter().any(|p| p.starts_with("/usr/share/locale/")),
            "{how}: {shown:?}"
        );
        assert!(d.advice.contains("path-exclude"), "{how}: {}", d.advice);

        let s = only(a, "setuid");
        assert_eq!(
            s.paths.len() + s.paths_omitted,
            setuid.len(),
            "{how}: {:?} vs {setuid:?}",
            s.paths
        );
        assert!(
            s.paths
                .iter()
                .any(|p| p.path.as_deref() == Some("/usr/bin/su")
                    && p.mode.as_deref() == Some("4755")),
            "{how}: {:?}",
            s.paths
        );

        let junk = only_with(a, "junk", "log files");
        assert_eq!(junk.bytes, logs, "{how}: /var/log");

        // Every byte once: at least the largest finding, at most all of them.
        let m = &a.metrics;
        assert_eq!(m.hidden_bytes, 0, "{how}: one layer hides nothing");
        let largest = a.findings.iter().map(|f| f.bytes).max().unwrap_or(0);
        let total: u64 = a.findings.iter().map(|f| f.bytes).sum();
        assert!(
            (largest..=total).contains(&m.reclaimable_bytes),
            "{how}: reclaimable {} outside {largest}..={total}",
            m.reclaimable_bytes
        );
        for f in &a.findings {
            assert!(!f.advice.is_empty(), "{how}: {} has no advice", f.rule);
            let listed: u64 = f.paths.iter().map(|p| p.bytes).sum();
            if f.category.is_size() {
                assert!(
                    listed <= f.bytes,
                    "{how}: {} lists {listed} B > {} B",
                    f.rule,
                    f.bytes
                );
            }
        }
    }
}

/// Debian's `gcc-12-base` holds only docs for libgcc-s1 and libstdc++6, which
/// every C++ program needs: not a build toolchain, and not purgeable.
#[test]
fn debootstrap_base_has_no_build_toolchain() {
    let test = "debootstrap_base_has_no_build_toolchain";
    let Some(Debian { both, .. }) = debian(test) else {
        return;
    };
    for (how, a) in both.each() {
        assert!(
            !a.findings
                .iter()
                .any(|f| f.rule == ballast::vocab::Rule::BuildToolchain),
            "{how}: a minbase Debian has no compiler:\n{}",
            summary(a)
        );
    }
}

/// docs-and-locales keeps licence files ("shipping them is often required");
/// duplicate-content must not ask to remove them either.
#[test]
fn debootstrap_base_keeps_licence_files() {
    let test = "debootstrap_base_keeps_licence_files";
    let Some(Debian { both, .. }) = debian(test) else {
        return;
    };
    for (how, a) in both.each() {
        let licences: Vec<(String, u64)> = a
            .findings
            .iter()
            .flat_map(|f| f.nodes.iter().map(move |&id| (f.rule, id)))
            .map(|(rule, id)| {
                (
                    rule,
                    a.tree.path(id),
                    a.tree.node(id).live().map_or(0, |m| m.size),
                )
            })
            .filter(|(_, p, _)| p.starts_with(b"usr/share/doc/") && p.ends_with(b"/copyright"))
            .map(|(rule, p, size)| (format!("{rule}: /{}", p.escape_ascii()), size))
            .collect();
        let bytes: u64 = licences.iter().map(|l| l.1).sum();
        assert!(
            licences.is_empty(),
            "{how}: {} licence files ({bytes} B) flagged: {licences:?}",
            licences.len()
        );
    }
}

/// Every dpkg package's `bytes` is exactly the apparent size of the regular
/// files its `info/*.list` names, as the root filesystem on disk has them
/// (merged-usr symlinks followed, each inode once). dpkg's own Installed-Size
/// is a different quantity (each file rounded up to a KiB, plus a KiB per
/// directory and symlink), so it reads higher: the test prints the ratio.
#[test]
fn debootstrap_dpkg_package_sizes_match_the_files_on_disk() {
    let test = "debootstrap_dpkg_package_sizes_match_the_files_on_disk";
    let Some(Debian { root, both }) = debian(test) else {
        return;
    };
    let info = root.join("var/lib/dpkg/info");
    for (how, a) in both.each() {
        let debs: Vec<_> = a.packages.iter().filter(|p| p.ecosystem == "deb").collect();
        assert!(debs.len() > 50, "{how}: {} deb packages", debs.len());
        for p in debs {
            let list = std::fs::read_dir(&info)
                .unwrap()
                .map(|e| e.unwrap().path())
                .find(|f| {
                    let n = f.file_name().unwrap().to_string_lossy().into_owned();
                    n == format!("{}.list", p.name)
                        || (n.starts_with(&format!("{}:", p.name)) && n.ends_with(".list"))
                })
                .unwrap_or_else(|| panic!("{how}: no list for {}", p.name));
            let mut seen = std::collections::HashSet::new();
            let mut on_disk = 0u64;
            for line in std::fs::read_to_string(&list).unwrap().lines() {
                let rel = line.trim().trim_start_matches('/');
                if rel.is_empty() || rel == "." {
                    continue;
                }
                let path = root.join(rel);
                // Follow symlinked directories on the way, not the last link.
                let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
                    continue;
                };
                let Ok(parent) = parent.canonicalize() else {
                    continue;
                };
                let Ok(meta) = std::fs::symlink_metadata(parent.join(name)) else {
                    continue;
                };
                if meta.is_file() && seen.insert((meta.dev(), meta.ino())) {
                    on_disk += meta.len();
                }
            }
            assert_eq!(p.bytes, on_disk, "{how}: package {}", p.name);
        }
        let ours: u64 = a
            .packages
            .iter()
            .filter(|p| p.ecosystem == "deb")
            .map(|p| p.bytes)
            .sum();
        let out = Command::new("chroot")
            .arg(root)
            .args(["dpkg-query", "-W", "-f", "${Installed-Size}\n"])
            .output()
            .unwrap();
        let installed_kib: u64 = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.trim().parse::<u64>().ok())
            .sum();
        eprintln!(
            "{test}: {how}: ballast {ours} B vs dpkg Installed-Size {} B: ratio {:.3}",
            installed_kib * 1024,
            ours as f64 / (installed_kib * 1024) as f64
        );
    }
}
