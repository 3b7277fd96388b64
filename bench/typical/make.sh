#!/usr/bin/env bash
# Build the "typical" benchmark image: an ordinary large application image
# without dive's whiteout cliff (few deletions), the shape most users have.
#
#   bench/typical/make.sh            # builds ballast-typical:1 and :2, saves typical.tar
#
# What it is (10 layers, ~1.6 GB, ~150,000 entries, a handful of whiteouts):
#   1  ADD rootfs.tar /          a real Debian bookworm root (`debootstrap
#                                --variant=minbase`, from deb.debian.org)
#   2  COPY site-packages        a Python tree: ~60,000 files, .py text and .so blobs
#   3  COPY dist-tools           a second Python layer: ~25,000 files
#   4  COPY node_modules         ~45,000 small files
#   5  COPY model                one big layer: three weight files, 738 MB
#   6  COPY app                  application code: ~6,000 files
#   7  RUN rm ...                a few deletions (apt lists, docs): few whiteouts
#   8  RUN echo >> /etc/passwd   a small overwrite
#   9  COPY config
#  10  COPY entrypoint.sh        (ballast-typical:2 differs from :1 in this layer only)
# Trees 2-6 are written by gen.py from a fixed seed (sizes log-normal, text
# for sources, random bytes for binaries and weights), so every machine gets
# the same files; docker build then makes the layers, and `docker save`
# writes bench/out/typical/typical.tar (and typical2.tar).
#
# Environment: ROOTFS (an existing debootstrap root to use instead of making
# one), OUT (default bench/out/typical). Needs root (debootstrap), docker,
# python3. Everything is skipped when typical.tar and the images exist.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=${OUT:-$ROOT/bench/out/typical}
CTX=$OUT/context
mkdir -p "$OUT" "$CTX"
log() { printf '[typical %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

if [ -s "$OUT/typical.tar" ] && [ -s "$OUT/typical2.tar" ] \
    && docker image inspect ballast-typical:1 ballast-typical:2 >/dev/null 2>&1; then
    log "typical.tar and the images are there; remove $OUT to rebuild"
    exit 0
fi

ROOTFS=${ROOTFS:-$OUT/rootfs}
if [ ! -x "$ROOTFS/bin/sh" ]; then
    log "debootstrap --variant=minbase bookworm into $ROOTFS"
    debootstrap --variant=minbase bookworm "$ROOTFS" http://deb.debian.org/debian >"$OUT/debootstrap.log"
fi
if [ ! -s "$CTX/rootfs.tar" ]; then
    log "packing the root"
    tar --numeric-owner --sort=name -C "$ROOTFS" -cf "$CTX/rootfs.tar" .
fi
if [ ! -e "$CTX/.generated" ]; then
    log "writing the trees (gen.py, fixed seed)"
    python3 "$ROOT/bench/typical/gen.py" "$CTX"
    touch "$CTX/.generated"
fi
cat > "$CTX/Dockerfile" <<'EOF'
FROM scratch
ADD rootfs.tar /
COPY site-packages /usr/local/lib/python3.11/site-packages
COPY dist-tools /usr/local/lib/python3.11/dist-tools
COPY node_modules /srv/web/node_modules
COPY model /opt/model
COPY app /srv/app
RUN rm -rf /var/lib/apt/lists/deb.debian.org_* /usr/share/doc/apt /usr/share/doc/bash /var/cache/debconf/templates.dat-old
RUN echo 'app:x:1000:1000::/srv/app:/bin/sh' >> /etc/passwd
COPY config /srv/config
ARG TOP=1
COPY entrypoint-${TOP}.sh /entrypoint.sh
CMD ["/entrypoint.sh"]
EOF
printf '#!/bin/sh\nexec python3 -m app "$@"\n' > "$CTX/entrypoint-1.sh"
printf '#!/bin/sh\n# v2: a changed entrypoint\nexec python3 -m app --serve "$@"\n' > "$CTX/entrypoint-2.sh"
chmod +x "$CTX"/entrypoint-*.sh
for v in 1 2; do
    log "docker build ballast-typical:$v"
    DOCKER_BUILDKIT=0 docker build -q --build-arg TOP=$v -t ballast-typical:$v "$CTX" >/dev/null
done
log "docker save"
docker save ballast-typical:1 > "$OUT/typical.tar.tmp" && mv "$OUT/typical.tar.tmp" "$OUT/typical.tar"
docker save ballast-typical:2 > "$OUT/typical2.tar.tmp" && mv "$OUT/typical2.tar.tmp" "$OUT/typical2.tar"
ls -l "$OUT"/typical*.tar >&2
