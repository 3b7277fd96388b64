#!/usr/bin/env bash
# Cache simulation speed: `ballast dockerfile --commits 1000` over a generated
# repository of 10,000 files and 1,000 commits.
#
#   bench/cache.sh [--files N] [--commits N] [--runs N]
#
# The repository is written by `git fast-import` from a stream this script
# generates with a fixed seed and fixed dates, so its commit ids are the same
# on every machine. The history mixes what a team's commits look like: most
# edit a few source files, some touch the manifests (package.json and its
# lockfile), some only docs (ignored by .dockerignore), some add files, a few
# flip an exec bit. The Dockerfile has the common `COPY . .` before `npm ci`
# shape, so the run also builds and simulates the proposed reordering.
# Timing: hyperfine when installed (median of --runs), else bash's `time`.
# The repository goes to bench/out/cache-repo and is reused while its spec
# (files, commits) is unchanged.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$ROOT/bench/out
FILES=10000
COMMITS=1000
RUNS=5
while [ $# -gt 0 ]; do
  case "$1" in
    --files) FILES=$2; shift 2 ;;
    --commits) COMMITS=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done

REPO=$OUT/cache-repo
SPEC="files=$FILES commits=$COMMITS v1"
mkdir -p "$OUT"

if [ "$(cat "$REPO/.bench-spec" 2>/dev/null || true)" != "$SPEC" ]; then
  rm -rf "$REPO"
  git init -q -b main "$REPO"
  python3 - "$FILES" "$COMMITS" <<'PY' | git -C "$REPO" fast-import --quiet
import random, sys

files, commits = int(sys.argv[1]), int(sys.argv[2])
rng = random.Random(42)
out = sys.stdout.buffer
when = 1_700_000_000

def data(text):
    b = text.encode()
    out.write(b"data %d\n" % len(b) + b + b"\n")

def commit(n, message, ops):
    global when
    when += 3600
    out.write(b"commit refs/heads/main\n")
    out.write(b"committer Bench <bench@example.com> %d +0000\n" % when)
    data(message)
    for mode, path, text in ops:
        if text is None:
            out.write(b"D %s\n" % path.encode())
        else:
            out.write(b"M %s inline %s\n" % (mode.encode(), path.encode()))
            data(text)

def body(path, version):
    return f"// {path} v{version}\n" + "x" * rng.randrange(200, 4000) + "\n"

paths = []
for i in range(files - 6):
    d = f"src/mod{i % 100:02d}/sub{(i // 100) % 10}"
    ext = "md" if i % 50 == 0 else "js"
    paths.append(f"{d}/file{i:05d}.{ext}")
version = {p: 0 for p in paths}
dockerfile = """FROM node:22-slim
WORKDIR /app
ENV NODE_ENV=production
COPY . .
RUN npm ci && npm run build
USER node
CMD ["node", "dist/server.js"]
"""
base = [("100644", p, body(p, 0)) for p in paths]
base += [
    ("100644", "Dockerfile", dockerfile),
    ("100644", ".dockerignore", ".git\nnode_modules\n**/*.md\nDockerfile\n"),
    ("100644", "package.json", '{"name":"bench","version":"0.0.0"}\n'),
    ("100644", "package-lock.json", '{"lockfileVersion":3}\n'),
    ("100644", "README.md", "bench\n"),
    ("100755", "scripts/build.sh", "#!/bin/sh\n"),
]
commit(0, "initial import", base)
lock = 0
for n in range(1, commits):
    r = rng.random()
    ops = []
    if r < 0.75:  # source edits
        for p in rng.sample(paths, rng.randrange(1, 6)):
            version[p] += 1
            ops.append(("100644", p, body(p, version[p])))
        message = "fix: source"
    elif r < 0.85:  # dependency bump
        lock += 1
        ops.append(("100644", "package.json", '{"name":"bench","version":"%d"}\n' % lock))
        ops.append(("100644", "package-lock.json", '{"lockfileVersion":3,"n":%d}\n' % lock))
        message = "deps: bump"
    elif r < 0.93:  # docs only
        p = rng.choice([p for p in paths if p.endswith(".md")])
        version[p] += 1
        ops.append(("100644", p, body(p, version[p])))
        message = "docs"
    elif r < 0.98:  # new files
        for k in range(rng.randrange(1, 4)):
            p = f"src/new/c{n:04d}_{k}.js"
            paths.append(p)
            version[p] = 0
            ops.append(("100644", p, body(p, 0)))
        message = "feat: new module"
    else:  # exec bit
        p = rng.choice(paths)
        ops.append(("100755", p, body(p, version[p])))
        message = "chore: chmod"
    commit(n, message, ops)
PY
  git -C "$REPO" checkout -q main
  echo "$SPEC" > "$REPO/.bench-spec"
fi

BIN=$ROOT/target/release/ballast
(cd "$ROOT" && cargo build --release --quiet)
echo "repository: $(git -C "$REPO" ls-files | wc -l) files, $(git -C "$REPO" rev-list --count HEAD) commits" >&2
CMD="$BIN dockerfile $REPO/Dockerfile --commits $COMMITS --json /dev/null"
if command -v hyperfine >/dev/null; then
  hyperfine --warmup 1 --runs "$RUNS" --export-markdown "$OUT/cache.md" "$CMD"
else
  time $CMD
fi
"$BIN" dockerfile "$REPO/Dockerfile" --commits "$COMMITS" | tail -n 3
