//! Bloat (live files the image does not need): a `.git` directory copied in,
//! and the pip, npm and apt caches, each with its own fix.

use super::engine_support::docker_ready;
use super::support::{
    assert_layer_command, assert_rules, build, build_with, layer, layer_of, letters, only,
    only_with, paths, read_both,
};
use super::waste::BASE;

/// `COPY app /app` of a project with its `.git` directory.
#[test]
fn vcs_directory_copied_in() {
    let test = "vcs_directory_copied_in";
    if !docker_ready(test) {
        return;
    }
    let head = b"ref: refs/heads/main\n";
    let config = b"[core]\n\trepositoryformatversion = 0\n\tbare = false\n";
    let pack = letters(b'k', 50_000);
    let index = letters(b'i', 1_234);
    let main = b"print('hello')\n";
    let git_bytes = (head.len() + config.len() + pack.len() + index.len()) as u64;
    let image = build_with(
        "vcs",
        &format!("{BASE}COPY app /app\n"),
        &[
            ("app/.git/HEAD", head, 0o644),
            ("app/.git/config", config, 0o644),
            ("app/.git/objects/pack/pack-1.pack", &pack, 0o444),
            ("app/.git/index", &index, 0o644),
            ("app/main.py", main, 0o644),
        ],
        &[],
    );
    for (how, a) in read_both(&image.tag).each() {
        let copy = layer_of(a, "COPY dir:");
        assert_rules(a, &["no-healthcheck", "root-user", "vcs-directory"]);
        let f = only(a, "vcs-directory");
        assert_eq!(f.bytes, git_bytes, "{how}");
        assert_eq!(layer(f), copy, "{how}");
        assert_layer_command(a, f);
        assert_eq!(paths(f), [("/app/.git", git_bytes)], "{how}");
        assert_eq!(
            (f.category.as_str(), f.severity.as_str()),
            ("bloat", "medium")
        );
        assert!(
            f.advice.contains("(`.git`)") && f.advice.contains("add `.git` to .dockerignore"),
            "{how}: {}",
            f.advice
        );
        assert_eq!(a.metrics.hidden_bytes, 0, "{how}");
        assert_eq!(a.metrics.reclaimable_bytes, git_bytes, "{how}");
    }
}

/// A pip cache, an npm `_cacache` and apt lists, each left by its own RUN:
/// one finding each, with its own layer and fix; apt's lock file and (empty)
/// `partial/` directory and npm's logs are not cache content.
#[test]
fn pip_npm_and_apt_caches() {
    let test = "pip_npm_and_apt_caches";
    if !docker_ready(test) {
        return;
    }
    let lists = "/var/lib/apt/lists";
    let image = build(
        "caches",
        &format!(
            "{BASE}RUN mkdir -p /root/.cache/pip/http/a && yes p | head -c 300000 > /root/.cache/pip/http/a/blob \
 && yes q | head -c 50000 > /root/.cache/pip/selfcheck.json
RUN mkdir -p /root/.npm/_cacache/content-v2/sha512/ab /root/.npm/_logs \
 && yes n | head -c 200000 > /root/.npm/_cacache/content-v2/sha512/ab/cd \
 && yes o | head -c 3000 > /root/.npm/_logs/debug-0.log
RUN mkdir -p {lists}/partial && yes l | head -c 150000 > {lists}/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages \
 && yes r | head -c 7000 > {lists}/deb.debian.org_debian_dists_bookworm_InRelease && touch {lists}/lock
"
        ),
    );
    for (how, a) in read_both(&image.tag).each() {
        assert_rules(
            a,
            &[
                "no-healthcheck",
                "package-cache",
                "package-cache",
                "package-cache",
                "root-user",
            ],
        );
        let pip = only_with(a, "package-cache", "pip cache");
        assert_eq!(
            (pip.bytes, layer(pip), paths(pip)),
            (
                350_000,
                layer_of(a, "/root/.cache/pip/http/a"),
                vec![("/root/.cache/pip", 350_000)]
            ),
            "{how}"
        );
        assert_layer_command(a, pip);
        assert!(
            pip.advice.contains("`pip install --no-cache-dir`"),
            "{how}: {}",
            pip.advice
        );

        let npm = only_with(a, "package-cache", "npm cache");
        assert_eq!(
            (npm.bytes, layer(npm), paths(npm)),
            (
                200_000,
                layer_of(a, "/root/.npm/_cacache"),
                vec![("/root/.npm/_cacache", 200_000)]
            ),
            "{how}"
        );
        assert!(
            npm.advice.contains("`npm cache clean --force`"),
            "{how}: {}",
            npm.advice
        );

        let apt = only_with(a, "package-cache", "apt package lists");
        assert_eq!(
            (apt.bytes, layer(apt)),
            (157_000, layer_of(a, lists)),
            "{how}"
        );
        assert_eq!(
            paths(apt),
            [
                (
                    "/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages",
                    150_000
                ),
                (
                    "/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease",
                    7000
                )
            ],
            "{how}"
        );
        assert!(
            apt.advice
                .contains("`rm -rf /var/lib/apt/lists/*` in the same RUN as `apt-get install`"),
            "{how}: {}",
            apt.advice
        );
        for f in [pip, npm, apt] {
            assert_eq!(
                (f.category.as_str(), f.severity.as_str()),
                ("bloat", "medium")
            );
        }
        assert_eq!(
            a.metrics.reclaimable_bytes,
            350_000 + 200_000 + 157_000,
            "{how}"
        );
    }
}
