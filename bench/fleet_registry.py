#!/usr/bin/env python3
"""Fill a loopback registry with a fleet that shares bases, for bench/fleet.sh.

usage: fleet_registry.py HOST IMAGES BASES BASE_MB

BASES base images of BASE_MB each (two layers: an OS-like layer of half-
compressible files and a package layer), then IMAGES - BASES apps, app i on
base i % BASES with its own layer (1-3 MB) and, for every fourth, a layer
that adds a build cache and one that deletes it. Blobs are generated here
(deterministically), uploaded through the registry API once and mounted into
every other repository that needs them. Prints the total blob bytes of all
images (what pulling each image once would download).
"""
import gzip, hashlib, io, json, random, sys, tarfile, urllib.request

host, images, bases, base_mb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
uploaded = {}  # digest -> first repository holding it


def layer(files):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, data in files:
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            if name.split("/")[-1].startswith(".wh."):
                info.size = 0
                data = b""
            t.addfile(info, io.BytesIO(data))
    tar = raw.getvalue()
    blob = gzip.compress(tar, compresslevel=1, mtime=0)
    return ("sha256:" + hashlib.sha256(tar).hexdigest(), blob)


def data(seed, n):
    # Half random, half repeated text: compresses about 2:1, like binaries.
    r = random.Random(seed)
    half = r.randbytes(n // 2)
    return half + (b"lorem ipsum dolor sit amet " * (n // 54 + 1))[: n - n // 2]


def request(method, url, body=None, headers=None):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req) as resp:
            return resp.status, resp.headers
    except urllib.error.HTTPError as e:
        return e.code, e.headers


def put_blob(repo, digest, blob):
    base = f"http://{host}/v2/{repo}/blobs"
    if digest in uploaded:
        status, _ = request("POST", f"{base}/uploads/?mount={digest}&from={uploaded[digest]}")
        if status == 201:
            return
    status, headers = request("POST", f"{base}/uploads/")
    loc = headers["Location"]
    url = loc if loc.startswith("http") else f"http://{host}{loc}"
    url += ("&" if "?" in url else "?") + "digest=" + digest
    status, _ = request("PUT", url, blob, {"Content-Type": "application/octet-stream"})
    assert status == 201, (status, repo, digest)
    uploaded.setdefault(digest, repo)


def push(repo, tag, layers, cmd):
    descs, diff_ids = [], []
    for diff_id, blob in layers:
        digest = "sha256:" + hashlib.sha256(blob).hexdigest()
        put_blob(repo, digest, blob)
        descs.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                      "digest": digest, "size": len(blob)})
        diff_ids.append(diff_id)
    config = json.dumps({"architecture": "amd64", "os": "linux",
                         "config": {"Cmd": [cmd]},
                         "rootfs": {"type": "layers", "diff_ids": diff_ids},
                         "history": [{"created_by": f"layer {i}"} for i in range(len(layers))]}).encode()
    cdigest = "sha256:" + hashlib.sha256(config).hexdigest()
    put_blob(repo, cdigest, config)
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                      "digest": cdigest, "size": len(config)},
                           "layers": descs}).encode()
    status, _ = request("PUT", f"http://{host}/v2/{repo}/manifests/{tag}", manifest,
                        {"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
    assert status == 201, status
    return sum(d["size"] for d in descs)


total = 0
base_layers = []
for b in range(bases):
    n = base_mb * 1_000_000
    os_files = [(f"usr/lib/lib{b}_{k}.so", data(1000 * b + k, n * 7 // 10 // 8)) for k in range(8)]
    pkg = [(f"usr/bin/tool{b}", data(5000 + b, n // 5)),
           (f"var/cache/apt/archives/pkg{b}.deb", data(6000 + b, n // 10))]
    base_layers.append([layer(os_files), layer(pkg)])
    total += push(f"base/os{b}", "1", base_layers[b], "/bin/sh")
for i in range(images - bases):
    own = [layer([(f"app/svc{i}", data(10_000 + i, 1_000_000 + (i % 3) * 1_000_000))])]
    if i % 4 == 0:
        own.append(layer([(f"root/.cache/pip/wheel{i}", data(20_000 + i, 500_000))]))
        own.append(layer([("root/.cache/pip/.wh.wheel%d" % i, b"")]))
    total += push(f"apps/svc{i:04d}", "1", base_layers[i % bases] + own, f"/app/svc{i}")
print(total)
