//! The first layer of the big image: a Debian-like root filesystem (merged
//! `/usr`, libraries, documentation, locales, man pages, Perl and Python).

use std::collections::HashSet;

use crate::builder::{Layer, packages, words};
use crate::determinism::{Rng, word};
use crate::{KIB, MIB};

const LANGS: &[&str] = &[
    "af", "ar", "ast", "be", "bg", "bn", "bs", "ca", "cs", "cy", "da", "de", "el", "en_GB", "eo",
    "es", "et", "eu", "fa", "fi", "fr", "ga", "gl", "gu", "he", "hi", "hr", "hu", "id", "is", "it",
    "ja", "ka", "kk", "km", "kn", "ko", "lt", "lv", "mk", "ml", "mr", "ms", "nb", "ne", "nl", "nn",
    "pa", "pl", "pt", "pt_BR", "ro", "ru", "sk", "sl", "sq", "sr", "sv", "ta", "te", "th", "tr",
    "uk", "vi", "zh_CN", "zh_TW",
];

/// The base layer, and the files of its Perl and Python packages (some of
/// which a later layer deletes). The parts are written in a fixed order: each
/// one draws from `rng` after the one before.
pub(crate) fn base_os(rng: &mut Rng, taken: &mut HashSet<String>) -> (Layer, Vec<String>) {
    let mut l = Layer::new(
        "/bin/sh -c #(nop) ADD file:4b2a1e0e9d7c5f3a8b6d1c0e2f4a6b8d0c1e3f5a7b9d1f3e5a7c9e1b3d5f7a9c in / ",
    );
    top_dirs(&mut l);
    etc(&mut l, rng);
    let cmds = binaries(&mut l, rng, taken);
    shared_libraries(&mut l, rng, taken);
    package_docs(&mut l, rng, taken);
    man_pages(&mut l, rng, &cmds);
    zoneinfo(&mut l, rng);
    let deletable = perl_and_python(&mut l, rng, taken);
    (l, deletable)
}

/// The top-level directories.
fn top_dirs(l: &mut Layer) {
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
}

/// etc: many small config files.
fn etc(l: &mut Layer, rng: &mut Rng) {
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
}

/// Binaries, with the usual symlinks and hard links; gives their names.
fn binaries(l: &mut Layer, rng: &mut Rng, taken: &mut HashSet<String>) -> Vec<String> {
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
    cmds
}

/// Shared libraries: lib<name>.so.N.M.P plus the soname link.
fn shared_libraries(l: &mut Layer, rng: &mut Rng, taken: &mut HashSet<String>) {
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
}

/// Documentation, dpkg's records and locales: the long tail of tiny files.
fn package_docs(l: &mut Layer, rng: &mut Rng, taken: &mut HashSet<String>) {
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
}

/// A manual page for each command.
fn man_pages(l: &mut Layer, rng: &mut Rng, cmds: &[String]) {
    for c in cmds {
        let sec = rng.pick(&["1", "1", "1", "5", "8"]);
        l.file(
            &format!("usr/share/man/man{sec}/{c}.{sec}.gz"),
            rng.size(400, 24 * KIB),
        );
    }
}

/// Time zone files.
fn zoneinfo(l: &mut Layer, rng: &mut Rng) {
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
}

/// Perl's and Python's standard libraries; gives their files.
fn perl_and_python(l: &mut Layer, rng: &mut Rng, taken: &mut HashSet<String>) -> Vec<String> {
    let perl = words(rng, 120, taken);
    let perl_files = packages(
        l,
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
        l,
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
    deletable
}
