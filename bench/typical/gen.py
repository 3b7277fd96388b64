#!/usr/bin/env python3
"""Write the generated trees of the "typical" benchmark image (see make.sh).

    gen.py CONTEXT_DIR

Fixed seed, fixed mtimes: the same bytes on every machine. Sources are text
(words from a seeded vocabulary), binaries and weights random bytes; sizes
are log-normal, as in real package trees.
"""

import os
import random
import sys

SEED = 20261204
MTIME = 1_700_000_000


def main(ctx):
    rng = random.Random(SEED)
    vocab = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz_") for _ in range(rng.randint(2, 10)))
             for _ in range(5000)]
    text_pool = " ".join(rng.choice(vocab) + ("\n" if rng.random() < 0.1 else "")
                         for _ in range(1_200_000)).encode()
    blob_pool = rng.randbytes(48 << 20)

    def text(n):
        at = rng.randrange(0, len(text_pool) - n) if n < len(text_pool) else 0
        return text_pool[at:at + n]

    def blob(n):
        at = rng.randrange(0, len(blob_pool) - n) if n < len(blob_pool) else 0
        return blob_pool[at:at + n]

    def write(path, data, mode=0o644):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, mode)
        os.utime(path, (MTIME, MTIME))

    def size(median, cap):
        return max(1, min(cap, int(rng.lognormvariate(0, 1.3) * median)))

    def tree(root, files, per_pkg, exts, median, bin_every, bin_median):
        """`files` files in packages of about `per_pkg`, nested 0-3 deep."""
        written = 0
        pkg = 0
        while written < files:
            name = f"{rng.choice(vocab)}{pkg}"
            pkg += 1
            subdirs = [""] + [rng.choice(vocab) + "/" + rng.choice(["", rng.choice(vocab) + "/"])
                              for _ in range(rng.randint(0, 6))]
            for _ in range(min(files - written, max(1, int(rng.expovariate(1 / per_pkg))))):
                sub = rng.choice(subdirs)
                if bin_every and rng.random() < bin_every:
                    ext, data, mode = "so", blob(size(bin_median, 24 << 20)), 0o755
                else:
                    ext = rng.choice(exts)
                    data, mode = text(size(median, 1 << 20)), 0o644
                write(f"{root}/{name}/{sub}{rng.choice(vocab)}_{written}.{ext}", data, mode)
                written += 1
        return written

    tree(f"{ctx}/site-packages", 60_000, 40, ["py", "py", "py", "pyi", "txt", "json"], 2000, 0.02, 60_000)
    tree(f"{ctx}/dist-tools", 25_000, 30, ["py", "py", "cfg", "txt"], 2500, 0.02, 60_000)
    tree(f"{ctx}/node_modules", 45_000, 25, ["js", "js", "js", "json", "md", "d.ts", "map"], 1500, 0.0, 0)
    tree(f"{ctx}/app", 6_000, 60, ["py", "html", "css", "js", "json"], 2500, 0.0, 0)
    tree(f"{ctx}/config", 50, 50, ["yaml", "toml", "ini"], 800, 0.0, 0)
    # The big layer: weights, incompressible, 738 MB in three files.
    for i, n in enumerate([400_000_000, 250_000_000, 88_000_000]):
        path = f"{ctx}/model/shard-{i}.safetensors"
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            left = n
            while left:
                k = min(left, 16 << 20)
                f.write(rng.randbytes(k))
                left -= k
        os.utime(path, (MTIME, MTIME))
    for dirpath, dirnames, _ in os.walk(ctx):
        for d in dirnames:
            os.utime(os.path.join(dirpath, d), (MTIME, MTIME))


if __name__ == "__main__":
    main(sys.argv[1])
