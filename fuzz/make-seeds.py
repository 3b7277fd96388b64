#!/usr/bin/env python3
"""Write the committed seed corpora under fuzz/corpus/<target>/seed-*.

Run from the repository root: python3 fuzz/make-seeds.py. Everything is
generated here (tiny tars with the tar module, the demo image's config shape,
Dockerfiles from tests/dockerfiles), so the corpus stays small and reproducible.
"""
import gzip, hashlib, io, json, os, shutil, subprocess, tarfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")


def write_seed(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


put = write_seed


def tiny_tar(fmt=tarfile.GNU_FORMAT, long_names=False):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as t:
        def add(name, kind=tarfile.REGTYPE, data=b"", link=""):
            i = tarfile.TarInfo(name)
            i.type, i.size, i.linkname, i.mode, i.mtime = kind, len(data), link, 0o644, 0
            t.addfile(i, io.BytesIO(data) if data else None)
        add("etc/", tarfile.DIRTYPE)
        add("etc/os-release", data=b'ID=alpine\nVERSION_ID=3.20\n')
        add("etc/passwd", data=b"root:x:0:0:root:/root:/bin/sh\n")
        add("bin/sh", tarfile.SYMTYPE, link="/bin/busybox")
        add("bin/ash", tarfile.LNKTYPE, link="etc/passwd")
        add("tmp/.wh.old", data=b"")
        add("var/.wh..wh..opq", data=b"")
        add("lib/apk/db/installed", data=b"P:musl\nV:1.2\nS:100\nI:200\n\n")
        if long_names:
            add("deep/" + "d" * 120 + "/" + "f" * 140, data=b"x" * 10)
    return buf.getvalue()


def sha(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


def layers():
    plain = tiny_tar()
    put("layer", "plain.tar", plain)
    put("layer", "pax.tar", tiny_tar(tarfile.PAX_FORMAT, long_names=True))
    put("layer", "gnu-long.tar", tiny_tar(tarfile.GNU_FORMAT, long_names=True))
    put("layer", "plain.tar.gz", gzip.compress(plain, mtime=0))
    zst = subprocess.run(["zstd", "-q", "-c", "-3"], input=plain, capture_output=True, check=True)
    put("layer", "plain.tar.zst", zst.stdout)
    put("layer", "empty.tar", b"\0" * 1024)


def config(diff_ids):
    # The demo image's config, cut down to one history line per layer.
    return json.dumps({
        "architecture": "amd64", "os": "linux",
        "config": {"User": "app", "Env": ["PATH=/usr/bin"], "Cmd": ["/bin/sh"],
                   "Healthcheck": {"Test": ["CMD", "true"]}, "WorkingDir": "/app"},
        "created": "2026-11-26T13:57:00Z",
        "history": [{"created": "2026-11-26T13:57:00Z", "created_by": "/bin/sh -c #(nop) ADD file:x in / "}
                    for _ in diff_ids] + [{"created_by": "CMD [\"/bin/sh\"]", "empty_layer": True}],
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    }, separators=(",", ":")).encode()


def fake(n):
    return "sha256:" + ("%x" % (n % 16)) * 64


def manifests():
    """Seeds for `manifest` (a layout on disk) and `manifest_mem` (the same
    input format, read from memory)."""
    def put(_target, name, data):
        write_seed("manifest", name, data)
        write_seed("manifest_mem", name, data)
    layer = tiny_tar()
    cfg = config([sha(layer)])
    sep = b"\xff"
    # docker save: manifest.json names the files p1 (config) and p2 (layer).
    docker = json.dumps([{"Config": "p1", "RepoTags": ["demo:latest"], "Layers": ["p2"]}]).encode()
    put("manifest", "docker", b"D" + docker + sep + cfg + sep + layer)
    put("manifest", "docker-verify", b"d" + docker + sep + cfg + sep + layer)
    # docker 25+: manifest.json naming blobs/sha256/<hex> paths.
    docker25 = json.dumps([{"Config": "blobs/sha256/" + fake(1)[7:], "Layers": ["blobs/sha256/" + fake(2)[7:]]}]).encode()
    put("manifest", "docker25", b"D" + docker25 + sep + cfg + sep + layer)
    # OCI layout: index -> manifest (p1) -> config (p2), layer (p3), by fake digests.
    def desc(mt, d, size):
        return {"mediaType": mt, "digest": d, "size": size}
    man = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                      "config": desc("application/vnd.oci.image.config.v1+json", fake(2), len(cfg)),
                      "layers": [desc("application/vnd.oci.image.layer.v1.tar", fake(3), len(layer))]}).encode()
    plat = {"architecture": "amd64", "os": "linux"}
    index = json.dumps({"schemaVersion": 2, "manifests": [
        dict(desc("application/vnd.oci.image.manifest.v1+json", fake(1), len(man)), platform=plat)]}).encode()
    put("manifest", "oci", b"O" + index + sep + man + sep + cfg + sep + layer)
    # The same with real digests, verified.
    man_real = json.dumps({"schemaVersion": 2, "config": desc("application/vnd.oci.image.config.v1+json", sha(cfg), len(cfg)),
                           "layers": [desc("application/vnd.oci.image.layer.v1.tar", sha(layer), len(layer))]}).encode()
    index_real = json.dumps({"schemaVersion": 2, "manifests": [
        desc("application/vnd.oci.image.manifest.v1+json", sha(man_real), len(man_real))]}).encode()
    put("manifest", "oci-verify", b"o" + index_real + sep + man_real + sep + cfg + sep + layer)
    # A nested index: index -> index (p1) -> manifest (p2) -> config (p3), layer (p4).
    inner = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [
        dict(desc("application/vnd.oci.image.manifest.v1+json", fake(2), 1), platform=plat)]}).encode()
    man2 = json.dumps({"schemaVersion": 2, "config": desc("application/vnd.oci.image.config.v1+json", fake(3), len(cfg)),
                       "layers": [desc("application/vnd.oci.image.layer.v1.tar", fake(4), len(layer))]}).encode()
    outer = json.dumps({"schemaVersion": 2, "manifests": [
        desc("application/vnd.oci.image.index.v1+json", fake(1), len(inner))]}).encode()
    put("manifest", "oci-nested", b"O" + outer + sep + inner + sep + man2 + sep + cfg + sep + layer)
    # Two platforms, read as linux/arm64/v8 (mode P): index -> manifests p1 (amd64), p2 (arm64).
    arm = {"architecture": "arm64", "os": "linux", "variant": "v8"}
    multi = json.dumps({"schemaVersion": 2, "manifests": [
        dict(desc("application/vnd.oci.image.manifest.v1+json", fake(1), len(man)), platform=plat),
        dict(desc("application/vnd.oci.image.manifest.v1+json", fake(1), len(man)), platform=arm)]}).encode()
    put("manifest", "oci-platform", b"P" + multi + sep + man + sep + cfg + sep + layer)
    # docker save with two images, the tag demo:latest asked for (mode T).
    two = json.dumps([{"Config": "p1", "RepoTags": ["other:1"], "Layers": ["p2"]},
                      {"Config": "p1", "RepoTags": ["demo:latest"], "Layers": ["p2"]}]).encode()
    put("manifest", "docker-tag", b"t" + two + sep + cfg + sep + layer)


def dockerfiles():
    src = os.path.join(ROOT, "tests", "dockerfiles")
    for name in ["args-and-substitution", "heredocs", "windows-escape", "node-multistage",
                 "substitution", "crlf", "mixed-case-and-json", "go-cache-mounts", "legacy"]:
        with open(os.path.join(src, name + ".Dockerfile"), "rb") as f:
            put("dockerfile", name, f.read())
    for name in ["unterminated-heredoc", "bad-escape"]:
        with open(os.path.join(src, "bad", name + ".Dockerfile"), "rb") as f:
            put("dockerfile", "bad-" + name, f.read())


def ignores():
    put("dockerignore", "basic", "src/main.rs\n# comment\nnode_modules\n*.log\n!keep.log\ntarget/\n")
    put("dockerignore", "globs", "a/b/c\n**/*.tmp\n**\n!src/**/*.rs\n[a-c]?x\\*y\n/abs/./../dir/\n")
    put("dockerignore", "classes", "x\n[!a-z]*\n[^0-9]\n[\\]]\nfoo/**/bar\n*/*/*\n.git\n")


def budgets():
    put("budgets", "toml", b"\x00[budget]\nmax_size = \"150MB\"\nmax_layer_size = 50000000\n"
        b"max_wasted_percent = \"5%\"\nmin_efficiency = 0.9\ndeny = [\"secret-file\"]\n"
        b"ignore_paths = [\"/tmp/**\"]\nmax_growth = \"10 MiB\"\n")
    put("budgets", "toml-flat", b"\x00max_wasted_bytes = \"1.2GiB\"\nmax_reclaimable_bytes = \"512k\"\n")
    put("budgets", "dive-ci", b"\x01rules:\n  lowestEfficiency: 0.95\n  highestWastedBytes: 20MB\n"
        b"  highestUserWastedPercent: disabled # off\n")


if __name__ == "__main__":
    for t in ["layer", "manifest", "manifest_mem", "dockerfile", "dockerignore", "budgets"]:
        for f in os.listdir(os.path.join(CORPUS, t)) if os.path.isdir(os.path.join(CORPUS, t)) else []:
            if f.startswith("seed-"):
                os.remove(os.path.join(CORPUS, t, f))
    layers(); manifests(); dockerfiles(); ignores(); budgets()
