//! Waste (bytes shipped that no container sees) and duplicate copies, on real
//! images, and `reclaimable_bytes` counting each byte once.

use super::engine_support::{BUSYBOX, docker_ready};
use super::support::{
    assert_layer_command, assert_rules, build, layer, layer_of, only, only_at, only_with, paths,
    read_both,
};

/// busybox and its applet symlinks: the start of every image here.
pub const BASE: &str = "FROM scratch
COPY busybox /bin/busybox
RUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]
";

pub fn busybox_size() -> u64 {
    std::fs::metadata(BUSYBOX).expect("busybox").len()
}

/// A 30 MB file and a cache directory added in one RUN and deleted in the
/// next; a small file added and deleted in another pair of layers. One
/// finding per pair of layers, the deleted directory as one path.
#[test]
fn deleted_later_file_and_directory() {
    let test = "deleted_later_file_and_directory";
    if !docker_ready(test) {
        return;
    }
    let image = build(
        "deleted",
        &format!(
            "{BASE}RUN mkdir -p /cache/dl/sub && head -c 30000000 /dev/zero > /big.bin \
 && yes a | head -c 100000 > /cache/dl/a && yes b | head -c 200000 > /cache/dl/sub/b
RUN rm /big.bin && rm -rf /cache/dl
RUN yes l | head -c 5000 > /late.txt
RUN rm /late.txt
"
        ),
    );
    for (how, a) in read_both(&image.tag).each() {
        let plant = layer_of(a, "head -c 30000000");
        let clean = layer_of(a, "rm /big.bin");
        let late = layer_of(a, "> /late.txt");
        let gone = layer_of(a, "rm /late.txt");
        assert_rules(
            a,
            &[
                "deleted-later",
                "deleted-later",
                "no-healthcheck",
                "root-user",
            ],
        );

        let big = only_at(a, "deleted-later", "/big.bin");
        assert_eq!(big.bytes, 30_300_000, "{how}");
        assert_eq!(layer(big), plant, "{how}: the layer that added them");
        assert_layer_command(a, big);
        assert_eq!(
            paths(big),
            [("/big.bin", 30_000_000), ("/cache/dl", 300_000)],
            "{how}: largest first, the deleted directory as one path"
        );
        assert_eq!(big.paths_omitted, 0);
        assert_eq!(
            (big.category.as_str(), big.severity.as_str()),
            ("waste", "medium")
        );
        assert!(
            big.advice.starts_with(&format!(
                "the RUN in layer {clean} deletes /big.bin and 1 more (30.30 MB) added by the RUN in layer {plant}"
            )),
            "{how}: {}",
            big.advice
        );

        let small = only_at(a, "deleted-later", "/late.txt");
        assert_eq!(
            (small.bytes, layer(small), paths(small)),
            (5000, late, vec![("/late.txt", 5000)]),
            "{how}"
        );
        assert!(
            small
                .advice
                .starts_with(&format!("the RUN in layer {gone} deletes /late.txt (")),
            "{how}: {}",
            small.advice
        );

        let m = &a.metrics;
        assert_eq!(m.hidden_bytes, 30_305_000, "{how}");
        assert_eq!(m.reclaimable_bytes, m.hidden_bytes, "{how}");
        assert_eq!(m.live_bytes, busybox_size(), "{how}");
    }
}

/// `rm -rf /d && mkdir /d` over a lower /d with files: overlay2 writes an
/// opaque directory, and everything the lower layer put in /d is deleted.
#[test]
fn opaque_directory_replacement() {
    let test = "opaque_directory_replacement";
    if !docker_ready(test) {
        return;
    }
    let image = build(
        "opaque",
        &format!(
            "{BASE}RUN mkdir -p /d/sub && yes a | head -c 100000 > /d/old1 \
 && yes b | head -c 200000 > /d/sub/old2
RUN rm -rf /d && mkdir /d && echo x > /d/new
"
        ),
    );
    for (how, a) in read_both(&image.tag).each() {
        let plant = layer_of(a, "mkdir -p /d/sub");
        let redo = layer_of(a, "rm -rf /d");
        assert_rules(a, &["deleted-later", "no-healthcheck", "root-user"]);
        let f = only(a, "deleted-later");
        assert_eq!(f.bytes, 300_000, "{how}");
        assert_eq!(layer(f), plant, "{how}");
        assert_eq!(
            paths(f),
            [("/d/sub", 200_000), ("/d/old1", 100_000)],
            "{how}"
        );
        assert!(
            f.advice.starts_with(&format!(
                "the RUN in layer {redo} deletes /d/sub and 1 more"
            )),
            "{how}: {}",
            f.advice
        );
        assert_eq!(a.metrics.hidden_bytes, 300_000, "{how}");
        assert_eq!(a.metrics.reclaimable_bytes, 300_000, "{how}");
    }
}

/// A `chmod` and a `touch` of big files in a later RUN copy them up whole
/// (identical content); a config file rewritten with new content is the other
/// kind of overwrite, with other advice.
#[test]
fn identical_rewrite_and_real_overwrite() {
    let test = "identical_rewrite_and_real_overwrite";
    if !docker_ready(test) {
        return;
    }
    let image = build(
        "overwritten",
        &format!(
            "{BASE}RUN head -c 5000000 /dev/urandom > /data.bin && head -c 3000000 /dev/urandom > /touched.bin \
 && yes n | head -c 1000 > /app.conf
RUN chmod 600 /data.bin && touch /touched.bin
RUN yes m | head -c 2000 > /app.conf
"
        ),
    );
    for (how, a) in read_both(&image.tag).each() {
        let plant = layer_of(a, "head -c 5000000");
        let chmod = layer_of(a, "chmod 600");
        let rewrite = layer_of(a, "yes m");
        assert_rules(
            a,
            &["no-healthcheck", "overwritten", "overwritten", "root-user"],
        );

        let same = only_with(a, "overwritten", "identical content");
        assert_eq!(same.bytes, 8_000_000, "{how}");
        assert_eq!(layer(same), plant, "{how}: the layer whose copy is hidden");
        assert_layer_command(a, same);
        assert_eq!(
            paths(same),
            [("/data.bin", 5_000_000), ("/touched.bin", 3_000_000)],
            "{how}"
        );
        assert_eq!(
            (same.category.as_str(), same.severity.as_str()),
            ("waste", "low")
        );
        assert!(
            same.advice.starts_with(&format!(
                "the RUN in layer {chmod} rewrites 2 file(s) (8 MB) that the RUN in layer {plant} added, \
                 with identical content"
            )),
            "{how}: {}",
            same.advice
        );
        assert!(same.advice.contains("chmod"), "{how}: {}", same.advice);

        let other = only_at(a, "overwritten", "/app.conf");
        assert_eq!(
            (other.bytes, layer(other), paths(other)),
            (1000, plant, vec![("/app.conf", 1000)]),
            "{how}"
        );
        assert!(
            other.advice.starts_with(&format!(
                "the RUN in layer {rewrite} rewrites 1 file(s) (1 kB) that the RUN in layer {plant} added, \
                 the first copy is still shipped"
            )),
            "{how}: {}",
            other.advice
        );
        assert!(!other.advice.contains("identical"), "{how}");

        assert_eq!(a.metrics.hidden_bytes, 8_001_000, "{how}");
        assert_eq!(a.metrics.reclaimable_bytes, 8_001_000, "{how}");
    }
}

/// Two byte-identical copies of a file, in a later layer than the original;
/// a hard link to the original is the same bytes, not a copy.
#[test]
fn duplicate_copies_but_not_hard_links() {
    let test = "duplicate_copies_but_not_hard_links";
    if !docker_ready(test) {
        return;
    }
    let image = build(
        "duplicates",
        &format!(
            "{BASE}RUN yes d | head -c 400000 > /a.bin && ln /a.bin /hard.bin
RUN mkdir /copies && cp /a.bin /copies/b.bin && cp /a.bin /copies/c.bin
"
        ),
    );
    for (how, a) in read_both(&image.tag).each() {
        let copies = layer_of(a, "mkdir /copies");
        assert_rules(a, &["duplicate-content", "no-healthcheck", "root-user"]);
        let f = only(a, "duplicate-content");
        assert_eq!(f.bytes, 800_000, "{how}: two copies; the hard link is none");
        assert_eq!(layer(f), copies, "{how}: the layer that made the copies");
        assert_eq!(
            paths(f),
            [("/copies/b.bin", 400_000), ("/copies/c.bin", 400_000)],
            "{how}"
        );
        assert!(
            f.advice.starts_with(
                "2 file(s) are byte-identical copies of others (/copies/b.bin is a copy of /a.bin)"
            ),
            "{how}: {}",
            f.advice
        );
        let m = &a.metrics;
        assert_eq!(m.live_bytes, busybox_size() + 1_200_000, "{how}");
        assert_eq!(m.hidden_bytes, 0, "{how}");
        assert_eq!(m.reclaimable_bytes, 800_000, "{how}");
    }
}

/// A pip cache whose directory a later layer deletes counts once (as hidden
/// bytes, named by `deleted-later`, never again as a cache); a live cache file
/// that is also a copy of another file counts once, though two rules name it.
#[test]
fn reclaimable_counts_each_byte_once() {
    let test = "reclaimable_counts_each_byte_once";
    if !docker_ready(test) {
        return;
    }
    let image = build(
        "once",
        &format!(
            "{BASE}RUN mkdir -p /root/.cache/pip/http/a && yes p | head -c 250000 > /root/.cache/pip/http/a/blob
RUN rm -rf /root/.cache/pip
RUN mkdir -p /root/.cache/pip /app && yes w | head -c 100000 > /app/w.whl \
 && cp /app/w.whl /root/.cache/pip/w.whl
"
        ),
    );
    for (how, a) in read_both(&image.tag).each() {
        let plant = layer_of(a, "head -c 250000");
        let again = layer_of(a, "/app/w.whl");
        assert_rules(
            a,
            &[
                "deleted-later",
                "duplicate-content",
                "no-healthcheck",
                "package-cache",
                "root-user",
            ],
        );
        let deleted = only(a, "deleted-later");
        assert_eq!(
            (deleted.bytes, layer(deleted), paths(deleted)),
            (250_000, plant, vec![("/root/.cache/pip", 250_000)]),
            "{how}"
        );
        let cache = only(a, "package-cache");
        assert_eq!(
            (cache.bytes, layer(cache), paths(cache)),
            (100_000, again, vec![("/root/.cache/pip", 100_000)]),
            "{how}: only the live cache"
        );
        let dup = only(a, "duplicate-content");
        assert_eq!(
            (dup.bytes, layer(dup), paths(dup)),
            (100_000, again, vec![("/root/.cache/pip/w.whl", 100_000)]),
            "{how}"
        );
        let m = &a.metrics;
        assert_eq!(m.hidden_bytes, 250_000, "{how}");
        assert_eq!(
            m.reclaimable_bytes,
            250_000 + 100_000,
            "{how}: hidden once, the live cache file once"
        );
    }
}
